"""Latent arithmetic measured: an attribute vector added to many faces, judged by a classifier.

Chapter 6 adds an attribute vector (say Smiling) to the codes of faces without the attribute and
decodes them. Whether the decoded faces really smile, and whether anything else changed, is
judged by a small CNN trained on the labelled faces (``recipes.attribute_classifier``).
:func:`measure_arithmetic` counts, over many faces at once, how often the attribute turns on and
how often every other attribute flips, relative to the plain reconstructions (:func:`flips`).
Chapter 5 weighs what an attribute is worth to the code against its price
(:func:`worth_and_price`).
"""

import keras
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


def flips(before, after, k, target=True):
    """Return, per attribute, the share of faces whose verdict changed from before to after.

    For attribute k the share counts only the faces judged without the target value before:
    how many of them now have it (NaN when none lacked it). ``before`` and ``after`` are 0/1
    verdicts of shape (faces, attributes).
    """
    before, after = np.asarray(before).astype(np.int8), np.asarray(after).astype(np.int8)
    changed = (before != after).mean(axis=0).astype(np.float64)
    off = before[:, k] != int(target)
    changed[k] = (after[off, k] == int(target)).mean() if off.any() else np.nan
    return changed


def measure_arithmetic(classifier, decoder, z, labels, names, attribute, vector, strengths,
                       target=True, flip_rates=flips):
    """Measure latent arithmetic on the faces whose attribute differs from target.

    For faces without ``attribute`` (target True; with it, target False), decode z + s * vector
    for every strength s, and let the classifier judge the images. Returns a table, one row per
    attribute, one column per strength, measured by ``flip_rates`` against the reconstructions
    (strength 0): for the attribute, the share of the faces judged without the target value
    when reconstructed that now have it; for every other attribute, the share whose verdict
    changed. A first column measures the reconstructions against the faces' labels: what
    encoding and decoding alone change (the baseline).
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
    columns = {"reconstruction": np.asarray(flip_rates(labels, reconstructed, k, target),
                                            np.float64)}
    for s in strengths:
        edited = predict_attributes(classifier,
                                    latent.decode_grid(decoder, z + s * np.asarray(vector)))
        columns[f"{s:+g} x vector"] = np.asarray(flip_rates(reconstructed, edited, k, target),
                                                 np.float64)
    table = pd.DataFrame(columns, index=pd.Index(names, name="attribute"))
    table.attrs = {"attribute": attribute, "target": bool(target), "n_faces": int(chosen.sum()),
                   "n_off_reconstructed": int((reconstructed[:, k] != int(target)).sum()),
                   "strengths": [float(s) for s in strengths]}
    return table


def judge_beats_majority(accuracy, majority, n):
    """Return whether a judge's accuracy beats the majority answer by two standard errors."""
    standard_error = np.sqrt(majority * (1 - majority) / n)
    return bool(accuracy > majority + 2 * standard_error)


def classifier_features(classifier, images, batch_size=256):
    """Return the classifier's features of each face (its "features" layer), in batches."""
    model = keras.Model(classifier.inputs, classifier.get_layer("features").output)
    return model.predict(np.asarray(images, "float32"), batch_size=batch_size, verbose=0)


def arithmetic_summary(table, reach=0.8, stay=0.1):
    """Return one row per strength: the share turned, the largest other change, aims met.

    The aims: the attribute turns on at least ``reach`` of the faces that the reconstruction
    left without it, and no other attribute changes on more than ``stay`` of them.
    """
    attribute = table.attrs["attribute"]
    others = table.drop(index=attribute)
    rows = []
    for column, s in zip(table.columns[1:], table.attrs["strengths"]):
        largest = others[column].idxmax()
        rows.append({"strength": s, "turned": table.loc[attribute, column],
                     "largest other change": others.loc[largest, column],
                     "changed most": largest,
                     "aim met": bool(table.loc[attribute, column] >= reach
                                     and others[column].max() <= stay)})
    return pd.DataFrame(rows).set_index("strength")


def aim_result(summary, judge_ok=True):
    """Return whether the aim was met and where: the first strength meeting it, else the best.

    A dict with ``met`` (bool), ``verdict`` ("met", "not met", or "withheld" when the judge
    does not beat the majority answer), ``strength``, ``turned``, ``largest_other``,
    ``changed_most`` (the attribute that changed most there), ``n_met`` and ``n_strengths``.
    """
    met = summary[summary["aim met"]]
    strength = met.index[0] if len(met) else summary["turned"].fillna(-1.0).idxmax()
    row = summary.loc[strength]
    verdict = "withheld" if not judge_ok else "met" if len(met) else "not met"
    return {"met": bool(len(met)) and judge_ok, "verdict": verdict, "strength": float(strength),
            "turned": float(row["turned"]), "largest_other": float(row["largest other change"]),
            "changed_most": str(row["changed most"]), "n_met": int(len(met)),
            "n_strengths": int(len(summary))}


# --- What an attribute is worth to the code, and what it costs (chapter 5) --------------------


def binary_entropy(rate):
    """Return the entropy of a yes/no attribute that a share rate of faces have, in nats."""
    p = float(rate)
    return 0.0 if p in (0.0, 1.0) else -(p * np.log(p) + (1 - p) * np.log(1 - p))


def worth_and_price(images, labels, beta):
    """Return what knowing a yes/no attribute saves per image, and its least price in the loss.

    The worth is the summed squared error saved by drawing each group's average image instead
    of their mixture, p (1 - p) times the squared distance between the two averages; the price
    is beta times the attribute's entropy H(p), the least KL that carrying it costs.
    """
    labels = np.asarray(labels).astype(bool).ravel()
    p = float(labels.mean())
    if p in (0.0, 1.0):  # every image alike: nothing to tell, nothing to pay
        return 0.0, 0.0
    images = np.asarray(images, np.float64)
    difference = images[labels].mean(axis=0) - images[~labels].mean(axis=0)
    return float(p * (1 - p) * np.sum(difference**2)), float(beta * binary_entropy(p))
