"""The certificate is itself tested: it passes optima and flags wrong answers."""

import pickle

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning

import sparsecert as sc
from sparsecert.penalties import L1, ElasticNet
from conftest import make_regression
from naive import enet_violation, quadratic_gradient, quadratic_objective, violation_scale

TIGHT = dict(tol=1e-12, max_iter=100000)


@pytest.fixture(scope="module")
def fitted():
    X, y = make_regression(80, 40, seed=21)
    alpha = sc.alpha_max(X, y) / 10
    est = sc.Lasso(alpha=alpha, **TIGHT).fit(X, y)
    return X, y, alpha, est


def check(X, y, coef, b, alpha, **kw):
    return sc.check_optimality(X, y, coef, b, datafit="quadratic", penalty=L1(alpha=alpha), **kw)


def test_optimum_passes_and_matches_naive(fitted):
    X, y, alpha, est = fitted
    cert = check(X, y, est.coef_, est.intercept_, alpha, tol=1e-9)
    assert cert.converged and cert.kind == "global"
    g, gb = quadratic_gradient(X, y, est.coef_, est.intercept_)
    np.testing.assert_allclose(cert.gradient, g, rtol=1e-10, atol=1e-12 * cert.scale)
    vs = violation_scale(X, y, 1e-9, cert.scale, centred=True)
    np.testing.assert_allclose(cert.violation_scale, vs, rtol=1e-10)
    np.testing.assert_allclose(cert.violation, enet_violation(est.coef_, g, alpha) * vs,
                               atol=1e-12 * cert.scale)
    np.testing.assert_allclose(cert.margin, (alpha - np.abs(g)) * vs, atol=1e-12 * cert.scale)
    assert cert.intercept_gradient == pytest.approx(gb, abs=1e-12 * cert.scale)
    assert cert.objective == pytest.approx(quadratic_objective(X, y, est.coef_, est.intercept_, alpha))
    assert cert.scale == pytest.approx(sc.alpha_max(X, y))


def test_moving_a_nonzero_is_flagged_at_that_coordinate(fitted):
    X, y, alpha, est = fitted
    j = int(np.flatnonzero(est.coef_)[0])
    w = est.coef_.copy()
    w[j] += 0.1 * abs(w[j])
    cert = check(X, y, w, est.intercept_, alpha)
    assert not cert.converged and cert.argmax == j


def test_zeroing_a_nonzero_is_flagged(fitted):
    X, y, alpha, est = fitted
    j = int(np.argmax(np.abs(est.coef_)))
    w = est.coef_.copy()
    w[j] = 0.0
    cert = check(X, y, w, est.intercept_, alpha)
    assert not cert.converged and cert.argmax == j
    assert cert.margin[j] < 0  # |g_j| left the dead zone


def test_making_a_zero_nonzero_is_flagged(fitted):
    X, y, alpha, est = fitted
    zeros = np.flatnonzero(est.coef_ == 0)
    # the zero deepest inside its dead zone: moving it is unambiguous
    j = int(zeros[np.argmax(alpha - np.abs(quadratic_gradient(X, y, est.coef_, est.intercept_)[0][zeros]))])
    w = est.coef_.copy()
    w[j] = 0.5
    cert = check(X, y, w, est.intercept_, alpha)
    assert not cert.converged and cert.argmax == j


def test_wrong_intercept_is_flagged(fitted):
    X, y, alpha, est = fitted
    cert = check(X, y, est.coef_, est.intercept_ + 1.0, alpha)
    assert not cert.converged and cert.argmax is None
    assert cert.intercept_gradient == pytest.approx(1.0)


def test_duality_gap_nonnegative_and_shrinks():
    X, y = make_regression(80, 40, seed=22)
    alpha = sc.alpha_max(X, y) / 20
    gaps = []
    for tol in (1e-1, 1e-3, 1e-6, 1e-10):
        est = sc.Lasso(alpha=alpha, tol=tol, max_iter=100000).fit(X, y)
        gaps.append(est.certificate_.duality_gap)
    assert all(g >= -1e-12 for g in gaps)
    assert est.certificate_.relative_gap <= 1e-9
    assert gaps[-1] < gaps[0]
    # at a random point the gap is positive and large
    cert = check(X, y, np.random.default_rng(0).standard_normal(40), 0.0, alpha)
    assert cert.duality_gap > 0 and cert.relative_gap > 1e-3


