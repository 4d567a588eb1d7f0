r"""Proximal Newton steps on a CSR X read by rows, without a column copy.

The column kernel (:mod:`.prox_newton`) needs its working features' columns:
for a CSR X those are copied out first (:meth:`RowDesign.columns`), and on
text, where the features that violate first are the commonest words, a
working set of 64 features holds half of X's entries. The copy then costs as
much memory as half of X, and each Newton step reads it four times or more,
gathering the per-sample vectors at random rows.

Here a Newton step reads X by rows and copies nothing. With the
working features ``feats`` (m of them, sorted) at places slot[j] = jj (-1
for every other column), one pass over the rows (:func:`model_rows`) sums

    g_jj = sum_i u_i X_ij,   hx_jj = sum_i h_i X_ij,   Q[jj, kk] = sum_i h_i X_ij X_ik,

each row adding the products of its k_i working entries (k_i (k_i + 1) / 2
multiply-adds, in cache: Q is at most ``ROWS_MAX_FEATURES`` squared). That is
the gradient, the curvature and the whole local model of
:mod:`.newton_gram`: with the intercept profiled out, Qc = Q - hx hx^T /
sum_i h_i, and every CD epoch on the model then costs m^2 and reads no X.
The step's pass (:func:`step_rows`) makes xd = X d + db for the line search
and, in the same read of each row, the derivatives and the model at z + xd:
when the full step is taken (most steps) that is the next step's model, and
a step costs one pass over X; after a backtrack a model pass follows.
Everything else (shrinking, the CD steps, the backtracking, the step) is
the column kernel's own code.

A row pass reads all of X's indices, not only the working columns' entries,
so this pays when the working set holds a good share of X's entries and its
rows meet few of them each (:func:`rows_census`); the solver decides
(:mod:`sparsecert.solvers.prox_newton`). Rows are summed in the chunks of
:mod:`.rows` (``bounds``), each chunk's sums added in order: the bits do not
depend on the thread count. In a chunk each column's sums run over its rows
in increasing order, as the column kernel's do.
"""

import numpy as np
from numba import prange

from ._flags import inner, njit, overload
from .codes import select
from .newton_gram import gram_model_cd
from .newton_step import ARMIJO, _penalty_along, _take_step, backtrack
from .prox import subdiff_distance_1d
from .prox_newton import (INNER_FRACTION, PN_CONVERGED, PN_LINE_SEARCH, PN_MAX_ITER,
                          _shrink_candidates)
from .rows import row_slots
from .samples import _derivatives_part, derivatives, serial_body

# the local model is held as a Gram matrix of at most this many features (2 MiB)
ROWS_MAX_FEATURES = 512
# the census samples blocks of this many rows (rows_census)
CENSUS_BLOCK = 1024


@njit(cache=True, nogil=True)
def rows_census(indices, indptr, slot, every):
    """(entries of X in the working columns, sum_i k_i (k_i + 1) / 2) over the
    rows of one block of CENSUS_BLOCK in ``every`` (all rows for 1): the
    multiply-adds of a model pass (:func:`model_rows`) per working entry, as
    a sample of the rows sees them, k_i the working entries of row i (slot
    >= 0)."""
    entries = 0
    pairs = 0.0
    n = indptr.shape[0] - 1
    for start in range(0, n, CENSUS_BLOCK * every):
        stop = start + CENSUS_BLOCK
        for i in range(start, stop if stop < n else n):
            k = 0
            for e in range(indptr[i], indptr[i + 1]):
                k += slot[indices[e]] >= 0
            entries += k
            pairs += 0.5 * k * (k + 1)
    return entries, pairs


@inner(cache=True, nogil=True)
def _model_chunk(data, indices, indptr, lo, hi, slot, u, h, acc, Q, loc, val):
    """Rows lo:hi's share of acc[jj] += (sum u_i X_ij, sum h_i X_ij) and of Q's
    upper triangle (X's indices are sorted and feats too: places increase
    along a row). ``loc`` and ``val``: one row's working entries (m)."""
    for i in range(lo, hi):
        k = row_slots(data, indices, indptr, i, slot, loc, val)
        _add_row(acc, Q, loc, val, k, u[i], h[i])


