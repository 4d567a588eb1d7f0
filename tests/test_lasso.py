"""Lasso and ElasticNet against scikit-learn run at a very tight tolerance."""

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes

import sparsecert as sc
from conftest import load_shared, make_regression
from naive import dense, quadratic_gradient, quadratic_objective

TIGHT = dict(tol=1e-12, max_iter=100000)


def sk_fit(X, y, alpha, l1_ratio=None, sample_weight=None, **kw):
    Est = sk.Lasso if l1_ratio is None else sk.ElasticNet
    extra = {} if l1_ratio is None else {"l1_ratio": l1_ratio}
    est = Est(alpha=alpha, tol=1e-15, max_iter=500000, **extra, **kw)
    return est.fit(dense(X), y, sample_weight=sample_weight)


def ours(X, y, alpha, l1_ratio=None, sample_weight=None, **kw):
    Est = sc.Lasso if l1_ratio is None else sc.ElasticNet
    extra = {} if l1_ratio is None else {"l1_ratio": l1_ratio}
    return Est(alpha=alpha, **TIGHT, **extra, **kw).fit(X, y, sample_weight=sample_weight)


def assert_same_solution(a, b, X, y, alpha, l1_ratio=1.0, sample_weight=None, weights=None):
    scale = max(np.abs(b.coef_).max(), 1e-12)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-6, atol=1e-6 * scale)
    fa = quadratic_objective(X, y, np.asarray(a.coef_, float), a.intercept_, alpha, l1_ratio,
                             weights, sample_weight)
    fb = quadratic_objective(X, y, np.asarray(b.coef_, float), b.intercept_, alpha, l1_ratio,
                             weights, sample_weight)
    assert abs(fa - fb) <= 1e-9 * abs(fb)


@pytest.mark.parametrize("ratio", [2, 10, 100])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_lasso_diabetes(ratio, fit_intercept):
    X, y = load_diabetes(return_X_y=True)
    alpha = sc.alpha_max(X, y, fit_intercept=fit_intercept) / ratio
    a = ours(X, y, alpha, fit_intercept=fit_intercept)
    b = sk_fit(X, y, alpha, fit_intercept=fit_intercept)
    assert a.certificate_.converged
    assert_same_solution(a, b, X, y, alpha)


@pytest.mark.parametrize("l1_ratio", [0.1, 0.5, 0.9])
def test_enet_diabetes(l1_ratio):
    X, y = load_diabetes(return_X_y=True)
    alpha = sc.alpha_max(X, y, l1_ratio=l1_ratio) / 30
    a = ours(X, y, alpha, l1_ratio)
    b = sk_fit(X, y, alpha, l1_ratio)
    assert_same_solution(a, b, X, y, alpha, l1_ratio)


@pytest.mark.parametrize("name", ["riboflavin_hdi.npz", "prostate_stamey1989.npz",
                                  "eyedata_scheetz2006.npz", "leukemia_golub1999_38x3051.npz"])
def test_lasso_shared_data(name):
    X, y = load_shared(name)
    alpha = sc.alpha_max(X, y) / 10
    a = ours(X, y, alpha)
    b = sk_fit(X, y, alpha)
    assert a.certificate_.converged
    assert_same_solution(a, b, X, y, alpha)


def test_lasso_sparse_text_data():
    X, y = load_shared("congress109_textir.npz")
    alpha = sc.alpha_max(X, y) / 5
    a = ours(X, y, alpha)
    b = ours(X.toarray(), y, alpha)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8 * np.abs(b.coef_).max())
    c = sk.Lasso(alpha=alpha, tol=1e-15, max_iter=500000).fit(X.toarray(), y)
    assert_same_solution(a, c, X, y, alpha)


@pytest.mark.parametrize("density", [None, 0.2])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1_ratio", [None, 0.7])
def test_synthetic_vs_sklearn(density, fit_intercept, positive, l1_ratio):
    X, y = make_regression(80, 40, density=density, seed=3)
    alpha = sc.alpha_max(X, y, l1_ratio=l1_ratio or 1.0, fit_intercept=fit_intercept) / 20
    a = ours(X, y, alpha, l1_ratio, fit_intercept=fit_intercept, positive=positive)
    b = sk_fit(X, y, alpha, l1_ratio, fit_intercept=fit_intercept, positive=positive)
    assert a.certificate_.converged
    assert_same_solution(a, b, X, y, alpha, l1_ratio or 1.0)


@pytest.mark.parametrize("density", [None, 0.3])
def test_sample_weight_vs_sklearn(density):
    X, y = make_regression(70, 25, density=density, seed=4)
    sw = np.random.default_rng(1).uniform(0.1, 3.0, size=70)
    sw[:5] = 0.0
    alpha = sc.alpha_max(X, y, sample_weight=sw) / 15
    a = ours(X, y, alpha, sample_weight=sw)
    b = sk_fit(X, y, alpha, sample_weight=sw)
    assert_same_solution(a, b, X, y, alpha, sample_weight=sw)


