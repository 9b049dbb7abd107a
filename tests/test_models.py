"""The course's models: sizes, the Sampling layer, the VAE's losses, saving, and the models that
chapters 4 and 7 write on their pages only."""

import json
import types
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers, ops

from course_utils import kl, models
from course_utils.kl import kl_closed_form
from course_utils.models import (
    VAE,
    GaussianVAE,
    Sampling,
    build_attribute_classifier,
    build_autoencoder,
    build_decoder,
    build_dense_autoencoder,
    build_dense_vae,
    build_encoder,
    build_faces_vae,
    build_vae,
)

VARIANTS = ("conv32", "conv28", "dense", "faces")
INPUT_SHAPES = {"conv32": (32, 32, 1), "conv28": (28, 28, 1), "dense": (28, 28, 1),
                "faces": (64, 64, 3)}


def random_images(n, shape, seed=0):
    return np.random.default_rng(seed).random((n, *shape)).astype("float32")


def make_vae(variant, latent_dim=3, beta=1.0, seed=None):
    """Build one of the course's VAEs, seeded first when a seed is given."""
    if seed is not None:
        keras.utils.set_random_seed(seed)
    if variant == "faces":
        return build_faces_vae(latent_dim, beta)
    if variant == "dense":
        return build_dense_vae(latent_dim, beta)
    if variant == "conv28":
        return build_vae(latent_dim, beta, (28, 28, 1), (32, 64))
    return build_vae(latent_dim, beta)


# --- Autoencoders -----------------------------------------------------------------------------


def test_the_chapter_1_autoencoder_has_the_classic_parameter_counts():
    autoencoder, encoder, decoder = build_autoencoder()
    assert encoder.count_params() == 96_770
    assert decoder.count_params() == 246_273
    assert autoencoder.count_params() == 96_770 + 246_273
    assert encoder.output_shape == (None, 2)
    assert decoder.output_shape == (None, 32, 32, 1)
    assert autoencoder.output_shape == (None, 32, 32, 1)
    assert decoder.layers[2].output.shape == (None, 4, 4, 128)  # Dense 2048 reshaped


def test_input_size_filters_and_latent_size_are_arguments():
    autoencoder, encoder, decoder = build_autoencoder(5, (64, 48, 3), filters=(8, 16))
    assert encoder.output_shape == (None, 5)
    assert decoder.output_shape == (None, 64, 48, 3)
    out = autoencoder.predict(random_images(2, (64, 48, 3)), verbose=0)
    assert out.shape == (2, 64, 48, 3) and out.min() >= 0 and out.max() <= 1
    assert build_encoder(3, (16, 16, 1), (4,)).output_shape == (None, 3)
    with pytest.raises(ValueError, match="multiples of 2"):
        build_decoder(2, (28, 28, 1), (32, 64, 128))


