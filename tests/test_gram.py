"""The Gram variant of least-squares coordinate descent (tall X, dense or sparse).

The same fits through both kernels (forced with the private switch
``sparsecert.solvers.gram._GRAM_MODE``), against scikit-learn at a tight tolerance,
the kernels against naive NumPy twins, the automatic choice, and the fallback
to the residual kernel when the Gram gradient cannot be trusted.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk

import sparsecert as sc
import sparsecert.solvers.cd as solvers_cd
import sparsecert.solvers.gram as solvers
from sparsecert import penalties
from sparsecert._kernels import codes
from sparsecert._kernels.cd import cd_gram, cd_gram_anderson
from sparsecert._problem import make_problem
from sparsecert._validation import as_design, check_sample_weight
from sparsecert.datafits import as_datafit

from conftest import make_regression
from naive import enet_violation, normalized_weights, quadratic_gradient

TIGHT = dict(tol=1e-12, max_iter=100000)


@pytest.fixture
def count_kernels(monkeypatch):
    """Counts the calls of each least-squares CD kernel during a test."""
    calls = {"gram": 0, "anderson": 0, "residual": 0}

    def spy(module, name, key):
        real = getattr(module, name)

        def counted(*args):
            calls[key] += 1
            return real(*args)

        monkeypatch.setattr(module, name, counted)

    spy(solvers, "cd_gram", "gram")  # every Gram solve starts with plain epochs
    spy(solvers, "cd_gram_anderson", "anderson")
    spy(solvers_cd, "cd_quadratic_anderson", "residual")
    return calls


def fit_both(monkeypatch, make, X, y, sample_weight=None):
    out = {}
    for mode in ("never", "always"):
        monkeypatch.setattr(solvers, "_GRAM_MODE", mode)
        out[mode] = make().fit(X, y, sample_weight=sample_weight)
    monkeypatch.setattr(solvers, "_GRAM_MODE", "auto")
    return out["never"], out["always"]


def tall(n=400, p=30, seed=0, dtype=np.float64):
    X, y = make_regression(n=n, p=p, seed=seed, dtype=dtype, n_informative=8)
    return X, y


def weighted_and_free(p):
    c = np.linspace(0.5, 2.0, p)
    c[[0, 3]] = 0.0  # unpenalized
    return c


CASES = {
    "lasso": lambda a: sc.Lasso(alpha=a, **TIGHT),
    "lasso-no-intercept": lambda a: sc.Lasso(alpha=a, fit_intercept=False, **TIGHT),
    "lasso-positive": lambda a: sc.Lasso(alpha=a, positive=True, **TIGHT),
    "lasso-weights": lambda a: sc.Lasso(alpha=a, weights=weighted_and_free(30), **TIGHT),
    "enet": lambda a: sc.ElasticNet(alpha=a, l1_ratio=0.3, **TIGHT),
    "enet-positive-weights": lambda a: sc.ElasticNet(alpha=a, l1_ratio=0.7, positive=True,
                                                     weights=weighted_and_free(30), **TIGHT),
    "ridge": lambda a: sc.LpRegression(alpha=a, p=2.0, **TIGHT),
    "lp1.5": lambda a: sc.LpRegression(alpha=a, p=1.5, **TIGHT),
    "lp1.5-positive": lambda a: sc.LpRegression(alpha=a, p=1.5, positive=True, **TIGHT),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ratio", [5, 100])
def test_gram_and_residual_paths_agree(monkeypatch, count_kernels, case, weighted, dtype,
                                       ratio):
    X, y = tall(dtype=dtype)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0]) if weighted else None
    alpha = sc.alpha_max(X, y, sample_weight=sw, positive="positive" in case) / ratio
    res, gram = fit_both(monkeypatch, lambda: CASES[case](alpha), X, y, sw)
    assert count_kernels["gram"] > 0 and count_kernels["residual"] > 0
    for est in (res, gram):
        assert est.certificate_.converged, est.certificate_
    # both certified at tol 1e-12 of the scale: the same point up to rounding
    scale = max(np.abs(res.coef_).max(), 1.0)
    np.testing.assert_allclose(gram.coef_, res.coef_, rtol=0, atol=1e-8 * scale)
    np.testing.assert_allclose(gram.intercept_, res.intercept_, rtol=0, atol=1e-8 * scale)
    assert np.array_equal(gram.coef_ == 0, res.coef_ == 0) or case.startswith(("ridge", "lp"))


def _check_against_naive(est, X, y, alpha, l1_ratio, sw, positive=False):
    """The certificate's claim, recomputed from scratch in NumPy."""
    w = np.asarray(est.coef_, float)
    g, gb = quadratic_gradient(X.astype(np.float64), y, w, est.intercept_, sw)
    viol = enet_violation(w, g, alpha, l1_ratio, positive=positive)
    assert viol.max() <= est.certificate_.tol * (1 + 1e-6)
    if est.fit_intercept:
        assert abs(gb) <= est.certificate_.tol_intercept * (1 + 1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ratio", [3, 30, 300])
def test_gram_lasso_matches_sklearn(monkeypatch, count_kernels, fit_intercept, weighted, ratio):
    X, y = tall(n=300, p=25, seed=2)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, X.shape[0]) if weighted else None
    alpha = sc.alpha_max(X, y, fit_intercept=fit_intercept, sample_weight=sw) / ratio
    monkeypatch.setattr(solvers, "_GRAM_MODE", "always")
    ours = sc.Lasso(alpha=alpha, fit_intercept=fit_intercept, **TIGHT).fit(X, y, sample_weight=sw)
    theirs = sk.Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-15,
                      max_iter=500000).fit(X, y, sample_weight=sw)
    assert count_kernels["gram"] > 0
    assert ours.certificate_.converged
    scale = max(np.abs(theirs.coef_).max(), 1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-7 * scale)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-7 * scale)
    _check_against_naive(ours, X, y, alpha, 1.0, normalized_weights(sw, X.shape[0]))


