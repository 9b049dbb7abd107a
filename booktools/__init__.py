"""The tools that build, test and teach with the book; not installed in Colab (see README).

build         executes the chapters (jupyter-cache) and the site (``make book``, ``make test``)
editions      writes the exercise and solution editions Colab opens (``make editions``)
instructor    re-runs chapters with papermill, with an instructor's parameters
pdf           prints the built site to one PDF (``make pdf``, the end of ``make book``)
assets        copies the site's own scripts (MathJax, ONNX Runtime Web) into the built site
sphinx_site   the Sphinx extension the site's pages use (figure alt text, ...)

Run them from the repository's root: ``.venv/bin/python -m booktools.build``.
"""
