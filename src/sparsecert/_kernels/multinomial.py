r"""Block coordinate descent for multinomial (softmax) logistic regression.

K classes, W kept feature-major here ((p, K) C-ordered: feature j's block
``W[j, :]`` is contiguous; the estimator reports scikit-learn's (K, p)
``coef_``) and intercepts b (K,). The state is the linear predictor
``Z = X W^T + b`` (n, K) and the weighted residual ``SR[i, k] = s_i (P_ik -
Y_ik)``, P the softmax of Z's rows and Y the one-hot labels, both C-ordered
(one contiguous row per sample, the K values a step touches together). The
gradient of feature j is g_j = (1/n) sum_i x_ij SR[i, :] (a K-vector).

Majorization: the datafit's Hessian block of feature j is
(1/n) sum_i s_i x_ij^2 (diag(p_i) - p_i p_i^T), whose largest eigenvalue is
at most (1/2n) sum_i s_i x_ij^2 = ``lip[j]`` at every point (the largest
eigenvalue of diag(p) - p p^T is <= 1/2 for any p in the simplex). So the
step that minimizes g_j^T d + (lip/2) ||d||^2 + penalty(W_j + d) decreases
the objective:

* per coefficient (L1, elastic net; ``grouped`` False):
  W_kj <- ST(lip W_kj - g_kj, thr_j) / (lip + l2_j), ST the soft-threshold;
* grouped over the classes (``grouped`` True):
  W_j <- BST(lip W_j - g_j, thr_j) / (lip + l2_j),
  BST(z, t) = max(0, 1 - t / ||z||_2) z,

with thr_j = alpha rho c_j and l2_j = alpha (1 - rho) c_j. The intercepts
are unpenalized; their Hessian (1/n) sum_i s_i (diag(p_i) - p_i p_i^T) is
<= I/2, so b <- b - 2 dF/db decreases the objective too. dF/db sums to zero
over the classes, so that step keeps sum_k b_k as it was (0 from the
solver's start). The layout (dense Fortran-ordered or CSC) is chosen by
``X_dense.ndim`` at compile time, as in :mod:`sparsecert._kernels.datafit`.
These majorized epochs are the solver's fallback; its default rounds are
:mod:`sparsecert._kernels.multinomial_newton`'s proximal Newton iterations.
"""

import numpy as np

from ._flags import inner, njit


@inner(cache=True, nogil=True)
def softmax_exp(Z, i, out):
    """out[i, k] = exp(Z[i, k] - m) with m = max_k Z[i, k] (no overflow);
    returns (m, sum_k out[i, k])."""
    K = Z.shape[1]
    m = Z[i, 0]
    for k in range(1, K):
        if Z[i, k] > m:
            m = Z[i, k]
    tot = 0.0
    for k in range(K):
        e = np.exp(Z[i, k] - m)
        out[i, k] = e
        tot += e
    return m, tot


@inner(cache=True, nogil=True)
def softmax_row(Z, SR, yi, sw, i):
    """SR[i, :] = s_i (softmax(Z[i, :]) - e_{y_i}), without overflow."""
    K = Z.shape[1]
    _, tot = softmax_exp(Z, i, SR)
    s = sw[i] / tot
    for k in range(K):
        SR[i, k] *= s
    SR[i, yi[i]] -= sw[i]


@njit(cache=True, nogil=True)
def multinomial_state(Z, SR, yi, sw):
    """SR from Z, every row (after Z was computed from scratch)."""
    for i in range(Z.shape[0]):
        softmax_row(Z, SR, yi, sw, i)


@inner(cache=True, nogil=True)
def _block_gradient(X_dense, X_data, X_indices, X_indptr, n_samples, SR, j, g):
    """g = (1/n) X_j^T SR (K values)."""
    K = SR.shape[1]
    for k in range(K):
        g[k] = 0.0
    if X_dense.ndim == 1:
        for kk in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[kk]
            x = X_data[kk]
            for k in range(K):
                g[k] += x * SR[i, k]
    else:
        for i in range(X_dense.shape[0]):
            x = X_dense[i, j]
            if x != 0.0:
                for k in range(K):
                    g[k] += x * SR[i, k]
    for k in range(K):
        g[k] /= n_samples


@inner(cache=True, nogil=True)
def _block_update(X_dense, X_data, X_indices, X_indptr, Z, SR, yi, sw, j, delta):
    """Z += X_j delta^T on the rows where X_j is nonzero, and their SR."""
    K = Z.shape[1]
    if X_dense.ndim == 1:
        for kk in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[kk]
            x = X_data[kk]
            for k in range(K):
                Z[i, k] += x * delta[k]
            softmax_row(Z, SR, yi, sw, i)
    else:
        for i in range(X_dense.shape[0]):
            x = X_dense[i, j]
            if x != 0.0:
                for k in range(K):
                    Z[i, k] += x * delta[k]
                softmax_row(Z, SR, yi, sw, i)


