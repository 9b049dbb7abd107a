"""The model cache: load instead of retraining, keyed by the model's code and the settings."""

import json
import os
import shutil
import zipfile

import keras
import numpy as np
import pytest
from keras import layers

from course_utils import cache
from course_utils.cache import Entry, cache_root, fingerprint, load_or_train

SETTINGS = {"data": {"source": "synthetic", "n": 32}, "epochs": 2, "seed": 0}
X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")


def build(hidden=2, activation=None, learning_rate=0.01):
    """A tiny compiled autoencoder 4 -> hidden -> 4, seeded."""
    keras.utils.set_random_seed(0)
    x = keras.Input((4,))
    model = keras.Model(x, layers.Dense(4)(layers.Dense(hidden, activation=activation)(x)))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    return model


class Trainer:
    """train(model) that counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, model):
        self.calls += 1
        return model.fit(X, X, epochs=2, batch_size=16, validation_split=0.25, verbose=0)


def folder_of(tmp_path, model=None, settings=SETTINGS):
    return Entry("ae", model or build(), tmp_path, **settings).folder


def test_second_call_loads_instead_of_training(tmp_path, capsys):
    train = Trainer()
    model, history = load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    assert "Trained ae" in capsys.readouterr().out
    loaded, history_again = load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    out = capsys.readouterr().out
    assert train.calls == 1
    assert "Loaded ae" in out and str(folder_of(tmp_path)) in out
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 2
    assert history_again == history  # read back from JSON: exact
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)  # stored and read back bit for bit
    stored = json.loads((folder_of(tmp_path) / "config.json").read_text())
    assert stored["settings"] == SETTINGS and set(stored["model"]) == {"architecture", "code",
                                                                       "compile"}


def test_a_changed_setting_trains_anew(tmp_path):
    train = Trainer()
    load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    for change in ({"seed": 1}, {"data": {"source": "real", "n": 32}}, {"epochs": 3}):
        load_or_train("ae", build(), train, tmp_path, **{**SETTINGS, **change})
    assert train.calls == 4
    assert len(list(tmp_path.iterdir())) == 4
    # Key order does not matter: the same settings load.
    load_or_train("ae", build(), train, tmp_path, **dict(reversed(list(SETTINGS.items()))))
    assert train.calls == 4


@pytest.mark.parametrize("change", [{"hidden": 3}, {"activation": "relu"},
                                    {"learning_rate": 0.001}],
                         ids=["a layer's size", "an activation", "the optimizer"])
def test_a_changed_builder_or_compile_trains_anew(tmp_path, change):
    train = Trainer()
    load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    load_or_train("ae", build(**change), train, tmp_path, **SETTINGS)
    assert train.calls == 2


def test_layer_names_do_not_matter_and_a_second_build_finds_the_entry():
    first, second = build(), build()  # Keras names the second build's layers dense_2, ...
    assert [w.path for w in first.weights] != [w.path for w in second.weights]
    assert fingerprint(first) == fingerprint(second)


# --- The code of custom classes is part of the key -------------------------------------------


class Scale(layers.Layer):
    """Multiply by 2."""

    def call(self, x):
        return 2.0 * x


def scaled_model(layer_class):
    x = keras.Input((4,))
    model = keras.Model(x, layers.Dense(4)(layer_class()(x)))
    model.compile(optimizer="adam", loss="mse")
    return model


def edited_scale():
    """Return the Scale class as if its code had been edited: another factor."""
    class Scale(layers.Layer):
        def call(self, x):
            return 3.0 * x

    return Scale


def test_editing_a_layers_code_changes_the_key():
    before, after = fingerprint(scaled_model(Scale)), fingerprint(scaled_model(edited_scale()))
    assert after["architecture"] == before["architecture"]  # the same layers and settings
    assert after["code"]["Scale"] != before["code"]["Scale"]


def test_a_class_from_a_notebook_cell_is_keyed_by_its_code_not_its_comments():
    """As IPython runs a cell: the class's methods are found through linecache."""
    import linecache

    def cell_class(text, filename):
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        namespace = {"layers": layers}
        exec(compile(text, filename, "exec"), namespace)
        return namespace["Scale"]

    text = "class Scale(layers.Layer):\n    def call(self, x):\n        return 2.0 * x\n"
    solution = text.replace("        return", "        # BEGIN SOLUTION\n        return") + (
        "        # END SOLUTION\n        # STUB: return None  # your code here\n")
    first, marked = cell_class(text, "<cell 1>"), cell_class(solution, "<cell 2>")
    edited = cell_class(text.replace("2.0", "3.0"), "<cell 3>")
    assert cache.class_code(first) == cache.class_code(marked) == cache.class_code(Scale)
    assert cache.class_code(edited) != cache.class_code(first)


