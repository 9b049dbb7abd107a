"""The instructor's command: refusals before anything runs, the no-overwrite rule, runs, sweeps."""

import csv
import json
import subprocess
import sys

import pytest

from course_utils import settings
from booktools import instructor
from booktools.instructor import InstructorError

# --- Refused before anything runs ----------------------------------------------------------------

REFUSED = {
    "unknown parameter, with the nearest name": (
        ["04", "-p", "EPOCH", "3"], ["EPOCH", "Did you mean EPOCHS?"]),
    "unknown parameter of one chapter": (
        ["03", "-p", "03:BETTA", "2"], ["03_vae has no parameter BETTA", "Did you mean BETA?"]),
    "wrong type": (["03", "-p", "03:BETA", "two"], ["03_vae", "BETA must be a number", "'two'"]),
    "a fraction where a whole number is wanted": (
        ["03", "-p", "EPOCHS", "2.5"], ["EPOCHS must be a whole number", "2.5"]),
    "out of range": (["03", "-p", "03:BETA", "-1"], ["BETA must be a number from 0 to 1,000"]),
    "unknown chapter": (["09"], ["'09' is not a chapter", "01_autoencoder"]),
    "misspelt chapter": (["vea"], ["Did you mean 03_vae?"]),
    "a parameter for a chapter not run": (
        ["01", "-p", "03:BETA", "2"], ["03_vae is not among the chapters to run"]),
    "unknown profile": (["01", "--profile", "fast"], ["--profile must be one of full, quick"]),
    "unknown edition": (["01", "--edition", "student"], ["--edition must be one of"]),
    "a sweep without values": (["--sweep", "03:BETA"], ["write CHAPTER:NAME=VALUE,VALUE"]),
    "a sweep value out of range": (["--sweep", "03:BETA=1,-2"], ["BETA must be a number", "-2"]),
    "a sweep of a chapter not run": (["01", "--sweep", "03:BETA=1,2"], ["not among the chapters"]),
    "no jobs": (["01", "--jobs", "0"], ["--jobs must be at least 1"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_before_anything_runs(case, tmp_path):
    args, phrases = REFUSED[case]
    said = []
    out = tmp_path / "runs"
    status = instructor.main(["run", "--out", str(out), *args], say=said.append)
    assert status == 2
    assert said[0].startswith("Refused, nothing was run:")
    for phrase in phrases:
        assert phrase in said[0], said[0]
    assert not out.exists()  # nothing created


def test_allowed_values_come_from_the_chapters_rules(monkeypatch):
    rule = settings.CHAPTERS["03_vae"]["BETA"]
    assert instructor.check_parameter("03_vae", "BETA", 2) == 2.0
    with pytest.raises(InstructorError, match=rule.describe()):
        instructor.check_parameter("03_vae", "BETA", 5_000)
    stricter = {**settings.CHAPTERS["03_vae"], "BETA": settings.number(0, 4)}
    monkeypatch.setitem(settings.CHAPTERS, "03_vae", stricter)  # a new rule ...
    with pytest.raises(InstructorError, match="from 0 to 4"):  # ... is what the command checks
        instructor.check_parameter("03_vae", "BETA", 5)


def test_chapters_by_number_name_or_part_of_it():
    assert instructor.resolve_chapter("3") == instructor.resolve_chapter("03") == "03_vae"
    assert instructor.resolve_chapter("faces") == "05_faces"
    assert instructor.resolve_chapter("06_latent_arithmetic") == "06_latent_arithmetic"
    with pytest.raises(InstructorError, match="ambiguous"):
        instructor.resolve_chapter("a")


def test_plan_applies_a_global_override_only_where_the_chapter_has_it():
    runs = instructor.plan(["01", "04"], "quick", [("DENSE_EPOCHS", "2"), ("EPOCHS", "3")], [],
                           "source", "out")
    assert [r.parameters for r in runs] == [
        {"PROFILE": "quick", "DENSE_EPOCHS": 2, "EPOCHS": 3}, {"PROFILE": "quick", "EPOCHS": 3}]
    assert runs[0].source == instructor.BOOK / "01_autoencoder.ipynb"


def test_plan_runs_the_editions_too():
    (run,) = instructor.plan(["03"], "quick", [], [], "solutions", "out")
    assert run.source == instructor.ROOT / "editions" / "solutions" / "03_vae.ipynb"


def test_default_is_every_numbered_chapter_in_order():
    runs = instructor.plan([], "quick", [], [], "source", "out")
    names = [r.chapter for r in runs]
    assert names == sorted(names) and names[0] == "01_autoencoder"
    assert all(name[:2].isdigit() for name in names)


# --- Never overwrites ----------------------------------------------------------------------------

def test_an_existing_folder_is_refused_without_force(tmp_path):
    out = tmp_path / "runs"
    out.mkdir()
    (out / "mine.txt").write_text("an instructor's notes")
    said = []
    assert instructor.main(["run", "--out", str(out), "01"], say=said.append) == 2
    assert "exists and is not empty" in said[0] and "--force" in said[0]
    assert (out / "mine.txt").read_text() == "an instructor's notes"


@pytest.mark.parametrize("inside", ["book", "book/runs", "editions/solutions"])
def test_the_sources_are_never_an_output_folder(inside):
    with pytest.raises(InstructorError, match="the course's sources"):
        instructor.prepare_folder(instructor.ROOT / inside, force=True)


# --- Runs: tiny chapters, so that the tests take seconds -----------------------------------------

def _notebook(path, cells):
    """Write a notebook whose first cell is the parameters cell."""
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}",
                   "metadata": {"tags": ["parameters"]} if i == 0 else {}, "outputs": [],
                   "source": source} for i, source in enumerate(cells)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))


