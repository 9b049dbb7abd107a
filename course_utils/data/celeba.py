"""CelebA in its Kaggle layout: a streaming loader and the procedural stand-in.

The Kaggle download (jessicali9530/celeba-dataset) unpacks as
ROOT/img_align_celeba/img_align_celeba/000001.jpg, ... (178 x 218 JPEGs) and
ROOT/list_attr_celeba.csv (image_id, then 40 attribute columns of 1 or -1).
``write_synthetic_celeba`` writes the stand-in in the same layout: 64 x 64 faces, and only the
attributes the renderer draws (``faces.ATTRIBUTES``), in CelebA's column order.
"""

import csv
import difflib
import hashlib
import itertools
import json
import os
import shutil
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from course_utils.cache import CACHE_ENV, CacheError, cache_root
from course_utils.data import faces
from course_utils.settings import SOURCES

IMAGE_DIR = Path("img_align_celeba", "img_align_celeba")
CSV_NAME = "list_attr_celeba.csv"
SHUFFLE_BUFFER = 10_000  # file names, not images: about a megabyte
MARKER_NAME = ".synthetic_celeba.json"  # written last, names the stand-in's parameters
_STANDIN_VERSION = 1
_STAGING_PREFIX = ".synthetic_celeba-"
_HOW_TO_GET = (
    "Download CelebA from Kaggle (jessicali9530/celeba-dataset) and unzip it into ROOT, or "
    "write the procedural stand-in there with "
    "course_utils.data.celeba.write_synthetic_celeba(ROOT)."
)


class CelebANotFoundError(FileNotFoundError):
    """A folder or file of CelebA's layout is missing."""


class CelebAFormatError(ValueError):
    """list_attr_celeba.csv is malformed, or no image can be read."""


class UnknownAttributeError(KeyError):
    """A requested attribute is not a column of list_attr_celeba.csv."""

    def __str__(self):
        return str(self.args[0])  # KeyError would quote the whole message


class UnreadableImagesWarning(UserWarning):
    """Some listed images cannot be decoded; they are left out of the dataset."""


class UnlistedImagesWarning(UserWarning):
    """Some files in the image folder have no row in the attribute CSV; they are not used."""


class OddImagesWarning(UserWarning):
    """Some images have another size or colour mode than most: converted, but worth a look."""


# --- loading ----------------------------------------------------------------
def load_celeba(root, attributes=None, image_size=64, batch_size=None, shuffle=False, seed=0,
                limit=None, check_files=True, offset=0):
    """Stream CelebA from ROOT as a tf.data.Dataset of float32 images in [0, 1].

    Images are centre-cropped to squares and resized to image_size. With attributes (a name or
    a list of names from list_attr_celeba.csv) elements are (image, attrs), attrs float32 0/1 in
    the order asked. Files come in name order (skip offset, keep limit), shuffled as names
    before decoding if asked (memory does not grow with the data), batched if batch_size is
    given. With check_files every file is first decoded once at reduced scale: unreadable ones
    are named in an UnreadableImagesWarning and left out, odd sizes or colour modes are named in
    an OddImagesWarning; the pipeline drops any file that still fails to decode.
    """
    image_dir, csv_path = find_celeba(root)
    _check_whole("image_size", image_size)
    _check_whole("batch_size", batch_size, optional=True)
    _check_whole("limit", limit, optional=True)
    ids, columns, rows = _read_csv(csv_path)
    names = _attribute_names(attributes, columns, csv_path)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be a whole number of at least 0; got {offset!r}.")
    order = sorted(range(len(ids)), key=ids.__getitem__)
    order = order[offset:None if limit is None else offset + limit]
    _check_listed_files([ids[i] for i in order], image_dir, csv_path, all_ids=ids)
    ids = [ids[i] for i in order]
    labels = None if names is None else _attribute_values(
        [rows[i] for i in order], ids, columns, names, csv_path)
    paths = [os.path.join(image_dir, name) for name in ids]
    if check_files:
        keep = _drop_unreadable(paths, image_dir)
        paths = [paths[i] for i in keep]
        labels = None if labels is None else labels[keep]
    return _pipeline(paths, labels, image_size, batch_size, shuffle, seed)


