"""Property tests: a certificate that says "converged" is right, checked by an
independent plain-NumPy recomputation; a fit stopped by max_iter says so.

To fuzz a new penalty, add an entry to ``PENALTY_KINDS``: a function building
(estimator, naive penalty description) from the drawn parameters.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

import sparsecert
from sparsecert import penalties
from naive import violation_scale

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------ the naive twin

def naive_certificate(X, y, sw, coef, intercept, fit_intercept, alpha, l1_ratio, weights,
                      positive):
    """Gradient, per-feature violations and intercept gradient, in plain NumPy.

    F(w, b) = (1/2n) sum_i s_i (y_i - x_i w - b)^2, s summing to n;
    G(w) = alpha sum_j c_j (rho |w_j| + (1 - rho)/2 w_j^2).
    """
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    X = X.astype(np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    s = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64) * n / np.sum(sw)
    b = intercept if fit_intercept else 0.0
    u = -s * (y - X @ coef - b) / n
    grad = X.T @ u
    g_b = u.sum() if fit_intercept else 0.0
    c = np.ones(X.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    thr = alpha * c * l1_ratio
    smooth = alpha * c * (1 - l1_ratio) * coef
    viol = np.empty_like(coef)
    for j, w in enumerate(coef):
        if w == 0:
            viol[j] = max(0.0, -grad[j] - thr[j]) if positive else max(0.0, abs(grad[j]) - thr[j])
        elif positive and w < 0:
            viol[j] = np.inf
        else:
            viol[j] = abs(grad[j] + smooth[j] + thr[j] * np.sign(w))
    return grad, viol, g_b


# ------------------------------------------------------------ problems

def _lasso(alpha, l1_ratio, weights, positive, fit_intercept, **kw):
    return sparsecert.Lasso(alpha=alpha, weights=weights, positive=positive,
                            fit_intercept=fit_intercept, **kw), 1.0


def _enet(alpha, l1_ratio, weights, positive, fit_intercept, **kw):
    return sparsecert.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, weights=weights,
                                 positive=positive, fit_intercept=fit_intercept, **kw), l1_ratio


def _glm_enet(alpha, l1_ratio, weights, positive, fit_intercept, **kw):
    pen = penalties.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, weights=weights, positive=positive)
    return sparsecert.GeneralizedLinearEstimator(penalty=pen, fit_intercept=fit_intercept,
                                                 **kw), l1_ratio


PENALTY_KINDS = {"lasso": _lasso, "enet": _enet, "glm-enet": _glm_enet}


@st.composite
def problems(draw):
    n = draw(st.integers(2, 30))
    p = draw(st.integers(1, 20))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    X = rng.standard_normal((n, p))
    X[rng.uniform(size=(n, p)) < draw(st.sampled_from([0.0, 0.5]))] = 0.0
    X *= 10.0 ** rng.uniform(-2, 2, size=p)  # uneven column scales
    w = np.where(rng.uniform(size=p) < 0.3, rng.standard_normal(p) * 3, 0.0)
    y = X @ w + rng.standard_normal(n) * draw(st.sampled_from([0.01, 1.0])) + 5.0
    X, y = X.astype(dtype), y.astype(dtype)
    if draw(st.booleans()):
        X = sp.csc_matrix(X)
    sw = rng.uniform(0.1, 3.0, size=n) if draw(st.booleans()) else None
    weights = None
    if draw(st.booleans()):
        weights = rng.uniform(0.2, 2.0, size=p)
        weights[rng.uniform(size=p) < 0.3] = 0.0
        weights[rng.integers(p)] = 1.0  # at least one penalized feature
    return dict(
        X=X, y=y, sw=sw, weights=weights,
        kind=draw(st.sampled_from(sorted(PENALTY_KINDS))),
        l1_ratio=draw(st.floats(0.05, 1.0)),
        positive=draw(st.booleans()),
        fit_intercept=draw(st.booleans()),
        # alpha from 0 (no penalty: the gap needs the unpenalized projection) to 2 alpha_max
        fraction=draw(st.one_of(st.just(0.0), st.floats(0.001, 2.0))),
    )


def _build(prob, **kw):
    l1_ratio = 1.0 if prob["kind"] == "lasso" else prob["l1_ratio"]
    amax = sparsecert.alpha_max(prob["X"], prob["y"], l1_ratio=l1_ratio,
                                fit_intercept=prob["fit_intercept"], sample_weight=prob["sw"],
                                weights=prob["weights"], positive=prob["positive"])
    alpha = prob["fraction"] * amax
    est, rho = PENALTY_KINDS[prob["kind"]](alpha, l1_ratio, prob["weights"], prob["positive"],
                                           prob["fit_intercept"], **kw)
    return est, alpha, rho


def _fit(est, prob):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(prob["X"], prob["y"], sample_weight=prob["sw"])
    return [w for w in caught if issubclass(w.category, ConvergenceWarning)]


def _check_against_naive(est, prob, alpha, rho):
    cert = est.certificate_
    grad, viol, g_b = naive_certificate(prob["X"], prob["y"], prob["sw"], cert.coef,
                                        est.intercept_, prob["fit_intercept"], alpha, rho,
                                        prob["weights"], prob["positive"])
    # in the certificate's common units (a column weaker than the median one is
    # held to a proportionally smaller tolerance)
    viol = viol * violation_scale(prob["X"], np.asarray(prob["y"], dtype=np.float64),
                                  cert.tol_relative, cert.scale, sample_weight=prob["sw"],
                                  centred=prob["fit_intercept"])
    # agreement to ~1e-8 of the problem's scale (float32 X is exact in float64)
    atol = 1e-8 * max(cert.scale, np.abs(grad).max(), 1e-300)
    np.testing.assert_allclose(cert.gradient, grad, rtol=1e-8, atol=atol)
    np.testing.assert_allclose(cert.violation, viol, rtol=1e-8, atol=atol)
    assert abs(cert.intercept_gradient - g_b) <= 1e-8 * max(cert.scale_intercept, 1e-300) + 1e-15 * abs(
        np.asarray(prob["y"], dtype=float)).max()
    v_b = abs(g_b) * cert.tol / cert.tol_intercept if cert.tol_intercept > 0 else 0.0
    naive_max = max(viol.max(), v_b)
    assert cert.max_violation == pytest.approx(naive_max, rel=1e-6, abs=atol)
    # the coefficients the user gets are those certified (up to float32 rounding)
    np.testing.assert_array_equal(est.coef_, cert.coef.astype(est.coef_.dtype))
    if prob["positive"]:
        assert np.all(cert.coef >= 0)
    return naive_max


def _objective(X, y, s, w, b, alpha, c, rho):
    r = y - X @ w - b
    return (s @ (r * r)) / (2 * len(y)) + alpha * np.sum(c * (rho * np.abs(w)
                                                              + 0.5 * (1 - rho) * w * w))


def _reference_objective(prob, coef, intercept, alpha, rho):
    """min P by scipy's L-BFGS-B on the split w = w+ - w- >= 0, from the certified
    point: an upper bound on P* that any point's gap must cover."""
    from scipy.optimize import minimize

    X = prob["X"].toarray() if sp.issparse(prob["X"]) else np.asarray(prob["X"])
    X, y = X.astype(np.float64), np.asarray(prob["y"], dtype=np.float64)
    n, p = X.shape
    s = np.ones(n) if prob["sw"] is None else prob["sw"] * n / np.sum(prob["sw"])
    c = np.ones(p) if prob["weights"] is None else np.asarray(prob["weights"], float)
    fit_b = prob["fit_intercept"]

    def f(v):
        w = v[:p] - v[p:2 * p]
        b = v[-1] if fit_b else 0.0
        r = y - X @ w - b
        g_w = -(X.T @ (s * r)) / n + alpha * c * (1 - rho) * w
        l1 = alpha * c * rho
        grad = np.concatenate([g_w + l1, -g_w + l1, [-(s @ r) / n if fit_b else 0.0]])
        val = (s @ (r * r)) / (2 * n) + np.sum(l1 * (v[:p] + v[p:2 * p])) \
            + 0.5 * np.sum(alpha * c * (1 - rho) * w * w)
        return val, grad

    v0 = np.concatenate([np.maximum(coef, 0), np.maximum(-coef, 0),
                         [intercept if fit_b else 0.0]])
    neg = (0.0, 0.0) if prob["positive"] else (0.0, None)
    bounds = [(0.0, None)] * p + [neg] * p + [(None, None) if fit_b else (0.0, 0.0)]
    res = minimize(f, v0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options=dict(maxiter=20000, ftol=1e-15, gtol=1e-13))
    return min(res.fun, f(v0)[0]), _objective(X, y, s, coef, intercept if fit_b else 0.0,
                                             alpha, c, rho)


