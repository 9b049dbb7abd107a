"""The start of every chapter: its parameters and their rules, profiles, checks, seeding."""

import ast
from pathlib import Path

import nbformat
import numpy as np
import papermill
import pytest

from course_utils import chapter, settings
from booktools import build
from course_utils.settings import ParameterError, integer

ROOT = Path(__file__).resolve().parents[1]
# Every page that runs with parameters; the front page (intro) only reads the book's files.
NOTEBOOKS = {path.stem: path for path in [*(ROOT / "book").glob("*.ipynb"),
                                          ROOT / "templates" / "chapter_template.ipynb"]
             if path != build.root_page()}
TEST = {  # a chapter of its own, for these tests
    **settings.COMMON,
    "EPOCHS": integer(1, 100, full=10, quick=1),
    "N": integer(1, 60_000, full=60_000, quick=2_000),
    "SOURCE": settings.choice("auto", "real", "synthetic"),
    "BETA": settings.number(0, 10),
}


@pytest.fixture(autouse=True)
def declared_test_chapter(monkeypatch):
    monkeypatch.setitem(settings.CHAPTERS, "test", TEST)
    chapter._SET_UP.discard("test")


def run_setup(profile="quick", seed=0, **overrides):
    values = {"PROFILE": profile, "SEED": seed, "EPOCHS": None, "N": None, "SOURCE": "auto",
              "BETA": 1.0, **overrides}
    return chapter.setup("test", values)


def test_profile_fills_sizes_and_overrides_win(capsys):
    quick = run_setup("quick")
    assert (quick.PROFILE, quick.EPOCHS, quick.N) == ("quick", 1, 2_000)
    full = run_setup("full", EPOCHS=3)
    assert (full.EPOCHS, full.N) == (3, 60_000)
    assert "Profile 'full', seed 0" in capsys.readouterr().out


def test_profile_from_environment(monkeypatch):
    monkeypatch.setattr(chapter, "gpu_present", lambda: False)
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert chapter.resolve_profile(None) == "quick"
    assert chapter.resolve_profile("full") == "full"  # the parameter wins
    monkeypatch.delenv("COURSE_PROFILE")
    assert chapter.resolve_profile(None) == "full"
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(ParameterError, match="COURSE_PROFILE.*full, quick, gpu.*'fast'"):
        chapter.resolve_profile(None)


