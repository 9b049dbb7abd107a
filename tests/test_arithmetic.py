"""The latent-arithmetic measurement (course_utils.arithmetic)."""


import numpy as np
import pytest

from course_utils import arithmetic

NAMES = ["A", "B", "C"]


def identity_decoder(z, training=False):
    """'Decode' a code to itself: the measurement's images are then the codes."""
    return np.asarray(z, dtype="float32")


def sign_classifier(images, training=False):
    """Judge attribute j present when coordinate j is positive (logit = the coordinate)."""
    return np.asarray(images)[:, :3]


def test_predictions_are_batched_and_thresholded_at_logit_zero():
    calls = []

    def classifier(x, training=False):
        calls.append(len(x))
        return sign_classifier(x)

    z = np.random.default_rng(0).normal(size=(600, 3)).astype("float32")
    verdicts = arithmetic.predict_attributes(classifier, z, batch_size=256)
    assert calls == [256, 256, 88]
    np.testing.assert_array_equal(verdicts, (z > 0).astype(np.int8))


def test_classifier_accuracy_table():
    z = np.array([[1, -1, 1], [1, 1, -1], [-1, 1, -1], [-1, -1, -1]], dtype="float32")
    labels = np.array([[1, 0, 1], [1, 1, 1], [0, 1, 0], [1, 0, 0]])
    table = arithmetic.classifier_accuracy(sign_classifier, z, labels, NAMES)
    assert list(table.index) == NAMES
    np.testing.assert_allclose(table["classifier accuracy"], [0.75, 1.0, 0.75])
    np.testing.assert_allclose(table["share of faces"], [0.75, 0.5, 0.5])
    np.testing.assert_allclose(table["majority"], [0.75, 0.5, 0.5])


def measured(target=True, strengths=(0.5, 1.0, 2.0)):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2000, 3)).astype("float32")
    labels = (z > 0).astype(np.int8)  # the classifier is right on the originals
    vector = np.array([1.0, 0.3, 0.0] if target else [-1.0, 0.3, 0.0], dtype="float32")
    table = arithmetic.measure_arithmetic(sign_classifier, identity_decoder, z, labels, NAMES,
                                          "A", vector, strengths, target=target)
    return z, labels, vector, table


def test_measurement_counts_the_attribute_turned_on_and_other_changes():
    z, labels, vector, table = measured()
    chosen = z[:, 0] <= 0  # faces without A
    assert table.attrs["n_faces"] == chosen.sum()
    assert list(table.columns) == ["reconstruction", "+0.5 x vector", "+1 x vector",
                                   "+2 x vector"]
    # The identity decoder reconstructs exactly: nothing changes, A is never on.
    np.testing.assert_allclose(table["reconstruction"], [0, 0, 0])
    for s in (0.5, 1.0, 2.0):
        edited = z[chosen] + s * vector
        column = table[f"{s:+g} x vector"]
        assert column["A"] == pytest.approx((edited[:, 0] > 0).mean())
        assert column["B"] == pytest.approx(((edited[:, 1] > 0) != labels[chosen, 1]).mean())
        assert column["C"] == 0
    assert table.loc["A"].is_monotonic_increasing


def test_the_baseline_compares_reconstructions_with_the_labels():
    z, labels, vector, _ = measured()
    wrong = labels.copy()
    wrong[::4, 1] = 1 - wrong[::4, 1]  # a quarter of B's labels disagree with the "images"
    table = arithmetic.measure_arithmetic(sign_classifier, identity_decoder, z, wrong, NAMES,
                                          "A", vector, [1.0])
    chosen = wrong[:, 0] == 0
    assert table.loc["B", "reconstruction"] == pytest.approx(
        (labels[chosen, 1] != wrong[chosen, 1]).mean())


def test_removal_measures_the_faces_with_the_attribute():
    z, _, _, table = measured(target=False)
    assert table.attrs["n_faces"] == (z[:, 0] > 0).sum()
    edited = z[z[:, 0] > 0] + 2.0 * np.array([-1.0, 0.3, 0.0])
    assert table.loc["A", "+2 x vector"] == pytest.approx((edited[:, 0] <= 0).mean())


def test_summary_says_when_the_aims_are_met():
    _, _, _, table = measured(strengths=(0.5, 1.0, 3.0))
    summary = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2)
    assert list(summary.index) == [0.5, 1.0, 3.0]
    assert summary.loc[3.0, "turned"] == pytest.approx(table.loc["A", "+3 x vector"])
    assert summary.loc[1.0, "changed most"] == "B"
    for s in summary.index:
        column = table[f"{s:+g} x vector"]
        expected = column["A"] >= 0.8 and column[["B", "C"]].max() <= 0.2
        assert summary.loc[s, "aim met"] == expected
    assert not summary.loc[0.5, "aim met"]


