"""Every model of the book, trained once, then loaded: ``trained.vae(...)``, ``trained.judge(...)``.

A chapter teaches a model by building, compiling and fitting it in its own cells; a later
chapter that needs the same model calls the function here, which does exactly what the teaching
chapter did (same seed, builder, optimizer and fit) and therefore finds the teaching chapter's
model in the cache (:mod:`course_utils.cache`), or trains the same one. Defaults are the
book's parameters. Under several GPUs these mirror the model (:mod:`.distribute`).
"""

import inspect
import math

import keras
import numpy as np

from course_utils import cache, distribute, models, realism
from course_utils.progress import Progress
from course_utils.data import celeba

# The book's defaults, from the chapters' parameters cells (tests/test_trained.py compares them).
SEED = 42
BATCH_SIZE = 128  # chapter 1's
LEARNING_RATE = 0.001  # Adam's step size for every Fashion-MNIST model of the course
FACES = {"LATENT_DIM": 200, "BETA": 0.2, "BATCH_SIZE": 32, "LEARNING_RATE": 0.001}  # chapter 5's


def data_key(name, loaded, n_train, seed):
    """Return what identifies a training set in a cache key: dataset, source, size, seed."""
    return {"dataset": name, "loaded": loaded, "n_train": int(n_train), "seed": int(seed)}


def _progress_arguments(verbose, images):
    """Return fit's keyword arguments: our progress bar (verbose) or silence, never Keras' log."""
    return {"verbose": 0, "callbacks": [Progress(images)] if verbose else []}


def _load_or_train(name, build, fit, seed, cache_dir, **settings):
    """Seed, build(replicas) under the strategy, then load the cached weights or fit(model)."""
    keras.utils.set_random_seed(seed)  # the same weights and batches whoever trains it
    strategy = distribute.strategy()
    with strategy.scope():
        model = build(strategy.num_replicas_in_sync)
    return cache.load_or_train(name, model, fit, cache_dir, seed=seed, **settings)


def _fit_stream(model, root, n_train, n_test, epochs, batch_size, seed, verbose, attributes=None):
    """Fit model on ROOT's first n_train faces, one pass an epoch; validate on the next n_test."""
    train, test = celeba.load_celeba_split(root, n_train, n_test, attributes,
                                           batch_size=batch_size, seed=seed)
    # Endless streams cut into epochs, so that a finite dataset's end logs no "input ran out of
    # data"; the stream shuffles itself.
    return model.fit(train.repeat(), steps_per_epoch=math.ceil(n_train / batch_size),
                     epochs=epochs, validation_data=test.repeat(),
                     validation_steps=math.ceil(n_test / batch_size), shuffle=False,
                     **_progress_arguments(verbose, n_train))


def autoencoder(x_train, x_val, data, epochs, batch_size=BATCH_SIZE, latent_dim=2, seed=SEED,
                cache_dir=None, verbose=True):
    """Return (autoencoder, encoder, decoder, history): chapter 1's, trained with BCE and Adam.

    ``x_train`` and ``x_val`` are 32x32x1 model inputs (floats in [0, 1]); ``data`` is
    :func:`data_key` of x_train. Chapters 2 and 3 call this with chapter 1's settings.
    """
    return _autoencoder("conv_autoencoder", models.build_autoencoder, latent_dim, x_train, x_val,
                        data, epochs, batch_size, seed, cache_dir, verbose)


def dense_autoencoder(x_train, x_val, data, epochs, batch_size=BATCH_SIZE, latent_dim=32,
                      seed=SEED, cache_dir=None, verbose=True):
    """Return (autoencoder, encoder, decoder, history): chapter 1's fully connected one."""
    return _autoencoder("dense_autoencoder", models.build_dense_autoencoder, latent_dim, x_train,
                        x_val, data, epochs, batch_size, seed, cache_dir, verbose)


def _autoencoder(name, builder, latent_dim, x_train, x_val, data, epochs, batch_size, seed,
                 cache_dir, verbose):
    """Train an autoencoder of builder's with chapter 1's calls; return it, its parts, history."""
    def build(replicas):
        model = builder(latent_dim, input_shape=x_train.shape[1:])[0]
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy")
        return model

    def fit(model):
        return model.fit(x_train, x_train, validation_data=(x_val, x_val), epochs=epochs,
                         batch_size=batch_size, **_progress_arguments(verbose, len(x_train)))

    model, history = _load_or_train(name, build, fit, seed, cache_dir, data=data, epochs=epochs,
                                    batch_size=batch_size, validation=len(x_val))
    return model, model.get_layer("encoder"), model.get_layer("decoder"), history