def find_celeba(root):
    """Return CelebA's image folder and attribute CSV under ROOT, or explain what is wrong."""
    root = Path(root).expanduser()
    if not root.exists():
        raise CelebANotFoundError(f"The CelebA folder {root} does not exist. {_HOW_TO_GET}")
    if not root.is_dir():
        raise CelebANotFoundError(f"{root} is a file; pass the folder that holds "
                                  f"{IMAGE_DIR.as_posix()}/ and {CSV_NAME}"
                                  f"{f' ({root.parent})' if root.name == CSV_NAME else ''}.")
    image_dir = root / IMAGE_DIR
    if not image_dir.is_dir():
        raise CelebANotFoundError(_layout_hint(root))
    csv_path = root / CSV_NAME
    if not csv_path.is_file():
        hint = (" It holds list_attr_celeba.txt, the original format; this loader reads the "
                "Kaggle CSV: get list_attr_celeba.csv from the Kaggle download."
                if (root / "list_attr_celeba.txt").exists() else f" {_HOW_TO_GET}")
        raise CelebANotFoundError(f"The attribute file {csv_path} is missing.{hint}")
    return image_dir, csv_path


def _layout_hint(root):
    """Explain why ROOT lacks img_align_celeba/img_align_celeba and which folder to pass."""
    expected = (f"Expected the Kaggle layout ROOT/{IMAGE_DIR.as_posix()}/*.jpg and "
                f"ROOT/{CSV_NAME}, but {root / IMAGE_DIR} does not exist.")
    if root.name == IMAGE_DIR.name:
        if root.parent.name == IMAGE_DIR.name:
            return (f"{root} is the image folder itself. Pass the dataset root "
                    f"{root.parent.parent} instead.")
        if (root / IMAGE_DIR.name).is_dir():
            return (f"{root} is the outer image folder. Pass the dataset root {root.parent} "
                    "instead.")
        return (f"{expected} {root} holds the images one level deep; the Kaggle layout nests "
                f"them twice: move them into {root.parent / IMAGE_DIR} and put {CSV_NAME} in "
                f"{root.parent}, then pass {root.parent}.")
    with os.scandir(root) as entries:  # at most 200 subfolders: never walk a huge folder
        children = sorted(itertools.islice((Path(e.path) for e in entries if e.is_dir()), 200))
    for child in children:
        if (child / IMAGE_DIR).is_dir():
            return f"{expected} The layout is one level down: pass {child} instead."
    if (root / IMAGE_DIR.name).is_dir():
        return (f"{expected} {root / IMAGE_DIR.name} holds the images one level deep; move them "
                f"into {root / IMAGE_DIR}.")
    return f"{expected} {_HOW_TO_GET}"


def _check_whole(name, value, optional=False):
    """Raise a ValueError naming the option unless value is a positive int (or None)."""
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int{' or None' if optional else ''}; "
                         f"got {value!r}.")


def _read_csv(csv_path):
    """Read list_attr_celeba.csv as (image ids, attribute names, rows of value strings)."""
    with open(csv_path, newline="", encoding="utf-8-sig") as fh:  # -sig: drop a BOM
        reader = csv.reader(fh)
        header = [name.strip() for name in next(reader, [])]
        rows = [row for row in reader if row]
    if "image_id" not in header:
        raise CelebAFormatError(f"{csv_path} has no image_id column (its header starts "
                                f"{header[:4]}). The Kaggle list_attr_celeba.csv starts "
                                "with image_id; re-download it.")
    for line, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise CelebAFormatError(f"{csv_path}, line {line}: {len(row)} fields, but the "
                                    f"header has {len(header)}. The file looks damaged; "
                                    "re-download it.")
    if not rows:
        raise CelebAFormatError(f"{csv_path} lists no images.")
    id_col = header.index("image_id")
    ids = [row[id_col].strip() for row in rows]
    bad = [name for name in ids if os.path.basename(name) != name or name in ("", ".", "..")]
    if bad:
        raise CelebAFormatError(f"{csv_path}: image_id must be a plain file name; got {bad[0]!r}.")
    seen = set()
    for name in ids:
        if name in seen:
            raise CelebAFormatError(f"{csv_path} lists {name} more than once.")
        seen.add(name)
    keep = [j for j, name in enumerate(header) if name != "image_id"]
    return ids, [header[j] for j in keep], [[row[j] for j in keep] for row in rows]


