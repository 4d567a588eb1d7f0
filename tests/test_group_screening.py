"""Gap-safe screening of groups (issue 16, item 5): the sphere radius
sqrt(2 gap L_g) of the block certificates (group lasso and sparse-group
lasso, least squares and logistic; multi-task; multinomial), its constant
tested where the sphere is tight, screening never removing a group that a
tight reference solution keeps, and the block solvers leaving screened
groups out of their working sets while certifying over all of them."""

from types import SimpleNamespace

import numpy as np
import pytest

import sparsecert as sc
from conftest import load_shared
from sparsecert._duality import block_screen
from sparsecert._group_certificate import group_lipschitz, known_group_lipschitz, screen_groups
from sparsecert._multitask_certificate import make_multitask_problem
from sparsecert._problem import make_group_problem
from sparsecert._validation import as_design
from sparsecert.datafits import Logistic, Quadratic
from sparsecert.penalties import GroupLasso as GL
from sparsecert.penalties import MultiTaskL21
from sparsecert.penalties import SparseGroupLasso as SGL


def _orthogonal_block(rows, k, sw, n, L, rng, centred):
    """k columns on the samples ``rows`` (zero elsewhere) with
    X_b^T diag(sw) X_b / n = L I, and X_b^T sw = 0 when ``centred``."""
    m = rows.size
    root = np.sqrt(sw[rows] / n)
    A = rng.standard_normal((m, k))
    if centred:  # orthogonal to sqrt(s): weighted column sums 0
        A = np.column_stack([root, A])
    Q = np.linalg.qr(A)[0][:, 1:] if centred else np.linalg.qr(A)[0]
    X = np.zeros((n, k))
    X[rows] = np.sqrt(L) * Q / root[:, None]
    return X


def _setup(seed, n=40, m=10, k=3, centred=True):
    """Samples 0..m-1 carry group 0 (k orthogonal columns, weighted Gram L I),
    the rest carry group 1 (k small random columns): the two groups are
    orthogonal in the weighted inner product, so group 0's problem is on its
    own and its solution and dual point are explicit."""
    rng = np.random.default_rng(seed)
    sw = rng.uniform(0.3, 2.0, n)
    sw *= n / sw.sum()
    L = 1.7
    X = np.zeros((n, 2 * k))
    X[:, :k] = _orthogonal_block(np.arange(m), k, sw, n, L, rng, centred)
    X[m:, k:] = 0.05 * rng.standard_normal((n - m, k))
    return rng, sw, X, L


def test_group_radius_constant_is_tight_least_squares():
    """At the optimum w* (explicit) and the feasible dual point theta = theta*
    + delta, delta along group 0's Gram eigenvector that moves X_0^T theta
    into the dead zone, the dual's quadratic makes the sphere exact: group 0,
    nonzero at the optimum by a hair, sits on the sphere's boundary. The
    test is not screened; 1% less radius would screen it (checked), so a
    radius made too small (sqrt(gap L), a wrong weighting) fails here."""
    rng, sw, X, L = _setup(0)
    n, k = X.shape[0], 3
    y = rng.standard_normal(n) + 2.0
    b = float(sw @ y) / n
    c = X[:, :k].T @ (sw * y) / n
    c_g = np.sqrt(k)
    alpha = np.linalg.norm(c) / c_g * (1 - 1e-7)       # group 0 just inside the support
    e = c / np.linalg.norm(c)
    w = np.zeros(2 * k)
    w[:k] = (np.linalg.norm(c) - alpha * c_g) / L * e
    r = y - b - X @ w
    theta_opt = -sw * r / n
    grad = X.T @ theta_opt
    # w* is optimal: group 0 balances its penalty, group 1 is well inside its dead zone
    assert np.allclose(grad[:k], -alpha * c_g * e, rtol=1e-12, atol=1e-14)
    assert np.linalg.norm(grad[k:]) < 0.5 * alpha * c_g
    eps = 0.3 * alpha * c_g / L
    theta = theta_opt + eps * sw / n * (X[:, :k] @ e)
    assert abs(theta.sum()) < 1e-12                      # feasible: the intercept's constraint
    assert np.linalg.norm(X[:, k:].T @ theta) < alpha * c_g
    primal = float(sw @ r ** 2) / (2 * n) + alpha * c_g * np.linalg.norm(w[:k])
    dual = -float(theta @ y) - 0.5 * n * float(np.sum(theta ** 2 / sw))
    gap = primal - dual
    problem = make_group_problem(as_design(X), y, sw, Quadratic(), GL(alpha, groups=k), True)
    grad_theta = X.T @ theta
    assert np.linalg.norm(grad_theta[:k]) == pytest.approx(alpha * c_g - eps * L, rel=1e-12)
    # before group 0's eigenvalue is known, the trace bound k L: safe, looser
    assert not screen_groups(problem, grad_theta, 0.98 * gap, primal)[0]
    group_lipschitz(problem, np.array([0]), known_group_lipschitz(problem))
    assert known_group_lipschitz(problem)[0] == pytest.approx(L, rel=1e-12)
    got = screen_groups(problem, grad_theta, gap, primal)
    assert not got[0]            # nonzero at the optimum: never screened
    assert got[1]                # the far group is
    assert screen_groups(problem, grad_theta, 0.98 * gap, primal)[0]   # radius x 0.99 would


