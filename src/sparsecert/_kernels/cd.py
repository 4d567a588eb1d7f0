"""Cyclic coordinate descent for the quadratic datafit, dense or CSC X.

The intercept is handled by implicit centring: for fixed w the optimal
intercept is b(w) = (1/n) sum_i s_i (y_i - x_i^T w), and minimising over w
with b = b(w) is least squares on the weighted-centred columns. We never form
the centred X (that would densify a sparse X): we keep the *uncentred*
residual r = y - X w and the scalar b, and use

    dF/dw_j = -(1/n) sum_i s_i X_ij (r_i - b) = -(1/n) X_j^T (s * r) + b m_j
    b      <- b - delta m_j              after w_j <- w_j + delta

with m_j the weighted column mean. Without an intercept, m = 0 and b = 0, and
the same code is plain coordinate descent. Dense and sparse X therefore walk
the same iterates, and each coordinate step costs O(nnz of the column).

The Gram variant (:func:`cd_gram` and :func:`cd_gram_anderson`, for a tall X) runs the same
coordinate steps on the working set's Gram matrix of the weighted centred
columns instead: O(working set) per step, other iterates (rounding), the same
solution.
"""

import numpy as np

from ._flags import FASTMATH, inner, njit
from .anderson import anderson_combine, anderson_weights
from .datafit import col_axpy as _axpy
from .datafit import col_dot_fast, column_entries, iota
from .prox import penalty_value, prox_1d, subdiff_distance_1d
from .wide import WIDE, wide_dot, wide_update

# active sweeps (see cd_quadratic_anderson) when the nonzero columns hold at
# most this share of the working set's entries
ACTIVE_SHARE = 0.5


@inner(cache=True, nogil=True)
def _is_wide(X_indptr, j):
    """Whether column j of a CSC X has its loops split (:mod:`.wide`). The
    callers test ``X_dense.ndim == 1`` first, in their own body, where Numba
    prunes the branch: a dense kernel compiles none of the wide loops."""
    return X_indptr[j + 1] - X_indptr[j] >= WIDE


@inner(cache=True, nogil=True)
def _step_dot(threads, X_dense, X_data, X_indices, X_indptr, j, sw_r):
    """X_j^T (s r) for a coordinate step: a wide column by parts."""
    if X_dense.ndim == 1 and _is_wide(X_indptr, j):
        return wide_dot(threads, X_data, X_indices, X_indptr[j], X_indptr[j + 1], sw_r)
    return col_dot_fast(X_dense, X_data, X_indices, X_indptr, j, sw_r)


@inner(cache=True, nogil=True)
def _step_update(threads, X_dense, X_data, X_indices, X_indptr, j, delta, sw_r, sw, unit):
    """:func:`_residual_update`, a wide column by parts; ``unit``: every s_i
    is 1, so s_i (delta x_ij) is delta x_ij, bit for bit, without reading s
    (a gather per entry fewer: text 1e5 x 2e4 Lasso amax/200, CD 26 -> 23 ms)."""
    if X_dense.ndim == 1 and _is_wide(X_indptr, j):
        wide_update(threads, X_data, X_indices, X_indptr[j], X_indptr[j + 1], delta, sw_r, sw)
    elif unit:
        _residual_update_unit(X_dense, X_data, X_indices, X_indptr, j, delta, sw_r)
    else:
        _residual_update(X_dense, X_data, X_indices, X_indptr, j, delta, sw_r, sw)


