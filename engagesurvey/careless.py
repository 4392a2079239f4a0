"""Careless-response (insufficient effort responding) indices.

Every index is computed for every respondent and nothing is ever dropped: :func:`careless_flags`
returns the indices and boolean flags, and the analyst decides what to do with them. The indices follow
the definitions of R's ``careless`` package (Yentes & Wilhelm) so results can be put next to it; where
that package's behaviour is arbitrary or random we say so in the docstring. ``docs/careless.md`` gives
each formula, its source and the reasoning behind each default cut-off.

References
----------
Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data.
    Journal of Experimental Social Psychology, 66, 4-19.
Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual response
    variability as an indicator of insufficient effort responding. J. Business and Psychology, 33, 105-121.
Huang, J. L., Curran, P. G., Keeney, J., Poposki, E. M., & DeShon, R. P. (2012). Detecting and deterring
    insufficient effort responding to surveys. Journal of Business and Psychology, 27, 99-114.
Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based personality
    inventories. Journal of Research in Personality, 39, 103-129.
Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data. Psychological
    Methods, 17, 437-455.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ._results import ResultMixin
from . import row_stats
from ._prep import numeric_frame
from .errors import EngageSurveyError

__all__ = [
    "CarelessResult",
    "careless_flags",
    "default_longstring_cutoff",
    "even_odd",
    "irv",
    "longstring",
    "mahalanobis",
    "psychometric_synonyms",
    "speeding",
    "synonym_pairs",
]


# --------------------------------------------------------------------------------------------------
# validation


def _item_frame(items, *, min_items: int = 2) -> pd.DataFrame:
    """``items`` as a float DataFrame (index kept); raise on non-numeric columns or too few items."""
    return numeric_frame(items, min_items=min_items, what="careless-response indices: items")


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    """The validated items as a float matrix, each column contiguous (``engagesurvey.row_stats``)."""
    return row_stats.columns_major(frame.to_numpy(dtype=float))


# --------------------------------------------------------------------------------------------------
# indices


def longstring(items, *, avg: bool = False, na_runs: bool = True):
    """Longest run of identical consecutive answers per respondent (Johnson 2005).

    Items are taken in column order. A run is a maximal sequence of consecutive columns with the same
    value; a missing answer ends a run. ``longstr`` is the length of the longest run; ``avgstr`` is the
    mean run length, ``n_cells / n_runs``.

    Parameters
    ----------
    items : DataFrame (respondents x items, numeric codes).
    avg : bool
        False: return the longest run as a Series. True: return a DataFrame with columns ``longstr`` and
        ``avgstr``, as ``careless::longstring(x, avg = TRUE)``.
    na_runs : bool
        How a missing answer enters ``avgstr``. True (default, ``careless``/``rle`` convention): each
        missing cell is its own run of length 1. False: missing cells are left out, so
        ``avgstr = n_answered / n_runs_of_answers``. ``longstr`` is the same either way.

    Returns NaN for a respondent with no answered item (``careless`` returns 1 there).

    Checked against a base-R transcription of ``careless::longstring`` (``rle`` per row) on psych's
    bfi (tests/reference/careless.R).
    """
    frame = _item_frame(items)
    longest, avgstr = _longstring(_matrix(frame), na_runs)
    longstr = pd.Series(longest, index=frame.index, name="longstr")
    if not avg:
        return longstr
    return pd.DataFrame({"longstr": longstr, "avgstr": avgstr}, index=frame.index)


def _longstring(x: np.ndarray, na_runs: bool = True):
    """(longest run, average run length) of each row of a validated matrix; NaN with no answer."""
    p = x.shape[1]
    longest, starts, n_obs = row_stats.longest_run(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        avgstr = p / (starts + (p - n_obs)) if na_runs else n_obs / starts
    none = n_obs == 0
    return np.where(none, np.nan, longest), np.where(none, np.nan, avgstr)


def _split_bins(p: int, n_splits: int) -> np.ndarray:
    """1-based bin of each of ``p`` consecutive items, as R's ``cut(seq_along(x), n, labels = FALSE)``."""
    pos = np.arange(1, p + 1, dtype=float)
    if n_splits == 1:
        return np.ones(p, dtype=int)
    breaks = np.linspace(1.0, float(p), n_splits + 1)
    dx = (p - 1) if p > 1 else 1.0
    breaks[0] -= dx / 1000.0
    breaks[-1] += dx / 1000.0
    return np.searchsorted(breaks, pos, side="left")  # right-closed intervals (a, b]


