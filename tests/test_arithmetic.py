"""The latent-arithmetic measurement (course_utils.arithmetic)."""


import numpy as np
import pytest

from course_utils import arithmetic
from course_utils.compare import NO_CLEAR_DIFFERENCE

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


def test_summary_sets_each_strength_against_the_aims_with_intervals():
    _, _, _, table = measured(strengths=(0.5, 1.0, 3.0))
    summary = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.4)
    assert list(summary.index) == [0.5, 1.0, 3.0]
    assert summary.loc[3.0, "turned"] == pytest.approx(table.loc["A", "+3 x vector"])
    assert summary.loc[1.0, "changed most"] == "B"
    assert summary.loc[1.0, "largest other change"] == pytest.approx(
        table.loc[["B", "C"], "+1 x vector"].max())
    # About 38% and 68% turned at 0.5 and 1: clearly below 80%; nearly all at 3, while B
    # changes on about 32% of the faces there, clearly below 40%.
    assert list(summary["aim"]) == ["missed", "missed", "met"]
    for s in summary.index:
        low, high = (float(v) for v in summary.loc[s, "turned, 95% interval"].strip("[]")
                     .split(","))
        assert low < summary.loc[s, "turned"] < high
    strict = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2)
    assert strict.loc[3.0, "aim"] == "missed"  # B changes on more than 20%, clearly


def test_an_aim_within_the_noise_is_unclear():
    _, _, _, table = measured(strengths=(1.0,))
    turned = table.loc["A", "+1 x vector"]
    summary = arithmetic.arithmetic_summary(table, reach=turned, stay=0.4)
    assert summary.loc[1.0, "aim"] == "unclear at this size"
    assert arithmetic.aim_result(summary)["verdict"] == "no clear verdict at this size"


def test_changes_per_face_hold_what_the_table_counted():
    _, _, _, table = measured()
    for column in table.columns:
        turned, others = arithmetic.changes_per_face(table, column)
        assert turned.mean() == pytest.approx(table.loc["A", column])
        np.testing.assert_allclose(others.mean(axis=0), table.loc[["B", "C"], column])
    assert len(arithmetic.changes_per_face(table, "+1 x vector")[0]) == table.attrs[
        "n_off_reconstructed"]


def test_nothing_to_measure_is_an_error():
    z = np.ones((5, 3), "float32")
    with pytest.raises(ValueError, match="No face has A off"):
        arithmetic.measure_arithmetic(sign_classifier, identity_decoder, z, np.ones((5, 3)),
                                      NAMES, "A", np.ones(3), [1.0])


def test_the_aims_result_is_the_first_strength_that_meets_them_else_the_best():
    _, _, _, table = measured(strengths=(0.5, 1.0, 3.0))
    summary = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.4)
    result = arithmetic.aim_result(summary)
    assert result["verdict"] == "met" and result["met"] and result["strength"] == 3.0
    assert result["n_met"] == 1 and result["n_missed"] == 2 and result["n_strengths"] == 3
    missed = arithmetic.aim_result(arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2))
    assert missed["verdict"] == "not met" and not missed["met"] and missed["n_met"] == 0
    assert missed["strength"] == summary["turned"].idxmax()
    assert set(arithmetic.AIM_VERDICTS) >= {result["verdict"], missed["verdict"]}


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


def test_the_judge_is_compared_with_the_majority_answer_face_by_face():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(400, 3)).astype("float32")
    labels = (z > 0).astype(np.int8)
    labels[:, 2] = 1  # C: every face has it, so always answering "yes" is right
    table = arithmetic.classifier_accuracy(sign_classifier, z, labels, NAMES)
    assert list(table["against the majority"][:2]) == ["beats", "beats"]
    np.testing.assert_allclose(table["AUC of the logit"][:2], [1.0, 1.0])
    assert np.isnan(table.loc["C", "AUC of the logit"])
    # On C the sign classifier is right only about half the time: clearly below the majority.
    assert table.loc["C", "against the majority"] == "falls below"
    guessing = arithmetic.classifier_accuracy(lambda x, training=False: -np.ones((len(x), 3)),
                                              z, (z > 0).astype(np.int8), NAMES)
    assert set(guessing["against the majority"]) == {NO_CLEAR_DIFFERENCE}  # it IS the majority


def test_a_verdict_from_a_judge_that_is_no_better_than_guessing_is_withheld():
    _, _, _, table = measured(strengths=(0.5, 1.0, 3.0))
    summary = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2)
    assert arithmetic.aim_result(summary)["verdict"] in ("met", "not met")
    withheld = arithmetic.aim_result(summary, judge_ok=False)
    assert withheld["verdict"] == arithmetic.AIM_VERDICTS[-1]
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


