"""Chapter 3's checks: new images from N(0, I), the VAE's loss and training step, and the
experiment that decodes a draw instead of the centre."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops
from scipy import stats

from course_utils import latent, models
from course_utils.checks.core import (
    _as_numbers, _call, _check, _close, _failed, _Hint, _kind, _not_done, _numbers,
    _predicted, _show, _word,
)
from course_utils.kl import kl_closed_form

_IMAGE_SHAPE = (28, 28, 1)
_N = 4000  # draws per statistical test: 6 standard errors stay far below any wrong answer


class _EchoDecoder:
    """A decoder whose images carry their latent point in the first pixels; counts its calls.

    It behaves like a Keras decoder (call, predict, input_shape, ...), so the check can read back
    the exact points the student decoded, however the student called it.
    """

    def __init__(self, latent_dim):
        z = keras.Input((latent_dim,), name="z")
        dense = keras.layers.Dense(int(np.prod(_IMAGE_SHAPE)), use_bias=False, trainable=False)
        self.model = keras.Model(z, keras.layers.Reshape(_IMAGE_SHAPE)(dense(z)), name="decoder")
        dense.set_weights([np.eye(latent_dim, dense.units, dtype="float32")])  # pixel j = z[j]
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
    images = _numbers(f"generate(decoder, {n}, seed={seed})", fn, decoder, n, seed=seed)
    if images.shape == (n, latent_dim):
        raise _Hint(f"You return the latent points, shape {images.shape}; return the images the "
                    "decoder makes of them, shape (n, height, width, channels).")
    if images.shape != (n,) + _IMAGE_SHAPE:
        raise _Hint(f"generate(decoder, {n}, ...) returned shape {images.shape}; return the "
                    f"decoder's {n} images as they come out of it, here shape "
                    f"{(n,) + _IMAGE_SHAPE}.")
    return images, images.reshape(n, -1)[:, :latent_dim], decoder.calls


@_check("generate", latent.sample_prior, "its latent points follow N(0, I) (mean 0, standard "
        "deviation 1, a Normal shape), the same seed gives the same images and another seed "
        "other ones, it reads the latent size from the decoder and decodes every point in one "
        "batched call.")
def check_generate(fn):
    """Check generate(decoder, n, seed): n images from N(0, I) draws, in one call."""
    images, z, calls = _generate(fn, 2, _N, seed=0)
    if calls > 2:
        raise _Hint(f"Your function calls the decoder {calls:,} times for {_N:,} points: decode "
                    "them all in one batched call, decoder(z, training=False) on the (n, "
                    "latent_dim) array. One call per point is hundreds of times slower.")
    # The rows of z must be draws from N(0, I): the likeliest mistake first.
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
    if not np.array_equal(images, _generate(fn, 2, _N, seed=0)[0]):
        raise _Hint("Two calls with the same seed give different images: draw the points with a "
                    "generator made from the seed, rng = np.random.default_rng(seed), then "
                    "rng.standard_normal(...), not np.random.normal (the global state).")
    if np.array_equal(images, _generate(fn, 2, _N, seed=1)[0]):
        raise _Hint("Seeds 0 and 1 give the same images: use the seed argument, "
                    "np.random.default_rng(seed), instead of a fixed seed.")
    try:
        _generate(fn, 3, 5, seed=0)
    except _Hint as hint:
        raise _Hint(f"With a decoder that takes 3 latent numbers: {hint} Read the latent size "
                    "from the decoder, decoder.input_shape[-1], instead of writing 2.") from None
    _generate(fn, 2, 1, seed=0)  # a single image works too


_SIDE = 4  # the check's images are 4x4x1: small enough to compute every number by hand
_BATCH = 6
_BETA = 2.5  # not 1, so that a missing or misplaced beta shows


def _tiny_vae(vae_class, seed=11):
    """Return (the class's VAE, its encoder, its decoder): tiny networks, seeded; z is the
    encoder's third head, not z_mean, so a loss that decodes z_mean instead of the draw shows."""
    keras.utils.set_random_seed(seed)
    images = keras.Input((_SIDE, _SIDE, 1))
    flat = keras.layers.Flatten()(images)
    heads = [keras.layers.Dense(2, name=name)(flat) for name in ("z_mean", "z_log_var", "z")]
    encoder = keras.Model(images, heads, name="encoder")
    z = keras.Input((2,))
    pixels = keras.layers.Dense(_SIDE * _SIDE, activation="sigmoid")(z)
    decoder = keras.Model(z, keras.layers.Reshape((_SIDE, _SIDE, 1))(pixels), name="decoder")
    model = _call(f"VAE(encoder, decoder, beta={_BETA})", vae_class, encoder, decoder, beta=_BETA)
    return model, encoder, decoder


@_check("VAE", models.VAE, "each image's loss is its summed cross-entropy plus beta times its "
        "KL, computed on a draw z, and train_step takes one gradient step on the batch's mean "
        "loss.")
def check_vae_model(vae_class):
    """Check a VAE class: its per-image losses and its training step on a tiny model."""
    if not (isinstance(vae_class, type) and issubclass(vae_class, keras.Model)):
        raise _Hint(f"VAE should be a class that subclasses keras.Model; it is "
                    f"{_kind(vae_class)}. Pass the class itself, not an instance.")
    images = np.random.default_rng(3).random((_BATCH, _SIDE, _SIDE, 1)).astype("float32")
    model, encoder, decoder = _tiny_vae(vae_class)
    # (reconstruction, KL, total) per image, in float64, computed without the model.
    z_mean, z_log_var, z = (np.asarray(ops.convert_to_numpy(t), np.float64)
                            for t in encoder(images))
    decoded = np.asarray(ops.convert_to_numpy(decoder(z.astype("float32"))), np.float64)
    decoded = np.clip(decoded, 1e-7, 1 - 1e-7)
    bce = -(images * np.log(decoded) + (1 - images) * np.log(1 - decoded))
    reconstruction = bce.sum(axis=(1, 2, 3))
    kl = ops.convert_to_numpy(kl_closed_form(z_mean, z_log_var))
    expected = reconstruction, kl, reconstruction + _BETA * kl
    # reconstruction_loss must be the summed cross-entropy per image.
    out = _numbers("reconstruction_loss(images, reconstructions)", model.reconstruction_loss,
                   images, decoder(encoder(images)[2]))
    if out.shape != reconstruction.shape:
        raise _Hint(f"reconstruction_loss returned shape {out.shape} for a batch of {_BATCH} "
                    f"images; return one value per image, shape ({_BATCH},): sum the pixels' "
                    "cross-entropies over axes (1, 2, 3).")
    if np.allclose(out, reconstruction / _SIDE**2, rtol=1e-4):
        raise _Hint("reconstruction_loss averages the pixels' cross-entropies: sum them, as the "
                    "ELBO does (an image's log-likelihood is the sum of its pixels'). A mean "
                    "divides the reconstruction by the number of pixels, which is like a beta "
                    "that many times larger.")
    if not _close(out, reconstruction):
        raise _Hint(f"reconstruction_loss gives {_show(out[:3])} for the first images, where "
                    f"the summed binary cross-entropy is {_show(reconstruction[:3])}: "
                    "ops.sum(ops.binary_crossentropy(images, reconstructions), axis=(1, 2, 3)).")
    _check_losses(model, encoder, decoder, images, expected)
    _check_train_step(vae_class, images)


def _check_losses(model, encoder, decoder, images, expected):
    """Fail with a hint unless per_image_losses gives (reconstruction, KL, total) per image."""
    out = _call("per_image_losses(images)", model.per_image_losses, images)
    if out is None or (isinstance(out, (tuple, list)) and all(t is None for t in out)):
        raise _not_done("per_image_losses returned None",
                        stub="reconstruction = kl = total = None  # your code here")
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise _Hint("per_image_losses must return three things, (reconstruction, kl, total), "
                    "each with one value per image.")
    names = ("reconstruction", "kl", "total")
    got = [_as_numbers(t, f"per_image_losses' {name}") for t, name in zip(out, names)]
    for value, name in zip(got, names):
        if value.shape != (_BATCH,):
            raise _Hint(f"per_image_losses' {name} has shape {value.shape} for a batch of "
                        f"{_BATCH}; give one value per image, shape ({_BATCH},). Sum over the "
                        "pixels and over the latent dimensions, never over the batch.")
    reconstruction, kl, total = got
    if not _close(reconstruction, expected[0]):
        mean_decoded = decoder(encoder(images)[0])
        if _close(reconstruction,
                  ops.convert_to_numpy(model.reconstruction_loss(images, mean_decoded))):
            raise _Hint("The reconstruction decodes z_mean; decode the draw z, the encoder's "
                        "third output. Training on draws is what fills the space between codes.")
        raise _Hint("per_image_losses' reconstruction differs from reconstruction_loss(images, "
                    "decoder(z)): compute it with self.reconstruction_loss on the decoded draw.")
    if not _close(kl, expected[1]):
        raise _Hint(f"per_image_losses' kl gives {_show(kl[:3])}, where KL(q(z | x) || N(0, I)) "
                    f"is {_show(expected[1][:3])}: kl_closed_form(z_mean, z_log_var).")
    if _close(total, expected[0] + expected[1]):
        raise _Hint("The total ignores beta: it is reconstruction + self.beta * kl.")
    if _close(total, _BETA * expected[0] + expected[1]):
        raise _Hint("beta weighs the reconstruction in your total; it weighs the KL: "
                    "reconstruction + self.beta * kl.")
    if not _close(total, expected[2]):
        raise _Hint(f"The total gives {_show(total[:3])}, where reconstruction + beta * kl is "
                    f"{_show(expected[2][:3])}.")


def _check_train_step(vae_class, images):
    """Fail with a hint unless one train_step moves the weights as the mean loss's step does."""
    steps = []
    for cls in (vae_class, models.VAE):
        model = _tiny_vae(cls)[0]
        model.compile(optimizer=keras.optimizers.SGD(0.05))
        before = [w.numpy().copy() for w in model.trainable_weights]
        logs = _call("train_step(images)", model.train_step, tf.constant(images))
        steps.append(([w.numpy() - b for w, b in zip(model.trainable_weights, before)], logs))
    (moved, logs), (expected, _) = steps
    if all(np.all(m == 0) for m in moved):
        if not logs:
            raise _not_done("train_step left the weights unchanged and returned nothing",
                            stub="return {}  # your code here")
        raise _Hint("train_step left the weights unchanged: compute the gradients of the loss "
                    "with the tape and apply them, self.optimizer.apply_gradients(zip(gradients, "
                    "self.trainable_weights)).")
    ratio = np.sqrt(sum(np.sum(m**2) for m in moved)) / np.sqrt(sum(np.sum(e**2) for e in expected))
    if abs(ratio - _BATCH) < 0.05 * _BATCH:
        raise _Hint(f"Your step is {_BATCH} times too large: the loss is the sum over the batch. "
                    "Take the batch's mean, ops.mean(total), so that the step does not grow with "
                    "the batch size.")
    if not all(np.allclose(m, e, rtol=1e-3, atol=1e-6) for m, e in zip(moved, expected)):
        raise _Hint(f"One train_step moves the weights {ratio:.2f} times as far as a step on the "
                    "batch's mean total loss, ops.mean(total), does, or in another direction. "
                    "Differentiate the mean of per_image_losses' total under the tape.")
    if not isinstance(logs, dict) or "total_loss" not in logs:
        raise _Hint("train_step must return the running means, a dict with total_loss, "
                    "reconstruction_loss and kl_loss: return self.track(reconstruction, kl, "
                    "total).")


CENTRE_OR_DRAW_CHOICES = ("higher", "no clear difference", "lower")


def check_centre_or_draw(prediction, decode_from, errors):
    """Compare the prediction with the reconstruction error of decoded draws against centres.

    errors is a paired :class:`course_utils.compare.Comparison` of each test image's
    reconstruction loss: decoded from one draw z of q(z | x), against from its centre μ(x).
    """
    if decode_from != "draw":
        return _failed(f"✗ centre_or_draw is not done yet. decode_from is {decode_from!r}: write "
                       "your prediction, set decode_from = \"draw\", then run the cells below.",
                       "", None)
    outcome = _word(errors, CENTRE_OR_DRAW_CHOICES)
    measured = (f"decoded from a draw, an image's reconstruction loss is {errors.a:.1f} nats on "
                f"average, from its centre {errors.b:.1f} (difference {errors:.3g})")
    why = ("A draw lies off the centre by about σ in each dimension, towards codes of similar but "
           "other images, so its picture fits the image less well. Training sees only draws, "
           "which is why the decoder must be smooth around each centre; to reconstruct, decode "
           "the centre μ(x).")
    return _predicted("centre_or_draw", prediction, CENTRE_OR_DRAW_CHOICES, outcome, measured,
                      why)
