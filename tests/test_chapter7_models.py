"""Chapter 7's networks: the autoencoder with a linear code is chapter 1's fully connected one with
no activation on its code, and the denoising autoencoder is that network with noise in front."""

import json
import types
from pathlib import Path

import keras
import numpy as np
from keras import layers

from course_utils import models

BOOK = Path(__file__).resolve().parents[1] / "book"


def chapter_7(name):
    """Run the code cell of chapter 7 that defines name; return its namespace."""
    cells = ["".join(c["source"]) for c in
             json.loads((BOOK / "07_applications.ipynb").read_text())["cells"]
             if c["cell_type"] == "code"]
    (source,) = [s for s in cells if f"def {name}(" in s]
    namespace = {"keras": keras, "layers": layers, "np": np,
                 "cfg": types.SimpleNamespace(SEED=0)}
    exec(compile(source, f"<07_applications:{name}>", "exec"), namespace)
    return namespace


def dense_activations(model):
    """Return the activations of a model's Dense layers in order, its encoder's first."""
    parts = [model.get_layer(name) for name in ("encoder", "decoder")
             if name in [layer.name for layer in model.layers]] or [model]
    return [layer.activation.__name__ for part in parts for layer in part.layers
            if isinstance(layer, layers.Dense)]


def test_the_linear_code_autoencoder_is_chapter_1s_but_for_the_codes_activation():
    build = chapter_7("build_linear_code_autoencoder")["build_linear_code_autoencoder"]
    keras.utils.set_random_seed(0)
    mine, encoder, _ = build(8)
    keras.utils.set_random_seed(0)
    chapter_1 = models.build_dense_autoencoder(8)[0]
    assert mine.count_params() == chapter_1.count_params()
    for a, b in zip(mine.get_weights(), chapter_1.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same layers, the same initial weights
    theirs = dense_activations(chapter_1)
    assert theirs[2] == "relu" and dense_activations(mine) == theirs[:2] + ["linear"] + theirs[3:]
    x = np.random.default_rng(0).random((64, 28, 28, 1)).astype("float32")
    codes = keras.ops.convert_to_numpy(encoder(x))
    assert (codes < 0).any()  # a ReLU code would never be negative


def test_the_denoising_autoencoder_has_the_linear_code():
    build = chapter_7("build_denoising_autoencoder")["build_denoising_autoencoder"]
    keras.utils.set_random_seed(0)
    model = build(4, 0.3)
    assert dense_activations(model.get_layer("encoder"))[-1] == "linear"
    assert [type(layer).__name__ for layer in model.layers].count("GaussianNoise") == 1
