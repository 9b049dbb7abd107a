"""Chapter 2's checks, measuring a latent space: class shares, the KS distance (by hand and
in code), gaps (and a stricter threshold)."""

import numpy as np
from scipy import stats
from scipy.spatial import cKDTree

from course_utils import measures
from course_utils.checks.core import (
    _check, _failed, _first_wrong, _Hint, _numbers, _one_number, _predicted, _show, _word,
    _wrong_step,
)


def _grid_points(low, high, n):
    """Return an n x n grid of 2-D points strictly inside the box [low, high]."""
    xs = np.linspace(low[0], high[0], n + 2)[1:-1]
    ys = np.linspace(low[1], high[1], n + 2)[1:-1]
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


def _counts(z, labels, points, n_classes, metric=2):
    """Return how many points have their nearest embedding in each class, in a given metric."""
    index = cKDTree(z).query(points, p=metric)[1]
    return np.bincount(labels[index], minlength=n_classes).astype("float64")


# Wrong answers students write, as (what it computes, hint); checked in this order.
_SHARES_MISTAKES = [
    (lambda z, y, p, k: _counts(z, y, p, k),
     "You return counts; a share is a fraction: divide each class's count by the number of "
     "points, so that the shares sum to 1."),
    (lambda z, y, p, k: 100 * _counts(z, y, p, k) / len(p),
     "You return percentages; return fractions that sum to 1 (do not multiply by 100)."),
    (lambda z, y, p, k: np.bincount(y, minlength=k) / len(y),
     "You count embeddings, not points: a class with many embeddings is not a class with a large "
     "area. For each point find its nearest embedding, take that embedding's label, and count "
     "those labels over the points."),
    (lambda z, y, p, k: _counts(z, y, p, k) / len(z),
     "You divide by the number of embeddings; divide by the number of points, so that the "
     "shares sum to 1."),
    (lambda z, y, p, k: _counts(z, y, p, k, metric=1) / len(p),
     "You measure distance along the axes (Manhattan distance); the nearest embedding is the "
     "one at the smallest Euclidean distance, sqrt of the sum of squared differences."),
]


@_check("class_shares", measures.class_shares, "matches the reference on 4 cases: two classes "
        "splitting a box in half, one class with many embeddings against a class with one, "
        "classes without any embedding, and a 3-D latent space.")
def check_class_shares(fn):
    """Check class_shares(z, labels, points, n_classes) against measures.class_shares."""
    # (z, labels, points, n_classes) cases, the easiest first; no two sizes alike.
    rng = np.random.default_rng(0)
    # Class 0 at x = -1, class 1 at x = 3: the boundary x = 1 halves the box [-2, 4] x [-1, 1].
    halves = (np.array([[-1.0, -0.5], [-1.0, 0.5], [3.0, -0.5], [3.0, 0.5]]),
              np.array([0, 0, 1, 1]), _grid_points([-2, -1], [4, 1], 20), 3)
    # Eight embeddings of class 0 in a tight cluster, one of class 1 far away: counting
    # embeddings (8 : 1) gives other shares than counting points (about 1 : 1).
    cluster = np.concatenate([rng.normal(0, 0.1, (8, 2)), [[5.0, 0.0]]])
    many_one = (cluster, np.array([0] * 8 + [1]), _grid_points([-1, -1], [6, 1], 15), 2)
    # 10 classes among 50 embeddings, but n_classes = 12: the last two shares must be 0.
    spread = (rng.normal(size=(50, 2)), rng.integers(0, 10, 50), rng.uniform(-3, 3, (700, 2)), 12)
    three_d = (rng.normal(size=(40, 3)), rng.integers(0, 4, 40), rng.uniform(-2, 2, (300, 3)), 4)
    cases, outs = [halves, many_one, spread, three_d], []
    for z, labels, points, n_classes in cases:
        outs.append(_numbers(f"class_shares(z, labels, points, n_classes={n_classes})", fn, z,
                             labels, points, n_classes))
        _check_shares_shape(outs[-1], len(z), len(points), n_classes)
    same = lambda a, b: np.allclose(a, b, atol=1e-9)  # noqa: E731
    wrong = _first_wrong(outs, cases, measures.class_shares, _SHARES_MISTAKES, same)
    if wrong:
        got, (z, _, points, n_classes), expected = wrong
        raise _Hint(f"For {len(z)} embeddings and {len(points)} points in {n_classes} classes "
                    f"your shares are {_show(got)}; the right ones are {_show(expected)}. Give "
                    "each point the label of its nearest embedding (Euclidean distance), then "
                    "count the points per class and divide by the number of points.")


