"""Least squares on a few dense features: a whole path in a few compiled calls.

:func:`gram_path_on` solves and certifies a least-squares L1 or elastic-net
path on the weighted centred Gram matrix (:mod:`sparsecert._kernels.gram_path`)
when X is dense with few features: cross-validation's folds use it, where
the general path (:func:`sparsecert.path.path_on`) spends most of the time
in Python around solves of a few microseconds. It returns None where it does
not apply, or when it could not certify every alpha: the caller then runs
the general path.
"""

import numpy as np

from .. import penalties as _penalties
from .._kernels.gram_path import GP_CERTIFIED, gram_path
from .._problem import make_problem
from .._sums import sample_dot
from ..datafits import Quadratic
from .common import _calls_for
from .gram import _GRAM_SAFE_RANGE

# at most this many features (H is p x p; a coordinate step costs p): the
# path's solves then cost microseconds, and the matrix n p^2 / 2 flops
_MAX_FEATURES = 200
_ANDERSON = 5


def gram_path_on(design, y64, sw, penalty, grid, *, tol, max_iter, fit_intercept):
    """(coefs of shape (p, n_alphas), intercepts) of the certified path over
    ``grid``, or None (see the module docstring).

    Applies to a dense X with n >= p and p <= 200, the L1 and elastic-net
    (l1_ratio > 0) penalties with every feature penalized and columns of
    ordinary magnitude. Each alpha passes the certificate's two tests, computed
    from H: max violation <= tol (in the certificate's units) and relative
    duality gap <= tol (floored at rounding, as the certificate floors it).
    """
    if not _fits(design, penalty):
        return None
    problem = make_problem(design, y64, sw, Quadratic(), penalty.with_alpha(float(grid[0])),
                           fit_intercept)
    out = _solve_on_gram(problem, np.asarray(grid, dtype=np.float64), None, tol, max_iter)
    return None if out is None else out[:2]


def _fits(design, penalty):
    n, p = design.n_samples, design.n_features
    return (not design.is_sparse and 0 < p <= _MAX_FEATURES and n >= p
            and isinstance(penalty, (_penalties.L1, _penalties.ElasticNet))
            and _penalties.l1_ratio_of(penalty) > 0)


def _solve_on_gram(problem, grid, w0, tol, max_iter, stats=None):
    """(coefs, intercepts, epochs) of every alpha of ``grid``, or None.

    ``stats``: (H, c, yy, ybar) of :func:`_centred_gram` when computed
    elsewhere (a Dask X's blocks); by default from the problem's dense X.
    """
    lip = problem.lipschitz
    # alpha = 0 or an unpenalized feature: the certificate's dual point needs
    # a projection (see sparsecert._duality) that the Gram algebra does not make
    if (not np.all(grid > 0) or np.any(problem.pen_weights == 0) or not problem.objective0 > 0
            or np.any((lip > 0) & ((lip < _GRAM_SAFE_RANGE[0]) | (lip > _GRAM_SAFE_RANGE[1])))):
        return None
    design = problem.design
    if stats is None:
        stats = _centred_gram(design.args[0], problem.y, problem.sw, problem.means,
                              problem.fit_intercept)
    H, c, yy, ybar = stats
    k = grid.shape[0]
    coefs = np.empty((design.n_features, k))
    n_iters = np.zeros(k, dtype=np.int64)
    status = np.zeros(k, dtype=np.int64)
    live = lip > 0
    rho = _penalties.l1_ratio_of(problem.penalty)
    floor_t = (2.0 * float(np.max(problem.col_floor[live] / (problem.pen_weights[live] * rho)))
               if live.any() else 0.0)
    w = np.zeros(design.n_features) if w0 is None else np.array(w0, dtype=np.float64)
    # calls of about _WORK_PER_CALL each (whole alphas), so that Ctrl-C is
    # honoured between them
    budget = _calls_for(float(design.n_features) ** 2)
    done = 0
    while done < k:
        done = gram_path(H, c, yy, grid, done, budget, w, problem.pen_code, problem.pen_params,
                         problem.pen_weights, problem.violation_scale(tol),
                         problem.tolerances(tol)[0], float(tol),
                         16.0 * np.sqrt(design.n_samples) * np.finfo(np.float64).eps,
                         2.0 * problem.tol_floor_intercept, floor_t, problem.objective0,
                         int(max_iter), _ANDERSON, coefs, n_iters, status)
        if status[done - 1] != GP_CERTIFIED:
            return None
    if not np.all(status == GP_CERTIFIED):
        return None
    intercepts = ybar - problem.means @ coefs if problem.fit_intercept else np.zeros(k)
    return coefs, intercepts, n_iters


def _centred_gram(X, y, sw, means, fit_intercept):
    """H = Xc^T W Xc / n, c = Xc^T W yc / n, yy = yc^T W yc / n and ybar
    (weighted centring with an intercept; none without: ``means`` is 0 then)."""
    n = X.shape[0]
    ybar = sample_dot(sw, y) / n if fit_intercept else 0.0
    H, c, yy = centred_products(X, y, sw, means, ybar, n)
    return np.ascontiguousarray(H), c, yy, ybar


def centred_products(X, y, sw, means, ybar, n):
    """(Xc^T W Xc / n, Xc^T W yc / n, yc^T W yc / n) over the rows given, with
    Xc = X - 1 means^T and yc = y - ybar: a dense X's whole, or a share of
    them that adds up to the whole (a Dask X's row blocks, which pass the
    global means, ybar and n)."""
    root = np.sqrt(sw)
    Xw = (np.asarray(X, dtype=np.float64) - means) * root[:, None]
    yw = (y - ybar) * root
    return Xw.T @ Xw / n, Xw.T @ yw / n, sample_dot(yw, yw) / n