def irv(items, *, n_splits: int | None = None, ddof: int = 1):
    """Intra-individual response variability: each respondent's SD over their answered items.

    ``IRV_i = sqrt( sum_j (x_ij - xbar_i)^2 / (k_i - 1) )`` over the ``k_i`` answered items (Dunn et al.
    2018; Marjanovic et al. 2015 call it the inter-item SD). Low values suggest straightlining, very high
    values random responding.

    Parameters
    ----------
    n_splits : int or None
        None: return the IRV over all items as a Series. An integer k: return a DataFrame with
        ``irv_total`` and ``irv1 .. irvk``, the IRV within k consecutive blocks of items cut as
        ``careless::irv(split = TRUE, num.split = k)`` does (R's ``cut(seq_along(items), k)``).
    ddof : int
        1 (default, R's ``sd`` as ``careless::irv``) or 0 for the population SD.

    Unlike ``careless::irv`` (which returns NA for a respondent with any missing answer), the SD is
    taken over the answered items; it is NaN with fewer than ``ddof + 1`` answers. Identical to
    ``careless::irv`` for complete rows. Checked against ``apply(x, 1, sd, na.rm = TRUE)`` on bfi.
    """
    frame = _item_frame(items)
    if ddof not in (0, 1):
        raise EngageSurveyError(f"ddof must be 0 or 1, got {ddof!r}")
    x = _matrix(frame)
    total = pd.Series(row_stats.row_sd(x, ddof), index=frame.index, name="irv")
    if n_splits is None:
        return total
    p = x.shape[1]
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or not 1 <= n_splits <= p:
        raise EngageSurveyError(
            f"n_splits must be an integer between 1 and the number of items ({p}), got {n_splits!r}"
        )
    bins = _split_bins(p, int(n_splits))
    out = {"irv_total": total.to_numpy()}
    for k in range(1, int(n_splits) + 1):
        out[f"irv{k}"] = row_stats.row_sd(x[:, bins == k], ddof)
    return pd.DataFrame(out, index=frame.index)


def mahalanobis(items, *, missing: str = "listwise") -> pd.Series:
    """Squared Mahalanobis distance of each respondent from the item means (Meade & Craig 2012).

    ``D2_i = (x_i - xbar)' S^-1 (x_i - xbar)`` with ``xbar`` the column means and ``S`` the sample
    covariance matrix (n - 1 denominator). Under multivariate normality D2 follows a chi-square with p
    (number of items) degrees of freedom; :func:`careless_flags` flags p < .001.

    Parameters
    ----------
    missing : {"listwise", "pairwise"}
        "listwise" (default): means and covariance from the complete rows, D2 for complete rows only
        (NaN for a respondent with any missing answer) - equal to R's ``stats::mahalanobis`` on
        ``na.omit(x)``. "pairwise": ``psych::outlier`` as called by ``careless::mahad(na.rm = TRUE)``:
        available-case means, pairwise covariance, and for each respondent the quadratic form summed
        over their answered items only; NaN for a respondent with no answer.

    Checked against ``stats::mahalanobis`` (listwise) and ``psych::outlier`` (pairwise) on bfi.
    """
    frame = _item_frame(items)
    if missing not in ("listwise", "pairwise"):
        raise EngageSurveyError(f"missing must be 'listwise' or 'pairwise', got {missing!r}")
    return pd.Series(_mahalanobis(_matrix(frame), missing), index=frame.index, name="mahalanobis")


