"""Full passes over a CSR X, row by row, without a column-ordered copy.

A vectorizer hands X over as CSR. Coordinate descent needs columns, but only
those of its working set; the passes that need every column (the set-up's
column statistics and X^T u, and every certificate's X^T u) read X row by
row here and scatter into p-vectors, which stay in cache where CSC's column
gathers of u do not. The working set's columns are copied out
(:func:`take_columns`) into a CSC over all p columns whose other columns
are empty, so that the column kernels index it as they index a whole CSC
X; a few more columns join that store in place (:func:`grow_columns`).

Rows are summed in fixed chunks (``bounds``, chosen from the shape of X
only), each chunk into its own p-vector, and the chunks are added in order:
the serial and threaded kernels do the same additions in the same order, so
a fit is bitwise the same for any ``n_jobs``. With one chunk, each column's
sum runs over its rows in increasing order, as :func:`.datafit.col_dot` does
on a CSC X with sorted indices: the same X^T u, bitwise.
"""

import numpy as np
from numba import prange

from ._flags import inner, njit

@inner(cache=True, nogil=True)
def _scatter(data, indices, indptr, lo, hi, u, out):
    """out += X[lo:hi]^T u[lo:hi] (out's entries are added to, in row order)."""
    for i in range(lo, hi):
        ui = u[i]
        for k in range(indptr[i], indptr[i + 1]):
            out[indices[k]] += data[k] * ui


@inner(cache=True, nogil=True)
def _stats_chunk(data, indices, indptr, lo, hi, sw, u, acc):
    """Rows lo:hi's share of acc[j] += (sum_i s_i x_ij, sum_i s_i x_ij^2,
    sum_i u_i x_ij, nnz): the four sums of a column side by side, so that an
    entry updates one cache line, not four (text 1e5 x 2e4: 11-12 -> 8.6 ms)."""
    for i in range(lo, hi):
        si = sw[i]
        ui = u[i]
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            x = data[k]
            acc[j, 2] += x * ui
            sx = si * x
            acc[j, 0] += sx
            acc[j, 1] += sx * x
            acc[j, 3] += 1.0


@njit(cache=True, nogil=True)
def rmatvec_rows(data, indices, indptr, bounds, u, out, scratch):
    """out = X^T u for a CSR X, chunk by chunk (``scratch``: a p-vector)."""
    out[:] = 0.0
    n_chunks = bounds.shape[0] - 1
    if n_chunks == 1:
        _scatter(data, indices, indptr, bounds[0], bounds[1], u, out)
        return
    for c in range(n_chunks):
        scratch[:] = 0.0
        _scatter(data, indices, indptr, bounds[c], bounds[c + 1], u, scratch)
        for j in range(out.shape[0]):
            out[j] += scratch[j]


@njit(cache=True, nogil=True, parallel=True)
def rmatvec_rows_threads(data, indices, indptr, bounds, u, out, chunk_out):
    """:func:`rmatvec_rows` with the chunks spread over Numba's threads
    (``chunk_out``: one p-vector per chunk), added in chunk order after."""
    n_chunks = bounds.shape[0] - 1
    for c in prange(n_chunks):
        chunk_out[c, :] = 0.0
        _scatter(data, indices, indptr, bounds[c], bounds[c + 1], u, chunk_out[c])
    out[:] = 0.0
    for c in range(n_chunks):
        for j in range(out.shape[0]):
            out[j] += chunk_out[c, j]


@njit(cache=True, nogil=True)
def column_sums_rows(data, indices, indptr, bounds, sw, u, s1, s2, grad, count, scratch,
                     chunk_count):
    """One pass over a CSR X: s1 = X^T s, s2 = (X * X)^T s, grad = X^T u,
    count = the stored entries of each column and ``chunk_count[c]`` those
    of each chunk's rows (n_chunks x p, or 1 x p overwritten chunk after
    chunk where only the totals are wanted; ``scratch``: p x 4, each
    chunk's sums side by side)."""
    s1[:] = 0.0
    s2[:] = 0.0
    grad[:] = 0.0
    count[:] = 0
    last = chunk_count.shape[0] - 1
    for c in range(bounds.shape[0] - 1):
        scratch[:, :] = 0.0
        _stats_chunk(data, indices, indptr, bounds[c], bounds[c + 1], sw, u, scratch)
        _add_sums(scratch, chunk_count[min(c, last)], s1, s2, grad, count)