def test_nothing_to_measure_is_an_error():
    z = np.ones((5, 3), "float32")
    with pytest.raises(ValueError, match="No face has A off"):
        arithmetic.measure_arithmetic(sign_classifier, identity_decoder, z, np.ones((5, 3)),
                                      NAMES, "A", np.ones(3), [1.0])


def test_the_aims_result_is_the_first_strength_that_meets_them_else_the_best():
    _, _, _, table = measured(strengths=(0.5, 1.0, 3.0))
    summary = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2)
    result = arithmetic.aim_result(summary)
    met = summary.index[summary["aim met"]]
    assert result["met"] == bool(len(met)) and result["n_met"] == len(met)
    assert result["strength"] == (met[0] if len(met) else summary["turned"].idxmax())
    assert result["verdict"] == ("met" if len(met) else "not met")
    unreachable = arithmetic.aim_result(arithmetic.arithmetic_summary(table, reach=1.1))
    assert not unreachable["met"] and unreachable["n_met"] == 0
    assert unreachable["strength"] == summary["turned"].idxmax()
    assert unreachable["n_strengths"] == 3


def test_flips_count_the_attribute_only_on_faces_without_it_before():
    before = np.array([[0, 0], [0, 1], [1, 0], [0, 0]])
    after = np.array([[1, 0], [0, 0], [1, 1], [1, 0]])
    # A: 3 faces were without it, 2 of them have it after (the one that had it stays out).
    np.testing.assert_allclose(arithmetic.flips(before, after, 0), [2 / 3, 0.5])
    # Removal (target False): the one face with A before keeps it: 0 of 1 turned.
    np.testing.assert_allclose(arithmetic.flips(before, after, 0, target=False), [0.0, 0.5])
    assert np.isnan(arithmetic.flips(np.ones((3, 2)), np.ones((3, 2)), 0)[0])  # none to turn


def test_the_vector_is_not_credited_with_what_the_reconstruction_already_shows():
    z, labels, vector, _ = measured()
    shifted = lambda z, training=False: np.asarray(z, "float32") + [0.5, 0, 0]  # noqa: E731
    table = arithmetic.measure_arithmetic(sign_classifier, shifted, z, labels, NAMES, "A",
                                          vector, [1.0])
    chosen = z[:, 0] <= 0
    off_after_reconstruction = z[chosen, 0] + 0.5 <= 0
    edited = z[chosen][off_after_reconstruction] + 0.5 + vector[0] * 1.0
    assert table.loc["A", "+1 x vector"] == pytest.approx((edited[:, 0] > 0).mean())
    assert table.attrs["n_off_reconstructed"] == off_after_reconstruction.sum()


def test_a_judge_must_beat_the_majority_by_two_standard_errors():
    assert arithmetic.judge_beats_majority(0.9, 0.5, 100)
    assert not arithmetic.judge_beats_majority(0.53, 0.53, 200)  # the chapter's quick run
    assert not arithmetic.judge_beats_majority(0.55, 0.5, 100)  # within two standard errors


def test_a_verdict_from_a_judge_that_is_no_better_than_guessing_is_withheld():
    _, _, _, table = measured(strengths=(0.5, 1.0, 3.0))
    summary = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2)
    assert arithmetic.aim_result(summary)["verdict"] in ("met", "not met")
    withheld = arithmetic.aim_result(summary, judge_ok=False)
    assert withheld["verdict"] == "withheld" and not withheld["met"]


def test_worth_and_price_by_hand():
    images = np.zeros((4, 1, 1, 2))
    images[:1] = 1.0  # one image of four has the attribute, and differs by 1 in two values
    worth, price = arithmetic.worth_and_price(images, [1, 0, 0, 0], beta=2.0)
    assert worth == pytest.approx(0.25 * 0.75 * 2)
    entropy = -(0.25 * np.log(0.25) + 0.75 * np.log(0.75))
    assert price == pytest.approx(2.0 * entropy)
    assert arithmetic.binary_entropy(0.5) == pytest.approx(np.log(2))
    assert arithmetic.worth_and_price(images, [1, 1, 1, 1], 2.0) == (0.0, 0.0)


def test_worth_is_the_squared_error_saved_by_knowing_the_attribute():
    rng = np.random.default_rng(1)
    labels = rng.random(5000) < 0.3
    images = rng.random((5000, 3, 3, 1)) * 0.2 + 0.5 * labels[:, None, None, None]
    mixed = ((images - images.mean(axis=0)) ** 2).sum(axis=(1, 2, 3)).mean()
    grouped = sum(((images[g] - images[g].mean(axis=0)) ** 2).sum() for g in (labels, ~labels))
    saved = mixed - grouped / len(images)
    assert arithmetic.worth_and_price(images, labels, 1.0)[0] == pytest.approx(saved)
