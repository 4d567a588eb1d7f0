"""The certificate's dual point: extrapolated candidates tighten the gap, never fake it.

Least-squares CD hands the certificate a second dual candidate (the exact
solution on the support, or an extrapolated CD trajectory). Any feasible dual
point bounds P - P*, so the reported gap must stay >= P(w) - P* while
dropping far below the rescaled residual's gap; the violations, convergence
and screening guarantees must be those without it.
"""

import numpy as np
import pytest
import scipy.sparse as sp

import sparsecert as sc
import sparsecert.solvers.cd as solvers_cd
import sparsecert.solvers.dual as solvers_dual
from sparsecert.penalties import L1
from conftest import make_regression, penalized_case


def _case(seed, density, kw):
    return penalized_case(seed, density, kw)


KW = [{}, {"positive": True}, {"l1_ratio": 0.6}, {"weights": True}, {"sample_weight": True},
      {"fit_intercept": False}]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("density", [None, 0.2])
@pytest.mark.parametrize("kw", KW)
def test_extrapolated_gap_is_a_valid_and_tight_bound(seed, density, kw):
    X, y, sw, make, penalty = _case(seed, density, kw)
    ref = make(tol=1e-13, max_iter=200000).fit(X, y, sample_weight=sw)
    p_ref = ref.certificate_.objective  # >= P*
    for tol in (1e-3, 1e-5, 1e-7):
        est = make(tol=tol).fit(X, y, sample_weight=sw)
        cert = est.certificate_
        assert cert.converged
        # valid: the gap bounds P(w) - P* >= P(w) - P(ref) (up to rounding)
        assert cert.duality_gap >= cert.objective - p_ref - 1e-13 * abs(p_ref), tol
        plain = sc.check_optimality(X, y, est.coef_,
                                    est.intercept_ if est.fit_intercept else None,
                                    datafit="quadratic", penalty=penalty, sample_weight=sw)
        # the violations (and so convergence) are those of the point alone
        np.testing.assert_allclose(cert.violation, plain.violation, rtol=1e-9, atol=1e-15)
        assert cert.duality_gap <= plain.duality_gap
        if tol == 1e-7:
            # the support is identified: the refit's dual point is the optimum's,
            # and the gap drops to the primal error, orders below the residual's
            # (unless that one is at rounding level already, where either may win)
            assert cert.duality_gap <= 1e-3 * plain.duality_gap + 1e-13 * abs(p_ref)
            if plain.duality_gap > 1e-12 * abs(p_ref):
                assert cert.dual_point == "extrapolated"


@pytest.mark.parametrize("density", [None, 0.2])
def test_switching_candidates_off_changes_only_the_gap(density, monkeypatch):
    # the exact solve on a stable support would leave a residual gap at
    # rounding level already: without it the candidates' effect shows
    monkeypatch.setattr(solvers_cd, "_SUPPORT_JUMP", False)
    X, y, sw, make, _ = _case(4, density, {})
    on = make(tol=1e-7).fit(X, y)
    monkeypatch.setattr(solvers_dual, "_DUAL_CANDIDATES", False)
    off = make(tol=1e-7).fit(X, y)
    np.testing.assert_array_equal(on.coef_, off.coef_)
    assert on.n_iter_ == off.n_iter_
    assert off.certificate_.dual_point == "residual"
    assert on.certificate_.dual_point == "extrapolated"
    assert on.certificate_.duality_gap < 1e-3 * off.certificate_.duality_gap
    # a tighter gap screens at least as much, and only true zeros
    assert on.certificate_.screened.sum() >= off.certificate_.screened.sum()
    assert np.all(on.coef_[on.certificate_.screened] == 0)


def _problem(X, y, alpha, fit_intercept=True, sw=None):
    from sparsecert._problem import make_problem
    from sparsecert._validation import as_design
    from sparsecert.datafits import as_datafit

    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw * n / sw.sum()
    return make_problem(as_design(X), y, sw, as_datafit("quadratic"), L1(alpha=alpha),
                        fit_intercept)


