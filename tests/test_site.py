"""The published site as a reader meets it: a quick-profile build, served on localhost, opened in
headless Chromium (Debian's package, driven by Playwright), on a machine without internet.

`make test` builds that site first (``python -m booktools.build --out _build/test-site``, the
quick profile, its executed notebooks cached between runs) and runs these tests on it. For every
page: nothing requested from another host and no request failed, no console error, the math
typeset (no raw TeX left), every image loaded, the chapter's Colab links pointing at its own
editions, and every explorer answering its controls. A screenshot of each page is kept in
_build/test-site/screenshots.
"""

import contextlib
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from booktools import build, editions, pdf, assets as site_files

# COURSE_SITE_UNDER_TEST points the tests at another build, e.g. make book's _build/html.
SITE = Path(os.environ.get("COURSE_SITE_UNDER_TEST")
            or build.ROOT / "_build" / "test-site" / "_build" / "html")
SCREENSHOTS = build.ROOT / "_build" / "test-site" / "screenshots"
CHROMIUM = site_files.CHROMIUM
BUILD_COMMAND = ("COURSE_PROFILE=quick .venv/bin/python -m booktools.build "
                 "--out _build/test-site")

pytestmark = pytest.mark.xdist_group("site")




@pytest.fixture(scope="module")
def site():
    """Return the built quick site's folder, or fail saying how to build it."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No quick-profile site in {SITE}: build it with `{BUILD_COMMAND}` "
                    "(`make test` does it first).")
    return SITE


def test_every_page_of_the_table_of_contents_was_built(site):
    missing = [page for page in pdf.pages() if not (site / page).is_file()]
    assert not missing


EXTERNAL = re.compile(r"<(script|link|img|iframe|source|video|audio|embed)\b[^>]*?\s"
                      r"(?:src|href)=\"((?:https?:)?//[^\"]+)\"", re.I)


def test_the_site_loads_nothing_from_another_host(site):
    """Scripts, styles, images and frames all come from the site; plain links may go anywhere."""
    found = {}
    for path in site.rglob("*.html"):
        for tag, url in EXTERNAL.findall(path.read_text(errors="replace")):
            found.setdefault(f"<{tag}> {url}", str(path.relative_to(site)))
    assert not found, found
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (site / "_static" / "vendor" / "ort" / "ort-wasm-simd-threaded.wasm").is_file()


@pytest.fixture(scope="module")
def server(site):
    """Serve the site on a free localhost port; return its address."""
    with site_files.serve(site) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    """Return headless Chromium from the system's packages (no browser is downloaded)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(`apt-get install chromium`; .ci/run does it).")
    from playwright.sync_api import sync_playwright  # in requirements.txt

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                          args=site_files.CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


PHONE = {"width": 390, "height": 844}  # a common phone's CSS pixels


