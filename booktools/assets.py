"""The published site's own copies of the scripts it needs, so that it loads nothing from a CDN.

MathJax comes with the sphinx-mathjax-offline package. ONNX Runtime Web, which runs the
explorers' decoders (``course_utils.interactive``), comes from the npm package pinned in
``site/package-lock.json``: ``make book`` installs it (``npm ci``), and ``vendor()`` copies the
files the site serves into ``_build/site_static/vendor``, one of the site's static folders
(``_config.yml``). The site's own scripts and styles are in ``site/static``. There is no widget
manager, nor the require.js it needs: the site shows no ipywidgets (``nb_ipywidgets_js`` in
_config.yml), the explorers take their place.

    python -m booktools.assets        (copy them; make book does it before every build)
"""

import contextlib
import functools
import http.server
import shutil
import sys
import threading
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


CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium package (.ci/chromium installs it)
# Scroll a page to the bottom and back, so that lazy images load and explorers start.
SCROLL_THROUGH = """async () => {
    for (let y = 0; y < document.body.scrollHeight; y += 600) {
        window.scrollTo(0, y);
        await new Promise(r => setTimeout(r, 30));
    }
    window.scrollTo(0, 0);
}"""
# Headless Chromium on a closed network (the browser test, benchmarks/browser.py): without
# these, Chromium's own calls home fail and count as failed requests.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


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


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serve files quietly, with the types GitHub Pages gives modules and WebAssembly."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript",
                      ".wasm": "application/wasm"}

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder):
    """Serve a folder on a free localhost port while the block runs; yield its address."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    try:
        print(f"Copied {len(vendor())} files into {STATIC}")
    except SiteError as error:
        sys.exit(str(error))
