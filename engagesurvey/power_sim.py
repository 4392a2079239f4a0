"""Vectorised Monte Carlo engine behind :mod:`engagesurvey.power` (linear path models).

A design is a recursive linear path model ``v = B v + e`` over standardised variables (every variable
has variance 1 unless ``standardized=False``, which gives unit residual variances as in Fritz &
MacKinnon 2007). Residuals get a random intercept per unit with share ``icc`` of their variance, so the
between- and within-unit covariance matrices are ``icc * Sigma`` and ``(1 - icc) * Sigma``: every
variable has the same ICC and the within and between effects equal the coefficients in ``B``.

Replications are never looped one by one: data come as arrays ``(reps, n, vars)``, the moment matrices
of every replication are one ``einsum``, and every regression is a batched ``np.linalg.solve`` over the
replication axis. The percentile bootstrap draws counts (how often each row or unit is resampled) and
gets the bootstrap moment matrices of many replications at once as one batched matrix product
``counts (R, B, units) @ products (R, units, q(q+1)/2)``.

Common random numbers: data are drawn as ``(units, reps, vars)`` from one seed stream per chunk of
replications, so a design with more units extends the same random numbers (a sample of n is the first n
rows of the sample of n + 1). :func:`engagesurvey.power.solve` relies on this for a smooth, nearly
monotone power curve over candidate sizes.

Analyses (``analysis``):

* ``"ols"``: single-level OLS with classical SEs, t tests with n - p degrees of freedom.
* ``"cluster_robust"``: pooled OLS with CR1 cluster-robust SEs (Stata / ``sandwich::vcovCL`` type HC1:
  ``G/(G-1) * (N-1)/(N-K)``), t tests with G - 1 degrees of freedom.
* ``"within"``: the within-unit part of the 1-1-1 multilevel model (group-mean centring, CWC(M);
  Zhang, Zyphur & Preacher 2009). In a balanced design the within coefficients of the random-intercept
  model with the unit means as predictors equal the within (fixed-effects) estimator, computed here from
  the unit-demeaned data; t tests with N - G - p degrees of freedom.
* ``"between"``: the between part: OLS on the unit means (G - p - 1 degrees of freedom).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from .errors import EngageSurveyError

CHUNK = 25               # replications per seed stream (fixed, so streams do not depend on the design)
BOOT_CELLS = 3_000_000   # bootstrap counts held at once: reps * draws * units


@dataclass
class Design:
    """A path model to simulate and analyse.

    names : variable names; B : (v, v) coefficients, ``B[i, j]`` = effect of variable j on variable i
    (j < i); equations : ``(dependent, (predictors...))`` fitted per replication; effects : name ->
    list of terms, a term being a tuple of ``(equation, predictor position)`` factors whose product is
    taken; the terms are summed (one factor = a coefficient, two = an indirect effect).
    """

    names: list
    B: np.ndarray
    equations: list
    effects: dict
    standardized: bool = True
    psi: np.ndarray = field(init=False)

    def __post_init__(self):
        self.B = np.asarray(self.B, dtype=float)
        self.psi = residual_variances(self.B, self.standardized, self.names)
        self.A = np.linalg.inv(np.eye(len(self.names)) - self.B)


def residual_variances(B: np.ndarray, standardized: bool, names: Sequence[str]) -> np.ndarray:
    """Residual variances that give every variable variance 1 (standardized) or 1 for every residual."""
    v = B.shape[0]
    if not standardized:
        return np.ones(v)
    psi = np.empty(v)
    S = np.zeros((v, v))
    for i in range(v):  # v is a handful of variables, not respondents
        b = B[i, :i]
        explained = float(b @ S[:i, :i] @ b) if i else 0.0
        psi[i] = 1.0 - explained
        if psi[i] <= 1e-9:
            raise EngageSurveyError(
                f"the effects on {names[i]!r} explain {explained:.3f} of its variance (must be < 1): "
                "standardised effects this large are impossible")
        S[i, :i] = S[:i, i] = S[:i, :i] @ b
        S[i, i] = 1.0
    return psi


def seed_sequence(seed) -> np.random.SeedSequence:
    """A root SeedSequence from an int, None, a Generator or a SeedSequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(int(seed.integers(0, 2**63)))
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise EngageSurveyError(f"seed must be an int, a numpy Generator or None, got {seed!r}")
    return np.random.SeedSequence(seed)


def stream(root: np.random.SeedSequence, kind: int, chunk: int) -> np.random.Generator:
    """Generator number ``kind`` for chunk ``chunk`` (0 within-data, 1 unit effects, 2 bootstrap, ...)."""
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, kind,
                                                                                   chunk)))


