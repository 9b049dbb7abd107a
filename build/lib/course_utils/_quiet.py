"""Import TensorFlow without its start-up log noise (every chapter)."""

import os
import sys


def import_tensorflow_quietly():
    """Import TensorFlow and Keras with their C++ start-up messages sent to /dev/null."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # TensorFlow prints a few lines straight to file descriptor 2 while it loads, before its
    # log level applies; ipykernel forwards that descriptor into the notebook, so hide it.
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf
        import keras  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)
    tf.get_logger().setLevel("ERROR")
