"""Every model the course saves reloads with safe_mode=True, and nothing uses a Lambda layer.

The library's VAEs and autoencoders are checked in test_models.py; here are the others the
model cache saves (the judge, the attribute classifier) and the classes written on the
chapters' pages (chapter 3's VAE and Sampling layer, chapter 4's free-bits VAE, chapter 5's
Gaussian VAE), saved and reloaded as a .keras file with safe_mode=True, with identical outputs.
"""

import ast
import json
from pathlib import Path

import keras
import numpy as np
import pytest
from test_models import page

from course_utils import kl, models, realism

ROOT = Path(__file__).resolve().parents[1]


def chapter_3_vae():
    ns = page("03_vae.ipynb", ["Sampling"])
    ns = page("03_vae.ipynb", ["build_vae_encoder", "VAE"], Sampling=ns["Sampling"])
    return ns["VAE"](ns["build_vae_encoder"](), models.build_decoder(), name="vae")


def chapter_4_free_bits_vae():
    free_bits = page("04_kl_divergence.ipynb", ["FreeBitsVAE"], kl=kl)["FreeBitsVAE"]
    vae = models.build_vae(latent_dim=4)
    return free_bits(vae.encoder, vae.decoder, free_bits=0.25, name="free_bits_vae")


def chapter_5_faces_vae():
    return page("05_faces.ipynb", ["GaussianVAE", "build_faces_vae"])["build_faces_vae"](8)


SAVED = {
    "judge": (lambda: realism.build_judge(), (32, 32, 1)),
    "attribute classifier": (lambda: models.build_attribute_classifier(3), (64, 64, 3)),
    "chapter 3's VAE": (chapter_3_vae, (32, 32, 1)),
    "chapter 4's free-bits VAE": (chapter_4_free_bits_vae, (32, 32, 1)),
    "chapter 5's faces VAE": (chapter_5_faces_vae, (64, 64, 3)),
}


@pytest.mark.parametrize("name", list(SAVED))
def test_a_saved_model_reloads_in_safe_mode_with_identical_outputs(name, tmp_path):
    build, shape = SAVED[name]
    keras.utils.set_random_seed(0)
    model = build()
    images = np.random.default_rng(0).random((4, *shape)).astype("float32")
    if isinstance(model, models.VAE):
        model.compile(optimizer="adam")
        model.fit(images, epochs=1, verbose=0)
        outputs = lambda m: [*m.encoder(images)[:2], m(images)]  # noqa: E731
    else:
        model(images)
        outputs = lambda m: [m(images)]  # noqa: E731
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", safe_mode=True)
    assert type(loaded) is type(model)
    for a, b in zip(outputs(loaded), outputs(model)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    if isinstance(model, models.VAE):  # the noise generator's state came back too
        np.testing.assert_allclose(loaded.encoder(images)[2], model.encoder(images)[2],
                                   rtol=1e-5, atol=1e-6)


def code_sources():
    """Yield (where, Python source) for the package, tests' helpers, benchmarks and notebooks."""
    for folder in ("course_utils", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text()
    for pattern in ("book/*.ipynb", "templates/*.ipynb"):
        for path in sorted(ROOT.glob(pattern)):
            for i, cell in enumerate(json.loads(path.read_text())["cells"]):
                if cell["cell_type"] == "code":
                    yield f"{path.relative_to(ROOT)}, cell {i}", "".join(cell["source"])


def lambda_layers(source):
    """Return the line numbers where source names Keras' Lambda layer."""
    return [node.lineno for node in ast.walk(ast.parse(source))
            if (isinstance(node, ast.Name) and node.id == "Lambda")
            or (isinstance(node, ast.Attribute) and node.attr == "Lambda")]


def test_no_lambda_layer_anywhere():
    sources = list(code_sources())
    assert len(sources) > 100  # the package, the benchmarks and every notebook's code cells
    found = [(where, lines) for where, source in sources if (lines := lambda_layers(source))]
    assert not found, f"Lambda layers do not load with safe_mode=True: {found}"
    assert lambda_layers("x = keras.layers.Lambda(f)(x)") == [1]  # the scan sees one
