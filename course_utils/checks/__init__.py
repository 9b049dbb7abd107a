"""Exercise checks: test a student's answer, print ✓ or a hint, never raise.

The exercise cell convention and the shared mechanism are in :mod:`course_utils.checks.core`;
each module here holds the checks of one topic, and every reference answer comes from the
course's topic modules (``kl``, ``latent``, ``measures``, ``models``). Chapters call them as
``checks.check_...``.
"""

from course_utils.checks.anomaly import check_threshold
from course_utils.checks.autoencoder import (
    check_conv_output_shape, check_least_loss, check_receptive_field, check_wider_kernels,
)
from course_utils.checks.denoising import check_psnr
from course_utils.checks.faces import (
    check_attribute_vector, check_flips, check_great_circle, check_midpoint_length,
    check_price_by_hand, check_project_out, check_temperature, check_worth_and_price,
)
from course_utils.checks.kl import (
    KL_BY_HAND_Z_LOG_VAR, KL_BY_HAND_Z_MEAN, check_kl_bug_fix, check_kl_by_hand,
    check_kl_divergence, check_kl_gradient, check_kl_sampled, check_more_draws,
)
from course_utils.checks.latent import (
    KS_BY_HAND_SAMPLE, check_class_shares, check_in_gap, check_ks_by_hand, check_ks_distance,
    check_stricter_threshold,
)
from course_utils.checks.generating import (
    MIG_BY_HAND_INFORMATION, check_decoder_input, check_mig_by_hand, check_swap_label,
    check_traversal,
)
from course_utils.checks.models import check_decoder, check_sampling
from course_utils.checks.pca import (
    PCA_BY_HAND_K, PCA_BY_HAND_N, PCA_BY_HAND_SINGULAR_VALUES, check_few_images, check_pca_error,
)
from course_utils.checks.vae import check_centre_or_draw, check_generate, check_vae_model

__all__ = [
    "KL_BY_HAND_Z_LOG_VAR", "KL_BY_HAND_Z_MEAN", "KS_BY_HAND_SAMPLE", "MIG_BY_HAND_INFORMATION",
    "PCA_BY_HAND_K", "PCA_BY_HAND_N", "PCA_BY_HAND_SINGULAR_VALUES", "check_attribute_vector",
    "check_centre_or_draw", "check_class_shares", "check_conv_output_shape", "check_decoder",
    "check_decoder_input", "check_few_images", "check_flips", "check_generate",
    "check_great_circle", "check_in_gap", "check_kl_bug_fix", "check_kl_by_hand",
    "check_kl_divergence", "check_kl_gradient", "check_kl_sampled", "check_ks_by_hand",
    "check_ks_distance", "check_least_loss", "check_midpoint_length", "check_mig_by_hand",
    "check_more_draws", "check_pca_error", "check_price_by_hand", "check_project_out",
    "check_psnr", "check_receptive_field", "check_sampling", "check_stricter_threshold",
    "check_swap_label", "check_temperature", "check_threshold", "check_traversal",
    "check_vae_model", "check_wider_kernels", "check_worth_and_price",
]
