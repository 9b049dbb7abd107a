"""The exercise and solution editions: current, plain Markdown, linked, and run end to end."""

import json
import re
from pathlib import Path

import nbformat
import pytest

from booktools import build, editions

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = [path.stem for path in editions.chapters()]
EDITIONS = {(kind, name): ROOT / "editions" / kind / f"{name}.ipynb"
            for kind in editions.KINDS for name in CHAPTERS}
MYST_LEFT = re.compile(r"\{[a-z:-]+\}`|^:::|^```\{|\$\$ \([\w-]+\)|^\([\w-]+\)=", re.M)


def cells(path, kind=None):
    notebook = json.loads(path.read_text())
    return [c for c in notebook["cells"] if kind is None or c["cell_type"] == kind]


def source(cell):
    return "".join(cell["source"])


def test_the_committed_editions_are_what_the_generator_writes():
    stale = editions.stale(editions.editions())
    assert not stale, f"stale editions, run `make editions`: {[str(p) for p in stale]}"


@pytest.mark.parametrize("kind, name", sorted(EDITIONS))
def test_an_edition_is_plain_markdown_for_colab(kind, name):
    path = EDITIONS[kind, name]
    for cell in cells(path, "markdown"):
        left = MYST_LEFT.search(source(cell))
        assert not left, f"{path.name}: MyST left in a markdown cell: {left[0]!r}"
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["accelerator"] == "GPU"  # Colab opens it with a GPU runtime
    assert all(not c.get("outputs") for c in cells(path, "code"))
    headings = [source(c).split("\n")[0] for c in cells(path, "markdown")
                if source(c).startswith("### ✏️ Exercise")]
    number = int(name[:2])
    assert headings and all(h.startswith(f"### ✏️ Exercise {number}.{i}:")
                            for i, h in enumerate(headings, 1))


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_exercise_edition_has_stubs_the_solution_edition_answers(name):
    exercises = "\n".join(source(c) for c in cells(EDITIONS["exercises", name], "code"))
    solutions = "\n".join(source(c) for c in cells(EDITIONS["solutions", name], "code"))
    for marker in (editions.BEGIN, editions.END, editions.STUB):
        assert marker not in exercises and marker not in solutions
    # One answer cell per exercise, which may hold several stubs (chapter 3's VAE has three).
    stubs = ("# your code here", "# your number here", "# your formula here",
             "# your prediction here")
    n_exercises = len([c for c in cells(EDITIONS["exercises", name], "code")
                       if any(stub in source(c) for stub in stubs)])
    assert n_exercises == len([c for c in cells(EDITIONS["exercises", name], "markdown")
                               if source(c).startswith("### ✏️ Exercise")])
    assert "# your code here" not in solutions
    howto = source(cells(EDITIONS["exercises", name], "markdown")[1])
    assert howto.startswith("**How to work through this notebook.**")


def test_equations_are_tagged_and_referenced_by_their_numbers():
    text = "\n".join(source(c) for c in cells(EDITIONS["exercises", "04_kl_divergence"]))
    assert "\\tag{4.1}" in text and "\\tag{4.12}" in text  # chapter 4's, as the site numbers
    assert re.search(r"computed with\s+\(4\.1\)", text)  # {eq}`ch4-kl-discrete`


@pytest.mark.parametrize("kind, name", sorted(EDITIONS))
def test_each_figure_keeps_its_number_and_caption_after_its_cell(kind, name):
    """Numbered as the site numbers them: chapter by chapter, after the opening figure."""
    book = cells(ROOT / "book" / f"{name}.ipynb", "code")
    captions = [c["metadata"]["mystnb"]["figure"]["caption"] for c in book
                if "figure" in c.get("metadata", {}).get("mystnb", {})]
    edition = cells(EDITIONS[kind, name])
    shown = [(source(before), source(after)) for before, after in zip(edition, edition[1:])
             if after["cell_type"] == "markdown" and source(after).startswith("**Fig. ")]
    assert captions and len(shown) == len(captions)
    assert all(before.strip() and not before.startswith("**") for before, _ in shown)
    numbers = [re.match(r"\*\*Fig\. (\d+)\.(\d+)\.\*\* ", after).groups() for _, after in shown]
    assert [(int(c), int(n)) for c, n in numbers] == [
        (int(name[:2]), n) for n in range(2, 2 + len(captions))]
    assert "{numref}" not in "".join(source(c) for c in edition)


