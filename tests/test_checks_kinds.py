"""Derivation and experiment exercises: right answers pass, each wrong step gets its hint, an
experiment's check compares the prediction with the measurement, and none ever raises."""

import numpy as np
import pytest

from course_utils import checks
from course_utils.compare import compare
from course_utils.checks.autoencoder import receptive_field_reference

# --- Derivations: a number ---------------------------------------------------------------------

NUMBERS = {  # check: (right answers, {wrong answer: a phrase of its hint})
    "least loss": (
        checks.check_least_loss, [0.5004, 0.500, np.float64(0.50040242)],
        {0.0: "does not score 0", 0.7219: "bits", 0.1785: "Only the first term",
         0.3219: "Only the second term", -0.5004: "The sign", 0.6: "Setting the derivative",
         None: "not done yet"}),
    "receptive field": (
        lambda v: checks.check_receptive_field(v), [15, 15.0, np.int64(15), np.array([15])],
        {27: "do not multiply", 9: "neighbours on the map are 2 input pixels apart",
         8: "strides multiplied", 225: "area", 12: "Work from the first layer",
         None: "not done yet", "15": "without quotes", (15, 15): "one number"}),
    "price of glasses": (
        lambda v: checks.check_price_by_hand(v, p=0.065, beta=0.2), [0.0481, 0.048, 0.04810],
        {0.0694: "bits", 0.2405: "β times it", 0.0355: "-(1 - p) ln(1 - p)", 0.0209: "base 10",
         0.1: "Compute H(p)", None: "not done yet"}),
    "KS by hand": (
        checks.check_ks_by_hand, [0.5, 0.500, np.float32(0.5)],
        {0.0668: "just after each jump only", 0.1667: "|i/n - Φ(x_i)|", 0.4: "largest of these",
         0.358: "Start left of the first value",
         None: "not done yet"}),
    "midpoint length": (
        checks.check_midpoint_length, [0.707, np.sqrt(0.5), 0.7071],
        {0.5: "(1 + 1)/4 = 1/2", 1.0: "partly cancel", 0.25: "variances add", 1.414: "Upside down",
         0.6: "variance of one coordinate", None: "not done yet"}),
    "MIG by hand": (
        checks.check_mig_by_hand, [0.144, 0.1443, (0.30 - 0.20) / np.log(2)],
        {0.361: "runner-up", 0.1: "Divide the gap", 0.433: "Subtract the runner-up",
         0.5: "Sort the four numbers", None: "not done yet"}),
    "PCA's error": (
        checks.check_pca_error, [1.3, 1.30, 130 / 100],
        {13.0: "keeps", 0.18: "Square the singular values", 130: "divide by their number",
         5.3: "Off by one", 1.14: "No square root", 1.3131: "not n - 1", 2: "Eckart-Young",
         None: "not done yet"}),
}


def test_the_window_is_what_the_layers_give():
    assert receptive_field_reference() == 3 + 2 * 2 + 2 * 4 == 15


@pytest.mark.parametrize("check", NUMBERS)
def test_a_derivation_passes_its_right_number_and_names_the_wrong_step(check, run):
    check_fn, rights, wrongs = NUMBERS[check]
    for right in rights:
        result, out = run(check_fn, right)
        assert result is right and out.startswith("✓"), (right, out)
    for wrong, phrase in wrongs.items():
        _, out = run(check_fn, wrong)
        assert out.startswith("✗") and phrase in out, (wrong, out)


# --- Derivations: a formula --------------------------------------------------------------------

@pytest.mark.parametrize("formula", ["0.5 * (exp(log_var) - 1)", "(exp(log_var) - 1) / 2",
                                     "0.5*exp(log_var) - 0.5 + 0*mu",
                                     "0.5 * (sqrt(exp(log_var))**2 - 1)"])
def test_the_kl_gradient_passes_in_any_form(formula, run):
    result, out = run(checks.check_kl_gradient, formula)
    assert result == formula and out.startswith("✓"), out


