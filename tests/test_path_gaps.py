"""Every step of a regularization path meets the default accuracy, checked in NumPy.

At the default tol every certified step must have a relative duality gap
<= tol (scikit-learn's meaning of tol), down to alpha_max / 1000, where the
violation test alone (its tol relative to alpha_max) would allow about
1000 tol. The gap here is recomputed for each step from its coefficients
alone, at scikit-learn's rescaled-residual dual point (tests/naive.py),
with nothing from the package but the path's output.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes

import sparsecert
from naive import logistic_gap, quadratic_gap

TOL = 1e-4  # the default


def _diabetes():
    return load_diabetes(return_X_y=True)


def _sparse_problem(n=400, p=300, density=0.05, seed=0):
    """CSC from scipy's generator, a planted 10-sparse signal and noise."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="csc", random_state=seed)
    w = np.zeros(p)
    w[rng.choice(p, 10, replace=False)] = rng.normal(size=10) * 3
    return X, X @ w + 0.5 * rng.normal(size=n)


def _check_quadratic_steps(res, X, y, l1_ratio=1.0, sample_weight=None, fit_intercept=True):
    assert res.converged
    rel = []
    for k, alpha in enumerate(res.alphas):
        gap, p0 = quadratic_gap(X, y, res.coefs[:, k], alpha, l1_ratio=l1_ratio,
                                sample_weight=sample_weight, fit_intercept=fit_intercept)
        rel.append(gap / p0)
        cert = res.certificates[k]
        assert cert.converged
        # a feasible dual point: the reported gap is never below 0 beyond rounding
        assert -1e-12 <= cert.relative_gap <= TOL
    rel = np.array(rel)
    assert np.all(rel >= -1e-12)
    assert rel.max() <= TOL * (1 + 1e-9), (int(rel.argmax()), rel.max())
    return rel


def test_dense_lasso_path_every_step_within_tol():
    X, y = _diabetes()
    res = sparsecert.lasso_path(X, y, n_alphas=100)
    rel = _check_quadratic_steps(res, X, y)
    # the smallest alphas are where the violation test alone fell short
    assert res.alphas[-1] == pytest.approx(res.alphas[0] / 1000)
    assert rel[-10:].max() <= TOL


def test_dense_lasso_path_without_intercept():
    X, y = _diabetes()
    res = sparsecert.lasso_path(X, y - y.mean(), n_alphas=60, fit_intercept=False)
    _check_quadratic_steps(res, X, y - y.mean(), fit_intercept=False)


def test_sparse_lasso_path_every_step_within_tol():
    X, y = _sparse_problem()
    res = sparsecert.lasso_path(X, y, n_alphas=100)
    _check_quadratic_steps(res, X, y)


def test_sparse_csr_lasso_path_every_step_within_tol():
    X, y = _sparse_problem(seed=3)
    res = sparsecert.lasso_path(X.tocsr(), y, n_alphas=50)
    _check_quadratic_steps(res, X, y)


def test_weighted_lasso_path_every_step_within_tol():
    X, y = _diabetes()
    sw = np.random.default_rng(1).uniform(0.2, 3.0, y.shape[0])
    res = sparsecert.lasso_path(X, y, n_alphas=100, sample_weight=sw)
    _check_quadratic_steps(res, X, y, sample_weight=sw)


def test_weighted_sparse_lasso_path_every_step_within_tol():
    X, y = _sparse_problem(seed=2)
    sw = np.random.default_rng(2).uniform(0.0, 2.0, y.shape[0])
    res = sparsecert.lasso_path(X, y, n_alphas=60, sample_weight=sw)
    _check_quadratic_steps(res, X, y, sample_weight=sw)


@pytest.mark.parametrize("l1_ratio", [0.5, 0.9])
def test_enet_path_every_step_within_tol(l1_ratio):
    X, y = _diabetes()
    res = sparsecert.enet_path(X, y, l1_ratio=l1_ratio, n_alphas=100)
    _check_quadratic_steps(res, X, y, l1_ratio=l1_ratio)


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), np.where(y > 0, 1.0, -1.0)


@pytest.mark.parametrize("sparse", [False, True])
def test_logistic_path_every_step_within_tol(sparse):
    X, y = _breast_cancer()
    Xf = sp.csc_matrix(X) if sparse else X
    res = sparsecert.logistic_path(Xf, y, n_alphas=60, fit_intercept=False)
    assert res.converged
    for k, alpha in enumerate(res.alphas):
        gap, p0 = logistic_gap(X, y, res.coefs[:, k], 0.0, alpha)
        assert -1e-12 <= gap / p0 <= TOL * (1 + 1e-9), (k, gap / p0)
        assert res.certificates[k].relative_gap <= TOL


def test_no_step_is_accepted_on_its_warm_start_alone():
    """Two alphas so close that the first solution passes the second's
    violation test: the second is still solved to its own gap."""
    X, y = _diabetes()
    amax = sparsecert.lasso_path(X, y, n_alphas=2).alphas[0]
    alphas = np.array([amax / 900, amax / 1000])
    res = sparsecert.lasso_path(X, y, alphas=alphas)
    _check_quadratic_steps(res, X, y)
    # the warm start alone (the first solution, certified at alpha[1]'s tol)
    start = sparsecert.check_optimality(X, y, res.coefs[:, 0], res.intercepts[0],
                                        datafit="quadratic",
                                        penalty=sparsecert.penalties.L1(alphas[1]))
    gap, p0 = quadratic_gap(X, y, res.coefs[:, 0], alphas[1], fit_intercept=True)
    assert start.converged == (gap / p0 <= TOL and start.max_violation <= start.tol)


def test_the_numpy_gap_flags_a_loose_path():
    """The check above can fail: a path solved to tol=1e-2 shows gaps above 1e-4,
    and a perturbed solution's gap exceeds its certified one."""
    X, y = _diabetes()
    loose = sparsecert.lasso_path(X, y, n_alphas=30, tol=1e-2)
    rel = [quadratic_gap(X, y, loose.coefs[:, k], a, fit_intercept=True)[0]
           / quadratic_gap(X, y, loose.coefs[:, k], a, fit_intercept=True)[1]
           for k, a in enumerate(loose.alphas)]
    assert max(rel) > TOL
    tight = sparsecert.lasso_path(X, y, n_alphas=30)
    w = tight.coefs[:, -1] * 1.01
    gap, p0 = quadratic_gap(X, y, w, tight.alphas[-1], fit_intercept=True)
    assert gap / p0 > TOL
