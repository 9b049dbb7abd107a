"""Grading a class's notebooks: editions that say what they are, every bad submission a row."""

import copy
import csv
import hashlib
import json

import pytest

from booktools import editions, grade, instructor

CHAPTER = "02_limitations"  # three exercises, and the quickest chapter that has them


def edition(kind, chapter=CHAPTER):
    """Return today's edition of a chapter, as a dict."""
    return json.loads((editions.EDITIONS / kind / f"{chapter}.ipynb").read_text())


def with_cell(notebook, code):
    """Return a copy of notebook with a code cell right after the set-up cell."""
    notebook = copy.deepcopy(notebook)
    at = next(i for i, c in enumerate(notebook["cells"])
              if "chapter.setup(" in "".join(c["source"]))
    notebook["cells"].insert(at + 1, {"cell_type": "code", "metadata": {}, "outputs": [],
                                      "execution_count": None, "source": code})
    return notebook


def answered(notebook, name, body):
    """Return a copy of notebook whose exercise `name` returns body instead of its stub."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if source.startswith(f"def {name}("):
            cell["source"] = source.replace("return None  # your code here", body)
            return notebook
    raise AssertionError(f"no exercise {name}")


# --- What the editions carry -------------------------------------------------------------------

def test_every_edition_names_its_chapter_exercises_and_code():
    for path in sorted((editions.EDITIONS / "exercises").glob("*.ipynb")):
        exercises = json.loads(path.read_text())["metadata"][grade.COURSE]
        solutions = edition("solutions", path.stem)["metadata"][grade.COURSE]
        assert exercises["chapter"] == path.stem and exercises["edition"] == "exercises"
        assert exercises["exercises"], f"{path.stem} lists no exercise"
        # The two editions of a chapter share the code's fingerprint: the grader accepts both.
        assert {**exercises, "edition": "solutions"} == solutions
        cells = json.loads(path.read_text())["cells"]
        for exercise in exercises["exercises"]:  # each check cell is marked with its exercise
            marked = [c for c in cells if c["metadata"].get(grade.COURSE, {}).get("exercise")
                      == exercise["label"]]
            assert len(marked) == 1
            assert f"checks.{exercise['check']}(" in "".join(marked[0]["source"])


# --- Identified without running ----------------------------------------------------------------

def identified(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    submission = grade.Submission(path, name)
    return grade.identify(submission, grade.today()), submission


def test_a_file_that_is_not_a_notebook(tmp_path):
    for name, text in (("broken.ipynb", "{not json"), ("answers.txt", "my answers"),
                       ("list.ipynb", "[1, 2]")):
        notebook, submission = identified(tmp_path, name, text)
        assert notebook is None and submission.status == "not a notebook", name
        assert "submit the .ipynb file itself" in submission.detail


def test_a_notebook_of_another_course(tmp_path):
    other = {"cells": [], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4,
             "nbformat_minor": 5}
    notebook, submission = identified(tmp_path, "other.ipynb", other)
    assert notebook is None and submission.status == "not this course"
    assert "editions/exercises" in submission.detail


def test_an_older_edition_names_its_version(tmp_path):
    old = edition("exercises")
    old["metadata"][grade.COURSE] |= {"version": "0.0.9", "code": "0123456789ab"}
    notebook, submission = identified(tmp_path, "old.ipynb", old)
    assert notebook is None and submission.status == "older edition"
    now = grade.today()[CHAPTER]
    for phrase in ("version 0.0.9", "0123456789ab", f"version {now['version']}", now["code"]):
        assert phrase in submission.detail


def test_a_chapter_the_course_does_not_have(tmp_path):
    unknown = edition("exercises")
    unknown["metadata"][grade.COURSE]["chapter"] = "12_gans"
    notebook, submission = identified(tmp_path, "gans.ipynb", unknown)
    assert notebook is None and submission.status == "unknown chapter"


def test_todays_editions_are_accepted(tmp_path):
    for kind in ("exercises", "solutions"):
        notebook, submission = identified(tmp_path, f"{kind}.ipynb", edition(kind))
        assert notebook is not None and (submission.chapter, submission.edition) == (CHAPTER, kind)


# --- Reading a check cell ----------------------------------------------------------------------

def check_cell(*texts, error=None):
    outputs = [{"output_type": "stream", "name": "stdout", "text": t} for t in texts]
    if error:
        outputs.append({"output_type": "error", "ename": error, "evalue": "", "traceback": []})
    return {"cell_type": "code", "source": "x = checks.check_in_gap(in_gap)", "outputs": outputs,
            "metadata": {}}


@pytest.mark.parametrize("texts, error, expected", [
    (["✓ in_gap: marks the right points\n"], None, "passed"),
    (["✗ in_gap is not done yet. in_gap returned None: replace `return None`\n",
      "  The rest of the chapter uses the reference instead\n"], None, "not done"),
    (["✗ in_gap is not right yet. Compare distances with\n  the threshold. The rest of the "
      "chapter uses the reference\n"], None, "not right: Compare distances with the threshold."),
    (["✗ more_draws is not right yet. You predicted 'about a quarter'; the run says 'about "
      "half': 0.5 times.\n", "  Why: An average of n draws ... Read why, then try again.\n"],
     None, "not right: You predicted 'about a quarter'; the run says 'about half': 0.5 times."),
    (["✗ pca_error is not right yet. Square the singular values.\n",
      "  Fix your answer, run its cell, then this one again.\n"], None,
     "not right: Square the singular values."),
    ([], None, "not reached"),
    ([], "NameError", "error: NameError"),
])
def test_a_check_cell_reads_as_its_verdict(texts, error, expected):
    assert grade._verdict(check_cell(*texts, error=error)) == expected
    assert grade._verdict(None).startswith("no check cell")


# --- The command refuses before anything runs --------------------------------------------------

@pytest.mark.parametrize("args, phrase", [
    (["missing", "--out", "grades"], "is not a folder"),
    (["class", "--out", "class/grades"], "overlap"),
    (["class", "--out", "grades", "--profile", "fast"], "--profile 'fast' is not one of"),
    (["class", "--out", "grades", "--timeout", "0"], "--timeout must be at least 1"),
])
def test_grading_refused_before_anything_runs(args, phrase, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "class").mkdir()
    said = []
    assert instructor.main(["grade", *args], say=said.append) == 2
    assert said[0].startswith("Refused, nothing was graded:") and phrase in said[0], said[0]
    assert not (tmp_path / "grades").exists() and not (tmp_path / "class" / "grades").exists()


# --- A synthetic class, graded -----------------------------------------------------------------

def write_class(folder, outside):
    """Write a class of submissions to folder: right, blank, wrong, and every bad case."""
    folder.mkdir()
    blank = edition("exercises")
    notebooks = {
        "right.ipynb": edition("solutions"),
        "blank.ipynb": blank,
        "wrong.ipynb": answered(blank, "ks_distance", "return float(np.max(np.abs(values)))"),
        "loops.ipynb": with_cell(blank, "while True:\n    pass"),
        "deletes.ipynb": with_cell(blank, f'import os\nopen("mine.txt", "w").write("x")\n'
                                          f'os.remove("mine.txt")\nos.remove({str(outside)!r})'),
        "socket.ipynb": with_cell(blank, 'import socket\n'
                                         'socket.create_connection(("127.0.0.1", 9), timeout=2)'),
        "dies.ipynb": with_cell(blank, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        "other course.ipynb": {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
    }
    for name, notebook in notebooks.items():
        (folder / name).write_text(json.dumps(notebook))
    (folder / "notes.txt").write_text("not a notebook")
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


EXPECTED = {  # submission: (status, every exercise's verdict or None, a phrase of the problem)
    "blank.ipynb": ("graded", "not done", ""),
    "deletes.ipynb": ("failed", None, "the grader blocks changing"),
    "dies.ipynb": ("kernel died", None, "the kernel stopped"),
    "loops.ipynb": ("timed out", None, "`while True:`"),
    "notes.txt": ("not a notebook", None, "not a Jupyter notebook"),
    "other course.ipynb": ("not this course", None, "edition metadata"),
    "right.ipynb": ("graded", "passed", ""),
    "socket.ipynb": ("failed", None, "the grader blocks the network"),
    "wrong.ipynb": ("graded", "not done", ""),  # but its KS distance: below
}


@pytest.mark.slow
def test_a_class_is_graded_into_one_table(tmp_path, monkeypatch):
    # The instructor's own settings stay outside the students' kernels (a progress log outside
    # the copy would be a blocked write).
    monkeypatch.setenv("COURSE_PROGRESS_LOG", str(tmp_path / "progress.log"))
    monkeypatch.setenv("COURSE_CHECKS_MUST_PASS", "1")
    outside = tmp_path / "precious.txt"
    outside.write_text("an instructor's file")
    before = write_class(tmp_path / "class", outside)
    said = []
    status = instructor.main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                              "--timeout", "90"], say=said.append)
    assert status == 0
    rows = list(csv.DictReader((tmp_path / "out" / "grades.csv").open()))
    assert [r["submission"] for r in rows] == sorted(EXPECTED)
    labels = [e["label"] for e in grade.today()[CHAPTER]["exercises"]]
    for row in rows:
        state, verdicts, phrase = EXPECTED[row["submission"]]
        assert row["status"] == state, (row["submission"], row["status"], row["problem"])
        if verdicts:
            for label in labels:
                wrong = row["submission"] == "wrong.ipynb" and label == "ch2-ks-distance"
                verdict = "not right: For the values" if wrong else verdicts
                assert row[label].startswith(verdict), (row["submission"], label, row[label])
        assert phrase in row["problem"], row
    assert "Sort the values" in rows[-1]["ch2-ks-distance"]  # the check's hint, for the wrong one
    assert outside.read_text() == "an instructor's file"  # the deletion was blocked
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in (tmp_path / "class").iterdir()}
    assert after == before  # the submissions are never changed
    assert not (tmp_path / "out" / ".kernels").exists()  # the kernel spec goes with the run
    table = (tmp_path / "out" / "grades.md").read_text()
    assert "| right.ipynb | 02_limitations | solutions | graded |" in table
    assert any("9 submissions" in line or "graded" in line for line in said)