def test_group_radius_constant_is_tight_logistic():
    """The same for the logistic loss without intercept: at z = 0 its
    curvature reaches its bound 1/4, so the conjugate's strong convexity
    4n / s_i is attained and the sphere radius sqrt(2 gap L_g), L_g a
    quarter of the Gram eigenvalue, is tight to second order (the binary
    entropy's next term is 4th order)."""
    rng, sw, X, L = _setup(1, n=60, m=30, centred=False)
    n, k = X.shape[0], 3
    X[:, :k] *= 2.0             # weighted Gram 4 L I: the logistic L_g is L
    y = np.where(rng.standard_normal(n) > 0, 1.0, -1.0)
    c_g = np.sqrt(k)
    g0 = X.T @ (-sw * y / (2 * n))                       # gradient at w = 0
    alpha = np.linalg.norm(g0[:k]) / c_g * (1 - 1e-6)
    fit = sc.GroupLogisticRegression(alpha, groups=k, fit_intercept=False, tol=1e-13,
                                     max_iter=100000).fit(X, y, sample_weight=sw)
    w = fit.coef_.ravel()
    assert fit.certificate_.converged and np.any(w[:k]) and not np.any(w[k:])
    z = X @ w
    a = 1.0 / (1.0 + np.exp(y * z))                      # sigma(-y z)
    theta_opt = -sw * y * a / n
    e = w[:k] / np.linalg.norm(w[:k])
    assert np.allclose(X[:, :k].T @ theta_opt, -alpha * c_g * e, rtol=1e-8)
    eps = 0.1 * alpha * c_g / L
    theta = theta_opt + eps * sw / (4 * n) * (X[:, :k] @ e)
    a_new = -n * theta / (sw * y)
    assert np.all((a_new > 0.4) & (a_new < 0.6))         # in the conjugate's domain, near 1/2
    ent = -(a_new * np.log(a_new) + (1 - a_new) * np.log(1 - a_new))
    dual = float(sw @ ent) / n
    primal = float(sw @ np.log1p(np.exp(-y * z))) / n + alpha * c_g * np.linalg.norm(w[:k])
    gap = primal - dual
    problem = make_group_problem(as_design(X), y, sw, Logistic(), GL(alpha, groups=k), False)
    group_lipschitz(problem, np.array([0]), known_group_lipschitz(problem))
    assert known_group_lipschitz(problem)[0] == pytest.approx(L, rel=1e-12)
    grad_theta = X.T @ theta
    got = screen_groups(problem, grad_theta, gap, primal)
    assert not got[0] and got[1]
    assert screen_groups(problem, grad_theta, 0.98 * gap, primal)[0]


