r"""Block coordinate descent for the group lasso with the quadratic datafit.

The groups travel as skglm's encoding: ``grp_ptr`` and ``grp_idx``, the
features of group g being ``grp_idx[grp_ptr[g]:grp_ptr[g + 1]]``
(:class:`sparsecert.penalties.GroupEncoding`), with weights ``c_g``.

The intercept is profiled out by implicit centring exactly as in
:mod:`sparsecert._kernels.cd`: the uncentred weighted residual s * (y - X w)
and b = b(w) are kept, the gradient of feature j is
-(1/n) X_j^T (s * r) + b m_j, and a move delta of w_j subtracts delta m_j
from b. A group step is a proximal gradient step on the block,

    w_g <- BST(w_g - g_g / L_g, alpha c_g / L_g),
    BST(z, t) = max(0, 1 - t / ||z||_2) z          (block soft-thresholding),

with L_g >= the largest eigenvalue of the block's Hessian, the weighted
centred Gram matrix X_g^T W X_g / n (:func:`group_gram` builds it; the
solver takes its largest eigenvalue), so each step lowers the objective.
The layout (dense Fortran-ordered or CSC) is chosen by ``X_dense.ndim`` at
compile time, as everywhere (see :mod:`sparsecert._kernels.datafit`).
"""

import numpy as np
from numba import njit

from .cd import _residual_update
from .datafit import col_dot, col_dot_fast


@njit(cache=True, nogil=True)
def group_gram(X_dense, X_data, X_indices, X_indptr, n_samples, sw, means, feats, out, buf):
    """out[a, b] = (1/n) sum_i s_i (X[i, fa] - m_fa)(X[i, fb] - m_fb) for fa, fb in ``feats``.

    ``buf``: n floats of scratch (zero on entry and on exit). Sparse columns
    are scattered one at a time into ``buf`` (weighted), dotted with the
    others, then cleared: O(k nnz) for k columns, nothing densified but one
    column. Uses sum_i s_i = n: the centred product is the raw one minus m_a m_b.
    """
    n = float(n_samples)
    k = feats.shape[0]
    for a in range(k):
        fa = feats[a]
        if X_dense.ndim == 1:
            for p in range(X_indptr[fa], X_indptr[fa + 1]):
                buf[X_indices[p]] = sw[X_indices[p]] * X_data[p]
        else:
            for i in range(X_dense.shape[0]):
                buf[i] = sw[i] * X_dense[i, fa]
        for c in range(a, k):
            fc = feats[c]
            v = col_dot(X_dense, X_data, X_indices, X_indptr, fc, buf) / n - means[fa] * means[fc]
            out[a, c] = v
            out[c, a] = v
        if X_dense.ndim == 1:
            for p in range(X_indptr[fa], X_indptr[fa + 1]):
                buf[X_indices[p]] = 0.0
        else:
            for i in range(X_dense.shape[0]):
                buf[i] = 0.0


@njit(cache=True, nogil=True)
def _group_violation(w, grad, vscale, feats, thr):
    """Distance from -g_g to the subdifferential of thr ||.|| at w_g, each
    component multiplied by ``vscale`` (the certificate's common units)."""
    k = feats.shape[0]
    nw = 0.0
    ng = 0.0
    for a in range(k):
        nw += w[feats[a]] * w[feats[a]]
        ng += grad[a] * grad[a]
    nw = np.sqrt(nw)
    ng = np.sqrt(ng)
    acc = 0.0
    if nw == 0.0:
        if ng <= thr:
            return 0.0
        shrink = 1.0 - thr / ng
        for a in range(k):
            d = grad[a] * shrink * vscale[feats[a]]
            acc += d * d
    else:
        for a in range(k):
            d = (grad[a] + thr * w[feats[a]] / nw) * vscale[feats[a]]
            acc += d * d
    return np.sqrt(acc)


@njit(cache=True, nogil=True)
def _group_step(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means,
                vscale, feats, thr, lip, buf):
    """One block step on the group ``feats`` (threshold ``thr`` = alpha c_g,
    Lipschitz constant ``lip``); returns (its violation before the step, b)."""
    n = float(n_samples)
    k = feats.shape[0]
    if lip == 0.0:
        # every column constant after centring: the datafit ignores the
        # group, so a penalized one belongs at 0
        for a in range(k):
            j = feats[a]
            if w[j] != 0.0 and thr > 0.0:
                _residual_update(X_dense, X_data, X_indices, X_indptr, j, -w[j], sw_r, sw)
                b += w[j] * means[j]
                w[j] = 0.0
        return 0.0, b
    grad = buf[:k]
    for a in range(k):
        j = feats[a]
        grad[a] = -col_dot_fast(X_dense, X_data, X_indices, X_indptr, j, sw_r) / n + b * means[j]
    v = _group_violation(w, grad, vscale, feats, thr)
    nz = 0.0
    for a in range(k):
        z = w[feats[a]] - grad[a] / lip
        grad[a] = z  # the buffer now holds the gradient step
        nz += z * z
    nz = np.sqrt(nz)
    scale = 0.0
    if nz > 0.0:
        scale = max(0.0, 1.0 - thr / (lip * nz))
    for a in range(k):
        j = feats[a]
        delta = scale * grad[a] - w[j]
        if delta != 0.0:
            _residual_update(X_dense, X_data, X_indices, X_indptr, j, delta, sw_r, sw)
            b -= delta * means[j]
            w[j] += delta
    return v, b


@njit(cache=True, nogil=True)
def group_bcd_epoch(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means,
                    vscale, grp_ptr, grp_idx, ws_groups, thr_g, lip_g, buf):
    """One cyclic pass over the groups ``ws_groups``; returns (cheap bound, b).

    The cheap bound is the largest group violation measured just before
    each group's own step (free: the step needs the gradient anyway).
    ``thr_g`` = alpha c_g per group; ``buf`` holds the largest group's size.
    """
    cheap = 0.0
    for gg in range(ws_groups.shape[0]):
        g = ws_groups[gg]
        feats = grp_idx[grp_ptr[g]:grp_ptr[g + 1]]
        v, b = _group_step(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b,
                           means, vscale, feats, thr_g[g], lip_g[g], buf)
        if v > cheap:
            cheap = v
    return cheap, b


@njit(cache=True, nogil=True)
def group_bcd_epochs(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means,
                     vscale, grp_ptr, grp_idx, ws_groups, thr_g, lip_g, max_epochs, tol, buf):
    """Epochs of :func:`group_bcd_epoch` until the cheap bound is <= ``tol``
    or ``max_epochs``; returns (epochs run, last cheap bound, b)."""
    cheap = np.inf
    ep = 0
    while ep < max_epochs:
        cheap, b = group_bcd_epoch(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw,
                                   w, b, means, vscale, grp_ptr, grp_idx, ws_groups, thr_g,
                                   lip_g, buf)
        ep += 1
        if cheap <= tol:
            break
    return ep, cheap, b