def test_the_dense_autoencoder_goes_784_128_64_32_and_back():
    autoencoder, encoder, decoder = build_dense_autoencoder()
    dense = [layer for layer in autoencoder.layers[1].layers + autoencoder.layers[2].layers
             if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [128, 64, 32, 64, 128, 784]
    assert dense[-1].activation is keras.activations.sigmoid
    assert all(layer.activation is keras.activations.relu for layer in dense[:-1])
    assert encoder.output_shape == (None, 32)
    assert autoencoder.output_shape == (None, 28, 28, 1)


def seeded(seed, build, *args):
    keras.utils.set_random_seed(seed)
    return build(*args)


@pytest.mark.parametrize("build", [lambda: build_autoencoder()[0], build_vae,
                                   lambda: build_attribute_classifier(4)])
def test_seeding_first_fixes_the_initial_weights(build):
    first, second = seeded(4, build), seeded(4, build)
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same seeded initialisation, repeated
    other = seeded(5, build)
    assert not np.array_equal(first.get_weights()[0], other.get_weights()[0])


# --- Sampling ---------------------------------------------------------------------------------


def test_sampling_with_one_seed_draws_the_same_numbers():
    z_mean, z_log_var = np.zeros((4, 3), "float32"), np.zeros((4, 3), "float32")
    a, b, c = Sampling(seed=7), Sampling(seed=7), Sampling(seed=8)
    first = np.asarray(a([z_mean, z_log_var]))
    # The same draw repeated on the same shapes: exactly equal.
    np.testing.assert_array_equal(first, np.asarray(b([z_mean, z_log_var])))
    assert not np.array_equal(first, np.asarray(c([z_mean, z_log_var])))
    assert not np.array_equal(first, np.asarray(a([z_mean, z_log_var])))  # the state moves on
    assert a.get_config()["seed"] == 7
    assert Sampling.from_config(a.get_config()).seed == 7


def test_sampling_draws_have_the_given_mean_and_variance():
    n = 20_000
    mean = np.array([1.0, -2.0, 0.0], "float32")
    log_var = np.array([0.0, np.log(4.0), np.log(0.25)], "float32")
    z = np.asarray(Sampling(seed=0)([np.tile(mean, (n, 1)), np.tile(log_var, (n, 1))]))
    variance = np.exp(log_var)
    # Within 4 standard errors: of the mean sqrt(var/n), of the variance var*sqrt(2/n).
    assert np.all(np.abs(z.mean(axis=0) - mean) < 4 * np.sqrt(variance / n))
    assert np.all(np.abs(z.var(axis=0) - variance) < 4 * variance * np.sqrt(2 / n))


# --- VAE builders -----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_vae_maps_images_to_three_codes_and_back(variant):
    shape = INPUT_SHAPES[variant]
    vae = make_vae(variant, latent_dim=3, seed=0)
    assert isinstance(vae, VAE)
    assert [tuple(s) for s in vae.encoder.output_shape] == [(None, 3)] * 3
    assert vae.decoder.output_shape == (None, *shape)
    out = vae.predict(random_images(2, shape), verbose=0)
    assert out.shape == (2, *shape) and out.min() >= 0 and out.max() <= 1


def test_the_vaes_have_their_networks():
    conv32 = build_vae()
    assert conv32.encoder.count_params() == 96_770 + 4_098  # chapter 1's + a z_log_var head
    assert conv32.decoder.count_params() == 246_273  # chapter 1's decoder
    conv28 = make_vae("conv28").decoder
    assert [layer.output.shape for layer in conv28.layers[2:]] == [
        (None, 7, 7, 64), (None, 14, 14, 64), (None, 28, 28, 32), (None, 28, 28, 1)]
    dense = build_dense_vae(latent_dim=4).encoder
    assert [layer.units for layer in dense.layers if isinstance(layer, keras.layers.Dense)] == [
        256, 4, 4]
    faces = build_faces_vae()
    assert isinstance(faces, GaussianVAE) and faces.beta == 0.2  # the book's beta
    assert faces.encoder.output_shape[0] == (None, 200)
    flatten = [layer for layer in faces.encoder.layers if isinstance(layer, keras.layers.Flatten)]
    assert flatten[0].output.shape == (None, 4 * 4 * 64)
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in faces.decoder.layers)


# --- VAE losses and training ------------------------------------------------------------------


def test_fit_logs_total_reconstruction_and_kl_losses_with_validation_versions():
    vae = make_vae("dense", latent_dim=2, seed=0)
    vae.compile(optimizer="adam")
    images = random_images(64, (28, 28, 1))
    history = vae.fit(images, epochs=2, batch_size=16, verbose=0,
                      validation_data=(images[:16],)).history
    names = ["total_loss", "reconstruction_loss", "kl_loss"]
    assert sorted(history) == sorted(names + [f"val_{name}" for name in names])
    assert all(len(values) == 2 and np.all(np.isfinite(values)) for values in history.values())
    assert sorted(vae.fit(images, epochs=1, batch_size=32, verbose=0).history) == sorted(names)


def test_total_is_reconstruction_plus_beta_times_kl_per_batch():
    vae = make_vae("conv28", latent_dim=2, beta=3.0, seed=0)
    images = random_images(16, (28, 28, 1))
    logs = {name: float(value) for name, value in vae.test_step(images).items()}
    assert logs["kl_loss"] > 0
    assert logs["total_loss"] == pytest.approx(logs["reconstruction_loss"] + 3.0 * logs["kl_loss"],
                                               rel=1e-6)
    vae.compile(optimizer="adam")
    logs = vae.evaluate(images, batch_size=16, verbose=0, return_dict=True)
    assert logs["total_loss"] == pytest.approx(logs["reconstruction_loss"] + 3.0 * logs["kl_loss"],
                                               rel=1e-6)


