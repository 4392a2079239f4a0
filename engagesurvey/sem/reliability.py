"""Composite reliability, average variance extracted and HTMT (semTools 0.5-6).

* ``composite``: ``omega_f = (sum_i lambda_i)^2 psi_f / 1' S_f 1`` with ``S_f`` the observed
  (N-denominator, lavaan's "sampstat") covariance matrix of the factor's indicators — semTools'
  ``compRelSEM`` default ``obs.var = TRUE`` (Raykov 1997; Bentler 2009).
* ``ave``: ``sum_i lambda_i^2 psi_f / sum_i s_ii`` (Fornell & Larcker 1981), semTools' ``AVE``.
* ``htmt``: heterotrait-monotrait ratio (Henseler, Ringle & Sarstedt 2015) on the absolute Pearson
  correlations; ``kind="htmt2"`` uses geometric means (Roemer, Schuberth & Henseler 2021), semTools'
  default ``htmt2 = TRUE``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._prep import numeric_frame
from ..errors import EngageSurveyError
from .syntax import parse_model


def composite(sem_result) -> pd.DataFrame:
    """Composite reliability (omega) and AVE per factor of a fitted single-group model.

    Checked against ``semTools::compRelSEM(fit)`` and ``semTools::AVE(fit)`` (semTools 0.5-6).
    """
    engine = getattr(sem_result, "_engine", None)
    if engine is None:
        raise EngageSurveyError("composite() needs a result of engagesurvey.sem.cfa / sem")
    if len(engine.groups) != 1:
        raise EngageSurveyError("composite() supports single-group models only")
    if sem_result.estimator == "WLSMV":
        raise EngageSurveyError("composite() is not implemented for ordered indicators (WLSMV): composite "
                                "reliability from the polychoric model (semTools' ordinal omega) is not available")
    mdl = engine.model
    M = mdl.matrices(engine.x, 0)
    lam, psi = M["lambda"], M["psi"]
    S = engine.groups[0].cov
    out = {}
    for f in mdl.names.lv:
        j = mdl.lv.index(f)
        idx = np.flatnonzero(np.abs(lam[:, j]) > 0)
        idx = np.array([i for i in idx if mdl.ov[i] not in mdl.names.dummy], dtype=int)
        if len(idx) == 0:
            continue
        l = lam[idx, j]
        S_f = S[np.ix_(idx, idx)]
        out[f] = dict(omega=float(l.sum() ** 2 * psi[j, j] / S_f.sum()),
                      ave=float((l ** 2).sum() * psi[j, j] / np.trace(S_f)))
    return pd.DataFrame(out).T[["omega", "ave"]]


def htmt(data: pd.DataFrame, model: str, *, kind: str = "htmt2") -> pd.DataFrame:
    """Heterotrait-monotrait ratio matrix (factors x factors) from data and a measurement model.

    Correlations are Pearson on the rows complete on the model's indicators (lavCor, listwise; a warning
    counts the rows left out), in absolute value. Non-numeric or infinite cells raise an error naming
    the column, row and value. Checked against ``semTools::htmt(model, data)`` (``htmt2 = TRUE``) and
    ``htmt2 = FALSE``.
    """
    if kind not in ("htmt2", "htmt"):
        raise EngageSurveyError(f"kind must be 'htmt2' or 'htmt', got {kind!r}")
    if not isinstance(data, pd.DataFrame):
        raise EngageSurveyError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    inds: dict[str, list] = {}
    for f in parse_model(model):
        if f.op == "=~":
            inds.setdefault(f.lhs, []).append(f.rhs)
    if len(inds) < 2:
        raise EngageSurveyError("htmt needs a model with at least two factors (=~)")
    cols = [v for vs in inds.values() for v in vs]
    miss = [v for v in cols if v not in data.columns]
    if miss:
        raise EngageSurveyError(f"variable {miss[0]!r} in the model is not a column of the data")
    frame = numeric_frame(data[cols], what="htmt: data")
    complete = frame.notna().all(axis=1).to_numpy()
    if not complete.all():
        warnings.warn(f"htmt: {int((~complete).sum())} of {len(frame)} rows with a missing value on the "
                      "model's indicators were not used (listwise deletion)", stacklevel=2)
    X = frame.to_numpy(float)[complete]
    if len(X) < 3:
        raise EngageSurveyError(f"htmt needs at least 3 rows complete on the model's indicators, got {len(X)}")
    R = pd.DataFrame(np.abs(np.corrcoef(X, rowvar=False)), index=cols, columns=cols)

    def avg(block: np.ndarray) -> float:
        return float(np.exp(np.mean(np.log(block)))) if kind == "htmt2" else float(np.mean(block))

    def mono(f):
        B = R.loc[inds[f], inds[f]].to_numpy()
        return avg(B[~np.eye(len(B), dtype=bool)])

    facs = list(inds)
    m = {f: mono(f) for f in facs}
    out = pd.DataFrame(np.eye(len(facs)), index=facs, columns=facs)
    for a in facs:
        for b in facs:
            if a != b:
                out.loc[a, b] = avg(R.loc[inds[a], inds[b]].to_numpy().ravel()) / np.sqrt(m[a] * m[b])
    return out