@inner(cache=True, nogil=True)
def _cd_epoch(X_dense, X_data, X_indices, X_indptr, n_samples,
              sw_r, sw, w, b, means, lipschitz, vscale, feats, pen_code, pen_params,
              pen_weights, threads, unit):
    """One cyclic pass over ``feats``; returns (cheap violation bound, b).

    Violations are multiplied by ``vscale`` (the certificate's common units,
    see ``Problem.violation_scale``), so that the bound is comparable with its
    tol. ``threads`` (a kind of :mod:`.codes`) says where a wide column's
    loops run (:mod:`.wide`); ``unit``: every sample weight is 1.
    """
    n = float(n_samples)
    cheap = 0.0
    for jj in range(feats.shape[0]):
        j = feats[jj]
        lj = lipschitz[j]
        wj = w[j]
        if lj == 0.0:
            # a constant (after centring) column: the datafit ignores it,
            # so a penalized coefficient belongs at 0
            if wj != 0.0 and pen_weights[j] != 0.0:
                _step_update(threads, X_dense, X_data, X_indices, X_indptr, j, -wj, sw_r, sw,
                             unit)
                b -= wj * means[j]
                w[j] = 0.0
            continue
        g = -_step_dot(threads, X_dense, X_data, X_indices, X_indptr, j, sw_r) / n + b * means[j]
        v = subdiff_distance_1d(pen_code, pen_params, pen_weights[j], wj, g, lj) * vscale[j]
        if v > cheap:
            cheap = v
        new = prox_1d(pen_code, pen_params, pen_weights[j], wj - g / lj, 1.0 / lj)
        if new != wj:
            delta = new - wj
            _step_update(threads, X_dense, X_data, X_indices, X_indptr, j, delta, sw_r, sw,
                         unit)
            b -= delta * means[j]
            w[j] = new
    return cheap, b


@njit(cache=True, nogil=True, inline="always")
def _gather(w, feats, out):
    """out[jj] = w[feats[jj]]: the iterate restricted to the working set."""
    for jj in range(feats.shape[0]):
        out[jj] = w[feats[jj]]


@inner(cache=True, nogil=True)
def _accept_extrapolation(w, feats, w_acc, sw_r, sw, resid):
    """w <- w_acc on ``feats``, and s*r from its freshly computed residual."""
    for jj in range(feats.shape[0]):
        w[feats[jj]] = w_acc[jj]
    for i in range(sw_r.shape[0]):
        sw_r[i] = sw[i] * resid[i]


@inner(cache=True, nogil=True)
def _active_of(feats, w, pen_weights, act):
    """act[:nact] = the features of ``feats`` that are nonzero or unpenalized; nact."""
    nact = 0
    for jj in range(feats.shape[0]):
        j = feats[jj]
        if w[j] != 0.0 or pen_weights[j] == 0.0:
            act[nact] = j
            nact += 1
    return nact


@inner(cache=True, nogil=True)
def _sweep(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means, lipschitz,
           vscale, feats, pen_code, pen_params, pen_weights, tol, full, act, nact, order,
           all_entries, work, threads, unit):
    """One epoch of :func:`cd_quadratic_anderson`: a sweep over all of ``feats``
    if ``full``, else over its active features ``act[:nact]``.

    As in glmnet: after a full sweep whose running violation bound is above
    ``tol``, the next sweeps cover only the nonzero (and unpenalized)
    features, until their own bound is <= ``tol``; a full sweep then checks
    the zeros again. Active sweeps are used when those columns hold at most
    ``ACTIVE_SHARE`` of the set's entries (``all_entries``; text 1e5 x 2e4:
    a working set of 100 popular words holds half of X, its 29 nonzeros an
    eighth). ``work[0]`` is increased by the entries read.

    Returns (bound, b, whether the next sweep is full, nact): the bound is
    inf after an active sweep, which says nothing of the zeros.
    """
    if full:
        cheap, b = _cd_epoch(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b,
                             means, lipschitz, vscale, feats, pen_code, pen_params, pen_weights,
                             threads, unit)
        work[0] += all_entries
        nact = _active_of(feats, w, pen_weights, act)
        act_entries = column_entries(X_dense, X_indptr, n_samples, act, order, nact)
        return cheap, b, nact == 0 or act_entries > ACTIVE_SHARE * all_entries, nact
    part, b = _cd_epoch(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r, sw, w, b, means,
                        lipschitz, vscale, act[:nact], pen_code, pen_params, pen_weights, threads,
                        unit)
    work[0] += column_entries(X_dense, X_indptr, n_samples, act, order, nact)
    return np.inf, b, part <= tol, nact


