"""Checks of the faces chapters (5, 6): right answers pass, typical mistakes get their hint."""

import course_utils  # noqa: F401  (imports TensorFlow quietly, first)

import numpy as np
import pytest
from keras import ops

from course_utils import attributes, checks, latent
from course_utils.checks import faces as face_checks
from helpers import run


# The chapter-5 and -6 checks; test_checks.py also feeds them every broken answer.
CHECKS = {
    "kl_per_dimension": (checks.check_kl_per_dimension, face_checks.kl_per_dimension),
    "sample_faces": (checks.check_sample_faces, face_checks.sample_faces),
    "attribute_vector": (checks.check_attribute_vector, latent.attribute_vector),
    "project_out": (checks.check_project_out, attributes.project_out),
}
def test_the_stub_is_called_unfinished(capsys):
    for check_fn, _ in CHECKS.values():
        _, out = run(check_fn, lambda *a, **k: None, capsys)
        assert "not filled in yet" in out or "never calls the decoder" in out


# --- right answers, in more than one style ----------------------------------------------------


def kl_per_dimension_ops(z_mean, z_log_var):
    return ops.mean(-0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)), axis=0)


def sample_faces_predict(decoder, n, latent_dim=200, seed=0):
    rng = np.random.default_rng(seed)
    return decoder.predict(rng.normal(size=(n, latent_dim)), verbose=0)


def attribute_vector_masks(z, labels):
    has = labels == 1
    return z[has].mean(axis=0) - z[~has].mean(axis=0)


def project_out_unit(v, u):
    unit = u / np.linalg.norm(u)
    return v - (v @ unit) * unit


@pytest.mark.parametrize("check, answer", [
    ("kl_per_dimension", face_checks.kl_per_dimension),
    ("kl_per_dimension", kl_per_dimension_ops),
    ("sample_faces", face_checks.sample_faces),
    ("sample_faces", sample_faces_predict),
    ("attribute_vector", latent.attribute_vector),
    ("attribute_vector", attribute_vector_masks),
    ("project_out", attributes.project_out),
    ("project_out", project_out_unit),
])
def test_right_answers_pass_and_are_returned(check, answer, capsys):
    result, out = run(CHECKS[check][0], answer, capsys)
    assert result is answer
    assert out.startswith("✓"), out


# --- typical mistakes ----------------------------------------------------------------------------


def kl_terms(m, lv):
    return -0.5 * (1 + lv - m**2 - np.exp(lv))


def per_face_sampler(decoder, n, latent_dim=200, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([decoder(rng.normal(size=(1, latent_dim))) for _ in range(n)])


MISTAKES = [
    ("kl_per_dimension", lambda m, lv: kl_terms(m, lv).sum(axis=0), "average them instead"),
    ("kl_per_dimension", lambda m, lv: kl_terms(m, lv).sum(axis=1), "one value per face"),
    ("kl_per_dimension", lambda m, lv: kl_terms(m, lv), "every face's value"),
    ("kl_per_dimension", lambda m, lv: -kl_terms(m, lv).mean(axis=0), "sign is wrong"),
    ("kl_per_dimension", lambda m, lv: (-0.5 * (1 + lv - m**2 - lv)).mean(axis=0),
     "log-variance as the variance"),
    ("kl_per_dimension", lambda m, lv: kl_terms(m, lv).mean(axis=0) + 0.1,
     "average -1/2 (1 + log σ² - μ² - σ²) over the faces"),
    ("sample_faces", per_face_sampler, "once per face"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: np.random.default_rng(seed).normal(
        size=(n, latent_dim)), "never calls the decoder"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: dec(np.random.default_rng(seed).random(
        (n, latent_dim))), "uniform draw"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: dec(0.5 * np.random.default_rng(
        seed).normal(size=(n, latent_dim))), "standard deviation 0.499"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: dec(np.random.default_rng(
        seed).normal(size=(latent_dim, n))), "shape (40, 2000)"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: dec(np.random.normal(
        size=(n, latent_dim))), "same seed draw different codes"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: dec(np.random.default_rng(0).normal(
        size=(n, latent_dim))), "Different seeds give the same codes"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: (dec(np.random.default_rng(
        seed).normal(size=(n, latent_dim))), None), "not numbers"),
    ("sample_faces", lambda dec, n, latent_dim=200, seed=0: dec(np.sqrt(3) * (2 * np.random.
        default_rng(seed).random((n, latent_dim)) - 1)), "not Normal"),
    ("attribute_vector", lambda z, y: z[y == 0].mean(0) - z[y == 1].mean(0), "sign is reversed"),
    ("attribute_vector", lambda z, y: z[y == 1].mean(0), "subtract the mean code"),
    ("attribute_vector", lambda z, y: z[y == 1].mean(0) - z.mean(0), "mean of ALL faces"),
    ("attribute_vector", lambda z, y: z[y == 1].sum(0) - z[y == 0].sum(0), "subtract means"),
    ("attribute_vector", lambda z, y: (z * y[:, None]).mean(0), "select the rows"),
    ("attribute_vector", lambda z, y: z.mean(axis=1), "one value per face"),
    ("project_out", lambda v, u: (v @ u) / (u @ u) * u, "component of v along u"),
    ("project_out", lambda v, u: v - (v @ u) * u, "Divide by u·u"),
    ("project_out", lambda v, u: attributes.project_out(u, v), "arguments are swapped"),
    ("project_out", lambda v, u: v + (v @ u) / (u @ u) * u, "subtract it"),
    ("project_out", lambda v, u: v, "dot product"),
]


@pytest.mark.parametrize("check, answer, hint", MISTAKES,
                         ids=[f"{c}-{h[:24]}" for c, _, h in MISTAKES])
def test_typical_mistakes_get_their_hint_and_the_reference(check, answer, hint, capsys):
    check_fn, reference = CHECKS[check]
    result, out = run(check_fn, answer, capsys)
    assert result is reference
    assert out.startswith("✗") and hint in out, out


def test_the_sample_faces_reference_works_on_a_real_decoder():
    from course_utils import models

    vae = models.build_faces_vae(latent_dim=8, seed=0)
    images = face_checks.sample_faces(vae.decoder, 3, latent_dim=8, seed=1)
    assert images.shape == (3, 64, 64, 3) and 0 <= images.min() <= images.max() <= 1
    np.testing.assert_allclose(images, face_checks.sample_faces(vae.decoder, 3, 8, seed=1))
