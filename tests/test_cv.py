"""LassoCV and ElasticNetCV against scikit-learn's, on the same folds and grids."""

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.model_selection import KFold

import sparsecert as sc
from conftest import make_regression

TIGHT = dict(tol=1e-10, max_iter=100000)
SK_TIGHT = dict(tol=1e-12, max_iter=100000)


def folds():
    return KFold(5, shuffle=True, random_state=0)


def test_lassocv_matches_sklearn_diabetes():
    X, y = load_diabetes(return_X_y=True)
    ours = sc.LassoCV(n_alphas=30, cv=folds(), **TIGHT).fit(X, y)
    theirs = sk.LassoCV(alphas=ours.alphas_, cv=folds(), **SK_TIGHT).fit(X, y)
    np.testing.assert_array_equal(ours.alphas_, theirs.alphas_)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (30, 5)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-7)
    assert ours.alpha_ == theirs.alpha_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8)
    assert ours.certificate_.converged and ours.certificate_.alpha == ours.alpha_
    # our default grid is scikit-learn's
    theirs_grid = sk.LassoCV(alphas=30, cv=folds()).fit(X, y)
    np.testing.assert_allclose(ours.alphas_, theirs_grid.alphas_, rtol=1e-10)


def test_lassocv_sample_weight_matches_sklearn():
    X, y = make_regression(n=60, p=15, seed=2)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, size=60)
    ours = sc.LassoCV(n_alphas=15, cv=folds(), **TIGHT).fit(X, y, sample_weight=sw)
    theirs = sk.LassoCV(alphas=ours.alphas_, cv=folds(), **SK_TIGHT).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    assert ours.alpha_ == theirs.alpha_


def test_elasticnetcv_l1_ratio_list_matches_sklearn():
    X, y = make_regression(n=80, p=25, seed=4)
    ratios = [0.1, 0.5, 0.9, 1.0]
    ours = sc.ElasticNetCV(l1_ratio=ratios, n_alphas=12, cv=folds(), **TIGHT).fit(X, y)
    theirs = sk.ElasticNetCV(l1_ratio=ratios, alphas=12, cv=folds(), **SK_TIGHT).fit(X, y)
    assert ours.alphas_.shape == (4, 12) and ours.mse_path_.shape == (4, 12, 5)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-10)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    assert (ours.alpha_, ours.l1_ratio_) == pytest.approx((theirs.alpha_, theirs.l1_ratio_),
                                                          rel=1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-6)
    assert ours.certificate_.converged


def test_elasticnetcv_explicit_grid_shared():
    X, y = make_regression(n=50, p=10, seed=5)
    grid = [1.0, 0.1, 0.01]
    ours = sc.ElasticNetCV(l1_ratio=[0.2, 0.8], alphas=grid, cv=3).fit(X, y)
    np.testing.assert_array_equal(ours.alphas_, [1.0, 0.1, 0.01])
    assert ours.mse_path_.shape == (2, 3, 3)


def test_n_jobs_gives_identical_results():
    X, y = make_regression(n=100, p=40, seed=6)
    a = sc.ElasticNetCV(l1_ratio=[0.5, 1.0], n_alphas=10, cv=4, n_jobs=1).fit(X, y)
    b = sc.ElasticNetCV(l1_ratio=[0.5, 1.0], n_alphas=10, cv=4, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(a.mse_path_, b.mse_path_)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert (a.alpha_, a.l1_ratio_) == (b.alpha_, b.l1_ratio_)


def test_sparse_input_and_refit_equals_lasso():
    X, y = make_regression(n=80, p=30, density=0.3, seed=7)
    cv = sc.LassoCV(n_alphas=10, cv=3, **TIGHT).fit(X, y)
    dense = sc.LassoCV(n_alphas=10, cv=3, **TIGHT).fit(X.toarray(), y)
    np.testing.assert_allclose(cv.mse_path_, dense.mse_path_, rtol=1e-8)
    ref = sc.Lasso(alpha=cv.alpha_, **TIGHT).fit(X, y)
    np.testing.assert_allclose(cv.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert not hasattr(cv, "l1_ratio_")
    assert cv.n_iter_ == ref.n_iter_