@njit(cache=True, nogil=True, inline="always")
def _add_row(acc, Q, loc, val, k, ui, hi):
    """One row's share of the model sums: its k working entries (loc, val),
    with the derivatives u_i, h_i."""
    for p in range(k):
        a = loc[p]
        x = val[p]
        acc[a, 0] += x * ui
        hv = hi * x
        acc[a, 1] += hv
        for q in range(p, k):
            Q[a, loc[q]] += hv * val[q]


@njit(cache=True, nogil=True, inline="always")
def _add_chunks(acc, Q, chunk_acc, chunk_Q, n_chunks):
    """acc and Q = the first ``n_chunks`` chunks' own sums, added in chunk order."""
    acc[:, :] = 0.0
    Q[:, :] = 0.0
    for c in range(n_chunks):
        acc += chunk_acc[c]
        Q += chunk_Q[c]


@inner(cache=True, nogil=True)
def _model_rows_serial(threads, data, indices, indptr, bounds, slot, u, h, acc, Q, chunk_acc,
                       chunk_Q, loc, val):
    acc[:, :] = 0.0
    Q[:, :] = 0.0
    n_chunks = bounds.shape[0] - 1
    if n_chunks == 1:
        _model_chunk(data, indices, indptr, bounds[0], bounds[1], slot, u, h, acc, Q, loc[0],
                     val[0])
        return
    for c in range(n_chunks):
        chunk_acc[0, :, :] = 0.0
        chunk_Q[0, :, :] = 0.0
        _model_chunk(data, indices, indptr, bounds[c], bounds[c + 1], slot, u, h, chunk_acc[0],
                     chunk_Q[0], loc[0], val[0])
        acc += chunk_acc[0]
        Q += chunk_Q[0]


@njit(cache=True, nogil=True, parallel=True)
def _model_rows_threads(threads, data, indices, indptr, bounds, slot, u, h, acc, Q, chunk_acc,
                        chunk_Q, loc, val):
    n_chunks = bounds.shape[0] - 1
    for c in prange(n_chunks):
        chunk_acc[c, :, :] = 0.0
        chunk_Q[c, :, :] = 0.0
        _model_chunk(data, indices, indptr, bounds[c], bounds[c + 1], slot, u, h, chunk_acc[c],
                     chunk_Q[c], loc[c], val[c])
    _add_chunks(acc, Q, chunk_acc, chunk_Q, n_chunks)


_MODEL_ROWS = {"one": _model_rows_serial, "many": _model_rows_threads}


def model_rows(threads, data, indices, indptr, bounds, slot, u, h, acc, Q, chunk_acc, chunk_Q,
               loc, val):
    """One pass over X's rows: acc[jj] = (g_jj, hx_jj) and Q's upper triangle
    (module docstring), chunk by chunk of rows (``bounds``), the chunks
    added in order. ``chunk_acc`` (c, m, 2), ``chunk_Q`` (c, m, m), ``loc``
    and ``val`` (c, m): one chunk's sums and one row's entries, c = 1 for
    the one-thread kind, the number of chunks for the threaded one."""
    return _MODEL_ROWS[threads.compiled](threads, data, indices, indptr, bounds, slot, u, h,
                                         acc, Q, chunk_acc, chunk_Q, loc, val)


@overload(model_rows)
def _model_rows_impl(threads, data, indices, indptr, bounds, slot, u, h, acc, Q, chunk_acc,
                     chunk_Q, loc, val):
    impl = select(threads, "threads", _MODEL_ROWS)
    return serial_body(impl, _MODEL_ROWS) or (
        lambda threads, data, indices, indptr, bounds, slot, u, h, acc, Q, chunk_acc, chunk_Q,
        loc, val: impl(threads, data, indices, indptr, bounds, slot, u, h, acc, Q, chunk_acc,
                       chunk_Q, loc, val))