def test_the_kl_term_is_the_closed_form_and_beta_zero_leaves_it_out():
    vae = make_vae("dense", latent_dim=2, beta=0.0, seed=0)
    images = random_images(8, (28, 28, 1))
    z_mean, z_log_var, _ = vae.encoder(images)
    rec, kl, total = vae.per_image_losses(images)
    np.testing.assert_allclose(kl, kl_closed_form(z_mean, z_log_var), rtol=1e-6)
    assert np.all(np.asarray(kl) > 0)
    np.testing.assert_array_equal(total, rec)  # rec + 0 * kl is rec exactly: no rounding


def test_reconstruction_losses_are_bce_or_squared_error_summed_over_pixels():
    images, outputs = random_images(3, (4, 4, 2), seed=1), random_images(3, (4, 4, 2), seed=2)
    bce = -(images * np.log(outputs) + (1 - images) * np.log(1 - outputs))
    vae = build_dense_vae()
    faces = GaussianVAE(vae.encoder, vae.decoder)  # the same networks, a Gaussian decoder
    np.testing.assert_allclose(vae.reconstruction_loss(images, outputs),
                               bce.sum(axis=(1, 2, 3)), rtol=1e-4)
    np.testing.assert_allclose(faces.reconstruction_loss(images, outputs),
                               ((images - outputs) ** 2).sum(axis=(1, 2, 3)), rtol=1e-5)


def test_calling_the_vae_decodes_z_mean_deterministically():
    vae = make_vae("dense", latent_dim=2, seed=0)
    images = random_images(4, (28, 28, 1))
    z_mean = vae.encoder(images)[0]
    np.testing.assert_allclose(vae(images), vae.decoder(z_mean), rtol=1e-5, atol=1e-6)
    # Deterministic: the same call repeated on the same shapes gives exactly the same images.
    np.testing.assert_array_equal(vae.predict(images, verbose=0), vae.predict(images, verbose=0))


