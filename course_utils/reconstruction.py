"""How good a reconstruction is (chapter 7), and the noise a denoising autoencoder removes."""

import numpy as np


def psnr(clean, restored):
    """Return each image's peak signal-to-noise ratio in dB, for pixels in [0, 1]."""
    clean, restored = np.asarray(clean, np.float64), np.asarray(restored, np.float64)
    if clean.shape != restored.shape:
        raise ValueError(f"clean {clean.shape} and restored {restored.shape} differ in shape.")
    mse = np.mean((clean - restored) ** 2, axis=tuple(range(1, clean.ndim)))
    return 10 * np.log10(1.0 / np.maximum(mse, 1e-12))  # the peak value is 1


def add_noise(images, std, seed=0):
    """Return images plus Gaussian noise of standard deviation std (not clipped), seeded."""
    noise = np.random.default_rng(seed).normal(0.0, std, np.shape(images))
    return (np.asarray(images) + noise).astype("float32")


def mse(clean, restored):
    """Return the mean squared error per pixel over all images."""
    return float(np.mean((np.asarray(clean, np.float64) - np.asarray(restored, np.float64)) ** 2))


def mse_per_image(clean, restored):
    """Return each image's mean squared error per pixel: one number per image, for comparisons."""
    clean, restored = np.asarray(clean, np.float64), np.asarray(restored, np.float64)
    if clean.shape != restored.shape:
        raise ValueError(f"clean {clean.shape} and restored {restored.shape} differ in shape.")
    return ((clean - restored) ** 2).reshape(len(clean), -1).mean(axis=1)