@inner(cache=True, nogil=True)
def finish_model(feats, acc, Q, hsum, gb, fit_intercept, b_scale, w, vscale, pen_code,
                 pen_params, pen_weights, grad, hxs, hdiag):
    """From a model pass: grad, hxs (0 without intercept) and hdiag (the
    centred curvature, 0 below rounding) as the column kernel's
    ``gradient_violation`` makes them, Q made the full centred Qc; returns
    the violation over ``feats`` and the intercept, in the certificate's units."""
    m = feats.shape[0]
    centre = fit_intercept and hsum > 0.0
    viol = abs(gb) * b_scale if fit_intercept else 0.0
    for jj in range(m):
        j = feats[jj]
        g = acc[jj, 0]
        hx = acc[jj, 1] if fit_intercept else 0.0
        hh = Q[jj, jj]
        hc = hh - hx * hx / hsum if hsum > 0.0 else hh
        grad[jj] = g
        hxs[jj] = hx
        hdiag[jj] = hc if hc > 1e-12 * hh else 0.0
        v = subdiff_distance_1d(pen_code, pen_params, pen_weights[j], w[j], g, hh) * vscale[j]
        if v > viol or v != v:
            viol = v
    for a in range(m):
        for b in range(a, m):
            v = Q[a, b]
            if centre:
                v -= hxs[a] * hxs[b] / hsum
            Q[a, b] = v
            Q[b, a] = v
    return viol


@inner(cache=True, nogil=True)
def model_cd(Q, feats, w, d, grad, hdiag, hxs, gb, hsum, fit_intercept, pen_code, pen_params,
             pen_weights, viol, vscale, shrink, inner_tol, max_inner, cand):
    """The CD epochs of a Newton step on the model Qc (:func:`finish_model`):
    the first over every feature but the shrunk ones, the later ones over the
    features that are or became nonzero, as the column kernel's. Fills d;
    returns db, the intercept's step (0 without one)."""
    d[:] = 0.0
    ncand = _shrink_candidates(feats, w, grad, hdiag, vscale, pen_code, pen_params, pen_weights,
                               shrink, viol, cand)
    # the model restricted to the candidates: Q's rows and columns in their order
    Qs = np.empty((ncand, ncand))
    for a in range(ncand):
        for b in range(ncand):
            Qs[a, b] = Q[cand[a], cand[b]]
    g = np.empty(ncand)
    _, db = gram_model_cd(Qs, cand, ncand, feats, w, d, grad, hdiag, hxs, gb, hsum,
                          fit_intercept, pen_code, pen_params, pen_weights, inner_tol,
                          max_inner, g, np.int64(1))
    return db


@inner(cache=True, nogil=True)
def _step_chunk(data, indices, indptr, lo, hi, slot, d, db, wn, bn, y, sw, z, nf, u, h, xd, zn,
                acc, Q, loc, val, sums):
    """Rows lo:hi of a step pass (:func:`step_rows`), sums += their shares."""
    slope = 0.0
    f = 0.0
    dft = 0.0
    hsum = 0.0
    gb = 0.0
    for i in range(lo, hi):
        k = row_slots(data, indices, indptr, i, slot, loc, val)
        xdi = db
        zi = 0.0
        for q in range(k):
            xdi += val[q] * d[loc[q]]
            zi += val[q] * wn[loc[q]]
        xd[i] = xdi
        # X w + b at the full step's point as the certificate's row product
        # makes it, bit for bit (the row's other entries have w_j = 0 and
        # add zeros): z + xd would differ in the last bits, and the
        # certificate would have to read X again for its own
        zn[i] = zi + bn
        if sw[i] != 0.0:
            slope += u[i] * xdi
        hs, gs, fs = _derivatives_part(y, sw, zn, i, i + 1, nf, u, h, zn, False)
        hsum += hs
        gb += gs
        f += fs
        dft += u[i] * xdi
        _add_row(acc, Q, loc, val, k, u[i], h[i])
    sums[0] += slope
    sums[1] += f
    sums[2] += dft
    sums[3] += hsum
    sums[4] += gb


