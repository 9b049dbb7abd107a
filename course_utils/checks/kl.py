"""Checks of the KL divergence: chapter 3's gradient of the KL, chapter 4's KL term, Monte Carlo
(and its experiment with more draws), by hand, a bug hunt.

check_kl_divergence is also the chapter template's example exercise.
"""

import numpy as np
import tensorflow as tf
from keras import ops
from scipy import stats

from course_utils.checks.core import (
    _as_float, _as_numbers, _call, _Caveat, _check, _close, _describe, _failed, _first_wrong,
    _formula, _Hint, _kind, _not_done, _numbers, _predicted, _show,
)
from course_utils.kl import kl_closed_form, kl_normal, kl_sampled, kl_terms


def _kl_formula(m, lv, log_var=None, var=None, one=1.0, mean_sq=None):
    """Return -1/2 Σ (one + log σ² - μ² - σ²) per sample with the given pieces swapped in.

    Only for making wrong answers: with no piece swapped it is kl.kl_closed_form.
    """
    log_var = lv if log_var is None else log_var
    var = np.exp(lv) if var is None else var
    mean_sq = m**2 if mean_sq is None else mean_sq
    return np.sum(-0.5 * (one + log_var - mean_sq - var), axis=-1)


# Wrong answers students write, as (what it computes, hint); checked in this order.
_KL_MISTAKES = [
    (lambda m, lv: -_kl_formula(m, lv),
     "The sign is wrong: KL = -1/2 Σ (1 + log σ² - μ² - σ²), which is never negative."),
    (lambda m, lv: 2.0 * _kl_formula(m, lv),
     "Your values are twice the KL: the factor 1/2 in front of the sum is missing."),
    (lambda m, lv: _kl_formula(m, lv) / m.shape[-1],
     "You take the mean over the latent dimensions; the KL is their sum (ops.sum, axis=-1)."),
    (lambda m, lv: _kl_formula(m, lv, var=lv),
     "You used the log-variance as the variance: σ² is exp(z_log_var), not z_log_var."),
    (lambda m, lv: _kl_formula(m, lv, var=np.exp(0.5 * lv)),
     "You used the standard deviation exp(0.5 * z_log_var) as the variance: σ² = exp(z_log_var)."),
    (lambda m, lv: _kl_formula(m, lv, log_var=0.5 * lv, var=np.exp(0.5 * lv)),
     "You used log σ and σ where the formula has log σ² = z_log_var and σ² = exp(z_log_var)."),
    (lambda m, lv: _kl_formula(m, lv, one=0.0),
     "The 1 inside the sum is missing: at z_mean = 0, z_log_var = 0 the KL must be 0."),
    (lambda m, lv: _kl_formula(m, lv, mean_sq=m),
     "z_mean must be squared inside the sum (ops.square(z_mean))."),
    (lambda m, lv: _kl_formula(lv, m),
     "The arguments are swapped: the function is called as kl_divergence(z_mean, z_log_var)."),
]


@_check("kl_divergence", kl_closed_form, "matches the closed form on 4 batches, including q "
        "equal to the prior (KL = 0), a single latent dimension and a batch of one.")
