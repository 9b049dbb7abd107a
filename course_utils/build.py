"""Build the book: re-execute only the chapters whose code or library changed, then the site.

Jupyter Book executes notebooks through a cache (``execute_notebooks: cache``) keyed by each
notebook's code cells: a prose-only change re-executes nothing, its outputs are reused. That key
does not see ``course_utils``, the profile or the data, though. So before the build this module
computes, for every chapter, a key of its own over those: the source files of the
``course_utils`` modules the chapter imports (and what they import in turn), the profile and the
data folder. Where a chapter's key changed since the last build, its cached execution is
dropped, and Jupyter Book executes it anew; its models come from the model cache unless their
own code changed. At the end it prints which chapters ran and how long each took.

    python -m course_utils.build        (what `make book` runs)
"""

import ast
import datetime
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "course_utils"
BUILD = ROOT / "_build"
JUPYTER_CACHE = BUILD / ".jupyter_cache"  # where Jupyter Book keeps executed notebooks
KEYS = BUILD / "course_keys.json"
TIMES = BUILD / "build_times.json"  # the last build's per-chapter times, for the record
ENVIRONMENT = ("COURSE_PROFILE", "CELEBA_DIR", "COURSE_DATA_SOURCE")  # what else decides outputs
# Files a chapter runs or reads that no import shows: the benchmark page runs benchmarks/.
READS = {"book/appendix_benchmarks.ipynb": ["benchmarks"]}


def chapters():
    """Return the notebooks the table of contents lists, in order."""
    lines = (ROOT / "_toc.yml").read_text().splitlines()
    names = [line.split("file:", 1)[1].strip() for line in lines if "file:" in line]
    return [ROOT / f"{name}.ipynb" for name in names if (ROOT / f"{name}.ipynb").exists()]


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
    reads = READS.get(str(Path(notebook).resolve().relative_to(ROOT)), [])
    extra = [p for folder in reads for p in sorted((ROOT / folder).rglob("*"))
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
    return {str(Path(r.uri).resolve().relative_to(ROOT)): (r.pk, r.data.get("execution_seconds"))
            for r in get_cache(cache_path).list_cache_records()}


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
    """Invalidate what changed, build the site, print what ran and for how long."""
    notebooks = chapters()
    before = executed()
    stale = invalidate(notebooks)
    profile = os.environ.get("COURSE_PROFILE", "full")
    print(f"Building the book, {profile} profile: {len(notebooks)} chapters.")
    for nb in notebooks:
        name = str(nb.relative_to(ROOT))
        state = ("library or settings changed: will execute" if name in stale and name in before
                 else "executed before: outputs reused unless its code changed"
                 if name in before else "never executed: will execute")
        print(f"  {name}: {state}")
    start = time.perf_counter()
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "-W",
               "-n", "--keep-going", *(argv or [])]
    status = subprocess.call(command, cwd=ROOT)
    after = executed()
    print(f"\nBuilt in {time.perf_counter() - start:.0f} s. Chapters executed in this build:")
    ran = [(name, seconds) for name, (pk, seconds) in after.items()
           if before.get(name, (None,))[0] != pk and seconds is not None]
    for name, seconds in ran:
        print(f"  {name}: {seconds:.0f} s")
    if not ran:
        print("  none: every chapter's outputs came from the cache")
    TIMES.write_text(json.dumps({
        "profile": profile, "date": datetime.date.today().isoformat(),
        "machine": describe_machine(), "total_s": round(time.perf_counter() - start),
        "executed_s": {name: round(seconds) for name, seconds in ran}}, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