@inner(cache=True, nogil=True)
def _step_rows_serial(threads, data, indices, indptr, bounds, slot, d, db, wn, bn, y, sw, z, u,
                      h, xd, zn, acc, Q, chunk_acc, chunk_Q, loc, val, sums):
    nf = float(z.shape[0])
    acc[:, :] = 0.0
    Q[:, :] = 0.0
    sums[:, :] = 0.0
    n_chunks = bounds.shape[0] - 1
    if n_chunks == 1:
        _step_chunk(data, indices, indptr, bounds[0], bounds[1], slot, d, db, wn, bn, y, sw, z,
                    nf, u, h, xd, zn, acc, Q, loc[0], val[0], sums[0])
        return _added(sums, nf)
    for c in range(n_chunks):
        chunk_acc[0, :, :] = 0.0
        chunk_Q[0, :, :] = 0.0
        _step_chunk(data, indices, indptr, bounds[c], bounds[c + 1], slot, d, db, wn, bn, y, sw,
                    z, nf, u, h, xd, zn, chunk_acc[0], chunk_Q[0], loc[0], val[0], sums[c])
        acc += chunk_acc[0]
        Q += chunk_Q[0]
    return _added(sums, nf)


@njit(cache=True, nogil=True, inline="always")
def _added(sums, nf):
    """The chunks' five sums added in chunk order (f divided by n)."""
    out = np.zeros(5)
    for c in range(sums.shape[0]):
        for k in range(5):
            out[k] += sums[c, k]
    return out[0], out[1] / nf, out[2], out[3], out[4]


@njit(cache=True, nogil=True, parallel=True)
def _step_rows_threads(threads, data, indices, indptr, bounds, slot, d, db, wn, bn, y, sw, z, u,
                       h, xd, zn, acc, Q, chunk_acc, chunk_Q, loc, val, sums):
    nf = float(z.shape[0])
    n_chunks = bounds.shape[0] - 1
    for c in prange(n_chunks):
        chunk_acc[c, :, :] = 0.0
        chunk_Q[c, :, :] = 0.0
        sums[c, :] = 0.0
        _step_chunk(data, indices, indptr, bounds[c], bounds[c + 1], slot, d, db, wn, bn, y, sw,
                    z, nf, u, h, xd, zn, chunk_acc[c], chunk_Q[c], loc[c], val[c], sums[c])
    _add_chunks(acc, Q, chunk_acc, chunk_Q, n_chunks)
    return _added(sums, nf)


_STEP_ROWS = {"one": _step_rows_serial, "many": _step_rows_threads}


def step_rows(threads, data, indices, indptr, bounds, slot, d, db, wn, bn, y, sw, z, u, h, xd, zn,
              acc, Q, chunk_acc, chunk_Q, loc, val, sums):
    """One pass over X's rows for a Newton step's direction d (places of
    ``feats``) and db, which is also the next step's model pass if the full
    step is taken: xd = X d + db, zn = X wn + bn at the full step's point
    (wn: its working coefficients by place, the others being 0; zn is then
    the certificate's X w + b there, bit for bit), then u and h replaced by the
    derivatives at zn (:func:`.samples.derivatives`, after u_i's share of
    u^T xd is taken) and the model at zn summed into ``acc`` and ``Q`` as
    :func:`model_rows` does. Returns (u^T xd, f(zn), the derivative of
    f(z + t xd) at t = 1, sum_i h_i and sum_i u_i at zn). ``sums`` (chunks,
    5): each chunk's sums, added in chunk order (the bits do not depend on
    the thread count). The pass never reads z's entries (u holds what it
    needs of z): ``zn`` may be z itself."""
    return _STEP_ROWS[threads.compiled](threads, data, indices, indptr, bounds, slot, d, db, wn,
                                        bn, y, sw, z, u, h, xd, zn, acc, Q, chunk_acc, chunk_Q,
                                        loc, val, sums)


@overload(step_rows)
def _step_rows_impl(threads, data, indices, indptr, bounds, slot, d, db, wn, bn, y, sw, z, u, h,
                    xd, zn, acc, Q, chunk_acc, chunk_Q, loc, val, sums):
    impl = select(threads, "threads", _STEP_ROWS)
    return serial_body(impl, _STEP_ROWS) or (
        lambda threads, data, indices, indptr, bounds, slot, d, db, wn, bn, y, sw, z, u, h, xd,
        zn, acc, Q, chunk_acc, chunk_Q, loc, val, sums: impl(
            threads, data, indices, indptr, bounds, slot, d, db, wn, bn, y, sw, z, u, h, xd, zn,
            acc, Q, chunk_acc, chunk_Q, loc, val, sums))


