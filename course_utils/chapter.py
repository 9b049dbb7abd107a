"""The start of every chapter, and what its prose needs: set-up, glue, code shown from the library.

A chapter's first code cells are its ``parameters`` (literals; papermill overrides them) and::

    from course_utils import chapter

    cfg = chapter.setup("01_autoencoder", globals())

:func:`setup` imports TensorFlow without its start-up log noise, checks every parameter against
the chapter's rules in :mod:`course_utils.settings`, fills the sizes the profile chooses,
seeds every random generator and says what the run will do. Nothing here imports TensorFlow at
module level, so this import is quiet itself.
"""

import difflib
import inspect
import os
import re
import types

import numpy as np

from course_utils import _quiet, settings
from course_utils.settings import PROFILES, ParameterError

PROFILE_ENV = "COURSE_PROFILE"
# Where this environment variable is 1, a check that does not pass raises (course_utils.checks);
# defined here, not in checks.core, so that the build tools read it without loading Keras.
MUST_PASS = "COURSE_CHECKS_MUST_PASS"
_PARAMETER_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def setup(chapter, namespace):
    """Check the chapter's parameters, import TensorFlow quietly, seed everything; return them.

    ``namespace`` holds the parameters cell's values (a notebook passes ``globals()``). Sizes
    left at None take the profile's values. Returns a namespace of every parameter, checked.
    A bad parameter is refused before TensorFlow loads, in a fraction of a second.
    """
    declared = settings.declared(chapter)
    _refuse_unknown(chapter, namespace, declared)
    missing = [name for name in declared if name not in namespace]
    if missing:
        raise ParameterError(f"{', '.join(missing)} not defined: run the parameters cell of "
                             f"{chapter} before its set-up cell.")
    # The values given first, so that a bad one is refused before the search for a GPU loads
    # TensorFlow; then the sizes left at None, from the profile.
    given = {n: r.check(n, namespace[n]) for n, r in declared.items()
             if n != "PROFILE" and not (namespace[n] is None and r.full is not None)}
    profile = resolve_profile(namespace["PROFILE"])
    values = {n: given[n] if n in given else r.check(n, r.size(profile))
              for n, r in declared.items() if n != "PROFILE"}
    for low, high in settings.ORDERED.get(chapter, ()):
        if not values[low] < values[high]:
            raise ParameterError(
                f"Parameter {high} must be larger than {low}, the chapter compares the two; got "
                f"{low}={values[low]:g} and {high}={values[high]:g}. Change one in the "
                f"parameters cell, or pass e.g. `papermill -p {high} ...`.")
    _quiet.import_tensorflow_quietly()
    seed_everything(values["SEED"])
    from course_utils import progress  # imports Keras: after the quiet TensorFlow import
    progress.set_chapter(chapter)  # training lines on the terminal name the chapter
    from course_utils import plotting

    plotting.describe_figures_in_notebook()  # the site's alt text for each figure
    _SET_UP.add(chapter)
    shown = ", ".join(f"{k}={v:,}" if isinstance(v, int) and not isinstance(v, bool)
                      else f"{k}={v!r}" for k, v in values.items() if k != "SEED")
    print(f"Profile {profile!r}, seed {values['SEED']}: {shown}")
    return types.SimpleNamespace(PROFILE=profile, **values)


_SET_UP = set()  # the chapters set up in this process


def _refuse_unknown(chapter, namespace, declared):
    """Raise a ParameterError for an upper-case name the chapter has no rule for (a typo).

    Checked on the chapter's first set-up only: a rerun after later cells have defined
    constants of their own (STEPS, ...) must not mistake them for parameters.
    """
    if chapter in _SET_UP:
        return
    for name, value in namespace.items():
        if (_PARAMETER_NAME.match(name) and name not in declared
                and not isinstance(value, types.ModuleType)):
            near = difflib.get_close_matches(name, declared, n=1)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise ParameterError(f"{chapter} has no parameter {name}{hint} Its parameters are "
                                 f"{', '.join(declared)}.")


def resolve_profile(profile=None):
    """Return the profile to run: the parameter, else $COURSE_PROFILE, else "gpu" or "full"."""
    if profile is None:
        profile = os.environ.get(PROFILE_ENV) or ("gpu" if gpu_present() else "full")
        if profile not in PROFILES:
            raise ParameterError(f"Environment variable {PROFILE_ENV} must be one of "
                                 f"{', '.join(PROFILES)}; got {profile!r}.")
    return settings.choice(*PROFILES).check("PROFILE", profile)


def gpu_present():
    """Return whether TensorFlow sees a GPU (it imports TensorFlow, quietly)."""
    _quiet.import_tensorflow_quietly()
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def seed_everything(seed):
    """Seed Python, NumPy and TensorFlow, so a rerun with the same seed gives the same numbers."""
    import keras  # TensorFlow is loaded quietly by now

    keras.utils.set_random_seed(seed)


_GLUED = {}  # the values glued so far in this run, by name
_WAITING = []  # (paragraph, display handle) of shown prose whose numbers are not all glued yet


def glue(name, value, display=False):
    """Record a value for the prose: for the book (MyST-NB glue) and for the editions' paragraphs.

    In an edition (Colab has no MyST-NB), a paragraph shown by :func:`show_prose` before its
    numbers existed is filled in now. A NumPy scalar is glued as the Python number it holds: its
    repr, np.float32(...), is text that the book's number formats cannot read.
    """
    if isinstance(value, np.generic):
        value = value.item()
    _GLUED[name] = value
    for waiting in list(_WAITING):
        text, complete = _filled(waiting[0])
        if complete:
            waiting[1].update(_markdown(text))
            _WAITING.remove(waiting)
    try:
        from myst_nb import glue as myst_glue  # the book's build; absent in Colab
    except ImportError:
        if display:
            from IPython.display import display as show
            show(value)
        return
    myst_glue(name, value, display=display)


def show_prose(paragraph):
    """Show a paragraph of the chapter with this run's numbers: {name:format} stands for each.

    A number not glued yet shows as "…" until the cell that glues it runs; the paragraph then
    fills itself in where it stands.
    """
    from IPython.display import display

    text, complete = _filled(paragraph)
    handle = display(_markdown(text), display_id=True)
    if not complete:
        _WAITING.append((paragraph, handle))


def _filled(paragraph):
    """Return (the paragraph with the glued values in place, whether every value was there)."""
    missing = []

    class Values(dict):
        def __missing__(self, name):
            missing.append(name)
            return _Missing()

    return paragraph.format_map(Values(_GLUED)), not missing


class _Missing:
    """A number not glued yet: shown as "…" whatever its format."""

    def __format__(self, spec):
        return "…"


def _markdown(text):
    """Return Markdown for IPython's display."""
    from IPython.display import Markdown

    return Markdown(text)


def show_source(*objects):
    """Show the course's code for functions or classes, read from course_utils.

    The page shows the module's own text, so it cannot drift from the code the chapter runs.
    """
    from IPython.display import Markdown, display

    source = "\n\n".join(inspect.getsource(obj) for obj in objects)
    display(Markdown(f"```python\n{source}```"))


def word_for(value, scale):
    """Return the word for value on a scale of (threshold, word) pairs, highest threshold first.

    The first pair whose threshold value reaches is chosen; a threshold of None catches the rest.
    The chapters glue such words into fixed sentences, so the prose follows the measurement.
    """
    for threshold, word in scale:
        if threshold is None or value >= threshold:
            return word
    raise ValueError(f"{value!r} is below every threshold of {scale}; end the scale with "
                     "(None, word).")
