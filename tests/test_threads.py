"""n_jobs spreads the full passes over X on threads and changes no bit of a fit."""

import numpy as np
import pytest

import sparsecert
from _helpers import sparse_regression


def _problem(seed=0):
    return sparse_regression(seed, n=400, p=300, n_true=12)


def _fits(make, X, y):
    return [make(n_jobs).fit(X, y) for n_jobs in (None, 1, 2, -1)]


@pytest.mark.parametrize("kind", ["csc", "csr", "float32"])
def test_lasso_bitwise_the_same_for_any_n_jobs(kind):
    X, y = _problem()
    if kind == "csr":
        X = X.tocsr()
    elif kind == "float32":
        X = X.toarray().astype(np.float32)
    amax = sparsecert.alpha_max(X, y)
    fits = _fits(lambda j: sparsecert.Lasso(alpha=amax / 30, n_jobs=j), X, y)
    ref = fits[0]
    assert ref.certificate_.converged
    for est in fits[1:]:
        np.testing.assert_array_equal(est.coef_, ref.coef_)
        assert est.intercept_ == ref.intercept_ and est.n_iter_ == ref.n_iter_
        assert est.certificate_.max_violation == ref.certificate_.max_violation
        assert est.certificate_.duality_gap == ref.certificate_.duality_gap
        assert est.n_passes_ == ref.n_passes_


def test_logistic_bitwise_the_same_for_any_n_jobs():
    X, y = _problem(seed=1)
    labels = (y > np.median(y)).astype(int)
    fits = [sparsecert.SparseLogisticRegression(alpha=0.01, n_jobs=j).fit(X, labels)
            for j in (None, 2)]
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    assert fits[0].certificate_.max_violation == fits[1].certificate_.max_violation


@pytest.mark.parametrize("kind", ["csc", "csr", "dense"])
def test_logistic_threaded_gradient_changes_no_bit(kind, monkeypatch):
    """With n_jobs > 1 proximal Newton computes the working set's gradient on
    the threads (every working set here, the size floor lowered to 0): each
    feature's sums still run in order on one thread, so the fit is bitwise
    the one of n_jobs=1, which never takes the threaded kernel."""
    from sparsecert._kernels import codes
    from sparsecert.solvers import prox_newton

    X, y = _problem(seed=3)
    X = {"csc": X, "csr": X.tocsr(), "dense": X.toarray()}[kind]
    labels = (y > np.median(y)).astype(int)
    monkeypatch.setattr(prox_newton, "_THREADED_ENTRIES", 0)
    # the column kernel on a CSR X too (the row kernel: test_newton_rows.py)
    monkeypatch.setattr(prox_newton, "_ROWS_SHARE", np.inf)
    kernel, kinds = prox_newton.prox_newton_logistic, []

    def spy(*args):
        kinds.append(args[-1])
        return kernel(*args)

    monkeypatch.setattr(prox_newton, "prox_newton_logistic", spy)
    fits = {}
    for j in (1, 2):
        kinds.clear()
        fits[j] = sparsecert.SparseLogisticRegression(alpha=0.005, tol=1e-8, n_jobs=j).fit(
            X, labels)
        assert set(kinds) == {codes.ONE_THREAD if j == 1 else codes.THREADS}
    assert fits[1].certificate_.converged and np.count_nonzero(fits[1].coef_) > 5
    np.testing.assert_array_equal(fits[1].coef_, fits[2].coef_)
    assert fits[1].intercept_ == fits[2].intercept_ and fits[1].n_iter_ == fits[2].n_iter_
    assert fits[1].certificate_.max_violation == fits[2].certificate_.max_violation


@pytest.mark.parametrize("bad", [0, 1.5, "two", True])
def test_invalid_n_jobs_names_the_parameter(bad):
    X, y = _problem()
    with pytest.raises((ValueError, TypeError), match="n_jobs"):
        sparsecert.Lasso(alpha=0.1, n_jobs=bad).fit(X, y)


@pytest.mark.parametrize("kind", ["csc", "csr"])
def test_paths_bitwise_the_same_for_any_n_jobs(kind):
    X, y = _problem(seed=2)
    if kind == "csr":
        X = X.tocsr()
    paths = [sparsecert.lasso_path(X, y, n_alphas=15, n_jobs=j) for j in (None, 2)]
    np.testing.assert_array_equal(paths[0].coefs, paths[1].coefs)
    np.testing.assert_array_equal(paths[0].dual_gaps, paths[1].dual_gaps)
    labels = (y > np.median(y)).astype(int)
    logit = [sparsecert.logistic_path(X, labels, n_alphas=5, n_jobs=j) for j in (None, -1)]
    np.testing.assert_array_equal(logit[0].coefs, logit[1].coefs)
    with pytest.raises(ValueError, match="n_jobs"):
        sparsecert.enet_path(X, y, n_alphas=3, n_jobs=0)
