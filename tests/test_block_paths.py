"""Paths and cross-validation of the block models (issue 16, items 2 and 6):
group_lasso_path, multitask_lasso_path / multitask_enet_path, the multi-task
alpha_max, MultiTaskLassoCV, MultiTaskElasticNetCV and GroupLassoCV, against
scikit-learn (MultiTaskLasso / MultiTaskElasticNet at each alpha, its CV
estimators with the same folds), skglm's GroupLasso and single-alpha fits;
every alpha's certificate re-checked by check_optimality."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_linnerud
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskElasticNet as SkMTEN
from sklearn.linear_model import MultiTaskElasticNetCV as SkMTENCV
from sklearn.linear_model import MultiTaskLasso as SkMTL
from sklearn.linear_model import MultiTaskLassoCV as SkMTLCV
from sklearn.model_selection import KFold

import sparsecert as sc
from conftest import load_shared
from sparsecert.penalties import GroupLasso as GL
from sparsecert.penalties import MultiTaskL21

TIGHT = 1e-10


def rel(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300)


def linnerud():
    X, Y = load_linnerud(return_X_y=True)
    return X.astype(np.float64), Y.astype(np.float64)


def prostate_tasks():
    """Three targets: lpsa, lcavol and lweight; features: the six other columns."""
    X, y = load_shared("prostate_stamey1989.npz")
    return X[:, 2:], np.column_stack([y, X[:, 0], X[:, 1]])


def riboflavin_tasks(n_features=200):
    """Three targets: riboflavin production and the two genes most correlated
    with it; features: the next ``n_features`` other genes."""
    X, y = load_shared("riboflavin_hdi.npz")
    c = np.abs(np.corrcoef(X.T, y)[-1, :-1])
    top = np.argsort(-c)[:2]
    rest = np.setdiff1d(np.arange(X.shape[1]), top)[:n_features]
    return np.asarray(X[:, rest]), np.column_stack([y, X[:, top]])


def synthetic(n=50, p=30, k=3, seed=0):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, p))
    W = np.zeros((k, p))
    W[:, :4] = 2 * r.standard_normal((k, 4))
    return X, X @ W.T + 0.3 * r.standard_normal((n, k)) + np.arange(1.0, k + 1)


# ---------------------------------------------------------------- alpha_max

@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_multitask_alpha_max_is_sklearns_grid_top(l1_ratio, weighted):
    X, Y = linnerud()
    sw = np.arange(1.0, 21.0) if weighted else None
    ours = sc.alpha_max(X, Y, penalty=MultiTaskL21(1.0, l1_ratio), sample_weight=sw)
    # scikit-learn's CV grids start at its alpha_max (fit_intercept=True);
    # its CV estimators take no sample weights: compare the formula then
    if not weighted:
        Sk = SkMTLCV if l1_ratio == 1.0 else SkMTENCV
        kw = {} if l1_ratio == 1.0 else dict(l1_ratio=l1_ratio)
        theirs = Sk(alphas=3, cv=2, max_iter=10, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            theirs.fit(X, Y)
        assert ours == pytest.approx(theirs.alphas_[0], rel=1e-12)
    s = np.ones(20) if sw is None else sw / sw.mean()
    xm, ym = s @ X / 20, s @ Y / 20
    G = (X - xm).T @ (s[:, None] * (Y - ym)) / 20
    assert ours == pytest.approx(np.max(np.linalg.norm(G, axis=1)) / l1_ratio, rel=1e-12)


def test_multitask_alpha_max_is_where_w_leaves_zero():
    X, Y = synthetic()
    amax = sc.alpha_max(X, Y, penalty=MultiTaskL21(1.0))
    at = sc.MultiTaskLasso(alpha=amax, tol=TIGHT).fit(X, Y)
    below = sc.MultiTaskLasso(alpha=0.99 * amax, tol=TIGHT).fit(X, Y)
    assert not np.any(at.coef_) and np.any(below.coef_)
    assert sc.alpha_max(X, Y, penalty=MultiTaskL21(1.0, 0.0)) == np.inf
    with pytest.raises(ValueError, match="Y must be 2-D"):
        sc.alpha_max(X, Y[:, 0], penalty=MultiTaskL21(1.0))


# ---------------------------------------------------------------- multi-task paths

def _check_each_alpha(X, Y, res, l1_ratio, tol=1e-8):
    """Every alpha's certificate holds, and check_optimality, recomputed from the
    path's coefficients alone, agrees."""
    assert res.converged
    for k, alpha in enumerate(res.alphas):
        assert res.certificates[k].converged
        cert = sc.check_optimality(X, Y, res.coefs[:, :, k], res.intercepts[:, k],
                                   datafit="quadratic", penalty=MultiTaskL21(alpha, l1_ratio),
                                   tol=tol)
        assert cert.converged, (k, cert)


