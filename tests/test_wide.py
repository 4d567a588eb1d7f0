"""A wide column's coordinate-step loops (``_kernels/wide.py``): split into
parts fixed by the column's length, on one thread or on Numba's threads, with
the same bits; and a Lasso fit with such columns, the same whatever n_jobs is."""

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from _compiled import entry

import sparsecert
from sparsecert.datafits import Quadratic
from sparsecert.penalties import L1
from sparsecert.solvers import gram
from sparsecert._kernels import codes
from sparsecert._kernels.wide import WIDE, WIDE_PART, wide_dot, wide_update

wide_dot, wide_update = entry(wide_dot), entry(wide_update)  # compiled-only kernels behind them
from sparsecert._validation import _Threads

THREADS = min(2, numba.config.NUMBA_NUM_THREADS)


def _in_order(values):
    """The left-to-right float sum (np.cumsum adds in order; np.sum does not)."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


@pytest.mark.parametrize("m", [WIDE, WIDE + 12345, 4 * WIDE + 7])
def test_wide_loops_by_parts_on_one_thread_or_several(m):
    rng = np.random.default_rng(m)
    n = m + 5000
    idx = np.sort(rng.choice(n, m, replace=False)).astype(np.int32)
    data = rng.standard_normal(m)
    v = rng.standard_normal(n)
    one = wide_dot(codes.ONE_THREAD, data, idx, 0, m, v)
    with _Threads(THREADS):
        many = wide_dot(codes.THREADS, data, idx, 0, m, v)
    # each part summed in order, then the parts in order: the bits are fixed
    parts = m // WIDE_PART
    step = -(-m // parts)
    prods = data * v[idx]
    expected = _in_order([_in_order(prods[a:a + step]) for a in range(0, m, step)])
    assert one == many == expected
    sw = rng.uniform(0.5, 2.0, n)
    r_one, r_many, r_ref = v.copy(), v.copy(), v.copy()
    wide_update(codes.ONE_THREAD, data, idx, 0, m, 0.3, r_one, sw)
    with _Threads(THREADS):
        wide_update(codes.THREADS, data, idx, 0, m, 0.3, r_many, sw)
    r_ref[idx] -= sw[idx] * (0.3 * data)
    np.testing.assert_array_equal(r_one, r_ref)
    np.testing.assert_array_equal(r_many, r_ref)


def test_lasso_with_wide_columns_is_the_same_for_any_n_jobs(monkeypatch):
    # three columns in every row (wide: their steps run by parts), 397
    # narrow ones; residual CD (not tall enough for the Gram solver, and
    # the Gram solver is switched off to be sure)
    monkeypatch.setattr(gram, "_GRAM_MODE", "never")
    rng = np.random.default_rng(3)
    n, p = WIDE + 4000, 400
    dense = sp.csc_matrix(rng.standard_normal((n, 3)))
    narrow = sp.random(n, p - 3, density=200 / n, random_state=4, format="csc",
                       data_rvs=rng.standard_normal)
    X = sp.hstack([dense, narrow], format="csc")
    w_true = np.zeros(p)
    w_true[[0, 2, 10, 50, 300]] = [1.0, -2.0, 3.0, 1.5, -1.0]
    y = X @ w_true + 0.1 * rng.standard_normal(n)
    for fit_intercept in (False, True):
        amax = sparsecert.alpha_max(X, y, fit_intercept=fit_intercept)
        fits = [sparsecert.Lasso(alpha=amax / 50, fit_intercept=fit_intercept, tol=1e-8,
                                 n_jobs=j).fit(X, y) for j in (1, 2)]
        np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
        assert fits[0].intercept_ == fits[1].intercept_
        assert fits[0].certificate_.converged
        # and the certificate, computed from X without the parts, agrees
        cert = sparsecert.check_optimality(
            X, y, fits[1].coef_, fits[1].intercept_ if fit_intercept else None,
            datafit=Quadratic(), penalty=L1(alpha=amax / 50), tol=1e-6)
        assert cert.converged, cert
