"""Time the site's explorers: one update of a decoder running in the reader's browser.

The explorers of chapters 1, 3 and 6 (``course_utils.interactive``) decode in the browser, with
ONNX Runtime Web on WebAssembly, one thread. This script writes a page with chapter 1's decoder
and the faces decoder (the same architectures as the book's; their weights do not change the
time), serves it on localhost with the site's own scripts, opens it in headless Chromium
(Debian's package) and moves each explorer's control step by step, waiting for every picture.
It prints the median time from a move to the picture drawn, against the aims (50 ms for
chapter 1's decoder, 150 ms for the faces decoder), and against Keras decoding one point in
Python on the same machine in the same run (the ratio: Keras' time over the browser's).

Run from the repository root:  .venv/bin/python benchmarks/browser.py [--size quick]
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from course_utils import _quiet

_quiet.import_tensorflow_quietly()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from course_utils import interactive, models  # noqa: E402
from booktools import assets as site  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# Debian's Chromium (what the tests use), else another Chromium or Chrome on the PATH.
CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), "/usr/bin/chromium")
AIMS_MS = {"chapter 1's decoder": 50, "faces decoder": 150}
SIZES = {"full": 100, "quick": 40, "tiny": 10}  # moves per explorer


def _page(folder):
    """Write the page with both explorers and the site's scripts into folder."""
    keras.utils.set_random_seed(0)
    small = models.build_decoder(2)
    faces = models.build_faces_vae().decoder
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(200, 2))
    latent = interactive.latent_explorer(small, codes, rng.integers(0, 10, 200),
                                         [str(k) for k in range(10)])
    z = rng.normal(size=(4, 200)).astype("float32")
    attribute = interactive.attribute_explorer(
        faces, np.zeros((4, 64, 64, 3)), z, {"Smiling": rng.normal(size=200)}, {"Smiling": 1.0},
        "Smiling")
    site.vendor(folder / "_static")
    for name in ("explorers.js", "explorers.css"):
        shutil.copy(ROOT / "site" / "static" / name, folder / "_static" / name)
    (folder / "index.html").write_text(
        '<!DOCTYPE html><html data-content_root="./"><head><meta charset="utf-8">'
        '<link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="_static/explorers.css"></head><body>'
        f"{latent._repr_html_()}{attribute._repr_html_()}"
        '<script src="_static/explorers.js"></script></body></html>')
    return {"chapter 1's decoder": small, "faces decoder": faces}


def keras_ms(decoder, moves):
    """Return the median milliseconds of Keras decoding one point (or two) in Python."""
    dim = decoder.input_shape[-1]
    rows = 1 if dim == 2 else 2  # the faces explorer decodes the face and its edit together
    z = np.random.default_rng(1).normal(size=(moves, rows, dim)).astype("float32")
    decoder(z[0], training=False)  # warm up
    times = []
    for point in z:
        start = time.perf_counter()
        keras.ops.convert_to_numpy(decoder(point, training=False))
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def browser_ms(url, moves):
    """Return {explorer: median ms per update} measured in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=site.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1600})
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(url)
        latent, attribute = page.query_selector_all(".course-explorer")
        results = {}
        for name, element in (("chapter 1's decoder", latent), ("faces decoder", attribute)):
            element.scroll_into_view_if_needed()
            page.wait_for_function("e => Number(e.dataset.updates) > 0", arg=element,
                                   timeout=120_000)  # loaded, first picture drawn
            start = len(page.evaluate("e => window.courseExplorers.find(x => x.element === e)"
                                      ".times", element))
            box = element.query_selector("img.explorer-map, .explorer-image").bounding_box()
            for i in range(moves):
                count = int(element.get_attribute("data-updates"))
                if name == "faces decoder":
                    element.eval_on_selector(".explorer-strength", f"""e => {{
                        e.value = {-5 + 10 * (i % 20) / 19:.3f};
                        e.dispatchEvent(new Event('input'));}}""")
                else:
                    page.mouse.move(box["x"] + box["width"] * (0.1 + 0.8 * (i % 20) / 19),
                                    box["y"] + box["height"] * (0.1 + 0.04 * (i % 20)))
                page.wait_for_function("([e, n]) => Number(e.dataset.updates) > n",
                                       arg=[element, count], timeout=30_000)
            times = page.evaluate("e => window.courseExplorers.find(x => x.element === e).times",
                                  element)[start:]
            results[name] = statistics.median(times)
        browser.close()
    if errors:
        raise RuntimeError(f"the page logged errors: {errors}")
    return results


def run(size="full"):
    """Measure at a size of SIZES; return the numbers as a dict."""
    moves = SIZES[size]
    with tempfile.TemporaryDirectory() as folder:
        decoders = _page(Path(folder))
        with site.serve(folder) as address:
            browser = browser_ms(f"{address}/", moves)
    result = {"moves": moves}
    for name, decoder in decoders.items():
        key = "small" if name.startswith("chapter") else "faces"
        result[f"{key}_browser_ms"] = browser[name]
        result[f"{key}_keras_ms"] = keras_ms(decoder, moves)
        result[f"{key}_ratio"] = result[f"{key}_keras_ms"] / browser[name]
        result[f"{key}_aim_ms"] = AIMS_MS[name]
    return result


def main():
    """Print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="full",
                        help="quick: the book's run; tiny: the tests' run")
    r = run(parser.parse_args().size)
    print(f"The explorers in headless Chromium, median of {r['moves']} updates each:")
    for key, name in (("small", "chapter 1's decoder"), ("faces", "faces decoder")):
        print(f"  {name:20s} browser {r[f'{key}_browser_ms']:6.1f} ms (aim at most "
              f"{r[f'{key}_aim_ms']} ms); Keras in Python {r[f'{key}_keras_ms']:6.1f} ms; "
              f"ratio {r[f'{key}_ratio']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
