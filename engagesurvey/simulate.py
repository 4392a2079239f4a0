"""A simulated multi-agency ASN survey, generated from a population model of the paper.

Model (standardised latent variables; employees ``i`` in units ``u`` in agencies ``g``)::

    CiD_i   = unit effect (ICC ``icc_cid``) + individual part            coaching in the performance dialogue
    SUP_i   = rho_sup * CiD_i + ...     FE_i = rho_fe * CiD_i + ...       supervisor support, feedback env.
    CLIM_i  = unit-level + individual learning climate (moderator of H8)
    WE_i    = a * CiD_i + w_clim * CLIM_i + h8 * CiD_i * CLIM_i + unit effect + e   (H1, H8)
    TASK_i  = b_task * WE_i + c_task * CiD_i + e                                    (H2, H3, H4)
    CTX_i   = b_ctx * WE_i + c_ctx * CiD_i + e
    CWB_i   = b_cwb * WE_i + e          (no direct CiD effect: a known null)
    tenure, grade, position, gender: covariates with no effect on WE (known nulls)

Items load on their subscale factor (``loading``), subscales on their scale factor; answers are cut into
the instrument's response categories by fixed thresholds, reverse-keyed items get the opposite sign. The
official rating is forced-distributed within each unit (rank of a latent performance within the unit:
top 20% above, bottom 10% below expectations), and the predikat follows the PermenPANRB 6/2022 matrix.
Some answers are missing at random, and some respondents answer carelessly (straight-lining or random).

The "truth" for an analysis of observed scale scores is not the latent coefficient (scores are attenuated
by measurement error): :func:`population_effects` estimates the observed-score targets from one very
large draw of the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .instrument import Instrument, load_instrument

DEMO_INSTRUMENTS = ("cid", "we", "perf", "support", "feedback", "climate", "learning", "rating")


@dataclass
class PopulationModel:
    """Latent-variable coefficients of the simulation (all standardised)."""

    icc_cid: float = 0.15
    icc_we: float = 0.10
    a: float = 0.45           # CiD -> WE
    w_clim: float = 0.15      # climate -> WE
    h8: float = 0.10          # CiD x climate -> WE
    b_task: float = 0.40      # WE -> task performance
    c_task: float = 0.12      # CiD -> task performance (direct)
    b_ctx: float = 0.35
    c_ctx: float = 0.10
    b_cwb: float = -0.25      # WE -> counterproductive
    rho_sup: float = 0.55     # corr(CiD, supervisor support)
    rho_fe: float = 0.60      # corr(CiD, feedback environment)
    h7: float = 0.30          # CiD -> log-ratio people/work in the learning mix
    loading: float = 0.78     # item on its subscale factor
    facet: float = 0.85       # subscale factor on its scale factor
    missing_rate: float = 0.02
    careless_rate: float = 0.03


@dataclass
class SimulatedSurvey:
    """The simulated export (``data``, answer labels as text) and the latent truth behind it."""

    data: pd.DataFrame
    latent: pd.DataFrame
    model: PopulationModel
    seed: int
    lang: str
    instruments: dict = field(default_factory=dict)

    def write(self, path) -> Path:
        """Write the export as CSV (UTF-8 with BOM, as survey platforms do) or .xlsx by extension."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".xlsx":
            self.data.to_excel(path, index=False)
        else:
            self.data.to_csv(path, index=False, encoding="utf-8-sig")
        return path


def _agency_names(n: int) -> list[str]:
    """``n`` distinct agency names: the list below, then numbered copies of it."""
    return [_AGENCIES[k % len(_AGENCIES)] + (f" {k // len(_AGENCIES) + 1}" if k >= len(_AGENCIES) else "")
            for k in range(n)]


_AGENCIES = [
    "Kementerian Keuangan", "Kementerian Dalam Negeri", "Lembaga Administrasi Negara",
    "Badan Kepegawaian Negara", "Kementerian PANRB", "Pemerintah Provinsi Jawa Barat",
    "Pemerintah Kota Surabaya", "Pemerintah Kabupaten Sleman", "Kementerian Kesehatan",
    "Badan Pusat Statistik", "Pemerintah Provinsi Sulawesi Selatan", "Kementerian Pendidikan",
    "Pemerintah Kota Medan", "Pemerintah Provinsi Bali", "Badan Riset dan Inovasi Nasional",
]


