"""Checks for chapter 4's exercises: the univariate KL, a KL by hand, a buggy KL fixed."""

import numpy as np

from course_utils.checks.core import _as_numbers, _call, _Hint, _need_callable, _run_check, _show
from course_utils.checks.models import _kl_formula, _verify_kl
from course_utils.kl import kl_closed_form, kl_normal

# ---------------------------------------------------------------------------------------------
# Chapter 4: KL(N(mu, sigma^2) || N(0, 1)) from the mean and the standard deviation.

# (mu, sigma) test values: both signs of mu, sigma below and above 1, and q = p (KL = 0).
_UNIVARIATE_MU = np.array([0.0, 1.0, -2.0, 0.5, 3.0, 0.0, -0.7])
_UNIVARIATE_SIGMA = np.array([1.0, 1.0, 0.5, 2.0, 0.2, 0.1, 1.6])


def _kl_std(mu, sigma, var=None, log_var=None, one=1.0, mean_sq=None):
    """Return 1/2 (mean_sq + var - one - log_var), defaulting to the right terms."""
    var = sigma**2 if var is None else var
    log_var = np.log(sigma**2) if log_var is None else log_var
    mean_sq = mu**2 if mean_sq is None else mean_sq
    return 0.5 * (mean_sq + var - one - log_var)


# Wrong answers students write, as (what it computes, hint); checked in this order.
_UNIVARIATE_MISTAKES = [
    (lambda m, s: -_kl_std(m, s),
     "The sign is wrong: KL = 1/2 (μ² + σ² - 1 - log σ²), which is never negative."),
    (lambda m, s: 2.0 * _kl_std(m, s),
     "Your values are twice the KL: the factor 1/2 is missing."),
    (lambda m, s: _kl_std(m, s, var=s, log_var=np.log(s)),
     ("You used sigma as the variance: sigma is the standard deviation, so the variance is "
      "sigma**2 and log σ² = 2 log sigma.")),
    (lambda m, s: _kl_std(m, s, log_var=np.log(s)),
     "You used log sigma where the formula has log σ² = 2 * log(sigma)."),
    (lambda m, s: _kl_std(m, s, var=s),
     "You used sigma where the formula has the variance σ² = sigma**2."),
    (lambda m, s: _kl_std(m, s, var=np.exp(s), log_var=s),
     ("You treated sigma as a log-variance (σ² = exp(sigma)); here sigma is the standard "
      "deviation itself: σ² = sigma**2.")),
    (lambda m, s: _kl_std(m, s, one=0.0),
     "The -1 is missing: at mu = 0, sigma = 1 (q equal to p) the KL must be 0."),
    (lambda m, s: _kl_std(m, s, mean_sq=m),
     "mu must be squared (mu**2)."),
    (lambda m, s: _kl_std(m, s, mean_sq=np.abs(m)),
     "mu must be squared (mu**2), not taken as its absolute value."),
]


def check_kl_univariate(fn):
    """Check kl_univariate(mu, sigma) = KL(N(mu, sigma^2) || N(0, 1)) elementwise (chapter 4)."""
    success = (f"matches the closed form for {len(_UNIVARIATE_MU)} pairs (mu, sigma), including "
               "q equal to p (KL = 0), on arrays and on plain floats.")
    return _run_check("kl_univariate", _verify_kl_univariate, fn, kl_normal, success)


