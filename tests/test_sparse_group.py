"""The sparse-group lasso and the logistic group penalties (issue 16, 1): the
dual norm and the block prox against brute force, the kernels against their
NumPy twins, the solvers against independent solves (a NumPy FISTA + Newton,
skglm), the certificate group by group, the estimators' contract."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

import naive
from _compiled import entry
from naive import frozen
import sparsecert as sc
from conftest import load_shared
from sparsecert.penalties import GroupLasso as GL
from sparsecert.penalties import SparseGroupLasso as SGL

TIGHT = 1e-10


def rel(a, b):
    return np.linalg.norm(np.ravel(a) - np.ravel(b)) / max(np.linalg.norm(b), 1e-300)


def problem(n=40, p=24, seed=0, size=3):
    """Seeded correlated regression whose true coefficients are grouped."""
    r = np.random.default_rng(seed)
    base = r.standard_normal((n, p))
    X = base + 0.5 * np.roll(base, 1, axis=1)
    w = np.zeros(p)
    w[:2 * size] = r.standard_normal(2 * size) * 3
    y = X @ w + 0.5 * r.standard_normal(n) + 2.0
    return X, y


def labels_of(y):
    return np.where(y > np.median(y), 1.0, -1.0)


def reference(X, y, alpha, pen, datafit="quadratic", sw=None, fit_intercept=True,
              n_iter=3000):
    enc = pen.encode_groups(X.shape[1])
    return naive.sgl_reference(X, y, alpha, pen.l1_ratio, enc.ptr, enc.indices, enc.weights,
                               datafit, sw, fit_intercept, n_iter=n_iter)


def flat(est):
    return np.ravel(est.coef_), float(np.ravel([est.intercept_])[0])


# ---------------------------------------------------------------- dual norm, prox

@pytest.mark.parametrize("rho", [0.0, 0.05, 0.3, 0.5, 0.9, 0.99, 1.0])
def test_dual_norm_solves_its_equation(rho):
    from sparsecert._kernels.group import sgl_dual_norm
    sgl_dual_norm = entry(sgl_dual_norm)

    r = np.random.default_rng(1)
    cases = [r.standard_normal(k) * r.uniform(0.1, 10) for k in (1, 2, 3, 7, 40)]
    cases += [np.array([2.0, -2.0, 2.0, 2.0]), np.array([0.0, 0.0, 3.0]), np.zeros(3),
              np.array([1.0, 1e-9, -1e-12]), np.array([5.0, 4.9999999, 1.0, 1.0])]
    for v in cases:
        m = sgl_dual_norm(v, rho, np.empty(v.size))
        want = naive.sgl_dual_norm(v, rho)
        assert m == pytest.approx(want, rel=1e-12, abs=1e-300)
        if 0 < rho < 1 and m > 0:
            # the defining equation ||S(v, rho m)|| = (1 - rho) m
            lhs = np.linalg.norm(naive.soft(v, rho * m))
            assert lhs == pytest.approx((1 - rho) * m, rel=1e-10)
        # the dual norm of the norm N: v.x <= N*(v) N(x), with equality somewhere
        x = r.standard_normal(v.size)
        nx = (1 - rho) * np.linalg.norm(x) + rho * np.abs(x).sum()
        assert v @ x <= m * nx * (1 + 1e-12) + 1e-300


def test_block_prox_is_the_argmin():
    from scipy.optimize import minimize

    from sparsecert._kernels.group import _block_prox
    _block_prox = entry(_block_prox)

    r = np.random.default_rng(2)
    for thr, thr1 in ((0.3, 0.0), (0.3, 0.2), (0.0, 0.5), (2.0, 0.1), (0.1, 3.0)):
        z = r.standard_normal(5)

        def f(v):
            return (0.5 * np.sum((v - z) ** 2) + thr * np.linalg.norm(v)
                    + thr1 * np.abs(v).sum())

        step = z.copy()
        _block_prox(np.zeros(5), np.arange(5, dtype=np.int64), step, thr, thr1, 1.0)
        np.testing.assert_allclose(step, naive.sgl_prox(z, thr, thr1), atol=1e-15)
        brute = minimize(f, z, method="Powell", options=dict(xtol=1e-12, ftol=1e-15,
                                                               maxiter=100000)).x
        assert f(step) <= f(brute) + 1e-12
        np.testing.assert_allclose(step, brute, atol=1e-5)


# ---------------------------------------------------------------- kernels

def _design(layout, dtype, seed=1):
    from sparsecert._validation import as_design

    r = np.random.default_rng(seed)
    Xs = sp.random(40, 12, density=0.5, format="csc", random_state=seed, dtype=np.float64)
    Xs.data[:] = r.standard_normal(Xs.nnz)
    Xs = Xs.astype(dtype)
    X = Xs.toarray() if layout == "dense" else Xs
    if layout == "dense":
        X = np.asfortranarray(X)
    return X, as_design(X)


_GROUPS = [[0, 5, 7], [1], [2, 3], [4, 6, 8, 9, 10, 11]]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["dense", "csc"])
def test_sparse_group_epoch_matches_its_numpy_twin(dtype, layout):
    from sparsecert._kernels.group import group_bcd_epoch
    group_bcd_epoch = entry(group_bcd_epoch)

    X, design = _design(layout, dtype)
    Xd = naive.dense(X)
    n, p = Xd.shape
    r = np.random.default_rng(3)
    y = r.standard_normal(n)
    sw = naive.normalized_weights(r.uniform(0.2, 2.0, n), n)
    means = sw @ Xd / n
    enc = GL(1.0, _GROUPS, [1.0, 0.0, 2.0, 1.5]).encode_groups(p)
    w = r.standard_normal(p) * (r.uniform(size=p) < 0.6)
    w[[2, 3]] = 0.0
    sw_r = sw * (y - Xd @ w)
    b = float(sw_r.sum() / n)
    Xc = (Xd - means) * np.sqrt(sw)[:, None]
    lip = np.array([np.linalg.eigvalsh(Xc[:, F].T @ Xc[:, F] / n)[-1]
                    for F in naive.group_members(enc.ptr, enc.indices)])
    thr, thr1 = 0.03 * enc.weights, 0.02 * enc.weights
    ws = np.arange(4, dtype=np.int64)
    want = naive.group_bcd_epoch(Xd, sw_r, sw, w, b, means, np.ones(p), enc.ptr, enc.indices,
                                 ws, thr, lip, thr1)
    w_k, swr_k = w.copy(), sw_r.copy()
    cheap, b_k = group_bcd_epoch(*design.args, n, swr_k, sw, w_k, b, means, frozen(np.ones(p)),
                                 enc.ptr, enc.indices, ws, thr, thr1, lip, np.empty(6))
    np.testing.assert_allclose(cheap, want[0], rtol=1e-9)
    np.testing.assert_allclose(b_k, want[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w_k, want[2], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(swr_k, want[3], rtol=1e-9, atol=1e-12)
    assert np.any(w_k == 0) and np.any(w_k != 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("layout", ["dense", "csc"])
def test_logistic_epoch_matches_its_numpy_twin(dtype, layout):
    from sparsecert._kernels.group import group_logistic_epochs

    X, design = _design(layout, dtype, seed=4)
    Xd = naive.dense(X)
    n, p = Xd.shape
    r = np.random.default_rng(5)
    y = np.where(r.uniform(size=n) < 0.4, 1.0, -1.0)
    sw = naive.normalized_weights(r.uniform(0.2, 2.0, n), n)
    enc = GL(1.0, _GROUPS).encode_groups(p)
    w = r.standard_normal(p) * (r.uniform(size=p) < 0.6)
    b = 0.3
    lip = np.array([np.linalg.eigvalsh((Xd[:, F] * sw[:, None]).T @ Xd[:, F] / n)[-1] / 4
                    for F in naive.group_members(enc.ptr, enc.indices)])
    thr, thr1 = 0.02 * enc.weights, 0.01 * enc.weights
    ws = np.array([3, 0, 2, 1], dtype=np.int64)
    want = naive.group_logistic_epoch(Xd, y, sw, w, b, True, enc.ptr, enc.indices, ws, thr,
                                      thr1, lip)
    z = Xd @ w + b
    u = -sw * y / (1 + np.exp(y * z)) / n
    w_k = w.copy()
    ep, cheap, b_k = group_logistic_epochs(*design.args, y, sw, z, u, w_k, b, True, np.ones(p),
                                           1.0, enc.ptr, enc.indices, ws, thr, thr1, lip, 1,
                                           0.0, np.empty(6))
    assert ep == 1
    np.testing.assert_allclose(cheap, want[0], rtol=1e-9)
    np.testing.assert_allclose(b_k, want[1], rtol=1e-9)
    np.testing.assert_allclose(w_k, want[2], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(z, Xd @ w_k + b_k, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(u, -sw * y / (1 + np.exp(y * z)) / n, rtol=1e-9, atol=1e-15)


# ---------------------------------------------------------------- solutions

@pytest.mark.parametrize("rho", [0.2, 0.8])
@pytest.mark.parametrize("case", ["plain", "weights", "no-intercept", "labels"])
def test_sparse_group_lasso_matches_numpy_reference(rho, case):
    X, y = problem(40, 24, seed=6)
    n, p = X.shape
    r = np.random.default_rng(7)
    sw, weights, groups = None, None, 3
    fit_intercept = case != "no-intercept"
    if case == "weights":
        sw, weights = r.uniform(0.2, 2.0, n), r.uniform(0.5, 2.0, 8)
    if case == "labels":
        groups = r.permutation(np.repeat(np.arange(6), 4))
    pen = SGL(1.0, groups, rho, weights)
    alpha = sc.alpha_max(X, y, penalty=pen, sample_weight=sw, fit_intercept=fit_intercept) / 6
    est = sc.SparseGroupLasso(alpha, groups=groups, l1_ratio=rho, weights=weights,
                              fit_intercept=fit_intercept, tol=TIGHT,
                              max_iter=100000).fit(X, y, sample_weight=sw)
    w_ref, b_ref = reference(X, y, alpha, pen, sw=sw, fit_intercept=fit_intercept)
    assert est.certificate_.converged
    assert 0 < np.count_nonzero(est.coef_) < p
    assert rel(est.coef_, w_ref) <= 1e-6
    assert abs(est.intercept_ - b_ref) <= 1e-6 * (1 + abs(b_ref))
    np.testing.assert_array_equal(est.coef_ != 0, w_ref != 0)


@pytest.mark.parametrize("rho", [0.0, 0.5])
@pytest.mark.parametrize("case", ["plain", "weights", "no-intercept"])
def test_logistic_matches_numpy_reference(rho, case):
    X, y = problem(40, 24, seed=8)
    y = labels_of(y)
    r = np.random.default_rng(9)
    sw = weights = None
    fit_intercept = case != "no-intercept"
    if case == "weights":
        sw, weights = r.uniform(0.2, 2.0, 40), r.uniform(0.5, 2.0, 8)
    pen = SGL(1.0, 3, rho, weights)
    alpha = sc.alpha_max(X, y, datafit="logistic", penalty=pen, sample_weight=sw,
                         fit_intercept=fit_intercept) / 6
    est = sc.GroupLogisticRegression(alpha, groups=3, l1_ratio=rho, weights=weights,
                                     fit_intercept=fit_intercept, tol=TIGHT,
                                     max_iter=100000).fit(X, y, sample_weight=sw)
    w, b = flat(est)
    w_ref, b_ref = reference(X, y, alpha, pen, "logistic", sw, fit_intercept)
    assert est.certificate_.converged and 0 < np.count_nonzero(w) < 24
    assert rel(w, w_ref) <= 1e-6
    assert abs(b - b_ref) <= 1e-6 * (1 + abs(b_ref))
    cert = sc.check_optimality(X, y, w_ref, b_ref if fit_intercept else None,
                               datafit="logistic", penalty=pen.with_alpha(alpha),
                               sample_weight=sw, tol=1e-8)
    assert cert.converged
    if rho == 0:  # the GroupLasso penalty object says the same
        same = sc.check_optimality(X, y, w_ref, b_ref if fit_intercept else None,
                                   datafit="logistic", penalty=GL(alpha, 3, weights),
                                   sample_weight=sw, tol=1e-8)
        assert same.converged and same.duality_gap == cert.duality_gap


def test_l1_ratio_zero_is_the_group_lasso_bit_for_bit():
    X, y = problem(50, 30, seed=10)
    sw = np.random.default_rng(11).uniform(0.5, 2.0, 50)
    for Z in (X, sp.csc_matrix(np.where(np.abs(X) > 0.4, X, 0.0))):
        a = sc.GroupLasso(0.1, groups=3, tol=1e-9, max_iter=100000).fit(Z, y, sample_weight=sw)
        b = sc.SparseGroupLasso(0.1, groups=3, l1_ratio=0.0, tol=1e-9,
                                max_iter=100000).fit(Z, y, sample_weight=sw)
        np.testing.assert_array_equal(a.coef_, b.coef_)
        assert a.intercept_ == b.intercept_ and a.n_iter_ == b.n_iter_
        np.testing.assert_array_equal(a.certificate_.group_violation,
                                      b.certificate_.group_violation)
        assert a.certificate_.duality_gap == b.certificate_.duality_gap
        assert sc.alpha_max(Z, y, penalty=GL(1.0, 3)) == sc.alpha_max(Z, y,
                                                                      penalty=SGL(1.0, 3, 0.0))


def test_l1_ratio_one_is_the_weighted_lasso():
    X, y = problem(40, 24, seed=12)
    c = np.random.default_rng(13).uniform(0.5, 2.0, 8)
    pen = SGL(1.0, 3, 1.0, c)
    cj = c[pen.encode_groups(24).group_of]
    amax = sc.alpha_max(X, y, penalty=pen)
    assert amax == pytest.approx(sc.alpha_max(X, y, weights=cj), rel=1e-12)
    est = sc.SparseGroupLasso(amax / 8, groups=3, l1_ratio=1.0, weights=c, tol=TIGHT,
                              max_iter=100000).fit(X, y)
    lasso = sc.Lasso(amax / 8, weights=cj, tol=TIGHT, max_iter=100000).fit(X, y)
    assert rel(est.coef_, lasso.coef_) <= 1e-8
    # the certificate of a zero group is the L1 one: violation of the box
    cert = sc.check_optimality(X, y, lasso.coef_, lasso.intercept_, datafit="quadratic",
                               penalty=pen.with_alpha(amax / 8))
    assert cert.converged
    assert cert.duality_gap == pytest.approx(lasso.certificate_.duality_gap, rel=1e-6,
                                             abs=1e-12 * cert.objective)


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_alpha_max_is_where_the_solution_leaves_zero(datafit):
    X, y = problem(40, 24, seed=14)
    if datafit == "logistic":
        y = labels_of(y)
    c = np.arange(1.0, 7.0)
    pen = SGL(1.0, 4, 0.4, c)
    amax = sc.alpha_max(X, y, datafit=datafit, penalty=pen)
    # the formula: max_g N*(g_g) / c_g at (0, b0)
    b0 = y.mean() if datafit == "quadratic" else np.log(np.mean(y > 0) / np.mean(y < 0))
    g = (X.T @ (b0 - y) / 40 if datafit == "quadratic"
         else X.T @ (-y / (1 + np.exp(y * b0))) / 40)
    want = max(naive.sgl_dual_norm(g[4 * k:4 * k + 4], 0.4) / c[k] for k in range(6))
    assert amax == pytest.approx(want, rel=1e-10)
    Est = sc.SparseGroupLasso if datafit == "quadratic" else sc.GroupLogisticRegression
    at = Est(amax, groups=4, l1_ratio=0.4, weights=c, tol=1e-8).fit(X, y)
    assert not np.any(at.coef_)
    below = Est(0.98 * amax, groups=4, l1_ratio=0.4, weights=c, tol=1e-8).fit(X, y)
    assert np.count_nonzero(below.coef_) >= 1
    cert = at.certificate_
    assert cert.converged and np.max(cert.group_gradient_norm / cert.group_threshold) == \
        pytest.approx(1.0, rel=1e-8)


# ---------------------------------------------------------------- real data

def _real(name, size):
    X, y = load_shared(name)
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    return np.asfortranarray(X[:, :X.shape[1] - X.shape[1] % size]), y


_SKGLM_CLASSES = {}


def _skglm(X, y, alpha, pen, datafit, tol, max_epochs=100000):
    """skglm 0.5's GroupBCD without intercept (its sparse-group penalty
    cannot take one); WeightedL1GroupL2(alpha, (1 - rho) c, rho c_{g(j)}) is
    our penalty. Its prox reads the feature weights by group index, so they
    must be equal: groups of one size, default weights. Its LogisticGroup
    inherits the per-feature Lipschitz constants of Logistic and the solver
    reads them by group index (on leukemia it diverges: objective 0.69 ->
    17.5 in one outer iteration), so it is given the group constants
    ||X_g||_2^2 / (4n) that its own ``initialize`` computes."""
    pytest.importorskip("skglm")
    from skglm.datafits import LogisticGroup, QuadraticGroup
    from skglm.penalties import WeightedGroupL2, WeightedL1GroupL2
    from skglm.solvers import GroupBCD

    if "logistic" not in _SKGLM_CLASSES:
        # one class for the session: skglm compiles each new jitclass anew
        class LogisticGroupLipschitz(LogisticGroup):
            def get_lipschitz(self, X, y):
                self.initialize(X, y)
                return self.lipschitz

        _SKGLM_CLASSES["logistic"] = LogisticGroupLipschitz
    LogisticGroupLipschitz = _SKGLM_CLASSES["logistic"]
    enc = pen.encode_groups(X.shape[1])
    ptr, idx = enc.ptr.astype(np.int32), enc.indices.astype(np.int32)
    rho = pen.l1_ratio
    assert np.all(enc.weights == enc.weights[0])
    if rho == 0:
        penalty = WeightedGroupL2(alpha, enc.weights, ptr, idx)
    else:
        penalty = WeightedL1GroupL2(alpha, (1 - rho) * enc.weights,
                                    rho * enc.weights[enc.group_of], ptr, idx)
    df = (QuadraticGroup if datafit == "quadratic" else LogisticGroupLipschitz)(ptr, idx)
    solver = GroupBCD(tol=tol, max_iter=1000, max_epochs=max_epochs, fit_intercept=False,
                      ws_strategy="subdiff" if rho == 0 else "fixpoint")
    return solver.solve(X, y, df, penalty)[0]


@pytest.mark.parametrize("rho, ratio", [(0.5, 10), (0.2, 30), (0.8, 30)])
def test_riboflavin_sparse_group_lasso(rho, ratio):
    """Groups of 4 adjacent genes. With an intercept: the NumPy reference;
    centred and without one: skglm at tol 1e-12."""
    X, y = _real("riboflavin_hdi.npz", 4)
    pen = SGL(1.0, 4, rho)
    alpha = sc.alpha_max(X, y, penalty=pen) / ratio
    ours = sc.SparseGroupLasso(alpha, groups=4, l1_ratio=rho, tol=1e-12,
                               max_iter=1000000).fit(X, y)
    assert ours.certificate_.converged and np.count_nonzero(ours.coef_) > 1
    w_ref, b_ref = reference(X, y, alpha, pen, n_iter=2000)
    assert rel(ours.coef_, w_ref) <= 1e-6
    assert abs(ours.intercept_ - b_ref) <= 1e-6 * abs(b_ref)
    Xc, yc = X - X.mean(0), y - y.mean()
    theirs = _skglm(Xc, yc, alpha, pen, "quadratic", 1e-12)
    nocept = sc.SparseGroupLasso(alpha, groups=4, l1_ratio=rho, tol=1e-12, max_iter=1000000,
                                 fit_intercept=False).fit(Xc, yc)
    assert rel(nocept.coef_, theirs) <= 1e-6
    assert rel(nocept.coef_, ours.coef_) <= 1e-6  # centring is the intercept
    assert sc.check_optimality(X, y, theirs, y.mean() - X.mean(0) @ theirs,
                               datafit="quadratic", penalty=pen.with_alpha(alpha),
                               tol=1e-8).converged


@pytest.mark.parametrize("rho, ratio", [(0.0, 10), (0.5, 10), (0.5, 50)])
def test_leukemia_logistic(rho, ratio):
    """Groups of 3 adjacent genes, alpha_max / 10 and / 50 (where the
    majorized steps took 13000 epochs). With an intercept: the NumPy
    reference; without: skglm's LogisticGroup (tol 1e-10) too."""
    X, y = _real("leukemia_golub1999_38x3051.npz", 3)
    pen = SGL(1.0, 3, rho)
    for fit_intercept in (True, False):
        alpha = sc.alpha_max(X, y, datafit="logistic", penalty=pen,
                             fit_intercept=fit_intercept) / ratio
        ours = sc.GroupLogisticRegression(alpha, groups=3, l1_ratio=rho, tol=1e-12,
                                          max_iter=1000000, fit_intercept=fit_intercept
                                          ).fit(X, y)
        w, b = flat(ours)
        assert ours.certificate_.converged and np.count_nonzero(w) > 1
        assert sc.check_optimality(X, y, w, b if fit_intercept else None, datafit="logistic",
                                   penalty=pen.with_alpha(alpha), tol=1e-10).converged
        w_ref, b_ref = reference(X, y, alpha, pen, "logistic", fit_intercept=fit_intercept,
                                 n_iter=2000 * ratio // 10)
        assert rel(w, w_ref) <= 1e-6
        assert abs(b - b_ref) <= 1e-6 * (1 + abs(b_ref))
    theirs = _skglm(X, y, alpha, pen, "logistic", 1e-10)
    assert rel(w, theirs) <= 1e-6
    assert sc.check_optimality(X, y, theirs, None, datafit="logistic",
                               penalty=pen.with_alpha(alpha), tol=1e-6).converged


# ---------------------------------------------------------------- logistic proximal Newton

def test_newton_block_model_matches_numpy():
    """The model's block at a point: X_g^T u, X_g^T h and the h-weighted
    centred Hessian, with its largest eigenvalue; dense and CSC agree."""
    from sparsecert._kernels.group_newton import _block_model
    _block_model = entry(_block_model)
    from sparsecert._kernels.codes import ONE_THREAD
    from sparsecert._kernels.samples import derivatives
    derivatives = entry(derivatives)

    for layout in ("dense", "csc"):
        X, design = _design(layout, np.float64, seed=40)
        Xd = naive.dense(X)
        n, p = Xd.shape
        r = np.random.default_rng(41)
        y = np.where(r.uniform(size=n) < 0.5, 1.0, -1.0)
        sw = naive.normalized_weights(r.uniform(0.2, 2.0, n), n)
        z = Xd @ r.standard_normal(p) * 0.5 + 0.2
        u, h = np.empty(n), np.empty(n)
        hsum, _, _ = derivatives(ONE_THREAD, y, sw, z, n, u, h, np.empty(n), False)
        prob = 1 / (1 + np.exp(-y * z))
        np.testing.assert_allclose(h, sw * prob * (1 - prob) / n, rtol=1e-12)
        for feats in (np.array([4, 6, 8, 9]), np.array([1])):
            for fit_intercept in (True, False):
                k = feats.size
                grad, hxs, H = np.empty(k), np.empty(k), np.empty(k * k)
                lam = _block_model(*design.args, feats, u, h, hsum, fit_intercept, np.zeros(p),
                                   np.zeros(n), grad, hxs, H)
                Xg = Xd[:, feats]
                want = Xg.T @ (h[:, None] * Xg)
                if fit_intercept:
                    hx = Xg.T @ h
                    want -= np.outer(hx, hx) / h.sum()
                    np.testing.assert_allclose(hxs, hx, rtol=1e-12)
                np.testing.assert_allclose(grad, Xg.T @ u, rtol=1e-10, atol=1e-15)
                np.testing.assert_allclose(H.reshape(k, k), want, rtol=1e-10, atol=1e-15)
                assert lam == pytest.approx(np.linalg.eigvalsh(want)[-1], rel=1e-10)
                # without room for H (a group past GRAM_MAX): the trace bound
                lam_t = _block_model(*design.args, feats, u, h, hsum, fit_intercept,
                                     np.zeros(p), np.zeros(n), grad, hxs, np.empty(0))
                assert lam_t == pytest.approx(np.trace(want), rel=1e-10)


def test_newton_line_search_penalty_along_blocks():
    """The line search's group penalty along a direction: value and right
    derivative (finite differences; at a zero block thr ||d||)."""
    from sparsecert._kernels.codes import GROUP_LASSO
    from sparsecert._kernels.newton_step import _penalty_along
    _penalty_along = entry(_penalty_along)

    r = np.random.default_rng(42)
    feats = np.array([5, 2, 7, 0, 3], dtype=np.int64)
    blk = np.array([0, 2, 5], dtype=np.int64)
    thr, thr1 = np.array([0.3, 0.7]), np.array([0.2, 0.05])
    w = np.zeros(8)
    w[[0, 3, 7]] = r.standard_normal(3)
    w[7] = 0.0  # block 0 = (5, 2) at zero, block 1 = (7, 0, 3) partly zero
    d = r.standard_normal(5)

    def value(t):
        v = w.copy()
        v[feats] += t * d
        return sum(thr[k] * np.linalg.norm(v[feats[blk[k]:blk[k + 1]]])
                   + thr1[k] * np.abs(v[feats[blk[k]:blk[k + 1]]]).sum() for k in range(2))

    for t in (0.0, 0.3, 1.0):
        val, slope = _penalty_along(GROUP_LASSO, feats, w, d, t, thr, thr, blk, thr, thr1)
        assert val == pytest.approx(value(t), rel=1e-12)
        eps = 1e-7
        assert slope == pytest.approx((value(t + eps) - value(t)) / eps, rel=1e-5, abs=1e-6)
    # a block whose direction is zero is left out (its term is constant along the line)
    d0 = d.copy()
    d0[:2] = 0.0
    v0, _ = _penalty_along(GROUP_LASSO, feats, w, d0, 0.5, thr, thr, blk, thr, thr1)
    v = w.copy()
    v[feats] += 0.5 * d0
    assert v0 == pytest.approx(thr[1] * np.linalg.norm(v[[7, 0, 3]])
                               + thr1[1] * np.abs(v[[7, 0, 3]]).sum(), rel=1e-12)


def _unscaled(seed=31):
    """Columns rescaled over four decades: the 1 / L_g majorized steps crawl."""
    X, y = problem(60, 30, seed=seed)
    scales = 10.0 ** np.random.default_rng(seed + 1).uniform(-1, 3, 30)
    return X * scales, labels_of(y)


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_newton_converges_on_unscaled_data_where_majorized_steps_stall(rho, monkeypatch):
    """max_iter=1000 (the default): the majorized epochs stop uncertified and
    warn; the Newton rounds certify, without a warning, the same point as a
    long tight solve of the majorized epochs and the NumPy reference."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    import sparsecert.solvers.group_cd as group_cd

    X, y = _unscaled()
    pen = SGL(1.0, 3, rho)
    alpha = sc.alpha_max(X, y, datafit="logistic", penalty=pen) / 10
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = sc.GroupLogisticRegression(alpha, groups=3, l1_ratio=rho).fit(X, y)
    w, b = flat(est)
    assert est.certificate_.converged and est.n_iter_[0] < 50 and np.count_nonzero(w) > 1
    assert sc.check_optimality(X, y, w, b, datafit="logistic", penalty=pen.with_alpha(alpha),
                               tol=1e-4).converged
    tight = sc.GroupLogisticRegression(alpha, groups=3, l1_ratio=rho, tol=TIGHT,
                                       max_iter=1000).fit(X, y)
    monkeypatch.setattr(group_cd, "_NEWTON", False)
    with pytest.warns(ConvergenceWarning, match="block coordinate descent"):
        sc.GroupLogisticRegression(alpha, groups=3, l1_ratio=rho).fit(X, y)
    slow = sc.GroupLogisticRegression(alpha, groups=3, l1_ratio=rho, tol=TIGHT,
                                      max_iter=10 ** 7).fit(X, y)
    assert slow.certificate_.converged and tight.certificate_.converged
    assert rel(tight.coef_, slow.coef_) <= 1e-6
    w_ref, b_ref = reference(X, y, alpha, pen, "logistic", n_iter=20000)
    assert rel(tight.coef_, w_ref) <= 1e-6
    assert abs(tight.intercept_[0] - b_ref) <= 1e-6 * (1 + abs(b_ref))


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_colon_unscaled_converges_at_the_default_max_iter(rho):
    """Colon gene expression as published (columns 5.8 .. 20903), groups of
    4: max_iter=1000 used to end uncertified with a warning at alpha_max/10."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    X, y = _real("colon_alon1999.npz", 4)
    pen = SGL(1.0, 4, rho)
    alpha = sc.alpha_max(X, y, datafit="logistic", penalty=pen) / 10
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = sc.GroupLogisticRegression(alpha, groups=4, l1_ratio=rho, tol=1e-8).fit(X, y)
    w, b = flat(est)
    assert est.certificate_.converged and np.count_nonzero(w) > 1
    cert = sc.check_optimality(X, y, w, b, datafit="logistic", penalty=pen.with_alpha(alpha),
                               tol=1e-8)
    assert cert.converged
    # an error in the coefficients is flagged
    bad = w.copy()
    bad[np.flatnonzero(w)[0]] *= 1.01
    assert not sc.check_optimality(X, y, bad, b, datafit="logistic",
                                   penalty=pen.with_alpha(alpha), tol=1e-8).converged


def test_newton_falls_back_to_majorized_epochs(monkeypatch):
    """A line search that never decreases: every round runs the majorized
    epochs instead, and the fit reaches the same certified point."""
    import sparsecert.solvers.group_cd as group_cd
    from sparsecert._kernels.prox_newton import PN_LINE_SEARCH

    X, y = problem(40, 24, seed=43)
    y = labels_of(y)
    kw = dict(alpha=0.02, groups=3, l1_ratio=0.5, tol=TIGHT, max_iter=100000)
    newton = sc.GroupLogisticRegression(**kw).fit(X, y)
    calls = []

    def stalled(*args):
        calls.append(1)
        return 1, PN_LINE_SEARCH, np.inf, args[7]

    monkeypatch.setattr(group_cd, "group_prox_newton_logistic", stalled)
    fallback = sc.GroupLogisticRegression(**kw).fit(X, y)
    monkeypatch.setattr(group_cd, "_NEWTON", False)
    majorized = sc.GroupLogisticRegression(**kw).fit(X, y)
    assert calls and newton.certificate_.converged and fallback.certificate_.converged
    np.testing.assert_array_equal(fallback.coef_, majorized.coef_)
    assert fallback.n_iter_[0] == majorized.n_iter_[0] > 10 * newton.n_iter_[0]
    assert rel(newton.coef_, majorized.coef_) <= 1e-7


# ---------------------------------------------------------------- certificate

@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_certificate_fields_match_the_naive_check(datafit):
    X, y = problem(40, 24, seed=15)
    if datafit == "logistic":
        y = labels_of(y)
    rho = 0.4
    pen = SGL(1.0, 4, rho)
    alpha = sc.alpha_max(X, y, datafit=datafit, penalty=pen) / 4
    pen = pen.with_alpha(alpha)
    Est = sc.SparseGroupLasso if datafit == "quadratic" else sc.GroupLogisticRegression
    est = Est(alpha, groups=4, l1_ratio=rho, tol=1e-6).fit(X, y)
    w, b = flat(est)
    cert = est.certificate_
    enc = pen.encode_groups(24)
    z = X @ w + b
    u = (z - y) / 40 if datafit == "quadratic" else -y / (1 + np.exp(y * z)) / 40
    g = X.T @ u
    np.testing.assert_allclose(cert.gradient, g, rtol=1e-9, atol=1e-12)
    vs = cert.violation_scale
    for k, F in enumerate(naive.group_members(enc.ptr, enc.indices)):
        res = naive.group_residual(w[F], g[F], alpha * (1 - rho) * 2.0, alpha * rho * 2.0)
        np.testing.assert_allclose(cert.violation[F], np.abs(res) * vs[F], rtol=1e-6,
                                   atol=1e-12)
        assert cert.group_gradient_norm[k] == pytest.approx(naive.sgl_dual_norm(g[F], rho),
                                                            rel=1e-10)
        assert cert.group_margin[k] == pytest.approx(
            2.0 * alpha - naive.sgl_dual_norm(g[F], rho), abs=1e-12)
    P = naive.sgl_objective(X, y, w, b, alpha, rho, enc.ptr, enc.indices, enc.weights, datafit)
    assert cert.objective == pytest.approx(P, rel=1e-12)
    # the gap bounds the distance to the optimum
    best = Est(alpha, groups=4, l1_ratio=rho, tol=TIGHT, max_iter=100000).fit(X, y)
    wb, bb = flat(best)
    P_star = naive.sgl_objective(X, y, wb, bb, alpha, rho, enc.ptr, enc.indices, enc.weights,
                                 datafit)
    assert -1e-12 <= P - P_star <= cert.duality_gap + 1e-12
    assert cert.converged and cert.relative_gap <= cert.gap_tol and cert.l1_ratio == rho
    back = pickle.loads(pickle.dumps(cert))
    assert type(back) is type(cert) and back.l1_ratio == rho
    text = cert.explain(feature_names=[f"f{j}" for j in range(24)], top=3)
    assert "N*(g_g)" in text and "dead zone" in text and "l1_ratio rho=0.4" in text


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_a_wrong_answer_is_flagged(datafit):
    X, y = problem(40, 24, seed=16)
    if datafit == "logistic":
        y = labels_of(y)
    pen = SGL(1.0, 3, 0.5)
    alpha = sc.alpha_max(X, y, datafit=datafit, penalty=pen) / 6
    pen = pen.with_alpha(alpha)
    Est = sc.SparseGroupLasso if datafit == "quadratic" else sc.GroupLogisticRegression
    est = Est(alpha, groups=3, l1_ratio=0.5, tol=TIGHT, max_iter=100000).fit(X, y)
    w, b = flat(est)
    assert sc.check_optimality(X, y, w, b, datafit=datafit, penalty=pen).converged
    enc = pen.encode_groups(24)
    norms = est.certificate_.group_coef_norm
    nz, zero = np.flatnonzero(norms), np.flatnonzero(norms == 0)
    scaled = w.copy()
    scaled[enc.members(nz[0])] *= 1.05
    added = w.copy()
    added[enc.members(zero[0])] = 0.5
    dropped = w.copy()
    dropped[enc.members(nz[0])] = 0.0
    for bad, group in ((scaled, nz[0]), (added, zero[0]), (dropped, nz[0])):
        cert = sc.check_optimality(X, y, bad, b, datafit=datafit, penalty=pen)
        assert not cert.converged and cert.argmax_group == group
        assert "violate optimality" in cert.explain()
    # a zero inside a nonzero group, made nonzero
    inner = np.flatnonzero((w == 0) & (norms[enc.group_of] > 0))
    if inner.size:
        moved = w.copy()
        moved[inner[0]] = 0.3
        assert not sc.check_optimality(X, y, moved, b, datafit=datafit, penalty=pen).converged
    assert not sc.check_optimality(X, y, w, b + 0.5, datafit=datafit, penalty=pen).converged
    # an under-converged solve: two epochs
    with pytest.warns(Warning, match="group"):
        short = Est(alpha, groups=3, l1_ratio=0.5, tol=TIGHT, max_iter=2).fit(X, y)
    ws, bs = flat(short)
    cert = sc.check_optimality(X, y, ws, bs, datafit=datafit, penalty=pen, tol=1e-6)
    assert not cert.converged
    assert cert.duality_gap >= cert.objective - est.certificate_.objective - 1e-12


def test_plot_draws_the_sparse_group_certificate():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sparsecert.plot import certificate as plot_certificate

    X, y = problem(40, 24, seed=17)
    est = sc.SparseGroupLasso(0.1, groups=4, l1_ratio=0.5).fit(X, y)
    fig = plot_certificate(est.certificate_)
    ax = fig.axes[0]
    assert "N*(g_g)" in ax.get_ylabel()
    assert "groups nonzero" in ax.get_title()
    import matplotlib.pyplot as plt

    plt.close(fig)


# ---------------------------------------------------------------- the classifier

def test_classifier_labels_multiclass_and_probabilities():
    X, y = problem(60, 24, seed=18)
    names = np.array(["low", "mid", "high"])[np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))]
    est = sc.GroupLogisticRegression(0.02, groups=3, l1_ratio=0.3, tol=1e-8).fit(X, names)
    assert list(est.classes_) == ["high", "low", "mid"] and est.coef_.shape == (3, 24)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert np.mean(est.predict(X) == names) > 0.6
    assert isinstance(est.certificate_, list) and all(c.converged for c in est.certificate_)
    # one-vs-rest: each row is the binary fit of that class against the rest
    for k, cls in enumerate(est.classes_):
        one = sc.GroupLogisticRegression(0.02, groups=3, l1_ratio=0.3, tol=1e-8).fit(
            X, np.where(names == cls, "yes", "a-no"))
        np.testing.assert_allclose(one.coef_[0], est.coef_[k], rtol=1e-12, atol=1e-14)
    # binary with string labels: classes_[1] is the positive class
    two = sc.GroupLogisticRegression(0.02, groups=3).fit(X, np.where(y > 2, "yes", "no"))
    d = two.decision_function(X)
    assert d.shape == (60,) and list(two.classes_) == ["no", "yes"]
    np.testing.assert_array_equal(two.predict(X), np.where(d > 0, "yes", "no"))


