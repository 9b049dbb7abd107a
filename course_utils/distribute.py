"""Training on several devices: the strategy, and a VAE step that stays exact across replicas.

``tf.distribute.MirroredStrategy`` splits every batch between GPUs and sums their gradients: a
``train_step`` taking the mean loss of its share would step ``replicas`` times too far. Dividing
each replica's summed loss by the global batch size gives the one-device step exactly, also
when a last batch splits unevenly (4 + 3 images). The chapters' models know nothing of this.
"""

import keras
import tensorflow as tf
from keras import ops

from course_utils import models


def strategy(devices=None):
    """Return a MirroredStrategy over the given devices or several GPUs, else the default one."""
    if devices is not None:
        return tf.distribute.MirroredStrategy(devices)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def global_batch_size(images):
    """Return the number of images in this step across all replicas."""
    local = ops.cast(ops.shape(images)[0], "float32")
    context = tf.distribute.get_replica_context()
    # None in cross-replica context, e.g. a direct call under strategy.scope(): one batch only.
    return local if context is None else context.all_reduce("sum", local)


class _ReplicaExactStep:
    """A VAE train_step whose gradients, summed over replicas, are those of the global mean."""

    def train_step(self, images):
        with tf.GradientTape() as tape:
            reconstruction, kl, total = self.per_image_losses(images, training=True)
            loss = ops.sum(total) / global_batch_size(images)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self.track(reconstruction, kl, total)


@keras.saving.register_keras_serializable(package="course_utils")
class MirroredVAE(_ReplicaExactStep, models.VAE):
    """models.VAE with a train_step that is exact under tf.distribute."""


@keras.saving.register_keras_serializable(package="course_utils")
class MirroredGaussianVAE(_ReplicaExactStep, models.GaussianVAE):
    """models.GaussianVAE with a train_step that is exact under tf.distribute."""


_MIRRORED = {models.VAE: MirroredVAE, models.GaussianVAE: MirroredGaussianVAE}


def for_replicas(vae, replicas):
    """Return vae itself on one replica, else a mirrored VAE with the same networks and beta."""
    if replicas == 1:
        return vae
    mirrored = _MIRRORED[type(vae)]
    return mirrored(vae.encoder, vae.decoder, beta=vae.beta, name=vae.name)