@njit(cache=True, nogil=True)
def cd_quadratic_anderson(X_dense, X_data, X_indices, X_indptr, n_samples,
                          y, sw_r, sw, w, b, means, lipschitz, vscale, feats,
                          pen_code, pen_params, pen_weights, max_epochs, tol,
                          fit_intercept, n_anderson, resid_buf, ring, ring_count, work,
                          threads, unit):
    """CD epochs on a working set ``feats``: active sweeps, Anderson extrapolation.

    Sweeps alternate as in glmnet (:func:`_sweep`); only a full sweep's
    running violation bound can end the call or be returned (inf if the
    budget ran out between full sweeps). Every ``n_anderson`` epochs the
    extrapolation of the last iterates is tried (:func:`_try_extrapolation`).
    Every coefficient outside ``feats`` must be 0.

    ``ring`` (R rows, one per epoch, of length ``feats.size``) receives the
    iterate after each epoch, row ``ring_count % R`` for the ``ring_count``-th
    epoch recorded (counted across calls on the same working set): the
    caller's raw material for dual extrapolation (``sparsecert.solvers.dual._extrapolated_dual``).
    R = 0 records nothing. ``work[0]`` is increased by the entries of X read.
    ``threads``: :data:`.codes.ONE_THREAD`, or :data:`.codes.THREADS` for the
    wide columns' loops on Numba's threads (:mod:`.wide`). ``unit``: every s_i is 1.

    Returns (epochs_run, cheap_violation, b, n_accepted, ring_count).
    """
    R = ring.shape[0]
    m = feats.shape[0]
    K = n_anderson
    hist = np.empty((K + 1, m))
    _gather(w, feats, hist[0])
    act = np.empty(m, dtype=feats.dtype)
    order = iota(m)  # the positions 0..m-1, for column_entries
    all_entries = column_entries(X_dense, X_indptr, n_samples, feats, order, m)
    # not the literals 0 and True: Numba would first type the loop's call of
    # _sweep with Literal[int](0) and Literal[bool](True), and compile a second
    # _sweep (and _entries) for them, 0.35 s of a cold first fit for nothing
    nact = m - m
    full = m >= 0
    count = 0
    accepted = 0
    cheap = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        was_full = full
        cheap, b, full, nact = _sweep(X_dense, X_data, X_indices, X_indptr, n_samples, sw_r,
                                      sw, w, b, means, lipschitz, vscale, feats, pen_code,
                                      pen_params, pen_weights, tol, full, act, nact, order,
                                      all_entries, work, threads, unit)
        if R > 0:
            _gather(w, feats, ring[ring_count % R])
            ring_count += 1
        if was_full and cheap <= tol:
            break
        if K <= 0:
            continue
        count += 1
        _gather(w, feats, hist[count])
        if count < K:
            continue
        count = 0
        c = anderson_weights(hist)
        if c.size == 0:
            _gather(w, feats, hist[0])
            continue
        w_acc = anderson_combine(c, hist)
        took, b = _try_extrapolation(X_dense, X_data, X_indices, X_indptr, n_samples, y,
                                     sw_r, sw, w, b, feats, hist[K], w_acc, fit_intercept,
                                     pen_code, pen_params, pen_weights, resid_buf)
        if took:
            accepted += 1
            # the extrapolated point may hold nonzeros the active list lacks
            full = True
            if R > 0:
                # the ring holds one plain CD trajectory: it restarts at the
                # jump, which the linear recursion behind dual extrapolation
                # does not follow
                for jj in range(m):
                    ring[0, jj] = w_acc[jj]
                ring_count = 1
        _gather(w, feats, hist[0])
    return epoch, cheap, b, accepted, ring_count


