r"""Proximal Newton for the logistic datafit, dense Fortran or CSC X.

Problem (y_i in {-1, +1}, sample weights s_i summing to n, z = X w + b)

    min_{w, b}  f(z) + sum_j G_j(w_j),   f(z) = (1/n) sum_i s_i log(1 + exp(-y_i z_i))

Outer iteration at (w, b), as in glmnet and skglm's ``ProxNewton``:

1. per-sample first and second derivatives of f at z,

       u_i = -s_i y_i sigmoid(-y_i z_i) / n,
       h_i = max(s_i sigmoid(y_i z_i) sigmoid(-y_i z_i) / n, s_i H_FLOOR / n),

   the floor (:mod:`.samples`) keeping every curvature positive when |z_i|
   is large (sigmoid underflows past |z| ~ 745), so nothing divides by 0 and
   steps stay finite;
2. the exact gradient g_j = X_j^T u over the working features and the
   violation of the optimality condition there; stop if it is <= ``tol``;
3. a few cyclic CD epochs on the local model (a weighted least squares)

       q(d, db) = u^T (X d + db) + (1/2) sum_i h_i (X d + db)_i^2 + sum_j G_j(w_j + d_j),

   with the intercept profiled out by h-weighted implicit centring: each
   coordinate step minimises q exactly over (d_j, db) jointly, i.e. a step on
   d_j with curvature sum_i h_i (X_ij - m_j)^2, m_j = sum_i h_i X_ij / sum_i h_i,
   then db -= delta m_j (plain CD with an intercept coordinate crawls when
   the columns have large means). ``r`` = u + h * X d is kept up to date
   without the intercept's part, so every step costs O(nnz of the column)
   for CSC X, and ``xd`` = X d is built once after the epochs (from the
   nonzero d_j only); the first epoch sweeps every working feature except
   the shrunk ones (w_j = 0 with g_j inside the dead zone by more than
   ``shrink`` x the current violation, in the certificate's units, as
   liblinear's newGLMNET does: they would almost surely stay at 0, and
   skipping them only makes the direction that of a smaller model), later
   ones only the active ones (w_j != 0 or w_j + d_j != 0), as glmnet does;
   for CSC X the active columns are first packed contiguously with
   h_i X_ij precomputed, so that those epochs stream them and never gather
   h (measured 1.9x faster on the 20000 x 50000 sparse benchmark, where
   ~13000 of the 50000 columns are active and the epochs dominate); when
   few columns are active and meet sparsely in the rows, those epochs run on
   their weighted Gram matrix instead (:mod:`.newton_gram`, CSC only);
   epochs stop when every step moved the model by less than INNER_FRACTION
   (1/10) of the current violation (in gradient units), never asking less
   than a quarter of the fit's final tolerance (1/10 chosen among 1/50,
   1/20, 1/10, 3/20 and 3/10; against the former 1/50, CPU time at the
   loosest passing tol on an idle machine: text 1e5 x 2e4 CSR amax/200
   428 -> 383 ms, dense 1000 x 5000 amax/100 57 -> 52 ms, CSC 20000 x 50000
   amax/20 352 -> 298 ms and amax/100 823 -> 626 ms; the Newton steps grow
   by 0 to 2);
4. a backtracking line search on the true objective (:mod:`.newton_step`)
   phi(t) = f(z + t xd) + sum_j G_j(w_j + t d_j): t = 1, 1/2, 1/4, ... until
   Armijo's condition phi(t) <= phi(0) + ARMIJO t Delta, with
   Delta = u^T xd + sum_j [G_j(w_j + d_j) - G_j(w_j)] <= 0 (Tseng and Yun),
   or until the one-sided derivative phi'(t+) <= 0 (phi is convex, so then
   phi(t) <= phi(0): this second test is immune to the rounding that makes
   values indistinguishable next to the optimum).

Every sum over samples uses the stable ``log1pexp``/``sigmoid``, so any
finite margin is safe. One source serves both layouts through the column
helpers of :mod:`datafit` and below; the dense column loops of steps 2 and 3
(gradient and curvature, CD's X_j^T r) are reassociated (``FASTMATH``) so
that they vectorize: about 3x faster per Newton iteration on the dense
benchmark. They feed the solver only: the certificate is recomputed without
fastmath.
"""

import numpy as np
from numba import prange

