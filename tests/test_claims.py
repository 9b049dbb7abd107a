"""Claims follow measurements: every word a chapter chooses from a number can come out either way.

The chapters glue words, never sentences, into fixed prose: ``chapter.word_for(value, scale)`` picks
one from a scale, or a conditional expression picks one of two. This module finds every such
choice in the book's code and checks that each word of it is reachable and that the words
differ, so a sentence can say what the run measured whichever way it went.
"""

import ast
import json
import math
from pathlib import Path

import pytest

from course_utils import chapter
from course_utils.compare import NO_CLEAR_DIFFERENCE

BOOK = Path(__file__).parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def code(path):
    """Return a chapter's code cells, joined, as one module's source."""
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def word_scales(tree):
    """Return the literal scales of every chapter.word_for(...) call in a tree."""
    scales = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "word_for" and len(node.args) == 2):
            try:
                scales.append(ast.literal_eval(node.args[1]))
            except ValueError:  # thresholds that are names of the run, e.g. cfg.LATENT_DIM
                scales.append(ast.unparse(node.args[1]))
    return scales


def word_choices(tree):
    """Return the (word if ... else word) pairs glued by the chapters."""
    pairs = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "glue"
                and len(node.args) == 2 and isinstance(node.args[1], ast.IfExp)):
            branches = (node.args[1].body, node.args[1].orelse)
            if all(isinstance(b, ast.Constant) and isinstance(b.value, str) for b in branches):
                pairs.append((node.args[0], tuple(b.value for b in branches)))
    return pairs


def comparisons(tree):
    """Return the words= of every compare(...) call: a literal pair, a name, or None (default)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "compare":
            words = next((k.value for k in node.keywords if k.arg == "words"), None)
            try:
                found.append(None if words is None else ast.literal_eval(words))
            except ValueError:  # a name defined in the chapter, e.g. LOWER_IS_BETTER
                found.append(ast.unparse(words))
    return found


CHOICES = {path.stem: (word_scales(ast.parse(code(path))), word_choices(ast.parse(code(path))))
           for path in CHAPTERS}
COMPARISONS = {path.stem: comparisons(ast.parse(code(path))) for path in CHAPTERS}


def test_the_chapters_choose_their_comparison_words_from_the_numbers():
    scales = sum(len(s) for s, _ in CHOICES.values())
    pairs = sum(len(p) for _, p in CHOICES.values())
    compared = sum(len(c) for c in COMPARISONS.values())
    # The checks below are not vacuous: words from scales, from two-way choices, and every
    # comparison between two measurements from compare.compare, with its interval.
    assert scales >= 5 and pairs >= 5 and compared >= 15, (scales, pairs, compared)


@pytest.mark.parametrize("name", [p.stem for p in CHAPTERS])
def test_every_comparison_can_say_either_way_or_neither(name):
    for words in COMPARISONS[name]:
        if words is None or isinstance(words, str):  # the default, or a pair named in the code
            continue
        assert len(words) == 2 and words[0] != words[1], f"{name}: {words}"
        assert NO_CLEAR_DIFFERENCE not in words, f"{name}: {words}"


@pytest.mark.parametrize("name", [p.stem for p in CHAPTERS])
def test_every_word_of_every_scale_can_be_chosen(name):
    for scale in CHOICES[name][0]:
        if isinstance(scale, str):  # thresholds from the run: it must still catch the rest
            assert "(None, " in scale, f"{name}: {scale} must end with (None, word)"
            continue
        words = [word for _, word in scale]
        assert len(set(words)) == len(words), f"{name}: a word repeats in {scale}"
        assert scale[-1][0] is None, f"{name}: {scale} must end with (None, word)"
        thresholds = [t for t, _ in scale[:-1]]
        assert thresholds == sorted(thresholds, reverse=True), f"{name}: {scale} not descending"
        # Each word comes out at its threshold, the last one below all of them.
        for threshold, word in scale[:-1]:
            assert chapter.word_for(threshold, scale) == word
        assert chapter.word_for(-math.inf, scale) == scale[-1][1]


@pytest.mark.parametrize("name", [p.stem for p in CHAPTERS])
def test_every_two_way_word_choice_has_two_words(name):
    for _, (yes, no) in CHOICES[name][1]:
        assert yes and no and yes != no, f"{name}: {yes!r} / {no!r}"