@pytest.fixture(scope="module")
def screenshots():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@contextlib.contextmanager
def _opened(browser, server, page_path, phone=False):
    """Open a page for the block; then fail on any console error or failed or outside request.

    phone: open it as a phone would (390 pixels wide, touch, the page's viewport tag obeyed).
    """
    if phone:
        context = browser.new_context(viewport=PHONE, is_mobile=True,
                                      has_touch=True)
    else:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = []
    local = urlparse(server).netloc

    def route(r):
        if urlparse(r.request.url).netloc in (local, "") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            problems.append(f"request to another host: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    try:
        page.goto(f"{server}/{page_path}", wait_until="load")
        page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        yield page
        assert not problems, problems
    finally:
        context.close()


def _scroll_through(page):
    """Scroll to the bottom and back, so that lazy images and explorers start."""
    page.evaluate(site_files.SCROLL_THROUGH)


@pytest.mark.parametrize("page_path", pdf.pages())
def test_a_page_reads_cleanly_in_a_browser(browser, server, screenshots, page_path):
    with _opened(browser, server, page_path) as page:
        _scroll_through(page)
        page.wait_for_load_state("networkidle")
        raw = page.evaluate("""() => Array.from(document.querySelectorAll(
            'span.math, div.math')).filter(e => !e.querySelector('mjx-container'))
            .map(e => e.textContent.slice(0, 60))""")
        assert not raw, f"math left as raw TeX: {raw[:3]}"
        prose = page.evaluate(PROSE_TEXT)
        assert not re.search(r"\\\(|\\\[|\\frac|\\mathcal", prose), "raw TeX in the text"
        leftover = RAW_MARKUP.findall(prose)
        assert not leftover, f"markup left unrendered: {leftover[:3]}"
        text = page.inner_text("article")
        warned = re.findall(r"\b\w*Warning: .{0,80}", text)
        assert not warned, f"a library's warning printed on the page: {warned[:2]}"
        broken = page.evaluate("""() => Array.from(document.images)
            .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))""")
        assert not broken, f"images that did not load: {broken}"
        unnamed = page.evaluate("""() => Array.from(document.querySelectorAll('article img'))
            .filter(i => !i.alt || i.alt.startsWith('../')).map(i => i.src.slice(-40))""")
        assert not unnamed, f"images without alt text: {unnamed}"
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('article pre'))
            .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
            .map(e => e.textContent.slice(0, 60))""")
        assert not wide, f"code wider than the column: {wide[:3]}"
        chapter = Path(page_path).stem
        # Every figure is numbered and captioned, and the prose points to each by its number
        # (a chapter's opening figure, a preview of one further down, aside).
        figures = page.evaluate("""() => Array.from(document.querySelectorAll('article img'))
            .filter(i => i.src.includes('/_images/')).map(i => { const f = i.closest('figure');
                return [i.alt.slice(0, 60), f && f.querySelector('.caption-number') !== null,
                        f ? f.id : '', f ? document.querySelectorAll(
                            `article a[href="#${f.id}"]`).length : 0] })""")
        assert not [f[0] for f in figures if not f[1]], "figures without a number and caption"
        opening = 1 if chapter[:2].isdigit() else 0
        unreferenced = [alt for alt, _, name, refs in figures[opening:] if not (name and refs)]
        assert not unreferenced, f"figures the prose never points to: {unreferenced[:3]}"
        if chapter[:2].isdigit():
            # The first screen is prose and a figure: the parameters and set-up cells come after.
            first = page.evaluate("""() => { const a = document.querySelector('article');
                const img = a.querySelector('img');
                return [img ? img.getBoundingClientRect().top + window.scrollY : null,
                        a.querySelector('p') !== null, img ? img.alt : ''] }""")
            assert first[0] is not None and first[0] < 900 and first[1], first
            assert first[2] and not first[2].startswith("../"), "the figure needs alt text"
            links = page.evaluate("""() => Array.from(document.querySelectorAll('article a'))
                .map(a => a.href).filter(h => h.includes('colab.research.google.com'))""")
            assert sorted(set(links)) == sorted(
                editions.colab_url(chapter, kind) for kind in editions.KINDS), links
        page.screenshot(path=str(screenshots / f"{chapter}.png"), full_page=True)


# What a reader should never see in the prose: a Markdown table's rows (two cells or more) or
# rule (Sphinx turns its dashes into em dashes), a MyST role or directive, display math's
# dollars, or the text fallback of a displayed object whose Markdown or HTML was not rendered.
RAW_MARKUP = re.compile(r"(?m)^\s*\|(?:[^|\n]*\|){2,}\s*$|\|\s*:?[-—–]{3,}:?\s*\||"
                        r"\{[a-z][\w:-]*\}`|:::|```|"
                        r"\$\$|<IPython\.core\.display\.\w+ object>")
# The article's visible text outside code and outputs printed as text (whose pipes and colons are
# meant), one line per block.
PROSE_TEXT = """() => {
    const article = document.querySelector('article').cloneNode(true);
    article.querySelectorAll('pre, code, script, style, mjx-container, .MathJax')
        .forEach(e => e.remove());
    article.querySelectorAll('p, li, td, th, div, h1, h2, h3, h4, br')
        .forEach(e => e.append('\\n'));
    return article.textContent; }"""


@pytest.fixture(scope="module")
def phone_screenshots(screenshots):
    (screenshots / "phone").mkdir()
    return screenshots / "phone"


def _set(element, selector, value):
    """Set an input of an explorer as a reader's move would, firing its input event."""
    element.eval_on_selector(selector, f"""e => {{e.value = {value};
        e.dispatchEvent(new Event('input'));}}""")


def _updates(element):
    return int(element.get_attribute("data-updates") or 0)


def _wait_for_update(page, element, before):
    page.wait_for_function("([e, n]) => Number(e.dataset.updates || 0) > n", arg=[element, before],
                           timeout=60_000)


def _picture(element, selector):
    return element.eval_on_selector(selector, "c => c.toDataURL()")


EXPLORERS = {"book/01_autoencoder.html": ["latent-map"], "book/03_vae.html": ["latent-map"],
             "book/04_kl_divergence.html": ["kl"],
             "book/06_latent_arithmetic.html": ["attribute"],
             "book/08_generating.html": ["latent-map"]}