from ._flags import FASTMATH, inner, njit, overload
from .codes import PARAM_POSITIVE, select
from .datafit import col_dot, col_dot_fast, column_entries, iota
from .newton_gram import gram_epochs, model_coordinate
from .newton_step import _line_search, _model_direction, _take_step
from .prox import subdiff_distance_1d, threshold_1d
from .samples import derivatives

# status codes returned by :func:`prox_newton_logistic`
PN_CONVERGED = 0      # violation over the working features <= tol
PN_MAX_ITER = 1       # outer-iteration budget spent
PN_LINE_SEARCH = 2    # no step decreased the objective (precision limit)

INNER_FRACTION = 0.1  # inner epochs stop when steps move the model by < this x violation
LANES = 64  # the threaded gradient's lanes (gradient_violation), whatever the thread count


# Column helpers. The dense loops are reassociated (FASTMATH) so that they
# vectorize. The CSC ones are not, and the kernel branches on the layout at
# the call site: routing the CSC loops through a FASTMATH wrapper was measured
# about 10% slower on the sparse benchmark.

@inner(cache=True, nogil=True)
def _csc_grad_hess(X_data, X_indices, X_indptr, j, u, h):
    """(sum_i X_ij u_i, sum_i h_i X_ij^2, sum_i h_i X_ij) in one pass over CSC column j."""
    g = 0.0
    hh = 0.0
    hx = 0.0
    for k in range(X_indptr[j], X_indptr[j + 1]):
        x = X_data[k]
        i = X_indices[k]
        g += x * u[i]
        hi = h[i] * x
        hx += hi
        hh += hi * x
    return g, hh, hx


@inner(cache=True, nogil=True, fastmath=FASTMATH)
def _dense_grad_hess(X_dense, j, u, h):
    """:func:`_csc_grad_hess` for dense X, reassociated."""
    g = 0.0
    hh = 0.0
    hx = 0.0
    for i in range(X_dense.shape[0]):
        x = X_dense[i, j]
        g += x * u[i]
        hi = h[i] * x
        hx += hi
        hh += hi * x
    return g, hh, hx


@inner(cache=True, nogil=True)
def _col_update_residual(X_dense, X_data, X_indices, X_indptr, j, delta, h, r):
    """r += delta h * X_j, after d_j <- d_j + delta."""
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[k]
            r[i] += h[i] * (delta * X_data[k])
    else:
        for i in range(X_dense.shape[0]):
            r[i] += h[i] * (delta * X_dense[i, j])


@inner(cache=True, nogil=True)
def column_model(X_dense, X_data, X_indices, X_indptr, j, u, h, hsum, fit_intercept):
    """Column j in the local model, one pass: (g_j = X_j^T u, hx_j = sum_i h_i X_ij
    (0 without intercept), sum_i h_i X_ij^2, and the curvature along X_j with
    the intercept re-optimised, sum_i h_i X_ij^2 - hx_j^2 / sum_i h_i:
    h-weighted centring)."""
    if X_dense.ndim == 1:
        g, hh, hx = _csc_grad_hess(X_data, X_indices, X_indptr, j, u, h)
    else:
        g, hh, hx = _dense_grad_hess(X_dense, j, u, h)
    if not fit_intercept:
        hx = 0.0
    hc = hh - hx * hx / hsum if hsum > 0.0 else hh
    return g, hx, hh, hc


@njit(cache=True, nogil=True, inline="always")
def _feature_model(X_dense, X_data, X_indices, X_indptr, feats, jj, u, h, hsum, fit_intercept,
                   w, vscale, pen_code, pen_params, pen_weights, grad, hxs, hdiag):
    """Step 2 for feature feats[jj]: fills grad[jj], hxs[jj], hdiag[jj]; returns
    its violation in the certificate's units."""
    j = feats[jj]
    g, hxs[jj], hh, hc = column_model(X_dense, X_data, X_indices, X_indptr, j, u, h, hsum,
                                      fit_intercept)
    grad[jj] = g
    hdiag[jj] = hc if hc > 1e-12 * hh else 0.0
    return subdiff_distance_1d(pen_code, pen_params, pen_weights[j], w[j], g, hh) * vscale[j]


@inner(cache=True, nogil=True)
def _gradient_violation_serial(X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum,
                               viol, fit_intercept, w, vscale, pen_code, pen_params,
                               pen_weights, grad, hxs, hdiag):
    for jj in range(feats.shape[0]):
        v = _feature_model(X_dense, X_data, X_indices, X_indptr, feats, jj, u, h, hsum,
                           fit_intercept, w, vscale, pen_code, pen_params, pen_weights, grad,
                           hxs, hdiag)
        if v > viol or v != v:
            viol = v
    return viol


