"""What the tests share: a quiet TensorFlow first, and a way to run an exercise check."""

import pytest

from course_utils import _quiet

_quiet.import_tensorflow_quietly()  # before any test module imports Keras


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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep each notebook's cells together on one worker when the tests run in parallel.

    ``pytest -n 2 --dist loadgroup`` spreads the tests over the cores one by one; a notebook's
    cells run in one kernel, in order, so nbval's items of one notebook form one group (xdist
    reads the group before it distributes, hence tryfirst). test_parallel.py checks it.
    """
    for item in items:
        if ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
