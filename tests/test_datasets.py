"""Fashion-MNIST and MNIST loaders: real, stand-in and the fallback between them."""

import gzip
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from course_utils import data
from course_utils.data import datasets


# Seed 0 throughout: the data appendix's stand-ins, which make test's site build has generated
# into the course cache already (each takes seconds to generate).
@pytest.fixture(scope="module")
def fashion_standin():
    splits, used = data.load("fashion_mnist", source="synthetic", seed=0)
    assert used == "synthetic"
    return splits


def test_standin_has_the_keras_datasets_format(fashion_standin):
    (x_train, y_train), (x_test, y_test) = fashion_standin
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert y_train.shape == (60_000,) and y_test.shape == (10_000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10))


def test_standin_is_deterministic_and_test_differs_from_train(fashion_standin):
    (x_train, _), (x_test, _) = fashion_standin
    (again, _), _ = data.synthetic("fashion_mnist", seed=0)
    np.testing.assert_array_equal(x_train, again)
    train_hashes = {image.tobytes() for image in x_train}
    assert not any(image.tobytes() in train_hashes for image in x_test)


def test_mnist_standin_format():
    ((x_train, y_train), (x_test, y_test)), _ = data.load("mnist", source="synthetic", seed=0)
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert x_train.dtype == y_test.dtype == np.uint8


def test_class_names():
    assert data.FASHION_CLASS_NAMES[0] == "T-shirt/top"
    assert data.FASHION_CLASS_NAMES[9] == "Ankle boot"
    assert data.MNIST_CLASS_NAMES == tuple("0123456789")
    assert data.class_names("fashion_mnist") == data.FASHION_CLASS_NAMES


def _offline(*args, **kwargs):
    raise Exception("URL fetch failure on https://example.invalid: None -- no network")


@pytest.fixture
def no_network(monkeypatch):
    """Make both keras loaders fail the way they do without internet."""
    for name, spec in datasets._DATASETS.items():
        monkeypatch.setitem(datasets._DATASETS, name, (spec[0], _offline, *spec[2:]))


def test_real_offline_says_what_to_do(no_network):
    with pytest.raises(data.DataUnavailableError) as info:
        data.load("fashion_mnist", source="real")
    message = str(info.value)
    assert "Fashion-MNIST" in message and "internet" in message and "'synthetic'" in message
    with pytest.raises(data.DataUnavailableError, match="MNIST"):
        data.load("mnist", source="real")


def test_auto_falls_back_and_says_so(no_network, capsys):
    ((x_train, _), _), used = data.load("mnist", source="auto", seed=0)
    out = capsys.readouterr().out
    assert "Real MNIST is not available" in out and "stand-in" in out
    np.testing.assert_array_equal(x_train, data.synthetic("mnist", seed=0)[0][0])
    assert used == "synthetic"


def test_bad_source_and_name():
    with pytest.raises(ValueError, match="source must be one of .*'kaggle'"):
        data.load("fashion_mnist", source="kaggle")
    with pytest.raises(ValueError, match="Unknown dataset 'cifar10'.*fashion_mnist"):
        data.load("cifar10")


