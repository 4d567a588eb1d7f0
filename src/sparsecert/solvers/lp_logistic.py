"""Fixed-step coordinate proximal gradient for the logistic datafit with the nonconvex Lp penalty.

Proximal Newton's local models have other fixed points than the
coordinate-wise L-stationary points the local certificate checks; plain
coordinate steps with the certificate's own constants L_j have exactly
those, so this is the logistic solver for 0 < p < 1.

Fixed steps 1/L_j are short wherever the fit is good (the logistic
curvature there is far below its bound 1/4), so the plain iteration crawls
along correlated features once it has found its support (standardized
breast cancer, alpha = 0.01, p = 0.5: 1154 epochs, over the default
max_iter). On a support that came through ``_SUPPORT_EPOCHS`` epochs
unchanged, the objective is smooth in the orthant of the current signs, and
Newton's method on it (:func:`_newton_on_support`) goes to the local
minimum the iteration is heading for in a few steps; a step is kept only if
it keeps every sign and lowers the objective, so it changes the speed,
never the fixed points, and the certificate still decides.
"""

import numpy as np

from .._kernels.cd_logistic import cd_logistic_fixed
from .._kernels.codes import PARAM_ALPHA, PARAM_P
from .._kernels.datafit import datafit_value
from .._kernels.fista import penalty_sum
from .._problem import evaluate
from .._duality import _dense_columns
from ..certificate import build_certificate
from .common import SolverResult, _epochs_per_call_for
from .messages import _warn_not_converged

# epochs a support must come through unchanged before Newton is tried on it
# (breast cancer above: 1154 -> 60 epochs)
_SUPPORT_EPOCHS = 10
# Newton on supports up to this size (a |S| x |S| system per step)
_NEWTON_MAX_SUPPORT = 500
_NEWTON_STEPS = 30


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
    tol_abs = problem.tolerances(tol)[0]  # the intercept rescaled to it (b_scale)
    vscale = problem.violation_scale(tol)
    b_scale = problem.intercept_scale(tol)
    feats = np.arange(p, dtype=np.int64)
    chunk = _epochs_per_call_for(design, p)
    pieces = evaluate(problem, w, b)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="cd_fixed_step", pieces=pieces)
    n_iter = 0
    support, tried = np.flatnonzero(w), None
    while not cert.converged and n_iter < max_iter:
        z = pieces["z"].copy()  # exact at every check: no drift accumulates
        epochs = min(chunk, _SUPPORT_EPOCHS, max_iter - n_iter)
        ep, cheap, b = cd_logistic_fixed(*design.args, n, problem.y, problem.sw, z, w, b,
                                         problem.fit_intercept, problem.lipschitz, vscale,
                                         b_scale, feats, *problem.penalty_args, epochs, tol_abs)
        n_iter += ep
        problem.work.add_columns(design, feats, times=ep)
        previous, support = support, np.flatnonzero(w)
        stable = ep == epochs and np.array_equal(previous, support)
        if stable and cheap > tol_abs and not np.array_equal(support, tried):
            tried = support  # once per support: a refused step would be refused again
            b = _newton_on_support(problem, w, b, support)
        pieces = evaluate(problem, w, b)
        cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="cd_fixed_step",
                                 pieces=pieces)
        if verbose:
            print(f"[sparsecert] epoch {n_iter}: {cert!r}")
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent (fixed steps)")
    return SolverResult(w, b, cert, n_iter)


def _newton_on_support(problem, w, b, support):
    r"""Newton's method on the support's smooth objective; updates w, returns b.

    With the signs s_j of w_S fixed, phi(v, b) = F(X_S v + b) +
    alpha sum_j c_j (s_j v_j)^p is smooth on that orthant, with Hessian
    H = A^T diag(h) A + diag(alpha c_j p (p - 1) |v_j|^(p-2)) (A = [X_S, 1],
    h_i = s_i sigma(z_i)(1 - sigma(z_i)) / n; the penalty's part is
    negative). A step solves H d = -grad phi, or, where H is not positive
    definite (a coefficient on its way out), the system of the datafit's
    part alone, which still gives a descent direction. Along it, a
    coefficient whose sign would flip is set to 0 and leaves the support;
    the step halves until phi drops. Stops when no step lowers phi.
    """
    if support.size == 0 or support.size > _NEWTON_MAX_SUPPORT:
        return b
    design, sw, y = problem.design, problem.sw, problem.y
    n = design.n_samples
    A = _dense_columns(design, support)
    problem.work.add_columns(design, support)
    if problem.fit_intercept:
        A = np.column_stack([A, np.ones(n)])
    k = support.size
    c = problem.pen_weights[support]
    alpha, p = problem.pen_params[PARAM_ALPHA], problem.pen_params[PARAM_P]
    signs = np.sign(w[support])
    x = np.append(w[support], b) if problem.fit_intercept else w[support].copy()
    full = w.copy()

    def objective(x):
        full[support] = x[:k]
        z = A @ x
        return (datafit_value(problem.df_code, y, z, sw, n)
                + penalty_sum(*problem.penalty_args, full)), z

    phi, z = objective(x)
    for _ in range(_NEWTON_STEPS):
        live = np.append(x[:k] != 0, True) if problem.fit_intercept else x != 0
        step = _newton_direction(A, x, z, y, sw, n, k, alpha * c, p, signs, live)
        if step is None:
            break
        t = 1.0
        while t > 1e-10:
            x_new = x + t * step
            # a coefficient crossing zero leaves the support
            x_new[:k][np.sign(x_new[:k]) != signs] = 0.0
            phi_new, z_new = objective(x_new)
            if phi_new < phi:
                break
            t *= 0.5
        else:
            break
        x, phi, z = x_new, phi_new, z_new
    w[support] = x[:k]
    return float(x[k]) if problem.fit_intercept else b


def _newton_direction(A, x, z, y, sw, n, k, ac, p, signs, live):
    """The Newton step d of phi on the ``live`` coordinates (0 elsewhere), or None."""
    sig = 0.5 * (1.0 + np.tanh(0.5 * y * z))  # sigma(y z)
    grad = A.T @ (-sw * y * (1.0 - sig) / n)
    mag = np.abs(x[:k])
    nz = mag > 0
    grad[:k][nz] += ac[nz] * p * mag[nz] ** (p - 1.0) * signs[nz]
    Al = A[:, live]
    H = Al.T @ ((sw * sig * (1.0 - sig) / n)[:, None] * Al)
    curv = np.zeros(A.shape[1])
    curv[:k][nz] = ac[nz] * p * (p - 1.0) * mag[nz] ** (p - 2.0)
    d = np.zeros(A.shape[1])
    for system in (H + np.diag(curv[live]), H):
        try:
            L = np.linalg.cholesky(system)
        except np.linalg.LinAlgError:
            continue
        d[live] = -np.linalg.solve(L.T, np.linalg.solve(L, grad[live]))
        return d
    return None
