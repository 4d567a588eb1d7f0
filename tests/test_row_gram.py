"""Gram working sets of a CSR X from its rows (issue 14): the kernels against
NumPy, the fits against an independent solve, and no column copied out."""

import copy
import pathlib
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import Lasso as SkLasso

import sparsecert
from sparsecert import _validation
from sparsecert._kernels.datafit import matvec
from sparsecert._kernels import rows as rows_kernels
from sparsecert._kernels.rows import (gram_rows, gram_rows_threads, matvec_rows,
                                      matvec_rows_threads)
from sparsecert._problem import make_problem, rows_times_w
from sparsecert._validation import _chunk_bounds, as_design
from sparsecert.datafits import Quadratic
from sparsecert.penalties import L1
from sparsecert.solvers import cd, gram, row_gram

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchmarks.large import text_like_csr  # noqa: E402


def _csr(seed=0, n=400, p=60, density=0.2):
    X = sp.random(n, p, density=density, format="csr", random_state=seed)
    X.data -= 0.3  # signed entries
    X[5] = 0.0     # an empty row
    X.eliminate_zeros()
    return X


def _gram_rows(X, feats, m_old, sw, y, n_chunks=1, threads=False):
    pos = np.full(X.shape[1], -1, dtype=np.int64)
    pos[feats] = np.arange(feats.size)
    cross = np.zeros((feats.size - m_old, feats.size))
    c = np.zeros(feats.size - m_old)
    row = int(np.max(np.diff(X.indptr))) + 1
    bounds = _chunk_bounds(X.indptr, n_chunks)
    args = (X.data, X.indices, X.indptr, bounds, pos, m_old, sw, y, cross, c)
    if threads:
        gram_rows_threads(*args, np.empty((n_chunks, row), dtype=np.int64),
                          np.empty((n_chunks, row)), np.empty((n_chunks,) + cross.shape),
                          np.empty((n_chunks, c.size)))
    else:
        gram_rows(*args, np.empty(row, dtype=np.int64), np.empty(row), np.empty(cross.shape),
                  np.empty(c.size))
    return cross, c


@pytest.mark.parametrize("n_chunks", [1, 3])
@pytest.mark.parametrize("m_old", [0, 7])
def test_gram_rows_are_the_weighted_products(m_old, n_chunks):
    X = _csr()
    rng = np.random.default_rng(0)
    n, p = X.shape
    sw, y = rng.uniform(0.5, 2.0, n), rng.normal(size=n)
    feats = rng.permutation(p)[:20]  # insertion order, not sorted
    cross, c = _gram_rows(X, feats, m_old, sw, y, n_chunks)
    XS = X[:, feats].toarray()
    A = XS.T @ (sw[:, None] * XS)
    np.testing.assert_allclose(cross, A[m_old:], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c, (XS.T @ (sw * y))[m_old:], rtol=1e-12, atol=1e-12)
    new = cross[:, m_old:]
    np.testing.assert_array_equal(new, new.T)  # exactly symmetric
    if n_chunks > 1:
        # the threads sum the same chunks in the same order: the same bits
        cross_t, c_t = _gram_rows(X, feats, m_old, sw, y, n_chunks, threads=True)
        np.testing.assert_array_equal(cross_t, cross)
        np.testing.assert_array_equal(c_t, c)


def test_threaded_row_matvec_is_the_serial_one_bitwise():
    X = _csr(seed=6)
    w = np.random.default_rng(4).normal(size=X.shape[1])
    a, b = np.empty(X.shape[0]), np.empty(X.shape[0])
    matvec_rows(X.data, X.indices, X.indptr, w, np.empty(0, dtype=bool), a)
    matvec_rows_threads(X.data, X.indices, X.indptr, _chunk_bounds(X.indptr, 4), w,
                        np.empty(0, dtype=bool), b)
    np.testing.assert_array_equal(a, b)


def test_a_masked_row_product_is_the_full_one_bitwise(monkeypatch):
    """Over a sparse w's nonzeros alone (a mask), the same bits as the full
    product and as scipy's, on one thread and on several; a w with more
    nonzeros than the mask's share, or fewer columns, goes unmasked."""
    from sparsecert import _problem as problem_module

    X = _csr(seed=6, p=400, density=0.05)
    rng = np.random.default_rng(5)
    w = np.zeros(X.shape[1])
    w[1 + rng.choice(X.shape[1] - 1, 6, replace=False)] = rng.normal(size=6)
    w[0] = -0.0  # (a signed zero is still a zero)
    assert problem_module._nonzero_mask(w).size == 0  # too few columns to need it
    monkeypatch.setattr(problem_module, "_MASK_MIN_FEATURES", 1)
    mask = problem_module._nonzero_mask(w)
    assert mask.sum() == 6
    assert problem_module._nonzero_mask(rng.normal(size=X.shape[1])).size == 0
    full, masked, threads = (np.empty(X.shape[0]) for _ in range(3))
    matvec_rows(X.data, X.indices, X.indptr, w, np.empty(0, dtype=bool), full)
    matvec_rows(X.data, X.indices, X.indptr, w, mask, masked)
    matvec_rows_threads(X.data, X.indices, X.indptr, _chunk_bounds(X.indptr, 4), w, mask,
                        threads)
    np.testing.assert_array_equal(masked, full)
    np.testing.assert_array_equal(threads, full)
    np.testing.assert_array_equal(masked, X @ w)


