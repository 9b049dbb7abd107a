"""Exercise checks: right answers pass, typical wrong ones get their hint, nothing ever raises."""

from pathlib import Path

import keras
import nbformat
import numpy as np
import pytest
import tensorflow as tf
from keras import layers, ops

from course_utils import checks, latent, models
from booktools import editions
from course_utils import arithmetic
from course_utils.kl import kl_closed_form, kl_sampled

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "chapter_template.ipynb"


def raises(*args, **kwargs):
    """Stand for a student's answer that fails with an error of its own."""
    raise ValueError("a mistake in the answer")


class InitRaises(keras.layers.Layer):
    def __init__(self, **kwargs):
        raise RuntimeError("broken constructor")


# Answers no check may raise on; each check must return its reference for them.
BROKEN = {
    "None": None,
    "not callable": 3,
    "raises ValueError": raises,
    "returns a string": lambda *args, **kwargs: "abc",
    "stub returning None": lambda *args, **kwargs: None,
    "class whose __init__ raises": InitRaises,
}
# Every check of a function or class in the book, with the reference it falls back to.
CHECKS = {
    "kl": (checks.check_kl_divergence, kl_closed_form),
    "sampling": (checks.check_sampling, models.Sampling),
    "decoder": (checks.check_decoder, models.build_decoder),
    "vae model": (checks.check_vae_model, models.VAE),
    "kl sampled": (checks.check_kl_sampled, kl_sampled),
    "kl bug fix": (checks.check_kl_bug_fix, kl_closed_form),
    "worth and price": (checks.check_worth_and_price, arithmetic.worth_and_price),
    "flips": (checks.check_flips, arithmetic.flips),
    "generate": (checks.check_generate, latent.sample_prior),
    "attribute vector": (checks.check_attribute_vector, latent.attribute_vector),
    "project out": (checks.check_project_out, latent.project_out),
}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("answer", BROKEN)
def test_broken_answers_never_raise_and_fall_back_to_the_reference(check, answer, run):
    check_fn, reference = CHECKS[check]
    result, out = run(check_fn, BROKEN[answer])
    assert result is reference
    assert out.startswith("✗") and "uses the reference" in out


def test_messages_name_the_student_exception(run):
    _, out = run(checks.check_kl_divergence, raises)
    assert "ValueError: a mistake in the answer" in out
    _, out = run(checks.check_sampling, InitRaises)
    assert "RuntimeError: broken constructor" in out


class VAEStub(models.VAE):
    """The exercise edition's VAE: the three methods still hold their stubs."""

    def reconstruction_loss(self, images, reconstructions):
        return None  # your code here

    def per_image_losses(self, images, training=False):
        reconstruction = kl = total = None  # your code here
        return reconstruction, kl, total

    def train_step(self, images):
        return {}  # your code here


class SamplingStub(layers.Layer):
    def call(self, inputs):
        return None  # your code here


STUBS = {
    "kl": lambda z_mean, z_log_var: None,
    "sampling": SamplingStub,
    "decoder": lambda latent_dim=2: None,
    "vae model": VAEStub,
    "kl sampled": lambda q, p, n_samples, seed=0: None,
    "kl bug fix": lambda z_mean, z_log_var: None,
    "worth and price": lambda images, labels, beta: None,
    "flips": lambda before, after, k, target=True: None,
}


@pytest.mark.parametrize("check", STUBS)
def test_an_unfilled_stub_is_called_unfinished(check, run):
    check_fn, reference = CHECKS[check]
    result, out = run(check_fn, STUBS[check])
    assert result is reference and "not done yet" in out, out


# --- KL divergence ----------------------------------------------------------------------------


def test_kl_reference_passes(run):
    result, out = run(checks.check_kl_divergence, kl_closed_form)
    assert result is kl_closed_form and out.startswith("✓")


def kl_ops_rewritten(z_mean, z_log_var):
    return 0.5 * ops.sum(ops.square(z_mean) + ops.exp(z_log_var) - z_log_var - 1.0, axis=1)


def kl_tf(z_mean, z_log_var):
    return tf.reduce_sum(0.5 * (z_mean**2 + tf.exp(z_log_var) - z_log_var - 1.0), axis=-1)


@pytest.mark.parametrize("answer", [kl_ops_rewritten, kl_tf])
def test_kl_written_differently_passes(answer, run):
    result, out = run(checks.check_kl_divergence, answer)
    assert result is answer and out.startswith("✓") and "But" not in out