def _check_gap(est, prob, alpha, rho):
    """A reported gap bounds P(w) - P* from above (P* below scipy's own
    minimum) and, for a certified fit, is <= tol relative to P(0)."""
    cert = est.certificate_
    if cert.duality_gap is None:
        return
    p_ref, p_here = _reference_objective(prob, cert.coef, est.intercept_, alpha, rho)
    # P and D are evaluated from a residual y - X w computed to about
    # eps (|y| + |X| |w|), so D's linear term theta^T y / n rounds to about eps |y|
    # (|y| + |X| |w|) / n: where P itself is that small (an exact fit, alpha =
    # 0) the gap is rounding, of either sign
    X = prob["X"].toarray() if sp.issparse(prob["X"]) else np.asarray(prob["X"])
    y = np.asarray(prob["y"], dtype=np.float64)
    y_norm = float(np.linalg.norm(y))
    reach = y_norm + float(np.linalg.norm(X)) * float(np.linalg.norm(cert.coef))
    rounding = 4 * np.finfo(np.float64).eps * y_norm * reach / len(y)
    slack = 1e-9 * max(abs(p_here), 1e-300) + rounding
    assert cert.duality_gap >= -slack
    assert p_here - p_ref <= cert.duality_gap + slack, (p_here - p_ref, cert.duality_gap)
    if cert.converged:
        assert cert.relative_gap <= cert.gap_tol


