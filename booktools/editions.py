"""The chapters' editions for Colab, and the library's taught code, generated from book/.

    python -m booktools.editions            write every edition and course_utils/taught.py
                                        (``make editions``)
    python -m booktools.editions --check    say which of them are stale; exit 1 if any

The book's chapters are written in MyST for Jupyter Book; Colab renders plain Markdown only. Each
chapter gets two notebooks under ``editions/``:

- ``exercises/``: every answer cell cut to its stub (:func:`strip_solution`), solution-only
  prose removed, a note on how to work through it at the top;
- ``solutions/``: the complete chapter.

Both read as plain Markdown: exercises become numbered headings ("Exercise 3.2: The KL term"),
labelled equations get ``\\tag{3.n}`` and references to them "(3.n)", each numbered figure (a code
cell whose ``mystnb.figure`` metadata names and captions it) is followed by its caption as
Markdown, "**Fig. 3.n.** ...", and references to it read "Fig. 3.n", as the site numbers them
(chapter by chapter, the opening figure first); links to other chapters point
at the same edition of that chapter in Colab (the appendix at the published page), and every
paragraph that quotes numbers of the run becomes a small form cell that shows the paragraph with
the student's own numbers (``chapter.show_prose``), filled in as the cells that compute them
run. Nothing is written unless every chapter converts: a problem stops the generator with the
notebook, the cell and what to fix.

Every exercise in a chapter has the same cells, in this order:

1. A markdown cell with the task in a sphinx-exercise directive; its label is unique in the book
   (prefix it with the chapter)::

       :::{exercise} The KL term
       :label: ch3-kl
       Write `kl_divergence(z_mean, z_log_var)` ...
       :::

2. A markdown cell ``:::{solution-start} ch3-kl`` with ``:class: dropdown`` (closed by ``:::``),
   the answer's code cell, then a markdown cell ``:::{solution-end}`` (closed by ``:::``): the
   site shows the answer cell inside a collapsed "Solution" dropdown.

3. A check cell (:mod:`course_utils.checks`) that keeps what the rest of the chapter uses. An
   experiment's check comes after the cells that run it, and compares the student's
   ``prediction`` with what they measured.

An exercise is of one of three kinds, named by the first word of its title: a code exercise (no
prefix), ``Derivation: ...`` (a number or a formula worked out on paper) or ``Experiment: ...``
(a prediction, then a changed setting). The kind goes into the editions' metadata, which the
grader (:mod:`booktools.grade`) reads.

In the answer cell the reference solution sits between a line ``# BEGIN SOLUTION`` and a line
``# END SOLUTION``. Right after ``# END SOLUTION`` come the stub lines, each commented out as
``# STUB: <code>`` at the indentation the code needs::

    def kl_divergence(z_mean, z_log_var):
        # BEGIN SOLUTION
        return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)
        # END SOLUTION
        # STUB: return None  # your code here

In the book the stub lines are comments and do nothing. :func:`strip_solution` makes the
student's version: it drops both markers and everything between them, and uncomments the stub
lines, giving ``return None  # your code here``. A stub must run without raising (the exercise
edition runs with every stub unfilled); the check then says the exercise is not done yet.

A code cell tagged ``library`` defines a network or layer that later chapters reuse. Its
functions and classes (an answer cell's with the solution) are written to
``course_utils/taught.py``, which ``course_utils.models`` re-exports: the page is the one source
of that code. A class registered for its chapter's page (``package="chapter_3"``) is registered
there under ``package="course_utils"``, so that the page's class and the library's do not clash.
"""

import argparse
import ast
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
EDITIONS = ROOT / "editions"
KINDS = ("exercises", "solutions")
# owner/name on GitHub, from the one place that names it (the notebooks' install cell repeats
# it, since Colab has nothing installed to read it from; tests/test_notebooks.py compares them)
REPOSITORY = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"].removeprefix(
    "https://github.com/")
BRANCH = "main"
SITE = f"https://{REPOSITORY.split('/')[0]}.github.io/{REPOSITORY.split('/')[1]}"
COLAB = f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}"

