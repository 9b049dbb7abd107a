"""The CelebA stand-in's renderer (course_utils.data.faces): format, seeds, rates, visibility."""


import numpy as np
import pytest

from course_utils.data import faces

# Where each attribute must show, as (rows, cols) of a 64 x 64 image, and how many pixels of
# nearly every face must change there by more than 25 grey levels when it is switched on.
REGIONS = {
    "Smiling": ((slice(38, 54), slice(18, 46)), 3),
    "Eyeglasses": ((slice(22, 38), slice(8, 56)), 30),
    "Mustache": ((slice(36, 48), slice(18, 46)), 15),
    "Wearing_Hat": ((slice(0, 24), slice(0, 64)), 150),
    "Bangs": ((slice(12, 32), slice(12, 52)), 15),
}


def render_off_on(factors, name):
    """Render the same faces with one attribute off and on, as float arrays."""
    off = faces.set_attribute(factors, name, False)
    if name == "Mustache":
        off["Male"][:] = True  # mustaches are drawn on men
    if name == "Bangs":
        off["Wearing_Hat"][:] = False  # a hat may hide bangs
    if name in faces.HAIR_COLOURS:
        for other in faces.HAIR_COLOURS:
            off[other][:] = False  # from grey or red hair
    on = faces.set_attribute(off, name, True)
    return (faces.render_faces(off).astype(np.float32),
            faces.render_faces(on).astype(np.float32))


def test_shapes_dtypes_and_factors():
    factors = faces.sample_factors(7, seed=0)
    assert set(factors) == set(faces.FACTOR_NAMES)
    for name in faces.ATTRIBUTES:
        assert factors[name].dtype == bool and factors[name].shape == (7,)
    assert factors["background_a"].shape == (7, 3)
    images = faces.render_faces(factors)
    assert images.shape == (7, 64, 64, 3) and images.dtype == np.uint8
    assert images.std() > 20  # not blank
    assert faces.render_faces(factors, size=32).shape == (7, 32, 32, 3)
    assert faces.attribute_table(factors).shape == (7, len(faces.ATTRIBUTES))


def test_deterministic_by_seed_and_independent_of_batching():
    fa = faces.sample_factors(300, seed=3)
    a, b = faces.render_faces(fa), faces.render_faces(faces.sample_factors(300, seed=3))
    c = faces.render_faces(faces.sample_factors(300, seed=4))
    assert np.array_equal(a, b)  # the same rendering repeated on the same shapes
    assert not np.array_equal(a, c)
    # Faces are drawn in chunks: a face must not depend on its neighbours. Another batch split
    # may round a pixel that sits on a half level the other way, never more.
    assert_same_pixels(faces.render_faces(faces.take(fa, slice(250, 300))), a[250:300])


def assert_same_pixels(got, expected):
    """Fail unless two uint8 renderings agree up to float32 rounding: rare one-level steps."""
    assert got.shape == expected.shape
    difference = np.abs(got.astype(np.int16) - expected.astype(np.int16))
    assert difference.max() <= 1 and (difference > 0).mean() < 1e-4, difference.max()


def test_windows_never_clip_a_layer(monkeypatch):
    """Layers are drawn inside pixel windows for speed; the result must equal a full draw."""
    rng = np.random.default_rng(0)
    factors = faces.sample_factors(400, seed=1)
    for name, (low, high) in faces._FREE_RANGES.items():  # push geometry to its extremes
        factors[name] = rng.choice(np.float32([low, high]), size=400)
    windowed = faces.render_faces(factors)
    monkeypatch.setattr(faces, "_USE_WINDOWS", False)
    assert_same_pixels(faces.render_faces(factors), windowed)  # other array shapes: tolerance


def test_attribute_rates_and_constraints():
    factors = faces.sample_factors(40_000, seed=2)
    table = faces.attribute_table(factors)
    expected = {**faces.ATTRIBUTE_RATES, **faces.HAIR_RATES,
                "Mustache": faces.ATTRIBUTE_RATES["Male"] * faces.MUSTACHE_RATE_AMONG_MEN}
    for k, name in enumerate(faces.ATTRIBUTES):
        assert abs(table[:, k].mean() - expected[name]) < 0.012, name
    assert not (factors["Mustache"] & ~factors["Male"]).any()
    hair = faces.attribute_table(factors, faces.HAIR_COLOURS).sum(axis=1)
    assert hair.max() == 1 and 0.37 < (hair == 0).mean() < 0.45  # some have none (grey, red)
    # Independent except where forced (mustache needs a man, one hair colour at most).
    corr = np.corrcoef(table.T.astype(float))
    forced = {"Mustache", *faces.HAIR_COLOURS}
    for i, a in enumerate(faces.ATTRIBUTES):
        for j, b in enumerate(faces.ATTRIBUTES):
            if i < j and not ({a, b} <= forced or {a, b} == {"Male", "Mustache"}):
                assert abs(corr[i, j]) < 0.03, (a, b)


