"""The course's networks, as the chapters write them: autoencoders, the VAE, the faces VAE.

Each chapter writes its model in its own cells first (chapter 1 the autoencoder, chapter 3 the
VAE, chapter 5 the faces VAE); these are the same networks, for the chapters that reuse them, and
tests check that a chapter's model and this module's are the same. Builders take no seed: call
``keras.utils.set_random_seed`` first, and two builds start from identical weights.
"""

import math

import keras
import tensorflow as tf
from keras import layers, ops

from course_utils.kl import kl_closed_form

# --- Chapter 1: the autoencoders ----------------------------------------------------------------


def conv_output_shape(height, width, filters):
    """Return the (height, width, channels) output of Conv2D(filters, 3, strides=2, "same")."""
    # "same" padding starts the kernel at every second pixel, the last one included.
    return (math.ceil(height / 2), math.ceil(width / 2), filters)


def build_encoder(latent_dim=2, input_shape=(32, 32, 1), filters=(32, 64, 128)):
    """Build the convolutional encoder: an image down to one point of latent_dim numbers."""
    images = keras.Input(shape=input_shape, name="image")
    x = images
    for n in filters:  # each halves height and width: 32x32x1 -> 16x16x32 -> 8x8x64 -> 4x4x128
        x = layers.Conv2D(n, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)  # 4x4x128 -> 2048
    z = layers.Dense(latent_dim, name="embedding")(x)  # 2048 -> 2
    return keras.Model(images, z, name="encoder")


def build_decoder(latent_dim=2, output_shape=(32, 32, 1), filters=(32, 64, 128)):
    """Build the convolutional decoder, the encoder's mirror: a point back to an image."""
    height, width, channels = output_shape
    scale = 2 ** len(filters)  # the encoder halved the image once per filter count
    if height % scale or width % scale:
        raise ValueError(f"output height and width must be multiples of 2**len(filters) = "
                         f"{scale} so the decoder mirrors the encoder; got {output_shape}.")
    start = (height // scale, width // scale, filters[-1])
    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(start[0] * start[1] * start[2])(z)  # 2 -> 2048
    x = layers.Reshape(start)(x)  # 2048 -> 4x4x128
    for n in reversed(filters):  # each doubles: 4x4x128 -> 8x8x128 -> 16x16x64 -> 32x32x32
        x = layers.Conv2DTranspose(n, 3, strides=2, padding="same", activation="relu")(x)
    images = layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="image")(x)
    return keras.Model(z, images, name="decoder")  # 32x32x32 -> 32x32x1


def build_autoencoder(latent_dim=2, input_shape=(32, 32, 1), filters=(32, 64, 128)):
    """Return (autoencoder, encoder, decoder), uncompiled: chapter 1's convolutional one."""
    encoder = build_encoder(latent_dim, input_shape, filters)
    decoder = build_decoder(latent_dim, input_shape, filters)
    images = keras.Input(shape=input_shape, name="image")
    autoencoder = keras.Model(images, decoder(encoder(images)), name="autoencoder")
    return autoencoder, encoder, decoder


def build_dense_autoencoder(latent_dim=32, input_shape=(28, 28, 1), hidden=(128, 64)):
    """Return (autoencoder, encoder, decoder), uncompiled: chapter 1's fully connected one."""
    images = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(images)  # 28x28x1 -> 784
    for n in hidden:  # 784 -> 128 -> 64
        x = layers.Dense(n, activation="relu")(x)
    code = layers.Dense(latent_dim, activation="relu", name="embedding")(x)  # 64 -> 32
    encoder = keras.Model(images, code, name="encoder")

    z = keras.Input(shape=(latent_dim,), name="z")
    x = z
    for n in reversed(hidden):  # 32 -> 64 -> 128
        x = layers.Dense(n, activation="relu")(x)
    x = layers.Dense(math.prod(input_shape), activation="sigmoid")(x)  # 128 -> 784
    decoded = layers.Reshape(input_shape, name="image")(x)  # 784 -> 28x28x1
    decoder = keras.Model(z, decoded, name="decoder")

    autoencoder = keras.Model(images, decoder(encoder(images)), name="autoencoder")
    return autoencoder, encoder, decoder


