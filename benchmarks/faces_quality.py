"""Choose chapter 5's training size: held-out reconstruction quality against training time.

Trains the faces VAE on stand-in faces for each candidate (the model before or now, faces,
epochs) through the course's training stream, then scores reconstructions of held-out faces
that no candidate trained on:

- PSNR, 10 log10(1 / mean squared error) per face, averaged, in dB (higher: closer);
- attributes kept: the share of (face, attribute) pairs that chapter 6's attribute classifier
  reads the same on the face and on its reconstruction (1.0: every attribute survives).

Each row gives the training seconds, so the full profile can take the best quality that fits
the cold book's budget, and both scores' differences from the first row (the model before, at
the book's size before) with a 95% bootstrap interval, paired by face. Every candidate trains
through today's stream, so the seconds compare the models and sizes, not the streams.

The script takes long (minutes per candidate): it is not part of run.py. Its last full run is
benchmarks/results/faces_quality.json.

Run from the repository root:  .venv/bin/python benchmarks/faces_quality.py [--json FILE]
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

from course_utils import _quiet

_quiet.import_tensorflow_quietly()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from course_utils import trained  # noqa: E402
from course_utils.compare import compare  # noqa: E402
from course_utils.data import celeba, faces  # noqa: E402
from faces_training import BUILDERS  # noqa: E402

# (model, training faces, epochs): the book's size before, the same size now, sizes now that
# train as long as the book's size did before (about 100,000 faces seen), and larger ones.
CANDIDATES = [("before", 6_000, 8), ("now", 6_000, 8), ("now", 6_000, 16), ("now", 12_000, 8),
              ("now", 20_000, 5), ("now", 12_000, 12), ("now", 20_000, 8)]
N_HELD_OUT = 1_000
CLASSIFIER = (6_000, 1_000, 3)  # chapter 6's attribute classifier: training, held-out faces, epochs


def reconstruct(model, images):
    """Return the reconstructions of images (decoded from their codes' centres)."""
    z_mean = model.encoder.predict(images, batch_size=250, verbose=0)[0]
    return model.decoder.predict(z_mean, batch_size=250, verbose=0)


def scores(model, classifier, images):
    """Return each face's PSNR in dB and share of attributes the classifier reads the same."""
    rebuilt = reconstruct(model, images)
    mse = np.mean((rebuilt - images) ** 2, axis=(1, 2, 3))
    read = [classifier.predict(x, batch_size=250, verbose=0) > 0 for x in (images, rebuilt)]
    return 10 * np.log10(1 / mse), np.mean(read[0] == read[1], axis=1)


def run(candidates=CANDIDATES):
    """Train and score every candidate; return one dict per candidate."""
    largest = max(n for _, n, _ in candidates)
    names = list(faces.ATTRIBUTES)
    rows, first = [], None
    with tempfile.TemporaryDirectory() as folder:
        root = celeba.write_synthetic_celeba(Path(folder) / "faces", n=largest + N_HELD_OUT,
                                             seed=0)
        held_out = celeba.to_arrays(celeba.load_celeba(root, limit=N_HELD_OUT, offset=largest,
                                                       batch_size=250))
        classifier, _ = trained.attribute_classifier(root, names, *CLASSIFIER, seed=0,
                                                     cache_dir=folder, verbose=False)
        for way, n, epochs in candidates:
            keras.utils.set_random_seed(0)
            model = BUILDERS[way]()
            model.compile(optimizer=keras.optimizers.Adam(1e-3))
            train, _ = celeba.load_celeba_split(root, n, 32, batch_size=32, seed=0)
            start = time.perf_counter()
            model.fit(train.repeat(), steps_per_epoch=math.ceil(n / 32), epochs=epochs,
                      shuffle=False, verbose=0)
            seconds = time.perf_counter() - start
            psnr, kept = scores(model, classifier, held_out)
            first = first or (psnr, kept)
            vs = [compare(now, then, paired=True) for now, then in zip((psnr, kept), first)]
            rows.append({"model": way, "faces": n, "epochs": epochs, "seconds": seconds,
                         "images_per_s": n * epochs / seconds, "psnr_db": float(psnr.mean()),
                         "attributes_kept": float(kept.mean()),
                         "psnr_vs_first": [vs[0].difference, vs[0].low, vs[0].high],
                         "kept_vs_first": [vs[1].difference, vs[1].low, vs[1].high]})
            print(f"{way:6s} {n:6,d} faces x {epochs:2d} epochs  {seconds:6.0f} s  "
                  f"PSNR {psnr.mean():5.2f} dB ({vs[0]:+.2f})  attributes kept "
                  f"{kept.mean():.1%} ({vs[1]:+.3f})", flush=True)
    return rows


def main():
    """Print the table, and write it as JSON if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    rows = run()
    if args.json:
        record = {"date": time.strftime("%Y-%m-%d"), "cores": len(os.sched_getaffinity(0)),
                  "held_out_faces": N_HELD_OUT, "seed": 0, "rows": rows}
        args.json.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
