"""The latent-space measures of chapters 2 and 3, on point sets whose answers are known."""

import numpy as np
import pytest
from scipy import linalg
from scipy.spatial import cKDTree

from course_utils import measures


def test_nearest_finds_the_closest_reference():
    distance, index = measures.nearest([[0, 0], [10, 0]], [[1, 0], [9, 1], [4.9, 0]])
    assert index.tolist() == [0, 1, 0]
    np.testing.assert_allclose(distance, [1, np.sqrt(2), 4.9])


def test_nearest_rejects_mismatched_dimensions():
    with pytest.raises(ValueError, match="one d"):
        measures.nearest(np.zeros((3, 2)), np.zeros((4, 3)))


def test_class_shares_are_the_voronoi_areas():
    # Class 0 at x=-1 and class 1 at x=3: the boundary is x=1, the middle of [-2, 4].
    z = np.array([[-1.0, 0.0], [3.0, 0.0]])
    points = np.random.default_rng(0).uniform([-2, -1], [4, 1], size=(20_000, 2))
    shares = measures.class_shares(z, [0, 1], points, n_classes=3)
    np.testing.assert_allclose(shares, [0.5, 0.5, 0.0], atol=0.02)
    # Moving class 1 to x=1 moves the boundary to x=0: class 0 gets a third of the box.
    shares = measures.class_shares(np.array([[-1.0, 0.0], [1.0, 0.0]]), [0, 1], points, 2)
    np.testing.assert_allclose(shares, [1 / 3, 2 / 3], atol=0.02)


def test_class_map_is_laid_out_like_a_plot():
    z = np.array([[0.0, 1.0], [0.0, -1.0]])  # class 0 above, class 1 below
    grid = measures.class_map(z, [0, 1], low=[-1, -1], high=[1, 1], resolution=4)
    assert grid.shape == (4, 4)
    assert (grid[:2] == 0).all() and (grid[2:] == 1).all()  # row 0 is the top


def test_unevenness_is_the_total_variation_from_the_expected_shares():
    assert measures.unevenness(np.full(10, 0.1)) == pytest.approx(0.0)
    assert measures.unevenness(np.eye(10)[3]) == pytest.approx(0.9)
    assert measures.unevenness([0.2, 0.8]) == pytest.approx(0.3)


def test_normality_tells_scale_from_shape():
    rng = np.random.default_rng(0)
    standard = measures.normality(rng.standard_normal((5000, 2)))
    assert (standard["ks_raw"] < 0.03).all() and (standard["ks_shape"] < 0.03).all()
    shifted = measures.normality(3 + 2 * rng.standard_normal((5000, 2)))
    assert (shifted["ks_raw"] > 0.5).all() and (shifted["ks_shape"] < 0.03).all()
    np.testing.assert_allclose(shifted["mean"], 3, atol=0.1)
    np.testing.assert_allclose(shifted["std"], 2, atol=0.1)
    uniform = measures.normality(rng.uniform(-1, 1, size=(5000, 1)))
    assert uniform["ks_shape"].iloc[0] > 0.05  # not a Normal shape, whatever its scale



@pytest.mark.parametrize("values", [
    np.random.default_rng(3).standard_normal(500),
    1.5 + 0.3 * np.random.default_rng(4).standard_normal(200),
    np.array([0.0]),
    np.array([2.0, -1.0, 0.5, 0.5]),  # unsorted, with a tie
])
def test_ks_distance_is_scipys_kstest(values):
    from scipy import stats
    expected = stats.kstest(values, "norm").statistic
    assert measures.ks_distance(values) == pytest.approx(expected, abs=1e-12)


