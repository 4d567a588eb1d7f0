"""Fixed-step coordinate proximal gradient for the logistic datafit (dense or CSC X).

The solver for the nonconvex Lp penalties (p < 1) with the logistic loss
(:mod:`sparsecert.solvers.lp_logistic`): its fixed points are the
L-stationary points the certificate checks, where a Newton model's
curvature would certify others.
"""

import numpy as np

from ._flags import njit
from .datafit import col_axpy as _axpy
from .datafit import sigmoid
from .prox import prox_1d, subdiff_distance_1d


@njit(cache=True, nogil=True)
def cd_logistic_fixed(X_dense, X_data, X_indices, X_indptr, n_samples, y, sw, z,
                      w, b, fit_intercept, lipschitz, vscale, b_scale, feats, pen_code,
                      pen_params, pen_weights, max_epochs, tol):
    """Coordinate proximal-gradient epochs for the logistic datafit, fixed steps.

    For each feature, with the exact partial derivative g_j at the current
    point and L_j = (1/4n) sum_i s_i X_ij^2 (a bound on the coordinate's
    curvature),

        w_j <- prox_{G_j / L_j}(w_j - g_j / L_j),

    then the intercept takes the gradient step b <- b - 4 dF/db (its
    curvature is at most 1/4). Each step decreases the objective, and the
    fixed points are exactly the L-stationary points the certificate checks
    for nonconvex penalties (Lp, p < 1): this is the solver for those, where
    a Newton model's curvature would certify other fixed points. ``z`` =
    X w + b is updated in place. Stops after an epoch whose cheap violation
    bound is <= ``tol``.

    Returns (epochs_run, cheap_violation, b).
    """
    n = float(n_samples)
    cheap = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        cheap = 0.0
        for jj in range(feats.shape[0]):
            j = feats[jj]
            lj = lipschitz[j]
            wj = w[j]
            if lj == 0.0:
                # an all-zero column: the datafit ignores it
                if wj != 0.0 and pen_weights[j] != 0.0:
                    w[j] = 0.0
                continue
            g = 0.0
            if X_dense.ndim == 1:
                for k in range(X_indptr[j], X_indptr[j + 1]):
                    i = X_indices[k]
                    g -= X_data[k] * sw[i] * y[i] * sigmoid(-y[i] * z[i])
            else:
                for i in range(n_samples):
                    g -= X_dense[i, j] * sw[i] * y[i] * sigmoid(-y[i] * z[i])
            g /= n
            v = subdiff_distance_1d(pen_code, pen_params, pen_weights[j], wj, g, lj) * vscale[j]
            if v > cheap:
                cheap = v
            new = prox_1d(pen_code, pen_params, pen_weights[j], wj - g / lj, 1.0 / lj)
            if new != wj:
                _axpy(X_dense, X_data, X_indices, X_indptr, j, new - wj, z)
                w[j] = new
        if fit_intercept:
            gb = 0.0
            for i in range(n_samples):
                gb -= sw[i] * y[i] * sigmoid(-y[i] * z[i])
            gb /= n
            if abs(gb) * b_scale > cheap:
                cheap = abs(gb) * b_scale
            db = -4.0 * gb
            b += db
            for i in range(n_samples):
                z[i] += db
        if cheap <= tol:
            break
    return epoch, cheap, b


# ---------------------------------------------------------------------------
# Gram variant: coordinate descent on the p-dimensional quantities.
#
# On the features ``feats`` the profiled least-squares datafit is the quadratic
#
#     F(w) = F(w_a) + g_a^T (w - w_a) + (1/2) (w - w_a)^T H (w - w_a)
#
# with H = (1/n) Xc^T S Xc the weighted Gram matrix of the centred columns
# Xc = X - 1 m^T (m = 0 without an intercept) and g_a the exact gradient at an
# anchor point w_a (taken from the certificate, which computed it from X). A
# coordinate step then costs O(len(feats)) instead of O(n): g += H[:, j] delta.
# Anchoring at the certificate's gradient (rather than forming X^T S y once)
# keeps the drift of the Gram-based gradient to the rounding of H (w - w_a).
