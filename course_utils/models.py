"""The course's networks: those the chapters write, and the builders that put them together.

Chapter 1 writes the autoencoders, chapter 3 the Sampling layer and the VAE, chapter 5 the faces
VAE, each in its own cells; ``make editions`` copies those cells into :mod:`course_utils.taught`,
which this module re-exports for the chapters that reuse them. Builders take no seed: call
``keras.utils.set_random_seed`` first, and two builds start from identical weights.
"""

import math

import keras
from keras import layers

from course_utils.taught import (  # noqa: F401  the chapters' code, re-exported
    VAE,
    GaussianVAE,
    Sampling,
    build_decoder,
    build_dense_autoencoder,
    build_encoder,
    build_faces_vae,
    build_vae_encoder,
    conv_output_shape,
)


def build_autoencoder(latent_dim=2, input_shape=(32, 32, 1), filters=(32, 64, 128)):
    """Return (autoencoder, encoder, decoder), uncompiled: chapter 1's convolutional one."""
    encoder = build_encoder(latent_dim, input_shape, filters)
    decoder = build_decoder(latent_dim, input_shape, filters)
    images = keras.Input(shape=input_shape, name="image")
    autoencoder = keras.Model(images, decoder(encoder(images)), name="autoencoder")
    return autoencoder, encoder, decoder


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