def colab_links(text):
    return re.findall(r"https://colab\.research\.google\.com/github/[^)\s\"]+", text)


def test_every_colab_link_opens_an_existing_edition():
    texts = [(ROOT / "README.md").read_text()]
    texts += [path.read_text() for path in (ROOT / "book").glob("*.ipynb")]
    texts += [path.read_text() for path in EDITIONS.values()]
    links = [link for text in texts for link in colab_links(text)]
    assert len(links) >= 4 * len(CHAPTERS)
    prefix = editions.COLAB + "/"
    for link in links:
        assert link.startswith(prefix + "editions/"), link
        assert (ROOT / link[len(prefix):]).is_file(), link
    for name in CHAPTERS:  # each chapter's page and the README offer both editions
        for text in (texts[0], (ROOT / "book" / f"{name}.ipynb").read_text()):
            for kind in editions.KINDS:
                assert editions.colab_url(name, kind) in text


# --- Bad input: the generator stops, says where, and writes nothing ------------------------------


EXERCISE = ":::{exercise} A task\n:label: ch9-task\nDo it.\n:::"
START, END = ":::{solution-start} ch9-task\n:class: dropdown\n:::", ":::{solution-end}\n:::"
ANSWER = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n    # STUB: return None"


def chapter(*cells):
    """Return a tiny chapter notebook: a title, then the given (kind, source) cells.

    A kind is "md", "code" or "library" (a code cell tagged library).
    """
    made = [nbformat.v4.new_markdown_cell("# Chapter 9: Test")]
    for kind, text in cells:
        made.append(nbformat.v4.new_markdown_cell(text) if kind == "md"
                    else nbformat.v4.new_code_cell(text))
        if kind == "library":
            made[-1].metadata["tags"] = [editions.LIBRARY]
    return nbformat.v4.new_notebook(cells=made)


@pytest.mark.parametrize("cells_, message", [
    ([("md", EXERCISE), ("md", START), ("code", ANSWER.replace("    # STUB: return None", "")),
      ("md", END)], "cell 3: an answer cell has no stub"),
    ([("md", EXERCISE), ("md", START), ("code", ANSWER.replace("    # END SOLUTION\n", "")),
      ("md", END)], "cell 3: '# BEGIN SOLUTION' without a matching '# END SOLUTION'"),
    ([("md", EXERCISE), ("md", START),
      ("code", ANSWER.replace("# STUB: return None", "# STUB: raise NotImplementedError")),
      ("md", END)], "cell 3: a stub raises"),
    ([("code", "x = 1"), ("md", "It is {glue:text}`ch9_typo:.2f`.")],
     "cell 2: the prose quotes {glue:text}`ch9_typo`, which no code cell glues"),
    ([("md", EXERCISE), ("md", START), ("code", ANSWER)], "never closed by a solution-end"),
    ([("code", ANSWER)], "cell 1: solution markers outside a solution-start"),
    ([("md", "See {ref}`a-label`.")], "cell 1: MyST syntax the editions cannot turn"),
    ([("md", "See {numref}`fig-1`.")], "cell 1: {numref}`fig-1` names no figure of this"),
    ([("md", "As {eq}`nowhere` says.")], "cell 1: {eq}`nowhere` refers to no labelled"),
    ([("md", "It is {glue:text}`ch9_x`."), ("code", 'cfg = chapter.setup("09", globals())'),
      ("code", 'glue("ch9_x", 1)')], "cell 1: a paragraph quotes glued numbers before"),
    ([("library", "x = 1")], "cell 1: a cell tagged 'library' defines no function or class"),
    ([("library", "def f(:")], "cell 1: the cell is not Python"),
], ids=["no stub", "unpaired markers", "raising stub", "glue never glued", "unclosed solution",
        "markers outside", "unknown role", "unknown figure", "unknown equation",
        "numbers before set-up",
        "library cell without code", "library cell not Python"])
