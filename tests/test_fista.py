"""FISTA (solver="fista"): agreement with CD, scikit-learn and scipy; certificate twin;
restart, backtracking and max_iter behaviour."""

import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from sparsecert import ElasticNet, GeneralizedLinearEstimator, Lasso, SparseLogisticRegression
from sparsecert import penalties
from sparsecert._kernels import codes
from sparsecert._kernels.fista import bregman_divergence, gram_power_iteration
from sparsecert._problem import make_problem
from sparsecert._validation import as_design, check_sample_weight
from sparsecert.datafits import Logistic, Quadratic
from sparsecert.solvers import solve
from sparsecert.solvers.fista import _fista_lipschitz, _solve_fista
from naive import violation_scale

TIGHT = 1e-10


# ----------------------------------------------------------------------------- helpers

def _data(n=80, p=25, seed=0, density=0.4, dtype=np.float64, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < density) + 0.3 * (rng.random((n, p)) < density)
    w = np.zeros(p)
    w[:5] = [2.0, -1.5, 1.0, 0.5, -0.7]
    y = X @ w + 0.3 + 0.5 * rng.standard_normal(n)
    X = X.astype(dtype)
    return (sp.csc_matrix(X) if sparse else X), y


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def naive_certificate(X, y, w, b, *, datafit, alpha, tol_relative, l1_ratio=1.0, weights=None,
                      positive=False, sample_weight=None, fit_intercept=True):
    """Max violation and scale, in plain numpy, from the formulas of DESIGN.md section 2.

    Feature violations in the certificate's common units (naive.violation_scale);
    the intercept's as |dF/db|.
    """
    X = _dense(X).astype(np.float64)
    n, p = X.shape
    s = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float) * n / np.sum(sample_weight)
    c = np.ones(p) if weights is None else np.asarray(weights, float)

    def raw_grad(z):
        if datafit == "quadratic":
            return -s * (y - z) / n
        return -s * y / (1.0 + np.exp(y * z)) / n

    if not fit_intercept:
        b0 = 0.0
    elif datafit == "quadratic":
        b0 = s @ y / n
    else:
        frac = s @ (y > 0) / n
        b0 = np.log(frac / (1 - frac))
    scale = np.max(np.abs(X.T @ raw_grad(np.full(n, b0))))
    u = raw_grad(X @ w + b)
    g = X.T @ u
    thr = alpha * c * l1_ratio
    smooth = alpha * c * (1 - l1_ratio) * w
    at_zero = np.maximum(0.0, -g - thr) if positive else np.maximum(0.0, np.abs(g) - thr)
    viol = np.where(w == 0, at_zero, np.abs(g + smooth + thr * np.sign(w)))
    viol = viol * violation_scale(X, y, tol_relative, scale, sample_weight=sample_weight,
                                  centred=fit_intercept and datafit == "quadratic")
    g_b = u.sum() if fit_intercept else 0.0
    return max(viol.max(), abs(g_b)), scale


def logistic_objective(X, y, w, b, alpha, l1_ratio=1.0):
    z = _dense(X) @ w + b
    return np.mean(np.logaddexp(0.0, -y * z)) + alpha * (
        l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w)


# ------------------------------------------------------------------- kernel twins

@pytest.mark.parametrize("code", [codes.QUADRATIC, codes.LOGISTIC])
def test_bregman_divergence_matches_naive(code):
    rng = np.random.default_rng(3)
    n = 50
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0) if code == codes.LOGISTIC else rng.standard_normal(n)
    sw = rng.random(n) * 2
    z0 = 3 * rng.standard_normal(n)
    z1 = z0 + rng.standard_normal(n)
    if code == codes.QUADRATIC:
        f = lambda z: np.sum(sw * (y - z) ** 2) / (2 * n)
        fp = -sw * (y - z0) / n
    else:
        f = lambda z: np.sum(sw * np.logaddexp(0, -y * z)) / n
        fp = -sw * y / (1 + np.exp(y * z0)) / n
    expected = f(z1) - f(z0) - fp @ (z1 - z0)
    got = bregman_divergence(code, y, sw, n, z0, z1)
    assert got == pytest.approx(expected, rel=1e-10)
    # tiny steps: no cancellation, still ~ (1/2) d^T H d
    d = 1e-9 * rng.standard_normal(n)
    if code == codes.QUADRATIC:
        h = sw / n
    else:
        sig = 1 / (1 + np.exp(-y * z0))
        h = sw * sig * (1 - sig) / n
    assert bregman_divergence(code, y, sw, n, z0, z0 + d) == pytest.approx(0.5 * h @ d**2, rel=1e-5)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_power_iteration_and_lipschitz_bound(sparse, fit_intercept):
    X, y = _data(sparse=sparse)
    design = as_design(X)
    n, p = X.shape
    sw = check_sample_weight(np.linspace(0.5, 2, n), n)
    Xa = np.hstack([_dense(X), np.ones((n, 1))]) if fit_intercept else _dense(X)
    lam = np.linalg.eigvalsh(Xa.T @ (sw[:, None] * Xa) / n)[-1]
    v = np.random.default_rng(0).standard_normal(p + 1)
    est = gram_power_iteration(*design.args, n, sw, fit_intercept, v, 500, 0.0)
    assert est == pytest.approx(lam, rel=1e-8)
    for datafit, factor in ((Quadratic(), 1.0), (Logistic(), 0.25)):
        yy = np.sign(y - np.median(y)) if factor < 1 else y
        problem = make_problem(design, yy, sw, datafit, penalties.L1(alpha=0.1), fit_intercept)
        L = _fista_lipschitz(problem)
        assert factor * lam * 0.999 <= L <= factor * lam * 1.2