def test_editing_the_vaes_train_step_changes_the_key():
    from course_utils import models

    def vae():
        keras.utils.set_random_seed(0)
        model = models.build_dense_vae(2)
        model.compile(optimizer="adam")
        return model

    class EditedVAE(models.VAE):
        def train_step(self, images):
            return super().train_step(images)

    base = vae()
    edited = EditedVAE(base.encoder, base.decoder, name=base.name)
    edited.compile(optimizer="adam")
    assert fingerprint(vae()) == fingerprint(vae())
    assert fingerprint(edited)["code"] != fingerprint(base)["code"]


# --- Damaged entries -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A cache folder holding one trained entry, trained once for the whole module."""
    folder = tmp_path_factory.mktemp("cache")
    load_or_train("ae", build(), Trainer(), folder, **SETTINGS)
    return folder


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
    config = json.loads(path.read_text())
    path.write_text(json.dumps({**config, "settings": {**SETTINGS, "seed": 99}}))


@pytest.mark.parametrize("file, damage", [
    ("model.keras", truncate), ("model.keras", garbage), ("model.keras", junk_zip),
    ("history.json", truncate), ("history.json", a_list),
    ("config.json", other_config), ("config.json", a_list),
])
def test_a_damaged_cache_file_is_reported_and_retrained(tmp_path, capsys, trained, file,
                                                        damage):
    shutil.copytree(folder_of(trained), folder_of(tmp_path))
    damage(folder_of(tmp_path) / file)
    train = Trainer()
    model, history = load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    out = capsys.readouterr().out
    assert train.calls == 1
    assert "Cache problem" in out and file in out and "Trained ae" in out
    assert len(history["loss"]) == 2
    # The retrained entry is whole again.
    load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    assert train.calls == 1


@pytest.mark.parametrize("file", ["model.keras", "history.json", "config.json"])
def test_an_entry_missing_a_file_is_trained_again(tmp_path, trained, file):
    shutil.copytree(folder_of(trained), folder_of(tmp_path))
    os.remove(folder_of(tmp_path) / file)
    assert not Entry("ae", build(), tmp_path, **SETTINGS).exists()
    train = Trainer()
    load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    assert train.calls == 1


def test_no_temporary_files_are_left(tmp_path):
    load_or_train("ae", build(), Trainer(), tmp_path, **SETTINGS)
    assert [p.name for p in tmp_path.iterdir()] == [folder_of(tmp_path).name]
    names = sorted(p.name for p in folder_of(tmp_path).iterdir())
    assert names == ["config.json", "history.json", "model.keras"]


def test_an_interrupted_save_leaves_no_entry(tmp_path, capsys):
    model = build()
    model.save = lambda path: (open(path, "wb").write(b"PK half"), 1 / 0)
    with pytest.raises(ZeroDivisionError):
        load_or_train("ae", model, Trainer(), tmp_path, **SETTINGS)
    assert list(tmp_path.iterdir()) == []
    capsys.readouterr()
    train = Trainer()
    load_or_train("ae", build(), train, tmp_path, **SETTINGS)
    assert train.calls == 1 and "Cache problem" not in capsys.readouterr().out


@pytest.mark.parametrize("name", ["", "ch1/ae", "..\\ae"])
def test_a_name_must_be_a_plain_folder_name(tmp_path, name):
    with pytest.raises(ValueError, match="name"):
        load_or_train(name, build(), Trainer(), tmp_path, **SETTINGS)


