"""The faces chapters (5, 6) on a CelebA folder given by the user."""

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from course_utils.data import celeba

ROOT = Path(__file__).resolve().parents[1]
CH5 = ROOT / "book" / "05_faces.ipynb"
CH6 = ROOT / "book" / "06_latent_arithmetic.ipynb"


def outputs_text(path):
    parts = []
    for cell in nbformat.read(path, as_version=4).cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or json.dumps(out.get("data", {})))
    return "\n".join(parts)


@pytest.mark.slow
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
    assert "Trained faces_vae" in text
    # Chapter 6 finds the folder through the environment variable and loads chapter 5's model.
    monkeypatch.setenv(celeba.CELEBA_ENV, str(folder))
    papermill.execute_notebook(str(CH6), str(tmp_path / "06.ipynb"), kernel_name="python3",
                               parameters=sizes, progress_bar=False)
    text = outputs_text(tmp_path / "06.ipynb")
    assert f"Data: CelebA from {folder}: 96 training and 64 test images" in text
    assert "Loaded faces_vae" in text and "Trained faces_vae" not in text
    assert not (cache / celeba.STANDIN_FOLDER).exists()


def code_of(path):
    return "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                     if cell.cell_type == "code")


def test_chapter_6_edits_the_attribute_its_measurement_chooses():
    """No attribute is fixed in the code: None means the run's highest AUC the judge can check."""
    from course_utils import settings
    from booktools import instructor

    assert instructor.cell_defaults("06_latent_arithmetic")["ATTRIBUTE"] is None
    rule = settings.CHAPTERS["06_latent_arithmetic"]["ATTRIBUTE"]
    assert rule.check("ATTRIBUTE", None) is None
    assert rule.check("ATTRIBUTE", "Eyeglasses") == "Eyeglasses"
    code = code_of(CH6)
    assert '"Smiling"' not in code
    # cfg.ATTRIBUTE is read where the chapter chooses (and says how it chose), nowhere else.
    assert code.count("cfg.ATTRIBUTE") == 2 and "ATTR = cfg.ATTRIBUTE or judged[0]" in code


def test_every_verdict_of_the_faces_chapters_comes_from_an_interval():
    """The words that compare come from compare(...), the judge's words are withheld on failure."""
    for path in (CH5, CH6):
        code = code_of(path)
        assert "compare(" in code
        assert '"above" if' not in code and '"below" if' not in code
    code = code_of(CH6)
    assert code.count('if features_ok else "withheld"') >= 3
    assert "judge_ok = bool(passes[ATTR])" in code
