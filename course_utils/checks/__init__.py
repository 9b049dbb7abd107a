"""Exercise checks: test a student's answer, print ✓ or a hint, never raise.

The exercise cell convention and the shared mechanism are in :mod:`course_utils.checks.core`;
each module here holds the checks of one topic, and every reference answer comes from the
course's topic modules (``kl``, ``latent``, ``measures``, ``models``). Chapters call them as
``checks.check_...``.
"""

from course_utils.checks.anomaly import check_threshold
from course_utils.checks.autoencoder import check_conv_output_shape
from course_utils.checks.denoising import check_psnr
from course_utils.checks.faces import (
    check_attribute_vector, check_flips, check_project_out, check_worth_and_price,
)
from course_utils.checks.kl import (
    KL_BY_HAND_Z_LOG_VAR, KL_BY_HAND_Z_MEAN, check_kl_bug_fix, check_kl_by_hand,
    check_kl_divergence, check_kl_sampled,
)
from course_utils.checks.latent import check_class_shares, check_in_gap, check_ks_distance
from course_utils.checks.models import check_decoder, check_sampling
from course_utils.checks.vae import check_generate, check_vae_model

__all__ = [
    "KL_BY_HAND_Z_LOG_VAR", "KL_BY_HAND_Z_MEAN", "check_attribute_vector", "check_class_shares",
    "check_conv_output_shape", "check_decoder", "check_flips", "check_generate", "check_in_gap",
    "check_kl_bug_fix", "check_kl_by_hand", "check_kl_divergence", "check_kl_sampled",
    "check_ks_distance", "check_project_out", "check_psnr", "check_sampling", "check_threshold",
    "check_vae_model", "check_worth_and_price",
]
