"""Chapter 1's shape check: right answers pass, typical wrong ones get hints, nothing raises."""

import math

import numpy as np
import pytest

from course_utils import checks
from course_utils.models import conv_output_shape

REFERENCE = conv_output_shape
CHECK = checks.check_conv_output_shape


def ceil_shape(height, width, filters):
    return (math.ceil(height / 2), math.ceil(width / 2), filters)


def integer_shape(height, width, filters):
    return [(height + 1) // 2, (width + 1) // 2, filters]  # a list is fine too


def numpy_shape(height, width, filters):
    return np.array([-(-height // 2), -(-width // 2), filters])


@pytest.mark.parametrize("answer", [ceil_shape, integer_shape, numpy_shape],
                         ids=["ceil", "list of (size + 1) // 2", "numpy array"])
def test_right_answers_pass_and_come_back(answer, run):
    result, out = run(CHECK, answer)
    assert result is answer
    assert out.startswith("✓ conv_output_shape"), out


def test_the_reference_passes(run):
    result, out = run(CHECK, REFERENCE)
    assert result is REFERENCE and out.startswith("✓"), out


def raises(height, width, filters):
    raise ValueError("a mistake in the answer")


# Wrong answers, each with a piece of the hint it must get.
MISTAKES = {
    "None": (None, "run the cell that defines it"),
    "not callable": (3, "should be a function"),
    "stub": (lambda h, w, f: None, "not done yet"),
    "raises": (raises, "ValueError: a mistake in the answer"),
    "too few arguments": (lambda h, w: (h, w), "TypeError"),
    "a string": (lambda h, w, f: "16x16x32", "return a tuple of three"),
    "a number": (lambda h, w, f: h // 2, "return a tuple of three"),
    "no channels": (lambda h, w, f: (math.ceil(h / 2), math.ceil(w / 2)), "two numbers"),
    "batch axis": (lambda h, w, f: (None, math.ceil(h / 2), math.ceil(w / 2), f),
                   "leave out the batch axis"),
    "five numbers": (lambda h, w, f: (1, 2, 3, 4, 5), "return three"),
    "float division": (lambda h, w, f: (h / 2, w / 2, f), "whole numbers"),
    "not a number": (lambda h, w, f: ("a", "b", "c"), "must be a number"),
    "floor division": (lambda h, w, f: (h // 2, w // 2, f), "7 → 4, not 3"),
    "valid padding": (lambda h, w, f: ((h - 3) // 2 + 1, (w - 3) // 2 + 1, f),
                      "padding='valid'"),
    "channels first": (lambda h, w, f: (f, math.ceil(h / 2), math.ceil(w / 2)), "channels-last"),
    "no halving": (lambda h, w, f: (h, w, f), "halves height and width"),
    "input channels kept": (lambda h, w, f: (math.ceil(h / 2), math.ceil(w / 2), 1),
                            "one channel per filter"),
    "height and width swapped": (lambda h, w, f: (math.ceil(w / 2), math.ceil(h / 2), f),
                                 "swapped"),
    "something else": (lambda h, w, f: (h // 4, w // 4, f), "ceil(height / 2)"),
    "nan": (lambda h, w, f: (float("nan"), 1, f), "whole numbers"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_mistakes_get_their_hint_and_the_reference(name, run):
    answer, hint = MISTAKES[name]
    result, out = run(CHECK, answer)
    assert result is REFERENCE
    assert out.startswith("✗ conv_output_shape"), out
    assert hint in out, out
    assert f"uses the reference {REFERENCE.__module__}.conv_output_shape" in out


def test_the_check_uses_the_encoders_real_shapes(run):
    seen = []

    def recording(height, width, filters):
        seen.append((height, width, filters))
        return ceil_shape(height, width, filters)

    run(CHECK, recording)
    # The chapter's encoder: 32x32x1 through three stride-2 layers of 32, 64 and 128 filters.
    assert seen[:3] == [(32, 32, 32), (16, 16, 64), (8, 8, 128)]
    assert (7, 7, 128) in seen and (5, 9, 16) in seen
