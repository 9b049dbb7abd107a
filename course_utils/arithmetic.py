"""Latent arithmetic measured: an attribute vector added to many faces, judged by a classifier.

Chapter 6 adds an attribute vector to the codes of faces without the attribute and decodes them.
Whether the decoded faces really show it, and whether anything else changed, is judged by a
small CNN trained on the labelled faces (``recipes.attribute_classifier``), once it has passed
its own test on held-out faces (:func:`classifier_accuracy`). :func:`measure_arithmetic` counts,
over many faces at once, how often the attribute turns on and how often every other attribute
flips, relative to the plain reconstructions (:func:`flips`); :func:`arithmetic_summary` sets
those shares, with their intervals, against the aims. Chapter 5 weighs what an attribute is worth
to the code against its price (:func:`worth_and_price`, :func:`savings`).
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


JUDGE_WORDS = ("beats", "falls below")  # the judge against the majority answer, clearly


def classifier_accuracy(classifier, images, labels, names, n_boot=2000, seed=0):
    """Return a table: per attribute, its share, the classifier's accuracy against chance.

    "majority" is the accuracy of always answering the commoner value: what a classifier that
    ignores the image scores, so the accuracy means something only above it. "against the
    majority" compares the two, face by face (the same faces, paired), with a bootstrap
    interval: "beats" only when the whole interval of the difference lies above zero. The AUC of
    the logits (0.5 for none, 1 for a perfect ranking) shows how well the scores separate the
    faces with and without the attribute, whatever the threshold.
    """
    labels = np.asarray(labels).astype(np.int8)
    logits = predict_logits(classifier, images)
    verdicts = (logits > 0).astype(np.int8)
    share = labels.mean(axis=0)
    rows = []
    for k in range(labels.shape[1]):
        majority = int(share[k] >= 0.5)
        c = compare((verdicts[:, k] == labels[:, k]).astype(float),
                    (labels[:, k] == majority).astype(float), paired=True, words=JUDGE_WORDS,
                    n_boot=n_boot, seed=seed)
        on = labels[:, k] == 1
        auc = separation(logits[~on, k], logits[on, k]) if 0 < on.sum() < len(on) else np.nan
        rows.append({"share of faces": share[k], "classifier accuracy": c.a, "majority": c.b,
                     "accuracy - majority, 95% interval": c.interval(".3f"),
                     "against the majority": c.word, "AUC of the logit": auc})
    return pd.DataFrame(rows, index=pd.Index(list(names), name="attribute"))


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
    verdicts = {"reconstruction": reconstructed}
    for s in strengths:
        edited = predict_attributes(classifier,
                                    latent.decode_grid(decoder, z + s * np.asarray(vector)))
        columns[f"{s:+g} x vector"] = np.asarray(flip_rates(reconstructed, edited, k, target),
                                                 np.float64)
        verdicts[f"{s:+g} x vector"] = edited
    table = pd.DataFrame(columns, index=pd.Index(names, name="attribute"))
    # The verdicts face by face stay with the table, for intervals (changes_per_face).
    table.attrs = {"attribute": attribute, "target": bool(target), "n_faces": int(chosen.sum()),
                   "n_off_reconstructed": int((reconstructed[:, k] != int(target)).sum()),
                   "strengths": [float(s) for s in strengths], "labels": labels,
                   "verdicts": verdicts}
    return table


def changes_per_face(table, column, others=None):
    """Return (turned, others): what one column of measure_arithmetic's table counted, per face.

    ``turned`` holds, for each face the reconstruction left without the target value, 1 if the
    edit gave it and 0 if not (the attribute's share is its mean); ``others`` is a (faces,
    other attributes) 0/1 matrix of the other verdicts that changed (each column's mean is that
    attribute's share), for the attributes named in ``others`` (default: every other one, in the
    table's order). The reconstruction column compares with the labels, like the table.
    """
    attrs = table.attrs
    k, target = list(table.index).index(attrs["attribute"]), int(attrs["target"])
    verdicts = attrs["verdicts"]
    before = attrs["labels"] if column == "reconstruction" else verdicts["reconstruction"]
    after = verdicts[column]
    off = before[:, k] != target
    turned = (after[off, k] == target).astype(np.float64)
    names = list(table.index)
    others = [n for n in names if n != attrs["attribute"]] if others is None else list(others)
    changed = (before != after)[:, [names.index(n) for n in others]].astype(np.float64)
    return turned, changed.reshape(len(before), len(others))


def largest_share(changed):
    """Return the largest share over columns of a 0/1 matrix (a single value: that value)."""
    shares = np.mean(changed, axis=0)
    return float(np.max(shares)) if np.size(shares) else 0.0


def thresholds_matching(logits, labels):
    """Return, per attribute, the logit above which as many images are judged to have it as have it.

    Set on the images the judge will meet (decoded faces, whose scores shift away from those of
    the photographs it trained on): the threshold of attribute k is the quantile of its logits
    at 1 - (share of labels with k), so the judge calls the labelled share of them positive.
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

    The aims: the attribute turns on at least ``reach`` of the faces that the reconstruction
    left without it, and no other attribute changes on more than ``stay`` of them. Each share
    comes with a 95% bootstrap interval over the faces (``compare`` against the aim), and the
    aim's word follows the intervals: "met" when the share turned lies clearly above ``reach``
    and the largest other change clearly below ``stay``; "missed" when the share turned lies
    clearly below ``reach`` or the largest other change clearly above ``stay``; else "unclear
    at this size". ``others`` names the attributes whose changes count (default: every other
    one; leave out those the judge cannot judge on decoded faces).
    """
    attribute = table.attrs["attribute"]
    if others is None:
        others = [name for name in table.index if name != attribute]
    others = table.loc[list(others)]
    rows = []
    for column, s in zip(table.columns[1:], table.attrs["strengths"]):
        turned, changed = changes_per_face(table, column, others.index)
        largest = others[column].idxmax() if len(others) else "none"
        side = compare(changed, np.array([stay]), largest_share, words=("above", "below"),
                       n_boot=n_boot, seed=seed)
        row = {"strength": s, "turned": table.loc[attribute, column],
               "turned, 95% interval": "none to turn",
               "largest other change": side.a,
               "largest other, 95% interval": f"[{side.low + stay:.3f}, {side.high + stay:.3f}]",
               "changed most": largest}
        if len(turned):
            reached = compare(turned, np.array([reach]), words=("above", "below"),
                              n_boot=n_boot, seed=seed)
            row["turned, 95% interval"] = (f"[{reached.low + reach:.3f}, "
                                           f"{reached.high + reach:.3f}]")
            met = reached.word == "above" and side.word == "below"
            missed = reached.word == "below" or side.word == "above"
        else:  # nothing left to turn: the strength says nothing about the aim
            met, missed = False, side.word == "above"
        row["aim"] = "met" if met else "missed" if missed else "unclear at this size"
        rows.append(row)
    return pd.DataFrame(rows).set_index("strength")


AIM_VERDICTS = ("met", "not met", "no clear verdict at this size", "withheld")


def aim_result(summary, judge_ok=True):
    """Return whether the aim was met and where: the first strength meeting it, else the best.

    A dict with ``met`` (bool), ``verdict`` (one of AIM_VERDICTS: "met" at some strength; "not
    met" when every strength clearly missed it; "no clear verdict at this size" otherwise;
    "withheld" when the judge failed its test on held-out faces), ``strength``, ``turned``,
    ``largest_other``, ``changed_most`` (the attribute that changed most there), ``n_met``,
    ``n_missed`` and ``n_strengths``.
    """
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

    The interval is Fisher's z-transform with the standard error 1.06 / sqrt(n - 3) that
    Fieller, Hartley and Pearson (1957) give for a rank correlation; with few values (nine
    attributes) it is wide. The word: "agree" when the interval lies above zero, "disagree"
    below it, else "show no clear agreement at this size".
    """
    rho = float(stats.spearmanr(x, y).statistic)
    half = stats.norm.ppf(0.5 + level / 2) * 1.06 / np.sqrt(len(x) - 3)
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    low, high = float(np.tanh(z - half)), float(np.tanh(z + half))
    word = ("agree" if low > 0 else "disagree" if high < 0
            else "show no clear agreement at this size")
    return {"rho": rho, "low": low, "high": high, "word": word}


# --- What an attribute is worth to the code, and what it costs (chapter 5) --------------------


def binary_entropy(rate):
    """Return the entropy of a yes/no attribute that a share rate of faces have, in nats."""
    p = float(rate)
    return 0.0 if p in (0.0, 1.0) else -(p * np.log(p) + (1 - p) * np.log(1 - p))


def average_faces(dataset):
    """Return each attribute's two average faces and its share, from a stream of faces.

    ``dataset`` yields batches of (images, 0/1 attributes), as ``celeba.load_celeba`` with
    attributes does; only running sums are kept, never the images. Returns (on, off, share):
    on[k] and off[k] are the average faces with and without attribute k, shape (attributes,
    height, width, channels), and share[k] the share of faces with it.
    """
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
