"""Checks for the autoencoder chapter: the shape after a stride-2 convolution."""

import math
import numbers

import keras

from course_utils import models
from course_utils.models import conv_output_shape
from course_utils.checks.core import _not_done, _call, _Hint, _kind, _need_callable, _run_check


def check_conv_output_shape(fn):
    """Check conv_output_shape(height, width, filters) against Keras' own layers."""
    success = ("matches Keras' Conv2D(filters, 3, strides=2, padding='same') on the encoder's "
               "three layers (32x32 → 16x16 → 8x8 → 4x4) and on odd and non-square sizes "
               "(7 → 4, 5x9 → 3x5).")
    return _run_check("conv_output_shape", _verify_conv_output_shape, fn, conv_output_shape,
                      success)


def _encoder_cases():
    """Return ((height, width, filters), true shape) for each stride-2 layer of the encoder."""
    encoder = models.build_encoder()
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    cases, height, width = [], *encoder.input_shape[1:3]
    for layer in convs:
        shape = tuple(layer.output.shape[1:])
        cases.append(((height, width, layer.filters), shape))
        height, width = shape[:2]
    return cases


def _keras_case(height, width, channels, filters):
    """Return ((height, width, filters), the shape a real stride-2 Conv2D gives that input)."""
    layer = keras.layers.Conv2D(filters, 3, strides=2, padding="same")
    shape = layer.compute_output_shape((None, height, width, channels))
    return (height, width, filters), tuple(int(s) for s in shape[1:])


def _cases():
    """Return the test cases: the encoder's layers first, then 28x28 inputs, odd and non-square."""
    return _encoder_cases() + [
        _keras_case(28, 28, 1, 32),   # Fashion-MNIST unpadded: 28 -> 14
        _keras_case(7, 7, 64, 128),   # odd: 7 -> 4, not 3
        _keras_case(5, 9, 3, 16),     # not square: height and width apart
        _keras_case(1, 1, 8, 8),      # the smallest map stays 1x1
    ]


def _verify_conv_output_shape(fn):
    """Raise a hint unless fn gives Keras' output shape for every case."""
    _need_callable(fn, "conv_output_shape")
    for args, expected in _cases():
        got = _call(f"conv_output_shape{args}", fn, *args)
        got = _as_shape(got, args)
        if got != expected:
            raise _Hint(_shape_mistake(args, got, expected))


def _as_shape(out, args):
    """Return the answer as a tuple of ints, or fail with a hint on what came back."""
    call = f"conv_output_shape{args}"
    if out is None:
        raise _not_done(f"{call} returned None")
    if isinstance(out, (str, bytes)) or not hasattr(out, "__len__"):
        raise _Hint(f"{call} returned {_kind(out)} ({out!r:.40}); return a tuple of three "
                    "numbers, (height, width, channels).")
    try:
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


def _shape_mistake(args, got, expected):
    """Return the hint for the likeliest mistake behind a wrong shape."""
    height, width, filters = args
    seen = f"conv_output_shape{args} returned {got}; the layer gives {expected}."
    if got == (expected[2], expected[0], expected[1]):
        return (f"{seen} Keras images are channels-last: return (height, width, channels), with "
                "the channels last.")
    if got == (height, width, filters):
        return (f"{seen} strides=2 moves the kernel two pixels at a time, so it halves height "
                "and width.")
    if got[2] != filters and got[:2] == expected[:2]:
        return (f"{seen} The output has one channel per filter: its depth is `filters`, "
                "whatever the input's depth.")
    if got == (height // 2, width // 2, filters):
        return (f"{seen} padding='same' pads the border so the kernel also starts at the last "
                "row when the size is odd: the size rounds up, ceil(size / 2), so 7 → 4, not 3.")
    if got == ((height - 3) // 2 + 1, (width - 3) // 2 + 1, filters):
        return (f"{seen} That is padding='valid' (no border: (size - 3) // 2 + 1). With "
                "padding='same' the kernel size does not matter: ceil(size / 2).")
    if got == (expected[1], expected[0], expected[2]):
        return f"{seen} Height and width are swapped: the first number is the height."
    return (f"{seen} A stride-2 'same' convolution gives (ceil(height / 2), ceil(width / 2), "
            "filters).")
