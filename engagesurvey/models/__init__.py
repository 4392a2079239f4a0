"""Models for the hypotheses: regression, mediation, moderation / PROCESS, multilevel, agreement, ordinal.

Each function validates its input, raises :class:`engagesurvey.errors.EngageSurveyError` on a user's
mistake and returns a result dataclass with ``summary()`` and ``to_frame()``. Every statistic is checked
against R (lm, lavaan, lme4, multilevel, ordinal); see ``tests/reference/models_*.R``.
"""

from __future__ import annotations

from .agreement import group_agreement, icc
from .did import CSResult, DiDResult, EventStudyResult, callaway_santanna, did_2x2, event_study, twfe_static
from .mediation import MediationResult, mediation
from .mlmed import MultilevelMediationResult, multilevel_mediation
from .moderation import ModerationResult, ProcessResult, moderation, process
from .multilevel import MultilevelResult, decompose, multilevel
from .ordinal import OrdinalResult, ordinal_logit
from .regression import R2ChangeResult, RegressionResult, r2_change, regression

__all__ = [
    "regression", "r2_change", "RegressionResult", "R2ChangeResult",
    "mediation", "MediationResult",
    "moderation", "process", "ModerationResult", "ProcessResult",
    "multilevel", "decompose", "MultilevelResult",
    "multilevel_mediation", "MultilevelMediationResult",
    "group_agreement", "icc",
    "ordinal_logit", "OrdinalResult",
    "did_2x2", "event_study", "callaway_santanna", "twfe_static", "DiDResult", "EventStudyResult", "CSResult",
]