def test_a_bad_chapter_stops_the_generator_naming_the_cell(tmp_path, monkeypatch, cells_,
                                                           message, capsys):
    book, out = tmp_path / "book", tmp_path / "editions"
    book.mkdir()
    nbformat.write(chapter(*cells_), book / "09_test.ipynb")
    monkeypatch.setattr(editions, "BOOK", book)
    monkeypatch.setattr(editions, "EDITIONS", out)
    monkeypatch.setattr(editions, "ROOT", tmp_path)
    assert editions.main([]) == 1
    error = capsys.readouterr().err
    assert "No edition written: 09_test.ipynb, " in error and message in error, error
    assert not out.exists()  # nothing written


def test_a_good_chapter_converts(tmp_path, monkeypatch):
    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(chapter(("md", EXERCISE), ("md", START), ("code", ANSWER), ("md", END),
                           ("code", 'cfg = chapter.setup("09_test", globals())\n'
                                    'glue("ch9_x", 1.5)'),
                           ("md", "Plain text.\n\nHere $x_{i}$ is {glue:text}`ch9_x:.1f`.")),
                   book / "09_test.ipynb")
    monkeypatch.setattr(editions, "BOOK", book)
    monkeypatch.setattr(editions, "EDITIONS", tmp_path / "editions")
    files = editions.editions()
    exercise = json.loads(files[tmp_path / "editions" / "exercises" / "09_test.ipynb"])
    texts = [source(c) for c in exercise["cells"]]
    assert "### ✏️ Exercise 9.1: A task\n\nDo it." in texts
    assert "def f():\n    return None" in texts
    assert texts[-2] == "Plain text."
    assert texts[-1].endswith('chapter.show_prose(r"""Here $x_{{i}}$ is {ch9_x:.1f}.""")')


# --- The library's taught code: generated from the cells tagged library ----------------------


LIBRARY_CELL = '''@keras.saving.register_keras_serializable(package="chapter_9")
class Shift(layers.Layer):
    def call(self, x):
        # BEGIN SOLUTION
        return x + 1
        # END SOLUTION
        # STUB: return None  # your code here


def build(n=2):
    """Build a model."""
    return keras.Sequential([Shift()] * n)


build().summary()'''


def test_the_taught_module_is_generated_from_the_library_cells(tmp_path, monkeypatch, capsys):
    for folder in ("book", "course_utils"):
        (tmp_path / folder).mkdir()
    path = tmp_path / "book" / "09_test.ipynb"
    nbformat.write(chapter(("code", "x = 1"), ("md", EXERCISE), ("md", START),
                           ("library", LIBRARY_CELL), ("md", END)), path)
    monkeypatch.setattr(editions, "BOOK", tmp_path / "book")
    monkeypatch.setattr(editions, "EDITIONS", tmp_path / "editions")
    monkeypatch.setattr(editions, "ROOT", tmp_path)
    assert editions.main([]) == 0 and editions.main(["--check"]) == 0
    module = (tmp_path / editions.TAUGHT).read_text()
    assert "Do not edit this file" in module and "# --- book/09_test.ipynb" in module
    # The definitions with the solution, registered under the package's name; the rest stays.
    assert '(package="course_utils")\nclass Shift(' in module
    assert "        return x + 1\n\n\ndef build(n=2):" in module
    assert "summary" not in module and "SOLUTION" not in module and "STUB" not in module
    compile(module, "taught.py", "exec")
    # A change to the cell makes the module stale, as it makes the editions stale.
    path.write_text(path.read_text().replace("n=2", "n=3"))
    capsys.readouterr()
    assert editions.main(["--check"]) == 1
    assert "stale: course_utils/taught.py (run `make editions`)" in capsys.readouterr().err


# --- Every edition runs end to end in the quick profile ----------------------------------------


# The exercise editions of these chapters also run in test_colab.py's Colab-like environment
# (make test-slow), with the same assertions as here.
COLAB_CHAPTERS = ["01_autoencoder", "03_vae"]


# Executed exercise editions, kept like the quick site's chapters, where make test's build
# (--exercises) runs them after the chapters, in the same pool: by the edition's text and its
# build key (the library it imports, the profile, the data), so a run with none of those changed
# checks the outputs of the run that did, and executes nothing.
RUNS = ROOT / "_build" / "test-site" / "_build" / build.RUNS


