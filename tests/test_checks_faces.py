"""Chapters 5 and 6's checks: right answers pass, typical mistakes get their hint."""

import numpy as np
import pytest

from course_utils import arithmetic, checks, latent

# The faces chapters' checks; test_checks.py feeds every check of the book its broken answers.
CHECKS = {
    "worth_and_price": (checks.check_worth_and_price, arithmetic.worth_and_price),
    "flips": (checks.check_flips, arithmetic.flips),
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


def worth_and_price_bits_of_numpy(images, labels, beta):
    labels = np.asarray(labels) == 1
    p = labels.mean()
    if p in (0, 1):
        return 0.0, 0.0
    m_on, m_off = images[labels].mean(axis=0), images[~labels].mean(axis=0)
    h = -np.log(p ** p * (1 - p) ** (1 - p))
    return p * (1 - p) * ((m_on - m_off) ** 2).sum(), beta * h


def flips_by_loops(before, after, k, target=True):
    n, a = before.shape
    out = []
    for j in range(a):
        if j == k:
            off = [i for i in range(n) if before[i, k] != int(target)]
            out.append(sum(after[i, k] == int(target) for i in off) / len(off) if off else np.nan)
        else:
            out.append(sum(before[i, j] != after[i, j] for i in range(n)) / n)
    return np.array(out)


def worth(images, labels, beta, factor=True, entropy="nats", sums=True):
    """A worth_and_price with one piece changed."""
    labels = np.asarray(labels).astype(bool)
    p = labels.mean()
    if p in (0, 1):
        return 0.0, 0.0
    gap = (images[labels].mean(axis=0) - images[~labels].mean(axis=0)) ** 2
    value = (p * (1 - p) if factor else 1.0) * (gap.sum() if sums else gap.mean())
    h = {"nats": -(p * np.log(p) + (1 - p) * np.log(1 - p)),
         "bits": -(p * np.log2(p) + (1 - p) * np.log2(1 - p)), "ln2": np.log(2)}[entropy]
    return value, beta * h


def flips_absolute(before, after, k, target=True):
    changed = (before != after).mean(axis=0).astype(float)
    changed[k] = (after[:, k] == int(target)).mean()
    return changed


@pytest.mark.parametrize("check, answer", [
    ("worth_and_price", arithmetic.worth_and_price),
    ("worth_and_price", worth_and_price_bits_of_numpy),
    ("flips", arithmetic.flips),
    ("flips", flips_by_loops),
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
    ("worth_and_price", lambda i, y, b: worth(i, y, b, factor=False), "factor p (1 - p)"),
    ("worth_and_price", lambda i, y, b: worth(i, y, b, sums=False), "averages over the pixels"),
    ("worth_and_price", lambda i, y, b: worth(i, y, b, entropy="ln2"), "uses ln 2"),
    ("worth_and_price", lambda i, y, b: worth(i, y, b, entropy="bits"), "in bits"),
    ("worth_and_price", lambda i, y, b: (worth(i, y, b)[0], worth(i, y, 1.0)[1]), "without beta"),
    ("worth_and_price", lambda i, y, b: 1.0, "two numbers"),
    ("flips", flips_absolute, "only the faces judged WITHOUT it before"),
    ("flips", lambda b, a, k, t=True: (b != a).mean(axis=0), "count only the faces that turned"),
    ("flips", lambda b, a, k, t=True: (b != a).sum(axis=0), "return shares"),
    ("flips", lambda b, a, k, t=True: (b != a).mean(axis=1), "one share per attribute"),
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
