"""The KL divergence: closed forms, numerical integration, Monte Carlo.

For q = N(mu, diag(sigma^2)) and p = N(0, I) over d latent dimensions,

    KL(q || p) = -1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2),

one number per sample, summed (not averaged) over the latent dimensions. Chapter 4 checks it
against numerical integration and Monte Carlo.
"""

import numpy as np
from keras import ops
from scipy import integrate


def kl_terms(z_mean, z_log_var):
    """Return the KL from N(0, 1) of every sample's every latent dimension, shape (n, d)."""
    return -0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))


def kl_closed_form(z_mean, z_log_var):
    """Return KL(N(z_mean, exp(z_log_var)) || N(0, I)) per sample, summed over latent dims."""
    return ops.sum(kl_terms(z_mean, z_log_var), axis=-1)


def kl_per_dimension(z_mean, z_log_var):
    """Return each latent dimension's KL from N(0, 1), averaged over the samples, shape (d,)."""
    z_mean, z_log_var = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    return ops.convert_to_numpy(kl_terms(z_mean, z_log_var)).mean(axis=0)


def gaussian_fit_kl(z):
    """Return KL(N(mean, diag(var)) || N(0, I)) of a Gaussian fitted to the codes z, (n, d)."""
    z = np.asarray(z, dtype="float64")
    return float(np.sum(kl_normal(z.mean(axis=0), z.std(axis=0))))


def kl_normal(mu_q, sigma_q, mu_p=0.0, sigma_p=1.0):
    """Return KL(N(mu_q, sigma_q^2) || N(mu_p, sigma_p^2)) elementwise, in nats.

    With the defaults p = N(0, 1) this is 1/2 (mu^2 + sigma^2 - 1 - log sigma^2). Note the
    arguments are standard deviations, not variances or log-variances.
    """
    mu_q, sigma_q, mu_p, sigma_p = (np.asarray(v, dtype=np.float64)
                                    for v in (mu_q, sigma_q, mu_p, sigma_p))
    return np.log(sigma_p / sigma_q) + (sigma_q**2 + (mu_q - mu_p) ** 2) / (2 * sigma_p**2) - 0.5


def kl_discrete(q, p):
    """Return KL(q || p) = sum_i q_i log(q_i / p_i) of probability vectors, in nats.

    Terms with q_i = 0 count as 0; a q_i > 0 where p_i = 0 makes the KL infinite.
    """
    q, p = np.asarray(q, dtype=np.float64), np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        terms = np.where(q > 0, q * (np.log(np.where(q > 0, q, 1.0)) - np.log(p)), 0.0)
    return terms.sum(axis=-1)


def kl_integrate(q, p, tail=1e-15):
    """Return (KL(q || p), error bound) of frozen 1-D scipy.stats densities, between q's tails."""
    value, error = integrate.quad(lambda z: q.pdf(z) * (q.logpdf(z) - p.logpdf(z)), q.ppf(tail),
                                  q.isf(tail), epsabs=1e-13, epsrel=1e-12, limit=200)
    return float(value), float(error)


def kl_sampled(q, p, n_samples=100_000, seed=0):
    """Return (estimate, standard error) of KL(q || p) = E_q[log q(z) - log p(z)] by Monte Carlo."""
    z = q.rvs(size=n_samples, random_state=np.random.default_rng(seed))
    log_ratio = q.logpdf(z) - p.logpdf(z)
    return float(log_ratio.mean()), float(log_ratio.std(ddof=1) / np.sqrt(n_samples))
