"""The site's explorers: exported decoders match Keras; the HTML carries what the page needs."""

import base64
import html
import json
import re

import keras
import numpy as np
import pytest

from course_utils import interactive, models
from booktools import editions

ort = pytest.importorskip("onnxruntime")


def _onnx_outputs(onnx_bytes, z):
    """Return what ONNX Runtime decodes from the latent points z."""
    session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["z"]  # what explorers.js feeds
    return session.run(None, {"z": z})[0]



def _layers(model):
    """Yield every layer inside model, those of nested models included (public API only)."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _layers(layer)


def _with_moved_batch_norm(decoder, seed=0):
    """Give every batch norm layer non-trivial statistics, so that the export must keep them."""
    rng = np.random.default_rng(seed)
    for layer in _layers(decoder):
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.5, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, n).astype("float32"))
            layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.2, n).astype("float32"))
    return decoder


@pytest.mark.parametrize("name", ["chapter 1", "chapter 3 (28x28)", "faces"])
def test_the_exported_decoder_matches_keras(name):
    keras.utils.set_random_seed(0)
    decoder = {"chapter 1": lambda: models.build_decoder(2),
               "chapter 3 (28x28)": lambda: models.build_decoder(2, (28, 28, 1), (32, 64)),
               "faces": lambda: _with_moved_batch_norm(models.build_faces_vae().decoder)}[name]()
    dim = decoder.input_shape[-1]
    z = np.random.default_rng(1).normal(0, 2, (16, dim)).astype("float32")
    expected = keras.ops.convert_to_numpy(decoder(z, training=False))
    got = _onnx_outputs(interactive.decoder_to_onnx(decoder), z)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-4)


def _explorer_parts(explorer):
    """Return (kind, config, model bytes or None) read back from an explorer's HTML."""
    page = explorer._repr_html_()
    kind = re.search(r'data-kind="([^"]+)"', page)[1]
    config = json.loads(html.unescape(re.search(r"data-config='([^']*)'", page)[1]))
    model = re.search(r'class="explorer-model">([^<]+)<', page)
    return kind, config, base64.b64decode(model[1]) if model else None


def test_the_latent_explorer_embeds_the_decoder_and_the_map_extent():
    keras.utils.set_random_seed(0)
    decoder = models.build_decoder(2)
    codes = np.array([[-1.0, 0.0], [3.0, 2.0], [0.5, -4.0]])
    kind, config, model = _explorer_parts(
        interactive.latent_explorer(decoder, codes, [0, 1, 2], [f"class {k}" for k in range(10)]))
    assert kind == "latent-map" and config["shape"] == [32, 32, 1]
    x0, x1, y0, y1 = config["extent"]
    assert x0 < -1.0 and x1 > 3.0 and y0 < -4.0 and y1 > 2.0  # every code on the map
    z = np.array([[0.3, -0.7]], dtype="float32")
    np.testing.assert_allclose(_onnx_outputs(model, z), decoder(z).numpy(), atol=1e-4)


def test_the_conditional_explorer_runs_the_decoder_on_code_and_label_side_by_side():
    import onnxruntime as ort

    z, label = keras.Input(shape=(2,)), keras.Input(shape=(10,))
    x = keras.layers.Dense(16, activation="relu")(keras.layers.Concatenate()([z, label]))
    x = keras.layers.Reshape((28, 28, 1))(keras.layers.Dense(784, activation="sigmoid")(x))
    decoder = keras.Model([z, label], x)
    explorer = interactive.conditional_explorer(decoder, np.zeros((3, 2)), [0, 1, 2],
                                                [f"class {k}" for k in range(10)])
    kind, config, model = _explorer_parts(explorer)
    assert kind == "latent-map" and config["classes"] == 10 and config["shape"] == [28, 28, 1]
    assert explorer._repr_html_().count("<option") == 10
    session = ort.InferenceSession(model)
    joined = np.zeros((2, 12), "float32")
    joined[:, :2] = [[0.5, -1.0], [2.0, 0.3]]
    joined[0, 2 + 3], joined[1, 2 + 7] = 1, 1
    got = session.run(None, {session.get_inputs()[0].name: joined})[0]
    want = decoder.predict([joined[:, :2], joined[:, 2:]], verbose=0)
    assert np.abs(got - want).max() < 1e-5