def test_gap_bounds_suboptimality():
    X, y = make_regression(60, 30, seed=23)
    alpha = sc.alpha_max(X, y) / 10
    best = sc.Lasso(alpha=alpha, **TIGHT).fit(X, y)
    p_star = quadratic_objective(X, y, best.coef_, best.intercept_, alpha)
    rough = sc.Lasso(alpha=alpha, tol=1e-2).fit(X, y)
    cert = rough.certificate_
    assert cert.objective - p_star <= cert.duality_gap + 1e-12


@pytest.mark.parametrize("l1_ratio", [0.3, 1.0])
@pytest.mark.parametrize("positive", [False, True])
def test_enet_and_positive_violations_match_naive(l1_ratio, positive):
    X, y = make_regression(50, 20, seed=24)
    rng = np.random.default_rng(1)
    w = rng.standard_normal(20) * (rng.random(20) < 0.5)
    if positive:
        w = np.abs(w)
    alpha = 0.3
    cert = sc.check_optimality(X, y, w, 0.5, datafit="quadratic",
                               penalty=ElasticNet(alpha=alpha, l1_ratio=l1_ratio, positive=positive))
    g, _ = quadratic_gradient(X, y, w, 0.5)
    vs = violation_scale(X, y, 1e-4, cert.scale, centred=True)
    np.testing.assert_allclose(cert.violation,
                               enet_violation(w, g, alpha, l1_ratio, positive=positive) * vs,
                               rtol=1e-10, atol=1e-12)


def test_negative_coef_with_positive_is_infeasible():
    X, y = make_regression(30, 5, seed=25)
    cert = sc.check_optimality(X, y, [-1.0, 0, 0, 0, 0], None, datafit="quadratic",
                               penalty=L1(alpha=0.1, positive=True))
    assert not cert.converged and cert.violation[0] == np.inf and cert.argmax == 0


def test_certifies_scikit_learn_solutions():
    X, y = load_diabetes(return_X_y=True)
    alpha = 0.05
    tight = sk.Lasso(alpha=alpha, tol=1e-14, max_iter=100000).fit(X, y)
    assert check(X, y, tight.coef_, tight.intercept_, alpha, tol=1e-6).converged
    loose = sk.Lasso(alpha=alpha, tol=0.5, max_iter=3).fit(X, y)
    cert = check(X, y, loose.coef_, loose.intercept_, alpha, tol=1e-6)
    assert not cert.converged


def test_sample_weight_changes_the_problem():
    X, y = make_regression(40, 10, seed=26)
    sw = np.linspace(0.1, 2.0, 40)
    est = sc.Lasso(alpha=0.05, **TIGHT).fit(X, y, sample_weight=sw)
    assert check(X, y, est.coef_, est.intercept_, 0.05, sample_weight=sw, tol=1e-9).converged
    assert not check(X, y, est.coef_, est.intercept_, 0.05, tol=1e-9).converged


def test_tolerance_is_scale_free():
    X, y = make_regression(60, 30, seed=27)
    a = sc.Lasso(alpha=0.1, tol=1e-6).fit(X, y)
    b = sc.Lasso(alpha=0.1 * 1e6, tol=1e-6).fit(X, y * 1e6)
    np.testing.assert_allclose(b.coef_, a.coef_ * 1e6, rtol=1e-6, atol=1e-6 * 1e6 * np.abs(a.coef_).max())
    assert b.certificate_.tol == pytest.approx(a.certificate_.tol * 1e6)
    assert a.n_iter_ == b.n_iter_


def test_certificate_is_immutable_readable_and_pickles(fitted):
    X, y, alpha, est = fitted
    cert = est.certificate_
    with pytest.raises(AttributeError):
        cert.converged = False
    with pytest.raises(ValueError):
        cert.gradient[0] = 1.0
    text = repr(cert)
    assert "certified" in text and "max_violation" in text and "duality_gap" in text
    again = pickle.loads(pickle.dumps(cert))
    assert again.converged == cert.converged
    np.testing.assert_array_equal(again.violation, cert.violation)
    names = [f"gene{j}" for j in range(40)]
    out = cert.explain(feature_names=names, top=3)
    assert "dead zone" in out and "gene" in out
    w = est.coef_.copy()
    w[int(np.argmax(np.abs(w)))] = 0.0
    bad = check(X, y, w, est.intercept_, alpha).explain()
    assert "violate" in bad


