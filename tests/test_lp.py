"""Lp penalties: the claims the library is built on, as tests on generic data."""

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

import sparsecert as sc
from sparsecert.penalties import L1, Lp
from conftest import make_regression
from naive import dense, quadratic_gradient

TIGHT = dict(tol=1e-10, max_iter=100000)


def lp_objective(X, y, w, b, alpha, p):
    Xd = dense(X)
    r = y - Xd @ w - b
    return r @ r / (2 * len(y)) + alpha * np.sum(np.abs(w) ** p)


@pytest.mark.parametrize("density", [None, 0.3])
def test_p2_is_ridge(density):
    X, y = make_regression(60, 20, density=density, seed=31)
    alpha = 0.3
    est = sc.LpRegression(alpha=alpha, p=2.0, **TIGHT).fit(X, y)
    ref = Ridge(alpha=2 * len(y) * alpha, solver="cholesky").fit(dense(X), y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-7)
    cert = est.certificate_
    assert cert.kind == "global" and cert.converged
    assert -1e-10 * cert.objective <= cert.duality_gap <= 1e-8 * cert.objective


@pytest.mark.parametrize("p", [1.2, 1.5, 3.0])
def test_p_above_one_matches_scipy(p):
    X, y = make_regression(50, 8, seed=32)
    alpha = 0.2
    est = sc.LpRegression(alpha=alpha, p=p, **TIGHT).fit(X, y)
    x0 = np.r_[est.coef_ * 0.5, 0.0]
    res = minimize(lambda v: lp_objective(X, y, v[:-1], v[-1], alpha, p), x0, method="BFGS",
                   options={"gtol": 1e-12, "maxiter": 10000})
    ours = lp_objective(X, y, est.coef_, est.intercept_, alpha, p)
    assert ours <= res.fun + 1e-9 * abs(res.fun)
    np.testing.assert_allclose(est.coef_, res.x[:-1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("p", [1.1, 1.5, 2.0, 4.0])
@pytest.mark.parametrize("density", [None, 0.3])
def test_smooth_penalty_never_gives_exact_zeros(p, density):
    X, y = make_regression(40, 15, density=density, seed=33)
    amax = sc.alpha_max(X, y)
    for factor in (0.01, 1.0, 100.0, 1e4):
        est = sc.LpRegression(alpha=amax * factor, p=p, tol=1e-8, max_iter=100000).fit(X, y)
        g, _ = quadratic_gradient(X, y, np.zeros(15), y.mean())
        # every feature with a nonzero gradient at w = 0 is nonzero
        assert np.all(est.coef_[g != 0] != 0)
        assert est.certificate_.converged


@pytest.mark.parametrize("density", [None, 0.3])
def test_l1_zeroes_exactly_where_gradient_is_inside_dead_zone(density):
    X, y = make_regression(80, 30, density=density, seed=34)
    alpha = sc.alpha_max(X, y) / 5
    est = sc.Lasso(alpha=alpha, **TIGHT).fit(X, y)
    g, _ = quadratic_gradient(X, y, est.coef_, est.intercept_)
    zero = est.coef_ == 0
    assert zero.any() and (~zero).any()
    assert np.all(np.abs(g[zero]) <= alpha * (1 + 1e-9))
    np.testing.assert_allclose(np.abs(g[~zero]), alpha, rtol=1e-8)
    # and the converse: the gradient at the solution leaves the dead zone
    # exactly for the nonzeros, so zeroing one is flagged at that coordinate
    j = int(np.flatnonzero(~zero)[0])
    w = est.coef_.copy()
    w[j] = 0
    cert = sc.check_optimality(X, y, w, est.intercept_, datafit="quadratic", penalty=L1(alpha=alpha))
    assert not cert.converged and cert.argmax == j


def lp_threshold_test(X, y, w, b, alpha, p, means=None):
    """Independent L-stationarity test of a zero coefficient: |g_j|/L_j <= tau_p(alpha/L_j)."""
    Xd = dense(X)
    Xc = Xd - Xd.mean(axis=0)
    L = (Xc ** 2).mean(axis=0)
    g, _ = quadratic_gradient(X, y, w, b)
    u = alpha / L
    beta = (2 * u * (1 - p)) ** (1 / (2 - p))
    tau = (2 - p) / (2 * (1 - p)) * beta
    return np.abs(g) / L <= tau * (1 + 1e-9), g, L, tau, beta


@pytest.mark.parametrize("p", [0.3, 0.5, 2 / 3, 0.9])
@pytest.mark.parametrize("density", [None, 0.3])
def test_nonconvex_zeros_pass_l_stationarity(p, density):
    X, y = make_regression(60, 25, density=density, seed=35)
    alpha = sc.alpha_max(X, y) / 10
    est = sc.LpRegression(alpha=alpha, p=p, **TIGHT).fit(X, y)
    cert = est.certificate_
    assert cert.kind == "local" and cert.duality_gap is None and cert.converged
    ok, g, L, tau, beta = lp_threshold_test(X, y, est.coef_, est.intercept_, alpha, p)
    zero = est.coef_ == 0
    assert zero.any()
    assert np.all(ok[zero])
    # nonzeros: at least beta_p away from 0 and stationary
    nz = ~zero
    assert np.all(np.abs(est.coef_[nz]) >= beta[nz] * (1 - 1e-9))
    resid = g[nz] + alpha * p * np.abs(est.coef_[nz]) ** (p - 1) * np.sign(est.coef_[nz])
    assert np.all(np.abs(resid) <= 1e-8 * cert.scale)
    # deterministic
    again = sc.LpRegression(alpha=alpha, p=p, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(again.coef_, est.coef_)


@pytest.mark.parametrize("p", [0.5, 0.8])
def test_zero_placed_where_l_stationarity_fails_is_flagged(p):
    X, y = make_regression(60, 25, seed=36)
    alpha = sc.alpha_max(X, y) / 10
    est = sc.LpRegression(alpha=alpha, p=p, **TIGHT).fit(X, y)
    # zero out the largest coefficient: its gradient leaves the dead zone
    j = int(np.argmax(np.abs(est.coef_)))
    w = est.coef_.copy()
    w[j] = 0.0
    ok, *_ = lp_threshold_test(X, y, w, est.intercept_, alpha, p)
    assert not ok[j]
    cert = sc.check_optimality(X, y, w, est.intercept_, datafit="quadratic",
                               penalty=Lp(alpha=alpha, p=p))
    assert not cert.converged and cert.argmax == j
    # while every zero that passes the independent test has zero violation
    zero_ok = (w == 0) & ok
    zero_ok[j] = False
    assert np.all(cert.violation[zero_ok] <= 1e-12 * cert.scale)


def test_nonconvex_is_sparser_than_l1_on_real_data():
    X, y = load_diabetes(return_X_y=True)
    amax = sc.alpha_max(X, y)
    l1 = sc.Lasso(alpha=amax / 50, **TIGHT).fit(X, y)
    lp = sc.LpRegression(alpha=amax / 50, p=0.5, **TIGHT).fit(X, y)
    ridge = sc.LpRegression(alpha=amax / 50, p=2.0, **TIGHT).fit(X, y)
    assert np.count_nonzero(ridge.coef_) == X.shape[1]
    assert np.count_nonzero(lp.coef_) <= np.count_nonzero(l1.coef_)
    assert lp.certificate_.converged and l1.certificate_.converged


def test_p_equal_one_is_the_lasso():
    X, y = make_regression(50, 20, seed=37)
    a = sc.LpRegression(alpha=0.1, p=1.0, **TIGHT).fit(X, y)
    b = sc.Lasso(alpha=0.1, **TIGHT).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-12)
    assert a.certificate_.kind == "global"


def test_invalid_p_is_rejected():
    X, y = make_regression(20, 5, seed=38)
    for p in (0.0, -1.0):
        with pytest.raises(ValueError, match="p"):
            sc.LpRegression(p=p).fit(X, y)
    with pytest.raises(ValueError, match="p must be"):
        sc.check_optimality(X, y, np.zeros(5), datafit="quadratic", penalty=Lp(alpha=1.0, p=np.nan))


@pytest.mark.parametrize("p", [1.5, 2.0, 3.0])
@pytest.mark.parametrize("density", [None, 0.3])
def test_fista_and_cd_agree_for_smooth_lp(p, density):
    X, y = make_regression(50, 20, density=density, seed=39)
    a = sc.LpRegression(alpha=0.3, p=p, **TIGHT).fit(X, y)
    b = sc.LpRegression(alpha=0.3, p=p, solver="fista", **TIGHT).fit(X, y)
    assert a.certificate_.converged and b.certificate_.converged
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-8)


def test_fista_refuses_nonconvex_lp_clearly():
    X, y = make_regression(30, 10, seed=40)
    with pytest.raises(ValueError, match="fista.*p < 1"):
        sc.LpRegression(alpha=0.1, p=0.5, solver="fista").fit(X, y)
