"""The book as one PDF (booktools/pdf.py), read back from the quick site's copy.

`make test` prints it after building the quick site. Every page of the table of contents is
there in order, with a bookmark and a line of the contents page each; the text is selectable;
the math was typeset by MathJax (its fonts, no TeX source); each chapter's figures are images
in its pages; and the introduction links to the file.
"""

import html
import re

import pytest

from booktools import pdf

from test_site import SITE, BUILD_COMMAND

pytestmark = pytest.mark.xdist_group("pdf")


@pytest.fixture(scope="module")
def book():
    """Return the quick site's PDF, read, or fail saying how to make it."""
    from pypdf import PdfReader

    path = SITE / pdf.NAME
    if not path.is_file():
        pytest.fail(f"No PDF in {SITE}: build the quick site (`{BUILD_COMMAND}`), then run "
                    f"`.venv/bin/python -m booktools.pdf --site {SITE}` (make test does both).")
    return PdfReader(path)


@pytest.fixture(scope="module")
def titles():
    """Return each page's title as the site shows it, in the table of contents' order."""
    found = []
    for page in pdf.pages():
        title = re.search(r"<title>(.*?)</title>", (SITE / page).read_text(), re.S)[1]
        title = html.unescape(title).rsplit(" — ", 1)[0].strip()
        found.append(re.sub(r"^\d+\. ", "", title))  # a chapter's number (course.css hides it)
    return found


@pytest.fixture(scope="module")
def text(book):
    """Return each PDF page's text, as a PDF reader would select it."""
    return [page.extract_text() for page in book.pages]


def _starts(book):
    """Return the first page index of each bookmark, in order."""
    return [book.get_destination_page_number(item) for item in book.outline]


def test_every_page_of_the_book_is_bookmarked_in_order(book, titles):
    assert [item.title for item in book.outline] == titles
    starts = _starts(book)
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_the_contents_page_lists_every_page_with_its_first_page_number(book, text, titles):
    contents = text[0]
    numbers = [int(re.search(re.escape(t) + r"\s+(\d+)", contents)[1]) for t in titles]
    assert numbers == [start + 1 for start in _starts(book)]


def test_each_page_opens_with_its_title_as_selectable_text(book, text, titles):
    for title, start in zip(titles, _starts(book)):
        first = " ".join(text[start].split())
        assert title in first, f"{title!r} not on page {start + 1}: {first[:120]!r}"


def test_the_math_is_typeset_not_left_as_tex(book, text):
    # TeX commands the prose's math uses (code may hold backslashes and brackets of its own)
    assert not re.search(r"\\frac|\\mathcal|\\mathbb|\\operatorname|\\sum|\$\$", "".join(text))
    starts = _starts(book) + [len(book.pages)]
    chapter_4 = [item.title for item in book.outline].index("Chapter 4: The KL divergence")
    fonts = set()
    for page in book.pages[starts[chapter_4]:starts[chapter_4 + 1]]:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()  # Type 3 fonts (MathJax's) name their family instead
            fonts.add(str(font.get("/BaseFont") or font["/FontDescriptor"]["/FontFamily"]))
    assert any("MathJax" in font for font in fonts), f"no MathJax font in chapter 4: {fonts}"


def test_each_chapter_holds_its_figures_as_images(book):
    starts = _starts(book) + [len(book.pages)]
    for number, page in enumerate(pdf.pages()):
        figures = len(re.findall(r"<img [^>]*src=\"\.\./_images/", (SITE / page).read_text()))
        images = sum(_images(p) for p in book.pages[starts[number]:starts[number + 1]])
        assert images >= figures, f"{page}: {images} images in the PDF, {figures} figures"


def _images(page):
    """Return how many images a PDF page draws (its image objects, not decoded)."""
    objects = page["/Resources"].get("/XObject", {})
    return sum(o.get_object()["/Subtype"] == "/Image" for o in objects.values())


def test_the_introduction_links_to_the_pdf():
    assert f'href="../{pdf.NAME}"' in (SITE / "book" / "intro.html").read_text()
