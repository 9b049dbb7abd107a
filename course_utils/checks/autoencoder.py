"""Checks for the autoencoder chapter: the lowest loss of a grey pixel, the shape after a stride-2
convolution, the window one code number sees (and with wider kernels)."""

import math
import numbers

import keras
import numpy as np

from course_utils import models
from course_utils.models import conv_output_shape
from course_utils.checks.core import (
    _call, _check, _failed, _Hint, _kind, _nearest, _not_done, _one_number, _predicted,
    _wrong_step,
)


def _cases():
    """Return ((height, width, filters), true shape) cases: the encoder's stride-2 layers first,
    then a Keras Conv2D's on other inputs."""
    encoder = models.build_encoder()
    cases, (height, width) = [], encoder.input_shape[1:3]
    for layer in encoder.layers:
        if isinstance(layer, keras.layers.Conv2D):
            shape = tuple(layer.output.shape[1:])
            cases.append(((height, width, layer.filters), shape))
            height, width = shape[:2]
    # Fashion-MNIST unpadded (28 → 14); odd (7 → 4, not 3); not square; the smallest map.
    for height, width, channels, filters in [(28, 28, 1, 32), (7, 7, 64, 128), (5, 9, 3, 16),
                                             (1, 1, 8, 8)]:
        layer = keras.layers.Conv2D(filters, 3, strides=2, padding="same")
        shape = layer.compute_output_shape((None, height, width, channels))
        cases.append(((height, width, filters), tuple(int(s) for s in shape[1:])))
    return cases


@_check("conv_output_shape", conv_output_shape, "matches Keras' Conv2D(filters, 3, strides=2, "
        "padding='same') on the encoder's three layers (32x32 → 16x16 → 8x8 → 4x4) and on odd "
        "and non-square sizes (7 → 4, 5x9 → 3x5).")
