"""What the tests share: offline by construction, a quiet TensorFlow first, a way to run a check."""

import os
from pathlib import Path

import pytest

from course_utils import _quiet

# Every process the tests start (nbval's and papermill's kernels, pip, ...) imports
# offline/sitecustomize.py first, which refuses connections to other machines; pytest-socket
# does the same for the test process (pyproject.toml). tests/test_offline.py checks both.
OFFLINE = str(Path(__file__).resolve().parent / "offline")
if OFFLINE not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [OFFLINE,
                                                             os.environ.get("PYTHONPATH")]))


def pytest_configure(config):
    """Import TensorFlow quietly before any test module imports Keras.

    Not in pytest-xdist's controller (``-n``): it runs no test, and its workers start sooner.
    """
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return
    _quiet.import_tensorflow_quietly()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep each notebook's cells together on one worker when the tests run in parallel.

    ``pytest -n 2 --dist loadgroup`` spreads the tests over the cores one by one; a notebook's
    cells run in one kernel, in order, so nbval's items of one notebook form one group (xdist
    reads the group before it distributes, hence tryfirst).
    """
    for item in items:
        if ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.fixture(autouse=True)
def _checks_hint_in_unit_tests(monkeypatch):
    """make test sets COURSE_CHECKS_MUST_PASS for the notebooks nbval runs (solution editions); the
    unit tests, and the exercise editions they run, see checks as students do: hints."""
    monkeypatch.delenv("COURSE_CHECKS_MUST_PASS", raising=False)


@pytest.fixture
def run(capsys):
    """Return run(check, answer): what the check returned, and what it printed, unwrapped."""
    def run_check(check, answer):
        result = check(answer)
        return result, " ".join(capsys.readouterr().out.split())

    return run_check
