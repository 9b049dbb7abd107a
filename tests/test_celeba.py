"""CelebA's loader and stand-in writer (course_utils.data.celeba): layout, round trip, errors."""

import csv
import os
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from course_utils.data import celeba, faces

N = 40
SEED = 11
CELEBA_ATTRIBUTES = (  # the columns of the real list_attr_celeba.csv, in its order
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs",
    "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair",
    "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair",
    "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes",
    "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks",
    "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat",
    "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young",
)


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """A small stand-in, written once; tests copy it before changing anything."""
    return celeba.write_synthetic_celeba(tmp_path_factory.mktemp("celeba") / "data", n=N, seed=SEED)


@pytest.fixture
def copy(standin, tmp_path):
    """A private copy of the stand-in to damage."""
    return shutil.copytree(standin, tmp_path / "copy")


def images_of(ds):
    """Return all images of an unbatched dataset as one array."""
    return np.stack([(x[0] if isinstance(x, tuple) else x).numpy() for x in ds])


def rendered(indices=slice(None)):
    """Return the stand-in's faces as rendered (before JPEG), as floats in [0, 1]."""
    factors = faces.take(faces.sample_factors(N, SEED), indices)
    return faces.render_faces(factors).astype(np.float32) / 255.0, factors


def match(images, references):
    """Return, for each image, the index of the closest reference image."""
    distance = np.abs(images[:, None] - references[None]).mean(axis=(2, 3, 4))
    return distance.argmin(axis=1), distance.min(axis=1)


# --- the writer ---------------------------------------------------------------------------------


def test_stand_in_attributes_are_celeba_columns_in_celeba_order():
    assert len(CELEBA_ATTRIBUTES) == 40 and len(set(CELEBA_ATTRIBUTES)) == 40
    positions = [CELEBA_ATTRIBUTES.index(name) for name in faces.ATTRIBUTES]
    assert positions == sorted(positions)


def test_writer_makes_exactly_the_kaggle_layout(standin):
    assert {p.name for p in standin.iterdir()} == {"img_align_celeba", "list_attr_celeba.csv",
                                                   celeba.MARKER_NAME}
    assert [p.name for p in (standin / "img_align_celeba").iterdir()] == ["img_align_celeba"]
    files = sorted(p.name for p in (standin / celeba.IMAGE_DIR).iterdir())
    assert files == [f"{i:06d}.jpg" for i in range(1, N + 1)]
    with Image.open(standin / celeba.IMAGE_DIR / "000001.jpg") as image:
        assert image.format == "JPEG" and image.mode == "RGB" and image.size == (64, 64)


def test_writer_csv_reads_with_csv_and_pandas(standin):
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(standin / "list_attr_celeba.csv")
    assert list(frame.columns) == ["image_id", *faces.ATTRIBUTES]
    assert frame["image_id"].tolist() == [f"{i:06d}.jpg" for i in range(1, N + 1)]
    values = frame[list(faces.ATTRIBUTES)].to_numpy()
    assert set(np.unique(values)) == {-1, 1}
    factors = faces.sample_factors(N, SEED)
    assert np.array_equal(values == 1, faces.attribute_table(factors, faces.ATTRIBUTES))
    with open(standin / "list_attr_celeba.csv", newline="") as fh:
        first = next(csv.DictReader(fh))
    assert first["image_id"] == "000001.jpg" and first["Smiling"] in {"1", "-1"}


def test_writer_is_deterministic_and_independent_of_chunking(standin, tmp_path):
    again = celeba.write_synthetic_celeba(tmp_path / "again", n=N, seed=SEED, chunk=7)
    other = celeba.write_synthetic_celeba(tmp_path / "other", n=N, seed=SEED + 1)
    for name in ("list_attr_celeba.csv", "img_align_celeba/img_align_celeba/000017.jpg"):
        assert (again / name).read_bytes() == (standin / name).read_bytes()
    assert (other / celeba.IMAGE_DIR / "000017.jpg").read_bytes() != \
        (standin / celeba.IMAGE_DIR / "000017.jpg").read_bytes()


