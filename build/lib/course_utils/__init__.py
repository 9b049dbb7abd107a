"""Helpers behind the Latent Spaces course book.

Importing the package does nothing: a chapter starts with ``chapter.setup``, which imports
TensorFlow without its start-up log noise before anything else loads it.
"""

__version__ = "0.1.0"
