r"""Block coordinate descent for the multi-task lasso (least squares, k tasks).

The problem is a group lasso over the rows of W: feature j's k coefficients
``W[j, :]`` (kept feature-major here, (p, k) C-ordered; the estimator
reports scikit-learn's (k, p) ``coef_``) form one block. With the uncentred
weighted residuals ``sw_r[t] = s * (y_t - X w_t)`` (a (k, n) C-ordered
array, one contiguous row per task) and the profiled intercepts b_t, the
gradient of task t at feature j is -(1/n) X_j^T sw_r[t] + b_t m_j
(implicit centring, as :mod:`sparsecert._kernels.cd`). A block step is

    W_j <- BST(L_j W_j - g_j, l1) / (L_j + l2),   BST(z, t) = max(0, 1 - t / ||z||_2) z,

with L_j the column's weighted centred mean square: the block's Hessian
is L_j I_k, so the step is the exact block minimiser of the datafit plus
l1 ||W_j||_2 + (l2 / 2) ||W_j||_2^2 (l1 = alpha rho, l2 = alpha (1 - rho):
the multi-task elastic net; l2 = 0 is the multi-task lasso, whose step is
BST(W_j - g_j / L_j, alpha / L_j)). The layout (dense
Fortran-ordered or CSC) is chosen by ``X_dense.ndim`` at compile time.
"""

import numpy as np

from ._flags import inner, njit
from .cd import _residual_update
from .datafit import col_dot_fast


@inner(cache=True, nogil=True)
def _mt_step(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, W, b, means,
             vscale_j, j, thr, l2, lip, buf):
    """One block step on feature ``j``; returns its violation before the step."""
    n = float(n_samples)
    k = W.shape[1]
    if lip == 0.0:
        # a constant column after centring: the datafit ignores it, so a
        # penalized block belongs at 0
        if thr > 0.0 or l2 > 0.0:
            for t in range(k):
                if W[j, t] != 0.0:
                    _residual_update(X_dense, X_data, X_indices, X_indptr, j, -W[j, t],
                                     sw_r[t], sw)
                    b[t] += W[j, t] * means[j]
                    W[j, t] = 0.0
        return 0.0
    nw = 0.0
    ng = 0.0
    for t in range(k):
        g = -col_dot_fast(X_dense, X_data, X_indices, X_indptr, j, sw_r[t]) / n + b[t] * means[j]
        buf[t] = g
        ng += g * g
        nw += W[j, t] * W[j, t]
    nw = np.sqrt(nw)
    ng = np.sqrt(ng)
    acc = 0.0
    if nw == 0.0:
        if ng > thr:
            acc = (ng - thr) * (ng - thr)
    else:
        for t in range(k):
            d = buf[t] + (thr / nw + l2) * W[j, t]
            acc += d * d
    v = np.sqrt(acc) * vscale_j
    nz = 0.0
    for t in range(k):
        z = lip * W[j, t] - buf[t]
        buf[t] = z
        nz += z * z
    nz = np.sqrt(nz)
    scale = 0.0
    if nz > 0.0:
        scale = max(0.0, 1.0 - thr / nz) / (lip + l2)
    for t in range(k):
        delta = scale * buf[t] - W[j, t]
        if delta != 0.0:
            _residual_update(X_dense, X_data, X_indices, X_indptr, j, delta, sw_r[t], sw)
            b[t] -= delta * means[j]
            W[j, t] += delta
    return v


@njit(cache=True, nogil=True)
def mt_bcd_epochs(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, W, b, means,
                  vscale, ws, thr, l2, lip, max_epochs, tol, buf):
    """Cyclic epochs over the features ``ws`` until the cheap bound (the
    largest block violation measured just before each block's own step) is
    <= ``tol``, or ``max_epochs``; returns (epochs run, last cheap bound).
    ``W`` (p, k), ``b`` (k,) and ``sw_r`` (k, n) are updated in place;
    ``thr`` = alpha rho and ``l2`` = alpha (1 - rho); ``lip`` per feature;
    ``buf`` k floats of scratch."""
    cheap = np.inf
    ep = 0
    while ep < max_epochs:
        cheap = 0.0
        for jj in range(ws.shape[0]):
            j = ws[jj]
            v = _mt_step(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, W, b,
                         means, vscale[j], j, thr, l2, lip[j], buf)
            if v > cheap:
                cheap = v
        ep += 1
        if cheap <= tol:
            break
    return ep, cheap
