"""Anomaly detection by a score: ROC curves and a threshold for a given false-alarm rate.

Chapter 7 scores images by an autoencoder's reconstruction error and by a VAE's negative ELBO;
a higher score means "less like the training data". The AUC of a score is
:func:`course_utils.measures.separation`.
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


def false_alarm_threshold(normal, rate):
    """Return the lowest threshold that flags (score > threshold) at most rate of normal scores."""
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be a share from 0 up to (not including) 1; got {rate!r}.")
    scores = np.sort(np.asarray(normal, np.float64))
    allowed = int(np.floor(rate * len(scores) + 1e-9))  # normal images that may be flagged
    return float(scores[len(scores) - allowed - 1])