def test_grown_sums_are_the_sums_built_at_once():
    """Growing a set a few features at a time gives the raw sums of building it at once."""
    X = _csr(seed=3)
    rng = np.random.default_rng(1)
    n, p = X.shape
    problem = make_problem(as_design(X), rng.normal(size=n), rng.uniform(0.5, 2, n),
                           Quadratic(), L1(alpha=0.1), True)
    feats = rng.permutation(p)[:15]
    f1, A1, c1 = row_gram.grow(problem, np.empty(0, dtype=np.int64), None, None, feats[:9])
    f2, A2, c2 = row_gram.grow(problem, f1, A1, c1, feats[9:])
    f3, A3, c3 = row_gram.grow(problem, np.empty(0, dtype=np.int64), None, None, feats)
    np.testing.assert_array_equal(f2, feats)
    np.testing.assert_allclose(A2, A3, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(c2, c3, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(A2, A2.T)
    row_gram.remember(problem, f2, A2, c2)
    S = np.sort(feats[[2, 11, 4]])
    A, c = row_gram.cached(problem, S)
    XS = X[:, S].toarray()
    np.testing.assert_allclose(A, XS.T @ (problem.sw[:, None] * XS), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c, XS.T @ (problem.sw * problem.y), rtol=1e-12, atol=1e-12)
    outside = np.setdiff1d(np.arange(p), feats)[:1]
    assert row_gram.cached(problem, np.sort(np.concatenate([S, outside]))) is None
    other = make_problem(as_design(X), problem.y.copy(), problem.sw, Quadratic(),
                         L1(alpha=0.1), True)
    other.__dict__["_row_gram"] = problem.__dict__["_row_gram"]
    assert row_gram.cached(other, S) is None  # kept for another y


def test_row_matvec_is_the_column_matvec_bitwise():
    X = _csr(seed=4, density=0.3)
    rng = np.random.default_rng(2)
    w = np.where(rng.uniform(size=X.shape[1]) < 0.4, rng.normal(size=X.shape[1]), 0.0)
    w[3] = -0.0
    rows, cols = np.empty(X.shape[0]), np.empty(X.shape[0])
    matvec_rows(X.data, X.indices, X.indptr, w, np.empty(0, dtype=bool), rows)
    C = X.tocsc()
    matvec(np.empty(0), C.data, C.indices, C.indptr, X.shape[0], w, cols)
    np.testing.assert_array_equal(rows, cols)


def test_the_kept_row_product_is_used_only_at_its_own_point(monkeypatch):
    X = _csr(seed=5)
    rng = np.random.default_rng(3)
    n, p = X.shape
    problem = make_problem(as_design(X), rng.normal(size=n), np.ones(n), Quadratic(),
                           L1(alpha=0.1), False)
    reads = []
    real = rows_kernels.matvec_rows
    monkeypatch.setattr(rows_kernels, "matvec_rows",
                        lambda *args: reads.append(1) or real(*args))
    w = rng.normal(size=p)
    a = rows_times_w(problem, w, np.empty(n))
    b = rows_times_w(problem, w.copy(), np.empty(n))  # the same point: kept
    assert len(reads) == 1
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, X @ w, rtol=1e-12, atol=1e-12)
    w[0] += 1.0  # the caller moves its w in place: not the kept point any more
    c = rows_times_w(problem, w, np.empty(n))
    assert len(reads) == 2
    np.testing.assert_allclose(c, X @ w, rtol=1e-12, atol=1e-12)
    # a shallow copy (a path's sub-problem) writes a product of its own
    sub = copy.copy(problem)
    w2 = rng.normal(size=p)
    rows_times_w(sub, w2, np.empty(n))
    d = rows_times_w(problem, w, np.empty(n))
    assert len(reads) == 3
    np.testing.assert_array_equal(c, d)
    # the kept vector itself as ``out`` at another point: kept again, for that point
    kept = rows_times_w(problem, w)
    w3 = rng.normal(size=p)
    rows_times_w(problem, w3, kept)
    np.testing.assert_allclose(rows_times_w(problem, w), X @ w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rows_times_w(problem, w3), X @ w3, rtol=1e-12, atol=1e-12)
    # without ``keep`` nothing is kept, not even the product before
    w4 = rng.normal(size=p)
    e = rows_times_w(problem, w4, np.empty(n), keep=False)
    np.testing.assert_allclose(e, X @ w4, rtol=1e-12, atol=1e-12)
    assert "_rows_xw" not in problem.__dict__


def _text_problem(seed=0, n=6000, p=2000, nnz=80000):
    X = text_like_csr(n, p, nnz, seed=seed)
    rng = np.random.default_rng(seed)
    w = np.zeros(p)
    w[rng.choice(200, 15, replace=False)] = rng.normal(size=15)  # popular columns
    w[200 + rng.choice(p - 200, 15, replace=False)] = rng.normal(size=15)
    y = X @ w + 0.01 * rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_text_lasso_solves_on_row_gram_without_copying_columns(monkeypatch, fit_intercept,
                                                               weighted):
    """A text's Lasso: the Gram working set from X's rows, no column copied
    out of X, and the solution of an independent tight solve."""
    X, y = _text_problem()
    n = X.shape[0]
    sw = np.random.default_rng(1).uniform(0.5, 2.0, n) if weighted else None
    alpha = sparsecert.alpha_max(X, y, sample_weight=sw, fit_intercept=fit_intercept) / 50
    events = []
    real = _validation.RowDesign._take
    monkeypatch.setattr(_validation.RowDesign, "_take",
                        lambda self, missing: events.append("take") or real(self, missing))
    real_extend = gram._GramState._extend_rows
    monkeypatch.setattr(gram._GramState, "_extend_rows",
                        lambda self, new: events.append("gram") or real_extend(self, new))
    X0 = X.copy()
    est = sparsecert.Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-8)
    est.fit(X, y, sample_weight=sw)
    # (the set-up may copy out a column or two whose mean dwarfs its spread,
    # to centre them exactly; the solver copies none)
    assert "gram" in events and "take" not in events[events.index("gram"):]
    assert est.certificate_.converged
    assert (X != X0).nnz == 0
    ref = SkLasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12, max_iter=100000)
    ref.fit(X.tocsc(), y, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-6)
    assert abs(est.intercept_ - ref.intercept_) < 1e-6
    # the certificate of the residual path agrees: the same problem, another road
    monkeypatch.setattr(gram, "_GRAM_MODE", "never")
    other = clone(est).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, other.coef_, atol=1e-7)


