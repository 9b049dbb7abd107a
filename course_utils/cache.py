"""Train once, then load: a model cache keyed by everything that makes a trained model.

An entry's key is a hash of

- the model's **architecture**: its Keras serialisation, with the layers' names left out, so two
  builds of one network match whatever names Keras gave their layers;
- the **code** of every class of the course or of a notebook in it (the model's own class and
  its layers' classes): their methods and the functions those call, compared as syntax trees,
  so comments, docstrings and line breaks do not count, and an imported function counts the
  same as a copy of it;
- its **compile settings** (optimizer and loss);
- the **training settings** the caller gives: the data, epochs, batch size, seed, ...

A change to a builder, a ``train_step``, the optimizer or a setting therefore gives a new entry
and a new training run, while the same network built by a chapter's own code and by the
library's finds the same entry. Each entry is a folder::

    <cache>/<name>-<key>/
        model.keras     the trained model; its weights are restored into a fresh build
        history.json    the per-epoch training curves
        config.json     the training settings and the fingerprint's parts, to read

An entry is written into a temporary folder and renamed into place, so an interrupted save
never leaves an entry that looks complete. Runs that share a cache (an instructor's parallel
sweep, two terminals) take a lock per entry while they look for it and train it: the second
waits for the first and then loads what it trained. This module knows nothing of the course's
models.
"""

import ast
import contextlib
import hashlib
import inspect
import json
import math
import os
import shutil
import tempfile
import textwrap
import time
import types
import warnings
import zipfile
from pathlib import Path

import keras

CACHE_ENV = "COURSE_CACHE"
DEFAULT_CACHE = Path("~/.cache/latent-spaces")
# Code from these packages is not hashed: its version, not its text, decides what it does.
_EXTERNAL = ("keras", "tensorflow", "numpy", "scipy", "builtins", "jax", "torch", "pandas",
             "abc", "functools", "typing", "collections", "math")


class CacheError(Exception):
    """A cache entry is missing a file, unreadable or for another configuration."""


