"""A Colab-like run: the exercise editions in a fresh environment holding only what Colab has.

The environment gets Colab's preinstalled packages (tests/colab-preinstalled.txt: TensorFlow,
Keras, NumPy, ..., but no MyST-NB and no course_utils) from uv's cache, offline, and a
``google.colab`` module. The notebook's own install cell then installs the course from this
checkout (``COURSE_PACKAGE``, the one setting that points it elsewhere than GitHub), with pip
forbidden to download anything: it must not need to replace Colab's TensorFlow or NumPy.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_editions import COLAB_CHAPTERS, checks_and_prose, outputs_text

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("import importlib.metadata as m; "
            "print({p: m.version(p) for p in ('tensorflow', 'numpy', 'keras')})")


def build_wheel(home):
    """Build the course as Colab would get it: a wheel of this checkout instead of GitHub's.

    Built from a copy, since setuptools writes build/ and *.egg-info into the folder it builds
    and the other worker may be building the same checkout at the same moment.
    """
    source = home / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        "__pycache__", ".venv", "_build", "node_modules", ".git", "*.egg-info", "editions"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", home / "wheel", source], check=True)
    (wheel,) = (home / "wheel").glob("course_utils-*.whl")
    return wheel


def test_colab_installs_the_library_the_chapters_import_and_no_build_tool(tmp_path):
    """The wheel holds course_utils alone: the build tools stay in booktools/."""
    with zipfile.ZipFile(build_wheel(tmp_path)) as archive:
        names = archive.namelist()
    packages = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(
        (".dist-info", ".data"))}
    print("The Colab install holds:", *sorted(n for n in names if n.endswith(".py")), sep="\n  ")
    assert packages == {"course_utils"}
    assert "course_utils/chapter.py" in names and "course_utils/models.py" in names
    assert not any(Path(n).stem in ("build", "editions", "instructor", "assets", "sphinx_site")
                   for n in names)


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """Return the kernel name of a fresh Colab-like environment, and its python."""
    home = tmp_path_factory.mktemp("colab")
    venv, uv = home / "venv", Path(sys.executable).parent / "uv"
    subprocess.run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, venv],
                   check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "--quiet", "--offline", "--python", python, "-r",
                    ROOT / "tests" / "colab-preinstalled.txt"], check=True)
    wheel = build_wheel(home)
    stub = home / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('"""What the course checks for: running in Colab."""\n')
    kernel = home / "jupyter" / "kernels" / "colab"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        # Colab's kernel starts with google.colab imported; the course checks sys.modules.
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.exec_lines=import google.colab"],
        "display_name": "Colab-like", "language": "python",
        "env": {"PYTHONPATH": str(home / "stub"), "COURSE_PACKAGE": str(wheel),
                "PIP_NO_INDEX": "1", "COURSE_PROFILE": "quick"}}))
    # Not installed yet (run away from the checkout, whose folder would import).
    assert subprocess.run([python, "-c", "import course_utils"], cwd=home).returncode != 0
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(home / "jupyter"), *filter(None, [os.environ.get("JUPYTER_PATH")])])
    return "colab", python


def versions(python):
    return subprocess.run([python, "-c", VERSIONS], capture_output=True, text=True, check=True,
                          cwd=python.parents[2]).stdout


@pytest.mark.slow
@pytest.mark.parametrize("chapter", COLAB_CHAPTERS)
def test_the_exercise_edition_runs_in_a_colab_like_environment(colab, chapter, tmp_path):
    """test_editions' exercise-edition test, in Colab's environment."""
    kernel, python = colab
    before = versions(python)
    notebook = nbformat.read(ROOT / "editions" / "exercises" / f"{chapter}.ipynb",
                             as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name=kernel,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(o.get("text", "") + "".join(o.get("data", {}).get("text/markdown", ""))
                     for c in notebook.cells for o in c.get("outputs", []))
    assert "Profile 'quick'" in text and "is not done yet" in text
    assert "…" not in text  # every glued number filled in, without MyST-NB
    assert versions(python) == before  # Colab's TensorFlow, Keras and NumPy untouched
    checked, prose = checks_and_prose(outputs_text(notebook))
    assert checked and all("is not done yet" in text and "uses the reference" in text
                           for text in checked), checked
    assert prose
