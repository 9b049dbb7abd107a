"""Chapter 2's checks: right answers pass, typical wrong ones get their hint, nothing raises."""

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import cKDTree

from course_utils import checks, measures


def raises(*args, **kwargs):
    """Stand for a student's answer that fails with an error of its own."""
    raise ValueError("a mistake in the answer")


# Answers no check may raise on; each check must return its reference for them.
BROKEN = {
    "None": (None, "run the cell that defines it"),
    "not callable": (3, "should be a function"),
    "stub": (lambda *args: None, "not done yet"),
    "raises": (raises, "ValueError: a mistake in the answer"),
    "a string": (lambda *args: "abc", "returned the text"),
    "too few arguments": (lambda z: z, "TypeError"),
}
CHECKS = {
    "class_shares": (checks.check_class_shares, measures.class_shares),
    "ks_distance": (checks.check_ks_distance, measures.ks_distance),
    "in_gap": (checks.check_in_gap, measures.in_gap),
}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("answer", BROKEN)
def test_broken_answers_never_raise_and_fall_back_to_the_reference(check, answer, run):
    check_fn, reference = CHECKS[check]
    wrong, hint = BROKEN[answer]
    if answer == "too few arguments" and check == "ks_distance":
        wrong, hint = (lambda x, y: x), "TypeError"
    result, out = run(check_fn, wrong)
    assert result is reference
    assert out.startswith(f"✗ {check}"), out
    assert hint in out, out
    assert f"uses the reference {reference.__module__}.{reference.__qualname__}" in out


@pytest.mark.parametrize("check", CHECKS)
def test_the_references_pass(check, run):
    check_fn, reference = CHECKS[check]
    result, out = run(check_fn, reference)
    assert result is reference and out.startswith(f"✓ {check}"), out


# --- class_shares ---------------------------------------------------------------------------


def shares_loop(z, labels, points, n_classes):
    """A right answer written with plain loops and lists."""
    counts = [0] * n_classes
    for p in points:
        nearest = min(range(len(z)), key=lambda i: sum((p - z[i]) ** 2))
        counts[labels[nearest]] += 1
    return [c / len(points) for c in counts]


def shares_kdtree(z, labels, points, n_classes):
    index = cKDTree(z).query(points)[1]
    return np.bincount(labels[index], minlength=n_classes) / len(points)


@pytest.mark.parametrize("answer", [shares_loop, shares_kdtree])
def test_right_class_shares_pass_and_come_back(answer, run):
    result, out = run(checks.check_class_shares, answer)
    assert result is answer and out.startswith("✓ class_shares"), out


def nearest_labels(z, labels, points, p=2):
    return labels[cKDTree(z).query(points, p=p)[1]]


SHARES_MISTAKES = {
    "counts": (lambda z, y, p, k: np.bincount(nearest_labels(z, y, p), minlength=k),
               "You return counts"),
    "percent": (lambda z, y, p, k: 100 * np.bincount(nearest_labels(z, y, p), minlength=k)
                / len(p), "percentages"),
    "embeddings counted": (lambda z, y, p, k: np.bincount(y, minlength=k) / len(y),
                           "You count embeddings, not points"),
    "divided by embeddings": (lambda z, y, p, k: np.bincount(nearest_labels(z, y, p),
                                                              minlength=k) / len(z),
                              "divide by the number of points"),
    "manhattan": (lambda z, y, p, k: np.bincount(nearest_labels(z, y, p, p=1), minlength=k)
                  / len(p), "Manhattan"),
    "no minlength": (lambda z, y, p, k: np.bincount(nearest_labels(z, y, p)) / len(p),
                     "minlength=n_classes"),
    "per point": (lambda z, y, p, k: nearest_labels(z, y, p), "one value per point"),
    "per embedding": (lambda z, y, p, k: np.bincount(cKDTree(z).query(p)[1], minlength=len(z))
                      / len(p), "one value per embedding"),
    "one number": (lambda z, y, p, k: 0.5, "single number"),
    "farthest embedding": (lambda z, y, p, k: np.bincount(
        y[np.linalg.norm(p[:, None] - z[None], axis=-1).argmax(axis=1)], minlength=k) / len(p),
        "the right ones are"),
}


@pytest.mark.parametrize("name", SHARES_MISTAKES)
def test_class_shares_mistakes_get_their_hint(name, run):
    answer, hint = SHARES_MISTAKES[name]
    result, out = run(checks.check_class_shares, answer)
    assert result is measures.class_shares
    assert out.startswith("✗ class_shares"), out
    assert hint in out, out


# --- ks_distance ----------------------------------------------------------------------------


def ks_by_hand(values):
    x = np.sort(values)
    n = len(x)
    cdf = stats.norm.cdf(x)
    return max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n))


@pytest.mark.parametrize("answer", [ks_by_hand, lambda v: stats.kstest(v, "norm").statistic,
                                    lambda v: np.array([ks_by_hand(v)])],
                         ids=["by hand", "scipy", "a one-element array"])
