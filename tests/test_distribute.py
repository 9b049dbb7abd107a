"""course_utils.trained's VAE under tf.distribute: two CPU replicas train exactly like one device.

Two steps: a batch of 8 split 4 + 4, then the last 7 images split 4 + 3, where dividing each
replica's mean loss by the number of replicas would already be wrong.

TensorFlow fixes its logical devices when it initialises, so the run happens in a fresh
interpreter that splits the CPU in two first.
"""

import subprocess
import sys
import textwrap

import numpy as np

SCRIPT = textwrap.dedent("""
    import sys

    from course_utils import _quiet
    _quiet.import_tensorflow_quietly()
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    import keras
    from course_utils import distribute, models

    images = np.random.default_rng(0).random((15, 28, 28, 1)).astype("float32")


    def train_one_epoch(strategy, exact=True):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            vae = models.build_dense_vae(latent_dim=2)
            if exact:  # what course_utils.trained trains: the VAE made exact across replicas
                vae = distribute.for_replicas(vae, strategy.num_replicas_in_sync)
            # Every replica draws the noise one device draws for the first images of a batch, so
            # the noise differs for the rest; a variance of e^-40 puts it far below float32
            # resolution, and what is compared is the loss scaling alone.
            vae.encoder.get_layer("z_log_var").bias.assign(np.full(2, -40.0, "float32"))
            # SGD, not Adam: Adam's first step has the same size whatever the gradient's scale; a
            # fairly large rate keeps the updates well above the weights' float32 rounding.
            vae.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
        before = [w.numpy() for w in vae.trainable_weights]
        history = vae.fit(images, batch_size=8, epochs=1, shuffle=False, verbose=0).history
        updates = [w.numpy() - b for w, b in zip(vae.trainable_weights, before)]
        losses = [history[k][0] for k in ("total_loss", "reconstruction_loss", "kl_loss")]
        return strategy.num_replicas_in_sync, losses, updates


    replicas_1, losses_1, updates_1 = train_one_epoch(tf.distribute.get_strategy())
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    replicas_2, losses_2, updates_2 = train_one_epoch(mirrored)
    _, _, updates_plain = train_one_epoch(mirrored, exact=False)
    np.savez(sys.argv[1], replicas=[replicas_1, replicas_2], losses_1=losses_1,
             losses_2=losses_2, **{f"update_1_{i}": u for i, u in enumerate(updates_1)},
             **{f"update_2_{i}": u for i, u in enumerate(updates_2)},
             **{f"update_plain_{i}": u for i, u in enumerate(updates_plain)})
""")


def test_two_replicas_give_the_single_device_losses_and_updates(tmp_path):
    out = tmp_path / "result.npz"
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(out)], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = np.load(out)
    assert list(result["replicas"]) == [1, 2]
    # Two replicas sum over half batches: float32 rounding differs, a wrong scale would not.
    np.testing.assert_allclose(result["losses_2"], result["losses_1"], rtol=1e-4)
    n = sum(name.startswith("update_1_") for name in result.files)
    assert n == 10  # kernel and bias of 3 Dense layers in the encoder, 2 in the decoder
    for i in range(n):
        single, mirrored = result[f"update_1_{i}"], result[f"update_2_{i}"]
        assert np.abs(single).max() > 0
        # A wrong loss scale would make the mirrored update twice the single one.
        np.testing.assert_allclose(mirrored, single, rtol=1e-4,
                                   atol=1e-5 * np.abs(single).max())
    # The chapters' plain VAE, mirrored as it is, steps about twice as far: why trained.py
    # swaps in distribute's replica-exact train_step.
    plain = sum(np.abs(result[f"update_plain_{i}"]).sum() for i in range(n))
    exact = sum(np.abs(result[f"update_2_{i}"]).sum() for i in range(n))
    assert plain > 1.5 * exact