def stream(images, labels, batch=7):
    return [(images[i:i + batch], labels[i:i + batch]) for i in range(0, len(images), batch)]


def test_average_faces_are_kept_as_running_sums_of_a_stream():
    rng = np.random.default_rng(3)
    images, labels = rng.random((30, 2, 2, 3)), (rng.random((30, 2)) < 0.3).astype(np.float32)
    on, off, share = arithmetic.average_faces(stream(images, labels))
    for k in range(2):
        has = labels[:, k] == 1
        np.testing.assert_allclose(on[k], images[has].mean(axis=0))
        np.testing.assert_allclose(off[k], images[~has].mean(axis=0))
    np.testing.assert_allclose(share, labels.mean(axis=0))


def test_savings_on_new_faces_measure_the_worth_without_counting_noise():
    rng = np.random.default_rng(5)
    n = 4000
    old, new = rng.random((n, 4, 4, 3)), rng.random((n, 4, 4, 3))
    old_labels, new_labels = rng.random(n) < 0.3, rng.random(n) < 0.3
    # On the faces whose averages it uses, the worth finds noise worth about trace(cov) / n.
    trace = new.reshape(n, -1).var(axis=0, ddof=1).sum()
    in_sample = arithmetic.worth_and_price(new, new_labels, 1.0)[0]
    assert in_sample == pytest.approx(trace / n, rel=0.5)
    on, off, share = arithmetic.average_faces(stream(old, old_labels[:, None], batch=500))
    saved = arithmetic.savings(new, new_labels, on[0], off[0], share[0])
    assert abs(saved.mean()) < 2 * trace / n  # nothing to save, up to the averages' own noise
    # A real difference is found on new faces: 0.3 in every value, p = 0.3.
    shift = lambda x, y: x + 0.3 * y[:, None, None, None]  # noqa: E731
    on, off, share = arithmetic.average_faces(stream(shift(old, old_labels),
                                                     old_labels[:, None], batch=500))
    saved = arithmetic.savings(shift(new, new_labels), new_labels, on[0], off[0], share[0])
    worth = 0.3 * 0.7 * 48 * 0.3**2
    assert saved.mean() == pytest.approx(worth, abs=4 * saved.std() / np.sqrt(n) + trace / n)
    # With the same faces' own averages, the mean saving is exactly the formula's worth.
    own = arithmetic.savings(new, new_labels, new[new_labels].mean(axis=0),
                             new[~new_labels].mean(axis=0), new_labels.mean())
    assert own.mean() == pytest.approx(in_sample)


def test_rank_agreement_says_agree_only_when_its_interval_is_above_zero():
    x = np.arange(9.0)
    assert arithmetic.rank_agreement(x, x**2)["word"] == "agree"
    assert arithmetic.rank_agreement(x, -x)["word"] == "disagree"
    loose = arithmetic.rank_agreement(x, [0, 3, 1, 6, 2, 8, 4, 7, 5])  # rho = 0.67
    assert loose["word"] == "show no clear agreement at this size"
    assert loose["low"] < loose["rho"] < loose["high"]


def test_side_effects_count_only_the_attributes_named():
    _, _, _, table = measured(strengths=(1.0, 3.0))
    summary = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2, others=["C"])
    assert list(summary["changed most"]) == ["C", "C"]
    assert (summary["largest other change"] == 0).all()
    assert summary.loc[3.0, "aim"] == "met"  # B's changes, left out, no longer miss the aim
    turned, changed = arithmetic.changes_per_face(table, "+3 x vector", ["C"])
    assert changed.shape == (table.attrs["n_faces"], 1)
    alone = arithmetic.arithmetic_summary(table, reach=0.8, stay=0.2, others=[])
    assert list(alone["changed most"]) == ["none", "none"]


def test_a_calibrated_judge_calls_the_labelled_share_positive():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(1000, 3)).astype("float32")
    labels = (z > 0).astype(np.int8)
    shifted = lambda x, training=False: sign_classifier(x) - 0.8  # noqa: E731  # blurred scores
    assert arithmetic.predict_attributes(shifted, z).mean(axis=0)[0] < 0.3
    thresholds = arithmetic.thresholds_matching(arithmetic.predict_logits(shifted, z), labels)
    np.testing.assert_allclose(thresholds, -0.8, atol=0.1)
    judge = arithmetic.calibrated(shifted, thresholds)
    np.testing.assert_allclose(arithmetic.predict_attributes(judge, z).mean(axis=0),
                               labels.mean(axis=0), atol=0.01)
    assert (arithmetic.classifier_accuracy(judge, z, labels, NAMES)["against the majority"]
            == "beats").all()