@pytest.mark.parametrize("l1_ratio", [0.2, 0.8])
@pytest.mark.parametrize("positive", [False, True])
def test_gram_enet_matches_sklearn(monkeypatch, count_kernels, l1_ratio, positive):
    X, y = tall(n=300, p=25, seed=4)
    alpha = sc.alpha_max(X, y, l1_ratio=l1_ratio) / 20
    monkeypatch.setattr(solvers, "_GRAM_MODE", "always")
    ours = sc.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=positive, **TIGHT).fit(X, y)
    theirs = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=positive, tol=1e-15,
                           max_iter=500000).fit(X, y)
    assert count_kernels["gram"] > 0
    assert ours.certificate_.converged
    scale = max(np.abs(theirs.coef_).max(), 1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-7 * scale)
    _check_against_naive(ours, X, y, alpha, l1_ratio, np.ones(X.shape[0]), positive)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_ridge_matches_sklearn(monkeypatch, count_kernels, fit_intercept):
    """Lp with p = 2 is ridge: alpha sum w^2 against (1/2n) ||r||^2 is scikit-learn's
    Ridge with alpha_sk = 2 n alpha."""
    X, y = tall(n=300, p=25, seed=5)
    n = X.shape[0]
    alpha = 0.05
    monkeypatch.setattr(solvers, "_GRAM_MODE", "always")
    ours = sc.LpRegression(alpha=alpha, p=2.0, fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    theirs = sk.Ridge(alpha=2 * n * alpha, fit_intercept=fit_intercept, solver="cholesky").fit(X, y)
    assert count_kernels["gram"] > 0
    assert ours.certificate_.converged
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-10)


# ----------------------------------------------------------------- kernels
def _problem(X, y, sw=None, fit_intercept=True, penalty=None):
    sw = check_sample_weight(sw, X.shape[0])
    penalty = penalties.L1(alpha=0.1) if penalty is None else penalty
    return make_problem(as_design(X), y, sw, as_datafit("quadratic"), penalty, fit_intercept)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("fmt", ["dense", "csc", "csr"])