def vae(x_train, x_val, data, epochs, latent_dim=2, beta=1.0, dense=False, batch_size=BATCH_SIZE,
        seed=SEED, cache_dir=None, verbose=True):
    """Return (vae, history): chapter 3's convolutional VAE (or its dense one), trained once.

    The convolutional VAE takes 32x32x1 images through chapter 1's convolutions, or 28x28x1
    images (MNIST) through two of them; the dense one takes 28x28x1 images.
    """
    shape = x_train.shape[1:]
    filters = (32, 64, 128) if shape[0] % 8 == 0 else (32, 64)

    def build(replicas):
        model = (models.build_dense_vae(latent_dim, beta, shape) if dense else
                 models.build_vae(latent_dim, beta, shape, filters))
        model = distribute.for_replicas(model, replicas)
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
        return model

    def fit(model):
        return model.fit(x_train, validation_data=(x_val,), epochs=epochs,
                         batch_size=batch_size, **_progress_arguments(verbose, len(x_train)))

    return _load_or_train("dense_vae" if dense else "vae", build, fit, seed, cache_dir, data=data,
                          epochs=epochs, batch_size=batch_size, validation=len(x_val))


def judge(x_train, y_train, data, epochs, batch_size=BATCH_SIZE, seed=SEED, cache_dir=None,
          verbose=True):
    """Return (judge, history): the realism judge of the Fashion-MNIST chapters, trained once.

    It learns the training images' classes, and blends, noise and blurred copies of them
    (``realism.training_set``, whose code is part of the cache key). Wrap the model in
    ``realism.Judge`` to use it.
    """
    def build(replicas):
        model = realism.build_judge(int(np.max(y_train)) + 1, x_train.shape[1:])
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE),
                      loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        return model

    def fit(model):
        inputs, targets = realism.training_set(x_train, np.asarray(y_train), seed)
        return model.fit(inputs, targets, epochs=epochs, batch_size=batch_size,
                         **_progress_arguments(verbose, len(inputs)))

    examples = [inspect.getsource(function) for function in
                (realism.training_set, realism.blur, realism.blends, realism.noise)]
    return _load_or_train("judge", build, fit, seed, cache_dir, data=data, epochs=epochs,
                          batch_size=batch_size, examples=examples)


def faces_vae(root, n_train, n_test, epochs, latent_dim=FACES["LATENT_DIM"], beta=FACES["BETA"],
              batch_size=FACES["BATCH_SIZE"], learning_rate=FACES["LEARNING_RATE"], seed=SEED,
              cache_dir=None, verbose=True):
    """Return (vae, history): chapter 5's faces VAE, trained once by streaming the folder ROOT.

    Trains on the first n_train images of ROOT (file-name order), reshuffled every epoch, and
    validates on the next n_test (``celeba.load_celeba_split``). The key holds the folder's
    identity (``celeba.data_key``), so chapter 6, with chapter 5's settings, finds its model.
    """
    def build(replicas):
        model = distribute.for_replicas(models.build_faces_vae(latent_dim, beta), replicas)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate))
        return model

    def fit(model):
        return _fit_stream(model, root, n_train, n_test, epochs, batch_size, seed, verbose)

    data = celeba.data_key(root, n_train, n_test)
    return _load_or_train("faces_vae", build, fit, seed, cache_dir, data=data, epochs=epochs,
                          batch_size=batch_size)


def attribute_classifier(root, attributes, n_train, n_test, epochs, batch_size=64,
                         learning_rate=LEARNING_RATE, seed=SEED, cache_dir=None, verbose=True):
    """Return (classifier, history): chapter 6's judge of attributes, trained once on ROOT.

    It uses the faces VAE's split: the first n_train images for training, the next n_test held
    out, so its accuracy there is measured on faces it never saw.
    """
    attributes = list(attributes)

    def build(replicas):
        model = models.build_attribute_classifier(len(attributes))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss=keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
        return model

    def fit(model):
        return _fit_stream(model, root, n_train, n_test, epochs, batch_size, seed, verbose,
                           attributes)

    data = {**celeba.data_key(root, n_train, n_test), "attributes": attributes}
    return _load_or_train("attribute_classifier", build, fit, seed, cache_dir, data=data,
                          epochs=epochs, batch_size=batch_size)
