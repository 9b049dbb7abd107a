"""Re-execute chapters with an instructor's parameters, in batch, and summarise what they measured.

    python -m booktools.instructor run --out runs/monday            every chapter, full profile
    python -m booktools.instructor run --out runs/dry --profile quick 01 03
    python -m booktools.instructor run --out runs/gpu -p EPOCHS 20 -p 03:BETA 2
    python -m booktools.instructor run --out runs/beta --sweep 03:BETA=0.5,1,2
    python -m booktools.instructor run --out runs/students --edition exercises 03
    python -m booktools.instructor grade submissions/ --out grades/monday

Every chapter runs through papermill into the output folder (never into ``book/``). Before
anything runs, every chapter name, parameter name and value is checked: the names against the
chapter's parameters cell, the values against its rules in :mod:`course_utils.settings`; a
mistake is refused with what is allowed.
At the end ``summary.md`` and ``summary.csv`` hold, per run, the status, the wall time, the data
and sizes the run used and the numbers it glued (read back from the executed notebook); a swept
chapter gets a plot of its numbers against the swept value. A failed chapter does not stop the
others; the exit status is 0 only if every run passed.
"""

import argparse
import ast
import concurrent.futures
import csv
import difflib
import json
import math
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from course_utils import settings
from booktools import build

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
EDITIONS = {"source": BOOK, "solutions": ROOT / "editions" / "solutions",
            "exercises": ROOT / "editions" / "exercises"}
KERNEL_NAME = "latent-spaces"  # the kernel spec written into the output folder if needed
GLUE_MIME = "application/papermill.record/text/plain"  # how MyST-NB's glue stores a value


class InstructorError(ValueError):
    """A request that cannot run: an unknown chapter or parameter, a bad value, a used folder."""


@dataclass
class Run:
    """One execution of one chapter: its parameters and where its output goes."""

    chapter: str
    parameters: dict
    source: Path
    output: Path
    swept: tuple = ()  # (name, value) when this run is one value of a sweep
    status: str = "not run"
    seconds: float = 0.0
    error: str = ""
    data: str = ""
    sizes: str = ""
    numbers: dict = field(default_factory=dict)

    @property
    def label(self):
        """Return the run's name: the chapter, and the swept value if any."""
        return self.chapter + (f" {self.swept[0]}={self.swept[1]}" if self.swept else "")


# --- What the book offers ------------------------------------------------------------------------

def book_chapters():
    """Return the book's chapters that take parameters, in the table of contents' order."""
    return [path.stem for path in build.chapters() if path.stem in settings.CHAPTERS]


def resolve_chapter(text, known=None):
    """Return the chapter a name stands for: "03", "3", "03_vae" or "vae"; refuse others."""
    known = known or book_chapters()
    text = text.strip()
    if text in known:
        return text
    if text.isdigit():
        found = [name for name in known if name[:2].isdigit() and int(name[:2]) == int(text)]
    else:
        found = [name for name in known if text.lower() in name.lower()]
    if len(found) == 1:
        return found[0]
    # "vea" is close to "vae", the part of 03_vae after its number
    short = {name.split("_", 1)[1] if name[:2].isdigit() else name: name for name in known}
    near = difflib.get_close_matches(text.lower(), list(short) + known, n=1, cutoff=0.5)
    hint = f" Did you mean {short.get(near[0], near[0])}?" if near else ""
    which = "is ambiguous" if found else "is not a chapter of the book"
    raise InstructorError(f"Chapter {text!r} {which}.{hint} The chapters are "
                          f"{', '.join(known)} (a number like 03 is enough).")


def parse_value(text):
    """Return a command-line value as Python: numbers, True/False, None, else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def cell_defaults(chapter):
    """Return the chapter's parameters cell as {name: default}, read by papermill."""
    import papermill

    found = papermill.inspect_notebook(str(EDITIONS["source"] / f"{chapter}.ipynb"))
    return {name: ast.literal_eval(p["default"]) for name, p in found.items()}


