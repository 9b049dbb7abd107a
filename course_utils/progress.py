"""Training progress: a line in the notebook, updated in place, and one per epoch on the terminal.

Keras' own ``verbose=2`` prints a line per epoch into the notebook, pages of them on the site for a
long training. ``Progress`` shows a single line that it rewrites as training goes (the site keeps
its final state) and writes each epoch, with the chapter's name, to the terminal that runs the
kernel (``make book``, ``make test``, papermill), so a long build is never silent.

    model.fit(x, x, epochs=5, batch_size=128, verbose=0, callbacks=[Progress(len(x))])
"""

import io
import os
import sys
import time

import keras

try:
    from IPython import get_ipython
    from IPython.display import display
except ImportError:  # outside IPython: the terminal line only
    get_ipython = display = None

UPDATE_EVERY_S = 2.0  # the notebook's line is rewritten at most this often within an epoch
BAR_WIDTH = 20  # characters of the notebook's progress bar
CHAPTER = {"name": None}  # set by chapter.setup, so that terminal lines say which chapter runs


class _Line(str):
    """A line of text that a notebook shows as it is, without quotes."""

    def __repr__(self):
        return str(self)


class Progress(keras.callbacks.Callback):
    """Report epochs, images per second and the time left; images: images per epoch, if known."""

    def __init__(self, images=None, name=None, terminal=True):
        super().__init__()
        self.images, self.name, self.terminal = images, name, terminal
        self.handle = None

    def on_train_begin(self, logs=None):
        self.start = self.epoch_start = self.shown = time.perf_counter()
        self.epochs, self.steps = self.params.get("epochs", 1), self.params.get("steps")
        self.done_epochs, self.last = 0, ""
        if in_notebook():
            self.handle = display(self._bar(0, 0, {}), display_id=True)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self.handle is not None and now - self.shown >= UPDATE_EVERY_S:
            self.shown = now
            self.handle.update(self._bar(self.done_epochs, batch + 1, logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        self.done_epochs = epoch + 1
        line = self._line(self.done_epochs, 0, logs or {})
        if self.handle is not None:
            self.handle.update(self._bar(self.done_epochs, 0, logs or {}))
        if self.terminal:
            chapter = CHAPTER["name"]
            to_terminal(f"  [{chapter}] {line}" if chapter else f"  {line}")

    def _fraction(self, epochs_done, steps_done):
        """Return the share of the training done."""
        return (epochs_done + (steps_done / self.steps if self.steps else 0)) / self.epochs

    def _bar(self, epochs_done, steps_done, logs):
        """Return the notebook's line: a bar of the share done, then the progress line."""
        filled = round(BAR_WIDTH * self._fraction(epochs_done, steps_done))
        return _Line("█" * filled + "░" * (BAR_WIDTH - filled) + "  "
                     + self._line(epochs_done, steps_done, logs))

    def _line(self, epochs_done, steps_done, logs):
        """Return the progress line: model, epoch, losses, speed, time spent and left."""
        elapsed = time.perf_counter() - self.start
        name = self.name or getattr(self.model, "name", "model")
        fraction = self._fraction(epochs_done, steps_done)
        parts = [name, f"epoch {min(epochs_done + (steps_done > 0), self.epochs)}/{self.epochs}"]
        main = next((k for k in ("total_loss", "loss") if k in logs), None)
        parts += [f"{key} {float(logs[key]):.4g}" for key in (main, f"val_{main}")
                  if key in logs]
        if fraction > 0 and self.images:
            parts.append(f"{self.images * self.epochs * fraction / elapsed:,.0f} images/s")
        parts.append(f"{elapsed:.0f} s")
        if 0 < fraction < 1:
            parts.append(f"about {elapsed * (1 - fraction) / fraction:.0f} s left")
        return _Line(" · ".join(parts))


def to_terminal(line):
    """Write a line to the terminal that runs this process, not into the notebook's output.

    In a Jupyter kernel, sys.stderr sends what it is given to the notebook; its fileno() is a
    copy of the terminal's own stderr, which the kernel keeps for its log. Where a runner hides
    that (nbval sends its kernels' stderr to /dev/null), it names a file in COURSE_PROGRESS_LOG
    that it shows instead (`make test` follows it with tail).
    """
    data = (line + "\n").encode("utf-8", "replace")
    log = os.environ.get("COURSE_PROGRESS_LOG")
    if log:
        # One write with O_APPEND: lines of kernels running side by side never mix.
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        return
    try:
        os.write(sys.stderr.fileno(), data)
    except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
        sys.__stderr__.write(line + "\n")
        sys.__stderr__.flush()


def in_notebook():
    """Return whether this process is a Jupyter kernel that can show a line and update it."""
    shell = get_ipython() if get_ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def set_chapter(name):
    """Name the chapter that later terminal lines belong to."""
    CHAPTER["name"] = name
