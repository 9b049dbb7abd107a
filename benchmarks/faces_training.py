"""Train chapter 5's faces VAE the course's way and the way it trained before; profile an epoch.

Before: the decoder had a fifth stage at full size (a transposed convolution to 64x64x32 with
its batch normalisation, then a 3x3 convolution to colours), and the stream of faces left
tf.data's autotuner on, which on two cores let the training use one core about half the time.
Now: the decoder mirrors the encoder, ending in a transposed convolution to 64x64x3 (as in
Foster's first edition), and the stream runs with fixed parallelism. A third way, today's model
on the autotuned stream, splits the gain between the two changes. All three train on the same
stand-in faces from the same seed, alternating, three rounds (each way's fastest run counts;
the ratio's low and high are the slowest and fastest round's).

The script prints images per second of each, the ratios, the cores busy, each model's training
FLOPs per image times images per second as a share of the machine's matrix-multiply rate
(measured in the same run, as for chapter 1's network in training.py), and one epoch of
today's model split into its parts: reading the faces (the loader alone), the forward pass,
the backward pass and the optimiser's update.

Run from the repository root:  .venv/bin/python benchmarks/faces_training.py [--size quick]
"""

import argparse
import math
import tempfile
import time
from pathlib import Path

from course_utils import _quiet

_quiet.import_tensorflow_quietly()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

from course_utils import models  # noqa: E402
from course_utils.data import celeba  # noqa: E402
from course_utils.taught import GaussianVAE, Sampling  # noqa: E402
from training import matmul_rate, timed, training_flops  # noqa: E402

BATCH = 32  # chapter 5's batch size


def build_before(latent_dim=200, beta=0.2, filters=(32, 64, 64, 64)):
    """Build the faces VAE as it was before: a decoder with a full-size stage and a last conv."""
    images = keras.Input(shape=(64, 64, 3))
    x = images
    for n in filters:  # 64x64x3 -> ... -> 4x4x64, as today
        x = layers.LeakyReLU()(layers.BatchNormalization()(
            layers.Conv2D(n, 3, strides=2, padding="same")(x)))
    x = layers.Flatten()(x)
    z_mean, z_log_var = layers.Dense(latent_dim)(x), layers.Dense(latent_dim)(x)
    encoder = keras.Model(images, [z_mean, z_log_var, Sampling()([z_mean, z_log_var])])
    z_in = keras.Input(shape=(latent_dim,))
    x = layers.LeakyReLU()(layers.BatchNormalization()(layers.Dense(16 * filters[-1])(z_in)))
    x = layers.Reshape((4, 4, filters[-1]))(x)
    for n in reversed(filters):  # 4x4x64 -> 8x8x64 -> 16x16x64 -> 32x32x64 -> 64x64x32
        x = layers.LeakyReLU()(layers.BatchNormalization()(
            layers.Conv2DTranspose(n, 3, strides=2, padding="same")(x)))
    decoded = layers.Conv2D(3, 3, padding="same", activation="sigmoid")(x)  # -> 64x64x3
    return GaussianVAE(encoder, keras.Model(z_in, decoded), beta=beta)


BUILDERS = {"before": build_before, "now": models.build_faces_vae}
# Each way: (model, tf.data's autotuner on the stream).
WAYS = {"before": ("before", True), "decoder": ("now", True), "now": ("now", False)}


def training_stream(root, n_train, autotune):
    """Return the course's stream of n_train training faces, with tf.data's autotuner or not."""
    train, _ = celeba.load_celeba_split(root, n_train, BATCH, batch_size=BATCH, seed=0)
    options = tf.data.Options()
    options.autotune.enabled = autotune
    return train.with_options(options)


def compiled(builder):
    """Return the faces VAE built by BUILDERS[builder] and compiled, from seed 0."""
    keras.utils.set_random_seed(0)
    model = BUILDERS[builder]()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    return model


def warmed(way, root, n_train):
    """Return (model, stream) of one way, compiled and warmed up on 5 batches (traced)."""
    builder, autotune = WAYS[way]
    model = compiled(builder)
    stream = training_stream(root, n_train, autotune).repeat()
    model.fit(stream, steps_per_epoch=5, epochs=1, shuffle=False, verbose=0)
    return model, stream


def train_epoch(model, stream, n_train):
    """Return (wall seconds, cores busy) of one epoch of n_train faces of a warmed-up model."""
    steps = math.ceil(n_train / BATCH)
    return timed(lambda: model.fit(stream, steps_per_epoch=steps, epochs=1, shuffle=False,
                                   verbose=0))