def _check_shares_shape(got, n_ref, n_points, n_classes):
    """Fail unless there is one share per class: shape (n_classes,)."""
    if got.shape == (n_classes,):
        return
    if got.ndim == 0:
        raise _Hint("You return a single number; return one share per class, an array of "
                    f"length n_classes ({n_classes} here).")
    if got.shape == (n_points,):
        raise _Hint(f"You return one value per point ({n_points}); count the points' labels per "
                    f"class instead, one share per class ({n_classes}), e.g. with np.bincount.")
    if got.shape == (n_ref,):
        raise _Hint(f"You return one value per embedding ({n_ref}): you counted how often each "
                    "embedding is the nearest. Count by the embeddings' labels instead: "
                    "labels[index] before counting.")
    if got.ndim == 1 and len(got) < n_classes:
        raise _Hint(f"You return {len(got)} shares for {n_classes} classes: a class that no point "
                    "lands in still needs its 0. np.bincount(..., minlength=n_classes) gives "
                    "every class an entry.")
    raise _Hint(f"Your result has shape {got.shape}; return one share per class, shape "
                f"({n_classes},).")


def _ks_sides(x, sort=True, cdf=stats.norm.cdf):
    """Return the two sides (staircase above, curve above) of the KS distance, per value."""
    x = np.sort(x) if sort else x
    n, f = len(x), cdf(x)
    return np.arange(1, n + 1) / n - f, f - np.arange(0, n) / n


