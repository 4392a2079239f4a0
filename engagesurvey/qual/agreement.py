"""Agreement between coders: Cohen's kappa, Fleiss' kappa and Krippendorff's alpha, overall and per code.

Formulas
--------
Cohen's kappa (two coders, units coded by both; p_ij the share of units coder 1 put in i and coder 2 in j,
p_o = sum_i p_ii, p_e = sum_i p_i. p_.i):  kappa = (p_o - p_e) / (1 - p_e).
Its large-sample variance (Fleiss, Cohen & Everitt 1969, as ``psych::cohen.kappa``)::

    Var = [ sum_i p_ii ((1 - p_e) - (p_i. + p_.i)(1 - p_o))^2
            + (1 - p_o)^2 sum_{i != j} p_ij (p_.i + p_j.)^2 - (p_o p_e - 2 p_e + p_o)^2 ] / (n (1 - p_e)^4)

CI = kappa -/+ z SE, clipped to [-1, 1] as psych does. The z test uses the null variance
(p_e + p_e^2 - sum_i p_i. p_.i (p_i. + p_.i)) / (n (1 - p_e)^2) (Fleiss, Cohen & Everitt 1969).

Fleiss' kappa (m coders, units coded by all of them; n_ij coders putting unit i in category j, N units,
p_j = sum_i n_ij / (N m), P_i = (sum_j n_ij^2 - m) / (m (m - 1))):  kappa = (mean P_i - sum p_j^2) /
(1 - sum p_j^2), with the large-sample standard error of Fleiss, Nee & Landis (1979), as ``irr::kappam.fleiss``::

    SE = sqrt(2) / (sum_j p_j q_j sqrt(N m (m - 1))) sqrt((sum_j p_j q_j)^2 - sum_j p_j q_j (q_j - p_j))

This SE is derived under kappa = 0 (it is the one irr uses for its z test); the CI kappa -/+ z SE built
from it is an approximation that is too narrow or wide when kappa is far from 0.

Krippendorff's alpha (coincidence-matrix formulation, Krippendorff 2011): with n_uc the number of coders
putting unit u in value c and m_u = sum_c n_uc (units with m_u >= 2 are pairable),
o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1), n_c = sum_k o_ck, n = sum_c n_c::

    alpha = 1 - (n - 1) sum_ck o_ck d2_ck / sum_ck n_c n_k d2_ck

with d2 = [c != k] (nominal), (c - k)^2 (interval), ((c - k) / (c + k))^2 (ratio) and, for ordinal,
(sum_{g=c..k} n_g - (n_c + n_k) / 2)^2. Its CI is a percentile bootstrap over units (seeded; the
per-unit coincidence matrices are re-weighted with multinomial counts, no loop over draws). This differs
from Krippendorff's own bootstrap (which resamples pairable values); say which in a report.

Checked against: base-R implementations of these formulas and ``psych::cohen.kappa``
(``tests/reference/qual_kappa.R``), Fleiss (1971)'s diagnoses data as reproduced by ``irr``, the worked
example of Krippendorff (2011), and the ``krippendorff`` package on PyPI.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. Educ. Psychol. Meas., 20, 37-46.
Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and weighted
kappa. Psychological Bulletin, 72, 323-327.
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychol. Bull., 76, 378-382.
Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of kappa in the case of
different sets of raters. Psychological Bulletin, 86, 974-977.
Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School, U. Pennsylvania.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from ..errors import EngageSurveyError

LEVELS = ("nominal", "ordinal", "interval", "ratio")


# --------------------------------------------------------------------------------- Krippendorff's alpha


def _values_matrix(matrix, level):
    """(coders x units) input -> (category index matrix with -1 = missing, category values)."""
    if isinstance(matrix, pd.DataFrame):
        arr = matrix.to_numpy(dtype=object)
    else:
        arr = np.asarray(matrix, dtype=object)
    if arr.ndim != 2:
        raise EngageSurveyError(f"krippendorff_alpha: matrix must be 2-D (coders x units), got {arr.ndim}-D")
    flat = pd.Series(arr.ravel())
    miss = flat.isna().to_numpy()
    if level == "nominal":
        codes, uniq = pd.factorize(flat, sort=True)
        values = np.arange(len(uniq), dtype=float)
    else:
        num = pd.to_numeric(flat, errors="coerce")
        bad = num.isna().to_numpy() & ~miss
        if bad.any():
            raise EngageSurveyError(
                f"krippendorff_alpha: level {level!r} needs numbers, got {flat[bad].iloc[0]!r}")
        codes, uniq = pd.factorize(num, sort=True)
        values = np.asarray(uniq, dtype=float)
        if level == "ratio" and (values < 0).any():
            raise EngageSurveyError("krippendorff_alpha: level 'ratio' needs values >= 0")
    codes = np.where(miss, -1, codes).reshape(arr.shape)
    return codes, values


def _unit_counts(codes: np.ndarray, n_cat: int) -> np.ndarray:
    """n_uc: units x categories counts from a coders x units code matrix (-1 = missing)."""
    n_units = codes.shape[1]
    ok = codes >= 0
    unit_idx = np.broadcast_to(np.arange(n_units), codes.shape)[ok]
    out = np.zeros((n_units, n_cat))
    np.add.at(out, (unit_idx, codes[ok]), 1.0)
    return out


def _delta(level, values, n_c):
    """Squared difference function d2 (C x C), or (B x C x C) when n_c is (B x C) and level is ordinal."""
    v = values
    if level == "nominal":
        return 1.0 - np.eye(len(v))
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        s = v[:, None] + v[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(s == 0, 0.0, ((v[:, None] - v[None, :]) / np.where(s == 0, 1, s)) ** 2)
        return d
    # ordinal: (sum_{g=c..k} n_g - (n_c + n_k)/2)^2, n_g marginal totals of the coincidence matrix
    cum = np.cumsum(n_c, axis=-1)
    lo = np.minimum.outer(np.arange(len(v)), np.arange(len(v)))
    hi = np.maximum.outer(np.arange(len(v)), np.arange(len(v)))
    between = cum[..., hi] - cum[..., lo] + n_c[..., lo]
    return (between - (n_c[..., :, None] + n_c[..., None, :]) / 2.0) ** 2


def _unit_coincidences(counts: np.ndarray):
    """Per-unit coincidence contributions (U x C x C) for pairable units."""
    m = counts.sum(1)
    keep = m >= 2
    n = counts[keep]
    mm = m[keep]
    o = (n[:, :, None] * n[:, None, :] - n[:, :, None] * np.eye(n.shape[1])[None]) / (mm - 1)[:, None, None]
    return o


def _alpha_from_o(o, level, values):
    """alpha from a coincidence matrix (C x C) or a stack (B x C x C)."""
    n_c = o.sum(-1)
    n = n_c.sum(-1)
    d = _delta(level, values, n_c)
    num = (o * d).sum((-2, -1))
    den = (n_c[..., :, None] * n_c[..., None, :] * d).sum((-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        a = 1.0 - (n - 1) * num / den
    return np.where(den > 0, a, np.nan)


def krippendorff_alpha(matrix, *, level: str = "nominal") -> float:
    """Krippendorff's alpha for a coders x units reliability matrix (NaN = not coded).

    Parameters
    ----------
    matrix : array-like or DataFrame, coders x units
        Values assigned by each coder to each unit; missing (NaN/None) where a coder did not code a unit.
        Nominal values may be any labels; the other levels need numbers (ratio: non-negative).
    level : {"nominal", "ordinal", "interval", "ratio"}

    Returns
    -------
    float
        alpha; NaN when there is no variation to assess (one value only, or no pairable unit).

    Notes
    -----
    alpha = 1 - D_o / D_e from the coincidence matrix (see the module docstring). Units coded by fewer
    than two coders are not pairable and do not count. Checked against Krippendorff's (2011) worked
    example (nominal .743, ordinal .815, interval .849, ratio .797), a base-R implementation
    (``tests/reference/qual_kappa.R``) and the ``krippendorff`` package.
    """
    if level not in LEVELS:
        raise EngageSurveyError(f"krippendorff_alpha: level must be one of {', '.join(LEVELS)}, got {level!r}")
    codes, values = _values_matrix(matrix, level)
    if len(values) == 0:
        return float("nan")
    o = _unit_coincidences(_unit_counts(codes, len(values))).sum(0)
    return float(_alpha_from_o(o, level, values))


def _alpha_with_ci(codes, values, level, ci, n_boot, rng):
    """alpha and its percentile bootstrap CI over units (vectorised over draws)."""
    if len(values) == 0:
        return float("nan"), (float("nan"), float("nan"))
    per_unit = _unit_coincidences(_unit_counts(codes, len(values)))
    alpha = float(_alpha_from_o(per_unit.sum(0), level, values))
    U = per_unit.shape[0]
    if not n_boot or U < 2 or not np.isfinite(alpha):
        return alpha, (float("nan"), float("nan"))
    w = rng.multinomial(U, np.full(U, 1.0 / U), size=n_boot).astype(float)
    C = len(values)
    ob = (w @ per_unit.reshape(U, C * C)).reshape(n_boot, C, C)
    boots = _alpha_from_o(ob, level, values)
    q = (1 - ci) / 2
    lo, hi = np.nanquantile(boots, [q, 1 - q]) if np.isfinite(boots).any() else (np.nan, np.nan)
    return alpha, (float(lo), float(hi))


# ------------------------------------------------------------------------------------------- kappas


def _cohen(a: np.ndarray, b: np.ndarray, n_cat: int, ci: float) -> dict:
    """Cohen's kappa for two coders' category indices (units coded by both)."""
    out = {"kappa": np.nan, "se": np.nan, "ci": (np.nan, np.nan), "z": np.nan, "pvalue": np.nan,
           "n": len(a), "p_o": np.nan}
    if len(a) == 0:
        return out
    t = np.zeros((n_cat, n_cat))
    np.add.at(t, (a, b), 1.0)
    n = t.sum()
    p = t / n
    r, c = p.sum(1), p.sum(0)
    po, pe = float(np.trace(p)), float(r @ c)
    out["p_o"] = po
    if pe >= 1:
        return out
    kappa = (po - pe) / (1 - pe)
    rc = r[:, None] + c[None, :]  # r_i + c_j
    off = p * (c[:, None] + r[None, :]) ** 2  # p_ij (p_.i + p_j.)^2
    var = (np.sum(np.diag(p) * ((1 - pe) - np.diag(rc) * (1 - po)) ** 2)
           + (1 - po) ** 2 * (off.sum() - np.trace(off)) - (po * pe - 2 * pe + po) ** 2) / (n * (1 - pe) ** 4)
    se = float(np.sqrt(var)) if var >= 0 else 0.0
    zc = stats.norm.ppf(1 - (1 - ci) / 2)
    var0 = (pe + pe ** 2 - float(np.sum(r * c * (r + c)))) / (n * (1 - pe) ** 2)
    z = kappa / np.sqrt(var0) if var0 > 0 else np.nan
    out.update(kappa=float(kappa), se=se,
               ci=(float(max(-1.0, kappa - zc * se)), float(min(1.0, kappa + zc * se))),
               z=float(z), pvalue=float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan)
    return out


def fleiss_from_counts(counts: np.ndarray, ci: float = 0.95) -> dict:
    """Fleiss' kappa from a units x categories count table (every unit with the same number of coders)."""
    counts = np.asarray(counts, float)
    out = {"kappa": np.nan, "se": np.nan, "ci": (np.nan, np.nan), "z": np.nan, "pvalue": np.nan,
           "n": int(counts.shape[0]), "p_bar": np.nan}
    if counts.shape[0] == 0:
        return out
    m = counts.sum(1)
    if not np.all(m == m[0]) or m[0] < 2:
        raise EngageSurveyError("Fleiss' kappa needs the same number (>= 2) of coders for every unit")
    m = m[0]
    N = counts.shape[0]
    pj = counts.sum(0) / (N * m)
    Pi = ((counts ** 2).sum(1) - m) / (m * (m - 1))
    pbar, pe = float(Pi.mean()), float(np.sum(pj ** 2))
    out["p_bar"] = pbar
    if pe >= 1:
        return out
    kappa = (pbar - pe) / (1 - pe)
    qj = 1 - pj
    spq = float(np.sum(pj * qj))
    se = np.sqrt(2) / (spq * np.sqrt(N * m * (m - 1))) * np.sqrt(spq ** 2 - np.sum(pj * qj * (qj - pj)))
    zc = stats.norm.ppf(1 - (1 - ci) / 2)
    z = kappa / se
    out.update(kappa=float(kappa), se=float(se), ci=(float(kappa - zc * se), float(kappa + zc * se)),
               z=float(z), pvalue=float(2 * stats.norm.sf(abs(z))))
    return out


