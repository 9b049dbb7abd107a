"""Fashion-MNIST and MNIST, real from keras.datasets or procedural stand-ins, in keras.datasets'
format: ``(x_train, y_train), (x_test, y_test)``, uint8, 60,000 + 10,000 images of 28x28."""

import functools
import gzip
import hashlib
import os
import socket
import sys
import tempfile
import zipfile
from pathlib import Path

import keras
import numpy as np

from course_utils import settings
from course_utils.cache import cache_root
from course_utils.data import clothes, digits, render

N_TRAIN, N_TEST = 60_000, 10_000
# Seconds a download may wait on the network for one connection or read: keras' urllib sets
# none, and a network that accepts and then stalls would hold a chapter for an hour or more.
DOWNLOAD_TIMEOUT = 30

# name -> (title, keras loader, stand-in generator, class names, the files keras.datasets
# downloads under its cache folder's datasets/)
_DATASETS = {
    "fashion_mnist": ("Fashion-MNIST", keras.datasets.fashion_mnist.load_data,
                      clothes.make_clothes, clothes.CLASS_NAMES,
                      [f"fashion-mnist/{part}-{kind}-idx{d}-ubyte.gz" for part in ("train", "t10k")
                       for kind, d in (("labels", 1), ("images", 3))]),
    "mnist": ("MNIST", keras.datasets.mnist.load_data, digits.make_digits, digits.CLASS_NAMES,
              ["mnist.npz"]),
}

FASHION_CLASS_NAMES = clothes.CLASS_NAMES
MNIST_CLASS_NAMES = digits.CLASS_NAMES


class DataUnavailableError(RuntimeError):
    """The real dataset could not be loaded (usually: no internet and no cached copy)."""


def class_names(name):
    """Return the ten class names of a dataset ("fashion_mnist" or "mnist")."""
    return _spec(name)[3]


def load(name, source="auto", seed=0):
    """Load a dataset and return ``(splits, loaded)`` where loaded is "real" or "synthetic"."""
    title, load_real = _spec(name)[:2]
    if source not in settings.SOURCES:
        raise ValueError(f"source must be one of {settings.SOURCES}; got {source!r}.")
    if source == "synthetic":
        return synthetic(name, seed), "synthetic"
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT)
    try:
        return load_real(), "real"
    except Exception as error:  # keras raises a bare Exception on a failed download
        damaged = damaged_downloads(name)
        if damaged:
            why = (f"its downloaded file {damaged[0][0]} is damaged ({damaged[0][1]}); delete "
                   "it, and keras.datasets downloads it again on first use with internet")
        else:
            why = (f"{type(error).__name__}: {error}; it is downloaded on first use, so connect "
                   "to the internet once (it is then cached under ~/.keras/datasets)")
        if source == "real":
            # The reason is in the message; keras' own traceback would only bury it.
            raise DataUnavailableError(
                f"Could not load the real {title} with keras.datasets: {why}. Or set the data "
                "source to 'synthetic' (or 'auto') to use the procedural stand-in.") from None
        print(f"Real {title} is not available: {why}.\n"
              f"Using the procedural {title} stand-in instead (seed {seed}).")
        return synthetic(name, seed), "synthetic"
    finally:
        socket.setdefaulttimeout(previous)


