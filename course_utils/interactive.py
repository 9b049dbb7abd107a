"""Figures the reader moves on the published site, with no Python behind the page.

On the static site an ipywidgets slider is a picture of a slider, so the decoder is exported
to ONNX and run in the reader's browser by ONNX Runtime Web, served by the site
(``booktools.assets``); ``site/static/explorers.js`` draws the explorers. Their cells are tagged
``site-only``: in Jupyter and Colab the notebook's own widgets do this job.
"""

import base64
import html
import io
import json

import numpy as np

def decoder_to_onnx(decoder):
    """Return a Keras decoder (latent points to images) as ONNX bytes, its input named "z"."""
    import tensorflow as tf
    import tf2onnx

    spec = (tf.TensorSpec((None, decoder.input_shape[-1]), tf.float32, name="z"),)
    proto, _ = tf2onnx.convert.from_keras(decoder, input_signature=spec, opset=17)
    return proto.SerializeToString()


def _png(figure_or_pixels):
    """Return a matplotlib figure, or an (H, W[, 3]) array in [0, 1], as a PNG data URI."""
    buffer = io.BytesIO()
    if hasattr(figure_or_pixels, "savefig"):
        figure_or_pixels.savefig(buffer, format="png", dpi=100)
    else:
        from PIL import Image

        pixels = (np.clip(np.squeeze(figure_or_pixels), 0, 1) * 255).astype("uint8")
        Image.fromarray(pixels).save(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class Explorer:
    """An explorer's HTML: a div that explorers.js brings to life, with its data inside."""

    def __init__(self, kind, config, body, model=None):
        self.kind, self.config, self.body, self.model = kind, config, body, model

    def _repr_html_(self):
        model = ("" if self.model is None else '<script type="application/octet-stream" '
                 f'class="explorer-model">{base64.b64encode(self.model).decode()}</script>')
        return (f'<div class="course-explorer" data-kind="{self.kind}" '
                f"data-config='{html.escape(json.dumps(self.config), quote=True)}'>"
                f"{self.body}{model}</div>")


def latent_explorer(decoder, codes, labels, class_names, extent=None, title="Codes", model=True):
    """Return an explorer: point anywhere on a 2-D latent map, see that point decoded.

    codes: (n, 2) codes drawn on the map, coloured by labels; extent: (x0, x1, y0, y1) of the
    map, by default the codes' range with a margin.
    """
    import matplotlib.pyplot as plt

    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] != 2:
        raise ValueError(f"latent_explorer needs 2-D codes, shape (n, 2); got {codes.shape}")
    if extent is None:
        low, high = codes.min(axis=0), codes.max(axis=0)
        margin = 0.05 * (high - low)
        extent = (low[0] - margin[0], high[0] + margin[0], low[1] - margin[1], high[1] + margin[1])
    extent = [float(v) for v in extent]
    figure = plt.figure(figsize=(4.2, 4.2))
    axes = figure.add_axes((0, 0, 1, 1))  # the whole picture is the map: pixels map to codes
    axes.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", vmin=-0.5,
                 vmax=9.5, s=3, alpha=0.6, linewidths=0)
    axes.set(xlim=extent[:2], ylim=extent[2:])
    axes.axis("off")
    picture = _png(figure)
    plt.close(figure)
    colours = plt.get_cmap("tab10")
    legend = "".join(
        f'<span><i style="background:rgb{tuple(int(255 * c) for c in colours(k)[:3])}"></i>'
        f"{html.escape(name)}</span>" for k, name in enumerate(class_names))
    body = (f'<p class="explorer-title">{html.escape(title)}: point at the map (or focus it and '
            "use the arrow keys); the decoder runs in your browser.</p>"
            '<div class="explorer-row">'
            f'<img class="explorer-map" tabindex="0" src="{picture}" width="420" height="420" '
            f'alt="{html.escape(title)}: the 2-D codes of held-out images, coloured by class">'
            '<div><canvas class="explorer-image" width="224" height="224" '
            'aria-label="the image decoded at the chosen point"></canvas>'
            '<p class="explorer-readout" aria-live="polite">z = (0, 0)</p></div></div>'
            f'<p class="explorer-legend">{legend}</p>')
    shape = [int(d) for d in decoder.output_shape[1:]]
    return Explorer("latent-map", {"extent": extent, "shape": shape}, body,
                    decoder_to_onnx(decoder) if model else None)