@inner(cache=True, nogil=True)
def _model_pass(data, indices, indptr, bounds, n_samples, y, sw, z, feats, slot, w,
                fit_intercept, b_scale, vscale, pen_code, pen_params, pen_weights, nvec, acc,
                vecs, Q, state, chunk_acc, chunk_Q, loc, val, cached, f, threads):
    """The model at z from scratch (derivatives, then :func:`model_rows` and
    :func:`finish_model`) into ``vecs`` and ``Q``; state[1:] = (violation,
    f(z), sum_i h_i, sum_i u_i). ``cached``: h holds the line search's
    exp(-|y z|) (:func:`prox_newton_rows`) and ``f`` is f(z); the
    derivatives read each h_i before they write it."""
    hsum, gb, f0 = derivatives(threads, y, sw, z, n_samples, nvec[0], nvec[1], nvec[1], cached)
    model_rows(threads, data, indices, indptr, bounds, slot, nvec[0], nvec[1], acc, Q,
               chunk_acc, chunk_Q, loc, val)
    state[1] = finish_model(feats, acc, Q, hsum, gb, fit_intercept, b_scale, w, vscale,
                            pen_code, pen_params, pen_weights, vecs[0], vecs[1], vecs[2])
    state[2] = f if cached else f0
    state[3] = hsum
    state[4] = gb


@njit(cache=True, nogil=True, inline="always")
def _full_point(feats, w, d, wn):
    """wn = the working coefficients after the full step (by place), as
    :func:`_full_step` will make them: w_j + d_j."""
    for jj in range(feats.shape[0]):
        wn[jj] = w[feats[jj]] + d[jj]


@njit(cache=True, nogil=True, inline="always")
def _full_step(feats, d, w, b, db, state):
    """:func:`.newton_step._take_step` at t = 1 (the same w and b, bit for
    bit); z already holds the step pass's X w + b at the new point, made
    afresh whatever steps came before (state[5] = 1)."""
    for jj in range(feats.shape[0]):
        if d[jj] != 0.0:
            w[feats[jj]] += d[jj]
    state[5] = 1.0
    return b + db


@njit(cache=True, nogil=True, inline="always")
def _back_to_start(z, xd, state):
    """z -= xd: from the rejected full step's X w_new + b_new back to the
    step's start, X w + b up to rounding (state[5] = 0: the certificate
    then computes z afresh), for the line search's z + t xd. (Writing the
    step's z over the old one spares an n-vector, 8 MB for 1e6 samples.)
    The line search then keeps its exp(-|y z|) in h, which holds the
    rejected point's curvature, read by nothing: the model pass after it
    takes them up from there."""
    for i in range(z.shape[0]):
        z[i] -= xd[i]
    state[5] = 0.0


