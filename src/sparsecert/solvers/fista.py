"""FISTA with adaptive restart and backtracking, for every datafit and penalty.

The whole iteration is compiled (:mod:`sparsecert._kernels.fista`); this
module estimates the step size, picks the start and stops on the
certificate. Chosen by ``solver="fista"`` only: for these separable
penalties a CD epoch costs about what a FISTA iteration does (two passes
over X) but moves every coordinate with its own curvature.
"""

import numpy as np

from .._kernels import codes, fista
from .._kernels.datafit import column_stats
from .._kernels.fista import gram_power_iteration
from .._problem import evaluate
from .._sums import sample_dot
from ..certificate import build_certificate
from .common import SolverResult, _epochs_per_call_for, gap_short, tightened
from .messages import _warn_not_converged

# FISTA: Lipschitz estimate = safety x power-iteration estimate (a lower
# bound of lambda_max), capped by the trace bound; checks every _FISTA_CHECK
_FISTA_SAFETY = 1.1
_FISTA_POWER_ITER = 30
_FISTA_POWER_RTOL = 1e-3
_FISTA_CHECK = 10


def _fista_lipschitz(problem):
    """Upper-bound estimate of the Lipschitz constant of grad F over (w, b).

    grad F is L-Lipschitz with L = lambda_max([X 1]^T S [X 1] / n) for the
    quadratic datafit and a quarter of it for the logistic one (the logistic
    loss has curvature <= 1/4); the column of ones enters with an intercept.
    lambda_max is estimated by power iteration (from below) times a safety
    factor, capped by the trace (a true upper bound); a remaining
    underestimate is corrected by backtracking in the kernel.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    v = np.random.default_rng(0).standard_normal(p + 1)
    est = gram_power_iteration(*design.args, n, problem.sw, problem.fit_intercept, v,
                               _FISTA_POWER_ITER, _FISTA_POWER_RTOL)
    # trace of [X 1]^T S [X 1] / n: sum_j (1/n) sum_i s_i X_ij^2 (+ 1)
    sq = np.zeros(p)
    column_stats(*design.args, n, p, problem.sw, False, np.zeros(p), sq)
    trace = float(sq.sum()) + (1.0 if problem.fit_intercept else 0.0)
    # counted at its budget (two passes per power step, one for the trace):
    # the power iteration may stop earlier on its relative tolerance
    problem.work.add((2 * _FISTA_POWER_ITER + 1) * design.nnz)
    lam = min(_FISTA_SAFETY * est, trace) if np.isfinite(est) else trace
    if problem.df_code == codes.LOGISTIC:
        lam /= 4.0
    return lam if lam > 0.0 else 1.0


def _start_intercept(problem, w0, b0, w):
    """FISTA's first intercept: b0 if given, else the best one for the start w."""
    if not problem.fit_intercept:
        return 0.0
    if b0 is not None:
        return float(b0)
    if w0 is None or problem.df_code != codes.QUADRATIC:
        return problem.b0
    n = problem.design.n_samples
    return sample_dot(problem.sw, problem.y - evaluate(problem, w, 0.0)["z"]) / n


def _start_state(b, lipschitz):
    """The kernel's scalar state vector at the start (see ``fista.STATE_*``)."""
    state = np.zeros(fista.N_STATE)
    state[fista.STATE_B] = state[fista.STATE_B_PREV] = b
    state[fista.STATE_T] = 1.0
    state[fista.STATE_LIPSCHITZ] = lipschitz
    state[fista.STATE_VIOLATION] = np.inf
    return state


def _solve_fista(problem, w0, b0, tol, max_iter, verbose, *, _lipschitz=None, _stats=None):
    """FISTA with adaptive restart and backtracking, for every datafit and penalty.

    The iteration, the backtracking condition and the restart rules are those
    of :mod:`sparsecert._kernels.fista`; the intercept is one more,
    unpenalized, coordinate of the same proximal-gradient step. The stopping
    rule is the certificate of :func:`sparsecert.solvers.solve`, at the
    current iterate (never at the extrapolated point): the kernel evaluates
    its maximum violation every ``_FISTA_CHECK`` iterations and returns when
    it holds; the certificate is then built from scratch. ``max_iter``
    counts iterations (each costs about two passes over X).

    ``_lipschitz`` overrides the initial Lipschitz estimate and ``_stats``
    (a dict) receives the number of restarts and backtracks: test hooks.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    b = _start_intercept(problem, w0, b0, w)
    # the kernel checks features and intercept against one number, each in
    # the certificate's units (the intercept's |dF/db| rescaled by
    # tol / tol_intercept), so that its stop implies both
    tol_abs = problem.tolerances(tol)[0]
    vscale = problem.violation_scale(tol)
    b_scale = problem.intercept_scale(tol)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="fista")
    n_iter = 0
    lipschitz = _fista_lipschitz(problem) if _lipschitz is None else float(_lipschitz)
    state = _start_state(b, lipschitz)
    w_prev = w.copy()
    z = evaluate(problem, w, b)["z"] if not cert.converged else None
    z_prev = None if z is None else z.copy()
    # a multiple of the check period, about _WORK_PER_CALL nonzeros per call
    chunk = _FISTA_CHECK * max(_epochs_per_call_for(design, design.n_features) // (2 * _FISTA_CHECK), 1)
    while not cert.converged and n_iter < max_iter:
        budget = min(chunk, max_iter - n_iter)
        backtracks = state[fista.STATE_BACKTRACKS]
        ran = fista.fista_run(*design.args, n, problem.y, problem.sw, problem.fit_intercept,
                              problem.df_code, *problem.penalty_args, problem.lipschitz,
                              vscale, b_scale, w, w_prev, z, z_prev, state, budget,
                              _FISTA_CHECK, tol_abs)
        n_iter += ran
        # an iteration is X w and X^T u at the extrapolated point; a backtrack one more X w
        problem.work.add((2 * ran + state[fista.STATE_BACKTRACKS] - backtracks) * design.nnz)
        b = float(state[fista.STATE_B])
        viol = state[fista.STATE_VIOLATION]
        if verbose:
            print(f"[sparsecert] fista iteration {n_iter}: violation {viol:.3e} "
                  f"(tol {tol_abs:.3e}), L={state[fista.STATE_LIPSCHITZ]:.3e}")
        if viol <= tol_abs or n_iter >= max_iter or not np.isfinite(viol):
            cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="fista")
            if verbose:
                print(f"[sparsecert] fista iteration {n_iter}: {cert!r}")
            if not np.isfinite(cert.max_violation):
                break
            if gap_short(cert):
                # the violations hold, the gap does not: iterate to a smaller violation
                tol_abs = tightened(tol_abs, problem)
                if tol_abs is None:
                    break
    if _stats is not None:
        _stats.update(restarts=int(state[fista.STATE_RESTARTS]),
                      backtracks=int(state[fista.STATE_BACKTRACKS]),
                      lipschitz=float(state[fista.STATE_LIPSCHITZ]), lipschitz0=lipschitz)
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "FISTA")
    return SolverResult(w, b, cert, n_iter)