@inner(cache=True, nogil=True)
def _try_extrapolation(X_dense, X_data, X_indices, X_indptr, n_samples, y, sw_r, sw, w, b,
                       feats, w_cur, w_acc, fit_intercept, pen_code, pen_params, pen_weights,
                       resid_buf):
    """Move to ``w_acc`` on ``feats`` if its objective is below that of
    ``w_cur`` (the current iterate there); returns (moved, b).

    ``w_acc`` is Anderson's extrapolation: with w^(0..K) the last K+1
    iterates restricted to ``feats`` and U the K differences w^(k+1) - w^(k),
    sum_k c_k w^(k+1) with c = (U U^T)^-1 1 / 1^T (U U^T)^-1 1 (the affine
    combination of iterates whose combined step is smallest). Both
    objectives are recomputed from scratch (which also refreshes the
    residual): extrapolation can change speed, never the answer or
    monotonicity.
    """
    p_cur, _ = _ws_objective(X_dense, X_data, X_indices, X_indptr, n_samples,
                             y, sw, w, feats, w_cur, fit_intercept, pen_code,
                             pen_params, pen_weights, resid_buf)
    p_acc, b_acc = _ws_objective(X_dense, X_data, X_indices, X_indptr,
                                 n_samples, y, sw, w, feats, w_acc, fit_intercept,
                                 pen_code, pen_params, pen_weights, resid_buf)
    if p_acc < p_cur:
        _accept_extrapolation(w, feats, w_acc, sw_r, sw, resid_buf)
        return True, b_acc
    return False, b


@inner(cache=True, nogil=True)
def _ws_objective(X_dense, X_data, X_indices, X_indptr, n_samples, y, sw, w,
                  feats, w_feats, fit_intercept, pen_code, pen_params, pen_weights, resid):
    """P at the point equal to ``w_feats`` on ``feats`` and 0 elsewhere.

    Fills ``resid`` with y - X w (uncentred) and returns (P, profiled b).
    """
    n = float(n_samples)
    for i in range(n_samples):
        resid[i] = y[i]
    pen = 0.0
    for jj in range(feats.shape[0]):
        j = feats[jj]
        v = w_feats[jj]
        if v != 0.0:
            _axpy(X_dense, X_data, X_indices, X_indptr, j, -v, resid)
            pen += penalty_value(pen_code, pen_params, pen_weights[j], v)
    b = 0.0
    if fit_intercept:
        for i in range(n_samples):
            b += sw[i] * resid[i]
        b /= n
    loss = 0.0
    for i in range(n_samples):
        d = resid[i] - b
        loss += sw[i] * d * d
    return loss / (2.0 * n) + pen, b


@inner(cache=True, nogil=True, fastmath=FASTMATH)
def _residual_update_unit(X_dense, X_data, X_indices, X_indptr, j, delta, sw_r):
    """:func:`_residual_update` with every s_i = 1."""
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            sw_r[X_indices[k]] -= delta * X_data[k]
    else:
        for i in range(X_dense.shape[0]):
            sw_r[i] -= delta * X_dense[i, j]


@inner(cache=True, nogil=True, fastmath=FASTMATH)
def _residual_update(X_dense, X_data, X_indices, X_indptr, j, delta, sw_r, sw):
    """s*r -= delta s X_j: the weighted residual after w_j <- w_j + delta."""
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[k]
            sw_r[i] -= sw[i] * (delta * X_data[k])
    else:
        for i in range(X_dense.shape[0]):
            sw_r[i] -= sw[i] * (delta * X_dense[i, j])