@njit(cache=True, nogil=True, parallel=True)
def column_sums_rows_threads(data, indices, indptr, bounds, sw, u, s1, s2, grad, count,
                             chunk_sums, chunk_count):
    """:func:`column_sums_rows` with the chunks over Numba's threads
    (``chunk_sums``: n_chunks x p x 4, ``chunk_count``: n_chunks x p)."""
    n_chunks = bounds.shape[0] - 1
    for c in prange(n_chunks):
        chunk_sums[c, :, :] = 0.0
        _stats_chunk(data, indices, indptr, bounds[c], bounds[c + 1], sw, u, chunk_sums[c])
    s1[:] = 0.0
    s2[:] = 0.0
    grad[:] = 0.0
    count[:] = 0
    for c in range(n_chunks):
        _add_sums(chunk_sums[c], chunk_count[c], s1, s2, grad, count)


@njit(cache=True, nogil=True)
def centred_moments_rows(data, indices, indptr, sw, slot, means, out):
    """out[t] = (1/n) sum_i s_i (X[i, j] - means[t])^2 for each column j with
    slot[j] = t >= 0, in one pass over a CSR X's rows: the set-up's second
    moments of the columns whose mean rivals their spread, without copying
    them out (a text's commonest words are much of X).

    The stored entries give sum s_i d_i^2 (d = x - m) and their weight
    sum s_i; the zeros add m^2 times the rest of the weight, n - sum s_i
    (sum_i s_i = n). Every term is nonnegative: no cancellation, where
    folding the zeros in as sum s_i (d_i^2 - m^2) + n m^2 cancels to m^2 /
    variance times eps (1e-9 for a column 1e4 + N(0, 1))."""
    k = out.shape[0]
    weight = np.zeros(k)
    out[:] = 0.0
    for i in range(indptr.shape[0] - 1):
        s = sw[i]
        for e in range(indptr[i], indptr[i + 1]):
            t = slot[indices[e]]
            if t >= 0:
                d = data[e] - means[t]
                out[t] += s * d * d
                weight[t] += s
    n = float(indptr.shape[0] - 1)
    for t in range(k):
        rest = n - weight[t]
        if rest < 0.0:  # (rounding: all the weight is on stored entries)
            rest = 0.0
        out[t] = (out[t] + means[t] * means[t] * rest) / n


@njit(cache=True, nogil=True, inline="always")
def _add_sums(sums, cnt, s1, s2, grad, count):
    """A chunk's sums (p x 4) added to the totals in order; its counts into ``cnt``."""
    for j in range(s1.shape[0]):
        s1[j] += sums[j, 0]
        s2[j] += sums[j, 1]
        grad[j] += sums[j, 2]
        cnt[j] = np.int64(sums[j, 3])  # (an exact count: below 2^53)
        count[j] += cnt[j]


@inner(cache=True, nogil=True)
def _copy_rows(data, indices, indptr, lo, hi, step, nxt, out_data, out_indices):
    """Rows lo:hi's entries, each written at ``nxt[j]``, which then moves on
    by ``step[j]``: 1 for a column taken, 0 for one that is not, whose
    ``nxt[j]`` is the spare slot past the end.

    Branch-free: on a text's columns about every other entry is taken, in
    no pattern a branch predictor could learn, and writing every entry
    (the skipped ones over and over into one cached slot) ran in 0.6 x the
    time of testing each.
    """
    for i in range(lo, hi):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            q = nxt[j]
            out_data[q] = data[k]
            out_indices[q] = i
            nxt[j] = q + step[j]


