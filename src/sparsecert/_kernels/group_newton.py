r"""Proximal Newton for the logistic datafit with the group and sparse-group lasso.

The outer iteration of :mod:`sparsecert._kernels.prox_newton`, with groups
for coordinates. At (w, b), with u_i and the floored h_i of
:func:`~sparsecert._kernels.samples.derivatives`, the local model of
the loss is the weighted least squares

    q(d, db) = u^T (X d + db) + (1/2) sum_i h_i (X d + db)_i^2
               + sum_g [thr_g ||w_g + d_g||_2 + thr1_g ||w_g + d_g||_1],

thr_g = alpha (1 - rho) c_g and thr1_g = alpha rho c_g. It is minimized by
cyclic block CD over the working groups with the intercept profiled out by
h-weighted centring (as there: with db re-optimized after every step, the
block's subproblem in d_g is the quadratic with gradient
q_g = X_g^T r + db hx_g, r = u + h * X d, hx_g = X_g^T h, and Hessian the
centred block H_g = X_g^T diag(h) X_g - hx_g hx_g^T / sum_i h_i; a step
delta moves db by -hx_g^T delta / sum_i h_i). H_g (k x k) is built once per
Newton iteration for groups of up to ``GRAM_MAX`` features, and the block's
subproblem is then solved in its own k dimensions, without touching X, by
proximal-gradient steps of length 1 / lambda_max(H_g) (the exact block prox
of the sparse-group penalty, :func:`~sparsecert._kernels.group._block_prox`)
until a step moves the block by less than a fraction of the model's
tolerance: near-exact block minimization at O(k^2) a step, where the
majorized steps of :mod:`sparsecert._kernels.group` bound the block's
curvature by (1/4) lambda_max(X_g^T S X_g / n) at every point, far above the
curvature h gives it where the fit is confident. Larger groups take one step
per epoch with the trace of H_g for its curvature (a safe majorizer, no k x k
matrix). Epochs after the first sweep only the groups that are or became
nonzero (glmnet's active set), and stop when every block's violation of the
model's optimality, measured before its step in the certificate's units, is
<= INNER_FRACTION x the current violation (never below a quarter of the
fit's tolerance), or after ``max_inner`` epochs: a working set with more
features than samples makes the model rank-deficient, and block CD then
crawls along its flat directions (leukemia, 38 samples: a model asked for
0.02 x the violation, prox_newton's fraction, often ran out its 100 epochs;
0.1 gave fewer epochs in all for a few more Newton iterations). The
direction (d, db) is then taken with the backtracking
line search of :mod:`~sparsecert._kernels.prox_newton` on the true
objective, the penalty summed over blocks.
"""

import numpy as np

from ._flags import inner, njit
from .codes import GROUP_LASSO, ONE_THREAD
from .group import _block_prox, _group_violation, group_gram
from .newton_step import _line_search, _model_direction, _take_step
from .datafit import column_entries
from .datafit import iota as _iota
from .prox_newton import (PN_CONVERGED, PN_LINE_SEARCH, PN_MAX_ITER, _col_update_residual,
                          column_model, model_gradient)
from .samples import derivatives

# groups of up to this many features get their k x k model Hessian (k^2 n
# work per Newton iteration) and near-exact block solves; larger ones a step
# per epoch with the trace bound
GRAM_MAX = 64
# a model is solved until every block's violation of its optimality is <=
# this fraction of the current violation
INNER_FRACTION = 0.1
# proximal-gradient steps at most on one block's subproblem, per visit
BLOCK_ITERS = 50
# a block's subproblem is solved until a step moves it by less than this
# fraction of the model's tolerance (gradient units x the certificate's scale)
BLOCK_FRACTION = 0.25


