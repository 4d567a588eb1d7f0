"""Python orchestration of the compiled solvers.

Picks a kernel, runs it in chunks of epochs (so that Ctrl-C is honoured
between chunks and verbosity can report progress), stops on the certificate
and assembles the result. Numerical loops live in :mod:`sparsecert._kernels`.

Stopping rule (quadratic): after every epoch the kernel measures each coordinate's
violation just before its own update (free: the gradient is computed anyway);
when that cheap bound is <= tol, the exact certificate over all features is
computed from scratch at the current point, and the solver stops only if it
holds.

Logistic datafit: proximal Newton (:mod:`sparsecert._kernels.prox_newton`),
one outer iteration being one Newton step (local model, CD epochs, line
search); ``n_iter`` counts those. The kernel measures the exact violation over
its working features at the start of every outer iteration; when it is <= tol
the exact certificate over all features is computed, and the solver stops only
if that holds. On wide problems the kernel works on a working set of features
ranked by how far each is from its dead zone, solved loosely (to a fraction
of the full violation) and resized from the full certificate of every round
until that certificate holds.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ._kernels import codes, fista
from ._kernels.cd import cd_logistic_fixed, cd_quadratic_anderson
from ._kernels.datafit import column_stats, matvec
from ._kernels.fista import gram_power_iteration
from ._kernels.prox_newton import PN_CONVERGED, PN_LINE_SEARCH, prox_newton_logistic
from .certificate import build_certificate
from ._problem import evaluate

# target work per compiled call, in nonzeros touched: a call returns to
# Python about every 0.1 s, so Ctrl-C and verbose output stay responsive
_WORK_PER_CALL = 5e7
# first working-set size, and the Anderson extrapolation period (epochs)
_WS_START = 100
_ANDERSON = 5


@dataclass
class SolverResult:
    coef: np.ndarray
    intercept: float
    certificate: object
    n_iter: int


def solve(problem, w0=None, b0=None, *, tol=1e-4, max_iter=1000, solver="auto", verbose=0):
    """Minimize F(w, b) + G(w) for ``problem``; return a :class:`SolverResult`.

    Parameters
    ----------
    problem : sparsecert._problem.Problem
    w0, b0 : starting point (zeros and the best intercept at zero by default)
    tol : float
        Scale-free tolerance: stop when max violation <= tol * problem.scale.
    max_iter : int
        Maximum number of epochs (CD passes over the working set) for the
        quadratic datafit; of outer proximal Newton iterations for the
        logistic one; of iterations for FISTA.
    solver : {"auto", "cd", "fista"}
        "auto" and "cd" pick coordinate descent (proximal Newton with CD inner
        solves for the logistic datafit): for these separable penalties a CD
        epoch costs one pass over X, as a FISTA iteration does (two passes in
        fact), but moves every coordinate with its own curvature, so it needs
        far fewer passes. "fista" (:func:`_solve_fista`, any datafit) is for
        users who ask for it and for future distributed use, where a
        full-gradient method parallelizes and CD does not.
    """
    if solver == "fista":
        if not getattr(problem.penalty, "convex", True):
            # the local certificate is coordinate-wise L-stationarity, the
            # fixed-point condition of coordinate descent; a full-gradient
            # step with one global step size has other fixed points, so FISTA
            # can stall at a point the certificate rightly rejects
            raise ValueError(
                "solver='fista' cannot certify the nonconvex Lp penalty (p < 1): its "
                "fixed points are not the coordinate-wise L-stationary points the "
                "certificate checks. Use solver='cd' (or 'auto').")
        return _solve_fista(problem, w0, b0, tol, max_iter, verbose)
    if solver not in ("auto", "cd"):
        raise ValueError(f"solver must be 'auto', 'cd' or 'fista'; got {solver!r}.")
    if problem.df_code == codes.LOGISTIC:
        if not getattr(problem.penalty, "convex", True):
            # a Newton model's curvature has other fixed points than the
            # L-stationary points the local certificate checks
            return _solve_cd_logistic_fixed(problem, w0, b0, tol, max_iter, verbose)
        return _solve_prox_newton(problem, w0, b0, tol, max_iter, verbose)
    if problem.df_code != codes.QUADRATIC:
        raise ValueError("Coordinate descent here handles the quadratic datafit only.")
    return _solve_cd_quadratic(problem, w0, tol, max_iter, verbose)


def _solve_cd_quadratic(problem, w0, tol, max_iter, verbose):
    """Working-set coordinate descent with Anderson extrapolation.

    Outer iteration: the exact certificate over all features (which is also
    the stopping test) ranks the features by violation; the working set is
    every nonzero coefficient plus the most violating features: 100 at first,
    then twice the number of nonzeros (so it grows geometrically while the
    support does) and never smaller than before. Features the gap-safe test
    screened are never chosen. CD epochs with Anderson extrapolation
    (:func:`cd_quadratic_anderson`) then solve the problem restricted to it,
    to 0.1 x the current violation (never below tol). Measured on the
    benchmark problems, this counts fewer full passes over X (certificates
    plus epochs) than forcing a x2 or x4 growth or solving to 0.3 x. Working sets and extrapolation change speed only: a fit stops
    only when the full certificate holds. ``n_iter`` counts CD epochs (over
    working sets) and is bounded by ``max_iter``.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    tol_abs = problem.tolerances(tol)[0]
    vscale = problem.violation_scale(tol)
    all_feats = np.arange(p, dtype=np.int64)
    always = problem.pen_weights == 0  # unpenalized features: always in the working set
    resid_buf = np.empty(n)
    # extrapolation may jump between the basins of a nonconvex penalty: its
    # fits follow plain CD from the documented start, one basin at a time
    n_anderson = _ANDERSON if getattr(problem.penalty, "convex", True) else 0
    state = {}

    def refresh():
        # exact residual and profiled intercept: incremental updates drift.
        # X w costs only the nonzero columns' entries.
        z = np.empty(n)
        matvec(*design.args, n, w, z)
        resid = problem.y - z
        state["b"] = float(problem.sw @ resid) / n if problem.fit_intercept else 0.0
        state["sw_r"] = problem.sw * resid

    refresh()
    n_iter = 0
    # the starting point may already be optimal (alpha >= alpha_max, a warm
    # start): certify it exactly before any epoch, so that such a fit returns
    # the start untouched rather than a point moved by rounding
    cert = build_certificate(problem, w, state["b"], tol, n_iter=0, solver="cd")
    ws_size = _WS_START
    shrink = 1.0
    while not cert.converged and n_iter < max_iter:
        score = np.array(cert.violation)
        if cert.screened is not None:
            # gap-safe: provably zero at the optimum, never worth a coordinate step
            score[cert.screened] = -np.inf
        score[(w != 0) | always] = np.inf
        ws_size = min(p, max(ws_size, 2 * int(np.count_nonzero(w)), _WS_START))
        if ws_size >= p:
            ws = all_feats
        else:
            ws = np.sort(np.argpartition(-score, ws_size - 1)[:ws_size]).astype(np.int64)
        final = 0.1 * cert.max_violation <= tol_abs * shrink
        inner_tol = tol_abs * shrink if final else 0.1 * cert.max_violation
        chunk = _epochs_per_call_for(design, ws.size)
        cheap = np.inf
        while n_iter < max_iter:
            ep, cheap, state["b"], _ = cd_quadratic_anderson(
                *design.args, n, problem.y, state["sw_r"], problem.sw, w, state["b"],
                problem.means, problem.lipschitz, vscale, ws, *problem.penalty_args,
                min(chunk, max_iter - n_iter), inner_tol, problem.fit_intercept,
                n_anderson, resid_buf)
            n_iter += ep
            if cheap <= inner_tol:
                break
        refresh()
        cert = build_certificate(problem, w, state["b"], tol, n_iter=n_iter, solver="cd")
        if final and cheap <= inner_tol and not cert.converged:
            # the epochs' running bound (taken before each coordinate moves)
            # passed while the exact one at the end did not: ask more of the
            # next round instead of paying a certificate for every epoch
            shrink *= 0.1
        if verbose:
            print(f"[sparsecert] epoch {n_iter}: working set {ws.size}/{p}, {cert!r}")
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent")
    return SolverResult(w, state["b"], cert, n_iter)


