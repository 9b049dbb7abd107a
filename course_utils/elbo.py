"""The evidence lower bound (ELBO) of a VAE, and log p(x) itself where the code is 2-D.

Chapter 3 derives log p(x) >= E_q[log p(x | z)] - KL(q(z | x) || p(z)) and checks it: from
``log_weights`` both the ELBO and the importance-weighted bound (Burda et al., 2016) are one line
each, and ``log_evidence`` computes log p(x) of binary images by a sum over a grid of codes, so
that both bounds are checked against the value they bound.
"""

import math

import numpy as np
from keras import ops
from scipy.special import logsumexp

LOG_2PI = math.log(2 * math.pi)


def bernoulli_log_likelihood(images, reconstructions):
    """Return log p(x | z) of each image with Bernoulli pixels: minus the summed cross-entropy."""
    return -ops.sum(ops.binary_crossentropy(images, reconstructions), axis=(1, 2, 3))


def log_weights(encoder, decoder, images, n_draws, seed=0, batch_size=4096, labels=None):
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
        likelihoods.append(ops.convert_to_numpy(bernoulli_log_likelihood(repeated, decoded)))
    log_likelihood_values = np.concatenate(likelihoods).reshape(n, n_draws).astype(np.float64)
    return log_likelihood_values, (log_p - log_q).astype(np.float64)


def importance_weighted(log_likelihood_values, log_ratio, k):
    """Return the importance-weighted bound on log p(x) from each image's first k draws."""
    log_w = log_likelihood_values[:, :k] + log_ratio[:, :k]
    return logsumexp(log_w, axis=1) - math.log(k)


def log_evidence(decoder, images, label=None, spacing=0.1, limit=8.0):
    """Return log p(x) of binary images by a sum over a grid of 2-D codes, and two checks of it.

    Returns three arrays, one value per image: the sum with points `spacing` apart out to
    +-`limit`, the same with twice the spacing, and with the edge a unit closer (where the three
    agree, the sum has very likely settled). With a label (one-hot; chapter 8's conditional
    decoder) the decoder takes it as its second input, and the sum is log p(x | y).
    """
    images = np.asarray(images, "float32")
    if not np.isin(images, (0.0, 1.0)).all():
        raise ValueError("log_evidence needs binary images (pixels 0 or 1): the Bernoulli is a "
                         "probability only there. Binarise them first, e.g. (x > 0.5).")
    if decoder.inputs[0].shape[-1] != 2:
        raise ValueError(f"log_evidence sums over a grid of 2-D codes; this decoder takes codes "
                         f"of {decoder.inputs[0].shape[-1]} numbers (train it with latent_dim=2).")
    axis = np.round(np.arange(-limit, limit + spacing / 2, spacing), 6)
    z = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)  # every grid point, (G, 2)
    given = z if label is None else [z, np.repeat(np.asarray(label, "float32")[None], len(z), 0)]
    p = decoder.predict(given, batch_size=4096, verbose=0).reshape(len(z), -1)
    p = np.clip(p, 1e-7, 1 - 1e-7)  # each grid point's pixel means, as the loss clips them
    log_prior = -0.5 * (z**2).sum(axis=1) - LOG_2PI  # N(0, I) in 2-D
    # x log p + (1 - x) log(1 - p) = x log(p / (1 - p)) + log(1 - p), summed over the pixels:
    # one matrix product scores every image at every grid point.
    x = images.reshape(len(images), -1)
    log_joint = x @ np.log(p / (1 - p)).T + np.log1p(-p).sum(axis=1) + log_prior
    coarse = np.all(np.round(z / spacing) % 2 == 0, axis=1)  # every other point: twice the spacing
    narrow = np.all(np.abs(z) <= limit - 1, axis=1)  # the edge a unit closer
    return [logsumexp(log_joint[:, keep], axis=1) + 2 * math.log(step)
            for keep, step in ((slice(None), spacing), (coarse, 2 * spacing), (narrow, spacing))]


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
