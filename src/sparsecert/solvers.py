"""Python orchestration of the compiled solvers.

Picks a kernel, runs it in chunks of epochs (so that Ctrl-C is honoured
between chunks and verbosity can report progress), stops on the certificate
and assembles the result. Numerical loops live in :mod:`sparsecert._kernels`.

Stopping rule: after every epoch the kernel measures each coordinate's
violation just before its own update (free: the gradient is computed anyway);
when that cheap bound is <= tol, the exact certificate over all features is
computed from scratch at the current point, and the solver stops only if it
holds.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ._kernels import codes
from ._kernels.cd import cd_quadratic
from .certificate import build_certificate
from ._problem import evaluate

# target work per compiled call, in nonzeros touched: a call returns to
# Python about every 0.1 s, so Ctrl-C and verbose output stay responsive
_WORK_PER_CALL = 5e7


@dataclass
class SolverResult:
    coef: np.ndarray
    intercept: float
    certificate: object
    n_iter: int


def _epochs_per_call(design):
    work = max(design.nnz + design.n_samples, 1)
    return int(min(max(_WORK_PER_CALL // work, 1), 1000))


def solve(problem, w0=None, b0=None, *, tol=1e-4, max_iter=1000, solver="auto", verbose=0):
    """Minimize F(w, b) + G(w) for ``problem``; return a :class:`SolverResult`.

    Parameters
    ----------
    problem : sparsecert._problem.Problem
    w0, b0 : starting point (zeros and the best intercept at zero by default)
    tol : float
        Scale-free tolerance: stop when max violation <= tol * problem.scale.
    max_iter : int
        Maximum number of epochs (passes over the features).
    solver : {"auto", "cd"}
    """
    if solver not in ("auto", "cd"):
        raise ValueError(f"solver must be 'auto' or 'cd' for this problem; got {solver!r}.")
    if problem.df_code != codes.QUADRATIC:
        raise ValueError("Coordinate descent here handles the quadratic datafit only.")
    return _solve_cd_quadratic(problem, w0, tol, max_iter, verbose)


def _solve_cd_quadratic(problem, w0, tol, max_iter, verbose):
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    tol_abs = problem.tolerances(tol)[0]
    # the residual and the profiled intercept, exact at the start
    pieces = evaluate(problem, w, 0.0)
    resid = problem.y - pieces["z"]
    b = float(problem.sw @ resid) / n if problem.fit_intercept else 0.0
    sw_r = problem.sw * resid
    feats = np.arange(p, dtype=np.int64)
    chunk = _epochs_per_call(design)
    n_iter = 0
    # the starting point may already be optimal (alpha >= alpha_max, a warm
    # start): certify it exactly before any epoch, so that such a fit returns
    # the start untouched rather than a point moved by rounding
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="cd")
    while not cert.converged:
        budget = min(chunk, max_iter - n_iter)
        if budget > 0:
            ep, cheap, b = cd_quadratic(*design.args, n, sw_r, problem.sw, w, b,
                                        problem.means, problem.lipschitz, feats,
                                        *problem.penalty_args, budget, tol_abs)
            n_iter += ep
            if verbose:
                print(f"[sparsecert] epoch {n_iter}: cheap violation bound {cheap:.3e} "
                      f"(tol {tol_abs:.3e})")
        else:
            cheap = 0.0
        if cheap <= tol_abs or n_iter >= max_iter:
            # exact certificate; also refresh the residual and intercept so that
            # rounding drift from the incremental updates never accumulates
            resid = problem.y - evaluate(problem, w, 0.0)["z"]
            b = float(problem.sw @ resid) / n if problem.fit_intercept else 0.0
            sw_r = problem.sw * resid
            cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="cd")
            if verbose:
                print(f"[sparsecert] epoch {n_iter}: {cert!r}")
            if n_iter >= max_iter:
                break
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent")
    return SolverResult(w, b, cert, n_iter)


def _warn_not_converged(cert, max_iter, what):
    from sklearn.exceptions import ConvergenceWarning

    where = "the intercept" if cert.argmax is None else f"feature {cert.argmax}"
    warnings.warn(
        f"{what} stopped at max_iter={max_iter} epochs before the optimality certificate "
        f"held: max violation {cert.max_violation:.3e} (at {where}) > tol {cert.tol:.3e} "
        f"(= tol {cert.tol_relative:g} x scale {cert.scale:.3e}). Increase max_iter, "
        f"loosen tol, or standardize the features.",
        ConvergenceWarning, stacklevel=3)


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
    from sklearn.utils import check_array, check_consistent_length

    from . import penalties
    from ._problem import make_problem
    from ._validation import as_design, check_sample_weight
    from .certificate import encode_target
    from .datafits import as_datafit

    datafit = as_datafit(datafit)
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1]; got {l1_ratio!r}.")
    X = check_array(X, accept_sparse=["csc", "csr", "coo"], dtype=[np.float64, np.float32],
                    input_name="X")
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
    check_consistent_length(X, y)
    y64 = encode_target(datafit, y)
    design = as_design(X)
    sw = check_sample_weight(sample_weight, design.n_samples)
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
        sub = make_problem(as_design(X[:, free] if not hasattr(X, "tocsc") else X.tocsc()[:, free]),
                           y64, sw, datafit, penalties.L1(alpha=0.0, weights=np.zeros(free.size)),
                           fit_intercept)
        res = solve(sub, tol=1e-10, max_iter=100000)
        w = np.zeros(design.n_features)
        w[free] = res.coef
        grad = evaluate(problem, w, res.intercept)["grad"]
    else:
        grad = problem.grad0
    g = -grad if positive else np.abs(grad)
    pos = c > 0
    return float(max(np.max(g[pos] / c[pos]), 0.0) / l1_ratio)