def test_multitask_radius_constant_is_tight():
    """The multi-task analogue: feature 0 on its own samples, its k-task block
    just inside the support, Theta = Theta* + eps (s/n) x_0 e^T."""
    rng = np.random.default_rng(2)
    n, m, k = 40, 10, 3
    sw = rng.uniform(0.3, 2.0, n)
    sw *= n / sw.sum()
    X = np.zeros((n, 3))
    X[:, :1] = _orthogonal_block(np.arange(m), 1, sw, n, 1.3, rng, True)
    X[m:, 1:] = 0.05 * rng.standard_normal((n - m, 2))
    L = float(sw @ X[:, 0] ** 2) / n
    Y = rng.standard_normal((n, k)) + 1.0
    B = sw @ Y / n
    c = X[:, 0] @ (sw[:, None] * Y) / n                  # (k,)
    alpha = np.linalg.norm(c) * (1 - 1e-7)
    e = c / np.linalg.norm(c)
    W = np.zeros((k, 3))
    W[:, 0] = (np.linalg.norm(c) - alpha) / L * e
    R = Y - B - X @ W.T
    theta_opt = -sw[:, None] * R / n
    assert np.allclose(X[:, 0] @ theta_opt, -alpha * e, rtol=1e-12)
    eps = 0.3 * alpha / L
    theta = theta_opt + eps * (sw / n * X[:, 0])[:, None] * e[None, :]
    primal = float(np.sum(sw[:, None] * R * R)) / (2 * n) + alpha * np.linalg.norm(W[:, 0])
    dual = -float(np.sum(theta * Y)) - 0.5 * n * float(np.sum(theta ** 2 / sw[:, None]))
    gap = primal - dual
    problem = make_multitask_problem(as_design(X), Y, sw, MultiTaskL21(alpha), True)
    reach = np.linalg.norm(X.T @ theta, axis=1)
    thr = np.full(3, alpha)
    got = block_screen(reach, gap, primal, n, problem.lipschitz, thr)
    assert not got[0] and got[1:].all()
    assert block_screen(reach, 0.98 * gap, primal, n, problem.lipschitz, thr)[0]


# ------------------------------------------- never removes a kept group


def _riboflavin_groups():
    X, y = load_shared("riboflavin_hdi.npz")
    return np.asfortranarray(X[:, :1000]), y, 4


def _leukemia_groups():
    X, y = load_shared("leukemia_golub1999_38x3051.npz")
    return np.asfortranarray(X[:, :999]), y, 3


def _synthetic_groups():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((80, 300))
    X += 0.5 * np.roll(X, 1, axis=1)
    w = np.zeros(300)
    w[:15] = rng.standard_normal(15) * 2
    return X, X @ w + rng.standard_normal(80) + 1.0, 5


def _intermediate_certificates(make, X, y, sw=None):
    """The certificates of the fits at loose tolerances (the points a fit
    passes through), each from a fresh start."""
    out = []
    for tol in (1e-1, 1e-2, 1e-3, 1e-5):
        with np.errstate(all="ignore"):
            out.append(make(tol).fit(X, y, sample_weight=sw).certificate_)
    return out


def _never_removes_kept(make, X, y, sw=None):
    ref = make(1e-11).fit(X, y, sample_weight=sw)
    assert ref.certificate_.converged
    kept = ref.certificate_.group_coef_norm > 0
    total = 0
    for cert in _intermediate_certificates(make, X, y, sw) + [ref.certificate_]:
        screened = cert.group_screened
        assert screened is not None
        assert not np.any(screened & kept)
        total += int(screened.sum())
    assert total > 0      # the test exercised screening
    return ref


@pytest.mark.parametrize("data", ["riboflavin", "leukemia", "synthetic"])
@pytest.mark.parametrize("ratio", [5, 30])
def test_group_lasso_screening_never_removes_a_kept_group(data, ratio):
    X, y, size = {"riboflavin": _riboflavin_groups, "leukemia": _leukemia_groups,
                  "synthetic": _synthetic_groups}[data]()
    amax = sc.alpha_max(X, y, penalty=GL(1.0, groups=size))
    sw = np.random.default_rng(0).uniform(0.5, 1.5, X.shape[0])
    _never_removes_kept(lambda tol: sc.GroupLasso(amax / ratio, groups=size, tol=tol,
                                                  max_iter=100000), X, y, sw)


@pytest.mark.parametrize("data", ["leukemia", "synthetic"])
def test_group_logistic_screening_never_removes_a_kept_group(data):
    X, y, size = {"leukemia": _leukemia_groups, "synthetic": _synthetic_groups}[data]()
    y = (y > np.median(y)).astype(float)
    amax = sc.alpha_max(X, y, datafit="logistic", penalty=GL(1.0, groups=size))
    _never_removes_kept(lambda tol: sc.GroupLogisticRegression(
        amax / 10, groups=size, tol=tol, max_iter=100000), X, y)


