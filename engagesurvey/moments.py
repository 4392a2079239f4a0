"""Mergeable first and second moments for surveys too large to hold in memory.

A :class:`Moments` object holds the sufficient statistics for means, covariances and correlations of a
set of numeric columns: the number of rows, the mean vector and the matrix of centred cross-products
(``M2 = sum_r (x_r - xbar)(x_r - xbar)'``). Two objects computed on disjoint sets of rows merge exactly
(Chan, Golub & LeVeque 1979, the pairwise form of Welford's update), so a national survey can be read
in chunks, per agency, or on several machines and combined afterwards; ``to_dict``/``from_dict`` save
and restore them as JSON.

Two missing-data views are kept side by side:

* **listwise** (the default everywhere: ``n``, ``means``, ``cov``, ``corr``): only rows with every
  column observed, as R's ``cov(x, use = "complete.obs")`` and pandas' ``df.dropna().cov()``, and as
  lavaan's ``missing = "listwise"`` would see the data;
* **pairwise** (``pairwise_n``, ``pairwise_means``, ``pairwise_cov``, ``pairwise_corr``): for each pair
  of columns (i, j) the rows where both are observed, as R's ``cov(x, use = "pairwise")`` and pandas'
  ``df.cov()``. Per pair we store n_ij, the mean of i and of j over those rows, the centred sums of
  squares of i and of j over those rows, and the centred cross-product; each merges with Chan's
  formulas, so the pairwise statistics are exact after any number of merges too.

Reference: Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise
algorithm for computing sample variances. Technical Report STAN-CS-79-773, Stanford University.
Checked against R's ``cov``/``cor`` (``use = "complete.obs"`` and ``"pairwise"``) on psych's bfi.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ._results import ResultMixin
from ._prep import numeric_frame
from .errors import EngageSurveyError

__all__ = ["Moments"]

_FORMAT = "engagesurvey.moments"
_VERSION = 1


def _numeric_matrix(df: pd.DataFrame, columns: list) -> np.ndarray:
    out = numeric_frame(df[columns], min_items=1, what="moments: columns").to_numpy(dtype=np.float64)
    if np.isinf(out).any():
        r, c = np.argwhere(np.isinf(out))[0]
        raise EngageSurveyError(f"column {columns[c]!r} has an infinite value (row {df.index[r]!r})")
    return out


def _chan(na, ma, qa, nb, mb, qb):
    """Merge (n, mean, centred sum of squares) of two disjoint samples, elementwise (Chan et al. 1979)."""
    n = na + nb
    with np.errstate(invalid="ignore", divide="ignore"):
        d = mb - ma
        mean = ma + d * (nb / n)
        q = qa + qb + d * d * (na * nb / n)
    mean = np.where(na == 0, mb, np.where(nb == 0, ma, mean))
    q = np.where(na == 0, qb, np.where(nb == 0, qa, q))
    return n, mean, q


class Moments(ResultMixin):
    """Sufficient statistics for means and covariances, mergeable across chunks and groups.

    Build with :meth:`from_frame` or :meth:`from_batches`; combine with :meth:`merge`.

    Attributes
    ----------
    n : int, the number of complete rows (every column observed).
    means : Series, column means over the complete rows.
    cov : DataFrame, covariance over the complete rows with the n - 1 denominator (R's
        ``cov(x, use = "complete.obs")``; ``covariance(ddof=0)`` gives the n denominator).
    corr : DataFrame, the matching correlation matrix.
    groups : dict of group value -> Moments (empty when built without ``group``).
    pairwise_n, pairwise_means, pairwise_cov, pairwise_corr : pairwise-complete statistics.
    """

    def __init__(self, columns, n, mean, m2, pair_n, pair_mean, pair_m2, pair_cross, *, group=None, groups=None):
        self.columns = list(columns)
        self._n = int(n)
        self._mean = np.asarray(mean, dtype=np.float64)
        self._m2 = np.asarray(m2, dtype=np.float64)
        self._pn = np.asarray(pair_n, dtype=np.float64)
        self._pmean = np.asarray(pair_mean, dtype=np.float64)  # [i, j]: mean of i where i and j observed
        self._pm2 = np.asarray(pair_m2, dtype=np.float64)  # [i, j]: centred SS of i where i and j observed
        self._pcross = np.asarray(pair_cross, dtype=np.float64)  # [i, j]: centred cross-product
        self.group = group
        self.groups: dict = dict(groups or {})

    # ------------------------------------------------------------------------------------ building

    @classmethod
    def _from_matrix(cls, x: np.ndarray, columns: list) -> Moments:
        p = x.shape[1]
        obs = np.isfinite(x)
        # listwise: two-pass on the complete rows
        xc = x[obs.all(axis=1)]
        n = xc.shape[0]
        if n:
            mean = xc.mean(axis=0)
            d = xc - mean
            mean = mean + d.mean(axis=0)  # second-pass correction of the mean
            d = xc - mean
            m2 = d.T @ d
        else:
            mean = np.full(p, np.nan)
            m2 = np.zeros((p, p))
        if n == x.shape[0]:  # no missing value: the pairwise statistics are the listwise ones
            pm2 = np.repeat(np.diag(m2)[:, None], p, axis=1)
            pmean = np.repeat(mean[:, None], p, axis=1)
            return cls(columns, n, mean, m2, np.full((p, p), float(n)), pmean, pm2, m2.copy())
        # pairwise: shift by the available-case means, then sums over the rows where both are observed
        mask = obs.astype(np.float64)
        counts = obs.sum(axis=0)
        shift = np.zeros(p)
        has = counts > 0
        shift[has] = np.where(obs[:, has], x[:, has], 0.0).sum(axis=0) / counts[has]
        xs = np.where(obs, x - shift, 0.0)
        pn = mask.T @ mask
        s = xs.T @ mask  # [i, j]: sum of shifted x_i over rows with i and j observed
        with np.errstate(invalid="ignore", divide="ignore"):
            sm = s / pn
            pmean = np.where(pn > 0, shift[:, None] + sm, np.nan)
            pm2 = np.where(pn > 0, (xs * xs).T @ mask - s * sm, 0.0)
            pcross = np.where(pn > 0, xs.T @ xs - s * sm.T, 0.0)
        pm2 = np.maximum(pm2, 0.0)
        diag = np.diag_indices(p)
        pcross[diag] = pm2[diag]
        return cls(columns, n, mean, m2, pn, pmean, pm2, pcross)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, group=None, columns=None) -> Moments:
        """Moments of the numeric columns of ``df`` (all columns except ``group`` unless ``columns``).

        With ``group``, ``.groups`` holds one Moments per observed value of that column; the overall
        statistics use every row, including rows whose group value is missing (which belong to no
        group).
        """
        if not isinstance(df, pd.DataFrame):
            raise EngageSurveyError(f"Moments.from_frame needs a pandas DataFrame, got {type(df).__name__}")
        if group is not None and group not in df.columns:
            raise EngageSurveyError(f"group column {group!r} is not in the data")
        if columns is None:
            columns = [c for c in df.columns if c != group]
        else:
            columns = list(columns)
            unknown = [c for c in columns if c not in df.columns]
            if unknown:
                raise EngageSurveyError(f"columns not in the data: {', '.join(map(str, unknown))}")
            if group is not None and group in columns:
                raise EngageSurveyError(f"group column {group!r} cannot also be a variable")
        if not columns:
            raise EngageSurveyError("Moments need at least one numeric column")
        if len(set(columns)) != len(columns):
            raise EngageSurveyError("Moments: duplicated column names")
        x = _numeric_matrix(df, columns)
        out = cls._from_matrix(x, columns)
        if group is not None:
            out.group = group
            codes, uniques = pd.factorize(df[group], sort=True)
            order = np.argsort(codes, kind="stable")  # one sort, then a slice per group
            bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
            for k, key in enumerate(uniques):
                key = key.item() if hasattr(key, "item") else key
                out.groups[key] = cls._from_matrix(x[order[bounds[k]:bounds[k + 1]]], columns)
        return out

    @classmethod
    def from_batches(cls, batches: Iterable[pd.DataFrame], *, group=None, columns=None) -> Moments:
        """Accumulate moments batch by batch (e.g. ``pd.read_csv(..., chunksize=100_000)``).

        Only one batch is in memory at a time; the result equals ``from_frame`` of all rows stacked.
        """
        acc = None
        for batch in batches:
            m = cls.from_frame(batch, group=group, columns=columns)
            acc = m if acc is None else acc.merge(m)
        if acc is None:
            raise EngageSurveyError("Moments.from_batches got no batches")
        return acc

    @classmethod
    def from_cov(cls, cov: pd.DataFrame, means, n: int) -> Moments:
        """Moments from a covariance matrix (n - 1 denominator), means and n of complete data.

        The pairwise statistics are those of complete data (every pair observed on all n rows).
        """
        if not isinstance(cov, pd.DataFrame) or list(cov.index) != list(cov.columns):
            raise EngageSurveyError("cov must be a square DataFrame with the same row and column names")
        columns = list(cov.columns)
        means = pd.Series(means, index=columns) if not isinstance(means, pd.Series) else means.reindex(columns)
        if means.isna().any():
            raise EngageSurveyError("means must give a value for every column of cov")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise EngageSurveyError(f"n must be an integer >= 2, got {n!r}")
        c = cov.to_numpy(dtype=np.float64)
        mu = means.to_numpy(dtype=np.float64)
        m2 = c * (n - 1)
        p = len(columns)
        pn = np.full((p, p), float(n))
        pm2 = np.repeat(np.diag(m2)[:, None], p, axis=1)
        return cls(columns, n, mu, m2, pn, np.repeat(mu[:, None], p, axis=1), pm2, m2.copy())

    # ------------------------------------------------------------------------------------ combining

    def _aligned(self, other: Moments) -> Moments:
        if not isinstance(other, Moments):
            raise EngageSurveyError(f"can only merge Moments with Moments, got {type(other).__name__}")
        if other.columns == self.columns:
            return other
        if set(other.columns) != set(self.columns) or len(other.columns) != len(self.columns):
            missing = [c for c in self.columns if c not in other.columns]
            extra = [c for c in other.columns if c not in self.columns]
            raise EngageSurveyError(
                f"cannot merge Moments over different columns (missing: {', '.join(map(str, missing)) or '-'};"
                f" extra: {', '.join(map(str, extra)) or '-'})"
            )
        order = [other.columns.index(c) for c in self.columns]
        ix = np.ix_(order, order)
        groups = {k: g._aligned_to(self.columns) for k, g in other.groups.items()}
        return Moments(
            self.columns, other._n, other._mean[order], other._m2[ix], other._pn[ix], other._pmean[ix],
            other._pm2[ix], other._pcross[ix], group=other.group, groups=groups,
        )

    def _aligned_to(self, columns: list) -> Moments:
        order = [self.columns.index(c) for c in columns]
        ix = np.ix_(order, order)
        groups = {k: g._aligned_to(columns) for k, g in self.groups.items()}
        return Moments(columns, self._n, self._mean[order], self._m2[ix], self._pn[ix], self._pmean[ix],
                       self._pm2[ix], self._pcross[ix], group=self.group, groups=groups)

    def merge(self, other: Moments) -> Moments:
        """Moments of the union of two disjoint sets of rows (exact; Chan et al. 1979).

        ``n = na + nb``, ``delta = mean_b - mean_a``, ``mean = mean_a + delta nb / n``,
        ``M2 = M2_a + M2_b + delta delta' na nb / n``; the same update per pair of columns for the
        pairwise statistics. Groups with the same value are merged; the others are carried over.
        """
        other = self._aligned(other)
        if self.group is not None and other.group is not None and self.group != other.group:
            raise EngageSurveyError(f"cannot merge Moments grouped by {self.group!r} and by {other.group!r}")
        na, nb = float(self._n), float(other._n)
        n = na + nb
        if na == 0:
            mean, m2 = other._mean.copy(), other._m2.copy()
        elif nb == 0:
            mean, m2 = self._mean.copy(), self._m2.copy()
        else:
            d = other._mean - self._mean
            mean = self._mean + d * (nb / n)
            m2 = self._m2 + other._m2 + np.outer(d, d) * (na * nb / n)
        pa, pb = self._pn, other._pn
        pn, pmean, pm2 = _chan(pa, self._pmean, self._pm2, pb, other._pmean, other._pm2)
        with np.errstate(invalid="ignore", divide="ignore"):
            dm = other._pmean - self._pmean  # [i, j]: shift of mean of i within pair (i, j)
            cross = self._pcross + other._pcross + dm * dm.T * (pa * pb / pn)
        cross = np.where(pa == 0, other._pcross, np.where(pb == 0, self._pcross, cross))
        groups = dict(self.groups)
        for key, g in other.groups.items():
            groups[key] = groups[key].merge(g) if key in groups else g
        return Moments(self.columns, int(n), mean, m2, pn, pmean, pm2, cross,
                       group=self.group if self.group is not None else other.group, groups=groups)

    def select(self, groups) -> Moments:
        """Moments of the rows in the given group value(s), with ``.groups`` restricted to them."""
        if not self.groups:
            raise EngageSurveyError("select() needs Moments built with a group column")
        if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
            groups = [groups]
        groups = list(groups)
        if not groups:
            raise EngageSurveyError("select() needs at least one group value")
        unknown = [g for g in groups if g not in self.groups]
        if unknown:
            raise EngageSurveyError(f"unknown group value {unknown[0]!r} for group column {self.group!r}")
        acc = None
        for g in dict.fromkeys(groups):
            m = self.groups[g]
            bare = Moments(m.columns, m._n, m._mean, m._m2, m._pn, m._pmean, m._pm2, m._pcross)
            acc = bare if acc is None else acc.merge(bare)
        acc.group = self.group
        acc.groups = {g: self.groups[g] for g in dict.fromkeys(groups)}
        return acc

    # ------------------------------------------------------------------------------------ statistics

    @property
    def n(self) -> int:
        return self._n

    @property
    def means(self) -> pd.Series:
        return pd.Series(self._mean.copy(), index=self.columns, name="mean")

    def covariance(self, *, ddof: int = 1, pairwise: bool = False) -> pd.DataFrame:
        """Covariance matrix with denominator ``n - ddof`` (1 as R's ``cov``; 0 the ML estimate)."""
        if ddof not in (0, 1):
            raise EngageSurveyError(f"ddof must be 0 or 1, got {ddof!r}")
        with np.errstate(invalid="ignore", divide="ignore"):
            if pairwise:
                den = self._pn - ddof
                c = np.where(den > 0, self._pcross / den, np.nan)
            else:
                den = self._n - ddof
                c = self._m2 / den if den > 0 else np.full_like(self._m2, np.nan)
        return pd.DataFrame(c, index=self.columns, columns=self.columns)

    @property
    def cov(self) -> pd.DataFrame:
        return self.covariance(ddof=1)

    @property
    def corr(self) -> pd.DataFrame:
        sd = np.sqrt(np.diag(self._m2))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = self._m2 / np.outer(sd, sd)
        if self._n < 2:
            r = np.full_like(r, np.nan)
        return pd.DataFrame(np.clip(r, -1.0, 1.0), index=self.columns, columns=self.columns)

    @property
    def pairwise_n(self) -> pd.DataFrame:
        return pd.DataFrame(self._pn.astype(np.int64), index=self.columns, columns=self.columns)

    @property
    def pairwise_means(self) -> pd.Series:
        """Available-case means: each column over every row where it is observed."""
        return pd.Series(np.diag(self._pmean).copy(), index=self.columns, name="mean")

    @property
    def pairwise_cov(self) -> pd.DataFrame:
        return self.covariance(ddof=1, pairwise=True)

    @property
    def pairwise_corr(self) -> pd.DataFrame:
        """Pairwise-complete correlations (R's ``cor(x, use = "pairwise")``, pandas' ``df.corr()``)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            r = self._pcross / np.sqrt(self._pm2 * self._pm2.T)
        r = np.where(self._pn >= 2, r, np.nan)
        return pd.DataFrame(np.clip(r, -1.0, 1.0), index=self.columns, columns=self.columns)

    # ------------------------------------------------------------------------------------ saving

    def to_dict(self) -> dict:
        """A JSON-serialisable dict (NaN stored as null); restore with :meth:`from_dict`."""

        def mat(a):
            return [[None if not math.isfinite(v) else float(v) for v in row] for row in np.asarray(a)]

        def vec(a):
            return [None if not math.isfinite(v) else float(v) for v in np.asarray(a)]

        def plain(v):
            return v.item() if hasattr(v, "item") else v

        return {
            "format": _FORMAT,
            "version": _VERSION,
            "columns": [plain(c) for c in self.columns],
            "n": self._n,
            "means": vec(self._mean),
            "m2": mat(self._m2),
            "pairwise": {
                "n": [[int(v) for v in row] for row in self._pn],
                "means": mat(self._pmean),
                "m2": mat(self._pm2),
                "cross": mat(self._pcross),
            },
            "group": plain(self.group),
            "groups": [{"key": plain(k), "moments": g.to_dict()} for k, g in self.groups.items()],
        }

    @classmethod
    def from_dict(cls, d: dict) -> Moments:
        if not isinstance(d, dict) or d.get("format") != _FORMAT:
            raise EngageSurveyError("not a saved Moments object (missing format 'engagesurvey.moments')")
        if d.get("version") != _VERSION:
            raise EngageSurveyError(f"unsupported Moments version {d.get('version')!r} (expected {_VERSION})")

        def arr(v):
            return np.array([[np.nan if x is None else x for x in row] for row in v], dtype=np.float64)

        try:
            pw = d["pairwise"]
            mean = np.array([np.nan if v is None else v for v in d["means"]], dtype=np.float64)
            groups = {g["key"]: cls.from_dict(g["moments"]) for g in d.get("groups", [])}
            return cls(d["columns"], d["n"], mean, arr(d["m2"]), arr(pw["n"]), arr(pw["means"]),
                       arr(pw["m2"]), arr(pw["cross"]), group=d.get("group"), groups=groups)
        except (KeyError, TypeError) as exc:
            raise EngageSurveyError(f"saved Moments object is incomplete: missing {exc}") from None

    # ------------------------------------------------------------------------------------ display

    def __repr__(self) -> str:
        g = f", groups={len(self.groups)} by {self.group!r}" if self.groups else ""
        return f"Moments(n={self._n}, columns={len(self.columns)}{g})"

    def to_frame(self) -> pd.DataFrame:
        """Per column: available n, available-case mean, and complete-row mean and SD."""
        sd = np.sqrt(np.diag(self.cov.to_numpy()))
        return pd.DataFrame(
            {
                "n_available": np.diag(self._pn).astype(np.int64),
                "mean_available": np.diag(self._pmean),
                "n_complete": self._n,
                "mean": self._mean,
                "sd": sd,
            },
            index=pd.Index(self.columns, name="variable"),
        )

    def summary(self) -> str:
        lines = [f"Moments over {len(self.columns)} variables: {self._n} complete rows (listwise)"]
        if self.groups:
            sizes = ", ".join(f"{k}: {g.n}" for k, g in self.groups.items())
            lines.append(f"groups by {self.group!r}: {sizes}")
        lines.append("")
        lines.append(self.to_frame().to_string())
        return "\n".join(lines)
