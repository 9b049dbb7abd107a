"""A Sphinx extension for what the site's _config.yml cannot say.

Alt text: a figure's PNG carries its titles (``plotting.describe``, set in the chapter's
kernel); each output image gets them as its alt text, instead of its file name.

Thebe: Jupyter Book 1 always loads sphinx-thebe, which puts two scripts on every page: a line of
settings that names thebe on a CDN (unpkg.com) and sphinx-thebe.js. The course has no Thebe
button (its chapters link to their Colab editions), and the settings line comes twice on each
page, which the browser reports as an error ("Identifier 'THEBE_JS_URL' has already been
declared"). So they are taken off every page.
"""

from pathlib import Path


def _without_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's scripts from a page's list of scripts."""
    context["script_files"] = [
        script for script in context.get("script_files", [])
        if getattr(script, "filename", script) != "sphinx-thebe.js"
        and "THEBE_JS_URL" not in getattr(script, "attributes", {}).get("body", "")]


def _alt_from_png(app, doctree, docname):
    """Give each image without alt text the description stored in its PNG file."""
    from docutils import nodes
    from PIL import Image

    for image in doctree.findall(nodes.image):
        if image.get("alt"):
            continue
        path = Path(app.srcdir) / image["uri"]
        if path.suffix != ".png" or not path.is_file():
            continue
        with Image.open(path) as picture:
            description = picture.text.get("Description") if hasattr(picture, "text") else None
        if description:
            image["alt"] = description


def setup(app):
    app.connect("html-page-context", _without_thebe, priority=900)
    app.connect("doctree-resolved", _alt_from_png)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
