"""A CSR X used as given (issue 14): row kernels against NumPy, fits against CSC's, no copy of X."""

import numpy as np
import pytest
import scipy.sparse as sp

import sparsecert
from sparsecert import _validation
from sparsecert._kernels.rows import (column_sums_rows, column_sums_rows_threads,
                                      rmatvec_rows, rmatvec_rows_threads,
                                      take_columns)
from sparsecert._validation import RowDesign, _chunk_bounds, _empty_csc, as_design


def _csr(seed=0, n=500, p=300, density=0.03, dtype=np.float64):
    X = sp.random(n, p, density=density, format="csr", random_state=seed, dtype=dtype)
    X.data -= 0.3  # signed entries
    return X


@pytest.mark.parametrize("n_chunks", [1, 2, 7])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_passes_match_numpy(n_chunks, dtype):
    X = _csr(dtype=dtype)
    n, p = X.shape
    rng = np.random.default_rng(1)
    u, sw = rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)
    bounds = _chunk_bounds(X.indptr, n_chunks)
    assert bounds[0] == 0 and bounds[-1] == n and np.all(np.diff(bounds) >= 0)
    X64 = X.astype(np.float64)
    out = np.empty(p)
    rmatvec_rows(X.data, X.indices, X.indptr, bounds, u, out, np.empty(p))
    np.testing.assert_allclose(out, X64.T @ u, rtol=1e-12, atol=1e-12)
    s1, s2, g = np.empty(p), np.empty(p), np.empty(p)
    count = np.empty(p, dtype=np.int64)
    column_sums_rows(X.data, X.indices, X.indptr, bounds, sw, u, s1, s2, g, count,
                     np.empty((p, 4)), np.empty((n_chunks, p), dtype=np.int64))
    np.testing.assert_allclose(s1, X64.T @ sw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s2, X64.multiply(X64).T @ sw, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, out, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(count, np.bincount(X.indices, minlength=p))


@pytest.mark.parametrize("n_chunks", [1, 5])
def test_threaded_row_passes_are_bitwise_the_serial_ones(n_chunks):
    X = _csr(seed=2, n=800)
    n, p = X.shape
    rng = np.random.default_rng(2)
    u, sw = rng.normal(size=n), rng.uniform(0.5, 2.0, size=n)
    bounds = _chunk_bounds(X.indptr, n_chunks)
    serial, threaded = np.empty(p), np.empty(p)
    rmatvec_rows(X.data, X.indices, X.indptr, bounds, u, serial, np.empty(p))
    rmatvec_rows_threads(X.data, X.indices, X.indptr, bounds, u, threaded,
                         np.empty((n_chunks, p)))
    np.testing.assert_array_equal(serial, threaded)
    a = [np.empty(p), np.empty(p), np.empty(p), np.empty(p, dtype=np.int64)]
    b = [np.empty(p), np.empty(p), np.empty(p), np.empty(p, dtype=np.int64)]
    column_sums_rows(X.data, X.indices, X.indptr, bounds, sw, u, *a, np.empty((p, 4)),
                     np.empty((n_chunks, p), dtype=np.int64))
    column_sums_rows_threads(X.data, X.indices, X.indptr, bounds, sw, u, *b,
                             np.empty((n_chunks, p, 4)), np.empty((n_chunks, p), dtype=np.int64))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_one_chunk_gives_csc_col_dot_bitwise():
    """Rows in increasing order per column: the same sums as a sorted CSC's columns."""
    from sparsecert._kernels.datafit import rmatvec

    X = _csr(seed=3)
    u = np.random.default_rng(3).normal(size=X.shape[0])
    rows, cols = np.empty(X.shape[1]), np.empty(X.shape[1])
    rmatvec_rows(X.data, X.indices, X.indptr, _chunk_bounds(X.indptr, 1), u, rows, rows)
    rmatvec(*as_design(X.tocsc()).args, u, cols)
    np.testing.assert_array_equal(rows, cols)


def test_take_columns_gives_the_csc_columns():
    X = _csr(seed=4)
    n, p = X.shape
    counts = np.bincount(X.indices, minlength=p)
    first = np.zeros(p, dtype=bool)
    first[::3] = True
    both = first.copy()
    both[1::5] = True
    want = X.tocsc()
    for take in (first, both):
        indptr, data, indices = _empty_csc(np.where(take, counts, 0), X.dtype, np.int32,
                                           spare=1)
        take_columns(X.data, X.indices, X.indptr, n, take, indptr, data, indices)
        got = sp.csc_matrix((data[:-1], indices[:-1], indptr), shape=(n, p))
        np.testing.assert_array_equal(got.toarray(),
                                      (want @ sp.diags(take.astype(float))).toarray())
        assert got.has_sorted_indices
    # the branch-free copy writes skipped entries to a spare slot past the end:
    # an output without it is refused, never written out of bounds
    indptr, data, indices = _empty_csc(np.where(first, counts, 0), X.dtype, np.int32)
    with pytest.raises(ValueError, match="spare"):
        take_columns(X.data, X.indices, X.indptr, n, first, indptr, data, indices)


def test_column_store_holds_only_the_columns_asked_for():
    X = _csr(seed=5)
    design = as_design(X)
    assert isinstance(design, RowDesign) and design.is_csr
    _, data, indices, indptr = design.columns(np.array([3, 10]))
    assert design.is_sparse and set(np.flatnonzero(np.diff(indptr))) <= {3, 10}
    Xc = X.tocsc()
    for j in (3, 10):
        np.testing.assert_array_equal(data[indptr[j]:indptr[j + 1]], Xc[:, j].data)
    design.columns(np.array([7]))  # grows: 3 and 10 kept, 7 added
    _, data, indices, indptr = design.columns(np.array([3]))
    assert set(np.flatnonzero(np.diff(indptr))) <= {3, 7, 10}
    assert design.copied == 2 * X.nnz
    full = sp.csc_matrix(design.args[1:4], shape=X.shape)  # everything, on demand
    np.testing.assert_array_equal(full.toarray(), X.toarray())


def test_a_growing_store_lets_the_old_one_go_first(monkeypatch):
    """The old store is released before the new one is allocated (the copy
    reads X, not the store): both at once were a fit's peak memory."""
    import gc
    import weakref

    X = _csr(seed=6)
    # no room past the store's end: column 7 makes the store copied out again
    monkeypatch.setattr(_validation, "_GROW_SHARE", 0.0)
    design = as_design(X)
    old = weakref.ref(design.columns(np.array([3, 10]))[1])
    alive_at_allocation = []
    real = _validation._empty_csc

    def allocate(*args, **kwargs):
        gc.collect()
        alive_at_allocation.append(old() is not None)
        return real(*args, **kwargs)

    monkeypatch.setattr(_validation, "_empty_csc", allocate)
    _, data, _, indptr = design.columns(np.array([7]))
    assert alive_at_allocation == [False]
    assert set(np.flatnonzero(np.diff(indptr))) <= {3, 7, 10}
    Xc = X.tocsc()
    for j in (3, 7, 10):
        np.testing.assert_array_equal(data[indptr[j]:indptr[j + 1]], Xc[:, j].data)


def test_a_store_grows_in_place_into_what_a_copy_would_make():
    """Columns that fit in the store's room join it in place: the same arrays
    (so a view taken before the growth reads the new store), holding bit for
    bit what one copy of all the columns makes."""
    from sparsecert._kernels.rows import spare_entries, take_columns

    X = _csr(seed=7, p=400)
    n, p = X.shape
    counts = np.bincount(X.indices, minlength=p)
    design = as_design(X)
    before = design.columns(np.array([3, 10, 200]))
    after = design.columns(np.array([7, 399]))
    assert all(a is b for a, b in zip(before, after))  # grown in place
    assert design.copied == 2 * X.nnz  # the growth read X's indices once
    both = np.zeros(p, dtype=bool)
    both[[3, 7, 10, 200, 399]] = True
    assert np.array_equal(design.taken & (counts > 0), both & (counts > 0))
    indptr, data, indices = _empty_csc(np.where(both, counts, 0), X.dtype, np.int32,
                                       spare=spare_entries(1))
    take_columns(X.data, X.indices, X.indptr, n, both, indptr, data, indices)
    _, g_data, g_indices, g_indptr = after
    end = indptr[-1]
    assert np.array_equal(g_indptr, indptr)
    assert np.array_equal(g_data[:end], data[:end])
    assert np.array_equal(g_indices[:end], indices[:end])


def test_a_store_without_room_is_copied_out_again(monkeypatch):
    X = _csr(seed=8, p=400)
    design = as_design(X)
    first = design.columns(np.array([3]))
    # the asked columns hold more than the room: one new copy holding both
    monkeypatch.setattr(_validation, "_GROW_SHARE", 1e-9)
    second = design.columns(np.array([5, 6]))
    assert second[1] is not first[1]
    Xc = X.tocsc()
    for j in (3, 5, 6):
        np.testing.assert_array_equal(second[1][second[3][j]:second[3][j + 1]], Xc[:, j].data)


def test_grow_columns_refuses_a_store_without_room():
    from sparsecert._kernels.rows import grow_columns

    X = _csr(seed=9, p=50)
    n, p = X.shape
    counts = np.bincount(X.indices, minlength=p)
    new = np.zeros(p, dtype=bool)
    new[4] = True
    new_ptr = np.zeros(p + 1, dtype=np.int32)
    np.cumsum(np.where(new, counts, 0), out=new_ptr[1:])
    indptr = np.zeros(p + 1, dtype=np.int32)
    with pytest.raises(ValueError, match="room"):
        grow_columns(X.data, X.indices, X.indptr, n, new, new_ptr, indptr,
                     np.empty(counts[4] - 1), np.empty(counts[4] - 1, dtype=np.int32))


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_fits_growing_in_place_match_fits_copying_again(monkeypatch, datafit):
    """Growing the store in place changes no bit of a fit (a text-like X whose
    working sets grow over several rounds)."""
    import pathlib
    import sys

    from sklearn.base import clone

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from benchmarks.large import text_like_csr

    X = text_like_csr(6000, 2000, 80000, seed=2)
    rng = np.random.default_rng(0)
    w = np.zeros(2000)
    w[rng.choice(2000, 40, replace=False)] = rng.normal(size=40)
    z = X @ w
    if datafit == "logistic":
        y = np.where(z + 0.1 * rng.normal(size=6000) > 0, 1, 0)
        alpha = sparsecert.alpha_max(X, y, datafit=datafit, fit_intercept=False) / 200
        est = sparsecert.SparseLogisticRegression(alpha=alpha, fit_intercept=False)
    else:
        y = z + 0.01 * rng.normal(size=6000)
        alpha = sparsecert.alpha_max(X, y, fit_intercept=False) / 200
        est = sparsecert.Lasso(alpha=alpha, fit_intercept=False)
    grows = []
    real = _validation.RowDesign._grow

    def grow(self, missing, counts):
        done = real(self, missing, counts)
        grows.append(done)
        return done

    monkeypatch.setattr(_validation.RowDesign, "_grow", grow)
    # the residual epochs' column store (a Lasso on a text builds its Gram
    # working set from X's rows instead: test_row_gram.py)
    from sparsecert.solvers import gram

    monkeypatch.setattr(gram, "_GRAM_MODE", "never")
    # ... and proximal Newton's (which reads a text's popular columns by rows:
    # test_newton_rows.py)
    from sparsecert.solvers import prox_newton

    monkeypatch.setattr(prox_newton, "_ROWS_SHARE", np.inf)
    a = clone(est).fit(X, y)
    assert any(grows)  # the fit grew its store in place at least once
    monkeypatch.setattr(_validation, "_GROW_SHARE", 0.0)
    b = clone(est).fit(X, y)
    assert a.certificate_.converged and np.array_equal(a.coef_, b.coef_)
    assert a.n_iter_ == b.n_iter_


def test_the_column_store_is_allocated_without_huge_page_advice(monkeypatch):
    """The store's arrays are allocated with NumPy's huge-page advice off, and
    the caller's setting is back after (see _validation._small_pages)."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    multiarray = getattr(core, "multiarray", None)
    if not hasattr(multiarray, "_set_madvise_hugepage"):
        pytest.skip("this NumPy has no huge-page switch")
    seen = []
    real = np.empty

    def empty(*args, **kwargs):
        seen.append(multiarray._get_madvise_hugepage())
        return real(*args, **kwargs)

    before = multiarray._set_madvise_hugepage(True)
    try:
        monkeypatch.setattr(_validation.np, "empty", empty)
        _empty_csc(np.array([3, 0, 5]), np.float64, np.int32, spare=1)
        monkeypatch.undo()
        assert seen == [False, False]
        assert multiarray._get_madvise_hugepage() is True
    finally:
        multiarray._set_madvise_hugepage(before)


def test_wide_csr_lasso_copies_only_its_working_set(monkeypatch):
    rng = np.random.default_rng(6)
    n, p = 400, 5000
    X = sp.random(n, p, density=0.01, format="csr", random_state=6)
    w = np.zeros(p)
    w[:5] = 3.0
    y = X @ w + 0.05 * rng.normal(size=n)
    seen = []
    real = _validation.as_design
    monkeypatch.setattr("sparsecert.estimators._base.as_design",
                        lambda X: seen.append(real(X)) or seen[-1])
    est = sparsecert.Lasso(alpha=sparsecert.alpha_max(X, y) / 10).fit(X, y)
    assert est.certificate_.converged
    design = seen[-1]
    assert isinstance(design, RowDesign)
    assert design.taken.sum() < p / 4  # never the whole CSC copy
    ref = sparsecert.Lasso(alpha=est.alpha).fit(X.tocsc(), y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_csr_fits_match_csc_fits(fit_intercept, dtype):
    X = _csr(seed=7, n=600, p=200, density=0.05, dtype=dtype)
    rng = np.random.default_rng(7)
    y = X.astype(np.float64) @ np.r_[rng.normal(size=8) * 3, np.zeros(192)] + 0.1 * rng.normal(size=600)
    sw = rng.uniform(0.2, 2.0, size=600)
    for alpha_ratio in (0.5, 0.05):
        a = alpha_ratio * sparsecert.alpha_max(X, y, fit_intercept=fit_intercept)
        kw = dict(alpha=a, fit_intercept=fit_intercept, tol=1e-8)
        r = sparsecert.Lasso(**kw).fit(X, y, sample_weight=sw)
        c = sparsecert.Lasso(**kw).fit(X.tocsc(), y, sample_weight=sw)
        assert r.certificate_.converged and c.certificate_.converged
        np.testing.assert_allclose(r.coef_, c.coef_, rtol=1e-6, atol=1e-9 * np.abs(c.coef_).max())
        np.testing.assert_allclose(r.certificate_.gradient, c.certificate_.gradient,
                                   rtol=1e-5, atol=1e-7 * a)
    labels = (y > np.median(y)).astype(int)
    kw = dict(alpha=0.01, fit_intercept=fit_intercept, tol=1e-8)
    r = sparsecert.SparseLogisticRegression(**kw).fit(X, labels)
    c = sparsecert.SparseLogisticRegression(**kw).fit(X.tocsc(), labels)
    assert r.certificate_.converged
    np.testing.assert_allclose(r.coef_, c.coef_, rtol=1e-6, atol=1e-8)


def test_constant_and_offset_columns_are_centred_exactly():
    """sq = S2/n - m^2 cancels for a column whose mean is its size: such
    columns are summed again as squares of centred entries, with no
    cancellation (a constant column has L_j = 0 to rounding; a column
    1e4 + N(0, 1) its variance to 1e-12, judged by a long double two-pass
    variance), in a second pass over the rows: no column is copied out."""
    from sparsecert._problem import make_problem
    from sparsecert.datafits import Quadratic
    from sparsecert.penalties import L1

    rng = np.random.default_rng(8)
    n = 300
    dense = np.c_[np.full(n, 0.1), 1e4 + rng.normal(size=n), rng.normal(size=(n, 3))]
    dense[:, 2:][rng.random((n, 3)) < 0.5] = 0.0
    X = sp.csr_matrix(dense)
    y = dense[:, 1] + dense[:, 2] + 0.1 * rng.normal(size=n)
    sw = np.ones(n)
    design = as_design(X)
    stats = [make_problem(d, y, sw, Quadratic(), L1(alpha=0.01), True)
             for d in (design, as_design(X.tocsc()))]
    assert not design.taken.any()  # no column copied out of X
    exact = dense.astype(np.longdouble)
    exact = ((exact - exact.mean(axis=0)) ** 2).mean(axis=0).astype(np.float64)
    assert stats[0].lipschitz[0] <= 1e-25
    np.testing.assert_allclose(stats[0].lipschitz[1:], exact[1:], rtol=1e-12)
    # CSC's column_stats folds the zeros in as sum s (d^2 - m^2) + n m^2,
    # which cancels: 1.3e-8 off on the offset column
    np.testing.assert_allclose(stats[0].lipschitz, stats[1].lipschitz, rtol=1e-7, atol=1e-16)
    np.testing.assert_allclose(stats[0].means, stats[1].means, rtol=1e-14)
    r = sparsecert.Lasso(alpha=0.01, tol=1e-8).fit(X, y)
    c = sparsecert.Lasso(alpha=0.01, tol=1e-8).fit(X.tocsc(), y)
    assert r.certificate_.converged and r.coef_[0] == 0.0
    np.testing.assert_allclose(r.coef_, c.coef_, rtol=1e-7, atol=1e-10)


def test_several_chunks_bitwise_the_same_for_any_n_jobs(monkeypatch):
    monkeypatch.setattr(_validation, "_CHUNK_MIN_NNZ", 500)
    X = _csr(seed=9, n=3000, p=100, density=0.05)
    assert as_design(X).bounds.size - 1 > 1
    rng = np.random.default_rng(9)
    y = X @ np.r_[rng.normal(size=6), np.zeros(94)] + 0.1 * rng.normal(size=3000)
    fits = [sparsecert.Lasso(alpha=0.002, n_jobs=j).fit(X, y) for j in (None, 2)]
    assert fits[0].certificate_.converged
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    np.testing.assert_array_equal(fits[0].certificate_.gradient, fits[1].certificate_.gradient)
    c = sparsecert.Lasso(alpha=0.002).fit(X.tocsc(), y)
    np.testing.assert_allclose(fits[0].coef_, c.coef_, rtol=1e-6, atol=1e-9)


def test_read_only_csr_is_used_without_a_copy():
    X = _csr(seed=10)
    for a in (X.data, X.indices, X.indptr):
        a.flags.writeable = False
    design = as_design(X)
    assert design.rows[0] is X.data and design.rows[1] is X.indices
    y = np.asarray(X @ np.r_[np.ones(5), np.zeros(295)]).ravel()
    est = sparsecert.Lasso(alpha=0.001).fit(X, y)
    assert est.certificate_.converged


def test_hinted_columns_come_along_within_their_budget(monkeypatch):
    X = _csr(seed=11, p=400)
    counts = np.bincount(X.indices, minlength=400)
    design = as_design(X)
    design.prefer(np.array([5, 6, 7]))
    _, _, _, indptr = design.columns(np.array([3]))
    held = set(np.flatnonzero(np.diff(indptr)))
    assert {3, 5, 6, 7} & set(np.flatnonzero(counts)) <= held <= {3, 5, 6, 7}
    assert design.copied == X.nnz  # one read of X for all four
    # a hint never makes the store hold more than _HINT_SHARE of X beyond what was asked
    monkeypatch.setattr(_validation, "_HINT_SHARE", 0.0)
    design = as_design(X)
    design.prefer(np.arange(10, 400))
    design.columns(np.array([3]))
    assert np.flatnonzero(design.taken & (counts > 0)).tolist() == [3]


def test_threaded_copy_out_is_the_serial_one(monkeypatch):
    from sparsecert._kernels.rows import column_sums_rows, spare_entries, take_columns_threads

    X = _csr(seed=12, n=2000, p=150, density=0.05)
    n, p = X.shape
    bounds = _chunk_bounds(X.indptr, 6)
    chunk_count = np.empty((6, p), dtype=np.int64)
    count = np.empty(p, dtype=np.int64)
    column_sums_rows(X.data, X.indices, X.indptr, bounds, np.ones(n), np.zeros(n), np.empty(p),
                     np.empty(p), np.empty(p), count, np.empty((p, 4)), chunk_count)
    np.testing.assert_array_equal(chunk_count.sum(axis=0), count)
    take = np.zeros(p, dtype=bool)
    take[::4] = True
    outs = []
    for threaded in (False, True):
        indptr, data, indices = _empty_csc(np.where(take, count, 0), X.dtype, np.int32,
                                           spare=spare_entries(6 if threaded else 1))
        if threaded:
            take_columns_threads(X.data, X.indices, X.indptr, bounds, chunk_count, take, indptr,
                                 data, indices)
        else:
            take_columns(X.data, X.indices, X.indptr, n, take, indptr, data, indices)
        outs.append((data[:indptr[-1]], indices[:indptr[-1]], indptr))
        if threaded:
            # each chunk's skipped entries land in its own slot, never one a
            # threaded copy would need more room for
            with pytest.raises(ValueError, match="spare"):
                take_columns_threads(X.data, X.indices, X.indptr, bounds, chunk_count, take,
                                     indptr, data[:indptr[-1] + spare_entries(5)],
                                     indices[:indptr[-1] + spare_entries(5)])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    # and through a fit: several chunks, two threads, the store as the serial one's
    monkeypatch.setattr(_validation, "_CHUNK_MIN_NNZ", 500)
    y = X @ np.r_[np.ones(5), np.zeros(p - 5)]
    fits = [sparsecert.Lasso(alpha=1e-3, n_jobs=j).fit(X, y) for j in (1, 2)]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
