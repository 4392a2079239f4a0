"""McDonald's omega from a Schmid-Leiman bifactor solution, as ``psych::omega`` (psych 2.2.9).

Steps (``psych::schmid``, ``psych:::omegah``):

1. minres (or ``fm``) EFA of the correlation matrix with ``n_factors`` factors, varimax-rotated
   (``fa(r, k, rotate = "varimax")``), then obliquely rotated (``GPArotation::oblimin`` by default) to
   pattern ``F`` and factor correlations ``Phi``;
2. a one-factor ``fm`` analysis of ``Phi`` gives the higher-order loadings ``gamma`` (with two factors,
   psych's ``option = "equal"``: ``gamma = (sqrt|phi12|, sign(phi12) sqrt|phi12|)``);
3. Schmid-Leiman: general loadings ``g = F gamma``, group loadings ``F_j* = sign(F) sqrt(F^2 (1 - gamma_j^2))``,
   ``h2`` the communalities of the orthogonal solution, ``u2 = 1 - h2``;
4. items whose general loading is negative are reversed (psych's ``flip = TRUE``; see ``.key``), then with
   ``V_t`` the sum of all elements of the (reversed) correlation matrix:
   ``omega_total = (V_t - sum u2) / V_t``, ``omega_h = (sum g)^2 / V_t``,
   ``alpha = (V_t - tr R) / V_t * p / (p - 1)``, and per group factor (items assigned by their largest
   group loading) ``total = ((sum F_j*)^2 + (sum g)^2) / V_j``, ``general = (sum g)^2 / V_j``,
   ``group = (sum F_j*)^2 / V_j`` (psych's ``omega.group``).

References: McDonald, R. P. (1999). Test theory: A unified treatment. Erlbaum. Schmid, J., & Leiman, J. M.
(1957). The development of hierarchical factor solutions. Psychometrika, 22, 53-61. Zinbarg, R. E.,
Revelle, W., Yovel, I., & Li, W. (2005). Cronbach's alpha, Revelle's beta, and McDonald's omega_h.
Psychometrika, 70, 123-133. Checked against ``psych::omega`` (tests/reference/omega.R).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _rotation
from ._prep import item_frame, reverse_items
from ._results import ResultMixin
from .errors import EngageSurveyError
from .factor import _one_thread, _postprocess, correlation_input, extract, smc

# psych::omega's rotate = "quartimin" fails in psych 2.2.9 ("object 'obminfact' not found"), so it has
# no R reference and is not offered here (efa has it, checked against GPArotation::quartimin).
_ROT = {"oblimin": "oblimin", "geomin": "geomin", "geominQ": "geomin", "promax": "promax"}


@dataclass
class OmegaResult(ResultMixin):
    """``psych::omega``: ``.omega_total``, ``.omega_hierarchical``, ``.alpha``, ``.group`` (rows g, F1*, ..;
    columns total general group), ``.loadings`` (g, F1*.., h2, u2, p2), and ``.omega_limit`` (omega_h /
    omega_total's numerator share), ``.ecv``, ``.g6``, ``.phi`` (oblique factor correlations),
    ``.key`` (+1/-1: items psych reversed because their general loading was negative)."""

    omega_total: float
    omega_hierarchical: float
    alpha: float
    group: pd.DataFrame
    loadings: pd.DataFrame
    omega_limit: float
    ecv: float
    g6: float
    phi: pd.DataFrame
    key: pd.Series
    n_factors: int

    def to_frame(self) -> pd.DataFrame:
        return self.loadings

    def summary(self) -> str:
        flipped = [str(i) for i in self.key.index[self.key < 0]]
        lines = ["Omega", f"Alpha:                 {self.alpha:.2f}", f"G.6:                   {self.g6:.2f}",
                 f"Omega Hierarchical:    {self.omega_hierarchical:.2f}",
                 f"Omega H asymptotic:    {self.omega_limit:.2f}", f"Omega Total            {self.omega_total:.2f}",
                 "", "Schmid Leiman Factor loadings",
                 self.loadings.to_string(float_format="{:.2f}".format)]
        if flipped:
            lines += ["", f"Reversed (negative general loading): {', '.join(flipped)}"]
        lines += ["", "Omega group", self.group.to_string(float_format="{:.2f}".format)]
        return "\n".join(lines)


def _schmid(R: np.ndarray, k: int, fm: str, rotation: str):
    """``psych::schmid``: returns (g, group loadings, h2, phi, gloading)."""
    L0, _, _ = extract(R, k, fm)
    orth, _, _ = _postprocess(L0, "varimax")
    if k == 1:
        warnings.warn("omega_h for 1 factor is not meaningful, just omega_total", stacklevel=3)
        fload, phi, gload = orth, np.eye(1), np.ones(1)
    else:
        fload, phi = _rotation.rotate(orth, _ROT[rotation])
        if k > 2:
            gload = extract(phi, 1, fm)[0][:, 0]
        else:
            warnings.warn("three factors are required for identification: the general factor loadings were set "
                          "equal (psych's option = 'equal')", stacklevel=3)
            r12 = phi[0, 1]
            gload = np.array([np.sqrt(abs(r12)), np.sign(r12) * np.sqrt(abs(r12))])
    g = fload @ gload
    h2 = np.sum(orth * orth, axis=1)
    uniq2 = np.maximum(fload**2 * (1.0 - gload**2), 0.0)
    sm = np.sign(fload) * np.sqrt(uniq2)
    return g, sm, h2, phi, gload


def omega(items=None, *, n_factors: int = 3, reverse=(), scale=None, cov=None, n_obs=None, fm: str = "minres",
          rotation: str = "oblimin") -> OmegaResult:
    """McDonald's omega (total and hierarchical) with psych's Schmid-Leiman solution (``psych::omega``).

    Parameters
    ----------
    items : raw item responses (pairwise-complete correlations, as psych), or None with ``cov``.
    n_factors : group factors (psych's ``nfactors``, default 3).
    reverse, scale : items to reverse-key first (``min + max - x``; ``scale=(min, max)``). psych also
        reverses items whose general loading is negative (see ``.key``), so this changes only names/signs.
    cov : a correlation or covariance matrix (DataFrame, index = columns) instead of ``items``, e.g. the
        polychoric matrix for ordinal omega; rescaled to correlations.
    n_obs : respondents (unused by the estimates; kept for symmetry with ``efa``).
    fm : extraction, "minres" (default), "ml" or "pa". rotation : "oblimin" (default), "geomin"
        (geominQ) or "promax" (each checked against psych 2.2.9, tests/reference/omega.R).
    """
    if (items is None) == (cov is None):
        raise EngageSurveyError("give either items (raw responses) or cov (a correlation matrix), not both")
    if fm not in ("minres", "ml", "pa"):
        raise EngageSurveyError(f"fm must be 'minres', 'ml' or 'pa', got {fm!r}")
    if rotation not in _ROT:
        raise EngageSurveyError(f"rotation must be one of {', '.join(_ROT)}, got {rotation!r}")
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) or n_factors < 1:
        raise EngageSurveyError(f"n_factors must be a positive integer, got {n_factors!r}")
    reverse = list(reverse or ())
    if items is not None:
        frame = item_frame(items, what="items")
        src = reverse_items(frame, reverse, scale) if reverse else frame
        R, names, n_obs, _ = correlation_input(src, n_obs)
    else:
        if not isinstance(cov, pd.DataFrame) or cov.shape[0] != cov.shape[1]:
            raise EngageSurveyError("cov must be a square DataFrame (a correlation or covariance matrix)")
        R, names, n_obs, _ = correlation_input(cov, n_obs, what="cov")
        unknown = [r for r in reverse if r not in names]
        if unknown:
            raise EngageSurveyError(f"reverse names items that are not columns: {', '.join(map(str, unknown))}")
        s = np.array([-1.0 if nm in reverse else 1.0 for nm in names])
        R = R * np.outer(s, s)
    p = R.shape[0]
    if p < 3:
        raise EngageSurveyError(f"omega needs at least 3 items, got {p}")
    dof = p * (p - 1) / 2 - p * n_factors + n_factors * (n_factors - 1) / 2
    if n_factors >= p:
        raise EngageSurveyError(f"n_factors={n_factors} is too many for {p} items: need fewer factors than items")
    if dof < 0:
        warnings.warn(f"n_factors={n_factors} with {p} items leaves {dof:.0f} degrees of freedom: the factor "
                      "solution is not identified (psych runs it anyway)", stacklevel=2)
    with _one_thread():
        g, sm, h2, phi, _ = _schmid(R, int(n_factors), fm, rotation)
    u2 = np.diag(R) - h2
    key = np.sign(g)
    key[key == 0] = 1
    m = R * np.outer(key, key)
    g, sm = g * key, sm * key[:, None]
    Vt = float(m.sum())
    gsq = float(g.sum() ** 2)
    om_tot = (Vt - u2.sum()) / Vt
    alpha = (Vt - np.trace(m)) / Vt * p / (p - 1)
    g6 = (Vt + smc(m).sum() - np.trace(m)) / Vt
    ev = np.concatenate([[np.sum(g * g)], np.sum(sm * sm, axis=0)])
    k = sm.shape[1]
    gcols = [f"F{j + 1}*" for j in range(k)]
    sub = np.argmax(np.abs(sm), axis=1)
    tot, gen, grp = np.full(k + 1, np.nan), np.full(k + 1, np.nan), np.full(k + 1, np.nan)
    grs = 0.0
    for j in range(k):  # loop over group factors (a handful), not respondents
        gi = np.flatnonzero(sub == j)
        if len(gi):
            Vg = m[np.ix_(gi, gi)].sum()
            gr = sm[gi, j].sum()
            grs += gr**2
            grp[j + 1] = gr**2 / Vg
            gen[j + 1] = g[gi].sum() ** 2 / Vg
            tot[j + 1] = (gr**2 + g[gi].sum() ** 2) / Vg
    tot[0], gen[0], grp[0] = om_tot, gsq / Vt, grs / Vt
    loadings = pd.DataFrame(sm, index=names, columns=gcols)
    loadings.insert(0, "g", g)
    loadings["h2"], loadings["u2"], loadings["p2"] = h2, u2, g * g / h2
    fn = [f"F{j + 1}" for j in range(phi.shape[0])]
    return OmegaResult(
        omega_total=float(om_tot), omega_hierarchical=gsq / Vt, alpha=float(alpha),
        group=pd.DataFrame({"total": tot, "general": gen, "group": grp}, index=["g"] + gcols),
        loadings=loadings, omega_limit=float(gsq / (Vt - u2.sum())), ecv=float(ev[0] / ev.sum()), g6=float(g6),
        phi=pd.DataFrame(phi, index=fn, columns=fn), key=pd.Series(key.astype(int), index=names, name="key"),
        n_factors=int(n_factors))