@njit(cache=True, nogil=True, parallel=True)
def _gradient_violation_threads(X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum,
                                viol, fit_intercept, w, vscale, pen_code, pen_params,
                                pen_weights, grad, hxs, hdiag):
    m = feats.shape[0]
    viols = np.empty(m)
    # features dealt round-robin to LANES lanes: the popular columns of a text
    # (up to half of X's entries in a few of them) spread over the threads
    lanes = min(m, LANES)
    for c in prange(lanes):
        for jj in range(c, m, lanes):
            viols[jj] = _feature_model(X_dense, X_data, X_indices, X_indptr, feats, jj, u, h,
                                       hsum, fit_intercept, w, vscale, pen_code, pen_params,
                                       pen_weights, grad, hxs, hdiag)
    for jj in range(m):
        v = viols[jj]
        if v > viol or v != v:
            viol = v
    return viol


_GRADIENT_VIOLATION = {"one": _gradient_violation_serial, "many": _gradient_violation_threads}


@njit(cache=True, nogil=True, inline="always")
def _intercept_violation(gb, fit_intercept, b_scale):
    """|dF/db| in the certificate's units (0 without an intercept): where the
    violation over the features starts."""
    return abs(gb) * b_scale if fit_intercept else 0.0


def gradient_violation(threads, X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum, gb,
                       fit_intercept, b_scale, w, vscale, pen_code, pen_params, pen_weights,
                       grad, hxs, hdiag):
    """Step 2: g_j = X_j^T u, hx_j = sum_i h_i X_ij and the centred curvature, over ``feats``.

    Fills ``grad``, ``hxs`` (0 without intercept) and ``hdiag`` (sum_i h_i
    (X_ij - m_j)^2, 0 when it is below rounding); returns the violation over
    ``feats`` and the intercept, in the certificate's units. Each feature's
    sums run in order on one thread, whichever ``threads`` kind (a
    :mod:`.codes` kind: the features spread over Numba's threads, or not), so
    the bits do not depend on it.
    """
    return _GRADIENT_VIOLATION[threads.compiled](
        X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum,
        _intercept_violation(gb, fit_intercept, b_scale), fit_intercept, w, vscale, pen_code,
        pen_params, pen_weights, grad, hxs, hdiag)


@overload(gradient_violation)
def _gradient_violation_impl(threads, X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum,
                             gb, fit_intercept, b_scale, w, vscale, pen_code, pen_params,
                             pen_weights, grad, hxs, hdiag):
    impl = select(threads, "threads", _GRADIENT_VIOLATION)

    def run(threads, X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum, gb,
            fit_intercept, b_scale, w, vscale, pen_code, pen_params, pen_weights, grad, hxs,
            hdiag):
        return impl(X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum,
                    _intercept_violation(gb, fit_intercept, b_scale), fit_intercept, w, vscale,
                    pen_code, pen_params, pen_weights, grad, hxs, hdiag)
    return run


@inner(cache=True, nogil=True)
def _shrink_candidates(feats, w, grad, hdiag, vscale, pen_code, pen_params, pen_weights,
                       shrink, viol, cand):
    """cand[:ncand] = the positions in ``feats`` that the model's first CD epoch sweeps.

    Shrinking: a zero coefficient whose gradient is inside its dead zone by
    more than shrink x the violation stays out of this model's CD. Returns ncand.
    """
    ncand = 0
    for jj in range(feats.shape[0]):
        j = feats[jj]
        if w[j] == 0.0:
            thr = threshold_1d(pen_code, pen_params, pen_weights[j], hdiag[jj])
            g = grad[jj]
            if pen_params[PARAM_POSITIVE] != 0.0:
                margin = thr + g
            else:
                margin = thr - abs(g)
            if margin * vscale[j] > shrink * viol:
                continue
        cand[ncand] = jj
        ncand += 1
    return ncand


@inner(cache=True, nogil=True)
def _active_features(cand, ncand, feats, w, d, act):
    """act[:nact] = the candidates with w_j != 0 or d_j != 0 (later epochs); returns nact."""
    nact = 0
    for kk in range(ncand):
        jj = cand[kk]
        if w[feats[jj]] != 0.0 or d[jj] != 0.0:
            act[nact] = jj
            nact += 1
    return nact


