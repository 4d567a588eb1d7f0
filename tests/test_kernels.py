"""Kernels against naive NumPy twins, on dense and CSC views, float64 and float32."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize_scalar

from _compiled import entry
from naive import frozen
from sparsecert._kernels import codes
from sparsecert._kernels.anderson import anderson_weights
from sparsecert._kernels.cd import cd_quadratic_anderson
from sparsecert._kernels.datafit import (column_stats, column_stats_grad, datafit_conjugate,
                                         datafit_raw_grad, datafit_value, matvec, rmatvec)
from sparsecert._kernels.prox import (conjugate_1d, penalty_value, prox_1d,
                                      subdiff_distance_1d)
from sparsecert._validation import as_design


def params(alpha, l1_ratio=1.0, positive=False):
    p = np.zeros(codes.N_PARAMS)
    p[codes.PARAM_ALPHA] = alpha
    p[codes.PARAM_L1_RATIO] = l1_ratio
    p[codes.PARAM_POSITIVE] = float(positive)
    return p


CONVEX = [(codes.L1, 1.0), (codes.ELASTIC_NET, 0.4), (codes.ELASTIC_NET, 0.0)]


@pytest.mark.parametrize("code,rho", CONVEX)
@pytest.mark.parametrize("positive", [False, True])
def test_prox_matches_brute_force(code, rho, positive):
    rng = np.random.default_rng(0)
    par = params(0.7, rho, positive)
    for _ in range(200):
        x, step, c = rng.normal() * 3, rng.uniform(0.05, 3), rng.uniform(0, 2)
        z = prox_1d(code, par, c, x, step)

        def obj(t):
            return (t - x) ** 2 / (2 * step) + penalty_value(code, par, c, t)

        lo = 0.0 if positive else -10.0
        ref = minimize_scalar(obj, bounds=(lo, 10.0), method="bounded",
                              options={"xatol": 1e-12}).x
        assert obj(z) <= obj(ref) + 1e-10
        assert abs(z - ref) < 1e-5


@pytest.mark.parametrize("code,rho", CONVEX)
@pytest.mark.parametrize("positive", [False, True])
def test_prox_output_has_zero_violation(code, rho, positive):
    # z = prox_{G/L}(w - g/L) is a fixed point iff -g in dG(z): build g from z
    rng = np.random.default_rng(1)
    par = params(0.5, rho, positive)
    for _ in range(100):
        x, lip = rng.normal() * 2, rng.uniform(0.1, 5)
        z = prox_1d(code, par, 1.0, x, 1.0 / lip)
        g = lip * (z - x)  # the prox optimality L (x - z) in dG(z) is -g in dG(z)
        assert subdiff_distance_1d(code, par, 1.0, z, g, lip) < 1e-9


@pytest.mark.parametrize("code,rho", CONVEX)
@pytest.mark.parametrize("positive", [False, True])
def test_conjugate_matches_numeric_sup(code, rho, positive):
    par = params(0.8, rho, positive)
    grid = np.linspace(-50, 50, 200001)
    for v in (-2.0, -0.5, 0.0, 0.3, 0.79, 1.5):
        val = conjugate_1d(code, par, 1.0, v)
        pen = np.array([penalty_value(code, par, 1.0, t) for t in grid[::50]])
        numeric = np.max(v * grid[::50] - pen)
        if np.isinf(val):
            assert numeric > 1.0  # unbounded: grows with the grid
        else:
            assert val == pytest.approx(numeric, abs=1e-3)


def test_unknown_codes_do_not_compile():
    # kernels pick a penalty's or datafit's code when compiling, by the code's
    # type (codes.Kind): a plain integer, or a kind of the wrong family, is a
    # typing error naming the known kinds, never a silent NaN
    from numba.core.errors import TypingError
    par = params(1.0)
    with pytest.raises(TypingError, match="no penalty implementation"):
        prox_1d(0, par, 1.0, 1.0, 1.0)
    with pytest.raises(TypingError, match="no penalty implementation"):
        penalty_value(codes.QUADRATIC, par, 1.0, 1.0)
    with pytest.raises(TypingError, match="no datafit implementation"):
        datafit_value(codes.L1, np.ones(2), np.ones(2), np.ones(2), 2)


def test_codes_are_ints_that_pickle():
    import pickle
    for code in (codes.L1, codes.ELASTIC_NET, codes.LP, codes.QUADRATIC, codes.LOGISTIC):
        back = pickle.loads(pickle.dumps(code))
        assert back == int(code) and type(back) is type(code) and back.name == code.name


def test_l1_is_compiled_as_the_elastic_net_and_matches_the_lasso_exactly():
    # L1 shares the elastic net's Numba type (one compiled kernel for both
    # estimators); its encoded parameters carry l1_ratio 1, where every
    # scalar operation must be the lasso's formula bit for bit, infinite w
    # included (a 0 * inf in the ridge part would give NaN)
    import numba

    from sparsecert._kernels.prox import slope_1d, threshold_1d
    from sparsecert.penalties import L1, Lp

    assert numba.typeof(codes.L1) is numba.typeof(codes.ELASTIC_NET)
    assert numba.typeof(codes.L1) is not numba.typeof(codes.LP)
    for pen in (L1(alpha=0.7), L1(alpha=0.7, positive=True), Lp(alpha=0.7, p=1)):
        code, par, _ = pen.encode(3)
        assert code == codes.L1 and par[codes.PARAM_L1_RATIO] == 1.0
    rng = np.random.default_rng(11)
    for positive in (False, True):
        par = params(0.7, 1.0, positive)
        for x in np.concatenate([rng.normal(size=300) * 3, [0.0, -0.0, np.inf, -np.inf]]):
            step, c, g, d = rng.uniform(0.05, 3), rng.uniform(0, 2), rng.normal(), rng.normal()
            a = 0.7 * c
            soft = np.sign(x) * max(abs(x) - step * a, 0.0) if np.isfinite(x) else x
            if positive:
                soft = max(soft, 0.0)
            assert prox_1d(codes.L1, par, c, x, step) == soft
            value = np.inf if positive and x < 0 else a * abs(x)
            assert penalty_value(codes.L1, par, c, x) == value
            assert threshold_1d(codes.L1, par, c, 1.0) == a
            if x != 0.0 and not (positive and x < 0):
                assert subdiff_distance_1d(codes.L1, par, c, x, g, 1.0) == abs(g + a * np.sign(x))
            assert conjugate_1d(codes.L1, par, c, g) == (0.0 if (g if positive else abs(g)) <= a
                                                        else np.inf)
            if np.isfinite(x):
                ref = a * np.sign(x) * d if x != 0.0 else a * abs(d)
                assert slope_1d(codes.L1, par, c, x, d) == ref


def designs(dtype):
    rng = np.random.default_rng(2)
    Xs = sp.random(30, 12, density=0.3, format="csc", random_state=3, dtype=np.float64)
    Xs.data[:] = rng.standard_normal(Xs.nnz)
    Xs = Xs.astype(dtype)
    return Xs.toarray(), [as_design(Xs.toarray()), as_design(Xs)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_stats_and_products(dtype):
    Xd, ds = designs(dtype)
    n, p = Xd.shape
    sw = np.random.default_rng(4).uniform(0.1, 2, n)
    sw *= n / sw.sum()
    w = np.random.default_rng(5).standard_normal(p)
    v = np.random.default_rng(6).standard_normal(n)
    X64 = Xd.astype(np.float64)
    ref_means = (sw @ X64) / n
    ref_sq = (sw @ (X64 - ref_means) ** 2) / n
    for d in ds:
        means, sq = np.empty(p), np.empty(p)
        column_stats(*d.args, n, p, sw, True, means, sq)
        np.testing.assert_allclose(means, ref_means, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(sq, ref_sq, rtol=1e-10)
        out = np.empty(n)
        matvec(*d.args, n, w, out)
        np.testing.assert_allclose(out, X64 @ w, rtol=1e-12, atol=1e-12)
        g = np.empty(p)
        rmatvec(*d.args, v, g)
        np.testing.assert_allclose(g, X64.T @ v, rtol=1e-12, atol=1e-12)


def test_dense_kernels_compile_no_csc_code():
    """The layout is a compile-time fact (see sparsecert._kernels.datafit): with a
    2-D X_dense the CSC branches are pruned before typing, so the kernels compile
    with None for the CSC arrays (a CSC branch left in would not type). The other
    way round is every CSC test: a 1-D X_dense cannot type a dense branch."""
    rng = np.random.default_rng(8)
    n, p = 6, 4
    X = np.asfortranarray(rng.standard_normal((n, p)))
    sw = np.ones(n)
    w, v = rng.standard_normal(p), rng.standard_normal(n)
    out = np.empty(n)
    matvec(X, None, None, None, n, w, out)
    np.testing.assert_allclose(out, X @ w, rtol=1e-12)
    means, sq, g = np.empty(p), np.empty(p), np.empty(p)
    column_stats_grad(X, None, None, None, n, p, sw, True, v, means, sq, g)
    np.testing.assert_allclose(g, X.T @ v, rtol=1e-12)
    np.testing.assert_allclose(means, X.mean(axis=0), rtol=1e-12)


@pytest.mark.parametrize("code", [codes.QUADRATIC, codes.LOGISTIC])
def test_datafit_gradient_and_conjugate(code):
    rng = np.random.default_rng(7)
    n = 15
    y = rng.standard_normal(n) if code == codes.QUADRATIC else np.sign(rng.standard_normal(n))
    sw = rng.uniform(0.5, 2, n)
    sw *= n / sw.sum()
    z = rng.standard_normal(n)
    u = np.empty(n)
    datafit_raw_grad(code, y, z, sw, n, u)
    eps = 1e-6
    for i in range(n):
        e = np.zeros(n)
        e[i] = eps
        fd = (datafit_value(code, y, z + e, sw, n) - datafit_value(code, y, z - e, sw, n)) / (2 * eps)
        assert u[i] == pytest.approx(fd, rel=1e-5, abs=1e-9)
    # Fenchel-Young equality at u = f'(z): f(z) + f*(u) = u.z
    fz = datafit_value(code, y, z, sw, n)
    assert fz + datafit_conjugate(code, y, u, sw, n, 1.0) == pytest.approx(u @ z, rel=1e-10, abs=1e-12)


def test_logistic_is_stable_for_huge_margins():
    n = 4
    y = np.array([1.0, -1.0, 1.0, -1.0])
    z = np.array([1e4, 1e4, -1e4, -1e4])
    sw = np.ones(n)
    assert np.isfinite(datafit_value(codes.LOGISTIC, y, z, sw, n))
    u = np.empty(n)
    datafit_raw_grad(codes.LOGISTIC, y, z, sw, n, u)
    assert np.all(np.isfinite(u))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cd_epoch_matches_naive_twin(dtype):
    Xd, ds = designs(dtype)
    X64 = Xd.astype(np.float64)
    n, p = Xd.shape
    y = np.random.default_rng(8).standard_normal(n)
    sw = np.ones(n)
    par = params(0.05)
    means = X64.mean(axis=0)
    lips = ((X64 - means) ** 2).mean(axis=0)
    # naive: one cyclic epoch on the centred problem, intercept profiled out
    w_ref = np.zeros(p)
    Xc = X64 - means
    yc = y - y.mean()
    for j in range(p):
        g = -(Xc[:, j] @ (yc - Xc @ w_ref)) / n
        x = w_ref[j] - g / lips[j]
        w_ref[j] = np.sign(x) * max(abs(x) - 0.05 / lips[j], 0)
    for d in ds:
        runs = []
        for unit in (False, True):  # unit weights, read or not: the same bits
            w = np.zeros(p)
            sw_r = y.copy()
            ep, cheap, b, _, _ = cd_quadratic_anderson(
                *d.args, n, y, sw_r, sw, w, y.mean(), means, lips, frozen(np.ones(p)),
                np.arange(p), codes.L1, par, np.ones(p), 1, 0.0, True, 0, np.empty(n),
                np.empty((0, p)), 0, np.zeros(1), codes.ONE_THREAD, unit)
            assert ep == 1
            np.testing.assert_allclose(w, w_ref, rtol=1e-10, atol=1e-12)
            assert b == pytest.approx(np.mean(y - X64 @ w))
            runs.append((w, sw_r, b))
        assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])
        assert runs[0][2] == runs[1][2]


def test_unit_weight_residual_update_is_the_weighted_one_bitwise():
    """s_i (delta x_ij) with s_i = 1, as the compiled loops round it, is what
    the update that never reads s gives, sparse and dense, at any scale."""
    from sparsecert._kernels.cd import _residual_update, _residual_update_unit
    _residual_update, _residual_update_unit = entry(_residual_update), entry(_residual_update_unit)

    rng = np.random.default_rng(0)
    for t in range(60):
        n = int(rng.integers(1, 2000))
        X = sp.random(n, 4, density=rng.uniform(0.01, 1), format="csc", random_state=t)
        X.data = rng.standard_normal(X.data.size) * 10 ** rng.uniform(-5, 5)
        for d in (as_design(X), as_design(np.asfortranarray(X.toarray()))):
            a = rng.standard_normal(n)
            b = a.copy()
            for j in range(4):
                delta = rng.standard_normal() * 10 ** rng.uniform(-8, 3)
                _residual_update(*d.args, j, delta, a, np.ones(n))
                _residual_update_unit(*d.args, j, delta, b)
            assert np.array_equal(a, b)


def test_cd_active_sweeps_count_their_reads_and_never_end_a_call():
    """After a full sweep, sweeps over the nonzero features only (when their
    columns are a small share of the set's entries): each reads just those
    columns, and only a full sweep's bound can end the call or be returned."""
    from sparsecert._kernels.cd import ACTIVE_SHARE

    rng = np.random.default_rng(4)
    n, p = 400, 60
    X = sp.random(n, p, density=0.02, random_state=5, format="csc")
    X[:, :3] = rng.standard_normal((n, 3))   # three dense columns carry the signal,
    X[:, 3:13] = 0.1 * rng.standard_normal((n, 10))  # ten dense ones stay at zero
    X = sp.csc_matrix(X)
    y = X[:, :3] @ np.array([3.0, -2.0, 1.5]) + 0.1 * rng.standard_normal(n)
    means = np.zeros(p)
    lips = np.asarray(X.multiply(X).mean(axis=0)).ravel()
    alpha = 0.2 * np.max(np.abs(X.T @ y)) / n
    counts = np.diff(X.indptr).astype(float)
    d = as_design(X)

    def run(epochs, tol=0.0):
        w = np.zeros(p)
        sw_r = y.copy()
        work = np.zeros(1)
        ep, cheap, _, _, _ = cd_quadratic_anderson(
            *d.args, n, y, sw_r, np.ones(n), w, 0.0, means, lips, frozen(np.ones(p)),
            np.arange(p), codes.L1, params(alpha), np.ones(p), epochs, tol, False, 0,
            np.empty(n), np.empty((0, p)), 0, work, codes.ONE_THREAD, True)
        return w, cheap, work[0]

    w1, cheap1, work1 = run(1)
    assert work1 == counts.sum() and np.isfinite(cheap1)
    active = np.flatnonzero(w1)
    assert counts[active].sum() <= ACTIVE_SHARE * counts.sum()  # active sweeps follow
    _, cheap2, work2 = run(2)
    assert work2 == counts.sum() + counts[active].sum()
    assert cheap2 == np.inf   # the second sweep's bound covers the active features only
    # to convergence: the bound returned is a full sweep's, and holds for all features
    w, cheap, _ = run(10000, tol=1e-10)
    assert cheap <= 1e-10
    g = -(X.T @ (y - X @ w)) / n
    viol = np.where(w != 0, np.abs(g + alpha * np.sign(w)), np.maximum(np.abs(g) - alpha, 0))
    assert viol.max() <= 1e-8


@pytest.mark.parametrize("scale", [1e-200, 1.0, 1e150, 1e200])
def test_anderson_weights_do_not_depend_on_the_iterates_scale(scale):
    """The weights minimize ||sum_k c_k (w_{k+1} - w_k)|| over sum c = 1: scaling
    every iterate leaves them unchanged, and must not overflow (coefficients
    of 1e150 gave U U^T = inf and a LinAlgError before the normalization)."""
    rng = np.random.default_rng(3)
    hist = np.cumsum(rng.standard_normal((6, 40)) * 0.5 ** np.arange(6)[:, None], axis=0)
    ref = anderson_weights(hist)
    got = anderson_weights(hist * scale)
    assert ref.size == 5 and ref.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(got, ref, rtol=1e-9)
    # degenerate differences: no weights
    assert anderson_weights(np.ones((6, 40))).size == 0
    bad = hist.copy()
    bad[2, 0] = np.nan
    assert anderson_weights(bad).size == 0


def test_kinds_typed_as_numba_types_them():
    # codes._install_kind_typeof answers for a Kind before Numba's generic
    # typeof_pyval: the same (interned) type as numba.typeof gives, and any
    # other value still goes through Numba's own path
    import numba

    from sparsecert._kernels.datafit import matvec

    for kind in (codes.QUADRATIC, codes.LOGISTIC, codes.L1, codes.ELASTIC_NET, codes.LP,
                 codes.GROUP_LASSO):
        assert matvec.typeof_pyval(kind) is numba.typeof(kind)
        assert matvec.typeof_pyval(kind) != numba.typeof(int(kind))
    assert matvec.typeof_pyval((1.0, 2)) == numba.typeof((1.0, 2))