# entries between two chunks' spare slots in a threaded copy: each thread
# writes its skipped entries into a cache line of its own (one slot shared
# by both threads bounced its line between the cores on every other entry:
# the 1e6 x 1e5 text's copy took 0.63 s on 2 threads against 0.16 s on one)
SPARE_STRIDE = 16


@njit(cache=True, nogil=True, inline="always")
def _check_spare(out_indptr, out_data, out_indices, slots):
    """Refuse an output without room for the spare slots, never write past its end."""
    last = out_indptr[out_indptr.shape[0] - 1] + SPARE_STRIDE * (slots - 1)
    if out_data.shape[0] <= last or out_indices.shape[0] <= last:
        raise ValueError("take_columns: the output needs spare entries past the end")


@njit(cache=True, nogil=True, inline="always")
def _copy_cursors(take, out_indptr, spare):
    """(nxt, step) of :func:`_copy_rows` for the columns with ``take[j]``,
    the skipped ones written at ``spare``."""
    p = take.shape[0]
    nxt = np.empty(p, dtype=np.int64)
    step = np.empty(p, dtype=np.int64)
    for j in range(p):
        if take[j]:
            nxt[j] = out_indptr[j]
            step[j] = 1
        else:
            nxt[j] = spare
            step[j] = 0
    return nxt, step


def spare_entries(n_chunks):
    """Entries past the end that :func:`take_columns_threads` needs for
    ``n_chunks`` chunks (:func:`take_columns`: ``spare_entries(1)``)."""
    return SPARE_STRIDE * (n_chunks - 1) + 1


@njit(cache=True, nogil=True)
def take_columns(data, indices, indptr, n_rows, take, out_indptr, out_data, out_indices):
    """Copy the columns j with ``take[j]`` of a CSR X into a CSC over all
    columns whose ``out_indptr`` the caller laid out (the other columns
    empty; ``out_data`` and ``out_indices`` hold one spare entry past
    ``out_indptr[-1]``). One read of X's indices; rows come in increasing
    order, so each column's row indices are sorted."""
    _check_spare(out_indptr, out_data, out_indices, 1)
    nxt, step = _copy_cursors(take, out_indptr, out_indptr[take.shape[0]])
    _copy_rows(data, indices, indptr, 0, n_rows, step, nxt, out_data, out_indices)


@njit(cache=True, nogil=True, parallel=True)
def take_columns_threads(data, indices, indptr, bounds, chunk_count, take, out_indptr, out_data,
                         out_indices):
    """:func:`take_columns` with the chunks of rows over Numba's threads:
    chunk c writes column j's entries after those of the chunks before it
    (``chunk_count``: n_chunks x p, from the set-up), so the columns come out
    the same, their rows in increasing order. Chunk c writes the entries it
    skips at ``out_indptr[-1] + SPARE_STRIDE * c``, never read: the output
    holds ``spare_entries(n_chunks)`` entries past the end."""
    n_chunks = bounds.shape[0] - 1
    _check_spare(out_indptr, out_data, out_indices, n_chunks)
    p = take.shape[0]
    for c in prange(n_chunks):
        nxt, step = _copy_cursors(take, out_indptr, out_indptr[p] + SPARE_STRIDE * c)
        for j in range(p):
            for c2 in range(c):
                nxt[j] += step[j] * chunk_count[c2, j]
        _copy_rows(data, indices, indptr, bounds[c], bounds[c + 1], step, nxt, out_data,
                   out_indices)