def test_the_latent_explorer_refuses_codes_that_are_not_two_dimensional():
    with pytest.raises(ValueError, match=r"2-D codes, shape \(n, 2\); got \(3, 4\)"):
        interactive.latent_explorer(models.build_decoder(4), np.zeros((3, 4)), [0, 1, 2], ["a"])


def test_the_attribute_explorer_carries_codes_vectors_and_units():
    keras.utils.set_random_seed(0)
    decoder = models.build_faces_vae().decoder
    codes = np.random.default_rng(0).normal(size=(3, 200))
    vectors = {"Smiling": np.ones(200), "Eyeglasses": -np.ones(200)}
    explorer = interactive.attribute_explorer(decoder, np.zeros((3, 64, 64, 3)), codes, vectors,
                                              {"Smiling": 1.5, "Eyeglasses": 2.0}, "Smiling")
    kind, config, model = _explorer_parts(explorer)
    assert kind == "attribute" and config["shape"] == [64, 64, 3]
    assert len(config["codes"]) == 3 and set(config["vectors"]) == set(vectors)
    assert config["units"] == {"Smiling": 1.5, "Eyeglasses": 2.0}
    assert model and explorer._repr_html_().count('class="explorer-face"') == 3
    with pytest.raises(ValueError, match="'Bangs' is not among the vectors"):
        interactive.attribute_explorer(decoder, np.zeros((1, 64, 64, 3)), codes[:1], vectors,
                                       {"Smiling": 1.5, "Eyeglasses": 2.0}, "Bangs")


def test_the_kl_explorer_starts_at_the_given_point():
    kind, config, model = _explorer_parts(interactive.kl_explorer(mu=0.5, sigma=2.0))
    assert kind == "kl" and config == {"mu": 0.5, "sigma": 2.0} and model is None


# --- the explorers' cells in the book and the editions ---------------------------------------

def _cells(path):
    return json.loads(path.read_text())["cells"]


EXPLORED = {"01_autoencoder": "latent_explorer", "03_vae": "latent_explorer",
            "04_kl_divergence": "kl_explorer", "06_latent_arithmetic": "attribute_explorer",
            "08_generating": "conditional_explorer"}


@pytest.mark.parametrize("chapter", sorted(EXPLORED))
def test_each_explorer_cell_is_for_the_site_alone(chapter):
    """Shown on the site without its code; left out of the editions, which have the widgets."""
    cells = [c for c in _cells(editions.BOOK / f"{chapter}.ipynb")
             if f"interactive.{EXPLORED[chapter]}(" in "".join(c["source"])]
    assert len(cells) == 1
    assert {"remove-input", editions.SITE_ONLY} <= set(cells[0]["metadata"]["tags"])
    for kind in editions.KINDS:
        text = (editions.EDITIONS / kind / f"{chapter}.ipynb").read_text()
        assert "interactive." not in text and "runs in your browser: point" not in text


def test_every_reference_is_cited_and_every_citation_is_a_reference():
    cited = set()
    for path in sorted(editions.BOOK.glob("*.ipynb")) + sorted(editions.BOOK.glob("*.md")):
        text = path.read_text()
        for keys in re.findall(r"\{cite(?::[pt])?\}`([^`]+)`", text):
            cited |= {k.strip() for k in keys.split(",")}
    assert cited == set(editions.references()), cited ^ set(editions.references())


def test_the_editions_turn_citations_into_links_to_the_references_page():
    text = (editions.EDITIONS / "solutions" / "03_vae.ipynb").read_text()
    assert "{cite" not in text
    assert "[Kingma and Welling, 2014](" in text and "/book/references.html)" in text
