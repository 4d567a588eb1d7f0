r"""FISTA with adaptive restart and backtracking, the whole loop compiled.

Problem: minimize over x = (w, b)

    P(x) = F(w, b) + sum_j G_j(w_j),

F smooth (quadratic or logistic datafit, see :mod:`datafit`), G_j separable
with a scalar prox (:func:`prox.prox_1d`, dispatched by penalty code). The
intercept b is one more coordinate whose penalty is 0, so its prox is the
identity; without an intercept b stays 0.

Iteration k (Beck & Teboulle's FISTA), with momentum t_0 = 1:

    t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2,     beta_k = (t_k - 1) / t_{k+1}
    y_k     = x_k + beta_k (x_k - x_{k-1})                 (extrapolated point)
    x_{k+1} = prox_{G / L}(y_k - grad F(y_k) / L)          (b: y_b - dF/db / L)

Backtracking: x_{k+1} is accepted when the sufficient-decrease condition

    F(x_{k+1}) <= F(y_k) + <grad F(y_k), x_{k+1} - y_k> + (L/2) ||x_{k+1} - y_k||^2

holds; otherwise L <- 2 L and the prox step is redone from the same y_k (the
gradient is reused, only the prox and one product X w are recomputed). The
left minus the first two terms of the right side is the Bregman divergence
D_F(x_{k+1}, y_k) = sum_i s_i d(z_i', z_i) / n of the per-sample losses at the
predictors z = X w + b; it is evaluated per sample in a form free of the
cancellation of F(x_{k+1}) - F(y_k), so the test stays meaningful down to
steps near machine precision (a naive test would fail spuriously there and
keep doubling L). L never decreases within a solve.

Adaptive restart (O'Donoghue & Candes, 2015): the momentum is reset, t <- 1
(so the next step starts from y = x_{k+1}, a plain proximal-gradient step), when

* gradient-mapping test: <y_k - x_{k+1}, x_{k+1} - x_k> > 0 (the step moves
  against the gradient mapping L (y_k - x_{k+1})), or
* function test: P(x_{k+1}) > P(x_k) + 10 eps |P(x_k)| (a real increase, not
  rounding noise: near the optimum objective differences fall below eps).

Every ``check_every`` iterations the kernel evaluates, at the current iterate
x_k (never at y_k), the gradient and the certificate's maximum violation with
exactly the arithmetic of :func:`optimality.optimality_kernel`, and returns
when it is <= ``tol``. When the next step starts right after a restart
(beta = 0, y = x) that gradient is reused, so the check costs nothing then.
"""

import numpy as np

from ._flags import inner, njit, overload
from .codes import select
from .datafit import col_dot, datafit_raw_grad, datafit_value, matvec, sigmoid
from .prox import penalty_value, prox_1d, subdiff_distance_1d

# layout of the float64 state array carried between calls
STATE_B = 0  # intercept of the current iterate x_k
STATE_B_PREV = 1  # intercept of x_{k-1}
STATE_T = 2  # momentum t_k
STATE_LIPSCHITZ = 3  # current Lipschitz estimate L (step 1/L)
STATE_VIOLATION = 4  # max violation at the last check (inf if none yet)
STATE_RESTARTS = 5  # number of momentum restarts (cumulative)
STATE_BACKTRACKS = 6  # number of doublings of L (cumulative)
N_STATE = 7

_EPS = 2.220446049250313e-16
_MAX_BACKTRACKS = 64


@njit(cache=True, nogil=True)
def bregman_divergence(code, y, sw, n_samples, z0, z1):
    """D = F(z1) - F(z0) - <F'(z0), z1 - z0> over the predictors, without cancellation.

    quadratic: (1/2n) sum_i s_i (z1_i - z0_i)^2.
    logistic: (1/n) sum_i s_i d(m_i + e_i, m_i) with m = -y z0, e = -y (z1 - z0) and,
    for phi(m) = log(1 + exp(m)) and sigma its derivative,

        d(m + e, m) = log1p(sigma(m) expm1(e)) - sigma(m) e,

    using d(m + e, m) = d(-m - e, -m) to evaluate it at m <= 0, where
    1 - sigma(m) >= 1/2 and the two terms lose only log10(1/|e|) digits.
    """
    return _bregman_by_kind(code, y, sw, n_samples, z0, z1)


def _bregman_quadratic(code, y, sw, n_samples, z0, z1):
    acc = 0.0
    for i in range(y.shape[0]):
        d = z1[i] - z0[i]
        acc += sw[i] * d * d
    return acc / (2.0 * n_samples)


