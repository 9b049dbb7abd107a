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
    assert out == ""  # outside a notebook nothing is printed as a display repr
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("  [03_vae] tiny · epoch 1/3 · loss ")
    assert "val_loss" in lines[0] and "images/s" in lines[0] and "s left" in lines[0]
    assert lines[-1].startswith("  [03_vae] tiny · epoch 3/3")
    assert "left" not in lines[-1]  # finished: no estimate


def test_terminal_false_writes_nothing(capfd):
    _fit(progress.Progress(images=64, terminal=False), epochs=1)
    assert capfd.readouterr() == ("", "")


def test_line_estimates_time_left_from_the_fraction_done():
    line = progress.Progress(images=100, name="model")
    line.start = 0.0
    line.epochs, line.steps = 4, 10
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(progress.time, "perf_counter", lambda: 30.0)
        text = line._line(1, 5, {"total_loss": 2.5, "val_total_loss": 3.0})
    # 1.5 of 4 epochs in 30 s: 150 images in 30 s, 50 s left
    assert text == ("model · epoch 2/4 · total_loss 2.5 · val_total_loss 3 · 5 images/s · 30 s"
                    " · about 50 s left")
    assert repr(text) == str(text)  # a notebook shows it without quotes


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


def test_the_notebook_line_starts_with_a_bar_of_the_share_done():
    line = progress.Progress(images=100, name="model")
    line.start, line.epochs, line.steps = 0.0, 4, 10
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(progress.time, "perf_counter", lambda: 30.0)
        text = line._bar(2, 0, {"loss": 1.0})
    assert text.startswith("█" * 10 + "░" * 10 + "  model · epoch 2/4 · loss 1")


def test_in_a_kernel_the_line_is_one_display_updated_in_place():
    """Run in a real kernel: one display output, updated, whose final state is the last epoch."""
    import nbformat
    from nbclient import NotebookClient

    code = ("import keras, numpy as np\nfrom course_utils.progress import Progress\n"
            "m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)], name='tiny')\n"
            "m.compile(optimizer='adam', loss='mse')\n"
            "m.fit(np.zeros((64, 3)), np.zeros((64, 1)), epochs=3, verbose=0,\n"
            "      callbacks=[Progress(64, terminal=False)]);")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = [o for o in notebook.cells[0].outputs if o.output_type == "display_data"]
    assert len(outputs) == 1  # not a line per epoch: one line, rewritten
    final = outputs[0]["data"]["text/plain"]
    assert final.startswith("█" * 20) and "tiny · epoch 3/3" in final and "left" not in final