@njit(cache=True, nogil=True)
def grow_columns(data, indices, indptr, n_rows, new, new_ptr, out_indptr, out_data,
                 out_indices):
    """Add the columns j with ``new[j]`` to a store :func:`take_columns` made,
    in place: the columns it holds move to their places in the layout
    ``new_ptr`` (theirs and the new ones'), from the last one back (each
    moves up or stays, so nothing is overwritten before it moved), the new
    ones are copied out of X, and ``out_indptr`` becomes ``new_ptr``: the
    store :func:`take_columns` would make for all of them, in the same
    arrays, so that every view of the store stays consistent.

    One read of X's indices, with a branch per entry that a predictor learns
    when the new columns are few (one column of a text: 2.4 ms against the
    12 ms of copying the whole store out again, which also wrote it to new
    memory)."""
    p = new.shape[0]
    if out_data.shape[0] < new_ptr[p] or out_indices.shape[0] < new_ptr[p]:
        raise ValueError("grow_columns: the store has no room for the new columns")
    for j in range(p - 1, -1, -1):
        lo = out_indptr[j]
        to = new_ptr[j]
        if to != lo:
            for t in range(out_indptr[j + 1] - lo - 1, -1, -1):
                out_data[to + t] = out_data[lo + t]
                out_indices[to + t] = out_indices[lo + t]
    nxt = np.empty(p, dtype=np.int64)
    for j in range(p):
        nxt[j] = new_ptr[j]
    for i in range(n_rows):
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if new[j]:
                q = nxt[j]
                out_data[q] = data[k]
                out_indices[q] = i
                nxt[j] = q + 1
    for j in range(p + 1):
        out_indptr[j] = new_ptr[j]


@njit(cache=True, nogil=True, inline="always")
def _matvec_chunk(data, indices, indptr, lo, hi, w, nonzero, out):
    """out[i] = sum_k x_ik w_k over row i's entries in order, for rows lo:hi;
    with a ``nonzero`` mask (length p; length 0: none) only over the entries
    whose w_k it marks, which adds the same terms but the zeros: the same
    sums, bit for bit. Where w is a p-vector that leaves the cache (a
    hashing vectorizer's 2^20 columns: 8 MiB) and holds few nonzeros, a
    byte each instead of a miss (that X, 16 nonzeros: 32-36 -> 22-25 ms)."""
    if nonzero.shape[0] == 0:
        for i in range(lo, hi):
            acc = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                acc += data[k] * w[indices[k]]
            out[i] = acc
        return
    for i in range(lo, hi):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if nonzero[j]:
                acc += data[k] * w[j]
        out[i] = acc


@njit(cache=True, nogil=True)
def matvec_rows(data, indices, indptr, w, nonzero, out):
    """out = X w for a CSR X, row by row (``nonzero``: see :func:`_matvec_chunk`).
    A zero w_k adds a zero, so this is bit for bit :func:`.datafit.matvec`
    on X's columns (which skips them), without a column-ordered copy of the
    nonzero ones."""
    _matvec_chunk(data, indices, indptr, 0, out.shape[0], w, nonzero, out)


@njit(cache=True, nogil=True, parallel=True)
def matvec_rows_threads(data, indices, indptr, bounds, w, nonzero, out):
    """:func:`matvec_rows` with the chunks of rows over Numba's threads (each
    row's sum the same: bit for bit the serial product)."""
    for c in prange(bounds.shape[0] - 1):
        _matvec_chunk(data, indices, indptr, bounds[c], bounds[c + 1], w, nonzero, out)


@njit(cache=True, nogil=True, inline="always")
def row_slots(data, indices, indptr, i, pos, slots, vals):
    """Row i's entries in a set of columns (``pos[j]``: column j's place in
    the set, -1 outside it) into (slots, vals), in the row's order; returns
    how many."""
    m = 0
    for k in range(indptr[i], indptr[i + 1]):
        # written whether or not it is in the set, kept only if it is: no
        # branch a text's columns would mispredict (2.4 -> 1.9 ns an entry)
        a = pos[indices[k]]
        slots[m] = a
        vals[m] = data[k]
        m += a >= 0
    return m


