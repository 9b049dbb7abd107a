"""Checks for chapter 7's anomaly detection: a threshold for a given false-alarm rate."""

import numpy as np

from course_utils import anomaly
from course_utils.checks.core import _check, _first_wrong, _Hint, _numbers

def _flagged(scores, rate):
    """Return which normal scores the reference's threshold flags as anomalies."""
    return scores > anomaly.false_alarm_threshold(scores, rate)


# Wrong answers students write, as (the normal scores they flag, hint); checked in this order.
_THRESHOLD_MISTAKES = [
    (lambda s, r: s > np.quantile(s, r),
     "That threshold flags most normal images: the false alarms are the normal scores ABOVE the "
     "threshold, so it sits near the top, at the (1 - rate) quantile, not the rate quantile."),
    (lambda s, r: s > np.quantile(s, 1 - r),
     "Close: np.quantile interpolates between scores, so its threshold can flag one image more "
     "than the rate allows, or allow one fewer. Sort the scores and take the lowest score that "
     "leaves at most floor(rate * n) scores above it."),
    (lambda s, r: s > np.sort(s)[len(s) - int(np.floor(r * len(s) + 1e-9))],
     "Off by one: with the scores sorted, s[n - k] leaves only k - 1 scores above it when the "
     "flag is score > threshold. Take s[n - k - 1], where k = floor(rate * n)."),
    (lambda s, r: s > np.percentile(s, 100 * (1 - r), method="lower"),
     "Almost: method='lower' still picks a score below the one that allows floor(rate * n) "
     "false alarms when rate * n is not a whole number. Count instead: sort, then s[n - k - 1]."),
]


@_check("threshold_for", anomaly.false_alarm_threshold, "flags exactly the reference's normal "
        "scores on 6 cases: rates that fall between two scores, one that falls on a score, a "
        "rate of 0, tied scores and unsorted negative scores.")
def check_threshold(fn):
    """Check threshold_for(normal_scores, false_alarm_rate): it flags the reference's scores."""
    rng = np.random.default_rng(4)
    cases = [(rng.permutation(np.arange(1.0, 101.0)), 0.05),  # 5 of 100 may be flagged
             (rng.permutation(np.arange(1.0, 41.0)), 0.1),  # rate x n = 4 exactly
             (rng.permutation(np.arange(1.0, 46.0)), 0.1),  # 4.5: np.quantile flags 5
             (rng.normal(size=50), 0.0),  # no false alarm at all: the highest score
             (rng.permutation(np.repeat([1.0, 2.0, 3.0, 4.0], 10)), 0.2),  # ties
             (-rng.exponential(size=77), 0.13)]  # the scores are never sorted
    outs = []  # (threshold, the normal scores it flags)
    for scores, rate in cases:
        got = _numbers(f"threshold_for(scores, {rate})", fn, scores, rate)
        if got.size != 1:
            raise _Hint(f"You return {got.size} numbers; return one threshold.")
        outs.append((float(got.ravel()[0]), scores > float(got.ravel()[0])))
    wrong = _first_wrong(outs, cases, _flagged, _THRESHOLD_MISTAKES,
                         lambda out, flags: np.array_equal(out[1], flags))
    if not wrong:
        return
    (got, flags), (scores, rate), _ = wrong
    flagged = int(flags.sum())
    allowed = int(np.floor(rate * len(scores) + 1e-9))
    if flagged > allowed:
        raise _Hint(f"With {len(scores)} normal scores and a rate of {rate}, at most {allowed} may "
                    f"lie above the threshold; yours ({got:.4g}) flags {flagged}. Raise it.")
    raise _Hint(f"With {len(scores)} normal scores and a rate of {rate}, your threshold {got:.4g} "
                f"flags {flagged}, but {allowed} are allowed: a lower threshold would catch more "
                "anomalies at the same false-alarm rate. Take the lowest that flags at most "
                f"{allowed}.")
