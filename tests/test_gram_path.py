"""Cross-validation's compiled Gram path (issue 14, 6): certified by the real
certificate at every alpha, the general path's answer, and the same CV choice."""

import numpy as np
import pytest
import scipy.sparse as sp
from _compiled import entry
from conftest import load_shared
from sklearn.datasets import load_diabetes

import sparsecert
from sparsecert.solvers.gram_path import _centred_gram, gram_path_on
from sparsecert._kernels.gram_path import gram_gap
from sparsecert._problem import make_problem
from sparsecert._validation import as_design
from sparsecert.datafits import Quadratic
from sparsecert.penalties import L1, ElasticNet, Lp

gram_gap = entry(gram_gap)  # compiled-only: no Python entry point of its own


def _diabetes():
    return load_diabetes(return_X_y=True)


def _grid(X, y, l1_ratio=1.0, fit_intercept=True, n=30):
    amax = sparsecert.alpha_max(X, y, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    return np.geomspace(amax, amax * 1e-3, n)


CASES = [
    (L1(alpha=1.0), True, None),
    (L1(alpha=1.0), False, None),
    (ElasticNet(alpha=1.0, l1_ratio=0.5), True, None),
    (ElasticNet(alpha=1.0, l1_ratio=0.2), True, "weights"),
    (L1(alpha=1.0, positive=True), True, "weights"),
]


@pytest.mark.parametrize("penalty,fit_intercept,weighted", CASES)
def test_every_alpha_passes_the_certificate(penalty, fit_intercept, weighted):
    X, y = _diabetes()
    sw = (np.random.default_rng(0).uniform(0.2, 3.0, size=y.shape[0]) if weighted
          else np.ones(y.shape[0]))
    sw = sw * (sw.size / sw.sum())
    rho = getattr(penalty, "l1_ratio", 1.0)
    grid = _grid(X, y, rho, fit_intercept)
    out = gram_path_on(as_design(X), y, sw, penalty, grid, tol=1e-4, max_iter=1000,
                       fit_intercept=fit_intercept)
    assert out is not None
    coefs, intercepts = out
    for k, alpha in enumerate(grid):
        cert = sparsecert.check_optimality(
            X, y, coefs[:, k], intercepts[k] if fit_intercept else None, datafit="quadratic",
            penalty=penalty.with_alpha(alpha), sample_weight=sw, tol=1e-4)
        assert cert.converged, (k, cert)


@pytest.mark.parametrize("penalty", [L1(alpha=1.0), ElasticNet(alpha=1.0, l1_ratio=0.7)])
def test_the_general_paths_solution_at_a_tight_tol(penalty):
    X, y = load_shared("prostate_stamey1989.npz")
    rho = getattr(penalty, "l1_ratio", 1.0)
    grid = _grid(X, y, rho)
    coefs, intercepts = gram_path_on(as_design(X), y, np.ones(y.shape[0]), penalty, grid,
                                     tol=1e-11, max_iter=100000, fit_intercept=True)
    ref = sparsecert.regularization_path(X, y, datafit="quadratic", penalty=penalty,
                                         alphas=grid, tol=1e-11, max_iter=100000)
    scale = np.abs(ref.coefs).max()
    np.testing.assert_allclose(coefs, ref.coefs, rtol=0, atol=1e-7 * scale)
    np.testing.assert_allclose(intercepts, ref.intercepts, rtol=1e-8)


@pytest.mark.parametrize("penalty", [L1(alpha=0.3), ElasticNet(alpha=0.3, l1_ratio=0.4)])
def test_gram_gap_is_the_certificates_residual_gap(penalty):
    """At any point (not only at optima): the Gram algebra gives the gap of the
    residual's dual point that the certificate computes from X."""
    X, y = _diabetes()
    rng = np.random.default_rng(1)
    sw = np.ones(y.shape[0])
    problem = make_problem(as_design(X), y, sw, Quadratic(), penalty, True)
    H, c, yy, ybar = _centred_gram(X, y, sw, problem.means, True)
    for _ in range(5):
        w = rng.normal(size=X.shape[1]) * 50 * (rng.random(X.shape[1]) < 0.6)
        b = ybar - problem.means @ w
        cert = sparsecert.check_optimality(X, y, w, b, datafit="quadratic", penalty=penalty)
        g = H @ w - c
        np.testing.assert_allclose(g, cert.gradient, rtol=1e-9, atol=1e-9 * np.abs(c).max())
        primal, gap, _ = gram_gap(H, c, yy, w, g, problem.pen_code, problem.pen_params,
                                  problem.pen_weights, np.diag(H).copy())
        assert primal == pytest.approx(cert.objective, rel=1e-10)
        assert gap == pytest.approx(cert.duality_gap, rel=1e-8)


def test_not_certified_means_none():
    """An alpha the kernel could not certify (here: max_iter=1) sends the
    caller to the general path instead of returning an uncertified answer."""
    X, y = _diabetes()
    out = gram_path_on(as_design(X), y, np.ones(y.shape[0]), L1(alpha=1.0), _grid(X, y),
                       tol=1e-8, max_iter=1, fit_intercept=True)
    assert out is None


def test_where_it_does_not_apply():
    X, y = _diabetes()
    sw = np.ones(y.shape[0])
    grid = _grid(X, y)
    kw = dict(tol=1e-4, max_iter=1000, fit_intercept=True)
    assert gram_path_on(as_design(sp.csc_matrix(X)), y, sw, L1(alpha=1.0), grid, **kw) is None
    assert gram_path_on(as_design(X), y, sw, Lp(alpha=1.0, p=0.5), grid, **kw) is None
    free = np.ones(X.shape[1])
    free[0] = 0.0
    assert gram_path_on(as_design(X), y, sw, L1(alpha=1.0, weights=free), grid, **kw) is None
    wide = np.random.default_rng(2).normal(size=(300, 250))
    assert gram_path_on(as_design(wide), wide[:, 0], np.ones(300), L1(alpha=1.0), grid,
                        **kw) is None


@pytest.mark.parametrize("make", [lambda: sparsecert.LassoCV(cv=5, tol=1e-8),
                                  lambda: sparsecert.ElasticNetCV(cv=5, l1_ratio=[0.3, 0.8],
                                                                  tol=1e-8)])
def test_cv_chooses_as_with_the_general_path(make, monkeypatch):
    X, y = _diabetes()
    fast = make().fit(X, y)
    monkeypatch.setattr("sparsecert.estimators.cv.gram_path_on", lambda *a, **k: None)
    general = make().fit(X, y)
    assert fast.alpha_ == general.alpha_
    np.testing.assert_allclose(fast.mse_path_, general.mse_path_, rtol=1e-6)
    np.testing.assert_allclose(fast.coef_, general.coef_, rtol=1e-8, atol=1e-8)
    assert fast.certificate_.converged



def test_alpha_zero_is_left_to_the_general_solver():
    """alpha = 0 needs the dual projection the Gram algebra does not make
    (found by the certificate fuzz): None, and a Lasso(alpha=0) fit still
    certifies through the general solver."""
    X, y = _diabetes()
    assert gram_path_on(as_design(X), y, np.ones(y.shape[0]), L1(alpha=1.0),
                        np.array([1.0, 0.0]), tol=1e-4, max_iter=100,
                        fit_intercept=True) is None
    est = sparsecert.Lasso(alpha=0.0, fit_intercept=False).fit(X[:2, :1], y[:2])
    assert est.certificate_.converged


def test_the_path_runs_in_calls_of_bounded_work(monkeypatch):
    """Ctrl-C is honoured between compiled calls: with a budget of one epoch
    a call solves one alpha, and the path is bitwise the one of a single call."""
    from sparsecert.solvers import gram_path as module

    X, y = _diabetes()
    args = (as_design(X), y, np.ones(y.shape[0]), L1(alpha=1.0), _grid(X, y))
    kw = dict(tol=1e-6, max_iter=1000, fit_intercept=True)
    whole = gram_path_on(*args, **kw)
    calls = []
    real = module.gram_path

    def spy(*a):
        calls.append(a[4])
        return real(*a)

    monkeypatch.setattr(module, "_calls_for", lambda work: 1)
    monkeypatch.setattr(module, "gram_path", spy)
    pieces = gram_path_on(*args, **kw)
    assert calls == list(range(30))
    np.testing.assert_array_equal(pieces[0], whole[0])
    np.testing.assert_array_equal(pieces[1], whole[1])
