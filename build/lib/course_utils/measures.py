"""Measure a latent space's three limitations: class areas, normality, gaps.

Chapter 2 measures a plain autoencoder with these functions and chapter 3 measures a VAE with
the very same ones, so the two columns of its comparison table are computed alike. Every
measure is scale-free where it compares models: a latent space can be stretched at will, so
thresholds come from the model's own embeddings, never from a fixed distance.
"""

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import cKDTree

from course_utils import latent
from course_utils.kl import gaussian_fit_kl


def nearest(z_ref, points):
    """Return (distance, index) of each point's nearest reference embedding."""
    z_ref, points = np.asarray(z_ref, dtype="float64"), np.asarray(points, dtype="float64")
    if z_ref.ndim != 2 or points.ndim != 2 or z_ref.shape[1] != points.shape[1]:
        raise ValueError(f"Need embeddings (n, d) and points (m, d) of one d; got {z_ref.shape} "
                         f"and {points.shape}.")
    return cKDTree(z_ref).query(points)


# --- Limitation 1: uneven class areas ---------------------------------------------------------


def class_shares(z_ref, labels, points, n_classes):
    """Return the share of points whose nearest embedding is of each class.

    With points drawn from the distribution a model samples from (uniform in the box for an
    autoencoder, N(0, I) for a VAE), a class's share is how often sampling lands in its region.
    """
    _, index = nearest(z_ref, points)
    return np.bincount(np.asarray(labels)[index], minlength=n_classes) / len(points)


def class_map(z_ref, labels, low, high, resolution=200):
    """Return the (resolution, resolution) map of nearest-embedding classes over a box.

    Laid out like a plot (see course_utils.latent): row 0 is the top, the highest z[1].
    """
    grid = latent.box_grid(low, high, n=resolution)
    _, index = nearest(z_ref, grid.reshape(-1, grid.shape[-1]))
    return np.asarray(labels)[index].reshape(resolution, resolution)


def unevenness(shares, expected=None):
    """Return the fraction of samples that would have to change class to match expected.

    That is the total variation distance between the class shares and the expected ones (by
    default even, as in Fashion-MNIST): 0 when sampling gives every class its due, up to
    1 - 1/k when every sample lands in one of k classes.
    """
    shares = np.asarray(shares, dtype="float64")
    expected = np.full(len(shares), 1 / len(shares)) if expected is None else np.asarray(expected)
    return float(0.5 * np.abs(shares - expected).sum())


# --- Limitation 2: no distribution to sample from ----------------------------------------------


def normality(z):
    """Return a table per latent dim: mean, std and KS distance from N(0, 1).

    ``ks_raw`` tests the codes as they are against N(0, 1); ``ks_shape`` tests them after
    standardising, so it measures the shape alone (a shifted, scaled Normal gives ~0 there).
    """
    z = np.asarray(z, dtype="float64")
    rows = []
    for j in range(z.shape[1]):
        column = z[:, j]
        standard = (column - column.mean()) / column.std()
        rows.append({"dim": f"z[{j}]", "mean": column.mean(), "std": column.std(),
                     "ks_raw": ks_distance(column), "ks_shape": ks_distance(standard)})
    return pd.DataFrame(rows).set_index("dim")


def ks_distance(values):
    """Return the Kolmogorov-Smirnov distance of a sample from N(0, 1).

    The largest vertical gap between the sample's empirical CDF, a staircase that jumps by 1/n
    at each sorted value, and the Normal CDF: checked just after each jump (i/n) and just
    before it ((i - 1)/n), where the gap is largest.
    """
    x = np.sort(np.asarray(values, dtype="float64").ravel())
    n = len(x)
    if n == 0:
        raise ValueError("ks_distance needs at least one value.")
    cdf = stats.norm.cdf(x)
    after = np.arange(1, n + 1) / n - cdf  # the staircase above the curve
    before = cdf - np.arange(0, n) / n  # the curve above the staircase
    return float(max(after.max(), before.max()))


# --- Limitation 3: gaps --------------------------------------------------------------------------


def gap_threshold(z_ref, z_held_out, quantile=0.95):
    """Return the distance from z_ref that only (1 - quantile) of held-out codes exceed.

    Held-out images are real data, so a point farther than this from every training code is in
    a gap: farther than all but a few real images ever land.
    """
    distance, _ = nearest(z_ref, z_held_out)
    return float(np.quantile(distance, quantile))


def in_gap(z_ref, points, threshold):
    """Return, for each point, whether it is farther than threshold from every embedding."""
    distance, _ = nearest(z_ref, points)
    return distance > threshold


def gap_fraction(z_ref, points, threshold):
    """Return the fraction of points farther than threshold from every embedding."""
    return float(np.mean(in_gap(z_ref, points, threshold)))