def _epochs_per_call_for(design, n_feats):
    per_feature = max(design.nnz / max(design.n_features, 1), 1.0)
    work = max(per_feature * n_feats, 1.0)
    return int(min(max(_WORK_PER_CALL // work, 1), 10000))


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
    lam = min(_FISTA_SAFETY * est, trace)
    if problem.df_code == codes.LOGISTIC:
        lam /= 4.0
    return lam if lam > 0.0 else 1.0


def _solve_fista(problem, w0, b0, tol, max_iter, verbose, *, _lipschitz=None, _stats=None):
    """FISTA with adaptive restart and backtracking, for every datafit and penalty.

    The iteration, the backtracking condition and the restart rules are those
    of :mod:`sparsecert._kernels.fista`; the intercept is one more,
    unpenalized, coordinate of the same proximal-gradient step. The stopping
    rule is the certificate of :func:`solve`, at the current iterate (never at
    the extrapolated point): the kernel evaluates its maximum violation every
    ``_FISTA_CHECK`` iterations and returns when it holds; the certificate is
    then built from scratch. ``max_iter`` counts iterations (each costs about
    two passes over X).

    ``_lipschitz`` overrides the initial Lipschitz estimate and ``_stats``
    (a dict) receives the number of restarts and backtracks: test hooks.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    if not problem.fit_intercept:
        b = 0.0
    elif b0 is not None:
        b = float(b0)
    elif w0 is None or problem.df_code != codes.QUADRATIC:
        b = problem.b0
    else:
        # the best intercept for the given w
        b = float(problem.sw @ (problem.y - evaluate(problem, w, 0.0)["z"])) / n
    # the kernel checks features and intercept against one number: the
    # smaller of the two tolerances, so that its stop implies both
    tol_abs = min(problem.tolerances(tol))
    vscale = problem.violation_scale(tol)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="fista")
    n_iter = 0
    lipschitz = _fista_lipschitz(problem) if _lipschitz is None else float(_lipschitz)
    state = np.zeros(fista.N_STATE)
    state[fista.STATE_B] = state[fista.STATE_B_PREV] = b
    state[fista.STATE_T] = 1.0
    state[fista.STATE_LIPSCHITZ] = lipschitz
    state[fista.STATE_VIOLATION] = np.inf
    w_prev = w.copy()
    z = evaluate(problem, w, b)["z"] if not cert.converged else None
    z_prev = None if z is None else z.copy()
    # a multiple of the check period, about _WORK_PER_CALL nonzeros per call
    chunk = _FISTA_CHECK * max(_epochs_per_call_for(design, design.n_features) // (2 * _FISTA_CHECK), 1)
    while not cert.converged and n_iter < max_iter:
        budget = min(chunk, max_iter - n_iter)
        ran = fista.fista_run(*design.args, n, problem.y, problem.sw, problem.fit_intercept,
                              problem.df_code, *problem.penalty_args, problem.lipschitz,
                              vscale, w, w_prev, z, z_prev, state, budget, _FISTA_CHECK,
                              tol_abs)
        n_iter += ran
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
    if _stats is not None:
        _stats.update(restarts=int(state[fista.STATE_RESTARTS]),
                      backtracks=int(state[fista.STATE_BACKTRACKS]),
                      lipschitz=float(state[fista.STATE_LIPSCHITZ]), lipschitz0=lipschitz)
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "FISTA")
    return SolverResult(w, b, cert, n_iter)


# proximal Newton: CD epochs on each local model, and working-set sizing
_PN_MAX_INNER = 100
_WS_MIN_FEATURES = 200   # below this many features, always work on all of them
_PN_WS_START = 64
_WS_MAX_FRACTION = 0.25  # past this fraction of the features, work on all of them
_WS_SATURATED = 0.95     # a working set this full of nonzeros is too small: use all features
_PN_WS_TOL = 0.3         # a round solves its working set to this x the full violation


def _solve_prox_newton(problem, w0, b0, tol, max_iter, verbose):
    """Proximal Newton for the logistic datafit with working sets (see module docstring).

    Working-set rule (in the spirit of skglm's ``ProxNewton`` and celer): the
    features are ranked by ``-margin`` (a zero coefficient's distance past the
    edge of its dead zone: positive means it violates), with the nonzero and
    the unpenalized ones always included; the kernel solves on the top
    ``size`` features, only to ``_PN_WS_TOL`` x the violation the last full
    certificate measured (never below tol), and the exact certificate over
    all features then decides and ranks again. ``size`` starts at
    ``_PN_WS_START`` and is then twice the number of nonzeros, never smaller
    than before. All features are used once that exceeds
    ``_WS_MAX_FRACTION`` of them, or as soon as a round ends with nearly
    every working feature nonzero (the support is then much larger than the
    set). On all features the kernel solves to tol directly.

    Each round costs one pass over X for its certificate; measured on the
    dense 1000 x 5000 benchmark (amax/20), a loose round of one or two Newton
    steps on ~2 x nnz features beats both solving each working set to tol
    (most of those steps are wasted on a set that is still missing features)
    and the former growth to every violator, which reached all 5000 features
    by the third round.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    if not problem.fit_intercept:
        b = 0.0
    elif b0 is not None:
        b = float(b0)
    else:
        b = problem.b0
    # the kernel checks features and intercept against one number: the
    # smaller of the two tolerances, so that its stop implies both
    tol_abs = min(problem.tolerances(tol))
    vscale = problem.violation_scale(tol)
    chunk = max(_epochs_per_call_for(design, p) // 4, 1)
    n_iter = 0
    pieces = evaluate(problem, w, b)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="prox_newton", pieces=pieces)
    use_ws = p > _WS_MIN_FEATURES
    size = max(_PN_WS_START, 2 * int(np.count_nonzero(w)))
    stalled = False
    while not cert.converged and n_iter < max_iter and not stalled:
        if use_ws:
            nnz = int(np.count_nonzero(w))
            if n_iter > 0 and nnz >= _WS_SATURATED * size:
                # nearly every working feature entered the model: the support
                # is far larger than the working set (on the sparse benchmark
                # most features violate at w = 0), and growing it step by step
                # costs rounds and leads through restricted problems whose
                # solutions are poor starting points (damped Newton steps)
                size = p
            size = min(p, max(size, 2 * nnz))
            if size > _WS_MAX_FRACTION * p:
                # a working set this large saves little and costs rounds
                size = p
        if use_ws and size < p:
            priority = -np.asarray(cert.margin, dtype=np.float64).copy()
            priority[(w != 0) | (problem.pen_weights == 0)] = np.inf
            feats = np.sort(np.argpartition(-priority, size - 1)[:size]).astype(np.int64)
        else:
            feats = np.arange(p, dtype=np.int64)
        # on all features the kernel's own test is the full one: no need to
        # stop early for a certificate that could only say "not yet"
        inner_tol = tol_abs
        if feats.size < p:
            # in the kernel's units (the intercept's raw |dF/db|)
            measured = float(np.max(cert.violation, initial=0.0))
            if problem.fit_intercept:
                measured = max(measured, abs(cert.intercept_gradient))
            inner_tol = max(tol_abs, _PN_WS_TOL * measured)
        z = pieces["z"].copy()  # exact at every round: no drift accumulates
        start = n_iter
        status = PN_CONVERGED
        while n_iter < max_iter:
            budget = min(chunk, max_iter - n_iter)
            it, status, viol, b = prox_newton_logistic(
                *design.args, n, problem.y, problem.sw, w, b, problem.fit_intercept, z, feats,
                vscale, *problem.penalty_args, budget, _PN_MAX_INNER, inner_tol, tol_abs)
            n_iter += it
            if verbose:
                print(f"[sparsecert] prox-Newton iteration {n_iter}: violation on "
                      f"{feats.size} working features {viol:.3e} (tol {inner_tol:.3e})")
            if status == PN_CONVERGED and n_iter == start and inner_tol > tol_abs:
                # nothing to do at the loose tolerance: solve to the final one
                inner_tol = tol_abs
                continue
            if status == PN_CONVERGED:
                break
            if status == PN_LINE_SEARCH:
                stalled = True
                break
        pieces = evaluate(problem, w, b)
        cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="prox_newton",
                                 pieces=pieces)
        if verbose:
            print(f"[sparsecert] iteration {n_iter}: {cert!r}")
        if n_iter == start and not cert.converged:
            if feats.size == p and status == PN_CONVERGED:
                # the kernel and the certificate disagree at this very point
                # (rounding): nothing more can be done here
                stalled = True
            else:
                # the working set looked solved to the kernel but not to the
                # certificate (rounding): widen it rather than repeat the round
                size = min(p, 2 * size)
    if not cert.converged:
        _warn_logistic(problem, cert, pieces, max_iter, stalled)
    elif problem.penalty.alpha == 0.0 or not np.any(problem.pen_weights > 0):
        _warn_if_separable(problem, cert, pieces)
    return SolverResult(w, b, cert, n_iter)


def _separated(problem, pieces):
    """True when every (weighted) sample is on the right side of the boundary."""
    margins = problem.y * pieces["z"]
    active = problem.sw > 0
    return bool(np.all(margins[active] > 0))


def _warn_if_separable(problem, cert, pieces):
    from sklearn.exceptions import ConvergenceWarning

    if _separated(problem, pieces):
        warnings.warn(
            f"The data are linearly separable and alpha={problem.penalty.alpha:g} does not "
            f"bound the coefficients: the logistic loss has no minimizer, the returned point "
            f"(max |coef| {np.max(np.abs(cert.coef), initial=0.0):.3g}) is only approximately "
            f"stationary and its coefficients grow without limit as tol decreases. "
            f"Use alpha > 0.", ConvergenceWarning, stacklevel=3)


def _warn_logistic(problem, cert, pieces, max_iter, stalled):
    from sklearn.exceptions import ConvergenceWarning

    if _separated(problem, pieces):
        warnings.warn(
            f"Proximal Newton stopped before the optimality certificate held (max violation "
            f"{cert.max_violation:.3e} > tol {cert.tol:.3e}) with every training sample "
            f"separated and coefficients as large as "
            f"{np.max(np.abs(cert.coef), initial=0.0):.3g}: the data look linearly separable "
            f"and alpha={problem.penalty.alpha:g} is too small to keep the coefficients "
            f"bounded (they diverge as alpha -> 0). Increase alpha.",
            ConvergenceWarning, stacklevel=3)
    elif stalled:
        where = "the intercept" if cert.argmax is None else f"feature {cert.argmax}"
        warnings.warn(
            f"Proximal Newton stopped: no step along the Newton direction decreased the "
            f"objective (floating-point precision reached) before the optimality certificate "
            f"held: max violation {cert.max_violation:.3e} (at {where}) > tol {cert.tol:.3e}. "
            f"Loosen tol or standardize the features.", ConvergenceWarning, stacklevel=3)
    else:
        _warn_not_converged(cert, max_iter, "proximal Newton", unit="outer iterations",
                            stacklevel=4)


def _warn_not_converged(cert, max_iter, what, unit="epochs", stacklevel=3):
    from sklearn.exceptions import ConvergenceWarning

    where = "the intercept" if cert.argmax is None else f"feature {cert.argmax}"
    warnings.warn(
        f"{what} stopped at max_iter={max_iter} {unit} before the optimality certificate "
        f"held: max violation {cert.max_violation:.3e} (at {where}) > tol {cert.tol:.3e} "
        f"(= tol {cert.tol_relative:g} x scale {cert.scale:.3e}). Increase max_iter, "
        f"loosen tol, or standardize the features.",
        ConvergenceWarning, stacklevel=stacklevel)


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
    from . import penalties
    from ._problem import make_problem
    from ._validation import as_design, validate_arrays
    from .datafits import as_datafit

    datafit = as_datafit(datafit)
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1]; got {l1_ratio!r}.")
    X, design, y64, sw = validate_arrays(X, y, datafit, sample_weight)
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


def _solve_cd_logistic_fixed(problem, w0, b0, tol, max_iter, verbose):
    """Fixed-step coordinate proximal gradient for the logistic datafit.

    Used for the nonconvex Lp penalty (p < 1): its fixed points are exactly
    the coordinate-wise L-stationary points, with the same constants
    L_j = (1/4n) sum s_i X_ij^2 that the certificate uses. Starts from
    w = 0 and the log-odds intercept (deterministic). ``n_iter`` counts epochs.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    b = problem.b0 if b0 is None else float(b0)
    if not problem.fit_intercept:
        b = 0.0
    tol_abs = min(problem.tolerances(tol))
    vscale = problem.violation_scale(tol)
    feats = np.arange(p, dtype=np.int64)
    chunk = _epochs_per_call_for(design, p)
    pieces = evaluate(problem, w, b)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="cd_fixed_step", pieces=pieces)
    n_iter = 0
    while not cert.converged and n_iter < max_iter:
        z = pieces["z"].copy()  # exact at every check: no drift accumulates
        ep, cheap, b = cd_logistic_fixed(*design.args, n, problem.y, problem.sw, z, w, b,
                                         problem.fit_intercept, problem.lipschitz, vscale, feats,
                                         *problem.penalty_args, min(chunk, max_iter - n_iter),
                                         tol_abs)
        n_iter += ep
        pieces = evaluate(problem, w, b)
        cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="cd_fixed_step",
                                 pieces=pieces)
        if verbose:
            print(f"[sparsecert] epoch {n_iter}: {cert!r}")
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent (fixed steps)")
    return SolverResult(w, b, cert, n_iter)