def profile_epoch(root, n_train, repeats=8):
    """Return the seconds one epoch of today's model spends on each part, each timed alone."""
    model = compiled("now")
    weights = model.trainable_weights
    model.optimizer.build(weights)  # its slots, before any function is traced
    images = next(iter(training_stream(root, n_train, autotune=False)))

    @tf.function
    def forward():
        return ops.mean(model.per_image_losses(images, training=True)[2])

    @tf.function
    def forward_backward():
        with tf.GradientTape() as tape:
            loss = ops.mean(model.per_image_losses(images, training=True)[2])
        return tape.gradient(loss, weights)

    @tf.function
    def step():  # forward, backward and the optimiser's update: what fit runs each batch
        model.optimizer.apply_gradients(zip(forward_backward(), weights))

    def per_call(function):
        function()  # trace
        start = time.perf_counter()
        for _ in range(repeats):
            tf.nest.map_structure(np.asarray, function())
        return (time.perf_counter() - start) / repeats

    steps = n_train / BATCH  # the last, partial batch counted as its share of one
    loader = training_stream(root, n_train, autotune=False)
    sum(1 for _ in loader)  # warm the file cache
    data, _ = timed(lambda: sum(1 for _ in loader))
    f, fb, s = per_call(forward), per_call(forward_backward), per_call(step)
    return {"data_s": data, "forward_s": f * steps, "backward_s": (fb - f) * steps,
            "optimiser_s": max(s - fb, 0.0) * steps}


SIZES = {"full": 3_000, "quick": 1_000, "tiny": 256}  # training faces per epoch
ROUNDS = 3


def run(size="full"):
    """Run the comparison at a size of SIZES; return its numbers as a dict."""
    n = SIZES[size]
    with tempfile.TemporaryDirectory() as folder:
        root = celeba.write_synthetic_celeba(Path(folder) / "faces", n=n + BATCH, seed=0)
        # Each way is built, compiled and traced once; its epochs then alternate with the others'.
        ready = {way: warmed(way, root, n) for way in WAYS}
        runs = {way: [] for way in WAYS}
        for _ in range(ROUNDS):  # alternate, so that neither gets the machine's better minutes
            for way in runs:
                runs[way].append(train_epoch(*ready[way], n))
        parts = profile_epoch(root, n)
    rate = matmul_rate()
    result = {"images": n, "batch": BATCH, "matmul_gflops": rate / 1e9, **parts}
    for way, timings in runs.items():
        seconds, cores = min(timings)
        flops = training_flops(ready[way][0])
        result |= {f"{way}_s": seconds, f"{way}_images_per_s": n / seconds,
                   f"{way}_cores_busy": cores, f"{way}_flops_per_image": flops,
                   f"{way}_utilisation": flops * n / seconds / rate}
    result["ratio"] = result["before_s"] / result["now_s"]
    rounds = [b[0] / n[0] for b, n in zip(runs["before"], runs["now"])]  # round by round
    result |= {"rounds": ROUNDS, "ratio_low": min(rounds), "ratio_high": max(rounds)}
    result["decoder_ratio"] = result["before_s"] / result["decoder_s"]  # the decoder's part
    result["stream_ratio"] = result["decoder_s"] / result["now_s"]  # the stream's part
    return result


def main():
    """Print the comparison and the profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="full",
                        help="quick: the book's run; tiny: the tests' run")
    r = run(parser.parse_args().size)
    print(f"Chapter 5's faces VAE, one epoch of {r['images']:,} stand-in faces, batch "
          f"{r['batch']}:")
    for way, label in (("before", "before"), ("decoder", "new decoder only"),
                       ("now", "the course's path")):
        print(f"  {label:18s} {r[f'{way}_images_per_s']:6.0f} images/s  "
              f"({r[f'{way}_cores_busy']:.1f} cores busy; "
              f"{r[f'{way}_flops_per_image'] / 1e6:.0f} MFLOP per image, "
              f"{r[f'{way}_utilisation']:.0%} of the matrix-multiply rate)")
    print(f"  ratio              {r['ratio']:6.2f}   (before's time / the course's time; the "
          f"decoder {r['decoder_ratio']:.2f} x the stream {r['stream_ratio']:.2f}; round by "
          f"round {r['ratio_low']:.2f} to {r['ratio_high']:.2f})")
    print(f"  matrix multiply    {r['matmul_gflops']:6.1f} GFLOP/s on this machine")
    print(f"  one epoch, each part alone: reading {r['data_s']:.1f} s, forward "
          f"{r['forward_s']:.1f} s, backward {r['backward_s']:.1f} s, optimiser "
          f"{r['optimiser_s']:.1f} s (against {r['now_s']:.1f} s training, reading alongside)")


if __name__ == "__main__":
    main()
