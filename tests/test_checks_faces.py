"""Chapter 6's checks: right answers pass, typical mistakes get their hint."""

import numpy as np
import pytest

from course_utils import checks, latent

# The chapter-6 checks; test_checks.py feeds every check of the book its broken answers.
CHECKS = {
    "attribute_vector": (checks.check_attribute_vector, latent.attribute_vector),
    "project_out": (checks.check_project_out, latent.project_out),
}


def test_the_stub_is_called_unfinished(run):
    for check_fn, _ in CHECKS.values():
        _, out = run(check_fn, lambda *a, **k: None)
        assert "not done yet" in out


def attribute_vector_masks(z, labels):
    has = labels == 1
    return z[has].mean(axis=0) - z[~has].mean(axis=0)


def project_out_unit(v, u):
    unit = u / np.linalg.norm(u)
    return v - (v @ unit) * unit


@pytest.mark.parametrize("check, answer", [
    ("attribute_vector", latent.attribute_vector),
    ("attribute_vector", attribute_vector_masks),
    ("project_out", latent.project_out),
    ("project_out", project_out_unit),
])
def test_right_answers_pass_and_are_returned(check, answer, run):
    result, out = run(CHECKS[check][0], answer)
    assert result is answer
    assert out.startswith("✓"), out


MISTAKES = [
    ("attribute_vector", lambda z, y: z[y == 0].mean(0) - z[y == 1].mean(0), "sign is reversed"),
    ("attribute_vector", lambda z, y: z[y == 1].mean(0), "subtract the mean code"),
    ("attribute_vector", lambda z, y: z[y == 1].mean(0) - z.mean(0), "mean of ALL faces"),
    ("attribute_vector", lambda z, y: z[y == 1].sum(0) - z[y == 0].sum(0), "subtract means"),
    ("attribute_vector", lambda z, y: (z * y[:, None]).mean(0), "select the rows"),
    ("attribute_vector", lambda z, y: z.mean(axis=1), "one value per face"),
    ("project_out", lambda v, u: (v @ u) / (u @ u) * u, "component of v along u"),
    ("project_out", lambda v, u: v - (v @ u) * u, "Divide by u·u"),
    ("project_out", lambda v, u: latent.project_out(u, v), "arguments are swapped"),
    ("project_out", lambda v, u: v + (v @ u) / (u @ u) * u, "subtract it"),
    ("project_out", lambda v, u: v, "dot product"),
]


@pytest.mark.parametrize("check, answer, hint", MISTAKES,
                         ids=[f"{c}-{h[:24]}" for c, _, h in MISTAKES])
def test_typical_mistakes_get_their_hint_and_the_reference(check, answer, hint, run):
    check_fn, reference = CHECKS[check]
    result, out = run(check_fn, answer)
    assert result is reference
    assert out.startswith("✗") and hint in out, out