def _mahalanobis(x: np.ndarray, missing: str, chunk_rows: int = 65536) -> np.ndarray:
    """D2 of each row of a validated matrix (see :func:`mahalanobis`), in blocks of rows."""
    n_answered = row_stats.count_answered(x)
    if missing == "listwise":
        complete = n_answered == x.shape[1]
        xc = x[complete]
        if xc.shape[0] <= x.shape[1]:
            raise EngageSurveyError(
                f"Mahalanobis distance needs more complete rows than items ({xc.shape[0]} complete rows, "
                f"{x.shape[1]} items)"
            )
        centre = xc.mean(axis=0)
        cov = np.cov(xc, rowvar=False)
        use = complete
    else:
        centre = np.nanmean(x, axis=0)
        cov = row_stats.pairwise_cov(x)  # pairwise complete, n - 1
        use = n_answered > 0
    if not np.all(np.isfinite(cov)):
        raise EngageSurveyError("Mahalanobis distance: the item covariance matrix has undefined entries")
    try:
        inv = np.linalg.inv(cov)
    except np.linalg.LinAlgError:
        inv = None
    if inv is None or np.linalg.cond(cov) > 1e12:
        raise EngageSurveyError(
            "Mahalanobis distance: the item covariance matrix is singular (a constant item or an item that "
            "is a linear combination of others)"
        )
    rows = xc if missing == "listwise" else x  # listwise: only the complete rows get a distance
    d2 = np.empty(rows.shape[0])
    for a in range(0, rows.shape[0], chunk_rows):  # blocks of rows: temporaries stay small
        d = rows[a:a + chunk_rows] - centre
        if missing == "pairwise":  # a missing answer adds nothing
            np.copyto(d, 0.0, where=np.isnan(d))
        d2[a:a + chunk_rows] = np.einsum("ij,ij->i", d @ inv, d)
    out = np.full(x.shape[0], np.nan)
    out[use] = d2 if missing == "listwise" else d2[use]
    return out


def _check_scales(frame: pd.DataFrame, scales) -> dict[str, list]:
    if not isinstance(scales, dict) or not scales:
        raise EngageSurveyError("scales must be a non-empty dict mapping scale name -> list of item columns")
    cols = set(frame.columns)
    out = {}
    for name, members in scales.items():
        if isinstance(members, str) or not hasattr(members, "__iter__"):
            raise EngageSurveyError(f"scale {name!r}: items must be a list of column names, got {members!r}")
        members = list(members)
        unknown = [m for m in members if m not in cols]
        if unknown:
            raise EngageSurveyError(f"scale {name!r} names items that are not columns: {', '.join(map(str, unknown))}")
        out[name] = members
    if len(out) < 2:
        raise EngageSurveyError(f"even-odd consistency needs at least 2 scales, got {len(out)}")
    return out


def even_odd(items, scales: dict[str, list[str]], *, spearman_brown: bool = True, min_scales: int = 3) -> pd.Series:
    """Even-odd consistency (Johnson 2005; ``careless::evenodd``).

    For each scale, the items are taken in the order listed; the mean of the odd-position items
    (1st, 3rd, ...) and the mean of the even-position items (2nd, 4th, ...) are formed over the answered
    items. Within each respondent the odd-half and even-half means are correlated across scales (Pearson,
    over the scales where both halves exist); by default the Spearman-Brown correction
    ``r_sb = 2 r / (1 + r)`` is applied and values below -1 are set to -1, as ``careless`` does.

    Higher = more consistent. Note ``careless::evenodd`` (version >= 1.2.0) returns the *negative* of
    this value so that higher means more careless; we keep Johnson's orientation (flag low values).

    NaN where fewer than ``min_scales`` scales have both halves (``careless`` uses 2, which can only
    give +-1) or where either set of halves has zero variance across scales (as ``careless``).
    Reverse-keyed items should be recoded before (``es.score(...).items``).

    Checked against a base-R transcription of ``careless::evenodd`` on bfi's five scales.
    """
    frame = _item_frame(items)
    scales = _check_scales(frame, scales)
    if isinstance(min_scales, bool) or not isinstance(min_scales, (int, np.integer)) or min_scales < 2:
        raise EngageSurveyError(f"min_scales must be an integer >= 2, got {min_scales!r}")
    r = _even_odd(_matrix(frame), _positions(frame, scales.values()), int(min_scales), spearman_brown)
    return pd.Series(r, index=frame.index, name="even_odd")


