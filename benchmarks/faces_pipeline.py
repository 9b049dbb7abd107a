"""Feed chapter 5's faces VAE from disk: is the loader fast enough, and is its memory flat?

Chapter 5 streams the faces from JPEG files (``celeba.load_celeba_split``): read, decode, crop
and resize in parallel, batch, prefetch. The loader must not be what the training waits for, and
its memory must not grow with the number of files. The script writes stand-in faces in CelebA's
layout, then measures, in this one run:

- the loader alone: faces per second through one pass of the training stream;
- the faces VAE training on that stream: faces per second; the ratio should be 2 or more;
- peak memory (resident set) of a fresh process that streams a small and a large folder
  through the loader; it should stay flat, within 10%.

Run from the repository root:  .venv/bin/python benchmarks/faces_pipeline.py [--size quick]
"""

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course_utils import _quiet

_quiet.import_tensorflow_quietly()

import keras  # noqa: E402

from course_utils import models  # noqa: E402
from course_utils.data import celeba  # noqa: E402

BATCH = 32  # chapter 5's batch size

# Streams one folder through the loader in a fresh process and prints its peak memory (KiB).
PEAK = """
import resource, sys
from course_utils import _quiet
_quiet.import_tensorflow_quietly()
from course_utils.data import celeba
root, n = sys.argv[1], int(sys.argv[2])
train, _ = celeba.load_celeba_split(root, n - 32, 32, batch_size=32, seed=0)
for _ in train:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def faces_per_second(dataset, n):
    """Return how many faces per second one pass over a batched dataset delivers."""
    start = time.perf_counter()
    count = sum(len(batch) for batch in dataset)
    assert count == n, (count, n)
    return n / (time.perf_counter() - start)


def peak_memory(root, n):
    """Return the peak resident memory, in MiB, of a process that streams n faces from root."""
    out = subprocess.run([sys.executable, "-c", PEAK, str(root), str(n)], check=True,
                         capture_output=True, text=True).stdout
    return int(out.strip().splitlines()[-1]) / 1024


SIZES = {"full": (2_000, 20_000), "quick": (1_000, 5_000), "tiny": (400, 2_000)}  # faces


def run(size="full"):
    """Run the measurements at a size of SIZES; return their numbers as a dict."""
    small, large = SIZES[size]
    with tempfile.TemporaryDirectory() as folder:
        roots = {n: celeba.write_synthetic_celeba(Path(folder) / f"faces{n}", n=n, seed=0)
                 for n in (small, large)}
        n_train = small - 200
        train, test = celeba.load_celeba_split(roots[small], n_train, 200, batch_size=BATCH,
                                               seed=0)
        faces_per_second(train, n_train)  # warm the file cache and the pipeline once
        loader = faces_per_second(train, n_train)
        keras.utils.set_random_seed(0)
        vae = models.build_faces_vae()
        vae.compile(optimizer=keras.optimizers.Adam(1e-3))
        steps = math.ceil(n_train / BATCH)
        # shuffle=False: the stream shuffles itself, as in course_utils.trained.
        vae.fit(train.repeat(), steps_per_epoch=5, epochs=1, shuffle=False, verbose=0)  # warm up
        start = time.perf_counter()
        vae.fit(train.repeat(), steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0)
        training = n_train / (time.perf_counter() - start)
        memory = {n: peak_memory(root, n) for n, root in roots.items()}
    return {"loader_faces_per_s": loader, "training_faces_per_s": training,
            "loader_ratio": loader / training, "small": small, "large": large,
            "peak_mib_small": memory[small], "peak_mib_large": memory[large],
            "memory_growth": memory[large] / memory[small] - 1}


def main():
    """Print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="full",
                        help="quick: the book's run; tiny: the tests' run")
    r = run(parser.parse_args().size)
    print("Chapter 5's faces pipeline (stand-in JPEGs, batch 32):")
    print(f"  loader alone        {r['loader_faces_per_s']:8.0f} faces/s")
    print(f"  faces VAE training  {r['training_faces_per_s']:8.0f} faces/s")
    print(f"  ratio               {r['loader_ratio']:8.1f}   (2 or more: training never waits)")
    print(f"  peak memory         {r['peak_mib_small']:8.0f} MiB streaming {r['small']:,} faces, "
          f"{r['peak_mib_large']:.0f} MiB streaming {r['large']:,} "
          f"({r['memory_growth']:+.1%})")


if __name__ == "__main__":
    main()
