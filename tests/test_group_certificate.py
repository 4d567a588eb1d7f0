"""The group certificate's compiled scan (issue 16, leukemia row):
:func:`sparsecert._kernels.group_certificate.group_certificate_scan` against
the NumPy definition it replaced (``naive.group_certificate_arrays``), bit
for bit, on random groups (zero, nonzero, partly zero, unpenalized); the
certificate it feeds against the naive gradient on dense and sparse X; and
the certificate failing at a wrong answer and at a NaN."""

import numpy as np
import pytest
import scipy.sparse as sp

import naive
from _compiled import entry
import sparsecert as sc
import sparsecert._group_certificate as group_certificate
from sparsecert._kernels.group import sgl_dual_norm
from sparsecert._kernels.group_certificate import group_certificate_scan
from sparsecert.penalties import GroupLasso as GL
from sparsecert.penalties import SparseGroupLasso as SGL

sgl_dual_norm = entry(sgl_dual_norm)  # compiled-only: no Python entry point of its own

NAMES = ("comp", "viol", "margin", "norms_g", "thr", "norms_w")


def kernel_dual_norm(v, rho):
    return sgl_dual_norm(np.ascontiguousarray(v, dtype=np.float64), rho, np.empty(v.size))


def random_groups(seed, p=60, n_groups=17):
    """An irregular partition (labels in random order: groups of 1 to ~8
    features, not contiguous), weights with some 0 (unpenalized) groups, a
    gradient whose zero groups sit both inside and past their dead zone, and
    w with zero groups, nonzero groups and nonzero groups with zero entries."""
    r = np.random.default_rng(seed)
    labels = r.integers(0, n_groups, p)
    labels[:n_groups] = np.arange(n_groups)  # every label used
    r.shuffle(labels)
    enc = GL(1.0, list(labels)).encode_groups(p)
    c = np.sqrt(enc.sizes.astype(float)) * r.uniform(0.5, 2.0, enc.n_groups)
    c[r.choice(enc.n_groups, 3, replace=False)] = 0.0
    # groups of small and of large gradients, both sides of alpha c_g
    grad = r.standard_normal(p) * r.choice([0.05, 0.3, 2.0], enc.n_groups)[enc.group_of]
    w = np.zeros(p)
    for g in r.choice(enc.n_groups, 7, replace=False):
        members = enc.members(g)
        w[members] = r.standard_normal(members.size)
        w[members[r.random(members.size) < 0.3]] = 0.0  # some stay partly zero
    vscale = np.where(r.random(p) < 0.3, r.uniform(1.0, 5.0, p), 1.0)
    return enc, c, grad, w, vscale


def scan(enc, c, grad, w, vscale, alpha, rho):
    """The kernel's outputs by name, its argmax and per-feature margins
    checked against NumPy's on the way."""
    comp, margin_f, *per_group, pen, worst_g, worst_j = group_certificate_scan(
        grad, w, vscale, enc.ptr, enc.indices, c, alpha, rho)
    got = dict(zip(NAMES, [comp] + per_group), penalty=alpha * np.sum(pen))
    np.testing.assert_array_equal(margin_f, got["margin"][enc.group_of])
    assert worst_g == np.argmax(got["viol"])
    members = enc.members(worst_g)
    assert worst_j == members[np.argmax(comp[members])]
    return got