def generate(design: Design, reps: int, n_units: int, per_unit, icc: float, root, chunk: int):
    """Data (reps, N, v) of one chunk; rows ordered unit by unit when ``per_unit`` is given."""
    v = len(design.names)
    sd = np.sqrt(design.psi)
    if per_unit is None:
        E = stream(root, 0, chunk).standard_normal((n_units, reps, v)) * sd
        E = E.transpose(1, 0, 2)
    else:
        U = stream(root, 1, chunk).standard_normal((n_units, reps, v)) * (sd * np.sqrt(icc))
        W = stream(root, 0, chunk).standard_normal((n_units, reps, per_unit, v)) * (sd * np.sqrt(1 - icc))
        E = (W + U[:, :, None, :]).transpose(1, 0, 2, 3).reshape(reps, n_units * per_unit, v)
    return E @ design.A.T


# ----------------------------------------------------------------------------------- analysis


def _prepare(V: np.ndarray, analysis: str, n_units: int, per_unit):
    """Columns Z (R, rows, q) of the analysis, whether column 0 is the constant, and the cluster shape."""
    R, N, v = V.shape
    if analysis in ("ols", "cluster_robust"):
        Z = np.concatenate([np.ones((R, N, 1)), V], axis=2)
        return Z, True
    Vg = V.reshape(R, n_units, per_unit, v)
    means = Vg.mean(axis=2)
    if analysis == "within":
        return (Vg - means[:, :, None, :]).reshape(R, N, v), False
    if analysis == "between":
        return np.concatenate([np.ones((R, n_units, 1)), means], axis=2), True
    raise EngageSurveyError(f"unknown analysis {analysis!r}")


def _cols(eq, const: bool):
    dep, preds = eq
    off = 1 if const else 0
    return ([0] if const else []) + [p + off for p in preds], dep + off


def _solve(M: np.ndarray, xc, yc):
    xc = np.asarray(xc)
    Mxx = M[..., xc[:, None], xc[None, :]]
    Mxy = M[..., xc, yc]
    return np.linalg.solve(Mxx, Mxy[..., None])[..., 0], Mxx, Mxy


def fit(V: np.ndarray, design: Design, analysis: str, n_units: int, per_unit):
    """Per equation: slopes (R, p), their covariance (R, p, p) and the t-test degrees of freedom."""
    R, N, _ = V.shape
    Z, const = _prepare(V, analysis, n_units, per_unit)
    rows = Z.shape[1]
    M = np.einsum("rni,rnj->rij", Z, Z, optimize=True)
    out = []
    for eq in design.equations:
        xc, yc = _cols(eq, const)
        b, Mxx, Mxy = _solve(M, xc, yc)
        p = len(xc)
        Minv = np.linalg.inv(Mxx)
        if analysis == "cluster_robust":
            e = Z[..., yc] - np.einsum("rnk,rk->rn", Z[..., xc], b)
            scores = (Z[..., xc] * e[..., None]).reshape(R, n_units, per_unit, p).sum(axis=2)
            meat = np.einsum("rgi,rgj->rij", scores, scores)
            G = n_units
            c = G / (G - 1) * (N - 1) / (N - p)
            vc = c * Minv @ meat @ Minv
            df = G - 1
        else:
            sse = M[:, yc, yc] - np.einsum("rk,rk->r", b, Mxy)
            df = rows - p - (n_units if analysis == "within" else 0)
            if df <= 0:
                raise EngageSurveyError(f"too few observations ({rows}) for the {p} coefficients of the model")
            vc = Minv * (sse / df)[:, None, None]
        s = 1 if const else 0
        out.append((b[:, s:], vc[:, s:, s:], df))
    return out, Z, const


def products(Z: np.ndarray) -> np.ndarray:
    q = Z.shape[-1]
    iu, ju = np.triu_indices(q)
    return Z[..., iu] * Z[..., ju]


def unit_products(Z: np.ndarray, analysis: str, n_units: int, per_unit) -> np.ndarray:
    """Products per resampling unit: rows (single level) or sums over each unit's rows (clusters)."""
    P = products(Z)
    if per_unit is None or analysis == "between":
        return P
    R, _, Q = P.shape
    return P.reshape(R, n_units, per_unit, Q).sum(axis=2)


def draw_counts(rng: np.random.Generator, shape, units: int) -> np.ndarray:
    """Bootstrap counts of shape (*shape, units): how often each unit is drawn in a resample of ``units``."""
    size = int(np.prod(shape))
    idx = rng.integers(0, units, size=(size, units), dtype=np.int32).astype(np.intp)
    idx += (np.arange(size) * units)[:, None]
    return np.bincount(idx.ravel(), minlength=size * units).reshape(*shape, units).astype(float)