# --- Saving -----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_trained_vae_reloads_in_safe_mode_with_identical_outputs(variant, tmp_path):
    vae = make_vae(variant, latent_dim=3, beta=2.0, seed=0)
    vae.compile(optimizer="adam")
    images = random_images(16, INPUT_SHAPES[variant])
    vae.fit(images, epochs=1, batch_size=8, verbose=0)
    vae.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    assert type(loaded) is type(vae) and loaded.beta == 2.0
    assert_same_weights(loaded, vae)
    np.testing.assert_allclose(loaded.encoder.predict(images, verbose=0)[0],
                               vae.encoder.predict(images, verbose=0)[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), vae.predict(images, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # The noise generator's state was saved too: both draw the same next noise.
    np.testing.assert_allclose(loaded.encoder(images)[2], vae.encoder(images)[2],
                               rtol=1e-5, atol=1e-6)
    loaded.fit(images, epochs=1, batch_size=8, verbose=0)  # compiled and ready to go on


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_vae_restored_from_the_cache_draws_the_noise_the_saved_one_would(variant, tmp_path):
    from course_utils.cache import load_or_train

    def compiled():
        vae = make_vae(variant, latent_dim=3, seed=0)
        vae.compile(optimizer="adam")
        return vae

    images = random_images(8, INPUT_SHAPES[variant])
    trained, _ = load_or_train("vae", compiled(), lambda m: m.fit(images, epochs=1, verbose=0),
                               tmp_path)
    # A fresh build starts its generator at the seed; the restore sets it where training left
    # it, so the cached model goes on with the trained one's noise, not the first epoch's again.
    restored, _ = load_or_train("vae", compiled(), pytest.fail, tmp_path)
    np.testing.assert_allclose(restored.encoder(images)[2], trained.encoder(images)[2],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("build", [build_autoencoder, build_dense_autoencoder])
def test_a_trained_autoencoder_reloads_in_safe_mode_with_identical_outputs(build, tmp_path):
    autoencoder, _, _ = seeded(0, build)
    autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
    images = random_images(16, autoencoder.input_shape[1:])
    autoencoder.fit(images, images, epochs=1, batch_size=8, verbose=0)
    autoencoder.save(tmp_path / "autoencoder.keras")
    loaded = keras.saving.load_model(tmp_path / "autoencoder.keras", safe_mode=True)
    assert_same_weights(loaded, autoencoder)
    np.testing.assert_allclose(loaded.predict(images, verbose=0),
                               autoencoder.predict(images, verbose=0), rtol=1e-5, atol=1e-6)


def assert_same_weights(loaded, saved):
    """Fail unless every weight was stored and read back bit for bit (no arithmetic involved)."""
    assert len(loaded.weights) == len(saved.weights)
    for a, b in zip(loaded.get_weights(), saved.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_the_chapters_classes_are_registered_under_the_packages_name():
    """Saved models name them so; a page registers its own copy apart (chapter_3>Sampling)."""
    for cls in (Sampling, VAE, GaussianVAE):
        assert keras.saving.get_registered_name(cls) == f"course_utils>{cls.__name__}"
    on_the_page = page("03_vae.ipynb", ["Sampling"])["Sampling"]
    assert keras.saving.get_registered_name(on_the_page) == "chapter_3>Sampling"


# --- The chapters' own models -----------------------------------------------------------------

BOOK = Path(__file__).resolve().parents[1] / "book"


def page(chapter, names, **namespace):
    """Run the code cells of a chapter that define the given names; return the namespace.

    It starts with what the chapters import (keyword arguments add to it or replace it).
    """
    cells = ["".join(c["source"]) for c in json.loads((BOOK / chapter).read_text())["cells"]
             if c["cell_type"] == "code"]
    namespace = {"__name__": "__main__", "keras": keras, "layers": layers, "ops": ops, "tf": tf,
                 "np": np, "models": models, "VAE": VAE, "Sampling": Sampling,
                 "kl_closed_form": kl_closed_form, **namespace}
    for name in names:
        (source,) = [s for s in cells if f"def {name}(" in s or f"class {name}(" in s]
        exec(compile(source, f"<{chapter}:{name}>", "exec"), namespace)
    return namespace


def test_chapter_4s_free_bits_charge_no_kl_below_the_allowance():
    """With an allowance above every dimension's KL, a step is a step on the reconstruction."""
    free_bits_vae = page("04_kl_divergence.ipynb", ["FreeBitsVAE"], kl=kl)["FreeBitsVAE"]
    x = random_images(8, (32, 32, 1))
    weights = []
    for build in (lambda: free_bits_vae(*vae_parts(), free_bits=1e6),
                  lambda: VAE(*vae_parts(), beta=0.0)):
        model = seeded(0, build)
        model.compile(optimizer=keras.optimizers.SGD(0.01))
        keras.utils.set_random_seed(1)  # the same draws z in both steps
        logs = model.train_step(tf.constant(x))
        weights.append([w.numpy() for w in model.trainable_weights])
    for mine, reference in zip(*weights):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-7)
    assert float(logs["kl_loss"]) >= 0  # the true KL is still logged


def vae_parts():
    """Return a fresh encoder and decoder of chapter 3's VAE."""
    vae = build_vae()
    return vae.encoder, vae.decoder


def test_chapter_7s_linear_autoencoder_is_linear():
    build = page("07_applications.ipynb", ["build_linear_autoencoder"])["build_linear_autoencoder"]
    model = seeded(0, build, 3)
    assert [layer.activation.__name__ for layer in model.layers
            if isinstance(layer, layers.Dense)] == ["linear", "linear"]
    x = random_images(2, (28, 28, 1))
    # Linear (affine) in its input: f(a) + f(b) - f(0) = f(a + b).
    zero = np.zeros_like(x[:1])
    np.testing.assert_allclose(model(x[:1]) + model(x[1:]) - model(zero), model(x[:1] + x[1:]),
                               rtol=1e-4, atol=1e-4)


def test_chapter_7s_denoising_autoencoder_adds_noise_only_while_training():
    build = page("07_applications.ipynb", ["build_denoising_autoencoder"],
                 cfg=types.SimpleNamespace(SEED=0))["build_denoising_autoencoder"]
    model = seeded(0, build, 4, 0.5)
    x = random_images(3, (28, 28, 1))
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    np.testing.assert_allclose(model(x, training=False), decoder(encoder(x)), rtol=1e-5,
                               atol=1e-6)
    assert not np.allclose(model(x, training=True), model(x, training=False), atol=1e-3)