@pytest.mark.parametrize("kind", ["dense", "csc"])
@pytest.mark.parametrize("spread", [1e-9, 1e-4, 1e-1, 10.0])
def test_candidate_gap_skips_only_columns_that_cannot_matter(kind, spread):
    """_candidate_gap computes X_j^T u2 only where the Cauchy-Schwarz bound does
    not already put it inside the dead zone; its gap must equal the one from
    every X_j^T u2, whatever the distance between the two dual points."""
    from sparsecert._kernels.optimality import duality_gap_kernel
    from sparsecert._problem import evaluate
    from sparsecert.certificate import _candidate_gap

    X, y = make_regression(50, 60, seed=5)
    Xk = sp.csc_matrix(X) if kind == "csc" else X
    alpha = sc.alpha_max(X, y) / 5
    problem = _problem(Xk, y, alpha, sw=np.random.default_rng(1).uniform(0.5, 1.5, 50))
    w = sc.Lasso(alpha=alpha, tol=1e-10).fit(X, y, sample_weight=problem.sw).coef_
    pieces = evaluate(problem, w, 0.0)
    u = pieces["u"].copy()
    grad = pieces["grad"].copy()
    obj = pieces["loss"] + pieces["penalty"]
    duality_gap_kernel(problem.df_code, y, problem.sw, 50, u, grad, problem.means, True,
                       *problem.penalty_args, problem.lipschitz, obj)
    u2 = u + spread * np.random.default_rng(2).standard_normal(50) * problem.sw / 50
    gap, t, grad2, reach = _candidate_gap(problem, u, grad, u2.copy(), obj)
    # brute force: every column's product
    u2c = u2 - problem.sw * u2.sum() / 50
    full = X.T @ u2c
    gap_full, t_full = duality_gap_kernel(problem.df_code, y, problem.sw, 50, u2c.copy(),
                                          full.copy(), problem.means, False,
                                          *problem.penalty_args, problem.lipschitz, obj)
    assert gap == pytest.approx(gap_full, rel=1e-12, abs=1e-15)
    assert t == pytest.approx(t_full, rel=1e-12)
    # the screening bound really bounds
    assert np.all(reach >= t_full * np.abs(full) * (1 - 1e-9))
    if spread <= 1e-4:
        assert np.count_nonzero(grad2) < 60  # most columns were skipped


def test_a_wrong_candidate_cannot_fake_the_gap():
    """A candidate far from the optimum loses to the residual; none can push the
    gap below P(w) - P*."""
    from sparsecert.certificate import build_certificate

    X, y = make_regression(60, 40, seed=6)
    alpha = sc.alpha_max(X, y) / 6
    problem = _problem(X, y, alpha)
    ref = sc.Lasso(alpha=alpha, tol=1e-13, max_iter=100000).fit(X, y)
    est = sc.Lasso(alpha=alpha, tol=1e-6).fit(X, y)
    rng = np.random.default_rng(0)
    for scale in (1e-12, 1e-6, 1e-2, 1.0, 1e3):
        junk = -(y - X @ ref.coef_ - ref.intercept_) / 60 + scale * rng.standard_normal(60)
        cert = build_certificate(problem, est.coef_, est.intercept_, 1e-6,
                                 dual_candidate=lambda: junk)
        assert cert.converged
        assert cert.duality_gap >= cert.objective - ref.certificate_.objective - 1e-15
    bad = build_certificate(problem, est.coef_, est.intercept_, 1e-6,
                            dual_candidate=lambda: 1e3 * rng.standard_normal(60))
    assert bad.dual_point == "residual"
    plain = build_certificate(problem, est.coef_, est.intercept_, 1e-6)
    assert bad.duality_gap == plain.duality_gap
    # a point that is not certified never asks for a candidate
    called = []
    build_certificate(problem, np.zeros(40) + 0.1, 0.0, 1e-6,
                      dual_candidate=lambda: called.append(1))
    assert not called


def test_no_candidate_for_other_penalties_or_logistic():
    X, y = make_regression(40, 10, seed=3)
    assert sc.LpRegression(alpha=0.1, p=2.0).fit(X, y).certificate_.dual_point == "residual"
    assert sc.LpRegression(alpha=0.1, p=0.5).fit(X, y).certificate_.dual_point is None
    yl = np.where(y > np.median(y), 1, -1)
    cert = sc.SparseLogisticRegression(alpha=0.01).fit(X, yl).certificate_
    assert cert.dual_point == "residual"


def test_path_reports_the_better_gap_too(monkeypatch):
    monkeypatch.setattr(solvers_cd, "_SUPPORT_JUMP", False)  # see above
    X, y = make_regression(60, 80, seed=7)
    out = sc.lasso_path(X, y, n_alphas=12, tol=1e-8)
    kinds = [c.dual_point for c in out.certificates]
    assert kinds.count("extrapolated") >= 6
    for k, cert in enumerate(out.certificates):
        plain = sc.check_optimality(X, y, out.coefs[:, k], out.intercepts[k],
                                    datafit="quadratic", penalty=L1(alpha=out.alphas[k]))
        assert out.dual_gaps[k] <= plain.duality_gap
        assert out.dual_gaps[k] >= 0.0


@pytest.mark.parametrize("density", [None, 0.2])
@pytest.mark.parametrize("kw", KW)
def test_support_jump_changes_speed_only(density, kw, monkeypatch):
    """The exact solve on a stable support must land on the certified solution
    the plain rounds reach (or be refused): same answer either way."""
    X, y, sw, make, _ = _case(5, density, kw)
    on = make(tol=1e-9).fit(X, y, sample_weight=sw)
    monkeypatch.setattr(solvers_cd, "_SUPPORT_JUMP", False)
    off = make(tol=1e-9).fit(X, y, sample_weight=sw)
    assert on.certificate_.converged and off.certificate_.converged
    np.testing.assert_allclose(on.coef_, off.coef_, rtol=1e-6, atol=1e-8)
    assert on.certificate_.objective <= off.certificate_.objective + 1e-12 * abs(
        off.certificate_.objective)


