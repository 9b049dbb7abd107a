"""Grade a class's exercise notebooks: a folder of submissions in, a table out.

    python -m booktools.instructor grade SUBMISSIONS --out FOLDER [--profile quick]
                                         [--timeout 900]

Every file under SUBMISSIONS becomes one row of ``grades.csv`` and ``grades.md`` in FOLDER. A
notebook is identified by the metadata its edition carries (``make editions`` writes the
chapter, the edition, the course's version and a fingerprint of the chapter's code); it runs on
a copy in FOLDER, in its own kernel, in the quick profile unless told otherwise, within a time
limit per notebook, and each exercise's check cell is read back: passed, not done, or not right
with the check's hint. The submission itself is never changed.

A bad submission is a row with a clear status, never the end of the grading: a file that is not
a notebook, a notebook of another course or of an older edition of the chapter (its version is
named), a cell that raises, loops past the time limit or kills its kernel. Inside the kernel the
network is blocked, and so are running programs and changing or deleting files outside the
submission's copy and the grading cache (a Python audit hook, installed before the first cell).
"""

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from booktools import editions, instructor

COURSE = editions.COURSE
SKIPPED = {".ipynb_checkpoints", "__MACOSX"}  # folders a submission's tools leave behind
# Installed in each kernel before the first cell runs (IPython's startup folder).
CONFINE = '''\
"""The grader's confinement: no network, no programs, no changes outside the allowed folders."""
import os as _os
import socket as _socket
import sys as _sys

_ROOTS = tuple(_os.path.realpath(p) for p in _os.environ["COURSE_GRADE_ROOTS"].split(_os.pathsep))
_DEVICES = ("/dev/null", "/dev/shm", "/dev/stdout", "/dev/stderr", "/dev/tty")  # harmless
_WRITES = _os.O_WRONLY | _os.O_RDWR | _os.O_CREAT | _os.O_TRUNC | _os.O_APPEND


def _inside(path):
    if isinstance(path, int):  # a file descriptor already open
        return True
    real = _os.path.realpath(_os.fsdecode(path))
    return any(real == root or real.startswith(root + _os.sep) for root in _ROOTS + _DEVICES)


def _refuse(what):
    raise PermissionError(f"the grader blocks {what}")


def _hook(event, args):
    if event in ("socket.connect", "socket.bind", "socket.sendto"):
        if args[0].family in (_socket.AF_INET, _socket.AF_INET6):
            _refuse(f"the network ({event} to {args[1]!r})")
    elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                   "os.fork", "os.forkpty"):
        _refuse(f"running programs ({event})")
    elif event in ("os.remove", "os.rmdir", "shutil.rmtree", "os.truncate", "os.chmod",
                   "os.chown", "os.mkdir"):
        if not _inside(args[0]):
            _refuse(f"changing {args[0]!r}, outside the submission's copy ({event})")
    elif event in ("os.rename", "os.link", "os.symlink"):
        for path in args[:2]:
            if not _inside(path):
                _refuse(f"changing {path!r}, outside the submission's copy ({event})")
    elif event == "open" and args[0] is not None:
        path, mode, flags = args
        writes = any(c in mode for c in "wax+") if mode else bool((flags or 0) & _WRITES)
        if writes and not _inside(path):
            _refuse(f"writing {path!r}, outside the submission's copy")


_sys.addaudithook(_hook)
del _hook
'''


@dataclass
class Submission:
    """One file of the class's folder, and what grading it found."""

    path: Path
    name: str  # relative to the submissions folder
    chapter: str = ""
    edition: str = ""
    status: str = ""
    detail: str = ""  # why, for a status other than "graded"
    seconds: float = 0.0
    exercises: dict = field(default_factory=dict)  # label -> "passed" / "not done" / ...


def today():
    """Return, per chapter, the metadata of today's exercise edition."""
    found = {}
    for path in sorted((editions.EDITIONS / "exercises").glob("*.ipynb")):
        found[path.stem] = json.loads(path.read_text())["metadata"][COURSE]
    return found


