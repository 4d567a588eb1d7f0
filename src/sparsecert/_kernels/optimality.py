"""Per-feature first-order optimality and the duality gap (never fastmath).

Everything is computed over all features, from scratch, at the given point:
the certificate must not inherit the solver's bookkeeping.
"""

import numpy as np

from ._flags import inner, njit
from .codes import PARAM_ALPHA, PARAM_POSITIVE
from .datafit import datafit_conjugate, datafit_value, is_quadratic
from .prox import conjugate_1d, penalty_value, subdiff_distance_1d, threshold_1d


@njit(cache=True, nogil=True)
def optimality_kernel(n_samples, y, sw, w, fit_intercept, df_code, pen_code, pen_params,
                      pen_weights, lipschitz, z, u, grad, viol, margin):
    """Violations and margins at w, from z = Xw + b, u = f'(z) and grad = X^T u.

    The caller computes the three (BLAS for a float64 dense X, the compiled
    column loops otherwise, see ``sparsecert._problem.evaluate``): this
    kernel never reads X, so a dense fit compiles no product of its own.
    Returns (max_violation, intercept_gradient, datafit_value, penalty_value).
    ``max_violation`` includes |dF/db| when ``fit_intercept``. An empty z
    (u was written over it) returns NaN for the datafit's value, which the
    caller took from z before.
    """
    g_b = 0.0
    if fit_intercept:
        for i in range(n_samples):
            g_b += u[i]
    max_viol, pen = feature_violations(w, grad, pen_code, pen_params, pen_weights,
                                       lipschitz, viol, margin)
    # NaN must propagate: max() alone would drop it
    if abs(g_b) > max_viol or g_b != g_b:
        max_viol = abs(g_b)
    loss = datafit_value(df_code, y, z, sw, n_samples) if z.shape[0] else np.nan
    return max_viol, g_b, loss, pen


@njit(cache=True, nogil=True)
def feature_violations(w, grad, pen_code, pen_params, pen_weights, lipschitz, viol, margin):
    """Violations and margins from a gradient computed elsewhere (p-vectors only).

    The per-feature part of :func:`optimality_kernel`, also for a caller
    that computed grad = X^T u as a sum of partial gradients over row
    blocks held by other processes. Returns (max_j viol_j, sum_j G_j(w_j));
    NaN propagates.
    """
    positive = pen_params[PARAM_POSITIVE] != 0.0
    max_viol = 0.0
    pen = 0.0
    for j in range(w.shape[0]):
        g = grad[j]
        c = pen_weights[j]
        v = subdiff_distance_1d(pen_code, pen_params, c, w[j], g, lipschitz[j])
        viol[j] = v
        if v > max_viol or v != v:
            max_viol = v
        thr = threshold_1d(pen_code, pen_params, c, lipschitz[j])
        margin[j] = thr + g if positive else thr - abs(g)
        pen += penalty_value(pen_code, pen_params, c, w[j])
    return max_viol, pen


@njit(cache=True, nogil=True)
def penalty_conjugate_sum(grad, t, pen_code, pen_params, pen_weights):
    """sum_j G_j^*(-t grad_j) over the penalized features (see :func:`dual_value`)."""
    acc = 0.0
    alpha = pen_params[PARAM_ALPHA]
    for j in range(grad.shape[0]):
        c = pen_weights[j]
        if c != 0.0 and alpha != 0.0:
            acc += conjugate_1d(pen_code, pen_params, c, -t * grad[j])
    return acc