@inner(cache=True, nogil=True)
def _gram_chunk(data, indices, indptr, lo, hi, pos, m_old, sw, y, cross, xty, slots, vals):
    """Rows lo:hi's share of :func:`gram_rows`' sums (added to cross and xty)."""
    for i in range(lo, hi):
        m = row_slots(data, indices, indptr, i, pos, slots, vals)
        s = sw[i]
        for u in range(m):
            a = slots[u] - m_old
            if a < 0:
                continue
            xa = s * vals[u]
            xty[a] += xa * y[i]
            for v in range(u, m):
                cross[a, slots[v]] += xa * vals[v]
            if m_old > 0:
                # the held features before it in the row (a new one there
                # was summed with this one at its own turn)
                for v in range(u):
                    b = slots[v]
                    if b < m_old:
                        cross[a, b] += xa * vals[v]


@njit(cache=True, nogil=True, inline="always")
def _mirror_new(cross, m_old):
    """The new block of ``cross`` made symmetric: each pair was summed into
    one of its two places (the other zero)."""
    m_new = cross.shape[0]
    for a in range(m_new):
        for b in range(a + 1, m_new):
            t = cross[a, m_old + b] + cross[b, m_old + a]
            cross[a, m_old + b] = t
            cross[b, m_old + a] = t


@njit(cache=True, nogil=True)
def gram_rows(data, indices, indptr, bounds, pos, m_old, sw, y, cross, xty, slots, vals,
              chunk_cross, chunk_xty):
    """The weighted Gram rows of the features that join a set, from a CSR X.

    The set's features j have ``pos[j]`` >= 0 (their place in the set; -1 for
    the others), those at places >= ``m_old`` are new. For each new place a
    and every place b: cross[a - m_old, b] = sum_i s_i x_{i,j_a} x_{i,j_b},
    and xty[a - m_old] = sum_i s_i x_{i,j_a} y_i (cross and xty start at
    zero), summed chunk by chunk of rows (``bounds``; ``chunk_cross`` and
    ``chunk_xty``: one chunk's sums, when there are several), each chunk's
    rows in order, the chunks added in order. One read of X's indices, plus
    a multiply-add per pair of the set's entries in a row with one of them
    new: sum_i k_new,i k_i, where a copy of the columns (:func:`take_columns`)
    would write the entries of the set out first. ``slots`` and ``vals``
    hold one row's entries of the set (longest row + 1).

    A pair of new features is summed once, into the row of the one whose
    column comes first (X's indices are sorted: in every row the same one),
    then mirrored: the new block comes out exactly symmetric.
    """
    n_chunks = bounds.shape[0] - 1
    if n_chunks == 1:
        _gram_chunk(data, indices, indptr, bounds[0], bounds[1], pos, m_old, sw, y, cross, xty,
                    slots, vals)
    else:
        for c in range(n_chunks):
            chunk_cross[:, :] = 0.0
            chunk_xty[:] = 0.0
            _gram_chunk(data, indices, indptr, bounds[c], bounds[c + 1], pos, m_old, sw, y,
                        chunk_cross, chunk_xty, slots, vals)
            cross += chunk_cross
            xty += chunk_xty
    _mirror_new(cross, m_old)


@njit(cache=True, nogil=True, parallel=True)
def gram_rows_threads(data, indices, indptr, bounds, pos, m_old, sw, y, cross, xty, slots,
                      vals, chunk_cross, chunk_xty):
    """:func:`gram_rows` with the chunks over Numba's threads (``slots`` and
    ``vals``: a row of each per chunk; ``chunk_cross`` and ``chunk_xty``: a
    block of each per chunk), added in chunk order after: bit for bit the
    serial sums."""
    n_chunks = bounds.shape[0] - 1
    for c in prange(n_chunks):
        chunk_cross[c, :, :] = 0.0
        chunk_xty[c, :] = 0.0
        _gram_chunk(data, indices, indptr, bounds[c], bounds[c + 1], pos, m_old, sw, y,
                    chunk_cross[c], chunk_xty[c], slots[c], vals[c])
    for c in range(n_chunks):
        cross += chunk_cross[c]
        xty += chunk_xty[c]
    _mirror_new(cross, m_old)