@inner(cache=True, nogil=True)
def _block_model(X_dense, X_data, X_indices, X_indptr, feats, u, h, hsum, fit_intercept,
                 zeros, buf, grad, hxs, H):
    """The model's block at the current point: grad[:k] = X_g^T u, hxs[:k] =
    X_g^T h (0 without intercept) and, when ``H`` has k^2 entries, H = the
    centred Hessian H_g (row-major). Returns the block's curvature for its
    steps: lambda_max(H_g), or trace(H_g) when ``H`` is empty; 0 when it is
    below rounding (every column constant after centring)."""
    k = feats.shape[0]
    centre = fit_intercept and hsum > 0.0
    trace = 0.0
    ctrace = 0.0
    for a in range(k):
        grad[a], hxs[a], hh, hc = column_model(X_dense, X_data, X_indices, X_indptr, feats[a],
                                               u, h, hsum, fit_intercept)
        trace += hh
        ctrace += hc
    lam = ctrace
    if H.shape[0] > 0 and k > 1:
        Hm = H.reshape((k, k))
        # the uncentred h-weighted Gram (group_gram with weights h and n = 1)
        group_gram(X_dense, X_data, X_indices, X_indptr, 1, h, zeros, feats, Hm, buf)
        if centre:
            for a in range(k):
                for c in range(k):
                    Hm[a, c] -= hxs[a] * hxs[c] / hsum
        lam = np.linalg.eigvalsh(Hm)[k - 1]
    elif H.shape[0] > 0:
        H[0] = ctrace
    if not lam > 1e-12 * trace:
        lam = 0.0
    return lam


@inner(cache=True, nogil=True)
def _model_block_step(X_dense, X_data, X_indices, X_indptr, feats, v, grad, hxs, H, lam, thr,
                      thr1, vscale, db, hsum, fit_intercept, moved, r, h, q, x, xp, block_tol):
    """One visit of block CD on the model; the block's point is v[feats] (w + d).

    Until a step moves the block by <= ``block_tol`` (in the certificate's
    units, lam x the move) or BLOCK_ITERS steps (one without ``H``):
    x <- prox(x - (q + H (x - v_g)) / lam), q the model's gradient at v_g.
    Then v, r and db follow. Returns (the block's model violation before the
    visit, in the certificate's units, db, moved). ``q``, ``x``, ``xp``: k
    floats of scratch each.
    """
    k = feats.shape[0]
    for a in range(k):
        q[a] = model_gradient(X_dense, X_data, X_indices, X_indptr, feats[a], r, moved, grad[a],
                              db, hxs[a])
    viol = _group_violation(v, q, vscale, feats, thr, thr1)
    if lam == 0.0:
        # the model does not depend on the group: a penalized one goes to 0
        for a in range(k):
            x[a] = 0.0 if (thr > 0.0 or thr1 > 0.0) else v[feats[a]]
    else:
        vmax = 0.0
        for a in range(k):
            x[a] = v[feats[a]]
            if vscale[feats[a]] > vmax:
                vmax = vscale[feats[a]]
        iters = BLOCK_ITERS if H.shape[0] > 0 else 1
        for _ in range(iters):
            for a in range(k):
                xp[a] = x[a]
            for a in range(k):
                ga = q[a]
                if H.shape[0] > 0:
                    for c in range(k):
                        ga += H[a * k + c] * (xp[c] - v[feats[c]])
                x[a] = xp[a] - ga / lam
            _block_prox(v, feats, x, thr, thr1, lam)
            change = 0.0
            for a in range(k):
                change = max(change, abs(x[a] - xp[a]))
            if change * lam * vmax <= block_tol:
                break
    for a in range(k):
        j = feats[a]
        delta = x[a] - v[j]
        if delta != 0.0:
            _col_update_residual(X_dense, X_data, X_indices, X_indptr, j, delta, h, r)
            if fit_intercept and hsum > 0.0:
                db -= delta * hxs[a] / hsum
            v[j] = x[a]
            moved = True
    return viol, db, moved


@inner(cache=True, nogil=True)
def _block_active(feats, w, v, lo, hi):
    """True when the block feats[lo:hi] is nonzero at w or at w + d."""
    for jj in range(lo, hi):
        if w[feats[jj]] != 0.0 or v[feats[jj]] != 0.0:
            return True
    return False


