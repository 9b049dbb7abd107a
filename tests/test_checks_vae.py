"""Chapter 3's checks: right answers pass, typical wrong ones get their hint, no raising."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

from course_utils import checks, latent, models
from course_utils.kl import kl_closed_form

REFERENCE = latent.sample_prior
CHECK = checks.check_generate


def generate_predict(decoder, n, seed=0):
    """Right, written differently: rng.normal, decoder.predict, inputs[0].shape."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0.0, 1.0, size=(n, decoder.inputs[0].shape[-1]))
    return decoder.predict(z, verbose=0)


def generate_keras(decoder, n, seed=0):
    """Right, written differently: keras.random with an integer seed, a tensor returned."""
    z = keras.random.normal((n, decoder.input_shape[1]), seed=seed)
    return decoder(z, training=False)


def generate_with_decode(decoder, n, seed=0):
    """Right: the course's batched decoder call."""
    z = np.random.default_rng(seed).standard_normal((n, decoder.input_shape[-1]))
    return latent.decode(decoder, z)


@pytest.mark.parametrize("answer", [REFERENCE, generate_predict, generate_keras,
                                    generate_with_decode])
def test_right_answers_pass_and_come_back(answer, run):
    result, out = run(CHECK, answer)
    assert result is answer
    assert out.startswith("✓ generate"), out


def test_the_reference_decodes_a_real_decoder():
    decoder = models.build_dense_vae().decoder
    images = latent.sample_prior(decoder, 6, seed=3)
    assert images.shape == (6, 28, 28, 1) and 0 <= images.min() and images.max() <= 1
    # Deterministic: the same call repeated on the same shapes gives exactly the same images.
    np.testing.assert_array_equal(images, latent.sample_prior(decoder, 6, seed=3))


def raises(decoder, n, seed=0):
    raise ValueError("a mistake in the answer")


def draw(decoder, z):
    return decoder(np.asarray(z, "float32"), training=False)


def dim(decoder):
    return decoder.input_shape[-1]


def per_point(decoder, n, seed=0):
    z = np.random.default_rng(seed).standard_normal((n, dim(decoder))).astype("float32")
    return np.concatenate([ops.convert_to_numpy(decoder(z[i:i + 1])) for i in range(n)])


