"""Train chapter 1's autoencoder the course's way and the plain way; compare, and rate the machine.

The course's way is ``trained.autoencoder``: the model cache's key and save, the progress line
and chapter 1's settings around a ``fit``. The plain way is the seeds' ``model.fit`` on NumPy
arrays with batch 100 and nothing else. Both train the same architecture on the same images
from the same seed, one after the other, twice each (the faster run counts). The script prints
their ratio (1.0 or more: the course's path costs nothing), the cores busy during training,
and the training arithmetic rate, FLOPs per image times images per second, as a share of the
machine's matrix-multiply rate measured in the same run.

Run from the repository root:  .venv/bin/python benchmarks/training.py [--size quick]
"""

import argparse
import os
import tempfile
import time

from course_utils import _quiet

_quiet.import_tensorflow_quietly()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from course_utils import data, models, trained  # noqa: E402

BATCH = 100


def matmul_rate(n=2048, repeats=10):
    """Return the machine's float32 matrix-multiply rate in FLOP/s (TensorFlow, all cores)."""
    a = tf.random.normal((n, n))
    tf.linalg.matmul(a, a).numpy()  # warm up
    start = time.perf_counter()
    for _ in range(repeats):
        tf.linalg.matmul(a, a).numpy()
    return 2 * n**3 * repeats / (time.perf_counter() - start)



def _layers(model):
    """Yield every layer inside model, those of nested models included (public API only)."""
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _layers(layer)


def training_flops(model):
    """Return the FLOPs of one training step per image: three times the forward pass's.

    Convolutions and dense layers only (they are nearly all of it): the backward pass costs
    about twice the forward one, once for the inputs' gradients and once for the weights'.
    """
    forward = 0
    for layer in _layers(model):
        kind = type(layer).__name__
        if kind in ("Conv2D", "Conv2DTranspose"):
            kernel = int(np.prod(layer.kernel_size))
            cin, cout = layer.input.shape[-1], layer.filters
            # A convolution computes at its output pixels; a transposed one at its input pixels.
            pixels = np.prod((layer.output if kind == "Conv2D" else layer.input).shape[1:3])
            forward += 2 * pixels * kernel * cin * cout
        elif kind == "Dense":
            forward += 2 * layer.input.shape[-1] * layer.units
    return 3 * int(forward)


def timed(function):
    """Return (wall seconds, cores busy on average) of function()."""
    cpu, start = os.times(), time.perf_counter()
    function()
    wall, after = time.perf_counter() - start, os.times()
    return wall, ((after.user - cpu.user) + (after.system - cpu.system)) / wall


SIZES = {"full": (20_000, 3), "quick": (4_000, 2), "tiny": (1_000, 1)}  # images, epochs


def run(size="full"):
    """Run the comparison at a size of SIZES; return its numbers as a dict."""
    n, epochs = SIZES[size]
    (x, _), (x_test, _), used = data.load_split("fashion_mnist", "synthetic", n, 500, seed=0)
    x, x_test = data.to_model_input(x, pad_to=32), data.to_model_input(x_test, pad_to=32)

    def plain(images=n, passes=epochs):
        keras.utils.set_random_seed(0)
        model = models.build_autoencoder()[0]
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(x[:images], x[:images], validation_data=(x_test, x_test), epochs=passes,
                  batch_size=BATCH, verbose=0)

    def course():
        with tempfile.TemporaryDirectory() as folder:  # an empty model cache: it trains
            trained.autoencoder(x, x_test, trained.data_key("fashion_mnist", used, n, 0), epochs,
                                batch_size=BATCH, cache_dir=folder, verbose=True)

    plain(n // 4, 1)  # warm up TensorFlow's kernels once, on a quarter: uncounted
    results = {"plain": [], "course": []}
    for _ in range(2):  # alternate, so that neither gets the machine's better minutes
        results["plain"].append(timed(plain))
        results["course"].append(timed(course))
    (plain_s, plain_cores), (course_s, course_cores) = (min(results["plain"]),
                                                       min(results["course"]))
    images_per_s = n * epochs / course_s
    flops = training_flops(models.build_autoencoder()[0])
    rate = matmul_rate()
    return {"images": n, "epochs": epochs, "plain_s": plain_s, "course_s": course_s,
            "ratio": plain_s / course_s, "cores_busy": course_cores, "plain_cores": plain_cores,
            "cores": os.cpu_count(), "images_per_s": images_per_s, "flops_per_image": flops,
            "matmul_gflops": rate / 1e9,
            "utilisation": flops * images_per_s / rate}


def main():
    """Print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="full",
                        help="quick: the book's run; tiny: the tests' run")
    r = run(parser.parse_args().size)
    print(f"Chapter 1's autoencoder, {r['images']:,} images x {r['epochs']} epochs, batch "
          f"{BATCH}:")
    print(f"  plain model.fit      {r['plain_s']:7.1f} s   ({r['plain_cores']:.1f} cores busy)")
    print(f"  the course's path    {r['course_s']:7.1f} s   ({r['cores_busy']:.1f} of "
          f"{r['cores']} cores busy)")
    print(f"  ratio                {r['ratio']:7.2f}   (plain time / course time; 1.0 or more: "
          "no overhead)")
    print(f"  training             {r['images_per_s']:7.0f} images/s x "
          f"{r['flops_per_image'] / 1e6:.0f} MFLOP per image")
    print(f"  matrix multiply      {r['matmul_gflops']:7.1f} GFLOP/s on this machine")
    print(f"  utilisation          {r['utilisation']:7.0%} of the matrix-multiply rate")


if __name__ == "__main__":
    main()