def test_gram_matrix_matches_naive_twin(monkeypatch, dtype, fit_intercept, fmt):
    """H = (1/n) Xc^T S Xc over the held features, built in one go or grown in
    steps, with row blocks smaller than n (dense), or from the sparse
    columns and centred after (a sparse X with 60% of its entries zero)."""
    X, y = tall(n=1000, p=40, seed=6, dtype=dtype)
    if fmt != "dense":
        X[np.random.default_rng(10).random(X.shape) < 0.6] = 0.0
    sw = np.random.default_rng(7).uniform(0.0, 2.0, X.shape[0])
    problem = _problem(X if fmt == "dense" else sp.csc_matrix(X).asformat(fmt), y, sw,
                       fit_intercept)
    X64 = X.astype(np.float64)
    s = normalized_weights(sw, X.shape[0])
    means = (s @ X64) / X.shape[0] if fit_intercept else np.zeros(X.shape[1])
    Xc = X64 - means
    monkeypatch.setattr(solvers, "_GRAM_BLOCK", 3000)  # several row blocks
    order = np.array([5, 0, 17, 39, 2, 8, 33, 21, 11])
    ref = (Xc[:, order].T * s) @ Xc[:, order] / X.shape[0]
    one = solvers._GramState(problem)
    one.extend(order)
    steps = solvers._GramState(problem)
    for part in (order[:2], order[2:7], order[7:]):
        steps.extend(part)
    for g in (one, steps):
        assert np.array_equal(g.feats, order)
        assert g.H.flags.c_contiguous  # one layout for every size (1 x 1 included)
        np.testing.assert_allclose(g.H, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
        np.testing.assert_array_equal(g.H, g.H.T)


def _naive_gram_cd(H, w, g_anchor, w_anchor, lipschitz, alpha, l1_ratio, weights, epochs):
    """Cyclic proximal CD on the quadratic g_a^T d + d^T H d / 2, d = w - w_a."""
    w = w.copy()
    for _ in range(epochs):
        for k in range(w.size):
            g = g_anchor[k] + H[k] @ (w - w_anchor)
            x = w[k] - g / lipschitz[k]
            a = alpha * weights[k] / lipschitz[k]
            w[k] = np.sign(x) * max(abs(x) - a * l1_ratio, 0.0) / (1 + a * (1 - l1_ratio))
    return w


@pytest.mark.parametrize("code,l1_ratio", [(codes.L1, 1.0), (codes.ELASTIC_NET, 0.4)])
def test_gram_epochs_match_naive_twin(code, l1_ratio):
    rng = np.random.default_rng(8)
    m = 12
    A = rng.standard_normal((50, m))
    H = A.T @ A / 50
    g_anchor = rng.standard_normal(m)
    w_anchor = np.where(rng.random(m) < 0.5, rng.standard_normal(m), 0.0)
    weights = rng.uniform(0.0, 2.0, m)
    par = np.zeros(codes.N_PARAMS)
    par[codes.PARAM_ALPHA], par[codes.PARAM_L1_RATIO] = 0.3, l1_ratio
    lipschitz = np.diag(H).copy()
    for epochs in (1, 3):
        w = w_anchor.copy()
        ep, viol, accepted = cd_gram_anderson(H, w, g_anchor, w_anchor, lipschitz,
                                              np.ones_like(lipschitz), code, par,
                                              weights, epochs, 0.0, 0)
        assert ep == epochs and accepted == 0
        # the plain kernel walks the same iterates, bit for bit
        w_plain = w_anchor.copy()
        ep_plain, viol_plain, done = cd_gram(H, w_plain, np.empty(m), g_anchor, w_anchor,
                                             lipschitz, np.ones_like(lipschitz), code, par,
                                             weights, epochs, 0.0)
        assert ep_plain == epochs and not done and viol_plain == viol
        assert np.array_equal(w_plain, w)
        ref = _naive_gram_cd(H, w_anchor, g_anchor, w_anchor, lipschitz, 0.3, l1_ratio,
                             weights, epochs)
        np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-13)


