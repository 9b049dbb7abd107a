"""Latent-space helpers: encoding, grids, batched decoding, attribute vectors."""


import keras
import numpy as np
import pytest
from scipy.stats import norm

from course_utils.latent import (add_vector, attribute_vector, box_grid, decode, encode,
                                 encode_dataset, interpolate, normal_grid, project_out,
                                 sample_prior, sample_uniform_box, slerp)


class CountingDecoder:
    """A stand-in decoder: d-vector -> (4, 3, 1) image, counting its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, z, training=False):
        self.calls += 1
        z = np.asarray(z)
        return np.broadcast_to(z.sum(axis=1)[:, None, None, None], (len(z), 4, 3, 1))


def tiny_encoder(vae=False):
    """A linear 6 -> 2 encoder; the VAE one returns [z_mean, z_log_var, z]."""
    x = keras.Input((6,))
    z_mean = keras.layers.Dense(2, name="z_mean")(x)
    if not vae:
        return keras.Model(x, z_mean)
    z_log_var = keras.layers.Dense(2)(x)
    z = keras.layers.Add()([z_mean, keras.layers.GaussianNoise(1.0)(z_log_var)])
    return keras.Model(x, [z_mean, z_log_var, z])


def test_encode_batches_an_autoencoder_encoder():
    encoder = tiny_encoder()
    x = np.random.default_rng(0).normal(size=(10, 6)).astype("float32")
    z = encode(encoder, x, batch_size=3)
    assert isinstance(z, np.ndarray) and z.shape == (10, 2)
    np.testing.assert_allclose(z, encoder.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_encode_takes_z_mean_from_a_vae_encoder():
    encoder = tiny_encoder(vae=True)
    x = np.random.default_rng(0).normal(size=(7, 6)).astype("float32")
    z = encode(encoder, x, batch_size=4)
    z_mean = encoder.get_layer("z_mean")(x)
    np.testing.assert_allclose(z, np.asarray(z_mean), rtol=1e-5, atol=1e-6)
    # The mean, not a sample: another batch size gives the same codes up to float32 rounding
    # (the kernels may sum in another order for another batch shape)...
    np.testing.assert_allclose(z, encode(encoder, x), rtol=1e-5, atol=1e-6)
    # ... and the same call repeated on the same shapes gives exactly the same codes.
    np.testing.assert_array_equal(z, encode(encoder, x, batch_size=4))


def test_encode_rejects_empty_input():
    with pytest.raises(ValueError, match="empty"):
        encode(tiny_encoder(), np.zeros((0, 6)))


def test_normal_grid_uses_finite_inner_quantiles():
    grid = normal_grid(n=5, latent_dim=3)
    assert grid.shape == (5, 5, 3)
    assert np.all(np.isfinite(grid))
    expected = norm.ppf((np.arange(5) + 0.5) / 5)
    np.testing.assert_allclose(grid[0, :, 0], expected, rtol=1e-6)  # x grows left to right
    np.testing.assert_allclose(grid[:, 0, 1], expected[::-1], rtol=1e-6)  # y high at the top
    assert np.all(grid[..., 2] == 0)


def test_normal_grid_other_dims():
    grid = normal_grid(n=4, latent_dim=4, dims=(2, 3))
    np.testing.assert_allclose(grid[0, [0, -1], 2], norm.ppf([0.125, 0.875]), rtol=1e-6)
    assert np.all(grid[..., :2] == 0)
    assert np.all(normal_grid(n=1) == 0)


def test_box_grid_spans_the_box_edges_included():
    grid = box_grid([-1, 10], [3, 20], n=3)
    assert grid.shape == (3, 3, 2)
    np.testing.assert_allclose(grid[0, :, 0], [-1, 1, 3])
    np.testing.assert_allclose(grid[:, 0, 1], [20, 15, 10])
    grid = box_grid([0, 0, -2], [1, 1, 4], n=2, dims=(0, 1))
    assert np.all(grid[..., 2] == 1)  # the centre of the other dims
    with pytest.raises(ValueError):
        box_grid([0, 0], [1, 1, 1])


def test_decode_makes_one_call_and_keeps_the_layout():
    decoder = CountingDecoder()
    grid = normal_grid(n=6)
    images = decode(decoder, grid)
    assert decoder.calls == 1
    assert images.shape == (6, 6, 4, 3, 1)
    np.testing.assert_allclose(images[2, 5, 0, 0, 0], grid[2, 5].sum(), rtol=1e-6)


def test_decode_with_a_keras_decoder():
    z = keras.Input((2,))
    decoder = keras.Model(z, keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(4)(z)))
    grid = box_grid([0, 0], [1, 1], n=3)
    images = decode(decoder, grid)
    assert images.shape == (3, 3, 2, 2, 1)
    np.testing.assert_allclose(images[1, 2], decoder.predict(grid[1, 2][None], verbose=0)[0],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("labels", [
    [1, 1, 0, 0], [True, True, False, False], [1, 1, -1, -1], np.array([1.0, 1.0, 0.0, 0.0]),
])
def test_attribute_vector_is_a_difference_of_means(labels):
    z = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0], [2.0, 0.0]])
    np.testing.assert_allclose(attribute_vector(z, labels), [1.0, 3.0])


def test_attribute_vector_says_what_is_missing():
    z = np.zeros((3, 2))
    with pytest.raises(ValueError, match="No positive"):
        attribute_vector(z, [0, 0, 0])
    with pytest.raises(ValueError, match="No negative"):
        attribute_vector(z, [1, 1, 1])
    with pytest.raises(ValueError, match="shape"):
        attribute_vector(z, [0, 1])
    with pytest.raises(ValueError, match="0/1"):
        attribute_vector(z, [0, 1, 2])


def test_add_vector_broadcasts_over_strengths():
    z = np.zeros((3, 2))
    out = add_vector(z, [1.0, -1.0], [0, 0.5, 2])
    assert out.shape == (3, 3, 2)
    np.testing.assert_allclose(out[2, 1], [2.0, -2.0])
    np.testing.assert_allclose(add_vector([1.0, 1.0], [1.0, 0.0], [-1, 1]), [[0, 1], [2, 1]])


def test_interpolate_includes_both_ends():
    path = interpolate([0.0, 0.0], [4.0, 8.0], steps=5)
    assert path.shape == (5, 2)
    np.testing.assert_allclose(path[[0, 2, -1]], [[0, 0], [2, 4], [4, 8]])
    with pytest.raises(ValueError, match="steps"):
        interpolate([0.0], [1.0], steps=1)


def test_slerp_keeps_the_norm_between_unit_vectors():
    path = slerp([1.0, 0.0], [0.0, 1.0], steps=5)
    np.testing.assert_allclose(path[[0, -1]], [[1, 0], [0, 1]], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, rtol=1e-5)
    # Parallel or zero vectors fall back to the straight line.
    np.testing.assert_allclose(slerp([1.0, 1.0], [2.0, 2.0], 3), [[1, 1], [1.5, 1.5], [2, 2]])
    np.testing.assert_allclose(slerp([0.0, 0.0], [2.0, 0.0], 3)[1], [1.0, 0.0])


def test_sample_uniform_box_stays_in_the_bounding_box():
    z = np.array([[-1.0, 5.0], [3.0, 6.0], [0.0, 5.5]])
    points = sample_uniform_box(z, 500, seed=1)
    assert points.shape == (500, 2)
    assert np.all(points >= [-1, 5]) and np.all(points <= [3, 6])
    assert points[:, 0].min() < -0.8 and points[:, 0].max() > 2.8  # fills the box
    np.testing.assert_array_equal(points, sample_uniform_box(z, 500, seed=1))


def test_project_out_removes_exactly_the_component_along_u():
    rng = np.random.default_rng(1)
    v, u = rng.normal(size=7), 3.0 * rng.normal(size=7)
    w = project_out(v, u)
    assert abs(w @ u) < 1e-4
    residual = v - w  # parallel to u
    np.testing.assert_allclose(residual, (residual @ u) / (u @ u) * u, atol=1e-5)
    np.testing.assert_allclose(project_out(v, 5 * u), w, atol=1e-5)


def test_encode_dataset_streams_codes_and_labels():
    import tensorflow as tf

    encoder = tiny_encoder(vae=True)
    x = np.random.default_rng(0).normal(size=(10, 6)).astype("float32")
    labels = np.arange(10)[:, None] % 2
    z, y = encode_dataset(encoder, tf.data.Dataset.from_tensor_slices((x, labels)).batch(4))
    np.testing.assert_allclose(z, encode(encoder, x), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(y, labels)


def test_sample_prior_decodes_seeded_normal_draws_in_one_call():
    decoder = CountingDecoder()
    decoder.input_shape = (None, 3)
    images = sample_prior(decoder, 500, seed=2)
    assert decoder.calls == 1 and images.shape == (500, 4, 3, 1)
    np.testing.assert_array_equal(images, sample_prior(decoder, 500, seed=2))  # repeated call
    sums = images[:, 0, 0, 0]  # the counting decoder sums the 3 coordinates: N(0, 3)
    assert abs(sums.mean()) < 0.25 and abs(sums.var() - 3.0) < 0.5