def _attribute_names(attributes, columns, csv_path):
    """Return the requested attribute names as a list (None for none), checking each exists."""
    if attributes is None:
        return None
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    if not names:
        raise ValueError("attributes is empty; pass None for images only, or attribute names.")
    by_lower = {column.lower(): column for column in columns}
    for name in names:
        if name not in columns:
            close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=3, cutoff=0.6)
            guess = f" Did you mean {', '.join(by_lower[c] for c in close)}?" if close else ""
            raise UnknownAttributeError(f"Attribute {name!r} is not a column of {csv_path}."
                                        f"{guess} Available: {', '.join(columns)}.")
    return names


def _attribute_values(rows, ids, columns, names, csv_path):
    """Return the named attributes of each row as float32 0/1, checking values are 1 or -1."""
    values = np.empty((len(rows), len(names)), np.float32)
    for k, name in enumerate(names):
        j = columns.index(name)
        cells = np.array([row[j].strip() for row in rows])
        ok = (cells == "1") | (cells == "-1")
        if not ok.all():
            i = int(np.argmin(ok))
            raise CelebAFormatError(f"{csv_path}: column {name} holds {str(cells[i])!r} for "
                                    f"{ids[i]}; values must be 1 or -1.")
        values[:, k] = cells == "1"
    return values


def _check_listed_files(ids, image_dir, csv_path, all_ids):
    """Raise if images listed in the CSV are missing; warn about images the CSV does not list."""
    with os.scandir(image_dir) as entries:
        present = {entry.name for entry in entries if entry.is_file()}
    missing = [name for name in ids if name not in present]
    if missing:
        raise CelebANotFoundError(
            f"{len(missing)} of the {len(ids)} images listed in {csv_path} are missing from "
            f"{image_dir}, e.g. {', '.join(missing[:5])}. Unzip the whole download again; "
            "to use the first images only, pass limit.")
    unlisted = sorted(present.difference(all_ids))
    if unlisted:
        more = f" and {len(unlisted) - 5} more" if len(unlisted) > 5 else ""
        warnings.warn(f"{len(unlisted)} files in {image_dir} have no row in {csv_path}: "
                      f"{', '.join(unlisted[:5])}{more}. They are not used; add a row for each "
                      "to use them, or move them out of the folder.", UnlistedImagesWarning,
                      stacklevel=3)


def _drop_unreadable(paths, image_dir):
    """Return the indices of the files that decode; warn about the others and odd images."""
    with ThreadPoolExecutor(max_workers=8) as pool:  # PIL decodes without holding the GIL
        scans = list(pool.map(_scan_image, paths, chunksize=64))
    problems = [problem for problem, _ in scans]
    bad = [i for i, problem in enumerate(problems) if problem]
    if bad:
        warnings.warn(f"Skipped {len(bad)} of {len(paths)} CelebA images in {image_dir} that "
                      f"cannot be decoded: {_named(paths, bad, problems)}. They are left out of "
                      "the dataset; replace them from the download to use them.",
                      UnreadableImagesWarning, stacklevel=3)
    if len(bad) == len(paths):
        raise CelebAFormatError(f"None of the {len(paths)} images in {image_dir} can be read.")
    shapes = [shape for _, shape in scans]
    counts = Counter(shape for shape in shapes if shape)
    usual, n_usual = counts.most_common(1)[0]
    odd = [i for i, shape in enumerate(shapes) if shape and shape != usual]
    if odd and 2 * n_usual > sum(counts.values()):  # else no usual shape to differ from
        reasons = {i: "{} x {} {}".format(*shapes[i]) for i in odd}
        warnings.warn(f"{len(odd)} of {len(paths)} CelebA images differ from the usual "
                      "{} x {} {}: ".format(*usual) + _named(paths, odd, reasons) + ". They are "
                      "converted to RGB and centre-cropped like the others; replace them if "
                      "they are not faces.", OddImagesWarning, stacklevel=3)
    return np.array([i for i, problem in enumerate(problems) if not problem], dtype=np.int64)