def test_gram_kernel_converges_with_extrapolation():
    """With Anderson steps on, the kernel stops on its own exact violation."""
    rng = np.random.default_rng(9)
    m = 30
    A = rng.standard_normal((200, m)) + 0.8 * rng.standard_normal((200, 1))  # correlated
    H = A.T @ A / 200
    b = rng.standard_normal(200)
    g0 = -(A.T @ b) / 200
    par = np.zeros(codes.N_PARAMS)
    par[codes.PARAM_ALPHA], par[codes.PARAM_L1_RATIO] = 0.02, 1.0
    w = np.zeros(m)
    ep, viol, accepted = cd_gram_anderson(H, w, g0, np.zeros(m), np.diag(H).copy(), np.ones(m),
                                          codes.L1, par, np.ones(m), 100000, 1e-12, 5)
    assert viol <= 1e-12 and ep < 100000
    g = g0 + H @ w
    assert enet_violation(w, g, 0.02).max() <= 1e-11


# ------------------------------------------------------------ the choice
def test_auto_uses_gram_on_tall_dense_small_p(count_kernels):
    X, y = tall(n=2000, p=50)
    sc.Lasso(alpha=sc.alpha_max(X, y) / 50).fit(X, y)
    assert count_kernels["gram"] > 0 and count_kernels["residual"] == 0


@pytest.mark.parametrize("shape", [(100, 300), (300, 100)])
def test_auto_keeps_residual_cd_on_wide_or_not_tall_enough(count_kernels, shape):
    X, y = make_regression(n=shape[0], p=shape[1], seed=1)
    sc.Lasso(alpha=sc.alpha_max(X, y) / 20).fit(X, y)
    assert count_kernels["gram"] == 0 and count_kernels["residual"] > 0


def test_no_gram_for_short_sparse_columns_or_nonconvex(count_kernels, monkeypatch):
    """A sparse X whose columns hold fewer than 4 p entries on average keeps
    residual CD, even when forced; so does the nonconvex Lp."""
    monkeypatch.setattr(solvers, "_GRAM_MODE", "always")
    X, y = tall(n=400, p=30)
    sparse = sp.random(400, 30, density=0.2, random_state=0, format="csc")  # 80 < 120
    sc.Lasso(alpha=sc.alpha_max(sparse, y) / 20).fit(sparse, y)
    sc.LpRegression(alpha=0.05, p=0.5).fit(X, y)
    assert count_kernels["gram"] == 0 and count_kernels["residual"] > 0


@pytest.mark.parametrize("fmt", ["csc", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_sparse_tall_x_uses_gram_and_matches_sklearn(count_kernels, fmt, fit_intercept,
                                                     l1_ratio):
    """Few features, each in many rows (a one-hot block beside denser
    columns): the Gram solver runs on its own (p <= 100, the start credit),
    and the fit is scikit-learn's tight one, with sample weights."""
    rng = np.random.default_rng(8)
    n = 600
    onehot = sp.csr_matrix((np.ones(n), (np.arange(n), rng.integers(0, 4, n))), shape=(n, 4))
    X = sp.hstack([onehot, sp.random(n, 8, density=0.6, random_state=9)], format=fmt)
    y = X @ rng.standard_normal(12) + 3.0 + 0.1 * rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, n)
    alpha = sc.alpha_max(X, y, fit_intercept=fit_intercept, sample_weight=sw,
                         l1_ratio=l1_ratio) / 30
    ours = sc.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                         **TIGHT).fit(X, y, sample_weight=sw)
    theirs = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                           tol=1e-15, max_iter=500000).fit(X.toarray(), y, sample_weight=sw)
    assert count_kernels["gram"] > 0 and count_kernels["residual"] == 0
    assert ours.certificate_.converged
    scale = max(np.abs(theirs.coef_).max(), 1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-7 * scale)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-7 * scale)
    _check_against_naive(ours, X.toarray(), y, alpha, l1_ratio,
                         normalized_weights(sw, n))


def test_slow_fit_switches_to_gram_midway(count_kernels):
    """p > 100: no start credit, the residual epochs spent pay for the Gram
    matrix of the working set, then the Gram kernel finishes."""
    rng = np.random.default_rng(10)
    n, p = 3000, 150
    base = rng.standard_normal((n, 1))
    X = 0.97 * base + 0.25 * rng.standard_normal((n, p))  # very correlated: slow CD
    y = X[:, :10] @ rng.standard_normal(10) + 0.1 * rng.standard_normal(n)
    est = sc.Lasso(alpha=sc.alpha_max(X, y) / 1000, tol=1e-8, max_iter=100000).fit(X, y)
    assert est.certificate_.converged
    assert count_kernels["residual"] > 0 and count_kernels["gram"] > 0


