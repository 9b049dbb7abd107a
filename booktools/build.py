"""Build the book: re-execute only the chapters whose code or library changed, then the site.

Jupyter Book executes notebooks through a cache (``execute_notebooks: cache``) keyed by each
notebook's code cells: a prose-only change re-executes nothing, its outputs are reused. That key
does not see ``course_utils``, the profile or the data, though. So before the build this module
computes, for every chapter, a key of its own over those: the source files of the
``course_utils`` modules the chapter imports (and what they import in turn), the profile and the
data folder. Where a chapter's key changed since the last build, its cached execution is
dropped, and the chapter executes anew; its models come from the model cache unless their
own code changed. At the end it prints which chapters ran and how long each took.

Jupyter Book executes one notebook at a time, and one chapter's training keeps about 1.5 of two
cores busy. So the chapters to execute run first, two at a time (``--jobs``), into Jupyter
Book's cache, where the build then finds them; a chapter that needs another's model waits on the
model cache's lock and loads it. In the full profile the benchmark page runs alone at the end:
it measures the machine for the published page. With ``--exercises`` (make test's build) the
exercise editions run too, after the pages in the same pool, as a student's would; their runs
are kept for the tests to check.

    python -m booktools.build        (what `make book` runs)
"""

import argparse
import ast
import concurrent.futures
import contextlib
import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

# Where MUST_PASS is 1 a failing check raises; the exercise editions run without it.
from course_utils.chapter import MUST_PASS
from booktools import assets

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"
BUILD = ROOT / "_build"
JUPYTER_CACHE = BUILD / ".jupyter_cache"  # where Jupyter Book keeps executed notebooks
KEYS = BUILD / "course_keys.json"
TIMES = BUILD / "build_times.json"  # the last build's per-chapter times, for the record
ENVIRONMENT = ("COURSE_PROFILE", "CELEBA_DIR", "COURSE_DATA_SOURCE")  # what else decides outputs
EXERCISES = ROOT / "editions" / "exercises"  # what make test's build also runs (--exercises)
RUNS = "exercise-runs"  # where, in the build folder, their runs are kept
# Files or folders a page runs or reads that no import shows: the benchmark page runs
# benchmarks/.
READS = {"book/appendix_benchmarks.ipynb": ["benchmarks"],
         "book/intro.ipynb": ["benchmarks/results", "_toc.yml"],  # the cold build, the chapters
         # runs the instructor's command (all of the library), on chapters 3 and 4
         "book/instructor.ipynb": ["course_utils", "booktools/instructor.py", "booktools/build.py",
                                   "book/03_vae.ipynb",
                                   "book/04_kl_divergence.ipynb"]}
# Pages that time the machine: in the full profile (the published numbers) they run alone, after
# the chapters; in the quick profile (a preview, and make test's site) beside them.
ALONE = {"book/appendix_benchmarks.ipynb"}
# The fresh clone's guess at each page's seconds (a full cold build's record), until the build
# folder's own cache holds the times of its last run: the longest start first, so that the two
# workers finish together.
COLD_RECORD = ROOT / "benchmarks" / "results" / "full_book_cold.json"


def _toc():
    """Return _toc.yml, read."""
    return yaml.safe_load((ROOT / "_toc.yml").read_text())


def pages():
    """Return every page of the table of contents in order (its root first), without suffix."""
    toc = _toc()
    return [toc["root"]] + [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def chapters():
    """Return the notebooks the table of contents lists after its root, in order."""
    return [ROOT / f"{name}.ipynb" for name in pages()[1:] if (ROOT / f"{name}.ipynb").exists()]


def root_page():
    """Return the book's first page (_toc.yml's root), if it is a notebook, else None."""
    path = ROOT / f"{_toc()['root']}.ipynb"
    return path if path.exists() else None


def _module_file(name):
    """Return the source file of a course_utils module name, or None."""
    parts = name.split(".")[1:]
    path = PACKAGE.joinpath(*parts)
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(source, package=None):
    """Return the course_utils module names a piece of code imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("course_utils"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # a relative import inside the package
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.startswith("course_utils"):
                names.add(base)
                names.update(f"{base}.{a.name}" for a in node.names)
    return {name for name in names if _module_file(name)}


def dependencies(notebook):
    """Return the course_utils source files a notebook depends on, through imports."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code"
                     and not "".join(c["source"]).lstrip().startswith(("%", "!")))
    todo, seen = _imports(code) | {"course_utils"}, set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        for i in range(1, len(parts)):  # importing a.b.c runs a/__init__ and a/b/__init__
            todo.add(".".join(parts[:i]))
        path = _module_file(name)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        todo |= _imports(path.read_text(), package) - seen
    return sorted({_module_file(name) for name in seen})


def key(notebook):
    """Return a chapter's key: its library sources, the profile and the data it runs with."""
    digest = hashlib.sha256()
    reads = READS.get(_name(notebook), [])
    extra = [p for read in reads for p in ([ROOT / read] if (ROOT / read).is_file()
                                           else sorted((ROOT / read).rglob("*")))
             if p.is_file() and "__pycache__" not in p.parts]
    for path in dependencies(notebook) + extra:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for name in ENVIRONMENT:
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    return digest.hexdigest()


