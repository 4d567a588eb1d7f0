"""Gap-safe screening: a feature it screens is zero at the optimum, always."""

import numpy as np
import pytest

import sparsecert as sc
from sparsecert.penalties import L1, ElasticNet
from conftest import make_regression, penalized_case


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("density", [None, 0.2])
@pytest.mark.parametrize("kw", [{}, {"positive": True}, {"l1_ratio": 0.6}, {"weights": True},
                                {"sample_weight": True}, {"fit_intercept": False}])
def test_screened_features_are_zero_at_the_optimum(seed, density, kw):
    X, y, sw, make, _ = penalized_case(seed, density, kw)
    ref = make(tol=1e-13, max_iter=200000).fit(X, y, sample_weight=sw)
    for tol in (1e-1, 1e-2, 1e-3, 1e-5):
        est = make(tol=tol).fit(X, y, sample_weight=sw)
        screened = est.certificate_.screened
        assert screened is not None
        assert np.all(ref.coef_[screened] == 0), (tol, np.flatnonzero(screened & (ref.coef_ != 0)))
    # near the optimum, most zeros are screened
    assert screened.sum() >= 0.5 * np.count_nonzero(ref.coef_ == 0)


def test_screening_flags_nothing_when_the_gap_is_large():
    X, y = make_regression(60, 40, seed=1)
    alpha = sc.alpha_max(X, y) / 10
    w = np.random.default_rng(0).standard_normal(40)
    cert = sc.check_optimality(X, y, w, 0.0, datafit="quadratic", penalty=L1(alpha=alpha))
    assert not cert.screened.any()


def test_screening_is_reported_and_explained():
    X, y = make_regression(60, 40, seed=2)
    alpha = sc.alpha_max(X, y) / 10
    est = sc.Lasso(alpha=alpha, tol=1e-8).fit(X, y)
    cert = est.certificate_
    assert cert.screened.sum() > 0
    assert np.all(est.coef_[cert.screened] == 0)
    assert "screened and certified" in cert.explain()


def test_no_screening_for_smooth_or_nonconvex_penalties():
    X, y = make_regression(40, 10, seed=3)
    assert sc.LpRegression(alpha=0.1, p=2.0).fit(X, y).certificate_.screened is None
    assert sc.LpRegression(alpha=0.1, p=0.5).fit(X, y).certificate_.screened is None
    cert = sc.check_optimality(X, y, np.zeros(10), 0.0, datafit="quadratic",
                               penalty=ElasticNet(alpha=0.1, l1_ratio=0.0))
    assert cert.screened is None or not cert.screened.any()


@pytest.mark.parametrize("density", [None, 0.3])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_deep_zeros_left_out_of_working_sets_change_speed_only(density, l1_ratio, monkeypatch):
    """Zeros far inside their dead zone are not put in a working set even when it
    could hold every feature; a small alpha (support about half the features)
    makes that happen. The answer must be the one without the exclusion."""
    import sparsecert.solvers.cd as solvers

    X, y = make_regression(200, 60, density=density, seed=11, n_informative=40)
    alpha = sc.alpha_max(X, y, l1_ratio=l1_ratio) / 200
    Est = sc.ElasticNet if l1_ratio < 1 else sc.Lasso
    extra = {"l1_ratio": l1_ratio} if l1_ratio < 1 else {}
    on = Est(alpha=alpha, tol=1e-10, **extra).fit(X, y)
    monkeypatch.setattr(solvers, "_DEEP", 0.0)
    off = Est(alpha=alpha, tol=1e-10, **extra).fit(X, y)
    assert on.certificate_.converged and off.certificate_.converged
    assert 10 < np.count_nonzero(on.coef_) < 60
    np.testing.assert_allclose(on.coef_, off.coef_, rtol=1e-6, atol=1e-9)
