"""Working in a latent space: encode, grids of points, decode, sample, attribute vectors.

Grids are arrays of shape (n, n, latent_dim) laid out like a plot: columns move along the
first grid dimension (the x axis) from low to high, rows along the second (the y axis) from
high at the top to low at the bottom.
"""

import numpy as np
from keras import ops
from scipy.stats import norm


def encode(encoder, x, batch_size=256, draw=False):
    """Return the codes of x: an autoencoder's embedding, or a VAE's z_mean (draw: its z).

    With ``draw``, one z from q(z | x) per image: over many images they follow the aggregate
    posterior, which sampling the prior must match.
    """
    if len(x) == 0:
        raise ValueError("encode got no examples: x is empty.")
    codes = []
    for start in range(0, len(x), batch_size):
        out = encoder(np.asarray(x[start:start + batch_size]), training=False)
        if isinstance(out, (list, tuple)):  # a VAE's [z_mean, z_log_var, z]
            out = out[2 if draw else 0]
        elif draw:
            raise ValueError("draw=True needs a VAE encoder, which returns [z_mean, z_log_var, "
                             "z]; this encoder returns one code per image.")
        codes.append(ops.convert_to_numpy(out))
    return np.concatenate(codes)


def encode_dataset(encoder, dataset):
    """Return the codes (z_mean) and labels of a batched (images, labels) dataset, streamed."""
    codes, labels = [], []
    for images, batch_labels in dataset:
        codes.append(encode(encoder, images, batch_size=len(images)))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(codes), np.concatenate(labels)


def normal_grid(n=15, latent_dim=2, dims=(0, 1)):
    """Return an (n, n, latent_dim) grid at the Normal quantiles of (i + 0.5) / n along dims."""
    values = norm.ppf(np.linspace(0.5 / n, 1 - 0.5 / n, n))
    return _grid(values, values, np.zeros(latent_dim), dims)


def box_grid(low, high, n=15, dims=(0, 1)):
    """Return an (n, n, d) grid over the box [low, high] along dims; other dims at its centre."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if low.shape != high.shape or low.ndim != 1:
        raise ValueError(f"low and high must be two vectors of one shape; got {low.shape} and "
                         f"{high.shape}.")
    x_values = np.linspace(low[dims[0]], high[dims[0]], n)
    y_values = np.linspace(low[dims[1]], high[dims[1]], n)
    return _grid(x_values, y_values, (low + high) / 2, dims)


def _grid(x_values, y_values, base, dims):
    """Place x_values along columns and y_values (high at the top) along rows around base."""
    points = np.tile(base, (len(y_values), len(x_values), 1)).astype("float32")
    points[:, :, dims[0]] = x_values[None, :]
    points[:, :, dims[1]] = y_values[::-1, None]
    return points


def decode(decoder, points, batch_size=2048):
    """Decode an (..., d) array of latent points in batched calls to (..., H, W, C).

    Batched, never one call per point: a per-point ``predict`` pays Keras's set-up cost each
    time (benchmarks/latent_grid.py); ``batch_size`` bounds the decoder's activations' memory.
    """
    points = np.asarray(points, dtype="float32")
    flat = points.reshape(-1, points.shape[-1])
    images = np.concatenate([ops.convert_to_numpy(decoder(flat[i:i + batch_size], training=False))
                             for i in range(0, max(len(flat), 1), batch_size)])
    return images.reshape(points.shape[:-1] + images.shape[1:])


def sample_prior(decoder, n, seed=0):
    """Return n images decoded from points drawn from the prior N(0, I), in one batched call."""
    z = np.random.default_rng(seed).standard_normal((n, decoder.input_shape[-1]))
    return decode(decoder, z.astype("float32"))


def attribute_vector(z_mean, labels):
    """Return the mean code with an attribute minus the mean without; labels bool, 0/1 or +1/-1."""
    z_mean, labels = np.asarray(z_mean), np.asarray(labels)
    if z_mean.ndim != 2 or labels.shape != z_mean.shape[:1]:
        raise ValueError(f"Need codes of shape (n, d) and labels of shape (n,); got "
                         f"{z_mean.shape} and {labels.shape}.")
    values = set(np.unique(labels).tolist())
    if labels.dtype != bool and not (values <= {0, 1} or values <= {-1, 1}):
        raise ValueError(f"Labels must be True/False, 0/1 or -1/+1; got values {sorted(values)}.")
    has = labels if labels.dtype == bool else labels > 0
    if not has.any():
        raise ValueError(f"No positive example among {len(labels)} labels: the attribute "
                         "vector needs examples with the attribute (label 1, +1 or True).")
    if has.all():
        raise ValueError(f"No negative example among {len(labels)} labels: the attribute "
                         "vector needs examples without the attribute (label 0, -1 or False).")
    return z_mean[has].mean(axis=0) - z_mean[~has].mean(axis=0)


def project_out(v, u):
    """Return v without its component along u: v - (v.u / u.u) u."""
    v, u = np.asarray(v, dtype=np.float64), np.asarray(u, dtype=np.float64)
    return (v - (v @ u) / (u @ u) * u).astype(np.float32)


def add_vector(z, vector, strengths):
    """Return z + s * vector for each strength s, shape (len(strengths),) + z.shape."""
    z, vector = np.asarray(z, dtype="float32"), np.asarray(vector, dtype="float32")
    s = np.asarray(strengths, dtype="float32").reshape((-1,) + (1,) * z.ndim)
    return z[None] + s * vector


def interpolate(z_a, z_b, steps=8):
    """Return steps points on the line from z_a to z_b, both ends included."""
    t = _fractions(steps, np.ndim(z_a))
    z_a, z_b = np.asarray(z_a, dtype="float32"), np.asarray(z_b, dtype="float32")
    return (1 - t) * z_a + t * z_b


def slerp(z_a, z_b, steps=8):
    """Return steps points on the great circle from z_a to z_b, ends included.

    Under a Normal prior most mass lies near a sphere: slerp stays near it where a straight
    line cuts through the low-norm middle. (Nearly) parallel vectors get a line.
    """
    z_a, z_b = np.asarray(z_a, dtype="float64"), np.asarray(z_b, dtype="float64")
    if z_a.ndim != 1 or z_a.shape != z_b.shape:
        raise ValueError(f"slerp needs two vectors of one shape; got {z_a.shape} and {z_b.shape}.")
    norms = np.linalg.norm(z_a) * np.linalg.norm(z_b)
    angle = np.arccos(np.clip(z_a @ z_b / norms, -1, 1)) if norms > 0 else 0.0
    if np.sin(angle) < 1e-6:
        return interpolate(z_a, z_b, steps)
    t = _fractions(steps, 1)
    mix = (np.sin((1 - t) * angle) * z_a + np.sin(t * angle) * z_b) / np.sin(angle)
    return mix.astype("float32")


def _fractions(steps, ndim):
    """Return steps evenly spaced fractions in [0, 1], shaped to broadcast against ndim axes."""
    if steps < 2:
        raise ValueError(f"steps must be at least 2 to include both ends; got {steps}.")
    return np.linspace(0, 1, steps, dtype="float32").reshape((-1,) + (1,) * ndim)


def sample_uniform_box(z, n, seed=0):
    """Return n points drawn uniformly from the bounding box of embeddings z."""
    z = np.asarray(z)
    rng = np.random.default_rng(seed)
    return rng.uniform(z.min(axis=0), z.max(axis=0), size=(n, z.shape[1])).astype("float32")