def test_check_optimality_rejects_bad_input():
    X, y = make_regression(20, 5, seed=28)
    with pytest.raises(ValueError, match="coef"):
        sc.check_optimality(X, y, np.zeros(4), datafit="quadratic", penalty=L1(alpha=0.1))
    with pytest.raises(ValueError, match="datafit"):
        sc.check_optimality(X, y, np.zeros(5), datafit="hinge", penalty=L1(alpha=0.1))
    with pytest.raises(ValueError, match="tol"):
        sc.check_optimality(X, y, np.zeros(5), datafit="quadratic", penalty=L1(alpha=0.1), tol=0)
    with pytest.raises(ValueError, match="alpha"):
        sc.check_optimality(X, y, np.zeros(5), datafit="quadratic", penalty=L1(alpha=-1))
    with pytest.raises(ValueError, match="coef"):
        sc.check_optimality(X, y, np.full(5, np.nan), datafit="quadratic", penalty=L1(alpha=0.1))


# ------------------------------------------------ columns of very different norms
# A violation in gradient units shrinks with its column's norm; without a
# per-column tolerance a weak column's coefficient could be certified whatever
# its error (before per-column tolerances: anything below ~1e-4 x the typical
# norm for an unpenalized feature).

def _weak_column(scale, seed=41):
    X, y = make_regression(60, 8, seed=seed)
    Xs = X.copy()
    Xs[:, 0] *= scale
    weights = np.ones(X.shape[1])
    weights[0] = 0.0  # unpenalized: nothing but the data pins w_0 down
    return X, Xs, y, weights


@pytest.mark.parametrize("scale", [1e-8, 1e-100])
def test_error_on_a_weak_column_is_flagged(scale):
    X, Xs, y, weights = _weak_column(scale)
    pen = L1(alpha=0.05, weights=weights)
    est = sc.Lasso(alpha=0.05, weights=weights, **TIGHT).fit(X, y)
    w = est.coef_.copy()
    w[0] /= scale  # the same optimum, in the weak column's units
    good = sc.check_optimality(Xs, y, w, est.intercept_, datafit="quadratic", penalty=pen, tol=1e-6)
    assert good.converged
    assert good.violation_scale[0] > 1.0 / scale * 0.1 and np.all(good.violation_scale[1:] < 10)
    bad_w = w.copy()
    bad_w[0] *= 1.01  # 1% off in its own units
    bad = sc.check_optimality(Xs, y, bad_w, est.intercept_, datafit="quadratic", penalty=pen,
                              tol=1e-6)
    assert not bad.converged and bad.argmax == 0
    # the raw (gradient-unit) violation is tiny: it alone would have passed
    raw = bad.violation[0] / bad.violation_scale[0]
    assert raw < bad.tol


@pytest.mark.parametrize("scale", [1e-8, 1e-100])
def test_weak_unpenalized_column_is_fitted(scale):
    X, Xs, y, weights = _weak_column(scale)
    ref = sc.Lasso(alpha=0.05, weights=weights, **TIGHT).fit(X, y)
    est = sc.Lasso(alpha=0.05, weights=weights, tol=1e-10, max_iter=100000).fit(Xs, y)
    unscaled = est.coef_.copy()
    unscaled[0] *= scale
    np.testing.assert_allclose(unscaled, ref.coef_, rtol=1e-6, atol=1e-8 * np.abs(ref.coef_).max())
    assert est.certificate_.converged


@pytest.mark.parametrize("scale", [1e-8, 1e-100])
def test_fista_on_a_weak_column_is_not_falsely_certified(scale):
    """One global step size cannot move a column 1e8 times weaker than the rest:
    FISTA runs out of iterations, and the certificate says so (it used to pass)."""
    X, Xs, y, weights = _weak_column(scale)
    ref = sc.Lasso(alpha=0.05, weights=weights, **TIGHT).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="feature 0"):
        est = sc.Lasso(alpha=0.05, weights=weights, solver="fista", tol=1e-10,
                       max_iter=2000).fit(Xs, y)
    assert not est.certificate_.converged and est.certificate_.argmax == 0
    assert abs(est.coef_[0] * scale - ref.coef_[0]) > 1e-3 * abs(ref.coef_[0])


