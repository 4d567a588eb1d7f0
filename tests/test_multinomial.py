"""Multinomial (softmax) sparse logistic regression (issue 16, item 3): the
block kernel against a NumPy twin, the estimator against scikit-learn's saga
(L1) and a naive reference (FISTA + L-BFGS polish, L1 and grouped), layouts,
weights, labels, warm starts, the certificate (flags wrong answers, bounds
suboptimality, certifies scikit-learn's fits), a9a, bad input. scikit-learn's
checks run from tests/_helpers.py's ESTIMATORS (L1 and grouped)."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import sparsecert as sc
from naive import frozen, multinomial_loss_grad, multinomial_penalty, multinomial_reference
from sparsecert import check_optimality
from sparsecert._kernels.multinomial import mn_bcd_epochs, multinomial_state
from sparsecert.penalties import L1, MultiTaskL21

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


def fit(X, y, alpha, penalty="l1", **kw):
    kw.setdefault("tol", TIGHT)
    kw.setdefault("max_iter", 100000)
    return sc.SparseLogisticRegression(alpha=alpha, penalty=penalty, **kw).fit(X, y)


def saga(X, y, alpha, **kw):
    n = X.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(l1_ratio=1, solver="saga", C=1 / (n * alpha), **kw).fit(X, y)


# ------------------------------------------------------------------ kernel
def naive_epoch(X, yi, W, b, thr, grouped, ws, fit_intercept):
    """The kernel's twin: for each feature of ws, one majorized block step
    (L_j = (1/2n) sum x_ij^2), then b -= 2 dF/db; W is (K, p) here."""
    W, b = W.copy(), b.copy()
    n = X.shape[0]
    for j in ws:
        _, G, _ = multinomial_loss_grad(X, yi, W, b)
        lip = (X[:, j] ** 2).sum() / (2 * n)
        z = lip * W[:, j] - G[:, j]
        if grouped:
            nz = np.linalg.norm(z)
            W[:, j] = max(0.0, 1 - thr[j] / nz) * z / lip if nz > 0 else 0.0
        else:
            W[:, j] = np.sign(z) * np.maximum(np.abs(z) - thr[j], 0.0) / lip
    if fit_intercept:
        b = b - 2 * multinomial_loss_grad(X, yi, W, b)[2]
    return W, b


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("layout", ["dense", "csc"])
def test_kernel_epoch_matches_naive_twin(wine, grouped, layout):
    X, y = wine
    X = X[:60, :6]
    y = y[:60]
    K, p = 3, X.shape[1]
    r = np.random.default_rng(1)
    W = r.standard_normal((K, p)) * (r.random((K, p)) < 0.5)
    b = r.standard_normal(K)
    thr = np.full(p, 0.05)
    ws = np.array([0, 2, 3, 5], dtype=np.int64)
    W_ref, b_ref = naive_epoch(X, y, W, b, thr, grouped, ws, True)
    if layout == "dense":
        args = (np.asfortranarray(X), np.empty(0), np.empty(0, np.int32), np.empty(0, np.int32))
    else:
        Xc = sp.csc_matrix(X)
        args = (np.empty(0), Xc.data, Xc.indices, Xc.indptr)
    Wk = np.ascontiguousarray(W.T)
    bk = b.copy()
    Z = np.ascontiguousarray(X @ W.T + b)
    SR = np.empty_like(Z)
    sw = np.ones(60)
    yi = y.astype(np.int64)
    multinomial_state(Z, SR, yi, sw)
    lip = (X ** 2).sum(axis=0) / (2 * 60)
    mn_bcd_epochs(*args, 60, Z, SR, yi, sw, Wk, bk, True, frozen(np.ones(p)), 1.0, ws, thr,
                  np.zeros(p), lip, grouped, 1, 0.0, np.empty(K), np.empty(K))
    np.testing.assert_allclose(Wk.T, W_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(bk, b_ref, rtol=0, atol=1e-12)
    # Z and the weighted residual were kept up to date step by step
    np.testing.assert_allclose(Z, X @ Wk + bk, rtol=0, atol=1e-12)


# ------------------------------------------------------------------ accuracy
@pytest.mark.parametrize("data", ["wine", "iris"])
def test_l1_matches_saga(data, request):
    X, y = request.getfixturevalue(data)
    alpha = 0.01
    ours = fit(X, y, alpha)
    ref = saga(X, y, alpha, tol=1e-13, max_iter=100000)
    assert ours.certificate_.converged
    # saga's own answer passes the same checker, at the same tolerance
    assert check_optimality(X, y, ref.coef_, ref.intercept_, datafit="multinomial",
                            penalty=L1(alpha=alpha), tol=1e-8).converged
    # saga's intercepts are not centred: only differences matter
    assert rel(ours.coef_, ref.coef_) < 1e-6
    np.testing.assert_allclose(ours.intercept_, ref.intercept_ - ref.intercept_.mean(),
                               rtol=0, atol=1e-6)
    assert abs(ours.intercept_.sum()) < 1e-12


@pytest.mark.parametrize("grouped", [False, True])
def test_matches_naive_reference(wine, grouped):
    X, y = wine
    alpha = 0.02
    W, b = multinomial_reference(X, y, 3, alpha, grouped)
    est = fit(X, y, alpha, "grouped" if grouped else "l1")
    assert est.certificate_.converged
    assert rel(est.coef_, W) < 1e-6
    np.testing.assert_allclose(est.intercept_, b, rtol=0, atol=1e-6)


def test_grouped_optimum_is_class_centred_and_feature_sparse(wine):
    X, y = wine
    est = fit(X, y, 0.05, "grouped")
    W = est.coef_
    # a feature is in all classes or none; each column sums to zero
    assert np.all((W != 0).all(axis=0) | (W == 0).all(axis=0))
    assert 0 < np.count_nonzero(W.any(axis=0)) < X.shape[1]
    np.testing.assert_allclose(W.sum(axis=0), 0.0, atol=1e-8)
    cert = est.certificate_
    assert cert.grouped and cert.coef_violation is None
    zero = ~W.any(axis=0)
    assert np.all(cert.group_gradient_norm[zero] <= 0.05 + 1e-12)
    np.testing.assert_allclose(cert.margin[zero], 0.05 - np.linalg.norm(cert.gradient[:, zero],
                                                                          axis=0))


def test_weights_and_elastic_net_match_reference(wine):
    X, y = wine
    c = np.linspace(0.5, 1.5, X.shape[1])
    c[0] = 0.0  # unpenalized
    W, b = multinomial_reference(X, y, 3, 0.02, False, c=c)
    est = fit(X, y, 0.02, weights=c)
    # an unpenalized feature's column is free along the redundant direction:
    # the estimator reports it class-centred, as its intercepts
    np.testing.assert_allclose(est.coef_[:, 0].sum(), 0.0, atol=1e-12)
    W[:, 0] -= W[:, 0].mean()
    assert rel(est.coef_, W) < 1e-6
    assert np.all(est.coef_[:, 0] != 0)
    # elastic net: the certificate's conditions by hand
    en = fit(X, y, 0.02, "elasticnet", l1_ratio=0.5)
    _, G, gb = multinomial_loss_grad(X, y, en.coef_, en.intercept_)
    thr, l2 = 0.01, 0.01
    Wn = en.coef_
    viol = np.where(Wn == 0, np.maximum(np.abs(G) - thr, 0), np.abs(G + thr * np.sign(Wn) + l2 * Wn))
    assert viol.max() <= 1e-8 and np.abs(gb).max() <= 1e-8
    assert en.certificate_.duality_gap < 1e-8


def test_layouts_and_float32_agree(wine):
    X, y = wine
    ref = fit(X, y, 0.02)
    for Xl in (sp.csc_matrix(X), sp.csr_matrix(X)):
        est = fit(Xl, y, 0.02)
        assert rel(est.coef_, ref.coef_) < 1e-8
    # threads for the full passes: each column's sum in the same order, so bitwise equal
    csc = fit(sp.csc_matrix(X), y, 0.02)
    np.testing.assert_array_equal(fit(sp.csc_matrix(X), y, 0.02, n_jobs=2).coef_, csc.coef_)
    est32 = fit(X.astype(np.float32), y, 0.02, tol=1e-5)
    assert est32.coef_.dtype == np.float32 and est32.intercept_.dtype == np.float32
    assert est32.certificate_.converged
    assert rel(est32.coef_, ref.coef_) < 1e-3


def test_sample_weights_equal_repeated_rows(wine):
    X, y = wine
    reps = np.arange(X.shape[0]) % 3
    weighted = sc.SparseLogisticRegression(alpha=0.02, tol=TIGHT, max_iter=100000).fit(
        X, y, sample_weight=reps)
    keep = np.repeat(np.arange(X.shape[0]), reps)
    repeated = fit(X[keep], y[keep], 0.02)
    assert rel(weighted.coef_, repeated.coef_) < 1e-7
    c = check_optimality(X, y, weighted.coef_, weighted.intercept_, datafit="multinomial",
                         penalty=L1(alpha=0.02), sample_weight=reps, tol=1e-8)
    assert c.converged


def test_labels_probabilities_and_predictions(iris):
    X, y = iris
    names = np.array(["virginica", "setosa", "versicolor"])[y]  # not in sorted order
    est = fit(X, names, 0.02, tol=1e-6)
    assert list(est.classes_) == ["setosa", "versicolor", "virginica"]
    assert est.coef_.shape == (3, 4) and est.intercept_.shape == (3,)
    assert est.n_iter_.shape == (1,) and est.n_passes_ > 0
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    d = est.decision_function(X)
    soft = np.exp(d - d.max(axis=1, keepdims=True))
    np.testing.assert_allclose(proba, soft / soft.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(np.exp(est.predict_log_proba(X)), proba)
    assert np.array_equal(est.predict(X), est.classes_[proba.argmax(axis=1)])
    assert est.score(X, names) > 0.9
    # the same fit with integer labels in sorted order
    ints = fit(X, np.searchsorted(est.classes_, names), 0.02, tol=1e-6)
    np.testing.assert_allclose(ints.coef_, est.coef_)


def test_ovr_stays_available_and_binary_is_unchanged(iris):
    X, y = iris
    ovr = fit(X, y, 0.02, multi_class="ovr")
    assert isinstance(ovr.certificate_, list) and len(ovr.certificate_) == 3
    mn = fit(X, y, 0.02)
    assert mn.certificate_.datafit == "multinomial"
    assert not np.allclose(ovr.coef_, mn.coef_)
    # two classes: the binary fit whatever multi_class and "grouped" (= l1) say
    keep = y < 2
    a = fit(X[keep], y[keep], 0.02)
    for kw in (dict(multi_class="ovr"), dict(penalty="grouped")):
        b = fit(X[keep], y[keep], 0.02, **kw)
        np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.certificate_.datafit == "logistic"


def test_warm_start(wine):
    X, y = wine
    cold = fit(X, y, 0.02)
    est = sc.SparseLogisticRegression(alpha=0.02, tol=TIGHT, max_iter=100000, warm_start=True)
    est.fit(X, y)
    first = est.n_iter_[0]
    est.fit(X, y)
    assert est.n_iter_[0] == 1 and est.certificate_.n_iter == 0
    est.set_params(alpha=0.015).fit(X, y)
    colder = fit(X, y, 0.015)
    assert est.certificate_.converged and est.n_iter_[0] < colder.n_iter_[0]
    assert rel(est.coef_, colder.coef_) < 1e-7
    assert first == cold.n_iter_[0]


def test_no_intercept(wine):
    X, y = wine
    est = fit(X, y, 0.02, fit_intercept=False)
    np.testing.assert_array_equal(est.intercept_, 0.0)
    W, _ = multinomial_reference(X, y, 3, 0.02, False, fit_intercept=False)
    assert rel(est.coef_, W) < 1e-6


# --------------------------------------------------------------- certificate
def test_certificate_flags_wrong_answers_and_bounds_suboptimality(wine):
    X, y = wine
    alpha = 0.02
    est = fit(X, y, alpha)
    pen = L1(alpha=alpha)
    good = check_optimality(X, y, est.coef_, est.intercept_, datafit="multinomial",
                            penalty=pen, tol=1e-8)
    assert good.converged and good.duality_gap < 1e-8
    # the redundant direction: shifting every class's intercept changes nothing
    shifted = check_optimality(X, y, est.coef_, est.intercept_ + 3.0, datafit="multinomial",
                               penalty=pen, tol=1e-8)
    assert shifted.converged
    np.testing.assert_allclose(shifted.gradient, good.gradient, atol=1e-12)
    np.testing.assert_allclose(good.gradient.sum(axis=0), 0.0, atol=1e-12)
    p_star = good.objective
    for dW, db in ((1e-3, 0.0), (0.0, 1e-2)):
        W = est.coef_.copy()
        W[W != 0] += dW
        b = est.intercept_ + db * np.array([1.0, -1.0, 0.0])
        bad = check_optimality(X, y, W, b, datafit="multinomial", penalty=pen, tol=1e-8)
        assert not bad.converged
        loss, _, _ = multinomial_loss_grad(X, y, W, b)
        obj = loss + multinomial_penalty(W, alpha, False)
        assert obj == pytest.approx(bad.objective, rel=1e-12)
        assert bad.duality_gap >= obj - p_star - 1e-12 > 0
    # a zero coefficient pushed off its dead zone is named
    W = est.coef_.copy()
    j = int(np.flatnonzero(~W.any(axis=0))[0])
    W[0, j] = 0.5
    bad = check_optimality(X, y, W, est.intercept_, datafit="multinomial", penalty=pen)
    assert not bad.converged and bad.argmax == j
    assert bad.coef_violation[0, j] == bad.violation[j] > 0


def test_certificate_of_scikit_learn_saga(wine):
    X, y = wine
    alpha = 0.02
    pen = L1(alpha=alpha)
    done = saga(X, y, alpha, tol=1e-12, max_iter=100000)
    assert check_optimality(X, y, done.coef_, done.intercept_, datafit="multinomial",
                            penalty=pen, tol=1e-6).converged
    early = saga(X, y, alpha, tol=1e-12, max_iter=2)
    cert = check_optimality(X, y, early.coef_, early.intercept_, datafit="multinomial",
                            penalty=pen, tol=1e-6)
    assert not cert.converged and cert.duality_gap > 1e-6
    # without its intercepts the converged fit is not optimal for the no-intercept problem
    assert not check_optimality(X, y, done.coef_, None, datafit="multinomial",
                                penalty=pen, tol=1e-6).converged


def test_grouped_certificate_from_check_optimality(wine):
    X, y = wine
    est = fit(X, y, 0.05, "grouped")
    pen = MultiTaskL21(alpha=0.05)
    cert = check_optimality(X, y, est.coef_, est.intercept_, datafit="multinomial",
                            penalty=pen, tol=1e-8)
    assert cert.converged and cert.penalty == "grouped"
    # the L1 certificate of the grouped answer fails: another problem
    assert not check_optimality(X, y, est.coef_, est.intercept_, datafit="multinomial",
                                penalty=L1(alpha=0.05), tol=1e-8).converged
    # per-feature weights and the grouped elastic net, through the estimator
    c = np.linspace(0.5, 1.5, X.shape[1])
    est_w = fit(X, y, 0.05, "grouped", weights=c)
    cw = check_optimality(X, y, est_w.coef_, est_w.intercept_, datafit="multinomial",
                          penalty=MultiTaskL21(alpha=0.05, weights=c), tol=1e-8)
    assert cw.converged
    np.testing.assert_allclose(cw.group_threshold, 0.05 * c)
    with pytest.raises(ValueError, match="multinomial datafit only"):
        check_optimality(X, y.astype(float)[:, None].repeat(2, axis=1), np.zeros((2, 13)),
                         datafit="quadratic", penalty=MultiTaskL21(alpha=0.05, weights=c))


def test_explain_repr_pickle_and_plot(wine):
    X, y = wine
    est = fit(X, y, 0.05)
    cert = est.certificate_
    assert repr(cert).startswith("MultinomialCertificate(certified")
    names = [f"f{j}" for j in range(X.shape[1])]
    text = cert.explain(feature_names=names)
    assert "multinomial datafit (3 classes)" in text and "redundant direction" in text
    assert "zero feature(s) inside their dead zone" in text
    again = pickle.loads(pickle.dumps(cert))
    assert repr(again) == repr(cert)
    W = est.coef_.copy()
    W[:, ~W.any(axis=0)] = 1.0
    bad = check_optimality(X, y, W, est.intercept_, datafit="multinomial",
                           penalty=L1(alpha=0.05))
    assert "violate optimality" in bad.explain()
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sparsecert import plot

    fig = plot.certificate(cert, feature_names=names)
    ax = fig.axes[0]
    assert len(ax.get_xticklabels()) == X.shape[1]
    assert ax.get_ylabel().startswith("max_k |g_kj|")
    grouped = fit(X, y, 0.05, "grouped").certificate_
    assert plot.certificate(grouped).axes[0].get_ylabel().startswith("||g_j||_2 over the classes")


# ------------------------------------------------------------------ a9a
def test_a9a_three_classes():
    """3 classes from a9a's test split: income <= 50K, > 50K and feature 72
    (a binary indicator) off, > 50K and it on; that feature is dropped from X."""
    from pathlib import Path

    from sklearn.datasets import load_svmlight_file

    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "a9a.t.svmlight.gz"
    if not path.exists():
        pytest.skip(f"{path} not found (the shared data folder sits beside the repo)")
    X, label = load_svmlight_file(str(path), n_features=123)
    X, label = X[:2000].tocsc(), label[:2000]
    f = 72
    on = X[:, f].toarray().ravel() > 0
    y = np.where(label < 0, 0, np.where(on, 2, 1))
    keep = np.setdiff1d(np.arange(123), [f])
    X = X[:, keep]
    assert set(np.unique(y)) == {0, 1, 2}
    alpha = 0.002
    # a9a's one-hot blocks sum to the intercept's column: X has a null space
    # and the L1 optimum is not unique (two certified answers, here the CSC
    # and the dense fit, differ by 1e-2 in their coefficients). The
    # probabilities are unique (the loss is strictly convex in the linear
    # predictor, up to the redundant shift), and so is the objective: those
    # are compared
    est = fit(X, y, alpha, tol=1e-8)
    assert est.certificate_.converged
    dense = fit(X.toarray(), y, alpha, tol=1e-8)
    ref = saga(X, y, alpha, tol=1e-10, max_iter=20000)
    ok = check_optimality(X, y, ref.coef_, ref.intercept_, datafit="multinomial",
                          penalty=L1(alpha=alpha), tol=1e-8)
    assert dense.certificate_.converged and ok.converged
    for other in (dense.certificate_, ok):
        assert other.objective == pytest.approx(est.certificate_.objective, rel=1e-8)
    for other in (dense, ref):
        np.testing.assert_allclose(est.predict_proba(X), other.predict_proba(X), rtol=0,
                                   atol=1e-5)
    grouped = fit(X, y, alpha, "grouped", tol=1e-8)
    assert grouped.certificate_.converged


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("penalty", ["l1", "grouped"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_alpha_max_is_where_the_fit_leaves_zero(wine, penalty, fit_intercept):
    # at alpha_max the certified fit is W = 0; 3% below it is not; the
    # weights divide the feature's gradient norm
    X, y = wine
    w = np.linspace(0.5, 2.0, X.shape[1])
    P = MultiTaskL21(1.0, weights=w) if penalty == "grouped" else L1(1.0, weights=w)
    amax = sc.alpha_max(X, y, datafit="multinomial", penalty=P, fit_intercept=fit_intercept)
    G0 = fit(X, y, 1e6, penalty, weights=w, fit_intercept=fit_intercept).certificate_.gradient
    per = (np.linalg.norm(G0, axis=0) if penalty == "grouped" else np.abs(G0).max(axis=0))
    assert amax == pytest.approx(np.max(per / w), rel=1e-12)
    at = fit(X, y, amax, penalty, weights=w, fit_intercept=fit_intercept)
    assert not np.any(at.coef_) and at.certificate_.converged
    below = fit(X, y, 0.97 * amax, penalty, weights=w, fit_intercept=fit_intercept)
    assert np.any(below.coef_)


def test_alpha_max_elastic_net_and_errors(wine):
    X, y = wine
    amax = sc.alpha_max(X, y, datafit="multinomial")
    assert sc.alpha_max(X, y, datafit="multinomial", l1_ratio=0.25) == pytest.approx(4 * amax)
    assert sc.alpha_max(X, y, datafit="multinomial", l1_ratio=0.0) == np.inf
    with pytest.raises(ValueError, match="weights > 0"):
        sc.alpha_max(X, y, datafit="multinomial", weights=np.r_[0.0, np.ones(X.shape[1] - 1)])
    with pytest.raises(ValueError, match="positive"):
        sc.alpha_max(X, y, datafit="multinomial", positive=True)
    with pytest.raises(ValueError, match="single class"):
        sc.alpha_max(X, np.zeros(X.shape[0]), datafit="multinomial")


def test_bad_input(iris):
    X, y = iris
    est = sc.SparseLogisticRegression(alpha=0.02)
    with pytest.raises(ValueError, match="only one class"):
        est.fit(X, np.zeros(X.shape[0]))
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        est.fit(Xn, y)
    yn = y.astype(float)
    yn[5] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        est.fit(X, yn)
    with pytest.raises(ValueError, match="y contains NaN"):
        check_optimality(X, yn, np.zeros((3, 4)), datafit="multinomial", penalty=L1(alpha=0.1))
    with pytest.raises(ValueError, match="multi_class='multinomial'"):
        sc.SparseLogisticRegression(penalty="grouped", multi_class="ovr").fit(X, y)
    for kw in (dict(positive=True), dict(solver="fista"), dict(penalty="lp")):
        with pytest.raises(ValueError, match="multi_class='ovr'"):
            sc.SparseLogisticRegression(**kw).fit(X, y)
    with pytest.raises(ValueError, match="single class"):
        check_optimality(X, np.zeros(X.shape[0]), np.zeros((1, 4)), datafit="multinomial",
                         penalty=L1(alpha=0.1))
    with pytest.raises(ValueError, match="coef must have shape"):
        check_optimality(X, y, np.zeros((2, 4)), datafit="multinomial", penalty=L1(alpha=0.1))
    with pytest.raises(ValueError, match="L1, ElasticNet"):
        check_optimality(X, y, np.zeros((3, 4)), datafit="multinomial",
                         penalty=sc.penalties.Lp(alpha=0.1, p=0.5))
    with pytest.raises(ValueError, match="zero total sample weight"):
        est.fit(X, y, sample_weight=(y != 2).astype(float))
    with pytest.raises(ValueError, match="multinomial_path"):
        sc.regularization_path(X, y, datafit="multinomial", penalty=L1(alpha=0.1))


def test_caller_arrays_untouched(wine):
    X, y = wine
    Xs, ys = X.copy(), y.copy()
    sw = np.linspace(1, 2, X.shape[0])
    sws = sw.copy()
    W0 = np.full((3, X.shape[1]), 0.1)
    est = sc.SparseLogisticRegression(alpha=0.02, warm_start=True)
    est.coef_, est.intercept_, est.classes_ = W0, np.zeros(3), np.unique(y)
    est.fit(X, y, sample_weight=sw)
    check_optimality(X, y, W0, np.zeros(3), datafit="multinomial", penalty=L1(alpha=0.02),
                     sample_weight=sw)
    np.testing.assert_array_equal(X, Xs)
    np.testing.assert_array_equal(y, ys)
    np.testing.assert_array_equal(sw, sws)
    np.testing.assert_array_equal(W0, 0.1)


def test_not_converged_warns(wine):
    X, y = wine
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        est = sc.SparseLogisticRegression(alpha=0.01, tol=1e-10, max_iter=2).fit(X, y)
    assert not est.certificate_.converged
