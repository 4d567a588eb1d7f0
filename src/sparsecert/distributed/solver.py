"""The distributed FISTA loop: the compiled FISTA's iteration, one cluster pass per step.

(Least squares on few features starts from its Gram matrix instead,
:func:`_gram_start`, and may need no FISTA step at all.)

:func:`solve_dask` runs the iteration of
:func:`sparsecert._kernels.fista.fista_run` (same momentum, adaptive restart,
sufficient-decrease backtracking, the intercept an unpenalized coordinate)
in Python: the proximal step is formed on the client from p-vectors, and
:func:`.blocks._block_step` does one iteration's work over X in one pass
(the backtracking test at the trial point, and the gradient at the next
extrapolated point computed ahead). Every ``_CHECK`` iterations the same
pass returns the gradient at the iterate for the stopping test; the result
carries the certificate of :mod:`.certificate`.
"""

from dataclasses import dataclass

import numpy as np

from .._kernels import codes
from .._kernels import fista as _fista
from .blocks import _block_centred_gram, _block_step
from .certificate import distributed_certificate
from .primitives import _gradient, _gradient_at, _lipschitz, _max_violation

_CHECK = 10  # iterations between two stopping tests (as the compiled FISTA)
_MAX_BACKTRACKS = 64
_BACKTRACK_SLACK = 1e-9  # relative slack of the sufficient-decrease test (rounding)
_RESTART_SLACK = 10.0  # an objective increase above this many eps |P| restarts
_EPS = np.finfo(np.float64).eps
# when the violations hold and the gap does not, the stopping test is
# tightened (by solvers.common._GAP_TIGHTEN) at most this many times
_MAX_TIGHTEN = 6


def solve_dask(problem, w0=None, b0=None, *, tol=1e-4, max_iter=1000, verbose=0,
               solver="auto"):
    """FISTA on a Dask-held problem (see :mod:`sparsecert.distributed`); a ``SolverResult``.

    With ``solver="auto"``, least squares with the L1 or elastic-net penalty
    on at most 200 features is first solved on the centred Gram matrix H,
    gathered in one pass (:func:`_gram_start`); the distributed certificate
    of that solution, from X itself, decides whether FISTA must go on from it.

    Parameters
    ----------
    problem : Problem from :func:`make_dask_problem`
    w0, b0 : starting point (zeros and the best intercept at zero by default)
    tol : float
        Scale-free tolerance: stop when the certificate's max violation is
        <= tol * ||grad F(0, b0)||_inf (features) and the intercept's own
        tolerance holds (:meth:`Problem.tolerances`).
    max_iter : int
        Maximum number of FISTA iterations (each one round trip to the
        cluster and two sweeps over X; a restart adds one of each).
    solver : "auto" or "fista"
        "fista" skips the Gram start.
    """
    from ..solvers import SolverResult
    from ..solvers.common import _GAP_TIGHTEN, gap_short
    from ..solvers.messages import _warn_not_converged

    if not getattr(problem.penalty, "convex", True):
        raise ValueError(
            "Dask arrays are fitted by FISTA, which cannot certify the nonconvex Lp penalty "
            "(p < 1): its fixed points are not the coordinate-wise L-stationary points the "
            "certificate checks. Compute X in memory to use coordinate descent.")
    w, b = _starting_point(problem, w0, b0)
    n_iter = 0
    start = _gram_start(problem, w, tol, max_iter) if solver == "auto" else None
    if start is not None:
        w, b, n_iter = start
        cert = distributed_certificate(problem, w, b, tol, n_iter=n_iter, solver="gram_dask")
        if verbose:
            print(f"[sparsecert] dask gram start, {n_iter} epochs: {cert!r}")
        if cert.converged:
            return SolverResult(w, b, cert, n_iter)
    stop = _Stop(problem.tolerances(tol)[0], problem.violation_scale(tol),
                 problem.intercept_scale(tol))
    for _ in range(_MAX_TIGHTEN + 1):
        w, b, k = _iterate(problem, w, b, stop, max_iter - n_iter, verbose)
        n_iter += k
        cert = distributed_certificate(problem, w, b, tol, n_iter=n_iter)
        if n_iter >= max_iter or not gap_short(cert):
            break
        # the violations hold but the duality gap does not (a small alpha):
        # ask the iteration for a smaller violation
        stop = stop.tightened(_GAP_TIGHTEN)
    if verbose:
        print(f"[sparsecert] dask fista iteration {n_iter}: {cert!r}")
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "FISTA (Dask)", unit="iterations")
    return SolverResult(w, b, cert, n_iter)


