"""An attribute classifier and the latent-arithmetic measurement (chapter 6).

Chapter 6 adds an attribute vector (say Smiling) to the codes of faces without that attribute
and decodes them. Whether the decoded faces really smile, and whether anything else changed, is
judged by a small CNN trained on the labelled faces: :func:`train_attribute_classifier`.
:func:`measure_arithmetic` counts, over many faces at once, how often the attribute turns on
and how often every other attribute flips, next to the baseline of the plain reconstructions.
"""

import math

import keras
import numpy as np
import pandas as pd
from keras import layers, ops

from course_utils import models, training
from course_utils.data import celeba


def build_attribute_classifier(n_attributes, filters=(32, 64, 64, 64), seed=None):
    """Build a small CNN: a 64x64x3 face to one logit per attribute (chapter 6)."""
    init = models._initializers(seed)
    images = keras.Input(shape=(64, 64, 3), name="image")
    # A first convolution at full resolution: a smile is a few pixels at the mouth's corners.
    x = layers.Conv2D(16, 3, padding="same", activation="relu",
                      kernel_initializer=next(init))(images)        # 64x64x3 -> 64x64x16
    for n in filters:
        # HxWxC -> H/2 x W/2 x n: 64x64x16 -> 32x32x32 -> 16x16x64 -> 8x8x64 -> 4x4x64
        x = layers.Conv2D(n, 3, strides=2, padding="same", activation="relu",
                          kernel_initializer=next(init))(x)
    x = layers.Flatten()(x)                                         # 4x4x64 -> 1024
    x = layers.Dense(64, activation="relu", kernel_initializer=next(init))(x)  # 1024 -> 64
    # Logits: several attributes can be true at once, so one sigmoid each, not a softmax.
    logits = layers.Dense(n_attributes, kernel_initializer=next(init),
                          name="logits")(x)                         # 64 -> n_attributes
    return keras.Model(images, logits, name="attribute_classifier")


def train_attribute_classifier(root, attributes, n_train, n_test, epochs, batch_size=64,
                               learning_rate=1e-3, seed=0, cache_dir=None, verbose=2):
    """Return (classifier, history): trained once on ROOT's labelled training faces (chapter 6).

    It uses the faces VAE's split (``celeba.load_celeba_split``): the first n_train images for
    training, the next n_test held out, so its accuracy there is measured on unseen faces.
    """
    attributes = list(attributes)
    config = {"model": "attribute_classifier", "attributes": attributes,
              "data": {**celeba.dataset_id(root), "n_train": int(n_train), "n_test": int(n_test)},
              "epochs": epochs, "batch_size": batch_size, "optimizer": "adam",
              "learning_rate": learning_rate, "seed": seed}

    def build():
        model = build_attribute_classifier(len(attributes), seed=seed)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                      loss=keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[keras.metrics.BinaryAccuracy(threshold=0.0, name="accuracy")])
        return model

    def train(model):
        keras.utils.set_random_seed(seed)
        train_ds, test_ds = celeba.load_celeba_split(root, n_train, n_test, attributes,
                                                     batch_size=batch_size, seed=seed)
        # Endless streams cut into epochs of known length (no "ran out of data" warning).
        return model.fit(train_ds.repeat(), steps_per_epoch=math.ceil(n_train / batch_size),
                         epochs=epochs, validation_data=test_ds.repeat(),
                         validation_steps=math.ceil(n_test / batch_size), shuffle=False,
                         verbose=verbose)

    return training.load_or_train("attribute_classifier", config, build, train, cache_dir)


def predict_attributes(classifier, images, batch_size=256):
    """Return the classifier's 0/1 verdicts, shape (n, attributes), in batches (chapter 6)."""
    verdicts = [ops.convert_to_numpy(classifier(images[i:i + batch_size], training=False)) > 0
                for i in range(0, len(images), batch_size)]
    return np.concatenate(verdicts).astype(np.int8)


def decode(decoder, z, batch_size=256):
    """Decode codes z to images in batches of direct model calls (chapter 6)."""
    z = np.asarray(z, dtype="float32")
    return np.concatenate([ops.convert_to_numpy(decoder(z[i:i + batch_size], training=False))
                           for i in range(0, len(z), batch_size)])


