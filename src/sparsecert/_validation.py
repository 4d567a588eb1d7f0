"""Input checks and conversions to what the kernels read.

Dense X becomes Fortran-ordered (a copy when the caller's array is not:
coordinate descent reads whole columns); a CSC X is used with sorted indices
and no duplicates (a copy when needed); a CSR X is used as given
(:class:`RowDesign`: full passes row by row, the working set's columns
copied out). Nothing is ever densified, and the caller's arrays are never
written to.
"""

import contextlib
import math
import sys
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._kernels import codes

# the X_dense of a CSC design: 1-D, so that the kernels compile their CSC
# branches only (see sparsecert._kernels.datafit)
_EMPTY_DENSE = {np.dtype(np.float64): np.empty(0, dtype=np.float64),
                np.dtype(np.float32): np.empty(0, dtype=np.float32)}


@dataclass(frozen=True)
class Design:
    """X as the kernels take it: ``args`` = (X_dense, X_data, X_indices, X_indptr).

    Dense: X_dense is the Fortran-ordered 2-D array and the CSC arrays are
    empty. CSC: X_dense is an empty 1-D array. The kernels tell the layouts
    apart by ``X_dense.ndim``, when they are compiled (see
    :mod:`sparsecert._kernels.datafit`): a dense fit compiles no CSC code.
    """

    args: tuple
    n_samples: int
    n_features: int
    dtype: np.dtype
    is_sparse: bool
    nnz: int
    is_csr = False  # see RowDesign

    def columns(self, feats=None):
        """The kernels' arguments, holding at least the columns ``feats``
        (None: all): every column, here."""
        return self.args

    def prefer(self, feats):
        """A hint of columns a solver may ask for later (used by RowDesign)."""

    def holds(self, feats):
        """Whether the columns ``feats`` are at hand without a copy out of X."""
        return True

    def column_nnz(self, feats):
        """The stored entries of the columns ``feats`` (n each when dense)."""
        if not self.is_sparse:
            return self.n_samples * len(feats)
        indptr = self.args[3]
        return int(np.sum(indptr[feats + 1] - indptr[feats])) if len(feats) else 0

    def column_counts(self, feats):
        """The stored entries of each column of ``feats``, as floats."""
        if not self.is_sparse:
            return np.full(len(feats), float(self.n_samples))
        indptr = self.args[3]
        return (indptr[feats + 1] - indptr[feats]).astype(np.float64)


def _index_dtype(nnz):
    """The kernels' index type for a sparse X of ``nnz`` entries."""
    return np.int32 if nnz < np.iinfo(np.int32).max else np.int64


def as_design(X):
    """Wrap a validated float32/float64 dense array or sparse matrix as a
    :class:`Design` (a :class:`RowDesign` for CSR)."""
    n, p = X.shape
    if sp.issparse(X) and X.format == "csr":
        return RowDesign(X)
    if sp.issparse(X):
        X = X.tocsc()
        if not X.has_canonical_format:
            # sum_duplicates/sort_indices work in place: never on the caller's matrix
            X = X.copy()
            X.sum_duplicates()
        dtype = X.dtype
        index_dtype = _index_dtype(X.nnz)
        indices = np.ascontiguousarray(X.indices, dtype=index_dtype)
        indptr = np.ascontiguousarray(X.indptr, dtype=index_dtype)
        data = np.ascontiguousarray(X.data)
        args = (_EMPTY_DENSE[dtype], data, indices, indptr)
        return Design(args, n, p, dtype, True, int(X.nnz))
    if n == 1 or p == 1:
        # NumPy flags a one-row or one-column array both C- and F-contiguous,
        # and Numba then types it as C-ordered: every kernel would be compiled
        # once more for this shape alone (what `sparsecert compile` does not
        # cover). Its CSC form runs the kernels any sparse X runs, on the same
        # iterates (the dense and CSC steps differ only by the zeros they add).
        return as_design(sp.csc_matrix(X))
    X = np.asfortranarray(X)
    empty = np.empty(0, dtype=X.dtype)
    empty_idx = np.empty(0, dtype=np.int32)
    return Design((X, empty, empty_idx, empty_idx), n, p, X.dtype, False, n * p)


