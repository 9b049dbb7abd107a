"""The checks' shared mechanism: run a check, print ✓ or a hint, never raise.

A check cell keeps what the rest of the chapter uses::

    kl_fn = checks.check_kl_divergence(kl_divergence)

A check prints "✓ ..." or "✗ ..." with a hint, never raises, and returns the student's answer
when it passes and the reference implementation when it does not, so later cells still run.
Only where the environment variable COURSE_CHECKS_MUST_PASS is 1 (``make test`` sets it for the
book's notebooks, whose answer cells hold the solutions) a check that does not pass raises.
The cells of an exercise, and the markers in its answer cell, are described in
:mod:`booktools.editions`, which cuts the answers to their stubs for the students.
"""

import functools
import os
import re
import sysconfig
import textwrap
import traceback
import warnings
from pathlib import Path

import numpy as np
from keras import ops

from course_utils.chapter import MUST_PASS


class _Hint(Exception):
    """Why an answer fails and how to fix it."""


class _Caveat(_Hint):
    """An answer that is right but cannot serve the rest of the chapter as written."""


class _NotDone(_Hint):
    """The exercise's stub is still in place: nothing is wrong yet, it is just not done."""


def _not_done(what, stub="return None  # your code here", answer="your code"):
    """Return the hint for an unfilled exercise: what came back, and what to replace."""
    return _NotDone(f"{what}: replace `{stub}` with {answer}.")


def _check(name, reference, success, callable_answer=True, reference_name=None, used=True):
    """Make verify(answer), which raises a _Hint on a wrong answer, the check of exercise `name`.

    The check prints ✓ and `success`, or ✗ and the hint, and returns the answer if it passed,
    else `reference`. A callable_answer is first checked to be one. used=False: no later cell
    uses the answer (a derivation checked for its own sake), so the hint does not say it does.
    """
    fallback = (f"The rest of the chapter uses the reference "
                f"{reference_name or _qualname(reference)} instead, so it still runs. "
                if used else "") + "Fix your answer, run its cell, then this one again."

    def decorate(verify):
        @functools.wraps(verify)
        def check(answer):
            try:
                if callable_answer:
                    _need_callable(answer, name)
                verify(answer)
            except _Caveat as caveat:
                _say(f"✓ {name}: {success}", f"But: {caveat}", fallback)
                return reference
            except _NotDone as hint:
                return _failed(f"✗ {name} is not done yet. {hint}", fallback, reference)
            except _Hint as hint:
                return _failed(f"✗ {name} is not right yet. {hint}", fallback, reference)
            except Exception as err:  # a bug the checks did not foresee must not stop the chapter
                return _failed(f"✗ {name}: the check could not test your answer "
                               f"({_describe(err)}).", fallback, reference)
            _say(f"✓ {name}: {success}")
            return answer
        return check
    return decorate


def _failed(message, fallback, reference):
    """Print why a check failed and return the reference; raise instead where checks must pass."""
    if os.environ.get(MUST_PASS) == "1":
        raise AssertionError(f"{message} ({MUST_PASS}=1: the book's own solution must pass "
                             "its check.)")
    _say(message, *([fallback] if fallback else []))
    return reference


def _say(*paragraphs):
    """Print paragraphs wrapped for a notebook, the later ones indented."""
    for i, text in enumerate(paragraphs):
        indent = "" if i == 0 else "  "
        print(textwrap.fill(text, width=96, initial_indent=indent, subsequent_indent="  "))


def _qualname(obj):
    """Return module.name of a function or class, for messages."""
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"


def _call(what, fn, *args, **kwargs):
    """Call the student's code on copies of the arrays; turn any exception into a hint."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        return fn(*args, **kwargs)
    except Exception as err:
        raise _Hint(f"{what} raised {_describe(err)}") from None


def _numbers(call, fn, *args, what=None, **kwargs):
    """Return _call(call, fn, ...) as numbers; `what` (the name before "(") names them."""
    return _as_numbers(_call(call, fn, *args, **kwargs), what or call.split("(")[0])


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_LIBRARY = tuple(str(Path(p)) for p in (
    Path(__file__).parents[1], sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"],
    sysconfig.get_paths()["platlib"]))


def _describe(err):
    """Return an exception as one short line: type, message, and the student's line it came from."""
    text = _ANSI.sub("", str(err))
    # Keras wraps the real error between a long preamble and a list of the arguments.
    text = text.split("Error encountered:", 1)[-1].split("Arguments received by", 1)[0]
    text = " ".join(text.split())
    text = text if len(text) <= 300 else text[:297] + "..."
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if not f.filename.startswith(_LIBRARY + ("<frozen",)) and f.line]
    where = f" (in `{frames[-1].line.strip()}`)" if frames else ""
    return f"{type(err).__name__}: {text}{where}" if text else f"{type(err).__name__}{where}"


def _need_callable(answer, name):
    """Fail with a hint unless the answer is something that can be called."""
    if answer is None:
        raise _Hint(f"{name} is None: run the cell that defines it, then this one.")
    if not callable(answer):
        raise _Hint(f"{name} should be a function; it is {_kind(answer)}.")


def _kind(obj):
    """Return 'a str', 'an int', ...: what an object is, for messages."""
    name = type(obj).__name__
    return f"{'an' if name[0].lower() in 'aeiou' else 'a'} {name}"


def _as_numbers(out, what):
    """Return the student's output as a float64 array, or fail with a hint on what it was."""
    if out is None:
        raise _not_done(f"{what} returned None")
    if isinstance(out, (str, bytes)):
        raise _Hint(f"{what} returned the text {out!r:.60}; return a tensor or a NumPy array.")
    try:
        return _as_float(out)
    except Exception:
        raise _Hint(f"{what} returned {_kind(out)}, not numbers; return a tensor or a NumPy "
                    "array.") from None


