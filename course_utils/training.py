"""Train once, then load: a model cache keyed by the whole configuration (chapters 1-6).

``load_or_train(name, config, build, train)`` keeps each trained model in its own folder,

    <cache>/<name>-<first 12 hex digits of sha256(canonical JSON of config)>/
        model.keras     the model (reloaded with safe_mode=True)
        history.json    the training history, so a chapter can plot its curves from the cache
        config.json     the configuration, checked against the one asked for

so any changed parameter (architecture, data, sizes, training, seed) gives a new folder and
a new training run, and a rebuild of the book reuses what is already trained. An entry is
written in a temporary folder and renamed into place, so an interrupted save leaves nothing
that looks valid; a damaged entry is reported and trained again.
"""

import hashlib
import json
import math
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import keras
import tensorflow as tf

from course_utils import models

CACHE_ENV = "COURSE_CACHE"
DEFAULT_CACHE = Path("~/.cache/latent-spaces")


class CacheError(Exception):
    """A cache entry is missing a file, unreadable or for another configuration."""


def strategy(devices=None):
    """Return a MirroredStrategy over several GPUs or given devices, else the default (ch. 1)."""
    if devices is not None:
        return tf.distribute.MirroredStrategy(devices)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def cache_root(cache_dir=None):
    """Return the cache folder: argument, else $COURSE_CACHE, else ~/.cache/latent-spaces."""
    return Path(cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE).expanduser()


def config_key(config):
    """Return the 12-hex-digit cache key of a JSON-able configuration dict (chapter 1)."""
    return hashlib.sha256(_canonical(config).encode()).hexdigest()[:12]


def load_or_train(name, config, build, train, cache_dir=None, distribute=None):
    """Return (model, history) cached for this config, else build, train and save it (ch. 1-6).

    ``build()`` makes the model (inside the strategy's scope); ``train(model)`` trains it and
    returns a keras History or a dict of per-epoch lists. The history comes back as a dict of
    lists of floats either way. ``distribute`` overrides the strategy (default: strategy()).
    """
    if not name or any(sep in name for sep in "/\\"):
        raise ValueError(f"name must be a non-empty folder name without slashes; got {name!r}.")
    folder = cache_root(cache_dir) / f"{name}-{config_key(config)}"
    distribute = distribute or strategy()
    if folder.exists():
        try:
            with distribute.scope():
                model, history = _load(folder, config)
            print(f"Loaded {name} from cache {folder} (trained earlier; delete it to retrain).")
            return model, history
        except CacheError as error:
            print(f"Cache problem: {error}. Training {name} anew.")
    start = time.perf_counter()
    with distribute.scope():
        model = build()
    history = _history_dict(train(model))
    _save(folder, config, model, history)
    print(f"Trained {name} in {time.perf_counter() - start:.1f} s; saved to cache {folder}.")
    return model, history


def _load(folder, config):
    """Read a complete cache entry, raising CacheError that names the first bad file."""
    stored = _read_json(folder / "config.json")
    if _dumps(stored) != _canonical(config):
        raise CacheError(f"{folder / 'config.json'} holds another configuration")
    history = _read_json(folder / "history.json")
    if not isinstance(history, dict):
        raise CacheError(f"{folder / 'history.json'} holds no dict of training curves")
    path = _existing(folder / "model.keras")
    # Keras reports a truncated archive as "file not found"; say what really happened.
    if not zipfile.is_zipfile(path):
        raise CacheError(f"{path} is not a whole .keras archive (cut short or overwritten)")
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds on a bad archive.
        raise CacheError(f"cannot load {path} ({type(error).__name__}: {error})") from error
    return model, history


def _read_json(path):
    """Return the JSON in path, raising CacheError when it is missing or unreadable."""
    try:
        return json.loads(_existing(path).read_text())
    except (OSError, ValueError) as error:
        raise CacheError(f"cannot read {path} ({type(error).__name__}: {error})") from error


def _existing(path):
    """Return path, raising CacheError when there is no such file."""
    if not path.is_file():
        raise CacheError(f"{path} is missing")
    return path


