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

The sparse-group lasso adds an L1 part alpha rho c_g ||w_g||_1 (threshold
``thr1`` = alpha rho c_g beside the group threshold ``thr`` = alpha (1 - rho)
c_g): its block prox is exact, soft-thresholding each coordinate by
thr1 / L_g and then block soft-thresholding by thr / L_g. With thr1 = 0
the soft-thresholding is skipped, so the group lasso runs the same
arithmetic as before.

The logistic datafit (:func:`group_logistic_epochs`) keeps the linear
predictor z = X w + b and the loss derivative u = f'(z) instead of the
residual; its intercept is a free variable stepped once per epoch, and
L_g is (1/4) the largest eigenvalue of the uncentred weighted Gram matrix.
"""

import numpy as np

from ._flags import inner, njit
from .cd import _residual_update
from .datafit import col_axpy, col_dot, col_dot_fast, log1pexp, sigmoid


@inner(cache=True, nogil=True)
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
def group_members(grp_ptr, grp_idx, groups):
    """The features of ``groups``, group after group (their index ranges of
    ``grp_idx`` concatenated)."""
    total = 0
    for q in range(groups.shape[0]):
        total += grp_ptr[groups[q] + 1] - grp_ptr[groups[q]]
    out = np.empty(total, dtype=np.int64)
    at = 0
    for q in range(groups.shape[0]):
        for k in range(grp_ptr[groups[q]], grp_ptr[groups[q] + 1]):
            out[at] = grp_idx[k]
            at += 1
    return out


@njit(cache=True, nogil=True)
def group_grams(X_dense, X_data, X_indices, X_indptr, n_samples, sw, means, lipschitz, grp_ptr,
                grp_idx, groups, exact_max, out):
    """What the group Lipschitz constants of ``groups`` need, in one call:
    out[g] = lipschitz[j] for a group of one feature j, and :func:`group_gram`
    for each group of 2 to ``exact_max`` features. Returns (those groups,
    ordered by size (stably), their sizes k, their Gram matrices one after
    the other (row-major, the q-th at offset sum_{r<q} k_r^2), and the
    groups of more than ``exact_max`` features)."""
    sizes = np.empty(groups.shape[0], dtype=np.int64)
    for q in range(groups.shape[0]):
        sizes[q] = grp_ptr[groups[q] + 1] - grp_ptr[groups[q]]
        if sizes[q] == 1:
            out[groups[q]] = lipschitz[grp_idx[grp_ptr[groups[q]]]]
    keep = np.flatnonzero((sizes > 1) & (sizes <= exact_max))
    keep = keep[np.argsort(sizes[keep], kind="mergesort")]
    total = 0
    for q in keep:
        total += sizes[q] * sizes[q]
    grams = np.empty(total)
    buf = np.zeros(n_samples)
    at = 0
    for q in keep:
        k = sizes[q]
        feats = grp_idx[grp_ptr[groups[q]]:grp_ptr[groups[q] + 1]]
        group_gram(X_dense, X_data, X_indices, X_indptr, n_samples, sw, means, feats,
                   grams[at:at + k * k].reshape((k, k)), buf)
        at += k * k
    return groups[keep], sizes[keep], grams, groups[sizes > exact_max]


@njit(cache=True, nogil=True, inline="always")
def _soft(x, t):
    """sign(x) max(0, |x| - t)."""
    if x > t:
        return x - t
    if x < -t:
        return x + t
    return 0.0


@inner(cache=True, nogil=True)
def _group_violation(w, grad, vscale, feats, thr, thr1):
    """Distance from -g_g to the subdifferential of thr ||.||_2 + thr1 ||.||_1
    at w_g, each component multiplied by ``vscale`` (the certificate's
    common units). At w_g = 0 that subdifferential is the ball of radius
    thr plus the box [-thr1, thr1]^k, and the distance is
    max(0, ||S(g_g, thr1)|| - thr)."""
    k = feats.shape[0]
    nw = 0.0
    ng = 0.0
    for a in range(k):
        nw += w[feats[a]] * w[feats[a]]
        s = _soft(grad[a], thr1) if thr1 > 0.0 else grad[a]
        ng += s * s
    nw = np.sqrt(nw)
    ng = np.sqrt(ng)
    acc = 0.0
    if nw == 0.0:
        if ng <= thr:
            return 0.0
        shrink = 1.0 - thr / ng
        for a in range(k):
            s = _soft(grad[a], thr1) if thr1 > 0.0 else grad[a]
            d = s * shrink * vscale[feats[a]]
            acc += d * d
    else:
        for a in range(k):
            wj = w[feats[a]]
            if thr1 == 0.0:
                d = grad[a] + thr * wj / nw
            elif wj == 0.0:
                d = _soft(grad[a], thr1)
            else:
                d = grad[a] + thr * wj / nw + (thr1 if wj > 0.0 else -thr1)
            d *= vscale[feats[a]]
            acc += d * d
    return np.sqrt(acc)


@inner(cache=True, nogil=True)
def _block_prox(w, feats, step, thr, thr1, lip):
    """step[:k] <- prox of the group's penalty at the gradient step ``step``
    (w_g - g_g / L_g on entry): S(., thr1 / L) then BST(., thr / L)."""
    k = feats.shape[0]
    nz = 0.0
    for a in range(k):
        z = step[a]
        if thr1 > 0.0:
            z = _soft(z, thr1 / lip)
            step[a] = z
        nz += z * z
    nz = np.sqrt(nz)
    scale = 0.0
    if nz > 0.0:
        scale = max(0.0, 1.0 - thr / (lip * nz))
    for a in range(k):
        step[a] = scale * step[a]


@inner(cache=True, nogil=True)
def _group_step(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means,
                vscale, feats, thr, thr1, lip, buf):
    """One block step on the group ``feats`` (thresholds ``thr`` = alpha (1 - rho) c_g
    and ``thr1`` = alpha rho c_g, Lipschitz constant ``lip``); returns (its
    violation before the step, b)."""
    n = float(n_samples)
    k = feats.shape[0]
    if lip == 0.0:
        # every column constant after centring: the datafit ignores the
        # group, so a penalized one belongs at 0
        for a in range(k):
            j = feats[a]
            if w[j] != 0.0 and (thr > 0.0 or thr1 > 0.0):
                _residual_update(X_dense, X_data, X_indices, X_indptr, j, -w[j], sw_r, sw)
                b += w[j] * means[j]
                w[j] = 0.0
        return 0.0, b
    grad = buf[:k]
    for a in range(k):
        j = feats[a]
        grad[a] = -col_dot_fast(X_dense, X_data, X_indices, X_indptr, j, sw_r) / n + b * means[j]
    v = _group_violation(w, grad, vscale, feats, thr, thr1)
    for a in range(k):
        grad[a] = w[feats[a]] - grad[a] / lip  # the buffer now holds the gradient step
    _block_prox(w, feats, grad, thr, thr1, lip)
    for a in range(k):
        j = feats[a]
        delta = grad[a] - w[j]
        if delta != 0.0:
            _residual_update(X_dense, X_data, X_indices, X_indptr, j, delta, sw_r, sw)
            b -= delta * means[j]
            w[j] += delta
    return v, b


@inner(cache=True, nogil=True)
def group_bcd_epoch(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means,
                    vscale, grp_ptr, grp_idx, ws_groups, thr_g, thr1_g, lip_g, buf):
    """One cyclic pass over the groups ``ws_groups``; returns (cheap bound, b).

    The cheap bound is the largest group violation measured just before
    each group's own step (free: the step needs the gradient anyway).
    ``thr_g`` = alpha (1 - rho) c_g and ``thr1_g`` = alpha rho c_g per group
    (rho = 0 for the group lasso); ``buf`` holds the largest group's size.
    """
    cheap = 0.0
    for gg in range(ws_groups.shape[0]):
        g = ws_groups[gg]
        feats = grp_idx[grp_ptr[g]:grp_ptr[g + 1]]
        v, b = _group_step(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b,
                           means, vscale, feats, thr_g[g], thr1_g[g], lip_g[g], buf)
        if v > cheap:
            cheap = v
    return cheap, b


@njit(cache=True, nogil=True)
def group_bcd_epochs(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means,
                     vscale, grp_ptr, grp_idx, ws_groups, thr_g, thr1_g, lip_g, max_epochs, tol,
                     buf):
    """Epochs of :func:`group_bcd_epoch` until the cheap bound is <= ``tol``
    or ``max_epochs``; returns (epochs run, last cheap bound, b)."""
    cheap = np.inf
    ep = 0
    while ep < max_epochs:
        cheap, b = group_bcd_epoch(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw,
                                   w, b, means, vscale, grp_ptr, grp_idx, ws_groups, thr_g,
                                   thr1_g, lip_g, buf)
        ep += 1
        if cheap <= tol:
            break
    return ep, cheap, b


# ---------------------------------------------------------------------------
# logistic datafit


@inner(cache=True, nogil=True)
def _refresh_derivative(X_dense, X_data, X_indices, X_indptr, j, y, sw, z, u, n):
    """u_i = -s_i y_i sigmoid(-y_i z_i) / n on the rows of column j (all rows
    for a dense X; a sparse column's rows, some perhaps twice: idempotent)."""
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[k]
            u[i] = -sw[i] * y[i] * sigmoid(-y[i] * z[i]) / n
    else:
        for i in range(y.shape[0]):
            u[i] = -sw[i] * y[i] * sigmoid(-y[i] * z[i]) / n


@inner(cache=True, nogil=True)
def _logistic_group_step(X_dense, X_data, X_indices, X_indptr, y, sw, z, u, w, vscale,
                         feats, thr, thr1, lip, buf):
    """One block proximal-gradient step of the logistic datafit on ``feats``;
    returns its violation before the step. ``z`` and ``u`` follow."""
    n = float(y.shape[0])
    k = feats.shape[0]
    if lip == 0.0:
        # all-zero columns: the datafit ignores the group (z does not move)
        for a in range(k):
            if thr > 0.0 or thr1 > 0.0:
                w[feats[a]] = 0.0
        return 0.0
    grad = buf[:k]
    for a in range(k):
        grad[a] = col_dot_fast(X_dense, X_data, X_indices, X_indptr, feats[a], u)
    v = _group_violation(w, grad, vscale, feats, thr, thr1)
    for a in range(k):
        grad[a] = w[feats[a]] - grad[a] / lip
    _block_prox(w, feats, grad, thr, thr1, lip)
    moved = False
    for a in range(k):
        j = feats[a]
        delta = grad[a] - w[j]
        if delta != 0.0:
            col_axpy(X_dense, X_data, X_indices, X_indptr, j, delta, z)
            w[j] += delta
            moved = True
    if moved:
        if X_dense.ndim == 1:
            for a in range(k):
                _refresh_derivative(X_dense, X_data, X_indices, X_indptr, feats[a], y, sw, z,
                                    u, n)
        else:
            _refresh_derivative(X_dense, X_data, X_indices, X_indptr, feats[0], y, sw, z, u, n)
    return v


@inner(cache=True, nogil=True)
def logistic_intercept_step(y, sw, z, u, b):
    """A descent step on the intercept of the logistic loss; returns b.

    Newton's step -F'(b) / F''(b), halved while the loss does not drop, and
    never shorter than the gradient step -4 F'(b) (1/4 bounds F'', so that
    step always lowers the loss): the intercept settles in a few epochs
    where the fixed step 1/4 would crawl (a confident fit has F'' << 1/4).
    ``z`` and ``u`` follow.
    """
    n = float(y.shape[0])
    gb = 0.0
    hb = 0.0
    f0 = 0.0
    for i in range(y.shape[0]):
        gb += u[i]
        if sw[i] != 0.0:
            s = sigmoid(-y[i] * z[i])
            hb += sw[i] * s * (1.0 - s)
            f0 += sw[i] * log1pexp(-y[i] * z[i])
    hb /= n
    if gb == 0.0:
        return b
    short = 4.0 * abs(gb)
    step = abs(gb) / hb if hb > 0.0 else short
    if not step > short:
        step = short
    sgn = -1.0 if gb > 0.0 else 1.0
    while step > short:
        f = 0.0
        for i in range(y.shape[0]):
            if sw[i] != 0.0:
                f += sw[i] * log1pexp(-y[i] * (z[i] + sgn * step))
        if f < f0:
            break
        step = max(0.5 * step, short)
    d = sgn * step
    for i in range(y.shape[0]):
        z[i] += d
        u[i] = -sw[i] * y[i] * sigmoid(-y[i] * z[i]) / n
    return b + d


@njit(cache=True, nogil=True)
def group_logistic_epochs(X_dense, X_data, X_indices, X_indptr, y, sw, z, u, w, b,
                          fit_intercept, vscale, b_scale, grp_ptr, grp_idx, ws_groups, thr_g,
                          thr1_g, lip_g, max_epochs, tol, buf):
    """Epochs of block proximal-gradient steps for the logistic datafit.

    Each epoch steps every group of ``ws_groups`` (1 / L_g, L_g >= the
    block's curvature), then the intercept (:func:`logistic_intercept_step`).
    ``z`` = X w + b and ``u`` = f'(z) are updated in place. The cheap bound
    is the largest group violation just before its step, and |dF/db|
    x ``b_scale`` before the intercept's; stops when it is <= ``tol`` or
    after ``max_epochs``. Returns (epochs run, last cheap bound, b).
    """
    cheap = np.inf
    ep = 0
    while ep < max_epochs:
        cheap = 0.0
        for gg in range(ws_groups.shape[0]):
            g = ws_groups[gg]
            feats = grp_idx[grp_ptr[g]:grp_ptr[g + 1]]
            v = _logistic_group_step(X_dense, X_data, X_indices, X_indptr, y, sw, z, u, w,
                                     vscale, feats, thr_g[g], thr1_g[g], lip_g[g], buf)
            if v > cheap:
                cheap = v
        if fit_intercept:
            gb = 0.0
            for i in range(y.shape[0]):
                gb += u[i]
            if abs(gb) * b_scale > cheap:
                cheap = abs(gb) * b_scale
            b = logistic_intercept_step(y, sw, z, u, b)
        ep += 1
        if cheap <= tol:
            break
    return ep, cheap, b


# ---------------------------------------------------------------------------
# the sparse-group lasso's dual norm

# groups of up to this many features are sorted by insertion
_INSERTION_MAX = 16


@inner(cache=True, nogil=True)
def sgl_dual_norm(v, rho, buf):
    """N*(v) for N = (1 - rho) ||.||_2 + rho ||.||_1: the m >= 0 with
    ||S(v, rho m)||_2 = (1 - rho) m (``buf``: scratch of v's size).

    The left side falls and the right side grows with m, so the root is
    unique. Sorted decreasingly, |v| = a_1 >= a_2 >= ...; on the interval
    a_{k+1} <= rho m <= a_k exactly the top k coordinates pass the
    threshold and the equation is the quadratic
    sum_{i<=k} (a_i - rho m)^2 = (1 - rho)^2 m^2. The right k is the first
    for which the equation's two sides at m = a_{k+1} / rho are already in
    the root's order (the root lies above that breakpoint); the quadratic's
    root is then m = s2 / (rho s1 + sqrt((1 - rho)^2 s2 - rho^2 k M2)) with
    s1, s2 the sum and sum of squares of the top k and M2 their centred
    sum of squares (Welford), a form without the cancellation of the
    textbook formula.
    """
    k = v.shape[0]
    if rho == 0.0:
        acc = 0.0
        for a in range(k):
            acc += v[a] * v[a]
        return np.sqrt(acc)
    a_sorted = buf[:k]
    if k <= _INSERTION_MAX:
        # insertion sort: several times faster than the library sort on the
        # few entries of a typical group (the certificate sorts every group)
        for a in range(k):
            x = abs(v[a])
            c = a
            while c > 0 and a_sorted[c - 1] > x:
                a_sorted[c] = a_sorted[c - 1]
                c -= 1
            a_sorted[c] = x
    else:
        for a in range(k):
            a_sorted[a] = abs(v[a])
        a_sorted.sort()
    top = a_sorted[k - 1]
    if rho == 1.0 or top == 0.0:
        return top
    r2 = ((1.0 - rho) / rho) ** 2
    s1 = 0.0
    s2 = 0.0
    mean = 0.0
    m2 = 0.0
    cnt = 0
    for idx in range(k - 1, -1, -1):
        x = a_sorted[idx]
        cnt += 1
        s1 += x
        s2 += x * x
        d = x - mean
        mean += d / cnt
        m2 += d * (x - mean)
        nxt = a_sorted[idx - 1] if idx > 0 else 0.0
        if nxt == 0.0:
            break
        # sum_{i<=k} (a_i - nxt)^2 >= ((1 - rho) nxt / rho)^2: the root is above nxt / rho
        if m2 + cnt * (mean - nxt) ** 2 >= r2 * nxt * nxt:
            break
    disc = (1.0 - rho) ** 2 * s2 - rho * rho * cnt * m2
    if disc < 0.0:
        disc = 0.0
    return s2 / (rho * s1 + np.sqrt(disc))


@njit(cache=True, nogil=True)
def group_dual_norms(v, grp_ptr, grp_idx, rho, out):
    """out[g] = N*(v_g) (:func:`sgl_dual_norm`) for every group."""
    big = 1
    for g in range(grp_ptr.shape[0] - 1):
        big = max(big, grp_ptr[g + 1] - grp_ptr[g])
    part = np.empty(big)
    buf = np.empty(big)
    for g in range(grp_ptr.shape[0] - 1):
        k = grp_ptr[g + 1] - grp_ptr[g]
        for a in range(k):
            part[a] = v[grp_idx[grp_ptr[g] + a]]
        out[g] = sgl_dual_norm(part[:k], rho, buf)