def test_gram_warm_start_and_max_iter(monkeypatch):
    monkeypatch.setattr(solvers, "_GRAM_MODE", "always")
    X, y = tall(n=500, p=40)
    alpha = sc.alpha_max(X, y) / 100
    with pytest.warns(Warning, match="max_iter=2 epochs"):
        est = sc.Lasso(alpha=alpha, max_iter=2, tol=1e-12).fit(X, y)
    assert est.n_iter_ == 2 and not est.certificate_.converged
    est.set_params(warm_start=True, max_iter=100000).fit(X, y)
    ref = sc.Lasso(alpha=alpha, tol=1e-12, max_iter=100000).fit(X, y)
    assert est.certificate_.converged
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-8 * np.abs(ref.coef_).max())


@pytest.mark.parametrize("alpha, extrapolates", [(0.1, False), (0.001, True)])
def test_extrapolation_only_after_the_plain_epochs(count_kernels, alpha, extrapolates):
    """A Gram solve runs plain epochs first and extrapolates only when they
    have not converged by _GRAM_PLAIN: on diabetes, 22 plain epochs solve
    alpha = 0.1 (no Anderson kernel called, so none compiled), alpha = 0.001
    needs hundreds and gets the extrapolation. Both end certified, at the
    point of a tight scikit-learn fit."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Lasso as SkLasso

    X, y = load_diabetes(return_X_y=True)
    est = sc.Lasso(alpha=alpha).fit(X, y)
    assert est.certificate_.converged
    assert count_kernels["gram"] > 0 and count_kernels["residual"] == 0
    assert (count_kernels["anderson"] > 0) == extrapolates
    ref = SkLasso(alpha=alpha, tol=1e-14, max_iter=1000000).fit(X, y)
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-3 * scale)


# ------------------------------------------------------------ the fallback
def test_wrong_gram_gradient_falls_back_to_residual_cd(monkeypatch, count_kernels):
    """A Gram solver whose gradient is wrong (here: it claims convergence
    without moving) must never get a point certified: after two certificates
    disagree with it the fit continues, and ends, with the residual kernel."""
    calls = []

    def broken(H, w, g_anchor, w_anchor, *rest):
        calls.append(1)
        return 1, 0.0, True  # "converged", nothing moved

    monkeypatch.setattr(solvers, "_GRAM_MODE", "always")
    monkeypatch.setattr(solvers, "cd_gram", broken)
    X, y = tall(n=500, p=40)
    alpha = sc.alpha_max(X, y) / 50
    est = sc.Lasso(alpha=alpha, tol=1e-10, max_iter=100000).fit(X, y)
    assert len(calls) == 2
    assert count_kernels["residual"] > 0
    assert est.certificate_.converged
    _check_against_naive(est, X, y, alpha, 1.0, np.ones(X.shape[0]))


def test_gram_limited_to_max_features(monkeypatch, count_kernels):
    """Past _GRAM_MAX_FEATURES the fit goes on with the residual kernel."""
    monkeypatch.setattr(solvers, "_GRAM_MODE", "always")
    monkeypatch.setattr(solvers, "_GRAM_MAX_FEATURES", 10)
    X, y = tall(n=500, p=40)
    est = sc.Lasso(alpha=sc.alpha_max(X, y) / 100, tol=1e-10, max_iter=100000).fit(X, y)
    assert est.certificate_.converged
    assert count_kernels["gram"] == 0 and count_kernels["residual"] > 0


def test_start_credit_only_for_cold_fits_that_one_gram_matrix_serves():
    X, y = tall(n=2000, p=50)
    problem = _problem(X, y)
    assert solvers._GramState(problem).affordable(np.arange(50))
    # a warm start (a path's next alpha) rents residual epochs first
    assert not solvers._GramState(problem, warm=True).affordable(np.arange(50))
    Xi, yi = make_regression(n=1000, p=200, seed=2)  # p > 100, X in cache
    assert not solvers._GramState(_problem(Xi, yi)).affordable(np.arange(100))
