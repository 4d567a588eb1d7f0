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
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def softmax_row(Z, SR, yi, sw, i):
    """SR[i, :] = s_i (softmax(Z[i, :]) - e_{y_i}), without overflow."""
    K = Z.shape[1]
    m = Z[i, 0]
    for k in range(1, K):
        if Z[i, k] > m:
            m = Z[i, k]
    tot = 0.0
    for k in range(K):
        e = np.exp(Z[i, k] - m)
        SR[i, k] = e
        tot += e
    s = sw[i] / tot
    for k in range(K):
        SR[i, k] *= s
    SR[i, yi[i]] -= sw[i]


@njit(cache=True, nogil=True)
def multinomial_state(Z, SR, yi, sw):
    """SR from Z, every row (after Z was computed from scratch)."""
    for i in range(Z.shape[0]):
        softmax_row(Z, SR, yi, sw, i)


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
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


# ---------------------------------------------------------------- proximal Newton
#
# One iteration at (W, b): the quadratic model of the datafit,
#
#     q(D) = <G, D> + <g_b, D_b> + (1/2n) sum_i s_i dz_i^T (diag(p_i) - p_i p_i^T) dz_i,
#
# dz_i = sum_j x_ij D_j + D_b, plus the penalty at W + D, is minimized over the
# working set's blocks and the intercepts by coordinate descent (per
# coefficient with the exact diagonal curvature (1/n) sum_i s_i x_ij^2
# p_ik (1 - p_ik) for L1 / elastic net; per block with the bound
# (1/n) sum_i s_i x_ij^2 c_i, c_i = 2 max_k p_ik (1 - p_ik) >= the largest
# eigenvalue of diag(p_i) - p_i p_i^T (Gershgorin), for the grouped
# penalty; per intercept with its exact curvature), then a backtracking
# line search on the true objective (Armijo) takes t D. The model's
# gradient at D needs H_i dz_i = p_i * (dz_i - a_i), a_i = p_i . dz_i, kept
# per row (DZ (n, K) and a (n,)).


@njit(cache=True, nogil=True)
def _probabilities(Z, P, curv, ell, yi):
    """P = softmax rows of Z, curv_i = 2 max_k p_ik (1 - p_ik), ell_i = lse(z_i) - z_{i,y_i}."""
    n, K = Z.shape
    for i in range(n):
        m = Z[i, 0]
        for k in range(1, K):
            if Z[i, k] > m:
                m = Z[i, k]
        tot = 0.0
        for k in range(K):
            e = np.exp(Z[i, k] - m)
            P[i, k] = e
            tot += e
        c = 0.0
        for k in range(K):
            P[i, k] /= tot
            v = 2.0 * P[i, k] * (1.0 - P[i, k])
            if v > c:
                c = v
        curv[i] = c
        ell[i] = m + np.log(tot) - Z[i, yi[i]]


@njit(cache=True, nogil=True)
def _loss_at(Z, DZ, t, sw, yi, n_samples):
    """(1/n) sum_i s_i [lse(z_i + t dz_i) - (z_i + t dz_i)_{y_i}]."""
    n, K = Z.shape
    acc = 0.0
    for i in range(n):
        if sw[i] == 0.0:
            continue
        m = Z[i, 0] + t * DZ[i, 0]
        for k in range(1, K):
            v = Z[i, k] + t * DZ[i, k]
            if v > m:
                m = v
        tot = 0.0
        for k in range(K):
            tot += np.exp(Z[i, k] + t * DZ[i, k] - m)
        acc += sw[i] * (m + np.log(tot) - (Z[i, yi[i]] + t * DZ[i, yi[i]]))
    return acc / n_samples


@njit(cache=True, nogil=True)
def _penalty_block(Wj, thr, l2, grouped):
    """The penalty's term of one feature at the K values Wj."""
    K = Wj.shape[0]
    if grouped:
        s2 = 0.0
        for k in range(K):
            s2 += Wj[k] * Wj[k]
        return thr * np.sqrt(s2) + 0.5 * l2 * s2
    acc = 0.0
    for k in range(K):
        acc += thr * abs(Wj[k]) + 0.5 * l2 * Wj[k] * Wj[k]
    return acc


@njit(cache=True, nogil=True)
def _model_gradient(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, DZ, a, G, j,
                    out):
    """out = G[:, j] + (1/n) sum_i s_i x_ij p_i * (dz_i - a_i): q's gradient at block j."""
    K = P.shape[1]
    for k in range(K):
        out[k] = 0.0
    if X_dense.ndim == 1:
        for kk in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[kk]
            x = sw[i] * X_data[kk]
            for k in range(K):
                out[k] += x * P[i, k] * (DZ[i, k] - a[i])
    else:
        for i in range(X_dense.shape[0]):
            x = sw[i] * X_dense[i, j]
            if x != 0.0:
                for k in range(K):
                    out[k] += x * P[i, k] * (DZ[i, k] - a[i])
    for k in range(K):
        out[k] = G[j, k] + out[k] / n_samples