# Wrong answers, each with a piece of the hint it must get.
MISTAKES = {
    "None": (None, "run the cell that defines it"),
    "not callable": (3, "should be a function"),
    "stub": (lambda decoder, n, seed=0: None, "not done yet"),
    "raises": (raises, "ValueError: a mistake in the answer"),
    "no seed parameter": (lambda decoder, n: None, "TypeError"),
    "a string": (lambda decoder, n, seed=0: "images", "return a tensor"),
    "returns z": (lambda decoder, n, seed=0:
                  np.random.default_rng(seed).standard_normal((n, dim(decoder))),
                  "You return the latent points"),
    "flat images": (lambda decoder, n, seed=0: ops.reshape(
        draw(decoder, np.random.default_rng(seed).standard_normal((n, dim(decoder)))), (n, -1)),
        "as they come out of it"),
    "uniform": (lambda decoder, n, seed=0:
                draw(decoder, np.random.default_rng(seed).uniform(-2, 2, (n, dim(decoder)))),
                "spread uniformly"),
    "uniform with std 1": (lambda decoder, n, seed=0: draw(
        decoder, np.random.default_rng(seed).uniform(-np.sqrt(3), np.sqrt(3), (n, dim(decoder)))),
        "spread uniformly"),
    "variance 2 as scale": (lambda decoder, n, seed=0: draw(
        decoder, np.random.default_rng(seed).normal(0, 2, (n, dim(decoder)))),
        "standard deviation"),
    "shifted": (lambda decoder, n, seed=0:
                draw(decoder, 1 + np.random.default_rng(seed).standard_normal((n, dim(decoder)))),
                "centred on 0"),
    "one point": (lambda decoder, n, seed=0: draw(
        decoder, np.repeat(np.random.default_rng(seed).standard_normal((1, dim(decoder))), n, 0)),
        "same latent point"),
    "one number per image": (lambda decoder, n, seed=0: draw(
        decoder, np.repeat(np.random.default_rng(seed).standard_normal((n, 1)), dim(decoder), 1)),
        "same numbers"),
    "not Normal": (lambda decoder, n, seed=0: draw(
        decoder, np.random.default_rng(seed).laplace(0, 1 / np.sqrt(2), (n, dim(decoder)))),
        "not Normal"),
    "global state": (lambda decoder, n, seed=0:
                     draw(decoder, np.random.normal(size=(n, dim(decoder)))), "the global state"),
    "seed ignored": (lambda decoder, n, seed=0:
                     draw(decoder, np.random.default_rng(0).standard_normal((n, dim(decoder)))),
                     "Seeds 0 and 1 give the same images"),
    "latent_dim hard-coded": (lambda decoder, n, seed=0:
                              draw(decoder, np.random.default_rng(seed).standard_normal((n, 2))),
                              "decoder.input_shape[-1]"),
    "one call per point": (per_point, "one batched call"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_mistakes_get_their_hint_and_the_reference(name, run):
    answer, hint = MISTAKES[name]
    result, out = run(CHECK, answer)
    assert result is REFERENCE
    assert out.startswith("✗") and hint in out, out
    assert "uses the reference" in out


# --- The VAE's loss and training step ---------------------------------------------------------


class VAEWithMse(models.VAE):
    """Right in structure, but the Bernoulli loss written by hand with clipping."""

    def reconstruction_loss(self, images, reconstructions):
        r = ops.clip(reconstructions, 1e-7, 1 - 1e-7)
        return -ops.sum(images * ops.log(r) + (1 - images) * ops.log(1 - r), axis=(1, 2, 3))


def vae_variant(reconstruction=None, losses=None, step=None):
    """Return a VAE class with some methods replaced."""
    body = {}
    if reconstruction:
        body["reconstruction_loss"] = reconstruction
    if losses:
        body["per_image_losses"] = losses
    if step:
        body["train_step"] = step
    return type("Variant", (models.VAE,), body)


def losses_with(decode="z", beta_on="kl", kl_mean=False):
    def per_image_losses(self, images, training=False):
        z_mean, z_log_var, z = self.encoder(images, training=training)
        decoded = self.decoder(z if decode == "z" else z_mean, training=training)
        reconstruction = self.reconstruction_loss(images, decoded)
        kl = kl_closed_form(z_mean, z_log_var)
        if kl_mean:
            kl = kl / ops.cast(ops.shape(z_mean)[-1], kl.dtype)
        total = {"kl": reconstruction + self.beta * kl, "none": reconstruction + kl,
                 "reconstruction": self.beta * reconstruction + kl}[beta_on]
        return reconstruction, kl, total
    return per_image_losses


def step_with(reduce=ops.mean, apply=True, logs=True):
    def train_step(self, images):
        with tf.GradientTape() as tape:
            reconstruction, kl, total = self.per_image_losses(images, training=True)
            loss = reduce(total)
        gradients = tape.gradient(loss, self.trainable_weights)
        if apply:
            self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self.track(reconstruction, kl, total) if logs else None
    return train_step


def test_the_vae_reference_and_a_variant_pass(run):
    for answer in (models.VAE, VAEWithMse):
        result, out = run(checks.check_vae_model, answer)
        assert result is answer and out.startswith("✓ VAE"), out


VAE_MISTAKES = {
    "mean over pixels": (vae_variant(reconstruction=lambda self, x, r: ops.mean(
        ops.binary_crossentropy(x, r), axis=(1, 2, 3))), "averages the pixels"),
    "squared error": (vae_variant(reconstruction=lambda self, x, r: ops.sum(
        ops.square(x - r), axis=(1, 2, 3))), "summed binary cross-entropy"),
    "decodes z_mean": (vae_variant(losses=losses_with(decode="z_mean")), "decodes z_mean"),
    "beta ignored": (vae_variant(losses=losses_with(beta_on="none")), "ignores beta"),
    "beta on reconstruction": (vae_variant(losses=losses_with(beta_on="reconstruction")),
                               "weighs the KL"),
    "kl averaged": (vae_variant(losses=losses_with(kl_mean=True)), "kl_closed_form"),
    "sum over batch": (vae_variant(step=step_with(reduce=ops.sum)), "times too large"),
    "no step": (vae_variant(step=step_with(apply=False)), "left the weights unchanged"),
    "no logs": (vae_variant(step=step_with(logs=False)), "running means"),
    "an instance": (models.build_vae(), "Pass the class itself"),
}


@pytest.mark.parametrize("name", VAE_MISTAKES)
def test_vae_mistakes_get_their_hint(name, run):
    answer, hint = VAE_MISTAKES[name]
    result, out = run(checks.check_vae_model, answer)
    assert result is models.VAE
    assert out.startswith("✗") and hint in out, out
