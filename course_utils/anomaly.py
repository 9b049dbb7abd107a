"""Anomaly detection by a score: ROC curves and a threshold for a given false-alarm rate.

A higher score means "less like the training data"; its AUC is ``measures.separation``.
"""

import numpy as np


def roc_curve(normal, anomalous):
    """Return (false-alarm rates, detection rates) of flagging scores above each threshold."""
    normal, anomalous = np.sort(normal), np.sort(anomalous)
    thresholds = np.unique(np.concatenate([normal, anomalous]))[::-1]
    false_alarms = 1 - np.searchsorted(normal, thresholds, side="right") / len(normal)
    detections = 1 - np.searchsorted(anomalous, thresholds, side="right") / len(anomalous)
    return np.concatenate([[0.0], false_alarms, [1.0]]), np.concatenate([[0.0], detections,
                                                                         [1.0]])


def false_alarm_threshold(normal, rate):
    """Return the lowest threshold that flags (score > threshold) at most rate of normal scores."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be a share from 0 up to (not including) 1; got {rate!r}.")
    scores = np.sort(np.asarray(normal, np.float64))
    allowed = int(np.floor(rate * len(scores) + 1e-9))  # normal images that may be flagged
    return float(scores[len(scores) - allowed - 1])