def check_parameter(chapter, name, value):
    """Return value as the chapter's rule wants it; refuse an unknown name or bad value."""
    names = list(cell_defaults(chapter))
    if name not in names:
        near = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean {near[0]}?" if near else ""
        raise InstructorError(f"{chapter} has no parameter {name}.{hint} Its parameters are "
                              f"{', '.join(names)}.")
    rule = settings.declared(chapter)[name]
    try:
        return rule.check(name, value)
    except settings.ParameterError:
        raise InstructorError(f"{chapter}: {name} must be {rule.describe()}; got {value!r} "
                              f"({type(value).__name__}).") from None


def _split_target(text):
    """Return (chapter or None, name) of "03:BETA" or "BETA"."""
    chapter, _, name = text.rpartition(":")
    return (resolve_chapter(chapter) if chapter else None), name.strip()


# --- The plan: every run, checked before any runs ------------------------------------------------

def plan(chapters, profile, overrides, sweeps, edition, out):
    """Return the runs to make, in order; raise InstructorError on anything that cannot run.

    overrides: [(target, value text)] where target is NAME or CHAPTER:NAME; sweeps: texts
    CHAPTER:NAME=v1,v2,...
    """
    if edition not in EDITIONS:
        raise InstructorError(f"--edition must be one of {', '.join(EDITIONS)}; got {edition!r}.")
    swept = {}
    for text in sweeps:
        target, equals, values = text.partition("=")
        chapter, name = _split_target(target)
        if not equals or chapter is None or not values.strip():
            raise InstructorError(f"--sweep {text!r}: write CHAPTER:NAME=VALUE,VALUE,... for "
                                  "example --sweep 03:BETA=0.5,1,2.")
        if chapter in swept:
            raise InstructorError(f"--sweep: {chapter} is swept twice; sweep one parameter "
                                  "per chapter.")
        swept[chapter] = (name, [check_parameter(chapter, name, parse_value(v))
                                 for v in values.split(",")])
    selected = [resolve_chapter(c) for c in chapters] or (
        [c for c in book_chapters() if c in swept] if swept
        else [c for c in book_chapters() if c[:2].isdigit()])
    selected = sorted(set(selected), key=book_chapters().index)
    for chapter in swept:
        if chapter not in selected:
            raise InstructorError(f"--sweep names {chapter}, which is not among the chapters "
                                  f"to run ({', '.join(selected)}); add it.")
    if profile not in settings.PROFILES:
        raise InstructorError(f"--profile must be one of {', '.join(settings.PROFILES)}; got "
                              f"{profile!r}.")
    given = {chapter: {"PROFILE": profile} for chapter in selected}
    for target, text in overrides:
        chapter, name = _split_target(target)
        targets = [chapter] if chapter else [c for c in selected if name in cell_defaults(c)]
        if chapter and chapter not in selected:
            raise InstructorError(f"-p {target}: {chapter} is not among the chapters to run "
                                  f"({', '.join(selected)}).")
        if not targets:
            names = sorted({n for c in selected for n in cell_defaults(c)})
            near = difflib.get_close_matches(name, names, n=1)
            hint = f" Did you mean {near[0]}?" if near else ""
            raise InstructorError(f"No chapter to run has a parameter {name}.{hint} Their "
                                  f"parameters are {', '.join(names)}.")
        for c in targets:
            given[c][name] = check_parameter(c, name, parse_value(text))
    folder = EDITIONS[edition]
    runs = []
    for chapter in selected:
        source = folder / f"{chapter}.ipynb"
        if not source.exists():
            raise InstructorError(f"{source} does not exist: the {edition} edition has no "
                                  f"{chapter} (run `make editions`).")
        name, values = swept.get(chapter, (None, [None]))
        for value in values:
            parameters = dict(given[chapter], **({name: value} if name else {}))
            stem = chapter + (f"__{name}={value}" if name else "")
            runs.append(Run(chapter, parameters, source, Path(out) / f"{stem}.ipynb",
                            (name, value) if name else ()))
    return runs


def prepare_folder(out, force):
    """Create the output folder; refuse one that exists (unless force) or lies in the sources."""
    out = Path(out).resolve()
    for protected in (BOOK, ROOT / "editions", ROOT / "course_utils"):
        if out == protected or protected in out.parents:
            raise InstructorError(f"--out {out} lies inside {protected}, the course's sources; "
                                  "choose a folder of your own, e.g. runs/monday.")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise InstructorError(f"--out {out} exists and is not empty: choose a new folder, "
                                  "or add --force to replace the runs in it.")
        for path in out.glob("*.ipynb"):
            path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out


