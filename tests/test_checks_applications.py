"""Chapter 7's checks: right answers, written several ways, pass; each common mistake gets its
hint; the reference implementations are what the checks compare with."""

import numpy as np
import pytest

from course_utils import anomaly, checks, reconstruction


def psnr_loop(clean, restored):
    """A right answer written with a loop over the images."""
    return np.array([10 * np.log10(1 / max(np.mean((c - r) ** 2), 1e-12))
                     for c, r in zip(clean, restored)])


def psnr_rmse(clean, restored):
    """A right answer from the root mean squared error: 20 log10(1 / RMSE)."""
    rmse = np.sqrt(np.mean((clean - restored) ** 2, axis=(1, 2, 3)))
    with np.errstate(divide="ignore"):
        return 20 * np.log10(1 / rmse)


@pytest.mark.parametrize("answer", [reconstruction.psnr, psnr_loop, psnr_rmse])
def test_right_psnr_answers_pass(run, answer):
    result, said = run(checks.check_psnr, answer)
    assert result is answer and said.startswith("✓ psnr")


@pytest.mark.parametrize("answer, hint", [
    (lambda c, r: None, "not done yet"),
    (lambda c, r: 10 * np.log10(1 / np.mean((c - r) ** 2)), "per image"),
    (lambda c, r: 20 * np.log10(1 / np.mean((c - r) ** 2, axis=(1, 2, 3))), "10 for a ratio"),
    (lambda c, r: 10 * np.log(1 / np.mean((c - r) ** 2, axis=(1, 2, 3))), "np.log10"),
    (lambda c, r: 10 * np.log10(np.mean((c - r) ** 2, axis=(1, 2, 3))), "sign is flipped"),
    (lambda c, r: 10 * np.log10(1 / np.mean(np.abs(c - r), axis=(1, 2, 3))), "absolute errors"),
    (lambda c, r: np.nan_to_num(10 * np.log10(1 / np.mean((c - r) ** 2, axis=(1, 2, 3))),
                                posinf=0.0), "perfect restoration"),
    (lambda c, r: np.mean((c - r) ** 2, axis=(1, 2, 3)), "should be 20 dB"),
])
def test_psnr_mistakes_get_their_hints(run, answer, hint):
    result, said = run(checks.check_psnr, answer)
    assert result is reconstruction.psnr and said.startswith("✗ psnr") and hint in said, said


def threshold_by_counting(scores, rate):
    """A right answer that counts, from the highest score down."""
    ordered = sorted(scores, reverse=True)
    allowed = int(rate * len(scores) + 1e-9)
    return ordered[allowed]


def threshold_between(scores, rate):
    """A right answer that returns a value between two scores: it flags the same images."""
    ordered = np.sort(scores)
    k = int(np.floor(rate * len(scores) + 1e-9))
    upper = ordered[len(ordered) - k] if k else ordered[-1] + 1
    return (ordered[len(ordered) - k - 1] + upper) / 2


@pytest.mark.parametrize("answer", [anomaly.false_alarm_threshold, threshold_by_counting,
                                    threshold_between])
def test_right_threshold_answers_pass(run, answer):
    result, said = run(checks.check_threshold, answer)
    assert result is answer and said.startswith("✓ threshold_for"), said


@pytest.mark.parametrize("answer, hint", [
    (lambda s, r: None, "not done yet"),
    (lambda s, r: np.quantile(s, r), "(1 - rate) quantile"),
    (lambda s, r: np.sort(s)[len(s) - int(np.floor(r * len(s) + 1e-9))], "Off by one"),
    (lambda s, r: np.quantile(s, 1 - r), "interpolates"),
    (lambda s, r: np.min(s) - 1, "Raise it"),
    (lambda s, r: np.max(s), "a lower threshold would catch more"),
    (lambda s, r: np.array([1.0, 2.0]), "one threshold"),
])
def test_threshold_mistakes_get_their_hints(run, answer, hint):
    result, said = run(checks.check_threshold, answer)
    assert result is anomaly.false_alarm_threshold and hint in said, said


def test_the_reference_threshold_flags_at_most_the_rate_and_is_the_lowest():
    scores = np.random.default_rng(0).normal(size=1000)
    for rate in (0.0, 0.01, 0.05, 0.333):
        t = anomaly.false_alarm_threshold(scores, rate)
        assert (scores > t).mean() <= rate
        assert (scores > np.nextafter(t, -np.inf)).mean() > rate  # any lower flags more
    with pytest.raises(ValueError, match="rate"):
        anomaly.false_alarm_threshold(scores, 1.0)


def test_roc_curve_runs_corner_to_corner_and_its_area_is_the_auc():
    from course_utils import measures

    rng = np.random.default_rng(1)
    normal, anomalous = rng.normal(size=300), rng.normal(1.0, 1.0, 200)
    false_alarms, detections = anomaly.roc_curve(normal, anomalous)
    assert (false_alarms[0], detections[0], false_alarms[-1], detections[-1]) == (0, 0, 1, 1)
    assert np.all(np.diff(false_alarms) >= 0) and np.all(np.diff(detections) >= 0)
    area = np.sum(np.diff(false_alarms) * (detections[1:] + detections[:-1]) / 2)
    np.testing.assert_allclose(area, measures.separation(normal, anomalous), atol=1e-12)


def test_psnr_of_known_errors_and_noise():
    clean = np.full((2, 4, 4, 1), 0.5)
    np.testing.assert_allclose(reconstruction.psnr(clean, clean + 0.1), [20, 20])
    noisy = reconstruction.add_noise(np.zeros((200, 28, 28, 1)), 0.1, seed=0)
    np.testing.assert_allclose(reconstruction.psnr(np.zeros_like(noisy), noisy).mean(), 20,
                               atol=0.1)  # 10 log10(1 / 0.1**2)
    with pytest.raises(ValueError, match="shape"):
        reconstruction.psnr(clean, clean[:1])


def test_separation_by_sorting_is_the_mann_whitney_auc_ties_included():
    from scipy import stats

    from course_utils import measures

    rng = np.random.default_rng(2)
    for _ in range(5):
        normal = rng.integers(0, 20, 300).astype(float)  # many ties
        anomalous = rng.integers(3, 25, 77).astype(float)
        u = stats.mannwhitneyu(anomalous, normal, alternative="two-sided").statistic
        assert measures.separation(normal, anomalous) == pytest.approx(
            u / (len(normal) * len(anomalous)), abs=1e-12)
    assert measures.separation(np.zeros(5), np.zeros(3)) == 0.5  # a score that ties all: chance
    assert measures.separation([0.0, 1.0], [2.0, 3.0]) == 1.0
    assert measures.separation([2.0], [1.0]) == 0.0
    with pytest.raises(ValueError, match="at least one"):
        measures.separation([], [1.0])


def test_mse_per_image_averages_each_images_pixels():
    clean = np.zeros((3, 4, 4, 1))
    restored = clean + np.array([0.1, 0.2, 0.3])[:, None, None, None]
    np.testing.assert_allclose(reconstruction.mse_per_image(clean, restored), [0.01, 0.04, 0.09])
    assert reconstruction.mse_per_image(clean, restored).mean() == pytest.approx(
        reconstruction.mse(clean, restored))
    with pytest.raises(ValueError, match="shape"):
        reconstruction.mse_per_image(clean, restored[:2])
