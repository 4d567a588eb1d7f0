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
    tol_abs = tol * problem.scale
    # the residual and the profiled intercept, exact at the start
    pieces = evaluate(problem, w, 0.0)
    resid = problem.y - pieces["z"]
    b = float(problem.sw @ resid) / n if problem.fit_intercept else 0.0
    sw_r = problem.sw * resid
    feats = np.arange(p, dtype=np.int64)
    chunk = _epochs_per_call(design)
    n_iter = 0
    cert = None
    while True:
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
            if cert.converged or n_iter >= max_iter:
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