def check_kl_divergence(fn):
    """Check kl_divergence(z_mean, z_log_var) against the closed form, then in a compiled graph."""
    rng = np.random.default_rng(0)
    cases = [(m.astype("float32"), v.astype("float32")) for m, v in [
        (rng.normal(size=(8, 4)), rng.uniform(-2.0, 1.5, size=(8, 4))),
        (np.zeros((3, 4)), np.zeros((3, 4))),  # q is the prior: KL = 0
        (np.array([[1.0], [0.0], [-2.0]]), np.array([[0.0], [1.0], [-3.0]])),  # one dimension
        (3.0 * rng.normal(size=(1, 6)), rng.uniform(-4.0, 3.0, size=(1, 6))),  # a batch of one
    ]]
    outs = []
    for m, lv in cases:
        outs.append(_numbers("kl_divergence(z_mean, z_log_var)", fn, m, lv))
        _check_kl_shape(outs[-1], m.shape)
    if not np.all(np.isfinite(np.concatenate(outs))):
        raise _Hint("Your values contain NaN or inf. z_log_var is already a logarithm (log σ²): "
                    "do not take its log, and use exp(z_log_var) for the variance.")
    if _first_wrong(outs, cases, kl_closed_form, _KL_MISTAKES, _close):
        m, lv = cases[2]  # one latent dimension: easy to follow by hand
        raise _Hint(f"Your values differ from the closed form. For z_mean = 0 and z_log_var = 0 "
                    f"the KL is 0, yours gives {_show(outs[1])}; for z_mean = {_show(m[:, 0])} "
                    f"and z_log_var = {_show(lv[:, 0])} (one dimension) it is "
                    f"{_show(kl_closed_form(m, lv))}, yours gives {_show(outs[2])}.")
    # Right values that fail inside model.fit's compiled step pass, with a caveat.
    m, lv = cases[0]
    spec = tf.TensorSpec((None, m.shape[1]), tf.float32)  # batch size unknown, as in fit
    try:
        out = tf.function(fn, input_signature=(spec, spec), autograph=False)(m, lv)
        ok = _close(np.asarray(out, dtype=np.float64), _as_float(kl_closed_form(m, lv)))
    except Exception as err:
        raise _Caveat("it does not run inside a compiled training step, where the inputs are "
                      "symbolic tensors of unknown batch size: write it with keras.ops instead "
                      f"of NumPy or Python loops. It raised {_describe(err)}") from None
    if not ok:
        raise _Caveat("inside a compiled training step it gives other values; write it with "
                      "keras.ops instead of NumPy or Python loops.")


def _check_kl_shape(out, shape):
    """Fail unless there is one value per sample: shape (batch,)."""
    batch, dims = shape
    if out.shape == (batch,):
        return
    if out.shape == (batch, dims) and dims > 1:
        raise _Hint(f"You return one value per latent dimension, shape {out.shape}; sum over the "
                    "last axis (axis=-1) to get one KL value per sample.")
    if out.shape == (batch, 1):
        raise _Hint(f"Your result has shape {out.shape}; return shape ({batch},), one value per "
                    "sample (no keepdims).")
    if out.size == 1 and batch > 1:
        raise _Hint("You return a single number for the whole batch; return one value per "
                    f"sample, shape ({batch},): sum over the latent axis only (axis=-1). The "
                    "training step averages over the batch itself.")
    raise _Hint(f"Your result has shape {out.shape}; it should be ({batch},), one KL value per "
                "sample.")


_MC_DRAWS = 40_000  # draws per case: standard errors small enough to tell the mistakes apart
_MC_CASES = [(stats.norm(1.0, 0.5), stats.norm()),  # (q, p): one dimension, the usual prior
             (stats.norm(-2.0, 2.0), stats.norm(0.5, 1.5)),  # a p that is not N(0, 1)
             (stats.multivariate_normal([0.5, -1.0], np.diag([0.3, 2.0])),
              stats.multivariate_normal(np.zeros(2)))]  # two dimensions


def _sampled(fn, q, p, n, seed):
    """Return the student's (estimate, standard error) as two floats, or fail with a hint."""
    out = _call(f"kl_sampled(q, p, {n}, seed={seed})", fn, q, p, n, seed=seed)
    if out is None:
        raise _not_done("kl_sampled returned None")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise _Hint("kl_sampled must return two numbers, (estimate, standard_error); it returned "
                    f"{_kind(out)}.")
    values = [_as_numbers(v, "kl_sampled") for v in out]
    if any(v.size != 1 for v in values):
        raise _Hint("kl_sampled must return two single numbers: the mean of the log-ratios and "
                    "its standard error, not one value per draw.")
    return tuple(float(v.reshape(())) for v in values)


def _gaussian_kl(q, p):
    """Return the exact KL(q || p) of two frozen scipy Gaussians with diagonal covariances."""
    def mean_std(dist):  # norm has mean() and std(); multivariate_normal has .mean and .cov
        if callable(dist.mean):
            return dist.mean(), dist.std()
        return dist.mean, np.sqrt(np.diag(dist.cov))

    return float(np.sum(kl_normal(*mean_std(q), *mean_std(p))))


@_check("kl_sampled", kl_sampled, f"on {len(_MC_CASES)} pairs of Gaussians its estimates lie "
        "within a few standard errors of the closed form, its standard errors match the spread "
        "of the draws over sqrt(n), q = p gives exactly (0, 0), and the seed makes it "
        "reproducible.")
