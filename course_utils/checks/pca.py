"""Checks for chapter 7's linear baseline: PCA's error by hand, and PCA fitted to few images."""

import numpy as np

from course_utils.checks.core import (
    _check, _failed, _Hint, _one_number, _predicted, _wrong_step,
)

# The exercise's data: n centred images, and the singular values of their matrix.
PCA_BY_HAND_N = 100
PCA_BY_HAND_SINGULAR_VALUES = (30.0, 20.0, 10.0, 5.0, 2.0, 1.0)
PCA_BY_HAND_K = 2


def pca_error_by_hand_reference():
    """Return the exercise's answer: PCA's mean squared error per image, (1/n) Σ_{j>k} σ_j²."""
    s = np.array(PCA_BY_HAND_SINGULAR_VALUES)
    return float((s[PCA_BY_HAND_K:] ** 2).sum() / PCA_BY_HAND_N)


_PCA_ERROR = pca_error_by_hand_reference()


@_check("pca_error", _PCA_ERROR, f"{_PCA_ERROR:.2f}: the squared singular values PCA leaves out, "
        "summed, over the number of images.", callable_answer=False, used=False)
def check_pca_error(value):
    """Check a number: PCA's mean squared error per image on the by-hand exercise's images."""
    got = _one_number(value, "pca_error", stub="pca_error = None")
    if abs(got - _PCA_ERROR) <= 1e-3:
        return
    s, n, k = np.array(PCA_BY_HAND_SINGULAR_VALUES), PCA_BY_HAND_N, PCA_BY_HAND_K
    _wrong_step(got, [
        ((s[:k] ** 2).sum() / n, "You summed the components PCA keeps; the error is what it "
         f"leaves out: the squared singular values after the first {k}."),
        (s[k:].sum() / n, "Square the singular values: σ_j² is the squared length of the data "
         "along component j, which is what the error adds up."),
        ((s[k:] ** 2).sum(), "That is the error summed over all the images; divide by their "
         f"number, n = {n}, for the error per image."),
        ((s[k - 1:] ** 2).sum() / n, f"Off by one: with k = {k} components kept, the error "
         f"starts at σ_{k + 1}, the {k + 1}rd singular value."),
        ((s[k:] ** 2).sum() / n / len(s), "You also divided by the number of values per image; "
         "the question asks for the error per image, summed over its values."),
        (np.sqrt((s[k:] ** 2).sum() / n), "No square root: the error is a sum of squares."),
        ((s[k:] ** 2).sum() / (n - 1), "Divide by n, not n - 1: the error per image is an average "
         "over the n images, not an estimate of a variance."),
    ], tolerance=1e-3)
    raise _Hint(f"{got:.4g} is not the error. By Eckart-Young the summed squared error is "
                f"Σ_(j>k) σ_j²: add the squares of the singular values after the first {k}, "
                f"then divide by n = {n}.")


FEW_IMAGES_CHOICES = ("higher", "no clear difference", "lower")


def check_few_images(prediction, n_few, n_all, held_out):
    """Compare the prediction with PCA's held-out error when fitted to n_few images, not n_all.

    held_out is a paired :class:`course_utils.compare.Comparison` of the held-out images'
    squared errors: PCA fitted to n_few images against PCA fitted to all of them.
    """
    if n_few >= n_all:
        return _failed(f"✗ few_images is not done yet. n_few is {n_few:,d}, all the images: "
                       "write your prediction, set n_few = 50, then run the cells below.", "",
                       None)
    outcome = held_out.word if held_out.clear else "no clear difference"
    measured = (f"fitted to {n_few:,d} images instead of {n_all:,d}, its squared error per "
                f"held-out image is {held_out.a:.2f} against {held_out.b:.2f} (difference "
                f"{held_out:.3g})")
    why = ("PCA picks the directions of most variance of the images it sees. With few images "
           "those directions fit their quirks, so on the images it was fitted to its error falls "
           "(Eckart-Young: no subspace does better on them), and on new images it rises: a linear "
           "autoencoder overfits as a deep one does, when the data are few for the code's size.")
    return _predicted("few_images", prediction, FEW_IMAGES_CHOICES, outcome, measured, why)
