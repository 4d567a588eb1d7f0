"""Step 4 of the proximal Newton kernels: the direction's product, the line
search on the true objective, and the step (:mod:`.prox_newton`, and
:mod:`.group_newton` for the group penalties).

phi(t) = f(z + t xd) + sum G(w + t d): t = 1, 1/2, 1/4, ... until Armijo's
condition phi(t) <= phi(0) + ARMIJO t Delta (Tseng and Yun) or the one-sided
derivative phi'(t+) <= 0. The penalty's terms along the direction are chosen
by its kind when compiling: per coordinate for a separable penalty, per
block for the (sparse-)group lasso.
"""

import numpy as np

from ._flags import inner, njit, overload
from .codes import select
from .datafit import col_axpy
from .prox import penalty_value, slope_1d
from .samples import loss_along

ARMIJO = 1e-4
MAX_BACKTRACK = 40


@inner(cache=True, nogil=True)
def _model_direction(X_dense, X_data, X_indices, X_indptr, n_samples, feats, d, db,
                     xd):
    """xd = X d + db, from the nonzero d_j only.

    From scratch: cheaper than keeping it up to date at every step.
    """
    for i in range(n_samples):
        xd[i] = db
    for jj in range(feats.shape[0]):
        if d[jj] != 0.0:
            col_axpy(X_dense, X_data, X_indices, X_indptr, feats[jj], d[jj], xd)


@inner(cache=True, nogil=True)
def _block_penalty_along(feats, w, d, t, lo, hi, thr, thr1):
    """(G(w_g + t d_g), its right derivative in t) for one block of ``feats``,
    positions lo:hi, G = thr ||.||_2 + thr1 ||.||_1 (the sparse-group lasso's term)."""
    n2 = 0.0
    l1 = 0.0
    dot = 0.0
    d2 = 0.0
    dl1 = 0.0
    for jj in range(lo, hi):
        v = w[feats[jj]] + t * d[jj]
        n2 += v * v
        l1 += abs(v)
        dot += v * d[jj]
        d2 += d[jj] * d[jj]
        if v > 0.0:
            dl1 += d[jj]
        elif v < 0.0:
            dl1 -= d[jj]
        else:
            dl1 += abs(d[jj])
    nv = np.sqrt(n2)
    slope = thr * (dot / nv if nv > 0.0 else np.sqrt(d2)) + thr1 * dl1
    return thr * nv + thr1 * l1, slope


def _separable_along(code, feats, w, d, t, params, weights, blk_ptr, blk_thr, blk_thr1):
    """:func:`_penalty_along` of a separable penalty: its terms per moved coordinate."""
    pent = 0.0
    dpen = 0.0
    for jj in range(feats.shape[0]):
        if d[jj] != 0.0:
            j = feats[jj]
            v = w[j] + t * d[jj]
            pent += penalty_value(code, params, weights[j], v)
            dpen += slope_1d(code, params, weights[j], v, d[jj])
    return pent, dpen


def _blocks_along(code, feats, w, d, t, params, weights, blk_ptr, blk_thr, blk_thr1):
    """:func:`_penalty_along` of the (sparse-)group lasso: its terms per moved block."""
    pent = 0.0
    dpen = 0.0
    for k in range(blk_ptr.shape[0] - 1):
        moved = False
        for jj in range(blk_ptr[k], blk_ptr[k + 1]):
            if d[jj] != 0.0:
                moved = True
        if moved:
            v, s = _block_penalty_along(feats, w, d, t, blk_ptr[k], blk_ptr[k + 1], blk_thr[k],
                                        blk_thr1[k])
            pent += v
            dpen += s
    return pent, dpen


_ALONG = {"elastic_net": _separable_along, "lp": _separable_along,
          "group_lasso": _blocks_along}