@inner(cache=True, nogil=True)
def block_violation(g, Wj, thr, l2, grouped):
    """Distance from -g to the subdifferential of the feature's penalty term at
    W_j: the largest over the classes per coefficient (L1, elastic net), the
    Euclidean one for the grouped penalty. Unscaled."""
    K = g.shape[0]
    if grouped:
        nw = 0.0
        ng = 0.0
        for k in range(K):
            nw += Wj[k] * Wj[k]
            ng += g[k] * g[k]
        nw = np.sqrt(nw)
        if nw == 0.0:
            return max(np.sqrt(ng) - thr, 0.0)
        acc = 0.0
        for k in range(K):
            d = g[k] + (thr / nw + l2) * Wj[k]
            acc += d * d
        return np.sqrt(acc)
    worst = 0.0
    for k in range(K):
        w = Wj[k]
        if w == 0.0:
            v = abs(g[k]) - thr
        elif w > 0.0:
            v = abs(g[k] + thr + l2 * w)
        else:
            v = abs(g[k] - thr + l2 * w)
        if v > worst:
            worst = v
    return worst


@inner(cache=True, nogil=True)
def _mn_step(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, W, j, thr,
             l2, lip, grouped, g, delta):
    """One majorized block step on feature j; returns its violation (unscaled)
    measured before the step."""
    K = W.shape[1]
    _block_gradient(X_dense, X_data, X_indices, X_indptr, n_samples, SR, j, g)
    v = block_violation(g, W[j], thr, l2, grouped)
    if lip == 0.0:
        # an all-zero column: the datafit ignores it, the penalty wants 0
        if thr > 0.0 or l2 > 0.0:
            for k in range(K):
                W[j, k] = 0.0
        return v
    denom = lip + l2
    moved = False
    if grouped:
        nz = 0.0
        for k in range(K):
            z = lip * W[j, k] - g[k]
            delta[k] = z
            nz += z * z
        nz = np.sqrt(nz)
        scale = max(0.0, 1.0 - thr / nz) / denom if nz > 0.0 else 0.0
        for k in range(K):
            d = scale * delta[k] - W[j, k]
            delta[k] = d
            if d != 0.0:
                moved = True
    else:
        for k in range(K):
            z = lip * W[j, k] - g[k]
            a = abs(z) - thr
            new = 0.0
            if a > 0.0:
                new = (a if z > 0.0 else -a) / denom
            d = new - W[j, k]
            delta[k] = d
            if d != 0.0:
                moved = True
    if moved:
        for k in range(K):
            W[j, k] += delta[k]
        _block_update(X_dense, X_data, X_indices, X_indptr, Z, SR, yi, sw, j, delta)
    return v


@inner(cache=True, nogil=True)
def intercept_step(n_samples, Z, SR, yi, sw, b, gb):
    """b <- b - 2 dF/db (a valid majorization step: the intercepts' Hessian is
    <= I/2), Z and SR updated on every row; returns ||dF/db||_2 before it."""
    n, K = Z.shape
    for k in range(K):
        gb[k] = 0.0
    for i in range(n):
        for k in range(K):
            gb[k] += SR[i, k]
    norm = 0.0
    for k in range(K):
        gb[k] /= n_samples
        norm += gb[k] * gb[k]
    if norm == 0.0:
        return 0.0
    for k in range(K):
        gb[k] = -2.0 * gb[k]
        b[k] += gb[k]
    for i in range(n):
        for k in range(K):
            Z[i, k] += gb[k]
        softmax_row(Z, SR, yi, sw, i)
    return np.sqrt(norm)


@njit(cache=True, nogil=True)
def mn_bcd_epochs(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, W, b,
                  fit_intercept, vscale, b_scale, ws, thr, l2, lip, grouped, max_epochs, tol,
                  g, delta):
    """Cyclic epochs over the features ``ws`` (one block step each, then one
    intercept step) until the cheap bound (the largest violation measured
    just before each block's own step, in the certificate's units: times
    ``vscale[j]``, the intercept's times ``b_scale``) is <= ``tol``, or
    ``max_epochs``; returns (epochs run, last cheap bound). ``W`` (p, K),
    ``b`` (K,), ``Z`` and ``SR`` (n, K) are updated in place; ``thr``,
    ``l2`` and ``lip`` per feature; ``g`` and ``delta`` K floats of scratch."""
    cheap = np.inf
    ep = 0
    while ep < max_epochs:
        cheap = 0.0
        for jj in range(ws.shape[0]):
            j = ws[jj]
            v = _mn_step(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, W,
                         j, thr[j], l2[j], lip[j], grouped, g, delta) * vscale[j]
            if v > cheap:
                cheap = v
        if fit_intercept:
            v = intercept_step(n_samples, Z, SR, yi, sw, b, g) * b_scale
            if v > cheap:
                cheap = v
        ep += 1
        if cheap <= tol:
            break
    return ep, cheap