@inner(cache=True, nogil=True)
def _pack_active(X_data, X_indices, X_indptr, feats, act, nact, h, c_ptr, c_idx, c_x, c_hx):
    """Copy the active CSC columns, with h_i X_ij, contiguously into (c_ptr, c_idx, c_x, c_hx).

    The later epochs stream them instead of gathering h. The buffers grow
    when too small; returns (c_idx, c_x, c_hx).
    """
    nnz_act = 0
    for kk in range(nact):
        j = feats[act[kk]]
        nnz_act += X_indptr[j + 1] - X_indptr[j]
    if nnz_act > c_idx.shape[0]:
        c_idx = np.empty(nnz_act, dtype=X_indices.dtype)
        c_x = np.empty(nnz_act)
        c_hx = np.empty(nnz_act)
    pos = 0
    for kk in range(nact):
        j = feats[act[kk]]
        c_ptr[kk] = pos
        for k in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[k]
            c_idx[pos] = i
            c_x[pos] = X_data[k]
            c_hx[pos] = h[i] * X_data[k]
            pos += 1
    c_ptr[nact] = pos
    return c_idx, c_x, c_hx


@inner(cache=True, nogil=True)
def model_gradient(X_dense, X_data, X_indices, X_indptr, j, r, moved, grad_j, db, hx_j):
    """The model's derivative in d_j with the intercept profiled out,
    X_j^T r + db hx_j; ``grad_j`` stands for X_j^T r while nothing has moved
    (r = u then)."""
    if not moved:
        gj = grad_j
    elif X_dense.ndim == 1:
        gj = col_dot(X_dense, X_data, X_indices, X_indptr, j, r)
    else:
        gj = col_dot_fast(X_dense, X_data, X_indices, X_indptr, j, r)
    return gj + db * hx_j


@inner(cache=True, nogil=True)
def _model_epoch(X_dense, X_data, X_indices, X_indptr, ep, lst, nlist, feats, w,
                 d, grad, hdiag, hxs, pen_code, pen_params, pen_weights, fit_intercept, hsum,
                 db, moved, h, r, c_ptr, c_idx, c_x, c_hx):
    """One cyclic CD epoch on the local model over feats[lst[:nlist]].

    Each step minimises q exactly over (d_j, db): d_j <- prox of the step
    with curvature hdiag_j, r += delta h X_j, db -= delta hx_j / sum h.
    Epochs after the first (``ep > 0``) read the packed CSC columns. Updates
    ``d`` and ``r`` in place; returns (largest |delta| hdiag_j, db, moved).
    """
    inner = 0.0
    for kk in range(nlist):
        jj = lst[kk]
        j = feats[jj]
        wj = w[j]
        cur = wj + d[jj]
        if ep > 0 and cur == 0.0 and wj == 0.0:
            continue
        hc = hdiag[jj]
        gj = 0.0
        # a column constant or empty after centring (hc <= 0) needs no derivative
        if hc > 0.0 and moved and X_dense.ndim == 1 and ep > 0:
            for k in range(c_ptr[kk], c_ptr[kk + 1]):
                gj += c_x[k] * r[c_idx[k]]
            gj += db * hxs[jj]
        elif hc > 0.0:
            gj = model_gradient(X_dense, X_data, X_indices, X_indptr, j, r, moved,
                                grad[jj], db, hxs[jj])
        new = model_coordinate(pen_code, pen_params, pen_weights[j], cur, hc, gj)
        if new != cur:
            delta = new - cur
            step = abs(delta) * hc
            if step > inner:
                inner = step
            d[jj] = new - wj
            moved = True
            if X_dense.ndim == 1 and ep > 0:
                for k in range(c_ptr[kk], c_ptr[kk + 1]):
                    r[c_idx[k]] += delta * c_hx[k]
            else:
                _col_update_residual(X_dense, X_data, X_indices, X_indptr, j,
                                     delta, h, r)
            if fit_intercept:
                db -= delta * hxs[jj] / hsum
    return inner, db, moved


