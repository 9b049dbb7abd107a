"""Chapter 4's exercise checks: right answers pass, typical mistakes get their hint, none raise."""

import numpy as np
import pytest
from keras import ops

from course_utils import checks
from course_utils.checks.kl import KL_BY_HAND_TOLERANCE, kl_by_hand_reference
from course_utils.kl import kl_closed_form, kl_sampled


# --- The Monte Carlo estimate with its standard error ----------------------------------------


def kl_sampled_loop(q, p, n_samples, seed=0):
    """Right, written differently: the standard error from the variance, by hand."""
    z = q.rvs(size=n_samples, random_state=np.random.default_rng(seed))
    r = np.asarray(q.logpdf(z)) - np.asarray(p.logpdf(z))
    mean = r.sum() / len(r)
    return mean, np.sqrt(((r - mean) ** 2).sum() / (len(r) - 1) / len(r))


def test_sampled_right_answers_pass(run):
    for answer in (kl_sampled, kl_sampled_loop):
        result, out = run(checks.check_kl_sampled, answer)
        assert result is answer and out.startswith("✓"), out


def sampled(n_from="q", sign=1.0, error=lambda r, n: r.std(ddof=1) / np.sqrt(n), seeded=True):
    """Return a kl_sampled with one piece changed."""
    def answer(q, p, n_samples, seed=0):
        source = q if n_from == "q" else p
        state = np.random.default_rng(seed) if seeded else None
        z = source.rvs(size=n_samples, random_state=state)
        r = (q.logpdf(z) - p.logpdf(z)) if n_from == "q" else (p.logpdf(z) - q.logpdf(z))
        return sign * float(np.mean(r)), float(error(r, n_samples))
    return answer


SAMPLED_MISTAKES = {
    "wrong sign": (sampled(sign=-1.0), "wrong sign"),
    "draws from p": (sampled(n_from="p"), "KL(p || q)"),
    "no sqrt n": (sampled(error=lambda r, n: r.std(ddof=1)), "divide it by sqrt(n)"),
    "variance": (sampled(error=lambda r, n: r.var() / np.sqrt(n)), "variance over sqrt(n)"),
    "error over n": (sampled(error=lambda r, n: r.std() / n), "return log_ratio.std(ddof=1)"),
    "unseeded": (sampled(seeded=False), "same seed differ"),
    "one number": (lambda q, p, n_samples, seed=0: 0.5, "two numbers"),
    "per draw": (lambda q, p, n_samples, seed=0: (np.zeros(n_samples), np.zeros(n_samples)),
                 "two single numbers"),
}


@pytest.mark.parametrize("mistake", SAMPLED_MISTAKES)
def test_sampled_mistakes_get_their_hint(mistake, run):
    answer, hint = SAMPLED_MISTAKES[mistake]
    result, out = run(checks.check_kl_sampled, answer)
    assert result is kl_sampled
    assert out.startswith("✗") and hint in out, out


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