def simulate(
    n_agencies: int = 12,
    n_units: int = 150,
    n_employees: int = 3000,
    *,
    seed: int = 2026,
    lang: str = "id",
    model: PopulationModel | None = None,
    labels: bool = True,
) -> SimulatedSurvey:
    """Simulate a multi-agency engagement survey (seeded, reproducible).

    Returns a :class:`SimulatedSurvey` whose ``data`` looks like a platform export: a respondent id,
    agency, unit, covariates, completion time, and one column per item holding the answer label in
    ``lang`` (or the numeric code with ``labels=False``).
    """
    from .errors import EngageSurveyError

    for name, value in (("n_agencies", n_agencies), ("n_units", n_units), ("n_employees", n_employees)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise EngageSurveyError(f"simulate: {name} must be a whole number >= 1, got {value!r}")
    if n_units < n_agencies or n_employees < 2 * n_units:
        raise EngageSurveyError("simulate needs n_units >= n_agencies and at least 2 employees per unit")
    if lang not in ("id", "en"):
        raise EngageSurveyError(f"simulate: lang must be 'id' or 'en', got {lang!r}")
    m = model or PopulationModel()
    rng = np.random.default_rng(seed)
    latent, meta = _latent(rng, m, n_agencies, n_units, n_employees)
    instruments = {i: load_instrument(i) for i in DEMO_INSTRUMENTS}
    columns = dict(meta)
    factor_of = {"cid": "CiD", "we": "WE", "support": "SUP", "feedback": "FE", "climate": "CLIM",
                 "perf_task": "TASK", "perf_contextual": "CTX", "perf_counterproductive": "CWB",
                 "informal": "INF"}
    careless = rng.random(n_employees) < m.careless_rate
    style = rng.random(n_employees) < 0.5  # straight-liner or random responder
    position = rng.choice([0.5, 0.75, 1.0], size=n_employees)  # where a straight-liner sits
    for iid, inst in instruments.items():
        codes = _instrument_codes(rng, inst, latent, factor_of, m)
        for item_id, x in codes.items():
            rs = inst.response_scales[inst.all_items()[item_id].response_scale]
            if not rs.numeric and iid not in ("rating",):
                opts = np.array(rs.codes())
                straight = opts[np.round(position * (len(opts) - 1)).astype(int)]
                rand = rng.choice(opts, size=n_employees)
                x = np.where(careless & style, straight, np.where(careless & ~style, rand, x))
            if iid not in ("rating",):
                x = np.where(rng.random(n_employees) < m.missing_rate, np.nan, x)
            columns[item_id] = _labelled(x, rs, lang) if labels and not rs.numeric else x
    columns.update(_rating(rng, latent, meta["unit"], instruments["rating"], lang, labels))
    secs = rng.lognormal(np.log(900), 0.35, n_employees)
    secs = np.where(careless, rng.uniform(60, 200, n_employees), secs)
    columns["duration_seconds"] = np.round(secs).astype(int)
    data = pd.DataFrame(columns)
    latent["careless"] = careless
    return SimulatedSurvey(data=data, latent=latent, model=m, seed=seed, lang=lang,
                           instruments=instruments)


# ------------------------------------------------------------------------------------ latent model


def _latent(rng, m: PopulationModel, n_agencies, n_units, n):
    agency_of_unit = np.sort(np.concatenate([np.arange(n_agencies),
                                             rng.integers(0, n_agencies, n_units - n_agencies)]))
    unit = np.concatenate([np.arange(n_units), rng.integers(0, n_units, n - n_units)])
    unit = np.sort(unit)
    agency = agency_of_unit[unit]

    def multilevel(icc):
        u = rng.normal(0, np.sqrt(icc), n_units)[unit]
        return u + rng.normal(0, np.sqrt(1 - icc), n)

    cid = multilevel(m.icc_cid)
    sup = m.rho_sup * cid + np.sqrt(1 - m.rho_sup**2) * rng.normal(size=n)
    fe = m.rho_fe * cid + np.sqrt(1 - m.rho_fe**2) * rng.normal(size=n)
    clim = multilevel(0.10)
    we_mean = m.a * cid + m.w_clim * clim + m.h8 * cid * clim
    we_res = 1 - (m.a**2 + m.w_clim**2 + m.h8**2)
    we = we_mean + np.sqrt(m.icc_we * we_res) * rng.normal(size=n_units)[unit] + np.sqrt(
        (1 - m.icc_we) * we_res) * rng.normal(size=n)

    def outcome(b, c):
        r2 = b**2 + c**2 + 2 * b * c * m.a
        return b * we + c * cid + np.sqrt(max(1 - r2, 0.05)) * rng.normal(size=n)

    task, ctx, cwb = outcome(m.b_task, m.c_task), outcome(m.b_ctx, m.c_ctx), outcome(m.b_cwb, 0.0)
    inf = 0.35 * cid + np.sqrt(1 - 0.35**2) * rng.normal(size=n)
    latent = pd.DataFrame({"CiD": cid, "SUP": sup, "FE": fe, "CLIM": clim, "WE": we, "TASK": task,
                           "CTX": ctx, "CWB": cwb, "INF": inf})
    grade = rng.choice(["II", "III", "IV"], size=n, p=[0.2, 0.55, 0.25])
    position = rng.choice(["struktural", "fungsional", "pelaksana"], size=n, p=[0.15, 0.45, 0.40])
    meta = {
        "respondent_id": [f"R{k:05d}" for k in rng.permutation(n) + 1],
        "agency": np.array(_agency_names(n_agencies))[agency],
        "unit": np.array([f"U{u + 1:03d}" for u in range(n_units)])[unit],
        "gender": rng.choice(["Perempuan", "Laki-laki"], size=n),
        "tenure_years": np.clip(np.round(rng.gamma(3.0, 4.0, n)), 0, 38).astype(int),
        "grade": grade,
        "position_type": position,
    }
    return latent, meta


def _instrument_codes(rng, inst: Instrument, latent, factor_of, m):
    n = len(latent)
    out = {}
    for sc in inst.scales.values():
        if sc.parent is not None:
            continue
        general = latent[factor_of[sc.id]].to_numpy() if sc.id in factor_of else None
        groups = {sub: inst.scales[sub].items for sub in sc.subscales} or {sc.id: sc.items}
        for sub, items in groups.items():
            if sub in factor_of:
                f = latent[factor_of[sub]].to_numpy()
            else:
                f = m.facet * general + np.sqrt(1 - m.facet**2) * rng.normal(size=n)
            for item_id in items:
                it = inst.items[item_id]
                z = m.loading * f + np.sqrt(1 - m.loading**2) * rng.normal(size=n)
                if it.reverse:
                    z = -z
                if sub == "perf_counterproductive":
                    z = z - 0.8  # rare behaviour: answers pile up at "seldom"
                out[item_id] = _cut(z, inst.response_scales[it.response_scale].codes())
    for chk in inst.attention_checks.values():
        out[chk.id] = np.full(n, chk.pass_codes[0])
    for cs in inst.constant_sums:
        out.update(_constant_sum(rng, latent, cs, m))
    return out


def _cut(z, codes):
    """Ordinal answers from a latent score: thresholds give a mildly positive (left-skewed) spread."""
    k = len(codes)
    probs = np.linspace(0, 1, k + 1)[1:-1] ** 0.8
    from scipy.stats import norm

    thresholds = norm.ppf(probs) - 0.35
    idx = np.searchsorted(thresholds, z)
    return np.asarray(codes, dtype=float)[idx]


def _constant_sum(rng, latent, cs, m):
    n = len(latent)
    cid = latent["CiD"].to_numpy()
    lr_people = np.log(0.20 / 0.70) + m.h7 * cid + 0.4 * rng.normal(size=n)
    lr_formal = np.log(0.10 / 0.70) + 0.4 * rng.normal(size=n)
    w = np.exp(np.column_stack([np.zeros(n), lr_people, lr_formal]))
    share = 100 * w / w.sum(axis=1, keepdims=True)
    whole = np.floor(share)
    rest = (100 - whole.sum(axis=1)).astype(int)
    order = np.argsort(-(share - whole), axis=1)
    for k in range(3):  # largest remainders, so that each row sums to exactly 100
        whole[np.arange(n), order[:, k]] += (rest > k)
    return dict(zip(cs.items[:3], whole.T))


def _rating(rng, latent, unit, inst, lang, labels):
    """Forced distribution within units: top 20% above, middle 70% meets, bottom 10% below."""
    res_latent = latent["TASK"].to_numpy() + 0.6 * rng.normal(size=len(latent))
    beh_latent = latent["CTX"].to_numpy() + 0.6 * rng.normal(size=len(latent))

    def forced(x):
        pct = pd.Series(x).groupby(np.asarray(unit)).rank(pct=True).to_numpy()
        return np.where(pct > 0.8, 3.0, np.where(pct <= 0.1, 1.0, 2.0))

    results, behaviour = forced(res_latent), forced(beh_latent)
    # PermenPANRB 6/2022: rows = results (3 above .. 1 below), columns = behaviour (1 below .. 3 above)
    matrix = {(3, 1): 2, (3, 2): 4, (3, 3): 5, (2, 1): 2, (2, 2): 4, (2, 3): 4,
              (1, 1): 1, (1, 2): 3, (1, 3): 3}
    table = np.zeros((3, 3))
    for (r, b), v in matrix.items():
        table[r - 1, b - 1] = v
    predikat = table[results.astype(int) - 1, behaviour.astype(int) - 1]
    out = {}
    for item_id, x in zip(inst.items, (results, behaviour, predikat)):
        rs = inst.response_scales[inst.items[item_id].response_scale]
        out[item_id] = _labelled(x, rs, lang) if labels else x
    return out


def _labelled(x, rs, lang):
    labels = {o.code: o.label[lang] for o in rs.options}
    return pd.Series(x).map(labels).astype(object).where(~pd.isna(x), None).to_numpy()
