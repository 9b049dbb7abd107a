"""The course's models: autoencoders, the Sampling layer and the VAE (chapters 1, 3, 5 and 6).

Builders return functional Keras models with their shapes noted beside each layer (for the
default sizes). ``seed`` makes a model reproducible: it seeds every kernel initializer and the
Sampling layer, so two builds with the same seed start from identical weights and draw the same
noise. The VAE trains with ``tf.GradientTape`` (TensorFlow backend); its loss is scaled so that
replicas under a ``tf.distribute`` strategy take the single-device step. Two things still differ
there: every replica draws the same Sampling noise (one seed state, as for Keras' Dropout), and
BatchNormalization (faces) uses each replica's own batch statistics.
"""

import numpy as np
import tensorflow as tf

import keras
from keras import layers, ops

from course_utils.kl import kl_closed_form

VARIANTS = ("conv32", "conv28", "dense")
RECONSTRUCTION_LOSSES = ("bce", "mse")


# --- Shared pieces ----------------------------------------------------------------------------


def _initializers(seed):
    """Yield kernel initializers: Keras' default, or ones seeded from `seed` (all chapters)."""
    rng = None if seed is None else np.random.default_rng(seed)
    while True:
        if rng is None:
            yield "glorot_uniform"
        else:
            yield keras.initializers.GlorotUniform(seed=int(rng.integers(2**31)))


def _decoder_seed(seed):
    """Return the seed of a decoder: its own stream, apart from the encoder's (all chapters)."""
    return None if seed is None else seed + 1


def _downsample(x, filters, init):
    """Halve height and width once per filter count with stride-2 ReLU convolutions (ch. 1, 3)."""
    for n in filters:
        # HxWxC -> H/2 x W/2 x n
        x = layers.Conv2D(n, 3, strides=2, padding="same", activation="relu",
                          kernel_initializer=next(init))(x)
    return x


def _upsample(x, filters, init):
    """Double height and width per filter count with stride-2 ReLU transposed convs (ch. 1, 3)."""
    for n in filters:
        # HxWxC -> 2H x 2W x n
        x = layers.Conv2DTranspose(n, 3, strides=2, padding="same", activation="relu",
                                   kernel_initializer=next(init))(x)
    return x