def _positions(frame: pd.DataFrame, groups) -> list[list[int]]:
    """Column positions of each group of column names."""
    position = {c: j for j, c in enumerate(frame.columns)}
    return [[position[m] for m in members] for members in groups]


def _even_odd(x: np.ndarray, scale_columns: list, min_scales: int, spearman_brown: bool = True) -> np.ndarray:
    """Even-odd consistency of each row of a validated matrix (see :func:`even_odd`)."""
    n = x.shape[0]
    odd = np.full((n, len(scale_columns)), np.nan, order="F")
    even = np.full((n, len(scale_columns)), np.nan, order="F")
    for s, cols in enumerate(scale_columns):
        odd[:, s] = row_stats.row_means(x[:, cols[0::2]])
        if len(cols) >= 2:
            even[:, s] = row_stats.row_means(x[:, cols[1::2]])
    r, _ = row_stats.row_corr(odd, even, min_pairs=min_scales)
    if spearman_brown:
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(r <= -1.0, -1.0, 2.0 * r / (1.0 + r))
        r = np.where(np.isnan(r), np.nan, np.maximum(r, -1.0))
    return r


def synonym_pairs(items, *, critval: float = 0.60) -> list[tuple[str, str]]:
    """Item pairs whose sample (pairwise-complete) correlation exceeds ``critval``.

    A positive ``critval`` finds psychometric synonyms (r > critval); a negative one finds psychometric
    antonyms (r < critval). Each pair is (later item, earlier item) in column order, as ``careless``
    builds them from the lower triangle of ``cor(x, use = "pairwise")``.
    """
    frame = _item_frame(items)
    _check_critval(critval)
    return _synonym_pairs(_matrix(frame), list(frame.columns), critval)


def _check_critval(critval) -> None:
    if not np.isfinite(critval) or critval == 0 or abs(critval) >= 1:
        raise EngageSurveyError(f"critval must be in (-1, 0) or (0, 1), got {critval!r}")


def _synonym_pairs(x: np.ndarray, cols: list, critval: float) -> list[tuple[str, str]]:
    """:func:`synonym_pairs` on a validated matrix with column names ``cols``."""
    r = row_stats.pairwise_corr(x)
    rows, colidx = np.tril_indices(len(cols), k=-1)
    vals = r[rows, colidx]
    hit = vals > critval if critval > 0 else vals < critval
    # careless orders pairs by column of the lower triangle (as.table is column-major)
    order = np.lexsort((rows[hit], colidx[hit]))
    return [(cols[rows[hit][i]], cols[colidx[hit][i]]) for i in order]


def psychometric_synonyms(items, *, critval: float = 0.60, min_pairs: int = 3) -> pd.Series:
    """Psychometric synonym (or antonym) score (Meade & Craig 2012; ``careless::psychsyn``).

    Item pairs are found whose correlation in the whole sample is above ``critval`` (synonyms) or, with
    a negative ``critval``, below it (antonyms, as ``careless::psychant(x, |critval|)``). Each
    respondent's score is the Pearson correlation, across those pairs, between their answer to the
    first item of each pair and their answer to the second item (pairs with a missing answer are
    skipped). Attentive respondents give high synonym scores and strongly negative antonym scores.

    NaN where fewer than ``min_pairs`` complete pairs (``careless`` requires more than 2) or where the
    respondent's answers have no variance across pairs. ``careless::psychsyn`` by default
    (``resample_na = TRUE``) then reshuffles the pairs' order at random up to 10 times; we do not, so our
    values equal ``psychsyn(resample_na = FALSE)``.

    Raises EngageSurveyError when no pair passes ``critval``. Checked against a base-R transcription of
    ``careless::psychsyn`` / ``psychant`` on bfi.
    """
    frame = _item_frame(items)
    if isinstance(min_pairs, bool) or not isinstance(min_pairs, (int, np.integer)) or min_pairs < 2:
        raise EngageSurveyError(f"min_pairs must be an integer >= 2, got {min_pairs!r}")
    _check_critval(critval)
    r = _psychsyn(_matrix(frame), list(frame.columns), critval, int(min_pairs))
    return pd.Series(r, index=frame.index, name="psychsyn" if critval > 0 else "psychant")


