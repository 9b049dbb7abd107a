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


def test_log_weights_hand_a_conditional_vae_each_images_own_label():
    # A decoder that draws each pixel at its label's grey level, whatever z: log p(x | z, y)
    # then depends on the label alone, and a label handed to the wrong draws would show.
    import keras
    from keras import layers

    images_in, labels_in = keras.Input((2, 2, 1)), keras.Input((2,))
    zeros = layers.Dense(1, kernel_initializer="zeros")(layers.Flatten()(images_in))
    encoder = keras.Model([images_in, labels_in], [zeros, zeros, zeros])
    z_in, label_in = keras.Input((1,)), keras.Input((2,))
    dense = layers.Dense(4, use_bias=False, activation="sigmoid")
    decoder = keras.Model([z_in, label_in], layers.Reshape((2, 2, 1))(dense(label_in)))
    dense.set_weights([np.array([[-2.0] * 4, [2.0] * 4], "float32")])
    images = np.full((3, 2, 2, 1), 0.9, "float32")
    labels = np.eye(2, dtype="float32")[[0, 1, 1]]
    log_lik, log_ratio = elbo.log_weights(encoder, decoder, images, n_draws=5, seed=0,
                                          batch_size=10, labels=labels)  # two images a batch
    assert log_lik.shape == log_ratio.shape == (3, 5)
    p = 1 / (1 + np.exp(-np.array([-2.0, 2.0, 2.0])))  # each image's label's grey level
    expected = 4 * (0.9 * np.log(p) + 0.1 * np.log(1 - p))
    np.testing.assert_allclose(log_lik, np.repeat(expected[:, None], 5, axis=1), rtol=1e-5)