def _standardised(x):
    """Return x shifted and scaled to mean 0 and std 1 (NaN when it has no spread, as 0 / 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x - x.mean()) / x.std()


# Wrong answers students write, as (what it computes, hint); checked in this order.
_KS_MISTAKES = [
    (lambda x: stats.kstest(x, "norm").pvalue,
     "That is the p-value of the test; return the distance itself (kstest(...).statistic is the "
     "number to reproduce, so write it from the empirical CDF)."),
    (lambda x: max(_ks_sides(x, sort=False)[0].max(), _ks_sides(x, sort=False)[1].max()),
     "Sort the values first: the empirical CDF at the i-th smallest value is i/n, so the i/n "
     "steps only line up with sorted values (np.sort)."),
    (lambda x: _ks_sides(x)[0].max(),
     "You check only where the staircase lies above the curve, i/n - Φ(x_(i)). The empirical CDF "
     "jumps at each value, so also check just before the jump: Φ(x_(i)) - (i - 1)/n, and take the "
     "larger of the two."),
    (lambda x: _ks_sides(x)[1].max(),
     "You check only where the curve lies above the staircase, Φ(x_(i)) - (i - 1)/n. Also check "
     "just after each jump, i/n - Φ(x_(i)), and take the larger of the two."),
    (lambda x: np.abs(_ks_sides(x)[0]).max(),
     "You compare Φ with the staircase only after each jump, |i/n - Φ(x_(i))|. Just before the "
     "jump the staircase is at (i - 1)/n: check Φ(x_(i)) - (i - 1)/n as well."),
    (lambda x: max(map(np.max, _ks_sides(_standardised(x)))),
     "You standardised the values first: that measures the shape alone (the table's ks_shape). "
     "The distance from N(0, 1) takes the values as they are, so a shifted or scaled sample is "
     "far from it."),
    (lambda x: max(map(np.max, _ks_sides(x, cdf=stats.norm.pdf))),
     "You used the Normal density (pdf); compare the empirical CDF with the Normal CDF, "
     "scipy.stats.norm.cdf."),
    (lambda x: np.abs(np.arange(1, len(x) + 1) / len(x) - stats.norm.cdf(np.sort(x))).mean(),
     "You average the differences; the KS distance is the largest one (max, not mean)."),
    (lambda x: np.abs((np.arange(1, len(x) + 1) - 0.5) / len(x)
                      - stats.norm.cdf(np.sort(x))).max(),
     "You compare Φ with the midpoints (i - 0.5)/n of the steps; compare it with the step's two "
     "ends, i/n and (i - 1)/n, and take the largest difference."),
]


def _same_number(a, b):
    """Return whether two KS distances agree, NaN agreeing with NaN."""
    a, b = float(a), float(b)
    return abs(a - b) <= 1e-9 or (np.isnan(a) and np.isnan(b))


@_check("ks_distance", measures.ks_distance, "matches scipy.stats.kstest's statistic on 5 "
        "samples: Normal, shifted and scaled, uniform, unsorted with a tie, and a single value.")
def check_ks_distance(fn):
    """Check ks_distance(values) against the KS statistic of scipy.stats.kstest."""
    rng = np.random.default_rng(1)
    cases = [rng.standard_normal(300), 1.5 + 0.3 * rng.standard_normal(100),  # all unsorted
             rng.uniform(-1, 1, 200), np.array([2.0, -1.0, 0.5, 0.5, 0.3]), np.array([0.0])]
    outs = []
    for x in cases:
        got = _numbers(f"ks_distance(values) with {len(x)} values", fn, x)
        if got.size != 1:
            raise _Hint(f"For {len(x)} values you return {got.size} numbers (shape {got.shape}); "
                        "return one number, the largest difference.")
        outs.append(float(got.ravel()[0]))
    wrong = _first_wrong(outs, [(x,) for x in cases], lambda x: stats.kstest(x, "norm").statistic,
                         _KS_MISTAKES, _same_number)
    if wrong:
        got, (x,), expected = wrong
        raise _Hint(f"For the values {_show(np.sort(x)[:5])}{' ...' if len(x) > 5 else ''} your "
                    f"distance is {got:.4g}; it should be {expected:.4g}. Sort the values, then "
                    "take the largest of i/n - Φ(x_(i)) and Φ(x_(i)) - (i - 1)/n over i = 1..n.")


def _distances(z, points):
    """Return the (points, embeddings) matrix of Euclidean distances."""
    return np.linalg.norm(points[:, None, :] - z[None, :, :], axis=-1)


# Wrong answers students write, as (what it computes, hint); checked in this order.
_GAP_MISTAKES = [
    (lambda z, p, t: _distances(z, p).min(axis=1) <= t,
     "True and False are swapped: a point is in a gap when it is far from every embedding, "
     "i.e. when its distance to the nearest one is greater than the threshold."),
    (lambda z, p, t: _distances(z, p).min(axis=1) ** 2 > t,
     "You compare the squared distance with the threshold; the threshold is a distance: take "
     "the square root (or compare with threshold**2)."),
    (lambda z, p, t: _distances(z, p).mean(axis=1) > t,
     "You use the mean distance to all embeddings; a point is in a gap when even its nearest "
     "embedding is farther than the threshold: take the minimum over the embeddings."),
    (lambda z, p, t: _distances(z, p).max(axis=1) > t,
     "You use the distance to the farthest embedding; use the nearest one (the minimum over the "
     "embeddings)."),
    (lambda z, p, t: np.abs(p[:, None, :] - z[None]).sum(axis=-1).min(axis=1) > t,
     "You measure distance along the axes (Manhattan distance); use the Euclidean distance, sqrt "
     "of the sum of squared differences."),
]


@_check("in_gap", measures.in_gap, "marks the right points on 4 cases: points at known "
        "distances, a threshold below 1 (where squared distances mislead), points beside a row "
        "of embeddings (where only the nearest one counts) and a 3-D latent space.")
def check_in_gap(fn):
    """Check in_gap(z_ref, points, threshold) against measures.in_gap."""
    # (z_ref, points, threshold) cases; no distance equals a threshold.
    rng = np.random.default_rng(2)
    z = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 4.0]])
    line = np.array([[0.5, 0.0], [5.0, 0.0], [10.0, 0.9], [10.0, 1.1], [0.3, 3.0], [-2.0, 0.0],
                     [0.0, 2.0]])
    # Distances 0.4 and 0.2 from the nearest embedding: 0.4 > 0.25, but 0.4**2 = 0.16 < 0.25.
    small = np.array([[0.4, 0.0], [10.2, 0.0], [0.0, 4.6], [3.0, 3.0]])
    # Three embeddings in a row: near the first, the mean or the largest distance is not small.
    row = (np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]]), np.array([[0.0, 0.1], [-1.0, 0.1]]),
           1.5)
    cases = [(z, line, 1.0), (z, small, 0.25), row,
             (rng.normal(size=(30, 3)), rng.uniform(-3, 3, (200, 3)), 0.6)]
    outs = []
    for z, points, threshold in cases:
        call = f"in_gap(z_ref, points, threshold={threshold})"
        got = _numbers(call, fn, z, points, threshold)
        _check_gap_shape(got, measures.in_gap(z, points, threshold), len(z))
        if not np.all((got == 0) | (got == 1)):
            raise _Hint(f"{call} returned numbers such as {_show(got[:3])}; return one True or "
                        "False per point: compare each point's distance with the threshold.")
        outs.append(got)
    wrong = _first_wrong(outs, cases, measures.in_gap, _GAP_MISTAKES, np.array_equal)
    if wrong:
        got, (_, points, threshold), expected = wrong
        raise _Hint(f"in_gap(z_ref, points, threshold={threshold}) marks {int(got.sum())} of "
                    f"{len(points)} points as in a gap; {int(expected.sum())} are. A point is in "
                    "a gap when its distance to the nearest embedding is greater than the "
                    "threshold.")


def _check_gap_shape(got, expected, n_ref):
    """Fail unless there is one True/False per point."""
    if got.shape == expected.shape:
        return
    if got.ndim == 0:
        raise _Hint("You return a single number; return one True or False per point (the gap "
                    "fraction is their mean, computed later).")
    if got.ndim == 1 and np.array_equal(got, np.flatnonzero(expected)):
        raise _Hint("You return the indices of the points in gaps; return a mask instead, one "
                    "True or False per point (distance > threshold).")
    if got.shape == (n_ref,):
        raise _Hint(f"You return one value per embedding ({n_ref}); return one per point: for "
                    "each point, its distance to the nearest embedding compared with threshold.")
    raise _Hint(f"Your result has shape {got.shape}; return one True or False per point, shape "
                f"{expected.shape}.")


KS_BY_HAND_SAMPLE = (0.0, 0.5, 1.5)  # three codes along one axis, against N(0, 1)
_KS = measures.ks_distance(KS_BY_HAND_SAMPLE)


@_check("ks_by_hand", _KS, f"{_KS:.3f}: the largest gap lies just before the first jump, where "
        "the sample's CDF is still 0 and the Normal's already 0.5.", callable_answer=False,
        used=False)
def check_ks_by_hand(value):
    """Check a number: the KS distance of the by-hand sample from N(0, 1), to 3 decimals."""
    got = _one_number(value, "ks_by_hand", stub="ks_by_hand = None")
    if abs(got - _KS) <= 1e-3:
        return
    x = np.array(KS_BY_HAND_SAMPLE)
    cdf, steps = stats.norm.cdf(x), np.arange(1, len(x) + 1) / len(x)
    _wrong_step(got, [
        ((steps - cdf).max(), "You looked just after each jump only; look just before it too, "
         "where the sample's CDF still has its previous value: (i - 1)/n against Φ(x_i)."),
        (np.abs(steps - cdf).max(), "You took |i/n - Φ(x_i)|, the gap just after each jump; the "
         "largest gap can lie just before a jump: compare Φ(x_i) with (i - 1)/n as well."),
        (np.abs(steps - cdf).mean(), "The KS distance is the largest gap, not the average one."),
        ((cdf[1:] - steps[:-1]).max(), "Start left of the first value: there the staircase is "
         "still 0, and the Normal's CDF already Φ(0) = 0.5."),
        ((steps - cdf).max() + (cdf - steps + 1 / len(x)).max(), "The KS distance is the larger "
         "of the two gaps, not their sum."),
    ], tolerance=1e-3)
    raise _Hint(f"{got:.4f} is not the distance. At each sorted value x_i compare Φ(x_i) with i/n "
                "(just after the jump) and with (i - 1)/n (just before it); the KS distance is the "
                "largest of these gaps.")


STRICTER_CHOICES = ("higher", "no clear difference", "lower")


def check_stricter_threshold(prediction, threshold, stricter, shares):
    """Compare the prediction with the share of samples in gaps at the stricter threshold.

    shares is a paired :class:`course_utils.compare.Comparison` of the samples' in-gap flags at
    the stricter threshold against the chapter's.
    """
    if stricter == threshold:
        return _failed("✗ smaller_threshold is not done yet. stricter is still threshold: write "
                       "your prediction, set stricter = threshold / 2, then run the cells below.",
                       "", None)
    if not np.isclose(stricter, threshold / 2):
        return _failed(f"✗ smaller_threshold is not right yet. stricter is {stricter:.3g}; the "
                       f"question is about half the threshold: set stricter = threshold / 2 "
                       f"({threshold / 2:.3g}).", "", None)
    outcome = _word(shares, STRICTER_CHOICES)
    measured = (f"at a threshold of {stricter:.3g} instead of {threshold:.3g}, {shares.a:.1%} of "
                f"the samples lie in gaps against {shares.b:.1%}")
    why = ("A point is in a gap when its nearest code is farther than the threshold; every point "
           "farther than a threshold is also farther than a smaller one, so a smaller threshold "
           "can only add points. The share of samples 'in gaps' is a property of the codes and of "
           "the threshold you chose: quote it with its threshold.")
    return _predicted("smaller_threshold", prediction, STRICTER_CHOICES, outcome, measured, why)
