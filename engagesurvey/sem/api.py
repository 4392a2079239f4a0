"""Public entry points: ``cfa``, ``sem`` and ``invariance``."""

from __future__ import annotations

from .estimate import fit_model
from .invariance import invariance
from .result import SEMResult

__all__ = ["cfa", "sem", "invariance"]


def cfa(model: str, data=None, *, estimator="ML", ordered=None, group=None, group_equal=(), missing="listwise",
        sample_cov=None, sample_nobs=None, std_lv=False, meanstructure=None) -> SEMResult:
    """Confirmatory factor analysis with lavaan syntax (``lavaan::cfa``, lavaan 0.6-14 defaults).

    Parameters
    ----------
    model : str
        lavaan model syntax (``=~ ~ ~~ ~1 :=``, labels ``a*x``, fixed values ``1*x``, ``NA*x``,
        per-group ``c(a1, a2)*x``).
    data : DataFrame, Moments or None
        Raw data (rows = respondents). May be None when ``sample_cov`` is given. A
        :class:`~engagesurvey.moments.Moments` object gives its complete-row covariance (n - 1
        denominator, rescaled by (n - 1)/n), means and ``n``, as lavaan's ``sample.cov``/``sample.mean``/
        ``sample.nobs``: ML estimates, standard errors and fit measures equal those of the raw-data fit of
        the rows complete on the model's variables (when the model's variables are observed on the same
        rows, their pairwise statistics are used, so other columns' gaps cost nothing; otherwise the
        Moments' complete rows, with a warning if rows may be lost: build it on the model's variables). With ``group=True`` (or the Moments' group column) the
        groups are the entries of ``.groups`` in their order (sorted values for ``Moments.from_frame``;
        the first is lavaan's reference group), or ``group=[values]`` picks groups and their order
        (lavaan's ``group.label``). Needs ``estimator="ML"`` and ``missing="listwise"``.
    estimator : {"ML", "MLR", "WLSMV"}
        ML (standard errors from the expected information) or MLR (Huber-White standard errors from
        the observed information, Yuan-Bentler scaled chi-square). With ``ordered`` the estimator is
        WLSMV (lavaan's default for ordered data; "ML" is taken to mean that default): DWLS on the
        thresholds and polychoric correlations, robust.sem standard errors, scaled-and-shifted test,
        delta parameterization (:mod:`engagesurvey.sem.wls`; fit measures in
        :mod:`engagesurvey.sem.wls_fit`).
    ordered : True, list of columns or None
        Ordered categorical indicators (``True``: every observed variable of the model). All observed
        variables must be ordered (mixing with continuous ones is not supported yet); listwise deletion.
    group, group_equal : column defining groups, and parameter types held equal across them
        ("loadings", "intercepts", "residuals", "residual.covariances", "lv.variances",
        "lv.covariances", "means", "regressions"; with ordered indicators also "thresholds", which frees
        the scale factors and latent means of groups 2+ as lavaan does).
    missing : {"listwise", "fiml"}
        "fiml" (lavaan's ``missing = "ml"``): casewise likelihood, standard errors from the observed
        information, h1 by EM. Rows left out (listwise: a missing value on a model variable; FIML: no
        observed value; any estimator: a missing group value) are counted in ``.ntotal``/``.excluded``
        and ``summary()`` ("Used N / Total M", as lavaan), and a warning names the counts and reasons.
    sample_cov, sample_nobs : covariance matrix with the n-1 denominator (as lavaan's ``sample.cov``;
        rescaled internally by (n-1)/n) and the number of observations.
    std_lv : bool
        Identify factors by fixing their variances to 1 instead of the first loading.

    Returns
    -------
    SEMResult
        ``.estimates`` (lavaan's ``parameterEstimates(fit, standardized=TRUE)``), ``.fit_measures``
        (``fitMeasures(fit)``), ``.modindices()``, ``.summary()``.

    Notes
    -----
    Likelihood with N (not N - 1), as lavaan's default ``likelihood = "normal"``. Checked against
    ``lavaan::cfa``/``lavaan::sem`` 0.6-14 (tests/reference/sem_*.R).
    """
    return fit_model(model, data, estimator=estimator, ordered=ordered, group=group, group_equal=group_equal,
                     missing=missing, sample_cov=sample_cov, sample_nobs=sample_nobs, std_lv=std_lv,
                     meanstructure=meanstructure, kind="cfa")


def sem(model: str, data=None, *, estimator="ML", ordered=None, group=None, group_equal=(), missing="listwise",
        sample_cov=None, sample_nobs=None, std_lv=False, meanstructure=None) -> SEMResult:
    """Structural equation model with lavaan syntax (``lavaan::sem``); arguments as :func:`cfa`."""
    return fit_model(model, data, estimator=estimator, ordered=ordered, group=group, group_equal=group_equal,
                     missing=missing, sample_cov=sample_cov, sample_nobs=sample_nobs, std_lv=std_lv,
                     meanstructure=meanstructure, kind="sem")