def test_sample_weight_equals_repetition():
    X, y = make_regression(40, 15, seed=5)
    counts = np.random.default_rng(2).integers(0, 4, size=40)
    a = sc.Lasso(alpha=0.05, **TIGHT).fit(X, y, sample_weight=counts)
    b = sc.Lasso(alpha=0.05, **TIGHT).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-8)


@pytest.mark.parametrize("density", [None, 0.3])
def test_penalty_weights_equal_column_rescaling(density):
    # c_j |w_j| with column X_j is the plain Lasso on X_j / c_j, coefficient c_j w_j
    X, y = make_regression(60, 20, density=density, seed=6)
    c = np.random.default_rng(3).uniform(0.2, 3.0, size=20)
    alpha = 0.1
    a = sc.Lasso(alpha=alpha, weights=c, **TIGHT).fit(X, y)
    Xs = dense(X) / c
    b = sk.Lasso(alpha=alpha, tol=1e-15, max_iter=500000).fit(Xs, y)
    np.testing.assert_allclose(a.coef_ * c, b.coef_, atol=1e-6 * np.abs(b.coef_).max())


def test_unpenalized_features_are_free():
    X, y = make_regression(60, 20, seed=7)
    c = np.ones(20)
    c[:3] = 0.0
    amax = sc.alpha_max(X, y, weights=c)
    est = sc.Lasso(alpha=amax * 1.01, weights=c, **TIGHT).fit(X, y)
    assert np.all(est.coef_[3:] == 0) and np.all(est.coef_[:3] != 0)
    g, gb = quadratic_gradient(X, y, est.coef_, est.intercept_)
    np.testing.assert_allclose(g[:3], 0, atol=1e-9 * est.certificate_.scale)
    est = sc.Lasso(alpha=amax * 0.9, weights=c, **TIGHT).fit(X, y)
    assert np.count_nonzero(est.coef_[3:]) >= 1


@pytest.mark.parametrize("density", [None, 0.25])
@pytest.mark.parametrize("l1_ratio", [None, 0.5])
def test_float32_stays_float32_and_matches(density, l1_ratio):
    X, y = make_regression(60, 30, density=density, seed=8, dtype=np.float32)
    alpha = sc.alpha_max(X, y) / 10
    a = ours(X, y, alpha, l1_ratio)
    assert a.coef_.dtype == np.float32
    b = ours(X.astype(np.float64), y, alpha, l1_ratio)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-6 * np.abs(b.coef_).max())
    c = sk_fit(dense(X).astype(np.float64), y, alpha, l1_ratio)
    np.testing.assert_allclose(a.coef_, c.coef_, rtol=0, atol=1e-5 * np.abs(c.coef_).max())


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("kw", [{}, {"positive": True}, {"l1_ratio": 0.3}])
def test_dense_and_sparse_give_the_same_solution(fit_intercept, kw):
    X, y = make_regression(90, 50, density=0.1, seed=9)
    Est = sc.ElasticNet if "l1_ratio" in kw else sc.Lasso
    a = Est(alpha=0.02, fit_intercept=fit_intercept, **TIGHT, **kw).fit(X, y)
    b = Est(alpha=0.02, fit_intercept=fit_intercept, **TIGHT, **kw).fit(X.toarray(), y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-9 * np.abs(b.coef_).max())
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("density", [None, 0.2])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_alpha_max_gives_exact_zero_certified(density, fit_intercept):
    X, y = make_regression(50, 30, density=density, seed=10)
    amax = sc.alpha_max(X, y, fit_intercept=fit_intercept)
    for alpha in (amax, 1.5 * amax):
        est = sc.Lasso(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
        assert np.all(est.coef_ == 0)
        assert est.certificate_.converged
        assert est.n_iter_ == 1 and est.certificate_.n_iter == 0  # no epoch; sklearn's n_iter_ >= 1
    est = sc.Lasso(alpha=amax * (1 - 1e-6), fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    assert np.count_nonzero(est.coef_) >= 1


def test_alpha_max_positive_and_enet():
    X, y = make_regression(50, 30, seed=11)
    g, _ = quadratic_gradient(X, y, np.zeros(30), y.mean())
    assert np.isclose(sc.alpha_max(X, y), np.abs(g).max())
    assert np.isclose(sc.alpha_max(X, y, l1_ratio=0.5), 2 * np.abs(g).max())
    assert np.isclose(sc.alpha_max(X, y, positive=True), max((-g).max(), 0.0))
    assert sc.alpha_max(X, y, l1_ratio=0.0) == np.inf


def test_warm_start_continues_from_previous_solution():
    X, y = make_regression(60, 30, seed=12)
    est = sc.Lasso(alpha=0.05, warm_start=True, **TIGHT).fit(X, y)
    n_cold = est.n_iter_
    est.fit(X, y)
    assert est.n_iter_ == 1 and est.certificate_.n_iter == 0 and est.certificate_.converged
    assert n_cold > 0


def test_pipeline_and_grid_search():
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), sc.Lasso())
    grid = GridSearchCV(pipe, {"lasso__alpha": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
    assert grid.best_params_["lasso__alpha"] in (0.1, 1.0, 10.0)
    assert grid.score(X, y) > 0.4