def _verify_kl_univariate(fn):
    """Raise a hint unless fn(mu, sigma) computes the KL elementwise, on arrays and floats."""
    _need_callable(fn, "kl_univariate")
    mu, sigma = _UNIVARIATE_MU, _UNIVARIATE_SIGMA
    out = _as_numbers(_call("kl_univariate(mu, sigma)", fn, mu.copy(), sigma.copy()),
                      "kl_univariate")
    if out.shape != mu.shape:
        what = ("a single number" if out.size == 1 else f"shape {out.shape}")
        raise _Hint(f"For arrays mu and sigma of shape {mu.shape} you return {what}; compute "
                    "elementwise, one KL value per pair (no sum or mean).")
    expected = kl_normal(mu, sigma)
    if not _close(out, expected):
        if not np.all(np.isfinite(out)):
            raise _Hint("Your values contain NaN or inf: use np.log (not math.log) and take the "
                        "log of sigma**2, which is positive.")
        for mistake, hint in _UNIVARIATE_MISTAKES:
            if _close(out, mistake(mu, sigma)):
                raise _Hint(hint)
        raise _Hint(f"Your values differ from 1/2 (μ² + σ² - 1 - log σ²). For mu = "
                    f"{_show(mu[:3])} and sigma = {_show(sigma[:3])} the KL is "
                    f"{_show(expected[:3])}; yours gives {_show(out[:3])}.")
    scalar = _as_numbers(_call("kl_univariate(1.0, 0.5)", fn, 1.0, 0.5), "kl_univariate")
    if scalar.size != 1 or not _close(scalar.reshape(()), kl_normal(1.0, 0.5)):
        raise _Hint(f"On plain floats, kl_univariate(1.0, 0.5) should be "
                    f"{float(kl_normal(1.0, 0.5)):.4f}; yours gives {_show(scalar)}. Use NumPy "
                    "functions (np.log), which work on floats and arrays alike.")


