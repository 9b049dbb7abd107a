"""A pytest plugin: keep each notebook's cells together on one worker when tests run in parallel.

Loaded by tests/conftest.py; on its own (``-p xdist_groups``) in tests/test_parallel.py, whose
small pytest run needs neither TensorFlow nor the other fixtures.
"""

import pytest


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