@pytest.mark.parametrize("data", [linnerud, synthetic, prostate_tasks, riboflavin_tasks])
def test_multitask_lasso_path_matches_sklearn_at_each_alpha(data):
    X, Y = data()
    res = sc.multitask_lasso_path(X, Y, n_alphas=8, eps=1e-2, tol=TIGHT, max_iter=100000)
    assert res.coefs.shape == (Y.shape[1], X.shape[1], 8)
    assert res.intercepts.shape == (Y.shape[1], 8)
    assert np.all(np.diff(res.alphas) < 0)
    assert res.alphas[0] == pytest.approx(sc.alpha_max(X, Y, penalty=MultiTaskL21(1.0)))
    assert not np.any(res.coefs[:, :, 0])
    for k, alpha in enumerate(res.alphas):
        ref = SkMTL(alpha=alpha, tol=1e-13, max_iter=500000).fit(X, Y)
        if np.any(ref.coef_):
            assert rel(res.coefs[:, :, k], ref.coef_) <= 1e-6, k
        else:
            assert not np.any(res.coefs[:, :, k])
        assert rel(res.intercepts[:, k], ref.intercept_) <= 1e-6
    _check_each_alpha(X, Y, res, 1.0)


@pytest.mark.parametrize("l1_ratio", [0.7, 0.2])
@pytest.mark.parametrize("layout", ["dense", "csc", "csr"])
def test_multitask_enet_path_matches_sklearn_at_each_alpha(l1_ratio, layout):
    X, Y = synthetic(seed=2)
    Xl = {"dense": X, "csc": sp.csc_matrix(X), "csr": sp.csr_matrix(X)}[layout]
    res = sc.multitask_enet_path(Xl, Y, l1_ratio=l1_ratio, n_alphas=6, tol=TIGHT,
                                 max_iter=100000)
    for k, alpha in enumerate(res.alphas):
        ref = SkMTEN(alpha=alpha, l1_ratio=l1_ratio, tol=1e-13, max_iter=500000).fit(X, Y)
        if np.any(ref.coef_):
            assert rel(res.coefs[:, :, k], ref.coef_) <= 1e-6, k
    _check_each_alpha(X, Y, res, l1_ratio)


def test_multitask_path_without_intercept_matches_sklearn_enet_path():
    """scikit-learn's enet_path with a 2-D y (no intercept): same grid, same
    (n_tasks, n_features, n_alphas) coefficients."""
    from sklearn.linear_model import enet_path

    X, Y = synthetic(seed=3)
    X, Y = X - X.mean(axis=0), Y - Y.mean(axis=0)
    alphas, coefs, _ = enet_path(X, Y, l1_ratio=0.5, alphas=5, tol=1e-13, max_iter=500000)
    res = sc.multitask_enet_path(X, Y, l1_ratio=0.5, n_alphas=5, tol=TIGHT,
                                 fit_intercept=False)
    np.testing.assert_allclose(res.alphas, alphas, rtol=1e-12)
    assert res.coefs.shape == coefs.shape
    assert rel(res.coefs, coefs) <= 1e-6
    assert not np.any(res.intercepts)