def test_cache_folder_from_argument_env_or_home(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path / "env"))
    assert cache_root() == tmp_path / "env"
    assert cache_root(tmp_path / "arg") == tmp_path / "arg"
    load_or_train("ae", build(), Trainer(), **SETTINGS)
    assert (folder_of(tmp_path / "env") / "model.keras").is_file()
    monkeypatch.delenv("COURSE_CACHE")
    assert str(cache_root()).endswith(os.path.join(".cache", "latent-spaces"))
    assert "~" not in str(cache_root())


def test_a_dict_history_and_none_are_accepted(tmp_path):
    _, history = load_or_train("ae", build(), lambda m: {"loss": [np.float32(0.5), 0.25]},
                               tmp_path, **SETTINGS)
    assert history == {"loss": [0.5, 0.25]}
    _, history = load_or_train("ae", build(), lambda m: None, tmp_path,
                               **{**SETTINGS, "seed": 5})
    assert history == {}


@pytest.mark.parametrize("settings, where", [
    ({"lr": np.float32(0.1)}, "lr="),
    ({"data": {"shape": np.array([28, 28])}}, "data="),
    ({"sizes": [1, 2, {3}]}, "sizes="),
    ({"beta": float("nan")}, "beta="),
])
def test_a_setting_json_cannot_hold_is_a_type_error_naming_it(tmp_path, settings, where):
    with pytest.raises(TypeError) as error:
        load_or_train("ae", build(), Trainer(), tmp_path, **settings)
    assert where in str(error.value)


SHARED_RUN = """
import sys, time
from pathlib import Path
import keras, numpy as np
from keras import layers
from course_utils.cache import load_or_train
cache, signals = sys.argv[1], Path(sys.argv[2])
keras.utils.set_random_seed(0)
x = keras.Input((4,))
model = keras.Model(x, layers.Dense(4)(layers.Dense(2)(x)))
model.compile(optimizer="adam", loss="mse")
data = np.zeros((8, 4), "float32")
def train(model):
    (signals / "training").touch()  # the lock is held: the test starts the second run
    while not (signals / "go").exists():  # until the second run is waiting for the lock
        time.sleep(0.05)
    return model.fit(data, data, epochs=1, verbose=0)
load_or_train("shared", model, train, cache, epochs=1)
"""


def test_two_runs_sharing_a_cache_train_once(tmp_path):
    """The second run waits for the first one's training and loads what it saved.

    The runs signal through files, so the order holds however slow the machine is: the
    second starts once the first trains, and the first finishes once the second waits.
    """
    import subprocess
    import sys
    import time

    cache_dir, signals = tmp_path / "cache", tmp_path / "signals"
    signals.mkdir()
    command = [sys.executable, "-c", SHARED_RUN, str(cache_dir), str(signals)]

    def start():
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)

    def wait_for(condition, what, seconds=300):
        deadline = time.monotonic() + seconds  # a bound against hanging, not a timing
        while not condition():
            assert time.monotonic() < deadline, f"no {what} after {seconds} s"
            time.sleep(0.05)

    first = start()
    wait_for((signals / "training").exists, "training in the first run")
    second = start()
    said = []
    wait_for(lambda: said.append(second.stdout.readline()) or "Waiting" in said[-1],
             "wait in the second run")
    (signals / "go").touch()
    outs = [first.communicate(timeout=300)[0], "".join(said) + second.communicate(timeout=300)[0]]
    assert first.returncode == second.returncode == 0
    assert "Trained shared" in outs[0] and "Loaded shared" in outs[1], outs
    assert "Waiting for another run that is training shared" in outs[1], outs
    # Exactly one entry, complete, and no temporary folder left of either run.
    (entry,) = cache_dir.iterdir()
    assert entry.name.startswith("shared-")
    assert sorted(p.name for p in entry.iterdir()) == ["config.json", "history.json",
                                                       "model.keras"]