def encode_faces(encoder, dataset):
    """Return the codes (z_mean) and attributes of a batched (images, attributes) dataset (ch. 6).

    Streams the dataset batch by batch, so only the codes are held in memory, not the images.
    """
    codes, labels = [], []
    for images, attrs in dataset:
        codes.append(ops.convert_to_numpy(encoder(images, training=False)[0]))
        labels.append(np.asarray(attrs))
    return np.concatenate(codes), np.concatenate(labels)


def classifier_accuracy(classifier, images, labels, names):
    """Return a table: per attribute, its share, the classifier's accuracy and chance (ch. 6).

    "majority" is the accuracy of always answering the commoner value: what a classifier that
    ignores the image scores, so the accuracy means something only well above it.
    """
    labels = np.asarray(labels).astype(np.int8)
    verdicts = predict_attributes(classifier, images)
    share = labels.mean(axis=0)
    return pd.DataFrame({"share of faces": share,
                         "classifier accuracy": (verdicts == labels).mean(axis=0),
                         "majority": np.maximum(share, 1 - share)},
                        index=pd.Index(list(names), name="attribute"))


def measure_arithmetic(classifier, decoder, z, labels, names, attribute, vector, strengths,
                       target=True):
    """Measure latent arithmetic on the faces whose attribute differs from target (chapter 6).

    For faces without ``attribute`` (target True; with it, target False), decode z + s * vector
    for every strength s, and let the classifier judge the images. Returns a table, one row per
    attribute, one column per strength, and a first column for the reconstructions (s = 0):

    - the attribute's row: the share of faces the classifier judges to have the target value;
    - every other row: the share of faces whose verdict differs from the reconstruction's
      (what the vector changed); in the reconstruction column, from the original's label
      (what encoding and decoding alone changed: the baseline).
    """
    names = list(names)
    k = names.index(attribute)
    labels = np.asarray(labels).astype(np.int8)
    chosen = labels[:, k] != int(target)
    if not chosen.any():
        raise ValueError(f"No face has {attribute} {'off' if target else 'on'}; nothing to "
                         "measure.")
    z, labels = np.asarray(z)[chosen], labels[chosen]
    reconstructed = predict_attributes(classifier, decode(decoder, z))
    columns = {"reconstruction": _column(reconstructed, labels, k, target)}
    for s in strengths:
        edited = predict_attributes(classifier, decode(decoder, z + s * np.asarray(vector)))
        columns[f"{s:+g} x vector"] = _column(edited, reconstructed, k, target)
    table = pd.DataFrame(columns, index=pd.Index(names, name="attribute"))
    table.attrs = {"attribute": attribute, "target": bool(target), "n_faces": int(chosen.sum()),
                   "strengths": [float(s) for s in strengths]}
    return table


def _column(verdicts, reference, k, target):
    """Return, per attribute, the share of verdicts unlike the reference; for k, at target."""
    changed = (verdicts != reference).mean(axis=0)
    changed[k] = (verdicts[:, k] == int(target)).mean()
    return changed


def arithmetic_summary(table, reach=0.8, stay=0.1):
    """Return one row per strength: the target reached, the largest other change, aims met (ch. 6).

    The aims: the attribute reaches its target on at least ``reach`` of the faces, and no other
    attribute changes on more than ``stay`` of them.
    """
    attribute = table.attrs["attribute"]
    others = table.drop(index=attribute)
    rows = []
    for column, s in zip(table.columns[1:], table.attrs["strengths"]):
        largest = others[column].idxmax()
        rows.append({"strength": s, "reached": table.loc[attribute, column],
                     "largest other change": others.loc[largest, column],
                     "changed most": largest,
                     "aim met": bool(table.loc[attribute, column] >= reach
                                     and others[column].max() <= stay)})
    return pd.DataFrame(rows).set_index("strength")


def project_out(v, u):
    """Return v without its component along u: v - (v.u / u.u) u (chapter 6)."""
    v, u = np.asarray(v, dtype=np.float64), np.asarray(u, dtype=np.float64)
    return (v - (v @ u) / (u @ u) * u).astype(np.float32)
