"""What every check test needs: run a check and read what it printed (tests of checks/)."""


def run(check, answer, capsys):
    """Return (what the check returned, what it printed with line wrapping undone)."""
    result = check(answer)
    return result, " ".join(capsys.readouterr().out.split())


def raises(*args, **kwargs):
    """Stand for a student's answer that fails with an error of its own."""
    raise ValueError("a mistake in the answer")