def test_path_certificate_flags_a_wrong_coefficient():
    X, Y = linnerud()
    res = sc.multitask_lasso_path(X, Y, n_alphas=5, eps=1e-2, tol=TIGHT)
    k = 3
    W = res.coefs[:, :, k].copy()
    j = int(np.flatnonzero(np.linalg.norm(W, axis=0))[0])
    W[:, j] *= 1.001
    cert = sc.check_optimality(X, Y, W, res.intercepts[:, k], datafit="quadratic",
                               penalty=MultiTaskL21(res.alphas[k]), tol=1e-8)
    assert not cert.converged and cert.argmax == j


def test_path_warns_naming_each_alpha_that_did_not_certify():
    X, Y = synthetic(n=40, p=60, seed=4)
    with pytest.warns(ConvergenceWarning, match=r"alpha\[\d+\]=") as record:
        res = sc.multitask_lasso_path(X, Y, n_alphas=5, tol=1e-12, max_iter=1)
    failed = [k for k, c in enumerate(res.certificates) if not c.converged]
    assert failed and not res.converged
    named = {int(str(w.message).split("alpha[")[1].split("]")[0]) for w in record
             if issubclass(w.category, ConvergenceWarning)}
    assert named == set(failed)


def test_explicit_grid_and_callback_and_arrays_untouched():
    X, Y = synthetic()
    X0, Y0 = X.copy(), Y.copy()
    seen = []
    res = sc.multitask_lasso_path(X, Y, alphas=[0.05, 0.5, 0.2], tol=1e-8,
                                  callback=lambda k, a, c: seen.append((k, a, c.converged)))
    np.testing.assert_array_equal(res.alphas, [0.5, 0.2, 0.05])
    assert [s[:2] for s in seen] == [(0, 0.5), (1, 0.2), (2, 0.05)]
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    assert "3 alphas" in repr(res) and "all certified" in repr(res)


# ---------------------------------------------------------------- group lasso path

def _group_data(seed=0, n=60, p=24):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, p))
    w = np.zeros(p)
    w[:6] = r.standard_normal(6) * 2
    return X, X @ w + 0.5 * r.standard_normal(n) + 3.0


@pytest.mark.parametrize("layout", ["dense", "csc"])
def test_group_path_matches_single_fits_and_certifies_each_alpha(layout):
    X, y = _group_data()
    Xl = X if layout == "dense" else sp.csc_matrix(X)
    weights = np.linspace(1.0, 2.0, 8)
    res = sc.group_lasso_path(Xl, y, groups=3, weights=weights, n_alphas=8, tol=TIGHT,
                              max_iter=100000)
    amax = sc.alpha_max(X, y, penalty=GL(1.0, 3, weights))
    assert res.alphas[0] == pytest.approx(amax) and not np.any(res.coefs[:, 0])
    assert res.coefs.shape == (24, 8) and res.converged
    for k, alpha in enumerate(res.alphas):
        one = sc.GroupLasso(alpha, groups=3, weights=weights, tol=TIGHT,
                            max_iter=100000).fit(X, y)
        assert rel(res.coefs[:, k], one.coef_) <= 1e-7 or not np.any(one.coef_)
        assert res.intercepts[k] == pytest.approx(one.intercept_, rel=1e-7)
        cert = sc.check_optimality(X, y, res.coefs[:, k], res.intercepts[k],
                                   datafit="quadratic", penalty=GL(alpha, 3, weights), tol=1e-8)
        assert cert.converged and res.certificates[k].n_groups == 8


def test_group_path_matches_skglm_on_riboflavin():
    skglm = pytest.importorskip("skglm")
    X, y = load_shared("riboflavin_hdi.npz")
    X = np.asarray(X)[:, :200]
    # skglm's GroupLasso fits no intercept reliably here: centred data, none
    X, y = X - X.mean(axis=0), y - y.mean()
    res = sc.group_lasso_path(X, y, groups=4, n_alphas=4, eps=0.05, tol=TIGHT,
                              max_iter=100000, fit_intercept=False)
    for k, alpha in enumerate(res.alphas[1:], start=1):
        theirs = skglm.GroupLasso(groups=4, alpha=alpha, weights=np.full(50, 2.0), tol=1e-14,
                                  max_iter=10000, max_epochs=100000,
                                  fit_intercept=False).fit(X, y)
        assert rel(res.coefs[:, k], theirs.coef_) <= 1e-6, k
        cert = sc.check_optimality(X, y, res.coefs[:, k], None, datafit="quadratic",
                                   penalty=GL(alpha, 4), tol=1e-8)
        assert cert.converged


