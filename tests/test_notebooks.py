"""The notebooks' shared skeleton, and re-execution with papermill as an instructor does it."""

import json
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml

from booktools import build

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "chapter_template.ipynb"
# The runnable pages; the front page (intro) has no parameters and is not opened in Colab.
NOTEBOOKS = sorted(p for p in (ROOT / "book").glob("*.ipynb") if p != build.root_page()) + [
    TEMPLATE]
NOISE = ("cudart_stub", "oneDNN", "absl::", "cuda drivers", "TF_ENABLE_ONEDNN_OPTS")


def code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def tagged(path, tag):
    return [c for c in code_cells(path) if tag in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for cell in code_cells(path):
        assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_starts_with_the_template_colab_cell(path):
    first = code_cells(path)[0]
    assert "colab-install" in first.metadata.get("tags", [])
    assert first.source == code_cells(TEMPLATE)[0].source


def test_colab_cell_installs_from_the_configured_repository(monkeypatch):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kw: calls.append(args))
    monkeypatch.delenv("COURSE_PACKAGE", raising=False)
    source = code_cells(TEMPLATE)[0].source
    exec(source, {})  # outside Colab: nothing happens
    assert calls == []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(source, {})
    (args,) = calls
    assert args[1:4] == ["-m", "pip", "install"] and "--quiet" in args
    assert args[-1] == f"course_utils @ git+{repo}"
    assert not any("tensorflow" in a or "numpy" in a for a in args)  # no pins against Colab's
    monkeypatch.setenv("COURSE_PACKAGE", "/a/checkout")  # one setting, overridable for tests
    exec(source, {})
    assert calls[-1][-1] == "/a/checkout"


def outputs_text(notebook):
    parts = []
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") or json.dumps(out.get("data", {})))
            parts.extend(out.get("traceback", []))
    return "\n".join(parts)


def test_papermill_overrides_parameters(tmp_path):
    out = tmp_path / "executed" / "template.ipynb"
    out.parent.mkdir()
    papermill.execute_notebook(
        str(TEMPLATE), str(out), parameters={"PROFILE": "quick", "EPOCHS": 2, "N_TRAIN": 300},
        kernel_name="python3", progress_bar=False,
    )
    text = outputs_text(nbformat.read(out, as_version=4))
    assert "Profile 'quick', seed 42" in text and "EPOCHS=2" in text
    assert "300 training and 500 test images" in text
    assert not any(noise in text for noise in NOISE), text


def test_papermill_stops_on_a_bad_parameter(tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(
            str(TEMPLATE), str(tmp_path / "bad.ipynb"),
            parameters={"PROFILE": "quick", "DATA_SOURCE": "kaggle"},
            kernel_name="python3", progress_bar=False,
        )
    assert "DATA_SOURCE must be one of 'auto', 'real', 'synthetic'" in str(info.value)


@pytest.mark.slow
def test_chapter_3_runs_on_mnist(tmp_path):
    """Chapter 3's MNIST path: the 28x28 convolutional VAE beside an MNIST autoencoder."""
    out = tmp_path / "03_vae_mnist.ipynb"
    papermill.execute_notebook(
        str(ROOT / "book" / "03_vae.ipynb"), str(out),
        parameters={"PROFILE": "quick", "DATASET": "mnist"}, kernel_name="python3",
        progress_bar=False,
    )
    text = outputs_text(nbformat.read(out, as_version=4))
    assert "DATASET='mnist'" in text and "Data: MNIST" in text
    assert "(None, 28, 28, 1)" in text  # the encoder of the conv28 VAE
    assert "conv_autoencoder" in text  # an MNIST autoencoder beside it (data in its key)
    assert not any(noise in text for noise in NOISE), text