def cache_root(cache_dir=None):
    """Return the cache folder: the argument, else $COURSE_CACHE, else ~/.cache/latent-spaces."""
    return Path(cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


class Entry:
    """The cache entry of one compiled model trained with given settings.

    ``settings`` are keyword arguments that describe the training (data, epochs, batch size,
    seed, ...); with the model's fingerprint they make the key.
    """

    def __init__(self, name, model, cache_dir=None, **settings):
        if not name or any(sep in name for sep in "/\\"):
            raise ValueError(f"name must be a non-empty folder name without slashes; got {name!r}.")
        self.name = name
        self.config = {"settings": settings, "model": fingerprint(model)}
        self.key = hashlib.sha256(_canonical(self.config).encode()).hexdigest()[:12]
        self.folder = cache_root(cache_dir) / f"{name}-{self.key}"

    def exists(self):
        """Return whether a complete entry for this model and these settings is stored."""
        return all((self.folder / f).is_file() for f in ("model.keras", "history.json",
                                                         "config.json"))

    def restore(self, model):
        """Load the stored weights into model; return the training history (dict of lists)."""
        stored = _read_json(self.folder / "config.json")
        if _dumps(stored) != _canonical(self.config):
            raise CacheError(f"{self.folder / 'config.json'} holds another configuration")
        history = _read_json(self.folder / "history.json")
        if not isinstance(history, dict):
            raise CacheError(f"{self.folder / 'history.json'} holds no dict of training curves")
        path = self.folder / "model.keras"
        # Keras reports a truncated archive as "file not found"; say what really happened.
        if not zipfile.is_zipfile(path):
            raise CacheError(f"{path} is not a whole .keras archive (cut short or overwritten)")
        if not model.built and all(layer.built for layer in model._flatten_layers(False)):
            # A model made of built parts (a VAE around its encoder and decoder) has nothing
            # left to build, but Keras loads weights only into a model marked built.
            model.built = True
        try:
            with warnings.catch_warnings():
                # The archive also holds the optimizer's state, which a restore does not need.
                warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
                model.load_weights(path)
        except Exception as error:  # Keras raises many kinds on a bad archive.
            raise CacheError(f"cannot load the weights in {path} ({type(error).__name__}: "
                             f"{error})") from error
        return history

    def save(self, model, history):
        """Store the trained model and its history; return the history as a dict of lists."""
        history = history_dict(history)
        folder = self.folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        # Renaming a finished folder means an interrupted save never leaves an entry that loads.
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
        try:
            with warnings.catch_warnings():
                # A model whose own call never ran (a VAE trained through its train_step) is
                # "not built", though every layer in it is: its weights are all saved.
                warnings.filterwarnings("ignore", "You are saving a model that has not yet")
                model.save(tmp / "model.keras")
            (tmp / "history.json").write_text(json.dumps(history))
            (tmp / "config.json").write_text(_canonical(self.config))
            shutil.rmtree(folder, ignore_errors=True)  # a stale or damaged entry
            try:
                os.replace(tmp, folder)
            except OSError:
                if not folder.is_dir():  # else another run saved the same entry first: keep it
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return history


def load_or_train(name, model, train, cache_dir=None, **settings):
    """Return (model, history): model with its cached weights, else after train(model).

    ``model`` is built and compiled; ``train(model)`` trains it and returns a keras History or a
    dict of per-epoch lists. ``settings`` describe the training (see :class:`Entry`).
    """
    entry = Entry(name, model, cache_dir, **settings)
    with entry_lock(entry.folder):
        if entry.exists():
            try:
                history = entry.restore(model)
                print(f"Loaded {name} from cache {entry.folder} (trained earlier; delete it to "
                      "retrain).")
                return model, history
            except CacheError as error:
                print(f"Cache problem: {error}. Training {name} anew.")
        start = time.perf_counter()
        history = train(model)
        seconds = time.perf_counter() - start
        try:
            history = entry.save(model, history)
        except OSError as error:  # a read-only folder, a full disk: keep the trained model
            print(f"Trained {name} in {seconds:.1f} s, but could not save it to the model cache "
                  f"{entry.folder.parent} ({type(error).__name__}: {error}). This run goes on "
                  "with the trained model; the next run trains it again unless the folder is "
                  f"made writable (or given space), or ${CACHE_ENV} names another folder.")
            return model, history_dict(history)
    print(f"Trained {name} in {seconds:.1f} s; saved to cache {entry.folder}.")
    return model, history


@contextlib.contextmanager
def entry_lock(folder):
    """Hold an entry's lock file while the body runs; wait, saying so, if another run holds it.

    A lock held by a process that died is released by the system. Where locks are unavailable
    (no fcntl) the body runs unlocked.
    """
    # The lock files live in the system's temporary folder, not in the cache: the cache holds
    # entries only, and a read-only cache still gets its lock.
    locks = Path(tempfile.gettempdir()) / "latent-spaces-locks"
    name = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    try:
        import fcntl
        locks.mkdir(exist_ok=True)
        handle = open(locks / f"{folder.name}-{name}.lock", "a")
    except (ImportError, OSError):
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print(f"Waiting for another run that is training {folder.name} ...", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def history_dict(history):
    """Return a History's or a dict's per-epoch values as a dict of lists of floats."""
    history = getattr(history, "history", history) or {}
    return {key: [float(v) for v in values] for key, values in history.items()}


# --- The fingerprint of a model -----------------------------------------------------------------


def fingerprint(model):
    """Return what identifies a compiled model: hashes of its architecture and code, its compile.

    Two builds of the same network give the same fingerprint, whatever their layers are named
    and whether the code that built them sits in a notebook or in a module.
    """
    spec = keras.saving.serialize_keras_object(model)
    compiled = spec.pop("compile_config", None)
    if compiled and isinstance(compiled.get("optimizer"), dict):
        compiled["optimizer"]["config"].pop("name", None)  # "adam", "adam_1": a counter
    return {"architecture": _digest(_without_names(spec)),
            "code": {cls.__name__: class_code(cls) for cls in _custom_classes(model)},
            "compile": _without_names(compiled)}


def _custom_classes(model):
    """Return the model's and its layers' classes that are not Keras' own, by name."""
    layers = [model, *model._flatten_layers(include_self=False, recursive=True)]
    classes = {type(layer) for layer in layers if not _external(type(layer))}
    return sorted(classes, key=lambda cls: cls.__name__)


def _without_names(spec):
    """Return a serialised model with its layers' names replaced by their positions.

    Names are a functional model's own scope (its layer list and the references between its
    layers), so each model's layers are numbered in that model; other text stays as it is.
    """
    def walk(node, names):
        if isinstance(node, (list, tuple)):
            return [walk(value, names) for value in node]
        if isinstance(node, str):
            return names.get(node, node)
        if not isinstance(node, dict):
            return node
        config = node.get("config")
        inner = names
        if isinstance(config, dict) and isinstance(config.get("layers"), list):
            inner = {_layer_name(layer): f"<layer {i}>" for i, layer in enumerate(config["layers"])}
        out = {}
        for key, value in node.items():
            if key in ("module", "registered_name"):
                continue  # where a class is defined is not what it does
            if key == "config" and inner is not names:
                # The model's own name belongs to the outer scope, its layers to the inner one.
                out[key] = {k: walk(v, names if k == "name" else inner) for k, v in value.items()}
            else:
                out[key] = walk(value, names)
        return out

    if spec is None:
        return None
    out = walk(spec, {})
    out.pop("name", None)  # the model's own name, which Keras numbers when it is not given
    if isinstance(out.get("config"), dict):
        out["config"].pop("name", None)
    return out


def _layer_name(layer):
    """Return the name in a serialised layer."""
    return layer.get("name") or (layer.get("config") or {}).get("name")


def class_code(cls, _seen=None):
    """Return a hash of a class's code: its own methods and its bases' up to Keras' classes."""
    seen = set() if _seen is None else _seen
    if id(cls) in seen:
        return "<recursion>"
    seen = seen | {id(cls)}
    parts = []
    for base in cls.__mro__:
        if _external(base):
            break
        for name, member in sorted(vars(base).items()):
            function = _function_of(member)
            if function is not None:
                parts.append([base.__name__, name, function_code(function, seen)])
    return _digest(parts)


def function_code(function, _seen=None):
    """Return a hash of a function's syntax tree, with the functions it calls hashed in place.

    Docstrings, comments, layout and the function's own name do not count; a global or an
    attribute of a module that names a function or class of the course (or of a notebook) is
    replaced by that object's own hash, so the same code reached under two names hashes alike.
    """
    seen = set() if _seen is None else _seen
    if id(function) in seen:
        return "<recursion>"
    seen = seen | {id(function)}
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        node = tree.body[0]
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            raise SyntaxError("not a def")
    except (OSError, TypeError, SyntaxError, IndexError):
        # No source (made by exec, or a lambda): fall back on the compiled code.
        return _code_digest(function.__code__)
    node.name = "_"
    scope = _GlobalResolver(function, seen)
    return _digest(ast.dump(scope.visit(_strip_docstrings(node))))


def _code_digest(code):
    """Return a hash of compiled code: its bytecode, constants and names, nested code included."""
    consts = [_code_digest(c) if isinstance(c, types.CodeType) else repr(c)
              for c in code.co_consts]
    return _digest([code.co_code.hex(), consts, list(code.co_names)])


class _GlobalResolver(ast.NodeTransformer):
    """Replace names of the course's functions and classes by the hash of their code."""

    def __init__(self, function, seen):
        self.globals = getattr(function, "__globals__", {})
        closure = inspect.getclosurevars(function).nonlocals if function.__closure__ else {}
        self.values = {**self.globals, **closure}
        self.local = set(function.__code__.co_varnames)
        self.seen = seen

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in self.local and node.id in self.values:
            return self._replaced(self.values[node.id], node)
        return node

    def visit_Attribute(self, node):
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id in self.values:
            owner = self.values[node.value.id]
            if isinstance(owner, types.ModuleType) and hasattr(owner, node.attr):
                return self._replaced(getattr(owner, node.attr), node)
        return node

    def _replaced(self, value, node):
        if isinstance(value, type) and not _external(value):
            return ast.Name(id=f"<class {class_code(value, self.seen)}>", ctx=ast.Load())
        if isinstance(value, types.FunctionType) and not _external(value):
            return ast.Name(id=f"<function {function_code(value, self.seen)}>", ctx=ast.Load())
        if isinstance(value, (int, float, str, bool, tuple)):
            return ast.Constant(value=repr(value))
        return node


def _strip_docstrings(tree):
    """Remove the docstring of every function and class in tree; return tree."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
    return tree


def _function_of(member):
    """Return the function behind a class member (method, property, ...), else None."""
    if isinstance(member, property):
        return member.fget
    if isinstance(member, (staticmethod, classmethod)):
        return member.__func__
    return member if isinstance(member, types.FunctionType) else None


def _external(obj):
    """Return whether obj comes from a library outside the course (Keras, NumPy, ...)."""
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in _EXTERNAL


# --- JSON -----------------------------------------------------------------------------------------


def _read_json(path):
    """Return the JSON in path, raising CacheError when it is missing or unreadable."""
    if not path.is_file():
        raise CacheError(f"{path} is missing")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CacheError(f"cannot read {path} ({type(error).__name__}: {error})") from error


def _digest(value):
    """Return the first 16 hex digits of the SHA-256 of value's canonical JSON."""
    return hashlib.sha256(_dumps(value).encode()).hexdigest()[:16]


def _canonical(config):
    """Return the canonical JSON of config: sorted keys, no spaces, after checking each value."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict; got {type(config).__name__}.")
    _check_jsonable(config, "config")
    return _dumps(config)


def _dumps(value):
    """Return JSON with sorted keys and no spaces: one text for equal configurations."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _check_jsonable(value, where):
    """Raise a TypeError naming the first entry that JSON cannot hold exactly."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where} has a non-string key {key!r}; use strings as keys.")
            _check_jsonable(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_jsonable(item, f"{where}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"{where} is {value}; JSON has no NaN or infinity.")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise TypeError(f"{where} is a {type(value).__name__} ({value!r}), which is not "
                        "JSON-able; use str, int, float, bool, None, list or dict (e.g. "
                        "float(x) for a NumPy number).")