@pytest.mark.parametrize("formula, phrase", [
    ("0.5 * exp(log_var)", "-log σ² with respect to log σ² is -1"),
    ("exp(log_var) - 1", "factor 1/2"),
    ("0.5 * (1 - exp(log_var))", "sign is flipped"),
    ("0.5 * exp(log_var) - 1", "multiplies the whole bracket"),
    ("0.5 * (1 - exp(-log_var))", "chain rule"),
    ("0.5 * (exp(0.5 * log_var) - 1)", "standard deviation"),
    ("0.5 * (mu**2 + exp(log_var) - 1 - log_var)", "the KL itself"),
    ("mu", "with respect to μ"),
    ("0.25 * exp(log_var)", "term by term"),
    (None, "not done yet"),
    (0.5, "as text in quotes"),
    ("0.5 * (sigma**2 - 1)", "uses sigma"),
    ("0.5 * (exp(log_var) - 1)^2", "write a power with **"),
    ("0.5 (exp(log_var) - 1)", "write * for every product"),
    ("0.5 * (exp(log_var) - 1", "not a Python expression"),
    ("__import__('os')", "uses __import__"),
])
def test_a_wrong_gradient_gets_the_step_that_went_wrong(formula, phrase, run):
    result, out = run(checks.check_kl_gradient, formula)
    assert result is not formula and out.startswith("✗") and phrase in out, out


# --- Experiments: a prediction, compared with what the run measured ------------------------------

def log_spreads(ratio):
    """Return a Comparison of log spreads whose ratio is about `ratio`."""
    rng = np.random.default_rng(0)
    few = rng.normal(0, 1, 400)
    return compare(few * ratio, few, statistic=lambda x: np.log(np.std(x, ddof=1)))


def paired(shift):
    """Return a paired Comparison of a - b with the given mean shift (0: no clear difference)."""
    b = np.random.default_rng(1).normal(1.0, 0.1, 300)
    return compare(b + shift + np.random.default_rng(2).normal(0, 0.01, 300), b, paired=True)


EXPERIMENTS = {  # name: (check(prediction, changed), its choices, a measurement, what it reads as)
    "more draws": (lambda pred, changed, c: checks.check_more_draws(
        pred, 1000, 4000 if changed else 1000, c), log_spreads(0.5), "about half"),
    "temperature": (lambda pred, changed, c: checks.check_temperature(
        pred, 0.5 if changed else 1, c), paired(-0.05), "less"),
    "few images": (lambda pred, changed, c: checks.check_few_images(
        pred, 50 if changed else 1000, 1000, c), paired(0.3), "higher"),
    "wider kernels": (lambda pred, changed, c: checks.check_wider_kernels(
        pred, 5 if changed else 3, 15, c), 29, "about twice as wide"),
    "smaller threshold": (lambda pred, changed, c: checks.check_stricter_threshold(
        pred, 0.4, 0.2 if changed else 0.4, c), paired(0.2), "higher"),
    "centre or draw": (lambda pred, changed, c: checks.check_centre_or_draw(
        pred, "draw" if changed else "centre", c), paired(0.5), "higher"),
    "swap label": (lambda pred, changed, c: checks.check_swap_label(
        pred, "Trouser", "Sneaker" if changed else "Trouser", *c),
        (np.r_[np.ones(90), np.zeros(10)], np.zeros(100)), "the new label"),
    "great circle": (lambda pred, changed, c: checks.check_great_circle(
        pred, "slerp" if changed else "line", *c), (np.full(5, 10.2), np.full(5, 10.0)),
        "about as long"),
}
CHOICES = {"more draws": ("about the same", "about half", "about a quarter"),
           "temperature": ("less", "the same", "more"),
           "few images": ("higher", "no clear difference", "lower"),
           "wider kernels": ("the same", "about 1.5 times as wide", "about twice as wide"),
           "smaller threshold": ("higher", "no clear difference", "lower"),
           "centre or draw": ("higher", "no clear difference", "lower"),
           "great circle": ("shorter", "about as long", "longer"),
           "swap label": ("the new label", "no clear difference", "the old class")}


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_an_experiment_compares_the_prediction_with_the_run(name, capsys, monkeypatch):
    monkeypatch.delenv("COURSE_CHECKS_MUST_PASS", raising=False)
    check, measured, outcome = EXPERIMENTS[name]

    def said(prediction, changed=True):
        result = check(prediction, changed, measured)
        return result, " ".join(capsys.readouterr().out.split())

    result, out = said(outcome)
    assert result == outcome and out.startswith("✓") and "the run agrees" in out, out
    for other in set(CHOICES[name]) - {outcome}:
        result, out = said(other)
        assert result is None and "is not right yet" in out and f"the run says {outcome!r}" in out
    assert "is not done yet" in said(None)[1]  # no prediction
    assert "is not done yet" in said(outcome, changed=False)[1]  # the setting left as it was
    assert "not one of the choices" in said("maybe")[1]


