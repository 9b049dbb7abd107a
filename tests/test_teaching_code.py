"""The chapters teach in code a student could write: numbers glued, sentences in the prose.

A chapter's code line "builds prose" when a string literal on it holds four or more English
words in a row. Not counted: comments, docstrings, and the text of figures and tables (titles,
axis labels, legends, captions, column names), which is what a reader sees on a figure, not a
sentence of the page. Sentences that depend on the run belong in the Markdown, with the numbers
glued in; where the wording must follow the result, ``chapter.word_for`` picks a short word.
"""

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import pytest

from course_utils import chapter

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
LIMIT = 0.05  # at most this share of a chapter's code lines builds prose

# Calls and keyword arguments whose text is a figure's or a table's, not a sentence.
FIGURE_CALLS = {
    "set_title", "suptitle", "set_xlabel", "set_ylabel", "set", "text", "legend", "annotate",
    "axhline", "axvline", "bar", "barh", "plot", "hist", "scatter", "fill_between", "Label",
    "Dropdown", "FloatSlider", "IntSlider", "Index",
}
FIGURE_KEYWORDS = {"title", "xlabel", "ylabel", "label", "titles", "row_labels", "description",
                   "marks", "name", "keys"}
WORD = re.compile(r"^[A-Za-z]+(?:'[a-z]+)?[,.;:!?]?$")


def english_run(text):
    """Return the longest run of consecutive English words in a string literal's text."""
    text = re.sub(r"\{[^{}]*\}", " ", text)  # f-string fields are values, not words
    best = run = 0
    for token in text.split():
        run = run + 1 if WORD.match(token) else 0
        best = max(best, run)
    return best


def exempt_lines(tree):
    """Return (docstring lines, lines of figure and table text) of a cell."""
    docstrings, figures = set(), set()

    def mark(node, lines=figures):
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Constant, ast.JoinedStr)):
                lines.update(range(sub.lineno, sub.end_lineno + 1))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)):
            mark(body[0], docstrings)
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in FIGURE_CALLS:
                for arg in node.args:
                    mark(arg)
            for keyword in node.keywords:
                if keyword.arg in FIGURE_KEYWORDS:
                    mark(keyword.value)
        if isinstance(node, ast.Dict):  # column names of tables
            for key in node.keys:
                if key is not None:
                    mark(key)
    return docstrings, figures


def prose_count(path):
    """Return (code lines, code lines that build prose) of a notebook's code cells.

    Code lines are those that are neither blank, comments nor docstrings.
    """
    total = prose = 0
    for cell in json.loads(path.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        docstrings, figures = exempt_lines(ast.parse(source))
        code = {i for i, line in enumerate(source.splitlines(), 1)
                if line.strip() and not line.strip().startswith("#")} - docstrings
        flagged = set()
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and english_run(token.string) >= 4:
                flagged.update(range(token.start[0], token.end[0] + 1))
        total += len(code)
        prose += len((flagged & code) - figures)
    return total, prose


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_at_most_five_percent_of_a_chapters_code_builds_prose(path):
    total, prose = prose_count(path)
    assert prose <= LIMIT * total, f"{path.name}: {prose} of {total} code lines build prose"


def test_the_counter_sees_sentences_and_skips_figures(tmp_path):
    cells = [
        'x = 1\nglue("a", f"The model is {x} times better than before.")\n',
        'ax.set_title("Where the uniform samples land in the box")\n',
        'def f():\n    """Return the samples that land in gaps of the box."""\n    return 1\n',
        'table = {"share of the box that is empty": 1}\n',
    ]
    notebook = {"cells": [{"cell_type": "code", "source": c} for c in cells]}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook))
    assert prose_count(path) == (6, 1)


@pytest.mark.parametrize("value, word", [(0.95, "well"), (0.7, "partly"), (0.55, "hardly"),
                                         (0.3, "backwards"), (0.75, "well")])
def test_grade_picks_the_first_threshold_reached(value, word):
    scale = [(0.75, "well"), (0.6, "partly"), (0.5, "hardly"), (None, "backwards")]
    assert chapter.word_for(value, scale) == word


def test_grade_needs_a_catch_all():
    with pytest.raises(ValueError, match="end the scale with"):
        chapter.word_for(0.1, [(0.5, "high")])