GLUE = "from course_utils.chapter import glue\n"


@pytest.fixture
def tiny_book(tmp_path, monkeypatch):
    """Two chapters of a few lines: one measures X squared, the other fails in its third cell."""
    folder = tmp_path / "book"
    folder.mkdir()
    _notebook(folder / "91_square.ipynb", [
        "PROFILE = None\nX = 2.0",
        'print("Profile \'quick\', seed 0: X=" + repr(X))\nprint("Data: none, X only")',
        GLUE + 'glue("square", X * X)\nglue("word", "a word is not a number")'])
    _notebook(folder / "92_broken.ipynb", [
        "PROFILE = None", "y = 1", 'raise ValueError("the chapter broke here")', "z = 2"])
    chapters = {"91_square": {"PROFILE": settings.COMMON["PROFILE"], "X": settings.number(0, 10)},
                "92_broken": {"PROFILE": settings.COMMON["PROFILE"]}}
    monkeypatch.setattr(settings, "CHAPTERS", {**settings.CHAPTERS, **chapters})
    monkeypatch.setattr(instructor, "book_chapters", lambda: list(chapters))
    monkeypatch.setitem(instructor.EDITIONS, "source", folder)
    return folder


def test_a_failed_chapter_does_not_stop_the_others(tiny_book, tmp_path):
    out = tmp_path / "runs"
    before = {p.name: p.read_bytes() for p in tiny_book.iterdir()}
    said = []
    status = instructor.main(["run", "--out", str(out), "--profile", "quick", "92", "91",
                              "-p", "X", "3"], say=said.append)
    assert status == 1  # not every run passed
    assert {p.name: p.read_bytes() for p in tiny_book.iterdir()} == before  # sources untouched
    text = "\n".join(said)
    assert "[1/2] 91_square" in text and "[2/2] 92_broken" in text  # in the book's order
    assert "1 of 2 runs passed" in text
    summary = (out / "summary.md").read_text()
    assert "| 91_square | passed |" in summary
    # the cell as the output notebook numbers it (papermill adds the injected parameters cell)
    assert ("failed: cell [4] `raise ValueError(\"the chapter broke here\")`: ValueError: the "
            "chapter broke here") in summary
    assert "| square | 9 |" in summary  # glued, read back from the executed notebook
    assert "a word" not in summary  # words are prose, not measured numbers
    rows = list(csv.DictReader(open(out / "summary.csv")))
    square = next(r for r in rows if r["run"] == "91_square")
    assert square["number"] == "square" and float(square["measured"]) == 9.0
    assert square["data"] == "none, X only" and square["sizes"] == "X=3.0"
    assert (out / "91_square.ipynb").exists() and (out / "92_broken.ipynb").exists()


def test_a_sweep_runs_once_per_value_side_by_side(tiny_book, tmp_path):
    out = tmp_path / "sweep"
    said = []
    status = instructor.main(["run", "--out", str(out), "--profile", "quick",
                              "--sweep", "91:X=1,2,4"], say=said.append)
    assert status == 0, said
    rows = [r for r in csv.DictReader(open(out / "summary.csv")) if r["number"] == "square"]
    assert [(float(r["value"]), float(r["measured"])) for r in rows] == [
        (1.0, 1.0), (2.0, 4.0), (4.0, 16.0)]  # one row per value
    summary = (out / "summary.md").read_text()
    assert "| square | 1 | 4 | 16 |" in summary  # the runs side by side
    assert (out / "91_square_sweep.png").stat().st_size > 1000
    assert "![91_square against X](91_square_sweep.png)" in summary


def test_force_replaces_the_runs_in_a_used_folder(tiny_book, tmp_path):
    out = tmp_path / "runs"
    args = ["run", "--out", str(out), "--profile", "quick", "91"]
    assert instructor.main(args, say=lambda line: None) == 0
    assert instructor.main(args, say=lambda line: None) == 2
    assert instructor.main(args + ["--force"], say=lambda line: None) == 0


@pytest.mark.slow
def test_two_real_chapters_in_the_quick_profile(tmp_path):
    """The command as an instructor types it, on two chapters of the book, made small."""
    out = tmp_path / "dry-run"
    command = [sys.executable, "-m", "booktools.instructor", "run", "--out", str(out),
               "--profile", "quick", "appendix_data", "04",
               "-p", "N_TRAIN", "300", "-p", "N_TEST", "100", "-p", "04:N_MC", "1000",
               "-p", "appendix_data:N_FACES", "64"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                          cwd=instructor.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[1/2] 04_kl_divergence" in done.stdout and "[2/2] appendix_data" in done.stdout
    assert "2 of 2 runs passed" in done.stdout
    rows = list(csv.DictReader(open(out / "summary.csv")))
    kl = [r for r in rows if r["chapter"] == "04_kl_divergence"]
    assert all(r["status"] == "passed" for r in rows)
    assert "N_TRAIN=300" in kl[0]["sizes"] and "stand-in" in kl[0]["data"]
    assert len(kl) > 10  # the chapter's glued numbers, one row each


@pytest.mark.parametrize("chapter", instructor.book_chapters())
def test_every_chapter_names_its_kernel_for_papermill(chapter):
    for folder in {instructor.BOOK, *(f for f in instructor.EDITIONS.values())}:
        path = folder / f"{chapter}.ipynb"
        if path.exists():
            spec = json.loads(path.read_text())["metadata"].get("kernelspec", {})
            assert spec.get("name") == "python3", path