def test_sparse_group_screening_never_removes_a_kept_group():
    X, y, size = _synthetic_groups()
    pen = SGL(1.0, groups=size, l1_ratio=0.5)
    amax = sc.alpha_max(X, y, penalty=pen)
    _never_removes_kept(lambda tol: sc.SparseGroupLasso(
        amax / 10, groups=size, l1_ratio=0.5, tol=tol, max_iter=100000), X, y)


def test_multitask_screening_never_removes_a_kept_feature():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((60, 200))
    W = np.zeros((3, 200))
    W[:, :8] = rng.standard_normal((3, 8))
    Y = X @ W.T + 0.5 * rng.standard_normal((60, 3))
    G = (X - X.mean(0)).T @ (Y - Y.mean(0)) / 60
    amax = float(np.max(np.linalg.norm(G, axis=1)))
    for ratio in (5, 30):
        _never_removes_kept(lambda tol: sc.MultiTaskLasso(amax / ratio, tol=tol,
                                                          max_iter=100000), X, Y)


def test_multitask_screening_on_riboflavin():
    X, y = load_shared("riboflavin_hdi.npz")
    held = np.random.default_rng(0).choice(X.shape[1], 3, replace=False)
    Y = np.column_stack([y, X[:, held]])
    Y = (Y - Y.mean(0)) / Y.std(0)
    X = np.asfortranarray(np.delete(X, held, axis=1)[:, :800])
    G = (X - X.mean(0)).T @ (Y - Y.mean(0)) / X.shape[0]
    amax = float(np.max(np.linalg.norm(G, axis=1)))
    _never_removes_kept(lambda tol: sc.MultiTaskLasso(amax / 10, tol=tol, max_iter=100000),
                        X, Y)


@pytest.mark.parametrize("penalty", ["l1", "grouped"])
def test_multinomial_screening_never_removes_a_kept_feature(penalty):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((150, 60))
    y = np.argmax(X[:, :3] * 2 + rng.standard_normal((150, 3)), axis=1)
    kw = dict(multi_class="multinomial") if penalty == "l1" else dict(
        multi_class="multinomial", penalty="grouped")
    for alpha in (0.05, 0.01):
        def make(tol, alpha=alpha):
            return sc.SparseLogisticRegression(alpha=alpha, tol=tol, max_iter=100000, **kw)
        _never_removes_kept(make, X, y)


# ------------------------------------------- how the solvers use it


def test_screened_groups_stay_out_of_the_working_set_and_in_the_certificate():
    """The final certificate covers every group (screened ones included:
    their violations and margins are there, and the decision is the same
    as check_optimality's); the working set never holds a screened group."""
    from sparsecert.solvers import group_cd

    X, y, size = _synthetic_groups()
    amax = sc.alpha_max(X, y, penalty=GL(1.0, groups=size))
    pen = GL(amax / 10, groups=size)
    problem = make_group_problem(as_design(X), y, np.ones(X.shape[0]), Quadratic(), pen, True)
    fit = group_cd._GroupCD(problem, None, None, 1e-8, 100000, False)
    seen = 0
    while True:
        # the last pass checks the set a further round would take: the
        # solver now certifies in rounds whose certificates screen nothing
        # yet, and the final one screens
        screened = fit.cert.group_screened
        ws = fit.choose_set()
        if screened is not None:
            assert not np.any(screened[ws] & (fit.cert.group_coef_norm[ws] == 0))
            seen += int(screened.sum())
        if fit.cert.converged:
            break
        fit.round()
    assert seen > 0
    cert = fit.cert
    assert cert.group_violation.shape[0] == problem.groups.n_groups
    assert cert.group_screened.any() and np.all(cert.group_coef_norm[cert.group_screened] == 0)
    again = sc.check_optimality(X, y, fit.w, fit.b, datafit="quadratic", penalty=pen, tol=1e-8)
    assert again.converged
    assert np.array_equal(again.group_violation, cert.group_violation)


def test_every_block_screened_still_certifies():
    """alpha at alpha_max: every group is provably zero from the start; the
    solver keeps a one-group set, ends at 0, certified over all groups."""
    X, y, size = _synthetic_groups()
    amax = sc.alpha_max(X, y, penalty=GL(1.0, groups=size))
    est = sc.GroupLasso(amax * 1.5, groups=size, tol=1e-8).fit(X, y)
    assert est.certificate_.converged and not np.any(est.coef_)
    assert est.certificate_.group_screened.all()


