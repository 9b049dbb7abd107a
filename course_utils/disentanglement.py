"""How disentangled a code is: the mutual information gap (MIG) against known factors.

For each factor (a yes/no attribute of the faces) the MIG asks how much more one latent
dimension knows about it than the next best dimension, as a share of what there is to know
(Chen et al., 2018): 1 when a single dimension holds the factor alone, 0 when two hold it
equally (or none does).
"""

import numpy as np

from course_utils.arithmetic import binary_entropy


def mutual_information(codes, factors, bins=20):
    """Return I(z_j; v_k) in nats for each column z_j of codes and each 0/1 factor v_k.

    factors is one factor (n,) or several (n, k); the result is (d,) or (k, d). Each dimension
    is cut into `bins` bins holding equal numbers of codes (by rank); the estimate is the
    plug-in one of the resulting table (biased upwards by about (bins - 1) / (2 n) nats).
    """
    codes = np.asarray(codes, np.float64)
    factors = np.asarray(factors).astype(int)
    single = factors.ndim == 1
    factors = factors[:, None] if single else factors
    n, d = codes.shape
    if len(factors) != n:
        raise ValueError(f"codes has {n} rows but factors {len(factors)}; give one per code.")
    ranks = np.argsort(np.argsort(codes, axis=0, kind="stable"), axis=0, kind="stable")
    base = (ranks * bins // n) * 2 + np.arange(d) * 2 * bins  # each code's bin, per dimension
    table = np.empty((factors.shape[1], d))
    for k in range(factors.shape[1]):
        cells = (base + factors[:, k:k + 1]).ravel()  # (dimension, bin, factor) as one number
        joint = np.bincount(cells, minlength=d * 2 * bins).reshape(d, bins, 2) / n
        independent = joint.sum(axis=2, keepdims=True) * joint.sum(axis=1, keepdims=True)
        seen = joint > 0
        terms = np.zeros_like(joint)
        terms[seen] = joint[seen] * np.log(joint[seen] / independent[seen])
        table[k] = terms.sum(axis=(1, 2))
    return table[0] if single else table


def mig(codes, factors, bins=20):
    """Return (gap per factor, MI table): each factor's top-two MI gap over its entropy.

    factors is an (n, k) 0/1 array, one column per factor; a factor every code shares (or
    none) has nothing to tell and a gap of NaN. Codes of one dimension (or none) are allowed.
    """
    factors = np.asarray(factors)
    table = mutual_information(codes, factors, bins)  # (k, d)
    # With fewer than two dimensions the missing ones hold no information.
    padded = np.concatenate([table, np.zeros((len(table), 2))], axis=1)
    top = -np.sort(-padded, axis=1)[:, :2]
    entropy = np.array([binary_entropy(float(p)) if 0 < p < 1 else np.nan
                        for p in factors.mean(axis=0)])
    return (top[:, 0] - top[:, 1]) / entropy, table
