"""Gram matrices of a few columns of a CSR X, from its rows, without copying the columns out.

For a set of features S of a CSR X (:class:`sparsecert._validation.RowDesign`),
the raw weighted sums

    A = X_S^T S X_S   and   c = X_S^T S y      (S = diag(s), not divided by n)

come from one read of X's rows (:func:`sparsecert._kernels.rows.gram_rows`):
each row's entries in S, and a multiply-add per pair of them. A copy of
the columns (the column store) would write S's entries out first, and the
coordinate steps would then read them at every epoch. The Gram working set
of least-squares CD (:mod:`.gram`) grows them a few features at a time and
keeps them on the problem (:func:`remember`), so that the support refit of
the same fit (:mod:`.dual`) takes its system from them instead of building
it again (:func:`cached`).
"""

import numpy as np

from .._validation import _Threads

# the threaded Gram rows keep a block per chunk of rows: up to this many
# float64 entries in all (64 MiB; 8 chunks of a 1000-feature set), past
# which one thread sums them, a chunk at a time, into the same bits
_THREAD_ENTRIES = 1 << 23


def row_buffers(n_chunks, longest, dtype):
    """Per-chunk buffers for one row's entries in a set of columns
    (:func:`sparsecert._kernels.rows.row_slots`): (places, values), each
    n_chunks x L. row_slots writes every entry of a row before it keeps or
    skips it, so a row holding ``longest`` entries of the set and one more
    writes at ``longest``: L is at least longest + 1. Each chunk's row
    starts on cache lines of its own: threads write the first entries of
    theirs at every row, and two of them in one line bounced it between
    the cores (full-size text, rows of at most 45 entries in int16: 97 ->
    110 ms a Gram pass, unpadded)."""
    length = -(-(longest + 1) // 64) * 64 + 64
    return np.empty((n_chunks, length), dtype=dtype), np.empty((n_chunks, length))


def grow(problem, held, A, c, new):
    """(feats, A, c) for ``held`` + ``new`` (``A``, ``c``: the raw sums on
    ``held``, None when it is empty): the new features' rows and columns
    from one read of X (:func:`gram_rows`); the held block is kept as is."""
    from .._kernels.rows import gram_rows, gram_rows_threads  # (CSR kernels: a CSR X only)

    design = problem.design
    feats = np.concatenate([held, new]).astype(np.int64)
    m_old, m = held.size, feats.size
    # the pass looks every entry's column up here: int16 (2 bytes a column,
    # a 2^20-column hashing X's map in 2 MiB) where int64 missed the cache
    # (that X, 100 working features: 120 -> 48 ms a pass)
    places = np.int16 if m < 2 ** 15 else np.int32
    pos = np.full(design.n_features, -1, dtype=places)
    pos[feats] = np.arange(m)
    cross = np.zeros((m - m_old, m))
    c_new = np.zeros(m - m_old)
    data, indices, indptr = design.rows
    bounds = design.bounds
    n_chunks = bounds.shape[0] - 1
    longest = design.longest_row()
    args = (data, indices, indptr, bounds, pos, m_old, problem.sw, problem.y, cross, c_new)
    if problem.n_threads > 1 and n_chunks > 1 and n_chunks * cross.size <= _THREAD_ENTRIES:
        with _Threads(problem.n_threads):
            gram_rows_threads(*args, *row_buffers(n_chunks, longest, places),
                              np.empty((n_chunks,) + cross.shape),
                              np.empty((n_chunks, m - m_old)))
    else:
        # (the same sums: a chunk's block at a time, added in the same order)
        one = n_chunks == 1
        slots, vals = row_buffers(1, longest, places)
        gram_rows(*args, slots[0], vals[0],
                  np.empty((0, 0) if one else cross.shape), np.empty(0 if one else m - m_old))
    problem.work.add(design.nnz)
    A_all = np.empty((m, m))
    if m_old:
        A_all[:m_old, :m_old] = A
        A_all[:m_old, m_old:] = cross[:, :m_old].T
    A_all[m_old:] = cross
    return feats, A_all, np.concatenate([c, c_new]) if m_old else c_new


def remember(problem, feats, A, c):
    """Keep the raw sums on ``feats`` for :func:`cached` (the problem's own:
    tied to its X, y and sample weights)."""
    problem.__dict__["_row_gram"] = (problem.design, problem.y, problem.sw, feats, A, c)


def cached(problem, S):
    """The raw sums (A, c) on the features S (sorted), from those kept by
    :func:`remember` if they hold every one of S; else None."""
    kept = problem.__dict__.get("_row_gram")
    if kept is None:
        return None
    design, y, sw, feats, A, c = kept
    if design is not problem.design or y is not problem.y or sw is not problem.sw:
        return None
    order = np.argsort(feats, kind="stable")
    at = np.searchsorted(feats[order], S)
    at = np.minimum(at, feats.size - 1)
    if not np.array_equal(feats[order[at]], S):
        return None
    idx = order[at]
    return A[np.ix_(idx, idx)], c[idx]


def pairs_estimate(design, nnz_new, nnz_held):
    """Multiply-adds :func:`grow` makes for new columns of ``nnz_new``
    entries joining held ones of ``nnz_held``: each new entry pairs with the
    set's entries of its row, estimated by their mean per row (exact for
    rows alike; a text's rows are)."""
    per_row = max(1.0, (nnz_new + nnz_held) / design.n_samples)
    return nnz_new * per_row / (2.0 if nnz_held == 0 else 1.0)
