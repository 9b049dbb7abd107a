"""Anomaly detection by a score: ROC curves and a threshold for a given false-alarm rate.

Chapter 7 scores images by an autoencoder's reconstruction error and by a VAE's negative ELBO;
a higher score means "less like the training data". The AUC of a score is
:func:`course_utils.measures.separation`; :func:`auc` is the same number by sorting, fast enough
to recompute on thousands of bootstrap resamples.
"""

import numpy as np


def roc_curve(normal, anomalous):
    """Return (false-alarm rates, detection rates) of flagging scores above each threshold.

    The thresholds run from above the highest score down to below the lowest, so the curve goes
    from (0, 0) to (1, 1).
    """
    normal, anomalous = np.sort(normal), np.sort(anomalous)
    thresholds = np.unique(np.concatenate([normal, anomalous]))[::-1]
    # The share of each group strictly above each threshold, by counting with a sorted search.
    false_alarms = 1 - np.searchsorted(normal, thresholds, side="right") / len(normal)
    detections = 1 - np.searchsorted(anomalous, thresholds, side="right") / len(anomalous)
    return np.concatenate([[0.0], false_alarms, [1.0]]), np.concatenate([[0.0], detections,
                                                                         [1.0]])


def auc(normal, anomalous):
    """Return P(an anomalous score > a normal one), ties counted half: the ROC AUC of a score.

    The same number as :func:`course_utils.measures.separation` (the Mann-Whitney U statistic
    over the number of pairs), counted with a sorted search instead of ranks.
    """
    normal = np.sort(np.asarray(normal, np.float64))
    anomalous = np.asarray(anomalous, np.float64)
    if normal.size == 0 or anomalous.size == 0:
        raise ValueError("auc needs at least one normal and one anomalous score.")
    below = np.searchsorted(normal, anomalous, side="left")  # normal scores under each anomaly
    ties = np.searchsorted(normal, anomalous, side="right") - below
    return float((below.sum() + 0.5 * ties.sum()) / (normal.size * anomalous.size))


def false_alarm_threshold(normal, rate):
    """Return the lowest threshold that flags (score > threshold) at most rate of normal scores."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be a share from 0 up to (not including) 1; got {rate!r}.")
    scores = np.sort(np.asarray(normal, np.float64))
    allowed = int(np.floor(rate * len(scores) + 1e-9))  # normal images that may be flagged
    return float(scores[len(scores) - allowed - 1])