def cohen_kappa(rater1, rater2, *, ci: float = 0.95) -> dict:
    """Cohen's kappa for two coders' labels (pairs with a missing label are left out).

    Returns a dict: kappa, se (Fleiss, Cohen & Everitt 1969), ci, z and pvalue (null variance), n, p_o.
    Checked against ``psych::cohen.kappa`` (``tests/reference/qual_kappa.R``).
    """
    s1, s2 = pd.Series(np.asarray(rater1, dtype=object)), pd.Series(np.asarray(rater2, dtype=object))
    if len(s1) != len(s2):
        raise EngageSurveyError(f"cohen_kappa: {len(s1)} labels for coder 1 but {len(s2)} for coder 2")
    ok = s1.notna() & s2.notna()
    codes, uniq = pd.factorize(pd.concat([s1[ok], s2[ok]], ignore_index=True), sort=True)
    k = int(ok.sum())
    return _cohen(codes[:k], codes[k:], len(uniq), ci)


# ------------------------------------------------------------------------------------------- results


@dataclass(repr=False)
class AgreementResult(ResultMixin):
    """Agreement between coders. Overall statistics treat each (unit, coder) judgement as one nominal
    category; ``.by_code`` treats each code as present/absent per unit."""

    n_units: int
    n_coders: int
    coders: list
    categories: list
    cohen_kappa: float
    cohen_se: float
    cohen_ci: tuple
    cohen_z: float
    cohen_pvalue: float
    fleiss_kappa: float
    fleiss_se: float
    fleiss_ci: tuple
    fleiss_z: float
    fleiss_pvalue: float
    krippendorff_alpha: float
    alpha_ci: tuple
    percent_agreement: float
    by_code: pd.DataFrame
    multi_label: bool = False
    ci: float = 0.95
    n_boot: int = 1000
    notes: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"AgreementResult(n_units={self.n_units}, n_coders={self.n_coders}, "
                f"fleiss_kappa={self.fleiss_kappa:.4f}, krippendorff_alpha={self.krippendorff_alpha:.4f})")

    def to_frame(self) -> pd.DataFrame:
        rows = [("cohen_kappa", self.cohen_kappa, self.cohen_se, *self.cohen_ci, self.cohen_z, self.cohen_pvalue),
                ("fleiss_kappa", self.fleiss_kappa, self.fleiss_se, *self.fleiss_ci, self.fleiss_z,
                 self.fleiss_pvalue),
                ("krippendorff_alpha", self.krippendorff_alpha, np.nan, *self.alpha_ci, np.nan, np.nan)]
        return pd.DataFrame(rows, columns=["statistic", "est", "se", "ci_lower", "ci_upper", "z", "pvalue"]
                            ).set_index("statistic")

    def summary(self) -> str:
        pct = int(round(self.ci * 100))
        lines = [f"Agreement between coders: {self.n_units} units, {self.n_coders} coders "
                 f"({', '.join(map(str, self.coders))})", ""]
        if self.multi_label:
            lines.append("Overall: not computed (several codes per unit and coder); see per-code agreement.")
        else:
            lines += [f"{'':22}{'est':>8}{'se':>8}  {pct}% CI", self._line("Cohen's kappa", self.cohen_kappa,
                      self.cohen_se, self.cohen_ci), self._line("Fleiss' kappa", self.fleiss_kappa,
                      self.fleiss_se, self.fleiss_ci), self._line("Krippendorff's alpha",
                      self.krippendorff_alpha, np.nan, self.alpha_ci),
                      f"Percent agreement: {self.percent_agreement:.3f}"]
        lines += ["", "Per code (present/absent):"]
        cols = ["n_units", "prevalence", "percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"]
        lines.append(self.by_code[cols].to_string(float_format=lambda x: f"{x:.3f}"))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    @staticmethod
    def _line(name, est, se, ci):
        s = "" if not np.isfinite(se) else f"{se:8.3f}"
        return f"{name:22}{est:8.3f}{s:>8}  [{ci[0]:.3f}, {ci[1]:.3f}]"