def _gram_start(problem, w, tol, max_iter):
    """(w, b, epochs) solved on the centred Gram matrix, or None where it does not apply.

    One pass over X gathers H = Xc^T S Xc / n, c = Xc^T S yc / n and
    yc^T S yc / n (:func:`.blocks._block_centred_gram`); the compiled Gram
    path solver of :mod:`sparsecert.solvers.gram_path` then solves and
    certifies the single alpha from H alone, starting from ``w``. A tall X
    with few features thus costs three passes after the set-up (H and the
    certificate's two) instead of one or two per FISTA iteration (diabetes:
    600 iterations of 23 ms round trips on an in-process cluster).
    """
    from ..solvers.gram_path import _fits, _solve_on_gram

    design = problem.design
    p = design.n_features
    if problem.df_code != codes.QUADRATIC or not _fits(design, problem.penalty):
        return None
    ybar = problem.b0 if problem.fit_intercept else 0.0
    out = design.blocks.reduce(_block_centred_gram, design.n_samples, problem.means, ybar)
    H = np.ascontiguousarray(out[:p * p].reshape(p, p))
    stats = (H, out[p * p:p * p + p], float(out[-1]), ybar)
    grid = np.array([problem.penalty.alpha], dtype=np.float64)
    solved = _solve_on_gram(problem, grid, w, tol, max_iter, stats)
    if solved is None:
        return None
    coefs, intercepts, epochs = solved
    return coefs[:, 0].copy(), float(intercepts[0]), int(epochs[0])


def _starting_point(problem, w0, b0):
    """(w, b): w0 or zeros; b0, else the best intercept for that w (as in memory)."""
    w = np.zeros(problem.design.n_features) if w0 is None else np.array(w0, dtype=np.float64)
    if not problem.fit_intercept:
        b = 0.0
    elif b0 is not None:
        b = float(b0)
    elif w0 is None or problem.df_code != codes.QUADRATIC:
        b = problem.b0
    else:
        b = problem.b0 - float(problem.means @ w)  # the best intercept for the given w
    return w, b


@dataclass(frozen=True)
class _Stop:
    """The stopping test: max violation, in the certificate's units, <= ``tol_abs``."""

    tol_abs: float
    vscale: np.ndarray  # Problem.violation_scale
    b_scale: float  # Problem.intercept_scale

    def tightened(self, factor):
        return _Stop(self.tol_abs * factor, self.vscale, self.b_scale)

    def violation(self, problem, w, grad, g_b):
        return _max_violation(problem, w, grad, g_b, self.vscale, self.b_scale)


class _State:
    """FISTA between two passes: the iterate x_k = (w, b), its objective, the
    extrapolated point (v, vb) of the coming step and the gradient there
    (grad, g_b), the momentum t and the Lipschitz estimate L (step 1/L)."""

    def __init__(self, problem, w, b, grad, g_b, loss):
        self.w, self.b = w, b
        self.obj = loss + _fista.penalty_sum(*problem.penalty_args, w)
        self.v, self.vb = w.copy(), b
        self.grad, self.g_b = grad, g_b
        self.t = 1.0
        self.L = _lipschitz(problem)
        self.w_new = np.empty(w.shape[0])  # the prox step's output buffer


def _momentum(t):
    """t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2."""
    return 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))