@pytest.mark.parametrize("model", ["group", "multitask"])
def test_a_nan_margin_ranks_first(model):
    """A group whose margin is NaN (a non-finite gradient) ranks with the
    nonzero ones in every block solver (it was ranked last by the group
    solver): it is where the trouble is."""
    rng = np.random.default_rng(9)
    X = rng.standard_normal((30, 40))
    if model == "group":
        from sparsecert.solvers.group_cd import _GroupCD
        y = X[:, 0] + 0.1 * rng.standard_normal(30)
        problem = make_group_problem(as_design(X), y, np.ones(30), Quadratic(),
                                     GL(0.5, groups=2), True)
        fit = _GroupCD(problem, None, None, 1e-6, 10, False)
    else:
        from sparsecert.solvers.multitask_cd import _MultiTaskCD
        Y = X[:, :2] + 0.1 * rng.standard_normal((30, 2))
        problem = make_multitask_problem(as_design(X), Y, np.ones(30), MultiTaskL21(0.5), True)
        fit = _MultiTaskCD(problem, None, 1e-6, 10, False)
    cert = fit.cert
    margin = np.array(cert.group_margin, dtype=float)
    deepest = int(np.argmax(margin))
    margin[deepest] = np.nan
    fit.cert = SimpleNamespace(group_margin=margin, group_coef_norm=cert.group_coef_norm,
                               group_screened=None)
    fit.ws_size = 1
    assert deepest in fit.choose_set()


def test_multinomial_radius_constant_is_tight():
    """The multinomial analogue (two classes, grouped, no intercept): at
    P = (1/2, 1/2) the softmax's curvature along (1, -1) reaches its bound
    1/2, so the sphere radius sqrt(2 gap L_j), L_j = sum_i s_i x_ij^2 / (2n)
    (``lipschitz_mn``), is tight to second order."""
    from sparsecert._multinomial_certificate import make_multinomial_problem
    from sparsecert.solvers.multinomial_cd import solve_multinomial_cd

    rng = np.random.default_rng(3)
    n, m, K = 60, 30, 2
    sw = rng.uniform(0.3, 2.0, n)
    sw *= n / sw.sum()
    X = np.zeros((n, 3))
    X[:m, 0] = rng.standard_normal(m)
    X[m:, 1:] = 0.05 * rng.standard_normal((n - m, 2))
    yi = rng.integers(0, K, n)
    Y = np.eye(K)[yi]
    G0 = X.T @ (sw[:, None] * (0.5 - Y)) / n              # (p, K) at W = 0
    alpha = np.linalg.norm(G0[0]) * (1 - 1e-6)
    problem = make_multinomial_problem(as_design(X), yi, K, sw, MultiTaskL21(alpha), False)
    res = solve_multinomial_cd(problem, None, None, 1e-13, 100000, False)
    W = res.coef                                          # (K, p)
    assert res.certificate.converged and np.any(W[:, 0]) and not np.any(W[:, 1:])
    Z = X @ W.T
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    theta_opt = sw[:, None] * (P - Y) / n
    e = W[:, 0] / np.linalg.norm(W[:, 0])
    assert np.allclose(X[:, 0] @ theta_opt, -alpha * e, rtol=1e-7)
    L = problem.lipschitz_mn
    eps = 0.1 * alpha / L[0]
    Q = P + eps * X[:, :1] / 2 * e[None, :]               # theta = s (Q - Y) / n
    assert np.all((Q > 0.3) & (Q < 0.7))
    theta = sw[:, None] * (Q - Y) / n
    dual = float(sw @ -np.sum(Q * np.log(Q), axis=1)) / n
    lse = np.log(np.sum(np.exp(Z), axis=1))
    primal = float(sw @ (lse - Z[np.arange(n), yi])) / n + alpha * np.linalg.norm(W[:, 0])
    gap = primal - dual
    reach = np.linalg.norm(X.T @ theta, axis=1)
    thr = problem.spec.thr
    got = block_screen(reach, gap, primal, n, L, thr)
    assert not got[0] and got[1:].all()
    assert block_screen(reach, 0.98 * gap, primal, n, L, thr)[0]