# a CSR X is cut into chunks of rows (fixed by its shape, never by n_jobs)
# for its full passes: at most 8, each of at least 2^18 stored entries and
# 8 p (the chunks' p-vectors are added after: an eighth of the pass at most)
_MAX_CHUNKS = 8
_CHUNK_MIN_NNZ = 2 ** 18
# a column store holding this share of X's entries takes the rest too: one
# more copy of the few remaining columns would cost as much as all of them
_TAKE_ALL = 0.75
# the columns a solver hints at (its next candidates) come along with a copy
# for up to this share of X's entries (text 1e5 x 2e4, L1-logistic amax/200:
# 6 -> 2 copies, the candidates joining one round at a time)
_HINT_SHARE = 0.05
# a store keeps room for this share of X's entries past its end, and columns
# holding at most that share join it in place (grow_columns): one read of X's
# indices instead of copying the whole store out again into new memory. The
# room costs address space; the memory is used only when columns join.
_GROW_SHARE = 0.05


class RowDesign:
    """A CSR X used as given: no copy of X in column order.

    ``rows`` = (data, indices, indptr) is X as the caller gave it (a copy
    only when it is not in canonical form: duplicate entries, which the
    column statistics cannot sum row by row, or unsorted ones). Full passes (the set-up, every certificate's X^T u) read
    it row by row (:mod:`sparsecert._kernels.rows`); the column kernels get
    ``columns(feats)``: a CSC over all p columns holding at least ``feats``
    (the columns asked for so far; the others are empty; its data and
    indices arrays run on past ``indptr[-1]``: room where a few columns
    join in place, see ``_GROW_SHARE``). ``args`` holds
    every column, for a solver that needs them all (FISTA): the store then
    becomes X's CSC copy, as a CSC conversion would have made it.
    """

    is_sparse = True
    is_csr = True

    def __init__(self, X):
        if not X.has_canonical_format:
            X = X.copy()
            X.sum_duplicates()
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype
        self.nnz = int(X.nnz)
        self.rows = (X.data, X.indices, X.indptr)
        per_chunk = max(_CHUNK_MIN_NNZ, 8 * self.n_features)
        n_chunks = int(min(_MAX_CHUNKS, max(1, self.nnz // per_chunk)))
        self.bounds = _chunk_bounds(X.indptr, n_chunks)
        self.col_nnz = None  # stored entries per column (the set-up counts them)
        self._longest = None  # see longest_row
        self.chunk_count = None  # the same per chunk of rows (n_chunks x p)
        self.n_threads = 1   # threads of a copy out (make_problem sets n_jobs's)
        self.copied = 0.0    # entries of X read by the copies of columns out of it
        self.taken = np.zeros(self.n_features, dtype=bool)
        self.preferred = np.empty(0, dtype=np.int64)
        self._args = self._empty_store()

    @property
    def args(self):
        return self.columns(None)

    def columns(self, feats=None):
        """The kernels' arguments (a CSC over all columns) holding at least
        the columns ``feats`` (None: all)."""
        missing = ~self.taken if feats is None else np.zeros(self.n_features, dtype=bool)
        if feats is not None:
            missing[feats] = True
            missing &= ~self.taken
        # an empty column is empty in the store too: nothing to copy
        missing &= self.counts() > 0
        if missing.any():
            self._take(missing)
        return self._args

    def prefer(self, feats):
        """Columns to copy out with the next columns asked for (a solver's next
        candidates, best first), replacing the previous hint."""
        self.preferred = np.asarray(feats, dtype=np.int64)

    def holds(self, feats):
        """Whether the store holds the columns ``feats`` (an empty one needs no copy)."""
        return bool(np.all(self.taken[feats] | (self.counts()[feats] == 0)))

    def column_nnz(self, feats):
        counts = self.counts()
        return int(np.sum(counts[feats])) if len(feats) else 0

    def column_counts(self, feats):
        return self.counts()[feats].astype(np.float64)

    def longest_row(self):
        """The most entries a row of X holds (computed once)."""
        if self._longest is None:
            indptr = self.rows[2]
            self._longest = int(np.max(indptr[1:] - indptr[:-1])) if indptr.size > 1 else 0
        return self._longest

    def counts(self):
        """Stored entries per column."""
        if self.col_nnz is None:
            self.col_nnz = np.bincount(self.rows[1], minlength=self.n_features)
        return self.col_nnz

    def _take(self, missing):
        """Copy the ``missing`` columns out of X into the store, with those it held."""
        from ._kernels.rows import spare_entries, take_columns, take_columns_threads

        counts = self.counts()
        if np.sum(counts[self.taken | missing]) >= _TAKE_ALL * self.nnz:
            missing = ~self.taken
        elif self._grow(missing, counts):
            return
        else:
            # the hinted columns come along while X is read anyway, best first
            self._add_hint(missing, counts, min(
                _HINT_SHARE * self.nnz,
                _TAKE_ALL * self.nnz - np.sum(counts[self.taken | missing])))
        taken = self.taken | missing
        # the columns held before are copied out again with the new ones: the
        # copy reads all of X anyway, and writing them costs less than merging
        # the old store with the new columns (a read and a write of both)
        # the old store goes before the new one is allocated: the copy reads
        # X, not the store, and both at once were the fit's peak (text
        # 1e5 x 2e4 at alpha_max/200: 1.46 -> 1.1 x X's size traced)
        empty = self._empty_store()
        self._args, self.taken = empty, np.zeros_like(taken)
        threaded = self.n_threads > 1 and self.chunk_count is not None and len(self.bounds) > 2
        room = 0 if taken[counts > 0].all() else int(_GROW_SHARE * self.nnz)
        indptr, data, indices = _empty_csc(
            np.where(taken, counts, 0), self.dtype, empty[2].dtype,
            spare=spare_entries(len(self.bounds) - 1 if threaded else 1) + room)
        if threaded:
            with _Threads(self.n_threads):
                take_columns_threads(*self.rows, self.bounds, self.chunk_count, taken,
                                     indptr, data, indices)
        else:
            take_columns(*self.rows, self.n_samples, taken, indptr, data, indices)
        # data and indices keep their room past indptr[-1] (the kernels read
        # up to it only), so that _grow can fill it in place
        self.copied += self.nnz
        self._args, self.taken = (empty[0], data, indices, indptr), taken

    def _add_hint(self, missing, counts, room):
        """Mark in ``missing`` the hinted columns, best first, while they hold
        less than ``room`` entries in all."""
        hint = self.preferred[~(self.taken | missing)[self.preferred]]
        missing[hint[np.cumsum(counts[hint]) < room]] = True

    def _grow(self, missing, counts):
        """Add the ``missing`` columns to the store in place, if they fit in its
        room and hold at most ``_GROW_SHARE`` of X's entries; False, nothing
        done, otherwise. No hinted column comes along: it would make the
        read's branch taken more often (text 1e5 x 2e4, L1-logistic
        amax/200, a growth by one column: 5.6 ms without the hint, 9.9 ms
        with up to 5% of X hinted), and a later growth costs as little."""
        from ._kernels.rows import grow_columns

        _, data, indices, indptr = self._args
        asked = np.sum(counts[missing])
        room = min(data.shape[0] - int(indptr[-1]), _GROW_SHARE * self.nnz) - asked
        if not self.taken.any() or room < 0:
            return False
        taken = self.taken | missing
        new_ptr = _column_pointers(np.where(taken, counts, 0), indptr.dtype)
        grow_columns(*self.rows, self.n_samples, missing, new_ptr, indptr, data, indices)
        self.copied += self.nnz  # a read of X's indices, counted as the copy's pass
        self.taken = taken
        return True

    def _empty_store(self):
        """The kernels' arguments of a store holding no column."""
        index_dtype = _index_dtype(self.nnz)
        return (_EMPTY_DENSE[self.dtype], np.empty(0, dtype=self.dtype),
                np.empty(0, dtype=index_dtype),
                np.zeros(self.n_features + 1, dtype=index_dtype))


class _Threads:
    """Numba's thread count set to ``n`` for a block (restored after)."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        import numba

        self.before = numba.get_num_threads()
        numba.set_num_threads(self.n)

    def __exit__(self, *exc):
        import numba

        numba.set_num_threads(self.before)


def _empty_csc(lengths, dtype, index_dtype, spare=0):
    """(indptr, data, indices) of a CSC whose column j holds ``lengths[j]``
    entries (``data`` and ``indices`` with ``spare`` entries more)."""
    indptr = _column_pointers(lengths, index_dtype)
    size = int(indptr[-1]) + spare
    with _small_pages():
        return indptr, np.empty(size, dtype=dtype), np.empty(size, dtype=index_dtype)


def _column_pointers(lengths, index_dtype):
    """A CSC's indptr for columns of ``lengths`` entries."""
    indptr = np.zeros(lengths.shape[0] + 1, dtype=index_dtype)
    np.cumsum(lengths, out=indptr[1:])
    return indptr


@contextlib.contextmanager
def _small_pages():
    """NumPy's allocations in the block without its huge-page advice.

    NumPy asks the kernel for 2 MiB pages on every array of 4 MiB and more.
    Where those are not free the kernel compacts memory on the first touch,
    in the fit's time: a column store of 1e7 entries (1e6 x 1e5 text, the
    Lasso at amax/200) took 1.48-1.50 s on a process's first fit against
    1.16-1.22 s on the next, and 1.23-1.25 s on 4 KiB pages, written once
    and then read by the column kernels. A no-op where NumPy has no switch."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)  # NumPy 2, NumPy 1
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    before = switch(False) if switch is not None else None
    try:
        yield
    finally:
        if switch is not None:
            switch(before)


def _chunk_bounds(indptr, n_chunks):
    """Row bounds of ``n_chunks`` chunks holding about equal numbers of stored entries."""
    n = indptr.shape[0] - 1
    # integer targets: against float ones, searchsorted would compare a float
    # copy of indptr (an n-vector); indptr_i >= t exactly when indptr_i >= ceil(t)
    targets = np.ceil(np.linspace(0, int(indptr[-1]), n_chunks + 1)).astype(indptr.dtype)
    bounds = np.searchsorted(indptr, targets, side="left").astype(np.int64)
    bounds[0], bounds[-1] = 0, n
    return np.maximum.accumulate(np.minimum(bounds, n))


def sub_design(design, idx):
    """The columns ``idx`` of ``design`` (a copy; CSC and CSR become CSC)."""
    X_dense, X_data, X_indices, X_indptr = design.columns(idx)
    k = idx.shape[0]
    if design.is_sparse:
        starts = X_indptr[idx].astype(np.int64)
        lens = X_indptr[idx + 1].astype(np.int64) - starts
        indptr = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(lens, out=indptr[1:])
        nnz = int(indptr[-1])
        take = np.repeat(starts - indptr[:-1], lens) + np.arange(nnz)
        args = (X_dense, X_data[take], X_indices[take], indptr.astype(X_indptr.dtype))
        return Design(args, design.n_samples, k, design.dtype, True, nnz)
    # X_dense is Fortran-ordered: its transpose's rows are the columns, and
    # gathering whole rows of a C array is a few memcpys (np.take into an
    # F-ordered ``out`` was 50x slower)
    sub = X_dense.T.take(idx, axis=0).T
    if k == 1:
        return as_design(sub)  # a single column: as a CSC one (see as_design)
    empty = X_data
    return Design((sub, empty, X_indices, X_indptr), design.n_samples, k, design.dtype,
                  False, design.n_samples * k)


def check_sample_weight(sample_weight, n_samples):
    """Sample weights as float64, rescaled to sum to n_samples.

    Raises a ValueError naming ``sample_weight`` for negative, non-finite,
    all-zero or wrongly shaped weights.
    """
    if sample_weight is None:
        return np.ones(n_samples)
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight must be a 1-D array of length n_samples={n_samples}; got shape {sw.shape}."
        )
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity.")
    if np.any(sw < 0):
        raise ValueError("sample_weight must be >= 0; negative weights were given.")
    total = sw.sum()
    if total <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample must have positive weight.")
    return sw * (n_samples / total)


def check_coef(coef, n_features, name="coef"):
    """A 1-D finite float64 copy of coefficients, of length n_features."""
    w = np.asarray(coef, dtype=np.float64)
    if w.ndim == 2 and 1 in w.shape:
        w = w.ravel()
    if w.ndim != 1 or w.shape[0] != n_features:
        raise ValueError(f"{name} must have n_features={n_features} entries; got shape {np.shape(coef)}.")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return w.copy()


def check_no_overflow(lipschitz, scale, objective0):
    """Raise a ValueError when X or y is too large for float64 arithmetic.

    A column with entries near 1e154 or beyond has a squared norm (its
    coordinate Lipschitz constant) that overflows to inf: coordinate descent
    could then never move it and the certificate would be inf - inf. Rather
    than return a wrong answer or NaN, ask for rescaled data.
    """
    finite = np.isfinite(lipschitz)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"X has column(s) {bad[:5].tolist()} whose squared norm overflows float64 "
            f"(entries of magnitude about 1e154 or more): rescale X, e.g. with "
            f"sklearn.preprocessing.MaxAbsScaler, and the coefficients accordingly.")
    if not math.isfinite(scale):
        raise ValueError("X^T y overflows float64 (X and y too large together): rescale X or y.")
    if not math.isfinite(objective0):
        raise ValueError("y is too large: its squared loss overflows float64 (|y| about 1e154 "
                         "or more): rescale y.")


_L_MIN = 1e-305  # smallest column mean square (L_j) a coordinate step can divide by


def check_no_underflow(design, lipschitz, centered, sw=None):
    """Raise a ValueError for a non-constant column whose mean square is below ``_L_MIN``.

    ``centered``: whether L_j is the centred second moment (with an intercept);
    ``sw``: the sample weights (rows of weight 0 are not part of the fit).
    Coordinate descent treats L_j = 0 as a constant column and leaves w_j at
    0, which is right for a constant column and wrong for a column of tiny
    but varying entries (about 1e-160 or below); a mean square that is
    subnormal (about 1e-152 entries) has too few bits and an infinite
    reciprocal: ask for rescaled data. Costs one pass over the columns with
    L_j = 0 only.
    """
    if not lipschitz.size or lipschitz.min() >= _L_MIN:
        return  # no column with L_j = 0 or below _L_MIN: nothing to check
    tiny = np.flatnonzero((lipschitz > 0.0) & (lipschitz < _L_MIN))
    if tiny.size:
        # a coordinate step divides by L_j: below ~1e-305 that is subnormal
        # (few significant bits) and 1/L_j overflows
        j = int(tiny[0])
        raise ValueError(
            f"X column {j} has a mean square of {lipschitz[j]:.3g}, too small for float64 "
            f"coordinate steps (entries of magnitude about 1e-152 or less): rescale X, e.g. "
            f"with sklearn.preprocessing.MaxAbsScaler, and the coefficients accordingly.")
    flat = np.flatnonzero(lipschitz == 0.0)
    if design.is_sparse:
        # an empty column is all zeros, constant: only a column with entries
        # needs a look (a hashing vectorizer's X at 2^20 columns had 585855
        # empty ones, which a look each kept here 7.7 s of an 8.5 s fit)
        flat = flat[design.column_counts(flat) > 0]
    X_dense, X_data, X_indices, X_indptr = design.columns(flat)
    # only the rows of positive weight count: a column whose entries all sit
    # in rows of weight 0 has L_j = 0 and is constant (zero) for the fit
    seen = None if sw is None or sw.min() > 0 else sw > 0
    n_seen = design.n_samples if seen is None else int(np.count_nonzero(seen))
    for j in flat:
        if design.is_sparse:
            lo, hi = X_indptr[j], X_indptr[j + 1]
            col = X_data[lo:hi] if seen is None else X_data[lo:hi][seen[X_indices[lo:hi]]]
            if col.size < n_seen:
                col = np.append(col, 0.0)  # the implicit zeros
        else:
            col = X_dense[:, j] if seen is None else X_dense[seen, j]
        # without an intercept only an all-zero column may have L_j = 0
        varies = col.size > 0 and (np.ptp(col) > 0 if centered else np.any(col != 0))
        if varies:
            raise ValueError(
                f"X column {j} is not constant but its squared norm underflows to 0 in "
                f"float64 (entries of magnitude about 1e-160 or less): rescale X, e.g. "
                f"with sklearn.preprocessing.MaxAbsScaler, and the coefficients accordingly.")


def encode_target(datafit, y):
    """y as float64: unchanged for the quadratic datafit, in {-1, +1} for logistic."""
    if datafit.code == codes.MULTINOMIAL:
        raise ValueError("The multinomial datafit is taken by check_optimality, alpha_max, "
                         "SparseLogisticRegression(CV) (more than two classes) and "
                         "multinomial_path only; regularization_path and "
                         "GeneralizedLinearEstimator do not take it: use "
                         "sparsecert.multinomial_path.")
    if datafit.code == codes.LOGISTIC:
        classes = np.unique(y)
        if classes.shape[0] != 2:
            raise ValueError(f"The logistic datafit needs exactly two classes in y; got {classes.shape[0]}.")
        return np.where(y == classes[1], 1.0, -1.0)
    y64 = np.asarray(y, dtype=np.float64)
    # scikit-learn's validation lets an infinity in an object-dtype y through
    if not np.isfinite(y64).all():
        raise ValueError("y contains NaN or infinity.")
    return y64


def validate_arrays(X, y, datafit, sample_weight):
    """The function-level entry points' checks (estimators use scikit-learn's
    validate_data instead): returns (X, design, y as float64, sample weights)."""
    from sklearn.utils import check_array, check_consistent_length

    X = check_array(X, accept_sparse=["csc", "csr", "coo"], dtype=[np.float64, np.float32],
                    input_name="X")
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D; got shape {y.shape}.")
    check_consistent_length(X, y)
    y64 = encode_target(datafit, y)
    design = as_design(X)
    sw = check_sample_weight(sample_weight, design.n_samples)
    return X, design, y64, sw


def is_dask_array(X):
    """True when X is a ``dask.array.Array`` (without importing Dask: if it
    is not imported yet, X cannot be one)."""
    mod = sys.modules.get("dask.array")
    return mod is not None and isinstance(X, mod.Array)