def test_experiments_read_no_clear_difference_from_the_interval(run, monkeypatch):
    monkeypatch.delenv("COURSE_CHECKS_MUST_PASS", raising=False)
    _, out = run(lambda p: checks.check_temperature(p, 0.5, paired(0.0)), "the same")
    assert out.startswith("✓"), out
    _, out = run(lambda p: checks.check_few_images(p, 50, 1000, paired(0.0)), "no clear difference")
    assert out.startswith("✓"), out
    _, out = run(lambda p: checks.check_more_draws(p, 1000, 4000, log_spreads(1.0)),
                 "about the same")
    assert out.startswith("✓"), out


def test_where_checks_must_pass_a_prediction_the_run_contradicts_raises(monkeypatch):
    monkeypatch.setenv("COURSE_CHECKS_MUST_PASS", "1")
    with pytest.raises(AssertionError, match="the run says 'about half'"):
        checks.check_more_draws("about a quarter", 1000, 4000, log_spreads(0.5))


def test_the_great_circle_reads_the_straight_line_as_shorter(run, monkeypatch):
    monkeypatch.delenv("COURSE_CHECKS_MUST_PASS", raising=False)
    _, out = run(lambda p: checks.check_great_circle(p, "slerp", np.full(5, 7.1), np.full(5, 10.0)),
                 "shorter")
    assert out.startswith("✓"), out


def test_a_smaller_threshold_must_be_half(run, monkeypatch):
    monkeypatch.delenv("COURSE_CHECKS_MUST_PASS", raising=False)
    _, out = run(lambda p: checks.check_stricter_threshold(p, 0.4, 0.8, paired(-0.2)), "lower")
    assert "is not right yet" in out and "threshold / 2" in out, out


def test_the_conditional_decoders_input_and_a_traversal(run):
    import keras

    right = lambda z, labels: keras.layers.Concatenate()([z, labels])  # noqa: E731
    result, out = run(checks.check_decoder_input, right)
    assert result is right and out.startswith("✓"), out
    for wrong, phrase in [(lambda z, labels: z, "only one of the two"),
                          (lambda z, labels: None, "not done yet"),
                          (lambda z, labels: keras.layers.Concatenate()([z, z]), "make 12")]:
        _, out = run(checks.check_decoder_input, wrong)
        assert out.startswith("✗") and phrase in out, out

    def traversal(dimension, steps, latent_dim):
        codes = np.zeros((len(steps), latent_dim))
        codes[:, dimension] = steps
        return codes

    result, out = run(checks.check_traversal, traversal)
    assert result is traversal and out.startswith("✓"), out
    for wrong, phrase in [(lambda d, s, n: traversal(d, s, n).T, "one row per step"),
                          (lambda d, s, n: traversal((d + 1) % n, s, n), "another dimension"),
                          (lambda d, s, n: None, "not done yet")]:
        _, out = run(checks.check_traversal, wrong)
        assert out.startswith("✗") and phrase in out, out
