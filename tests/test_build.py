"""make book's incremental build: which chapters a change re-executes."""

import json

import pytest

from booktools import build

jupyter_cache = pytest.importorskip("jupyter_cache")

# invalidate() touches the book's notebooks it finds stale: these tests run one after the other,
# on one worker, so that none sees another's touch.
pytestmark = pytest.mark.xdist_group("build")


def _notebook(path, code):
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": [code]}]}))
    return path


def test_dependencies_follow_imports_through_the_package(tmp_path):
    nb = _notebook(tmp_path / "a.ipynb", "from course_utils import trained\n")
    names = {str(p.relative_to(build.ROOT)) for p in build.dependencies(nb)}
    # trained imports models and cache; importing a submodule runs the package's __init__
    assert {"course_utils/trained.py", "course_utils/models.py", "course_utils/cache.py",
            "course_utils/__init__.py"} <= names
    assert "booktools/build.py" not in names


def test_every_chapter_depends_on_the_settings_it_reads():
    for nb in build.chapters():
        assert build.ROOT / "course_utils" / "settings.py" in build.dependencies(nb), nb.name


def test_key_changes_with_the_profile_and_the_data_folder(monkeypatch):
    nb = build.chapters()[0]
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    quick = build.key(nb)
    assert build.key(nb) == quick  # the same inputs, the same key
    monkeypatch.setenv("COURSE_PROFILE", "full")
    assert build.key(nb) != quick
    full = build.key(nb)
    monkeypatch.setenv("CELEBA_DIR", "/somewhere/celeba")
    assert build.key(nb) != full


def test_key_changes_when_an_imported_module_changes(monkeypatch):
    nb = build.chapters()[0]
    before = build.key(nb)
    real = build.Path.read_bytes

    def edited(path):
        data = real(path)
        return data + b"\n# edited\n" if path.name == "latent.py" else data

    monkeypatch.setattr(build.Path, "read_bytes", edited)
    assert build.key(nb) != before


def test_benchmark_page_key_covers_the_benchmark_scripts(monkeypatch):
    page = build.ROOT / "book" / "appendix_benchmarks.ipynb"
    before = build.key(page)
    real = build.Path.read_bytes
    monkeypatch.setattr(build.Path, "read_bytes", lambda p: real(p) + (
        b"#" if p.name == "training.py" and p.parent.name == "benchmarks" else b""))
    assert build.key(page) != before


def test_invalidate_reports_only_changed_chapters(tmp_path, monkeypatch):
    pytest.importorskip("jupyter_cache")
    notebooks = build.chapters()[:2]
    keys = tmp_path / "keys.json"
    cache = tmp_path / "no-cache-yet"
    assert build.invalidate(notebooks, cache, keys) == [
        str(nb.relative_to(build.ROOT)) for nb in notebooks]  # never built: all stale
    assert build.invalidate(notebooks, cache, keys) == []  # nothing changed
    monkeypatch.setenv("COURSE_PROFILE", "something else")
    assert len(build.invalidate(notebooks, cache, keys)) == 2


def test_invalidate_drops_the_cached_execution_of_a_changed_chapter(tmp_path, monkeypatch):
    notebooks = build.chapters()[:2]
    cache_path, keys = tmp_path / "cache", tmp_path / "keys.json"
    build.invalidate(notebooks, cache_path, keys)  # a first build records the keys ...
    cache = jupyter_cache.get_cache(cache_path)
    for nb in notebooks:  # ... and executes the chapters into the cache
        cache.cache_notebook_file(nb, check_validity=False)
    assert build.invalidate(notebooks, cache_path, keys) == []
    assert len(cache.list_cache_records()) == 2
    monkeypatch.setitem(build.READS, str(notebooks[1].relative_to(build.ROOT)), ["benchmarks"])
    assert build.invalidate(notebooks, cache_path, keys) == [
        str(notebooks[1].relative_to(build.ROOT))]
    left = [build.Path(r.uri).name for r in cache.list_cache_records()]
    assert left == [notebooks[0].name]