def check_conv_output_shape(fn):
    """Check conv_output_shape(height, width, filters) against Keras' own layers."""
    for args, expected in _cases():
        got = _as_shape(_call(f"conv_output_shape{args}", fn, *args), args)
        if got == expected:
            continue
        height, width, filters = args  # the likeliest mistake behind a wrong shape first
        seen = f"conv_output_shape{args} returned {got}; the layer gives {expected}."
        if got == (expected[2], expected[0], expected[1]):
            raise _Hint(f"{seen} Keras images are channels-last: return (height, width, "
                        "channels), with the channels last.")
        if got == (height, width, filters):
            raise _Hint(f"{seen} strides=2 moves the kernel two pixels at a time, so it halves "
                        "height and width.")
        if got[2] != filters and got[:2] == expected[:2]:
            raise _Hint(f"{seen} The output has one channel per filter: its depth is `filters`, "
                        "whatever the input's depth.")
        if got == (height // 2, width // 2, filters):
            raise _Hint(f"{seen} padding='same' pads the border so the kernel also starts at the "
                        "last row when the size is odd: the size rounds up, ceil(size / 2), so "
                        "7 → 4, not 3.")
        if got == ((height - 3) // 2 + 1, (width - 3) // 2 + 1, filters):
            raise _Hint(f"{seen} That is padding='valid' (no border: (size - 3) // 2 + 1). With "
                        "padding='same' the kernel size does not matter: ceil(size / 2).")
        if got == (expected[1], expected[0], expected[2]):
            raise _Hint(f"{seen} Height and width are swapped: the first number is the height.")
        raise _Hint(f"{seen} A stride-2 'same' convolution gives (ceil(height / 2), "
                    "ceil(width / 2), filters).")


def _as_shape(out, args):
    """Return the answer as a tuple of ints, or fail with a hint on what came back."""
    call = f"conv_output_shape{args}"
    if out is None:
        raise _not_done(f"{call} returned None")
    try:
        if isinstance(out, (str, bytes)) or not hasattr(out, "__len__"):
            raise TypeError
        out = tuple(out)
    except TypeError:
        raise _Hint(f"{call} returned {_kind(out)} ({out!r:.40}); return a tuple of three "
                    "numbers, (height, width, channels).") from None
    if len(out) == 2:
        raise _Hint(f"{call} returned {out}, two numbers; a feature map has three: "
                    "(height, width, channels), and the channels are the layer's filters.")
    if len(out) == 4 and out[0] is None:
        raise _Hint(f"{call} returned {out}; leave out the batch axis (None): return "
                    "(height, width, channels).")
    if len(out) != 3:
        raise _Hint(f"{call} returned {len(out)} numbers, {out}; return three: "
                    "(height, width, channels).")
    if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in out):
        raise _Hint(f"{call} returned {out}; every entry must be a number.")
    if not all(math.isfinite(v) for v in out) or any(v != int(v) for v in out):
        raise _Hint(f"{call} returned {out}: sizes are whole numbers of pixels. With "
                    "padding='same' a stride-2 layer rounds a half up: 7 → 4 (math.ceil, or "
                    "(size + 1) // 2).")
    return tuple(int(v) for v in out)


def receptive_field(layers):
    """Return the side, in input pixels, of the window one number of the last map depends on."""
    size, step = 1, 1  # the window, and how many input pixels one step of the map moves
    for layer in layers:
        size += (layer.kernel_size[0] - 1) * step
        step *= layer.strides[0]
    return size


def _encoder_convolutions():
    """Return the convolutions of the chapter's encoder, in order."""
    return [layer for layer in models.build_encoder().layers
            if isinstance(layer, keras.layers.Conv2D)]


def receptive_field_reference():
    """Return the window of the chapter's encoder, in pixels a side."""
    return receptive_field(_encoder_convolutions())


_WINDOW = receptive_field_reference()


@_check("receptive_field", _WINDOW, f"{_WINDOW}x{_WINDOW} pixels: each of the three layers "
        "widens the window by 2 steps of its input, and a step doubles at every layer "
        "(3, then 3 + 2·2 = 7, then 7 + 2·4 = 15).", callable_answer=False,
        reference_name=f"{_WINDOW} pixels")
def check_receptive_field(value):
    """Check a number: the side of the input window one number of the encoder's last map sees."""
    got = _one_number(value, "receptive_field", stub="receptive_field = None")
    if got == _WINDOW:
        return
    if got == _WINDOW**2:
        raise _Hint(f"{got:g} is the window's area in pixels; give its side, one number of "
                    "pixels across.")
    kernels = [layer.kernel_size[0] for layer in _encoder_convolutions()]
    after_two = receptive_field(_encoder_convolutions()[:2])
    _wrong_step(got, [
        (math.prod(kernels), "The kernel sizes do not multiply: each layer adds to the window, "
         "(kernel - 1) steps of its input, and one step of a map is as many input pixels as the "
         "strides before it multiply to."),
        (sum(kernels), "You added the kernels as if every layer looked at neighbouring pixels; "
         "but after a stride-2 layer, neighbours on the map are 2 input pixels apart, after two "
         "such layers 4."),
        (sum(kernels) - len(kernels) + 1, "You added (kernel - 1) per layer, right, but in "
         "steps of each layer's own input: convert them to input pixels, 1, 2, then 4 per step "
         f"(or, if you meant it, {after_two} is the window after two layers: add the third)."),
        (after_two, f"{after_two} is the window after the first two layers; add the third."),
        (2 ** len(kernels), "That is how far apart two neighbouring numbers of the last map sit "
         "in the image (the strides multiplied), not how wide a window each one sees."),
    ], tolerance=0)
    raise _Hint(f"{got:g} pixels is not the window. Work from the first layer: its window is 3 "
                "pixels; each next layer adds (3 - 1) steps of its input, and a step is 1 pixel "
                "for the first layer's input, 2 for the second's, 4 for the third's.")


WIDER_KERNELS_CHOICES = ("the same", "about 1.5 times as wide", "about twice as wide")


def check_wider_kernels(prediction, kernel, window, measured):
    """Compare the prediction with the window measured with kernel x kernel convolutions."""
    if kernel == 3:
        return _failed("✗ wider_kernels is not done yet. kernel is still 3: write your "
                       "prediction, set kernel = 5, then run the cells below.", "", None)
    if kernel != 5:
        return _failed(f"✗ wider_kernels is not right yet. kernel is {kernel}; the choices are "
                       "for 5x5 kernels: set kernel = 5.", "", None)
    outcome = _nearest(measured / window, dict(zip(WIDER_KERNELS_CHOICES, (1.0, 1.5, 2.0))))
    why = ("Each layer adds (kernel - 1) steps of its input to the window: with 5x5 kernels "
           "5 + 4·2 + 4·4 = 29 pixels against 3 + 2·2 + 2·4 = 15. The steps double at every "
           "layer whatever the kernel, so a wider kernel widens the window at every layer, and "
           "most at the last.")
    return _predicted("wider_kernels", prediction, WIDER_KERNELS_CHOICES, outcome,
                      f"the window is {measured} pixels against {window} with 3x3 kernels", why)


LEAST_LOSS_PIXEL = 0.8  # the grey pixel of the exercise


def least_loss_reference(x=LEAST_LOSS_PIXEL):
    """Return the smallest BCE of a pixel of value x: its entropy, in nats."""
    return float(-(x * np.log(x) + (1 - x) * np.log(1 - x)))


_LEAST = least_loss_reference()


@_check("least_loss", _LEAST, f"{_LEAST:.3f} nats, at x̂ = x = {LEAST_LOSS_PIXEL}: the BCE of a "
        "grey pixel is smallest when the decoder outputs the pixel itself, and that smallest "
        "value is the pixel's entropy, above 0.", callable_answer=False, used=False)
def check_least_loss(value):
    """Check a number: the smallest BCE of a pixel of value 0.8, in nats."""
    got = _one_number(value, "least_loss", stub="least_loss = None")
    if abs(got - _LEAST) <= 1e-3:
        return
    x = LEAST_LOSS_PIXEL
    _wrong_step(got, [
        (0.0, "A perfect output, x̂ = x, does not score 0 for a grey pixel: put x̂ = 0.8 into the "
         "BCE term and evaluate it."),
        (-(x * np.log2(x) + (1 - x) * np.log2(1 - x)), "That is in bits (log base 2); the loss "
         "uses natural logarithms: nats."),
        (-(x * np.log10(x) + (1 - x) * np.log10(1 - x)), "That uses log base 10; the loss uses "
         "natural logarithms."),
        (-x * np.log(x), "Only the first term: the pixel is 'on' with probability 0.8 and 'off' "
         "with 0.2, and the second term, -(1 - x) log(1 - x), counts the 'off' part."),
        (-(1 - x) * np.log(1 - x), "Only the second term: add -x log x̂ at x̂ = x too."),
        (x * np.log(x) + (1 - x) * np.log(1 - x), "The sign: the BCE has a minus in front, and "
         "log of a number below 1 is negative, so the loss is positive."),
    ], tolerance=1e-3)
    raise _Hint(f"{got:.4f} is not the smallest loss. Setting the derivative "
                "-x/x̂ + (1 - x)/(1 - x̂) to 0 gives x̂ = x; evaluate -(x log x + (1 - x) "
                "log(1 - x)) at x = 0.8.")
