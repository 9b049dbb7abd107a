"""Chapter 4's exercise checks: right answers pass, typical mistakes get their hint, none raise."""

import numpy as np
import pytest
from keras import ops

from course_utils import checks
from course_utils.checks.kl import KL_BY_HAND_TOLERANCE, kl_by_hand_reference
from course_utils.kl import kl_closed_form, kl_normal, kl_per_dimension


# --- The univariate closed form ---------------------------------------------------------------


def kl_univariate_log(mu, sigma):
    """Right, written differently: log sigma instead of log sigma^2."""
    return np.log(1.0 / sigma) + (sigma**2 + mu**2) / 2 - 0.5


def test_univariate_right_answers_pass(run):
    for answer in (kl_normal, kl_univariate_log):
        result, out = run(checks.check_kl_univariate, answer)
        assert result is answer and out.startswith("✓"), out


def std_kl(mu, sigma, var=None, log_var=None, one=1.0, mean_sq=None):
    var = sigma**2 if var is None else var
    log_var = 2 * np.log(sigma) if log_var is None else log_var
    mean_sq = mu**2 if mean_sq is None else mean_sq
    return 0.5 * (mean_sq + var - one - log_var)


UNIVARIATE_MISTAKES = {
    "wrong sign": (lambda m, s: -std_kl(m, s), "sign is wrong"),
    "missing 1/2": (lambda m, s: 2 * std_kl(m, s), "factor 1/2"),
    "sigma as variance": (lambda m, s: std_kl(m, s, var=s, log_var=np.log(s)),
                          "sigma as the variance"),
    "log sigma": (lambda m, s: std_kl(m, s, log_var=np.log(s)), "2 * log(sigma)"),
    "sigma for sigma^2": (lambda m, s: std_kl(m, s, var=s), "sigma**2"),
    "sigma as log-variance": (lambda m, s: std_kl(m, s, var=np.exp(s), log_var=s),
                              "log-variance"),
    "missing -1": (lambda m, s: std_kl(m, s, one=0.0), "The -1 is missing"),
    "mu not squared": (lambda m, s: std_kl(m, s, mean_sq=m), "mu must be squared"),
    "abs mu": (lambda m, s: std_kl(m, s, mean_sq=np.abs(m)), "absolute value"),
    "summed": (lambda m, s: np.sum(std_kl(m, s)), "single number"),
    "math.log": (lambda m, s: 0.5 * (m**2 + s**2 - 1 - __import__("math").log(s**2)),
                 "raised TypeError"),
    "NaN": (lambda m, s: std_kl(m, s) + np.where(s < 0.5, np.nan, 0.0), "NaN or inf"),
    "floats only wrong": (lambda m, s: std_kl(np.atleast_1d(m), np.atleast_1d(s)) + 0.0
                          if np.ndim(m) else 0.0, "plain floats"),
    "something else": (lambda m, s: std_kl(m, s) + 0.1, "Your values differ"),
}


@pytest.mark.parametrize("mistake", UNIVARIATE_MISTAKES)
def test_univariate_mistakes_get_their_hint(mistake, run):
    answer, hint = UNIVARIATE_MISTAKES[mistake]
    result, out = run(checks.check_kl_univariate, answer)
    assert result is kl_normal
    assert out.startswith("✗") and hint in out, out


def test_univariate_mistakes_are_told_apart():
    mu = np.array([0.0, 1.0, -2.0, 0.5, 3.0, 0.0, -0.7])
    sigma = np.array([1.0, 1.0, 0.5, 2.0, 0.2, 0.1, 1.6])
    values = [f(mu, sigma) for f, _ in list(UNIVARIATE_MISTAKES.values())[:9]]
    values.append(kl_normal(mu, sigma))
    for i, a in enumerate(values):
        for b in values[i + 1:]:
            assert not np.allclose(a, b, rtol=1e-6, atol=1e-8)


# --- The KL of one encoder output by hand -----------------------------------------------------


M, LV = np.array(checks.KL_BY_HAND_Z_MEAN), np.array(checks.KL_BY_HAND_Z_LOG_VAR)
TERMS = -0.5 * (1 + LV - M**2 - np.exp(LV))


def test_by_hand_reference_is_the_sum_of_the_terms():
    assert kl_by_hand_reference() == pytest.approx(TERMS.sum(), abs=1e-12)
    assert kl_by_hand_reference() == pytest.approx(float(kl_closed_form(M, LV)), abs=1e-12)


@pytest.mark.parametrize("answer", [TERMS.sum(), round(TERMS.sum(), 3), np.float32(TERMS.sum()),
                                    np.array(TERMS.sum()), np.array([TERMS.sum()])])
def test_by_hand_right_answers_pass(answer, run):
    result, out = run(checks.check_kl_by_hand, answer)
    assert result is answer and out.startswith("✓"), out


def bracket(var=None, log_var=None, one=1.0, mean_sq=None):
    var = np.exp(LV) if var is None else var
    log_var = LV if log_var is None else log_var
    mean_sq = M**2 if mean_sq is None else mean_sq
    return -0.5 * np.sum(one + log_var - mean_sq - var)


