"""Before extracting factors: is the matrix factorable (KMO, Bartlett) and how many factors to keep
(parallel analysis, Velicer's MAP, scree).

psych 2.2.9 conventions (``KMO``, ``cortest.bartlett``, ``fa.parallel``, ``VSS``); inputs as in
:func:`engagesurvey.factor.efa` (raw data, a correlation/covariance matrix with ``n_obs``, or Moments).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._results import ResultMixin
from .errors import EngageSurveyError
from .factor import _eigh_desc, _one_thread, _pairwise_cor, correlation_input, extract

# ============================================================== KMO and Bartlett
@dataclass
class KMOResult(ResultMixin):
    """Kaiser-Meyer-Olkin measure of sampling adequacy: ``.overall`` and ``.per_item`` (MSA_i)."""

    overall: float
    per_item: pd.Series

    def to_frame(self) -> pd.DataFrame:
        return self.per_item.rename("MSA").to_frame()

    def summary(self) -> str:
        return (f"Kaiser-Meyer-Olkin factor adequacy\nOverall MSA = {self.overall:.2f}\nMSA for each item =\n"
                + self.per_item.to_string(float_format="{:.2f}".format))


def kmo(items, *, n_obs=None) -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy (``psych::KMO``).

    With ``Q`` the partial (anti-image) correlations from ``R^-1`` scaled to unit diagonal,
    ``MSA = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2)`` over ``i != j``, and ``MSA_i`` the same over column
    ``i``. Kaiser, H. F. (1970). A second generation little jiffy. Psychometrika, 35, 401-415.
    Checked against ``psych::KMO``.
    """
    R, names, _, _ = correlation_input(items, n_obs)
    Q = np.linalg.inv(R)
    d = np.sqrt(np.diag(Q))
    Q = Q / np.outer(d, d)
    np.fill_diagonal(Q, 0.0)
    r = R.copy()
    np.fill_diagonal(r, 0.0)
    r2, q2 = (r * r).sum(axis=0), (Q * Q).sum(axis=0)
    return KMOResult(overall=float(r2.sum() / (r2.sum() + q2.sum())),
                     per_item=pd.Series(r2 / (r2 + q2), index=names, name="MSA"))


@dataclass
class BartlettResult(ResultMixin):
    """Bartlett's test of sphericity: ``.chi2``, ``.df``, ``.p_value``, ``.n``."""

    chi2: float
    df: float
    p_value: float
    n: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"chi2": [self.chi2], "df": [self.df], "p_value": [self.p_value], "n": [self.n]})

    def summary(self) -> str:
        return f"Bartlett's test of sphericity\nchisq = {self.chi2:.2f}, df = {self.df:.0f}, p = {self.p_value:.3g}"


def bartlett(items, *, n_obs=None) -> BartlettResult:
    """Bartlett's (1951) test that the correlation matrix is an identity (``psych::cortest.bartlett``).

    ``chisq = -log|R| (n - 1 - (2p + 5)/6)`` on ``p(p-1)/2`` df; ``R`` the pairwise correlations and ``n``
    the number of rows of the data (psych's convention; give ``n_obs`` with a matrix). Checked against
    ``psych::cortest.bartlett``.
    """
    R, _, n_obs, _ = correlation_input(items, n_obs)
    if n_obs is None:
        raise EngageSurveyError("bartlett needs n_obs (the number of respondents) for a correlation matrix")
    p = R.shape[0]
    chi2 = -np.linalg.slogdet(R)[1] * (n_obs - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) / 2
    return BartlettResult(chi2=float(chi2), df=float(df), p_value=float(stats.chi2.sf(chi2, df)), n=float(n_obs))


# ============================================================== how many factors
def _one_factor_values(C: np.ndarray) -> np.ndarray:
    """``fa(C, 1, rotate = "none")$values`` for each matrix of a stack ``(b, p, p)``.

    The correlations and eigenvalues of the draws are batched; the 1-factor minres fit runs psych's
    L-BFGS-B per draw, because psych's values depend on where that optimiser stops (a batched
    fixed-point iteration differs at Heywood-like draws, which are common in pure-noise data).
    """
    return np.stack([extract(c, 1, "minres")[1] for c in C])


@dataclass
class ParallelResult(ResultMixin):
    """Parallel analysis (``psych::fa.parallel``): ``.n_factors``, ``.n_components`` and ``.table``.

    ``table`` has one row per factor/component number: observed ``pc`` and ``fa`` eigenvalues, the
    means over simulated normal data (``pc_sim``, ``fa_sim``) and resampled data (``pc_resample``,
    ``fa_resample``), and the ``quantile`` of the simulated ones (``pc_sim_q``, ``fa_sim_q``) that
    decide the numbers.
    """

    n_factors: float
    n_components: float
    table: pd.DataFrame
    n_iter: int
    quantile: float

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> str:
        return (f"Parallel analysis suggests that the number of factors = {self.n_factors:g} and the number of "
                f"components = {self.n_components:g}\n" + self.table.to_string(float_format="{:.2f}".format))


