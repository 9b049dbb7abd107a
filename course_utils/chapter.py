"""The chapter skeleton: profiles, parameter checks and seeding (every chapter).

A chapter's ``parameters`` cell holds literals; papermill may override them. The chapter then
calls :func:`setup`, which checks every parameter, fills the sizes the profile chooses, seeds
every random generator and says what the run will do.
"""

import os
import sys
import types

import keras

PROFILES = ("full", "quick")
PROFILE_ENV = "COURSE_PROFILE"


class ParameterError(ValueError):
    """A chapter parameter has a wrong type or value."""


def _fail(name, value, allowed):
    """Raise a ParameterError that names the parameter, its allowed values and the fix."""
    raise ParameterError(
        f"Parameter {name} must be {allowed}; got {value!r} ({type(value).__name__}). "
        f"Change it in the parameters cell, or pass e.g. `papermill -p {name} ...`."
    )


def integer(low=None, high=None):
    """Return a rule accepting whole numbers in [low, high]."""
    allowed = "a whole number" + _range_text(low, high)

    def check(name, value):
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if not is_int or (low is not None and value < low) or (high is not None and value > high):
            _fail(name, value, allowed)
        return int(value)

    return check


def number(low=None, high=None):
    """Return a rule accepting real numbers in [low, high]."""
    allowed = "a number" + _range_text(low, high)

    def check(name, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            _fail(name, value, allowed)
        if (low is not None and value < low) or (high is not None and value > high):
            _fail(name, value, allowed)
        return float(value)

    return check


def choice(*options):
    """Return a rule accepting one of the given options."""
    allowed = "one of " + ", ".join(repr(o) for o in options)

    def check(name, value):
        if value not in options:
            _fail(name, value, allowed)
        return value

    return check


def boolean():
    """Return a rule accepting True or False."""

    def check(name, value):
        if not isinstance(value, bool):
            _fail(name, value, "True or False")
        return value

    return check


def _range_text(low, high):
    """Describe an inclusive range for an error message."""
    if low is not None and high is not None:
        return f" from {low:,} to {high:,}"
    if low is not None:
        return f" of at least {low:,}"
    if high is not None:
        return f" of at most {high:,}"
    return ""


def resolve_profile(profile=None):
    """Return the profile to run: the parameter, else $COURSE_PROFILE, else "full"."""
    if profile is None:
        profile = os.environ.get(PROFILE_ENV) or "full"
        if profile not in PROFILES:
            raise ParameterError(
                f"Environment variable {PROFILE_ENV} must be one of {', '.join(PROFILES)}; "
                f"got {profile!r}."
            )
    return choice(*PROFILES)("PROFILE", profile)


def setup(profile, seed, values, rules, sizes):
    """Check the parameters, fill the profile's sizes, seed everything; return them (every chapter).

    values: the parameters cell's values by name; None means "the profile decides".
    rules:  a rule (integer, number, choice, boolean) for every name in values.
    sizes:  {"full": {...}, "quick": {...}}, the profile's value for each size parameter.
    """
    profile = resolve_profile(profile)
    seed = integer(0, 2**31 - 1)("SEED", seed)
    missing = set(values) - set(rules)
    if missing:
        raise ValueError(f"No rule given for parameter(s) {sorted(missing)}.")
    resolved = {}
    for name, value in values.items():
        if value is None and name in sizes[profile]:
            value = sizes[profile][name]
        resolved[name] = rules[name](name, value)
    seed_everything(seed)
    shown = ", ".join(f"{k}={v:,}" if isinstance(v, int) and not isinstance(v, bool)
                      else f"{k}={v!r}" for k, v in resolved.items())
    print(f"Profile {profile!r}, seed {seed}: {shown}")
    return types.SimpleNamespace(PROFILE=profile, SEED=seed, **resolved)


def seed_everything(seed):
    """Seed Python, NumPy and TensorFlow, so a rerun with the same seed gives the same numbers."""
    keras.utils.set_random_seed(seed)


def in_colab():
    """Return True when running inside Google Colab."""
    return "google.colab" in sys.modules


def glue(name, value, display=False):
    """Record a value for the book's prose (MyST-NB glue); outside the book build, show it."""
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # e.g. in Colab, where the prose is not rendered from the run
        if display:
            from IPython.display import display as show
            show(value)
        return
    myst_glue(name, value, display=display)


def show_source(*objects):
    """Show the course's code for functions or classes, read from course_utils (chapters 1-6).

    The page shows the module's own text, so it cannot drift from the code the chapter runs.
    """
    import inspect

    from IPython.display import Markdown, display

    source = "\n\n".join(inspect.getsource(obj) for obj in objects)
    display(Markdown(f"```python\n{source}```"))
