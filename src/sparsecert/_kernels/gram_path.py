"""A whole least-squares path on a small Gram matrix, in one compiled call.

Cross-validating a Lasso on a few features (diabetes: 442 x 10, 5 folds of
100 alphas) is 500 small solves, each of which the general path wraps in
certificates, working sets and sub-problems from Python. On the weighted
centred Gram matrix H = Xc^T W Xc / n, c = Xc^T W yc / n and yy = yc^T W yc / n
everything one alpha needs is p-dimensional:

    gradient    g = H w - c
    datafit     F = B / 2,  B = (1/n) sum_i s_i r_i^2 = yy - c^T w + w^T g
    dual        D(t u) = t A - t^2 B / 2 - sum_j G_j^*(-t g_j),  A = yy - c^T w

with u = f'(z) (the residual's dual point; X^T u = g) and t = 1 or the largest
rescaling that puts it in every dead zone (:func:`.optimality.dual_scaling`),
whichever gives the larger D, as :func:`.optimality.duality_gap_kernel` does.
So each alpha is solved and certified here by the certificate's own tests
(each violation, in the certificate's units, <= tol; the relative gap <= its
tolerance), from the previous alpha's solution.
"""

import numpy as np

from ._flags import inner, njit
from .cd import _gram_gradient, _gram_violation, cd_gram_anderson
from .codes import PARAM_ALPHA
from .optimality import dual_scaling, penalty_conjugate_sum
from .prox import penalty_value

# statuses of an alpha
GP_MAX_ITER = 0
GP_CERTIFIED = 1
GP_UNRELIABLE = 2  # the residual is too small against y for B's difference


@inner(cache=True, nogil=True)
def gram_gap(H, c, yy, w, g, pen_code, pen_params, pen_weights, lipschitz):
    """(P, P - D, B) at w, with g = H w - c (see the module docstring)."""
    cw = 0.0
    wg = 0.0
    pen = 0.0
    for j in range(w.shape[0]):
        cw += c[j] * w[j]
        wg += w[j] * g[j]
        if w[j] != 0.0:
            pen += penalty_value(pen_code, pen_params, pen_weights[j], w[j])
    a = yy - cw
    b = a + wg
    # the better of u and t u, as duality_gap_kernel does (the elastic net's
    # conjugate is finite outside the dead zones: t = 1 may be the better one)
    dual = _dual_at(a, b, g, 1.0, pen_code, pen_params, pen_weights)
    t = dual_scaling(g, pen_code, pen_params, pen_weights, lipschitz)
    if t < 1.0:
        d_t = _dual_at(a, b, g, t, pen_code, pen_params, pen_weights)
        if d_t > dual or dual != dual:
            dual = d_t
    primal = 0.5 * b + pen
    return primal, primal - dual, b


@njit(cache=True, nogil=True, inline="always")
def _dual_at(a, b, g, t, pen_code, pen_params, pen_weights):
    """D(t u) = t A - t^2 B / 2 - sum_j G_j^*(-t g_j)."""
    return t * a - 0.5 * t * t * b - penalty_conjugate_sum(g, t, pen_code, pen_params,
                                                          pen_weights)


@njit(cache=True, nogil=True)
def gram_path(H, c, yy, alphas, start, budget, w, pen_code, pen_params, pen_weights, vscale,
              tol_abs, gap_tol, floor_a, floor_b, floor_t, objective0, max_iter, n_anderson,
              coefs, n_iters, status):
    """Solve the alphas from ``alphas[start]`` on in turn, from ``w`` (updated
    in place) and then each from the previous solution, until ``budget``
    epochs are spent (an alpha is always finished) or one is not certified;
    returns the index of the next alpha to solve.

    An alpha is certified when max_j violation_j * vscale_j <= ``tol_abs``
    and the gap relative to ``objective0`` is <= max(``gap_tol``, its
    rounding floor (floor_a P + floor_b sqrt(2 P)) / objective0 +
    floor_t / alpha); while only the gap fails, the violation asked of CD
    shrinks tenfold. Fills ``coefs`` (p x n_alphas), ``n_iters`` (epochs)
    and ``status`` (GP_*) per alpha.
    """
    p = H.shape[0]
    g = np.empty(p)
    zero = np.zeros(p)
    g0 = -c
    lipschitz = np.empty(p)
    for j in range(p):
        lipschitz[j] = H[j, j]
    params = pen_params.copy()
    spent = 0
    for k in range(start, alphas.shape[0]):
        params[PARAM_ALPHA] = alphas[k]
        inner = tol_abs
        last = np.inf
        used = 0
        status[k] = GP_MAX_ITER
        while used < max_iter:
            ep, viol, _ = cd_gram_anderson(H, w, g0, zero, lipschitz, vscale, pen_code, params,
                                           pen_weights, max_iter - used, inner, n_anderson)
            used += ep
            _gram_gradient(H, w, g0, zero, g)
            viol = _gram_violation(w, g, lipschitz, vscale, pen_code, params, pen_weights)
            if not viol <= tol_abs:
                break  # max_iter, or CD cannot move (rounding): not certified here
            primal, gap, b = gram_gap(H, c, yy, w, g, pen_code, params, pen_weights,
                                      lipschitz)
            if not b > 1e-10 * yy:
                status[k] = GP_UNRELIABLE
                break
            floor = (floor_a * primal + floor_b * np.sqrt(2.0 * max(primal, 0.0))) / objective0
            if gap <= max(gap_tol, floor + floor_t / alphas[k]) * objective0:
                status[k] = GP_CERTIFIED
                break
            if not viol < last:
                break  # CD no longer lowers the violation (rounding): not certified here
            last = viol
            inner = 0.1 * viol
        for j in range(p):
            coefs[j, k] = w[j]
        n_iters[k] = used
        spent += used
        if status[k] != GP_CERTIFIED or spent >= budget:
            return k + 1
    return alphas.shape[0]