def test_a_stale_chapter_is_marked_changed_for_sphinx(tmp_path, monkeypatch):
    """Sphinx re-reads (and so Jupyter Book re-executes) only files newer than its last build."""
    notebooks = build.chapters()[:2]
    keys = tmp_path / "keys.json"
    build.invalidate(notebooks, tmp_path / "cache", keys)
    times = [nb.stat().st_mtime_ns for nb in notebooks]
    monkeypatch.setitem(build.READS, str(notebooks[1].relative_to(build.ROOT)), ["benchmarks"])
    try:
        for nb in notebooks:
            build.os.utime(nb, ns=(0, 10**18))  # far in the past, so the touch shows
        build.invalidate(notebooks, tmp_path / "cache", keys)
        assert notebooks[0].stat().st_mtime_ns == 10**18  # unchanged: left alone
        assert notebooks[1].stat().st_mtime_ns > 10**18  # stale: touched now
    finally:
        for nb, t in zip(notebooks, times):
            build.os.utime(nb, ns=(t, t))


def _notebook(path, *cells):
    """Write a notebook of code cells to path; return path."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_execute_runs_what_the_cache_lacks_in_parallel_and_caches_it(tmp_path, capsys):
    """Chapters run two at a time into Jupyter Book's cache, where the build then finds them."""
    import nbformat

    good = _notebook(tmp_path / "good.ipynb", "x = 6 * 7", "print(x)")
    bad = _notebook(tmp_path / "bad.ipynb", "raise ValueError('a broken chapter')")
    cache_path = tmp_path / "cache"
    assert build.execute([good, bad], jobs=2, cache_path=cache_path) == [build._name(bad)]
    out = capsys.readouterr().out
    assert "2 at a time" in out and "a broken chapter" in out
    cache = jupyter_cache.get_cache(cache_path)
    record = cache.match_cache_notebook(nbformat.read(good, as_version=4))  # what MyST-NB asks
    assert record.data["execution_seconds"] > 0
    _, merged = cache.merge_match_into_notebook(nbformat.read(good, as_version=4))
    assert merged.cells[1].outputs[0]["text"] == "42\n"
    assert build.execute([good], jobs=2, cache_path=cache_path) == []  # cached: nothing runs
    assert "Executing" not in capsys.readouterr().out


def test_exercise_editions_run_after_the_pages_as_students_would_and_are_kept(tmp_path, capsys,
                                                                            monkeypatch):
    """make test's build runs the exercise editions in its pool too: after the pages, whose
    models they load; in an empty folder, with hints where the book's checks must pass."""
    import nbformat

    monkeypatch.setenv(build.MUST_PASS, "1")
    code = ("import os", f"print(os.environ.get('{build.MUST_PASS}'), os.getcwd())")
    page = _notebook(tmp_path / "page.ipynb", *code)
    (tmp_path / "exercises").mkdir()
    edition = _notebook(tmp_path / "exercises" / "page.ipynb", *code)
    cache_path, runs = tmp_path / "cache", tmp_path / "runs"
    assert build.execute([page], cache_path=cache_path, exercises=[edition], runs=runs) == []
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("Executing"))
    assert line.index(build._short(build._name(page))) < line.index("exercises/page")
    _, merged = jupyter_cache.get_cache(cache_path).merge_match_into_notebook(
        nbformat.read(page, as_version=4))
    assert merged.cells[1].outputs[0]["text"] == f"1 {tmp_path}\n"  # the page: in its folder
    kept = build.exercise_run(edition, runs)
    printed = nbformat.read(kept, as_version=4).cells[1].outputs[0]["text"]
    assert printed.startswith("None /") and str(tmp_path) not in printed  # an empty folder
    # Kept: nothing runs again. A changed edition runs again, and replaces its old run.
    assert build.execute([page], cache_path=cache_path, exercises=[edition], runs=runs) == []
    assert "Executing" not in capsys.readouterr().out
    _notebook(edition, "print('changed')")
    assert build.execute([page], cache_path=cache_path, exercises=[edition], runs=runs) == []
    assert [p.name for p in runs.iterdir()] == [build.exercise_run(edition, runs).name]
    assert not kept.exists()
    # The variable comes back for the pages a worker runs next.
    build._execute(str(edition), student=True)
    assert build.os.environ[build.MUST_PASS] == "1"