@inner(cache=True, nogil=True)
def _local_model_bcd(X_dense, X_data, X_indices, X_indptr, n_samples, feats, fptr, hptr, w, v,
                     u, h, hsum, gb, grad, hxs, Hs, lams, thr, thr1, vscale, b_scale,
                     fit_intercept, max_inner, inner_tol, r, q, x, xp, iota, work):
    """Block CD epochs on the local model (see above); v[feats] ends at w + d.
    Returns db. ``work[0]`` grows by the entries of X the epochs read (twice
    per visited column: its gradient and its update); ``iota``: 0, 1, ...,
    at least the largest group's size."""
    nb = fptr.shape[0] - 1
    db = -gb / hsum if (fit_intercept and hsum > 0.0) else 0.0
    for i in range(n_samples):
        r[i] = u[i]
    # bool(False), not False: see prox_newton._local_model_cd
    moved = bool(False)
    block_tol = BLOCK_FRACTION * inner_tol
    for ep in range(max_inner):
        worst = 0.0
        for k in range(nb):
            lo, hi = fptr[k], fptr[k + 1]
            if ep > 0 and not _block_active(feats, w, v, lo, hi):
                continue
            viol, db, moved = _model_block_step(
                X_dense, X_data, X_indices, X_indptr, feats[lo:hi], v, grad[lo:hi],
                hxs[lo:hi], Hs[hptr[k]:hptr[k + 1]], lams[k], thr[k], thr1[k], vscale, db,
                hsum, fit_intercept, moved, r, h, q, x, xp, block_tol)
            work[0] += 2.0 * column_entries(X_dense, X_indptr, n_samples, feats[lo:hi], iota,
                                             hi - lo)
            if viol > worst:
                worst = viol
        if fit_intercept and hsum > 0.0:
            # re-project the intercept so that rounding never accumulates
            gbm = db * hsum
            for i in range(n_samples):
                gbm += r[i]
            db -= gbm / hsum
            if abs(gbm) * b_scale > worst:
                worst = abs(gbm) * b_scale
        if worst <= inner_tol:
            break
    return db


@inner(cache=True, nogil=True)
def _working_blocks(ws_groups, grp_ptr, grp_idx, thr_g, thr1_g):
    """The working groups laid out contiguously: (fptr, hptr, kmax, feats,
    thr, thr1), block k's features ``feats[fptr[k]:fptr[k+1]]``, its Gram
    (if it has at most GRAM_MAX features) at ``hptr[k]``, its thresholds."""
    nb = ws_groups.shape[0]
    fptr = np.zeros(nb + 1, dtype=np.int64)
    hptr = np.zeros(nb + 1, dtype=np.int64)
    kmax = 1
    for k in range(nb):
        g = ws_groups[k]
        size = grp_ptr[g + 1] - grp_ptr[g]
        fptr[k + 1] = fptr[k] + size
        hptr[k + 1] = hptr[k] + (size * size if size <= GRAM_MAX else 0)
        kmax = max(kmax, size)
    feats = np.empty(fptr[nb], dtype=np.int64)
    thr = np.empty(nb)
    thr1 = np.empty(nb)
    for k in range(nb):
        g = ws_groups[k]
        for a in range(fptr[k + 1] - fptr[k]):
            feats[fptr[k] + a] = grp_idx[grp_ptr[g] + a]
        thr[k] = thr_g[g]
        thr1[k] = thr1_g[g]
    return fptr, hptr, kmax, feats, thr, thr1


@inner(cache=True, nogil=True)
def _block_models(X_dense, X_data, X_indices, X_indptr, feats, fptr, hptr, w, u, h, hsum, gb,
                  fit_intercept, b_scale, vscale, thr, thr1, zeros, buf, grad, hxs, Hs, lams):
    """Each working block's local model (:func:`_block_model`: gradient,
    curvature, Gram) at the current point; returns the violation over the
    blocks and the intercept (certificate units)."""
    viol = abs(gb) * b_scale if fit_intercept else 0.0
    for k in range(fptr.shape[0] - 1):
        lo, hi = fptr[k], fptr[k + 1]
        lams[k] = _block_model(X_dense, X_data, X_indices, X_indptr, feats[lo:hi], u, h,
                               hsum, fit_intercept, zeros, buf, grad[lo:hi], hxs[lo:hi],
                               Hs[hptr[k]:hptr[k + 1]])
        vk = _group_violation(w, grad[lo:hi], vscale, feats[lo:hi], thr[k], thr1[k])
        if vk > viol or vk != vk:
            viol = vk
    return viol


