"""A large sparse fit's extra memory (issue 14: at most 0.25 x X's size).

Measured with tracemalloc, which sees every NumPy allocation (Numba's own,
inside the kernels, are small p- or k-sized buffers here): deterministic,
not a timing. The X is the large benchmark's text-like CSR matrix, 1e5 rows
of 20 entries, with 400 entries a column as at full size (1e6 x 1e5 with
2e7): a fit also keeps about 30 p-vectors (the problem's statistics and
thresholds, the solver's, two certificates'), which an X of few entries a
column would not dwarf.
"""

import pathlib
import sys
import tracemalloc

import numpy as np
import pytest

import sparsecert

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchmarks.large import targets, text_like_csr  # noqa: E402


@pytest.fixture(scope="module")
def text():
    X = text_like_csr(100_000, 5_000, 2_000_000, seed=4)
    return X, targets(X)[0]


def _traced_peak(fit):
    tracemalloc.start()
    try:
        fit()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("ratio", [20, 200])
def test_a_text_lasso_needs_a_quarter_of_x_at_most(text, fit_intercept, ratio):
    """The fit keeps a handful of n-vectors (unit weights, residual, the
    certificate's z with u written over it, the kept X w) and copies no
    column out of X; before this, 0.39 x X (0.56 x with an intercept)."""
    X, y = text
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    alpha = sparsecert.alpha_max(X, y, fit_intercept=fit_intercept) / ratio
    est = sparsecert.Lasso(alpha=alpha, fit_intercept=fit_intercept)
    est.fit(X, y)  # compiled and warm (the same kernels as below): the fit's own memory below
    peak = _traced_peak(lambda: est.fit(X, y))
    assert est.certificate_.converged
    assert peak <= 0.25 * x_bytes, peak / x_bytes


@pytest.mark.parametrize("fit_intercept,ratio", [(False, 20), (False, 200), (True, 20)])
def test_a_text_logistic_fit_copies_no_column(text, fit_intercept, ratio):
    """An L1-logistic fit reads its working set's columns by rows
    (_kernels/newton_rows.py): no column store (on this X it held half of X's
    entries, and a copy by rows of the active ones came beside it: 1.18-1.54
    x X before). What stays is six n-vectors: the labels as +-1, unit
    weights, the kernel's three (u, h, X d; a step pass writes the new z
    over the old, and the line search's exponentials go to h) and the
    certificate's z, its u sharing one of the kernel's vectors (idle
    between rounds; with the kept X w, the gap's copy of u and a fourth
    kernel vector, 0.33-0.50 x X here before); and the working set's Gram
    matrix with one chunk's share of it (2 x 1.4 MB for the 424 features of
    the amax/200 fit here, which weigh 0.12 x this small X). Measured:
    0.23-0.40 x X (0.26-0.43 with the fourth kernel vector)."""
    X, y_reg = text
    y = (y_reg > np.median(y_reg)).astype(int)
    x_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    alpha = sparsecert.alpha_max(X, y, datafit="logistic", fit_intercept=fit_intercept) / ratio
    est = sparsecert.SparseLogisticRegression(alpha=alpha, fit_intercept=fit_intercept)
    est.fit(X, y)  # compiled and warm (the same kernels as below): the fit's own memory below
    peak = _traced_peak(lambda: est.fit(X, y))
    assert est.certificate_.converged
    assert peak <= 0.45 * x_bytes, peak / x_bytes