def _named(paths, indices, reasons, most=5):
    """Return 'name (reason); ...' for the first few indices, and how many more there are."""
    shown = "; ".join(f"{os.path.basename(paths[i])} ({reasons[i]})" for i in indices[:most])
    return shown + (f"; and {len(indices) - most} more" if len(indices) > most else "")


def _scan_image(path):
    """Return (why the file cannot be decoded or None, (width, height, mode) or None)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(size - 32, 0))
            tail = fh.read()
    except OSError as error:
        return f"unreadable: {error.strerror}", None
    if size == 0:
        return "empty file", None
    if head.startswith(b"\xff\xd8"):
        # Some writers pad after the end marker; tolerate trailing zeros and newlines.
        if not tail.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"):
            return "truncated JPEG: no end marker", None
    elif head == b"\x89PNG\r\n\x1a\n":
        if not tail.endswith(b"IEND\xaeB`\x82"):
            return "truncated PNG: no IEND chunk", None
    else:
        return "not a JPEG or PNG file", None
    try:
        with Image.open(path) as image:
            shape = (*image.size, image.mode)
            # A JPEG decodes at 1/8 scale here (its DCT allows it): every byte of the scan is
            # still read, so garbage between valid markers fails, at a fraction of the cost.
            image.draft("RGB", (max(image.width // 8, 1), max(image.height // 8, 1)))
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        return f"corrupt data inside: {error}", None
    return None, shape


def _pipeline(paths, labels, image_size, batch_size, shuffle, seed):
    """Build the streaming pipeline: names -> shuffle -> decode in parallel -> batch -> prefetch."""
    if shuffle:
        # Permute all file names once (cheap), then shuffle within a bounded buffer of names
        # each epoch: every epoch differs, and images are decoded only after shuffling.
        order = np.random.default_rng(seed).permutation(len(paths))
        paths = [paths[i] for i in order]
        labels = None if labels is None else labels[order]
    names = tf.constant(paths, dtype=tf.string)
    ds = tf.data.Dataset.from_tensor_slices(names if labels is None else (names, labels))
    if shuffle:
        ds = ds.shuffle(min(len(paths), SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=True)

    def load(path, *attrs):
        """Read, decode, centre-crop to a square and resize one image to float32 in [0, 1]."""
        image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
        height, width = tf.shape(image)[0], tf.shape(image)[1]
        side = tf.minimum(height, width)
        image = tf.image.crop_to_bounding_box(image, (height - side) // 2, (width - side) // 2,
                                              side, side)
        image = tf.image.resize(image, (image_size, image_size), antialias=True)
        image = tf.clip_by_value(image / 255.0, 0.0, 1.0)
        return (image, *attrs) if attrs else image

    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.ignore_errors()  # safety net: a file that passed the check but fails to decode
    if batch_size:
        ds = ds.batch(batch_size)
    # tf.data's autotuner, on two cores, could leave the training on one of them
    # (benchmarks/faces_training.py measures it): fixed parallelism instead.
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.prefetch(2).with_options(options)


# --- the procedural stand-in (appendix: data) --------------------------------------------------
def write_synthetic_celeba(root, n=10_000, seed=0, chunk=1000):
    """Write n procedural faces into ROOT in CelebA's Kaggle layout; return ROOT.

    Deterministic by seed. Never overwrites: if ROOT already holds img_align_celeba/ or
    list_attr_celeba.csv, it returns at once when they are a complete stand-in written with
    the same n and seed, and raises FileExistsError otherwise. Files are written into a hidden
    staging folder inside ROOT and moved into place when complete.
    """
    _check_whole("n", n)
    root = Path(root).expanduser()
    params = {"generator": "course_utils.data.faces", "version": _STANDIN_VERSION,
              "n": int(n), "seed": int(seed), "attributes": list(faces.ATTRIBUTES)}
    if _existing_standin(root, params):
        return root
    root.mkdir(parents=True, exist_ok=True)
    for path in root.glob(_STAGING_PREFIX + "*"):
        # Left by an interrupted write; by age, as a younger one may be a write still running.
        if path.is_dir() and time.time() - path.stat().st_mtime > 3600:
            shutil.rmtree(path, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=root))
    try:
        factors = faces.sample_factors(n, seed)
        _write_images(staging / IMAGE_DIR, factors, chunk)
        signs = np.where(faces.attribute_table(factors), "1", "-1").tolist()
        lines = [",".join(("image_id",) + faces.ATTRIBUTES)]
        lines += [",".join([_file_name(i + 1), *row]) for i, row in enumerate(signs)]
        (staging / CSV_NAME).write_text("\n".join(lines) + "\n")
        (staging / MARKER_NAME).write_text(json.dumps(params, indent=1))
        for name in (IMAGE_DIR.parts[0], CSV_NAME, MARKER_NAME):  # the marker last
            if (root / name).exists():
                raise FileExistsError(f"{root / name} appeared while the stand-in was written; "
                                      "nothing is overwritten. Choose another folder for the "
                                      "stand-in.")
            (staging / name).rename(root / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return root


def _existing_standin(root, params):
    """Return True if ROOT holds this very stand-in; raise if it holds anything else of ours."""
    if root.exists() and not root.is_dir():
        raise FileExistsError(f"{root} is a file; pass a folder for the stand-in.")
    targets = [root / IMAGE_DIR.parts[0], root / CSV_NAME, root / MARKER_NAME]
    if not any(path.exists() for path in targets):
        return False
    written = standin_parameters(root)
    if written is None:
        raise FileExistsError(
            f"{root} already holds a dataset that write_synthetic_celeba did not write "
            f"({', '.join(p.name for p in targets[:2] if p.exists())}); nothing is overwritten. "
            "Choose another folder for the stand-in.")
    if written != params:
        raise FileExistsError(
            f"{root} already holds a stand-in written with n={written.get('n')}, "
            f"seed={written.get('seed')} (version {written.get('version')}); asked for "
            f"n={params['n']}, seed={params['seed']} (version {params['version']}). Choose "
            "another folder, or delete that one yourself to rewrite it.")
    last = root / IMAGE_DIR / _file_name(params["n"])
    if not ((root / CSV_NAME).is_file() and last.is_file()):
        raise FileExistsError(f"The stand-in in {root} is incomplete (files were removed). "
                              f"Delete what is left of it ({IMAGE_DIR.parts[0]}/, {CSV_NAME}, "
                              f"{MARKER_NAME}) and write it again.")
    return True


def _file_name(index):
    """Return CelebA's file name for a 1-based image index: 000001.jpg."""
    return f"{index:06d}.jpg"