@inner(cache=True, nogil=True)
def _local_model_cd(X_dense, X_data, X_indices, X_indptr, n_samples, feats, w, u,
                    h, hsum, gb, grad, hdiag, hxs, viol, pen_code, pen_params, pen_weights,
                    vscale, fit_intercept, max_inner, tol_final, shrink, r, d, cand, act,
                    c_ptr, c_idx, c_x, c_hx, work, row_ptr, held, rcol, rx):
    """Step 3: CD epochs on the local quadratic model; fills ``d``, returns
    (db, c_idx, c_x, c_hx, rcol, rx).

    ``work[0]`` is increased by the entries of X (or their copies) the
    epochs read. For CSC X, the epochs after the first run on the active
    features' Gram matrix when that pays (:func:`.newton_gram.gram_epochs`,
    with the buffers ``row_ptr``, ``held``, ``rcol``, ``rx`` it keeps).

    The intercept is profiled out (implicit centring, as in cd.py): with
    sum_i r_i = 0 maintained, the exact minimisation over (d_j, db) is a
    step delta on d_j with curvature sum_i h_i (X_ij - m_j)^2,
    m_j = sum_i h_i X_ij / sum_i h_i, followed by db -= delta m_j. r and xd
    are stored without the intercept's part (r = rn + db h, xd = xn + db),
    so a coordinate step costs O(nnz of the column) for sparse X too. The
    packing buffers are returned because they may have grown.
    """
    db = -gb / hsum if (fit_intercept and hsum > 0.0) else 0.0
    for i in range(n_samples):
        r[i] = u[i]
    d[:] = 0.0
    ncand = _shrink_candidates(feats, w, grad, hdiag, vscale, pen_code, pen_params, pen_weights,
                               shrink, viol, cand)
    nact = 0
    # while no feature moved, X_j^T r = grad[jj] + db hx_j; bool(False), not False:
    # a literal False would compile _model_epoch once more, for Literal[bool](False)
    moved = bool(False)
    inner_tol = INNER_FRACTION * viol
    if 0.25 * tol_final > inner_tol:  # max(), without the builtin's compile
        inner_tol = 0.25 * tol_final
    for ep in range(max_inner):
        if ep == 1:
            # later epochs sweep only the features that are or became nonzero
            nact = _active_features(cand, ncand, feats, w, d, act)
            if X_dense.ndim == 1:
                # few active columns: the model restricted to them as a Gram matrix
                done, db_gram, rcol, rx = gram_epochs(
                    X_data, X_indices, X_indptr, feats, act, nact, w, d, grad, hdiag, hxs, gb,
                    hsum, fit_intercept, h, pen_code, pen_params, pen_weights, inner_tol,
                    max_inner - 1, work, row_ptr, held, rcol, rx)
                if done:
                    return db_gram, c_idx, c_x, c_hx, rcol, rx
                c_idx, c_x, c_hx = _pack_active(X_data, X_indices, X_indptr, feats, act, nact,
                                                h, c_ptr, c_idx, c_x, c_hx)
        inner, db, moved = _model_epoch(X_dense, X_data, X_indices, X_indptr, ep,
                                        cand if ep == 0 else act, ncand if ep == 0 else nact,
                                        feats, w, d, grad, hdiag, hxs, pen_code, pen_params,
                                        pen_weights, fit_intercept, hsum, db, moved, h, r,
                                        c_ptr, c_idx, c_x, c_hx)
        work[0] += column_entries(X_dense, X_indptr, n_samples, feats,
                                   cand if ep == 0 else act, ncand if ep == 0 else nact)
        if fit_intercept and hsum > 0.0:
            # re-project the intercept so that rounding never accumulates
            gbm = db * hsum
            for i in range(n_samples):
                gbm += r[i]
            db -= gbm / hsum
            if abs(gbm) > inner:
                inner = abs(gbm)
        if inner <= inner_tol:
            break
    return db, c_idx, c_x, c_hx, rcol, rx


