"""The evidence lower bound (ELBO) of a VAE, and an importance-weighted estimate of log p(x).

Chapter 3 derives the bound

    log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || p(z)),

and checks it with the functions below: ``log_weights`` draws z from the encoder's q(z | x) and
returns the two parts of each draw's log weight, from which both the ELBO and the
importance-weighted bound (Burda et al., 2016), which tightens towards log p(x) as the number of
draws grows, are one line each. Chapter 7 scores images by the negative ELBO.
"""

import math

import numpy as np
from keras import ops
from scipy.special import logsumexp

LOG_2PI = math.log(2 * math.pi)


def bernoulli_log_likelihood(images, reconstructions):
    """Return log p(x | z) of each image with Bernoulli pixels: minus the summed cross-entropy."""
    return -ops.sum(ops.binary_crossentropy(images, reconstructions), axis=(1, 2, 3))


def gaussian_log_likelihood(images, reconstructions, scale):
    """Return log p(x | z) of each image with Gaussian pixels of standard deviation scale."""
    squared = ops.sum(ops.square(images - reconstructions), axis=(1, 2, 3))
    pixels = math.prod(images.shape[1:])
    return -squared / (2 * scale**2) - pixels * (0.5 * LOG_2PI + math.log(scale))


def log_weights(encoder, decoder, images, n_draws, seed=0, batch_size=4096,
                log_likelihood=bernoulli_log_likelihood):
    """Return log p(x | z) and log p(z) - log q(z | x) for n_draws draws z ~ q(z | x) per image.

    Both have shape (n_images, n_draws); their sum is each draw's log importance weight.
    """
    z_mean, z_log_var, _ = (ops.convert_to_numpy(t) for t in encoder(images, training=False))
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
        decoded = decoder(z[start:stop].reshape(-1, d), training=False)
        repeated = np.repeat(np.asarray(images[start:stop], "float32"), n_draws, axis=0)
        likelihoods.append(ops.convert_to_numpy(log_likelihood(repeated, decoded)))
    log_likelihood_values = np.concatenate(likelihoods).reshape(n, n_draws).astype(np.float64)
    return log_likelihood_values, (log_p - log_q).astype(np.float64)


def importance_weighted(log_likelihood_values, log_ratio, k):
    """Return the importance-weighted bound on log p(x) from each image's first k draws."""
    log_w = log_likelihood_values[:, :k] + log_ratio[:, :k]
    return logsumexp(log_w, axis=1) - math.log(k)