def test_right_ks_distances_pass_and_come_back(answer, run):
    result, out = run(checks.check_ks_distance, answer)
    assert result is answer and out.startswith("✓ ks_distance"), out


def sides(values, sort=True, cdf=stats.norm.cdf):
    x = np.sort(values) if sort else values
    n = len(x)
    return np.arange(1, n + 1) / n - cdf(x), cdf(x) - np.arange(n) / n


KS_MISTAKES = {
    "p-value": (lambda v: stats.kstest(v, "norm").pvalue, "p-value"),
    "unsorted": (lambda v: max(map(np.max, sides(v, sort=False))), "Sort the values first"),
    "after the jump only": (lambda v: sides(v)[0].max(), "also check just before the jump"),
    "before the jump only": (lambda v: sides(v)[1].max(), "Also check just after each jump"),
    "absolute, after only": (lambda v: np.abs(sides(v)[0]).max(), "(i - 1)/n as well"),
    "standardised": (lambda v: stats.kstest((v - v.mean()) / (v.std() or np.nan), "norm")
                     .statistic,
                     "You standardised the values first"),
    "density": (lambda v: max(map(np.max, sides(v, cdf=stats.norm.pdf))), "density (pdf)"),
    "mean": (lambda v: np.abs(np.arange(1, len(v) + 1) / len(v)
                              - stats.norm.cdf(np.sort(v))).mean(), "max, not mean"),
    "midpoints": (lambda v: np.abs((np.arange(1, len(v) + 1) - 0.5) / len(v)
                                   - stats.norm.cdf(np.sort(v))).max(), "midpoints"),
    "per value": (lambda v: sides(v)[0], "return one number"),
    "something else": (lambda v: 0.123, "it should be"),
}


@pytest.mark.parametrize("name", KS_MISTAKES)
def test_ks_distance_mistakes_get_their_hint(name, run):
    answer, hint = KS_MISTAKES[name]
    result, out = run(checks.check_ks_distance, answer)
    assert result is measures.ks_distance
    assert out.startswith("✗ ks_distance"), out
    assert hint in out, out


# --- in_gap ---------------------------------------------------------------------------------


def gap_loop(z_ref, points, threshold):
    return [min(np.sqrt(np.sum((p - z) ** 2)) for z in z_ref) > threshold for p in points]


def gap_tree(z_ref, points, threshold):
    return cKDTree(z_ref).query(points)[0] > threshold


@pytest.mark.parametrize("answer", [gap_loop, gap_tree, lambda z, p, t: gap_tree(z, p, t) * 1],
                         ids=["loop", "kd-tree", "0 and 1"])
def test_right_gap_tests_pass_and_come_back(answer, run):
    result, out = run(checks.check_in_gap, answer)
    assert result is answer and out.startswith("✓ in_gap"), out


def distances(z, p):
    return np.linalg.norm(p[:, None] - z[None], axis=-1)


GAP_MISTAKES = {
    "inverted": (lambda z, p, t: distances(z, p).min(axis=1) <= t, "swapped"),
    "squared": (lambda z, p, t: distances(z, p).min(axis=1) ** 2 > t, "squared distance"),
    "mean distance": (lambda z, p, t: distances(z, p).mean(axis=1) > t, "mean distance"),
    "farthest": (lambda z, p, t: distances(z, p).max(axis=1) > t, "farthest embedding"),
    "manhattan": (lambda z, p, t: np.abs(p[:, None] - z[None]).sum(-1).min(axis=1) > t,
                  "Manhattan"),
    "fraction": (lambda z, p, t: float(np.mean(distances(z, p).min(axis=1) > t)),
                 "single number"),
    "indices": (lambda z, p, t: np.flatnonzero(distances(z, p).min(axis=1) > t), "indices"),
    "distances": (lambda z, p, t: distances(z, p).min(axis=1), "compare each point's distance"),
    "per embedding": (lambda z, p, t: distances(z, p).min(axis=0) > t, "one value per embedding"),
    "something else": (lambda z, p, t: np.zeros(len(p), bool), "nearest embedding is greater"),
}


@pytest.mark.parametrize("name", GAP_MISTAKES)
def test_in_gap_mistakes_get_their_hint(name, run):
    answer, hint = GAP_MISTAKES[name]
    result, out = run(checks.check_in_gap, answer)
    assert result is measures.in_gap
    assert out.startswith("✗ in_gap"), out
    assert hint in out, out


def test_checks_do_not_change_with_inputs_changed_in_place(run):
    def shares_in_place(z, labels, points, n_classes):
        result = measures.class_shares(z, labels, points, n_classes)
        points[:] = 0  # spoils the caller's array: the check passes copies
        return result

    result, out = run(checks.check_class_shares, shares_in_place)
    assert result is shares_in_place and out.startswith("✓"), out