def _penalty_along(code, feats, w, d, t, params, weights, blk_ptr, blk_thr, blk_thr1):
    """(the penalty's terms at w + t d over the moved coordinates, their right
    derivative in t), chosen by the kind ``code`` when compiling: per
    coordinate for a separable penalty (``params``, ``weights``); for the
    group kind per block, feats[blk_ptr[k]:blk_ptr[k + 1]] one group with
    thresholds ``blk_thr[k]`` (l2 part) and ``blk_thr1[k]`` (l1 part)."""
    return _ALONG[code.compiled](code, feats, w, d, t, params, weights, blk_ptr, blk_thr, blk_thr1)


@overload(_penalty_along)
def _penalty_along_impl(code, feats, w, d, t, params, weights, blk_ptr, blk_thr, blk_thr1):
    return select(code, "penalty", _ALONG)


@inner(cache=True, nogil=True)
def _line_search(y, sw, z, u, xd, n_samples, f0, e, feats, w, d, pen_code, pen_params,
                 pen_weights, blk_ptr, blk_thr, blk_thr1, threads):
    """Step 4: t = 1, 1/2, ... until Armijo's condition or phi'(t+) <= 0; returns
    (accepted, t, f(z + t xd)).

    phi(t) = f(z + t xd) + G(w + t d), and Armijo's condition is
    phi(t) <= phi(0) + ARMIJO t Delta, Delta = u^T xd + G(w + d) - G(w); G is
    separable, or for the group kind a sum over the blocks ``blk_ptr`` (see
    :func:`_penalty_along`; empty arrays for a separable penalty). ``f0`` is
    f(z) (from the step's derivatives); every evaluation writes ``e`` (see
    :func:`~.samples.loss_along`, on the ``threads`` kind's threads).
    """
    slope_f = 0.0
    for i in range(n_samples):
        if sw[i] != 0.0:
            slope_f += u[i] * xd[i]
    pen0 = _penalty_along(pen_code, feats, w, d, 0.0, pen_params, pen_weights, blk_ptr,
                          blk_thr, blk_thr1)[0]
    pen1 = _penalty_along(pen_code, feats, w, d, 1.0, pen_params, pen_weights, blk_ptr,
                          blk_thr, blk_thr1)[0]
    decrease = slope_f + pen1 - pen0
    if decrease > 0.0:
        # cannot happen for an exact model step; guard against rounding
        decrease = 0.0
    return backtrack(y, sw, z, xd, n_samples, f0, pen0, decrease, 1.0, e, feats, w, d,
                     pen_code, pen_params, pen_weights, blk_ptr, blk_thr, blk_thr1, threads)


@njit(cache=True, nogil=True, inline="always")
def backtrack(y, sw, z, xd, n_samples, f0, pen0, decrease, t, e, feats, w, d, pen_code,
              pen_params, pen_weights, blk_ptr, blk_thr, blk_thr1, threads):
    """The line search's steps from ``t`` on: t, t/2, ... until Armijo's
    condition phi(t) <= f0 + pen0 + ARMIJO t ``decrease`` or phi'(t+) <= 0;
    returns (accepted, t, f(z + t xd)) (:func:`_line_search`)."""
    for _ in range(MAX_BACKTRACK):
        ft, dft = loss_along(threads, y, sw, z, xd, t, n_samples, e)
        pent, dpen = _penalty_along(pen_code, feats, w, d, t, pen_params, pen_weights, blk_ptr,
                                    blk_thr, blk_thr1)
        if ft + pent <= f0 + pen0 + ARMIJO * t * decrease or dft + dpen <= 0.0:
            return True, t, ft
        t *= 0.5
    return False, t, f0


@inner(cache=True, nogil=True)
def _take_step(feats, d, w, b, db, t, xd, z):
    """w_j += t d_j, z += t xd; returns b + t db."""
    for jj in range(feats.shape[0]):
        if d[jj] != 0.0:
            j = feats[jj]
            w[j] += t * d[jj]
    for i in range(z.shape[0]):
        z[i] += t * xd[i]
    return b + t * db
