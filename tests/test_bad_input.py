"""Bad input, in one table: every case ends in a message that names the thing and the fix.

Each case prepares a mistake in a temporary folder and returns the action that meets it. The
test runs the action and checks, the same way for every case, that

- the message (the error raised, or what was printed and warned when the course goes on) holds
  the case's phrases: the parameter, file or folder at fault, and what to do;
- no frame of TensorFlow's or Keras' code is in the error's traceback (or in what caused it);
- the course's sources (book/, editions/) and the user's files are byte for byte as before.
"""

import contextlib
import errno
import inspect
import gzip
import hashlib
import io
import json
import os
import pathlib
import re
import shutil
import tempfile
import traceback
import warnings
from pathlib import Path

import keras
import nbformat
import numpy as np
import papermill
import pytest
from keras import layers
from PIL import Image

from course_utils import cache, chapter
from booktools import editions, instructor
from course_utils.data import celeba, datasets

ROOT = Path(__file__).resolve().parents[1]
CASES = []


def case(*phrases, raises=None):
    """Register a case: its error type (None: the course goes on, saying so) and phrases."""
    def register(prepare):
        CASES.append(pytest.param(prepare, raises, phrases, id=prepare.__name__))
        return prepare
    return register


def parameters(name, **changes):
    """Return a chapter's parameters cell as a namespace: the cell's defaults, changed."""
    return {**instructor.cell_defaults(name), **changes}


# --- Parameters -----------------------------------------------------------------------------------


@case("Parameter EPOCHS must be a whole number", "'5'", "parameters cell", raises=ValueError)
def parameter_of_the_wrong_type(tmp_path):
    return lambda: chapter.setup("01_autoencoder", parameters("01_autoencoder", EPOCHS="5"))


@case("Parameter EPOCHS must be a whole number from 1 to 1,000", "got 0", raises=ValueError)
def parameter_out_of_range(tmp_path):
    return lambda: chapter.setup("01_autoencoder", parameters("01_autoencoder", EPOCHS=0))


@case("Parameter BETA must be a number from 0 to 1,000", "got nan", raises=ValueError)
def parameter_not_a_number(tmp_path):
    return lambda: chapter.setup("03_vae", parameters("03_vae", BETA=float("nan")))


@case("Parameter N_TRAIN must be a whole number", "got True", raises=ValueError)
def parameter_true_for_a_count(tmp_path):
    return lambda: chapter.setup("05_faces", parameters("05_faces", N_TRAIN=True))


@case("has no parameter EPOCS", "did you mean EPOCHS?", raises=ValueError)
def parameter_with_an_unknown_name(tmp_path):
    return lambda: chapter.setup("01_autoencoder", parameters("01_autoencoder", EPOCS=3))


@case("Parameter DATA_SOURCE must be one of 'auto', 'real', 'synthetic'", "'kaggle'",
      raises=ValueError)
def parameter_not_among_the_choices(tmp_path):
    return lambda: chapter.setup("04_kl_divergence",
                                 parameters("04_kl_divergence", DATA_SOURCE="kaggle"))


@case("Parameter BETA_HIGH must be larger than BETA_LOW", "BETA_LOW=2 and BETA_HIGH=2",
      "papermill -p BETA_HIGH", raises=ValueError)
def parameters_a_chapter_compares_in_the_wrong_order(tmp_path):
    return lambda: chapter.setup("08_generating", parameters("08_generating", BETA_HIGH=2.0,
                                                             BETA_LOW=2.0))


@case("COURSE_PROFILE must be one of full, quick, gpu", "'fast'", raises=ValueError)
def profile_environment_variable_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    return lambda: chapter.setup("01_autoencoder", parameters("01_autoencoder"))


@case("ParameterError", "Parameter EPOCHS must be a whole number from 1 to 1,000",
      "papermill -p EPOCHS", raises=papermill.PapermillExecutionError)