def effect_values(design: Design, coefs: list, names) -> dict:
    """Effects from per-equation slope arrays (any leading shape)."""
    out = {}
    for name in names:
        total = 0.0
        for term in design.effects[name]:
            val = 1.0
            for eq, pos in term:
                val = val * coefs[eq][..., pos]
            total = total + val
        out[name] = total
    return out


def boot_effects(Pu: np.ndarray, counts: np.ndarray, design: Design, const: bool, q: int, names) -> dict:
    """Effects for each bootstrap draw: Pu (R, units, Q), counts (R, B, units) -> {name: (R, B)}."""
    flat = counts @ Pu
    iu, ju = np.triu_indices(q)
    M = np.empty(flat.shape[:2] + (q, q))
    M[..., iu, ju] = flat
    M[..., ju, iu] = flat
    coefs = []
    for eq in design.equations:
        xc, yc = _cols(eq, const)
        b = _solve(M, xc, yc)[0]
        coefs.append(b[..., 1:] if const else b)
    return effect_values(design, coefs, names)


def simulate(design: Design, *, n_units: int, per_unit=None, icc: float = 0.0, reps: int = 1000,
             analysis: str = "ols", method: str = "joint", effects: Sequence[str] = (), alpha: float = 0.05,
             n_boot: int = 1000, seed=None, progress: Callable | None = None) -> dict:
    """Simulate ``reps`` data sets and test each effect; returns hits (reps,) and estimates per effect.

    method: ``"joint"`` (every coefficient of the effect significant; for one-coefficient effects the
    t test), ``"bootstrap"`` (percentile bootstrap CI excludes 0), ``"montecarlo"`` (Monte Carlo CI from
    normal draws of the coefficients with their estimated covariance, Preacher & Selig 2012).
    """
    root = seed_sequence(seed)
    names = list(effects) or list(design.effects)
    hits = {k: np.zeros(reps, dtype=bool) for k in names}
    est = {k: np.zeros(reps) for k in names}
    done = 0
    for chunk, start in enumerate(range(0, reps, CHUNK)):
        r = min(CHUNK, reps - start)
        V = generate(design, r, n_units, per_unit, icc, root, chunk)
        fits, Z, const = fit(V, design, analysis, n_units, per_unit)
        coefs = [f[0] for f in fits]
        point = effect_values(design, coefs, names)
        sl = slice(start, start + r)
        for k in names:
            est[k][sl] = point[k]
        if method == "joint":
            sig = [np.abs(b) / np.sqrt(np.diagonal(vc, axis1=1, axis2=2)) > stats.t.ppf(1 - alpha / 2, df)
                   for b, vc, df in fits]
            for k in names:
                terms = design.effects[k]
                if len(terms) != 1:
                    raise EngageSurveyError(f"effect {k!r} sums several paths: use method='bootstrap' "
                                            "or 'montecarlo' (joint significance needs a single path)")
                h = np.ones(r, dtype=bool)
                for eq, pos in terms[0]:
                    h &= sig[eq][:, pos]
                hits[k][sl] = h
        elif method == "montecarlo":
            rng = stream(root, 2, chunk)
            draws = []
            for b, vc, _ in fits:
                L = np.linalg.cholesky(vc + 1e-300 * np.eye(vc.shape[-1]))
                zz = rng.standard_normal((r, n_boot, b.shape[1]))
                draws.append(b[:, None, :] + np.einsum("rij,rbj->rbi", L, zz))
            vals = effect_values(design, draws, names)
            for k in names:
                lo, hi = np.quantile(vals[k], [alpha / 2, 1 - alpha / 2], axis=1)
                hits[k][sl] = (lo > 0) | (hi < 0)
        elif method == "bootstrap":
            rng = stream(root, 2, chunk)
            Pu = unit_products(Z, analysis, n_units, per_unit)
            units = Pu.shape[1]
            step = max(1, BOOT_CELLS // (n_boot * units))
            q = Z.shape[-1]
            for s in range(0, r, step):
                e = min(r, s + step)
                counts = draw_counts(rng, (e - s, n_boot), units)
                vals = boot_effects(Pu[s:e], counts, design, const, q, names)
                for k in names:
                    lo, hi = np.quantile(vals[k], [alpha / 2, 1 - alpha / 2], axis=1)
                    hits[k][start + s:start + e] = (lo > 0) | (hi < 0)
        else:
            raise EngageSurveyError(f"method must be 'joint', 'bootstrap' or 'montecarlo', got {method!r}")
        done += r
        if progress is not None:
            progress(done, reps)
    return {"hits": hits, "estimates": est}