BY_HAND_MISTAKES = {
    "None": (None, "not done yet"),
    "text": ("2.08", "give a number, without quotes"),
    "wrong sign": (-TERMS.sum(), "sign is wrong"),
    "mean over dims": (TERMS.mean(), "mean over the four latent dimensions"),
    "log-variance as variance": (bracket(var=LV), "z_log_var as the variance"),
    "std as variance": (bracket(var=np.exp(0.5 * LV)), "standard deviation"),
    "missing 1/2": (2 * TERMS.sum(), "factor 1/2"),
    "missing 1": (bracket(one=0.0), "The 1 inside the bracket"),
    "mean not squared": (bracket(mean_sq=M), "squared"),
    "the four terms": (TERMS, "add them up"),
    "four other numbers": (TERMS + 1, "Give one number"),
    "two numbers": ([1.0, 2.0], "you gave 2 numbers"),
    "off": (TERMS.sum() + 0.01, "is not the KL"),
}


@pytest.mark.parametrize("mistake", BY_HAND_MISTAKES)
def test_by_hand_mistakes_get_their_hint(mistake, run):
    answer, hint = BY_HAND_MISTAKES[mistake]
    result, out = run(checks.check_kl_by_hand, answer)
    assert result == pytest.approx(kl_by_hand_reference())
    assert out.startswith("✗") and hint in out, out


def test_by_hand_mistakes_are_told_apart():
    values = [v for k, (v, _) in BY_HAND_MISTAKES.items() if np.ndim(v) == 0 and k not in
              ("None", "text", "off")] + [TERMS.sum()]
    gaps = np.abs(np.subtract.outer(values, values))[np.triu_indices(len(values), 1)]
    assert gaps.min() > 2 * KL_BY_HAND_TOLERANCE


# --- Spot the bugs ----------------------------------------------------------------------------


def kl_buggy(z_mean, z_log_var):
    """The exercise's buggy function: a mean over dims, z_log_var used as the variance."""
    return -0.5 * ops.mean(1.0 + z_log_var - ops.square(z_mean) - z_log_var, axis=-1)


def test_bug_fix_right_answer_passes(run):
    result, out = run(checks.check_kl_bug_fix, kl_closed_form)
    assert result is kl_closed_form and out.startswith("✓") and "both bugs" in out, out


BUG_FIX_MISTAKES = {
    "unchanged": (kl_buggy, "both bugs are still in"),
    "only the variance fixed": (
        lambda m, lv: -0.5 * ops.mean(1.0 + lv - ops.square(m) - ops.exp(lv), axis=-1),
        "mean over the latent dimensions"),
    "only the mean fixed": (
        lambda m, lv: -0.5 * ops.sum(1.0 + lv - ops.square(m) - lv, axis=-1),
        "log-variance as the variance"),
    "new bug: sign": (lambda m, lv: 0.5 * ops.sum(1.0 + lv - ops.square(m) - ops.exp(lv), axis=-1),
                      "sign is wrong"),
    "sum over everything": (
        lambda m, lv: -0.5 * ops.sum(1.0 + lv - ops.square(m) - ops.exp(lv)), "single number"),
}


@pytest.mark.parametrize("mistake", BUG_FIX_MISTAKES)
def test_bug_fix_mistakes_get_their_hint(mistake, run):
    answer, hint = BUG_FIX_MISTAKES[mistake]
    result, out = run(checks.check_kl_bug_fix, answer)
    assert result is kl_closed_form
    assert out.startswith("✗") and hint in out, out


# --- chapter 5: the KL of each latent dimension ---------------------------------------------------


def kl_per_dimension_ops(z_mean, z_log_var):
    return ops.mean(-0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)), axis=0)


@pytest.mark.parametrize("answer", [kl_per_dimension, kl_per_dimension_ops])
def test_kl_per_dimension_right_answers_pass(answer, run):
    result, out = run(checks.check_kl_per_dimension, answer)
    assert result is answer and out.startswith("✓"), out


def kl_terms(m, lv):
    return -0.5 * (1 + lv - m**2 - np.exp(lv))


PER_DIMENSION_MISTAKES = [
    (lambda m, lv: kl_terms(m, lv).sum(axis=0), "average them instead"),
    (lambda m, lv: kl_terms(m, lv).sum(axis=1), "one value per face"),
    (lambda m, lv: kl_terms(m, lv), "every face's value"),
    (lambda m, lv: -kl_terms(m, lv).mean(axis=0), "sign is wrong"),
    (lambda m, lv: (-0.5 * (1 + lv - m**2 - lv)).mean(axis=0), "log-variance as the variance"),
    (lambda m, lv: kl_terms(m, lv).mean(axis=0) + 0.1,
     "average -1/2 (1 + log σ² - μ² - σ²) over the faces"),
    (lambda m, lv: None, "not done yet"),
]


@pytest.mark.parametrize("answer, hint", PER_DIMENSION_MISTAKES,
                         ids=[h[:24] for _, h in PER_DIMENSION_MISTAKES])
def test_kl_per_dimension_mistakes_get_their_hint(answer, hint, run):
    result, out = run(checks.check_kl_per_dimension, answer)
    assert result is kl_per_dimension
    assert out.startswith("✗") and hint in out, out