def _first_wrong(outs, cases, reference, mistakes, same):
    """Return (output, case, expected) of the first case whose output is wrong, or None.

    Before that, raise the hint of the first mistake that fits every case, not only the first
    that fails: on an easy case two mistakes can give the same numbers, and the later cases tell
    them apart. Mistakes are computed in float64, whatever the answer's precision.
    """
    expected = [_as_float(reference(*case)) for case in cases]
    wrong = [found for found in zip(outs, cases, expected) if not same(found[0], found[2])]
    if not wrong:
        return None
    for mistake, hint in mistakes:
        if all(same(got, _as_float(mistake(*map(_as_float64, case))))
               for got, case in zip(outs, cases)):
            raise _Hint(hint)
    return wrong[0]


def _close(a, b):
    """Return whether two arrays have the same shape and agree to float32 accuracy."""
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-4)


def _as_float(values):
    """Return a tensor, array or number as a float64 array."""
    return np.asarray(ops.convert_to_numpy(values), dtype=np.float64)


def _as_float64(value):
    """Return a float array as float64; anything else as it is."""
    is_float = isinstance(value, np.ndarray) and value.dtype.kind == "f"
    return value.astype(np.float64) if is_float else value


def _show(values):
    """Return a few numbers as short text for messages: [1, -2, 0.359]."""
    return "[" + ", ".join(f"{v:.3g}" for v in np.ravel(np.asarray(values, np.float64))) + "]"


# --- Derivations: a number or a formula worked out on paper ------------------------------------

def _one_number(value, name, stub):
    """Return a derivation's answer as one float, or fail with a hint on what it was."""
    if value is None:
        raise _not_done(f"{name} is None", stub=stub, answer="your number")
    if isinstance(value, (str, bytes)):
        raise _Hint(f"{name} is the text {value!r:.40}; give a number, without quotes.")
    got = _as_numbers(value, name)
    if got.size != 1:
        raise _Hint(f"Give one number; {name} holds {got.size}: {_show(got)}.")
    return float(got.ravel()[0])


def _wrong_step(got, mistakes, tolerance):
    """Raise the hint of the first (value, hint) mistake that got matches within tolerance."""
    for value, hint in mistakes:
        if abs(got - value) <= tolerance:
            raise _Hint(hint)


_MATH = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "pi": np.pi}


def _formula(answer, name, variables, stub):
    """Return a derivation's formula, a Python expression in `variables`, as a function of them.

    The expression may use exp, log, sqrt and pi (NumPy's); the function takes the variables as
    keyword arguments holding arrays.
    """
    if answer is None:
        raise _not_done(f"{name} is None", stub=stub, answer="your formula")
    if not isinstance(answer, str):
        raise _Hint(f"{name} is {_kind(answer)}; write the formula as text in quotes, e.g. "
                    f"\"0.5 * exp({variables[-1]})\".")
    if "^" in answer:
        raise _Hint(f"{name} uses ^, which Python reads as a bitwise operation: write a power "
                    "with ** (x**2).")
    try:
        with warnings.catch_warnings():  # "0.5 (x)": the hint below says it better
            warnings.simplefilter("ignore", SyntaxWarning)
            code = compile(answer, name, "eval")
    except SyntaxError as err:
        raise _Hint(f"{name} is not a Python expression ({err.msg}): write it as you would in "
                    "code, with * for every product.") from None
    unknown = sorted(set(code.co_names) - set(_MATH) - set(variables))
    if unknown:
        raise _Hint(f"{name} uses {', '.join(unknown)}; write it with "
                    f"{', '.join(variables)} and exp, log, sqrt only.")
    return lambda **values: np.asarray(eval(code, {"__builtins__": {}, **_MATH}, values),
                                       dtype=np.float64)


# --- Experiments: a prediction written before the run, compared with what it measured ----------

def _predicted(name, prediction, choices, outcome, measured, why):
    """Say whether the prediction matches what the run measured: ✓ if it does, else ✗ and why.

    prediction is the student's, one of choices; outcome is the choice the run's measurement
    reads as (from its interval, :mod:`course_utils.compare`), measured what it measured.
    """
    options = " or ".join(repr(c) for c in choices)
    again = ("Read why, then try another setting: predict first, run, and see whether the "
             "reason holds.")
    if prediction is None:
        return _failed(f"✗ {name} is not done yet. prediction is None: write your prediction, "
                       f"{options}, before you run the experiment, then run its cells again.",
                       "", None)
    if prediction not in choices:
        return _failed(f"✗ {name} is not right yet. prediction is {prediction!r}, not one of "
                       f"the choices: write {options}.", "", None)
    if prediction != outcome:
        return _failed(f"✗ {name} is not right yet. You predicted {prediction!r}; the run says "
                       f"{outcome!r}: {measured}.", f"Why: {why} {again}", None)
    _say(f"✓ {name}: you predicted {prediction!r}, and the run agrees: {measured}.", f"Why: {why}")
    return prediction


def _nearest(ratio, targets):
    """Return the name in targets ({name: ratio}) nearest to ratio on a log scale."""
    return min(targets, key=lambda name: abs(np.log(ratio / targets[name])))


def _word(comparison, words):
    """Return a choice for a Comparison: words[0] if a is clearly higher, words[2] if clearly
    lower, words[1] (no clear difference) otherwise."""
    if not comparison.clear:
        return words[1]
    return words[0] if comparison.difference > 0 else words[2]