def parameter_through_papermill(tmp_path, monkeypatch):
    source = ROOT / "book" / "01_autoencoder.ipynb"
    kernel = instructor.find_kernel(tmp_path / "runs")  # this Python, as the instructor's runs
    (tmp_path / "out").mkdir()
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "runs" / ".kernels"))
    return lambda: papermill.execute_notebook(
        source, tmp_path / "out" / "01.ipynb", parameters={"EPOCHS": 0, "PROFILE": "quick"},
        kernel_name=kernel, progress_bar=False, cwd=source.parent)


def instructor_run(tmp_path, *args):
    """Return an action: the instructor's command, raising what it said when it refuses."""
    def act():
        said = []
        if instructor.main(["run", "--out", str(tmp_path / "runs"), *args], said.append) == 2:
            raise instructor.InstructorError(said[0])
    return act


@case("Refused, nothing was run", "BETA must be a number from 0 to 1,000", "-1",
      raises=instructor.InstructorError)
def instructor_value_out_of_range(tmp_path):
    return instructor_run(tmp_path, "03", "-p", "BETA", "-1")


@case("Refused", "'09' is not a chapter", "01_autoencoder", raises=instructor.InstructorError)
def instructor_unknown_chapter(tmp_path):
    return instructor_run(tmp_path, "09")


@case("Refused", "has a parameter EPOCS", "Did you mean EPOCHS?",
      raises=instructor.InstructorError)
def instructor_unknown_parameter(tmp_path):
    return instructor_run(tmp_path, "-p", "EPOCS", "3")


@case("Refused", "exists and is not empty", "--force", raises=instructor.InstructorError)
def instructor_output_folder_in_use(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "my notes.ipynb").write_text("{}")  # the user's file: kept
    return instructor_run(tmp_path, "01")


@case("Refused", "lies inside", "the course's sources", "choose a folder of your own",
      raises=instructor.InstructorError)
def instructor_output_into_the_book(tmp_path):
    def act():
        said = []
        if instructor.main(["run", "--out", str(ROOT / "book"), "01"], said.append) == 2:
            raise instructor.InstructorError(said[0])
    return act


@case("Refused", "--sweep '03:BETA'", "write CHAPTER:NAME=VALUE,VALUE",
      raises=instructor.InstructorError)
def instructor_sweep_without_values(tmp_path):
    return instructor_run(tmp_path, "--sweep", "03:BETA")


# --- CelebA on disk -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """A tiny stand-in in CelebA's layout; each case works on a copy."""
    return celeba.write_synthetic_celeba(tmp_path_factory.mktemp("celeba") / "faces", n=12)


def faces(tmp_path, standin):
    return Path(shutil.copytree(standin, tmp_path / "faces"))


def images(root):
    return root / celeba.IMAGE_DIR


def load_all(root, **options):
    """Return an action that streams every face (and attribute) of a folder."""
    return lambda: list(celeba.load_celeba(root, **options))


@case("The CelebA folder", "does not exist", "Download CelebA from Kaggle",
      raises=FileNotFoundError)
def celeba_folder_missing(tmp_path):
    return load_all(tmp_path / "nowhere")


@case("img_align_celeba", raises=FileNotFoundError)
def celeba_folder_empty(tmp_path):
    (tmp_path / "empty").mkdir()
    return load_all(tmp_path / "empty")


@case("Attribute 'Smilling' is not a column of", "list_attr_celeba.csv", "Did you mean Smiling?",
      raises=KeyError)
def celeba_attribute_not_in_the_csv(tmp_path, standin):
    return load_all(faces(tmp_path, standin), attributes=["Smilling"])


@case("'Attractive'", "list_attr_celeba.csv", raises=KeyError)
def celeba_attribute_the_standin_does_not_draw(tmp_path, standin):
    return load_all(faces(tmp_path, standin), attributes=["Attractive"])


@case("1 of the 12 images listed in", "are missing from", "000004.jpg",
      "Unzip the whole download again", raises=FileNotFoundError)
def celeba_row_without_its_image(tmp_path, standin):
    root = faces(tmp_path, standin)
    (images(root) / "000004.jpg").unlink()
    return load_all(root)