def test_dense_csc_csr_float32_and_weights_agree():
    X, y = problem(50, 30, seed=19)
    X[np.abs(X) < 0.5] = 0.0
    yl = labels_of(y)
    sw = np.random.default_rng(20).uniform(0.5, 2.0, 50)
    for Est, target, kw in ((sc.SparseGroupLasso, y, dict(alpha=0.05, l1_ratio=0.5)),
                            (sc.GroupLogisticRegression, yl, dict(alpha=0.01, l1_ratio=0.5))):
        fits = [Est(groups=3, tol=TIGHT, max_iter=100000, **kw).fit(Z, target, sample_weight=sw)
                for Z in (X, sp.csc_matrix(X), sp.csr_matrix(X))]
        for f in fits[1:]:
            assert rel(f.coef_, fits[0].coef_) <= 1e-9
        f32 = Est(groups=3, tol=1e-6, max_iter=100000, **kw).fit(X.astype(np.float32), target,
                                                                 sample_weight=sw)
        assert f32.coef_.dtype == np.float32 and rel(f32.coef_, fits[0].coef_) <= 1e-4
        # integer sample weights are repeated rows
        reps = np.random.default_rng(21).integers(1, 4, 50)
        a = Est(groups=3, tol=TIGHT, max_iter=100000, **kw).fit(X, target, sample_weight=reps)
        b = Est(groups=3, tol=TIGHT, max_iter=100000, **kw).fit(np.repeat(X, reps, 0),
                                                                 np.repeat(target, reps))
        assert rel(a.coef_, b.coef_) <= 1e-7


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("groups, match", [
    ([0, 0, 1, 1, 2], r"groups: one label per feature needs n_features=6 labels; got 5"),
    ([[0, 1, 2], [2, 3, 4, 5]], r"groups overlap: feature 2"),
    ([[0, 1, 2], [], [3, 4, 5]], r"groups: group 1 is empty"),
    (4, r"groups=4 .* does not divide n_features=6"),
])
@pytest.mark.parametrize("Est", [sc.SparseGroupLasso, sc.GroupLogisticRegression])
def test_bad_groups_are_named(groups, match, Est):
    X, y = problem(20, 6)
    with pytest.raises(ValueError, match=match):
        Est(groups=groups).fit(X, labels_of(y) if Est is sc.GroupLogisticRegression else y)
    with pytest.raises(ValueError, match=match):
        sc.check_optimality(X, y, np.zeros(6), 0.0, datafit="quadratic",
                            penalty=SGL(0.1, groups, 0.5))