# --- Chapter 3: sampling and the VAE ------------------------------------------------------------


@keras.saving.register_keras_serializable(package="course_utils")
class Sampling(layers.Layer):
    """Draw z = z_mean + sigma * epsilon from [z_mean, z_log_var]: the reparameterisation."""

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

    # Keras saves a layer's weights, not its noise generator's state: save that too, so a
    # reloaded model draws the same noise as the one that was saved.
    def save_own_variables(self, store):
        store["seed_state"] = self.seed_generator.state

    def load_own_variables(self, store):
        self.seed_generator.state.assign(store["seed_state"])


def build_vae_encoder(latent_dim=2, input_shape=(32, 32, 1), filters=(32, 64, 128)):
    """Build the VAE's encoder: an image to [z_mean, z_log_var] and a draw z from them."""
    images = keras.Input(shape=input_shape, name="image")
    x = images
    for n in filters:  # chapter 1's convolutions: 32x32x1 -> 16x16x32 -> 8x8x64 -> 4x4x128
        x = layers.Conv2D(n, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)  # 4x4x128 -> 2048
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)  # the centre of the cloud, mu
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)  # its log-variance, log sigma^2
    z = Sampling(name="z")([z_mean, z_log_var])  # one draw from the cloud
    return keras.Model(images, [z_mean, z_log_var, z], name="encoder")


@keras.saving.register_keras_serializable(package="course_utils")
class VAE(keras.Model):
    """A variational autoencoder, trained on reconstruction + beta * KL, per image."""

    def __init__(self, encoder, decoder, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = beta
        self.total_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):  # listed, so that Keras resets them at every epoch
        return [self.total_tracker, self.reconstruction_tracker, self.kl_tracker]

    def call(self, images, training=False):  # a reconstruction: decode the centre z_mean
        z_mean, _, _ = self.encoder(images, training=training)
        return self.decoder(z_mean, training=training)

    def reconstruction_loss(self, images, reconstructions):
        """Return each image's binary cross-entropy, summed over its pixels."""
        return ops.sum(ops.binary_crossentropy(images, reconstructions), axis=(1, 2, 3))

    def per_image_losses(self, images, training=False):
        """Return the reconstruction, KL and total loss of every image of a batch."""
        z_mean, z_log_var, z = self.encoder(images, training=training)
        reconstructions = self.decoder(z, training=training)
        reconstruction = self.reconstruction_loss(images, reconstructions)
        kl = kl_closed_form(z_mean, z_log_var)
        total = reconstruction + self.beta * kl
        return reconstruction, kl, total

    def train_step(self, images):
        with tf.GradientTape() as tape:
            reconstruction, kl, total = self.per_image_losses(images, training=True)
            loss = ops.mean(total)  # the batch mean
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self.track(reconstruction, kl, total)

    def test_step(self, images):
        return self.track(*self.per_image_losses(images))

    def track(self, reconstruction, kl, total):
        """Add a batch's losses to the running means; return the means."""
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        self.total_tracker.update_state(total)
        return {metric.name: metric.result() for metric in self.metrics}

    def get_config(self):
        return {**super().get_config(), "beta": self.beta,
                "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder)}

    @classmethod
    def from_config(cls, config):
        encoder = keras.saving.deserialize_keras_object(config.pop("encoder"))
        decoder = keras.saving.deserialize_keras_object(config.pop("decoder"))
        return cls(encoder, decoder, **config)


def build_vae(latent_dim=2, beta=1.0, input_shape=(32, 32, 1), filters=(32, 64, 128)):
    """Build chapter 3's uncompiled convolutional VAE; the decoder is chapter 1's."""
    encoder = build_vae_encoder(latent_dim, input_shape, filters)
    decoder = build_decoder(latent_dim, input_shape, filters)
    return VAE(encoder, decoder, beta=beta, name="vae")


def build_dense_vae(latent_dim=2, beta=1.0, input_shape=(28, 28, 1), hidden=256):
    """Build chapter 3's uncompiled fully connected VAE: 784-256-2 and back."""
    images = keras.Input(shape=input_shape, name="image")
    x = layers.Flatten()(images)  # 28x28x1 -> 784
    x = layers.Dense(hidden, activation="relu")(x)  # 784 -> 256
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)  # 256 -> 2
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling(name="z")([z_mean, z_log_var])
    encoder = keras.Model(images, [z_mean, z_log_var, z], name="encoder")

    z_in = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(hidden, activation="relu")(z_in)  # 2 -> 256
    x = layers.Dense(math.prod(input_shape), activation="sigmoid")(x)  # 256 -> 784
    decoder = keras.Model(z_in, layers.Reshape(input_shape, name="image")(x), name="decoder")
    return VAE(encoder, decoder, beta=beta, name="dense_vae")