def test_writer_returns_an_existing_identical_stand_in_untouched(copy):
    stamp = (copy / "list_attr_celeba.csv").stat().st_mtime_ns
    assert celeba.write_synthetic_celeba(copy, n=N, seed=SEED) == copy
    assert (copy / "list_attr_celeba.csv").stat().st_mtime_ns == stamp


def test_writer_refuses_a_stand_in_with_other_parameters(copy):
    with pytest.raises(FileExistsError, match=f"n={N}, seed={SEED}"):
        celeba.write_synthetic_celeba(copy, n=N, seed=SEED + 1)


def test_writer_refuses_an_incomplete_stand_in(copy):
    (copy / celeba.IMAGE_DIR / f"{N:06d}.jpg").unlink()
    with pytest.raises(FileExistsError, match="incomplete"):
        celeba.write_synthetic_celeba(copy, n=N, seed=SEED)


@pytest.mark.parametrize("existing", ["list_attr_celeba.csv", "img_align_celeba"])
def test_writer_never_overwrites_a_users_dataset(tmp_path, existing):
    (tmp_path / "img_align_celeba").mkdir()
    csv_path = tmp_path / "list_attr_celeba.csv"
    if existing == "list_attr_celeba.csv":
        csv_path.write_text("image_id,Smiling\nmine.jpg,1\n")
    with pytest.raises(FileExistsError, match="did not write"):
        celeba.write_synthetic_celeba(tmp_path, n=5, seed=0)
    if existing == "list_attr_celeba.csv":
        assert csv_path.read_text() == "image_id,Smiling\nmine.jpg,1\n"
    assert list((tmp_path / "img_align_celeba").iterdir()) == []