def _bregman_logistic(code, y, sw, n_samples, z0, z1):
    acc = 0.0
    for i in range(y.shape[0]):
        if sw[i] == 0.0:
            continue
        m = -y[i] * z0[i]
        e = -y[i] * (z1[i] - z0[i])
        if m > 0.0:
            m = -m
            e = -e
        s = sigmoid(m)
        val = np.log1p(s * np.expm1(e)) - s * e
        if val > 0.0:
            acc += sw[i] * val
    return acc / n_samples


_BREGMAN = {"quadratic": _bregman_quadratic, "logistic": _bregman_logistic}


def _bregman_by_kind(code, y, sw, n_samples, z0, z1):
    return _BREGMAN[code.compiled](code, y, sw, n_samples, z0, z1)


@overload(_bregman_by_kind)
def _bregman_by_kind_impl(code, y, sw, n_samples, z0, z1):
    return select(code, "datafit", _BREGMAN)


@inner(cache=True, nogil=True)
def _penalty_sum(pen_code, pen_params, pen_weights, w):
    acc = 0.0
    for j in range(w.shape[0]):
        acc += penalty_value(pen_code, pen_params, pen_weights[j], w[j])
    return acc


@inner(cache=True, nogil=True)
def _full_gradient(X_dense, X_data, X_indices, X_indptr, n_samples, y, sw,
                   fit_intercept, df_code, z, u, grad):
    """u = F'(z) per sample, grad = X^T u; returns dF/db = sum u (0 without intercept)."""
    datafit_raw_grad(df_code, y, z, sw, n_samples, u)
    for j in range(grad.shape[0]):
        grad[j] = col_dot(X_dense, X_data, X_indices, X_indptr, j, u)
    g_b = 0.0
    if fit_intercept:
        for i in range(n_samples):
            g_b += u[i]
    return g_b


@inner(cache=True, nogil=True)
def _extrapolated_point(X_dense, X_data, X_indices, X_indptr, n, y, sw,
                        fit_intercept, df_code, w, w_prev, b, b_prev, z, z_prev, t,
                        have_grad_at_x, g_b, v, zy, u, grad):
    """y_k = x_k + beta_k (x_k - x_{k-1}) and the gradient of F there.

    Fills (v, zy) with y_k and its predictors and (u, grad) with the
    gradient, which is reused when beta = 0 (y = x) and ``have_grad_at_x``.
    Returns (y_b, t_{k+1}, dF/db at y_k).
    """
    t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
    beta = (t - 1.0) / t_new
    if beta == 0.0:
        for j in range(w.shape[0]):
            v[j] = w[j]
        vb = b
        for i in range(n):
            zy[i] = z[i]
        if not have_grad_at_x:
            g_b = _full_gradient(X_dense, X_data, X_indices, X_indptr, n, y, sw,
                                 fit_intercept, df_code, zy, u, grad)
    else:
        for j in range(w.shape[0]):
            v[j] = w[j] + beta * (w[j] - w_prev[j])
        vb = b + beta * (b - b_prev)
        for i in range(n):
            zy[i] = z[i] + beta * (z[i] - z_prev[i])
        g_b = _full_gradient(X_dense, X_data, X_indices, X_indptr, n, y, sw,
                             fit_intercept, df_code, zy, u, grad)
    return vb, t_new, g_b


@inner(cache=True, nogil=True)
def _backtracked_step(X_dense, X_data, X_indices, X_indptr, n, y, sw,
                      fit_intercept, df_code, pen_code, pen_params, pen_weights, v, vb, grad,
                      g_b, zy, L, w_new, z_new):
    """x_{k+1} = prox_{G / L}(y_k - grad F(y_k) / L), doubling L until sufficient decrease.

    Fills ``w_new`` and ``z_new`` = X w_new + b_new; the test compares the
    Bregman divergence D_F(x_{k+1}, y_k) with (L/2) ||x_{k+1} - y_k||^2.
    Returns (b_new, L, number of doublings).
    """
    n_bt = 0
    b_new = 0.0
    while True:
        step = 1.0 / L
        dd = prox_gradient_step(pen_code, pen_params, pen_weights, v, grad, step, w_new)
        if fit_intercept:
            b_new = vb - step * g_b
            dd += (b_new - vb) * (b_new - vb)
        matvec(X_dense, X_data, X_indices, X_indptr, n, w_new, z_new)
        for i in range(n):
            z_new[i] += b_new
        breg = bregman_divergence(df_code, y, sw, n, zy, z_new)
        if breg <= 0.5 * L * dd * (1.0 + 1e-9) or n_bt >= _MAX_BACKTRACKS:
            break
        L *= 2.0
        n_bt += 1
    return b_new, L, n_bt


