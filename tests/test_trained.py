"""course_utils.trained: each model of the book trained once, then loaded, by any chapter."""

import ast
import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import papermill
import pytest
import tensorflow as tf

from course_utils import distribute, models, trained
from course_utils.data import celeba, faces

BOOK = Path(__file__).resolve().parents[1] / "book"


def tiny_images(n, size=32, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, size, size, 1)).astype("float32")


def test_the_autoencoder_trains_once_and_loads_the_same_model(tmp_path, capsys):
    x = tiny_images(16)
    ident = trained.data_key("fashion_mnist", "synthetic", 16, 0)
    first = trained.autoencoder(x, x[:4], ident, 1, batch_size=8, cache_dir=tmp_path, verbose=0)
    second = trained.autoencoder(x, x[:4], ident, 1, batch_size=8, cache_dir=tmp_path, verbose=0)
    assert "Loaded conv_autoencoder from cache" in capsys.readouterr().out
    assert first[3] == second[3] and set(first[3]) == {"loss", "val_loss"}
    assert second[1].name == "encoder" and second[2].name == "decoder"
    np.testing.assert_allclose(first[1](x[:4]), second[1](x[:4]), rtol=1e-5, atol=1e-6)


def test_the_autoencoder_is_reproducible_without_the_cache(tmp_path):
    x = tiny_images(16)
    ident = trained.data_key("fashion_mnist", "synthetic", 16, 3)
    runs = [trained.autoencoder(x, x[:4], ident, 2, batch_size=4, seed=3,
                                cache_dir=tmp_path / str(i), verbose=0) for i in range(2)]
    # A determinism test: the same training repeated in one process on the same shapes.
    assert runs[0][3] == runs[1][3]


def test_the_dense_autoencoder_has_a_32_number_code(tmp_path):
    x = tiny_images(8, size=28)
    ident = trained.data_key("fashion_mnist", "synthetic", 8, 0)
    _, encoder, _, _ = trained.dense_autoencoder(x, x, ident, 1, cache_dir=tmp_path, verbose=0)
    assert encoder.output.shape == (None, 32)


@pytest.mark.parametrize("size, dense", [(32, False), (28, False), (28, True)],
                         ids=["conv 32x32", "conv 28x28", "dense"])
def test_a_vae_tracks_three_losses_and_reloads(tmp_path, size, dense):
    x = tiny_images(16, size=size)
    ident = trained.data_key("fashion_mnist", "synthetic", 16, 0)
    vae, history = trained.vae(x, x[:4], ident, 1, dense=dense, batch_size=8,
                               cache_dir=tmp_path, verbose=0)
    assert {"total_loss", "reconstruction_loss", "kl_loss", "val_kl_loss"} <= set(history)
    assert vae.decoder.output_shape == (None, size, size, 1)
    again, same = trained.vae(x, x[:4], ident, 1, dense=dense, batch_size=8, cache_dir=tmp_path,
                              verbose=0)
    assert same == history
    np.testing.assert_allclose(vae(x[:4]), again(x[:4]), rtol=1e-5, atol=1e-6)


def test_the_library_defaults_are_the_books_parameters():
    """trained's defaults are the values of the chapters' parameters cells."""
    def book(chapter):
        cell = papermill.inspect_notebook(str(BOOK / f"{chapter}.ipynb"))
        return {name: ast.literal_eval(p["default"]) for name, p in cell.items()}

    faces_vae = inspect.signature(trained.faces_vae).parameters
    chapter_5 = book("05_faces")
    for name in ("LATENT_DIM", "BETA", "BATCH_SIZE", "LEARNING_RATE", "SEED"):
        assert faces_vae[name.lower()].default == chapter_5[name], name
    builder = inspect.signature(models.build_faces_vae).parameters
    assert (builder["latent_dim"].default, builder["beta"].default) == (chapter_5["LATENT_DIM"],
                                                                       chapter_5["BETA"])
    autoencoder = inspect.signature(trained.autoencoder).parameters
    chapter_1 = book("01_autoencoder")
    assert autoencoder["batch_size"].default == chapter_1["BATCH_SIZE"]
    assert autoencoder["seed"].default == chapter_1["SEED"]


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    return celeba.write_synthetic_celeba(tmp_path_factory.mktemp("faces") / "data", n=96, seed=5)