def find(folder):
    """Return every file under folder (but the folders tools leave behind), sorted."""
    return sorted(p for p in Path(folder).rglob("*")
                  if p.is_file() and not SKIPPED & set(p.parts) and not p.name.startswith("."))


def identify(submission, current):
    """Read a submission; return its notebook, or None with its status and detail filled in."""
    path = submission.path
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
            raise ValueError("no cells")
    except (ValueError, UnicodeDecodeError) as error:
        submission.status = "not a notebook"
        submission.detail = (f"{path.suffix or 'no suffix'}: not a Jupyter notebook "
                             f"({type(error).__name__}); submit the .ipynb file itself")
        return None
    meta = notebook.get("metadata", {}).get(COURSE)
    if not isinstance(meta, dict) or "chapter" not in meta:
        submission.status = "not this course"
        submission.detail = ("a notebook without this course's edition metadata: start from "
                             "the chapter's exercise edition (editions/exercises)")
        return None
    submission.chapter, submission.edition = meta["chapter"], meta.get("edition", "?")
    now = current.get(meta["chapter"])
    if now is None:
        submission.status = "unknown chapter"
        submission.detail = f"chapter {meta['chapter']!r} is not in today's course"
        return None
    if meta.get("code") != now["code"]:
        submission.status = "older edition"
        submission.detail = (f"made from the edition of version {meta.get('version', '?')} "
                             f"(code {meta.get('code', '?')}); today's is version "
                             f"{now['version']} (code {now['code']}): ask for the work again "
                             "on today's edition")
        return None
    return notebook


def execute(notebook, submission, out, profile, timeout, kernel, cache):
    """Run a copy of the notebook in its own confined kernel; return the executed notebook."""
    work = Path(out) / "copies" / re.sub(r"[^\w.-]+", "_", submission.name)
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    startup = work / ".ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-confine.py").write_text(CONFINE)
    source, executed = work / "submission.ipynb", work / "executed.ipynb"
    source.write_text(json.dumps(notebook))
    env = {**os.environ, "JUPYTER_PATH": str(Path(out) / ".kernels"),
           "IPYTHONDIR": str(work / ".ipython"),
           "COURSE_CACHE": str(cache), "COURSE_PROFILE": profile, "TMPDIR": str(work / "tmp"),
           "MPLCONFIGDIR": str(work / "tmp"), "PYTHONDONTWRITEBYTECODE": "1",
           "COURSE_GRADE_ROOTS": os.pathsep.join([str(work), str(cache)])}
    # A student's failing check is a grade, not an error; the kernel's progress lines go to
    # papermill's output, not to a log file of the instructor's (make test-slow names one).
    for name in ("COURSE_CHECKS_MUST_PASS", "COURSE_PROGRESS_LOG"):
        env.pop(name, None)
    command = [sys.executable, "-m", "papermill", str(source), str(executed), "-p", "PROFILE",
               profile, "-k", kernel, "--cwd", str(work), "--no-progress-bar",
               "--execution-timeout", str(timeout)]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        log, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # papermill and its kernel
        log, _ = process.communicate()
        log += "\nCellTimeoutError: the notebook ran past its time limit"
    submission.seconds = time.perf_counter() - start
    result = json.loads(executed.read_text()) if executed.exists() else None
    if process.returncode == 0 and result is not None:
        submission.status = "graded"
    else:
        submission.status, submission.detail = _failure(log, result, timeout)
    return result


def _failure(log, result, timeout):
    """Return (status, detail) of a run that did not finish: where and why it stopped."""
    cell = None  # the cell that raised, else the last one that started (it never finished)
    for number, c in enumerate((result or {}).get("cells", []), 1):
        run = c.get("metadata", {}).get("papermill", {})
        if run.get("exception") or (run.get("start_time") and c["cell_type"] == "code"
                                    and not (cell and cell[2])):
            cell = (number, "".join(c.get("source", "")).strip().splitlines()[:1],
                    bool(run.get("exception")))
    where = f"cell {cell[0]} `{(cell[1] or [''])[0][:50]}`: " if cell else ""
    if "DeadKernelError" in log or "Kernel died" in log:
        return "kernel died", f"{where}the kernel stopped (it crashed or was killed)"
    if "CellTimeoutError" in log or "TimeoutError" in log or "timed out" in log.lower():
        return "timed out", f"{where}the notebook ran past its limit of {timeout} s"
    errors = [line for line in log.splitlines() if re.match(r"^\w*(Error|Exception)\b", line)]
    return "failed", where + (errors[-1][:200] if errors else "see copies/ for the notebook")


