"""What the Latent Spaces chapters import, and only that: Colab installs this package.

A module per concept (the README's "Layout" maps them): ``chapter`` starts every chapter;
``taught`` is generated from the chapters' cells tagged ``library`` (never edit it) and
``models`` adds the networks no page writes; ``trained`` trains each of the book's models once
and the ``cache`` loads it after; ``data`` loads the real datasets or their stand-ins; the
measures, plots and ``checks`` sit on top. The build tools live apart, in ``booktools``.

Importing the package does nothing: a chapter starts with ``chapter.setup``, which imports
TensorFlow without its start-up log noise before anything else loads it.
"""

__version__ = "0.1.0"
