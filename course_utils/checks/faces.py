"""Checks for the faces chapters: KL per dimension, sampling faces, attribute vectors (ch. 5, 6).

Where no module of the course holds the reference answer, it is defined here
(``kl_per_dimension``, ``sample_faces``); the chapters use it when an answer does not pass.
"""

import numpy as np

from course_utils import attributes, latent
from course_utils.checks.core import _run_check, _Hint, _call, _need_callable, _as_numbers, _show

# ---------------------------------------------------------------------------------------------
# Chapter 5: which latent dimensions carry information.


def kl_per_dimension(z_mean, z_log_var):
    """Return each latent dimension's KL from N(0, 1), averaged over the faces (chapter 5)."""
    z_mean, z_log_var = np.asarray(z_mean, np.float64), np.asarray(z_log_var, np.float64)
    return np.mean(-0.5 * (1.0 + z_log_var - z_mean**2 - np.exp(z_log_var)), axis=0)


def check_kl_per_dimension(fn):
    """Check kl_per_dimension(z_mean, z_log_var): shape (d,), the batch mean per dim (ch. 5)."""
    success = ("one KL value per latent dimension, averaged over the faces, on 3 batches "
               "including one where q is the prior (KL = 0).")
    return _run_check("kl_per_dimension", _verify_kl_per_dimension, fn, kl_per_dimension, success)


def _kl_dimension_cases():
    """Return (z_mean, z_log_var) float32 batches of shape (n, d), n != d."""
    rng = np.random.default_rng(5)
    cases = [(rng.normal(size=(12, 5)), rng.uniform(-2.5, 1.0, size=(12, 5))),
             (np.zeros((4, 3)), np.zeros((4, 3))),  # q is the prior: every dimension 0
             (2.0 * rng.normal(size=(3, 7)), rng.uniform(-4.0, 0.5, size=(3, 7)))]
    return [(m.astype("float32"), v.astype("float32")) for m, v in cases]


def _kl_terms(m, lv):
    """Return the KL of every face and dimension, shape (n, d)."""
    return -0.5 * (1.0 + lv - m**2 - np.exp(lv))


# Wrong answers students write, as (what it computes, hint); checked in this order.
_KL_DIMENSION_MISTAKES = [
    (lambda m, lv: _kl_terms(m, lv).sum(axis=0),
     "You sum over the faces; average them instead (mean over axis 0), so the value does not "
     "grow with the number of faces."),
    (lambda m, lv: -_kl_terms(m, lv).mean(axis=0),
     "The sign is wrong: KL = -1/2 (1 + log σ² - μ² - σ²) is never negative."),
    (lambda m, lv: 2.0 * _kl_terms(m, lv).mean(axis=0),
     "Your values are twice the KL: the factor 1/2 is missing."),
    (lambda m, lv: (-0.5 * (1.0 + lv - m**2 - lv)).mean(axis=0),
     "You used the log-variance as the variance: σ² is exp(z_log_var)."),
    (lambda m, lv: (-0.5 * (lv - m**2 - np.exp(lv))).mean(axis=0),
     "The 1 inside the bracket is missing: at z_mean = 0, z_log_var = 0 the KL must be 0."),
]


def _verify_kl_per_dimension(fn):
    """Raise a hint unless fn gives the mean KL of every latent dimension."""
    _need_callable(fn, "kl_per_dimension")
    for m, lv in _kl_dimension_cases():
        out = _as_numbers(_call("kl_per_dimension(z_mean, z_log_var)", fn, m.copy(), lv.copy()),
                          "kl_per_dimension")
        n, d = m.shape
        if out.shape == (n,):
            raise _Hint(f"You return one value per face, shape ({n},); the question is per latent "
                        f"dimension: average over the faces (axis=0) to get shape ({d},).")
        if out.shape == (n, d):
            raise _Hint(f"You return every face's value, shape {out.shape}; average over the "
                        f"faces (axis=0) to get one value per dimension, shape ({d},).")
        if out.shape != (d,):
            raise _Hint(f"Your result has shape {out.shape}; it should be ({d},), one value per "
                        "latent dimension.")
        expected = kl_per_dimension(m, lv)
        if np.allclose(out, expected, rtol=1e-4, atol=1e-5):
            continue
        for mistake, hint in _KL_DIMENSION_MISTAKES:
            if np.allclose(out, mistake(m.astype(np.float64), lv.astype(np.float64)),
                           rtol=1e-4, atol=1e-5):
                raise _Hint(hint)
        raise _Hint(f"For z_mean of shape {m.shape} your values are {_show(out[:4])}..., the "
                    f"mean KL per dimension is {_show(expected[:4])}...: average "
                    "-1/2 (1 + log σ² - μ² - σ²) over the faces.")


# ---------------------------------------------------------------------------------------------
# Chapter 5: new faces from the prior.


def sample_faces(decoder, n, latent_dim=200, seed=0):
    """Decode n codes drawn from N(0, I), in one batched call (chapter 5)."""
    z = np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")
    return np.asarray(decoder(z, training=False))


