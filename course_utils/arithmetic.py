"""Latent arithmetic measured: an attribute vector added to many faces, judged by a classifier.

Chapter 6 decodes faces' codes plus an attribute vector; a CNN trained on the labelled faces
(``trained.attribute_classifier``), once it passes its test on held-out faces, judges whether
the attribute turned on and what else changed. Chapter 5 weighs what an attribute is worth to
the code against its price.
"""

import keras
import numpy as np
import pandas as pd
from keras import ops
from scipy import stats

from course_utils import latent
from course_utils.compare import compare
from course_utils.measures import separation


def predict_logits(classifier, images, batch_size=256):
    """Return the classifier's logits, shape (n, attributes), in batches."""
    return np.concatenate([ops.convert_to_numpy(classifier(images[i:i + batch_size],
                                                           training=False))
                           for i in range(0, len(images), batch_size)])


def predict_attributes(classifier, images, batch_size=256):
    """Return the classifier's 0/1 verdicts, shape (n, attributes), in batches."""
    return (predict_logits(classifier, images, batch_size) > 0).astype(np.int8)


def classifier_accuracy(classifier, images, labels, names, n_boot=2000, seed=0):
    """Return a table: per attribute, its share, the classifier's accuracy against chance, its AUC.

    "majority", always answering the commoner value, is what a classifier ignoring the image
    scores: the accuracy means something only clearly above it.
    """
    labels = np.asarray(labels).astype(np.int8)
    logits = predict_logits(classifier, images)
    verdicts = (logits > 0).astype(np.int8)
    share = labels.mean(axis=0)
    rows = []
    for k in range(labels.shape[1]):
        majority = int(share[k] >= 0.5)
        c = compare((verdicts[:, k] == labels[:, k]).astype(float),
                    (labels[:, k] == majority).astype(float), paired=True,
                    words=("beats", "falls below"),
                    n_boot=n_boot, seed=seed)
        on = labels[:, k] == 1
        auc = separation(logits[~on, k], logits[on, k]) if 0 < on.sum() < len(on) else np.nan
        rows.append({"share of faces": share[k], "classifier accuracy": c.a, "majority": c.b,
                     "accuracy - majority, 95% interval": c.interval(".3f"),
                     "against the majority": c.word, "AUC of the logit": auc})
    return pd.DataFrame(rows, index=pd.Index(list(names), name="attribute"))


def flips(before, after, k, target=True):
    """Return, per attribute, the share of faces whose 0/1 verdict changed from before to after.

    For attribute k, the share of the faces without the target value before that now have it.
    """
    before, after = np.asarray(before).astype(np.int8), np.asarray(after).astype(np.int8)
    changed = (before != after).mean(axis=0).astype(np.float64)
    off = before[:, k] != int(target)
    changed[k] = (after[off, k] == int(target)).mean() if off.any() else np.nan
    return changed


def measure_arithmetic(classifier, decoder, z, labels, names, attribute, vector, strengths,
                       target=True, flip_rates=flips):
    """Measure latent arithmetic on the faces whose attribute differs from target.

    Returns a table, one row per attribute, one column per strength s: ``flip_rates`` of the
    verdicts on z + s * vector decoded against those on the reconstructions. A first column, the
    baseline, rates the reconstructions against the labels.
    """
    names = list(names)
    k = names.index(attribute)
    labels = np.asarray(labels).astype(np.int8)
    chosen = labels[:, k] != int(target)
    if not chosen.any():
        raise ValueError(f"No face has {attribute} {'off' if target else 'on'}; nothing to "
                         "measure.")
    z, labels = np.asarray(z)[chosen], labels[chosen]
    reconstructed = predict_attributes(classifier, latent.decode(decoder, z))
    verdicts = {"reconstruction": reconstructed}
    for s in strengths:
        verdicts[f"{s:+g} x vector"] = predict_attributes(
            classifier, latent.decode(decoder, z + s * np.asarray(vector)))
    columns = {name: np.asarray(flip_rates(labels if name == "reconstruction" else reconstructed,
                                           after, k, target), np.float64)
               for name, after in verdicts.items()}
    table = pd.DataFrame(columns, index=pd.Index(names, name="attribute"))
    # The verdicts face by face stay with the table, for intervals (changes_per_face).
    table.attrs = {"attribute": attribute, "target": bool(target), "n_faces": int(chosen.sum()),
                   "n_off_reconstructed": int((reconstructed[:, k] != int(target)).sum()),
                   "strengths": [float(s) for s in strengths], "labels": labels,
                   "verdicts": verdicts}
    return table