@case("2 files in", "have no row in", "extra_1.jpg", "extra_2.jpg", "add a row for each")
def celeba_images_without_rows(tmp_path, standin):
    root = faces(tmp_path, standin)
    for name in ("extra_1.jpg", "extra_2.jpg"):
        shutil.copy(images(root) / "000001.jpg", images(root) / name)
    return load_all(root)


@case("000005.jpg (truncated JPEG: no end marker)", "left out", "replace them")
def celeba_truncated_jpeg(tmp_path, standin):
    root = faces(tmp_path, standin)
    path = images(root) / "000005.jpg"
    path.write_bytes(path.read_bytes()[:700])
    return load_all(root)


@case("000006.jpg (corrupt data inside", "left out", "replace them")
def celeba_jpeg_with_garbage_inside(tmp_path, standin):
    root = faces(tmp_path, standin)
    path = images(root) / "000006.jpg"
    data = bytearray(path.read_bytes())
    scan = data.index(b"\xff\xda") + 20  # after the start-of-scan header: markers stay valid
    data[scan:-2] = np.random.default_rng(0).bytes(len(data) - 2 - scan)
    path.write_bytes(bytes(data))
    return load_all(root)


@case("000007.jpg (64 x 64 L)", "usual 64 x 64 RGB", "converted to RGB")
def celeba_grayscale_face(tmp_path, standin):
    root = faces(tmp_path, standin)
    path = images(root) / "000007.jpg"
    Image.open(path).convert("L").save(path)
    return load_all(root)


@case("000008.jpg (90 x 40 RGB)", "centre-cropped")
def celeba_odd_sized_face(tmp_path, standin):
    root = faces(tmp_path, standin)
    path = images(root) / "000008.jpg"
    Image.open(path).resize((90, 40)).save(path)
    return load_all(root)


@case("None of the 12 images", "can be read", raises=ValueError)
def celeba_no_image_decodes(tmp_path, standin):
    root = faces(tmp_path, standin)
    for path in images(root).iterdir():
        path.write_bytes(b"not an image")
    return load_all(root)


@case("list_attr_celeba.csv", "column Smiling holds 'yes'", raises=ValueError)
def celeba_csv_with_a_bad_value(tmp_path, standin):
    root = faces(tmp_path, standin)
    csv = root / celeba.CSV_NAME
    header, first, *rest = csv.read_text().splitlines()
    column = header.split(",").index("Smiling")
    cells = first.split(",")
    cells[column] = "yes"
    csv.write_text("\n".join([header, ",".join(cells), *rest]) + "\n")
    return load_all(root, attributes=["Smiling"])


@case("DATA_SOURCE is 'real' but no CelebA folder was given", "CELEBA_DIR",
      raises=FileNotFoundError)
def celeba_real_without_a_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("CELEBA_DIR", raising=False)
    return lambda: celeba.resolve_celeba_dir(None, source="real", cache_dir=tmp_path / "cache")


@case("Cannot write the stand-in faces into", "PermissionError", "COURSE_CACHE",
      raises=cache.CacheError)
def standin_faces_into_a_read_only_cache(tmp_path, monkeypatch):
    read_only(tmp_path / "cache", monkeypatch)
    return lambda: celeba.resolve_celeba_dir(None, source="synthetic", n_standin=8,
                                             cache_dir=tmp_path / "cache")


# --- Fashion-MNIST and MNIST through keras.datasets -------------------------------------------


def keras_home(tmp_path, monkeypatch):
    """Point keras.datasets at an empty home of its own; return its datasets folder."""
    home = tmp_path / "keras"
    (home / "datasets").mkdir(parents=True)
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home / "datasets"


