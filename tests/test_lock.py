"""requirements.lock: the exact versions make book, make test and CI install.

The lock is resolved from the loose ranges (requirements.txt, and pyproject.toml for Colab) by
`make lock`; these tests fail when someone edits a range and forgets the lock, or when .venv
holds versions other than the lock's (an old set-up: delete .venv/.installed and run make test).
"""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"


def _locked():
    """Return {package: (version, marker or None)} of requirements.lock."""
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)(?: ; ([^\\\n]+?))?\s*\\", LOCK.read_text(),
                       re.M)
    return {_name(n): (v, Marker(m) if m else None) for n, v, m in found}


def _name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _ranges():
    """Return the loose requirements: requirements.txt's lines and pyproject's dependencies."""
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text()
             .splitlines()]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [line for line in lines if line] + project["dependencies"]]


def test_every_package_of_the_lock_has_hashes():
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n", 2)[2])
    unhashed = [e.split()[0] for e in entries if e.strip() and "--hash=sha256:" not in e]
    assert not unhashed


def test_the_lock_meets_every_range_of_requirements_txt_and_pyproject():
    locked = _locked()
    unmet = {str(r): locked.get(_name(r.name), ("missing",))[0] for r in _ranges()
             if _name(r.name) not in locked or not r.specifier.contains(locked[_name(r.name)][0])}
    assert not unmet, f"run `make lock` after changing a range: {unmet}"


def test_the_environment_holds_the_locked_versions():
    wrong = {}
    for name, (version, marker) in _locked().items():
        if marker is not None and not marker.evaluate():
            continue  # another platform's or Python's package
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "missing"
        if installed != version:
            wrong[name] = f"{installed}, locked {version}"
    assert not wrong, f".venv differs from requirements.lock (rerun make's set-up): {wrong}"