def _write_images(folder, factors, chunk):
    """Render the faces chunk by chunk (bounded memory) and save them as JPEGs."""
    folder.mkdir(parents=True)

    def save(image, path):  # full-resolution colour (subsampling=0): the faces are small
        Image.fromarray(image).save(path, format="JPEG", quality=95, subsampling=0)

    n = len(factors["Male"])
    saving = []
    # Pillow's encoder releases the GIL: save one chunk while rendering the next, and keep at
    # most two chunks in memory.
    with ThreadPoolExecutor(max_workers=4) as pool:
        for start in range(0, n, chunk):
            images = faces.render_faces(faces.take(factors, slice(start, start + chunk)))
            list(saving)  # wait for the previous chunk (and raise its errors)
            saving = pool.map(save, images, [folder / _file_name(start + k + 1)
                                             for k in range(len(images))])
        list(saving)


# --- where the faces chapters find their data ----------------------------------
CELEBA_ENV = "CELEBA_DIR"  # the environment variable naming a CelebA folder
STANDIN_FOLDER = "data"  # the stand-ins' folder inside the course cache


def resolve_celeba_dir(celeba_dir=None, source="auto", n_standin=10_000, seed=0, cache_dir=None):
    """Return the CelebA folder to use: the argument, else $CELEBA_DIR, else the stand-in.

    source "auto" uses a given folder and otherwise writes (once) the procedural stand-in of
    n_standin faces into the course cache; "real" needs a given folder; "synthetic" always uses
    the stand-in. A given folder must hold the Kaggle layout (checked here, with hints).
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}; got {source!r}.")
    given = celeba_dir or os.environ.get(CELEBA_ENV) or None
    if source != "synthetic" and given:
        root = Path(given).expanduser()
        find_celeba(root)
        return root
    if source == "real":
        raise CelebANotFoundError(
            f"DATA_SOURCE is 'real' but no CelebA folder was given: set the chapter's CELEBA_DIR "
            f"parameter or the environment variable {CELEBA_ENV} to the folder you unzipped. "
            f"{_HOW_TO_GET.replace('ROOT', 'that folder')}")
    if source == "auto":
        print(f"No CelebA folder given (parameter CELEBA_DIR or environment variable "
              f"{CELEBA_ENV}): using the procedural stand-in faces (seed {seed}).")
    root = cache_root(cache_dir) / STANDIN_FOLDER / f"celeba-standin-n{n_standin}-seed{seed}"
    try:
        try:
            return write_synthetic_celeba(root, n=n_standin, seed=seed)
        except FileExistsError:
            # Another run may have written the same stand-in meanwhile: accept it if complete.
            return write_synthetic_celeba(root, n=n_standin, seed=seed)
    except FileExistsError:
        raise
    except OSError as error:  # a read-only cache, a full disk
        raise CacheError(
            f"Cannot write the stand-in faces into {root} ({type(error).__name__}: {error}). "
            f"Make that folder writable (or free some space), or set the environment variable "
            f"{CACHE_ENV} to a folder you can write to.") from None


def standin_parameters(root):
    """Return the parameters of the stand-in in ROOT, or None if ROOT holds other data."""
    try:
        return json.loads((Path(root).expanduser() / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None


def data_key(root, n_train, n_test):
    """Return what identifies a training split of ROOT in a cache key.

    That is the CSV's hash, the image count, the stand-in's parameters when ROOT holds one, and
    the sizes; not the folder's path, so the same data moved elsewhere keeps its trained models.
    """
    image_dir, csv_path = find_celeba(root)
    with os.scandir(image_dir) as entries:
        n_files = sum(1 for _ in entries)
    digest = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    return {"dataset": "celeba", "csv_sha256": digest[:16], "n_files": n_files,
            "standin": standin_parameters(root), "n_train": int(n_train), "n_test": int(n_test)}


def load_celeba_split(root, n_train, n_test, attributes=None, batch_size=None, seed=0):
    """Return (train, test): the first n_train images, shuffled, and the next n_test.

    Images are taken in file-name order, so the split is the same on every run. The test part
    starts after the training files, which it never reads; both stream from disk.
    """
    available = len(_read_csv(find_celeba(root)[1])[0])
    if n_train + n_test > available:
        raise ValueError(f"{root} lists {available:,} images, fewer than the {n_train:,} "
                         f"training + {n_test:,} test images asked for; lower N_TRAIN or N_TEST.")
    train = load_celeba(root, attributes, batch_size=batch_size, shuffle=True, seed=seed,
                        limit=n_train)
    test = load_celeba(root, attributes, batch_size=batch_size, limit=n_test, offset=n_train)
    return train, test


def to_arrays(dataset):
    """Return a (small) dataset's images, or (images, attributes), as NumPy arrays."""
    batches = list(dataset.as_numpy_iterator())
    if not batches:
        raise ValueError("The dataset is empty.")
    parts = list(zip(*batches)) if isinstance(batches[0], tuple) else [batches]
    # Single examples (an image, an attribute vector) are stacked, batches concatenated.
    arrays = [np.stack(p) if np.ndim(p[0]) in (1, 3) else np.concatenate(p) for p in parts]
    return tuple(arrays) if isinstance(batches[0], tuple) else arrays[0]


def describe_celeba(root, n_train, n_test):
    """Return the one-line statement of which faces a run uses and how many."""
    params = standin_parameters(root)
    if params is None:
        origin = f"CelebA from {root}"
    else:
        origin = (f"procedural stand-in faces (n={params.get('n'):,}, seed {params.get('seed')}) "
                  f"in CelebA's layout at {root}; not the real CelebA")
    return f"Data: {origin}: {n_train:,} training and {n_test:,} test images of 64x64x3."
