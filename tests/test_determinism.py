"""Same profile, same seed, same numbers: chapters 1, 3 and 5 run twice from empty model caches.

Each run executes the chapters through papermill (the instructor's command), so every model is
trained from scratch in a fresh kernel; then every glued value (its text, as the page shows it)
of the two runs must be identical, and a run with another seed must change them. The sizes are
cut below the quick profile's to keep the test short; the code path is the chapters' own.
"""

import json

import pytest

from course_utils import instructor

CHAPTERS = ["01_autoencoder", "03_vae", "05_faces"]
SMALL = {"N_TRAIN": 1_000, "N_TEST": 100, "05_faces:N_TRAIN": 64, "05_faces:N_TEST": 32,
         "BETA_N_TRAIN": 1_000, "N_SAMPLES": 100, "N_REFERENCE": 100, "JUDGE_EPOCHS": 1,
         "IW_IMAGES": 10, "IW_DRAWS": 10, "N_DRAWS": 10, "N_PAIRS": 10, "GRID_SIZE": 3}


def glued(out, seed, cache, monkeypatch):
    """Run the chapters with a seed and a model cache; return {(chapter, name): glued text}."""
    monkeypatch.setenv("COURSE_CACHE", str(cache))
    overrides = [arg for name, value in {**SMALL, "SEED": seed}.items()
                 for arg in ("-p", name, str(value))]
    said = []
    status = instructor.main(["run", "--out", str(out), "--profile", "quick", *CHAPTERS,
                              *overrides], say=said.append)
    assert status == 0, "\n".join(said)
    values = {}
    for chapter in CHAPTERS:
        for cell in json.loads((out / f"{chapter}.ipynb").read_text())["cells"]:
            for output in cell.get("outputs", []):
                name = output.get("metadata", {}).get("scrapbook", {}).get("name")
                if name:
                    values[chapter, name] = "".join(output["data"][instructor.GLUE_MIME])
    return values


@pytest.mark.xdist_group("determinism")
def test_the_same_seed_gives_the_same_numbers_and_another_seed_others(tmp_path, monkeypatch):
    first = glued(tmp_path / "first", 42, tmp_path / "cache-first", monkeypatch)
    # A second, empty model cache: every model trains again. The generated stand-in data is
    # shared (tests/test_datasets.py checks that it is read back as it was generated).
    (tmp_path / "cache-second").mkdir()
    (tmp_path / "cache-second" / "data").symlink_to(tmp_path / "cache-first" / "data")
    second = glued(tmp_path / "second", 42, tmp_path / "cache-second", monkeypatch)
    other = glued(tmp_path / "other", 7, tmp_path / "cache-first", monkeypatch)
    for chapter in CHAPTERS:
        names = sorted(name for ch, name in first if ch == chapter)
        assert len(names) >= 15, chapter  # the chapter's measurements, not a handful
        differ = [(name, first[chapter, name], second[chapter, name]) for name in names
                  if first[chapter, name] != second[chapter, name]]
        assert not differ, (chapter, differ)
        changed = [name for name in names if first[chapter, name] != other[chapter, name]]
        # Sizes and settings are glued too and stay; what the models measured must move.
        assert len(changed) >= len(names) // 3, (chapter, changed)
    assert first.keys() == second.keys() == other.keys()
