"""multinomial_path: every alpha against single certified fits, against
scikit-learn's saga, re-checked independently by check_optimality; a wrong
answer flagged; bad input named."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import sparsecert as sc
from sparsecert import check_optimality
from sparsecert.penalties import L1, ElasticNet, MultiTaskL21

TIGHT = 1e-10


def rel(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300)


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def wine():
    return standardized(load_wine)


@pytest.fixture(scope="module")
def iris():
    return standardized(load_iris)


def penalty_object(penalty, alpha, l1_ratio=1.0):
    if penalty == "grouped":
        return MultiTaskL21(alpha=alpha, l1_ratio=l1_ratio)
    if penalty == "elasticnet":
        return ElasticNet(alpha=alpha, l1_ratio=l1_ratio)
    return L1(alpha=alpha)


CASES = [("l1", 1.0), ("grouped", 1.0), ("elasticnet", 0.6)]


@pytest.mark.parametrize("penalty,l1_ratio", CASES)
def test_each_alpha_matches_single_fits_and_is_rechecked(wine, penalty, l1_ratio):
    X, y = wine
    res = sc.multinomial_path(X, y, penalty=penalty, l1_ratio=l1_ratio, n_alphas=8, eps=1e-2,
                              tol=TIGHT)
    K, p = 3, X.shape[1]
    assert res.coefs.shape == (K, p, 8) and res.intercepts.shape == (K, 8)
    assert res.converged and len(res.certificates) == 8
    np.testing.assert_array_equal(res.classes, np.unique(y))
    # the grid: geometric from alpha_max (where W = 0 is optimal) down to eps * alpha_max
    a_max = sc.alpha_max(X, y, datafit="multinomial", l1_ratio=l1_ratio,
                         penalty=penalty_object(penalty, 1.0, l1_ratio))
    np.testing.assert_allclose(res.alphas, np.geomspace(a_max, a_max * 1e-2, 8), rtol=1e-12)
    assert not res.coefs[..., 0].any() and res.coefs[..., 1].any()
    for k, alpha in enumerate(res.alphas):
        W, b = res.coefs[..., k], res.intercepts[:, k]
        assert abs(b.sum()) < 1e-12  # the redundant direction: centred intercepts
        assert res.certificates[k].converged and res.certificates[k].alpha == alpha
        # the path's certificate is the one check_optimality builds from scratch
        again = check_optimality(X, y, W, b, datafit="multinomial",
                                 penalty=penalty_object(penalty, alpha, l1_ratio), tol=1e-8)
        assert again.converged
        if k in (2, 5, 7):
            single = sc.SparseLogisticRegression(alpha=alpha, penalty=penalty,
                                                 l1_ratio=l1_ratio, tol=TIGHT,
                                                 max_iter=100000).fit(X, y)
            assert rel(W, single.coef_) < 1e-7
            np.testing.assert_allclose(b, single.intercept_, rtol=0, atol=1e-7)


@pytest.mark.parametrize("data", ["wine", "iris"])
def test_matches_saga(data, request):
    X, y = request.getfixturevalue(data)
    n = X.shape[0]
    res = sc.multinomial_path(X, y, alphas=[0.1, 0.03, 0.01], tol=TIGHT)
    for k in (1, 2):
        alpha = res.alphas[k]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ref = LogisticRegression(l1_ratio=1, solver="saga", C=1 / (n * alpha), tol=1e-13,
                                     max_iter=100000).fit(X, y)
        # saga's own answer certifies, so it can be compared to 1e-6
        assert check_optimality(X, y, ref.coef_, ref.intercept_, datafit="multinomial",
                                penalty=L1(alpha=alpha), tol=1e-8).converged
        assert rel(res.coefs[..., k], ref.coef_) < 1e-6
        np.testing.assert_allclose(res.intercepts[:, k], ref.intercept_ - ref.intercept_.mean(),
                                   rtol=0, atol=1e-6)


def test_weighted_no_intercept_and_sparse(wine):
    import scipy.sparse as sp

    X, y = wine
    sw = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    c = np.linspace(0.5, 1.5, X.shape[1])
    grid = [0.2, 0.05, 0.02]
    dense = sc.multinomial_path(X, y, penalty="grouped", alphas=grid, sample_weight=sw,
                                weights=c, fit_intercept=False, tol=TIGHT)
    csc = sc.multinomial_path(sp.csc_matrix(X), y, penalty="grouped", alphas=grid,
                              sample_weight=sw, weights=c, fit_intercept=False, tol=TIGHT)
    assert dense.converged and csc.converged
    assert not dense.intercepts.any()
    np.testing.assert_allclose(csc.coefs, dense.coefs, rtol=0, atol=1e-8)
    for k, alpha in enumerate(dense.alphas):
        assert check_optimality(X, y, dense.coefs[..., k], None, datafit="multinomial",
                                penalty=MultiTaskL21(alpha=alpha, weights=c),
                                sample_weight=sw, tol=1e-8).converged


def test_string_labels_and_perturbation_flagged(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    res = sc.multinomial_path(X, names, n_alphas=5, eps=0.05, tol=1e-8)
    np.testing.assert_array_equal(res.classes, names[np.sort(np.unique(y, return_index=True)[1])])
    k = 3
    W, b = res.coefs[..., k].copy(), res.intercepts[:, k]
    pen = L1(alpha=res.alphas[k])
    assert check_optimality(X, names, W, b, datafit="multinomial", penalty=pen,
                            tol=1e-6).converged
    W[W != 0] *= 1.01
    bad = check_optimality(X, names, W, b, datafit="multinomial", penalty=pen, tol=1e-6)
    assert not bad.converged


def test_uncertified_alpha_is_named(wine):
    X, y = wine
    with pytest.warns(ConvergenceWarning, match=r"alpha\[\d+\]=.* not certified"):
        res = sc.multinomial_path(X, y, alphas=[0.05, 0.001], tol=1e-12, max_iter=1)
    assert not res.converged


def test_bad_input(wine):
    X, y = wine
    with pytest.raises(ValueError, match="alphas"):
        sc.multinomial_path(X, y, alphas=[0.1, 0.0])
    with pytest.raises(ValueError, match="alphas"):
        sc.multinomial_path(X, y, alphas=[0.1, -1.0])
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(ValueError, match="X"):
        sc.multinomial_path(Xn, y)
    yn = y.astype(float)
    yn[0] = np.nan
    with pytest.raises(ValueError, match="y"):
        sc.multinomial_path(X, yn)
    with pytest.raises(ValueError, match="single class"):
        sc.multinomial_path(X, np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match="penalty"):
        sc.multinomial_path(X, y, penalty="lp")
    with pytest.raises(ValueError, match="l1_ratio"):
        sc.multinomial_path(X, y, penalty="elasticnet", l1_ratio=1.5)
    with pytest.raises(ValueError, match="alphas="):
        sc.multinomial_path(X, y, penalty="elasticnet", l1_ratio=0.0)
    with pytest.raises(ValueError, match="tol"):
        sc.multinomial_path(X, y, tol=0.0)
    # the caller's arrays are not modified
    X0, y0 = X.copy(), y.copy()
    sc.multinomial_path(X, y, n_alphas=2, tol=1e-6)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