def test_the_longest_pages_start_first_and_the_benchmark_page_runs_alone_in_full():
    names = [str(nb.relative_to(build.ROOT)) for nb in build.chapters()]
    assert build.ALONE <= set(names)  # the page still exists under that name
    seconds = {"book/03_vae.ipynb": 500, "book/05_faces.ipynb": 900, "book/01_autoencoder.ipynb": 9}
    together, alone = build.schedule(names, seconds, "full")
    assert together[:3] == ["book/05_faces.ipynb", "book/03_vae.ipynb", "book/01_autoencoder.ipynb"]
    assert together[3:] == [n for n in names if n not in seconds and n not in build.ALONE]
    assert alone == sorted(build.ALONE) and set(together) | set(alone) == set(names)
    # The quick profile's benchmarks are a preview: beside the chapters.
    together, alone = build.schedule(names, seconds, "quick")
    assert alone == [] and sorted(together) == sorted(names)
    # An exercise edition ranks as its chapter's page.
    editions = ["editions/exercises/01_autoencoder.ipynb", "editions/exercises/03_vae.ipynb"]
    assert build.schedule(editions, seconds)[0] == editions[::-1]


def test_a_fresh_clone_orders_the_pages_by_the_cold_builds_record(tmp_path):
    seconds = build.last_seconds(tmp_path / "no-cache-yet")
    assert {"book/05_faces.ipynb", "book/03_vae.ipynb"} <= set(seconds)


def test_missing_site_scripts_are_named_with_the_fix(tmp_path):
    from booktools import assets as site

    with pytest.raises(site.SiteError, match=r"onnxruntime-web/dist/ort\.wasm\.min\.js is missing "
                                             r".*npm ci --prefix site"):
        site.vendor(tmp_path / "static", tmp_path / "node_modules")
    assert not (tmp_path / "static").exists()  # nothing half-copied


def test_the_site_scripts_are_copied_from_the_pinned_packages(tmp_path):
    from booktools import assets as site

    modules = tmp_path / "node_modules"
    for source in site.VENDOR.values():
        (modules / source).parent.mkdir(parents=True, exist_ok=True)
        (modules / source).write_text(source)
    copied = site.vendor(tmp_path / "static", modules)
    assert sorted(p.relative_to(tmp_path / "static").as_posix() for p in copied) == sorted(
        site.VENDOR)


def test_the_instructor_page_is_keyed_by_the_library_it_runs_as_a_command(monkeypatch):
    """The page runs `python -m booktools.instructor`, which no import of the page shows."""
    page = build.ROOT / "book" / "instructor.ipynb"
    before = build.key(page)
    real = build.Path.read_bytes
    for edited in ("instructor.py", "04_kl_divergence.ipynb"):
        monkeypatch.setattr(build.Path, "read_bytes",
                            lambda p, name=edited: real(p) + (b"#" if p.name == name else b""))
        assert build.key(page) != before, edited


def test_a_changed_static_file_reaches_the_output_even_when_no_page_changed(tmp_path,
                                                                           monkeypatch):
    """Sphinx copies static files only when it writes a page; the build copies changed ones."""
    monkeypatch.setattr(build, "ROOT", tmp_path)
    (tmp_path / "_config.yml").write_text(
        "sphinx:\n  config:\n    html_static_path: [static, more]\n")
    for name, text in {"static/explorers.js": "new", "static/same.css": "same",
                       "more/vendor/ort.mjs": "ort"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    html = tmp_path / "html"
    assert build.refresh_static(html) == []  # never built: Sphinx copies them all
    (html / "_static").mkdir(parents=True)
    (html / "_static" / "explorers.js").write_text("old")
    (html / "_static" / "same.css").write_text("same")
    copied = build.refresh_static(html)
    assert sorted(p.relative_to(html / "_static").as_posix() for p in copied) == [
        "explorers.js", "vendor/ort.mjs"]
    assert (html / "_static" / "explorers.js").read_text() == "new"
    assert build.refresh_static(html) == []  # up to date now
