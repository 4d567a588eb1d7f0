"""alpha_max: the smallest alpha for which w = 0 is optimal."""

import numpy as np

from .. import penalties
from .._problem import evaluate, make_problem
from .._validation import sub_design, validate_arrays
from ..datafits import as_datafit
from .dispatch import solve


def alpha_max(X, y, *, l1_ratio=1.0, datafit="quadratic", fit_intercept=True,
              sample_weight=None, weights=None, positive=False, penalty=None):
    r"""Smallest alpha for which w = 0 (on every penalized feature) is optimal.

    For L1 (``l1_ratio=1``) and the elastic net, with g = grad F at the point
    where every penalized coefficient is 0 and the unpenalized ones (c_j = 0)
    and the intercept are optimal,

        alpha_max = max_{j: c_j > 0} |g_j| / (c_j rho)        (g_j replaced by
        max(-g_j, 0) when ``positive``).

    Returns ``inf`` when ``l1_ratio == 0`` (ridge never gives exact zeros).

    With ``penalty`` a :class:`~sparsecert.penalties.GroupLasso` (whose own
    groups and weights are used; ``l1_ratio``, ``weights`` and ``positive``
    are then ignored), the group lasso's

        alpha_max = max_{g: c_g > 0} ||g_g||_2 / c_g,

    g as above (the unpenalized groups and the intercept optimal), e.g.
    max_g ||X_g^T (y - ybar)|| / (n c_g) for least squares with an intercept.
    With a :class:`~sparsecert.penalties.SparseGroupLasso` (its own
    ``l1_ratio`` rho), ||.||_2 becomes the dual norm N*: for each group the
    a >= 0 solving ||S(g_g, a rho c_g)||_2 = a (1 - rho) c_g, found exactly
    (see the penalty), and the largest over the groups; rho = 1 gives the
    weighted Lasso's max_j |g_j| / c_{g(j)}. The alpha given to the penalty
    is not used (pass 1.0).
    """
    datafit = as_datafit(datafit)
    if penalties.is_group(penalty):
        X, design, y64, sw = validate_arrays(X, y, datafit, sample_weight)
        return group_alpha_max_on(design, y64, sw, penalty, datafit=datafit,
                                  fit_intercept=fit_intercept)
    if penalty is not None:
        raise ValueError(f"alpha_max takes penalty=GroupLasso(...) or SparseGroupLasso(...) "
                         f"only (L1 and the elastic "
                         f"net are given by l1_ratio, weights and positive); got {penalty!r}.")
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
    grad = _gradient_free_optimal(problem, design, y64, sw, datafit, c == 0, fit_intercept)
    g = -grad if positive else np.abs(grad)
    pos = c > 0
    return float(max(np.max(g[pos] / c[pos]), 0.0) / l1_ratio)


def _gradient_free_optimal(problem, design, y64, sw, datafit, free_mask, fit_intercept):
    """grad F where the penalized coefficients are 0 and the free ones (and
    the intercept) optimal."""
    if not np.any(free_mask):
        return problem.grad0
    # optimise the unpenalized features first (alpha = 0 leaves them free
    # and keeps the penalized ones at zero since we only sweep the others)
    free = np.flatnonzero(free_mask)
    sub = make_problem(sub_design(design, free), y64, sw, datafit,
                       penalties.L1(alpha=0.0, weights=np.zeros(free.size)), fit_intercept)
    res = solve(sub, tol=1e-10, max_iter=100000)
    w = np.zeros(design.n_features)
    w[free] = res.coef
    return evaluate(problem, w, res.intercept)["grad"]


def group_alpha_max_on(design, y64, sw, penalty, *, datafit, fit_intercept=True):
    """The group (or sparse-group) lasso's alpha_max (see :func:`alpha_max`) on
    validated inputs."""
    from .._group_certificate import dual_norms

    rho = penalties._check_l1_ratio(penalty.l1_ratio)
    enc = penalty.encode_groups(design.n_features)
    c = enc.weights
    if not np.any(c > 0):
        raise ValueError("weights are all zero: no group is penalized, so alpha_max is "
                         "undefined.")
    problem = make_problem(design, y64, sw, datafit, penalties.L1(alpha=0.0), fit_intercept)
    grad = _gradient_free_optimal(problem, design, y64, sw, datafit, c[enc.group_of] == 0,
                                  fit_intercept)
    norms = dual_norms(enc, grad, rho)
    pos = c > 0
    return float(np.max(norms[pos] / c[pos]))
