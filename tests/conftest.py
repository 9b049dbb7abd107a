"""What the tests share: a quiet TensorFlow first, and a way to run an exercise check."""

import pytest

from course_utils import _quiet

_quiet.import_tensorflow_quietly()  # before any test module imports Keras


@pytest.fixture
def run(capsys):
    """Return run(check, answer): what the check returned, and what it printed, unwrapped."""
    def run_check(check, answer):
        result = check(answer)
        return result, " ".join(capsys.readouterr().out.split())

    return run_check