def _save(folder, config, model, history):
    """Write the entry into a temporary folder beside it, then rename that into place whole."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Renaming a finished folder means an interrupted save never leaves an entry that loads.
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        model.save(tmp / "model.keras")
        (tmp / "history.json").write_text(json.dumps(history))
        (tmp / "config.json").write_text(_canonical(config))
        shutil.rmtree(folder, ignore_errors=True)  # a stale or damaged entry
        try:
            os.replace(tmp, folder)
        except OSError:
            if not folder.is_dir():  # else another run saved the same entry first: keep that
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _history_dict(history):
    """Return a History's or a dict's per-epoch values as a dict of lists of floats."""
    history = getattr(history, "history", history) or {}
    return {key: [float(v) for v in values] for key, values in history.items()}


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


# --- The book's models, trained once and then loaded ------------------------------------------


def data_id(name, used, n_train, seed):
    """Return what identifies a training set in a cache key: dataset, source, size, seed (ch. 1-6)."""
    return {"dataset": name, "used": used, "n_train": int(n_train), "seed": int(seed)}


def train_autoencoder(x_train, x_val, data, epochs, batch_size=128, kind="conv", latent_dim=2,
                      seed=0, cache_dir=None, verbose=2):
    """Return (autoencoder, encoder, decoder, history): trained with BCE and Adam once (ch. 1-3).

    ``x_train`` and ``x_val`` are model inputs (float in [0, 1], channel axis; 32x32 for "conv",
    28x28 for "dense"); ``data`` is :func:`data_id` of x_train. Chapter 2 calls this with
    chapter 1's parameters and gets chapter 1's model from the cache.
    """
    if kind not in ("conv", "dense"):
        raise ValueError(f"kind must be 'conv' or 'dense'; got {kind!r}.")
    config = {"model": f"{kind}_autoencoder", "latent_dim": latent_dim,
              "input_shape": list(x_train.shape[1:]), "data": data, "epochs": epochs,
              "batch_size": batch_size, "optimizer": "adam", "learning_rate": 1e-3,
              "loss": "binary_crossentropy", "seed": seed}

    def build():
        if kind == "conv":
            model = models.build_autoencoder(tuple(x_train.shape[1:]), latent_dim=latent_dim,
                                             seed=seed)[0]
        else:
            model = models.build_dense_autoencoder(tuple(x_train.shape[1:]),
                                                   latent_dim=latent_dim, seed=seed)[0]
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        return model

    def train(model):
        keras.utils.set_random_seed(seed)  # the same batches whichever chapter trains it
        return model.fit(x_train, x_train, validation_data=(x_val, x_val), epochs=epochs,
                         batch_size=batch_size, shuffle=True, verbose=verbose)

    model, history = load_or_train(f"{kind}_autoencoder", config, build, train, cache_dir)
    return model, model.get_layer("encoder"), model.get_layer("decoder"), history


def train_vae(x_train, x_val, data, epochs, variant="conv32", latent_dim=2, beta=1.0,
              batch_size=128, seed=0, cache_dir=None, verbose=2):
    """Return (vae, history): a VAE of build_vae's variant trained with Adam once (chapter 3)."""
    config = {"model": f"vae_{variant}", "latent_dim": latent_dim, "beta": float(beta),
              "reconstruction": "bce", "input_shape": list(x_train.shape[1:]), "data": data,
              "epochs": epochs, "batch_size": batch_size, "optimizer": "adam",
              "learning_rate": 1e-3, "seed": seed}

    def build():
        model = models.build_vae(variant, latent_dim=latent_dim, beta=beta, seed=seed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        return model

    def train(model):
        keras.utils.set_random_seed(seed)
        return model.fit(x_train, validation_data=(x_val,), epochs=epochs,
                         batch_size=batch_size, shuffle=True, verbose=verbose)

    return load_or_train(f"vae_{variant}", config, build, train, cache_dir)


# --- Chapter 5: the faces VAE, trained by streaming CelebA ------------------------------------


def train_faces_vae(root, n_train, n_test, epochs, latent_dim=200, beta=6.0, batch_size=64,
                    learning_rate=5e-4, seed=0, cache_dir=None, verbose=2):
    """Return (vae, history): the faces VAE trained once by streaming ROOT (chapters 5 and 6).

    Trains on the first n_train images of the CelebA folder ROOT (file-name order), reshuffled
    every epoch, and validates on the next n_test (``celeba.load_celeba_split``). The cache key
    holds the folder's identity (``celeba.dataset_id``) and every setting, so chapter 6, calling
    this with chapter 5's parameters, loads chapter 5's model, and trains it if it is missing.
    """
    from course_utils.data import celeba  # here: celeba imports this module for the cache

    config = {"model": "vae_faces", "latent_dim": latent_dim, "beta": float(beta),
              "reconstruction": "mse", "input_shape": [64, 64, 3],
              "data": {**celeba.dataset_id(root), "n_train": int(n_train), "n_test": int(n_test)},
              "epochs": epochs, "batch_size": batch_size, "optimizer": "adam",
              "learning_rate": learning_rate, "seed": seed}

    def build():
        model = models.build_faces_vae(latent_dim=latent_dim, beta=beta, seed=seed)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
        return model

    def train(model):
        keras.utils.set_random_seed(seed)
        train_ds, test_ds = celeba.load_celeba_split(root, n_train, n_test,
                                                     batch_size=batch_size, seed=seed)
        # An endless stream cut into epochs of known length: one pass over the training images
        # per epoch, and no "input ran out of data" warning at the end of a finite dataset.
        steps = math.ceil(n_train / batch_size)
        return model.fit(train_ds.repeat(), steps_per_epoch=steps, epochs=epochs,
                         validation_data=test_ds.repeat(),
                         validation_steps=math.ceil(n_test / batch_size), shuffle=False,
                         verbose=verbose)

    return load_or_train("vae_faces", config, build, train, cache_dir)
