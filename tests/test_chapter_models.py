"""The model on the page is the library's: chapters 1, 3 and 5 write what later chapters reuse.

Each test runs the cells of a chapter that define its model, builds that model and the
library's with the same seed, and checks that they have the same layers, the same number of
parameters, the same outputs for the same weights, and (so that the model cache shares them)
the same fingerprint.
"""

import json
import linecache
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers, ops

from course_utils import cache, kl, models

BOOK = Path(__file__).resolve().parents[1] / "book"


def page(chapter, names, **namespace):
    """Run the code cells of a chapter that define the given names; return the namespace."""
    cells = ["".join(c["source"]) for c in json.loads((BOOK / chapter).read_text())["cells"]
             if c["cell_type"] == "code"]
    namespace = {"__name__": "__main__", "keras": keras, "layers": layers, "ops": ops, "tf": tf,
                 "np": np, "models": models, **namespace}
    for name in names:
        (source,) = [s for s in cells if f"def {name}(" in s or f"class {name}(" in s]
        filename = f"<{chapter}:{name}>"
        # As IPython does for a cell, so that inspect (and the model cache) can read the code.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace


def seeded(build):
    keras.utils.set_random_seed(0)
    return build()


def assert_same_model(mine, library, inputs):
    """Same layers and parameter count, and the same outputs once they share the weights."""
    outputs = [model.predict(inputs, verbose=0) for model in (mine, library)]  # builds them too
    assert [type(layer).__name__ for layer in mine._flatten_layers()] == [
        type(layer).__name__ for layer in library._flatten_layers()]
    assert mine.count_params() == library.count_params()
    for a, b in zip(mine.get_weights(), library.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same seed gives the same initial weights
    np.testing.assert_allclose(*outputs, rtol=1e-5, atol=1e-6)


def compiled(model):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss="binary_crossentropy")
    return model


def test_chapter_1_builds_the_librarys_autoencoders():
    ns = page("01_autoencoder.ipynb", ["build_dense_autoencoder", "build_encoder",
                                       "build_decoder"])

    def chapter_autoencoder():
        encoder, decoder = ns["build_encoder"](), ns["build_decoder"]()
        images = keras.Input(shape=(32, 32, 1), name="image")
        return keras.Model(images, decoder(encoder(images)), name="autoencoder")

    x = np.random.default_rng(0).random((4, 32, 32, 1)).astype("float32")
    mine, library = seeded(chapter_autoencoder), seeded(lambda: models.build_autoencoder()[0])
    assert_same_model(mine, library, x)
    assert cache.fingerprint(compiled(mine)) == cache.fingerprint(compiled(library))

    x28 = x[:, 2:30, 2:30]
    mine = seeded(lambda: ns["build_dense_autoencoder"]()[0])
    library = seeded(lambda: models.build_dense_autoencoder()[0])
    assert_same_model(mine, library, x28)
    assert cache.fingerprint(compiled(mine)) == cache.fingerprint(compiled(library))


@pytest.mark.parametrize("dataset", ["fashion_mnist", "mnist"])
def test_chapter_3_writes_the_librarys_vae(dataset):
    shape, filters = {"fashion_mnist": ((32, 32, 1), (32, 64, 128)),
                      "mnist": ((28, 28, 1), (32, 64))}[dataset]
    # With the course's own Sampling, as a student whose answer fails gets it.
    ns = page("03_vae.ipynb", ["build_vae_encoder", "VAE"], SamplingLayer=models.Sampling,
              kl_closed_form=kl.kl_closed_form, INPUT_SHAPE=shape, FILTERS=filters)

    def chapter_vae():
        return ns["VAE"](ns["build_vae_encoder"](), models.build_decoder(2, shape, filters),
                         beta=1.0, name="vae")

    x = np.random.default_rng(0).random((8, *shape)).astype("float32")
    mine, library = seeded(chapter_vae), seeded(lambda: models.build_vae(2, 1.0, shape, filters))
    assert_same_model(mine, library, x)
    for model in (mine, library):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001))
    # The whole fingerprint, code included: the page's class is the library's, line for line.
    assert cache.fingerprint(mine) == cache.fingerprint(library)
    # And it trains alike: one epoch from the same seed gives the same losses.
    losses = []
    for model in (mine, library):
        keras.utils.set_random_seed(1)
        losses.append(model.fit(x, epochs=1, batch_size=4, verbose=0).history)
    for key in ("total_loss", "reconstruction_loss", "kl_loss"):
        np.testing.assert_allclose(losses[0][key], losses[1][key], rtol=1e-5)


def test_chapter_3_with_its_own_solutions_trains_like_the_reference():
    """The page's solutions, run as a student's answers would be, train to the library's loss."""
    ns = page("03_vae.ipynb", ["Sampling"], INPUT_SHAPE=(32, 32, 1), FILTERS=(32, 64, 128))
    ns = page("03_vae.ipynb", ["build_vae_encoder", "VAE"], **ns, SamplingLayer=ns["Sampling"],
              kl_closed_form=kl.kl_closed_form)

    def chapter_vae():
        return ns["VAE"](ns["build_vae_encoder"](), models.build_decoder(), name="vae")

    x = np.random.default_rng(0).random((8, 32, 32, 1)).astype("float32")
    histories, fingerprints = [], []
    for build in (chapter_vae, models.build_vae):
        model = seeded(build)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001))
        fingerprints.append(cache.fingerprint(model))
        keras.utils.set_random_seed(1)
        histories.append(model.fit(x, epochs=2, batch_size=4, verbose=0).history)
    np.testing.assert_allclose(histories[0]["total_loss"], histories[1]["total_loss"], rtol=1e-4)
    # The solutions are the library's code, docstrings aside: the model cache shares the entry
    # (a student's own code, written otherwise, gets an entry of its own: test_cache.py).
    assert fingerprints[0]["code"] == fingerprints[1]["code"]


