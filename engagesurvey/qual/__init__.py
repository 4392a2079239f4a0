"""Mixed methods: codebooks, coded-data import, agreement between coders, a first-pass coder (suggested
codes only), joint displays and explanatory-sequential case selection. See ``docs/qual.md``."""

from __future__ import annotations

from .agreement import AgreementResult, agreement, cohen_kappa, fleiss_from_counts, krippendorff_alpha
from .cases import CaseSelection, select_cases
from .codebook import Codebook, Theme, codebooks_dir, list_codebooks, load_codebook
from .coder import (
    CoderEvaluation,
    SuggestedCodes,
    evaluate_coder,
    explode_codes,
    first_pass_code,
    simple_stem_id,
)
from .imports import CodedData, detect_format, read_coded
from .joint import JointDisplay, association_test, holm, joint_display, side_by_side
from .simulate_text import simulate_comments

__all__ = [
    "AgreementResult",
    "CaseSelection",
    "Codebook",
    "CodedData",
    "CoderEvaluation",
    "JointDisplay",
    "SuggestedCodes",
    "Theme",
    "agreement",
    "association_test",
    "codebooks_dir",
    "cohen_kappa",
    "detect_format",
    "evaluate_coder",
    "explode_codes",
    "first_pass_code",
    "fleiss_from_counts",
    "holm",
    "joint_display",
    "krippendorff_alpha",
    "list_codebooks",
    "load_codebook",
    "read_coded",
    "select_cases",
    "side_by_side",
    "simple_stem_id",
    "simulate_comments",
]
