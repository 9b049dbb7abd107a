"""Time decoding a 15x15 latent grid: one batched call against one predict per point.

Classic course notebooks fill a latent-space figure with a double loop of
``decoder.predict(point[None])``; each call builds a dataset, runs callbacks and syncs, so
the figure pays that set-up 225 times. ``course_utils.latent.decode`` makes one call.

Run from the repository root:  .venv/bin/python benchmarks/latent_grid.py
"""

import time

from course_utils import _quiet

_quiet.import_tensorflow_quietly()  # before Keras, so no start-up log noise

import keras
import numpy as np

from course_utils.latent import decode, normal_grid
from course_utils.models import build_decoder

SIZES = {"full": 15, "quick": 15, "tiny": 8}  # points per side: the chapters' grid is 15x15


def per_point(decoder, points):
    """Decode the grid the classic way: one predict call per point."""
    rows = [[decoder.predict(point[None], verbose=0)[0] for point in row] for row in points]
    return np.array(rows)


def timed(function, *args):
    """Return function(*args) and its wall time in seconds."""
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def run(size="full"):
    """Decode one grid both ways with the same decoder; return the times and whether they agree."""
    n = SIZES[size]
    keras.utils.set_random_seed(0)
    decoder = build_decoder()
    points = normal_grid(n)
    # Warm both paths once so neither time includes building the graph.
    decode(decoder, points[:1, :1])
    decoder.predict(points[0, :1], verbose=0)
    batched, t_batched = timed(decode, decoder, points)
    looped, t_looped = timed(per_point, decoder, points)
    assert batched.shape == looped.shape == (n, n, 32, 32, 1), (batched.shape, looped.shape)
    return {"points": n * n, "batched_s": t_batched, "looped_s": t_looped,
            "ratio": t_looped / t_batched, "same": bool(np.allclose(batched, looped, atol=1e-5)),
            "max_difference": float(np.abs(batched - looped).max())}


def main():
    """Print the two times, their ratio and whether the images agree."""
    r, side = run(), SIZES["full"]
    print(f"Decoding a {side}x{side} grid ({r['points']} points) with chapter 1's decoder:")
    print(f"  one batched call     {r['batched_s'] * 1000:8.1f} ms")
    print(f"  one predict a point  {r['looped_s'] * 1000:8.1f} ms")
    print(f"  ratio                {r['ratio']:8.1f}x faster batched")
    print(f"  same images: {r['same']} (max difference {r['max_difference']:.2e})")
    if not r["same"]:
        raise SystemExit("The two ways decode different images.")


if __name__ == "__main__":
    main()