def test_writer_leaves_unrelated_files_and_stale_staging(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    old = tmp_path / (celeba._STAGING_PREFIX + "old")
    young = tmp_path / (celeba._STAGING_PREFIX + "young")
    old.mkdir()  # left by a write interrupted two hours ago
    os.utime(old, (old.stat().st_atime - 7200, old.stat().st_mtime - 7200))
    young.mkdir()  # may belong to a write still running
    celeba.write_synthetic_celeba(tmp_path, n=3, seed=0)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert list(tmp_path.glob(celeba._STAGING_PREFIX + "*")) == [young]
    assert len(list((tmp_path / celeba.IMAGE_DIR).iterdir())) == 3


# --- the loader -------------------------------------------------------------------------------


def test_round_trip_images_and_attributes(standin):
    ds = celeba.load_celeba(standin, attributes=["Smiling", "Male", "Eyeglasses"])
    image_spec, attr_spec = ds.element_spec
    assert image_spec.shape == (64, 64, 3) and image_spec.dtype.name == "float32"
    assert attr_spec.shape == (3,) and attr_spec.dtype.name == "float32"
    elements = list(ds)
    images = np.stack([x.numpy() for x, _ in elements])
    attrs = np.stack([y.numpy() for _, y in elements])
    assert images.shape == (N, 64, 64, 3) and 0.0 <= images.min() and images.max() <= 1.0
    expected, factors = rendered()
    assert np.abs(images - expected).mean() < 0.01  # JPEG at quality 95
    assert np.array_equal(attrs, faces.attribute_table(factors, ["Smiling", "Male", "Eyeglasses"]))
    assert set(np.unique(attrs)) == {0.0, 1.0}


def test_attributes_are_joined_by_file_name(copy):
    csv_path = copy / "list_attr_celeba.csv"
    header, *rows = csv_path.read_text().splitlines()
    rows = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    csv_path.write_text("\n".join([header, *rows]) + "\n")
    pairs = list(celeba.load_celeba(copy, attributes="Wearing_Hat", shuffle=True, seed=3))
    images = np.stack([x.numpy() for x, _ in pairs])
    attrs = np.array([float(y.numpy()[0]) for _, y in pairs])
    expected, factors = rendered()
    which, distance = match(images, expected)
    assert distance.max() < 0.02 and sorted(which) == list(range(N))
    assert np.array_equal(attrs, factors["Wearing_Hat"][which].astype(np.float32))


def test_batches_sizes_limits_and_seeded_shuffle(standin):
    ds = celeba.load_celeba(standin, ["Bangs"], image_size=32, batch_size=16, limit=20)
    shapes = [tuple(x.shape) for x, _ in ds]
    assert shapes == [(16, 32, 32, 3), (4, 32, 32, 3)]
    first = images_of(celeba.load_celeba(standin, shuffle=True, seed=1))
    again = images_of(celeba.load_celeba(standin, shuffle=True, seed=1))
    plain = images_of(celeba.load_celeba(standin))
    # The same pipeline repeated on the same shapes: exactly equal.
    assert np.array_equal(first, again) and not np.array_equal(first, plain)
    shuffled = celeba.load_celeba(standin, shuffle=True, seed=1)
    assert not np.array_equal(images_of(shuffled), images_of(shuffled))  # each epoch differs


def test_the_stream_runs_with_fixed_parallelism(standin):
    # tf.data's autotuner could leave the faces VAE training on one of two cores
    # (benchmarks/faces_training.py measures the difference).
    assert celeba.load_celeba(standin, batch_size=4).options().autotune.enabled is False


def test_tall_and_wide_images_are_centre_cropped(tmp_path):
    folder = tmp_path / celeba.IMAGE_DIR
    folder.mkdir(parents=True)
    tall = np.zeros((218, 178, 3), np.uint8)  # CelebA's size: red bands above and below
    tall[:, :] = (0, 0, 255)
    tall[:20], tall[-20:] = (255, 0, 0), (255, 0, 0)
    wide = np.transpose(tall, (1, 0, 2)).copy()
    Image.fromarray(tall).save(folder / "000001.jpg", quality=95)
    Image.fromarray(wide).save(folder / "000002.png")  # PNG content decodes too
    (tmp_path / "list_attr_celeba.csv").write_text(
        "image_id,Smiling\n000001.jpg,1\n000002.png,-1\n")
    images = images_of(celeba.load_celeba(tmp_path, ["Smiling"]))
    assert images.shape == (2, 64, 64, 3)
    assert images[..., 0].max() < 0.1 and images[..., 2].min() > 0.9  # no red band left


# --- errors -------------------------------------------------------------------------------------


def test_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*write_synthetic_celeba"):
        celeba.load_celeba(tmp_path / "nowhere")


def test_pointing_at_the_csv_names_its_folder(standin):
    with pytest.raises(FileNotFoundError, match="is a file; pass the folder"):
        celeba.load_celeba(standin / "list_attr_celeba.csv")


def test_root_without_layout(tmp_path):
    with pytest.raises(celeba.CelebANotFoundError, match="Kaggle layout.*Download CelebA"):
        celeba.load_celeba(tmp_path)


def test_pointing_at_the_inner_or_outer_image_folder_names_the_root(standin):
    for wrong in (standin / celeba.IMAGE_DIR, standin / "img_align_celeba"):
        with pytest.raises(FileNotFoundError) as error:
            celeba.load_celeba(wrong)
        assert f"Pass the dataset root {standin} instead" in str(error.value)


def test_pointing_at_a_parent_folder_names_the_child(standin):
    expected = re.escape(f"one level down: pass {standin} instead")
    with pytest.raises(FileNotFoundError, match=expected):
        celeba.load_celeba(standin.parent)


def test_images_one_level_deep_say_where_to_move_them(tmp_path):
    (tmp_path / "img_align_celeba").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "img_align_celeba" / "000001.jpg")
    with pytest.raises(FileNotFoundError, match="one level deep"):
        celeba.load_celeba(tmp_path)


def test_missing_csv(copy):
    (copy / "list_attr_celeba.csv").unlink()
    with pytest.raises(FileNotFoundError, match="list_attr_celeba.csv is missing"):
        celeba.load_celeba(copy)
    (copy / "list_attr_celeba.txt").write_text("")
    with pytest.raises(FileNotFoundError, match="original format"):
        celeba.load_celeba(copy)


