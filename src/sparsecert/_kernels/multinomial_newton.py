r"""Proximal Newton for multinomial (softmax) logistic regression.

One iteration at (W, b): the quadratic model of the datafit,

    q(D) = <G, D> + <g_b, D_b> + (1/2n) sum_i s_i dz_i^T (diag(p_i) - p_i p_i^T) dz_i,

dz_i = sum_j x_ij D_j + D_b, plus the penalty at W + D, is minimized over the
working set's blocks and the intercepts by coordinate descent (per
coefficient with the exact diagonal curvature (1/n) sum_i s_i x_ij^2
p_ik (1 - p_ik) for L1 / elastic net; per block with the largest
eigenvalue of the block's model Hessian (1/n) sum_i s_i x_ij^2
(diag(p_i) - p_i p_i^T) for the grouped penalty, an exact majorizer of the
model's block; per intercept with its exact curvature), then a backtracking
line search on the true objective (Armijo) takes t D. The model's
gradient at D needs H_i dz_i = p_i * (dz_i - a_i), a_i = p_i . dz_i, kept
per row (DZ (n, K) and a (n,)).

The layout (dense Fortran-ordered or CSC) is chosen by ``X_dense.ndim``
at compile time, as everywhere; the state (Z, SR) is
:mod:`sparsecert._kernels.multinomial`'s.
"""

import numpy as np

from ._flags import inner, njit
from .multinomial import _block_gradient, block_violation, softmax_exp, softmax_row


@inner(cache=True, nogil=True)
def _probabilities(Z, P, ell, yi):
    """P = softmax rows of Z, ell_i = lse(z_i) - z_{i,y_i}."""
    n, K = Z.shape
    for i in range(n):
        m, tot = softmax_exp(Z, i, P)
        for k in range(K):
            P[i, k] /= tot
        ell[i] = m + np.log(tot) - Z[i, yi[i]]


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
def _curvatures(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, j, grouped, Hm, out):
    """Feature j's curvature in the model: per class the diagonal entry
    (1/n) sum_i s_i x_ij^2 p_ik (1 - p_ik); grouped, the largest eigenvalue of
    the block Hessian Hm = (1/n) sum_i s_i x_ij^2 (diag(p_i) - p_i p_i^T) (K x K,
    LAPACK), in every entry: the tightest isotropic bound of the block."""
    K = P.shape[1]
    for k in range(K):
        out[k] = 0.0
        if grouped:
            for m in range(K):
                Hm[k, m] = 0.0
    if X_dense.ndim == 1:
        for kk in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[kk]
            _add_curvature(sw[i] * X_data[kk] * X_data[kk], P, i, grouped, Hm, out)
    else:
        for i in range(X_dense.shape[0]):
            x = X_dense[i, j]
            if x != 0.0:
                _add_curvature(sw[i] * x * x, P, i, grouped, Hm, out)
    if grouped:
        lam = np.linalg.eigvalsh(Hm)[K - 1] / n_samples
        for k in range(K):
            out[k] = max(lam, 0.0)
    else:
        for k in range(K):
            out[k] /= n_samples


@inner(cache=True, nogil=True)
def _add_curvature(x2, P, i, grouped, Hm, out):
    """Row i's share of :func:`_curvatures`, weighted by x2 = s_i x_ij^2."""
    K = P.shape[1]
    for k in range(K):
        pk = P[i, k]
        if grouped:
            Hm[k, k] += x2 * pk
            for m in range(K):
                Hm[k, m] -= x2 * pk * P[i, m]
        else:
            out[k] += x2 * pk * (1.0 - pk)


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
def _pn_setup(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, fit_intercept,
              ws, grouped, P, ell, DZ, a, G, Hd, Hm, Dlt, gb, hb, Dbs, gq):
    """The model at the current point: P, the working set's gradients and
    curvatures, the intercepts' gradient and curvature, a zero step."""
    n, K = Z.shape
    _probabilities(Z, P, ell, yi)
    for jj in range(ws.shape[0]):
        j = ws[jj]
        _block_gradient(X_dense, X_data, X_indices, X_indptr, n_samples, SR, j, gq)
        _curvatures(X_dense, X_data, X_indices, X_indptr, n_samples, sw, P, j, grouped, Hm,
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


@inner(cache=True, nogil=True)
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
                 max_inner, P, ell, DZ, a, G, Hd, Hm, Dlt, gb, hb, Dbs, gq, wj):
    """One proximal Newton iteration on the features ``ws`` and the intercepts
    (see above): CD epochs on the model until the largest violation of its
    optimality (measured before each step, in the certificate's units) is
    <= ``inner_tol`` or ``max_inner`` epochs, then the line search. Updates
    W (p, K), b, Z and SR in place. Returns (inner epochs, step t, 1 if no
    step along the direction decreased the objective else 0). Scratch: P,
    DZ (n, K), ell, a (n,), G, Hd, Dlt (p, K) (the rows of ``ws`` are
    used), Hm (K, K), gb, hb, Dbs, gq, wj (K,)."""
    _pn_setup(X_dense, X_data, X_indices, X_indptr, n_samples, Z, SR, yi, sw, fit_intercept,
              ws, grouped, P, ell, DZ, a, G, Hd, Hm, Dlt, gb, hb, Dbs, gq)
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
