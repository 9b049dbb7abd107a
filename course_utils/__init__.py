"""Helpers behind the Latent Spaces course book.

Importing the package first imports TensorFlow quietly, so that no TensorFlow start-up log
reaches a notebook's output: every chapter imports ``course_utils`` before Keras.
"""

from course_utils._quiet import import_tensorflow_quietly

import_tensorflow_quietly()

__version__ = "0.1.0"