@njit(cache=True, nogil=True)
def _model_update(X_dense, X_data, X_indices, X_indptr, P, DZ, a, j, d):
    """DZ += X_j d^T and a_i += x_ij p_i . d on the rows of X_j."""
    K = P.shape[1]
    if X_dense.ndim == 1:
        for kk in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[kk]
            x = X_data[kk]
            for k in range(K):
                DZ[i, k] += x * d[k]
                a[i] += x * P[i, k] * d[k]
    else:
        for i in range(X_dense.shape[0]):
            x = X_dense[i, j]
            if x != 0.0:
                for k in range(K):
                    DZ[i, k] += x * d[k]
                    a[i] += x * P[i, k] * d[k]


@njit(cache=True, nogil=True)
def _curvatures(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, curv, j, grouped,
                out):
    """Feature j's curvature: per class (1/n) sum s x^2 p (1 - p), or the block bound
    (1/n) sum s x^2 curv in every entry."""
    K = P.shape[1]
    for k in range(K):
        out[k] = 0.0
    if X_dense.ndim == 1:
        for kk in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[kk]
            x2 = sw[i] * X_data[kk] * X_data[kk]
            if grouped:
                out[0] += x2 * curv[i]
            else:
                for k in range(K):
                    out[k] += x2 * P[i, k] * (1.0 - P[i, k])
    else:
        for i in range(X_dense.shape[0]):
            x = X_dense[i, j]
            if x != 0.0:
                x2 = sw[i] * x * x
                if grouped:
                    out[0] += x2 * curv[i]
                else:
                    for k in range(K):
                        out[k] += x2 * P[i, k] * (1.0 - P[i, k])
    for k in range(K):
        if grouped:
            out[k] = out[0] / n_samples if k > 0 else out[0]
        else:
            out[k] /= n_samples
    if grouped:
        out[0] /= n_samples


@njit(cache=True, nogil=True)
def _inner_block(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, DZ, a, G, W, Dlt,
                 Hd, vscale_j, j, thr, l2, grouped, gq, wj):
    """One CD step of the model on block j; returns its violation before it."""
    K = P.shape[1]
    _model_gradient(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, DZ, a, G, j, gq)
    for k in range(K):
        wj[k] = W[j, k] + Dlt[j, k]  # the block's point in the model
    v = block_violation(gq, wj, thr, l2, grouped) * vscale_j
    moved = False
    if grouped:
        h = Hd[j, 0]
        if h > 0.0:
            nz = 0.0
            for k in range(K):
                z = h * wj[k] - gq[k]
                gq[k] = z
                nz += z * z
            nz = np.sqrt(nz)
            scale = max(0.0, 1.0 - thr / nz) / (h + l2) if nz > 0.0 else 0.0
            for k in range(K):
                gq[k] = scale * gq[k] - wj[k]
                if gq[k] != 0.0:
                    moved = True
        else:
            for k in range(K):
                gq[k] = 0.0
    else:
        for k in range(K):
            h = Hd[j, k]
            d = 0.0
            if h > 0.0:
                z = h * wj[k] - gq[k]
                r = abs(z) - thr
                new = 0.0
                if r > 0.0:
                    new = (r if z > 0.0 else -r) / (h + l2)
                d = new - wj[k]
            gq[k] = d
            if d != 0.0:
                moved = True
    if moved:
        for k in range(K):
            Dlt[j, k] += gq[k]
        _model_update(X_dense, X_data, X_indices, X_indptr, P, DZ, a, j, gq)
    return v


@njit(cache=True, nogil=True)
def _inner_intercepts(n_samples, sw, P, DZ, a, gb, hb, Dbs, gq):
    """One exact step of the model per intercept; returns ||model dF/db|| before."""
    n, K = DZ.shape
    for k in range(K):
        gq[k] = 0.0
    for i in range(n):
        for k in range(K):
            gq[k] += sw[i] * P[i, k] * (DZ[i, k] - a[i])
    norm = 0.0
    for k in range(K):
        gq[k] = gb[k] + gq[k] / n_samples
        norm += gq[k] * gq[k]
    for k in range(K):
        if hb[k] > 0.0:
            # the model's gradient in class k, recomputed after the previous
            # classes' steps moved a
            g = gb[k]
            acc = 0.0
            for i in range(n):
                acc += sw[i] * P[i, k] * (DZ[i, k] - a[i])
            g += acc / n_samples
            d = -g / hb[k]
            Dbs[k] += d
            for i in range(n):
                DZ[i, k] += d
                a[i] += P[i, k] * d
    return np.sqrt(norm)