@pytest.mark.parametrize("rho", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("seed", range(4))
def test_scan_equals_the_numpy_definition_bit_for_bit(seed, rho):
    enc, c, grad, w, vscale = random_groups(seed)
    alpha = 0.4
    got = scan(enc, c, grad, w, vscale, alpha, rho)
    ref = naive.group_certificate_arrays(grad, w, vscale, enc.ptr, enc.indices, c, alpha, rho,
                                         dual_norm=kernel_dual_norm)
    for name, want in zip(NAMES + ("penalty",), ref):
        np.testing.assert_array_equal(got[name], want, err_msg=name)
    # the cases the draw was built to hold are there
    zero = got["norms_w"] == 0
    assert np.any(zero & (got["viol"] > 0)) and np.any(zero & (got["viol"] == 0))
    assert np.any(~zero) and np.any(got["thr"] == 0)
    if rho > 0.0:
        # N*(g_g) by bisection, independent of the kernel's closed form
        bis = naive.group_certificate_arrays(grad, w, vscale, enc.ptr, enc.indices, c, alpha,
                                             rho)[3]
        np.testing.assert_allclose(got["norms_g"], bis, rtol=1e-12, atol=1e-14)


def test_scan_argmax_takes_the_first_of_equal_violations():
    """Ties between groups and between a group's features go to the first,
    as numpy.argmax has it (the certificate's argmax_group and argmax)."""
    enc = GL(1.0, 3).encode_groups(12)
    grad = np.array([0.0, 0, 0, 3, 4, 0, 4, 0, 3, 0, 0, 0])   # groups 1 and 2: ||g|| = 5
    got = scan(enc, np.ones(4), grad, np.zeros(12), np.ones(12), 1.0, 0.0)
    assert got["viol"][1] == got["viol"][2] == 4.0
    grad = np.array([0.0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0])   # one group, equal entries
    scan(enc, np.ones(4), grad, np.zeros(12), np.ones(12), 1.0, 0.0)


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_scan_components_are_the_distance_to_the_subdifferential(rho):
    """Group by group, the violation is the norm of the residual vector of
    ``naive.group_residual`` (written per group, not per array)."""
    enc, c, grad, w, vscale = random_groups(11)
    alpha = 0.4
    got = scan(enc, c, grad, w, vscale, alpha, rho)
    for g in range(enc.n_groups):
        F = enc.members(g)
        res = naive.group_residual(w[F], grad[F], alpha * (1 - rho) * c[g], alpha * rho * c[g])
        np.testing.assert_allclose(got["comp"][F], np.abs(res) * vscale[F], rtol=1e-13,
                                   atol=1e-15)
        assert got["viol"][g] == pytest.approx(np.linalg.norm(res * vscale[F]), rel=1e-13,
                                               abs=1e-15)


def fitted(penalty, X, y):
    est = (sc.SparseGroupLasso if isinstance(penalty, SGL) else sc.GroupLasso)(
        penalty.alpha, groups=penalty.groups, weights=penalty.weights,
        **({"l1_ratio": penalty.l1_ratio} if isinstance(penalty, SGL) else {}),
        tol=1e-10, max_iter=100000).fit(X, y)
    assert est.certificate_.converged
    return est


def data(seed=3, n=40, p=24):
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, p))
    X[r.random((n, p)) < 0.5] = 0.0  # sparse enough for CSC to mean something
    w = np.zeros(p)
    w[:8] = r.standard_normal(8) * 2
    return X, X @ w + 0.3 * r.standard_normal(n) + 1.0


PENALTIES = [GL(0.05, 4), GL(0.05, 4, weights=[0.0, 2, 2, 2, 2, 1.0]),
             SGL(0.05, 4, l1_ratio=0.4), SGL(0.05, 4, l1_ratio=0.4, weights=[2, 2, 0.0, 2, 2, 2])]


@pytest.mark.parametrize("penalty", PENALTIES, ids=["group", "group-w0", "sgl", "sgl-w0"])
@pytest.mark.parametrize("layout", ["dense", "csc", "csr"])
def test_certificate_against_the_naive_gradient(penalty, layout):
    """The certificate's group arrays at a fitted point and at a perturbed
    one, against the definition applied to the naive gradient (another
    summation order: a tolerance); dense and sparse X agree."""
    X, y = data()
    est = fitted(penalty, X, y)
    Xl = X if layout == "dense" else getattr(sp, f"{layout}_matrix")(X)
    rho = penalty.l1_ratio
    enc = penalty.encode_groups(X.shape[1])
    for w in (est.coef_, est.coef_ + 0.01 * np.random.default_rng(0).standard_normal(24)):
        cert = sc.check_optimality(Xl, y, w, est.intercept_, datafit="quadratic",
                                   penalty=penalty, tol=1e-10)
        grad = naive.quadratic_gradient(X, y, w, est.intercept_)[0]
        ref = naive.group_certificate_arrays(grad, w, cert.violation_scale, enc.ptr,
                                             enc.indices, enc.weights, penalty.alpha, rho)
        got = (cert.violation, cert.group_violation, cert.group_margin,
               cert.group_gradient_norm, cert.group_threshold, cert.group_coef_norm)
        for name, a, b in zip(NAMES, got, ref):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=name)
        pen = cert.objective - naive.quadratic_objective(X, y, w, est.intercept_, 0.0)
        assert pen == pytest.approx(ref[6], rel=1e-9)


