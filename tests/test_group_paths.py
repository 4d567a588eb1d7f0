"""Paths and cross-validation of the sparse-group lasso and the logistic group
penalties (issue 16, item 6): sparse_group_lasso_path, group_logistic_path
(binary and one-vs-rest), SparseGroupLassoCV and GroupLogisticRegressionCV.

Every path is checked at every alpha against a tight single fit of the
estimator, against check_optimality recomputed from the path's coefficients,
and against the independent NumPy solver of tests/naive.py (FISTA with the
exact prox, polished by Newton on the support); each CV estimator against a
brute-force loop of single fits over the same folds."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold

import naive
import sparsecert as sc
from sparsecert.penalties import GroupLasso as GL
from sparsecert.penalties import SparseGroupLasso as SGL

TIGHT = 1e-10
LONG = 100000


def rel(a, b):
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(b), 1e-300)


def regression(n=40, p=24, seed=0):
    """Correlated columns, grouped true coefficients (groups of 3), an offset."""
    r = np.random.default_rng(seed)
    base = r.standard_normal((n, p))
    X = base + 0.5 * np.roll(base, 1, axis=1)
    w = np.zeros(p)
    w[:6] = 3 * r.standard_normal(6)
    return X, X @ w + 0.5 * r.standard_normal(n) + 2.0


def classification(n=80, p=12, seed=0, n_classes=2):
    """Labels from a noisy linear score (not separable: the paths converge)."""
    X, score = regression(n, p, seed)
    r = np.random.default_rng(seed + 100)
    score = score + 4.0 * r.standard_normal(n)
    edges = np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1])
    return X, np.array(["ant", "bee", "cat", "dog"])[np.digitize(score, edges)]


def reference(X, y, alpha, pen, datafit="quadratic"):
    enc = pen.encode_groups(X.shape[1])
    return naive.sgl_reference(X, y, alpha, pen.l1_ratio, enc.ptr, enc.indices, enc.weights,
                               datafit, n_iter=3000)


# ---------------------------------------------------------------- least squares

@pytest.mark.parametrize("rho,layout", [(0.3, "dense"), (0.8, "csc"), (0.5, "csr")])
def test_sparse_group_path_at_every_alpha(rho, layout):
    X, y = regression(seed=1)
    Xl = {"dense": X, "csc": sp.csc_matrix(X), "csr": sp.csr_matrix(X)}[layout]
    weights = np.linspace(1.0, 2.0, 8)
    res = sc.sparse_group_lasso_path(Xl, y, groups=3, l1_ratio=rho, weights=weights,
                                     n_alphas=6, eps=0.02, tol=TIGHT, max_iter=LONG)
    pen = SGL(1.0, 3, rho, weights)
    assert res.alphas[0] == pytest.approx(sc.alpha_max(X, y, penalty=pen), rel=1e-12)
    assert not np.any(res.coefs[:, 0]) and res.converged and res.coefs.shape == (24, 6)
    for k, alpha in enumerate(res.alphas):
        w, b = res.coefs[:, k], res.intercepts[k]
        one = sc.SparseGroupLasso(alpha, groups=3, l1_ratio=rho, weights=weights, tol=TIGHT,
                                  max_iter=LONG).fit(X, y)
        assert rel(w, one.coef_) <= 1e-7 or not np.any(one.coef_), k
        assert b == pytest.approx(one.intercept_, rel=1e-7)
        cert = sc.check_optimality(X, y, w, b, datafit="quadratic", penalty=pen.with_alpha(alpha),
                                   tol=1e-8)
        assert cert.converged and res.certificates[k].converged, (k, cert)
        if k:
            w_ref, b_ref = reference(X, y, alpha, pen)
            assert rel(w, w_ref) <= 1e-6, k
            assert abs(b - b_ref) <= 1e-6 * (1 + abs(b_ref))
            np.testing.assert_array_equal(w != 0, w_ref != 0)
    # inside nonzero groups, single coefficients are zero somewhere on the path
    nz_groups = np.any(res.coefs.reshape(8, 3, 6) != 0, axis=1)
    assert np.any(np.repeat(nz_groups, 3, axis=0) & (res.coefs == 0)) or rho < 0.5


def test_l1_ratio_zero_is_the_group_lasso_path():
    X, y = regression(seed=2)
    sgl = sc.sparse_group_lasso_path(X, y, groups=4, l1_ratio=0.0, n_alphas=5, tol=1e-9)
    gl = sc.group_lasso_path(X, y, groups=4, n_alphas=5, tol=1e-9)
    np.testing.assert_array_equal(sgl.alphas, gl.alphas)
    np.testing.assert_array_equal(sgl.coefs, gl.coefs)
    # the general path and its strong rule refuse the group penalties, naming theirs
    for datafit in ("quadratic", "logistic"):
        with pytest.raises(ValueError, match="sparse_group_lasso_path or group_logistic_path"):
            sc.regularization_path(X, np.sign(y - y.mean()), datafit=datafit,
                                   penalty=SGL(1.0, 4, 0.6), n_alphas=2)


def test_path_certificate_flags_a_wrong_coefficient():
    X, y = regression(seed=3)
    res = sc.sparse_group_lasso_path(X, y, groups=3, l1_ratio=0.5, n_alphas=5, tol=TIGHT)
    k = 3
    w = res.coefs[:, k].copy()
    j = int(np.flatnonzero(w)[0])
    w[j] *= 1.001
    pen = SGL(res.alphas[k], 3, 0.5)
    cert = sc.check_optimality(X, y, w, res.intercepts[k], datafit="quadratic", penalty=pen,
                               tol=1e-8)
    assert not cert.converged and cert.argmax == j // 3


# ---------------------------------------------------------------- logistic

@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_group_logistic_path_binary_at_every_alpha(rho):
    X, y = classification(seed=4)
    res = sc.group_logistic_path(X, y, groups=3, l1_ratio=rho, n_alphas=5, eps=0.05, tol=TIGHT,
                                 max_iter=LONG)
    np.testing.assert_array_equal(res.classes, ["ant", "bee"])
    pen = SGL(1.0, 3, rho)
    y_pm = np.where(y == "bee", 1.0, -1.0)
    assert res.alphas[0] == pytest.approx(
        sc.alpha_max(X, y_pm, datafit="logistic", penalty=pen), rel=1e-12)
    assert not np.any(res.coefs[:, 0]) and res.converged
    for k, alpha in enumerate(res.alphas):
        w, b = res.coefs[:, k], res.intercepts[k]
        one = sc.GroupLogisticRegression(alpha, groups=3, l1_ratio=rho, tol=TIGHT,
                                         max_iter=LONG).fit(X, y)
        assert rel(w, one.coef_[0]) <= 1e-7 or not np.any(one.coef_), k
        assert b == pytest.approx(one.intercept_[0], rel=1e-7)
        cert = sc.check_optimality(X, y_pm, w, b, datafit="logistic",
                                   penalty=pen.with_alpha(alpha), tol=1e-8)
        assert cert.converged, (k, cert)
        if k:
            w_ref, b_ref = reference(X, y_pm, alpha, pen, "logistic")
            assert rel(w, w_ref) <= 1e-6, k
            assert abs(b - b_ref) <= 1e-6 * (1 + abs(b_ref))


def test_group_logistic_path_one_vs_rest():
    X, y = classification(n=90, seed=5, n_classes=3)
    res = sc.group_logistic_path(X, y, groups=2, l1_ratio=0.3, n_alphas=4, eps=0.1, tol=TIGHT,
                                 max_iter=LONG)
    classes = np.array(["ant", "bee", "cat"])
    np.testing.assert_array_equal(res.classes, classes)
    assert res.coefs.shape == (3, 12, 4) and res.intercepts.shape == (3, 4)
    assert res.dual_gaps.shape == res.n_iters.shape == (3, 4) and res.converged
    pen = SGL(1.0, 2, 0.3)
    tops = [sc.alpha_max(X, np.where(y == c, 1.0, -1.0), datafit="logistic", penalty=pen)
            for c in classes]
    # one grid for all classes, from the largest binary alpha_max: every class zero there
    assert res.alphas[0] == pytest.approx(max(tops), rel=1e-12)
    assert not np.any(res.coefs[:, :, 0])
    for k, alpha in enumerate(res.alphas):
        assert len(res.certificates[k]) == 3
        one = sc.GroupLogisticRegression(alpha, groups=2, l1_ratio=0.3, tol=TIGHT,
                                         max_iter=LONG).fit(X, y)
        for c, label in enumerate(classes):
            y_pm = np.where(y == label, 1.0, -1.0)
            assert rel(res.coefs[c, :, k], one.coef_[c]) <= 1e-7 or not np.any(one.coef_[c])
            cert = sc.check_optimality(X, y_pm, res.coefs[c, :, k], res.intercepts[c, k],
                                       datafit="logistic", penalty=pen.with_alpha(alpha),
                                       tol=1e-8)
            assert cert.converged and res.certificates[k][c].converged
    assert "4 alphas" in repr(res)


def test_explicit_grid_callback_and_arrays_untouched():
    X, y = classification(seed=6, n_classes=3)
    X0, y0 = X.copy(), y.copy()
    seen = []
    res = sc.group_logistic_path(X, y, groups=3, alphas=[0.01, 0.05], tol=1e-8,
                                 callback=lambda k, a, c: seen.append((k, a)))
    np.testing.assert_array_equal(res.alphas, [0.05, 0.01])
    assert seen == [(0, 0.05), (1, 0.01)] * 3  # each class's path in turn
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def test_one_vs_rest_warnings_name_the_class_and_the_alpha():
    X, y = classification(seed=11, n_classes=3)
    with pytest.warns(ConvergenceWarning) as record:
        res = sc.group_logistic_path(X, y, groups=3, n_alphas=3, tol=1e-12, max_iter=1)
    named = {(str(w.message).split(" against")[0], str(w.message).split("alpha[")[1][0])
             for w in record if issubclass(w.category, ConvergenceWarning)}
    failed = {(f"class {label}", str(k)) for k in range(3) for c, label in
              enumerate(res.classes) if not res.certificates[k][c].converged}
    assert failed and named == failed and not res.converged


def test_bad_input_is_named():
    X, y = regression(seed=7)
    labels = np.where(y > np.median(y), "a", "b")
    with pytest.raises(ValueError, match="l1_ratio"):
        sc.sparse_group_lasso_path(X, y, groups=3, l1_ratio=1.5)
    with pytest.raises(ValueError, match="l1_ratio"):
        sc.group_logistic_path(X, labels, groups=3, l1_ratio=-0.1)
    with pytest.raises(ValueError, match="groups: one label per feature needs n_features=24"):
        sc.sparse_group_lasso_path(X, y, groups=np.arange(23))
    with pytest.raises(ValueError, match="groups"):
        sc.group_logistic_path(X, labels, groups=5)
    with pytest.raises(ValueError, match="single class"):
        sc.group_logistic_path(X, np.full(40, "a"), groups=3)
    with pytest.raises(ValueError, match="alphas must be > 0"):
        sc.group_logistic_path(X, labels, groups=3, alphas=[0.1, 0.0])
    with pytest.raises(ValueError, match="l1_ratio"):
        sc.SparseGroupLassoCV(groups=3, l1_ratio=[0.5, 2.0], cv=2).fit(X, y)
    with pytest.raises(ValueError, match="groups: one label per feature"):
        sc.SparseGroupLassoCV(groups=np.arange(23), cv=2).fit(X, y)
    with pytest.raises(ValueError, match="groups"):
        sc.GroupLogisticRegressionCV(groups=np.arange(23), cv=2).fit(X, labels)
    with pytest.raises(ValueError, match="l1_ratio"):
        sc.GroupLogisticRegressionCV(groups=3, l1_ratio=1.5, cv=2).fit(X, labels)


# ---------------------------------------------------------------- cross-validation

def test_sparse_group_lasso_cv_matches_a_hand_made_cross_validation():
    """The (l1_ratio, alpha) chosen against single SparseGroupLasso fits over
    the same folds (no path, no warm start), one grid per l1_ratio."""
    X, y = regression(n=45, seed=8)
    ratios = [0.0, 0.4, 0.9]
    cv = sc.SparseGroupLassoCV(groups=3, l1_ratio=ratios, n_alphas=5, eps=0.02, cv=3,
                               tol=TIGHT, max_iter=LONG).fit(X, y)
    assert cv.alphas_.shape == (3, 5) and cv.mse_path_.shape == (3, 5, 3)
    mse = np.zeros((3, 5, 3))
    for r, rho in enumerate(ratios):
        assert cv.alphas_[r, 0] == pytest.approx(
            sc.alpha_max(X, y, penalty=SGL(1.0, 3, rho)), rel=1e-12)
        for f, (train, test) in enumerate(KFold(3).split(X)):
            for k, alpha in enumerate(cv.alphas_[r]):
                est = sc.SparseGroupLasso(alpha, groups=3, l1_ratio=rho, tol=TIGHT,
                                          max_iter=LONG).fit(X[train], y[train])
                mse[r, k, f] = np.mean((est.predict(X[test]) - y[test]) ** 2)
    np.testing.assert_allclose(cv.mse_path_, mse, rtol=1e-7)
    r, k = np.unravel_index(np.argmin(mse.mean(axis=2)), (3, 5))
    assert (cv.l1_ratio_, cv.alpha_) == (ratios[r], cv.alphas_[r, k])
    ref = sc.SparseGroupLasso(cv.alpha_, groups=3, l1_ratio=cv.l1_ratio_, tol=TIGHT,
                              max_iter=LONG).fit(X, y)
    assert rel(cv.coef_, ref.coef_) <= 1e-7 and cv.certificate_.converged
    np.testing.assert_allclose(cv.predict(X), ref.predict(X), rtol=1e-7)


def test_sparse_group_lasso_cv_with_l1_ratio_zero_is_group_lasso_cv():
    X, y = regression(n=45, seed=9)
    a = sc.SparseGroupLassoCV(groups=3, l1_ratio=0.0, n_alphas=6, cv=3, tol=TIGHT,
                              max_iter=LONG).fit(X, y)
    b = sc.GroupLassoCV(groups=3, n_alphas=6, cv=3, tol=TIGHT, max_iter=LONG).fit(X, y)
    assert a.alpha_ == b.alpha_ and a.l1_ratio_ == 0.0
    np.testing.assert_allclose(a.mse_path_, b.mse_path_, rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_group_logistic_cv_matches_a_hand_made_cross_validation(n_classes):
    """Per binary problem, the held-out accuracy of single GroupLogisticRegression
    fits over the same stratified folds, and the alpha of the best mean (the
    largest on ties)."""
    X, y = classification(n=90, seed=10, n_classes=n_classes)
    cv = sc.GroupLogisticRegressionCV(groups=3, l1_ratio=0.4, n_alphas=5, eps=0.05, cv=3,
                                      tol=TIGHT, max_iter=LONG).fit(X, y)
    classes = np.unique(y)
    positives = classes[1:] if n_classes == 2 else classes
    folds = list(StratifiedKFold(3).split(X, y))
    pen = SGL(1.0, 3, 0.4)
    top = max(sc.alpha_max(X, np.where(y == c, 1.0, -1.0), datafit="logistic", penalty=pen)
              for c in positives)
    assert cv.alphas_[0] == pytest.approx(top, rel=1e-12)
    refit = sc.GroupLogisticRegression(groups=3, l1_ratio=0.4, tol=TIGHT, max_iter=LONG)
    for c, label in enumerate(positives):
        y_pm = np.where(y == label, 1, -1)
        scores = np.zeros((3, 5))
        for f, (train, test) in enumerate(folds):
            for k, alpha in enumerate(cv.alphas_):
                est = refit.set_params(alpha=alpha).fit(X[train], y_pm[train])
                scores[f, k] = est.score(X[test], y_pm[test])
        np.testing.assert_array_equal(cv.scores_[label], scores)
        mean = scores.mean(axis=0)
        assert cv.alpha_[c] == cv.alphas_[int(np.flatnonzero(mean == mean.max())[0])]
        one = refit.set_params(alpha=cv.alpha_[c]).fit(X, y_pm)
        assert rel(cv.coef_[c], one.coef_[0]) <= 1e-7
    certs = cv.certificate_ if n_classes > 2 else [cv.certificate_]
    assert all(type(c).__name__ == "GroupCertificate" and c.converged for c in certs)
    np.testing.assert_array_equal(cv.classes_, classes)
    assert cv.predict(X).dtype == y.dtype


def test_cv_sample_weight_equals_repeated_rows():
    X, y = regression(n=30, p=12, seed=12)
    sw = np.tile([1.0, 2.0, 1.0], 10)
    rows = np.repeat(np.arange(30), sw.astype(int))
    # the same folds on both: each weighted sample and its copies in one fold
    folds = [(np.flatnonzero(np.arange(30) % 3 != f), np.flatnonzero(np.arange(30) % 3 == f))
             for f in range(3)]
    rep_folds = [(np.flatnonzero(np.isin(rows, tr)), np.flatnonzero(np.isin(rows, te)))
                 for tr, te in folds]
    kw = dict(groups=3, l1_ratio=[0.2, 0.7], n_alphas=5, tol=TIGHT, max_iter=LONG)
    a = sc.SparseGroupLassoCV(cv=folds, **kw).fit(X, y, sample_weight=sw)
    b = sc.SparseGroupLassoCV(cv=rep_folds, **kw).fit(X[rows], y[rows])
    assert (a.alpha_, a.l1_ratio_) == (pytest.approx(b.alpha_, rel=1e-12), b.l1_ratio_)
    np.testing.assert_allclose(a.mse_path_, b.mse_path_, rtol=1e-7)
    assert rel(a.coef_, b.coef_) <= 1e-7
