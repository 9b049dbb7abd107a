"""The KL divergence of a diagonal Gaussian from N(0, I) (chapters 3 and 4).

For q = N(mu, diag(sigma^2)) and p = N(0, I) over d latent dimensions,

    KL(q || p) = -1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2),

one number per sample, summed (not averaged) over the latent dimensions.
"""

import numpy as np
from keras import ops


def kl_closed_form(z_mean, z_log_var):
    """Return KL(N(z_mean, exp(z_log_var)) || N(0, I)) per sample, summed over latent dims."""
    return -0.5 * ops.sum(1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var), axis=-1)


def kl_monte_carlo(z_mean, z_log_var, n_samples=100_000, seed=0):
    """Estimate the same KL per sample as the mean of log q(z) - log p(z) over draws z ~ q."""
    mean = np.asarray(z_mean, dtype=np.float64)
    log_var = np.asarray(z_log_var, dtype=np.float64)
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((n_samples,) + mean.shape)
    z = mean + np.exp(0.5 * log_var) * eps
    # log q(z) - log p(z); the log(2 pi) terms cancel.
    log_q = -0.5 * (log_var + eps**2)
    log_p = -0.5 * z**2
    return (log_q - log_p).sum(axis=-1).mean(axis=0)