GLUE = re.compile(r"\{glue:text\}`([A-Za-z_][\w]*)(?::([^`]*))?`")
EQ_REF = re.compile(r"\{eq\}`([^`]+)`")
NUMREF = re.compile(r"\{numref\}`([^`]+)`")
# The figure a chapter opens with on the site, glued from further down: in an edition the figure
# shows where its cell runs, so the block is left out.
GLUE_FIGURE = re.compile(r"\n*^:::\{glue:figure\}.*?^:::[ \t]*$", re.S | re.M)
CITE = re.compile(r"\{cite(?::([pt]))?\}`([^`]+)`")
DOC = re.compile(r"\{doc\}`(?:([^`<]*?)\s*<([^`>]+)>|([^`]+))`")
LABELLED_MATH = re.compile(r"\$\$\n(.*?)\n\$\$ \(([\w-]+)\)", re.S)
EXERCISE = re.compile(r"^:::\{exercise\} *(.*)\n:label: *([\w-]+)\n(.*?)\n:::\s*$", re.S)
SOLUTION_START = re.compile(r"^:::\{solution-start\} *([\w-]+)")
SOLUTION_END = re.compile(r"^:::\{solution-end\}")
MYST = re.compile(r"\{[a-z:-]+\}`|^:::|^```\{|\$\$ \([\w-]+\)|^\([\w-]+\)=", re.M)
FIGURE = "figure"  # a code cell's metadata["mystnb"]["figure"]: {"name": label, "caption": text}
CHECK_CALL = re.compile(r"\bchecks\.(check_\w+)\(")
COURSE = "latent-spaces"  # the metadata key an edition carries (booktools.grade reads it)


SITE_ONLY = "site-only"  # a cell for the published site alone (course_utils.interactive)
BIBLIOGRAPHY = BOOK / "references.bib"
BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
STUB = "# STUB:"
# An exercise's kind is the first word of its title ("Derivation: ...", "Experiment: ..."); a
# title without one is a code exercise.
KINDS_OF_EXERCISE = ("code", "derivation", "experiment")


def exercise_kind(title):
    """Return the kind of an exercise from its title: code, derivation or experiment."""
    first = title.split(":", 1)[0].strip().lower() if ":" in title else ""
    return first if first in KINDS_OF_EXERCISE[1:] else "code"
LIBRARY = "library"  # the tag of a cell whose functions and classes course_utils/taught.py holds
TAUGHT = Path("course_utils") / "taught.py"  # under ROOT
REGISTERED = re.compile(r'(register_keras_serializable\(package=)"\w+"')
TAUGHT_HEADER = f'''"""The networks and layers the chapters teach, for the chapters that reuse them.

Generated by `make editions` from the code cells tagged {LIBRARY!r} in the chapters named below.
Do not edit this file: edit the chapter's cell, then run `make editions` again.
"""
'''
# What the library cells use (ruff flags a name missing here in the generated module).
TAUGHT_IMPORTS = """\
import math

import keras
import tensorflow as tf
from keras import layers, ops

from course_utils.kl import kl_closed_form
"""


def strip_solution(source):
    """Return an answer cell as the student gets it: solution dropped, stub lines uncommented."""
    lines, inside = [], False
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip()
        if text in (BEGIN, END):
            if inside == (text == BEGIN):
                raise ValueError(f"Line {number}: {text!r} out of order (markers must pair up).")
            inside = text == BEGIN
        elif text.startswith(STUB) and not inside:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(indent + text[len(STUB):].removeprefix(" "))
        elif not inside:
            lines.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without a matching {END!r}.")
    return "\n".join(lines)


def solution(source):
    """Return an answer cell as the solution edition gives it: markers and stub lines dropped."""
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in (BEGIN, END) and not line.strip().startswith(STUB))


class EditionError(ValueError):
    """A chapter cannot be turned into its editions; the message says where and what to fix."""


def chapters():
    """Return the chapter notebooks of the book, in order."""
    return sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def colab_url(chapter, kind):
    """Return the address that opens a chapter's edition in Colab."""
    return f"{COLAB}/editions/{kind}/{chapter}.ipynb"


def editions():
    """Return {path: text} of the editions and taught.py, or raise EditionError; write nothing."""
    out, taught = {}, []
    for path in chapters():
        try:
            notebook = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise EditionError(f"{path.name} is not notebook JSON ({error}): repair it in "
                               "Jupyter, or restore it with git.") from None
        for kind in KINDS:
            converted = Converter(path, kind).notebook(notebook)
            out[EDITIONS / kind / path.name] = json.dumps(converted, indent=1,
                                                          ensure_ascii=False) + "\n"
        taught += library_code(path, notebook)
    out[ROOT / TAUGHT] = taught_module(taught)
    return out


