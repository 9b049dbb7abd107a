"""The judge of realistic images (course_utils.realism): its made-up images, and that it works."""

import numpy as np
import pytest

from course_utils import data, realism, trained


def images(n=60, seed=0):
    """Return n random 32x32x1 'images' in [0, 1] and labels of three classes."""
    rng = np.random.default_rng(seed)
    return rng.random((n, 32, 32, 1)).astype("float32"), rng.integers(0, 3, n)


def test_blur_smooths_each_image_by_its_own_sigma():
    x, _ = images(3)
    blurred = realism.blur(x, [0.0, 1.0, 3.0])
    np.testing.assert_allclose(blurred[0], x[0], atol=1e-6)  # sigma 0: unchanged
    roughness = [np.abs(np.diff(b, axis=0)).mean() for b in blurred]
    assert roughness[0] > roughness[1] > roughness[2]
    np.testing.assert_allclose(blurred.mean(axis=(1, 2, 3)), x.mean(axis=(1, 2, 3)), atol=0.02)


def test_blends_mix_two_classes_with_matching_targets():
    x, y = images()
    rng = np.random.default_rng(1)
    mixed, targets = realism.blends(x, y, rng, weight=0.5)
    assert mixed.shape[1:] == x.shape[1:] and len(mixed) == len(targets) <= len(x)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0)
    assert np.all(np.sort(targets, axis=1)[:, -2:] == 0.5)  # two classes, half each


def test_the_training_set_adds_as_many_made_up_images_with_soft_targets():
    x, y = images(90)
    inputs, targets = realism.training_set(x, y, seed=0)
    assert len(inputs) == len(targets) > len(x)
    np.testing.assert_allclose(targets.sum(axis=1), 1.0, atol=1e-6)
    uniform = np.all(np.isclose(targets, 1 / 3), axis=1)
    assert uniform.sum() == 30  # a third as many noise images, which show no class
    again, _ = realism.training_set(x, y, seed=0)
    np.testing.assert_array_equal(inputs, again)  # the same computation repeated


def test_the_judge_pads_smaller_images_and_refuses_larger_ones():
    x, _ = images(5)
    judge = realism.Judge(realism.build_judge(3), x)
    assert judge.fit_size(np.zeros((2, 28, 28, 1))).shape == (2, 32, 32, 1)
    assert judge.features(np.zeros((2, 28, 28, 1))).shape == (2, 64)
    with pytest.raises(ValueError, match="at most 32x32"):
        judge.classes(np.zeros((1, 64, 64, 1)))


def test_a_trained_judge_tells_real_images_from_noise_and_blends(tmp_path):
    (x, y), (xt, yt), used = data.load_split("fashion_mnist", "synthetic", 3000, 500, seed=0)
    x32, xt32 = data.to_model_input(x, pad_to=32), data.to_model_input(xt, pad_to=32)
    model, _ = trained.judge(x32, y, trained.data_key("fashion_mnist", used, 3000, 0), 3,
                             cache_dir=tmp_path, verbose=0)
    judge = realism.Judge(model, x32[:1000])
    auc = realism.validate(judge, xt32, yt)
    assert set(auc) == {"noise", "blends of two classes", "blurred copies"}
    assert auc["noise"] > 0.95
    assert auc["blends of two classes"] > 0.65
    assert (judge.classes(xt32) == yt).mean() > 0.7
