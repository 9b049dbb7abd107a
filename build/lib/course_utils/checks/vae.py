"""Checks for the VAE chapter: new images sampled from the prior N(0, I)."""

import keras
import numpy as np
from scipy import stats

from course_utils import latent
from course_utils.checks.core import _as_numbers, _call, _Hint, _need_callable, _run_check, _show


def check_generate(fn):
    """Check generate(decoder, n, seed): n images from N(0, I) draws, in one call."""
    success = ("its latent points follow N(0, I) (mean 0, standard deviation 1, a Normal shape), "
               "the same seed gives the same images and another seed other ones, it reads the "
               "latent size from the decoder and decodes every point in one batched call.")
    return _run_check("generate", _verify_generate, fn, latent.sample_prior, success)


_IMAGE_SHAPE = (28, 28, 1)
_N = 4000  # draws per statistical test: 6 standard errors stay far below any wrong answer


class _EchoDecoder:
    """A decoder whose images carry their latent point in the first pixels; counts its calls.

    It behaves like a Keras decoder (call, predict, input_shape, ...), so the check can read back
    the exact points the student decoded, however the student called it.
    """

    def __init__(self, latent_dim):
        z = keras.Input((latent_dim,), name="z")
        pixels = int(np.prod(_IMAGE_SHAPE))
        kernel = np.eye(latent_dim, pixels, dtype="float32")  # pixel j = z[j], the rest 0
        dense = keras.layers.Dense(pixels, use_bias=False, trainable=False)
        image = keras.layers.Reshape(_IMAGE_SHAPE)(dense(z))
        dense.set_weights([kernel])
        self.model = keras.Model(z, image, name="decoder")
        self.latent_dim = latent_dim
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.model(*args, **kwargs)

    def predict(self, *args, **kwargs):
        self.calls += 1
        kwargs.setdefault("verbose", 0)  # no progress bar in the check's output
        return self.model.predict(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.model, name)


def _generate(fn, latent_dim, n, seed):
    """Return (images, latent points read back, decoder calls) of fn(decoder, n, seed)."""
    decoder = _EchoDecoder(latent_dim)
    out = _call(f"generate(decoder, {n}, seed={seed})", fn, decoder, n, seed=seed)
    images = _as_numbers(out, "generate")
    if images.shape == (n, latent_dim):
        raise _Hint(f"You return the latent points, shape {images.shape}; return the images the "
                    "decoder makes of them, shape (n, height, width, channels).")
    if images.shape != (n,) + _IMAGE_SHAPE:
        raise _Hint(f"generate(decoder, {n}, ...) returned shape {images.shape}; return the "
                    f"decoder's {n} images as they come out of it, here shape "
                    f"{(n,) + _IMAGE_SHAPE}.")
    return images, images.reshape(n, -1)[:, :latent_dim], decoder.calls


def _verify_generate(fn):
    """Raise a hint unless fn decodes seeded N(0, I) draws in one call."""
    _need_callable(fn, "generate")
    images, z, calls = _generate(fn, 2, _N, seed=0)
    if calls > 2:
        raise _Hint(f"Your function calls the decoder {calls:,} times for {_N:,} points: decode "
                    "them all in one batched call, decoder(z, training=False) on the (n, "
                    "latent_dim) array. One call per point is hundreds of times slower.")
    _check_prior(z)
    again, _, _ = _generate(fn, 2, _N, seed=0)
    if not np.array_equal(images, again):
        raise _Hint("Two calls with the same seed give different images: draw the points with a "
                    "generator made from the seed, rng = np.random.default_rng(seed), then "
                    "rng.standard_normal(...), not np.random.normal (the global state).")
    other, _, _ = _generate(fn, 2, _N, seed=1)
    if np.array_equal(images, other):
        raise _Hint("Seeds 0 and 1 give the same images: use the seed argument, "
                    "np.random.default_rng(seed), instead of a fixed seed.")
    try:
        _generate(fn, 3, 5, seed=0)
    except _Hint as hint:
        raise _Hint(f"With a decoder that takes 3 latent numbers: {hint} Read the latent size "
                    "from the decoder, decoder.input_shape[-1], instead of writing 2.") from None
    _generate(fn, 2, 1, seed=0)  # a single image works too


def _check_prior(z):
    """Fail with the likeliest mistake unless the rows of z are draws from N(0, I)."""
    if np.allclose(z, z[:1]):
        raise _Hint("Every image comes from the same latent point: draw n different points, "
                    "one row per image, shape (n, latent_dim).")
    if np.allclose(z[:, 0], z[:, 1]):
        raise _Hint("Both latent dimensions get the same numbers: draw the full shape "
                    "(n, latent_dim), not (n, 1).")
    mean, std = z.mean(axis=0), z.std(axis=0)
    if max(stats.kstest(z[:, j], "uniform", args=(z[:, j].min(), np.ptp(z[:, j]))).statistic
           for j in range(z.shape[1])) < 0.03:
        raise _Hint("Your points are spread uniformly: that is how chapter 1 sampled the "
                    "autoencoder's box. The VAE's prior is N(0, I): draw with "
                    "rng.standard_normal((n, latent_dim)).")
    if np.any(np.abs(std - 1.0) > 0.07):  # 6 standard errors of a std at _N draws
        raise _Hint(f"Your points have standard deviation {_show(std)} per latent dimension; "
                    "the prior N(0, I) has 1 in every dimension (rng.standard_normal, or "
                    "rng.normal(0.0, 1.0, ...) whose second argument is the standard deviation).")
    if np.any(np.abs(mean) > 6.0 / np.sqrt(len(z))):
        raise _Hint(f"Your points average {_show(mean)}; the prior N(0, I) is centred on 0.")
    if max(stats.kstest(z[:, j], "norm").statistic for j in range(z.shape[1])) > 0.045:
        raise _Hint("Your points have mean 0 and standard deviation 1 but are not Normal: draw "
                    "them with rng.standard_normal((n, latent_dim)).")
