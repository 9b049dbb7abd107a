"""Measure a latent space's three limitations: class areas, normality, gaps.

Chapters 2 and 3 measure an autoencoder and a VAE with the same functions. A latent space can
be stretched at will, so thresholds come from the model's own embeddings, never a fixed distance.
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


def class_shares(z_ref, labels, points, n_classes):
    """Return the share of points whose nearest embedding is of each class: its region's area."""
    _, index = nearest(z_ref, points)
    return np.bincount(np.asarray(labels)[index], minlength=n_classes) / len(points)


def class_map(z_ref, labels, low, high, resolution=200):
    """Return the (resolution, resolution) map of nearest-embedding classes, row 0 at the top."""
    grid = latent.box_grid(low, high, n=resolution)
    _, index = nearest(z_ref, grid.reshape(-1, grid.shape[-1]))
    return np.asarray(labels)[index].reshape(resolution, resolution)


def unevenness(shares):
    """Return the fraction of samples that would have to change class to get even shares."""
    shares = np.asarray(shares, dtype="float64")
    return float(0.5 * np.abs(shares - np.full(len(shares), 1 / len(shares))).sum())


def class_unevenness(classes, n_classes=10):
    """Return the unevenness of a set of class labels: their shares' distance from even."""
    return unevenness(np.bincount(np.asarray(classes), minlength=n_classes) / len(classes))


def normality(z):
    """Return per latent dim: mean, std, KS distance from N(0, 1) and from a Normal shape."""
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

    The empirical CDF jumps by 1/n at each sorted value, so the largest gap from the Normal CDF
    lies just after a jump (i/n) or just before it ((i - 1)/n).
    """
    x = np.sort(np.asarray(values, dtype="float64").ravel())
    n = len(x)
    if n == 0:
        raise ValueError("ks_distance needs at least one value.")
    cdf = stats.norm.cdf(x)
    after = np.arange(1, n + 1) / n - cdf
    before = cdf - np.arange(0, n) / n
    return float(max(after.max(), before.max()))


def lilliefors_critical(n, level=0.95, n_sim=2000, seed=0):
    """Return the KS distance from a Normal shape that n Normal draws stay below level of the time.

    Standardising with the sample's own mean and std (as ``ks_shape`` does) brings it closer to
    the Normal than the ordinary KS critical value assumes (Lilliefors, 1967): simulate it.
    """
    rng = np.random.default_rng(seed)
    distances = np.empty(n_sim)
    for i in range(n_sim):
        x = rng.standard_normal(n)
        distances[i] = ks_distance((x - x.mean()) / x.std())
    return float(np.quantile(distances, level))


def gap_threshold(z_ref, z_held_out, quantile=0.95):
    """Return the distance from z_ref that only (1 - quantile) of held-out codes exceed."""
    distance, _ = nearest(z_ref, z_held_out)
    return float(np.quantile(distance, quantile))


def in_gap(z_ref, points, threshold):
    """Return, for each point, whether it is farther than threshold from every embedding."""
    distance, _ = nearest(z_ref, points)
    return distance > threshold


def separation(on_data, off_data):
    """Return P(an off-data score > an on-data score), ties counting half: a score's ROC AUC."""
    on_data = np.sort(np.asarray(on_data, np.float64))
    off_data = np.asarray(off_data, np.float64)
    if on_data.size == 0 or off_data.size == 0:
        raise ValueError("separation needs at least one score in each group.")
    below = np.searchsorted(on_data, off_data, side="left")
    ties = np.searchsorted(on_data, off_data, side="right") - below
    return float((below.sum() + 0.5 * ties.sum()) / (on_data.size * off_data.size))


def lines(z, labels, n_pairs, n_steps, seed=0):
    """Return (n_pairs, n_steps, d) lines between random codes of different classes, and pairs."""
    rng = np.random.default_rng(seed)
    pairs = rng.choice(len(z), size=(n_pairs * 3, 2))  # spares: some pairs share a class
    pairs = pairs[np.asarray(labels)[pairs[:, 0]] != np.asarray(labels)[pairs[:, 1]]][:n_pairs]
    return np.stack([latent.interpolate(z[a], z[b], steps=n_steps) for a, b in pairs]), pairs


def line_test(z_ref, z_held, labels, decoder, judge, threshold, n_pairs=200, n_steps=8, seed=0):
    """Measure straight lines between held-out codes: how much lies in gaps, and decodes how.

    Only the points between the ends count: a share of the ends, held-out codes, lie in "gaps" by
    the threshold's own quantile, and would count lines that cross nothing.
    """
    if n_steps < 3:
        raise ValueError(f"n_steps={n_steps}: a line needs at least 3 points, one between its "
                         "ends.")
    points, _ = lines(z_held, labels, n_pairs, n_steps, seed)
    points = points[:, 1:-1]
    flat = points.reshape(-1, points.shape[-1])
    gaps = in_gap(z_ref, flat, threshold).reshape(points.shape[:2])
    atypical = judge.atypicality(latent.decode(decoder, flat)).reshape(points.shape[:2])
    return {"crossing": gaps.any(axis=1),
            "line_gap_share": float(gaps.mean()),
            "lines_crossing": float(gaps.any(axis=1).mean()),
            "line_gap_atypicality": float(atypical[gaps].mean()) if gaps.any() else float("nan"),
            "line_data_atypicality": float(atypical[~gaps].mean())}