def _write_idx(path, array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_real_source_reads_keras_cache(tmp_path):
    """source="real" goes through keras.datasets; with a cached copy it needs no network."""
    cache = tmp_path / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", 60), ("t10k", 10)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        _write_idx(cache / f"{split}-images-idx3-ubyte.gz", images, 2051)
        _write_idx(cache / f"{split}-labels-idx1-ubyte.gz", labels, 2049)
        np.save(tmp_path / f"{split}.npy", images)
    script = textwrap.dedent(f"""
        import numpy as np
        from course_utils import data
        ((x, y), (xt, yt)), used = data.load("fashion_mnist", source="real")
        assert used == "real" and x.shape == (60, 28, 28) and xt.shape == (10, 28, 28)
        np.testing.assert_array_equal(x, np.load({str(tmp_path / "train.npy")!r}))
        print("ok")
    """)
    env = {**os.environ, "KERAS_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_to_model_input_scales_pads_and_adds_channel():
    images = np.full((2, 28, 28), 255, dtype=np.uint8)
    x = data.to_model_input(images, pad_to=32)
    assert x.shape == (2, 32, 32, 1) and x.dtype == np.float32
    assert x[:, 2:30, 2:30].min() == 1.0  # the image sits in the middle ...
    assert x[:, :2].max() == x[:, 30:].max() == x[:, :, :2].max() == 0.0  # ... framed by zeros
    assert data.to_model_input(images).shape == (2, 28, 28, 1)
    with pytest.raises(ValueError, match="pad_to=20"):
        data.to_model_input(images, pad_to=20)


def test_load_split_subsets_with_a_seed(fashion_standin):
    (x, y), (xt, yt), used = data.load_split("fashion_mnist", "synthetic", 500, 100, seed=0)
    assert used == "synthetic" and x.shape == (500, 28, 28) and xt.shape == (100, 28, 28)
    (x2, _), _, _ = data.load_split("fashion_mnist", "synthetic", 500, 100, seed=0)
    np.testing.assert_array_equal(x, x2)
    full_train = fashion_standin[0][0]
    assert {i.tobytes() for i in x} <= {i.tobytes() for i in full_train}


def test_describe_names_the_data():
    real = data.describe("fashion_mnist", "real", 60_000, 10_000)
    assert real == ("Data: Fashion-MNIST (real, from keras.datasets): "
                    "60,000 training and 10,000 test images.")
    fake = data.describe("mnist", "synthetic", 2_000, 500, seed=4)
    assert "procedural stand-in, seed 4; not the real MNIST" in fake and "2,000 training" in fake


def test_a_generated_standin_is_kept_in_the_cache_and_read_back_alike(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE", str(tmp_path))
    # Fewer images than a stand-in has, to keep the test short: the sizes are in the file's key.
    monkeypatch.setattr(datasets, "N_TRAIN", 600)
    monkeypatch.setattr(datasets, "N_TEST", 100)
    datasets._synthetic_cached.cache_clear()
    generated = data.synthetic("mnist", seed=5)
    assert len(generated[0][0]) == 600 and len(generated[1][0]) == 100
    (stored,) = (tmp_path / "data").glob("mnist-standin-seed5-*.npz")
    datasets._synthetic_cached.cache_clear()
    read_back = data.synthetic("mnist", seed=5)
    for split, again in zip(generated, read_back):
        for a, b in zip(split, again):
            np.testing.assert_array_equal(a, b)
    stored.write_bytes(stored.read_bytes()[:1000])  # damaged: generated again, and replaced
    datasets._synthetic_cached.cache_clear()
    np.testing.assert_array_equal(data.synthetic("mnist", seed=5)[0][0], generated[0][0])
    assert stored.stat().st_size > 1000
    datasets._synthetic_cached.cache_clear()


def test_a_download_waits_on_a_stalled_network_for_seconds_not_hours(monkeypatch):
    """keras' urllib download sets no timeout; the loader gives every socket one, then restores."""
    import socket

    seen = []

    def stalled(*args, **kwargs):
        seen.append(socket.getdefaulttimeout())
        raise Exception("URL fetch failure: timed out")  # what a stalled read ends in

    spec = datasets._DATASETS["mnist"]
    monkeypatch.setitem(datasets._DATASETS, "mnist", (spec[0], stalled, *spec[2:]))
    before = socket.getdefaulttimeout()
    with pytest.raises(data.DataUnavailableError, match="timed out"):
        data.load("mnist", source="real")
    assert seen == [datasets.DOWNLOAD_TIMEOUT] and 0 < datasets.DOWNLOAD_TIMEOUT <= 60
    assert socket.getdefaulttimeout() == before