@njit(cache=True, nogil=True)
def _pn_setup(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, fit_intercept,
              ws, grouped, P, curv, ell, DZ, a, G, Hd, Dlt, gb, hb, Dbs, gq):
    """The model at the current point: P, the working set's gradients and
    curvatures, the intercepts' gradient and curvature, a zero step."""
    n, K = Z.shape
    _probabilities(Z, P, curv, ell, yi)
    for jj in range(ws.shape[0]):
        j = ws[jj]
        _block_gradient(X_dense, X_data, X_indices, X_indptr, n_samples, SR, j, gq)
        _curvatures(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, curv, j, grouped,
                    Hd[j])
        for k in range(K):
            G[j, k] = gq[k]
            Dlt[j, k] = 0.0
    for k in range(K):
        gb[k] = 0.0
        hb[k] = 0.0
        Dbs[k] = 0.0
    if fit_intercept:
        for i in range(n):
            for k in range(K):
                gb[k] += SR[i, k]
                hb[k] += sw[i] * P[i, k] * (1.0 - P[i, k])
        for k in range(K):
            gb[k] /= n_samples
            hb[k] /= n_samples
    for i in range(n):
        a[i] = 0.0
        for k in range(K):
            DZ[i, k] = 0.0


@njit(cache=True, nogil=True)
def _pn_line_search(n_samples, Z, SR, yi, sw, W, b, ws, thr, l2, grouped, ell, DZ, G, Dlt,
                    gb, Dbs, wj):
    """Armijo backtracking along (Dlt, Dbs) from (W, b), applied when found.
    Returns (t, 1 if no step decreased the objective else 0); t = 0 without
    a direction."""
    n, K = Z.shape
    nws = ws.shape[0]
    dec = 0.0  # the decrease the model promises: Armijo's reference
    pen0 = 0.0
    moved = False
    for jj in range(nws):
        j = ws[jj]
        for k in range(K):
            dec += G[j, k] * Dlt[j, k]
            wj[k] = W[j, k] + Dlt[j, k]
            if Dlt[j, k] != 0.0:
                moved = True
        p0 = _penalty_block(W[j], thr[j], l2[j], grouped)
        pen0 += p0
        dec += _penalty_block(wj, thr[j], l2[j], grouped) - p0
    for k in range(K):
        dec += gb[k] * Dbs[k]
        if Dbs[k] != 0.0:
            moved = True
    if not moved:
        return 0.0, 0
    if not dec < 0.0:
        return 0.0, 1
    obj0 = 0.0
    for i in range(n):
        obj0 += sw[i] * ell[i]
    obj0 = obj0 / n_samples + pen0
    slack = 4.0 * 2.220446049250313e-16 * abs(obj0)
    t = 1.0
    for _ in range(40):
        pen_t = 0.0
        for jj in range(nws):
            j = ws[jj]
            for k in range(K):
                wj[k] = W[j, k] + t * Dlt[j, k]
            pen_t += _penalty_block(wj, thr[j], l2[j], grouped)
        if _loss_at(Z, DZ, t, sw, yi, n_samples) + pen_t <= obj0 + 1e-4 * t * dec + slack:
            for jj in range(nws):
                j = ws[jj]
                for k in range(K):
                    W[j, k] += t * Dlt[j, k]
            for k in range(K):
                b[k] += t * Dbs[k]
            for i in range(n):
                for k in range(K):
                    Z[i, k] += t * DZ[i, k]
                softmax_row(Z, SR, yi, sw, i)
            return t, 0
        t *= 0.5
    return 0.0, 1


@njit(cache=True, nogil=True)
def pn_iteration(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, W, b,
                 fit_intercept, vscale, b_scale, ws, thr, l2, grouped, inner_tol,
                 max_inner, P, curv, ell, DZ, a, G, Hd, Dlt, gb, hb, Dbs, gq, wj):
    """One proximal Newton iteration on the features ``ws`` and the intercepts
    (see above): CD epochs on the model until the largest violation of its
    optimality (measured before each step, in the certificate's units) is
    <= ``inner_tol`` or ``max_inner`` epochs, then the line search. Updates
    W (p, K), b, Z and SR in place. Returns (inner epochs, step t, 1 if no
    step along the direction decreased the objective else 0). Scratch: P,
    DZ (n, K), curv, ell, a (n,), G, Hd, Dlt (p, K) (the rows of ``ws`` are
    used), gb, hb, Dbs, gq, wj (K,)."""
    _pn_setup(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, fit_intercept,
              ws, grouped, P, curv, ell, DZ, a, G, Hd, Dlt, gb, hb, Dbs, gq)
    ep = 0
    while ep < max_inner:
        worst = 0.0
        for jj in range(ws.shape[0]):
            j = ws[jj]
            v = _inner_block(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, DZ, a, G,
                             W, Dlt, Hd, vscale[j], j, thr[j], l2[j], grouped, gq, wj)
            if v > worst:
                worst = v
        if fit_intercept:
            v = _inner_intercepts(n_samples, sw, P, DZ, a, gb, hb, Dbs, gq) * b_scale
            if v > worst:
                worst = v
        ep += 1
        if worst <= inner_tol:
            break
    t, stalled = _pn_line_search(n_samples, Z, SR, yi, sw, W, b, ws, thr, l2, grouped, ell, DZ,
                                 G, Dlt, gb, Dbs, wj)
    return ep, t, stalled