def check_kl_sampled(fn):
    """Check kl_sampled(q, p, n_samples, seed): a Monte Carlo KL(q || p) and its standard error."""
    for q, p in _MC_CASES:
        estimate, stderr = _sampled(fn, q, p, _MC_DRAWS, seed=0)
        exact, reverse = _gaussian_kl(q, p), _gaussian_kl(p, q)
        _, reference_stderr = kl_sampled(q, p, _MC_DRAWS, seed=0)
        if abs(estimate + exact) < 5 * reference_stderr:
            raise _Hint("The estimate has the wrong sign: average log q(z) - log p(z), not "
                        "log p(z) - log q(z). A KL is never negative.")
        if abs(estimate - reverse) < 5 * reference_stderr < abs(exact - reverse):
            raise _Hint("Your estimate is KL(p || q): draw z from q (q.rvs), the distribution "
                        "the expectation is under, not from p.")
        if stderr <= 0 or not np.isfinite(stderr):
            raise _Hint(f"The standard error is {stderr:g}; it is the standard deviation of the "
                        "log-ratios divided by sqrt(n), positive unless q equals p.")
        ratio = stderr / reference_stderr
        if abs(ratio - np.sqrt(_MC_DRAWS)) < 0.1 * np.sqrt(_MC_DRAWS):
            raise _Hint("The standard error is the draws' standard deviation; divide it by "
                        "sqrt(n): the error of a mean shrinks with the number of draws.")
        variance_over_root = (reference_stderr * np.sqrt(_MC_DRAWS)) ** 2 / np.sqrt(_MC_DRAWS)
        if abs(stderr - variance_over_root) < 0.1 * variance_over_root:
            raise _Hint("The standard error looks like a variance over sqrt(n): take the standard "
                        "deviation (np.std) of the log-ratios, then divide by sqrt(n).")
        if not 0.8 < ratio < 1.25:
            raise _Hint(f"The standard error is {stderr:.4g}, where the spread of the log-ratios "
                        f"over sqrt(n) is about {reference_stderr:.4g}: return "
                        "log_ratio.std(ddof=1) / np.sqrt(n_samples).")
        if abs(estimate - exact) > 6 * reference_stderr:
            raise _Hint(f"The estimate is {estimate:.4f}, where KL(q || p) is {exact:.4f} (more "
                        "than 6 standard errors away): average log q(z) - log p(z) over draws "
                        "z from q, with q.logpdf and p.logpdf.")
    q, p = _MC_CASES[0]
    if _sampled(fn, q, p, 1000, seed=3) != _sampled(fn, q, p, 1000, seed=3):
        raise _Hint("Two calls with the same seed differ: draw with q.rvs(size=n_samples, "
                    "random_state=np.random.default_rng(seed)).")
    if _sampled(fn, q, p, 1000, seed=3) == _sampled(fn, q, p, 1000, seed=4):
        raise _Hint("Seeds 3 and 4 give the same estimate: use the seed argument for the draws.")
    same = _sampled(fn, stats.norm(0.3, 0.7), stats.norm(0.3, 0.7), 1000, seed=0)
    if any(abs(v) > 1e-12 for v in same):
        raise _Hint(f"With q equal to p every log-ratio is 0, so the answer is (0, 0); yours is "
                    f"{_show(same)}.")


# The encoder output the exercise gives: one image, four latent dimensions.
KL_BY_HAND_Z_MEAN = (0.8, -1.5, 0.1, 0.0)
KL_BY_HAND_Z_LOG_VAR = (-0.5, -2.0, 0.2, 0.0)
KL_BY_HAND_TOLERANCE = 1e-3  # the answer must be right to three decimals
_BY_HAND = np.array(KL_BY_HAND_Z_MEAN), np.array(KL_BY_HAND_Z_LOG_VAR)


def kl_by_hand_reference():
    """Return the KL of the by-hand exercise's encoder output, summed over its dims."""
    return float(kl_closed_form(*_BY_HAND))


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
_BY_HAND_KL = kl_by_hand_reference()


@_check("kl_by_hand", _BY_HAND_KL, f"KL = {_BY_HAND_KL:.3f} nats, right to "
        f"{KL_BY_HAND_TOLERANCE:g}.", callable_answer=False,
        reference_name=f"{__name__}.kl_by_hand_reference(), {_BY_HAND_KL:.4f},")