def changes_per_face(table, column, others=None):
    """Return (turned, changed): what one column of measure_arithmetic's table counted, per face.

    ``turned``: 1 or 0 per face that lacked the target value; ``changed``: a (faces, others) 0/1
    matrix of the verdicts of ``others`` (default: every other attribute) that changed.
    """
    attrs, names = table.attrs, list(table.index)
    k, target = names.index(attrs["attribute"]), int(attrs["target"])
    verdicts = attrs["verdicts"]
    before = attrs["labels"] if column == "reconstruction" else verdicts["reconstruction"]
    after = verdicts[column]
    turned = (after[before[:, k] != target, k] == target).astype(np.float64)
    others = [n for n in names if n != attrs["attribute"]] if others is None else list(others)
    changed = (before != after)[:, [names.index(n) for n in others]].astype(np.float64)
    return turned, changed.reshape(len(before), len(others))


def largest_share(changed):
    """Return the largest share over columns of a 0/1 matrix (a single value: that value)."""
    shares = np.mean(changed, axis=0)
    return float(np.max(shares)) if np.size(shares) else 0.0


def thresholds_matching(logits, labels):
    """Return, per attribute, the logit above which as many images are judged to have it as have it.

    Set on the images the judge will meet: decoded faces' scores shift away from those of the
    photographs it trained on.
    """
    logits, labels = np.asarray(logits, np.float64), np.asarray(labels, np.float64)
    return np.array([np.quantile(logits[:, k], 1 - labels[:, k].mean())
                     for k in range(labels.shape[1])])


def calibrated(classifier, thresholds):
    """Return a judge like classifier whose logits are shifted by per-attribute thresholds."""
    thresholds = np.asarray(thresholds, np.float32)

    def judge(images, training=False):
        return ops.convert_to_numpy(classifier(images, training=training)) - thresholds

    return judge


def classifier_features(classifier, images, batch_size=256):
    """Return the classifier's features of each face (its "features" layer), in batches."""
    model = keras.Model(classifier.inputs, classifier.get_layer("features").output)
    return model.predict(np.asarray(images, "float32"), batch_size=batch_size, verbose=0)


def arithmetic_summary(table, reach=0.8, stay=0.1, others=None, n_boot=2000, seed=0):
    """Return one row per strength: the share turned, the largest other change, the aim's word.

    The aim: the attribute turns on in at least ``reach`` of the faces, and no attribute of
    ``others`` (default: every other one) changes on more than ``stay``. The word follows the 95%
    bootstrap intervals: "met", "missed" or "unclear at this size".
    """
    attribute = table.attrs["attribute"]
    if others is None:
        others = [name for name in table.index if name != attribute]
    others = table.loc[list(others)]
    rows = []
    for column, s in zip(table.columns[1:], table.attrs["strengths"]):
        turned, changed = changes_per_face(table, column, others.index)
        side = compare(changed, np.array([stay]), largest_share, words=("above", "below"),
                       n_boot=n_boot, seed=seed)
        row = {"strength": s, "turned": table.loc[attribute, column],
               "turned, 95% interval": "none to turn", "largest other change": side.a,
               "largest other, 95% interval": f"[{side.low + stay:.3f}, {side.high + stay:.3f}]",
               "changed most": others[column].idxmax() if len(others) else "none"}
        if len(turned):
            reached = compare(turned, np.array([reach]), words=("above", "below"),
                              n_boot=n_boot, seed=seed)
            row["turned, 95% interval"] = f"[{reached.low + reach:.3f}, {reached.high + reach:.3f}]"
            met = reached.word == "above" and side.word == "below"
            missed = reached.word == "below" or side.word == "above"
        else:  # nothing left to turn: the strength says nothing about the aim
            met, missed = False, side.word == "above"
        row["aim"] = "met" if met else "missed" if missed else "unclear at this size"
        rows.append(row)
    return pd.DataFrame(rows).set_index("strength")


