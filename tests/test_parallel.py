"""make test runs on both cores: a notebook's cells must still run in order in one kernel."""

import conftest


class _Item:
    def __init__(self, nodeid):
        self.nodeid, self.groups = nodeid, []

    def add_marker(self, mark):
        self.groups += mark.args


def test_a_notebooks_cells_form_one_group_and_other_tests_none():
    items = [_Item(n) for n in ("book/a.ipynb::Cell 0", "book/a.ipynb::Cell 1",
                                "book/b.ipynb::Cell 0", "tests/test_x.py::test_y")]
    conftest.pytest_collection_modifyitems(None, items)
    assert [item.groups for item in items] == [["book/a.ipynb"], ["book/a.ipynb"],
                                               ["book/b.ipynb"], []]