def test_ks_distance_of_one_value_at_the_median_is_a_half():
    assert measures.ks_distance([0.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="at least one"):
        measures.ks_distance([])

def test_gaps_are_measured_against_held_out_data():
    rng = np.random.default_rng(0)
    # Data in two tight blobs; held-out data from the same blobs; points across the middle.
    blobs = np.concatenate([rng.normal(-5, 0.1, (500, 2)), rng.normal(5, 0.1, (500, 2))])
    held = np.concatenate([rng.normal(-5, 0.1, (200, 2)), rng.normal(5, 0.1, (200, 2))])
    threshold = measures.gap_threshold(blobs, held, quantile=0.95)
    assert 0 < threshold < 0.2
    assert measures.in_gap(blobs, held, threshold).mean() == pytest.approx(0.05, abs=0.01)
    middle = rng.uniform(-2, 2, size=(100, 2))
    assert measures.in_gap(blobs, middle, threshold).all()



def test_in_gap_marks_points_farther_than_the_threshold():
    z = np.array([[0.0, 0.0], [10.0, 0.0]])
    points = np.array([[0.5, 0.0], [5.0, 0.0], [10.0, 0.9], [10.0, 1.1]])
    assert measures.in_gap(z, points, threshold=1.0).tolist() == [False, True, False, True]


def test_separation_is_the_auc():
    assert measures.separation([1, 2, 3], [4, 5]) == 1.0
    assert measures.separation([4, 5], [1, 2, 3]) == 0.0
    assert measures.separation([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(0.5)


def identity(x, training=False):
    return np.asarray(x, dtype="float32")


class PointJudge:
    """A judge of "images" that are 2-D points: its class is the sign of x, its atypicality the
    distance to the nearest reference point, its features the point itself."""

    def __init__(self, reference):
        self.tree = cKDTree(reference)

    def classes(self, images):
        return (np.asarray(images)[:, 0] > 0).astype(int)

    def atypicality(self, images):
        return self.tree.query(np.asarray(images))[0]

    def features(self, images):
        return np.asarray(images, np.float64)


def blobs(rng, n):
    """Return points in two blobs at (-2, 0) and (2, 0), and their classes."""
    labels = rng.integers(0, 2, n)
    return (np.stack([4.0 * labels - 2, np.zeros(n)], axis=1)
            + rng.normal(0, 0.2, (n, 2))).astype("float32"), labels


def test_limitations_on_a_known_latent_space():
    rng = np.random.default_rng(0)
    # "Images" that are their own codes, decoded by the identity.
    z_ref, _ = blobs(rng, 2000)
    z_held, y_held = blobs(rng, 500)
    points = rng.uniform(-3, 3, size=(2000, 2)).astype("float32")
    result = measures.limitations(identity, PointJudge(z_ref), z_ref, z_held, y_held, z_held,
                                  z_held, points, n_classes=2)
    assert result["area_unevenness"] == pytest.approx(0.0, abs=0.03)  # symmetric classes
    assert result["generated_unevenness"] == pytest.approx(0.0, abs=0.03)
    assert result["max_abs_mean"] < 0.2 and 1.8 < result["max_std"] < 2.2
    assert result["gap_fraction"] > 0.8  # the box is mostly empty
    assert result["realistic_in_gaps"] < 0.05  # and gap points are far from any "image"
    assert result["separation"] > 0.95
    assert result["fid_reconstructions"] < 0.01  # the held points are the real ones
    assert result["fid_samples"] > 1.0  # a uniform box is not two blobs
    table = measures.limitations_table({"model": result})
    assert list(table.index) == list(measures.LABELS.values())
    # The per-sample values give back the table's numbers, for comparisons with an interval.
    assert measures.class_unevenness(result["region_classes"], 2) == pytest.approx(
        result["area_unevenness"])
    assert measures.class_unevenness(result["judged_classes"], 2) == pytest.approx(
        result["generated_unevenness"])
    assert result["in_gap"].mean() == pytest.approx(result["gap_fraction"])
    assert result["realistic"].mean() == pytest.approx(result["realistic_fraction"])
    assert measures.frechet_distance(result["sample_features"], result["real_features"]) == (
        pytest.approx(result["fid_samples"]))
    # One cut for every model compared: given, it replaces the model's own reconstructions'.
    cut = measures.limitations(identity, PointJudge(z_ref), z_ref, z_held, y_held, z_held,
                               z_held, points, n_classes=2, realistic_cut=0.0)
    assert not cut["realistic"].any()  # no sample sits exactly on a reference point
    lax = measures.limitations(identity, PointJudge(z_ref), z_ref, z_held, y_held, z_held,
                               z_held, points, n_classes=2, realistic_cut=np.inf)
    assert lax["realistic"].all()


def test_class_unevenness_counts_labels():
    assert measures.class_unevenness([0, 1, 2, 3], n_classes=4) == pytest.approx(0.0)
    assert measures.class_unevenness([1, 1, 1, 1], n_classes=2) == pytest.approx(0.5)


def test_the_lilliefors_bound_is_tighter_than_the_ordinary_one_and_matches_its_table():
    from scipy import stats

    n = 1000
    critical = measures.lilliefors_critical(n, n_sim=1000, seed=0)
    assert critical < stats.kstwo.ppf(0.95, n)  # a fitted sample lies closer to the Normal
    assert critical == pytest.approx(0.886 / np.sqrt(n), rel=0.08)  # Lilliefors' large-n value


def test_sharpness_falls_with_blur():
    from scipy import ndimage

    rng = np.random.default_rng(0)
    images = (rng.random((5, 16, 16, 1)) > 0.5).astype("float32")
    blurred = ndimage.gaussian_filter(images, sigma=(0, 1.5, 1.5, 0))
    assert np.all(measures.sharpness(blurred) < measures.sharpness(images))
    assert measures.sharpness(np.ones((2, 8, 8, 1))).tolist() == [0.0, 0.0]


def test_lines_join_codes_of_different_classes():
    z = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    labels = np.array([0, 0, 1, 1])
    lines, pairs = measures.lines(z, labels, n_pairs=10, n_steps=5, seed=1)
    assert lines.shape == (len(pairs), 5, 2) and len(pairs) <= 10
    assert np.all(labels[pairs[:, 0]] != labels[pairs[:, 1]])
    np.testing.assert_allclose(lines[:, 0], z[pairs[:, 0]])
    np.testing.assert_allclose(lines[:, -1], z[pairs[:, 1]])


def test_the_line_test_finds_the_gap_between_two_blobs():
    rng = np.random.default_rng(2)
    z_ref, _ = blobs(rng, 2000)
    z_held, y_held = blobs(rng, 300)
    threshold = measures.gap_threshold(z_ref, z_held)
    result = measures.line_test(z_ref, z_held, y_held, identity, PointJudge(z_ref), threshold,
                                n_pairs=50, n_steps=9, seed=0)
    assert result["lines_crossing"] == 1.0  # every line between the blobs crosses the gap
    assert 0.5 < result["line_gap_share"] < 1.0
    assert result["line_gap_atypicality"] > 5 * result["line_data_atypicality"]


def test_a_line_whose_ends_alone_lie_in_gaps_crosses_none():
    # The data: a dense segment from (-1, 0) to (1, 0). The held-out codes sit 0.5 beyond its
    # ends, in "gaps" for a threshold of 0.3, and every line between them runs along the data.
    z_ref = np.stack([np.linspace(-1, 1, 401), np.zeros(401)], axis=1).astype("float32")
    z_held = np.array([[-1.5, 0.0], [1.5, 0.0]] * 10, "float32")
    labels = np.arange(20) % 2
    assert measures.in_gap(z_ref, z_held, 0.3).all()
    result = measures.line_test(z_ref, z_held, labels, identity, PointJudge(z_ref), 0.3,
                                n_pairs=5, n_steps=9, seed=0)
    assert result["lines_crossing"] == 0.0 and result["line_gap_share"] == 0.0
    assert not result["crossing"].any()
    with pytest.raises(ValueError, match="n_steps=2"):
        measures.line_test(z_ref, z_held, labels, identity, PointJudge(z_ref), 0.3, n_steps=2)


def test_frechet_distance_matches_the_matrix_square_root_form():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(400, 5))
    b = rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5)) + 1.0
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = (np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(cov_a + cov_b)
                - 2 * np.trace(linalg.sqrtm(cov_a @ cov_b).real))
    assert measures.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert measures.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)


def test_reference_images_are_a_seeded_subset():
    x, y = np.arange(100)[:, None] * np.ones((1, 4)), np.arange(100) % 10
    first, labels = measures.reference_images(x, y, 20, seed=3)
    again, _ = measures.reference_images(x, y, 20, seed=3)
    assert first.shape == (20, 4) and len(np.unique(first[:, 0])) == 20
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(labels, first[:, 0].astype(int) % 10)
    assert len(measures.reference_images(x, y, 500)[0]) == 100  # at most all of them