def damaged_downloads(name):
    """Return (path, reason) for each of a dataset's downloaded files that is cut short or bad."""
    homes = [Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras"), Path("/tmp/.keras")]
    paths = [home / "datasets" / relative for home in homes for relative in _spec(name)[4]]
    return [(path, why) for path in paths if path.is_file() and (why := _file_problem(path))]


def _file_problem(path):
    """Return why a downloaded .gz or .npz file cannot be read to its end, or None."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                while fh.read(1 << 20):
                    pass
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                bad = archive.testzip()
            if bad:
                return f"{bad} inside fails its checksum"
        else:
            return "not a whole .npz archive (cut short)"
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        return f"cut short or corrupt: {error}"
    return None


def synthetic(name, seed=0):
    """Return the procedural stand-in of a dataset in the keras.datasets format."""
    # Copies, so a caller that edits its arrays in place cannot change the cached ones.
    return tuple((x.copy(), y.copy()) for x, y in _synthetic_cached(name, seed))


@functools.lru_cache(maxsize=2)
def _synthetic_cached(name, seed):
    """Return a stand-in: from this process's memory, else the course cache, else generated."""
    make = _spec(name)[2]
    # The course cache keeps it, keyed by the generator's code and the sizes.
    code = b"".join(Path(m.__file__).read_bytes() for m in (sys.modules[make.__module__], render))
    key = hashlib.sha256(code + f"{name} {seed} {N_TRAIN} {N_TEST}".encode()).hexdigest()[:12]
    path = cache_root() / "data" / f"{name}-standin-seed{seed}-{key}.npz"
    try:
        with np.load(path) as stored:
            train, test = (stored["x_train"], stored["y_train"]), (stored["x_test"],
                                                                  stored["y_test"])
        if len(train[0]) == N_TRAIN and len(test[0]) == N_TEST:
            return train, test
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        pass  # not stored yet, or damaged: generate it again
    # Train and test come from different seed streams, so no test image is a training image.
    train = make(N_TRAIN, np.random.SeedSequence([seed, 0]).generate_state(1)[0])
    test = make(N_TEST, np.random.SeedSequence([seed, 1]).generate_state(1)[0])
    _keep(path, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1])
    return train, test


def _keep(path, **arrays):
    """Store arrays in path for the next run, whole or not at all; skip it where writing fails."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as fh:
            tmp = fh.name
            np.savez_compressed(fh, **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)  # atomic, even with runs side by side
    except OSError:  # a read-only cache, a full disk: generate again next time
        if tmp:
            Path(tmp).unlink(missing_ok=True)


def subset(x, y, n, seed=0):
    """Return a seeded random subset of n examples, all of them when n >= len(x)."""
    if n >= len(x):
        return x, y
    keep = np.sort(np.random.default_rng(seed).choice(len(x), size=n, replace=False))
    return x[keep], y[keep]


def to_model_input(images, pad_to=None):
    """Scale uint8 images to float32 in [0, 1], zero-pad them to pad_to, add a channel axis."""
    x = np.asarray(images).astype("float32") / 255.0
    if pad_to is not None:
        h, w = x.shape[1:3]
        if pad_to < max(h, w):
            raise ValueError(f"pad_to={pad_to} is smaller than the images ({h}x{w}).")
        top, left = (pad_to - h) // 2, (pad_to - w) // 2
        x = np.pad(x, ((0, 0), (top, pad_to - h - top), (left, pad_to - w - left)))
    return x[..., None]


def describe(name, loaded, n_train, n_test, seed=0):
    """Return the one-line statement of which data a run uses and how much."""
    title = _spec(name)[0]
    origin = ("real, from keras.datasets" if loaded == "real"
              else f"procedural stand-in, seed {seed}; not the real {title}")
    return f"Data: {title} ({origin}): {n_train:,} training and {n_test:,} test images."


def source_phrase(name, loaded):
    """Return which data a run used, as a phrase for the prose: "the real Fashion-MNIST", ..."""
    title = _spec(name)[0]
    return f"the real {title}" if loaded == "real" else f"the procedural stand-in for {title}"


def _spec(name):
    """Look up a dataset by name, with a clear error for an unknown one."""
    if name not in _DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {tuple(_DATASETS)}.")
    return _DATASETS[name]


def load_split(name, source, n_train, n_test, seed=0):
    """Load a dataset, keep seeded subsets of n_train and n_test; return them and its source."""
    ((x_train, y_train), (x_test, y_test)), loaded = load(name, source, seed)
    train = subset(x_train, y_train, n_train, seed)
    test = subset(x_test, y_test, n_test, seed + 1)
    return train, test, loaded


def nearest_centroid_accuracy(train, test):
    """Score a nearest-class-mean classifier on raw pixels: how hard a dataset is (appendix)."""
    (x_train, y_train), (x_test, y_test) = train, test
    x_train = x_train.reshape(len(x_train), -1).astype("float32") / 255.0
    x_test = x_test.reshape(len(x_test), -1).astype("float32") / 255.0
    classes = np.unique(y_train)
    centroids = np.stack([x_train[y_train == c].mean(axis=0) for c in classes])
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2; |x|^2 is the same for every class, so drop it.
    scores = x_test @ centroids.T * 2 - (centroids**2).sum(axis=1)
    return float((classes[scores.argmax(axis=1)] == y_test).mean())