@njit(cache=True, nogil=True)
def prox_newton_rows(data, indices, indptr, bounds, n_samples, y, sw, w, b, fit_intercept, z,
                     feats, slot, vscale, b_scale, pen_code, pen_params, pen_weights,
                     max_outer, max_inner, tol, tol_final, shrink, work, nvec, acc, vecs, Q,
                     state, chunk_acc, chunk_Q, loc, val, sums, threads):
    """:func:`.prox_newton.prox_newton_logistic` on a CSR X (``data``,
    ``indices``, ``indptr``; row chunks ``bounds``), its Newton steps read
    by rows (module docstring), one pass over X each when the full step is
    taken (:func:`step_rows`).

    ``slot``: feats[jj]'s place jj for each working feature, -1 for every
    other column. Kept between the calls of one working set: ``nvec`` (3, n:
    u, h, xd), the model ``acc`` (m, 2), ``vecs`` (4, m: grad, hxs,
    hdiag, d) and ``Q`` (m, m), valid while state[0] = 1 (the caller sets 0
    for a new set or a moved z), with state[1:5] as :func:`_model_pass` sets
    it; state[5] = 1 while z is X w + b as the certificate's row product
    makes it, bit for bit (the caller sets it for the z it passes; a full
    step keeps it, a backtracked one clears it): the certificate then need
    not read X for it. ``chunk_acc``, ``chunk_Q``, ``loc``, ``val``, ``sums``: the passes'
    scratch (:func:`model_rows`, :func:`step_rows`). The other arguments
    are the column kernel's; so are the returned (n_outer, status,
    violation, b), the violation measured at the last point.
    """
    grad, hxs, hdiag, d = vecs[0], vecs[1], vecs[2], vecs[3]
    u, h, xd = nvec[0], nvec[1], nvec[2]
    cand = np.empty(feats.shape[0], np.int64)
    wn = np.empty(feats.shape[0])
    no_blocks, no_thr = np.empty(0, dtype=np.int64), np.empty(0)  # separable: no blocks
    nnz = float(indptr[indptr.shape[0] - 1])
    # (bool(...), not literals: a literal would compile _model_pass once more)
    cached, from_search = bool(False), bool(True)
    if state[0] == 0.0:
        work[0] += nnz
        _model_pass(data, indices, indptr, bounds, n_samples, y, sw, z, feats, slot, w,
                    fit_intercept, b_scale, vscale, pen_code, pen_params, pen_weights, nvec,
                    acc, vecs, Q, state, chunk_acc, chunk_Q, loc, val, cached, 0.0, threads)
        state[0] = 1.0
    it = 0
    while not state[1] <= tol and it < max_outer:  # (a NaN violation steps, as the column kernel)
        it += 1
        f, hsum, gb = state[2], state[3], state[4]
        inner_tol = INNER_FRACTION * state[1]
        if 0.25 * tol_final > inner_tol:  # max(), without the builtin's compile
            inner_tol = 0.25 * tol_final
        db = model_cd(Q, feats, w, d, grad, hdiag, hxs, gb, hsum, fit_intercept, pen_code,
                      pen_params, pen_weights, state[1], vscale, shrink, inner_tol, max_inner,
                      cand)
        pen0 = _penalty_along(pen_code, feats, w, d, 0.0, pen_params, pen_weights, no_blocks,
                              no_thr, no_thr)[0]
        pen1, dpen1 = _penalty_along(pen_code, feats, w, d, 1.0, pen_params, pen_weights,
                                     no_blocks, no_thr, no_thr)
        work[0] += nnz
        _full_point(feats, w, d, wn)
        # the new X w + b goes over z, which the pass never reads (u holds z's share)
        slope, f1, dft1, hsum1, gb1 = step_rows(threads, data, indices, indptr, bounds, slot, d,
                                                db, wn, b + db, y, sw, z, u, h, xd, z, acc, Q,
                                                chunk_acc, chunk_Q, loc, val, sums)
        decrease = slope + pen1 - pen0
        if decrease > 0.0:  # rounding (as the column kernel's line search)
            decrease = 0.0
        if f1 + pen1 <= f + pen0 + ARMIJO * decrease or dft1 + dpen1 <= 0.0:
            # the full step: the pass summed the model at its point already
            b = _full_step(feats, d, w, b, db, state)
            state[1] = finish_model(feats, acc, Q, hsum1, gb1, fit_intercept, b_scale, w,
                                    vscale, pen_code, pen_params, pen_weights, grad, hxs, hdiag)
            state[2], state[3], state[4] = f1, hsum1, gb1
            continue
        _back_to_start(z, xd, state)  # and the line search's exp(-|y z|) go to h
        accepted, t, f_next = backtrack(y, sw, z, xd, n_samples, f, pen0, decrease, 0.5, h,
                                        feats, w, d, pen_code, pen_params, pen_weights,
                                        no_blocks, no_thr, no_thr, threads)
        if not accepted:
            state[0] = 0.0  # u and h hold the rejected point's derivatives
            return it, PN_LINE_SEARCH, state[1], b
        b = _take_step(feats, d, w, b, db, t, xd, z)
        work[0] += nnz
        _model_pass(data, indices, indptr, bounds, n_samples, y, sw, z, feats, slot, w,
                    fit_intercept, b_scale, vscale, pen_code, pen_params, pen_weights, nvec,
                    acc, vecs, Q, state, chunk_acc, chunk_Q, loc, val, from_search, f_next,
                    threads)
    return it, (PN_CONVERGED if state[1] <= tol else PN_MAX_ITER), state[1], b
