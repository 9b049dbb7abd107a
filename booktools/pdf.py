"""Print the built site as one PDF: every page of the table of contents, in order.

Each page opens in headless Chromium (Debian's package, driven by Playwright, as in the browser
test) and prints with the theme's print styles once MathJax has typeset it and its images have
loaded (``page.pdf()``), so the math, figures and text are the site's own. pypdf then joins the
pages behind a contents page (each page's title and first page number) and adds a bookmark per
page, the PDF viewer's table of contents. The PDF
lands in the site's folder, where the introduction links to it.

    python -m booktools.pdf [--site _build/html]        (make book runs it after the build)
"""

import argparse
import html
import io
import sys
import time
from pathlib import Path

from booktools import assets, build

ROOT = Path(__file__).resolve().parents[1]
NAME = "latent-spaces.pdf"  # in the site's root; book/intro.ipynb links to it
PAPER = {"format": "A4", "margin": {"top": "16mm", "bottom": "16mm", "left": "14mm",
                                    "right": "14mm"}}


def pages():
    """Return the site's pages in the table of contents' order, as paths relative to the site."""
    return [f"{name}.html" for name in build.pages()]


def _print_page(browser, address, page_path):
    """Return (the page's title, its PDF bytes), printed once it is typeset and loaded."""
    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    try:
        page.goto(f"{address}/{page_path}", wait_until="load")
        page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate(assets.SCROLL_THROUGH)
        page.wait_for_load_state("networkidle")  # the images the scroll started loading
        title = page.eval_on_selector("article h1", "h => h.innerText").strip().rstrip("#")
        return title.strip(), page.pdf(print_background=True, **PAPER)
    finally:
        page.close()


def _contents(browser, titles, starts):
    """Return the contents page's PDF: each page's title and the page it starts on."""
    rows = "".join(f"<tr><td>{html.escape(t)}</td><td>{s}</td></tr>"
                   for t, s in zip(titles, starts))
    page = browser.new_page()
    try:
        page.set_content(f"""<html><body style="font-family: sans-serif">
            <h1>Latent Spaces</h1><h2>Contents</h2>
            <table style="width: 100%; font-size: 12pt; line-height: 1.8">{rows}</table>
            <style>td:last-child {{ text-align: right }}</style></body></html>""")
        return page.pdf(**PAPER)
    finally:
        page.close()


def make_pdf(site, out=None, progress=print):
    """Print every page of the built site into one PDF; return its path."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    site = Path(site)
    missing = [p for p in pages() if not (site / p).is_file()]
    if missing:
        raise FileNotFoundError(f"{site / missing[0]} is missing: build the site first "
                                "(make book), then make pdf.")
    if not assets.CHROMIUM.is_file():
        raise FileNotFoundError(f"{assets.CHROMIUM} is missing: install Debian's chromium package "
                                "(`apt-get install chromium`).")
    out = Path(out or site / NAME)
    # The pages and the course's own styles (Sphinx rewrites some theme files on every build).
    sources = [site / p for p in pages()] + [site / "_static" / f.name
                                              for f in (ROOT / "site" / "static").iterdir()]
    if out.is_file() and out.stat().st_mtime > max(p.stat().st_mtime for p in sources):
        progress(f"  {out} is newer than every page and style: nothing to print.")
        return out
    printed = []
    with assets.serve(site) as address, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(assets.CHROMIUM),
                                             args=assets.CHROMIUM_ARGS)
        try:
            for page_path in pages():
                start = time.perf_counter()
                title, data = _print_page(browser, address, page_path)
                printed.append((title, PdfReader(io.BytesIO(data))))
                progress(f"  {page_path}: {len(printed[-1][1].pages)} pages, "
                         f"{time.perf_counter() - start:.0f} s")
            contents = PdfReader(io.BytesIO(_contents(browser, [t for t, _ in printed],
                                                      [0] * len(printed))))
            starts, at = [], len(contents.pages)
            for _, reader in printed:
                starts.append(at + 1)
                at += len(reader.pages)
            contents = PdfReader(io.BytesIO(_contents(browser, [t for t, _ in printed],
                                                      starts)))
        finally:
            browser.close()
    if len(contents.pages) != starts[0] - 1:
        raise RuntimeError("the contents page's length changed with its page numbers")
    writer = PdfWriter()
    writer.append(contents)
    for (title, reader), first in zip(printed, starts):
        writer.append(reader, import_outline=False)
        writer.add_outline_item(title=title, page_number=first - 1)
    writer.add_metadata({"/Title": "Latent Spaces", "/Author": "The Latent Spaces team"})
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as file:
        writer.write(file)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", default=str(ROOT / "_build" / "html"),
                        help="the built site (default: make book's _build/html)")
    parser.add_argument("--out", help=f"the PDF (default: {NAME} in the site's folder)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    print(f"Printing {args.site} to PDF:")
    try:
        out = make_pdf(args.site, args.out)
    except FileNotFoundError as error:
        sys.exit(str(error))
    print(f"Done: {out} ({time.perf_counter() - start:.0f} s).")


if __name__ == "__main__":
    main()
