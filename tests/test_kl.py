"""KL divergence: the closed forms against Monte Carlo and numerical integration."""

import numpy as np
import pytest
from scipy import stats

from course_utils.kl import (
    gaussian_fit_kl,
    kl_closed_form,
    kl_discrete,
    kl_integrate,
    kl_normal,
    kl_per_dimension,
    kl_sampled,
    kl_terms,
)


def test_zero_exactly_at_the_standard_normal():
    kl = np.asarray(kl_closed_form(np.zeros((3, 5), "float32"), np.zeros((3, 5), "float32")))
    assert kl.shape == (3,)
    assert np.all(kl == 0.0)
    q = stats.multivariate_normal(np.zeros(4))
    assert kl_sampled(q, q, n_samples=1000) == (0.0, 0.0)


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
    q = stats.multivariate_normal(mean, np.diag(np.exp(log_var)))
    estimate, stderr = kl_sampled(q, stats.multivariate_normal(np.zeros(len(mean))),
                                  n_samples=200_000, seed=1)
    assert abs(estimate - exact) < 4 * stderr + 1e-9


def test_kl_is_positive_away_from_the_prior():
    rng = np.random.default_rng(0)
    kl = np.asarray(kl_closed_form(rng.normal(size=(100, 8)), rng.normal(size=(100, 8))))
    assert np.all(kl > 0)


# --- Chapter 4: the per-dimension terms, the general univariate form, integration, sampling ---

def test_terms_are_per_dimension_and_sum_to_the_closed_form():
    rng = np.random.default_rng(3)
    mean, log_var = rng.normal(size=(6, 4)), rng.uniform(-2, 1, size=(6, 4))
    terms = np.asarray(kl_terms(mean, log_var))
    assert terms.shape == (6, 4) and np.all(terms >= 0)
    np.testing.assert_allclose(terms.sum(axis=-1), np.asarray(kl_closed_form(mean, log_var)),
                               rtol=1e-12)


def test_normal_against_the_standard_normal_is_the_closed_form():
    mu, sigma = np.array([0.0, 1.0, -2.0, 0.5]), np.array([1.0, 0.3, 2.0, 1.0])
    np.testing.assert_allclose(kl_normal(mu, sigma),
                               np.asarray(kl_closed_form(mu[:, None], np.log(sigma**2)[:, None])),
                               rtol=1e-12)
    assert kl_normal(0.7, 1.3, 0.7, 1.3) == 0.0


def test_normal_is_not_symmetric():
    # KL(N(0, 1/4) || N(0, 1)) = 1/2 (1/4 - 1 - log 1/4); the reverse: 1/2 (4 - 1 - log 4)
    np.testing.assert_allclose(kl_normal(0.0, 0.5), 0.5 * (0.25 - 1 + np.log(4)), rtol=1e-12)
    np.testing.assert_allclose(kl_normal(0.0, 1.0, 0.0, 0.5), 0.5 * (4 - 1 - np.log(4)), rtol=1e-12)