def test_a_jump_before_the_certificate_saves_passes(monkeypatch):
    """A round whose set held every violating feature tries the exact
    solution of its support before its certificate: here it is taken, the
    fit is certified on the same solution, with fewer passes over X than
    when it waits for the next round's start."""
    rng = np.random.default_rng(1)
    n, p = 60, 800
    X = rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1))
    w = np.zeros(p)
    w[:10] = 3.0 * rng.standard_normal(10)
    y = X @ w + 0.5 * rng.standard_normal(n)
    alpha = sc.alpha_max(X, y) / 50
    taken = []
    real = solvers_cd._QuadraticCD.try_support_jump

    def spy(self, certify=True):
        done = real(self, certify)
        taken.append((certify, done))
        return done

    monkeypatch.setattr(solvers_cd._QuadraticCD, "try_support_jump", spy)
    on = sc.Lasso(alpha=alpha, tol=1e-6).fit(X, y)
    assert (False, True) in taken
    monkeypatch.setattr(solvers_cd, "_JUMP_BEFORE_CERTIFICATE", False)
    taken.clear()
    off = sc.Lasso(alpha=alpha, tol=1e-6).fit(X, y)
    assert all(certify for certify, _ in taken)
    assert on.certificate_.converged and off.certificate_.converged
    np.testing.assert_allclose(on.coef_, off.coef_, rtol=1e-5, atol=1e-7)
    assert on.n_passes_ < off.n_passes_


@pytest.mark.parametrize("kind", ["csc", "csr"])
@pytest.mark.parametrize("overhead", [4.0, 0.0])
def test_sparse_normal_equations_are_the_dense_ones(kind, overhead, monkeypatch):
    """The support refit's system from a sparse X, by support_gram's scatter
    and gather (overhead 4) or by scipy's product (overhead 0), equals NumPy's
    on the dense columns: X_S^T W X_S / n, X_S^T W y / n and X_S v."""
    monkeypatch.setattr(solvers_dual, "_SCATTER_OVERHEAD", overhead)
    rng = np.random.default_rng(7)
    n, p = 300, 80
    # columns of very different sizes, as a text's words
    X = sp.random(n, p, density=0.05, random_state=3, format="csc")
    X[:, 5] = rng.standard_normal((n, 1))
    X[::2, 9] = 1.0
    X = X.asformat(kind)
    y = rng.standard_normal(n)
    sw = rng.uniform(0.5, 1.5, n)
    problem = _problem(X, y, 0.1, sw=sw)
    S = np.array([2, 5, 9, 40, 77])
    times, A, Xty = solvers_dual._normal_equations_sparse(problem, S, np.inf)
    XS = X.toarray()[:, S]
    np.testing.assert_allclose(A, XS.T @ (problem.sw[:, None] * XS) / n, rtol=1e-13,
                               atol=1e-15)
    np.testing.assert_allclose(Xty, XS.T @ (problem.sw * y) / n, rtol=1e-13, atol=1e-15)
    v = rng.standard_normal(S.size)
    np.testing.assert_allclose(times(v), XS @ v, rtol=1e-13, atol=1e-14)
    # over budget: no system (the caller falls back to extrapolation)
    assert solvers_dual._normal_equations_sparse(problem, S, 10.0) is None


@pytest.mark.parametrize("kind", ["dense", "csc"])
@pytest.mark.parametrize("rounds", [1, 3])
def test_support_refit_drops_the_features_whose_sign_flips(kind, rounds, monkeypatch):
    """CD's support may hold a feature the solution has at zero; the refit
    drops the penalized features whose sign flips and solves again, and what
    it returns is consistent: S', v on S' and X_S' v."""
    monkeypatch.setattr(solvers_dual, "_PRUNE_ROUNDS", rounds)
    X, y = make_regression(80, 40, seed=11)
    Xk = sp.csc_matrix(X) if kind == "csc" else X
    alpha = sc.alpha_max(X, y) / 10
    problem = _problem(Xk, y, alpha)
    ref = sc.Lasso(alpha=alpha, tol=1e-12).fit(X, y).coef_
    support = np.flatnonzero(ref)
    outside = np.flatnonzero(ref == 0)
    # the true support plus a zero of the solution with the sign that its
    # correlation with the optimal residual does not support
    grad = X.T @ (y - y.mean() - (X - X.mean(0)) @ ref) / 80
    extra = outside[np.argmax(np.abs(grad[outside]))]
    w = ref.copy()
    w[extra] = -1e-3 * np.sign(grad[extra])
    S, v, z = solvers_dual._refit_on_support(problem, w)
    assert extra not in S
    np.testing.assert_array_equal(S, support)
    np.testing.assert_allclose(v, ref[support], rtol=1e-7, atol=1e-10)
    # random supports and signs: whatever is dropped, the pieces agree
    rng = np.random.default_rng(3)
    for _ in range(20):
        w = np.zeros(40)
        idx = rng.choice(40, 25, replace=False)
        w[idx] = rng.choice([-1.0, 1.0], 25)
        fit = solvers_dual._refit_on_support(problem, w)
        if fit is None:
            continue
        S, v, z = fit
        assert S.size == v.size and set(S) <= set(idx)
        np.testing.assert_allclose(z, X[:, S] @ v, rtol=1e-10, atol=1e-10)