@inner(cache=True, nogil=True)
def _needs_restart(v, vb, w, b, w_new, b_new, obj, obj_new):
    """O'Donoghue & Candes' tests: <y - x_new, x_new - x> > 0, or a real increase of P."""
    gm = (vb - b_new) * (b_new - b)
    for j in range(w.shape[0]):
        gm += (v[j] - w_new[j]) * (w_new[j] - w[j])
    return gm > 0.0 or obj_new > obj + 10.0 * _EPS * abs(obj)


@inner(cache=True, nogil=True)
def _shift(w, w_prev, w_new, z, z_prev, z_new):
    """(x_{k-1}, x_k) <- (x_k, x_{k+1}) for the coefficients and the predictors."""
    for j in range(w.shape[0]):
        w_prev[j] = w[j]
        w[j] = w_new[j]
    for i in range(z.shape[0]):
        z_prev[i] = z[i]
        z[i] = z_new[i]


@inner(cache=True, nogil=True)
def _violation_at(X_dense, X_data, X_indices, X_indptr, n, y, sw, fit_intercept,
                  df_code, pen_code, pen_params, pen_weights, coord_lipschitz, vscale, b_scale,
                  w, z, u, grad):
    """The certificate's max violation at x_k, as optimality_kernel computes it.

    Fills ``u`` and ``grad`` at z; returns (dF/db, violation).
    """
    g_b = _full_gradient(X_dense, X_data, X_indices, X_indptr, n, y, sw,
                         fit_intercept, df_code, z, u, grad)
    viol = abs(g_b) * b_scale
    for j in range(w.shape[0]):
        vj = subdiff_distance_1d(pen_code, pen_params, pen_weights[j], w[j], grad[j],
                                 coord_lipschitz[j]) * vscale[j]
        if vj > viol or vj != vj:
            viol = vj
    return g_b, viol


@njit(cache=True, nogil=True)
def fista_run(X_dense, X_data, X_indices, X_indptr, n_samples, y, sw,
              fit_intercept, df_code, pen_code, pen_params, pen_weights, coord_lipschitz,
              vscale, b_scale, w, w_prev, z, z_prev, state, max_iter, check_every, tol):
    """Run at most ``max_iter`` FISTA iterations from the state given; return the count.

    Parameters
    ----------
    X_dense, X_data, X_indices, X_indptr : the design (see :mod:`datafit`)
    n_samples : int
    y, sw : float64 arrays of shape (n_samples,)
        Labels (+-1 for logistic) and sample weights summing to n_samples.
    fit_intercept : bool
    df_code, pen_code, pen_params, pen_weights : the encoded datafit and penalty
    coord_lipschitz : float64 array of shape (n_features,)
        Per-coordinate constants, used only by the violation of penalties whose
        certificate needs them (as in the certificate).
    vscale : float64 array of shape (n_features,)
        Factors putting each violation in the certificate's common units
        (``Problem.violation_scale``).
    b_scale : float
        The same for |dF/db| (``Problem.intercept_scale``), so that one
        ``tol`` bounds features and intercept each in its own units.
    w, w_prev : float64 arrays of shape (n_features,), updated in place
        Current iterate x_k and previous iterate x_{k-1}.
    z, z_prev : float64 arrays of shape (n_samples,), updated in place
        X w + b and X w_prev + b_prev (must be consistent with w, w_prev on entry).
    state : float64 array of shape (N_STATE,), updated in place
        Intercepts, momentum, L and counters; layout in the ``STATE_*`` constants.
    max_iter, check_every : int
    tol : float
        Absolute tolerance on the maximum violation at x_k, checked every
        ``check_every`` iterations; the call returns as soon as it holds.

    Returns
    -------
    n_iter : int
        Iterations run in this call; ``state[STATE_VIOLATION]`` holds the
        violation at the last check.
    """
    n = n_samples
    p = w.shape[0]
    b, b_prev, t = state[STATE_B], state[STATE_B_PREV], state[STATE_T]
    L, viol = state[STATE_LIPSCHITZ], state[STATE_VIOLATION]
    restarts, backtracks = state[STATE_RESTARTS], state[STATE_BACKTRACKS]
    v, w_new, grad = np.empty(p), np.empty(p), np.empty(p)
    zy, z_new, u = np.empty(n), np.empty(n), np.empty(n)
    obj = datafit_value(df_code, y, z, sw, n) + _penalty_sum(pen_code, pen_params, pen_weights, w)
    have_grad_at_x = p < 0  # False, not Literal[bool](False): see test_compile_once.py
    g_b = 0.0
    it = 0
    while it < max_iter:
        vb, t_new, g_b = _extrapolated_point(X_dense, X_data, X_indices, X_indptr, n,
                                             y, sw, fit_intercept, df_code, w, w_prev, b, b_prev,
                                             z, z_prev, t, have_grad_at_x, g_b, v, zy, u, grad)
        b_new, L, n_bt = _backtracked_step(X_dense, X_data, X_indices, X_indptr, n,
                                           y, sw, fit_intercept, df_code, pen_code, pen_params,
                                           pen_weights, v, vb, grad, g_b, zy, L, w_new, z_new)
        backtracks += n_bt
        obj_new = (datafit_value(df_code, y, z_new, sw, n)
                   + _penalty_sum(pen_code, pen_params, pen_weights, w_new))
        restart = _needs_restart(v, vb, w, b, w_new, b_new, obj, obj_new)
        _shift(w, w_prev, w_new, z, z_prev, z_new)
        b_prev, b, obj = b, b_new, obj_new
        t = 1.0 if restart else t_new
        if restart:
            restarts += 1.0
        it += 1
        have_grad_at_x = False
        if it % check_every == 0:
            g_b, viol = _violation_at(X_dense, X_data, X_indices, X_indptr, n, y, sw,
                                      fit_intercept, df_code, pen_code, pen_params, pen_weights,
                                      coord_lipschitz, vscale, b_scale, w, z, u, grad)
            have_grad_at_x = True
            if viol <= tol or viol != viol:
                break
    state[STATE_B], state[STATE_B_PREV], state[STATE_T] = b, b_prev, t
    state[STATE_LIPSCHITZ], state[STATE_VIOLATION] = L, viol
    state[STATE_RESTARTS], state[STATE_BACKTRACKS] = restarts, backtracks
    return it