def _iterate(problem, w, b, stop, max_iter, verbose):
    """(w, b, n_iter) after FISTA from (w, b), stopped by ``stop`` or ``max_iter``."""
    grad, g_b, loss = _gradient(problem, w, b)
    if not stop.violation(problem, w, grad, g_b) > stop.tol_abs:
        return w, b, 0  # already certified (or NaN: the certificate will say so)
    s = _State(problem, w, b, grad, g_b, loss)
    p = w.shape[0]
    n_iter = 0
    while n_iter < max_iter:
        t_new = _momentum(s.t)
        check = (n_iter + 1) % _CHECK == 0 or n_iter + 1 == max_iter
        trial = _backtracking_step(problem, s, t_new, check)
        restart = trial.gm > 0.0 or trial.obj > s.obj + _RESTART_SLACK * _EPS * abs(s.obj)
        s.w, s.b = trial.w.copy(), trial.b
        s.obj = trial.obj
        n_iter += 1
        grad_x = None
        if check:
            grad_x, g_b_x = _gradient_at(trial.out, 3 + p, p, problem.fit_intercept)
            viol = stop.violation(problem, s.w, grad_x, g_b_x)
            if verbose:
                print(f"[sparsecert] dask fista iteration {n_iter}: violation "
                      f"{viol:.3e} (tol {stop.tol_abs:.3e}), L={s.L:.3e}")
            if viol <= stop.tol_abs or viol != viol:
                break
        if restart:
            # momentum reset: the next step starts from x_k itself
            s.t = 1.0
            s.v, s.vb = s.w.copy(), s.b
            if grad_x is None:
                s.grad, s.g_b, _ = _gradient(problem, s.v, s.vb)
            else:
                s.grad, s.g_b = grad_x, g_b_x
        else:
            s.t = t_new
            s.v, s.vb = trial.y_next, trial.yb_next
            s.grad, s.g_b = _gradient_at(trial.out, 2, p, problem.fit_intercept)
    return s.w, s.b, n_iter


@dataclass(frozen=True)
class _Trial:
    """An accepted proximal step from (v, vb): the point x_{k+1} = (w, b), its
    objective, the restart test's (v - x_{k+1})^T (x_{k+1} - x_k), the next
    extrapolated point if there is no restart, and the pass's output
    (see :func:`.blocks._block_step`). ``w`` is the state's buffer, which the
    next step overwrites: the loop copies it into the iterate."""

    w: np.ndarray
    b: float
    obj: float
    gm: float
    y_next: np.ndarray
    yb_next: float
    out: np.ndarray


def _backtracking_step(problem, s, t_new, check):
    """x_{k+1} = prox_{G/L}(v - grad F(v) / L), L doubled until the
    sufficient-decrease test holds (or ``_MAX_BACKTRACKS`` times): one pass
    over X per try. Updates ``s.L``; ``check`` asks the pass for the gradient
    at x_{k+1} too."""
    pen = problem.penalty_args
    w_new = s.w_new
    n_bt = 0
    while True:
        step = 1.0 / s.L
        dd = _fista.prox_gradient_step(*pen, s.v, s.grad, step, w_new)
        b_new = 0.0
        if problem.fit_intercept:
            b_new = s.vb - step * s.g_b
            dd += (b_new - s.vb) ** 2
        # the next extrapolated point if this step is accepted without restart
        beta_next = (t_new - 1.0) / _momentum(t_new)
        y_next = w_new + beta_next * (w_new - s.w)
        yb_next = b_new + beta_next * (b_new - s.b)
        out = problem.design.blocks.reduce(
            _block_step, problem.design.n_samples, problem.df_code, w_new, float(b_new),
            s.v, float(s.vb), y_next, float(yb_next), check)
        if out[0] <= 0.5 * s.L * dd * (1.0 + _BACKTRACK_SLACK) or n_bt >= _MAX_BACKTRACKS:
            break
        s.L *= 2.0
        n_bt += 1
    obj = float(out[1]) + _fista.penalty_sum(*pen, w_new)
    gm = (s.vb - b_new) * (b_new - s.b) + float((s.v - w_new) @ (w_new - s.w))
    return _Trial(w_new, b_new, obj, gm, y_next, yb_next, out)