def test_row_gram_only_where_its_steps_cost_less(monkeypatch):
    """Uniformly sparse columns (a dozen entries each): a Gram step over a
    set of 100 would cost more than a residual one, and the fit runs
    residual rounds only; a text's set of popular words takes the Gram
    matrix at once."""
    X = sp.random(3000, 1500, density=0.004, format="csr", random_state=0)
    rng = np.random.default_rng(0)
    y = X @ np.where(rng.uniform(size=1500) < 0.02, 1.0, 0.0) + 0.01 * rng.normal(size=3000)
    events = []
    real_round = cd._QuadraticCD.residual_round
    monkeypatch.setattr(cd._QuadraticCD, "residual_round",
                        lambda self, *a: events.append("residual") or real_round(self, *a))
    real_extend = gram._GramState._extend_rows
    monkeypatch.setattr(gram._GramState, "_extend_rows",
                        lambda self, new: events.append("gram") or real_extend(self, new))
    est = sparsecert.Lasso(alpha=sparsecert.alpha_max(X, y) / 20).fit(X, y)
    assert est.certificate_.converged and events and "gram" not in events
    events.clear()
    X, y = _text_problem()
    est = sparsecert.Lasso(alpha=sparsecert.alpha_max(X, y) / 20).fit(X, y)
    assert est.certificate_.converged and events[0] == "gram"


def test_text_lasso_is_bitwise_the_same_for_any_n_jobs(monkeypatch):
    """The Gram rows and X w over the threads, chunk by chunk: the same bits."""
    monkeypatch.setattr(_validation, "_CHUNK_MIN_NNZ", 5000)
    X, y = _text_problem(seed=1)
    assert as_design(X).bounds.size - 1 > 1
    threaded = []
    real = rows_kernels.gram_rows_threads
    monkeypatch.setattr(rows_kernels, "gram_rows_threads",
                        lambda *args: threaded.append(1) or real(*args))
    alpha = sparsecert.alpha_max(X, y) / 100
    fits = [sparsecert.Lasso(alpha=alpha, n_jobs=j, tol=1e-6).fit(X, y) for j in (None, 2)]
    assert threaded and fits[0].certificate_.converged
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    assert fits[0].intercept_ == fits[1].intercept_ and fits[0].n_iter_ == fits[1].n_iter_
    np.testing.assert_array_equal(fits[0].certificate_.gradient, fits[1].certificate_.gradient)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_row_gram_fit_ends_on_the_exact_support_solution(monkeypatch, fit_intercept):
    """At a loose tol the Gram solve stops early, and the support's exact
    solution from the kept sums makes the returned point exact anyway."""
    X, y = _text_problem(seed=2)
    alpha = sparsecert.alpha_max(X, y, fit_intercept=fit_intercept) / 100
    ref = SkLasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14, max_iter=100000)
    ref.fit(X.tocsc(), y)
    est = sparsecert.Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-2).fit(X, y)
    cert = est.certificate_
    assert cert.converged and cert.relative_gap < 1e-10
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-8)
    assert np.max(np.abs(est.coef_ - ref.coef_)) < 1e-10 * np.max(np.abs(ref.coef_))
