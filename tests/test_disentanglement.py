"""The mutual information gap: a factor one dimension holds alone scores near 1, a shared or
absent one near 0."""

import numpy as np
import pytest

from course_utils.disentanglement import mig, mutual_information


def test_a_copied_factor_has_its_entropy_as_information():
    rng = np.random.default_rng(0)
    v = rng.random(4000) < 0.5
    codes = np.stack([v + 0.01 * rng.standard_normal(4000), rng.standard_normal(4000)], axis=1)
    mi = mutual_information(codes, v)
    # Equal-count bins that straddle the two groups lose a little: 95% of log 2 at least.
    assert 0.95 * np.log(2) < mi[0] <= np.log(2) + 0.01 and mi[1] < 0.01


def test_mig_tells_a_held_factor_from_a_shared_and_an_absent_one():
    rng = np.random.default_rng(1)
    n = 4000
    alone, shared, absent = (rng.random(n) < p for p in (0.5, 0.3, 0.5))
    noise = rng.standard_normal((n, 3))
    codes = np.stack([alone + 0.05 * noise[:, 0], shared + 0.05 * noise[:, 1],
                      shared + 0.05 * noise[:, 2]], axis=1)
    gaps, table = mig(codes, np.stack([alone, shared, absent], axis=1))
    assert table.shape == (3, 3)
    assert gaps[0] > 0.95 and gaps[1] < 0.05 and gaps[2] < 0.05


def test_a_constant_factor_has_no_gap_and_a_short_factor_is_refused():
    codes = np.random.default_rng(2).standard_normal((100, 2))
    gaps, _ = mig(codes, np.ones((100, 1)))
    assert np.isnan(gaps[0])
    with pytest.raises(ValueError, match="one per code"):
        mutual_information(codes, np.ones(99))


def test_one_dimension_or_none_is_scored_against_nothing():
    rng = np.random.default_rng(3)
    v = rng.random((500, 1)) < 0.5
    gaps, _ = mig(v + 0.01 * rng.standard_normal((500, 1)), v)
    assert gaps[0] > 0.9
    gaps, table = mig(np.zeros((500, 0)), v)
    assert gaps[0] == 0 and table.shape == (1, 0)