def decoder_with_relu_layers(latent_dim=2):
    """A right answer to chapter 1's exercise, written otherwise: ReLU as layers of their own."""
    z = keras.Input(shape=(latent_dim,))
    x = layers.Reshape((4, 4, 128))(layers.Dense(4 * 4 * 128)(z))
    for filters in (128, 64, 32):
        x = layers.ReLU()(layers.Conv2DTranspose(filters, 3, strides=2, padding="same")(x))
    return keras.Model(z, layers.Conv2D(1, 3, padding="same", activation="sigmoid")(x))


def test_chapter_1_trains_a_students_own_decoder_apart_from_the_courses(capsys):
    from course_utils import checks

    assert checks.check_decoder(decoder_with_relu_layers) is decoder_with_relu_layers
    assert capsys.readouterr().out.startswith("✓")
    ns = page("01_autoencoder.ipynb", ["build_encoder"])
    x = np.random.default_rng(0).random((16, 32, 32, 1)).astype("float32")
    losses, fingerprints = [], []
    for build_decoder in (decoder_with_relu_layers, models.build_decoder):
        keras.utils.set_random_seed(0)  # the chapter's training cell, as it runs
        encoder, decoder = ns["build_encoder"](), build_decoder()
        images = keras.Input(shape=(32, 32, 1))
        autoencoder = compiled(keras.Model(images, decoder(encoder(images))))
        fingerprints.append(cache.fingerprint(autoencoder))
        losses.append(autoencoder.fit(x, x, epochs=2, batch_size=8, verbose=0).history["loss"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)  # it trains like the course's
    assert fingerprints[0]["architecture"] != fingerprints[1]["architecture"]  # kept apart


def test_chapter_5_builds_the_librarys_faces_vae():
    ns = page("05_faces.ipynb", ["GaussianVAE", "build_faces_vae"])
    x = np.random.default_rng(0).random((4, 64, 64, 3)).astype("float32")
    mine = seeded(lambda: ns["build_faces_vae"](16, 0.2))
    library = seeded(lambda: models.build_faces_vae(16, 0.2))
    assert type(mine).__name__ == type(library).__name__ == "GaussianVAE"
    assert_same_model(mine, library, x)
    for model in (mine, library):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001))
    assert cache.fingerprint(mine) == cache.fingerprint(library)


def test_chapter_4s_free_bits_charge_no_kl_below_the_allowance():
    """With an allowance above every dimension's KL, a step is a step on the reconstruction."""
    ns = page("04_kl_divergence.ipynb", ["FreeBitsVAE"], kl=kl)
    x = np.random.default_rng(0).random((8, 32, 32, 1)).astype("float32")
    weights = []
    for build in (lambda: ns["FreeBitsVAE"](*parts(), free_bits=1e6),
                  lambda: models.VAE(*parts(), beta=0.0)):
        model = seeded(build)
        model.compile(optimizer=keras.optimizers.SGD(0.01))
        keras.utils.set_random_seed(1)  # the same draws z in both steps
        logs = model.train_step(tf.constant(x))
        weights.append([w.numpy() for w in model.trainable_weights])
    for mine, reference in zip(*weights):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-7)
    assert float(logs["kl_loss"]) >= 0  # the true KL is still logged


def parts():
    """Return a fresh encoder and decoder of chapter 3's VAE."""
    vae = models.build_vae()
    return vae.encoder, vae.decoder


def test_chapter_3s_sampling_layer_saves_its_noise_state(tmp_path):
    """A model reloaded from its weights file draws the noise the saved model would draw next."""
    sampling_class = page("03_vae.ipynb", ["Sampling"])["Sampling"]

    def model_with_sampling():
        inputs = [keras.Input((3,)), keras.Input((3,))]
        return keras.Model(inputs, sampling_class(seed=7)(inputs))

    z_mean, z_log_var = np.zeros((4, 3), "float32"), np.zeros((4, 3), "float32")
    saved = model_with_sampling()
    saved([z_mean, z_log_var])  # the generator moves on at every call
    saved.save_weights(tmp_path / "sampling.weights.h5")
    reloaded = model_with_sampling()
    reloaded.load_weights(tmp_path / "sampling.weights.h5")
    np.testing.assert_array_equal(reloaded([z_mean, z_log_var]), saved([z_mean, z_log_var]))


def test_chapter_7s_linear_autoencoder_is_linear():
    build = page("07_applications.ipynb", ["build_linear_autoencoder"])["build_linear_autoencoder"]
    model = seeded(lambda: build(3))
    assert [layer.activation.__name__ for layer in model.layers
            if isinstance(layer, layers.Dense)] == ["linear", "linear"]
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    # Linear (affine) in its input: f(a) + f(b) - f(0) = f(a + b).
    zero = np.zeros_like(x[:1])
    np.testing.assert_allclose(model(x[:1]) + model(x[1:]) - model(zero), model(x[:1] + x[1:]),
                               rtol=1e-4, atol=1e-4)


def test_chapter_7s_denoising_autoencoder_adds_noise_only_while_training():
    import types

    build = page("07_applications.ipynb", ["build_denoising_autoencoder"],
                 cfg=types.SimpleNamespace(SEED=0))["build_denoising_autoencoder"]
    model = seeded(lambda: build(4, 0.5))
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    np.testing.assert_allclose(model(x, training=False), decoder(encoder(x)), rtol=1e-5,
                               atol=1e-6)
    assert not np.allclose(model(x, training=True), model(x, training=False), atol=1e-3)