def check_kl_by_hand(value):
    """Check a number: the KL of the by-hand exercise's encoder output, to 3 decimals."""
    if value is None:
        raise _not_done("kl_by_hand is None", stub="kl_by_hand = None", answer="your number")
    if isinstance(value, (str, bytes)):
        raise _Hint(f"kl_by_hand is the text {value!r:.40}; give a number, without quotes.")
    got = _as_numbers(value, "Your answer")
    m, lv = _BY_HAND
    if got.size == len(m) and got.size > 1:
        per_dim = ops.convert_to_numpy(kl_terms(m, lv))
        hint = ("These are the four per-dimension terms: add them up for the KL of the image."
                if np.allclose(got.ravel(), per_dim, atol=KL_BY_HAND_TOLERANCE) else
                "Give one number, the KL summed over the four latent dimensions.")
        raise _Hint(f"You gave {got.size} numbers {_show(got)}. {hint}")
    if got.size != 1:
        raise _Hint(f"Give one number, the KL summed over the latent dimensions; you gave "
                    f"{got.size} numbers.")
    got = float(got.ravel()[0])
    if abs(got - _BY_HAND_KL) <= KL_BY_HAND_TOLERANCE:
        return
    for mistake, hint in _BY_HAND_MISTAKES:
        if abs(got - float(mistake(m, lv))) <= KL_BY_HAND_TOLERANCE:
            raise _Hint(hint)
    raise _Hint(f"{got:.4f} is not the KL. Compute 1/2 (μ² + σ² - 1 - log σ²) in each dimension, "
                "with σ² = exp(z_log_var) and log σ² = z_log_var, then add the four terms.")


@_check("kl_divergence", kl_closed_form, "both bugs are fixed: it matches the closed form on 4 "
        "batches, including q equal to the prior, and runs inside a compiled training step.")
def check_kl_bug_fix(fn):
    """Check the fixed kl_divergence of the spot-the-bug exercise: a hint if both bugs are in."""
    m = np.array([[1.0, -0.5, 2.0], [0.3, 0.0, -1.2]], dtype="float32")
    lv = np.array([[-1.0, 0.5, -2.0], [0.0, -0.7, 1.0]], dtype="float32")
    out = _numbers("kl_divergence(z_mean, z_log_var)", fn, m, lv)
    m, lv = m.astype("float64"), lv.astype("float64")
    buggy = _kl_formula(m, lv, var=lv) / m.shape[-1]  # a mean over dims, z_log_var as variance
    if out.shape == buggy.shape and np.allclose(out, buggy, rtol=1e-4, atol=1e-4):
        raise _Hint("It still gives the buggy function's values: both bugs are still in. Compare "
                    "each term with -1/2 Σ_j (1 + log σ_j² - μ_j² - σ_j²), where z_log_var "
                    "holds log σ², and look at how the dimensions are combined.")
    check_kl_divergence.__wrapped__(fn)  # one bug left, or another mistake: its hint names it


# --- Chapter 3: the gradient of one dimension's KL with respect to log σ² ------------------------

def kl_gradient_log_var(mu, log_var):
    """Return d KL / d log σ² of one dimension: 1/2 (σ² - 1), whatever μ."""
    return 0.5 * (np.exp(log_var) - 1.0) + 0.0 * mu


_GRADIENT_MISTAKES = [  # (what it computes, the step that went wrong)
    (lambda mu, lv: 0.5 * (1.0 - np.exp(lv)),
     "The sign is flipped: that is the gradient of -KL, the ELBO's term. The KL grows with σ² "
     "above 1, so its gradient is positive there."),
    (lambda mu, lv: 0.5 * np.exp(lv),
     "The derivative of -log σ² with respect to log σ² is -1, and it is missing."),
    (lambda mu, lv: np.exp(lv) - 1.0, "The factor 1/2 in front of the bracket is missing (or "
     "you differentiated with respect to log σ, not log σ² = 2 log σ)."),
    (lambda mu, lv: 0.5 * np.exp(lv) - 1.0,
     "The 1/2 multiplies the whole bracket, the -1 from -log σ² included: 1/2 (σ² - 1)."),
    (lambda mu, lv: 0.5 * (1.0 - np.exp(-lv)),
     "That is the derivative with respect to σ². The encoder outputs log σ², so the chain rule "
     "multiplies it by d σ² / d log σ² = σ²."),
    (lambda mu, lv: 0.5 * (np.exp(0.5 * lv) - 1.0),
     "σ² = exp(log_var); exp(log_var / 2) is σ, the standard deviation."),
    (lambda mu, lv: 0.5 * (np.exp(lv) - lv),
     "The bracket is differentiated only in part: d/d log σ² of σ² = exp(log σ²) is σ², of "
     "-log σ² it is -1, and μ² and -1 do not depend on log σ²."),
    (lambda mu, lv: 0.5 * (mu**2 + np.exp(lv) - 1.0 - lv),
     "That is the KL itself; differentiate it with respect to log σ²."),
    (lambda mu, lv: mu + 0.0 * lv, "That is the derivative with respect to μ, not log σ²."),
]
_GRID = np.meshgrid(np.linspace(-2.0, 2.0, 5), np.linspace(-3.0, 2.0, 11))