def conditional_explorer(decoder, codes, labels, class_names, extent=None,
                         title="Style codes"):
    """Return an explorer: pick a class, point at a style on the 2-D map, see it decoded.

    decoder: a conditional decoder, [z (n, 2), one-hot label (n, classes)] to images; it runs
    in the browser on one input, the code and the one-hot label side by side.
    """
    import keras

    explorer = latent_explorer(decoder, codes, labels, class_names, extent, title, model=False)
    latent, n_classes = decoder.input_shape[0][-1], decoder.input_shape[1][-1]
    joined = keras.Input(shape=(latent + n_classes,), name="z")
    side_by_side = keras.Model(joined, decoder([joined[:, :latent], joined[:, latent:]]))
    options = "".join(f'<option value="{k}">{html.escape(name)}</option>'
                      for k, name in enumerate(class_names))
    explorer.body = (f'<p class="explorer-controls"><label>Class <select class="explorer-class">'
                     f"{options}</select></label></p>{explorer.body}")
    explorer.config["classes"] = int(n_classes)
    explorer.model = decoder_to_onnx(side_by_side)
    return explorer


def kl_explorer(mu=1.0, sigma=0.5):
    """Return an explorer: move mu and sigma of q = N(mu, sigma^2), see q, p = N(0, 1), KL."""
    body = ('<p class="explorer-title">Move q = N(&mu;, &sigma;&sup2;) against p = N(0, 1); '
            "KL(q &#8214; p) updates as you go.</p>"
            '<div class="explorer-controls">'
            f'<label>&mu; <input type="range" class="explorer-mu" min="-3" max="3" step="0.1" '
            f'value="{mu}"></label>'
            f'<label>&sigma; <input type="range" class="explorer-sigma" min="0.1" max="3" '
            f'step="0.05" value="{sigma}"></label></div>'
            '<canvas class="explorer-plot" width="640" height="300" '
            'aria-label="the densities of q and p"></canvas>'
            '<p class="explorer-readout" aria-live="polite"></p>')
    return Explorer("kl", {"mu": mu, "sigma": sigma}, body)


def attribute_explorer(decoder, faces, codes, vectors, units, attribute):
    """Return an explorer: pick a face, an attribute and a strength; see the edited face.

    faces: (n, H, W, 3) originals; codes: their (n, d) codes; vectors: {attribute: (d,)};
    units: {attribute: the strength the chapter calls one unit}; attribute: the one shown first.
    """
    faces, codes = np.asarray(faces), np.asarray(codes, dtype="float32")
    if attribute not in vectors:
        raise ValueError(f"attribute_explorer: {attribute!r} is not among the vectors "
                         f"({', '.join(vectors)})")
    options = "".join(f'<option value="{html.escape(n)}"{" selected" if n == attribute else ""}>'
                      f'{html.escape(n.replace("_", " "))}</option>' for n in vectors)
    thumbnails = "".join(
        f'<img class="explorer-face" data-index="{i}" src="{_png(face)}" width="48" '
        f'height="48" tabindex="0" alt="held-out face {i + 1}">' for i, face in enumerate(faces))
    body = ('<p class="explorer-title">Pick a face, an attribute and a strength: the faces '
            "decoder runs in your browser.</p>"
            f'<div class="explorer-faces">{thumbnails}</div>'
            '<div class="explorer-controls">'
            f'<label>attribute <select class="explorer-attribute">{options}</select></label>'
            '<label>strength <input type="range" class="explorer-strength" min="-10" max="10" '
            f'step="0.1" value="{2 * units[attribute]}"></label></div>'
            '<canvas class="explorer-image" width="384" height="128" aria-label="original, '
            'reconstruction and the edited face"></canvas>'
            '<p class="explorer-readout" aria-live="polite"></p>')
    config = {"codes": np.round(codes, 5).tolist(),
              "vectors": {n: np.round(np.asarray(v, dtype="float32"), 5).tolist()
                          for n, v in vectors.items()},
              "units": {n: float(u) for n, u in units.items()},
              "shape": [int(d) for d in decoder.output_shape[1:]]}
    return Explorer("attribute", config, body, decoder_to_onnx(decoder))