@pytest.mark.parametrize("scale", [1e-150, 1e100, 1e150])
def test_power_iteration_survives_extreme_column_scales(scale):
    """||X^T X v||^2 overflows for X of 1e100: the iteration normalizes by the
    largest entry first (it returned 0, so FISTA started at L = 1 and diverged)."""
    X, _ = _data()
    n, p = X.shape
    sw = np.ones(n)
    v = np.random.default_rng(0).standard_normal(p + 1)
    ref = gram_power_iteration(*as_design(X).args, n, sw, False, v.copy(), 500, 0.0)
    got = gram_power_iteration(*as_design(X * scale).args, n, sw, False, v.copy(), 500, 0.0)
    assert got == pytest.approx(ref * scale**2, rel=1e-8)


def test_fista_on_a_badly_scaled_logistic_problem_stays_honest():
    """X of 1e100 with an intercept: curvatures 1e200 and 1/4 under one step
    size. FISTA cannot finish, but it must not diverge, and must say so."""
    X, y = _data()
    labels = (y > np.median(y)).astype(int)
    ref = SparseLogisticRegression(alpha=0.01, tol=1e-8).fit(X, labels)
    with pytest.warns(ConvergenceWarning):
        est = SparseLogisticRegression(alpha=0.01 * 1e100, tol=1e-8, solver="fista",
                                       max_iter=500).fit(X * 1e100, labels)
    assert not est.certificate_.converged
    assert np.all(np.isfinite(est.coef_))
    assert np.max(np.abs(est.coef_ * 1e100 - ref.coef_)) < 10 * np.abs(ref.coef_).max()


# ------------------------------------------------------ quadratic: FISTA == CD

