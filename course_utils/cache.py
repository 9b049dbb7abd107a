"""Train once, then load: a model cache keyed by everything that makes a trained model.

The key hashes the model's Keras config (without the names Keras numbers anew in each build,
so a chapter's build and the library's find one entry), the code of the course's classes in it
(an edited ``train_step`` trains anew), its compile config and the caller's settings (data,
epochs, seed, ...). An entry is a folder ``<cache>/<name>-<key>/`` holding model.keras,
history.json and config.json (the key's parts, to read), written to a temporary folder and
renamed into place, so an interrupted save never leaves an entry that looks whole.
"""

import ast
import contextlib
import hashlib
import inspect
import json
import os
import shutil
import tempfile
import textwrap
import time
import warnings
import zipfile
from pathlib import Path

import keras

CACHE_ENV = "COURSE_CACHE"
DEFAULT_CACHE = Path("~/.cache/latent-spaces")
FILES = ("model.keras", "history.json", "config.json")


class CacheError(Exception):
    """A cache entry is missing a file, unreadable or for another configuration."""


def cache_root(cache_dir=None):
    """Return the cache folder: the argument, else $COURSE_CACHE, else ~/.cache/latent-spaces."""
    return Path(cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


class Entry:
    """The cache entry of one compiled model trained with the given settings (JSON values)."""

    def __init__(self, name, model, cache_dir=None, **settings):
        if not name or any(sep in name for sep in "/\\"):
            raise ValueError(f"name must be a non-empty folder name without slashes; got {name!r}.")
        for key, value in settings.items():
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as error:
                raise TypeError(f"setting {key}={value!r} is not JSON ({error}); use str, int, "
                                "finite float, bool, None, list or dict (float(x) for a NumPy "
                                "number).") from None
        self.name = name
        self.config = _dumps({"settings": settings, "model": fingerprint(model)})
        self.key = hashlib.sha256(self.config.encode()).hexdigest()[:12]
        self.folder = cache_root(cache_dir) / f"{name}-{self.key}"

    def exists(self):
        """Return whether a complete entry for this model and these settings is stored."""
        return all((self.folder / file).is_file() for file in FILES)

    def restore(self, model):
        """Load the stored weights into model; return the training history (dict of lists)."""
        if _dumps(_read_json(self.folder / "config.json")) != self.config:
            raise CacheError(f"{self.folder / 'config.json'} holds another configuration")
        history = _read_json(self.folder / "history.json")
        if not isinstance(history, dict):
            raise CacheError(f"{self.folder / 'history.json'} holds no dict of training curves")
        path = self.folder / "model.keras"
        # Keras reports a truncated archive as "file not found"; say what really happened.
        if not zipfile.is_zipfile(path):
            raise CacheError(f"{path} is not a whole .keras archive (cut short or overwritten)")
        if not model.built and all(layer.built for layer in model.layers):
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
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.folder.parent, prefix=f".{self.folder.name}-",
                                         ignore_cleanup_errors=True) as tmp:
            with warnings.catch_warnings():
                # A VAE trained through its train_step never ran its own call: "not built".
                warnings.filterwarnings("ignore", "You are saving a model that has not yet")
                model.save(Path(tmp, "model.keras"))
            Path(tmp, "history.json").write_text(json.dumps(history))
            Path(tmp, "config.json").write_text(self.config)
            shutil.rmtree(self.folder, ignore_errors=True)  # a stale or damaged entry
            try:
                os.replace(tmp, self.folder)  # whole, or not there at all
            except OSError:
                if not self.folder.is_dir():  # else another run saved it first: keep that
                    raise
        return history