def kl_numpy_loops(z_mean, z_log_var):
    z_mean, z_log_var = np.asarray(z_mean), np.asarray(z_log_var)
    kl = np.zeros(z_mean.shape[0])
    for i in range(z_mean.shape[0]):
        for j in range(z_mean.shape[1]):
            var = np.exp(z_log_var[i, j])
            kl[i] += 0.5 * (z_mean[i, j] ** 2 + var - z_log_var[i, j] - 1.0)
    return kl


def test_kl_with_numpy_loops_is_right_but_the_chapter_keeps_the_reference(run):
    result, out = run(checks.check_kl_divergence, kl_numpy_loops)
    assert out.startswith("✓") and "compiled training step" in out and "keras.ops" in out
    assert result is kl_closed_form


def kl_terms(m, lv):
    return -0.5 * (1.0 + lv - ops.square(m) - ops.exp(lv))


KL_MISTAKES = {
    "wrong sign": (lambda m, lv: -kl_closed_form(m, lv), "sign is wrong"),
    "missing 1/2": (lambda m, lv: 2.0 * kl_closed_form(m, lv), "factor 1/2"),
    "mean over dims": (lambda m, lv: ops.mean(kl_terms(m, lv), axis=-1), "mean over the latent"),
    "log-variance as variance": (
        lambda m, lv: -0.5 * ops.sum(1.0 + lv - ops.square(m) - lv, axis=-1),
        "log-variance as the variance"),
    "std as variance": (
        lambda m, lv: -0.5 * ops.sum(1.0 + lv - ops.square(m) - ops.exp(0.5 * lv), axis=-1),
        "standard deviation exp(0.5 * z_log_var) as the variance"),
    "no sum": (kl_terms, "sum over the last axis"),
    "scalar": (lambda m, lv: ops.mean(kl_closed_form(m, lv)), "single number for the whole batch"),
    "keepdims": (lambda m, lv: ops.sum(kl_terms(m, lv), axis=-1, keepdims=True), "no keepdims"),
    "log of the log-variance": (
        lambda m, lv: -0.5 * ops.sum(1.0 + ops.log(lv) - ops.square(m) - lv, axis=-1), "NaN"),
    "missing 1": (lambda m, lv: -0.5 * ops.sum(lv - ops.square(m) - ops.exp(lv), axis=-1),
                  "The 1 inside the sum"),
    "swapped": (lambda m, lv: kl_closed_form(lv, m), "arguments are swapped"),
    "something else": (lambda m, lv: kl_closed_form(m, lv) + 0.3, "the KL is 0, yours gives"),
}


# --- Sampling ---------------------------------------------------------------------------------


def test_sampling_reference_passes(run):
    result, out = run(checks.check_sampling, models.Sampling)
    assert result is models.Sampling and out.startswith("✓"), out


class SamplingSqrt(layers.Layer):
    """Right, written differently: no seed argument, std as sqrt(variance), tf.random."""

    def call(self, inputs):
        z_mean, z_log_var = inputs
        std = tf.sqrt(tf.exp(z_log_var))
        return z_mean + std * tf.random.normal(tf.shape(z_mean))


def test_sampling_written_differently_passes(run):
    result, out = run(checks.check_sampling, SamplingSqrt)
    assert result is SamplingSqrt and out.startswith("✓"), out