@njit(cache=True, nogil=True)
def gram_rows_block(X_dense, row_start, row_stop, feats, sqrt_sw, means, out):
    """out[i - row_start, k] = sqrt(s_i) (X[i, feats[k]] - means[feats[k]]), float64.

    One block of rows of the weighted, centred columns: (1/n) out^T out summed
    over the row blocks is H. Reads X in its own dtype (a float32 X is never
    upcast as a whole: only this block is float64).
    """
    s = sqrt_sw[row_start:row_stop]
    for k in range(feats.shape[0]):
        j = feats[k]
        m = means[j]
        # 1-D slices: this loop vectorizes (2-D indexing with an offset did not, 3x slower)
        col = X_dense[row_start:row_stop, j]
        dst = out[:, k]
        for i in range(col.shape[0]):
            dst[i] = s[i] * (col[i] - m)


@inner(cache=True, nogil=True, fastmath=FASTMATH)
def _gram_axpy(H, k, delta, g):
    """g += delta H[:, k], read as row k: H is symmetric and C-ordered (so that a
    1 x 1 H, which NumPy flags both C- and F-contiguous, types as every other)."""
    for i in range(g.shape[0]):
        g[i] += delta * H[k, i]


@inner(cache=True, nogil=True)
def _gram_gradient(H, w, g_anchor, w_anchor, g):
    """g = g_anchor + H (w - w_anchor), from scratch (no incremental drift)."""
    m = w.shape[0]
    for i in range(m):
        g[i] = g_anchor[i]
    for k in range(m):
        d = w[k] - w_anchor[k]
        if d != 0.0:
            _gram_axpy(H, k, d, g)


@inner(cache=True, nogil=True)
def _gram_violation(w, g, lipschitz, vscale, pen_code, pen_params, pen_weights):
    viol = 0.0
    for k in range(w.shape[0]):
        v = subdiff_distance_1d(pen_code, pen_params, pen_weights[k], w[k], g[k],
                                lipschitz[k]) * vscale[k]
        if v > viol or v != v:
            viol = v
    return viol


@inner(cache=True, nogil=True)
def _gram_epoch(H, w, g, lipschitz, vscale, pen_code, pen_params, pen_weights):
    """One cyclic pass; returns (cheap violation bound, number of coordinates moved)."""
    cheap = 0.0
    moved = 0
    for k in range(w.shape[0]):
        lk = lipschitz[k]
        wk = w[k]
        if lk == 0.0:
            # a constant (after centring) column: a penalized coefficient belongs at 0
            if wk != 0.0 and pen_weights[k] != 0.0:
                _gram_axpy(H, k, -wk, g)
                w[k] = 0.0
                moved += 1
            continue
        gk = g[k]
        v = subdiff_distance_1d(pen_code, pen_params, pen_weights[k], wk, gk, lk) * vscale[k]
        if v > cheap:
            cheap = v
        new = prox_1d(pen_code, pen_params, pen_weights[k], wk - gk / lk, 1.0 / lk)
        if new != wk:
            _gram_axpy(H, k, new - wk, g)
            w[k] = new
            moved += 1
    return cheap, moved


@inner(cache=True, nogil=True)
def _gram_objective(H, w, g_anchor, w_anchor, pen_code, pen_params, pen_weights, g_out):
    """F(w) - F(w_anchor) + G(w); fills g_out with the gradient at w."""
    _gram_gradient(H, w, g_anchor, w_anchor, g_out)
    # F(w) - F(w_a) = d^T g_a + (1/2) d^T H d = (1/2) d^T (g_a + g(w)),  d = w - w_a
    f = 0.0
    pen = 0.0
    for k in range(w.shape[0]):
        d = w[k] - w_anchor[k]
        f += d * (g_anchor[k] + g_out[k])
        if w[k] != 0.0:
            pen += penalty_value(pen_code, pen_params, pen_weights[k], w[k])
    return 0.5 * f + pen