AIM_VERDICTS = ("met", "not met", "no clear verdict at this size", "withheld")


def aim_result(summary, judge_ok=True):
    """Return whether the aim was met (a verdict of AIM_VERDICTS) and where, else the best."""
    met = summary[summary["aim"] == "met"]
    n_missed = int((summary["aim"] == "missed").sum())
    strength = met.index[0] if len(met) else summary["turned"].fillna(-1.0).idxmax()
    row = summary.loc[strength]
    verdict = ("withheld" if not judge_ok else "met" if len(met)
               else "not met" if n_missed == len(summary) else AIM_VERDICTS[2])
    return {"met": bool(len(met)) and judge_ok, "verdict": verdict, "strength": float(strength),
            "turned": float(row["turned"]), "largest_other": float(row["largest other change"]),
            "changed_most": str(row["changed most"]), "n_met": int(len(met)),
            "n_missed": n_missed, "n_strengths": int(len(summary))}


def rank_agreement(x, y, level=0.95):
    """Return Spearman's rank correlation of x and y, its interval and the word it allows.

    The interval: Fisher's z-transform with the standard error 1.06 / sqrt(n - 3) of a rank
    correlation (Fieller, Hartley and Pearson, 1957).
    """
    rho = float(stats.spearmanr(x, y).statistic)
    half = stats.norm.ppf(0.5 + level / 2) * 1.06 / np.sqrt(len(x) - 3)
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    low, high = float(np.tanh(z - half)), float(np.tanh(z + half))
    word = ("agree" if low > 0 else "disagree" if high < 0
            else "show no clear agreement at this size")
    return {"rho": rho, "low": low, "high": high, "word": word}


def binary_entropy(rate):
    """Return the entropy of a yes/no attribute that a share rate of faces have, in nats."""
    p = float(rate)
    return 0.0 if p in (0.0, 1.0) else -(p * np.log(p) + (1 - p) * np.log(1 - p))


def average_faces(dataset):
    """Return (on, off, share): per attribute, its average faces with and without it, its share."""
    total = with_it = counts = 0.0
    n = 0
    for images, labels in dataset:
        images, labels = np.asarray(images, np.float64), np.asarray(labels, np.float64)
        total = total + images.sum(axis=0)
        with_it = with_it + np.tensordot(labels, images, axes=(0, 0))  # (attributes, H, W, C)
        counts, n = counts + labels.sum(axis=0), n + len(images)
    counts = np.asarray(counts)
    share = counts / n
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN: no face on one side
        on = with_it / counts[:, None, None, None]
        off = (total - with_it) / (n - counts)[:, None, None, None]
    return on, off, share


def savings(images, labels, on, off, share):
    """Return, per image, the squared error its group's average face saves over the mixture.

    ``on`` and ``off`` are one attribute's two average faces and ``share`` its share (from
    :func:`average_faces`, on other faces than ``images``): the mixture is
    share * on + (1 - share) * off, what a decoder that does not know the attribute draws at
    best. The mean over many new images is chapter 5's worth of the attribute, for averages
    learned from those other faces.
    """
    images = np.asarray(images, np.float64)
    labels = np.asarray(labels).astype(bool).ravel()
    mixture = share * on + (1 - share) * off
    own = np.where(labels[:, None, None, None], on, off)
    return (np.sum((images - mixture) ** 2, axis=(1, 2, 3))
            - np.sum((images - own) ** 2, axis=(1, 2, 3)))


def worth_and_price(images, labels, beta):
    """Return what knowing a yes/no attribute saves per image, and its least price in the loss.

    The worth: the squared error saved by drawing each group's average image instead of their
    mixture, p (1 - p) |on - off|^2; the price: beta H(p), the least KL carrying it costs.
    """
    labels = np.asarray(labels).astype(bool).ravel()
    p = float(labels.mean())
    if p in (0.0, 1.0):  # every image alike: nothing to tell, nothing to pay
        return 0.0, 0.0
    images = np.asarray(images, np.float64)
    difference = images[labels].mean(axis=0) - images[~labels].mean(axis=0)
    return float(p * (1 - p) * np.sum(difference**2)), float(beta * binary_entropy(p))