def test_unknown_attribute_lists_the_available_and_suggests(standin):
    with pytest.raises(KeyError) as error:
        celeba.load_celeba(standin, ["smiling"])
    message = str(error.value)
    assert "Did you mean Smiling?" in message and "Available: Bangs, Black_Hair" in message
    with pytest.raises(celeba.UnknownAttributeError, match="Did you mean Eyeglasses"):
        celeba.load_celeba(standin, ["Eyeglass"])


@pytest.mark.parametrize("header, row, expected", [
    ("file,Smiling", "000001.jpg,1", "no image_id column"),
    ("image_id,Smiling", "000001.jpg,0", "holds '0' for 000001.jpg"),
    ("image_id,Smiling", "000001.jpg,yes", "values must be 1 or -1"),
    ("image_id,Smiling", "000001.jpg,1,1", "line 2: 3 fields"),
    ("image_id,Smiling", "../000001.jpg,1", "plain file name"),
])
def test_malformed_csv(copy, header, row, expected):
    (copy / "list_attr_celeba.csv").write_text(f"{header}\n{row}\n")
    with pytest.raises(ValueError, match=expected):
        celeba.load_celeba(copy, ["Smiling"])


def test_listed_image_missing_from_the_folder(copy):
    (copy / celeba.IMAGE_DIR / "000007.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="1 of the 40 images .* missing .*000007.jpg"):
        celeba.load_celeba(copy)


def test_bad_options(standin):
    with pytest.raises(ValueError, match="image_size"):
        celeba.load_celeba(standin, image_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        celeba.load_celeba(standin, batch_size=2.5)


# --- unreadable images ----------------------------------------------------------------------------


def damage(folder):
    """Damage four images in ways their first and last bytes show and one only decoding shows;
    return the names."""
    def path(name):
        return folder / celeba.IMAGE_DIR / name
    data = path("000003.jpg").read_bytes()
    path("000003.jpg").write_bytes(data[: len(data) // 2])           # truncated download
    path("000005.jpg").write_bytes(b"")                               # empty file
    path("000007.jpg").write_bytes(np.random.default_rng(0).bytes(900))  # random bytes
    path("000009.jpg").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)  # PNG cut short
    # Looks whole (start and end markers) but the data is garbage: only decoding can tell.
    path("000011.jpg").write_bytes(b"\xff\xd8" + np.random.default_rng(1).bytes(900) + b"\xff\xd9")
    return ["000003.jpg", "000005.jpg", "000007.jpg", "000009.jpg"], "000011.jpg"


def test_unreadable_images_are_named_and_left_out(copy):
    seen_bad, hidden_bad = damage(copy)
    with pytest.warns(celeba.UnreadableImagesWarning, match="Skipped 5 of 40") as record:
        ds = celeba.load_celeba(copy, attributes=["Smiling"])
    message = str(record[0].message)
    assert all(name in message for name in [*seen_bad, hidden_bad]) and "truncated JPEG" in message
    assert "empty file" in message and "not a JPEG or PNG" in message
    assert f"{hidden_bad} (corrupt data inside" in message
    pairs = list(ds)
    images = np.stack([x.numpy() for x, _ in pairs])
    smiling = np.array([float(y.numpy()[0]) for _, y in pairs])
    bad = {int(name[:6]) - 1 for name in [*seen_bad, hidden_bad]}
    good = [i for i in range(N) if i not in bad]
    assert len(images) == len(good) == N - 5
    expected, factors = rendered(good)
    which, distance = match(images, expected)
    assert distance.max() < 0.02 and list(which) == list(range(len(good)))
    assert np.array_equal(smiling, factors["Smiling"].astype(np.float32))


def test_without_the_scan_the_pipeline_still_drops_undecodable_files(copy):
    damage(copy)
    assert len(images_of(celeba.load_celeba(copy, check_files=False))) == N - 5


def test_only_unreadable_images_is_an_error(tmp_path):
    (tmp_path / celeba.IMAGE_DIR).mkdir(parents=True)
    (tmp_path / celeba.IMAGE_DIR / "000001.jpg").write_bytes(b"")
    (tmp_path / "list_attr_celeba.csv").write_text("image_id,Smiling\n000001.jpg,1\n")
    with (pytest.warns(celeba.UnreadableImagesWarning),
          pytest.raises(ValueError, match="None of the 1 images")):
        celeba.load_celeba(tmp_path)


def test_a_grayscale_or_odd_sized_face_is_named_and_converted(copy):
    folder = copy / celeba.IMAGE_DIR
    Image.open(folder / "000002.jpg").convert("L").save(folder / "000002.jpg")
    Image.open(folder / "000004.jpg").resize((80, 50)).save(folder / "000004.jpg")
    with pytest.warns(celeba.OddImagesWarning, match="2 of 40") as record:
        images = images_of(celeba.load_celeba(copy))
    message = str(record[0].message)
    assert "000002.jpg (64 x 64 L)" in message and "000004.jpg (80 x 50 RGB)" in message
    assert "usual 64 x 64 RGB" in message
    assert images.shape == (N, 64, 64, 3)  # both kept, as RGB squares


def test_scan_accepts_whole_jpeg_and_png_files(tmp_path):
    Image.new("RGB", (5, 5)).save(tmp_path / "a.jpg")
    Image.new("RGB", (5, 5)).save(tmp_path / "b.png")
    (tmp_path / "c.jpg").write_bytes((tmp_path / "a.jpg").read_bytes() + b"\0\0")  # padding
    for name in ("a.jpg", "b.png", "c.jpg"):
        assert celeba._scan_image(tmp_path / name)[0] is None
    assert "unreadable" in celeba._scan_image(tmp_path / "missing.jpg")[0]


# --- memory ---------------------------------------------------------------------------------------


ITERATE = textwrap.dedent("""
    import resource, sys
    import course_utils
    from course_utils.data import celeba
    ds = celeba.load_celeba(sys.argv[1], ["Smiling"], batch_size=64, limit=int(sys.argv[2]),
                            shuffle=True)
    count = sum(int(x.shape[0]) for x, _ in ds)
    print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
""")


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in KiB on Linux only")
def test_memory_does_not_grow_with_the_number_of_images(tmp_path):
    """Holding 3,000 images would take 3000 * 64 * 64 * 3 * 4 bytes = 147 MB."""
    root = celeba.write_synthetic_celeba(tmp_path / "data", n=3000, seed=0)

    def peak(limit):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        out = subprocess.run([sys.executable, "-c", ITERATE, str(root), str(limit)], env=env,
                             capture_output=True, text=True, check=True, timeout=300).stdout
        count, kib = map(int, out.split()[-2:])
        assert count == limit
        return kib / 1024

    assert peak(3000) - peak(300) < 60


# --- where the faces chapters find their data ----------------------------------------------------


def test_resolve_prefers_the_argument_then_the_environment(standin, copy, monkeypatch, tmp_path):
    monkeypatch.setenv(celeba.CELEBA_ENV, str(copy))
    assert celeba.resolve_celeba_dir(standin, cache_dir=tmp_path) == standin
    assert celeba.resolve_celeba_dir(None, cache_dir=tmp_path) == copy
    assert celeba.resolve_celeba_dir(None, "real", cache_dir=tmp_path) == copy
    assert not (tmp_path / celeba.STANDIN_FOLDER).exists()  # no stand-in written


def test_resolve_writes_the_stand_in_into_the_cache_once(monkeypatch, tmp_path):
    monkeypatch.delenv(celeba.CELEBA_ENV, raising=False)
    root = celeba.resolve_celeba_dir(None, n_standin=30, seed=2, cache_dir=tmp_path)
    assert root == tmp_path / "data" / "celeba-standin-n30-seed2"
    assert celeba.standin_parameters(root)["n"] == 30
    assert celeba.data_key(root, 20, 10)["n_files"] == 30
    stamp = (root / celeba.CSV_NAME).stat().st_mtime_ns
    assert celeba.resolve_celeba_dir(None, n_standin=30, seed=2, cache_dir=tmp_path) == root
    assert (root / celeba.CSV_NAME).stat().st_mtime_ns == stamp


def test_resolve_synthetic_ignores_a_given_folder(standin, monkeypatch, tmp_path):
    monkeypatch.setenv(celeba.CELEBA_ENV, str(standin))
    root = celeba.resolve_celeba_dir(standin, "synthetic", n_standin=20, seed=0,
                                     cache_dir=tmp_path)
    assert root.parent == tmp_path / "data"


def test_resolve_real_without_a_folder_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.delenv(celeba.CELEBA_ENV, raising=False)
    with pytest.raises(celeba.CelebANotFoundError, match="CELEBA_DIR.*Kaggle"):
        celeba.resolve_celeba_dir(None, "real", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="source must be"):
        celeba.resolve_celeba_dir(None, "kaggle", cache_dir=tmp_path)


def test_resolve_checks_a_given_folder(standin, monkeypatch, tmp_path):
    monkeypatch.setenv(celeba.CELEBA_ENV, str(standin / "img_align_celeba"))
    with pytest.raises(celeba.CelebANotFoundError, match="Pass the dataset root"):
        celeba.resolve_celeba_dir(None, cache_dir=tmp_path)


def test_data_key_follows_the_data_not_the_path(standin, copy):
    first = celeba.data_key(standin, 30, 10)
    assert first == celeba.data_key(copy, 30, 10) != celeba.data_key(copy, 20, 10)
    assert first["n_files"] == N and first["standin"]["seed"] == SEED
    (copy / celeba.MARKER_NAME).unlink()  # now it looks like a user's folder
    csv_path = copy / celeba.CSV_NAME
    csv_path.write_text(csv_path.read_text().replace("000001.jpg,", "000001.jpg, ", 1))
    second = celeba.data_key(copy, 30, 10)
    assert second["standin"] is None and second["csv_sha256"] != first["csv_sha256"]


def test_split_is_disjoint_and_in_file_order(standin):
    train, test = celeba.load_celeba_split(standin, 30, 10, ["Smiling"], batch_size=8, seed=1)
    x_train, _ = celeba.to_arrays(train)
    x_test, y_test = celeba.to_arrays(test)
    assert x_train.shape == (30, 64, 64, 3) and y_test.shape == (10, 1)
    x_all, y_all = celeba.to_arrays(celeba.load_celeba(standin, ["Smiling"], limit=40))
    # Other batch sizes: pixels compared with float32 tolerance; labels are exact.
    np.testing.assert_allclose(x_test, x_all[30:], atol=1e-6)
    np.testing.assert_array_equal(y_test, y_all[30:])
    # The training part is the first 30 images, shuffled.
    index, distance = match(x_train, x_all)
    assert sorted(index) == list(range(30)) and distance.max() < 1e-6
    assert list(index) != list(range(30))


def test_split_asking_for_too_many_images_names_the_parameters(standin):
    with pytest.raises(ValueError, match="lists 40 images.*N_TRAIN or N_TEST"):
        celeba.load_celeba_split(standin, 35, 10)


def test_to_arrays_of_unbatched_images():
    ds = celeba.tf.data.Dataset.from_tensor_slices(np.zeros((5, 4, 4, 3), "float32"))
    assert celeba.to_arrays(ds).shape == (5, 4, 4, 3)
    assert celeba.to_arrays(ds.batch(2)).shape == (5, 4, 4, 3)
    with pytest.raises(ValueError, match="empty"):
        celeba.to_arrays(ds.take(0))


def test_describe_says_whether_the_faces_are_the_stand_in(standin, copy):
    text = celeba.describe_celeba(standin, 30, 10)
    assert "procedural stand-in" in text and "not the real CelebA" in text
    assert "30 training and 10 test images" in text
    (copy / celeba.MARKER_NAME).unlink()
    assert celeba.describe_celeba(copy, 30, 10).startswith(f"Data: CelebA from {copy}:")


def test_offset_starts_after_the_first_files_and_is_checked(standin):
    every = np.stack([im.numpy() for im in celeba.load_celeba(standin, limit=6)])
    later = np.stack([im.numpy() for im in celeba.load_celeba(standin, limit=3, offset=3)])
    np.testing.assert_allclose(later, every[3:6], atol=1e-6)
    with pytest.raises(ValueError, match="offset"):
        celeba.load_celeba(standin, offset=-1)