@pytest.mark.parametrize("page_path", sorted(EXPLORERS))
def test_each_explorer_answers_its_controls(browser, server, page_path):
    """Move a control: the picture changes, drawn by the decoder running in the browser."""
    with _opened(browser, server, page_path) as page:
        explorers = page.query_selector_all(".course-explorer")
        assert [e.get_attribute("data-kind") for e in explorers] == EXPLORERS[page_path]
        for explorer in explorers:
            explorer.scroll_into_view_if_needed()
            _wait_for_update(page, explorer, 0)  # the first picture, at the start point
            kind = explorer.get_attribute("data-kind")
            canvas = ".explorer-plot" if kind == "kl" else ".explorer-image"
            before, count = _picture(explorer, canvas), _updates(explorer)
            readout = explorer.eval_on_selector(".explorer-readout", "e => e.textContent")
            _move(page, explorer, kind, touch=False)
            _wait_for_update(page, explorer, count)
            assert _picture(explorer, canvas) != before, f"{kind}: the picture did not change"
            assert explorer.eval_on_selector(".explorer-readout", "e => e.textContent") != readout


def _move(page, explorer, kind, touch):
    """Move an explorer's control as a reader would: with the mouse, or a finger's tap."""
    if kind == "latent-map":
        box = explorer.query_selector(".explorer-map").bounding_box()
        x, y = box["x"] + 0.85 * box["width"], box["y"] + 0.2 * box["height"]
        page.touchscreen.tap(x, y) if touch else page.mouse.move(x, y)
    elif kind == "kl":
        _set(explorer, ".explorer-mu", -2)  # a native slider: a finger drags it as it is
    else:
        face = explorer.query_selector_all(".explorer-face")[1]
        face.tap() if touch else face.click()


@pytest.mark.parametrize("page_path", pdf.pages())
def test_a_page_fits_a_phone(browser, server, phone_screenshots, page_path):
    """At 390 pixels: no sideways scroll, figures in the column, each explorer answers a tap."""
    with _opened(browser, server, page_path, phone=True) as page:
        _scroll_through(page)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => window.innerWidth")
        assert width == PHONE["width"], "the page's viewport tag was not obeyed"
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"the page scrolls sideways: {scroll} pixels wide"
        outside = page.evaluate("""() => { const a = document.querySelector('article')
            .getBoundingClientRect();
            return Array.from(document.querySelectorAll('article img, article canvas'))
            .filter(e => e.offsetParent !== null).map(e => [e.getBoundingClientRect(), e])
            .filter(([r]) => r.width > 0 && (r.left < a.left - 1 || r.right > a.right + 1))
            .map(([r, e]) => (e.alt || e.className) + ': ' + Math.round(r.width) + ' px') }""")
        assert not outside, f"figures wider than the column: {outside[:3]}"
        for explorer in page.query_selector_all(".course-explorer"):
            explorer.scroll_into_view_if_needed()
            _wait_for_update(page, explorer, 0)
            kind, count = explorer.get_attribute("data-kind"), _updates(explorer)
            _move(page, explorer, kind, touch=True)
            _wait_for_update(page, explorer, count)
        page.screenshot(path=str(phone_screenshots / f"{Path(page_path).stem}.png"),
                        full_page=True)


def test_the_kl_explorer_shows_chapter_4s_closed_form(browser, server):
    """The page's KL, computed in JavaScript, agrees with the course's formula in Python."""
    from course_utils import kl

    with _opened(browser, server, "book/04_kl_divergence.html") as page:
        explorer = page.query_selector(".course-explorer")
        explorer.scroll_into_view_if_needed()
        _wait_for_update(page, explorer, 0)  # started: its controls listen
        for mu, sigma in [(0.0, 1.0), (-2.0, 0.5), (1.3, 2.75)]:
            _set(explorer, ".explorer-mu", mu)
            _set(explorer, ".explorer-sigma", sigma)
            text = explorer.eval_on_selector(".explorer-readout", "e => e.textContent")
            forward, reverse = (float(v) for v in re.findall(r"= (-?[\d.]+) nats", text))
            assert forward == pytest.approx(float(kl.kl_normal(mu, sigma)), abs=1e-4)
            assert reverse == pytest.approx(float(kl.kl_normal(0.0, 1.0, mu, sigma)), abs=1e-4)


def test_the_sites_search_finds_a_chapter_by_a_word_of_it(browser, server):
    """Search works offline: the index is part of the site."""
    with _opened(browser, server, "search.html?q=reparameterisation") as page:
        page.wait_for_selector("ul.search li", timeout=30_000)
        found = page.eval_on_selector_all("ul.search li a", "links => links.map(a => a.href)")
        assert any(link.split("#")[0].endswith("book/03_vae.html") for link in found), found