def cut_short_fashion_download(tmp_path, monkeypatch):
    """Leave a cut-short download of Fashion-MNIST's training images in keras' cache."""
    folder = keras_home(tmp_path, monkeypatch) / "fashion-mnist"
    folder.mkdir()
    whole = gzip.compress(np.zeros(1000, np.uint8).tobytes())
    for part in ("train-labels-idx1", "t10k-labels-idx1", "t10k-images-idx3"):
        (folder / f"{part}-ubyte.gz").write_bytes(whole)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(whole[: len(whole) // 2])


@case("Could not load the real Fashion-MNIST", "train-images-idx3-ubyte.gz is damaged",
      "delete it", "'synthetic'", raises=RuntimeError)
def keras_download_cut_short(tmp_path, monkeypatch):
    cut_short_fashion_download(tmp_path, monkeypatch)
    return lambda: datasets.load("fashion_mnist", source="real")


@case("Real Fashion-MNIST is not available", "train-images-idx3-ubyte.gz is damaged",
      "delete it", "Using the procedural Fashion-MNIST stand-in")
def keras_download_cut_short_with_auto(tmp_path, monkeypatch):
    cut_short_fashion_download(tmp_path, monkeypatch)
    return lambda: datasets.load("fashion_mnist", source="auto")


@case("Could not load the real MNIST", "connect to the internet once", "'synthetic'",
      raises=RuntimeError)
def keras_dataset_offline(tmp_path, monkeypatch):
    # Nothing cached: keras.datasets tries to download, and the test suite allows no network.
    keras_home(tmp_path, monkeypatch)
    return lambda: datasets.load("mnist", source="real")


# --- The model cache ------------------------------------------------------------------------------


def tiny_model():
    keras.utils.set_random_seed(0)
    x = keras.Input((4,))
    model = keras.Model(x, layers.Dense(4)(x))
    model.compile(optimizer="adam", loss="mse")
    return model


X = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")


def fit(model):
    return model.fit(X, X, epochs=1, verbose=0)


def trained_entry(tmp_path):
    """Train the tiny model into a cache; return the entry's folder."""
    cache.load_or_train("tiny", tiny_model(), fit, tmp_path / "cache", data="x")
    return cache.Entry("tiny", tiny_model(), tmp_path / "cache", data="x").folder


def again(tmp_path):
    return lambda: cache.load_or_train("tiny", tiny_model(), fit, tmp_path / "cache", data="x")


@case("Cache problem", "model.keras is not a whole .keras archive", "Training tiny anew")
def cache_with_a_corrupt_model_file(tmp_path):
    path = trained_entry(tmp_path) / "model.keras"
    path.write_bytes(path.read_bytes()[:300])
    return again(tmp_path)


@case("Cache problem", "config.json holds another configuration", "Training tiny anew")
def cache_config_for_another_model(tmp_path):
    path = trained_entry(tmp_path) / "config.json"
    path.write_text(json.dumps({"settings": {"data": "y"}, "model": {}}))
    return again(tmp_path)


@case("could not save it to the model cache", "PermissionError", "made writable", "COURSE_CACHE")
def cache_folder_read_only(tmp_path, monkeypatch):
    read_only(tmp_path / "cache", monkeypatch)
    return again(tmp_path)


@case("could not save it to the model cache", "No space left on device", "given space")
def cache_on_a_full_disk(tmp_path, monkeypatch):
    real_write = pathlib.Path.write_text

    def full(path, *args, **kwargs):
        if str(tmp_path / "cache") in str(path):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_write(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", full)

    def act():
        again(tmp_path)()
        assert list((tmp_path / "cache").iterdir()) == []  # no partial entry left behind
    return act


def read_only(folder, monkeypatch):
    """Make folder read-only; as root, whom permissions do not stop, refuse writes in it too."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    if os.geteuid() != 0:
        return
    inside = str(folder)

    def refuse(path):
        if str(path).startswith(inside):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    real_mkdir, real_mkdtemp = pathlib.Path.mkdir, tempfile.mkdtemp

    def mkdir(path, *args, **kwargs):
        if not path.is_dir():
            refuse(path)
        return real_mkdir(path, *args, **kwargs)

    def mkdtemp(suffix=None, prefix=None, dir=None):  # TemporaryDirectory passes all three
        refuse(dir or "")
        return real_mkdtemp(suffix, prefix, dir)

    monkeypatch.setattr(pathlib.Path, "mkdir", mkdir)
    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)


# --- The editions generator -----------------------------------------------------------------------


def bad_book(tmp_path, monkeypatch, text):
    """Point the editions generator at a book of one chapter with the given file text."""
    book = tmp_path / "book"
    book.mkdir()
    (book / "09_test.ipynb").write_text(text)
    monkeypatch.setattr(editions, "BOOK", book)
    monkeypatch.setattr(editions, "EDITIONS", tmp_path / "editions-out")

    def act():
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            status = editions.main([])
        assert status == 1 and not (tmp_path / "editions-out").exists()
        raise editions.EditionError(errors.getvalue())
    return act


@case("No edition written", "09_test.ipynb is not notebook JSON", "restore it with git",
      raises=ValueError)
def editions_from_a_broken_notebook_file(tmp_path, monkeypatch):
    return bad_book(tmp_path, monkeypatch, '{"cells": [')


@case("No edition written", "09_test.ipynb, cell 2", "never closed by a solution-end",
      raises=ValueError)
def editions_with_an_unclosed_solution(tmp_path, monkeypatch):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Chapter 9: Test"),
        nbformat.v4.new_markdown_cell(":::{solution-start} ch9-x\n:::"),
        nbformat.v4.new_code_cell("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n# STUB: x = None")])
    return bad_book(tmp_path, monkeypatch, nbformat.writes(notebook))


# --- The test -------------------------------------------------------------------------------------


def snapshot(*folders):
    """Return {file: sha256} of every file under the folders."""
    return {path: hashlib.sha256(path.read_bytes()).hexdigest()
            for folder in folders if folder.exists()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def deep_frames(error):
    """Return the frames of TensorFlow's or Keras' code in an error's traceback and its causes."""
    frames = []
    while error is not None:
        frames += [f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(error.__traceback__)
                   if re.search(r"[/\\](tensorflow|keras)[/\\]", f.filename)]
        text = str(error)  # an error from a kernel carries its traceback as text
        frames += re.findall(r"site-packages/(?:tensorflow|keras)/\S+", text)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return frames


@pytest.mark.parametrize("prepare, raises, phrases", CASES)
def test_bad_input_gets_a_message_naming_it_and_the_fix(prepare, raises, phrases, tmp_path,
                                                       monkeypatch, capsys, request):
    wanted = inspect.signature(prepare).parameters
    fixtures = {"tmp_path": tmp_path, "monkeypatch": monkeypatch}
    act = prepare(**{name: fixtures.get(name) or request.getfixturevalue(name)
                     for name in wanted})
    capsys.readouterr()
    # The course writes only into caches and output folders; everything else is the user's.
    written = {tmp_path / "cache", tmp_path / "out", tmp_path / "runs" / ".kernels"}
    mine = [ROOT / "book", ROOT / "editions", tmp_path]
    before = {p: h for p, h in snapshot(*mine).items() if not set(p.parents) & written}
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        if raises is None:
            act()
            error = None
        else:
            with pytest.raises(raises) as info:
                act()
            error = info.value
    said = capsys.readouterr()
    message = " ".join([str(error or ""), said.out, said.err,
                        *(str(w.message) for w in warned)])
    message = re.sub(r"\x1b\[[0-9;]*m", "", message)  # a kernel's error text is coloured
    message = " ".join(message.split())
    for phrase in phrases:
        assert phrase in message, message
    assert not deep_frames(error), deep_frames(error)
    after = {p: h for p, h in snapshot(*mine).items() if not set(p.parents) & written}
    assert after == before


def test_the_table_has_a_case_for_every_kind_of_input():
    names = [param.id for param in CASES]
    assert len(names) >= 30
    for kind in ("parameter", "instructor", "celeba", "keras", "cache", "editions"):
        assert sum(name.startswith(kind) for name in names) >= 2, kind
