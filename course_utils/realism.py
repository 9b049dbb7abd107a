"""Does a decoded image look like a real one? A judge trained on the real images answers.

The judge is a small CNN classifier of the training images that also learns from made-up ones:
blends of two classes (labelled with both, in proportion), noise (no class) and blurred images
(their own class). So its verdict is "one garment, clearly" or not, whatever the blur every
decoder of the course adds. An image is **realistic** when its ``atypicality`` is no more than
that of 95% of the decoder's own reconstructions of real test images: decoded images are
compared with decoded images, never with sharp originals.
"""

import keras
import numpy as np
from keras import layers
from scipy import ndimage
from scipy.spatial import cKDTree

from course_utils import measures


def build_judge(n_classes=10, input_shape=(32, 32, 1)):
    """Build the judge: a small CNN, an image to class logits through 64 features."""
    images = keras.Input(shape=input_shape, name="image")
    x = images
    for n in (32, 64, 64):  # 32x32x1 -> 16x16x32 -> 8x8x64 -> 4x4x64
        x = layers.Conv2D(n, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)  # 4x4x64 -> 1024
    features = layers.Dense(64, activation="relu", name="features")(x)  # 1024 -> 64
    logits = layers.Dense(n_classes, name="logits")(features)
    return keras.Model(images, logits, name="judge")


def blur(images, sigma):
    """Return images blurred with a Gaussian of standard deviation sigma pixels (one per image)."""
    sigma = np.broadcast_to(np.asarray(sigma, dtype=float), (len(images),))
    return np.stack([ndimage.gaussian_filter(image, sigma=(s, s, 0))
                     for image, s in zip(images, sigma)]).astype("float32")


def noise(like, rng):
    """Return uniform noise images of the shape of `like`, each at a random brightness."""
    level = rng.uniform(0.2, 1.0, (len(like),) + (1,) * (like.ndim - 1))
    return (rng.random(like.shape) * level).astype("float32")


def blends(images, labels, rng, weight=None):
    """Return blends of pairs of images of different classes, and their mixed class targets.

    weight: the first image's share, drawn from [0.3, 0.7] when None.
    """
    n_classes = int(labels.max()) + 1
    partner = rng.permutation(len(images))
    differ = labels != labels[partner]
    a, b = images[differ], images[partner[differ]]
    w = (rng.uniform(0.3, 0.7, (len(a),) + (1,) * (a.ndim - 1)) if weight is None
         else np.full((len(a),) + (1,) * (a.ndim - 1), weight))
    onehot = np.eye(n_classes, dtype="float32")
    w_flat = w.reshape(len(a), 1)
    targets = w_flat * onehot[labels[differ]] + (1 - w_flat) * onehot[labels[partner[differ]]]
    return (w * a + (1 - w) * b).astype("float32"), targets.astype("float32")


def training_set(images, labels, seed=0):
    """Return (inputs, soft targets): the real images and as many made-up ones, shuffled."""
    rng = np.random.default_rng(seed)
    n_classes = int(labels.max()) + 1
    onehot = np.eye(n_classes, dtype="float32")[labels]
    third = len(images) // 3
    blurred = blur(images[:third], rng.uniform(0.5, 2.0, third))
    mixed, mixed_targets = blends(images[third:2 * third], labels[third:2 * third], rng)
    noisy = noise(images[:third], rng)
    inputs = np.concatenate([images, blurred, mixed, noisy])
    targets = np.concatenate([onehot, onehot[:third], mixed_targets,
                              np.full((third, n_classes), 1 / n_classes, "float32")])
    order = rng.permutation(len(inputs))
    return inputs[order], targets[order]


class Judge:
    """A trained judge with the features of the real training images it compares against."""

    def __init__(self, model, reference_images, batch_size=512):
        self.model, self.batch_size = model, batch_size
        self.features_model = keras.Model(model.inputs, model.get_layer("features").output)
        self.reference = self.features(reference_images)
        self._tree = cKDTree(self.reference)

    def fit_size(self, images):
        """Return images padded with black borders to the judge's size (28x28 -> 32x32)."""
        images = np.asarray(images, "float32")
        side, own = self.model.input_shape[1], images.shape[1]
        if own > side:
            raise ValueError(f"The judge takes images of at most {side}x{side} pixels; these are "
                             f"{own}x{own}. Train a judge on images of this size.")
        before = (side - own) // 2
        return np.pad(images, ((0, 0), (before, side - own - before),
                               (before, side - own - before), (0, 0)))

    def features(self, images):
        """Return the judge's 64 features of each image, in batches."""
        return self.features_model.predict(self.fit_size(images), batch_size=self.batch_size,
                                           verbose=0)

    def classes(self, images):
        """Return the class the judge sees in each image."""
        return self.model.predict(self.fit_size(images), batch_size=self.batch_size,
                                  verbose=0).argmax(axis=1)

    def atypicality(self, images):
        """Return each image's feature distance to the nearest real training image."""
        return self._tree.query(self.features(images))[0]


BAR = 0.9  # the AUC a judge must reach against noise and against blends to be trusted


def trusted(validation):
    """Return whether a judge's validation (validate's AUCs) meets the bar for its verdicts."""
    return min(validation["noise"], validation["blends of two classes"]) >= BAR


def validate(judge, images, labels, seed=0):
    """Return the AUC of the judge's atypicality: real images against noise, blends, blurs."""
    rng = np.random.default_rng(seed)
    real = judge.atypicality(images)
    made_up = {"noise": noise(images, rng),
               "blends of two classes": blends(images, labels, rng, weight=0.5)[0],
               "blurred copies": blur(images, 1.5)}
    return {kind: measures.separation(real, judge.atypicality(fake))
            for kind, fake in made_up.items()}