def _psychsyn(x: np.ndarray, cols: list, critval: float, min_pairs: int) -> np.ndarray:
    """Synonym (antonym) score of each row of a validated matrix (see :func:`psychometric_synonyms`)."""
    pairs = _synonym_pairs(x, cols, critval)
    if not pairs:
        kind = "synonyms" if critval > 0 else "antonyms"
        raise EngageSurveyError(
            f"no psychometric {kind} found: no item pair correlates {'above' if critval > 0 else 'below'} "
            f"critval={critval}"
        )
    position = {c: j for j, c in enumerate(cols)}
    a = x[:, [position[p[0]] for p in pairs]]
    b = x[:, [position[p[1]] for p in pairs]]
    r, _ = row_stats.row_corr(a, b, min_pairs=min_pairs)
    return r


def speeding(duration_seconds, n_items: int, *, min_seconds_per_item: float = 2.0) -> pd.Series:
    """Flag respondents faster than ``min_seconds_per_item`` per item (Huang et al. 2012: 2 s per item).

    Returns a boolean Series, True where ``duration_seconds / n_items < min_seconds_per_item``; a missing
    duration is never flagged. A negative duration raises.
    """
    dur = _duration_series(duration_seconds)
    if isinstance(n_items, bool) or not isinstance(n_items, (int, np.integer)) or n_items < 1:
        raise EngageSurveyError(f"n_items must be a positive integer, got {n_items!r}")
    if not np.isfinite(min_seconds_per_item) or min_seconds_per_item <= 0:
        raise EngageSurveyError(f"min_seconds_per_item must be positive, got {min_seconds_per_item!r}")
    per_item = dur / n_items
    return (per_item < min_seconds_per_item).fillna(False).astype(bool).rename("speeding")


def _duration_series(duration, index=None) -> pd.Series:
    if isinstance(duration, pd.Series):
        s = duration
    else:
        arr = np.asarray(duration)
        if arr.ndim != 1:
            raise EngageSurveyError(f"duration must be one value per respondent, got shape {arr.shape}")
        s = pd.Series(arr, index=index)
    conv = pd.to_numeric(s, errors="coerce")
    bad = s[conv.isna() & s.notna()]
    if len(bad):
        raise EngageSurveyError(f"duration is not numeric (row {bad.index[0]!r}, value {bad.iloc[0]!r})")
    conv = conv.astype(float)
    neg = conv[conv < 0]
    if len(neg):
        raise EngageSurveyError(f"duration is negative (row {neg.index[0]!r}, value {neg.iloc[0]!r})")
    return conv


# --------------------------------------------------------------------------------------------------
# all indices and flags


DEFAULT_THRESHOLDS = {
    "longstring": None,  # None = default_longstring_cutoff(n_items)
    "irv": 0.0,  # flag irv <= value
    "mahalanobis_p": 0.001,  # flag p < value
    "even_odd": 0.30,  # flag consistency < value
    "psychsyn": 0.0,  # flag synonym score < value
    "psychsyn_critval": 0.60,  # pairs with r > value are synonyms
    "seconds_per_item": 2.0,  # flag < value
}


BLOCK_MIN_ITEMS = 8  # blocks judged on their own for straight-lining (see careless_flags)


def default_longstring_cutoff(n_items: int) -> int:
    """Default longstring flag: a run of at least ``max(ceil(n_items / 2), 6)`` identical answers.

    Half the number of items is Curran's (2016) rule of thumb; the floor of 6 is ours, so that a short
    form (where answering every item the same is often honest) is not flagged for consistency alone.
    With fewer than 6 items no respondent is flagged by longstring.
    """
    return max(math.ceil(n_items / 2), 6)


