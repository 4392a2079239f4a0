"""Structural equation models with lavaan's model syntax (checked against lavaan 0.6-14).

``cfa()``/``sem()`` fit a model written in lavaan syntax by ML, MLR, FIML or WLSMV (ordered items); ``invariance()`` runs the
configural / metric / scalar / strict sequence; :mod:`~engagesurvey.sem.reliability` has composite
reliability, AVE and HTMT (semTools).
"""

from __future__ import annotations

from . import reliability
from .api import cfa, invariance, sem
from .result import InvarianceResult, SEMResult
from .syntax import parse_model

__all__ = ["cfa", "sem", "invariance", "SEMResult", "InvarianceResult", "parse_model"]


# ``es.sem(...)`` is promised as a function (API.md), and ``es.sem`` is also this package. Making the
# module callable gives both: ``es.sem(model, data)`` fits, ``es.sem.cfa``/``es.sem.reliability`` work.
import sys as _sys
import types as _types


class _CallableModule(_types.ModuleType):
    def __call__(self, model, data=None, **kwargs):
        """Fit a structural equation model: the same as :func:`engagesurvey.sem.sem`."""
        return sem(model, data, **kwargs)


_sys.modules[__name__].__class__ = _CallableModule
