"""The faces chapters (5, 6): their shared parameters, the faces VAE's cache, a CelebA folder."""

import course_utils  # noqa: F401  (imports TensorFlow quietly, first)

import ast
import json
from pathlib import Path

import nbformat
import numpy as np
import papermill
import pytest

from course_utils import training
from course_utils.data import celeba

ROOT = Path(__file__).resolve().parents[1]
CH5 = ROOT / "book" / "05_faces.ipynb"
CH6 = ROOT / "book" / "06_latent_arithmetic.ipynb"
SHARED = ("SEED", "DATA_SOURCE", "CELEBA_DIR", "N_TRAIN", "N_TEST", "EPOCHS", "LATENT_DIM", "BETA",
          "BATCH_SIZE", "LEARNING_RATE")


def parameters(path):
    """Return the parameters cell's values by name."""
    cell = next(c for c in nbformat.read(path, as_version=4).cells
                if "parameters" in c.metadata.get("tags", []))
    return {node.targets[0].id: ast.literal_eval(node.value)
            for node in ast.parse(cell.source).body}


def profile_sizes(path):
    """Return the sizes dict passed to chapter.setup in the notebook."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and "chapter.setup(" in cell.source:
            call = next(node for node in ast.walk(ast.parse(cell.source))
                        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "setup")
            sizes = next(k.value for k in call.keywords if k.arg == "sizes")
            return {profile.value: {k.arg: ast.literal_eval(k.value) for k in value.keywords}
                    for profile, value in zip(sizes.keys, sizes.values)}
    raise AssertionError(f"{path.name} calls no chapter.setup")


def test_chapter_6_asks_for_chapter_5s_model():
    """Chapter 6 loads chapter 5's model from the cache only if their settings agree."""
    ch5, ch6 = parameters(CH5), parameters(CH6)
    assert {name: ch5[name] for name in SHARED} == {name: ch6[name] for name in SHARED}
    sizes5, sizes6 = profile_sizes(CH5), profile_sizes(CH6)
    for profile in ("full", "quick"):
        assert sizes5[profile] == {k: v for k, v in sizes6[profile].items() if k in sizes5[profile]}


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    return celeba.write_synthetic_celeba(tmp_path_factory.mktemp("faces") / "data", n=96, seed=5)


def test_the_faces_vae_trains_once_and_is_keyed_by_the_data(standin, tmp_path, capsys):
    kwargs = {"latent_dim": 8, "beta": 0.5, "batch_size": 32, "seed": 0, "cache_dir": tmp_path,
              "verbose": 0}
    vae, history = training.train_faces_vae(standin, 64, 32, 2, **kwargs)
    assert "Trained vae_faces" in capsys.readouterr().out
    assert set(history) == {f"{prefix}{key}" for prefix in ("", "val_")
                            for key in ("total_loss", "reconstruction_loss", "kl_loss")}
    assert len(history["kl_loss"]) == 2
    again, history_again = training.train_faces_vae(standin, 64, 32, 2, **kwargs)
    assert "Loaded vae_faces" in capsys.readouterr().out and history_again == history
    x = np.random.default_rng(0).random((3, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(again(x), vae(x), atol=1e-5)
    (config,) = [json.loads(p.read_text()) for p in tmp_path.glob("vae_faces-*/config.json")]
    assert config["data"]["standin"]["seed"] == 5 and config["data"]["n_train"] == 64
    # Other data (the same layout, other faces) is another model.
    other = celeba.write_synthetic_celeba(tmp_path / "other", n=96, seed=6)
    training.train_faces_vae(other, 64, 32, 2, **kwargs)
    assert "Trained vae_faces" in capsys.readouterr().out


def outputs_text(path):
    parts = []
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or json.dumps(out.get("data", {})))
    return "\n".join(parts)


def test_both_chapters_train_on_a_celeba_folder_as_given(tmp_path, monkeypatch):
    """A folder in the Kaggle layout is used as it is: no stand-in written, same code."""
    folder = celeba.write_synthetic_celeba(tmp_path / "my_celeba", n=160, seed=7)
    (folder / celeba.MARKER_NAME).unlink()  # now it is just a folder in CelebA's layout
    cache = tmp_path / "cache"
    monkeypatch.setenv("COURSE_CACHE", str(cache))
    monkeypatch.delenv(celeba.CELEBA_ENV, raising=False)
    sizes = {"PROFILE": "quick", "N_TRAIN": 96, "N_TEST": 64}
    papermill.execute_notebook(str(CH5), str(tmp_path / "05.ipynb"), kernel_name="python3",
                               parameters={**sizes, "CELEBA_DIR": str(folder)},
                               progress_bar=False)
    text = outputs_text(tmp_path / "05.ipynb")
    assert f"Data: CelebA from {folder}: 96 training and 64 test images" in text
    assert "stand-in" not in text.split("Data:")[0] and "No CelebA folder given" not in text
    assert "Trained vae_faces" in text
    # Chapter 6 finds the folder through the environment variable and loads chapter 5's model.
    monkeypatch.setenv(celeba.CELEBA_ENV, str(folder))
    papermill.execute_notebook(str(CH6), str(tmp_path / "06.ipynb"), kernel_name="python3",
                               parameters=sizes, progress_bar=False)
    text = outputs_text(tmp_path / "06.ipynb")
    assert f"Data: CelebA from {folder}: 96 training and 64 test images" in text
    assert "Loaded vae_faces" in text and "Trained vae_faces" not in text
    assert not (cache / celeba.STANDIN_FOLDER).exists()
