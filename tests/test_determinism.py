"""Same profile, same seed, same numbers: chapters 1, 3 and 5 run twice from empty model caches.

Each run executes a chapter through papermill (the instructor's command), so every model is
trained from scratch in a fresh kernel; then every glued value (its text, as the page shows it)
of the two runs must be identical, and a run with another seed must change them. The sizes are
cut below the quick profile's to keep the test short; the code path is the chapters' own. One
test per chapter, so that the three share the cores with the other tests. Slow (nine notebook
runs): `make test-slow` and CI run it, `make test` does not.
"""

import json

import pytest

from course_utils import cache, settings
from booktools import instructor

CHAPTERS = ["01_autoencoder", "03_vae", "05_faces", "08_generating"]
SMALL = {"N_TRAIN": 1_000, "N_TEST": 100, "05_faces:N_TRAIN": 64, "05_faces:N_TEST": 32,
         "BETA_N_TRAIN": 1_000, "N_SAMPLES": 100, "N_REFERENCE": 100, "JUDGE_EPOCHS": 1,
         "IW_DRAWS": 10, "N_DRAWS": 10, "N_PAIRS": 10, "GRID_SIZE": 3,
         "N_PER_CLASS": 20, "N_EVIDENCE": 20, "FACES_N_TRAIN": 64, "FACES_N_TEST": 64,
         "08_generating:N_TRAIN": 2_000}  # its label experiment needs the quick size


def glued(chapter, out, seed, cache_dir, monkeypatch):
    """Run a chapter with a seed and a model cache; return {name: glued text}."""
    monkeypatch.setenv("COURSE_CACHE", str(cache_dir))
    declared = settings.declared(chapter)
    sizes = {name: value for name, value in SMALL.items() if name in declared}
    sizes.update({name.split(":")[1]: value for name, value in SMALL.items()
                  if name.startswith(f"{chapter}:")})
    overrides = [arg for name, value in {**sizes, "SEED": seed}.items()
                 for arg in ("-p", name, str(value))]
    said = []
    status = instructor.main(["run", "--out", str(out), "--profile", "quick", chapter,
                              *overrides], say=said.append)
    assert status == 0, "\n".join(said)
    values = {}
    for cell in json.loads((out / f"{chapter}.ipynb").read_text())["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = "".join(output["data"][instructor.GLUE_MIME])
    return values


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(chapter, tmp_path,
                                                                      monkeypatch):
    # Two empty model caches: every model trains in each. The generated stand-in data is
    # shared with the course cache the other tests use (tests/test_datasets.py checks that a
    # stand-in is read back as it was generated), so no run spends its time generating it.
    data = cache.cache_root() / "data"
    data.mkdir(parents=True, exist_ok=True)
    for run in ("first", "second"):
        (tmp_path / f"cache-{run}").mkdir()
        (tmp_path / f"cache-{run}" / "data").symlink_to(data)
    first = glued(chapter, tmp_path / "first", 42, tmp_path / "cache-first", monkeypatch)
    second = glued(chapter, tmp_path / "second", 42, tmp_path / "cache-second", monkeypatch)
    other = glued(chapter, tmp_path / "other", 7, tmp_path / "cache-first", monkeypatch)
    assert len(first) >= 15  # the chapter's measurements, not a handful
    assert first.keys() == second.keys() == other.keys()
    differ = [(name, first[name], second[name]) for name in first if first[name] != second[name]]
    assert not differ
    changed = [name for name in first if first[name] != other[name]]
    # Sizes and settings are glued too and stay; what the models measured must move.
    assert len(changed) >= len(first) // 3, changed