def nearest_image(images, reference, batch_size=1024):
    """Return (RMS pixel distance, index) of each image's nearest reference image.

    A decoded image that looks like a garment has a real garment close by, whose label says
    what it shows; one that is a blur of two classes, or nothing at all, has none close by.
    """
    a = np.asarray(images, dtype="float32").reshape(len(images), -1)
    b = np.asarray(reference, dtype="float32").reshape(len(reference), -1)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"Images have {a.shape[1]} pixels but the reference {b.shape[1]}.")
    b_sq = np.sum(b**2, axis=1)
    distance, index = [], []
    for start in range(0, len(a), batch_size):
        chunk = a[start:start + batch_size]
        # |x - r|^2 = |x|^2 - 2 x.r + |r|^2, one matrix product per chunk.
        sq = np.sum(chunk**2, axis=1)[:, None] - 2 * chunk @ b.T + b_sq[None, :]
        best = sq.argmin(axis=1)
        index.append(best)
        distance.append(np.sqrt(np.maximum(sq[np.arange(len(chunk)), best], 0) / a.shape[1]))
    return np.concatenate(distance), np.concatenate(index)


def separation(on_data, off_data):
    """Return P(an off-data score > an on-data score), the ROC AUC of a score.

    0.5 means the score cannot tell the two groups apart; 1.0 separates them perfectly.
    """
    on_data, off_data = np.asarray(on_data), np.asarray(off_data)
    u = stats.mannwhitneyu(off_data, on_data, alternative="two-sided").statistic
    return float(u / (len(on_data) * len(off_data)))


# --- The three together -------------------------------------------------------------------------


def limitations(encoder, decoder, x_ref, x_held_out, y_held_out, points, reference_images,
                reference_labels, n_classes=10, quantile=0.95):
    """Measure the three limitations of a latent space; return a dict of numbers.

    x_ref:            images whose codes stand for "the data" (e.g. training images)
    x_held_out:       other real images, with their labels y_held_out
    points:           latent points drawn the way the model samples (its sampling distribution)
    reference_images: real images (at the decoder's size) with their reference_labels, to tell
                      what a decoded image shows and whether it looks real
    """
    z_ref = latent.encode(encoder, x_ref)
    z_held = latent.encode(encoder, x_held_out)
    areas = class_shares(z_held, y_held_out, points, n_classes)
    table = normality(z_held)
    threshold = gap_threshold(z_ref, z_held, quantile)
    gaps = in_gap(z_ref, points, threshold)
    # How far the decoded images of real codes (reconstructions) lie from real images: the
    # yardstick for "looks real". Sampled points decoding farther than almost all of them do not.
    on_data, _ = nearest_image(latent.decode_grid(decoder, z_held), reference_images)
    sampled, index = nearest_image(latent.decode_grid(decoder, points), reference_images)
    realistic = sampled <= np.quantile(on_data, quantile)
    generated = np.bincount(np.asarray(reference_labels)[index], minlength=n_classes) / len(index)
    return {
        "area_shares": areas,
        "generated_shares": generated,
        "area_unevenness": unevenness(areas),
        "generated_unevenness": unevenness(generated),
        "max_abs_mean": float(table["mean"].abs().max()),
        "min_std": float(table["std"].min()),
        "max_std": float(table["std"].max()),
        "ks_raw": float(table["ks_raw"].max()),
        "ks_shape": float(table["ks_shape"].max()),
        "fit_kl": gaussian_fit_kl(z_held),
        "gap_fraction": float(gaps.mean()),
        "realistic_fraction": float(realistic.mean()),
        "realistic_in_gaps": float(realistic[gaps].mean()) if gaps.any() else float("nan"),
        "separation": separation(on_data, sampled[gaps]) if gaps.any() else float("nan"),
    }


# The rows of the comparison table, in order, with what each number means.
LABELS = {
    "area_unevenness": "class areas: samples off their class's due share",
    "generated_unevenness": "generated images: off their class's due share",
    "max_abs_mean": "largest |mean| of a latent dim",
    "min_std": "smallest std of a latent dim",
    "max_std": "largest std of a latent dim",
    "ks_raw": "KS distance from N(0, 1), worst dim",
    "ks_shape": "KS distance from a Normal shape, worst dim",
    "fit_kl": "KL of fitted Gaussian from N(0, I)",
    "gap_fraction": "fraction of samples in gaps",
    "realistic_fraction": "fraction of samples decoding to realistic images",
    "realistic_in_gaps": "same, among samples in gaps",
    "separation": "decodability AUC, data vs gap points",
}


def limitations_table(results):
    """Return a table of limitations() results, one column per model."""
    return pd.DataFrame({name: {LABELS[k]: r[k] for k in LABELS} for name, r in results.items()})


def reference_images(x, y, n, seed=0):
    """Return a seeded subset of n real images and labels: the yardstick for decoded ones.

    Chapters 2 and 3 both call this with the same n and seed, so their numbers agree.
    """
    keep = np.sort(np.random.default_rng(seed).choice(len(x), size=min(n, len(x)), replace=False))
    return x[keep], np.asarray(y)[keep]