def test_singleton_groups_path_is_the_lasso_path():
    X, y = _group_data(seed=5)
    ours = sc.group_lasso_path(X, y, groups=1, n_alphas=6, tol=TIGHT, max_iter=100000)
    lasso = sc.lasso_path(X, y, n_alphas=6, tol=TIGHT, max_iter=100000)
    np.testing.assert_allclose(ours.alphas, lasso.alphas, rtol=1e-12)
    assert rel(ours.coefs, lasso.coefs) <= 1e-7


# ---------------------------------------------------------------- bad input

def test_bad_input_is_named():
    X, Y = synthetic()
    with pytest.raises(ValueError, match="alphas must be > 0"):
        sc.multitask_lasso_path(X, Y, alphas=[0.1, 0.0])
    with pytest.raises(ValueError, match="alphas must be > 0"):
        sc.group_lasso_path(X, Y[:, 0], groups=3, alphas=[-0.1])
    with pytest.raises(ValueError, match="groups: one label per feature needs n_features=30"):
        sc.group_lasso_path(X, Y[:, 0], groups=np.arange(29))
    with pytest.raises(ValueError, match="groups: one label per feature"):
        sc.GroupLassoCV(groups=list(range(29)), alphas=[0.1], cv=2).fit(X, Y[:, 0])
    Ynan = Y.copy()
    Ynan[2, 1] = np.nan
    with pytest.raises(ValueError, match="Input Y contains NaN"):
        sc.multitask_lasso_path(X, Ynan)
    with pytest.raises(ValueError, match="y"):
        sc.MultiTaskLassoCV(cv=2).fit(X, Ynan)
    with pytest.raises(ValueError, match="Y must be 2-D"):
        sc.multitask_lasso_path(X, Y[:, 0])
    with pytest.raises(ValueError, match="2-D y"):
        sc.MultiTaskLassoCV(cv=2).fit(X, Y[:, 0])
    with pytest.raises(ValueError, match="l1_ratio=0"):
        sc.multitask_enet_path(X, Y, l1_ratio=0.0)
    with pytest.raises(ValueError, match="l1_ratio"):
        sc.multitask_enet_path(X, Y, l1_ratio=1.5)
    with pytest.raises(ValueError, match="tol"):
        sc.multitask_lasso_path(X, Y, tol=0.0)
    with pytest.raises(ValueError, match="n_alphas"):
        sc.group_lasso_path(X, Y[:, 0], n_alphas=0)


# ---------------------------------------------------------------- cross-validation

@pytest.mark.parametrize("data", [linnerud, prostate_tasks])
def test_multitask_lasso_cv_chooses_sklearns_alpha(data):
    X, Y = data()
    theirs = SkMTLCV(alphas=15, cv=KFold(4), tol=1e-12, max_iter=1000000).fit(X, Y)
    ours = sc.MultiTaskLassoCV(n_alphas=15, cv=4, tol=TIGHT, max_iter=100000).fit(X, Y)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (15, 4)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    assert rel(ours.coef_, theirs.coef_) <= 1e-6
    assert rel(ours.intercept_, theirs.intercept_) <= 1e-6
    assert ours.certificate_.converged and not hasattr(ours, "l1_ratio_")
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-6, atol=1e-8)