def load_or_train(name, model, train, cache_dir=None, **settings):
    """Return (model, history): model with its cached weights, else after train(model).

    ``model`` is built and compiled; ``train(model)`` returns a keras History or a dict of
    per-epoch lists; ``settings`` (JSON values) describe the training and are part of the key.
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
    """Hold an entry's lock file while the body runs; wait, saying so, if another run holds it."""
    # In the system's temporary folder, so that a read-only cache still gets its lock; the
    # system releases the lock of a process that died.
    locks = Path(tempfile.gettempdir()) / "latent-spaces-locks"
    try:
        import fcntl
        locks.mkdir(exist_ok=True)
        handle = open(locks / f"{folder.name}.lock", "a")  # the name holds the key
    except (ImportError, OSError):  # no fcntl (Windows), no temporary folder: unlocked
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            print(f"Waiting for another run that is training {folder.name} ...", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield  # closing the handle releases the lock


def history_dict(history):
    """Return a History's or a dict's per-epoch values as a dict of lists of floats."""
    history = getattr(history, "history", history) or {}
    return {key: [float(v) for v in values] for key, values in history.items()}


def fingerprint(model):
    """Return what identifies a compiled model: its architecture, its classes' code, compile."""
    spec = _without_names(keras.saving.serialize_keras_object(model))
    spec["config"].pop("name", None)  # the model's own name, which Keras numbers if not given
    compiled = spec.pop("compile_config", None) or {}
    if isinstance(compiled.get("optimizer"), dict):
        compiled["optimizer"]["config"].pop("name", None)  # "adam", "adam_1": a counter
    classes, layers = {}, [model]
    while layers:  # the model, its layers, and theirs: nested models hold layers
        layer = layers.pop()
        classes[type(layer).__name__] = type(layer)
        layers += getattr(layer, "layers", [])
    code = {name: _digest(class_code(cls)) for name, cls in classes.items()
            if not cls.__module__.startswith("keras")}
    return {"architecture": _digest(spec), "code": code, "compile": compiled}


def class_code(cls):
    """Return the syntax trees of the methods a class and its bases define, up to Keras' own.

    Methods, because inspect finds a notebook cell's functions but not its classes; syntax
    trees, because comments do not count: the chapter's cell, with its solution's markers, and
    the library's copy of it without them are one model.
    """
    trees = []
    for base in cls.__mro__:
        if base.__module__.startswith("keras") or base is object:
            break
        for member in vars(base).values():
            function = getattr(member, "fget", None) or getattr(member, "__func__", member)
            if not inspect.isfunction(function):
                continue
            try:
                trees.append(ast.dump(ast.parse(textwrap.dedent(inspect.getsource(function)))))
            except OSError:  # no source (code given to exec): its bytecode and constants
                code = function.__code__
                trees.append(code.co_code.hex() + repr([c for c in code.co_consts
                                                        if not inspect.iscode(c)]))
    return trees


def _without_names(node, names={}):
    """Return a serialised model with each layer's name replaced by its place in its model.

    Keras numbers names anew in every build (dense_3, functional_2), and where a class is
    defined (module, registered name) does not say what it does.
    """
    if isinstance(node, (list, tuple)):  # Keras keeps a tensor's history in a tuple
        return [_without_names(value, names) for value in node]
    if isinstance(node, str):
        return names.get(node, node)
    if not isinstance(node, dict):
        return node
    config, inner = node.get("config"), names
    if isinstance(config, dict) and isinstance(config.get("layers"), list):
        # A functional model's config is a scope of its own: its name and its layers' names.
        inner = {config["name"]: "<model>"} | {layer["name"]: f"<layer {i}>"
                                               for i, layer in enumerate(config["layers"])}
    return {key: _without_names(value, inner if key == "config" else names)
            for key, value in node.items() if key not in ("module", "registered_name")}


def _read_json(path):
    """Return the JSON in path, raising CacheError when it is missing or unreadable."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CacheError(f"cannot read {path} ({type(error).__name__}: {error})") from error


def _dumps(value):
    """Return JSON with sorted keys and no spaces: one text for equal configurations."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _digest(value):
    """Return the first 16 hex digits of the SHA-256 of value's canonical JSON."""
    return hashlib.sha256(_dumps(value).encode()).hexdigest()[:16]