def test_bad_targets_and_l1_ratio_are_named():
    X, y = problem(20, 6)
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="y"):
        sc.SparseGroupLasso(groups=2).fit(X, bad)
    with pytest.raises(ValueError, match="y"):
        sc.GroupLogisticRegression(groups=2).fit(X, bad)
    with pytest.raises(ValueError, match="only one class"):
        sc.GroupLogisticRegression(groups=2).fit(X, np.ones(20))
    with pytest.raises(ValueError, match="l1_ratio"):
        sc.SparseGroupLasso(groups=2, l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio must be a real number in"):
        sc.alpha_max(X, y, penalty=SGL(1.0, 2, -0.1))
    with pytest.raises(ValueError, match="two classes in y; got 1"):
        sc.check_optimality(X, np.ones(20), np.zeros(6), 0.0, datafit="logistic",
                            penalty=SGL(0.1, 2, 0.5))


def test_caller_arrays_are_never_modified():
    X, y = problem(30, 12, seed=22)
    X[np.abs(X) < 0.5] = 0.0
    sw = np.random.default_rng(23).uniform(0.5, 2, 30)
    weights = np.array([1.0, 2.0, 0.5, 1.0])
    yl = labels_of(y)
    for Z in (np.asfortranarray(X), X.copy(), sp.csc_matrix(X), sp.csr_matrix(X)):
        before = [a.copy() for a in (Z, y, yl, sw, weights)]
        est = sc.SparseGroupLasso(0.05, groups=3, weights=weights).fit(Z, y, sample_weight=sw)
        sc.check_optimality(Z, y, est.coef_, est.intercept_, datafit="quadratic",
                            penalty=SGL(0.05, 3, 0.5, weights), sample_weight=sw)
        sc.GroupLogisticRegression(0.02, groups=3, weights=weights).fit(Z, yl, sample_weight=sw)
        for a, b in zip(before, (Z, y, yl, sw, weights)):
            if sp.issparse(a):
                assert (a != b).nnz == 0
            else:
                np.testing.assert_array_equal(a, b)


def test_warm_start_and_unpenalized_group():
    X, y = problem(40, 24, seed=24)
    yl = labels_of(y)
    est = sc.GroupLogisticRegression(0.02, groups=4, l1_ratio=0.5, warm_start=True,
                                     tol=1e-8).fit(X, yl)
    first = int(est.n_iter_[0])
    est.fit(X, yl)
    assert int(est.n_iter_[0]) < first and est.certificate_.converged
    # the last group (noise features) unpenalized: its coefficients stay free
    weights = np.r_[np.ones(5), 0.0]
    free = sc.GroupLogisticRegression(1.0, groups=4, l1_ratio=0.5, weights=weights,
                                      tol=1e-8).fit(X, yl)
    assert free.certificate_.converged and free.certificate_.duality_gap is None
    assert np.all(free.coef_[0, 20:] != 0) and not np.any(free.coef_[0, :20])
