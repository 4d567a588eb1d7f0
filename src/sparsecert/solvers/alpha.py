"""alpha_max: the smallest alpha for which w = 0 is optimal."""

import numpy as np

from .. import penalties
from .._kernels import codes
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

    With ``penalty`` a :class:`~sparsecert.penalties.MultiTaskL21` (its alpha
    is ignored, its ``l1_ratio`` rho used), ``y`` is Y of shape (n, k) and

        alpha_max = max_j ||g_j||_2 / rho,   g_j = dF/dW[:, j] at (0, b0),

    e.g. max_j ||X_j^T (Y - Ybar)||_2 / (n rho): scikit-learn's alpha grid
    of ``MultiTaskLassoCV`` / ``MultiTaskElasticNetCV`` (inf for rho = 0).

    With ``datafit="multinomial"`` (y class labels, K >= 2 classes) and G0 =
    dF/dW (K, p) at W = 0 with the intercepts at the centred log class
    frequencies (zero without intercept),

        alpha_max = max_j max_k |G0[k, j]| / (rho c_j)

    for the per-coefficient L1 / elastic net (``l1_ratio``, ``weights``, or
    ``penalty`` an L1 / ElasticNet), and max_j ||G0[:, j]||_2 / (rho c_j) for
    the penalty grouped over the classes (``penalty=MultiTaskL21(1.0, rho,
    weights)``, ``SparseLogisticRegression(penalty="grouped")``); every c_j
    must be > 0.

    With a :class:`~sparsecert.penalties.SparseGroupLasso` (its own
    ``l1_ratio`` rho), ||.||_2 becomes the dual norm N*: for each group the
    a >= 0 solving ||S(g_g, a rho c_g)||_2 = a (1 - rho) c_g, found exactly
    (see the penalty), and the largest over the groups; rho = 1 gives the
    weighted Lasso's max_j |g_j| / c_{g(j)}. The alpha given to the penalty
    is not used (pass 1.0).
    """
    datafit = as_datafit(datafit)
    if datafit.code == codes.MULTINOMIAL:
        if penalty is None:
            penalty = penalties.ElasticNet(1.0, l1_ratio=l1_ratio, weights=weights)
        if positive:
            raise ValueError("positive=True is not implemented for the multinomial datafit.")
        from .._multinomial_certificate import multinomial_alpha_max

        return multinomial_alpha_max(X, y, penalty, fit_intercept, sample_weight)
    if getattr(penalty, "multitask", False):
        if datafit.code != codes.QUADRATIC:
            raise ValueError("The multi-task lasso is implemented for the quadratic datafit "
                             "only.")
        # imported here: importing the package for a single-task fit skips it
        from .._multitask_certificate import multitask_alpha_max_on, validate_multitask

        design, Y, sw = validate_multitask(X, y, sample_weight)
        return multitask_alpha_max_on(design, Y, sw, penalty, fit_intercept)
    if penalties.is_group(penalty):
        X, design, y64, sw = validate_arrays(X, y, datafit, sample_weight)
        return group_alpha_max_on(design, y64, sw, penalty, datafit=datafit,
                                  fit_intercept=fit_intercept)
    if penalty is not None:
        raise ValueError(f"alpha_max takes penalty=GroupLasso(...), SparseGroupLasso(...) or "
                         f"MultiTaskL21(...) only (L1 and the elastic net are given by "
                         f"l1_ratio, weights and positive); got {penalty!r}.")
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
