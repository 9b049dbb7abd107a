"""Exercise checks: test a student's answer, print ✓ or a hint, never raise (chapters 1-6).

The exercise cell convention and the shared mechanism are in :mod:`course_utils.checks.core`;
each module here holds the checks of one topic. Chapters call them as ``checks.check_...``.
"""

from course_utils.checks.core import BEGIN, END, STUB, strip_solution
from course_utils.checks.models import check_decoder, check_kl_divergence, check_sampling

__all__ = ["BEGIN", "END", "STUB", "strip_solution", "check_decoder", "check_kl_divergence",
           "check_sampling"]

from course_utils.checks.autoencoder import check_conv_output_shape  # noqa: E402  (chapter 1)

__all__ += ["check_conv_output_shape"]