def test_the_faces_vae_trains_once_and_is_keyed_by_the_data(standin, tmp_path, capsys):
    kwargs = {"latent_dim": 8, "beta": 0.5, "batch_size": 32, "seed": 0, "cache_dir": tmp_path,
              "verbose": 0}
    vae, history = trained.faces_vae(standin, 64, 32, 2, **kwargs)
    assert "Trained faces_vae" in capsys.readouterr().out
    assert set(history) == {f"{prefix}{key}" for prefix in ("", "val_")
                            for key in ("total_loss", "reconstruction_loss", "kl_loss")}
    assert len(history["kl_loss"]) == 2
    again, history_again = trained.faces_vae(standin, 64, 32, 2, **kwargs)
    assert "Loaded faces_vae" in capsys.readouterr().out and history_again == history
    x = np.random.default_rng(0).random((3, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(again(x), vae(x), atol=1e-5)
    (config,) = [json.loads(p.read_text()) for p in tmp_path.glob("faces_vae-*/config.json")]
    data = config["settings"]["data"]
    assert data["standin"]["seed"] == 5 and data["n_train"] == 64
    # Other data (the same layout, other faces) is another model.
    other = celeba.write_synthetic_celeba(tmp_path / "other", n=96, seed=6)
    trained.faces_vae(other, 64, 32, 2, **kwargs)
    assert "Trained faces_vae" in capsys.readouterr().out


def test_the_classifier_trains_once_and_loads_from_the_cache(standin, tmp_path, capsys):
    names = list(faces.ATTRIBUTES)
    model, history = trained.attribute_classifier(standin, names, 64, 32, epochs=1, seed=0,
                                                  cache_dir=tmp_path, verbose=0)
    assert "Trained attribute_classifier" in capsys.readouterr().out
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    again, _ = trained.attribute_classifier(standin, names, 64, 32, epochs=1, seed=0,
                                            cache_dir=tmp_path, verbose=0)
    assert "Loaded attribute_classifier" in capsys.readouterr().out
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)  # stored and read back bit for bit
    # Outputs of two model objects: compare the logits with float32 tolerance.
    x = np.random.default_rng(0).random((4, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(model(x), again(x), rtol=1e-5, atol=1e-6)
    # Other attributes are another model.
    trained.attribute_classifier(standin, names[:2], 64, 32, epochs=1, seed=0,
                                 cache_dir=tmp_path, verbose=0)
    assert "Trained attribute_classifier" in capsys.readouterr().out


# --- Several devices ----------------------------------------------------------------------------


def test_strategy_is_the_default_on_one_device():
    assert distribute.strategy() is tf.distribute.get_strategy()


def test_strategy_mirrors_when_several_gpus_are_visible(monkeypatch):
    gpus = {"GPU": ["/gpu:0", "/gpu:1"]}
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: gpus.get(kind, []))
    monkeypatch.setattr(tf.distribute, "MirroredStrategy", lambda *devices: ("mirrored", devices))
    assert distribute.strategy() == ("mirrored", ())
    gpus["GPU"] = ["/gpu:0"]
    assert distribute.strategy() is tf.distribute.get_strategy()


MIRRORED = textwrap.dedent("""
    import sys

    from course_utils import _quiet
    _quiet.import_tensorflow_quietly()
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from course_utils import distribute, trained

    mirrored = distribute.strategy(["/cpu:0", "/cpu:1"])
    distribute.strategy = lambda devices=None: mirrored  # what several GPUs would give
    x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    ident = trained.data_key("fashion_mnist", "synthetic", 16, 0)
    for _ in range(2):
        vae, history = trained.vae(x, x[:4], ident, 1, dense=True, batch_size=8,
                                   cache_dir=sys.argv[1], verbose=0)
    print("class", type(vae).__name__, "replicas", mirrored.num_replicas_in_sync,
          "epochs", len(history["kl_loss"]))
""")


def test_trained_mirrors_the_vae_over_two_logical_cpus(tmp_path):
    # Logical devices must be set before TensorFlow starts, hence a fresh process.
    run = subprocess.run([sys.executable, "-c", MIRRORED, str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Trained dense_vae" in run.stdout and "Loaded dense_vae" in run.stdout
    assert "class MirroredVAE replicas 2 epochs 1" in run.stdout