class _RecordingDecoder:
    """A stand-in decoder that records the codes it gets and returns a known function of them."""

    def __init__(self):
        self.calls = []

    def __call__(self, z, training=False):
        z = np.asarray(z, dtype=np.float64)
        self.calls.append(z)
        return self.images(z)

    def predict(self, z, batch_size=None, verbose="auto"):
        return self(z)

    @staticmethod
    def images(z):
        """Return tiny 2x2x3 'images' that depend on every code (cheap to compare)."""
        z = np.atleast_2d(z)
        base = 1.0 / (1.0 + np.exp(-z[:, :3].sum(axis=1) - z.mean(axis=1)))
        return np.broadcast_to(base[:, None, None, None], (len(z), 2, 2, 3)).astype("float32")

    def codes(self):
        """Return all codes decoded, in order, as one (n, d) array."""
        return np.concatenate([np.atleast_2d(z) for z in self.calls]) if self.calls else None


def check_sample_faces(fn):
    """Check sample_faces(decoder, n, latent_dim, seed): codes ~ N(0, I), one call (chapter 5)."""
    success = ("it decodes codes drawn from N(0, I) of shape (n, latent_dim) in one batched "
               "call, returns the decoded images, and the same seed gives the same faces.")
    return _run_check("sample_faces", _verify_sample_faces, fn, sample_faces, success)


def _sample(fn, n, latent_dim, seed):
    """Run the student's function on a recording decoder; return (output, decoder)."""
    decoder = _RecordingDecoder()
    out = _call(f"sample_faces(decoder, n={n}, latent_dim={latent_dim}, seed={seed})", fn,
                decoder, n, latent_dim=latent_dim, seed=seed)
    return out, decoder


def _verify_sample_faces(fn):
    """Raise a hint unless fn decodes n standard-normal codes at once and returns the images."""
    _need_callable(fn, "sample_faces")
    n, d = 2000, 40
    out, decoder = _sample(fn, n, d, seed=3)
    if not decoder.calls:
        raise _Hint("Your function never calls the decoder: draw the codes z, then return "
                    "decoder(z, training=False).")
    if len(decoder.calls) >= n // 2:
        raise _Hint(f"You call the decoder {len(decoder.calls)} times, once per face: draw all "
                    f"codes as one ({n}, latent_dim) array and decode them in one call; each "
                    "call has a fixed cost.")
    z = decoder.codes()
    if z.shape != (n, d):
        raise _Hint(f"The decoder got codes of shape {z.shape}; draw n codes of latent_dim "
                    f"numbers each, shape ({n}, {d}) here: rng.standard_normal((n, latent_dim)).")
    _check_standard_normal(z)
    images = _as_numbers(out, "sample_faces")
    if images.shape != (n, 2, 2, 3) or not np.allclose(images, decoder.images(z), atol=1e-5):
        raise _Hint(f"Return what the decoder gives back for the codes (the images); yours has "
                    f"shape {images.shape}.")
    _, second = _sample(fn, n, d, seed=3)
    if not np.allclose(second.codes(), z):
        raise _Hint("Two calls with the same seed draw different codes: draw them with "
                    "np.random.default_rng(seed), so the same seed gives the same faces.")
    _, other = _sample(fn, n, d, seed=4)
    if np.allclose(other.codes(), z):
        raise _Hint("Different seeds give the same codes: pass seed to "
                    "np.random.default_rng(seed) instead of a fixed number.")


def _check_standard_normal(z):
    """Fail with the likeliest mistake unless the codes look like draws from N(0, I)."""
    mean, std = z.mean(), z.std()
    if z.min() >= 0.0 and z.max() <= 1.0:
        raise _Hint(f"Your codes lie in [0, 1] (mean {mean:.2f}, std {std:.2f}): that is a "
                    "uniform draw; the prior is N(0, I), rng.standard_normal(...).")
    if np.allclose(z, z[:, :1]):
        raise _Hint("Every dimension of a code holds the same number: draw latent_dim "
                    "independent numbers per face, shape (n, latent_dim).")
    if abs(mean) > 0.02 or abs(std - 1.0) > 0.02:  # over 5 standard errors at 80,000 draws
        raise _Hint(f"Your codes have mean {mean:.3f} and standard deviation {std:.3f}; draws "
                    "from the prior N(0, I) have mean 0 and standard deviation 1.")
    excess = np.abs(np.mean(z**4) - 3.0)
    if excess > 0.15:  # a normal's fourth moment is 3; uniform or other shapes miss it
        raise _Hint(f"Your codes have mean 0 and standard deviation 1 but are not Normal (fourth "
                    f"moment {np.mean(z**4):.2f}, a Normal's is 3): draw with "
                    "rng.standard_normal.")


# ---------------------------------------------------------------------------------------------
# Chapter 6: attribute vectors.


def check_attribute_vector(fn):
    """Check attribute_vector(z, labels): mean code with minus mean code without (chapter 6)."""
    success = ("mean code of the faces with the attribute minus the mean code of those without, "
               "on 3 sets of codes with unequal group sizes.")
    return _run_check("attribute_vector", _verify_attribute_vector, fn, latent.attribute_vector,
                      success)


