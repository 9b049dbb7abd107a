"""Checks for the autoencoder chapter: the shape after a stride-2 convolution."""

import math
import numbers

import keras

from course_utils import models
from course_utils.models import conv_output_shape
from course_utils.checks.core import _call, _check, _Hint, _kind, _not_done


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
