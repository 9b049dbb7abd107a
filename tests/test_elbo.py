"""The ELBO's pieces: the Bernoulli on grey levels, log p(x) by a grid, the KL's decomposition."""

import math

import numpy as np
import pytest
from scipy import integrate

from course_utils import elbo, kl, realism


def pixel_density(log_likelihood, x, x_hat):
    """Return one pixel's p(x | x_hat)."""
    image, decoded = np.full((1, 1, 1, 1), x, "float32"), np.full((1, 1, 1, 1), x_hat, "float32")
    return float(np.exp(np.asarray(log_likelihood(image, decoded))[0]))


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


def _decoder(pixel_logit):
    """Return a Keras decoder from a 2-D code to a 1x2 image whose pixels' logits are given."""
    import keras

    z = keras.Input((2,))
    out = keras.layers.Dense(2, activation="sigmoid")(z)
    decoder = keras.Model(z, keras.layers.Reshape((1, 2, 1))(out))
    weights, bias = pixel_logit
    decoder.layers[1].set_weights([np.asarray(weights, "float32"), np.asarray(bias, "float32")])
    return decoder


def test_the_grid_sum_of_a_decoder_that_ignores_z_is_its_likelihood():
    # p(x) = p(x | z) for every z: the grid sums the prior's mass, which must come out 1.
    decoder = _decoder(([[0.0, 0.0], [0.0, 0.0]], [2.0, -1.0]))
    images = np.array([[1, 0], [1, 1], [0, 0]], "float32").reshape(3, 1, 2, 1)
    sums = elbo.log_evidence(decoder, images)
    p = 1 / (1 + np.exp(-np.array([2.0, -1.0])))
    x = images.reshape(3, 2)
    expected = (x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)
    for s in sums:  # the fine sum and both checks
        np.testing.assert_allclose(s, expected, atol=1e-4)


def test_the_grid_sum_finds_a_probability_that_depends_on_z():
    # Pixel 1 is on with probability sigmoid(3 z1): by symmetry p(on) = 1/2 under N(0, 1).
    # Pixel 2 is on with probability sigmoid(10 z2): a steep step, still 1/2.
    decoder = _decoder(([[3.0, 0.0], [0.0, 10.0]], [0.0, 0.0]))
    images = np.array([[1, 1], [0, 1], [1, 0], [0, 0]], "float32").reshape(4, 1, 2, 1)
    fine, coarse, narrow = elbo.log_evidence(decoder, images, spacing=0.05, limit=8.0)
    np.testing.assert_allclose(fine, np.log(0.25), atol=1e-3)
    assert np.abs(narrow - fine).max() < 1e-6  # nothing lies beyond 7
    assert np.abs(coarse - fine).max() < 1e-2


def test_the_grid_sum_refuses_grey_pixels_and_codes_that_are_not_2d():
    import keras

    with pytest.raises(ValueError, match="binary images"):
        elbo.log_evidence(_decoder(([[0.0, 0.0], [0.0, 0.0]], [0.0, 0.0])),
                          np.full((1, 1, 2, 1), 0.5, "float32"))
    z = keras.Input((3,))
    wide = keras.Model(z, keras.layers.Reshape((1, 2, 1))(keras.layers.Dense(2)(z)))
    with pytest.raises(ValueError, match="codes of 3 numbers"):
        elbo.log_evidence(wide, np.zeros((1, 1, 2, 1), "float32"))
