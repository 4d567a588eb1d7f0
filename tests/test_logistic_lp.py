"""Logistic regression with Lp penalties: every solver, dense and CSC."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import sparsecert as sc
from sparsecert.penalties import Lp


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def as_layout(X, sparse):
    if not sparse:
        return X
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.5] = 0.0  # a genuinely sparse matrix, same for both fits
    return sp.csc_matrix(Xs)


def naive_logistic_grad(X, y01, w, b):
    Xd = X.toarray() if sp.issparse(X) else X
    y = np.where(y01 == 1, 1.0, -1.0)
    z = Xd @ w + b
    u = -y / (1 + np.exp(y * z)) / len(y)
    return Xd.T @ u, u.sum()


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_p2_is_l2_logistic_regression(cancer, sparse, fit_intercept):
    X, y = cancer
    X = as_layout(X, sparse)
    alpha = 0.01
    ours = sc.SparseLogisticRegression(alpha=alpha, penalty="lp", p=2.0, tol=1e-10,
                                       fit_intercept=fit_intercept).fit(X, y)
    ref = LogisticRegression(C=1.0 / (2 * len(y) * alpha), tol=1e-12, max_iter=100000,
                             fit_intercept=fit_intercept).fit(X, y)
    assert ours.certificate_.converged and ours.certificate_.kind == "global"
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("p", [1.3, 2.0, 3.0])
def test_smooth_lp_fista_equals_prox_newton_and_has_no_zeros(cancer, sparse, p):
    X, y = cancer
    X = as_layout(X, sparse)
    kw = dict(alpha=0.02, penalty="lp", p=p, tol=1e-9, max_iter=100000)
    a = sc.SparseLogisticRegression(**kw).fit(X, y)
    b = sc.SparseLogisticRegression(solver="fista", **kw).fit(X, y)
    assert a.certificate_.converged and b.certificate_.converged
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-5, atol=1e-7)
    assert np.all(a.coef_ != 0)
    gap = a.certificate_.duality_gap
    assert -1e-12 <= gap <= 1e-8


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("p", [0.5, 0.8])
def test_nonconvex_logistic_is_l_stationary(cancer, sparse, p):
    X, y = cancer
    X = as_layout(X, sparse)
    am = sc.alpha_max(X, y, datafit="logistic")
    alpha = am / 20
    est = sc.SparseLogisticRegression(alpha=alpha, penalty="lp", p=p, tol=1e-8,
                                      max_iter=100000).fit(X, y)
    cert = est.certificate_
    assert cert.converged and cert.kind == "local" and cert.duality_gap is None
    w, b = est.coef_[0], est.intercept_[0]
    g, gb = naive_logistic_grad(X, y, w, b)
    Xd = X.toarray() if sp.issparse(X) else X
    L = (Xd ** 2).sum(axis=0) / (4 * len(y))
    u = alpha / L
    beta = (2 * u * (1 - p)) ** (1 / (2 - p))
    tau = (2 - p) / (2 * (1 - p)) * beta
    zero = w == 0
    assert zero.any() and (~zero).any()
    assert np.all(np.abs(g[zero]) / L[zero] <= tau[zero] * (1 + 1e-9))
    assert np.all(np.abs(w[~zero]) >= beta[~zero] * (1 - 1e-9))
    stat = g[~zero] + alpha * p * np.abs(w[~zero]) ** (p - 1) * np.sign(w[~zero])
    assert np.all(np.abs(stat) <= 1e-6 * cert.scale)
    # a zero placed where L-stationarity fails is flagged at that coordinate
    j = int(np.argmax(np.abs(w)))
    bad = w.copy()
    bad[j] = 0.0
    c2 = sc.check_optimality(X, y, bad, b, datafit="logistic", penalty=Lp(alpha=alpha, p=p))
    assert not c2.converged and c2.argmax == j
    # deterministic
    again = sc.SparseLogisticRegression(alpha=alpha, penalty="lp", p=p, tol=1e-8,
                                        max_iter=100000).fit(X, y)
    np.testing.assert_array_equal(again.coef_, est.coef_)


def test_nonconvex_logistic_refuses_fista(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="p < 1"):
        sc.SparseLogisticRegression(alpha=0.01, penalty="lp", p=0.5, solver="fista").fit(X, y)


def test_multiclass_lp_needs_ovr():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="multi_class='ovr'"):
        sc.SparseLogisticRegression(alpha=0.01, penalty="lp", p=0.5).fit(X, y)


def test_multiclass_lp():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = sc.SparseLogisticRegression(alpha=0.01, penalty="lp", p=0.5, tol=1e-7,
                                      max_iter=100000, multi_class="ovr").fit(X, y)
    assert est.coef_.shape == (3, 4)
    assert all(c.converged and c.kind == "local" for c in est.certificate_)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert est.score(X, y) > 0.8
