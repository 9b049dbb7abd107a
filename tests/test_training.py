"""The model cache: load instead of retraining, keyed by the whole configuration."""

import course_utils  # noqa: F401  (imports TensorFlow quietly, first)

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from course_utils.training import cache_root, config_key, load_or_train, strategy

CONFIG = {"arch": "dense", "latent_dim": 2, "data": {"source": "synthetic", "n": 32},
          "epochs": 2, "learning_rate": 0.01, "seed": 0}
X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")


def build():
    """A tiny functional autoencoder 4 -> 2 -> 4."""
    x = keras.Input((4,))
    model = keras.Model(x, keras.layers.Dense(4)(keras.layers.Dense(2)(x)))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


class Trainer:
    """train(model) that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, model):
        self.calls += 1
        return model.fit(X, X, epochs=2, batch_size=16, validation_split=0.25, verbose=0)


def folder_of(tmp_path, config=CONFIG):
    return tmp_path / f"ae-{config_key(config)}"


def test_second_call_loads_instead_of_training(tmp_path, capsys):
    train = Trainer()
    model, history = load_or_train("ae", CONFIG, build, train, cache_dir=tmp_path)
    assert "Trained ae" in capsys.readouterr().out
    loaded, history_again = load_or_train("ae", CONFIG, build, train, cache_dir=tmp_path)
    out = capsys.readouterr().out
    assert train.calls == 1
    assert "Loaded ae" in out and str(folder_of(tmp_path)) in out
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 2
    assert history_again == history
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
    stored = json.loads((folder_of(tmp_path) / "config.json").read_text())
    assert stored == CONFIG


def test_a_changed_parameter_trains_anew(tmp_path):
    train = Trainer()
    load_or_train("ae", CONFIG, build, train, cache_dir=tmp_path)
    for change in ({"seed": 1}, {"data": {"source": "real", "n": 32}}, {"epochs": 3}):
        load_or_train("ae", {**CONFIG, **change}, build, train, cache_dir=tmp_path)
    assert train.calls == 4
    assert len(list(tmp_path.iterdir())) == 4
    # Key order does not matter: the same configuration loads.
    load_or_train("ae", dict(reversed(list(CONFIG.items()))), build, train, cache_dir=tmp_path)
    assert train.calls == 4


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A cache folder holding one trained entry, trained once for the whole module."""
    cache = tmp_path_factory.mktemp("cache")
    load_or_train("ae", CONFIG, build, Trainer(), cache_dir=cache)
    return cache


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def garbage(path):
    path.write_bytes(b"\x00not a keras archive\xff" * 10)


