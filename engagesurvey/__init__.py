"""engagesurvey: psychometric survey research for engagement surveys.

Instruments as data, real survey exports in, audited scores out; reliability, factor analysis and SEM
that agree with R's psych and lavaan; hypothesis tests and anonymity-safe bilingual reports.
"""

from __future__ import annotations

from . import careless, deploy, errors, factor, hypotheses, models, power, qual, reliability, sem
from .errors import EngageSurveyError, InputError, InstrumentError
from .io import Responses, read_responses
from .instrument import Instrument, Item, combine_instruments, list_instruments, load_instrument
from .moments import Moments
from .scoring import ScoreResult, score
from .sem import SEMResult, cfa, invariance
from .stream import StreamResult, score_stream

__version__ = "0.1.0"

__all__ = [
    "EngageSurveyError", "Moments", "Responses", "read_responses", "careless", "deploy", "factor", "hypotheses", "models", "power", "qual", "reliability", "cfa", "invariance", "SEMResult", "StreamResult", "score_stream", "InputError", "Instrument", "InstrumentError", "Item", "ScoreResult",
    "__version__", "combine_instruments", "errors", "list_instruments", "load_instrument", "score",
]