def limitations(decoder, judge, z_ref, z_held, y_held, x_held, reconstructions, points,
                n_classes=10, quantile=0.95, realistic_cut=None):
    """Measure the three limitations of a latent space; return its numbers and per-sample values.

    z_ref:           codes that stand for "the data" (e.g. of the training images)
    z_held:          codes of other real images x_held, labelled y_held; for a VAE, draws from
                     its encoder (the aggregate posterior, which sampling must match)
    reconstructions: the decoder's images of x_held, the yardstick of "realistic" unless
                     realistic_cut is given
    points:          latent points drawn the way the model samples
    realistic_cut:   give every model compared the same cut (its own reconstructions would set
                     a laxer bar for a blurrier model)
    """
    region_classes = np.asarray(y_held)[nearest(z_held, points)[1]]
    areas = np.bincount(region_classes, minlength=n_classes) / len(points)
    table = normality(z_held)
    threshold = gap_threshold(z_ref, z_held, quantile)
    gaps = in_gap(z_ref, points, threshold)
    samples = latent.decode(decoder, points)
    # "Realistic": no more atypical to the judge than almost all reconstructions of real images.
    on_data, sampled = judge.atypicality(reconstructions), judge.atypicality(samples)
    cut = np.quantile(on_data, quantile) if realistic_cut is None else realistic_cut
    realistic = sampled <= cut
    judged = judge.classes(samples)
    generated = np.bincount(judged, minlength=n_classes) / len(points)
    real, sample_features = judge.features(x_held), judge.features(samples)
    return {
        # Per sample (or per code), for comparisons with an interval (course_utils.compare):
        "region_classes": region_classes, "judged_classes": judged, "codes": np.asarray(z_held),
        "in_gap": gaps, "realistic": realistic, "samples": samples,
        "sample_features": sample_features, "real_features": real,
        # The numbers of chapter 2's table:
        "area_shares": areas, "generated_shares": generated,
        "area_unevenness": unevenness(areas), "generated_unevenness": unevenness(generated),
        "max_abs_mean": float(table["mean"].abs().max()),
        "min_std": float(table["std"].min()), "max_std": float(table["std"].max()),
        "ks_raw": float(table["ks_raw"].max()), "ks_shape": float(table["ks_shape"].max()),
        "fit_kl": gaussian_fit_kl(z_held), "threshold": threshold,
        "gap_fraction": float(gaps.mean()), "realistic_fraction": float(realistic.mean()),
        "realistic_in_gaps": float(realistic[gaps].mean()) if gaps.any() else float("nan"),
        "separation": separation(on_data, sampled[gaps]) if gaps.any() else float("nan"),
        "fid_samples": frechet_distance(sample_features, real),
        "fid_reconstructions": frechet_distance(judge.features(reconstructions), real),
    }


def sharpness(images):
    """Return each image's mean squared difference between neighbouring pixels: lower if blurred."""
    x = np.asarray(images, dtype="float64")
    across, down = np.diff(x, axis=2) ** 2, np.diff(x, axis=1) ** 2
    return (across.reshape(len(x), -1).mean(axis=1) + down.reshape(len(x), -1).mean(axis=1)) / 2


def frechet_distance(features_a, features_b):
    """Return the Frechet distance between Gaussians fitted to two sets of features (FID)."""
    a, b = np.asarray(features_a, np.float64), np.asarray(features_b, np.float64)
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # trace(sqrt(A B)) is the sum of the square roots of A B's eigenvalues, which are real and
    # non-negative for covariances (up to rounding): no matrix square root needed.
    roots = np.sqrt(np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0.0, None)).sum()
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * roots)


# The rows of the comparison table, in order.
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
    "separation": "atypicality AUC, reconstructions vs gap samples",
    "fid_samples": "Frechet distance of samples from real images",
    "fid_reconstructions": "same, of reconstructions (the decoder's floor)",
}


def limitations_table(results):
    """Return a table of limitations() results, one column per model."""
    return pd.DataFrame({name: {LABELS[k]: r[k] for k in LABELS} for name, r in results.items()})


def reference_images(x, y, n, seed=0):
    """Return a seeded subset of n real images and labels: the yardstick for decoded ones."""
    keep = np.sort(np.random.default_rng(seed).choice(len(x), size=min(n, len(x)),
                                                      replace=False))
    return x[keep], np.asarray(y)[keep]