QUAD_CASES = {
    "l1": dict(est=Lasso, kw=dict(alpha=0.05)),
    "enet": dict(est=ElasticNet, kw=dict(alpha=0.05, l1_ratio=0.6)),
    "positive": dict(est=Lasso, kw=dict(alpha=0.02, positive=True)),
    "zero_weights": dict(est=ElasticNet, kw=dict(alpha=0.1, l1_ratio=0.8,
                                                 weights=np.r_[0.0, 0.0, np.linspace(0.5, 2, 23)])),
    "sample_weight": dict(est=Lasso, kw=dict(alpha=0.05), sw=True),
    "no_intercept": dict(est=ElasticNet, kw=dict(alpha=0.05, l1_ratio=0.9, fit_intercept=False)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("case", list(QUAD_CASES))
def test_fista_matches_cd_quadratic(case, sparse, dtype):
    spec = QUAD_CASES[case]
    X, y = _data(sparse=sparse, dtype=dtype)
    sw = np.random.default_rng(1).random(X.shape[0]) * 3 if spec.get("sw") else None
    kw = dict(spec["kw"], tol=TIGHT, max_iter=100000)
    cd = spec["est"](solver="cd", **kw).fit(X, y, sample_weight=sw)
    fi = spec["est"](solver="fista", **kw).fit(X, y, sample_weight=sw)
    cert = fi.certificate_
    assert cert.converged and cert.solver == "fista" and cd.certificate_.solver == "cd"
    assert fi.coef_.dtype == dtype
    ref = np.abs(cd.coef_).max()
    np.testing.assert_allclose(fi.coef_, cd.coef_, rtol=0, atol=1e-6 * ref)
    assert abs(fi.intercept_ - cd.intercept_) <= 1e-6 * max(1.0, abs(cd.intercept_))
    assert np.array_equal(fi.coef_ == 0, cd.coef_ == 0) or np.max(np.abs(fi.coef_ - cd.coef_)) < 1e-9
    assert cert.objective == pytest.approx(cd.certificate_.objective, rel=1e-12)
    # the certificate recomputed independently in numpy
    pen_kw = {k: spec["kw"][k] for k in ("l1_ratio", "weights", "positive") if k in spec["kw"]}
    # at the certified float64 point (for float32 X, coef_ is its rounded copy)
    naive, scale = naive_certificate(X, y, cert.coef, fi.intercept_,
                                     datafit="quadratic", alpha=spec["kw"]["alpha"],
                                     sample_weight=sw, tol_relative=cert.tol_relative,
                                     fit_intercept=spec["kw"].get("fit_intercept", True), **pen_kw)
    assert scale == pytest.approx(cert.scale, rel=1e-10)
    assert naive == pytest.approx(cert.max_violation, rel=1e-6, abs=1e-13 * scale)
    assert naive <= cert.tol * (1 + 1e-6)


def test_auto_still_chooses_cd():
    X, y = _data()
    assert Lasso(alpha=0.05).fit(X, y).certificate_.solver == "cd"


def test_warm_start_at_the_solution_returns_it():
    X, y = _data()
    cd = Lasso(alpha=0.05, tol=TIGHT).fit(X, y)
    problem = make_problem(as_design(X), y, np.ones(X.shape[0]), Quadratic(),
                           penalties.L1(alpha=0.05), True)
    res = solve(problem, cd.coef_, cd.intercept_, tol=1e-8, solver="fista")
    assert res.n_iter == 0 and res.certificate.converged
    np.testing.assert_array_equal(res.coef, cd.coef_)


# -------------------------------------------------------------- logistic

def _logistic_data(sparse, seed=2, n=150, p=15):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * (rng.random((n, p)) < 0.6)
    w = np.zeros(p)
    w[:4] = [1.5, -2.0, 1.0, 0.5]
    y = np.where(X @ w + 0.3 + 0.7 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return (sp.csc_matrix(X) if sparse else X), y


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_logistic_matches_sklearn(sparse, l1_ratio):
    X, y = _logistic_data(sparse)
    n = X.shape[0]
    alpha = 0.02
    pen = (penalties.L1(alpha=alpha) if l1_ratio == 1.0
           else penalties.ElasticNet(alpha=alpha, l1_ratio=l1_ratio))
    est = GeneralizedLinearEstimator(datafit=Logistic(), penalty=pen, fit_intercept=False,
                                     solver="fista", tol=TIGHT, max_iter=100000).fit(X, y)
    cert = est.certificate_
    assert cert.converged and cert.kind == "global"
    assert cert.duality_gap < 1e-9 * cert.objective
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        solver = "liblinear" if l1_ratio == 1.0 else "saga"
        sk = LogisticRegression(C=1.0 / (n * alpha), l1_ratio=l1_ratio, solver=solver,
                                fit_intercept=False, tol=1e-15, max_iter=100000).fit(X, y)
    w_sk = sk.coef_.ravel()
    np.testing.assert_allclose(est.coef_, w_sk, rtol=0, atol=1e-5 * np.abs(w_sk).max())
    obj_sk = logistic_objective(X, y, w_sk, 0.0, alpha, l1_ratio)
    obj = logistic_objective(X, y, est.coef_, 0.0, alpha, l1_ratio)
    assert obj == pytest.approx(cert.objective, rel=1e-12)
    assert obj <= obj_sk * (1 + 1e-9)
    assert obj == pytest.approx(obj_sk, rel=1e-9)
    naive, _ = naive_certificate(X, y, est.coef_, 0.0, datafit="logistic", alpha=alpha,
                                 l1_ratio=l1_ratio, fit_intercept=False,
                                 tol_relative=cert.tol_relative)
    assert naive == pytest.approx(cert.max_violation, rel=1e-6, abs=1e-14)
    assert naive <= cert.tol * (1 + 1e-6)


def _scipy_l1_logistic(X, y, alpha, sw):
    """Independent solve: w = w+ - w-, w+- >= 0, smooth bound-constrained L-BFGS-B."""
    X = _dense(X)
    n, p = X.shape
    s = sw * n / sw.sum()

    def fun(theta):
        wp, wm, b = theta[:p], theta[p:2 * p], theta[-1]
        z = X @ (wp - wm) + b
        val = np.sum(s * np.logaddexp(0, -y * z)) / n + alpha * (wp.sum() + wm.sum())
        u = -s * y / (1 + np.exp(y * z)) / n
        g = X.T @ u
        return val, np.r_[g + alpha, -g + alpha, u.sum()]

    res = scipy.optimize.minimize(fun, np.zeros(2 * p + 1), jac=True, method="L-BFGS-B",
                                  bounds=[(0, None)] * (2 * p) + [(None, None)],
                                  options=dict(ftol=1e-16, gtol=1e-13, maxiter=20000, maxcor=30))
    return res.x[:p] - res.x[p:2 * p], res.x[-1], res.fun


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
def test_logistic_with_intercept_and_sample_weight_matches_scipy(sparse):
    X, y = _logistic_data(sparse, seed=5)
    sw = np.random.default_rng(0).random(X.shape[0]) + 0.2
    alpha = 0.01
    est = GeneralizedLinearEstimator(datafit="logistic", penalty=penalties.L1(alpha=alpha),
                                     solver="fista", tol=TIGHT, max_iter=100000)
    est.fit(X, y, sample_weight=sw)
    cert = est.certificate_
    assert cert.converged
    w_ref, b_ref, obj_ref = _scipy_l1_logistic(X, y, alpha, sw)
    assert cert.objective <= obj_ref * (1 + 1e-10)
    assert cert.objective == pytest.approx(obj_ref, rel=1e-9)
    np.testing.assert_allclose(est.coef_, w_ref, rtol=0, atol=1e-5 * np.abs(w_ref).max())
    assert est.intercept_ == pytest.approx(b_ref, abs=1e-5 * max(1, abs(b_ref)))
    naive, scale = naive_certificate(X, y, est.coef_, est.intercept_, datafit="logistic",
                                     alpha=alpha, sample_weight=sw,
                                     tol_relative=cert.tol_relative)
    assert scale == pytest.approx(cert.scale, rel=1e-10)
    assert naive == pytest.approx(cert.max_violation, rel=1e-6, abs=1e-14)


def test_logistic_auto_is_not_silently_fista():
    # "auto" means proximal Newton with CD inner solves for the logistic datafit
    X, y = _logistic_data(False)
    problem = make_problem(as_design(X), y, np.ones(X.shape[0]), Logistic(),
                           penalties.L1(alpha=0.01), True)
    assert solve(problem, solver="auto").certificate.solver == "prox_newton"


# ------------------------------------------ restart, backtracking, max_iter

@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csc"])
def test_too_small_lipschitz_backtracks_and_restarts(datafit, sparse):
    if datafit == "quadratic":
        X, y = _data(sparse=sparse)
        df = Quadratic()
    else:
        X, y = _logistic_data(sparse)
        df = Logistic()
    pen = penalties.ElasticNet(alpha=0.02, l1_ratio=0.7)
    problem = make_problem(as_design(X), y, np.ones(X.shape[0]), df, pen, True)
    L_good = _fista_lipschitz(problem)
    good, bad = {}, {}
    ref = _solve_fista(problem, None, None, TIGHT, 100000, 0, _stats=good)
    res = _solve_fista(problem, None, None, TIGHT, 100000, 0, _lipschitz=1e-4 * L_good,
                       _stats=bad)
    assert ref.certificate.converged and res.certificate.converged
    assert good["backtracks"] == 0 and good["restarts"] > 0
    assert bad["backtracks"] >= 13 and bad["restarts"] > 0  # 2^13 > 1e4
    assert bad["lipschitz"] >= bad["lipschitz0"] * 2 ** 13
    np.testing.assert_allclose(res.coef, ref.coef, rtol=0, atol=1e-6 * np.abs(ref.coef).max())


def test_max_iter_warns_and_is_not_converged():
    X, y = _data()
    est = Lasso(alpha=0.01, solver="fista", tol=1e-12, max_iter=7)
    with pytest.warns(ConvergenceWarning, match="FISTA"):
        est.fit(X, y)
    assert not est.certificate_.converged
    assert est.n_iter_ == 7 and est.certificate_.n_iter == 7
    Xl, yl = _logistic_data(True)
    est = GeneralizedLinearEstimator(datafit=Logistic(), penalty=penalties.L1(alpha=0.001),
                                     solver="fista", tol=1e-12, max_iter=3)
    with pytest.warns(ConvergenceWarning):
        est.fit(Xl, yl)
    assert not est.certificate_.converged and est.n_iter_ == 3