def _start_shape(output_shape, filters):
    """Return the decoder's first feature-map shape, (H/2^k, W/2^k, last filters) (chapter 1)."""
    height, width, _ = output_shape
    scale = 2 ** len(filters)
    if height % scale or width % scale:
        raise ValueError(f"output height and width must be multiples of 2**len(filters) = {scale} "
                         f"so the decoder mirrors the encoder; got {output_shape} with {filters}")
    return (height // scale, width // scale, filters[-1])


# --- Chapter 1: the plain autoencoders --------------------------------------------------------


def build_encoder(input_shape=(32, 32, 1), filters=(32, 64, 128), latent_dim=2, name="encoder",
                  seed=None):
    """Build the convolutional encoder: an image down to one latent point (chapter 1)."""
    init = _initializers(seed)
    images = keras.Input(shape=input_shape, name="image")
    x = _downsample(images, filters, init)                          # 32x32x1 -> 4x4x128
    x = layers.Flatten()(x)                                         # 4x4x128 -> 2048
    z = layers.Dense(latent_dim, kernel_initializer=next(init), name="embedding")(x)  # 2048 -> 2
    return keras.Model(images, z, name=name)


def build_decoder(latent_dim=2, output_shape=(32, 32, 1), filters=(32, 64, 128), name="decoder",
                  seed=None):
    """Build the convolutional decoder, the encoder's mirror: a latent point to an image (ch. 1)."""
    init = _initializers(seed)
    start = _start_shape(output_shape, filters)
    z = keras.Input(shape=(latent_dim,), name="z")
    # Linear, as in the classic network: the reshaped map is the first feature map.
    x = layers.Dense(int(np.prod(start)), kernel_initializer=next(init))(z)  # 2 -> 2048
    x = layers.Reshape(start)(x)                                    # 2048 -> 4x4x128
    x = _upsample(x, filters[::-1], init)                           # 4x4x128 -> 32x32x32
    images = layers.Conv2D(output_shape[-1], 3, padding="same", activation="sigmoid",
                           kernel_initializer=next(init), name="image")(x)  # -> 32x32x1
    return keras.Model(z, images, name=name)


def build_autoencoder(input_shape=(32, 32, 1), filters=(32, 64, 128), latent_dim=2, seed=None):
    """Return (autoencoder, encoder, decoder), uncompiled: chapter 1's convolutional autoencoder."""
    encoder = build_encoder(input_shape, filters, latent_dim, seed=seed)
    decoder = build_decoder(latent_dim, input_shape, filters, seed=_decoder_seed(seed))
    images = keras.Input(shape=input_shape, name="image")
    autoencoder = keras.Model(images, decoder(encoder(images)), name="autoencoder")
    return autoencoder, encoder, decoder


def build_dense_autoencoder(input_shape=(28, 28, 1), hidden=(128, 64), latent_dim=32, seed=None):
    """Return (autoencoder, encoder, decoder), uncompiled: the fully connected one (chapter 1)."""
    init = _initializers(seed)
    images = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(images)                                    # 28x28x1 -> 784
    for n in hidden:
        x = layers.Dense(n, activation="relu", kernel_initializer=next(init))(x)  # 784 -> 128 -> 64
    code = layers.Dense(latent_dim, activation="relu", kernel_initializer=next(init),
                        name="embedding")(x)                        # 64 -> 32
    encoder = keras.Model(images, code, name="encoder")

    init = _initializers(_decoder_seed(seed))
    z = keras.Input(shape=(latent_dim,), name="z")
    x = z
    for n in hidden[::-1]:
        x = layers.Dense(n, activation="relu", kernel_initializer=next(init))(x)  # 32 -> 64 -> 128
    x = layers.Dense(int(np.prod(input_shape)), activation="sigmoid",
                     kernel_initializer=next(init))(x)              # 128 -> 784
    decoded = layers.Reshape(input_shape, name="image")(x)          # 784 -> 28x28x1
    decoder = keras.Model(z, decoded, name="decoder")

    images = keras.Input(shape=input_shape, name="image")
    autoencoder = keras.Model(images, decoder(encoder(images)), name="autoencoder")
    return autoencoder, encoder, decoder


# --- Chapter 3: sampling and the VAE ----------------------------------------------------------


@keras.saving.register_keras_serializable(package="course_utils")
class Sampling(layers.Layer):
    """Draw z = z_mean + sigma * epsilon, the reparameterisation trick (chapter 3)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def reconstruction_loss(images, reconstructions, kind="bce"):
    """Return each image's reconstruction loss, BCE or squared error summed over pixels (ch. 3)."""
    images = ops.cast(images, reconstructions.dtype)
    if kind == "bce":
        per_pixel = ops.binary_crossentropy(images, reconstructions)
    elif kind == "mse":
        per_pixel = ops.square(images - reconstructions)
    else:
        raise ValueError(f"reconstruction must be one of {RECONSTRUCTION_LOSSES}; got {kind!r}")
    return ops.sum(per_pixel, axis=tuple(range(1, len(per_pixel.shape))))


def _images(data):
    """Return the images of a batch given as x, (x,), (x, y) or (x, y, weights) (chapter 3)."""
    images, _, _ = keras.utils.unpack_x_y_sample_weight(data)
    return images


def _global_batch_size(images):
    """Return the number of images in the step across all tf.distribute replicas (chapter 3)."""
    local = ops.cast(ops.shape(images)[0], "float32")
    context = tf.distribute.get_replica_context()
    # None in cross-replica context, e.g. a direct call under strategy.scope(): one batch only.
    return local if context is None else context.all_reduce("sum", local)


@keras.saving.register_keras_serializable(package="course_utils")
class VAE(keras.Model):
    """A variational autoencoder trained on reconstruction + beta * KL (chapters 3 to 6).

    ``encoder`` maps images to ``[z_mean, z_log_var, z]``, ``decoder`` maps z to images. Calling
    the model decodes z_mean, so ``predict`` is deterministic. ``fit`` logs ``total_loss``,
    ``reconstruction_loss`` and ``kl_loss`` (with ``val_`` versions on validation data): per-image
    means, the reconstruction summed over pixels and the KL over latent dimensions.
    """

    def __init__(self, encoder, decoder, beta=1.0, reconstruction="bce", **kwargs):
        if reconstruction not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"reconstruction must be one of {RECONSTRUCTION_LOSSES}; "
                             f"got {reconstruction!r}")
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)
        self.reconstruction = reconstruction
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")
        # Built already: its weights are the functional encoder's and decoder's.
        self.built = True

    @property
    def metrics(self):
        # Listed here so Keras resets them at the start of every epoch and evaluation.
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def call(self, images, training=False):
        z_mean, _, _ = self.encoder(images, training=training)
        return self.decoder(z_mean, training=training)

    def per_image_losses(self, images, training=False):
        """Return (reconstruction, kl, total) losses, one of each per image (chapters 3 and 4)."""
        z_mean, z_log_var, z = self.encoder(images, training=training)
        reconstructions = self.decoder(z, training=training)
        rec = reconstruction_loss(images, reconstructions, self.reconstruction)
        kl = kl_closed_form(z_mean, z_log_var)
        return rec, kl, rec + self.beta * kl

    def train_step(self, data):
        images = _images(data)
        with tf.GradientTape() as tape:
            rec, kl, total = self.per_image_losses(images, training=True)
            # Replicas' gradients are summed, so each divides by the global batch size: the sum
            # is then the gradient of the batch mean, the same as on one device.
            loss = ops.sum(total) / _global_batch_size(images)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self._track(rec, kl, total)

    def test_step(self, data):
        return self._track(*self.per_image_losses(_images(data)))

    def _track(self, rec, kl, total):
        """Add per-image losses to the running means and return them as logs (chapter 3)."""
        self.reconstruction_loss_tracker.update_state(rec)
        self.kl_loss_tracker.update_state(kl)
        self.total_loss_tracker.update_state(total)
        return {metric.name: metric.result() for metric in self.metrics}

    def get_config(self):
        return {
            **super().get_config(),
            "encoder": keras.saving.serialize_keras_object(self.encoder),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "beta": self.beta,
            "reconstruction": self.reconstruction,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


def _gaussian_encoder(images, features, latent_dim, init, seed):
    """Finish a VAE encoder: Dense heads z_mean and z_log_var, then a sampled z (chapter 3)."""
    z_mean = layers.Dense(latent_dim, kernel_initializer=next(init), name="z_mean")(features)
    z_log_var = layers.Dense(latent_dim, kernel_initializer=next(init), name="z_log_var")(features)
    z = Sampling(seed=seed, name="z")([z_mean, z_log_var])
    return keras.Model(images, [z_mean, z_log_var, z], name="encoder")


def _conv32_parts(latent_dim, seed):
    """Return chapter 3's encoder and decoder for 32x32x1 images: chapter 1's convolutions."""
    init = _initializers(seed)
    images = keras.Input(shape=(32, 32, 1), name="image")
    x = _downsample(images, (32, 64, 128), init)                    # 32x32x1 -> 4x4x128
    x = layers.Flatten()(x)                                         # 4x4x128 -> 2048
    encoder = _gaussian_encoder(images, x, latent_dim, init, seed)  # 2048 -> 2 (+2, z)
    decoder = build_decoder(latent_dim, (32, 32, 1), (32, 64, 128), seed=_decoder_seed(seed))
    return encoder, decoder


def _conv28_parts(latent_dim, seed):
    """Return the encoder and decoder of the MNIST-sized convolutional VAE (chapter 3)."""
    init = _initializers(seed)
    images = keras.Input(shape=(28, 28, 1), name="image")
    x = _downsample(images, (32, 64), init)                         # 28x28x1 -> 7x7x64
    x = layers.Flatten()(x)                                         # 7x7x64 -> 3136
    encoder = _gaussian_encoder(images, x, latent_dim, init, seed)  # 3136 -> 2 (+2, z)

    init = _initializers(_decoder_seed(seed))
    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(7 * 7 * 64, activation="relu", kernel_initializer=next(init))(z)  # 2 -> 3136
    x = layers.Reshape((7, 7, 64))(x)                               # 3136 -> 7x7x64
    x = _upsample(x, (64, 32), init)                                # 7x7x64 -> 28x28x32
    decoded = layers.Conv2D(1, 3, padding="same", activation="sigmoid",
                            kernel_initializer=next(init), name="image")(x)  # -> 28x28x1
    return encoder, keras.Model(z, decoded, name="decoder")


def _dense_parts(latent_dim, seed):
    """Return the encoder and decoder of the fully connected 28x28 VAE (chapter 3)."""
    init = _initializers(seed)
    images = keras.Input(shape=(28, 28, 1), name="image")
    x = layers.Flatten()(images)                                    # 28x28x1 -> 784
    x = layers.Dense(256, activation="relu", kernel_initializer=next(init))(x)  # 784 -> 256
    encoder = _gaussian_encoder(images, x, latent_dim, init, seed)  # 256 -> 2 (+2, z)

    init = _initializers(_decoder_seed(seed))
    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(256, activation="relu", kernel_initializer=next(init))(z)  # 2 -> 256
    x = layers.Dense(784, activation="sigmoid", kernel_initializer=next(init))(x)  # 256 -> 784
    decoded = layers.Reshape((28, 28, 1), name="image")(x)          # 784 -> 28x28x1
    return encoder, keras.Model(z, decoded, name="decoder")


_VARIANT_PARTS = {"conv32": _conv32_parts, "conv28": _conv28_parts, "dense": _dense_parts}


def build_vae(variant="conv32", latent_dim=2, beta=1.0, reconstruction="bce", seed=None):
    """Build an uncompiled VAE: "conv32" (32x32x1), "conv28" or "dense" (28x28x1) (chapter 3)."""
    if variant not in _VARIANT_PARTS:
        raise ValueError(f"variant must be one of {VARIANTS}; got {variant!r}")
    encoder, decoder = _VARIANT_PARTS[variant](latent_dim, seed)
    return VAE(encoder, decoder, beta=beta, reconstruction=reconstruction, name=f"vae_{variant}")


# --- Chapter 5: the faces VAE -----------------------------------------------------------------


def _normalised(x):
    """Follow a layer with BatchNormalization and LeakyReLU, the faces blocks (chapter 5)."""
    return layers.LeakyReLU()(layers.BatchNormalization()(x))


def build_faces_vae(latent_dim=200, beta=6.0, filters=(32, 64, 64, 64), seed=None,
                    reconstruction="mse"):
    """Build the uncompiled VAE on 64x64x3 faces (chapters 5 and 6).

    The defaults follow the classic faces VAE, whose loss is 2000 x the per-pixel mean squared
    error + KL: as a sum over 64*64*3 pixels that is squared error + 6 x KL.
    """
    init = _initializers(seed)
    images = keras.Input(shape=(64, 64, 3), name="image")
    x = images
    for n in filters:
        # HxWxC -> H/2 x W/2 x n: 64x64x3 -> 32x32x32 -> 16x16x64 -> 8x8x64 -> 4x4x64
        x = _normalised(layers.Conv2D(n, 3, strides=2, padding="same",
                                      kernel_initializer=next(init))(x))
    start = tuple(x.shape[1:])
    x = layers.Flatten()(x)                                         # 4x4x64 -> 1024
    encoder = _gaussian_encoder(images, x, latent_dim, init, seed)  # 1024 -> 200 (+200, z)

    init = _initializers(_decoder_seed(seed))
    z = keras.Input(shape=(latent_dim,), name="z")
    x = _normalised(layers.Dense(int(np.prod(start)), kernel_initializer=next(init))(z))  # -> 1024
    x = layers.Reshape(start)(x)                                    # 1024 -> 4x4x64
    for n in filters[::-1]:
        # HxWxC -> 2H x 2W x n: 4x4x64 -> 8x8x64 -> 16x16x64 -> 32x32x64 -> 64x64x32
        x = _normalised(layers.Conv2DTranspose(n, 3, strides=2, padding="same",
                                               kernel_initializer=next(init))(x))
    decoded = layers.Conv2D(3, 3, padding="same", activation="sigmoid",
                            kernel_initializer=next(init), name="image")(x)  # -> 64x64x3
    decoder = keras.Model(z, decoded, name="decoder")
    return VAE(encoder, decoder, beta=beta, reconstruction=reconstruction, name="vae_faces")