@njit(cache=True, nogil=True, inline="always")
def _gram_checked_epoch(H, w, g, g_anchor, w_anchor, lipschitz, vscale, pen_code, pen_params,
                        pen_weights, tol):
    """One epoch of Gram CD; returns (violation, done). When the epoch's
    cheap bound (each coordinate measured before its own step) is <= ``tol``,
    or it moved nothing, g is recomputed from scratch and the exact
    violation decides: ``done`` if that is <= ``tol`` or nothing moved."""
    cheap, moved = _gram_epoch(H, w, g, lipschitz, vscale, pen_code, pen_params, pen_weights)
    if cheap <= tol or moved == 0:
        _gram_gradient(H, w, g_anchor, w_anchor, g)
        viol = _gram_violation(w, g, lipschitz, vscale, pen_code, pen_params, pen_weights)
        return viol, viol <= tol or moved == 0
    return cheap, False


@njit(cache=True, nogil=True)
def cd_gram(H, w, g, g_anchor, w_anchor, lipschitz, vscale, pen_code, pen_params, pen_weights,
            max_epochs, tol):
    """Plain CD epochs on the Gram quadratic of ``len(w)`` features.

    Every array is restricted to the working features (``H`` their Gram
    matrix, C-ordered; ``lipschitz``, ``vscale`` (the certificate's
    per-feature units) and ``pen_weights`` their entries). The gradient
    g = g_anchor + H (w - w_anchor) is computed into the buffer ``g`` and
    kept up to date by one row (= column) of H per coordinate step; the exact
    violation decides the stop (:func:`_gram_checked_epoch`). The kernel
    allocates nothing: a warm process then loads it without importing
    Numba's array-allocation module (17 ms of a first fit).

    Returns (epochs_run, violation, done): ``done`` when it stopped before
    ``max_epochs`` (converged on the exact violation, or nothing moved).
    """
    _gram_gradient(H, w, g_anchor, w_anchor, g)
    viol = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol, done = _gram_checked_epoch(H, w, g, g_anchor, w_anchor, lipschitz, vscale,
                                         pen_code, pen_params, pen_weights, tol)
        if done:
            return epoch, viol, True
    return epoch, viol, False


@njit(cache=True, nogil=True)
def cd_gram_anderson(H, w, g_anchor, w_anchor, lipschitz, vscale, pen_code, pen_params,
                     pen_weights, max_epochs, tol, n_anderson):
    """:func:`cd_gram`'s epochs, with Anderson extrapolation.

    The arrays are :func:`cd_gram`'s (g is allocated here). Every
    ``n_anderson`` epochs the last iterates are extrapolated as in
    :func:`cd_quadratic_anderson`, kept only if that lowers the (exact,
    quadratic) objective.

    Returns (epochs_run, violation, n_accepted); ``violation`` is exact (from
    the recomputed g) when the kernel stopped before ``max_epochs``.
    """
    m = w.shape[0]
    K = n_anderson
    g = np.empty(m)
    g_acc = np.empty(m)
    _gram_gradient(H, w, g_anchor, w_anchor, g)
    hist = np.empty((K + 1, m))
    for k in range(m):
        hist[0, k] = w[k]
    count = 0
    accepted = 0
    viol = np.inf
    epoch = 0
    while epoch < max_epochs:
        epoch += 1
        viol, done = _gram_checked_epoch(H, w, g, g_anchor, w_anchor, lipschitz, vscale,
                                         pen_code, pen_params, pen_weights, tol)
        if done:
            return epoch, viol, accepted
        if K <= 0:
            continue
        count += 1
        for k in range(m):
            hist[count, k] = w[k]
        if count < K:
            continue
        count = 0
        c = anderson_weights(hist)
        if c.size == 0:
            for k in range(m):
                hist[0, k] = w[k]
            continue
        w_acc = anderson_combine(c, hist)
        p_cur = _gram_objective(H, w, g_anchor, w_anchor, pen_code, pen_params, pen_weights, g)
        p_acc = _gram_objective(H, w_acc, g_anchor, w_anchor, pen_code, pen_params,
                                pen_weights, g_acc)
        if p_acc < p_cur:
            accepted += 1
            for k in range(m):
                w[k] = w_acc[k]
                g[k] = g_acc[k]
        for k in range(m):
            hist[0, k] = w[k]
    return epoch, viol, accepted