def read_checks(notebook, meta):
    """Return, per exercise of the chapter, what its check cell printed (or why it did not)."""
    found = {}
    cells = notebook.get("cells", []) if notebook else []
    for exercise in meta["exercises"]:
        label = exercise["label"]
        cell = next((c for c in cells if c.get("metadata", {}).get(COURSE, {}).get("exercise")
                     == label), None) or next(
            (c for c in cells if f"checks.{exercise['check']}(" in "".join(c.get("source", ""))),
            None)
        found[label] = _verdict(cell)
    return found


def _verdict(cell):
    """Return one check cell's result: passed, not done, not right (with its hint), ..."""
    if cell is None:
        return "no check cell (deleted?)"
    outputs = cell.get("outputs", [])
    if any(o.get("output_type") == "error" for o in outputs):
        error = next(o for o in outputs if o.get("output_type") == "error")
        return f"error: {error.get('ename', '')}"
    text = "".join("".join(o.get("text", "")) for o in outputs if o.get("output_type") == "stream")
    text = " ".join(text.split())
    if text.startswith("✓"):
        return "passed"
    if "is not done yet" in text:
        return "not done"
    if text.startswith("✗"):
        hint = text.split("is not right yet.", 1)[-1]
        for after in (" The rest of the chapter", " Fix your answer", " Why: "):  # what follows
            hint = hint.split(after)[0]
        return "not right: " + hint.strip()[:300]
    return "not reached"


def grade(folder, out, profile="quick", timeout=900, say=print):
    """Grade every file under folder into out; return the submissions, in order."""
    current = today()
    files = find(folder)
    kernel, cache = instructor.find_kernel(out), Path(out) / ".grading" / "cache"
    submissions = []
    try:
        for i, path in enumerate(files, 1):
            submission = Submission(path, str(path.relative_to(folder)))
            notebook = identify(submission, current)
            if notebook is not None:
                executed = execute(notebook, submission, out, profile, timeout, kernel, cache)
                submission.exercises = read_checks(executed, current[submission.chapter])
            passed = sum(v == "passed" for v in submission.exercises.values())
            tally = (f", {passed} of {len(submission.exercises)} passed"
                     if submission.exercises else "")
            say(f"[{i}/{len(files)}] {submission.name}: {submission.status}{tally}"
                f"{f' ({submission.seconds:.0f} s)' if submission.seconds else ''}")
            submissions.append(submission)
    finally:
        shutil.rmtree(Path(out) / ".kernels", ignore_errors=True)  # as instructor run does
    write(submissions, current, out)
    return submissions


def write(submissions, current, out):
    """Write grades.csv and grades.md: a row per submission, a column per exercise."""
    chapters = sorted({s.chapter for s in submissions if s.chapter in current})
    labels = [e["label"] for c in chapters for e in current[c]["exercises"]]
    header = ["submission", "chapter", "edition", "status", "seconds", *labels, "problem"]
    rows = [[s.name, s.chapter, s.edition, s.status, f"{s.seconds:.0f}" if s.seconds else "",
             *(s.exercises.get(label, "") for label in labels), s.detail] for s in submissions]
    with open(Path(out) / "grades.csv", "w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    cell = lambda text: str(text).replace("|", "/").replace("\n", " ")  # noqa: E731
    lines = [f"# Grades: {len(submissions)} submissions",
             "", "A problem's cell number counts the cells of the executed copy (under copies/; "
             "papermill adds one cell after the parameters).",
             "", "Exercises: " + (", ".join(
                 f"{e['number']} `{e['label']}` ({e.get('kind', 'code')})" for c in chapters
                 for e in current[c]["exercises"]) or "none"), "",
             "| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    (Path(out) / "grades.md").write_text("\n".join(lines) + "\n")