@pytest.mark.parametrize("penalty", [PENALTIES[1], PENALTIES[2]], ids=["group-w0", "sgl"])
def test_a_wrong_answer_fails_the_certificate(penalty):
    X, y = data(seed=5)
    est = fitted(penalty, X, y)
    enc = penalty.encode_groups(X.shape[1])
    nonzero = np.flatnonzero(est.certificate_.group_coef_norm)
    assert nonzero.size >= 2
    g = nonzero[-1]
    for change in ("scale", "zero"):
        w = est.coef_.copy()
        w[enc.members(g)] *= 1.05 if change == "scale" else 0.0
        cert = sc.check_optimality(X, y, w, est.intercept_, datafit="quadratic",
                                   penalty=penalty, tol=1e-6)
        assert not cert.converged and cert.max_violation > cert.tol
        assert cert.group_violation[g] > cert.tol


def test_a_nan_fails_the_scan_and_the_certificate(monkeypatch):
    enc, c, grad, w, vscale = random_groups(7)
    nonzero = np.flatnonzero(np.bincount(enc.group_of, weights=w * w))
    for rho in (0.0, 0.5):
        g_nan = grad.copy()
        g_nan[enc.members(0)[0]] = np.nan
        g_nan[enc.members(3)[-1]] = np.nan  # argmax: the first NaN group
        got = scan(enc, c, g_nan, w, vscale, 0.4, rho)
        assert np.isnan(got["viol"][0]) and np.isnan(got["margin"][0])
        assert not np.any(np.isnan(got["viol"][1:3]))
        w_nan = w.copy()
        w_nan[enc.members(nonzero[0])[0]] = np.nan
        got = scan(enc, c, grad, w_nan, vscale, 0.4, rho)
        assert np.isnan(got["viol"][nonzero[0]])
        assert np.isnan(np.max(got["viol"]))  # (as the certificate takes it)
    # through the certificate: a NaN in one gradient entry (as an overflowing
    # X^T u would leave) and the point, certified without it, fails
    X, y = data()
    est = fitted(PENALTIES[0], X, y)
    real = group_certificate.rmatvec_full

    def poisoned(design, u, grad, n_threads):
        real(design, u, grad, n_threads)
        grad[5] = np.nan

    monkeypatch.setattr(group_certificate, "rmatvec_full", poisoned)
    cert = sc.check_optimality(X, y, est.coef_, est.intercept_, datafit="quadratic",
                               penalty=PENALTIES[0], tol=1e-6)
    assert not cert.converged and np.isnan(cert.max_violation)
    assert np.isnan(cert.group_violation[1])


def test_compiled_sphere_test_is_the_numpy_one():
    """block_screen's compiled test (group, multi-task and multinomial
    screening) flags exactly the blocks of sphere_screen's array operations,
    NaN reaches and unpenalized blocks (thr = 0) included."""
    from sparsecert._duality import sphere_screen
    from sparsecert._kernels.optimality import sphere_test

    r = np.random.default_rng(4)
    reach = r.uniform(0.0, 1.0, 200)
    reach[::17] = np.nan
    lip = r.uniform(0.0, 3.0, 200)
    thr = r.uniform(0.0, 1.2, 200)
    thr[::11] = 0.0
    for gap in (0.0, 1e-4, 0.01, 1.0):
        want = sphere_screen(reach, gap, lip, thr)
        got = sphere_test(reach, gap, lip, thr)
        np.testing.assert_array_equal(got, want)
        assert 0 < want.sum() < 200 or gap == 1.0


def test_shifted_group_norms_are_the_gap_s_numpy_sums():
    """The gap's ||X_g^T (u - s c)|| = ||grad_g - c n means_g|| and its worst
    ratio to alpha c_g, against the array operations they replace (the same
    sums, so bit for bit), NaN included."""
    from sparsecert._kernels.group_certificate import shifted_group_norms

    enc, c, grad, w, vscale = random_groups(5)
    c = c + 0.5  # every group penalized (the gap exists)
    means = np.random.default_rng(6).standard_normal(grad.size)
    for shift in (0.0, 0.37, -2.5):
        want = np.sqrt(np.bincount(enc.group_of, weights=(grad - shift * means) ** 2))
        got = np.empty(enc.n_groups)
        worst = shifted_group_norms(grad, shift, means, enc.ptr, enc.indices, c, got)
        np.testing.assert_array_equal(got, want)
        assert worst == np.max(want / c)
    grad = grad.copy()
    grad[enc.members(4)[0]] = np.nan
    assert np.isnan(shifted_group_norms(grad, 0.5, means, enc.ptr, enc.indices, c, got))
