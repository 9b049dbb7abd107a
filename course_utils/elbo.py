"""The evidence lower bound (ELBO) of a VAE, and an importance-weighted estimate of log p(x).

Chapter 3 derives log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || p(z)) and checks it: from
``log_weights`` both the ELBO and the importance-weighted bound (Burda et al., 2016), which
tightens towards log p(x) as the draws grow, are one line each.
"""

import math

import numpy as np
from keras import ops
from scipy.special import logsumexp

LOG_2PI = math.log(2 * math.pi)


def bernoulli_log_likelihood(images, reconstructions):
    """Return log p(x | z) of each image with Bernoulli pixels: minus the summed cross-entropy."""
    return -ops.sum(ops.binary_crossentropy(images, reconstructions), axis=(1, 2, 3))


def continuous_bernoulli_log_likelihood(images, reconstructions):
    """Return log p(x | z) of each image with continuous Bernoulli pixels (grey levels in [0, 1]).

    The Bernoulli's x log p + (1 - x) log(1 - p) is a probability only for pixels of 0 or 1; on
    grey levels it is not normalised. Its density over [0, 1] needs the factor
    C(p) = 2 artanh(1 - 2p) / (1 - 2p) per pixel (Loaiza-Ganem and Cunningham, 2019).
    """
    p = np.clip(np.asarray(ops.convert_to_numpy(reconstructions), np.float64), 1e-7, 1 - 1e-7)
    t = 1 - 2 * p
    small = np.abs(t) < 1e-4  # C(p) -> 2 at p = 1/2: log C = log 2 + t^2 / 3 + ...
    safe = np.where(small, 0.5, t)
    log_c = np.where(small, math.log(2) + t**2 / 3, np.log(2 * np.arctanh(safe) / safe))
    log_norm = log_c.reshape(len(p), -1).sum(axis=1)
    return ops.convert_to_numpy(bernoulli_log_likelihood(images, reconstructions)) + log_norm


def log_weights(encoder, decoder, images, n_draws, seed=0, batch_size=4096,
                log_likelihood=bernoulli_log_likelihood, labels=None):
    """Return log p(x | z) and log p(z) - log q(z | x) for n_draws draws z ~ q(z | x) per image.

    Both have shape (n_images, n_draws); their sum is each draw's log importance weight. With
    labels (a conditional VAE's, one row per image) the encoder and decoder take them as their
    second input: the same for log p(x | z, y) and q(z | x, y).
    """
    given = images if labels is None else [images, labels]
    z_mean, z_log_var, _ = (ops.convert_to_numpy(t) for t in encoder(given, training=False))
    n, d = z_mean.shape
    epsilon = np.random.default_rng(seed).standard_normal((n, n_draws, d)).astype("float32")
    sigma = np.exp(0.5 * z_log_var)[:, None, :]
    z = z_mean[:, None, :] + sigma * epsilon  # (n, n_draws, d): draws from q(z | x)
    log_q = -0.5 * np.sum(LOG_2PI + z_log_var[:, None, :] + epsilon**2, axis=-1)
    log_p = -0.5 * np.sum(LOG_2PI + z**2, axis=-1)
    # Decode every draw, in batches of whole images, and score it against its own image.
    per_batch = max(1, batch_size // n_draws)
    likelihoods = []
    for start in range(0, n, per_batch):
        stop = min(n, start + per_batch)
        codes = z[start:stop].reshape(-1, d)
        if labels is not None:
            codes = [codes, np.repeat(np.asarray(labels[start:stop], "float32"), n_draws, axis=0)]
        decoded = decoder(codes, training=False)
        repeated = np.repeat(np.asarray(images[start:stop], "float32"), n_draws, axis=0)
        likelihoods.append(ops.convert_to_numpy(log_likelihood(repeated, decoded)))
    log_likelihood_values = np.concatenate(likelihoods).reshape(n, n_draws).astype(np.float64)
    return log_likelihood_values, (log_p - log_q).astype(np.float64)


def importance_weighted(log_likelihood_values, log_ratio, k):
    """Return the importance-weighted bound on log p(x) from each image's first k draws."""
    log_w = log_likelihood_values[:, :k] + log_ratio[:, :k]
    return logsumexp(log_w, axis=1) - math.log(k)


def kl_decomposition(z_mean, z_log_var, seed=0, chunk=500):
    """Split the average KL term into I(x; z) + KL(q(z) || p(z)), by one draw per image.

    q(z) = (1/N) sum_n q(z | x_n) is the aggregate posterior of the N images. Returns the two
    parts and their sum (the mean closed-form KL), each with a standard error.
    """
    z_mean, z_log_var = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    n, _ = z_mean.shape
    epsilon = np.random.default_rng(seed).standard_normal(z_mean.shape)
    z = z_mean + np.exp(0.5 * z_log_var) * epsilon  # one draw per image, from its own q(z | x)
    log_q_own = -0.5 * np.sum(LOG_2PI + z_log_var + epsilon**2, axis=1)  # log q(z_n | x_n)
    log_p = -0.5 * np.sum(LOG_2PI + z**2, axis=1)
    log_q_all = np.empty(n)  # log q(z_n): the draw's density under every image's Gaussian
    for start in range(0, n, chunk):
        d = z[start:start + chunk, None, :] - z_mean[None]  # (chunk, n, dims)
        log_each = -0.5 * np.sum(LOG_2PI + z_log_var[None] + d**2 / np.exp(z_log_var)[None],
                                 axis=2)
        log_q_all[start:start + chunk] = logsumexp(log_each, axis=1) - math.log(n)
    parts = {"mutual information I(x; z)": log_q_own - log_q_all,
             "KL(q(z) || p(z))": log_q_all - log_p,
             "sum: the mean KL term": log_q_own - log_p}
    return {name: (float(v.mean()), float(v.std(ddof=1) / math.sqrt(n)))
            for name, v in parts.items()}
