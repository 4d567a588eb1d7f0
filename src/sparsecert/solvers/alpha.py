"""alpha_max: the smallest alpha for which w = 0 is optimal."""

import numpy as np

from .. import penalties
from .._problem import evaluate, make_problem
from .._validation import sub_design, validate_arrays
from ..datafits import as_datafit
from .dispatch import solve


def alpha_max(X, y, *, l1_ratio=1.0, datafit="quadratic", fit_intercept=True,
              sample_weight=None, weights=None, positive=False):
    r"""Smallest alpha for which w = 0 (on every penalized feature) is optimal.

    For L1 (``l1_ratio=1``) and the elastic net, with g = grad F at the point
    where every penalized coefficient is 0 and the unpenalized ones (c_j = 0)
    and the intercept are optimal,

        alpha_max = max_{j: c_j > 0} |g_j| / (c_j rho)        (g_j replaced by
        max(-g_j, 0) when ``positive``).

    Returns ``inf`` when ``l1_ratio == 0`` (ridge never gives exact zeros).
    """
    datafit = as_datafit(datafit)
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1]; got {l1_ratio!r}.")
    X, design, y64, sw = validate_arrays(X, y, datafit, sample_weight)
    return alpha_max_on(design, y64, sw, l1_ratio=l1_ratio, datafit=datafit,
                        fit_intercept=fit_intercept, weights=weights, positive=positive)


def alpha_max_on(design, y64, sw, *, l1_ratio=1.0, datafit, fit_intercept=True, weights=None,
                 positive=False):
    """:func:`alpha_max` on inputs validated already (a design, float64 labels,
    weights summing to n_samples, a datafit object)."""
    if l1_ratio == 0.0:
        return np.inf
    pen = penalties.L1(alpha=0.0, weights=weights, positive=positive)
    problem = make_problem(design, y64, sw, datafit, pen, fit_intercept)
    c = problem.pen_weights
    if not np.any(c > 0):
        raise ValueError("weights are all zero: no feature is penalized, so alpha_max is undefined.")
    if np.any(c == 0):
        # optimise the unpenalized features first (alpha = 0 leaves them free
        # and keeps the penalized ones at zero since we only sweep the others)
        free = np.flatnonzero(c == 0)
        sub = make_problem(sub_design(design, free), y64, sw, datafit,
                           penalties.L1(alpha=0.0, weights=np.zeros(free.size)), fit_intercept)
        res = solve(sub, tol=1e-10, max_iter=100000)
        w = np.zeros(design.n_features)
        w[free] = res.coef
        grad = evaluate(problem, w, res.intercept)["grad"]
    else:
        grad = problem.grad0
    g = -grad if positive else np.abs(grad)
    pos = c > 0
    return float(max(np.max(g[pos] / c[pos]), 0.0) / l1_ratio)