@pytest.mark.parametrize("scale", [1e-8, 1e-100])
def test_weak_unpenalized_column_logistic(scale):
    X, _, y, weights = _weak_column(1.0, seed=42)
    labels = (y > np.median(y)).astype(int)
    ref = sc.SparseLogisticRegression(alpha=0.02, weights=weights, **TIGHT).fit(X, labels)
    Xs = X.copy()
    Xs[:, 0] *= scale
    est = sc.SparseLogisticRegression(alpha=0.02, weights=weights, tol=1e-10,
                                      max_iter=100000).fit(Xs, labels)
    np.testing.assert_allclose(est.coef_[0, 0] * scale, ref.coef_[0, 0], rtol=1e-6)
    np.testing.assert_allclose(est.coef_[0, 1:], ref.coef_[0, 1:], rtol=1e-6,
                               atol=1e-8 * np.abs(ref.coef_).max())
    assert est.certificate_.converged


def test_columns_of_equal_norm_keep_one_tolerance():
    from sklearn.preprocessing import StandardScaler

    X, y = make_regression(50, 12, seed=43)
    Xs = StandardScaler().fit_transform(X)
    est = sc.Lasso(alpha=0.05).fit(Xs, y)
    np.testing.assert_allclose(est.certificate_.violation_scale, 1.0, rtol=1e-12)


@pytest.mark.parametrize("kind", ["dense64", "dense32", "csc"])
@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_reference_point_reuses_the_gradient_exactly(kind, datafit, fit_intercept):
    """At (0, b0) evaluate() takes X^T u from make_problem instead of a new pass
    over X: it must be what a pass would give, at that point only."""
    import scipy.sparse as sp

    from sparsecert._problem import best_intercept_at_zero, evaluate, make_problem
    from sparsecert._validation import as_design
    from sparsecert.datafits import as_datafit

    X, y = make_regression(n=80, p=12, seed=3)
    if datafit == "logistic":
        y = np.where(y > np.median(y), 1.0, -1.0)
    X = {"dense64": X, "dense32": X.astype(np.float32), "csc": sp.csc_matrix(X)}[kind]
    sw = np.random.default_rng(0).uniform(0.5, 1.5, 80)
    sw *= 80 / sw.sum()
    df = as_datafit(datafit)
    problem = make_problem(as_design(X), y, sw, df, L1(alpha=0.01), fit_intercept)
    b0 = best_intercept_at_zero(df.code, y, sw, fit_intercept)
    assert problem.b0 == b0
    pieces = evaluate(problem, np.zeros(12), b0)
    Xd = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    if datafit == "quadratic":
        u = -sw * (y - b0) / 80
    else:
        u = -sw * y / (1 + np.exp(y * b0)) / 80
    np.testing.assert_allclose(pieces["u"], u, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(pieces["grad"], Xd.T @ u, rtol=1e-10, atol=1e-12)
    assert np.all(pieces["z"] == b0)
    # elsewhere the gradient is recomputed (not the reference one)
    w = np.zeros(12)
    w[2] = 0.5
    moved = evaluate(problem, w, b0)["grad"]
    assert not np.allclose(moved, pieces["grad"])
    z = Xd @ w + b0
    u = -sw * (y - z) / 80 if datafit == "quadratic" else -sw * y / (1 + np.exp(y * z)) / 80
    np.testing.assert_allclose(moved, Xd.T @ u, rtol=1e-6 if kind == "dense32" else 1e-10,
                               atol=1e-7)


def test_the_repr_gives_each_test_its_own_outcome(fitted):
    """A certificate short of its gap alone reads "max_violation=... <= tol=...
    is True" and "relative ... <= gap_tol=... is False" (the repr once printed
    the overall outcome after the violation test: "1.48e-07 <= 8.42e-07 is
    False")."""
    from sparsecert.certificate import Certificate

    cert = fitted[3].certificate_
    short = Certificate(**{**cert.__dict__, "converged": False,
                           "relative_gap": 10 * cert.gap_tol})
    text = repr(short)
    assert text.startswith("Certificate(NOT certified")
    assert f"<= tol={cert.tol:.3g} is True" in text
    assert f"<= gap_tol={cert.gap_tol:.3g} is False" in text
    assert f"<= gap_tol={cert.gap_tol:.3g} is True" in repr(cert)