def junk_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{not json")


def a_list(path):
    path.write_text("[1, 2]")


def other_config(path):
    path.write_text(json.dumps({**CONFIG, "seed": 99}))


@pytest.mark.parametrize("file, damage", [
    ("model.keras", truncate), ("model.keras", garbage), ("model.keras", junk_zip),
    ("model.keras", os.remove),
    ("history.json", os.remove), ("history.json", truncate), ("history.json", a_list),
    ("config.json", other_config), ("config.json", a_list), ("config.json", os.remove),
])
def test_a_damaged_cache_file_is_reported_and_retrained(tmp_path, capsys, trained, file,
                                                        damage):
    shutil.copytree(folder_of(trained), folder_of(tmp_path))
    damage(folder_of(tmp_path) / file)
    train = Trainer()
    model, history = load_or_train("ae", CONFIG, build, train, cache_dir=tmp_path)
    out = capsys.readouterr().out
    assert train.calls == 1
    assert "Cache problem" in out and file in out and "Trained ae" in out
    assert len(history["loss"]) == 2
    # The retrained entry is whole again.
    load_or_train("ae", CONFIG, build, train, cache_dir=tmp_path)
    assert train.calls == 1


def test_no_temporary_files_are_left(tmp_path):
    load_or_train("ae", CONFIG, build, Trainer(), cache_dir=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [folder_of(tmp_path).name]
    names = sorted(p.name for p in folder_of(tmp_path).iterdir())
    assert names == ["config.json", "history.json", "model.keras"]


def test_an_interrupted_save_leaves_no_entry(tmp_path, capsys):
    def build_unsaveable():
        model = build()
        model.save = lambda path: (open(path, "wb").write(b"PK half"), 1 / 0)
        return model

    with pytest.raises(ZeroDivisionError):
        load_or_train("ae", CONFIG, build_unsaveable, Trainer(), cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    capsys.readouterr()
    train = Trainer()
    load_or_train("ae", CONFIG, build, train, cache_dir=tmp_path)
    assert train.calls == 1 and "Cache problem" not in capsys.readouterr().out


@pytest.mark.parametrize("name", ["", "ch1/ae", "..\\ae"])
def test_a_name_must_be_a_plain_folder_name(tmp_path, name):
    with pytest.raises(ValueError, match="name"):
        load_or_train(name, CONFIG, build, Trainer(), cache_dir=tmp_path)


def test_cache_folder_from_argument_env_or_home(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "env"))
    assert cache_root() == tmp_path / "env"
    assert cache_root(tmp_path / "arg") == tmp_path / "arg"
    load_or_train("ae", CONFIG, build, Trainer(), distribute=tf.distribute.get_strategy())
    assert (folder_of(tmp_path / "env") / "model.keras").is_file()
    monkeypatch.delenv("COURSE_CACHE")
    assert str(cache_root()).endswith(os.path.join(".cache", "latent-spaces"))
    assert "~" not in str(cache_root())


def test_a_dict_history_and_none_are_accepted(tmp_path):
    def train(model):
        return {"loss": [np.float32(0.5), 0.25]}

    _, history = load_or_train("ae", CONFIG, build, train, cache_dir=tmp_path)
    assert history == {"loss": [0.5, 0.25]}
    _, history = load_or_train("ae", {**CONFIG, "seed": 5}, build, lambda m: None,
                               cache_dir=tmp_path)
    assert history == {}


@pytest.mark.parametrize("config, where", [
    ({"lr": np.float32(0.1)}, "config['lr']"),
    ({"data": {"shape": np.array([28, 28])}}, "config['data']['shape']"),
    ({"sizes": [1, 2, {3}]}, "config['sizes'][2]"),
    ({"beta": float("nan")}, "config['beta']"),
    ({1: "a"}, "non-string key"),
])
def test_a_config_json_cannot_hold_is_a_type_error_naming_the_key(tmp_path, config, where):
    with pytest.raises(TypeError) as error:
        load_or_train("ae", config, build, Trainer(), cache_dir=tmp_path)
    assert where in str(error.value)


def test_strategy_is_the_default_on_one_device():
    assert strategy() is tf.distribute.get_strategy()


def test_strategy_mirrors_when_several_gpus_are_visible(monkeypatch):
    gpus = {"GPU": ["/gpu:0", "/gpu:1"]}
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: gpus.get(kind, []))
    monkeypatch.setattr(tf.distribute, "MirroredStrategy", lambda *devices: ("mirrored", devices))
    assert strategy() == ("mirrored", ())
    gpus["GPU"] = ["/gpu:0"]
    assert strategy() is tf.distribute.get_strategy()


MIRRORED = textwrap.dedent("""
    import course_utils
    import sys
    import numpy as np
    import keras
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from course_utils.training import load_or_train, strategy
    mirrored = strategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2, mirrored

    def build():
        x = keras.Input((4,))
        model = keras.Model(x, keras.layers.Dense(4)(x))
        model.compile(optimizer="adam", loss="mse")
        return model

    def train(model):
        assert model.distribute_strategy is mirrored
        x = np.ones((16, 4), "float32")
        return model.fit(x, x, epochs=1, batch_size=8, verbose=0)

    for _ in range(2):
        model, history = load_or_train("m", {"seed": 0}, build, train,
                                       cache_dir=sys.argv[1], distribute=mirrored)
    print("replicas", mirrored.num_replicas_in_sync, "epochs", len(history["loss"]))
""")


def test_training_mirrors_over_two_logical_cpus(tmp_path):
    # Logical devices must be set before TensorFlow starts, hence a fresh process.
    run = subprocess.run([sys.executable, "-c", MIRRORED, str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Trained m" in run.stdout and "Loaded m" in run.stdout
    assert "replicas 2 epochs 1" in run.stdout


# --- The book's models: chapter 2 must get chapter 1's model from the cache ----------------------

from course_utils import training  # noqa: E402


def tiny_images(n, size=32, seed=0):
    return np.random.default_rng(seed).uniform(size=(n, size, size, 1)).astype("float32")


def test_train_autoencoder_twice_gives_the_same_model_from_the_cache(tmp_path, capsys):
    x = tiny_images(16)
    ident = training.data_id("fashion_mnist", "synthetic", 16, 0)
    first = training.train_autoencoder(x, x[:4], ident, 1, batch_size=8, cache_dir=tmp_path,
                                       verbose=0)
    second = training.train_autoencoder(x, x[:4], ident, 1, batch_size=8, cache_dir=tmp_path,
                                        verbose=0)
    assert "Loaded conv_autoencoder from cache" in capsys.readouterr().out
    assert first[3] == second[3] and set(first[3]) == {"loss", "val_loss"}
    assert second[1].name == "encoder" and second[2].name == "decoder"
    np.testing.assert_allclose(first[1](x[:4]), second[1](x[:4]), rtol=1e-5, atol=1e-6)


def test_train_autoencoder_is_reproducible_without_the_cache(tmp_path):
    x = tiny_images(16)
    ident = training.data_id("fashion_mnist", "synthetic", 16, 3)
    runs = [training.train_autoencoder(x, x[:4], ident, 2, batch_size=4, seed=3,
                                       cache_dir=tmp_path / str(i), verbose=0) for i in range(2)]
    # A determinism test: the same training repeated in one process on the same shapes.
    assert runs[0][3] == runs[1][3]


def test_train_autoencoder_dense_and_bad_kind(tmp_path):
    x = tiny_images(8, size=28)
    ident = training.data_id("fashion_mnist", "synthetic", 8, 0)
    _, encoder, _, _ = training.train_autoencoder(x, x, ident, 1, kind="dense", latent_dim=32,
                                                  cache_dir=tmp_path, verbose=0)
    assert encoder.output.shape == (None, 32)
    with pytest.raises(ValueError, match="kind"):
        training.train_autoencoder(x, x, ident, 1, kind="conv3d", cache_dir=tmp_path)


def test_train_vae_tracks_three_losses_and_reloads(tmp_path):
    x = tiny_images(16)
    ident = training.data_id("fashion_mnist", "synthetic", 16, 0)
    vae, history = training.train_vae(x, x[:4], ident, 1, batch_size=8, cache_dir=tmp_path,
                                      verbose=0)
    assert {"total_loss", "reconstruction_loss", "kl_loss", "val_kl_loss"} <= set(history)
    again, same = training.train_vae(x, x[:4], ident, 1, batch_size=8, cache_dir=tmp_path,
                                     verbose=0)
    assert same == history
    np.testing.assert_allclose(vae(x[:4]), again(x[:4]), rtol=1e-5, atol=1e-6)
