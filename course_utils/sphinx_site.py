"""A Sphinx extension for what the site's _config.yml cannot say: drop sphinx-thebe's scripts.

Jupyter Book 1 always loads sphinx-thebe, which puts two scripts on every page: a line of settings
that names thebe on a CDN (unpkg.com) and sphinx-thebe.js. The course has no Thebe button (its
chapters link to their Colab editions), and the settings line comes twice on each page, which
the browser reports as an error ("Identifier 'THEBE_JS_URL' has already been declared"). So
they are taken off every page.
"""


def _without_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's scripts from a page's list of scripts."""
    context["script_files"] = [
        script for script in context.get("script_files", [])
        if getattr(script, "filename", script) != "sphinx-thebe.js"
        and "THEBE_JS_URL" not in getattr(script, "attributes", {}).get("body", "")]


def setup(app):
    app.connect("html-page-context", _without_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