def test_multitask_enet_cv_chooses_sklearns_alpha_and_l1_ratio():
    X, Y = prostate_tasks()
    ratios = [0.2, 0.6, 1.0]
    theirs = SkMTENCV(l1_ratio=ratios, alphas=10, cv=3, tol=1e-12,
                      max_iter=1000000).fit(X, Y)
    ours = sc.MultiTaskElasticNetCV(l1_ratio=ratios, n_alphas=10, cv=3, tol=TIGHT,
                                    max_iter=100000).fit(X, Y)
    assert (ours.alpha_, ours.l1_ratio_) == (pytest.approx(theirs.alpha_, rel=1e-12),
                                             theirs.l1_ratio_)
    assert ours.alphas_.shape == theirs.alphas_.shape == (3, 10)
    assert ours.mse_path_.shape == theirs.mse_path_.shape == (3, 10, 3)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-6)
    assert rel(ours.coef_, theirs.coef_) <= 1e-6
    assert ours.certificate_.converged
    cert = sc.check_optimality(X, Y, ours.coef_, ours.intercept_, datafit="quadratic",
                               penalty=MultiTaskL21(ours.alpha_, ours.l1_ratio_), tol=1e-8)
    assert cert.converged


def test_multitask_cv_sample_weight_equals_repeated_rows():
    X, Y = synthetic(n=30, p=10)
    sw = np.tile([1.0, 2.0, 1.0], 10)
    rows = np.repeat(np.arange(30), sw.astype(int))
    # the same folds on both: each weighted sample and its copies in one fold
    folds = [(np.flatnonzero(np.arange(30) % 3 != f), np.flatnonzero(np.arange(30) % 3 == f))
             for f in range(3)]
    rep_folds = [(np.flatnonzero(np.isin(rows, tr)), np.flatnonzero(np.isin(rows, te)))
                 for tr, te in folds]
    a = sc.MultiTaskLassoCV(n_alphas=6, cv=folds, tol=TIGHT).fit(X, Y, sample_weight=sw)
    b = sc.MultiTaskLassoCV(n_alphas=6, cv=rep_folds, tol=TIGHT).fit(X[rows], Y[rows])
    assert a.alpha_ == pytest.approx(b.alpha_, rel=1e-12)
    np.testing.assert_allclose(a.mse_path_, b.mse_path_, rtol=1e-7)
    assert rel(a.coef_, b.coef_) <= 1e-7


def test_group_lasso_cv_matches_a_hand_made_cross_validation():
    """GroupLassoCV's choice against single GroupLasso fits in a loop over
    the same folds (an independent route: no path, no warm start)."""
    X, y = _group_data(seed=7)
    cv = sc.GroupLassoCV(groups=3, n_alphas=6, cv=3, tol=TIGHT, max_iter=100000).fit(X, y)
    mse = np.zeros((6, 3))
    for f, (train, test) in enumerate(KFold(3).split(X)):
        for k, alpha in enumerate(cv.alphas_):
            est = sc.GroupLasso(alpha, groups=3, tol=TIGHT, max_iter=100000).fit(X[train],
                                                                              y[train])
            mse[k, f] = np.mean((est.predict(X[test]) - y[test]) ** 2)
    np.testing.assert_allclose(cv.mse_path_, mse, rtol=1e-7)
    assert cv.alpha_ == cv.alphas_[int(np.argmin(mse.mean(axis=1)))]
    ref = sc.GroupLasso(cv.alpha_, groups=3, tol=TIGHT, max_iter=100000).fit(X, y)
    assert rel(cv.coef_, ref.coef_) <= 1e-7 and cv.certificate_.converged
    assert cv.alphas_[0] == pytest.approx(sc.alpha_max(X, y, penalty=GL(1.0, 3)))


def test_group_lasso_cv_with_singletons_is_lasso_cv():
    X, y = _group_data(seed=8)
    a = sc.GroupLassoCV(groups=1, n_alphas=8, cv=4, tol=TIGHT, max_iter=100000).fit(X, y)
    b = sc.LassoCV(n_alphas=8, cv=4, tol=TIGHT, max_iter=100000).fit(X, y)
    assert a.alpha_ == pytest.approx(b.alpha_, rel=1e-12)
    np.testing.assert_allclose(a.mse_path_, b.mse_path_, rtol=1e-7)
