"""The published site's own copies of the scripts it needs, so that it loads nothing from a CDN.

MathJax comes with the sphinx-mathjax-offline package. ONNX Runtime Web, which runs the
explorers' decoders (``course_utils.interactive``), comes from the npm package pinned in
``site/package-lock.json``: ``make book`` installs it (``npm ci``), and ``vendor()`` copies the
files the site serves into ``_build/site_static/vendor``, one of the site's static folders
(``_config.yml``). The site's own scripts and styles are in ``site/static``. There is no widget
manager, nor the require.js it needs: the site shows no ipywidgets (``nb_ipywidgets_js`` in
_config.yml), the explorers take their place.

    python -m course_utils.site        (copy them; make book does it before every build)
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "site" / "node_modules"
STATIC = ROOT / "_build" / "site_static"  # listed in html_static_path (_config.yml)
# What the site serves, under _static/: {file there: file in site/node_modules}.
VENDOR = {
    "vendor/ort/ort.wasm.min.js": "onnxruntime-web/dist/ort.wasm.min.js",
    "vendor/ort/ort-wasm-simd-threaded.mjs": "onnxruntime-web/dist/ort-wasm-simd-threaded.mjs",
    "vendor/ort/ort-wasm-simd-threaded.wasm": "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
}


class SiteError(RuntimeError):
    """The site's scripts are missing: the message says how to install them."""


def vendor(static=STATIC, node_modules=NODE_MODULES):
    """Copy the pinned npm packages' files the site serves into static; return their paths."""
    missing = [source for source in VENDOR.values() if not (node_modules / source).is_file()]
    if missing:
        raise SiteError(
            f"The site's scripts are not installed: {node_modules / missing[0]} is missing "
            f"({len(missing)} of {len(VENDOR)} files). Install the pinned npm packages with "
            "`npm ci --prefix site` (make book does it; it needs Node.js and npm).")
    shutil.rmtree(static / "vendor", ignore_errors=True)  # nothing left from older pins
    copied = []
    for target, source in VENDOR.items():
        path = static / target
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / source, path)
        copied.append(path)
    return copied


if __name__ == "__main__":
    try:
        print(f"Copied {len(vendor())} files into {STATIC}")
    except SiteError as error:
        sys.exit(str(error))