# --- Running -------------------------------------------------------------------------------------

def find_kernel(out):
    """Return the name of a kernel spec, written into out, that runs this very Python.

    Not an installed "python3": that may be another Python without the course's packages.
    The caller puts out/.kernels on JUPYTER_PATH while the runs use it.
    """
    folder = Path(out) / ".kernels" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Latent Spaces", "language": "python"}))
    return KERNEL_NAME


def _kernel_manager(folder):
    """Return a kernel manager class whose kernels talk over files in folder, not TCP ports.

    Kernels started side by side each pick free TCP ports, and two can pick the same one: the
    second run then waits forever. Unix sockets in a folder of their own cannot collide.
    """
    if os.name == "nt":  # no unix sockets: TCP, as papermill does by default
        return None
    from jupyter_client.manager import KernelManager

    class FileSocketKernelManager(KernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.ip = os.path.join(folder, "socket")

    return FileSocketKernelManager


def execute(run, kernel, threads=None):
    """Execute one run with papermill; return it with its status, time and error filled in."""
    import papermill

    if threads:  # runs side by side share the cores instead of each taking all of them
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
        os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    start = time.perf_counter()
    sockets = tempfile.mkdtemp(prefix="course-kernel-")
    try:
        manager = _kernel_manager(sockets)
        papermill.execute_notebook(str(run.source), str(run.output), parameters=run.parameters,
                                   kernel_name=kernel, cwd=str(run.source.parent),
                                   progress_bar=False, log_output=False,
                                   **({"kernel_manager_class": manager} if manager else {}))
        run.status = "passed"
    except Exception as error:  # papermill's execution error, or a kernel that died
        run.status, run.error = "failed", _short_error(error)
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    run.seconds = time.perf_counter() - start
    return run


def _short_error(error):
    """Return the failing cell (its number in the output notebook, its first line) and error."""
    cell = getattr(error, "exec_count", None)
    name, value = getattr(error, "ename", type(error).__name__), getattr(error, "evalue",
                                                                       str(error))
    value = re.sub(r"\x1b\[[0-9;]*m", "", str(value)).strip().splitlines()
    first = next((line for line in str(getattr(error, "source", "")).splitlines()
                  if line.strip()), "")
    where = f"cell [{cell}] `{first[:60]}`: " if cell is not None else ""
    return f"{where}{name}: {value[-1] if value else ''}".replace("|", "/")


def read_back(run):
    """Fill in the run's data, sizes and glued numbers from its executed notebook."""
    if not run.output.exists():
        return run
    cells = json.loads(run.output.read_text())["cells"]
    for cell in cells:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            for line in text.splitlines():
                if line.startswith("Data: ") and not run.data:
                    run.data = line[len("Data: "):]
                elif line.startswith("Profile ") and not run.sizes:
                    run.sizes = line.split(": ", 1)[-1]
            glued = output.get("metadata", {}).get("scrapbook", {}).get("name")
            value = output.get("data", {}).get(GLUE_MIME)
            if glued and value is not None:
                number = _number(value)
                if number is not None:
                    run.numbers[glued] = number
    if run.status == "failed" and not run.error:
        run.error = "see the output notebook"
    return run


def _number(text):
    """Return a glued value as a number when it is one (not a word or a phrase), else None."""
    try:
        value = ast.literal_eval(text if isinstance(text, str) else "".join(text))
    except (ValueError, SyntaxError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def run_all(runs, kernel, jobs, say=print):
    """Execute the runs in order; a sweep's runs side by side, up to jobs at a time."""
    groups = {}
    for run in runs:
        groups.setdefault(run.chapter, []).append(run)
    done, total, start = 0, len(runs), time.perf_counter()
    for chapter, group in groups.items():
        width = max(1, min(jobs, len(group)))
        threads = max(1, (os.cpu_count() or 1) // width) if width > 1 else None
        for run in group:
            done += 1
            say(f"[{done}/{total}] {run.label} ({time.perf_counter() - start:.0f} s elapsed)")
        if width == 1:
            finished = [execute(run, kernel) for run in group]
        else:
            context = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(width, mp_context=context) as pool:
                finished = list(pool.map(execute, group, [kernel] * len(group),
                                         [threads] * len(group)))
        for run, result in zip(group, finished):
            run.status, run.seconds, run.error = result.status, result.seconds, result.error
            read_back(run)
            say(f"      {run.label}: {run.status} in {run.seconds:.0f} s"
                + (f" ({run.error})" if run.error else ""))
    return runs


# --- The summary ---------------------------------------------------------------------------------

def write_summary(runs, out):
    """Write summary.md, summary.csv and one plot per swept chapter; return the Markdown."""
    out = Path(out)
    with open(out / "summary.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["run", "chapter", "swept", "value", "status", "seconds", "error",
                         "data", "sizes", "number", "measured"])
        for run in runs:
            base = [run.label, run.chapter, *(run.swept or ("", "")), run.status,
                    f"{run.seconds:.1f}", run.error, run.data, run.sizes]
            for name, value in run.numbers.items():
                writer.writerow(base + [name, value])
            if not run.numbers:
                writer.writerow(base + ["", ""])
    lines = ["# Instructor run", "", "| run | status | seconds | data | sizes | notebook |",
             "|---|---|---|---|---|---|"]
    for run in runs:
        status = run.status + (f": {run.error}" if run.error else "")
        lines.append(f"| {run.label} | {status} | {run.seconds:.0f} | {run.data} | "
                     f"{run.sizes} | [{run.output.name}]({run.output.name}) |")
    by_chapter = {}
    for run in runs:
        by_chapter.setdefault(run.chapter, []).append(run)
    for chapter, group in by_chapter.items():
        names = list(dict.fromkeys(n for run in group for n in run.numbers))
        if not names:
            continue
        lines += ["", f"## {chapter}: measured numbers", "",
                  "| number | " + " | ".join(r.label for r in group) + " |",
                  "|---|" + "---|" * len(group)]
        for name in names:
            cells = [_format(run.numbers.get(name)) for run in group]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        if group[0].swept:
            plot = plot_sweep(group, out / f"{chapter}_sweep.png")
            if plot:
                lines += ["", f"![{chapter} against {group[0].swept[0]}]({plot.name})"]
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    return text


def _format(value):
    """Return a number for the tables, short."""
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"


def plot_sweep(group, path, most=12):
    """Plot a swept chapter's numbers that changed, against the swept value; return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    passed = [run for run in group if run.status == "passed"]
    names = [n for n in passed[0].numbers if all(n in r.numbers for r in passed)] if passed else []
    spread = {n: _relative_spread([r.numbers[n] for r in passed]) for n in names}
    changed = sorted((n for n in names if spread[n] > 0), key=spread.get, reverse=True)[:most]
    if len(passed) < 2 or not changed:
        return None
    columns = min(4, len(changed))
    rows = math.ceil(len(changed) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.6 * rows), squeeze=False)
    swept = group[0].swept[0]
    values = [r.swept[1] for r in passed]
    for ax, name in zip(axes.flat, changed):
        ax.plot(values, [r.numbers[name] for r in passed], "o-")
        ax.set(title=name, xlabel=swept)
        ax.title.set_fontsize(9)
    for ax in list(axes.flat)[len(changed):]:
        ax.axis("off")
    fig.suptitle(f"{group[0].chapter}: the numbers that changed most with {swept}")
    fig.tight_layout()
    from course_utils.plotting import describe

    fig.savefig(path, dpi=80, metadata={"Description": describe(fig)})  # the site's alt text
    plt.close(fig)
    return path


def _relative_spread(values):
    """Return (max - min) / the largest magnitude: how much a number moved across a sweep."""
    scale = max(abs(v) for v in values)
    return (max(values) - min(values)) / scale if scale else 0.0


# --- The command ---------------------------------------------------------------------------------

def grade_command(args, say=print):
    """Check the grading request, then grade every submission; return the exit status."""
    from booktools import grade

    submissions = Path(args.submissions)
    try:
        if not submissions.is_dir():
            raise InstructorError(f"SUBMISSIONS {submissions} is not a folder: give the folder "
                                  "that holds the class's notebooks.")
        if args.profile not in settings.PROFILES:
            raise InstructorError(f"--profile {args.profile!r} is not one of "
                                  f"{', '.join(settings.PROFILES)}.")
        if args.timeout < 1:
            raise InstructorError(f"--timeout must be at least 1 second; got {args.timeout}.")
        target, given = Path(args.out).resolve(), submissions.resolve()
        if target == given or given in target.parents or target in given.parents:
            raise InstructorError(f"--out {target} and SUBMISSIONS {given} overlap: the grader "
                                  "would grade its own copies; choose a folder outside it.")
        out = prepare_folder(args.out, args.force)
    except InstructorError as error:
        say(f"Refused, nothing was graded: {error}")
        return 2
    say(f"Grading {submissions} in the {args.profile} profile, {args.timeout} s per notebook, "
        f"into {out}:")
    start = time.perf_counter()
    graded = grade.grade(submissions, out, args.profile, args.timeout, say)
    counts = {}
    for submission in graded:
        counts[submission.status] = counts.get(submission.status, 0) + 1
    say(f"\nDone in {time.perf_counter() - start:.0f} s: "
        + ", ".join(f"{n} {status}" for status, n in counts.items())
        + f". Grades: {out / 'grades.md'} and grades.csv")
    return 0


def main(argv=None, say=print):
    """Parse the command line, check everything, run, summarise; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m booktools.instructor",
        description="Re-execute the book's chapters with your parameters and summarise them.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute chapters into a new folder")
    run.add_argument("chapters", nargs="*", help="chapters to run, e.g. 01 03 (default: all)")
    run.add_argument("--out", required=True, help="a new folder for the executed notebooks")
    run.add_argument("--profile", default="full",
                     help="full (the book's sizes), quick or gpu (the headline sizes)")
    run.add_argument("-p", dest="overrides", nargs=2, action="append", default=[],
                     metavar=("[CHAPTER:]NAME", "VALUE"),
                     help="set a parameter for every chapter that has it, or for one")
    run.add_argument("--sweep", action="append", default=[], metavar="CHAPTER:NAME=V1,V2",
                     help="run a chapter once per value, side by side")
    run.add_argument("--edition", default="source",
                     help="source (book/), solutions or exercises (the Colab editions)")
    run.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                     help="most sweep runs at a time (default: the number of cores)")
    run.add_argument("--force", action="store_true", help="reuse an existing output folder")
    grading = commands.add_parser(
        "grade", help="grade a class's exercise notebooks into grades.csv and grades.md")
    grading.add_argument("submissions", help="the folder of submitted notebooks (searched whole)")
    grading.add_argument("--out", required=True, help="a new folder for the grades and copies")
    grading.add_argument("--profile", default="quick", help="quick (default), full or gpu")
    grading.add_argument("--timeout", type=int, default=900,
                         help="seconds a notebook may run before it counts as timed out")
    grading.add_argument("--force", action="store_true", help="reuse an existing output folder")
    args = parser.parse_args(argv)
    if args.command == "grade":
        return grade_command(args, say)
    try:
        if args.jobs < 1:
            raise InstructorError(f"--jobs must be at least 1; got {args.jobs}.")
        runs = plan(args.chapters, args.profile, args.overrides, args.sweep, args.edition,
                    args.out)
        out = prepare_folder(args.out, args.force)
    except InstructorError as error:
        say(f"Refused, nothing was run: {error}")
        return 2
    for run_ in runs:
        run_.output = out / run_.output.name
    kernel = find_kernel(out)
    saved = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(out / ".kernels"), saved]))
    say(f"{len(runs)} runs, {args.profile} profile, {args.edition} edition, into {out} "
        f"(kernel {kernel}):")
    for run_ in runs:
        given = ", ".join(f"{k}={v!r}" for k, v in run_.parameters.items())
        say(f"  {run_.label}: {given}")
    start = time.perf_counter()
    try:
        run_all(runs, kernel, args.jobs, say)
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = saved
    write_summary(runs, out)
    failed = [r.label for r in runs if r.status != "passed"]
    say(f"\nDone in {time.perf_counter() - start:.0f} s: {len(runs) - len(failed)} of "
        f"{len(runs)} runs passed. Summary: {out / 'summary.md'} and summary.csv")
    if failed:
        say(f"Failed: {', '.join(failed)} (the summary names the cell and the error).")
    shutil.rmtree(out / ".kernels", ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
