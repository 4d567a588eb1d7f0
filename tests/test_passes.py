"""Every fit counts its full passes over X (``n_passes_``, ``SolverResult.n_passes``).

A pass reads every entry of X once (nnz for a sparse X, n p dense). The
set-up's column statistics and X^T f'(0, b0) share one sweep for a sparse X,
and the certificate at w = 0 reuses them, so a fit that is certified at its
start costs exactly one pass.
"""

import numpy as np
import pytest

import sparsecert
from _helpers import sparse_regression
from sparsecert._problem import Work
from sparsecert._validation import as_design


def _sparse(seed=0):
    return sparse_regression(seed)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_start_certified_costs_one_pass_sparse(fit_intercept):
    X, y = _sparse()
    amax = sparsecert.alpha_max(X, y, fit_intercept=fit_intercept)
    est = sparsecert.Lasso(alpha=1.01 * amax, fit_intercept=fit_intercept).fit(X, y)
    assert est.certificate_.converged and est.certificate_.n_iter == 0
    assert est.n_passes_ == 1.0


def test_start_certified_dense_float64_is_two_passes():
    X, y = _sparse()
    X = X.toarray()
    est = sparsecert.Lasso(alpha=1.01 * sparsecert.alpha_max(X, y)).fit(X, y)
    assert est.n_passes_ == 2.0  # column statistics, then BLAS's X^T u


def test_logistic_start_certified_costs_one_pass():
    X, y = _sparse()
    est = sparsecert.SparseLogisticRegression(alpha=10.0).fit(X, (y > 0).astype(int))
    assert est.n_passes_ == 1.0


def test_passes_grow_with_the_work_and_count_certificates():
    X, y = _sparse()
    amax = sparsecert.alpha_max(X, y)
    loose = sparsecert.Lasso(alpha=amax / 10).fit(X, y)
    small = sparsecert.Lasso(alpha=amax / 100).fit(X, y)
    # set-up plus at least one certificate pass; never fewer passes than epochs over
    # all features would take when the working set is the whole problem
    assert 2.0 <= loose.n_passes_ < small.n_passes_
    assert np.isfinite(small.n_passes_)


def test_work_counts_columns_in_units_of_the_whole_x():
    X, _ = _sparse()
    design = as_design(X)
    work = Work(design)
    work.add_columns(design, np.arange(design.n_features))
    assert work.passes == pytest.approx(1.0)
    work.add_columns(design, np.array([0, 5]), times=3)
    nnz = np.diff(X.indptr)
    assert work.entries == pytest.approx(X.nnz + 3 * (nnz[0] + nnz[5]))


def test_path_reports_passes_per_alpha():
    X, y = _sparse()
    res = sparsecert.lasso_path(X, y, n_alphas=10)
    assert res.n_passes.shape == (10,)
    assert np.all(res.n_passes > 0) and np.all(np.isfinite(res.n_passes))


def test_fista_counts_two_passes_per_iteration():
    X, y = _sparse()
    amax = sparsecert.alpha_max(X, y)
    est = sparsecert.Lasso(alpha=amax / 5, solver="fista", max_iter=5000).fit(X, y)
    assert est.n_passes_ >= 2 * est.n_iter_
