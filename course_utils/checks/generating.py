"""Chapter 8's checks: the conditional decoder's input, swapping a label, the MIG by hand, a
traversal."""

import keras
import numpy as np
from keras import ops

from course_utils.compare import compare
from course_utils.checks.core import (
    _call, _check, _describe, _failed, _Hint, _not_done, _one_number, _predicted, _word,
    _wrong_step,
)


def conditional_decoder_input(z, labels):
    """Return the code and the one-hot label side by side: the conditional decoder's input."""
    return keras.layers.Concatenate()([z, labels])


@_check("decoder_input", conditional_decoder_input, "the decoder sees the code and the label "
        "side by side, (batch, latent_dim + n_classes), and its output changes with the label.")
def check_decoder_input(fn):
    """Check decoder_input(z, labels) in a small conditional decoder built from it."""
    z_in, label_in = keras.Input(shape=(2,)), keras.Input(shape=(10,))
    try:
        joined = fn(z_in, label_in)
    except Exception as err:
        raise _Hint(f"decoder_input(z, labels) raised {_describe(err)} on Keras inputs.") from None
    if joined is None:
        raise _not_done("decoder_input returned None")
    shape = tuple(joined.shape[1:])
    if shape == (2,) or shape == (10,):
        raise _Hint(f"decoder_input returned shape {shape}: only one of the two inputs. Put both "
                    "side by side, e.g. layers.Concatenate()([z, labels]).")
    if shape == (2, 10) or shape == (10, 2) or len(shape) != 1:
        raise _Hint(f"decoder_input returned shape {shape}; return one row of 12 numbers per "
                    "image: concatenate along the last axis, not an outer product or a stack.")
    if shape != (12,):
        raise _Hint(f"decoder_input returned shape {shape}; the code (2) and the label (10) "
                    "side by side make 12.")
    decoder = keras.Model([z_in, label_in], keras.layers.Dense(4, name="out")(joined))
    z = np.zeros((10, 2), "float32")
    out = ops.convert_to_numpy(decoder([z, np.eye(10, dtype="float32")]))
    if np.allclose(out, out[:1]):
        raise _Hint("For one code the output is the same under every label: the label does not "
                    "reach the decoder.")


# The exercise's table: what four latent dimensions know about one yes/no factor, in nats.
MIG_BY_HAND_INFORMATION = (0.30, 0.05, 0.20, 0.00)
MIG_BY_HAND_SHARE = 0.5  # the factor's share p: its entropy is ln 2
_INFO = np.array(MIG_BY_HAND_INFORMATION)
_H = float(np.log(2))
_GAP = float((np.sort(_INFO)[-1] - np.sort(_INFO)[-2]) / _H)


@_check("mig_by_hand", _GAP, f"{_GAP:.3f}: the best dimension (0.30 nats) minus the runner-up "
        "(0.20), over the factor's entropy ln 2.", callable_answer=False, used=False)
def check_mig_by_hand(value):
    """Check a number: the gap of the exercise's factor, to 3 decimals."""
    got = _one_number(value, "mig_by_hand", stub="mig_by_hand = None")
    if abs(got - _GAP) <= 1e-3:
        return
    _wrong_step(got, [
        ((0.30 - 0.05) / _H, "0.05 is the next dimension in order, not the runner-up: subtract the "
         "second largest information, 0.20."),
        (0.30 - 0.20, "Divide the gap by the factor's entropy, H(0.5) = ln 2 = 0.693 nats."),
        (0.30 / _H, "Subtract the runner-up's information first: the gap is between the best two "
         "dimensions."),
        ((0.30 - 0.20) / 1.0, "In bits H(0.5) is 1, but the table is in nats: divide by ln 2."),
        ((0.30 - 0.20) / np.sum(_INFO), "Divide by the factor's entropy, not by the total "
         "information of the dimensions."),
    ], tolerance=1e-3)
    raise _Hint(f"{got:.4f} is not the gap. Sort the four numbers, take the largest minus the "
                "second largest, and divide by H(0.5) = ln 2.")


SWAP_CHOICES = ("the new label", "no clear difference", "the old class")


def check_swap_label(prediction, old, new, reads_new, reads_old):
    """Compare the prediction with where codes decoded under another label land.

    reads_new and reads_old are 0/1 arrays, one per decoded image: whether it is nearer the new
    label's average image, and whether nearer the old class's.
    """
    if new == old:
        return _failed(f"✗ swap_label is not done yet. new_class is still {old!r}: write your "
                       "prediction, set new_class = \"Sneaker\", then run the cells below.", "",
                       None)
    c = compare(np.asarray(reads_new, float), np.asarray(reads_old, float), paired=True)
    outcome = _word(c, SWAP_CHOICES)
    measured = (f"{c.a:.0%} of the decoded images lie nearer the average {new} than the average "
                f"{old}, {c.b:.0%} nearer the average {old} (difference {c:.2f})")
    why = ("The decoder was always told the class, so it learned to take the class from the "
           "label and the rest from the code; the KL term charges for every nat the code "
           "carries, so the code holds little class of its own. Given a new label, the decoder "
           "draws the trouser's style as that class.")
    return _predicted("swap_label", prediction, SWAP_CHOICES, outcome, measured, why)


def traversal_reference(dimension, steps, latent_dim):
    """Return codes that move one dimension through steps, every other dimension at 0."""
    codes = np.zeros((len(steps), latent_dim), dtype="float32")
    codes[:, dimension] = steps
    return codes


@_check("traversal", traversal_reference, "one row per step, the chosen dimension through the "
        "steps and every other at 0.")
def check_traversal(fn):
    """Check traversal(dimension, steps, latent_dim) on several dimensions and sizes."""
    for dimension, steps, latent_dim in ((0, [-1.0, 0.0, 1.0], 4), (4, [-2.0, 2.0], 5),
                                         (7, np.linspace(-2, 2, 7), 200)):
        out = _call(f"traversal({dimension}, steps, {latent_dim})", fn, dimension,
                    np.asarray(steps, "float32"), latent_dim)
        if out is None:
            raise _not_done(f"traversal({dimension}, steps, {latent_dim}) returned None")
        got = np.asarray(ops.convert_to_numpy(out))
        want = traversal_reference(dimension, steps, latent_dim)
        if got.shape != want.shape and got.shape == want.T.shape:
            raise _Hint(f"traversal returned shape {got.shape}: one row per step, "
                        f"(len(steps), latent_dim) = {want.shape}.")
        if got.shape != want.shape:
            raise _Hint(f"traversal({dimension}, steps, {latent_dim}) returned shape "
                        f"{got.shape}; want (len(steps), latent_dim) = {want.shape}.")
        if np.allclose(got[:, dimension], 0) and not np.allclose(got, 0):
            raise _Hint("The steps landed in another dimension: put them in column `dimension`.")
        if not np.allclose(got, want):
            raise _Hint(f"For dimension {dimension} the codes should be 0 everywhere but column "
                        f"{dimension}, which takes the steps in order.")
