"""The multi-task lasso and elastic net (issue 16, item 2): the block kernel
against a NumPy twin, the estimators against scikit-learn's MultiTaskLasso
and MultiTaskElasticNet (synthetic data, riboflavin and prostate targets),
layouts, the certificate feature by feature, and scikit-learn's checks."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import MultiTaskElasticNet as SkMTEN
from sklearn.linear_model import MultiTaskLasso as SkMTL
from sklearn.utils.estimator_checks import parametrize_with_checks

from naive import frozen
import sparsecert as sc
from conftest import load_shared
from sparsecert._kernels.multitask import mt_bcd_epochs
from sparsecert.penalties import MultiTaskL21

TIGHT = 1e-10


def rel(a, b):
    return np.linalg.norm(np.asarray(a) - np.asarray(b)) / max(np.linalg.norm(b), 1e-300)


def problem(n=50, p=40, k=3, seed=0):
    """Seeded correlated multi-task regression sharing 5 features."""
    r = np.random.default_rng(seed)
    base = r.standard_normal((n, p))
    X = base + 0.5 * np.roll(base, 1, axis=1)
    W = np.zeros((k, p))
    W[:, :5] = 2 * r.standard_normal((k, 5))
    Y = X @ W.T + 0.3 * r.standard_normal((n, k)) + np.arange(1.0, k + 1)
    return X, Y


def alpha_max(X, Y):
    G = X.T @ (Y - Y.mean(axis=0)) / X.shape[0]
    return float(np.max(np.linalg.norm(G, axis=1)))


def sklearn_fit(X, Y, alpha, **kw):
    return SkMTL(alpha=alpha, tol=1e-12, max_iter=200000, **kw).fit(X, Y)


# ---------------------------------------------------------------- kernel

def naive_epoch(X, Y, W, alpha, ws, l2=0.0):
    """One cyclic pass of exact block steps on explicitly centred data (the twin):
    W_j = argmin of the datafit + alpha ||W_j|| + (l2/2) ||W_j||^2 in W_j."""
    Xc = X - X.mean(axis=0)
    Yc = Y - Y.mean(axis=0)
    n = X.shape[0]
    W = W.copy()
    for j in ws:
        L = Xc[:, j] @ Xc[:, j] / n
        g = -Xc[:, j] @ (Yc - Xc @ W) / n
        z = L * W[j] - g
        nz = np.linalg.norm(z)
        W[j] = 0.0 if nz == 0 else max(0.0, 1 - alpha / nz) * z / (L + l2)
    return W


@pytest.mark.parametrize("layout", ["dense", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_kernel_epoch_matches_numpy_twin(layout, dtype, l2):
    X, Y = problem(n=30, p=12)
    X = X.astype(dtype)
    n, p = X.shape
    k = Y.shape[1]
    alpha = 0.1 * alpha_max(X.astype(np.float64), Y)
    Xd = np.asfortranarray(X)
    if layout == "csc":
        S = sp.csc_matrix(X)
        args = (np.empty(0, dtype), S.data, S.indices, S.indptr)
    else:
        args = (Xd, np.empty(0, dtype), np.empty(0, np.int32), np.empty(0, np.int32))
    sw = np.ones(n)
    X64 = X.astype(np.float64)
    means = X64.mean(axis=0)
    lip = ((X64 - means) ** 2).mean(axis=0)
    W0 = np.zeros((p, k))
    W0[:3] = 0.5
    sw_r = np.ascontiguousarray((Y - X64 @ W0).T)
    b = sw_r.sum(axis=1) / n
    ws = np.arange(p, dtype=np.int64)
    W = W0.copy()
    mt_bcd_epochs(*args, n, sw_r, sw, W, b, means, frozen(np.ones(p)), ws, alpha, l2, lip, 1, 0.0,
                  np.empty(k))
    expected = naive_epoch(X64, Y, W0, alpha, ws, l2)
    tol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(W, expected, rtol=tol, atol=tol)
    np.testing.assert_allclose(b, (Y - X64 @ W).mean(axis=0), rtol=tol, atol=tol)


# ---------------------------------------------------------------- against scikit-learn

@pytest.mark.parametrize("fit_intercept", [True, False])
def test_matches_sklearn_dense_csc_csr(fit_intercept):
    X, Y = problem()
    alpha = 0.05 * alpha_max(X, Y)
    ref = sklearn_fit(X, Y, alpha, fit_intercept=fit_intercept)
    for Xl in (X, sp.csc_matrix(X), sp.csr_matrix(X)):
        est = sc.MultiTaskLasso(alpha=alpha, tol=TIGHT, max_iter=100000,
                                fit_intercept=fit_intercept).fit(Xl, Y)
        assert est.coef_.shape == (3, 40) and est.intercept_.shape == (3,)
        assert rel(est.coef_, ref.coef_) <= 1e-6
        np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
        assert est.certificate_.converged
        assert est.predict(Xl).shape == Y.shape


def test_float32_stays_float32_and_is_close():
    X, Y = problem()
    alpha = 0.05 * alpha_max(X, Y)
    ref = sklearn_fit(X, Y, alpha)
    est = sc.MultiTaskLasso(alpha=alpha, tol=TIGHT).fit(X.astype(np.float32), Y)
    assert est.coef_.dtype == np.float32
    assert rel(est.coef_, ref.coef_) <= 1e-5


def riboflavin_tasks(n_features=400):
    """Three targets: riboflavin production and the two genes most correlated
    with it; features: the next ``n_features`` other genes."""
    X, y = load_shared("riboflavin_hdi.npz")
    c = np.abs(np.corrcoef(X.T, y)[-1, :-1])
    top = np.argsort(-c)[:2]
    rest = np.setdiff1d(np.arange(X.shape[1]), top)[:n_features]
    return np.asarray(X[:, rest]), np.column_stack([y, X[:, top]])


def prostate_tasks():
    """Three targets: lpsa, lcavol and lweight; features: the six other columns."""
    X, y = load_shared("prostate_stamey1989.npz")
    return X[:, 2:], np.column_stack([y, X[:, 0], X[:, 1]])


@pytest.mark.parametrize("data", [riboflavin_tasks, prostate_tasks])
@pytest.mark.parametrize("frac", [0.2, 0.05])
def test_matches_sklearn_on_real_tasks(data, frac):
    X, Y = data()
    alpha = frac * alpha_max(X, Y)
    ref = sklearn_fit(X, Y, alpha)
    est = sc.MultiTaskLasso(alpha=alpha, tol=TIGHT, max_iter=100000).fit(X, Y)
    assert rel(est.coef_, ref.coef_) <= 1e-6
    assert est.certificate_.converged
    np.testing.assert_array_equal(np.linalg.norm(est.coef_, axis=0) > 0,
                                  np.linalg.norm(ref.coef_, axis=0) > 0)


@pytest.mark.parametrize("l1_ratio", [0.7, 0.2, 0.0])
def test_elastic_net_matches_sklearn_and_certifies_it(l1_ratio):
    X, Y = problem()
    alpha = 0.05 * alpha_max(X, Y)
    ref = SkMTEN(alpha=alpha, l1_ratio=l1_ratio, tol=1e-13, max_iter=200000).fit(X, Y)
    for Xl in (X, sp.csc_matrix(X), sp.csr_matrix(X)):
        est = sc.MultiTaskElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=TIGHT,
                                     max_iter=100000).fit(Xl, Y)
        assert rel(est.coef_, ref.coef_) <= 1e-6 and est.certificate_.converged
        np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
    pen = MultiTaskL21(alpha, l1_ratio)
    assert pen.name == "multitask_elasticnet"
    cert = sc.check_optimality(X, Y, ref.coef_, ref.intercept_, datafit="quadratic",
                               penalty=pen, tol=1e-8)
    assert cert.converged
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        early = SkMTEN(alpha=alpha, l1_ratio=l1_ratio, max_iter=2).fit(X, Y)
    bad = sc.check_optimality(X, Y, early.coef_, early.intercept_, datafit="quadratic",
                              penalty=pen)
    # the gap bounds the suboptimality
    assert not bad.converged and bad.duality_gap >= bad.objective - cert.objective > 0


def test_one_task_is_the_lasso():
    X, Y = problem(k=1)
    alpha = 0.05 * alpha_max(X, Y)
    mt = sc.MultiTaskLasso(alpha=alpha, tol=TIGHT).fit(X, Y)
    la = sc.Lasso(alpha=alpha, tol=TIGHT).fit(X, Y[:, 0])
    assert rel(mt.coef_[0], la.coef_) <= 1e-7
    assert mt.intercept_[0] == pytest.approx(la.intercept_, rel=1e-8)


def test_sample_weight_equals_repeated_rows():
    X, Y = problem()
    alpha = 0.05 * alpha_max(X, Y)
    reps = np.arange(X.shape[0]) % 3
    a = sc.MultiTaskLasso(alpha=alpha, tol=TIGHT).fit(X, Y, sample_weight=reps.astype(float))
    b = sc.MultiTaskLasso(alpha=alpha, tol=TIGHT).fit(np.repeat(X, reps, axis=0),
                                                      np.repeat(Y, reps, axis=0))
    assert rel(a.coef_, b.coef_) <= 1e-7
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-7)


# ---------------------------------------------------------------- certificate

def test_check_optimality_certifies_sklearn_and_flags_early_stop():
    X, Y = problem()
    alpha = 0.05 * alpha_max(X, Y)
    pen = MultiTaskL21(alpha)
    ref = sklearn_fit(X, Y, alpha)
    cert = sc.check_optimality(X, Y, ref.coef_, ref.intercept_, datafit="quadratic",
                               penalty=pen, tol=1e-8)
    assert cert.converged and cert.duality_gap < 1e-8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        early = SkMTL(alpha=alpha, max_iter=2).fit(X, Y)
    bad = sc.check_optimality(X, Y, early.coef_, early.intercept_, datafit="quadratic",
                              penalty=pen)
    assert not bad.converged and bad.max_violation > bad.tol
    assert "violate optimality" in bad.explain()


def test_certificate_flags_a_perturbed_coefficient_and_explains_by_feature():
    X, Y = problem()
    alpha = 0.05 * alpha_max(X, Y)
    est = sc.MultiTaskLasso(alpha=alpha, tol=TIGHT).fit(X, Y)
    cert = est.certificate_
    assert cert.gradient.shape == (3, 40) and cert.violation.shape == (40,)
    zero = np.flatnonzero(cert.group_coef_norm == 0)
    assert np.all(cert.group_margin[zero] >= -cert.tol)
    W = est.coef_.copy()
    W[1, 0] += 1e-3
    bad = sc.check_optimality(X, Y, W, est.intercept_, datafit="quadratic",
                              penalty=MultiTaskL21(alpha), tol=1e-6)
    assert not bad.converged and bad.argmax == 0
    W = est.coef_.copy()
    W[:, zero[0]] = 0.5  # a feature that belongs at zero
    bad = sc.check_optimality(X, Y, W, est.intercept_, datafit="quadratic",
                              penalty=MultiTaskL21(alpha))
    assert not bad.converged and bad.group_violation[zero[0]] > bad.tol
    text = cert.explain(feature_names=[f"g{j}" for j in range(40)])
    assert "nonzero feature(s)" in text and "g0" in text and "dead zone" in text
    assert repr(cert).startswith("MultiTaskCertificate(certified")
    again = pickle.loads(pickle.dumps(cert))
    assert type(again) is type(cert) and again.max_violation == cert.max_violation


def test_plot_draws_a_bar_per_feature():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sparsecert import plot

    X, Y = problem()
    est = sc.MultiTaskLasso(alpha=0.1 * alpha_max(X, Y)).fit(X, Y)
    fig = plot.certificate(est.certificate_, feature_names=[f"g{j}" for j in range(40)])
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == 40 and "g0" in labels
    # a block is a feature over the tasks: the text says so, not "groups"
    n_nonzero = int(np.count_nonzero(np.linalg.norm(est.coef_, axis=0)))
    assert ax.get_title().endswith(f"{n_nonzero}/40 nonzero")
    assert "W[:, j] = 0" in " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert ax.get_ylabel().startswith("||g_j||_2")


def test_alpha_max_gives_zero_and_warm_start_restarts_certified():
    X, Y = problem()
    est = sc.MultiTaskLasso(alpha=alpha_max(X, Y) * 1.0001).fit(X, Y)
    assert not est.coef_.any()
    np.testing.assert_allclose(est.intercept_, Y.mean(axis=0))
    est = sc.MultiTaskLasso(alpha=0.1 * alpha_max(X, Y), tol=1e-8, warm_start=True).fit(X, Y)
    est.fit(X, Y)
    assert est.n_iter_ == 1 and est.certificate_.converged


def test_max_iter_warns_with_the_violation():
    X, Y = problem()
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        sc.MultiTaskLasso(alpha=0.01 * alpha_max(X, Y), tol=1e-12, max_iter=1).fit(X, Y)


# ---------------------------------------------------------------- input contract

def test_caller_arrays_untouched():
    X, Y = problem()
    Xs, Ys = sp.csr_matrix(X), Y.copy()
    copies = (X.copy(), Y.copy(), Xs.data.copy())
    sw = np.linspace(0.5, 2, X.shape[0])
    sw0 = sw.copy()
    for Xl in (X, Xs):
        sc.MultiTaskLasso(alpha=0.05).fit(Xl, Ys, sample_weight=sw)
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(Ys, copies[1])
    np.testing.assert_array_equal(Xs.data, copies[2])
    np.testing.assert_array_equal(sw, sw0)


def test_bad_targets_raise_clearly():
    X, Y = problem()
    with pytest.raises(ValueError, match="mono-task"):
        sc.MultiTaskLasso().fit(X, Y[:, 0])
    Y = Y.copy()
    Y[3, 1] = np.nan
    with pytest.raises(ValueError, match="y"):
        sc.MultiTaskLasso().fit(X, Y)
    with pytest.raises(ValueError, match="Y contains NaN"):
        sc.check_optimality(X, Y, np.zeros((3, 40)), datafit="quadratic",
                            penalty=MultiTaskL21(1.0))
    with pytest.raises(ValueError, match="coef must have shape"):
        sc.check_optimality(X, np.zeros((50, 2)), np.zeros((3, 40)), datafit="quadratic",
                            penalty=MultiTaskL21(1.0))
    with pytest.raises(ValueError, match="alpha"):
        MultiTaskL21(-1.0)
    with pytest.raises(ValueError, match="l1_ratio"):
        MultiTaskL21(1.0, 1.5)


@parametrize_with_checks([sc.MultiTaskLasso(), sc.MultiTaskLasso(alpha=0.1, tol=1e-10),
                          sc.MultiTaskElasticNet(), sc.MultiTaskElasticNet(alpha=0.1, tol=1e-10)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
