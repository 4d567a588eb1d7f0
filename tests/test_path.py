"""Regularization paths: against scikit-learn's paths and independent fits;
strong rules change speed only, and the KKT re-check catches their failures."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes

import sparsecert as sc
from sparsecert import penalties
from sparsecert.path import PathResult
from conftest import make_regression

TIGHT = dict(tol=1e-10, max_iter=100000)


def diabetes():
    return load_diabetes(return_X_y=True)


def sparse_problem():
    return make_regression(n=80, p=40, density=0.2, seed=3)


def _dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def assert_coefs_close(a, b, rel=1e-6):
    scale = max(np.abs(b).max(), 1e-12)
    np.testing.assert_allclose(a, b, rtol=0, atol=rel * scale)


def test_result_shapes_order_and_unpacking():
    X, y = diabetes()
    res = sc.lasso_path(X, y, n_alphas=7)
    assert isinstance(res, PathResult)
    alphas, coefs, gaps = res
    assert alphas.shape == (7,) and coefs.shape == (10, 7) and gaps.shape == (7,)
    assert np.all(np.diff(alphas) < 0)
    assert res[1] is res.coefs and len(res) == 3
    assert res.intercepts.shape == (7,) and len(res.certificates) == 7
    assert np.all(res.coefs[:, 0] == 0)  # alpha_max
    np.testing.assert_allclose(alphas[0], sc.alpha_max(X, y), rtol=1e-12)
    np.testing.assert_allclose(alphas[-1], 1e-3 * alphas[0], rtol=1e-12)
    for cert in res.certificates:
        assert cert.converged and cert.violation.shape == (10,)
    assert "certified" in repr(res)
    # an explicit grid is sorted decreasing, as scikit-learn does
    res = sc.lasso_path(X, y, alphas=[0.1, 1.0, 0.5])
    np.testing.assert_array_equal(res.alphas, [1.0, 0.5, 0.1])
    assert sc.lasso_path(X, y, alphas=4).alphas.shape == (4,)
    assert sc.lasso_path(X, y, n_alphas=3, return_certificates=False).certificates is None


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_sklearn_lasso_path_diabetes(fit_intercept):
    X, y = diabetes()
    res = sc.lasso_path(X, y, n_alphas=30, fit_intercept=fit_intercept, **TIGHT)
    # scikit-learn's lasso_path fits no intercept: give it centred data
    Xs, ys = (X - X.mean(0), y - y.mean()) if fit_intercept else (X, y)
    alphas, coefs, _ = sk.lasso_path(Xs, ys, alphas=res.alphas, tol=1e-14, max_iter=100000)
    np.testing.assert_array_equal(alphas, res.alphas)
    assert coefs.shape == res.coefs.shape
    assert_coefs_close(res.coefs, coefs)
    if fit_intercept:
        np.testing.assert_allclose(res.intercepts, y.mean() - X.mean(0) @ res.coefs, rtol=1e-9)
    assert res.converged and all(c.converged for c in res.certificates)


def test_matches_sklearn_lasso_path_sparse_csc():
    X, y = sparse_problem()
    assert sp.isspmatrix_csc(X) or sp.issparse(X)
    res = sc.lasso_path(X, y, n_alphas=25, fit_intercept=False, **TIGHT)
    alphas, coefs, _ = sk.lasso_path(X, y, alphas=res.alphas, tol=1e-14, max_iter=100000)
    assert_coefs_close(res.coefs, coefs)
    assert all(c.converged for c in res.certificates)
    # same answer from the dense copy
    dense = sc.lasso_path(_dense(X), y, n_alphas=25, fit_intercept=False, **TIGHT)
    assert_coefs_close(res.coefs, dense.coefs, rel=1e-8)


def test_matches_sklearn_enet_path():
    X, y = diabetes()
    res = sc.enet_path(X, y, l1_ratio=0.3, n_alphas=20, fit_intercept=False, **TIGHT)
    alphas, coefs, _ = sk.enet_path(X, y, l1_ratio=0.3, alphas=res.alphas, tol=1e-14,
                                    max_iter=100000)
    assert_coefs_close(res.coefs, coefs)
    np.testing.assert_allclose(res.alphas[0], sc.alpha_max(X, y, l1_ratio=0.3,
                                                           fit_intercept=False), rtol=1e-12)


@pytest.mark.parametrize("sparse", [False, True])
def test_matches_independent_fits(sparse):
    X, y = sparse_problem() if sparse else diabetes()
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.5, 2.0, size=y.shape[0])
    c = np.ones(X.shape[1])
    c[0] = 0.0  # one unpenalized feature
    c[1] = 2.0
    res = sc.lasso_path(X, y, n_alphas=8, eps=1e-2, sample_weight=sw, weights=c, **TIGHT)
    for k, alpha in enumerate(res.alphas):
        est = sc.Lasso(alpha=alpha, weights=c, **TIGHT).fit(X, y, sample_weight=sw)
        assert_coefs_close(res.coefs[:, k], est.coef_, rel=1e-7)
        np.testing.assert_allclose(res.intercepts[k], est.intercept_, rtol=1e-8,
                                   atol=1e-8 * abs(est.intercept_))
        assert res.certificates[k].converged
    # alpha_max with an unpenalized feature: that feature fitted, the others zero
    assert np.count_nonzero(res.coefs[1:, 0]) == 0 and res.coefs[0, 0] != 0


@pytest.mark.parametrize("make", [diabetes, sparse_problem])
def test_screening_changes_speed_only(make):
    X, y = make()
    a = sc.lasso_path(X, y, n_alphas=40, **TIGHT)
    b = sc.lasso_path(X, y, n_alphas=40, screening=None, **TIGHT)
    assert_coefs_close(a.coefs, b.coefs, rel=1e-7)
    np.testing.assert_allclose(a.intercepts, b.intercepts, rtol=1e-9)
    assert np.all(b.n_kept == X.shape[1])
    assert np.any(a.n_kept < X.shape[1])


def _strong_rule_failure_problem():
    """Two latent factors behind six columns: |g_j| moves faster than
    |alpha| along the path, breaking the strong rule's Lipschitz assumption
    (seed found by search; the test checks the failure happens)."""
    r = np.random.default_rng(10)
    n, p = 20, 6
    base = r.standard_normal((n, 2))
    X = base @ r.standard_normal((2, p)) + 0.3 * r.standard_normal((n, p))
    y = X @ r.standard_normal(p) + 0.1 * r.standard_normal(n)
    return X, y


def test_strong_rule_failure_is_caught_by_kkt_recheck():
    X, y = _strong_rule_failure_problem()
    res = sc.lasso_path(X, y, n_alphas=10, eps=0.5, tol=1e-10)
    ref = sc.lasso_path(X, y, n_alphas=10, eps=0.5, tol=1e-10, screening=None)
    assert res.n_kkt_added.sum() >= 1
    k = int(np.flatnonzero(res.n_kkt_added)[0])
    j = int(res.kkt_added[k][0])
    # the rule discarded j at alpha_k (zero at alpha_{k-1}, |g_j| below its bound) ...
    g_prev = res.certificates[k - 1].gradient
    assert res.coefs[j, k - 1] == 0
    assert abs(g_prev[j]) < 2 * res.alphas[k] - res.alphas[k - 1]
    # ... yet j is nonzero in the optimal solution, which the path still returns
    assert res.coefs[j, k] != 0 and ref.coefs[j, k] != 0
    assert all(c.converged for c in res.certificates)
    assert_coefs_close(res.coefs, ref.coefs, rel=1e-7)


def test_alphas_above_alpha_max_give_zeros():
    X, y = diabetes()
    amax = sc.alpha_max(X, y)
    res = sc.lasso_path(X, y, alphas=[10 * amax, 2 * amax, amax])
    assert np.all(res.coefs == 0)
    np.testing.assert_allclose(res.intercepts, y.mean())
    assert all(c.converged for c in res.certificates)


def test_positive_and_float32():
    X, y = diabetes()
    res = sc.lasso_path(X.astype(np.float32), y, n_alphas=10, positive=True, tol=1e-8)
    assert res.coefs.dtype == np.float32
    assert np.all(res.coefs >= 0)
    assert all(c.converged for c in res.certificates)
    alphas, coefs, _ = sk.lasso_path(X - X.mean(0), y - y.mean(), alphas=res.alphas,
                                     positive=True, tol=1e-14, max_iter=100000)
    assert_coefs_close(res.coefs, coefs, rel=1e-4)


def test_generic_path_needs_alphas_without_alpha_max():
    X, y = diabetes()
    with pytest.raises(ValueError, match="pass the grid as alphas"):
        sc.regularization_path(X, y, datafit="quadratic", penalty=penalties.Lp(p=2.0))
    res = sc.regularization_path(X, y, datafit="quadratic", penalty=penalties.Lp(p=2.0),
                                 alphas=[1.0, 0.1], tol=1e-8)
    for k, alpha in enumerate(res.alphas):
        est = sc.LpRegression(alpha=alpha, p=2.0, tol=1e-8).fit(X, y)
        assert_coefs_close(res.coefs[:, k], est.coef_, rel=1e-6)
    with pytest.raises(ValueError, match="screening"):
        sc.lasso_path(X, y, screening="safe")


def test_logistic_path_fista():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 8))
    y = (X[:, 0] - X[:, 1] + 0.5 * rng.standard_normal(60) > 0).astype(int)
    res = sc.logistic_path(X, y, n_alphas=5, eps=0.05, tol=1e-6, solver="fista",
                           max_iter=20000)
    assert res.coefs.shape == (8, 5) and np.all(res.coefs[:, 0] == 0)
    assert all(c.converged for c in res.certificates)
    assert np.count_nonzero(res.coefs[:, -1]) > 0


def test_verbose_reports_each_alpha(capsys):
    X, y = diabetes()
    sc.lasso_path(X, y, n_alphas=3, verbose=1)
    out = capsys.readouterr().out
    assert out.count("[sparsecert] path") == 3


def test_not_converged_warns_once_per_alpha():
    X, y = diabetes()
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sc.lasso_path(X, y, n_alphas=3, eps=1e-3, tol=1e-12, max_iter=1)
    msgs = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert not res.converged
    assert 1 <= len(msgs) <= 3 and all("regularization path" in str(m.message) for m in msgs)


def test_callback_called_once_per_alpha_with_full_certificate():
    X, y = make_regression(n=40, p=15, seed=3)
    seen = []
    res = sc.regularization_path(X, y, datafit="quadratic", penalty=sc.penalties.L1(alpha=0.0),
                                 n_alphas=6, eps=1e-2, tol=1e-6,
                                 callback=lambda k, a, c: seen.append((k, a, c)))
    assert [k for k, _, _ in seen] == list(range(6))
    np.testing.assert_array_equal([a for _, a, _ in seen], res.alphas)
    for k, _, cert in seen:
        assert cert.converged
        np.testing.assert_array_equal(cert.coef, res.coefs[:, k])