@njit(cache=True, nogil=True)
def group_prox_newton_logistic(X_dense, X_data, X_indices, X_indptr, y, sw, w, b,
                               fit_intercept, z, vscale, b_scale, grp_ptr, grp_idx, ws_groups,
                               thr_g, thr1_g, max_outer, max_inner, tol, tol_final, work):
    """Up to ``max_outer`` proximal Newton iterations over the groups ``ws_groups``.

    Parameters
    ----------
    X_dense, X_data, X_indices, X_indptr : the design (see :mod:`datafit`)
    y : float64 array of +-1 labels;  sw : sample weights summing to n
    w : coefficients, updated in place (only the working groups' move)
    b : the intercept (kept when not ``fit_intercept``)
    z : X w + b on entry, kept equal to it (incrementally)
    vscale, b_scale : factors putting violations in the certificate's units
    grp_ptr, grp_idx : the groups (:class:`sparsecert.penalties.GroupEncoding`)
    ws_groups : int64 array, the working groups
    thr_g, thr1_g : alpha (1 - rho) c_g and alpha rho c_g per group
    max_outer, max_inner : budgets of Newton iterations and of model epochs each
    tol : the kernel returns once the violation over the working groups and
        the intercept is <= ``tol`` (certificate units)
    tol_final : the fit's tolerance (<= ``tol``); a model is solved to
        INNER_FRACTION x the current violation, never below 0.25 x ``tol_final``
    work : float64[1], increased by the entries of X read

    Returns
    -------
    (n_outer, status, violation, b): iterations run, a ``PN_*`` status of
    :mod:`~sparsecert._kernels.prox_newton`, the violation over the working
    groups and the intercept at the start of the last iteration, the new b.
    """
    n = y.shape[0]
    nb = ws_groups.shape[0]
    fptr, hptr, kmax, feats, thr, thr1 = _working_blocks(ws_groups, grp_ptr, grp_idx, thr_g,
                                                         thr1_g)
    m = fptr[nb]
    u, h, r, xd, e = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    buf = np.zeros(n)
    zeros = np.zeros(w.shape[0])
    grad, hxs, d = np.empty(m), np.empty(m), np.empty(m)
    Hs = np.empty(hptr[nb])
    lams = np.empty(nb)
    q, x, xp = np.empty(kmax), np.empty(kmax), np.empty(kmax)
    v = w.copy()
    iota = _iota(max(m, 1))
    entries = column_entries(X_dense, X_indptr, n, feats, iota, m)
    viol = np.inf
    it = 0
    cached = bool(False)  # e holds the line search's exponentials (prox_newton_logistic)
    f_next = 0.0  # and f(z) is the line search's
    while it < max_outer:
        hsum, gb, f0 = derivatives(ONE_THREAD, y, sw, z, n, u, h, e, cached)
        if cached:
            f0 = f_next
        viol = _block_models(X_dense, X_data, X_indices, X_indptr, feats, fptr, hptr, w, u, h,
                             hsum, gb, fit_intercept, b_scale, vscale, thr, thr1, zeros, buf,
                             grad, hxs, Hs, lams)
        # the gradient, and the Gram's k columns per column of a group
        work[0] += entries * (1.0 + kmax if kmax <= GRAM_MAX else 1.0)
        if viol <= tol:
            return it, PN_CONVERGED, viol, b
        it += 1
        inner_tol = INNER_FRACTION * viol
        if 0.25 * tol_final > inner_tol:
            inner_tol = 0.25 * tol_final
        db = _local_model_bcd(X_dense, X_data, X_indices, X_indptr, n, feats, fptr, hptr, w, v,
                              u, h, hsum, gb, grad, hxs, Hs, lams, thr, thr1, vscale, b_scale,
                              fit_intercept, max_inner, inner_tol, r, q, x, xp, iota, work)
        for jj in range(m):
            d[jj] = v[feats[jj]] - w[feats[jj]]
        work[0] += entries
        _model_direction(X_dense, X_data, X_indices, X_indptr, n, feats, d, db, xd)
        accepted, t, f_next = _line_search(y, sw, z, u, xd, n, f0, e, feats, w, d, GROUP_LASSO,
                                           thr, thr, fptr, thr, thr1, ONE_THREAD)
        if not accepted:
            return it, PN_LINE_SEARCH, viol, b
        b = _take_step(feats, d, w, b, db, t, xd, z)
        cached = True
        for jj in range(m):
            v[feats[jj]] = w[feats[jj]]
    return it, PN_MAX_ITER, viol, b
