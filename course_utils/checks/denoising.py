"""Checks for chapter 7's denoising: the peak signal-to-noise ratio of a restored image."""

import numpy as np

from course_utils import reconstruction
from course_utils.checks.core import _check, _first_wrong, _Hint, _numbers, _show


def _mse(clean, restored, axes=(1, 2, 3)):
    return np.mean((np.float64(clean) - restored) ** 2, axis=axes)


# Wrong answers students write, as (what it computes, hint); checked in this order.
_PSNR_MISTAKES = [
    (lambda c, r: 10 * np.log10(1 / _mse(c, r, None)) * np.ones(len(c)),
     "You compute one PSNR over the whole batch; compute it per image: average the squared "
     "errors over each image's own pixels (axis=(1, 2, 3)), then take 10 log10(1 / MSE)."),
    (lambda c, r: 20 * np.log10(1 / np.maximum(_mse(c, r), 1e-12)),
     "The factor is 10 for a ratio of powers (the MSE is a squared error); 20 goes with a "
     "ratio of amplitudes, such as 1 / RMSE."),
    (lambda c, r: 10 * np.log(1 / np.maximum(_mse(c, r), 1e-12)),
     "Decibels use the base-10 logarithm: np.log10, not np.log."),
    (lambda c, r: 10 * np.log10(np.maximum(_mse(c, r), 1e-12)),
     "Your sign is flipped: PSNR is 10 log10(peak² / MSE) with peak 1, so a smaller error gives "
     "a larger PSNR."),
    (lambda c, r: 10 * np.log10(1 / np.maximum(np.mean(np.abs(np.float64(c) - r), axis=(1, 2, 3)),
                                               1e-12)),
     "You average absolute errors; PSNR uses the mean of the squared errors."),
]


def _same(got, expected):
    """Return whether two PSNR arrays agree to 1e-4 dB; values of 100 dB or more (a perfect
    restoration, capped or infinite) agree with each other."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    return got.shape == expected.shape and bool(np.all(
        (np.abs(got - expected) <= 1e-4) | (np.minimum(got, expected) >= 100)))


@_check("psnr", reconstruction.psnr, "matches the reference on 4 cases: one image with a known "
        "error, a batch of images each with its own error, a colour batch, and a perfect "
        "restoration.")
def check_psnr(fn):
    """Check psnr(clean, restored): each image's 10 log10(1 / MSE), as reconstruction.psnr."""
    rng = np.random.default_rng(3)
    flat = np.full((1, 4, 4, 1), 0.5, "float32")
    batch = rng.random((5, 8, 8, 1)).astype("float32")
    each = np.clip(batch + rng.normal(0, 1, (5, 1, 1, 1)) * 0.05 * rng.normal(size=batch.shape),
                   0, 1).astype("float32")
    colour = rng.random((3, 6, 6, 3)).astype("float32")
    coloured = np.clip(colour + rng.normal(0, 0.2, colour.shape), 0, 1).astype("float32")
    # (clean, restored) batches, the easiest first: flat + 0.1 is off by exactly 20 dB.
    cases = [(flat, flat + 0.1), (batch, each), (colour, coloured), (batch, batch.copy())]
    outs = []
    for clean, restored in cases:
        got = _numbers(f"psnr(clean, restored) on {len(clean)} images", fn, clean,
                       restored).reshape(-1)
        if got.size != len(clean):
            raise _Hint(f"For {len(clean)} images you return {got.size} numbers; return one PSNR "
                        "per image (average each image's squared errors over its pixels).")
        outs.append(got)
    if _first_wrong(outs[:3], cases[:3], reconstruction.psnr, _PSNR_MISTAKES, _same):
        raise _Hint(f"For an image whose every pixel is off by 0.1 (MSE 0.01) your PSNR is "
                    f"{_show(outs[0])} dB; it should be 20 dB: 10 log10(1 / MSE), with the MSE "
                    "averaged over each image's pixels.")
    if not (np.all(outs[3] >= 100) or np.all(np.isinf(outs[3]))):
        raise _Hint(f"A perfect restoration gives {_show(outs[3])} dB; with no error at all the "
                    "PSNR is very large (or infinite). Do not add anything to the MSE beyond a "
                    "tiny guard against dividing by 0, e.g. np.maximum(mse, 1e-12).")
