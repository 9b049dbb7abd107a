"""Datasets of the course: Fashion-MNIST, MNIST and CelebA, real or procedural stand-ins."""

from course_utils.data.celeba import load_celeba, write_synthetic_celeba  # noqa: F401
from course_utils.data.datasets import (  # noqa: F401
    FASHION_CLASS_NAMES, MNIST_CLASS_NAMES, DataUnavailableError, class_names, describe, load,
    load_split, nearest_centroid_accuracy, source_phrase, subset, synthetic, to_model_input,
)
