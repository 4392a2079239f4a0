"""Mixed-methods integration for the report: open answers next to the survey, and whom to interview.

:func:`mixed_context` gathers what ``reports/partials/mixed.html.j2`` shows:

* **suggested codes** of the open-ended answers from the codebook's keyword rules
  (:func:`engagesurvey.qual.first_pass_code`): a first pass that a human reviews, never final coding;
* with ``human_codes`` (a labelled sample, or the simulated known themes of the demo): precision, recall
  and F1 of the suggestions per theme, micro and macro (:func:`engagesurvey.qual.evaluate_coder`);
* **joint displays** (:func:`engagesurvey.qual.joint_display`): theme prevalence by engagement tertile
  and by agency, with the test that fits each theme's 2 x G table (chi-square, Fisher exact, or its
  Monte Carlo version) and Holm-adjusted p over themes, illustrative quotes, and the meta-inference
  column (confirms / expands / diverges) left empty for the analyst unless ``meta`` is given;
* the **explanatory-sequential interview sampling frame** (:func:`engagesurvey.qual.select_cases`):
  positive and negative deviant and typical units per agency from the empirical-Bayes residuals of
  ``outcome ~ agency + (1 | unit)``, with the reason for each. Units only, never respondents.

Anonymity (:mod:`engagesurvey.report.anonymity`). Groups are the engagement tertiles and the agencies; a
group's size is its number of respondents who wrote an answer (the denominator shown). Before a display is
built, :func:`~engagesurvey.report.anonymity.suppression_plan` runs on the group sizes with the overall
number of answers as the shown total (commenters outside every group, e.g. with no engagement score, form
an unpublished remainder), so a hidden group can be neither seen (fewer than ``min_group`` = 5) nor
recovered by subtraction. Quotes come only from cells (theme x group) with at least ``min_comment_group``
(default 10) respondents mentioning the theme, so only from groups of at least that size, attributed to the
group alone and never with an id; by default only the engagement-tertile display carries quotes. Interview units have at least ``min_group`` respondents. Every text
(comments, unit and agency names) is escaped by the template's autoescape. Nothing is rounded here.

:func:`demo_comments` writes Indonesian (or English) open answers for the demo respondents with known
themes whose prevalence depends on each respondent's coaching score, so the joint display shows a real
pattern and the first-pass coder can be scored against the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ..errors import EngageSurveyError
from ..qual import (
    evaluate_coder,
    explode_codes,
    first_pass_code,
    joint_display,
    load_codebook,
    select_cases,
)
from ..qual.simulate_text import simulate_comments
from . import anonymity
from .i18n import check_lang, t

TERTILES = ("low", "middle", "high")
POSITIVE = ("development_needs", "reflection", "feedback", "action_planning", "ownership")
NEGATIVE = ("administrative_only", "barriers_time", "barriers_skills", "barriers_workload")


# ---------------------------------------------------------------------------------------- demo text


def _coaching(obj) -> tuple[np.ndarray, pd.Index]:
    latent = getattr(obj, "latent", None)
    if isinstance(latent, pd.DataFrame) and "CiD" in latent.columns:  # a SimulatedSurvey
        return latent["CiD"].to_numpy(float), obj.data.index
    scores = getattr(obj, "scores", obj)
    if isinstance(scores, pd.DataFrame) and "cid" in scores.columns:
        return pd.to_numeric(scores["cid"], errors="coerce").to_numpy(float), scores.index
    raise EngageSurveyError("demo_comments: expected a SimulatedSurvey, or a ScoreResult / DataFrame with a "
                            "'cid' (coaching) score")


def demo_comments(survey_or_result, *, seed, lang: str = "id", response_rate: float = 0.6,
                  slope: float = 0.9) -> tuple[pd.Series, pd.Series]:
    """Open-ended answers for the demo respondents with known themes that depend on coaching.

    Each respondent writes an answer with probability ``response_rate``. Given an answer, each
    coaching-positive theme (development needs, reflection, feedback, action planning, ownership) is
    present with probability ``expit(-1.7 + slope z)`` and each barrier theme (administrative-only
    dialogue, time pressure, supervisor coaching skills, workload) with ``expit(-2.0 - slope z)``, z the
    respondent's standardised coaching score (the latent CiD of a SimulatedSurvey, else the ``cid``
    scale score; missing = 0). The sentences come from :func:`engagesurvey.qual.simulate_comments`
    (one single-theme sentence per theme present; a neutral sentence for answers without a theme and
    for a quarter of the others), so about a quarter of the sentences avoid the codebook's keywords.

    Returns ``(comments, human_codes)``: two Series aligned with the rows (same index); comments are
    NaN for respondents who wrote nothing; human_codes hold the true theme ids ``;``-joined ("" for an
    answer without a theme, NaN without an answer). Pass both to :func:`mixed_context`.
    """
    if lang not in ("id", "en"):
        raise EngageSurveyError(f"demo_comments: lang must be 'id' or 'en', got {lang!r}")
    if not 0 < float(response_rate) <= 1:
        raise EngageSurveyError(f"demo_comments: response_rate must be in (0, 1], got {response_rate!r}")
    cid, index = _coaching(survey_or_result)
    n = len(cid)
    sd = np.nanstd(cid, ddof=1) if np.isfinite(cid).sum() > 1 else 1.0
    z = np.nan_to_num((cid - np.nanmean(cid)) / (sd or 1.0))
    streams = np.random.SeedSequence(seed).spawn(len(POSITIVE) + len(NEGATIVE) + 2)
    rng = np.random.default_rng(streams[0])
    writes = rng.random(n) < float(response_rate)
    themes = POSITIVE + NEGATIVE
    logit = np.column_stack([np.full(n, -1.7) + slope * z] * len(POSITIVE)
                            + [np.full(n, -2.0) - slope * z] * len(NEGATIVE))
    has = (rng.random((n, len(themes))) < expit(logit)) & writes[:, None]
    none = writes & ~has.any(axis=1)
    filler = none | (writes & (rng.random(n) < 0.25))
    before = filler & (rng.random(n) < 0.5)
    seeds = streams[1:]  # one stream per theme, the last one for the neutral sentences
    cols = []

    def column(mask, sentences):
        col = np.full(n, "", dtype=object)
        col[mask] = sentences
        return col.astype(str)

    fill_text = simulate_comments(int(filler.sum()) or 1, seed=seeds[-1], lang=lang,
                                  p_none=1.0)["text"].to_numpy()[: int(filler.sum())]
    fill_col = column(filler, fill_text)
    cols.append(np.where(before, fill_col, ""))
    for j, theme in enumerate(themes):  # a loop over the nine themes, not over respondents
        k = int(has[:, j].sum())
        bank = simulate_comments(k, themes=[theme], seed=seeds[j], lang=lang, p_none=0.0,
                                 max_themes=1, p_filler=0.0)["text"].to_numpy() if k else np.array([], str)
        cols.append(column(has[:, j], bank))
    cols.append(np.where(filler & ~before, fill_col, ""))
    text = np.full(n, "", dtype=str)
    for col in cols:
        text = np.char.add(np.char.add(text, np.where((col != "") & (text != ""), " ", "")), col)
    codes = np.full(n, "", dtype=str)
    for j, theme in enumerate(themes):
        mark = np.where(has[:, j], theme, "")
        codes = np.char.add(np.char.add(codes, np.where(has[:, j] & (codes != ""), ";", "")), mark)
    comments = pd.Series(text, index=index, dtype=object).where(writes)
    human = pd.Series(codes, index=index, dtype=object).where(writes)
    return comments.rename("comment"), human.rename("themes")


# -------------------------------------------------------------------------------------------- helpers


def _aligned(values, n, what) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        if "themes" not in values.columns:
            raise EngageSurveyError(f"{what}: a DataFrame needs a 'themes' column (';'-joined theme ids)")
        values = values["themes"]
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or len(arr) != n:
        raise EngageSurveyError(f"{what}: {len(arr) if arr.ndim == 1 else arr.shape} values for {n} rows; "
                                "give one per row of the scored data, in row order")
    return arr


def _texts(comments, n) -> np.ndarray:
    arr = _aligned(comments, n, "comments")
    s = pd.Series(arr, dtype=object)
    s = s.where(s.notna(), "").astype(str).str.strip()
    return s.to_numpy(dtype=object)


def _publishable(labels: pd.Series, base: np.ndarray, k: int):
    """Labels with the groups hidden by the suppression plan set to NaN, and how many were hidden."""
    lab = labels.where(base)
    sizes = {(): int(base.sum())}
    sizes.update({(g,): int(v) for g, v in lab.value_counts().items()})
    hidden = anonymity.suppression_plan(sizes, k, total=True)
    if () in hidden:
        return lab.where(np.zeros(len(lab), bool)), len(sizes) - 1
    drop = {p[0] for p in hidden if len(p) == 1 and p[0] != anonymity.REST}
    return lab.where(~lab.isin(drop)), len(drop)


def _test_key(name: str) -> str:
    name = str(name)
    if name.startswith("chi-square"):
        return "chisq_yates" if "Yates" in name else "chisq"
    if name.startswith("Fisher"):
        return "fisher_mc" if "Monte Carlo" in name else "fisher"
    return "none"


def _joint(coded, respondents, by, order, names, cb, lang, k, kc, seed, meta, hidden, n_quotes):
    jd = joint_display(coded, respondents, by=by, id_column="_row", unit="unit", code="code", text="text",
                       min_group=k, comment_min=kc, n_quotes=n_quotes, meta=meta, seed=seed)
    order = [g for g in order if g in jd.group_n.index]
    themes = [th for th in cb.themes if th in jd.table.index]
    rows = []
    for th in themes:
        r = jd.table.loc[th]
        q = jd.quotes[jd.quotes["theme"] == th]
        q = q.iloc[np.argsort([order.index(g) for g in q["group"]], kind="stable")]  # display order
        rows.append({"theme": th, "label": cb.themes[th].label_in(lang), "n_theme": int(r["n_theme"]),
                     "pct": [float(jd.prevalence.loc[th, g]) for g in order],
                     "count": [int(jd.counts.loc[th, g]) for g in order],
                     "test": str(r["test"]), "test_key": _test_key(r["test"]), "statistic": float(r["statistic"]),
                     "df": float(r["df"]), "pvalue": float(r["pvalue"]), "p_holm": float(r["p_holm"]),
                     "meta_inference": str(r["meta_inference"]), "meta_note": str(r["meta_note"]),
                     "quotes": [{"group": names.get(g, str(g)), "quote": str(x)}
                                for g, x in zip(q["group"], q["quote"])]})
    return {"by": by, "groups": [{"key": str(g), "name": names.get(g, str(g)), "n": int(jd.group_n[g])}
                                 for g in order],
            "rows": rows, "hidden": int(hidden), "notes": list(jd.notes)}


# -------------------------------------------------------------------------------------------- context


def mixed_context(result, comments: pd.Series | None, *, codebook="cid_themes", lang: str = "en",
                  group: str = "unit", stratum: str | None = "agency", outcome: str = "we", min_group: int = 5,
                  min_comment_group: int = 10, seed=2026, human_codes=None, codes: str = "auto", meta=None,
                  n_per_type: int = 2, n_quotes: int = 1, n_quotes_stratum: int = 0) -> dict:
    """Everything the "Mixed-methods integration" section shows, as plain data.

    Parameters
    ----------
    result : ScoreResult (``.scores`` with ``outcome``; ``.meta`` with ``group`` and ``stratum``)
    comments : the open-ended answer of each row of ``result`` (Series or sequence in row order; NaN or
        blank = no answer), or None (then only the interview sampling frame is shown)
    codebook : codebook id, path or Codebook for the first-pass coder
    group, stratum : the unit column (interview cases) and the agency column (joint display, strata)
    outcome : the engagement score (tertiles and case selection)
    min_group : minimum group size for numbers (5; never below 3)
    min_comment_group : minimum cell size (respondents mentioning the theme) for quotes (10)
    seed : seed of the Monte Carlo Fisher tests, the quote draw and the typical cases
    human_codes : optional ``;``-joined true theme ids per row (as :func:`demo_comments` returns), for
        precision / recall / F1 of the suggested codes
    codes : which codes feed the joint displays: ``"auto"`` (the human codes when given, else the
        suggested ones), ``"suggested"`` or ``"human"``
    meta : meta-inferences for the engagement-tertile display, ``{theme: "confirms" | "expands" |
        "diverges"}`` or a CSV (see :func:`engagesurvey.qual.joint_display`); empty by default
    n_per_type : interview units per type per agency
    n_quotes, n_quotes_stratum : quotes per eligible cell of the tertile display and of the agency
        display (default none by agency: a verbatim answer tied to an agency says more about its writer)

    Returns
    -------
    dict with ``coding`` (suggested codes per theme), ``evaluation`` (precision/recall/F1 or None),
    ``codes_source``, ``joint`` (list of displays: by tertile, by agency), ``cases`` (the sampling frame),
    ``n_respondents``, ``n_comments``, ``min_group``, ``comment_min``, ``notes``.
    """
    check_lang(lang)
    k = anonymity.check_min_group(min_group)
    kc = anonymity.check_min_group(min_comment_group)
    if kc < k:
        raise EngageSurveyError(f"the comment threshold ({kc}) cannot be below the numeric minimum group size ({k})")
    if codes not in ("auto", "suggested", "human"):
        raise EngageSurveyError(f"codes must be 'auto', 'suggested' or 'human', got {codes!r}")
    scores, meta_df = getattr(result, "scores", None), getattr(result, "meta", None)
    if not isinstance(scores, pd.DataFrame) or not isinstance(meta_df, pd.DataFrame):
        raise EngageSurveyError("mixed methods: expected a ScoreResult (with .scores and .meta)")
    for col, what in ((group, "unit"), (stratum, "agency")):
        if col is not None and col not in meta_df.columns:
            raise EngageSurveyError(f"mixed methods: the {what} column {col!r} is not in the data")
    n = len(scores)
    cb = load_codebook(codebook)
    ctx: dict = {"min_group": k, "comment_min": kc, "n_respondents": n, "n_comments": 0, "coding": None,
                 "evaluation": None, "codes_source": None, "joint": [], "cases": None, "notes": [],
                 "codebook": f"{cb.id} v{cb.version}"}
    if comments is not None:
        _comment_sections(ctx, scores, meta_df, _texts(comments, n), cb, lang, stratum, outcome, k, kc, seed,
                          human_codes, codes, meta, n_quotes, n_quotes_stratum)
    elif human_codes is not None:
        raise EngageSurveyError("human_codes were given without comments")
    ctx["cases"] = _cases(scores, meta_df, outcome, group, stratum, n_per_type, seed, k, ctx["notes"])
    if ctx["cases"] is not None:
        inst = getattr(result, "instrument", None)
        scale = getattr(inst, "scales", {}).get(outcome) if inst is not None else None
        ctx["cases"]["outcome_label"] = scale.label.get(lang, outcome) if scale is not None else outcome
    return ctx


def _comment_sections(ctx, scores, meta_df, text, cb, lang, stratum, outcome, k, kc, seed, human_codes, codes,
                      meta, n_quotes, n_quotes_stratum):
    n = len(text)
    wrote = text != ""
    ctx["n_comments"] = int(wrote.sum())
    if wrote.sum() < k:
        ctx["notes"].append(t("mm_too_few_comments", lang, n=int(wrote.sum()), k=k))
        return
    pos = np.arange(n)
    sug = first_pass_code(pd.Series(text[wrote], dtype=object), cb, ids=pos[wrote])
    sc = sug.codes()
    per_theme = sc["code"].value_counts()
    ctx["coding"] = {"stemmer": sug.stemmer, "n_with_code": int(sc["unit"].nunique()) if len(sc) else 0,
                     "rows": [{"theme": th, "label": cb.themes[th].label_in(lang), "n": int(per_theme.get(th, 0)),
                               "pct": float(per_theme.get(th, 0)) / float(wrote.sum())} for th in cb.themes]}
    human = None
    if human_codes is not None:
        hv = pd.Series(_aligned(human_codes, n, "human_codes"), dtype=object)
        hv = hv.where(hv.notna(), "").astype(str)
        human = explode_codes(pd.DataFrame({"unit": pos[wrote], "themes": hv.to_numpy()[wrote]}))
        bad = sorted(set(human["code"]) - set(cb.themes))
        if bad:
            raise EngageSurveyError(f"human_codes: theme {bad[0]!r} is not in codebook {cb.id!r}")
        frame = pd.DataFrame({"unit": pos[wrote], "themes": hv.to_numpy()[wrote]})
        names = sorted(set(human["code"]) | set(sc["code"]), key=list(cb.themes).index)
        ev = evaluate_coder(sug, frame, themes=names)
        ctx["evaluation"] = {"rows": [{"theme": th, "label": cb.themes[th].label_in(lang), **{
            c: (int(v) if c in ("tp", "fp", "fn", "support") else float(v)) for c, v in r.items()}}
            for th, r in ev.table.to_dict("index").items()],
            "micro": dict(ev.micro), "macro": dict(ev.macro), "n_units": int(ev.n_units)}
    source = ("human" if human is not None else "suggested") if codes == "auto" else codes
    if source == "human" and human is None:
        raise EngageSurveyError("codes='human' needs human_codes")
    ctx["codes_source"] = source
    coded = human if source == "human" else sc[["unit", "code"]]
    resp = pd.DataFrame({"_row": pos, "text": text})
    if outcome in scores.columns:
        y = pd.to_numeric(scores[outcome], errors="coerce").reset_index(drop=True)
        try:
            tert = pd.qcut(y, 3, labels=list(TERTILES)).astype(object)
        except ValueError:
            tert = None
            ctx["notes"].append(t("mm_no_tertiles", lang, outcome=outcome))
        if tert is not None:
            resp["tertile"], hidden = _publishable(tert.where(tert.notna()), wrote, k)
            names = {g: t(f"mm_tertile_{g}", lang) for g in TERTILES}
            if resp["tertile"].notna().any():
                ctx["joint"].append({**_joint(coded, resp, "tertile", list(TERTILES), names, cb, lang, k, kc, seed,
                                              meta, hidden, n_quotes), "kind": "tertile"})
            elif hidden:
                ctx["notes"].append(t("groups_hidden", lang, n=hidden))
    if stratum is not None:
        lab = meta_df[stratum].reset_index(drop=True)
        lab = lab.where(lab.isna(), lab.astype(str)).astype(object)
        resp["stratum"], hidden = _publishable(lab, wrote, k)
        if resp["stratum"].notna().any():
            order = sorted(resp["stratum"].dropna().unique(), key=str)
            ctx["joint"].append({**_joint(coded, resp, "stratum", order, {}, cb, lang, k, kc, seed, None, hidden,
                                          n_quotes_stratum), "kind": "stratum", "column": stratum})
        elif hidden:
            ctx["notes"].append(t("groups_hidden", lang, n=hidden))


def _cases(scores, meta_df, outcome, group, stratum, n_per_type, seed, k, notes):
    if outcome not in scores.columns or group is None:
        return None
    cols = [group] + ([stratum] if stratum is not None else [])
    frame = pd.concat([meta_df[cols].reset_index(drop=True), scores[[outcome]].reset_index(drop=True)], axis=1)
    if stratum is not None:  # a stratum too small to show is left out (its notes would name it)
        frame[stratum] = anonymity.mask_small_groups(frame[stratum], k)
    try:
        sel = select_cases(frame, outcome=outcome, group=group, stratum=stratum, n_per_type=n_per_type, seed=seed,
                           min_unit_size=k)
    except EngageSurveyError as exc:
        notes.append(str(exc))
        return None
    rows = [{"stratum": str(r.stratum), "unit": str(r.unit), "case_type": str(r.case_type),
             "type_key": str(r.case_type).split()[0], "eb_residual": float(r.eb_residual), "eb_sd": float(r.eb_sd),
             "abs_sd": abs(float(r.eb_sd)), "rank": int(r.rank), "n_units": int(r.n_units),
             "n_respondents": int(r.n_respondents)} for r in sel.frame.itertuples()]
    rows = [r for r in rows if r["n_respondents"] >= k]  # select_cases never picks them (min_unit_size)
    return {"rows": rows, "icc": float(sel.icc), "sd_total": float(sel.sd_total), "formula": sel.formula,
            "n_per_type": int(n_per_type), "notes": list(sel.notes), "outcome": outcome,
            "stratum": stratum, "group": group}
