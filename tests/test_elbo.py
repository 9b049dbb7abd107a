"""The ELBO's pieces: the continuous Bernoulli's normaliser and the KL term's decomposition."""

import math

import numpy as np
import pytest
from scipy import integrate

from course_utils import elbo, kl, realism


def pixel_density(log_likelihood, x, x_hat):
    """Return one pixel's p(x | x_hat)."""
    image, decoded = np.full((1, 1, 1, 1), x, "float32"), np.full((1, 1, 1, 1), x_hat, "float32")
    return float(np.exp(np.asarray(log_likelihood(image, decoded))[0]))


@pytest.mark.parametrize("x_hat", [0.01, 0.3, 0.5, 0.50001, 0.9])
def test_the_continuous_bernoulli_is_a_density_on_the_unit_interval(x_hat):
    mass = integrate.quad(lambda x: pixel_density(
        elbo.continuous_bernoulli_log_likelihood, x, x_hat), 0, 1)[0]
    assert mass == pytest.approx(1.0, abs=1e-6)


def test_the_plain_bernoulli_is_not_a_density_on_grey_levels():
    mass = integrate.quad(lambda x: pixel_density(elbo.bernoulli_log_likelihood, x, 0.9), 0, 1)[0]
    assert mass == pytest.approx(0.8 / math.log(9), rel=1e-4)  # (p - (1 - p)) / log(p / (1 - p))


def test_the_kl_term_splits_into_information_and_the_aggregate_kl():
    rng = np.random.default_rng(1)
    z_mean, z_log_var = rng.normal(0, 1.5, (2000, 2)), rng.uniform(-3, 0, (2000, 2))
    parts = elbo.kl_decomposition(z_mean, z_log_var, seed=7)
    total, se = parts["sum: the mean KL term"]
    closed = float(np.mean(kl.kl_closed_form(z_mean, z_log_var)))
    assert abs(total - closed) < 4 * se
    information = parts["mutual information I(x; z)"][0]
    assert 0 < information <= math.log(2000)
    assert information + parts["KL(q(z) || p(z))"][0] == pytest.approx(total)


def test_clouds_that_are_the_prior_carry_no_information_and_cost_nothing():
    parts = elbo.kl_decomposition(np.zeros((500, 3)), np.zeros((500, 3)), seed=0)
    assert parts["mutual information I(x; z)"][0] == pytest.approx(0.0, abs=1e-9)
    assert abs(parts["KL(q(z) || p(z))"][0]) < 4 * parts["KL(q(z) || p(z))"][1] + 1e-9


def test_the_judge_is_trusted_only_at_the_bar_against_noise_and_blends():
    good = {"noise": 0.99, "blends of two classes": realism.BAR, "blurred copies": 0.5}
    assert realism.trusted(good)
    assert not realism.trusted({**good, "blends of two classes": realism.BAR - 0.01})