@dataclass
class CarelessResult(ResultMixin):
    """Careless-response indices and flags; one row per respondent, same index as the input.

    ``indices`` columns: longstring, longstring_avg, irv, mahalanobis, mahalanobis_p, psychsyn (NaN
    when no synonym pairs exist), even_odd (when scales were given), seconds_per_item (when durations
    were given). ``flags``: one boolean column per flagged index, then ``any`` and ``n_flags``. An
    undefined (NaN) index never raises a flag. Rows are never dropped.
    """

    indices: pd.DataFrame
    flags: pd.DataFrame
    thresholds: dict = field(default_factory=dict)
    n_items: int = 0

    def counts(self) -> pd.Series:
        """Number of respondents flagged by each index (and by any)."""
        return self.flags.drop(columns="n_flags").sum().astype(int)

    def summary(self) -> str:
        n = len(self.flags)
        rules = {
            "longstring": f"longstring >= {self.thresholds.get('longstring')}",
            "irv": f"irv <= {self.thresholds.get('irv')}",
            "mahalanobis": f"chi-square p < {self.thresholds.get('mahalanobis_p')} (df = {self.n_items})",
            "psychsyn": (
                f"psychsyn < {self.thresholds.get('psychsyn')} "
                f"(pairs r > {self.thresholds.get('psychsyn_critval')})"
            ),
            "even_odd": f"even-odd < {self.thresholds.get('even_odd')}",
            "speeding": f"< {self.thresholds.get('seconds_per_item')} s per item",
            "any": "at least one flag",
        }
        lines = [f"Careless-response screening: {n} respondents, {self.n_items} items (no rows dropped)", ""]
        lines.append(f"{'index':<12} {'rule':<44} {'flagged':>8} {'percent':>8}")
        for name, count in self.counts().items():
            pct = 100.0 * count / n if n else float("nan")
            lines.append(f"{name:<12} {rules.get(name, ''):<44} {count:>8d} {pct:>7.1f}%")
        dist = self.flags["n_flags"].value_counts().sort_index()
        lines.append("")
        lines.append("respondents by number of flags: " + ", ".join(f"{k}: {v}" for k, v in dist.items()))
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Indices and flags side by side (flag columns prefixed ``flag_``), one row per respondent."""
        flags = self.flags.rename(columns=lambda c: c if c == "n_flags" else f"flag_{c}")
        return pd.concat([self.indices, flags], axis=1)


def careless_flags(items, *, scales=None, duration=None, thresholds=None, blocks=None,
                   raw=None) -> CarelessResult:
    """Compute all careless-response indices and flag respondents; never drops rows.

    Parameters
    ----------
    items : DataFrame, respondents x items in the order they were presented, reverse-keyed items
        recoded (longstring and IRV use the raw order; even-odd and synonyms assume recoded items).
    scales : dict scale -> list of items, optional. Enables even-odd consistency.
    duration : Series or array of completion times in seconds, optional (aligned with ``items``'s index
        when a Series). Enables the speeding flag.
    raw : DataFrame, optional: the answers as given (before reverse keying), same columns; longstring
        and IRV then use it (a straight-liner gives the same raw answer to reversed items), while
        even-odd, synonyms and Mahalanobis use the recoded ``items``.
    blocks : dict block -> list of items, optional: the pages/questionnaires as presented. Straight-
        lining is then also judged block by block: the longstring flag is raised when a block of at
        least ``BLOCK_MIN_ITEMS`` (8) items is answered with one and the same answer throughout (its
        run covers the whole block), and ``irv`` is the smallest IRV over such blocks. (On shorter,
        homogeneous pages identical answers are common among attentive respondents: in the demo
        survey a 6-item page drew 7% of attentive respondents.) A survey of several
        questionnaires with different answer formats hides a straight-liner from whole-survey indices,
        while half-a-block runs are common among attentive respondents to short, homogeneous pages.
    thresholds : dict, optional. Overrides any of ``DEFAULT_THRESHOLDS``:
        longstring (int; default :func:`default_longstring_cutoff`), irv (flag <= value; 0 = identical
        answers throughout), mahalanobis_p (flag p < value; .001), even_odd (flag < value; .30,
        Johnson 2005), psychsyn (flag < value; 0), psychsyn_critval (.60, Meade & Craig 2012),
        seconds_per_item (flag < value; 2, Huang et al. 2012).

    Mahalanobis uses complete rows (``missing="listwise"``); a respondent with a missing answer gets NaN
    and is not flagged by it. When it cannot be computed (a constant item, fewer complete rows than
    items) or no synonym pair exists, that index is NaN for everyone and a warning says why.
    See ``docs/careless.md`` for the reasoning behind each cut-off.
    """
    frame = _item_frame(items)
    p = frame.shape[1]
    th = dict(DEFAULT_THRESHOLDS)
    if thresholds is not None:
        if not isinstance(thresholds, dict):
            raise EngageSurveyError(f"thresholds must be a dict, got {type(thresholds).__name__}")
        unknown = [k for k in thresholds if k not in DEFAULT_THRESHOLDS]
        if unknown:
            raise EngageSurveyError(
                f"unknown threshold {unknown[0]!r}; known: {', '.join(DEFAULT_THRESHOLDS)}"
            )
        th.update(thresholds)
    if th["longstring"] is None:
        th["longstring"] = default_longstring_cutoff(p)

    x = _matrix(frame)  # validated once; every index below works on this matrix
    answers = x if raw is None else _matrix(_item_frame(raw)[list(frame.columns)])
    longest, avgstr = _longstring(answers)
    idx = pd.DataFrame(index=frame.index)
    idx["longstring"] = longest
    idx["longstring_avg"] = avgstr
    idx["irv"] = row_stats.row_sd(answers)
    block_ls_flag = None
    if blocks:
        unknown = [c for cols in blocks.values() for c in cols if c not in frame.columns]
        if unknown:
            raise EngageSurveyError(f"blocks name columns that are not items: {', '.join(map(str, unknown[:5]))}")
        hits, irvs = [], []
        for cols in _positions(frame, blocks.values()):
            if len(cols) >= BLOCK_MIN_ITEMS:
                block = row_stats.columns_major(answers[:, cols])
                hits.append(_longstring(block)[0] >= len(cols))
                irvs.append(row_stats.row_sd(block))
        block_ls_flag = np.any(hits, axis=0) if hits else None
        if irvs:
            idx["irv"] = np.fmin.reduce(irvs)
    try:
        d2 = _mahalanobis(x, "listwise")
    except EngageSurveyError as exc:  # singular covariance or too few complete rows: screen the rest
        warnings.warn(f"Mahalanobis distance not computed: {exc}", stacklevel=2)
        d2 = np.full(len(frame), np.nan)
    idx["mahalanobis"] = d2
    idx["mahalanobis_p"] = stats.chi2.sf(d2, df=p)
    try:
        idx["psychsyn"] = _psychsyn(x, list(frame.columns), th["psychsyn_critval"], 3)
    except EngageSurveyError as exc:
        if "no psychometric" not in str(exc):
            raise
        warnings.warn(f"psychometric synonyms not computed: {exc}", stacklevel=2)
        idx["psychsyn"] = np.nan
    if scales is not None:
        idx["even_odd"] = _even_odd(x, _positions(frame, _check_scales(frame, scales).values()), 3)
    if duration is not None:
        dur = _duration_series(duration, index=frame.index)
        if isinstance(duration, pd.Series) and not dur.index.equals(frame.index):
            raise EngageSurveyError("duration's index does not match the items' index")
        idx["seconds_per_item"] = dur.to_numpy() / p

    flags = pd.DataFrame(index=frame.index)
    flags["longstring"] = (idx["longstring"] >= th["longstring"]).to_numpy()
    if block_ls_flag is not None:
        flags["longstring"] |= block_ls_flag
    flags["irv"] = (idx["irv"] <= th["irv"]).to_numpy()
    flags["mahalanobis"] = (idx["mahalanobis_p"] < th["mahalanobis_p"]).to_numpy()
    flags["psychsyn"] = (idx["psychsyn"] < th["psychsyn"]).to_numpy()
    if "even_odd" in idx:
        flags["even_odd"] = (idx["even_odd"] < th["even_odd"]).to_numpy()
    if "seconds_per_item" in idx:
        flags["speeding"] = (idx["seconds_per_item"] < th["seconds_per_item"]).to_numpy()
    flags = flags.astype(bool)  # NaN comparisons are already False
    flags["any"] = flags.any(axis=1)
    flags["n_flags"] = flags.drop(columns="any").sum(axis=1).astype(int)
    return CarelessResult(indices=idx, flags=flags, thresholds=th, n_items=p)