def _check_long(coded, unit, coder, code) -> pd.DataFrame:
    data = getattr(coded, "data", coded)
    if not isinstance(data, pd.DataFrame):
        raise EngageSurveyError(f"agreement: coded must be a DataFrame (or read_coded's result), got "
                                f"{type(coded).__name__}")
    for role, col in (("unit", unit), ("coder", coder), ("code", code)):
        if col not in data.columns:
            raise EngageSurveyError(f"agreement: {role} column {col!r} not found; columns: "
                                    f"{', '.join(map(str, data.columns))}")
    d = data[[unit, coder, code]].copy()
    for col in (unit, coder):
        if d[col].isna().any():
            row = int(np.flatnonzero(d[col].isna().to_numpy())[0])
            raise EngageSurveyError(f"agreement: row {row}: column {col!r} is missing")
    return d


def agreement(coded, *, unit: str = "unit", coder: str = "coder", code: str = "code",
              unseen: str = "absent", ci: float = 0.95, n_boot: int = 1000, seed=None) -> AgreementResult:
    """Agreement between coders on qualitative codes.

    Parameters
    ----------
    coded : DataFrame (or the result of :func:`read_coded`)
        Long format: one row per (unit, coder) judgement, columns ``unit``, ``coder``, ``code``. A missing
        code means the coder read the unit and gave it no code.
    unseen : {"absent", "missing"}
        For the per-code analysis: a coder with no row for a unit either judged every code absent there
        ("absent", the default: every coder read every unit) or did not code it ("missing").
    ci : float
        Confidence level. n_boot, seed: bootstrap draws over units for Krippendorff's alpha.

    Returns
    -------
    AgreementResult
        ``.cohen_kappa`` (exactly two coders, else NaN; units coded by both), ``.fleiss_kappa`` (units
        coded by every coder), ``.krippendorff_alpha`` (nominal; every pairable unit), each with SE / CI;
        ``.by_code`` DataFrame indexed by code: n_units prevalence percent_agreement cohen_kappa
        cohen_ci_lower cohen_ci_upper fleiss_kappa fleiss_ci_lower fleiss_ci_upper krippendorff_alpha
        alpha_ci_lower alpha_ci_upper. When some unit carries several codes from one coder the overall
        statistics are NaN (a warning says so) and only ``.by_code`` applies.

    Formulas and references: see the module docstring. Checked against base R and ``psych::cohen.kappa``
    (``tests/reference/qual_kappa.R``).
    """
    if unseen not in ("absent", "missing"):
        raise EngageSurveyError(f"agreement: unseen must be 'absent' or 'missing', got {unseen!r}")
    if not 0 < ci < 1:
        raise EngageSurveyError(f"agreement: ci must be in (0, 1), got {ci!r}")
    d = _check_long(coded, unit, coder, code)
    rng = np.random.default_rng(seed)
    units = pd.Index(pd.unique(d[unit]))
    coders = pd.Index(pd.unique(d[coder]))
    if len(coders) < 2:
        raise EngageSurveyError(f"agreement: need at least 2 coders in column {coder!r}, found {len(coders)}")
    ui = units.get_indexer(d[unit])
    ci_ = coders.get_indexer(d[coder])
    has_code = d[code].notna().to_numpy()
    cats, cat_names = pd.factorize(d[code].where(has_code), sort=True)
    K, U = len(coders), len(units)
    notes = []
    # overall nominal: one category per (coder, unit)
    per_pair = pd.DataFrame({"c": ci_[has_code], "u": ui[has_code], "k": cats[has_code]}).drop_duplicates()
    multi = bool(per_pair.duplicated(["c", "u"]).any())
    mat = np.full((K, U), -1)
    if multi:
        warnings.warn("agreement: some units carry several codes from one coder; the overall nominal "
                      "statistics need one code per unit and coder and are left NaN; use .by_code",
                      stacklevel=2)
        notes.append("several codes per unit and coder: overall statistics not computed")
    else:
        mat[per_pair["c"].to_numpy(), per_pair["u"].to_numpy()] = per_pair["k"].to_numpy()
    C = len(cat_names)
    ov = _overall(mat, C, ci, n_boot, rng) if not multi else _overall(np.full((K, U), -1), 0, ci, 0, rng)
    # per code: presence/absence
    seen = np.zeros((K, U), bool)
    seen[ci_, ui] = True
    rows = []
    for j, name in enumerate(cat_names):
        pres = np.zeros((K, U), int)
        sel = has_code & (cats == j)
        pres[ci_[sel], ui[sel]] = 1
        m = pres.copy() if unseen == "absent" else np.where(seen, pres, -1)
        r = _overall(m, 2, ci, n_boot, rng)
        obs = m[m >= 0]
        rows.append({"code": name, "n_units": int(((m >= 0).sum(0) >= 2).sum()),
                     "prevalence": float(obs.mean()) if obs.size else np.nan,
                     "percent_agreement": r["percent"], "cohen_kappa": r["cohen"]["kappa"],
                     "cohen_ci_lower": r["cohen"]["ci"][0], "cohen_ci_upper": r["cohen"]["ci"][1],
                     "fleiss_kappa": r["fleiss"]["kappa"], "fleiss_ci_lower": r["fleiss"]["ci"][0],
                     "fleiss_ci_upper": r["fleiss"]["ci"][1], "krippendorff_alpha": r["alpha"],
                     "alpha_ci_lower": r["alpha_ci"][0], "alpha_ci_upper": r["alpha_ci"][1]})
    by_code = pd.DataFrame(rows).set_index("code") if rows else pd.DataFrame(
        columns=["n_units", "prevalence", "percent_agreement", "cohen_kappa", "fleiss_kappa",
                 "krippendorff_alpha"])
    c, f = ov["cohen"], ov["fleiss"]
    return AgreementResult(
        n_units=U, n_coders=K, coders=list(coders), categories=list(cat_names),
        cohen_kappa=c["kappa"], cohen_se=c["se"], cohen_ci=c["ci"], cohen_z=c["z"], cohen_pvalue=c["pvalue"],
        fleiss_kappa=f["kappa"], fleiss_se=f["se"], fleiss_ci=f["ci"], fleiss_z=f["z"], fleiss_pvalue=f["pvalue"],
        krippendorff_alpha=ov["alpha"], alpha_ci=ov["alpha_ci"], percent_agreement=ov["percent"],
        by_code=by_code, multi_label=multi, ci=ci, n_boot=n_boot, notes=notes)


def _overall(mat: np.ndarray, C: int, ci: float, n_boot: int, rng) -> dict:
    """All three statistics for a coders x units category-index matrix (-1 = not coded)."""
    K = mat.shape[0]
    nan2 = (np.nan, np.nan)
    empty = {"kappa": np.nan, "se": np.nan, "ci": nan2, "z": np.nan, "pvalue": np.nan}
    res = {"cohen": dict(empty), "fleiss": dict(empty), "alpha": np.nan, "alpha_ci": nan2, "percent": np.nan}
    if C == 0:
        return res
    if K == 2:
        both = (mat[0] >= 0) & (mat[1] >= 0)
        res["cohen"] = _cohen(mat[0, both], mat[1, both], C, ci)
    complete = (mat >= 0).all(0)
    if complete.any():
        counts = _unit_counts(mat[:, complete], C)
        res["fleiss"] = fleiss_from_counts(counts, ci)
        res["percent"] = res["fleiss"]["p_bar"]
    res["alpha"], res["alpha_ci"] = _alpha_with_ci(mat, np.arange(C, dtype=float), "nominal", ci, n_boot, rng)
    return res
