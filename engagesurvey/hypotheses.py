"""Hypotheses in one call: run a YAML spec of tests on scored data, adjust p-values, decide.

A spec (``engagesurvey/specs/default_hypotheses.yaml`` implements H1-H6 of the follow-up study) lists
hypotheses, each with a test and its variables:

* ``regression``: OLS of ``y`` on ``x`` (+ ``covariates``) with cluster-robust SEs (``cluster``); the
  estimate is the coefficient of ``x`` with x and y standardised (a standardised beta);
* ``mediation``: ``x -> m -> y`` indirect effect, percentile bootstrap (cluster bootstrap with
  ``cluster``) on standardised variables;
* ``multilevel_mediation``: the within- (or between-) unit indirect effect of a 1-1-1 design;
* ``ordinal``: proportional-odds logit of an ordinal ``y`` on standardised ``x`` with unit fixed
  effects; the estimate is a log-odds ratio per SD of x;
* ``r2_change``: incremental validity of ``add`` over ``base``; the estimate is the standardised
  coefficient of the added predictor (its t test is the F test of the R-squared change when one
  predictor is added), and ``delta_r2`` is reported beside it.

A hypothesis may also list ``discriminant: [scale, ...]``: the HTMT ratio (semTools' htmt2) of every
pair of those scales is then checked against .85 on the reverse-keyed items (H6: coaching against
supervisor support and the feedback environment).

The p-values are adjusted across the spec (Holm by default). A hypothesis is "supported" when the
adjusted p is below ``alpha`` and the estimate has the expected sign; "contradicted" when significant
with the opposite sign; otherwise "not supported". Every assumption check that was run (normality of
residuals, VIF, proportional odds) is listed in ``.checks``. The statistics come from
:mod:`engagesurvey.models`, each checked against R there.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats
from statsmodels.stats.multitest import multipletests

from . import models
from ._results import ResultMixin
from .errors import EngageSurveyError
from .models._data import as_list

TESTS = ("regression", "mediation", "multilevel_mediation", "ordinal", "r2_change")
# keys every hypothesis of a test must have: one column name each, or (LIST_KEYS) one or more
REQUIRED = {"regression": ("y", "x"), "mediation": ("x", "m", "y"), "ordinal": ("y", "x"),
            "multilevel_mediation": ("x", "m", "y", "group"), "r2_change": ("y", "base", "add")}
COLUMN_KEYS = ("x", "m", "y", "group", "fixed_effects")
LIST_KEYS = ("covariates", "base", "add", "discriminant")
EFFECTS = ("within", "between")  # multilevel_mediation
ADJUST = ("holm", "bonferroni", "hommel", "simes-hochberg", "sidak", "holm-sidak", "fdr_bh", "fdr_by")
DECISIONS = {"id": {"supported": "didukung", "not supported": "tidak didukung", "contradicted": "bertentangan"},
             "en": {"supported": "supported", "not supported": "not supported", "contradicted": "contradicted"}}


@dataclass
class HypothesisReport(ResultMixin):
    """``.table``: id statement test estimate ci (ci_lower, ci_upper) pvalue p_adjusted decision, one row
    per hypothesis; ``.checks``: assumption checks; ``.results``: the fitted model objects by id."""

    table: pd.DataFrame
    checks: pd.DataFrame
    results: dict
    spec: dict
    lang: str = "en"
    n: int = 0

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def in_language(self, lang: str) -> "HypothesisReport":
        """The same results with statements and decisions in ``lang`` ("id" or "en"); nothing refitted."""
        if lang == self.lang:
            return self
        if lang not in DECISIONS:
            raise EngageSurveyError(f"unknown language {lang!r}; use 'id' or 'en'")
        back = {v: k for k, v in DECISIONS[self.lang].items()}
        table = self.table.copy()
        stmts = {h["id"]: h.get("statement", {}) for h in self.spec["hypotheses"]}
        table["statement"] = [s.get(lang, "") if isinstance(s, dict) else str(s)
                              for s in (stmts[i] for i in table["id"])]
        table["decision"] = [DECISIONS[lang][back[d]] for d in table["decision"]]
        return HypothesisReport(table=table, checks=self.checks, results=self.results, spec=self.spec,
                                lang=lang, n=self.n)

    def summary(self) -> str:
        t = self.table
        lines = [f"Hypotheses ({self.spec.get('id', 'spec')}): alpha {self.spec.get('alpha', 0.05)}, "
                 f"p adjusted by {self.spec.get('adjust', 'holm')}, {self.n} rows; each test uses the rows complete on "
                 "its variables", ""]
        for _, r in t.iterrows():
            lines.append(f"{r['id']:<5} {r['decision']:<14} est {r['estimate']:8.4f} "
                         f"[{r['ci_lower']:.4f}, {r['ci_upper']:.4f}]  p {r['pvalue']:.3g}  "
                         f"p.adj {r['p_adjusted']:.3g}  ({r['test']}, n = {r['n']}"
                         + (f", {r['n_excluded']} rows excluded for missing values" if r.get("n_excluded") else "")
                         + ")")
            lines.append(f"      {r['statement']}")
        bad = self.checks[~self.checks["ok"].astype(bool)] if len(self.checks) else self.checks
        if len(bad):
            lines += ["", "Assumption checks that need a look:"]
            for _, c in bad.iterrows():
                lines.append(f"  {c['id']}: {c['check']} = {c['value']:.4g} ({c['note']})")
        return "\n".join(lines)


def load_spec(spec="default") -> dict:
    """A hypothesis spec: "default", a path to YAML, or a dict."""
    if isinstance(spec, dict):
        raw = spec
    elif spec == "default":
        text = resources.files("engagesurvey").joinpath("specs/default_hypotheses.yaml").read_text("utf-8")
        raw = yaml.safe_load(text)
    else:
        path = Path(spec)
        if not path.exists():
            raise EngageSurveyError(f"hypothesis spec {spec!r} not found")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise EngageSurveyError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("hypotheses"), list) or not raw["hypotheses"]:
        raise EngageSurveyError("a hypothesis spec needs a non-empty 'hypotheses' list")
    raw = dict(raw)  # normalised copy: the caller's dict is left alone
    if raw.get("adjust", "holm") not in ADJUST:
        raise EngageSurveyError(f"spec: adjust {raw.get('adjust')!r} is not one of {', '.join(ADJUST)}")
    alpha = raw.get("alpha", 0.05)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise EngageSurveyError(f"spec: alpha must be a number in (0, 1), got {alpha!r}")
    _check_seed("spec: seed", raw.get("seed"))
    if raw.get("cluster") is not None and not isinstance(raw["cluster"], str):
        raise EngageSurveyError(f"spec: cluster must be one column name, got {raw['cluster']!r}")
    seen = set()
    hyps = []
    for k, h in enumerate(raw["hypotheses"]):
        where = f"hypotheses[{k}]"
        if not isinstance(h, dict) or "id" not in h:
            raise EngageSurveyError(f"{where}: a hypothesis needs an id")
        if h["id"] in seen:
            raise EngageSurveyError(f"{where}: duplicate hypothesis id {h['id']!r}")
        seen.add(h["id"])
        where = f"{where} ({h['id']})"
        if h.get("test") not in TESTS:
            raise EngageSurveyError(f"{where}: test {h.get('test')!r} is not one of {', '.join(TESTS)}")
        if h.get("expect", "positive") not in ("positive", "negative", "any"):
            raise EngageSurveyError(f"{where}: expect must be positive, negative or any")
        h = dict(h)
        for key in LIST_KEYS:
            h[key] = as_list(h.get(key))
            bad = [v for v in h[key] if not isinstance(v, str) or not v]
            if bad:
                raise EngageSurveyError(f"{where}: {key} must be column names, got {bad[0]!r}")
        for key in COLUMN_KEYS:
            if h.get(key) is not None and (not isinstance(h[key], str) or not h[key]):
                raise EngageSurveyError(f"{where}: {key} must be one column name, got {h[key]!r}")
        missing = [key for key in REQUIRED[h["test"]] if not h.get(key)]
        if missing:
            raise EngageSurveyError(f"{where}: test {h['test']} needs {', '.join(missing)} "
                                    f"(required: {', '.join(REQUIRED[h['test']])})")
        if h.get("effect", "within") not in EFFECTS:
            raise EngageSurveyError(f"{where}: effect must be within or between, got {h.get('effect')!r}")
        if "n_boot" in h:
            _check_n_boot(f"{where}: n_boot", h["n_boot"])
        if h.get("statement") is None:
            h["statement"] = {}
        hyps.append(h)
    raw["hypotheses"] = hyps
    return raw


def _check_seed(what, seed):
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise EngageSurveyError(f"{what} must be a non-negative integer, got {seed!r}")


def _check_n_boot(what, n_boot):
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 2:
        raise EngageSurveyError(f"{what} must be an integer >= 2, got {n_boot!r}")


def analysis_frame(scored) -> pd.DataFrame:
    """Meta data, scale scores and unscored items (e.g. the official rating) side by side."""
    if isinstance(scored, pd.DataFrame):
        return scored
    scores, items, meta = scored.scores, scored.items, scored.meta
    inst = scored.instrument
    unscored = [c for c in items.columns if c in inst.items and inst.items[c].scale is None]
    return pd.concat([meta, scores, items[unscored]], axis=1)


def _needed(h) -> list:
    cols = []
    for key in ("x", "m", "y", "group", "fixed_effects"):
        if h.get(key):
            cols.append(h[key])
    for key in ("covariates", "base", "add"):
        cols.extend(h.get(key) or [])
    return cols


def _z(frame: pd.DataFrame, cols) -> pd.DataFrame:
    out = frame.copy()
    for c in cols:
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = (out[c] - out[c].mean()) / out[c].std()
    return out


def _term(frame, col) -> str:
    numeric = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
    return col if numeric else f"C({col})"


def test(scored_or_frame, spec="default", *, lang: str = "en", seed=None, n_boot=None,
         progress=None) -> HypothesisReport:
    """Run every hypothesis of ``spec`` on scored data (a ScoreResult or a DataFrame of scores).

    ``seed`` and ``n_boot`` override the spec's; ``progress(done, total)`` is called after each test.
    """
    if lang not in ("id", "en"):
        raise EngageSurveyError(f"unknown language {lang!r}; use 'id' or 'en'")
    sp = load_spec(spec)
    _check_seed("seed", seed)
    if n_boot is not None:
        _check_n_boot("n_boot", n_boot)
    frame = analysis_frame(scored_or_frame)
    seed = sp.get("seed") if seed is None else seed
    cluster = sp.get("cluster")
    rows, checks, results = [], [], {}
    hyps = sp["hypotheses"]
    for k, h in enumerate(hyps):
        where = f"hypotheses[{k}] ({h['id']})"
        need = _needed(h) + ([cluster] if cluster and h["test"] in ("regression", "mediation", "r2_change") else [])
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise EngageSurveyError(f"{where}: column(s) not in the data: {', '.join(missing)}")
        data = frame[list(dict.fromkeys(need))].dropna()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                row, chk, res = _run(h, data, cluster, seed, n_boot)
            except EngageSurveyError as exc:  # name the hypothesis in the model's one-line error
                raise EngageSurveyError(f"{where}: {exc}") from None
        statement = h.get("statement", {})
        row.update(id=h["id"], test=h["test"], expect=h.get("expect", "positive"), n=len(data),
                   n_excluded=len(frame) - len(data),
                   statement=statement.get(lang, "") if isinstance(statement, dict) else str(statement))
        rows.append(row)
        checks.extend({"id": h["id"], **c} for c in chk)
        results[h["id"]] = res
        if progress is not None:
            progress(k + 1, len(hyps))
    if isinstance(scored_or_frame, pd.DataFrame):
        skipped = [str(h["id"]) for h in hyps if h.get("discriminant")]
        if skipped:
            warnings.warn(f"discriminant validity (HTMT) of {', '.join(skipped)} not checked: it needs the items "
                          "(pass the ScoreResult, not a DataFrame)", stacklevel=2)
    else:
        for h in hyps:
            if h.get("discriminant"):
                checks.extend({"id": h["id"], **c} for c in _discriminant(scored_or_frame, h["discriminant"]))
    table = pd.DataFrame(rows)
    table["p_adjusted"] = multipletests(table["pvalue"].to_numpy(), method=sp.get("adjust", "holm"))[1]
    alpha = float(sp.get("alpha", 0.05))
    sign_ok = np.where(table["expect"] == "negative", table["estimate"] < 0,
                       np.where(table["expect"] == "positive", table["estimate"] > 0, True))
    sig = table["p_adjusted"] < alpha
    decision = np.where(sig & sign_ok, "supported", np.where(sig, "contradicted", "not supported"))
    table["decision"] = [DECISIONS[lang][d] for d in decision]
    table["ci"] = list(zip(table["ci_lower"], table["ci_upper"]))
    order = ["id", "statement", "test", "x", "y", "estimate", "ci", "ci_lower", "ci_upper", "pvalue",
             "p_adjusted", "decision", "expect", "n", "n_excluded", "delta_r2"]
    table = table[[c for c in order if c in table.columns]]
    checks_df = pd.DataFrame(checks, columns=["id", "check", "value", "ok", "note"])
    return HypothesisReport(table=table, checks=checks_df, results=results, spec=sp, lang=lang,
                            n=len(frame))


# ------------------------------------------------------------------------------------ each test


def _run(h, data, cluster, seed, n_boot):
    kind = h["test"]
    x, y = h.get("x"), h["y"]
    if kind == "regression":
        covs = list(h.get("covariates") or [])
        z = _z(data, [x, y, *covs])
        formula = f"{y} ~ " + " + ".join(_term(z, c) for c in [x, *covs])
        res = models.regression(z, formula, cluster=cluster)
        return _coef_row(res.coef, x, h), _ols_checks(res, z, y), res
    if kind == "r2_change":
        base, add = list(h.get("base") or []), list(h.get("add") or [])
        z = _z(data, [y, *base, *add])
        steps = [f"{y} ~ " + " + ".join(base), f"{y} ~ " + " + ".join(base + add)]
        rc = models.r2_change(z, steps)
        full = models.regression(z, steps[1], cluster=cluster)
        row = _coef_row(full.coef, add[0], h)
        row["delta_r2"] = float(rc.table["delta_r2"].iloc[-1])
        if len(add) > 1:  # several added predictors: the F test of the change decides
            row["pvalue"] = float(rc.table["pvalue"].iloc[-1])
        return row, _ols_checks(full, z, y), rc
    if kind == "mediation":
        m = h["m"]
        covs = list(h.get("covariates") or [])
        z = _z(data, [x, m, y, *covs])
        res = models.mediation(z, x, m, y, covariates=covs, n_boot=int(n_boot or h.get("n_boot", 5000)),
                               seed=seed, cluster=cluster)
        t = res.table.set_index("path")
        r = t.loc["indirect"]
        return ({"x": x, "y": y, "estimate": float(r["est"]), "ci_lower": float(r["ci_lower"]),
                 "ci_upper": float(r["ci_upper"]), "pvalue": float(r["pvalue"])}, [], res)
    if kind == "multilevel_mediation":
        m, group = h["m"], h["group"]
        z = _z(data, [x, m, y])
        res = models.multilevel_mediation(z, x, m, y, group, seed=seed)
        key = f"indirect_{h.get('effect', 'within')}"
        r = res.table.set_index("path").loc[key]
        chk = [{"check": "n_groups", "value": float(res.n_groups), "ok": res.n_groups >= 50,
                "note": "fewer than 50 units bias level-2 SEs (Maas & Hox 2005)"}]
        return ({"x": x, "y": y, "estimate": float(r["est"]), "ci_lower": float(r["ci_lower"]),
                 "ci_upper": float(r["ci_upper"]), "pvalue": float(r["pvalue"])}, chk, res)
    # ordinal
    covs = list(h.get("covariates") or [])
    z = _z(data, [x, *[c for c in covs]])
    formula = f"{y} ~ " + " + ".join(_term(z, c) for c in [x, *covs])
    res = models.ordinal_logit(z, formula, fixed_effects=h.get("fixed_effects"))
    row = _coef_row(res.coef, x, h)
    po = res.proportional_odds
    chk = []
    if po is not None and x in po.index:
        p = float(po.loc[x, "pvalue"])
        chk.append({"check": "proportional odds (LR test, x)", "value": p, "ok": p >= 0.05,
                    "note": "p < .05 suggests the effect differs across rating thresholds"})
    return row, chk, res


HTMT_CUT = 0.85  # Henseler, Ringle & Sarstedt (2015); .90 is the lenient cut-off


def _discriminant(scored, scales) -> list:
    """HTMT (semTools' htmt2) between the named scales, on their reverse-keyed items: one check per pair."""
    from .sem.reliability import htmt

    inst = scored.instrument
    missing = [s for s in scales if s not in inst.scales]
    if missing:
        raise EngageSurveyError(f"discriminant validity: unknown scale(s) {', '.join(missing)}")
    model = "\n".join(f"{s} =~ " + " + ".join(inst.scales[s].items) for s in scales)
    m = htmt(scored.items, model)
    out = []
    for i, a in enumerate(scales):
        for b in scales[i + 1:]:
            v = float(m.loc[a, b])
            out.append({"check": f"HTMT {a}-{b}", "value": v, "ok": v < HTMT_CUT,
                        "note": f"discriminant validity needs HTMT < {HTMT_CUT} (Henseler et al. 2015)"})
    return out


def _coef_row(coef: pd.DataFrame, x, h) -> dict:
    if x not in coef.index:
        raise EngageSurveyError(f"{x!r} is not a numeric predictor in the model")
    r = coef.loc[x]
    return {"x": x, "y": h["y"], "estimate": float(r["est"]), "ci_lower": float(r["ci_lower"]),
            "ci_upper": float(r["ci_upper"]), "pvalue": float(r["pvalue"])}


def _ols_checks(res, data, y) -> list:
    out = []
    vif = res.coef["vif"].dropna() if "vif" in res.coef.columns else pd.Series(dtype=float)
    if len(vif):
        out.append({"check": "max VIF", "value": float(vif.max()), "ok": bool(vif.max() < 5),
                    "note": "VIF >= 5 signals collinear predictors"})
    rows = getattr(res, "rows", None)
    if rows is not None:
        fitted_y = data.loc[rows, y].to_numpy()
        names = [t for t in res.coef.index if t != "Intercept"]
        pred = np.full(len(rows), res.coef.loc["Intercept", "est"] if "Intercept" in res.coef.index else 0.0)
        for t in names:
            if t in data.columns:
                pred = pred + res.coef.loc[t, "est"] * data.loc[rows, t].to_numpy()
        if all(t in data.columns for t in names):
            resid = fitted_y - pred
            k2, p = stats.normaltest(resid)
            out.append({"check": "normality of residuals (D'Agostino K2 p)", "value": float(p),
                        "ok": bool(p >= 0.001 or len(resid) > 200),
                        "note": "large samples: inference robust to non-normal residuals"})
    return out