def _close(a, b):
    """Return whether two arrays of KL values agree to double accuracy (with some slack)."""
    return a.shape == np.shape(b) and np.allclose(a, b, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# Chapter 4: the KL of one encoder output, computed by hand.

# The encoder output the exercise gives: one image, four latent dimensions.
KL_BY_HAND_Z_MEAN = (0.8, -1.5, 0.1, 0.0)
KL_BY_HAND_Z_LOG_VAR = (-0.5, -2.0, 0.2, 0.0)
KL_BY_HAND_TOLERANCE = 1e-3  # the answer must be right to three decimals


def kl_by_hand_reference():
    """Return the KL of the by-hand exercise's encoder output, summed over its dims (ch. 4)."""
    m, lv = _by_hand_inputs()
    return float(_kl_formula(m, lv))


def _by_hand_inputs():
    """Return the exercise's z_mean and z_log_var as float64 arrays."""
    return np.array(KL_BY_HAND_Z_MEAN), np.array(KL_BY_HAND_Z_LOG_VAR)


_BY_HAND_MISTAKES = [
    (lambda m, lv: -_kl_formula(m, lv),
     ("The sign is wrong: the KL is never negative. The bracket (1 + log σ² - μ² - σ²) is at most "
      "0 in every dimension, and the -1/2 in front makes the sum positive.")),
    (lambda m, lv: _kl_formula(m, lv) / len(m),
     "You took the mean over the four latent dimensions; the KL of one image is their sum."),
    (lambda m, lv: _kl_formula(m, lv, var=lv),
     "You used z_log_var as the variance: σ² = exp(z_log_var)."),
    (lambda m, lv: _kl_formula(m, lv, var=np.exp(0.5 * lv)),
     "You used the standard deviation exp(z_log_var / 2) as the variance: σ² = exp(z_log_var)."),
    (lambda m, lv: 2.0 * _kl_formula(m, lv),
     "Your number is twice the KL: the factor 1/2 is missing."),
    (lambda m, lv: _kl_formula(m, lv, one=0.0),
     ("The 1 inside the bracket is missing: the last dimension (μ = 0, log σ² = 0) is exactly "
      "the prior and must add 0.")),
    (lambda m, lv: _kl_formula(m, lv, mean_sq=m),
     "μ must be squared in every dimension."),
]


class _Number(float):
    """A float that names where it comes from in a check's messages (which name functions)."""


def check_kl_by_hand(value):
    """Check a number: the KL of the by-hand exercise's encoder output, to 3 decimals (ch. 4)."""
    reference = _Number(kl_by_hand_reference())
    reference.__module__ = __name__
    reference.__qualname__ = f"kl_by_hand_reference(), {reference:.4f},"
    success = f"KL = {reference:.3f} nats, right to {KL_BY_HAND_TOLERANCE:g}."
    return _run_check("kl_by_hand", _verify_by_hand, value, reference, success)


def _verify_by_hand(value):
    """Raise a hint unless value is the by-hand KL within the tolerance."""
    if value is None:
        raise _Hint("kl_by_hand is None: the exercise is not filled in yet. Replace "
                    "`kl_by_hand = None` with your number.")
    if isinstance(value, (str, bytes)):
        raise _Hint(f"kl_by_hand is the text {value!r:.40}; give a number, without quotes.")
    got = _as_numbers(value, "Your answer")
    m, lv = _by_hand_inputs()
    if got.size == len(m) and got.size > 1:
        per_dim = -0.5 * (1.0 + lv - m**2 - np.exp(lv))
        hint = ("These are the four per-dimension terms: add them up for the KL of the image."
                if np.allclose(got.ravel(), per_dim, atol=KL_BY_HAND_TOLERANCE) else
                "Give one number, the KL summed over the four latent dimensions.")
        raise _Hint(f"You gave {got.size} numbers {_show(got)}. {hint}")
    if got.size != 1:
        raise _Hint(f"Give one number, the KL summed over the latent dimensions; you gave "
                    f"{got.size} numbers.")
    got = float(got.ravel()[0])
    if abs(got - kl_by_hand_reference()) <= KL_BY_HAND_TOLERANCE:
        return
    for mistake, hint in _BY_HAND_MISTAKES:
        if abs(got - float(mistake(m, lv))) <= KL_BY_HAND_TOLERANCE:
            raise _Hint(hint)
    raise _Hint(f"{got:.4f} is not the KL. Compute 1/2 (μ² + σ² - 1 - log σ²) in each dimension, "
                "with σ² = exp(z_log_var) and log σ² = z_log_var, then add the four terms.")


# ---------------------------------------------------------------------------------------------
# Chapter 4: spot the bugs in a KL term.


def _kl_buggy_values(m, lv):
    """Return what the exercise's buggy KL computes: a mean over dims, z_log_var as variance."""
    return _kl_formula(m, lv, var=lv) / m.shape[-1]


def check_kl_bug_fix(fn):
    """Check the fixed kl_divergence(z_mean, z_log_var) of the spot-the-bug exercise (ch. 4)."""
    success = ("both bugs are fixed: it matches the closed form on 4 batches, including q equal "
               "to the prior, and runs inside a compiled training step.")
    return _run_check("kl_divergence", _verify_bug_fix, fn, kl_closed_form, success)


def _verify_bug_fix(fn):
    """Raise a hint if fn still has both bugs, else run the chapter 3 KL check on it."""
    _need_callable(fn, "kl_divergence")
    m = np.array([[1.0, -0.5, 2.0], [0.3, 0.0, -1.2]], dtype="float32")
    lv = np.array([[-1.0, 0.5, -2.0], [0.0, -0.7, 1.0]], dtype="float32")
    out = _as_numbers(_call("kl_divergence(z_mean, z_log_var)", fn, m.copy(), lv.copy()),
                      "kl_divergence")
    buggy = _kl_buggy_values(m.astype("float64"), lv.astype("float64"))
    if out.shape == buggy.shape and np.allclose(out, buggy, rtol=1e-4, atol=1e-4):
        raise _Hint("It still gives the buggy function's values: both bugs are still in. Compare "
                    "each term with -1/2 Σ_j (1 + log σ_j² - μ_j² - σ_j²), where z_log_var "
                    "holds log σ², and look at how the dimensions are combined.")
    _verify_kl(fn)  # one bug left, or any other mistake: chapter 3's hints name it