# --- Chapter 5: the faces VAE -------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="course_utils")
class GaussianVAE(VAE):
    """A VAE whose decoder is Gaussian: the reconstruction loss is the summed squared error."""

    def reconstruction_loss(self, images, reconstructions):
        """Return each image's squared error, summed over its pixels and colours."""
        return ops.sum(ops.square(images - reconstructions), axis=(1, 2, 3))


def build_faces_vae(latent_dim=200, beta=0.2, filters=(32, 64, 64, 64)):
    """Build chapter 5's uncompiled VAE on 64x64x3 faces, with batch normalisation."""
    images = keras.Input(shape=(64, 64, 3), name="image")
    x = images
    for n in filters:  # each halves: 64x64x3 -> 32x32x32 -> 16x16x64 -> 8x8x64 -> 4x4x64
        x = layers.Conv2D(n, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU()(x)
    x = layers.Flatten()(x)  # 4x4x64 -> 1024
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)  # 1024 -> 200
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling(name="z")([z_mean, z_log_var])
    encoder = keras.Model(images, [z_mean, z_log_var, z], name="encoder")

    z_in = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(4 * 4 * filters[-1])(z_in)  # 200 -> 1024
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU()(x)
    x = layers.Reshape((4, 4, filters[-1]))(x)  # 1024 -> 4x4x64
    for n in reversed(filters):  # each doubles: 4x4x64 -> 8x8x64 -> ... -> 64x64x32
        x = layers.Conv2DTranspose(n, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU()(x)
    decoded = layers.Conv2D(3, 3, padding="same", activation="sigmoid", name="image")(x)
    decoder = keras.Model(z_in, decoded, name="decoder")  # 64x64x32 -> 64x64x3
    return GaussianVAE(encoder, decoder, beta=beta, name="faces_vae")


# --- Chapter 6: the attribute classifier --------------------------------------------------------


def build_attribute_classifier(n_attributes, filters=(32, 64, 64, 64)):
    """Build a small CNN: a 64x64x3 face to one logit per attribute."""
    images = keras.Input(shape=(64, 64, 3), name="image")
    # A first convolution at full resolution: a smile is a few pixels at the mouth's corners.
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(images)  # 64x64x3 -> 64x64x16
    for n in filters:  # each halves: 64x64x16 -> 32x32x32 -> 16x16x64 -> 8x8x64 -> 4x4x64
        x = layers.Conv2D(n, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)  # 4x4x64 -> 1024
    x = layers.Dense(64, activation="relu", name="features")(x)  # 1024 -> 64
    # Logits: several attributes can be true at once, so one sigmoid each, not a softmax.
    logits = layers.Dense(n_attributes, name="logits")(x)  # 64 -> n_attributes
    return keras.Model(images, logits, name="attribute_classifier")
