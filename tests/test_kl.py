"""KL divergence: the closed form against Monte Carlo."""

import numpy as np
import pytest

from course_utils.kl import kl_closed_form, kl_monte_carlo


def test_zero_exactly_at_the_standard_normal():
    kl = np.asarray(kl_closed_form(np.zeros((3, 5), "float32"), np.zeros((3, 5), "float32")))
    assert kl.shape == (3,)
    assert np.all(kl == 0.0)
    assert np.allclose(kl_monte_carlo(np.zeros(4), np.zeros(4), n_samples=1000), 0.0)


def test_one_dimension_by_hand():
    # mu = 1, sigma^2 = 1: KL = 1/2 mu^2 = 0.5; mu = 0, sigma^2 = e: 1/2 (e - 1 - 1)
    kl = np.asarray(kl_closed_form(np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]])))
    np.testing.assert_allclose(kl, [0.5, 0.5 * (np.e - 2.0)], rtol=1e-6)


@pytest.mark.parametrize("mean, log_var", [
    ([0.5, -1.0], [0.0, 0.0]),
    ([0.0, 0.0, 0.0], [-2.0, 0.5, 1.0]),
    ([2.0, -0.3], [-1.0, 1.5]),
    ([3.0], [-4.0]),
])
def test_closed_form_agrees_with_monte_carlo_within_sampling_error(mean, log_var):
    mean, log_var = np.array(mean), np.array(log_var)
    exact = float(kl_closed_form(mean[None], log_var[None])[0])
    # Standard error of the estimate from the per-draw spread of log q - log p.
    n = 200_000
    rng = np.random.default_rng(1)
    eps = rng.standard_normal((n, len(mean)))
    z = mean + np.exp(0.5 * log_var) * eps
    draws = (-0.5 * (log_var + eps**2) + 0.5 * z**2).sum(axis=1)
    stderr = draws.std() / np.sqrt(n)
    estimate = float(kl_monte_carlo(mean, log_var, n_samples=n, seed=1))
    assert abs(estimate - exact) < 4 * stderr + 1e-9


def test_kl_is_positive_away_from_the_prior():
    rng = np.random.default_rng(0)
    kl = np.asarray(kl_closed_form(rng.normal(size=(100, 8)), rng.normal(size=(100, 8))))
    assert np.all(kl > 0)
