"""Latent arithmetic measured: an attribute vector added to many faces, judged by a classifier.

Chapter 6 adds an attribute vector (say Smiling) to the codes of faces without the attribute and
decodes them. Whether the decoded faces really smile, and whether anything else changed, is
judged by a small CNN trained on the labelled faces (``recipes.attribute_classifier``).
:func:`measure_arithmetic` counts, over many faces at once, how often the attribute turns on and
how often every other attribute flips, next to the baseline of the plain reconstructions.
"""

import numpy as np
import pandas as pd
from keras import ops

from course_utils import latent


def predict_attributes(classifier, images, batch_size=256):
    """Return the classifier's 0/1 verdicts, shape (n, attributes), in batches."""
    verdicts = [ops.convert_to_numpy(classifier(images[i:i + batch_size], training=False)) > 0
                for i in range(0, len(images), batch_size)]
    return np.concatenate(verdicts).astype(np.int8)


def classifier_accuracy(classifier, images, labels, names):
    """Return a table: per attribute, its share, the classifier's accuracy and chance.

    "majority" is the accuracy of always answering the commoner value: what a classifier that
    ignores the image scores, so the accuracy means something only well above it.
    """
    labels = np.asarray(labels).astype(np.int8)
    verdicts = predict_attributes(classifier, images)
    share = labels.mean(axis=0)
    return pd.DataFrame({"share of faces": share,
                         "classifier accuracy": (verdicts == labels).mean(axis=0),
                         "majority": np.maximum(share, 1 - share)},
                        index=pd.Index(list(names), name="attribute"))


def measure_arithmetic(classifier, decoder, z, labels, names, attribute, vector, strengths,
                       target=True):
    """Measure latent arithmetic on the faces whose attribute differs from target.

    For faces without ``attribute`` (target True; with it, target False), decode z + s * vector
    for every strength s, and let the classifier judge the images. Returns a table, one row per
    attribute, one column per strength, and a first column for the reconstructions (s = 0):

    - the attribute's row: the share of faces the classifier judges to have the target value;
    - every other row: the share of faces whose verdict differs from the reconstruction's
      (what the vector changed); in the reconstruction column, from the original's label
      (what encoding and decoding alone changed: the baseline).
    """
    names = list(names)
    k = names.index(attribute)
    labels = np.asarray(labels).astype(np.int8)
    chosen = labels[:, k] != int(target)
    if not chosen.any():
        raise ValueError(f"No face has {attribute} {'off' if target else 'on'}; nothing to "
                         "measure.")
    z, labels = np.asarray(z)[chosen], labels[chosen]
    reconstructed = predict_attributes(classifier, latent.decode_grid(decoder, z))
    columns = {"reconstruction": _column(reconstructed, labels, k, target)}
    for s in strengths:
        edited = predict_attributes(classifier,
                                    latent.decode_grid(decoder, z + s * np.asarray(vector)))
        columns[f"{s:+g} x vector"] = _column(edited, reconstructed, k, target)
    table = pd.DataFrame(columns, index=pd.Index(names, name="attribute"))
    table.attrs = {"attribute": attribute, "target": bool(target), "n_faces": int(chosen.sum()),
                   "strengths": [float(s) for s in strengths]}
    return table


def _column(verdicts, reference, k, target):
    """Return, per attribute, the share of verdicts unlike the reference; for k, at target."""
    changed = (verdicts != reference).mean(axis=0)
    changed[k] = (verdicts[:, k] == int(target)).mean()
    return changed


def arithmetic_summary(table, reach=0.8, stay=0.1):
    """Return one row per strength: the target reached, the largest other change, aims met.

    The aims: the attribute reaches its target on at least ``reach`` of the faces, and no other
    attribute changes on more than ``stay`` of them.
    """
    attribute = table.attrs["attribute"]
    others = table.drop(index=attribute)
    rows = []
    for column, s in zip(table.columns[1:], table.attrs["strengths"]):
        largest = others[column].idxmax()
        rows.append({"strength": s, "reached": table.loc[attribute, column],
                     "largest other change": others.loc[largest, column],
                     "changed most": largest,
                     "aim met": bool(table.loc[attribute, column] >= reach
                                     and others[column].max() <= stay)})
    return pd.DataFrame(rows).set_index("strength")


def aim_result(summary):
    """Return whether the aim was met and where: the first strength meeting it, else the best.

    A dict with ``met`` (bool), ``strength``, ``reached``, ``largest_other``, ``changed_most``
    (the attribute that changed most there), ``n_met`` and ``n_strengths``.
    """
    met = summary[summary["aim met"]]
    strength = met.index[0] if len(met) else summary["reached"].idxmax()
    row = summary.loc[strength]
    return {"met": bool(len(met)), "strength": float(strength), "reached": float(row["reached"]),
            "largest_other": float(row["largest other change"]),
            "changed_most": str(row["changed most"]), "n_met": int(len(met)),
            "n_strengths": int(len(summary))}