def sampling_layer(draw):
    """Return a Sampling-like layer class whose call is draw(z_mean, z_log_var, eps)."""

    class Student(layers.Layer):
        def __init__(self, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            return draw(z_mean, z_log_var, eps)

    return Student


class FixedSeed(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        return z_mean + ops.exp(0.5 * z_log_var) * keras.random.normal(ops.shape(z_mean), seed=7)


class SharedAcrossBatch(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        return z_mean + ops.exp(0.5 * z_log_var) * keras.random.normal(ops.shape(z_mean)[1:])


class SharedAcrossDims(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = keras.random.normal((ops.shape(z_mean)[0], 1))
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class NumpyNoise(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        eps = np.random.normal(size=z_mean.shape).astype("float32")
        return z_mean + ops.exp(0.5 * z_log_var) * eps


class NumpyExp(layers.Layer):
    def call(self, inputs):
        z_mean, z_log_var = inputs
        return z_mean + np.exp(0.5 * np.asarray(z_log_var)) * keras.random.normal(z_mean.shape)


SAMPLING_MISTAKES = {
    "std = exp(log_var)": (sampling_layer(lambda m, lv, e: m + ops.exp(lv) * e),
                           "which is the variance"),
    "ignores z_log_var": (sampling_layer(lambda m, lv, e: m + e), "variance 1 whatever"),
    "no noise": (sampling_layer(lambda m, lv, e: m + ops.exp(0.5 * lv)), "same output on every"),
    "eps only": (sampling_layer(lambda m, lv, e: e), "noise eps alone"),
    "log-var as std": (sampling_layer(lambda m, lv, e: m + lv * e), "z_log_var itself"),
    "half outside exp": (sampling_layer(lambda m, lv, e: m + 0.5 * ops.exp(lv) * e),
                         "inside the exponential"),
    "mean forgotten": (sampling_layer(lambda m, lv, e: ops.exp(0.5 * lv) * e), "should average"),
    "wrong shape": (sampling_layer(lambda m, lv, e: ops.sum(m + e, axis=-1)), "shape of z_mean"),
    "stop gradient": (sampling_layer(lambda m, lv, e: ops.stop_gradient(m + ops.exp(0.5 * lv) * e)),
                      "No gradient reaches z_mean"),
    "fixed seed": (FixedSeed, "a fixed number as seed"),
    "eps shared across the batch": (SharedAcrossBatch, "Every row of the batch"),
    "eps shared across dimensions": (SharedAcrossDims, "share the same noise"),
    "numpy noise": (NumpyNoise, "not inside a model"),
    "numpy exp": (NumpyExp, "No gradient reaches z_log_var"),
    "an instance": (models.Sampling(), "not an instance"),
    "a function": (lambda inputs: inputs[0], "subclasses keras.layers.Layer"),
}


# --- Decoder ----------------------------------------------------------------------------------


def test_decoder_reference_passes(run):
    result, out = run(checks.check_decoder, models.build_decoder)
    assert result is models.build_decoder and out.startswith("✓"), out


def decoder_sequential(latent_dim=2, output_shape=(32, 32, 1), filters=(32, 64, 128)):
    """Right, written differently: Sequential, separate activation layers."""
    scale = 2 ** len(filters)
    start = (output_shape[0] // scale, output_shape[1] // scale, filters[-1])
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(int(np.prod(start))),
        layers.Reshape(start),
        *[layer for n in filters[::-1] for layer in (
            layers.Conv2DTranspose(n, 3, strides=2, padding="same"), layers.ReLU())],
        layers.Conv2D(output_shape[-1], 3, padding="same"),
        layers.Activation("sigmoid"),
    ])


def decoder_sequential_relu(latent_dim):
    """decoder_sequential for the defaults, with a relu on its Dense layer."""
    model = decoder_sequential(latent_dim, (32, 32, 1), (32, 64, 128))
    model.layers[0].activation = keras.activations.relu
    return model


def test_decoder_written_differently_passes(run):
    result, out = run(checks.check_decoder, decoder_sequential)
    assert result is decoder_sequential and out.startswith("✓"), out


def decoder(latent_dim=2, start=(4, 4, 128), filters=(128, 64, 32), strides=2, padding="same",
            channels=1, last="sigmoid", kernel=3, input_dim=None):
    """Return a decoder with one thing changed, as a student might get it wrong."""
    z = keras.Input((input_dim or latent_dim,))
    x = layers.Dense(int(np.prod(start)))(z)
    x = layers.Reshape(start)(x)
    for n in filters:
        x = layers.Conv2DTranspose(n, kernel, strides=strides, padding=padding,
                                   activation="relu")(x)
    x = layers.Conv2D(channels, kernel, padding="same", activation=last)(x)
    return keras.Model(z, x)


DECODER_MISTAKES = {
    "two upsamplings": (lambda latent_dim: decoder(latent_dim, filters=(128, 64)),
                        "Conv2DTranspose(n, 3, strides=2"),
    "strides=1": (lambda latent_dim: decoder(latent_dim, strides=1), "each with strides=2"),
    "padding=valid": (lambda latent_dim: decoder(latent_dim, padding="valid"), "padding='same'"),
    "three channels": (lambda latent_dim: decoder(latent_dim, channels=3),
                       "the image's channels, 1 here"),
    "relu last": (lambda latent_dim: decoder(latent_dim, last="relu"), "needs a sigmoid"),
    "linear last": (lambda latent_dim: decoder(latent_dim, last=None), "needs a sigmoid"),
    "wrong reshape": (lambda latent_dim: decoder(latent_dim, start=(8, 8, 32), filters=(64, 32)),
                      "4x4x128 here"),
    "filters not reversed": (lambda latent_dim: decoder(latent_dim, filters=(32, 64, 128)),
                             "reversed(filters)"),
    "kernel 4": (lambda latent_dim: decoder(latent_dim, kernel=4), "kernel_size=3"),
    "latent_dim ignored": (lambda latent_dim: decoder(latent_dim, input_dim=2), "latent_dim=5"),
    "no parameter": (lambda: decoder(2), "TypeError"),
    "no defaults": (lambda latent_dim, output_shape, filters: decoder(latent_dim),
                    "Give output_shape and filters the defaults"),
    "defaults only": (lambda latent_dim=2: decoder(latent_dim),
                      "give build_decoder the parameters latent_dim, output_shape and filters"),
    "shapes fixed": (lambda latent_dim=2, output_shape=(32, 32, 1), filters=(32, 64, 128):
                     decoder(latent_dim), "must output images of shape (None, 28, 28, 1)"),
    "relu on the Dense layer": (lambda latent_dim=2, output_shape=(32, 32, 1),
                                filters=(32, 64, 128): decoder_sequential_relu(latent_dim),
                                "no activation on the Dense layer"),
    "no Input": (lambda latent_dim: keras.Sequential([layers.Dense(2048)]), "keras.Input"),
    "a layer": (lambda latent_dim: layers.Dense(3), "return a keras.Model"),
}


# Every typical mistake: (check, its reference, the wrong answer, the hint it must print).
MISTAKES = {
    **{f"kl: {k}": (checks.check_kl_divergence, kl_closed_form, *v)
       for k, v in KL_MISTAKES.items()},
    **{f"sampling: {k}": (checks.check_sampling, models.Sampling, *v)
       for k, v in SAMPLING_MISTAKES.items()},
    **{f"decoder: {k}": (checks.check_decoder, models.build_decoder, *v)
       for k, v in DECODER_MISTAKES.items()},
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_mistakes_get_their_hint_and_the_reference(mistake, run):
    check, reference, answer, hint = MISTAKES[mistake]
    result, out = run(check, answer)
    assert result is reference
    assert out.startswith("✗") and hint in out, out


# --- The marker convention and the template's exercise -----------------------------------------


def test_strip_solution_keeps_the_stub_and_drops_the_solution():
    source = ("def f(x):\n"
              "    # BEGIN SOLUTION\n"
              "    return 2 * x\n"
              "    # END SOLUTION\n"
              "    # STUB: return None  # your code here\n")
    assert editions.strip_solution(source) == "def f(x):\n    return None  # your code here"
    namespace = {}
    exec(source, namespace)
    assert namespace["f"](3) == 6  # in the book the stub is a comment


@pytest.mark.parametrize("source", ["# END SOLUTION", "# BEGIN SOLUTION\nx = 1",
                                    "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION"])
def test_strip_solution_rejects_unpaired_markers(source):
    with pytest.raises(ValueError):
        editions.strip_solution(source)


def template_exercise():
    """Return the template's exercise cells from its solution-start marker on."""
    cells = nbformat.read(TEMPLATE, as_version=4).cells
    start = next(i for i, c in enumerate(cells) if "{solution-start}" in c.source)
    return cells[start - 1:]


def test_template_shows_the_exercise_format():
    task, start, answer, end, check = template_exercise()[:5]
    assert task.source.lstrip().startswith(":::{exercise}") and ":label: template-kl" in task.source
    assert ":::{solution-start} template-kl" in start.source and ":class: dropdown" in start.source
    assert answer.cell_type == "code" and editions.BEGIN in answer.source
    assert end.source.strip().startswith(":::{solution-end}")
    assert "checks.check_kl_divergence(kl_divergence)" in check.source


def test_template_answer_and_its_student_stub_both_run(capsys):
    _, _, answer, _, check = template_exercise()[:5]
    for source, verdict in [(answer.source, "✓"), (editions.strip_solution(answer.source), "✗")]:
        namespace = {}
        exec(source, namespace)
        exec(check.source, namespace)
        assert capsys.readouterr().out.startswith(verdict)
        assert namespace["kl_fn"] is not None


def test_where_checks_must_pass_a_failing_one_raises_and_a_passing_one_does_not(monkeypatch,
                                                                               run):
    """make test sets COURSE_CHECKS_MUST_PASS for the book's notebooks, whose answers are the
    solutions: a check that fails there is a bug in the book, and stops the notebook."""
    monkeypatch.setenv("COURSE_CHECKS_MUST_PASS", "1")
    with pytest.raises(AssertionError, match="not right yet.*the book's own solution"):
        checks.check_kl_divergence(lambda z_mean, z_log_var: ops.sum(z_mean, axis=-1))
    result, said = run(checks.check_kl_divergence, kl_closed_form)
    assert result is kl_closed_form and said.startswith("✓")
