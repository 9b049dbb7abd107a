"""Checks for the models' pieces: the Sampling layer (chapter 3), the decoder (chapter 1)."""

import keras
import numpy as np
import tensorflow as tf

from course_utils import models
from course_utils.checks.core import (
    _call, _Caveat, _check, _describe, _Hint, _kind, _not_done, _numbers, _show,
)

_DRAWS = 20_000  # rows per statistical test: 6 standard errors stay far below any wrong answer
_SAMPLING_CASES = [  # (z_mean, z_log_var) per latent dimension; no z_log_var is 0,
    # so that no wrong variance below coincides with the right one
    ([1.0, -2.0, 0.5], [1.0, -1.5, 0.5]),
    ([-3.0, 0.0, 2.0], [2.0, -0.5, -3.0]),
]
_FULL_SHAPE = "draw eps with the full shape of z_mean, keras.random.normal(ops.shape(z_mean))."


@_check("Sampling", models.Sampling, "its samples have mean z_mean and variance exp(z_log_var), "
        "fresh noise on every call, gradients reach z_mean and z_log_var, and it works inside a "
        "model.")
def check_sampling(layer_class):
    """Check a Sampling layer class: shape, mean, variance, noise and gradients."""
    if layer_class is models.Sampling:
        raise _Caveat("this is the course's Sampling, which the last failed check put in place of "
                      "yours: run the cell with your class, then this one again.")
    if isinstance(layer_class, keras.layers.Layer):
        raise _Hint("Pass the class itself (Sampling), not an instance (Sampling()).")
    if not (isinstance(layer_class, type) and issubclass(layer_class, keras.layers.Layer)):
        raise _Hint("Sampling should be a class that subclasses keras.layers.Layer; it is "
                    f"{_kind(layer_class)}.")
    try:
        layer = layer_class(seed=1234)
    except Exception:  # no seed argument: the plain constructor is the student's design
        layer = _call("Sampling()", layer_class)
    for mean, log_var in _SAMPLING_CASES:
        _check_sampling_statistics(layer, np.array(mean), np.array(log_var))
    # Gradients must flow from the samples back to z_mean and z_log_var.
    mean, log_var = (tf.constant(np.full((16, 3), v, "float32")) for v in (0.5, -1.0))
    with tf.GradientTape() as tape:
        tape.watch([mean, log_var])
        out = _call("Calling your layer under tf.GradientTape", layer, [mean, log_var])
        total = _call("Summing your layer's output", tf.reduce_sum, out)
    grads = tape.gradient(total, [mean, log_var])
    for name, grad in zip(("z_mean", "z_log_var"), grads):
        if grad is None or not np.any(np.asarray(grad)):
            raise _Hint(f"No gradient reaches {name}, so the encoder could not learn: compute z "
                        "with keras.ops (not NumPy) from z_mean and z_log_var; only eps is "
                        "random. That is the reparameterization trick.")
    # The layer must work on symbolic inputs of unknown batch size, as in a model.
    inputs = [keras.Input((3,)), keras.Input((3,))]
    spec = tf.TensorSpec((None, 3), tf.float32)
    try:
        z = layer(inputs)
        keras.Model(inputs, z)
        tf.function(lambda a, b: layer([a, b]), input_signature=(spec, spec), autograph=False)(
            np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32"))
    except Exception as err:
        raise _Hint("Your layer works on arrays but not inside a model, where the batch size is "
                    "unknown (None): take shapes with ops.shape(z_mean), not z_mean.shape, and "
                    "draw noise with keras.random.normal, not NumPy. It raised "
                    f"{_describe(err)}.") from None
    if tuple(z.shape) != (None, 3):
        raise _Hint(f"Inside a model your layer outputs shape {tuple(z.shape)}; it must keep "
                    "z_mean's shape (None, latent_dim).")


def _draw(layer, mean, log_var):
    """Return the layer's output on _DRAWS rows of the same z_mean and z_log_var, as numbers."""
    rows = [np.tile(np.asarray(v, "float32"), (_DRAWS, 1)) for v in (mean, log_var)]
    out = _numbers("Calling your layer on [z_mean, z_log_var]", layer, rows,
                   what="Your layer's call")
    if out.shape != rows[0].shape:
        raise _Hint(f"The output has shape {out.shape}; it must have the shape of z_mean, "
                    f"{rows[0].shape} here (batch, latent_dim).")
    return out


# Variances that wrong answers produce, as (variance from z_log_var, hint); checked in order.
_SAMPLING_MISTAKES = [
    (lambda lv: np.ones_like(lv),
     "Your samples have variance 1 whatever z_log_var is: scale eps by the standard deviation, "
     "z = z_mean + exp(0.5 * z_log_var) * eps."),
    (lambda lv: np.exp(2.0 * lv),
     "You scaled eps by exp(z_log_var), which is the variance σ², not the standard deviation: "
     "use σ = exp(0.5 * z_log_var)."),
    (lambda lv: lv**2,
     "You scaled eps by z_log_var itself; it is log σ², so σ = exp(0.5 * z_log_var)."),
    (lambda lv: 0.25 * np.exp(2.0 * lv),
     "You wrote 0.5 * exp(z_log_var); the 1/2 belongs inside the exponential: "
     "exp(0.5 * z_log_var)."),
    (lambda lv: np.exp(0.5 * lv),
     "You scaled eps by the square root of σ (exp(0.25 * z_log_var), or sqrt of the standard "
     "deviation); σ = exp(0.5 * z_log_var)."),
]


def _check_sampling_statistics(layer, mean, log_var):
    """Fail with the likeliest mistake unless samples are N(z_mean, exp(z_log_var))."""
    out = _draw(layer, mean, log_var)
    if np.allclose(out, _draw(layer, mean, log_var)):
        raise _Hint("Your layer returns the same output on every call: it needs fresh noise eps ~ "
                    "N(0, 1) each time, e.g. keras.random.normal(ops.shape(z_mean), "
                    "seed=self.seed_generator) with a keras.random.SeedGenerator made in "
                    "__init__ (a fixed number as seed draws the same eps every call).")
    sample_mean, sample_var = out.mean(axis=0), out.var(axis=0)
    if np.all(sample_var < 1e-12):
        raise _Hint(f"Every row of the batch gets the same noise: {_FULL_SHAPE}")
    if np.all(np.abs(sample_mean) < 0.05) and np.all(np.abs(sample_var - 1.0) < 0.06):
        raise _Hint("Your layer returns the noise eps alone: shift and scale it, "
                    "z = z_mean + exp(0.5 * z_log_var) * eps.")
    if not np.all(np.abs(sample_var / np.exp(log_var) - 1.0) < 0.06):  # 6 standard errors
        for variance, hint in _SAMPLING_MISTAKES:
            if np.all(np.abs(sample_var / variance(log_var) - 1.0) < 0.06):
                raise _Hint(hint)
        raise _Hint(f"For z_log_var = {_show(log_var)} your samples have variance "
                    f"{_show(sample_var)}; it should be exp(z_log_var) = "
                    f"{_show(np.exp(log_var))}. Scale eps by σ = exp(0.5 * z_log_var).")
    if np.any(np.abs(sample_mean - mean) > 6.0 * np.sqrt(sample_var / _DRAWS) + 1e-6):
        raise _Hint(f"For z_mean = {_show(mean)} your samples average {_show(sample_mean)}: they "
                    "should average z_mean, z = z_mean + exp(0.5 * z_log_var) * eps.")
    eps = (out - out.mean(axis=0)) / out.std(axis=0)
    if np.any(np.abs(eps.T @ eps / len(eps) - np.eye(len(mean))) > 0.05):  # 7 standard errors
        raise _Hint(f"The latent dimensions share the same noise: {_FULL_SHAPE}")


_DECODER_SHAPES = [(4, 4, 128), (8, 8, 128), (16, 16, 64), (32, 32, 32), (32, 32, 1)]
_DECODER_PARAMS = 246_273  # Dense 6,144 + Conv2DTranspose 147,584 + 73,792 + 18,464 + Conv2D 289


@_check("build_decoder", models.build_decoder, "a Model from (None, 2) to (None, 32, 32, 1) "
        "through 4x4x128 → 8x8x128 → 16x16x64 → 32x32x32 → 32x32x1, sigmoid pixels in [0, 1] and "
        f"{_DECODER_PARAMS:,} parameters, like the reference; with the course's weights it draws "
        "the course's images, for these defaults, MNIST's 28x28 digits and a 16x16 colour image.")
def check_decoder(fn):
    """Check build_decoder(latent_dim, output_shape, filters) against the course's, for 3 shapes."""
    model = _build(fn, 2)
    _check_decoder_shapes(model)
    # The last activation must be a sigmoid, and the pixels stay in [0, 1].
    hint = ("the last layer needs a sigmoid so every pixel is in [0, 1] like the images: "
            "layers.Conv2D(output_shape[-1], 3, padding='same', activation='sigmoid').")
    last = None  # the last activation's name; a no-op Activation layer defers to the one before
    for layer in reversed(model.layers):
        name = getattr(getattr(layer, "activation", None), "__name__", None)
        if name and not (name == "linear" and isinstance(layer, keras.layers.Activation)):
            last = name
            break
    if last not in (None, "linear") and "sigmoid" not in last:  # linear: the range test tells
        raise _Hint(f"Your last activation is {last}: {hint}")
    z = np.random.default_rng(0).normal(size=(32, 2)).astype("float32") * 3.0
    pixels = _numbers("Running your decoder", model, z, training=False, what="Your decoder")
    if not (np.all(np.isfinite(pixels)) and pixels.min() >= 0.0 and pixels.max() <= 1.0):
        raise _Hint(f"Your pixels range from {pixels.min():.3g} to {pixels.max():.3g}: {hint}")
    count = model.count_params()
    if count != _DECODER_PARAMS:
        raise _Hint(f"Your decoder has {count:,} parameters, the reference {_DECODER_PARAMS:,} = "
                    "Dense 6,144 (2 → 2048) + Conv2DTranspose 147,584 + 73,792 + 18,464 + "
                    "Conv2D 289: use kernel_size=3 everywhere, one Dense layer and no extra "
                    "layers.")
    if _input_shape(_build(fn, 5)) != (None, 5):
        raise _Hint("build_decoder(latent_dim=5) does not take 5 numbers: use the latent_dim "
                    "argument in keras.Input(shape=(latent_dim,)) instead of a fixed 2.")
    for case in _DECODER_CASES:
        _check_same_function(fn, *case)


# The defaults, chapter 3's MNIST digits, a small colour image.
_DECODER_CASES = [(2, (32, 32, 1), (32, 64, 128)), (2, (28, 28, 1), (32, 64)),
                  (3, (16, 16, 3), (8, 16))]


def _check_same_function(fn, latent_dim, output_shape, filters):
    """Fail unless fn's decoder, given the reference's weights, decodes as the reference does."""
    call = f"build_decoder({latent_dim}, {output_shape}, {filters})"
    try:
        model = _call(call, fn, latent_dim=latent_dim, output_shape=output_shape, filters=filters)
    except _Hint as hint:
        if "TypeError" in str(hint):
            raise _Hint(f"{hint}: give build_decoder the parameters latent_dim, output_shape and "
                        "filters, as the exercise writes them.") from None
        raise
    reference = models.build_decoder(latent_dim, output_shape, filters)
    if not isinstance(model, keras.Model) or tuple(model.output_shape) != (None, *output_shape):
        raise _Hint(f"{call} must output images of shape {(None, *output_shape)}: compute the "
                    "first map from the arguments, (height // 2**len(filters), width // "
                    "2**len(filters), filters[-1]), and end with output_shape[-1] channels.")
    if [w.shape for w in model.get_weights()] != [w.shape for w in reference.get_weights()]:
        raise _Hint(f"{call} has {model.count_params():,} parameters, the course's "
                    f"{reference.count_params():,}: one Dense, one Conv2DTranspose per entry of "
                    "filters in reverse order, one Conv2D, all with kernel_size=3.")
    model.set_weights(reference.get_weights())
    z = np.random.default_rng(1).normal(size=(8, latent_dim)).astype("float32")
    if not np.allclose(_numbers(call, model, z, training=False, what="Your decoder"),
                       np.asarray(reference(z, training=False)), atol=1e-5):
        raise _Hint(f"With the course's weights, {call} draws other images: no activation on "
                    "the Dense layer, relu on every Conv2DTranspose, sigmoid on the last Conv2D.")


def _build(fn, latent_dim):
    """Return the student's model for latent_dim, or fail with a hint on what came back."""
    try:
        model = _call(f"build_decoder(latent_dim={latent_dim})", fn, latent_dim=latent_dim)
    except _Hint as hint:
        if "TypeError" in str(hint) and "missing" in str(hint):
            raise _Hint(f"{hint}. Give output_shape and filters the defaults the exercise "
                        "writes, (32, 32, 1) and (32, 64, 128).") from None
        if "TypeError" in str(hint) and "latent_dim" in str(hint):
            raise _Hint(f"{hint}. The check calls build_decoder(latent_dim=...): give your "
                        "function a latent_dim parameter.") from None
        raise
    if model is None:
        raise _not_done("build_decoder returned None")
    if not isinstance(model, keras.Model):
        raise _Hint(f"build_decoder returned {_kind(model)}; return a keras.Model, e.g. "
                    "keras.Model(latent_inputs, outputs, name='decoder').")
    _input_shape(model)
    return model


def _input_shape(model):
    """Return the model's one input shape, or fail with a hint."""
    try:
        (tensor,) = model.inputs
    except Exception:
        raise _Hint("Your model has no single input yet: start it with "
                    "keras.Input(shape=(latent_dim,)).") from None
    return tuple(tensor.shape)


def _hwc(shape):
    """Return an image shape as 'HxWxC'."""
    return "x".join(map(str, shape))


def _check_decoder_shapes(model):
    """Fail with the likeliest mistake unless the shapes mirror the encoder's."""
    shapes = []  # the layers' 3-D output shapes in order, repeats merged
    try:
        for layer in model.layers:
            shape = tuple(layer.output.shape)[1:]
            if len(shape) == 3 and (not shapes or shapes[-1] != shape):
                shapes.append(shape)
    except Exception:  # a layer used twice has no single output: skip this diagnosis
        shapes = []
    got_in, got_out = _input_shape(model), tuple(model.output_shape)
    if got_in != (None, 2):
        raise _Hint(f"Your input has shape {got_in}; the decoder takes a latent code, "
                    "keras.Input(shape=(latent_dim,)), shape (None, 2).")
    if shapes and shapes[0] != (4, 4, 128):
        raise _Hint(f"Your first image-shaped output is {_hwc(shapes[0])}: after the Dense layer, "
                    "reshape to the encoder's last map, (height // 2**len(filters), width // "
                    "2**len(filters), filters[-1]): 4x4x128 here, 4 * 4 * 128 = 2048 units.")
    if len(got_out) != 4:
        raise _Hint(f"Your output has shape {got_out}; the decoder must output images of shape "
                    "(None, 32, 32, 1): end with a Conv2D, not a Dense or Flatten layer.")
    size = got_out[1:3]
    if size[0] in (4, 8, 16):
        raise _Hint(f"Your output is {size[0]}x{size[1]}: each "
                    "layers.Conv2DTranspose(n, 3, strides=2, padding='same') doubles the "
                    "size, 4 → 8 → 16 → 32: one per entry of filters (three here), each with "
                    "strides=2.")
    if size[0] > 32 and size[0] & (size[0] - 1) == 0:
        raise _Hint(f"Your output is {size[0]}x{size[1]}: one doubling too many; three "
                    "Conv2DTranspose layers with strides=2 take 4x4 to 32x32.")
    if size != (32, 32):
        raise _Hint(f"Your output is {size[0]}x{size[1]}, not 32x32: use padding='same' in "
                    "every Conv2DTranspose and Conv2D so that strides=2 exactly doubles the size.")
    if got_out[3] != 1:
        raise _Hint(f"Your output has {got_out[3]} channels: the last layer needs the image's "
                    "channels, 1 here, and a sigmoid: layers.Conv2D(output_shape[-1], 3, "
                    "padding='same', activation='sigmoid').")
    if shapes and shapes != _DECODER_SHAPES:
        order = ("; mirror the encoder: reversed(filters), (128, 64, 32) here"
                 if [s[2] for s in shapes[1:4]] == [32, 64, 128] else "")
        raise _Hint(f"The shapes through your decoder are {' → '.join(map(_hwc, shapes))}; the "
                    f"encoder's mirror is {' → '.join(map(_hwc, _DECODER_SHAPES))}{order}.")
