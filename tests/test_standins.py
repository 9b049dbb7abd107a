"""The Fashion-MNIST and MNIST stand-ins (clothes, digits): format, balance, seeds, difficulty."""

import hashlib

import numpy as np
import pytest

from course_utils.data import clothes, digits
from course_utils.data.datasets import nearest_centroid_accuracy

# generator, nearest-centroid accuracy bounds (measured about 0.69 and 0.82; the real
# Fashion-MNIST and MNIST give about 0.68 and 0.82)
GENERATORS = {
    "clothes": (clothes.make_clothes, 0.5, 0.85),
    "digits": (digits.make_digits, 0.65, 0.93),
}


@pytest.fixture(scope="module", params=list(GENERATORS))
def generator(request):
    make, low, high = GENERATORS[request.param]
    return request.param, make, make(10_000, seed=1), (low, high)


def test_class_names():
    assert clothes.CLASS_NAMES == ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
    assert digits.CLASS_NAMES == ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")


def test_shapes_dtypes_and_values(generator):
    name, make, _, _ = generator
    images, labels = make(103, seed=0)
    assert images.shape == (103, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (103,) and labels.dtype == np.uint8
    if name == "clothes":
        assert images.max() > 200  # light garments...
        assert np.median(images[:, :, 0]) == 0  # ...on a black background
    else:
        assert images.max() == 255  # white strokes...
        assert images[:, 0].max() == 0 and images[:, :, 0].max() == 0  # ...inside a black margin


def test_every_image_has_ink(generator):
    name, _, (images, _), _ = generator
    if name == "clothes":
        assert (images > 20).mean(axis=(1, 2)).min() > 0.03
    else:
        assert (images > 127).mean(axis=(1, 2)).min() > 0.02
        assert images.max(axis=(1, 2)).min() > 200


def test_labels_are_balanced_and_shuffled(generator):
    _, make, _, _ = generator
    _, labels = make(1003, seed=0)
    counts = np.bincount(labels, minlength=10)
    assert counts.min() >= 100 and counts.max() <= 101
    assert not np.array_equal(labels, np.sort(labels))


def test_same_seed_same_data_other_seed_other_data(generator):
    _, make, _, _ = generator
    first, again, other = make(50, 7), make(50, 7), make(50, 8)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_no_two_images_are_identical(generator):
    _, _, (images, _), _ = generator
    hashes = {hashlib.sha1(image.tobytes()).hexdigest() for image in images}
    assert len(hashes) == len(images)


def test_nearest_centroid_is_far_above_chance_and_far_from_perfect(generator):
    _, make, train, (low, high) = generator
    accuracy = nearest_centroid_accuracy(train, make(2_000, seed=2))
    assert low < accuracy < high