@njit(cache=True, nogil=True)
def dual_scaling(grad, pen_code, pen_params, pen_weights, lipschitz):
    """Largest t in (0, 1] with -t X_j^T u inside every dead zone (``grad`` = X^T u).

    Shrunk by a few ulps, so that t |X_j^T u| never rounds back above the
    threshold, where the L1 conjugate is +inf.
    """
    positive = pen_params[PARAM_POSITIVE] != 0.0
    t = 1.0
    for j in range(grad.shape[0]):
        c = pen_weights[j]
        if c == 0.0 or pen_params[PARAM_ALPHA] == 0.0:
            continue
        thr = threshold_1d(pen_code, pen_params, c, lipschitz[j])
        if not thr > 0.0:
            # no dead zone (a smooth penalty): its conjugate is finite
            # everywhere, no rescaling is needed for it
            continue
        v = -grad[j] if positive else abs(grad[j])
        if v > thr:
            cap = (thr / v) * (1.0 - 1e-14)
            if cap < t:  # min(t, cap), without the builtin's compile
                t = cap
    return t


@inner(cache=True, nogil=True)
def dual_value(df_code, y, sw, n_samples, u, grad, t, pen_code, pen_params,
               pen_weights):
    """D(t u) = -f^*(t u) - sum_j G_j^*(-t X_j^T u), with X^T u = ``grad``.

    Unpenalized features (weight 0, or alpha = 0) are left out of the sum:
    their conjugate is the indicator of X_j^T u = 0, which holds at the
    optimum and whose departure is reported as their violation instead.
    """
    d = -datafit_conjugate(df_code, y, u, sw, n_samples, t)
    return d - penalty_conjugate_sum(grad, t, pen_code, pen_params, pen_weights)


@njit(cache=True, nogil=True)
def duality_gap_kernel(df_code, y, sw, n_samples, u, grad, means, fit_intercept,
                       pen_code, pen_params, pen_weights, lipschitz, primal):
    """Duality gap P(w, b) - max(D(u'), D(t u')) with u' a feasible dual point.

    u' is f'(z), made to satisfy the intercept's constraint sum u' = 0: for the
    quadratic datafit by centring the weighted residual, which shifts X^T u by
    -(sum u) m_j. ``t`` is the largest step in (0, 1] that brings -t X^T u'
    inside the dead zones of the sparsifying terms (as in the usual rescaled
    residual dual point, :func:`dual_scaling`). ``grad`` is overwritten with X^T u'.

    Returns (gap, t) with t the scaling of the dual point that gave the gap
    (what gap-safe screening needs).
    """
    n = float(n_samples)
    if fit_intercept and is_quadratic(df_code):
        s = 0.0
        for i in range(u.shape[0]):
            s += u[i]
        for i in range(u.shape[0]):
            u[i] -= sw[i] * s / n
        for j in range(grad.shape[0]):
            grad[j] -= s * means[j]
    t = dual_scaling(grad, pen_code, pen_params, pen_weights, lipschitz)
    if t < 1.0 and penalty_conjugate_sum(grad, 1.0, pen_code, pen_params,
                                         pen_weights) == np.inf:
        # u' itself lies outside a dead zone (an L1 part's conjugate is the
        # indicator of it): D(u') = -inf, without the datafit's conjugate, an
        # O(n) sum of logarithms for the logistic loss
        d = -np.inf
    else:
        d = dual_value(df_code, y, sw, n_samples, u, grad, 1.0, pen_code, pen_params,
                       pen_weights)
    t_best = 1.0
    if t < 1.0:
        d_t = dual_value(df_code, y, sw, n_samples, u, grad, t, pen_code,
                         pen_params, pen_weights)
        if d_t > d or d != d:
            d = d_t
            t_best = t
    return primal - d, t_best


@njit(cache=True, nogil=True)
def sphere_test(reach, gap, lipschitz, thr):
    """out[b] = thr_b > 0 and reach_b + sqrt(2 gap L_b) < thr_b (1 - 1e-9):
    :func:`sparsecert._duality.sphere_screen`'s test on every block, the same
    arithmetic in one pass instead of eight array operations."""
    out = np.empty(reach.shape[0], dtype=np.bool_)
    for b in range(reach.shape[0]):
        out[b] = thr[b] > 0.0 and reach[b] + np.sqrt(2.0 * gap * lipschitz[b]) < thr[b] * (
            1.0 - 1e-9)
    return out