@njit(cache=True, nogil=True)
def gram_power_iteration(X_dense, X_data, X_indices, X_indptr, n_samples, sw,
                         fit_intercept, v, n_iter, rtol):
    """Estimate the largest eigenvalue of A = [X 1]^T S [X 1] / n by power iteration.

    Stops after ``n_iter`` products with A, or earlier once the Rayleigh
    quotient changes by at most ``rtol`` relatively between two iterations.

    The column of ones is included only with ``fit_intercept``. ``v`` (length
    n_features + 1, the last entry for the intercept) is the start vector and is
    overwritten. Returns the last Rayleigh quotient v^T A v / v^T v, a lower
    bound of lambda_max that converges to it; the caller multiplies it by a
    safety factor (and backtracking corrects what remains). lambda_max is the
    Lipschitz constant of grad F for the quadratic datafit and 4 times it for
    the logistic one.
    """
    n = n_samples
    p = v.shape[0] - 1
    z = np.empty(n)
    if not fit_intercept:
        v[p] = 0.0
    est = 0.0
    for _ in range(n_iter):
        prev = est
        # normalize by the largest entry first: the squares of X^T X v overflow
        # for columns of 1e100 and more
        big = 0.0
        for k in range(p + 1):
            if abs(v[k]) > big:
                big = abs(v[k])
        if big == 0.0 or not np.isfinite(big):
            return est if big == 0.0 else np.inf
        nrm = 0.0
        for k in range(p + 1):
            v[k] /= big
            nrm += v[k] * v[k]
        nrm = np.sqrt(nrm)
        for k in range(p + 1):
            v[k] /= nrm
        matvec(X_dense, X_data, X_indices, X_indptr, n, v[:p], z)
        quad = 0.0
        for i in range(n):
            z[i] += v[p]
            quad += sw[i] * z[i] * z[i]
            z[i] *= sw[i] / n
        est = quad / n
        if abs(est - prev) <= rtol * est:
            return est
        for j in range(p):
            v[j] = col_dot(X_dense, X_data, X_indices, X_indptr, j, z)
        if fit_intercept:
            acc = 0.0
            for i in range(n):
                acc += z[i]
            v[p] = acc
        else:
            v[p] = 0.0
    return est


@njit(cache=True, nogil=True)
def prox_gradient_step(pen_code, pen_params, pen_weights, v, grad, step, out):
    """out_j = prox_{step G_j}(v_j - step grad_j); returns ||out - v||^2.

    The feature part of one FISTA step of :func:`fista_run` over p-vectors
    only, for callers that compute the gradient elsewhere (the distributed
    solver sums it over row blocks held by other processes).
    """
    dd = 0.0
    for j in range(v.shape[0]):
        wj = prox_1d(pen_code, pen_params, pen_weights[j], v[j] - step * grad[j], step)
        out[j] = wj
        d = wj - v[j]
        dd += d * d
    return dd


@njit(cache=True, nogil=True)
def penalty_sum(pen_code, pen_params, pen_weights, w):
    """G(w) = sum_j G_j(w_j)."""
    return _penalty_sum(pen_code, pen_params, pen_weights, w)
