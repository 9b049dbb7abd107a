"""Training progress: tqdm's bar in the notebook, and its line per epoch on the kernel's terminal.

The bar is tqdm's text in one output of the cell, rewritten in place: the executed notebook
keeps its final state, which the site shows. Not tqdm's notebook widget, which is dead on a
static page, nor text on stdout, which the site shows as one line per flush. Each epoch's line
also goes, with the chapter's name, to the terminal that runs the kernel (`make book`).

    model.fit(x, x, epochs=5, batch_size=128, verbose=0, callbacks=[Progress(len(x))])
"""

import os
import sys
import time

import keras
from tqdm.std import tqdm

CHAPTER = {"name": None}  # set by chapter.setup, so that terminal lines say which chapter runs


class Progress(keras.callbacks.Callback):
    """Show a bar in a notebook and write each epoch to the terminal; images: per epoch."""

    def __init__(self, images=None, name=None, terminal=True):
        super().__init__()
        self.images, self.name, self.terminal = images, name, terminal

    def on_train_begin(self, logs=None):
        self.start, self.steps = time.perf_counter(), self.params.get("steps")
        total = self.params["epochs"] * (self.images or 1)
        # 2.00k images, but 300 images, not tqdm's scaled "300.0"
        self.meter = {"total": total, "unit_scale": total >= 1000,
                      "unit": " images" if self.images else " epochs"}
        notebook = in_notebook()
        self.bar = tqdm(**self.meter, desc=self.name or self.model.name, mininterval=2,
                        file=CellOutput() if notebook else None, disable=not notebook)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.steps:
            self.bar.update(self.done(self.epoch + (batch + 1) / self.steps) - self.bar.n)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        main = "total_loss" if "total_loss" in logs else "loss"
        postfix = " · ".join([f"epoch {epoch + 1}/{self.params['epochs']}"] + [
            f"{key} {float(logs[key]):.4g}" for key in (main, f"val_{main}") if key in logs])
        self.bar.set_postfix_str(postfix, refresh=False)
        self.bar.update(self.done(epoch + 1) - self.bar.n)
        if self.terminal:
            chapter = f"[{CHAPTER['name']}] " if CHAPTER["name"] else ""
            to_terminal("  " + chapter + tqdm.format_meter(
                self.done(epoch + 1), elapsed=time.perf_counter() - self.start,
                prefix=self.name or self.model.name, postfix=postfix, **self.meter))

    def on_train_end(self, logs=None):
        self.bar.close()

    def done(self, epochs):
        """Return the bar's count after this many epochs: images, else epochs."""
        return round(epochs * (self.images or 1))


class CellOutput:
    """A file for tqdm: one output of the running cell, showing the last line written."""

    def __init__(self):
        from IPython.display import display
        self.handle = display({"text/plain": ""}, raw=True, display_id=True)

    def write(self, text):
        if text.strip():  # tqdm writes "\r" + the line, and a closing "\n"
            self.handle.update({"text/plain": text.strip()}, raw=True)


def to_terminal(line):
    """Write a line to the kernel's terminal (or to $COURSE_PROGRESS_LOG), not the notebook.

    A kernel's sys.stderr goes into the notebook, but its fileno() is a copy of the terminal's.
    Where a runner hides that (nbval sends it to /dev/null), COURSE_PROGRESS_LOG names a file
    it shows instead (`make test` follows it with tail).
    """
    data = (line + "\n").encode("utf-8", "replace")
    log = os.environ.get("COURSE_PROGRESS_LOG")
    if log:
        with open(log, "ab", buffering=0) as file:  # one appending write: lines never mix
            file.write(data)
        return
    try:
        os.write(sys.stderr.fileno(), data)
    except (AttributeError, OSError, ValueError):  # no fileno (io.UnsupportedOperation is both)
        print(line, file=sys.__stderr__, flush=True)


def in_notebook():
    """Return whether this process is a Jupyter kernel, whose stdout goes into the notebook."""
    ipython = sys.modules.get("IPython")
    return ipython is not None and getattr(ipython.get_ipython(), "kernel", None) is not None


def set_chapter(name):
    """Name the chapter that later terminal lines belong to."""
    CHAPTER["name"] = name