def invalidate(notebooks, cache_path=JUPYTER_CACHE, keys_path=KEYS):
    """Drop the cached execution of every notebook whose key changed; return their names."""
    from jupyter_cache import get_cache

    old = json.loads(keys_path.read_text()) if keys_path.exists() else {}
    new = {str(Path(nb).relative_to(ROOT)): key(nb) for nb in notebooks}
    stale = [name for name in new if old.get(name) != new[name]]
    if stale and Path(cache_path).exists():
        cache = get_cache(cache_path)
        for record in cache.list_cache_records():
            if str(Path(record.uri).resolve().relative_to(ROOT)) in stale:
                cache.remove_cache(record.pk)
    for name in stale:  # Sphinx re-reads only changed files: mark the notebook as changed
        if (ROOT / name).exists():
            os.utime(ROOT / name)
    keys_path.parent.mkdir(parents=True, exist_ok=True)
    keys_path.write_text(json.dumps(new, indent=1))
    return stale


def executed(cache_path=JUPYTER_CACHE):
    """Return {notebook: (record id, seconds its execution took)} from Jupyter Book's cache."""
    from jupyter_cache import get_cache

    if not Path(cache_path).exists():
        return {}
    return {_name(r.uri): (r.pk, r.data.get("execution_seconds"))
            for r in get_cache(cache_path).list_cache_records()}


def _execute(path, student=False):
    """Execute a notebook; return (path, the executed notebook, seconds, error).

    A book page runs in its folder. An exercise edition (student) runs as a student's would: in
    an empty folder, its checks printing hints where the book's must pass.
    """
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = nbformat.read(path, as_version=4)
    must_pass = os.environ.pop(MUST_PASS, None) if student else None
    folder = (tempfile.TemporaryDirectory() if student
              else contextlib.nullcontext(str(Path(path).parent)))
    try:
        with folder as cwd:
            result = single_nb_execution(notebook, cwd=cwd, timeout=_timeout(),
                                         allow_errors=False)
    finally:
        if must_pass is not None:
            os.environ[MUST_PASS] = must_pass
    return path, result.nb, result.time, result.exc_string


def exercise_run(edition, runs):
    """Return the file an exercise edition's run is kept in, named by what decides its outputs.

    Its text and its key (the library it imports, the profile, the data): while none of them
    changes, the kept run stands for a new one.
    """
    edition = Path(edition)
    digest = hashlib.sha256(edition.read_bytes() + key(edition).encode()).hexdigest()[:16]
    return Path(runs) / f"{edition.stem}-{digest}.ipynb"


def keep_run(notebook, kept):
    """Write an executed exercise edition to kept, whole or not at all; drop its older runs."""
    import nbformat

    kept.parent.mkdir(parents=True, exist_ok=True)
    for stale in kept.parent.glob(f"{kept.name.rsplit('-', 1)[0]}-*.ipynb"):
        stale.unlink(missing_ok=True)
    partial = kept.with_suffix(f".{os.getpid()}.tmp")
    nbformat.write(notebook, partial)
    os.replace(partial, kept)


def _config():
    """Return the book's _config.yml."""
    import yaml

    return yaml.safe_load((ROOT / "_config.yml").read_text())


def _timeout():
    """Return the seconds a cell may run: _config.yml's execute.timeout, as Jupyter Book's."""
    return _config()["execute"]["timeout"]


def refresh_static(html):
    """Copy into html/_static each static file that changed since the last build.

    Sphinx copies the static files only when it writes a page, so an edited script or style
    with no page changed would stay stale. Return the files copied.
    """
    if not (html / "_static").is_dir():
        return []  # a first build: Sphinx copies everything
    copied = []
    for folder in _config()["sphinx"]["config"]["html_static_path"]:
        for source in sorted(p for p in (ROOT / folder).rglob("*") if p.is_file()):
            target = html / "_static" / source.relative_to(ROOT / folder)
            if not target.exists() or target.read_bytes() != source.read_bytes():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                copied.append(target)
    return copied


def schedule(names, seconds, profile="full"):
    """Return (the pages to run side by side, longest first; those to run alone, after them).

    ``seconds`` maps a page to its last run's time; an exercise edition ranks as its chapter's
    page, and pages of unknown time keep the book's order, after the others.
    """
    alone = [n for n in names if n in ALONE] if profile == "full" else []
    return sorted((n for n in names if n not in alone),
                  key=lambda n: -(seconds.get(f"book/{Path(n).name}") or 0)), alone


def last_seconds(cache_path=JUPYTER_CACHE):
    """Return each page's seconds in its last execution here, else in the cold build's record."""
    record = json.loads(COLD_RECORD.read_text())["after_s"]
    seconds = {f"book/{page}.ipynb": s for page, s in record.items()}
    seconds.update({name: s for name, (_, s) in executed(cache_path).items() if s is not None})
    return seconds