@pytest.mark.parametrize("name", list(REGIONS))
def test_attribute_changes_its_region(name):
    (rows, cols), least = REGIONS[name]
    off, on = render_off_on(faces.sample_factors(300, seed=5), name)
    change = np.abs(on - off).max(axis=-1)
    inside = np.zeros((64, 64), bool)
    inside[rows, cols] = True
    assert change[:, inside].sum() / change.sum() > 0.9  # the change is where it belongs
    changed = (change[:, inside] > 25).sum(axis=1)
    assert np.percentile(changed, 2) >= least, np.sort(changed)[:10]


@pytest.mark.parametrize("name, check", [
    ("Blond_Hair", lambda rgb: rgb.mean() > 0.55 and rgb[0] > rgb[2] + 0.25),
    ("Black_Hair", lambda rgb: rgb.max() < 0.2),
    ("Brown_Hair", lambda rgb: 0.15 < rgb.mean() < 0.4 and rgb[0] > rgb[1] > rgb[2]),
])
def test_hair_colour_changes_the_hair(name, check):
    off, on = render_off_on(faces.sample_factors(200, seed=6), name)
    changed = np.abs(on - off).max(axis=-1) > 40
    assert changed.sum(axis=(1, 2)).min() > 25  # every face's hair changes
    assert check(on[changed].mean(axis=0) / 255.0)


def test_male_shortens_hair_and_squares_the_jaw():
    factors = faces.sample_factors(200, seed=7)
    factors["Mustache"][:] = False
    off, on = render_off_on(factors, "Male")
    change = np.abs(on - off).max(axis=-1)
    assert (change > 25).sum(axis=(1, 2)).min() > 40  # every face changes
    below_ears = np.r_[0:18, 46:64]
    assert change[:, 40:64, below_ears].mean() > 3 * change[:, 24:36, 22:42].mean()


def test_a_linear_classifier_reads_every_attribute():
    """Ridge regression on pixels and their squares beats chance (0.5) by far, per attribute."""
    factors = faces.sample_factors(4000, seed=8)
    images = faces.render_faces(factors)
    pixels = images.reshape(-1, 32, 2, 32, 2, 3).mean(axis=(2, 4)).reshape(4000, -1) / 255.0
    x = np.concatenate([pixels, pixels ** 2], axis=1).astype(np.float32)
    x = (x - x[:3000].mean(0)) / (x[:3000].std(0) + 1e-3)
    truth = faces.attribute_table(factors)
    train, test = slice(0, 3000), slice(3000, None)
    gram = x[train] @ x[train].T  # kernel form: 3000 x 3000 instead of 6144 x 6144
    weights = np.linalg.solve(gram + 30.0 * np.eye(3000, dtype=np.float32),
                              truth[train] * 2.0 - 1.0)
    predicted = (x[test] @ x[train].T) @ weights > 0
    actual = truth[test]
    recall = (predicted & actual).sum(0) / actual.sum(0)
    specificity = (~predicted & ~actual).sum(0) / (~actual).sum(0)
    balanced = dict(zip(faces.ATTRIBUTES, (recall + specificity) / 2))
    assert min(balanced.values()) > 0.75, balanced


def test_set_attribute_keeps_one_hair_colour_and_rejects_unknown_names():
    factors = faces.sample_factors(50, seed=9)
    blond = faces.set_attribute(factors, "Blond_Hair")
    assert blond["Blond_Hair"].all() and not (blond["Black_Hair"] | blond["Brown_Hair"]).any()
    assert factors is not blond and not np.shares_memory(factors["Male"], blond["Male"])
    women = faces.set_attribute(factors, "Male", False)
    assert not (women["Male"] | women["Mustache"]).any()  # mustaches only on men
    half = np.arange(50) < 25
    smiles = faces.set_attribute(factors, "Smiling", half)
    assert np.array_equal(smiles["Smiling"], half)
    with pytest.raises(KeyError, match="Smiling"):
        faces.set_attribute(factors, "Smiles")
    broken = dict(factors, Black_Hair=np.ones(50, bool))
    with pytest.raises(ValueError, match="more than one"):
        faces.render_faces(broken)