@njit(cache=True, nogil=True)
def prox_newton_logistic(X_dense, X_data, X_indices, X_indptr, n_samples,
                         y, sw, w, b, fit_intercept, z, feats, vscale, b_scale,
                         pen_code, pen_params, pen_weights, max_outer, max_inner, tol,
                         tol_final, shrink, work, nvec, row_ptr, rcol, rx, c_idx, c_x, c_hx,
                         threads):
    """Run up to ``max_outer`` proximal Newton iterations over ``feats``.

    Parameters
    ----------
    X_dense, X_data, X_indices, X_indptr, n_samples : the design (:mod:`datafit`)
    y : float64 array of +-1 labels;  sw : sample weights summing to n
    w, b : coefficients, updated in place (only the entries in ``feats`` move),
        and the intercept (kept at its value when not ``fit_intercept``)
    z : X w + b on entry, kept equal to it (incrementally) on exit
    feats : int array, the working features
    vscale, b_scale : per-feature factors putting violations in the certificate's
        units, the same for |dF/db| (tol / tol_intercept)
    pen_code, pen_params, pen_weights : the encoded penalty
    max_outer, max_inner : budgets of Newton iterations and of CD epochs per model
    tol : absolute tolerance on the violation (gradient units): the kernel
        returns once the violation over ``feats`` is below it
    tol_final : the tolerance of the whole fit (<= ``tol``); CD on a local
        model stops at INNER_FRACTION x the current violation, never below
        0.25 x ``tol_final``. A loose ``tol`` (a working-set round that
        stops early) thus never loosens the Newton directions themselves.
    shrink : zero features whose gradient is inside the dead zone by more
        than ``shrink`` x the violation skip the CD of that Newton step
        (``inf``: none does). Only the direction changes: the violation and
        the stopping test still cover every feature.
    work : float64[1], increased by the entries of X read (the fit's passes)
    nvec, row_ptr, rcol, rx, c_idx, c_x, c_hx : scratch kept for the whole fit
        (no n-vector or column copy allocated, and faulted in, per call):
        nvec (5, n_samples) float64, row_ptr (n_samples + 1) int64 for a CSC
        X (newton_gram's census), the others grown here (and returned)
    threads : steps 1, 2 and 4 on Numba's threads or not (the same bits)

    Returns
    -------
    (n_outer, status, violation, b, rcol, rx, c_idx, c_x, c_hx): iterations
    run, a ``PN_*`` status, the exact violation over ``feats`` and the
    intercept measured at the start of the last iteration, the new
    intercept, and the scratch buffers (grown, perhaps).
    """
    m = feats.shape[0]
    u, h, xd, r, e = nvec[0], nvec[1], nvec[2], nvec[3], nvec[4]
    grad, hdiag, hxs, d = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    cand, act, c_ptr = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m + 1, np.int64)
    # the active columns by rows, kept between the Newton steps of a call (newton_gram)
    held = np.full(m + 2, -1, dtype=np.int64)
    no_blocks, no_thr = np.empty(0, dtype=np.int64), np.empty(0)  # separable: no blocks
    viol = np.inf
    it = 0
    feats_entries = column_entries(X_dense, X_indptr, n_samples, feats, iota(m), m)
    cached = bool(False)  # e holds exp(-|y z|) at z (not False: a literal compiles again)
    f_next = 0.0  # f(z) from the line search, when cached
    while it < max_outer:
        work[0] += feats_entries  # the gradient over feats
        hsum, gb, f = derivatives(threads, y, sw, z, n_samples, u, h, e, cached)
        viol = gradient_violation(threads, X_dense, X_data, X_indices, X_indptr, feats, u, h,
                                  hsum, gb, fit_intercept, b_scale, w, vscale, pen_code,
                                  pen_params, pen_weights, grad, hxs, hdiag)
        if viol <= tol:
            return it, PN_CONVERGED, viol, b, rcol, rx, c_idx, c_x, c_hx
        it += 1
        db, c_idx, c_x, c_hx, rcol, rx = _local_model_cd(
            X_dense, X_data, X_indices, X_indptr, n_samples, feats, w, u, h, hsum,
            gb, grad, hdiag, hxs, viol, pen_code, pen_params, pen_weights, vscale,
            fit_intercept, max_inner, tol_final, shrink, r, d, cand, act, c_ptr, c_idx, c_x,
            c_hx, work, row_ptr, held, rcol, rx)
        work[0] += feats_entries  # X d (an upper bound: only the moved columns are read)
        _model_direction(X_dense, X_data, X_indices, X_indptr, n_samples, feats, d,
                         db, xd)
        accepted, t, f_next = _line_search(
            y, sw, z, u, xd, n_samples, f_next if cached else f, e, feats, w, d, pen_code,
            pen_params, pen_weights, no_blocks, no_thr, no_thr, threads)
        if not accepted:
            return it, PN_LINE_SEARCH, viol, b, rcol, rx, c_idx, c_x, c_hx
        b = _take_step(feats, d, w, b, db, t, xd, z)
        cached = True  # z + t xd as the line search's last evaluation computed it
    return it, PN_MAX_ITER, viol, b, rcol, rx, c_idx, c_x, c_hx