def _attribute_cases():
    """Return (z, labels) cases: codes (n, d) with a shifted group, labels float 0/1 (n,)."""
    rng = np.random.default_rng(8)
    cases = []
    for n, d, share in ((40, 6, 0.25), (25, 3, 0.6), (60, 10, 0.1)):
        labels = np.zeros(n, np.float32)
        labels[rng.choice(n, max(2, int(n * share)), replace=False)] = 1.0
        z = rng.normal(size=(n, d)) + 1.5 * labels[:, None] * rng.normal(size=d) + 0.7
        cases.append((z.astype("float32"), labels))
    return cases


_ATTRIBUTE_MISTAKES = [
    (lambda z, y: z[y == 0].mean(axis=0) - z[y == 1].mean(axis=0),
     "The sign is reversed: it is the mean code WITH the attribute minus the mean WITHOUT it, so "
     "adding the vector adds the attribute."),
    (lambda z, y: z[y == 1].mean(axis=0),
     "You return the mean code of the faces with the attribute; subtract the mean code of the "
     "faces without it, so what all faces share cancels."),
    (lambda z, y: z[y == 1].mean(axis=0) - z.mean(axis=0),
     "You subtract the mean of ALL faces; subtract the mean of the faces WITHOUT the attribute."),
    (lambda z, y: z[y == 1].sum(axis=0) - z[y == 0].sum(axis=0),
     "You subtract sums; subtract means, since the two groups have different sizes."),
    (lambda z, y: (z * y[:, None]).mean(axis=0),
     "Multiplying the codes by the labels and averaging over all faces is not a group mean: "
     "select the rows, z[labels == 1].mean(axis=0) - z[labels == 0].mean(axis=0)."),
]


def _verify_attribute_vector(fn):
    """Raise a hint unless fn returns the difference of the two groups' mean codes."""
    _need_callable(fn, "attribute_vector")
    for z, labels in _attribute_cases():
        out = _as_numbers(_call("attribute_vector(z, labels)", fn, z.copy(), labels.copy()),
                          "attribute_vector")
        n, d = z.shape
        if out.shape == (n,):
            raise _Hint(f"Your result has one value per face, shape ({n},); average over the faces "
                        f"(axis=0) to get one vector of shape ({d},).")
        if out.shape != (d,):
            raise _Hint(f"Your result has shape {out.shape}; the vector has one number per latent "
                        f"dimension, shape ({d},).")
        expected = latent.attribute_vector(z, labels)
        if np.allclose(out, expected, rtol=1e-4, atol=1e-5):
            continue
        for mistake, hint in _ATTRIBUTE_MISTAKES:
            if np.allclose(out, mistake(z.astype(np.float64), labels), rtol=1e-4, atol=1e-5):
                raise _Hint(hint)
        raise _Hint(f"Your vector starts {_show(out[:3])}, the expected one {_show(expected[:3])}: "
                    "z[labels == 1].mean(axis=0) - z[labels == 0].mean(axis=0).")


def check_project_out(fn):
    """Check project_out(v, u): v without its component along u (chapter 6)."""
    success = ("the result is orthogonal to u, differs from v only along u, and u's length does "
               "not matter.")
    return _run_check("project_out", _verify_project_out, fn, attributes.project_out, success)


def _verify_project_out(fn):
    """Raise a hint unless fn removes from v exactly its component along u."""
    _need_callable(fn, "project_out")
    rng = np.random.default_rng(13)
    for d, scale in ((5, 3.0), (20, 0.4), (2, 1.0)):
        v, u = rng.normal(size=d).astype("float32"), (scale * rng.normal(size=d)).astype("float32")
        out = _as_numbers(_call("project_out(v, u)", fn, v.copy(), u.copy()), "project_out")
        if out.shape != (d,):
            raise _Hint(f"Your result has shape {out.shape}; it should have v's shape ({d},).")
        expected = attributes.project_out(v, u)
        if np.allclose(out, expected, rtol=1e-4, atol=1e-5):
            continue
        along = (v @ u) / (u @ u) * u
        if np.allclose(out, along, rtol=1e-4, atol=1e-5):
            raise _Hint("You return the component of v along u; return what is left of v "
                        "without it: v - (v·u / u·u) u.")
        if np.allclose(out, v - (v @ u) * u, rtol=1e-4, atol=1e-5):
            raise _Hint("Divide by u·u (or use the unit vector u / |u|): v - (v·u) u is only "
                        "right when |u| = 1, and attribute vectors are not unit vectors.")
        if np.allclose(out, attributes.project_out(u, v), rtol=1e-4, atol=1e-5):
            raise _Hint("The arguments are swapped: project_out(v, u) removes from v its "
                        "component along u.")
        if np.allclose(out, v + along, rtol=1e-4, atol=1e-5):
            raise _Hint("You add the component along u; subtract it: v - (v·u / u·u) u.")
        raise _Hint(f"Your result has dot product {float(out @ u):.3g} with u; it must be 0, "
                    "with v - result along u: v - (v·u / u·u) u.")