@_check("kl_gradient", kl_gradient_log_var, "d KL / d log σ² = 1/2 (σ² - 1), equal to a finite "
        "difference of the KL at 55 points. It is 0 at σ² = 1, positive above and negative "
        "below: the KL term pulls every σ² towards the prior's 1, whatever μ.",
        callable_answer=False, used=False)
def check_kl_gradient(formula):
    """Check a formula in mu and log_var: the derivative of one dimension's KL by log σ²."""
    fn = _formula(formula, "kl_gradient", ("mu", "log_var"), stub="kl_gradient = None")
    mu, lv = _GRID
    try:
        got = np.broadcast_to(fn(mu=mu, log_var=lv), mu.shape)
    except TypeError as err:
        if "not callable" in str(err):
            raise _Hint("Python read a number or a bracket followed by ( as a call: write * for "
                        "every product, 0.5 * (...).") from None
        raise _Hint(f"kl_gradient raised {_describe(err)} on numbers.") from None
    except Exception as err:
        raise _Hint(f"kl_gradient raised {_describe(err)} on numbers.") from None
    h = 1e-5  # a central difference of the KL itself, not of the formula above
    kl = lambda lv: 0.5 * (mu**2 + np.exp(lv) - 1.0 - lv)  # noqa: E731
    if np.allclose(got, (kl(lv + h) - kl(lv - h)) / (2 * h), rtol=1e-6, atol=1e-8):
        return
    for mistake, hint in _GRADIENT_MISTAKES:
        if np.allclose(got, mistake(mu, lv), rtol=1e-6, atol=1e-9):
            raise _Hint(hint)
    at = (0.5, -1.0)
    raise _Hint(f"At μ = {at[0]}, log σ² = {at[1]} your formula gives "
                f"{float(fn(mu=np.array(at[0]), log_var=np.array(at[1]))):.4f}, the derivative "
                f"is {kl_gradient_log_var(*at):.4f}. Write the KL of one dimension with σ² = "
                "exp(log σ²), 1/2 (μ² + exp(log σ²) - 1 - log σ²), and differentiate term by term.")


# --- Chapter 4: the Monte Carlo estimate with more draws, an experiment --------------------------

MORE_DRAWS_CHOICES = ("about the same", "about half", "about a quarter")


def check_more_draws(prediction, n_draws, n_more, log_spreads):
    """Compare the prediction with how much less the estimates spread with n_more draws.

    log_spreads is a :class:`course_utils.compare.Comparison` of the log of the repeated
    estimates' standard deviation, with n_more draws against n_draws: its difference is the log of
    the ratio of the spreads, read as the nearest choice.
    """
    if n_more == n_draws:
        return _failed("✗ more_draws is not done yet. n_more is still n_draws: write your "
                       "prediction, set n_more = 4 * n_draws, then run the cells below.", "", None)
    if n_more != 4 * n_draws:
        return _failed(f"✗ more_draws is not right yet. n_more is {n_more:,d}; the choices are "
                       f"for four times the draws: set n_more = 4 * n_draws ({4 * n_draws:,d}).",
                       "", None)
    ratio, low, high = np.exp([log_spreads.difference, log_spreads.low, log_spreads.high])
    targets = {"about the same": 1.0, "about half": 0.5, "about a quarter": 0.25}
    outcome = min(targets, key=lambda c: abs(np.log(ratio / targets[c])))
    measured = (f"with {n_more:,d} draws instead of {n_draws:,d} the estimates spread {ratio:.2f} "
                f"times as wide (95% interval {low:.2f} to {high:.2f})")
    why = ("An average of n independent draws spreads as σ / sqrt(n), so four times the draws "
           "give sqrt(1/4) = 0.5 times the spread: halving the error costs four times the work.")
    return _predicted("more_draws", prediction, MORE_DRAWS_CHOICES, outcome, measured, why)