def run(path):
    """Execute an exercise edition as a student would (build's way); return its outputs' text.

    The outputs of its last run are reused while nothing it depends on changed (RUNS).
    """
    kept = build.exercise_run(path, RUNS)
    if not kept.exists():
        _, notebook, _, error = build._execute(str(path), student=True)
        assert not error, error
        build.keep_run(notebook, kept)
    return outputs_text(nbformat.read(kept, as_version=4))


def outputs_text(notebook):
    """Return (cell, the text of its outputs) for every cell of an executed notebook."""
    texts = []
    for cell in notebook.cells:
        parts = []
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append("".join(output.get("data", {}).get("text/markdown", "")))
        texts.append((cell, "".join(parts)))
    return texts


def checks_and_prose(texts):
    """Return the outputs of the check cells, and the prose cells' text."""
    checked = [text for cell, text in texts
               if cell.cell_type == "code" and "= checks.check_" in cell.source]
    prose = [text for cell, text in texts if "chapter.show_prose(" in cell.source]
    return checked, prose


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_exercise_edition_runs_with_every_stub_unfilled(name):
    checked, prose = checks_and_prose(run(EDITIONS["exercises", name]))
    assert checked and all("is not done yet" in text and "uses the reference" in text
                           for text in checked), checked
    assert prose and not any("…" in text for text in prose)  # every number filled in


def _code(path, edition):
    """Return a notebook's code cells as the book writes them (an edition: its titles dropped,
    its prose cells left out; the book: its solution markers and stub lines dropped, and its
    cells for the site alone, which the editions leave out: they run in the site's build)."""
    cells = []
    for cell in json.loads(Path(path).read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or (edition and "chapter.show_prose(" in source):
            continue
        if editions.SITE_ONLY in cell.get("metadata", {}).get("tags", []):
            continue
        cells.append(re.sub(r"\A#@title [^\n]*\n", "", source) if edition
                     else editions.solution(source))
    return cells


@pytest.mark.parametrize("name", CHAPTERS)
def test_the_solution_edition_runs_the_books_code_cell_for_cell(name):
    """make test executes the book's chapters once (the quick site, with
    COURSE_CHECKS_MUST_PASS=1: a check that does not pass stops the chapter); this is what makes
    that run a run of the solution editions' code too, which Colab opens."""
    assert _code(EDITIONS["solutions", name], edition=True) == _code(
        ROOT / "book" / f"{name}.ipynb", edition=False)


# --- Exercises of three kinds --------------------------------------------------------------------

@pytest.mark.parametrize("title, kind", [("The KL term", "code"),
                                         ("Derivation: the KL by hand", "derivation"),
                                         ("Experiment: four times the draws", "experiment"),
                                         ("Spot the bugs: a KL", "code")])
def test_an_exercise_kind_is_read_from_its_title(title, kind):
    assert editions.exercise_kind(title) == kind


def test_every_chapter_has_three_exercises_and_the_book_all_three_kinds():
    kinds = {}
    for path in sorted((ROOT / "editions" / "exercises").glob("0*.ipynb")):
        exercises = json.loads(path.read_text())["metadata"][editions.COURSE]["exercises"]
        assert len(exercises) >= 3, (path.name, [e["label"] for e in exercises])
        for e in exercises:
            kinds.setdefault(e["kind"], []).append(path.stem)
    assert set(kinds) == set(editions.KINDS_OF_EXERCISE), kinds
    # Derivations and experiments in several chapters, not one of each somewhere.
    assert len(set(kinds["derivation"])) >= 4 and len(set(kinds["experiment"])) >= 3, kinds


def test_an_experiment_asks_for_a_prediction_before_the_run():
    for path in sorted(BOOK.glob("0*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        for i, cell in enumerate(cells):
            match = editions.EXERCISE.match("".join(cell["source"]))
            if not match or editions.exercise_kind(match[1]) != "experiment":
                continue
            answer = "".join(cells[i + 2]["source"])  # after the solution-start
            assert "prediction = " in answer and "# STUB: prediction = None" in answer, path.name
            check = next("".join(c["source"]) for c in cells[i + 3:]
                         if "checks.check_" in "".join(c["source"]))
            assert "(prediction," in check, (path.name, check)