def library_code(path, notebook):
    """Return (chapter, code) of each function and class in a chapter's cells tagged library."""
    found = []
    for number, cell in enumerate(notebook["cells"]):
        if LIBRARY not in cell.get("metadata", {}).get("tags", []):
            continue
        where = f"{path.name}, cell {number}"
        source = solution("".join(cell["source"]))
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            raise EditionError(f"{where}: the cell is not Python ({error}).") from None
        lines = source.splitlines()
        # The definitions alone: a call that shows the result (a summary) stays on the page.
        definitions = [node for node in tree.body
                       if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
        for node in definitions:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            code = "\n".join(lines[start - 1:node.end_lineno])
            found.append((path.name, REGISTERED.sub(r'\1"course_utils"', code)))
        if not definitions:
            raise EditionError(f"{where}: a cell tagged {LIBRARY!r} defines no function or "
                               "class; remove the tag or define the code there.")
    return found


def taught_module(found):
    """Return the text of course_utils/taught.py: the chapters' library code, in book order."""
    blocks, chapter = [], None
    for name, code in found:
        if name != chapter:  # a heading per chapter, as in a hand-written module
            chapter = name
            code = f"# --- book/{name} {'-' * (88 - len(name))}\n\n\n{code}"
        blocks.append(code)
    return TAUGHT_HEADER + "\n" + TAUGHT_IMPORTS + "\n\n" + "\n\n\n".join(blocks) + "\n"


def write(files):
    """Write every edition; remove editions of chapters that no longer exist."""
    for kind in KINDS:
        (EDITIONS / kind).mkdir(parents=True, exist_ok=True)
        for old in (EDITIONS / kind).glob("*.ipynb"):
            if old not in files:
                old.unlink()
    for path, text in files.items():
        path.write_text(text)


def stale(files):
    """Return the editions (and taught.py) that differ from what the generator writes now."""
    existing = {p for kind in KINDS for p in (EDITIONS / kind).glob("*.ipynb")}
    return sorted(p for p in set(files) | existing
                  if p not in files or not p.is_file() or p.read_text() != files[p])


class Converter:
    """Turn one MyST chapter into its exercise or solution edition."""

    def __init__(self, path, kind):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
        self.path, self.kind = path, kind
        self.chapter = path.stem
        self.number = int(self.chapter[:2])
        self.equations, self.exercises, self.figures, self.kinds = {}, {}, {}, {}
        self.glued = set()
        self.cell = 0

    def fail(self, what):
        """Raise an EditionError naming the notebook and the cell."""
        raise EditionError(f"{self.path.name}, cell {self.cell}: {what}")

    def notebook(self, notebook):
        """Return the edition of a notebook (a dict in nbformat 4)."""
        cells = notebook["cells"]
        self._number_equations(cells)
        self._number_figures(cells)
        self.glued = _glue_patterns(cells)
        self.set_up = False  # whether chapter.setup has run, which show_prose needs
        out, solution, ended, checked = [], None, None, []
        for self.cell, cell in enumerate(cells):
            source = "".join(cell["source"])
            if SITE_ONLY in cell.get("metadata", {}).get("tags", []):
                continue  # the site's explorers: Jupyter and Colab have the widgets instead
            if cell["cell_type"] == "markdown":
                start, end = SOLUTION_START.match(source), SOLUTION_END.match(source)
                if start:
                    if solution:
                        self.fail(f"solution-start {start[1]!r} before the solution-end of "
                                  f"{solution!r}: close every solution.")
                    solution = start[1]
                    if self.kind == "solutions":
                        out.append(_markdown(f"**Solution to exercise "
                                             f"{self.exercises.get(solution, '?')}**"))
                    continue
                if end:
                    if not solution:
                        self.fail("a solution-end without its solution-start.")
                    ended, solution = solution, None
                    continue
                if solution and self.kind == "exercises":
                    continue  # prose that belongs to the solution
                out.extend(self._markdown_cells(source))
            else:
                out.append(self._code_cell(cell, source, in_solution=bool(solution)))
                call = CHECK_CALL.search(source)
                if call and ended and not solution:  # the check cell after an answer
                    checked.append({"label": ended, "number": self.exercises.get(ended, "?"),
                                    "kind": self.kinds.get(ended, "code"), "check": call[1]})
                    out[-1]["metadata"][COURSE] = {"exercise": ended}
                    ended = None
                figure = _figure(cell)
                if figure:
                    number = self.figures[figure["name"]]
                    out.append(_markdown(f"**Fig. {number}.** {self._plain(figure['caption'])}"))
                self.set_up = self.set_up or "chapter.setup(" in source
        if solution:
            self.fail(f"the solution {solution!r} is never closed by a solution-end.")
        if self.kind == "exercises":
            out.insert(1, _markdown(HOW_TO))
        edition = {**copy.deepcopy({k: v for k, v in notebook.items() if k != "cells"}),
                   "cells": [{**c, "id": f"{self.kind[0]}{i:03d}"} for i, c in enumerate(out)]}
        edition["metadata"] = {**edition.get("metadata", {}), "accelerator": "GPU",
                               "colab": {"provenance": [], "gpuType": "T4"},
                               COURSE: {"chapter": self.chapter, "edition": self.kind,
                                        "version": version(), "exercises": checked,
                                        "code": fingerprint(cells)}}
        return edition

    # --- code ------------------------------------------------------------------------------

    def _code_cell(self, cell, source, in_solution):
        """Return a code cell of the edition: an answer cell cut to its stub, else as it is."""
        tags = cell.get("metadata", {}).get("tags", [])
        if BEGIN in source or END in source or STUB in source:
            if not in_solution:
                self.fail("solution markers outside a solution-start/solution-end pair.")
            source = self._answer(source)
        elif in_solution:
            self.fail(f"an answer cell without '{BEGIN}' / '{END}' markers and a stub.")
        metadata = {"tags": tags} if tags else {}
        if "remove-input" in tags or ("hide-cell" in tags and "parameters" not in tags):
            title = "Set-up" if "chapter.setup(" in source else (
                "Imports" if source.lstrip().startswith(("import", "from")) else "Figure")
            source = f"#@title {title}\n{source}"
            metadata["cellView"] = "form"  # Colab shows the title and hides the code
        return {"cell_type": "code", "execution_count": None, "metadata": metadata,
                "outputs": [], "source": _lines(source)}

    def _answer(self, source):
        """Return an answer cell: the stub (exercises) or the solution without its markers."""
        if STUB not in source:
            self.fail(f"an answer cell has no stub: after '{END}' add the lines the student "
                      f"gets, commented out as '{STUB} <code>'.")
        try:
            stub = strip_solution(source)
        except ValueError as error:
            self.fail(f"{error} Every '{BEGIN}' needs one '{END}' after it.")
        if re.search(r"^\s*raise\b", stub, re.M):
            self.fail("a stub raises: it must return (e.g. `return None  # your code here`), "
                      "since the exercise edition runs with every stub unfilled.")
        return stub if self.kind == "exercises" else solution(source)

    # --- prose -----------------------------------------------------------------------------

    def _number_equations(self, cells):
        """Number the labelled equations in their order on the page, as the book does."""
        for cell in cells:
            if cell["cell_type"] == "markdown":
                for match in LABELLED_MATH.finditer("".join(cell["source"])):
                    self.equations.setdefault(match[2], f"{self.number}.{len(self.equations) + 1}")

    def _number_figures(self, cells):
        """Number the figures as the site does: the chapter's, in page order, glued ones too."""
        count = 0
        for self.cell, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                count += len(GLUE_FIGURE.findall("".join(cell["source"])))
            figure = _figure(cell)
            if figure:
                if not figure.get("name") or not figure.get("caption"):
                    self.fail("a figure's metadata needs a name and a caption: "
                              '{"mystnb": {"figure": {"name": "fig-...", "caption": "..."}}}.')
                if GLUE.search(figure["caption"]):
                    self.fail("a figure's caption quotes glued numbers: say them in the prose.")
                count += 1
                self.figures[figure["name"]] = f"{self.number}.{count}"

    def _markdown_cells(self, source):
        """Return the edition's cells for one markdown cell: Markdown, and prose with numbers."""
        exercise = EXERCISE.match(source)
        if exercise:
            title, label, body = exercise.groups()
            number = f"{self.number}.{len(self.exercises) + 1}"
            self.exercises[label] = number
            self.kinds[label] = exercise_kind(title)
            source = f"### ✏️ Exercise {number}: {title}\n\n{body}"
        text = self._plain(source)
        cells, plain = [], []
        for block in _blocks(text):
            if GLUE.search(block):
                if plain:
                    cells.append(_markdown("\n\n".join(plain)))
                    plain = []
                cells.append(self._prose_cell(block))
            else:
                plain.append(block)
        if plain:
            cells.append(_markdown("\n\n".join(plain)))
        return cells

    def _plain(self, text):
        """Return MyST Markdown as plain Markdown: equations tagged, references and links made."""
        def tag(match):
            return f"$$\n{match[1]} \\tag{{{self.equations[match[2]]}}}\n$$"

        def ref(match):
            if match[1] not in self.equations:
                self.fail(f"{{eq}}`{match[1]}` refers to no labelled equation of this chapter.")
            return f"({self.equations[match[1]]})"

        text = GLUE_FIGURE.sub("", text)
        text = LABELLED_MATH.sub(tag, text)
        text = EQ_REF.sub(ref, text)
        text = NUMREF.sub(self._figure_ref, text)
        text = DOC.sub(self._link, text)
        text = CITE.sub(self._citation, text)
        left = MYST.search(GLUE.sub("", text))
        if left:
            self.fail(f"MyST syntax the editions cannot turn into Markdown: {left[0]!r}.")
        return text

    def _figure_ref(self, match):
        """Return "Fig. 3.n" for a {numref} role naming one of the chapter's figures."""
        if match[1] not in self.figures:
            self.fail(f"{{numref}}`{match[1]}` names no figure of this chapter (a code cell's "
                      'metadata {"mystnb": {"figure": {"name": ...}}}).')
        return f"Fig. {self.figures[match[1]]}"

    def _link(self, match):
        """Return a Markdown link for a {doc} role: the other chapter's edition, or the site."""
        words, target = (match[1], match[2]) if match[2] else (None, match[3])
        name = Path(target).name
        if (BOOK / f"{name}.ipynb").exists() and name[:2].isdigit():
            url = colab_url(name, self.kind)
        elif (BOOK / f"{name}.ipynb").exists() or (BOOK / f"{name}.md").exists():
            url = f"{SITE}/book/{name}.html"
        else:
            self.fail(f"{{doc}}`{target}` names no page of the book.")
        return f"[{words or name.replace('_', ' ')}]({url})"

    def _citation(self, match):
        """Return a {cite} role as Markdown: authors and year, linked to the references page."""
        style, keys = match[1], [k.strip() for k in match[2].split(",")]
        unknown = [k for k in keys if k not in references()]
        if unknown:
            self.fail(f"{{cite}} names {unknown[0]!r}, which is not in {BIBLIOGRAPHY.name}.")
        url = f"{SITE}/book/references.html"
        if style == "t":  # "Kingma and Welling (2014)"
            return ", ".join(f"[{references()[k][0]} ({references()[k][1]})]({url})"
                             for k in keys)
        return "(" + "; ".join(f"[{references()[k][0]}, {references()[k][1]}]({url})"
                               for k in keys) + ")"

    def _prose_cell(self, block):
        """Return a form cell that shows a paragraph with this run's glued numbers."""
        for name, _ in GLUE.findall(block):
            if not any(pattern.fullmatch(name) for pattern in self.glued):
                self.fail(f"the prose quotes {{glue:text}}`{name}`, which no code cell glues.")
        if not self.set_up:
            self.fail("a paragraph quotes glued numbers before the cell that calls "
                      "chapter.setup: nothing is measured yet there. Move the numbers after it.")
        template = GLUE.sub(lambda m: "\0" + m[1] + (":" + m[2] if m[2] else "") + "\1", block)
        template = template.replace("{", "{{").replace("}", "}}")
        template = template.replace("\0", "{").replace("\1", "}")
        if '"""' in template or template.endswith("\\"):
            self.fail("a paragraph with glued numbers holds '\"\"\"' or ends in '\\'.")
        words = " ".join(re.sub(r"[#*`$\\{}]", "", GLUE.sub("…", block)).split()[:8])
        source = f'#@title {words} …\nchapter.show_prose(r"""{template}""")'
        return {"cell_type": "code", "execution_count": None, "metadata": {"cellView": "form"},
                "outputs": [], "source": _lines(source)}


HOW_TO = """\
**How to work through this notebook.** Run the cells in order, from the top (or *Runtime → Run
all*): the first one installs the course's helpers, and the paragraphs that quote numbers fill
them in from your own run as the cells that compute them finish. Each ✏️ exercise is followed by
a cell to complete and by a check cell: run it, and it prints ✓ or a hint. There are three kinds:
a *code* exercise asks for a function (replace `return None  # your code here`); a *derivation*
for a number or a formula worked out on paper (replace the `None`); an *experiment* for your
`prediction` first, then a changed setting, and its check compares the prediction with what the
run measured. Until your answer passes, the chapter carries on with the course's own answer, so
every later cell still runs; once it passes, the chapter uses yours.
To start again from a clean state, use *Runtime → Restart session and run all*."""


_REFERENCES = {}


def references():
    """Return {key: (authors as cited, year)} of the book's bibliography."""
    if not _REFERENCES:
        from pybtex.database import parse_file

        for key, entry in parse_file(str(BIBLIOGRAPHY)).entries.items():
            names = [" ".join(p.last_names) for p in entry.persons.get("author", [])]
            authors = (names[0] if len(names) == 1 else " and ".join(names) if len(names) == 2
                       else f"{names[0]} et al.")
            _REFERENCES[key] = (authors, entry.fields.get("year", "n.d."))
    return _REFERENCES


def _markdown(text):
    """Return a markdown cell."""
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(text)}