def parallel_analysis(items, *, n_iter: int = 20, seed=None, fa: str = "both", quantile: float = 0.95,
                      n_obs=None) -> ParallelResult:
    """Horn's (1965) parallel analysis as ``psych::fa.parallel`` (defaults ``n.iter = 20``, ``quant = .95``).

    Observed eigenvalues: of ``R`` (components) and of ``R`` with 1-factor minres communalities on the
    diagonal (factors, ``fa(R, 1, rotate = "none")$values``). Each of ``n_iter`` draws simulates normal
    data of the same size (and, for raw data, resamples each column independently with replacement).
    The suggested number is the count of leading observed eigenvalues above the ``quantile`` of the
    simulated ones (psych's rule; ``quantile=None`` compares with the simulated means instead). All draws
    are computed as one batch. ``fa``: "both", "fa" or "pc" (the other number is then NaN).
    Checked against ``psych::fa.parallel`` (the suggested numbers over seeds; the observed eigenvalues).
    """
    if fa not in ("both", "fa", "pc"):
        raise EngageSurveyError(f"fa must be 'both', 'fa' or 'pc', got {fa!r}")
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise EngageSurveyError(f"n_iter must be a positive integer, got {n_iter!r}")
    with _one_thread():
        R, _, n_obs, frame = correlation_input(items, n_obs)
        if n_obs is None:
            raise EngageSurveyError("parallel_analysis needs n_obs (the number of respondents) for a matrix")
        p, n = R.shape[0], int(n_obs)
        rng = np.random.default_rng(seed)
        pc_obs = np.linalg.eigvalsh(R)[::-1]
        fa_obs = extract(R, 1, "minres")[1]
        sims = _pairwise_cor(rng.standard_normal((n_iter, n, p)))
        stacks = {"sim": sims}
        if frame is not None:
            X = frame.to_numpy()
            pick = rng.integers(0, X.shape[0], size=(n_iter, X.shape[0], p))
            stacks["resample"] = _pairwise_cor(X[pick, np.arange(p)])
        table = {"pc": pc_obs, "fa": fa_obs}
        qs = {}
        for kind, C in stacks.items():
            pcv = np.linalg.eigvalsh(C)[:, ::-1]
            fav = _one_factor_values(C) if fa != "pc" else np.full_like(pcv, np.nan)
            table[f"pc_{kind}"], table[f"fa_{kind}"] = pcv.mean(axis=0), fav.mean(axis=0)
            if kind == "sim":
                qs = {"pc": np.quantile(pcv, quantile, axis=0) if quantile is not None else pcv.mean(axis=0),
                      "fa": np.quantile(fav, quantile, axis=0) if quantile is not None else fav.mean(axis=0)}
    table["pc_sim_q"], table["fa_sim_q"] = qs["pc"], qs["fa"]

    def count(obs, ref):
        above = obs > ref
        return float(p if above.all() else np.argmin(above))

    return ParallelResult(
        n_factors=count(fa_obs, qs["fa"]) if fa != "pc" else np.nan,
        n_components=count(pc_obs, qs["pc"]) if fa != "fa" else np.nan,
        table=pd.DataFrame(table, index=pd.RangeIndex(1, p + 1, name="number")), n_iter=int(n_iter),
        quantile=np.nan if quantile is None else float(quantile))


def map_test(items, *, n: int = 8, n_obs=None) -> pd.Series:
    """Velicer's (1976) minimum average partial: ``psych::VSS(x, n)$map``.

    For ``m = 1..n`` (at most ``p - 1``) the first ``m`` principal components are partialled out of
    ``R``; the value is the mean squared off-diagonal partial correlation. The suggested number of
    factors is the ``m`` with the smallest value (``result.idxmin()``). Checked against ``psych::VSS``.
    """
    R, _, _, _ = correlation_input(items, n_obs)
    p = R.shape[0]
    n = min(int(n), p)
    ev, vec = _eigh_desc(R)
    comp = vec * np.sqrt(np.maximum(ev, 0.0))
    out = np.full(n, np.nan)
    for m in range(1, min(n, p - 1) + 1):
        c = R - comp[:, :m] @ comp[:, :m].T
        d = 1.0 / np.sqrt(np.diag(c))
        rs = c * np.outer(d, d)
        np.fill_diagonal(rs, 0.0)
        out[m - 1] = np.sum(rs * rs) / (p * (p - 1))
    return pd.Series(out, index=pd.RangeIndex(1, n + 1, name="factors"), name="map")


def scree(items, *, n_obs=None) -> pd.DataFrame:
    """Eigenvalues for a scree plot (``psych::scree``): ``pc`` of ``R`` and ``fa`` of ``R`` with 1-factor
    minres communalities on the diagonal, one row per number."""
    R, _, _, _ = correlation_input(items, n_obs)
    with _one_thread():
        fa_vals = extract(R, 1, "minres")[1]
    return pd.DataFrame({"pc": np.linalg.eigvalsh(R)[::-1], "fa": fa_vals},
                        index=pd.RangeIndex(1, R.shape[0] + 1, name="number"))
