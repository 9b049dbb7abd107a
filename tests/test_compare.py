import numpy as np
import pytest

from course_utils import measures
from course_utils.compare import NO_CLEAR_DIFFERENCE, compare, table


def test_a_clear_shift_gets_its_word_and_an_interval_around_it():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 1.0, 2000), rng.normal(0.0, 1.0, 2000)
    c = compare(a, b)
    assert c.word == "higher" and c.clear
    assert c.low < c.difference < c.high
    assert c.low < 1.0 < c.high  # the true difference lies inside
    assert compare(b, a, words=("better", "worse")).word == "worse"


def test_a_difference_inside_the_noise_reads_no_clear_difference():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.0, 1.0, 50), rng.normal(0.05, 1.0, 50)
    c = compare(a, b)
    assert c.word == NO_CLEAR_DIFFERENCE and not c.clear
    assert c.low < 0 < c.high


def test_the_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(2)
    hits = []
    for i in range(60):
        c = compare(rng.normal(0.3, 1, 80), rng.normal(0, 1, 80), n_boot=400, seed=i)
        hits.append(c.low < 0.3 < c.high)
    assert 0.85 <= np.mean(hits) <= 1.0


def test_pairing_removes_what_two_scores_of_the_same_items_share():
    rng = np.random.default_rng(3)
    shared = rng.normal(0, 5, 300)  # large per-item variation, the same in both scores
    a, b = shared + 0.2, shared + rng.normal(0, 0.1, 300)
    assert compare(a, b).word == NO_CLEAR_DIFFERENCE  # unpaired: swamped by the items
    assert compare(a, b, paired=True).word == "higher"
    with pytest.raises(ValueError, match="same lengths"):
        compare(a, b[:10], paired=True)


def test_tuples_are_resampled_part_by_part_for_two_group_statistics():
    rng = np.random.default_rng(4)
    normal, anomalous = rng.normal(0, 1, 400), rng.normal(2, 1, 100)
    weak = (normal, rng.normal(0.3, 1, 100))
    c = compare((normal, anomalous), weak, statistic=lambda n, x: measures.separation(n, x))
    assert c.word == "higher" and 0.85 < c.a < 0.98


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="level"):
        compare([1.0], [2.0], level=95)
    with pytest.raises(ValueError, match="a needs"):
        compare([], [1.0])


def test_the_same_seed_gives_the_same_interval_and_the_text_shows_it():
    rng = np.random.default_rng(5)
    a, b = rng.normal(0, 1, 100), rng.normal(0.5, 1, 100)
    assert compare(a, b, seed=3) == compare(a, b, seed=3)
    c = compare(a, b)
    assert f"{c:.2f}" == f"{c.difference:.2f} [{c.low:.2f}, {c.high:.2f}]"
    frame = table({"mean": c}, names=("VAE", "autoencoder"))
    assert list(frame.columns[:3]) == ["VAE", "autoencoder", "difference (VAE - autoencoder)"]
    assert frame.loc["mean", "verdict"] == c.word