def _lines(text):
    """Return text as nbformat's list of lines."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def _blocks(text):
    """Split Markdown into blocks at blank lines, keeping $$ math and ``` fences whole."""
    blocks, current, fenced = [], [], False
    for line in text.split("\n"):
        if line.strip() == "$$" or line.strip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
                current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _figure(cell):
    """Return a code cell's figure metadata (name and caption), or None."""
    if cell["cell_type"] != "code":
        return None
    return cell.get("metadata", {}).get("mystnb", {}).get(FIGURE)


def _glue_patterns(cells):
    """Return regexes of the names the code cells glue: literal names and f-string patterns.

    A page function that glues under names built from its first argument (``glue_aim(prefix,
    ...)``) counts at each call with a literal first argument.
    """
    call = re.compile(r"\bglue\(\s*(f?)\"([^\"]+)\"")
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    patterns, helpers = set(), set()
    for source in sources:
        # A definition runs to the next line that starts at the margin.
        for name, body in re.findall(r"^def (\w+)\((.*?)^(?=\S)", source + "\n#", re.M | re.S):
            if call.search(body):
                helpers.add(name)
        for is_f, name in call.findall(source):
            patterns.add(re.sub(r"\\\{[^}]*\\\}", r"\\w+", re.escape(name)) if is_f
                         else re.escape(name))
    for source in sources:
        for helper in helpers:
            for prefix in re.findall(rf"\b{helper}\(\s*\"(\w+)\"", source):
                patterns.add(re.escape(prefix) + r"_\w+")
    return {re.compile(p) for p in patterns}


def version():
    """Return the course's version, from pyproject.toml."""
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()  # not ROOT
    return re.search(r'^version = "([^"]+)"', text, re.M)[1]


def fingerprint(cells):
    """Return a short hash of a chapter's code cells, answers cut to their stubs.

    Both editions of a chapter record it; the grader compares a submission's recorded value
    with today's to tell an edition of an older version of the chapter.
    """
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    code = [strip_solution(c) if BEGIN in c else c for c in code]
    return hashlib.sha256(json.dumps(code).encode()).hexdigest()[:12]


def main(argv=None):
    """Write the editions, or with --check report the stale ones; exit 1 on a problem."""
    parser = argparse.ArgumentParser(prog="python -m booktools.editions",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if an edition or taught.py differs from the "
                        "generator's")
    args = parser.parse_args(argv)
    try:
        files = editions()
    except EditionError as error:
        print(f"No edition written: {error}", file=sys.stderr)
        return 1
    if args.check:
        old = stale(files)
        for path in old:
            print(f"stale: {path.relative_to(ROOT)} (run `make editions`)", file=sys.stderr)
        return 1 if old else 0
    write(files)
    print(f"Wrote {len(files) - 1} editions under {EDITIONS.relative_to(ROOT)}/, and {TAUGHT}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
