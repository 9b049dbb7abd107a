"""Checks for the faces chapters: attribute vectors and untangling them (chapter 6)."""

import numpy as np

from course_utils import latent
from course_utils.checks.core import _as_numbers, _call, _Hint, _need_callable, _run_check, _show


# ---------------------------------------------------------------------------------------------
# Chapter 6: attribute vectors.


def check_attribute_vector(fn):
    """Check attribute_vector(z, labels): mean code with minus mean code without."""
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
    """Check project_out(v, u): v without its component along u."""
    success = ("the result is orthogonal to u, differs from v only along u, and u's length does "
               "not matter.")
    return _run_check("project_out", _verify_project_out, fn, latent.project_out, success)


def _verify_project_out(fn):
    """Raise a hint unless fn removes from v exactly its component along u."""
    _need_callable(fn, "project_out")
    rng = np.random.default_rng(13)
    for d, scale in ((5, 3.0), (20, 0.4), (2, 1.0)):
        v, u = rng.normal(size=d).astype("float32"), (scale * rng.normal(size=d)).astype("float32")
        out = _as_numbers(_call("project_out(v, u)", fn, v.copy(), u.copy()), "project_out")
        if out.shape != (d,):
            raise _Hint(f"Your result has shape {out.shape}; it should have v's shape ({d},).")
        expected = latent.project_out(v, u)
        if np.allclose(out, expected, rtol=1e-4, atol=1e-5):
            continue
        along = (v @ u) / (u @ u) * u
        if np.allclose(out, along, rtol=1e-4, atol=1e-5):
            raise _Hint("You return the component of v along u; return what is left of v "
                        "without it: v - (v·u / u·u) u.")
        if np.allclose(out, v - (v @ u) * u, rtol=1e-4, atol=1e-5):
            raise _Hint("Divide by u·u (or use the unit vector u / |u|): v - (v·u) u is only "
                        "right when |u| = 1, and attribute vectors are not unit vectors.")
        if np.allclose(out, latent.project_out(u, v), rtol=1e-4, atol=1e-5):
            raise _Hint("The arguments are swapped: project_out(v, u) removes from v its "
                        "component along u.")
        if np.allclose(out, v + along, rtol=1e-4, atol=1e-5):
            raise _Hint("You add the component along u; subtract it: v - (v·u / u·u) u.")
        raise _Hint(f"Your result has dot product {float(out @ u):.3g} with u; it must be 0, "
                    "with v - result along u: v - (v·u / u·u) u.")
