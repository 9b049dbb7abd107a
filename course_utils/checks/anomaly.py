"""Checks for chapter 7's anomaly detection: a threshold for a given false-alarm rate."""

import numpy as np

from course_utils import anomaly
from course_utils.checks.core import _as_numbers, _call, _Hint, _need_callable, _run_check


def check_threshold(fn):
    """Check threshold_for(normal_scores, false_alarm_rate) against the reference."""
    success = ("flags exactly the reference's normal scores on 6 cases: rates that fall "
               "between two scores, one that falls on a score, a rate of 0, tied scores and "
               "unsorted negative scores.")
    return _run_check("threshold_for", _verify_threshold, fn, anomaly.false_alarm_threshold,
                      success)


def _threshold_cases():
    """Return (normal scores, rate) cases; the scores are never sorted."""
    rng = np.random.default_rng(4)
    return [(rng.permutation(np.arange(1.0, 101.0)), 0.05),  # 5 of 100 may be flagged
            (rng.permutation(np.arange(1.0, 41.0)), 0.1),  # rate x n = 4 exactly
            (rng.permutation(np.arange(1.0, 46.0)), 0.1),  # 4.5: np.quantile flags 5
            (rng.normal(size=50), 0.0),  # no false alarm at all: the highest score
            (rng.permutation(np.repeat([1.0, 2.0, 3.0, 4.0], 10)), 0.2),  # ties
            (-rng.exponential(size=77), 0.13)]


def _flags(scores, threshold):
    return np.asarray(scores) > threshold


# Wrong answers students write, as (what it computes, hint); checked in this order.
_THRESHOLD_MISTAKES = [
    (lambda s, r: np.quantile(s, r),
     "That threshold flags most normal images: the false alarms are the normal scores ABOVE the "
     "threshold, so it sits near the top, at the (1 - rate) quantile, not the rate quantile."),
    (lambda s, r: np.quantile(s, 1 - r),
     "Close: np.quantile interpolates between scores, so its threshold can flag one image more "
     "than the rate allows, or allow one fewer. Sort the scores and take the lowest score that "
     "leaves at most floor(rate * n) scores above it."),
    (lambda s, r: np.sort(s)[len(s) - int(np.floor(r * len(s) + 1e-9))],
     "Off by one: with the scores sorted, s[n - k] leaves only k - 1 scores above it when the "
     "flag is score > threshold. Take s[n - k - 1], where k = floor(rate * n)."),
    (lambda s, r: np.percentile(s, 100 * (1 - r), method="lower"),
     "Almost: method='lower' still picks a score below the one that allows floor(rate * n) "
     "false alarms when rate * n is not a whole number. Count instead: sort, then s[n - k - 1]."),
]


def _verify_threshold(fn):
    """Raise a hint unless fn's threshold flags the reference's normal scores exactly."""
    _need_callable(fn, "threshold_for")
    cases, outs = _threshold_cases(), []
    for scores, rate in cases:
        out = _call(f"threshold_for(scores, {rate})", fn, scores.copy(), rate)
        got = _as_numbers(out, "threshold_for")
        if got.size != 1:
            raise _Hint(f"You return {got.size} numbers; return one threshold.")
        outs.append(float(got.ravel()[0]))
    right = [np.array_equal(_flags(s, got), _flags(s, anomaly.false_alarm_threshold(s, r)))
             for got, (s, r) in zip(outs, cases)]
    if all(right):
        return
    for mistake, hint in _THRESHOLD_MISTAKES:
        if all(np.array_equal(_flags(s, got), _flags(s, mistake(s, r)))
               for got, (s, r) in zip(outs, cases)):
            raise _Hint(hint)
    (got, (scores, rate)) = next((g, c) for g, c, ok in zip(outs, cases, right) if not ok)
    flagged = int(_flags(scores, got).sum())
    allowed = int(np.floor(rate * len(scores) + 1e-9))
    if flagged > allowed:
        raise _Hint(f"With {len(scores)} normal scores and a rate of {rate}, at most {allowed} may "
                    f"lie above the threshold; yours ({got:.4g}) flags {flagged}. Raise it.")
    raise _Hint(f"With {len(scores)} normal scores and a rate of {rate}, your threshold {got:.4g} "
                f"flags {flagged}, but {allowed} are allowed: a lower threshold would catch more "
                "anomalies at the same false-alarm rate. Take the lowest that flags at most "
                f"{allowed}.")