def test_a_gpu_chooses_the_gpu_profile_unless_one_is_named(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    monkeypatch.setattr(chapter, "gpu_present", lambda: True)
    assert chapter.resolve_profile(None) == "gpu"
    assert chapter.resolve_profile("full") == "full"
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    assert chapter.resolve_profile(None) == "quick"
    faces = settings.CHAPTERS["05_faces"]
    cfg = chapter.setup("05_faces", {**{n: None for n in faces}, "SEED": 1, "PROFILE": "gpu",
                                     "DATA_SOURCE": "auto", "LATENT_DIM": 200, "BETA": 0.2,
                                     "BATCH_SIZE": 32, "LEARNING_RATE": 0.001})
    assert (cfg.N_TRAIN, cfg.EPOCHS) == (faces["N_TRAIN"].gpu, faces["EPOCHS"].gpu)
    assert cfg.EPOCHS >= 20 and cfg.N_TRAIN + cfg.N_TEST <= 202_599  # all of CelebA's faces
    chapter1 = settings.CHAPTERS["01_autoencoder"]["N_TRAIN"]
    assert chapter1.size("gpu") == chapter1.full  # no GPU size: the full one


@pytest.mark.parametrize("overrides, pattern", [
    ({"EPOCHS": 0}, r"EPOCHS must be a whole number from 1 to 100; got 0"),
    ({"EPOCHS": "10"}, r"EPOCHS must be a whole number.*got '10' \(str\)"),
    ({"EPOCHS": 2.5}, r"EPOCHS must be a whole number"),
    ({"EPOCHS": True}, r"EPOCHS must be a whole number"),
    ({"SOURCE": "kaggle"}, r"SOURCE must be one of 'auto', 'real', 'synthetic'; got 'kaggle'"),
    ({"BETA": -1}, r"BETA must be a number from 0 to 10"),
    ({"BETA": float("nan")}, r"BETA must be a number"),
])
def test_bad_parameters_name_the_parameter_and_allowed_values(overrides, pattern):
    with pytest.raises(ParameterError, match=pattern) as info:
        run_setup(**overrides)
    assert "papermill -p" in str(info.value)


def test_bad_profile_and_seed():
    with pytest.raises(ParameterError, match="PROFILE must be one of 'full', 'quick'"):
        run_setup("medium")
    with pytest.raises(ParameterError, match="SEED must be a whole number"):
        run_setup(seed=-1)


def test_an_unknown_parameter_is_refused_with_the_nearest_name():
    with pytest.raises(ParameterError, match="test has no parameter EPOCH; did you mean EPOCHS"):
        run_setup(EPOCH=3)


def test_a_missing_parameter_says_to_run_the_parameters_cell():
    values = {"PROFILE": "quick", "SEED": 0, "EPOCHS": None}
    with pytest.raises(ParameterError, match="N, SOURCE, BETA not defined.*parameters cell"):
        chapter.setup("test", values)


def test_an_unknown_chapter_lists_the_chapters():
    with pytest.raises(KeyError, match="No chapter 'ch9'.*01_autoencoder"):
        chapter.setup("ch9", {})


def test_seeding_makes_runs_repeat():
    import keras

    def draw():
        chapter._SET_UP.discard("test")
        run_setup(seed=7)
        return np.random.rand(3), keras.random.uniform((3,)).numpy()

    first, second = draw(), draw()
    # A determinism test: the same draws repeated on the same shapes are exactly equal.
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def parameters_cell(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells
             if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    return cells[0].source


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_every_parameter_has_a_rule_that_its_default_passes(name):
    """The cell holds each default and note, settings.py each rule: no parameter goes unchecked."""
    cell = papermill.inspect_notebook(str(NOTEBOOKS[name]))
    rules = settings.CHAPTERS.get(name, {})
    assert list(cell) == list(rules), (f"give each parameter of {name}'s cell one rule in "
                                       "course_utils/settings.py, in the cell's order")
    notes = parameters_cell(NOTEBOOKS[name]).replace("\n# ", " ")  # a note may wrap
    for key, rule in rules.items():
        default = ast.literal_eval(cell[key]["default"])  # literals only: papermill overrides them
        if rule.full is None:
            rule.check(key, default)
            continue
        assert default is None, f"{name}: {key} has the profiles' sizes, so its default is None"
        gpu = f", gpu {rule.gpu:,}" if rule.gpu is not None else ""
        assert f"(full {rule.full:,}, quick {rule.quick:,}{gpu})" in notes, f"{name}: {key}'s note"
        for profile in settings.PROFILES:
            rule.check(key, rule.size(profile))


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_every_notebook_starts_with_the_short_set_up(name):
    cells = [c for c in nbformat.read(NOTEBOOKS[name], as_version=4).cells
             if c.cell_type == "code"]
    index = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    setup = cells[index + 1]
    assert setup.source == (f'from course_utils import chapter\n\n'
                            f'cfg = chapter.setup("{name}", globals())')
    for cell in (cells[index], setup):
        assert "hide-cell" in cell.metadata.get("tags", []), "collapse the plumbing on the site"


def test_chapters_that_share_a_model_share_its_rules():
    """Chapters 2 and 3 load chapter 1's model, chapter 6 chapter 5's: one declaration each."""
    for group, chapters in ((settings.AUTOENCODER, ("01_autoencoder", "02_limitations",
                                                    "03_vae")),
                            (settings.FACES, ("05_faces", "06_latent_arithmetic"))):
        for name in chapters:
            declared = settings.CHAPTERS[name]
            assert all(declared[key] is group[key] for key in group), name


def test_a_numpy_scalar_is_glued_as_the_python_number_it_holds(monkeypatch):
    """np.float32's text is 'np.float32(...)', which no {glue:text}`name:.2f` can format."""
    import myst_nb

    recorded = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=False:
                        recorded.update({name: value}))
    chapter.glue("x", np.float32(0.5) / np.float32(3))
    chapter.glue("n", np.int64(7))
    chapter.glue("word", "kept")
    assert type(recorded["x"]) is float and recorded["x"] == pytest.approx(1 / 6)
    assert type(recorded["n"]) is int and recorded["word"] == "kept"
