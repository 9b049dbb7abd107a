"""The training progress line: what it says, where it goes, and that fit stays quiet."""


import keras
import numpy as np
import pytest

from course_utils import progress


@pytest.fixture(autouse=True)
def _to_the_process_stderr(monkeypatch):
    """These tests read stderr: no runner's progress log (make test sets one) takes the lines."""
    monkeypatch.delenv("COURSE_PROGRESS_LOG", raising=False)


def _fit(callback, epochs=3, n=64):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], name="tiny")
    model.compile(optimizer="adam", loss="mse")
    x = np.zeros((n, 3), "float32")
    model.fit(x, x[:, :1], validation_data=(x, x[:, :1]), epochs=epochs, batch_size=16,
              verbose=0, callbacks=[callback])


def test_terminal_gets_one_line_per_epoch_with_chapter_speed_and_time_left(capfd):
    progress.set_chapter("03_vae")
    try:
        _fit(progress.Progress(images=64))
    finally:
        progress.set_chapter(None)
    out, err = capfd.readouterr()
    assert out == ""  # outside a notebook there is no bar
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("  [03_vae] tiny:  33%") and "64/192 [" in lines[0]
    assert "images/s, epoch 1/3 · loss " in lines[0] and "val_loss" in lines[0]
    assert lines[-1].startswith("  [03_vae] tiny: 100%") and "epoch 3/3" in lines[-1]


def test_terminal_false_writes_nothing(capfd):
    _fit(progress.Progress(images=64, terminal=False), epochs=1)
    assert capfd.readouterr() == ("", "")


def test_in_notebook_is_false_in_plain_python():
    assert not progress.in_notebook()


def test_to_terminal_writes_to_the_process_stderr(capfd):
    progress.to_terminal("hello from the kernel")
    assert capfd.readouterr().err == "hello from the kernel\n"


def test_a_runner_can_collect_the_lines_in_a_file(tmp_path, monkeypatch, capfd):
    log = tmp_path / "progress.log"
    monkeypatch.setenv("COURSE_PROGRESS_LOG", str(log))
    progress.to_terminal("first")
    progress.to_terminal("second")
    assert log.read_text() == "first\nsecond\n"
    assert capfd.readouterr().err == ""


def test_in_a_kernel_the_bar_is_one_output_whose_final_state_stays():
    """Run in a real kernel: one display output, no widget, ending on the finished bar."""
    import nbformat
    from nbclient import NotebookClient

    code = ("import keras, numpy as np\nfrom course_utils.progress import Progress\n"
            "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], name='tiny')\n"
            "m.compile(optimizer='adam', loss='mse')\n"
            "m.fit(np.zeros((64, 3)), np.zeros((64, 1)), epochs=3, verbose=0,\n"
            "      callbacks=[Progress(64, terminal=False)]);")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    (output,) = notebook.cells[0].outputs  # one output, rewritten: not a line per update
    assert output.output_type == "display_data" and list(output.data) == ["text/plain"]
    final = output.data["text/plain"]
    assert final.startswith("tiny: 100%") and "192/192" in final and "epoch 3/3" in final