def test_discrete():
    assert kl_discrete([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    np.testing.assert_allclose(kl_discrete([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]), np.log(2))
    assert kl_discrete([0.25, 0.25, 0.5], [0.5, 0.5, 0.0]) == np.inf  # q where p has no mass


@pytest.mark.parametrize("mu_q, sigma_q, mu_p, sigma_p", [
    (0.0, 1.0, 0.0, 1.0), (1.0, 1.0, 0.0, 1.0), (-2.0, 0.5, 0.0, 1.0), (3.0, 0.2, 0.0, 1.0),
    (0.0, 0.1, 0.0, 1.0), (0.0, 1.0, 3.0, 0.2), (0.5, 2.0, -1.0, 0.7),
])
def test_integration_agrees_with_the_closed_form(mu_q, sigma_q, mu_p, sigma_p):
    value, error = kl_integrate(stats.norm(mu_q, sigma_q), stats.norm(mu_p, sigma_p))
    assert abs(value - kl_normal(mu_q, sigma_q, mu_p, sigma_p)) < 1e-9
    assert error < 1e-9


def test_integration_works_for_other_densities():
    # KL(Laplace(0, b) || N(0, 1)) = -1 - log(2b) + 1/2 log(2 pi) + b^2 (E z^2 = 2 b^2)
    b = 0.6
    value, _ = kl_integrate(stats.laplace(0, b), stats.norm())
    assert abs(value - (-1 - np.log(2 * b) + 0.5 * np.log(2 * np.pi) + b**2)) < 1e-9


@pytest.mark.parametrize("mu, sigma", [(1.0, 1.0), (-2.0, 0.5), (0.5, 2.0), (3.0, 0.2)])
def test_sampled_lies_within_four_standard_errors(mu, sigma):
    estimate, stderr = kl_sampled(stats.norm(mu, sigma), stats.norm(), n_samples=50_000, seed=2)
    assert 0 < stderr < 0.05
    assert abs(estimate - kl_normal(mu, sigma)) < 4 * stderr


def test_sampled_is_exact_when_q_is_p_and_reproducible():
    assert kl_sampled(stats.norm(), stats.norm(), n_samples=100) == (0.0, 0.0)
    q = stats.norm(1, 2)
    assert kl_sampled(q, stats.norm(), 1000, seed=5) == kl_sampled(q, stats.norm(), 1000, seed=5)


def test_sampled_diagonal_gaussian_matches_the_closed_form():
    mean, var = np.array([0.5, -1.0, 2.0]), np.array([0.3, 1.5, 0.8])
    q = stats.multivariate_normal(mean, np.diag(var))
    estimate, stderr = kl_sampled(q, stats.multivariate_normal(np.zeros(3)), 100_000, seed=0)
    exact = float(kl_closed_form(mean, np.log(var)))
    assert abs(estimate - exact) < 4 * stderr


def test_the_kl_per_dimension_is_the_mean_of_the_terms_and_sums_to_the_mean_kl():
    rng = np.random.default_rng(3)
    mean, log_var = rng.normal(size=(50, 6)), rng.uniform(-2, 1, size=(50, 6))
    per_dimension = kl_per_dimension(mean, log_var)
    assert per_dimension.shape == (6,)
    np.testing.assert_allclose(per_dimension, np.asarray(kl_terms(mean, log_var)).mean(axis=0))
    np.testing.assert_allclose(per_dimension.sum(), np.asarray(kl_closed_form(mean,
                                                                              log_var)).mean())


def test_gaussian_fit_kl_is_the_closed_form_of_the_fit():
    z = 0.5 + 1.5 * np.random.default_rng(1).standard_normal((4000, 3))
    expected = kl_closed_form(z.mean(axis=0)[None], np.log(z.var(axis=0))[None])
    assert gaussian_fit_kl(z) == pytest.approx(float(np.asarray(expected)[0]), rel=1e-6)
    assert gaussian_fit_kl(np.random.default_rng(2).standard_normal((20_000, 2))) < 0.01


# What chapter 4's prose says about narrowing q, checked over a grid rather than at its examples.


def test_narrowing_costs_less_in_kl_q_p_than_in_kl_p_q_for_every_sigma_below_one():
    sigma = np.geomspace(1e-3, 0.999, 200)[:, None]
    mu = np.linspace(-3, 3, 13)[None, :]
    assert np.all(kl_normal(mu, sigma) < kl_normal(0.0, 1.0, mu, sigma))


def test_narrowing_cost_grows_without_bound_like_minus_log_sigma():
    sigma = np.array([0.5, 0.1, 0.01, 1e-4])
    cost = kl_normal(0.0, sigma)
    np.testing.assert_allclose(cost, 0.5 * (sigma**2 - 1) - np.log(sigma))
    assert np.all(np.diff(cost) > 0) and cost[-1] > 8  # -log(1e-4) = 9.2
    np.testing.assert_allclose(cost[:3], [0.318, 1.808, 4.105], atol=1e-3)


def test_a_variance_near_one_costs_about_a_quarter_of_its_squared_shortfall():
    variance = np.array([0.8, 0.9, 1.1, 1.2])
    cost = kl_normal(0.0, np.sqrt(variance))  # 1/2 (s2 - 1 - log s2)
    np.testing.assert_allclose(cost, 0.25 * (variance - 1) ** 2, rtol=0.2)
    assert kl_normal(0.0, np.sqrt(0.8)) == pytest.approx(0.0116, abs=1e-4)