@SETTINGS
@given(problems())
def test_converged_certificate_agrees_with_naive_recomputation(prob):
    est, alpha, rho = _build(prob, tol=1e-6, max_iter=5000)
    caught = _fit(est, prob)
    cert = est.certificate_
    naive_max = _check_against_naive(est, prob, alpha, rho)
    _check_gap(est, prob, alpha, rho)
    if cert.converged:
        assert not caught
        assert naive_max <= cert.tol * (1 + 1e-6)
    else:
        assert caught and est.n_iter_ == 5000
    if prob["fraction"] >= 1.0:
        # alpha >= alpha_max: the penalized coefficients are exactly 0
        c = np.ones(cert.coef.size) if prob["weights"] is None else prob["weights"]
        assert np.all(cert.coef[c > 0] == 0) or not cert.converged


@SETTINGS
@given(problems())
def test_stopping_at_max_iter_warns_and_is_not_converged(prob):
    est, alpha, rho = _build(prob, tol=1e-15, max_iter=1)
    caught = _fit(est, prob)
    cert = est.certificate_
    _check_against_naive(est, prob, alpha, rho)
    _check_gap(est, prob, alpha, rho)
    if cert.converged:
        # certified within one epoch (or at the start): then no warning
        assert not caught and est.n_iter_ <= 1
    else:
        assert est.n_iter_ == 1
        assert len(caught) == 1
        msg = str(caught[0].message)
        assert "max_iter=1" in msg and f"{cert.max_violation:.3e}" in msg