def _name(path):
    """Return a notebook's path relative to the repository (as given, if outside it)."""
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def execute(notebooks, jobs=2, cache_path=JUPYTER_CACHE, profile="full", exercises=(),
            runs=None):
    """Execute the notebooks Jupyter Book's cache lacks, jobs at a time; cache them.

    Exercise editions given (make test's build) run after the pages, in the same pool, those
    without a kept run (exercise_run) into runs. Return the names of those that failed (their
    error is printed); the others are in the cache, where Jupyter Book finds them by their code
    cells, or kept in runs.
    """
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(cache_path)
    todo = []
    for nb in notebooks:
        try:
            cache.match_cache_notebook(nbformat.read(nb, as_version=4))
        except KeyError:
            todo.append(_name(nb))
    seconds = last_seconds(cache_path)
    together, alone = schedule(todo, seconds, profile)
    # After the pages: an exercise edition loads the models its chapter's page trains.
    kept = {_name(e): exercise_run(e, runs) for e in exercises}
    students = {name: path for name, path in kept.items() if not path.exists()}
    together += schedule(list(students), seconds, profile)[0]
    failed = []
    for names, workers in ((together, jobs), (alone, 1)):
        if not names:
            continue
        print(f"Executing {', '.join(_short(n) for n in names)} ({workers} at a time):",
              flush=True)
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_execute, str(ROOT / n), n in students) for n in names]
            for future in concurrent.futures.as_completed(futures):
                path, notebook, seconds, error = future.result()
                name = _name(path)
                if error:
                    print(f"\n{name} failed after {seconds:.0f} s:\n{error}", flush=True)
                    failed.append(name)
                    continue
                if name in students:
                    keep_run(notebook, students[name])
                else:
                    cache.cache_notebook_bundle(
                        CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds}),
                        check_validity=False, overwrite=True)
                print(f"  {name}: executed in {seconds:.0f} s", flush=True)
    return failed


def _short(name):
    """Return a page's name in a line of names: its stem; an edition's, with its folder."""
    path = Path(name)
    return path.stem if path.parent.name == "book" else f"{path.parent.name}/{path.stem}"


def describe_machine():
    """Return the machine in a few words: processor, cores, memory, system."""
    processor = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                processor = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        memory = None
    return {"processor": processor, "cores": os.cpu_count(),
            "memory_gib": round(memory) if memory else None, "system": platform.system(),
            "python": platform.python_version()}


def main(argv=None):
    """Invalidate what changed, execute it, build the site, print what ran and how long."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="chapters executed at a time (default: 2, or 1 on one core)")
    parser.add_argument("--out", type=Path, default=None,
                        help="build in OUT/_build instead of _build (the tests' quick site)")
    parser.add_argument("--exercises", action="store_true",
                        help="also run the exercise editions, as students would, keeping each "
                             f"run in the build folder's {RUNS} (make test checks them)")
    args, rest = parser.parse_known_args(argv)
    build = (args.out.resolve() / "_build") if args.out else BUILD
    cache_path, keys_path = build / ".jupyter_cache", build / "course_keys.json"
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, not {args.jobs}")
    notebooks = [p for p in [root_page()] if p] + chapters()
    before = executed(cache_path)
    stale = invalidate(notebooks, cache_path, keys_path)
    # The chapters would choose "gpu" by themselves on a GPU; the book is the full profile's.
    profile = os.environ.setdefault("COURSE_PROFILE", "full")
    print(f"Building the book, {profile} profile: {len(notebooks)} chapters.")
    for nb in notebooks:
        name = str(nb.relative_to(ROOT))
        state = ("library or settings changed: will execute" if name in stale and name in before
                 else "executed before: outputs reused unless its code changed"
                 if name in before else "never executed: will execute")
        print(f"  {name}: {state}")
    start = time.perf_counter()
    try:
        assets.vendor()
    except assets.SiteError as error:
        print(error)
        return 1
    if (build / "html").is_dir() and not (build / "html" / "_static").is_dir():
        rest = [*rest, "--all"]  # pages without their static files: write them all again
    refresh_static(build / "html")
    exercises = sorted(EXERCISES.glob("*.ipynb")) if args.exercises else []
    failed = execute(notebooks, jobs=args.jobs, cache_path=cache_path, profile=profile,
                     exercises=exercises, runs=build / RUNS)
    if failed:
        print(f"\nNot built: {', '.join(failed)} failed (the error is above).")
        return 1
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "-W",
               "-n", "--keep-going", *rest]
    if args.out:
        command += ["--path-output", str(args.out.resolve())]
    status = subprocess.call(command, cwd=ROOT)
    after = executed(cache_path)
    print(f"\nBuilt in {time.perf_counter() - start:.0f} s. Chapters executed in this build:")
    ran = [(name, seconds) for name, (pk, seconds) in after.items()
           if before.get(name, (None,))[0] != pk and seconds is not None]
    for name, seconds in ran:
        print(f"  {name}: {seconds:.0f} s")
    if not ran:
        print("  none: every chapter's outputs came from the cache")
    (build / TIMES.name).write_text(json.dumps({
        "profile": profile, "date": datetime.date.today().isoformat(),
        "machine": describe_machine(), "total_s": round(time.perf_counter() - start),
        "executed_s": {name: round(seconds) for name, seconds in ran}}, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
