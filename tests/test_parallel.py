"""make test runs on both cores: a notebook's cells must still run in order in one kernel."""

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _counting_notebook(path, cells=6):
    """A notebook whose every cell needs the one before it, in the same kernel."""
    sources = ["n = 0"] + [f"assert n == {i}\nn += 1" for i in range(cells - 1)]
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"c{i}", "metadata": {},
                   "outputs": [], "source": s} for i, s in enumerate(sources)],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_each_notebooks_cells_run_together_on_one_worker(tmp_path):
    for name in ("first", "second", "third"):
        _counting_notebook(tmp_path / f"{name}.ipynb")
    done = subprocess.run(
        # The grouping plugin alone: without tests/conftest.py, no worker imports TensorFlow.
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p",
         "no:cacheprovider", "--noconftest", "-p", "xdist_groups", "--nbval-lax",
         "--nbval-current-env",
         "tests/test_parallel.py::test_the_grouping_hook_is_loaded", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    workers = {}
    for worker, notebook in re.findall(r"\[(gw\d)\].*PASSED .*?(\w+)\.ipynb::Cell", done.stdout):
        workers.setdefault(notebook, set()).add(worker)
    assert set(workers) == {"first", "second", "third"}, done.stdout[-3000:]
    assert all(len(w) == 1 for w in workers.values()), workers


def test_the_grouping_hook_is_loaded(request):
    """Collected with the notebooks above; in make test, tests/conftest.py loads the plugin."""
    assert request.config.pluginmanager.hasplugin("xdist_groups")
