"""The input contract: every bad input fails loudly and names itself; every
unusual but valid input gives the same, certified answer as the plain one.

Parametrized over ``ESTIMATORS`` (tests/_helpers.py) wherever the case does
not depend on a specific penalty.
"""

import hashlib
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso as SkLasso

import sparsecert.solvers.gram
from sparsecert import Lasso, alpha_max, check_optimality, penalties

from _helpers import REGRESSOR_FACTORIES as ESTIMATOR_FACTORIES
from _helpers import REGRESSOR_IDS as ESTIMATOR_IDS
from _helpers import is_multi_output, regression_data, target_for

estimators = pytest.mark.parametrize("make", ESTIMATOR_FACTORIES, ids=ESTIMATOR_IDS)


def tight(make, **params):
    """A fresh estimator with a tight tolerance (solutions compared to ~1e-8)."""
    est = clone(make()).set_params(tol=1e-12, max_iter=100000)
    return est.set_params(**params) if params else est


def fit_quiet(est, X, y, **kw):
    """Fit with every warning turned into an error: valid input must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return est.fit(X, y, **kw)


@pytest.fixture
def data(request):
    """The regression data; for a multi-task estimator (the test's ``make``) a
    2-D y of two tasks (``_helpers.target_for``)."""
    X, y = regression_data(n=30, p=6, seed=1)
    params = getattr(request.node, "callspec", None)
    return X, target_for(params.params.get("make") if params else None, y)


# ---------------------------------------------------------------- bad values

@estimators
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_X(make, data, bad):
    X, y = data
    X = X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match=r"Input X contains (NaN|infinity)"):
        make().fit(X, y)


@estimators
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_y(make, data, bad):
    X, y = data
    y = y.copy()
    y[0] = bad
    with pytest.raises(ValueError, match=r"Input y contains (NaN|infinity)"):
        make().fit(X, y)


@estimators
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_sample_weight(make, data, bad):
    X, y = data
    sw = np.ones(len(y))
    sw[4] = bad
    with pytest.raises(ValueError, match=r"sample_weight contains NaN or infinity"):
        make().fit(X, y, sample_weight=sw)


@estimators
def test_negative_sample_weight(make, data):
    X, y = data
    sw = np.ones(len(y))
    sw[1] = -0.5
    with pytest.raises(ValueError, match=r"sample_weight must be >= 0"):
        make().fit(X, y, sample_weight=sw)


@estimators
def test_all_zero_sample_weight(make, data):
    X, y = data
    with pytest.raises(ValueError, match=r"sample_weight sums to zero"):
        make().fit(X, y, sample_weight=np.zeros(len(y)))


@estimators
def test_sample_weight_wrong_length(make, data):
    X, y = data
    with pytest.raises(ValueError, match=r"sample_weight must be a 1-D array of length n_samples=30"):
        make().fit(X, y, sample_weight=np.ones(len(y) - 1))


# ---------------------------------------------------------------- bad shapes

@estimators
def test_empty_X(make):
    with pytest.raises(ValueError, match=r"X: Found array with 0 sample\(s\)"):
        make().fit(np.empty((0, 3)), np.empty(0))


@estimators
def test_zero_features(make):
    with pytest.raises(ValueError, match=r"X: Found array with 0 feature\(s\)"):
        make().fit(np.empty((5, 0)), np.ones(5))


@estimators
def test_three_d_X(make, data):
    X, y = data
    with pytest.raises(ValueError, match=r"X: Found array with dim 3"):
        make().fit(X[:, :, None], y)


@estimators
def test_mismatched_lengths(make, data):
    X, y = data
    with pytest.raises(ValueError, match=r"X and y have different lengths.*\[30, 29\]"):
        make().fit(X, y[:-1])


def test_one_sample_matches_sklearn(data):
    """n_samples = 1 is well posed with an intercept: coef 0, intercept y[0]
    (scikit-learn's Lasso does the same, silently); certified."""
    X, y = data
    est = fit_quiet(Lasso(alpha=0.1), X[:1], y[:1])
    sk = SkLasso(alpha=0.1).fit(X[:1], y[:1])
    np.testing.assert_array_equal(est.coef_, 0.0)
    np.testing.assert_array_equal(sk.coef_, 0.0)
    assert est.intercept_ == y[0] == sk.intercept_
    assert est.certificate_.converged


# ---------------------------------------------------------------- parameters

def _bad_params():
    cases = [("tol", 0.0, "tol"), ("tol", -1e-3, "tol"), ("tol", np.nan, "tol"),
             ("max_iter", 0, "max_iter"), ("max_iter", -5, "max_iter"),
             ("alpha", -0.1, "alpha"), ("alpha", np.nan, "alpha"), ("alpha", np.inf, "alpha"),
             ("l1_ratio", 1.5, "l1_ratio"), ("l1_ratio", -0.1, "l1_ratio")]
    out = []
    for make, name in zip(ESTIMATOR_FACTORIES, ESTIMATOR_IDS):
        params = make().get_params()
        for param, value, where in cases:
            if param in params:
                out.append(pytest.param(make, param, value, where, id=f"{name}-{param}={value}"))
    return out


@pytest.mark.parametrize("make, param, value, where", _bad_params())
def test_bad_parameter(make, data, param, value, where):
    X, y = data
    with pytest.raises(ValueError, match=rf"The '{where}' parameter of \w+ must be"):
        make().set_params(**{param: value}).fit(X, y)


@pytest.mark.parametrize("value", [-0.1, np.float64(-0.1), np.nan])
def test_bad_parameter_after_a_valid_fit(data, value):
    # parameter sets that passed are remembered (estimators._base.CheapParams):
    # a changed value is checked again, NumPy scalars included
    X, y = data
    est = Lasso(alpha=np.float64(0.1)).fit(X, y)
    Lasso(alpha=0.1).fit(X, y)
    with pytest.raises(ValueError, match=r"The 'alpha' parameter of Lasso must be"):
        est.set_params(alpha=value).fit(X, y)
    assert est.set_params(alpha=0.1).fit(X, y).certificate_.converged


def test_plain_arrays_skip_nothing_scikit_learn_checks(data):
    """A plain float ndarray skips validate_data (estimators._base._plain_arrays):
    the same fit and bookkeeping as through scikit-learn's validation, and
    whatever the shortcut does not vouch for still gets it."""
    X, y = data
    plain = Lasso(alpha=0.05).fit(X, y)
    full = Lasso(alpha=0.05).fit(X.tolist(), y.tolist())  # through validate_data
    np.testing.assert_array_equal(plain.coef_, full.coef_)
    assert plain.intercept_ == full.intercept_ and plain.n_features_in_ == X.shape[1]
    # a refit on an array without names forgets the names of an earlier fit
    plain.feature_names_in_ = np.array([f"x{j}" for j in range(X.shape[1])], dtype=object)
    assert not hasattr(plain.fit(X, y), "feature_names_in_")
    # a non-contiguous y, an (n, 1) y: scikit-learn's path (same fit; its warning)
    strided = np.repeat(y, 2)[::2]
    np.testing.assert_array_equal(Lasso(alpha=0.05).fit(X, strided).coef_, plain.coef_)
    with pytest.warns(UserWarning, match="column-vector y"):
        Lasso(alpha=0.05).fit(X, y[:, None])
    # entries whose sum overflows are finite: not refused as "infinity", but
    # by make_problem's overflow check, which names the columns
    big = X.copy()
    big[:2, 0] = 1e308
    with pytest.raises(ValueError, match=r"X has column\(s\) \[0\]"):
        Lasso().fit(big, y)


def _penalty_weight_estimators():
    # the group estimators' weights are per group (tests/test_group_lasso.py,
    # test_sparse_group.py and test_block_paths.py check them)
    return [pytest.param(m, id=i) for m, i in zip(ESTIMATOR_FACTORIES, ESTIMATOR_IDS)
            if "weights" in m().get_params() and "groups" not in m().get_params()]


@pytest.mark.parametrize("make", _penalty_weight_estimators())
@pytest.mark.parametrize("weights, match", [
    ([1, 1, -1, 1, 1, 1], r"weights \(penalty weights\) must be finite and >= 0"),
    ([1, 1, np.nan, 1, 1, 1], r"weights \(penalty weights\) must be finite and >= 0"),
    ([1, 1, 1], r"weights \(penalty weights\) must be a 1-D array of length n_features=6"),
    ([[1, 1, 1, 1, 1, 1]], r"weights \(penalty weights\) must be a 1-D array"),
])
def test_bad_penalty_weights(make, data, weights, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        make().set_params(weights=weights).fit(X, y)


# ---------------------------------------------------------------- alpha range

def test_alpha_zero_is_certified_least_squares(data):
    X, y = data
    est = fit_quiet(Lasso(alpha=0.0, tol=1e-10, max_iter=10000), X, y)
    A = np.c_[X, np.ones(len(y))]
    sol = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(est.coef_, sol[:-1], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(est.intercept_, sol[-1], rtol=1e-7, atol=1e-9)
    assert est.certificate_.converged
    assert est.certificate_.duality_gap <= 1e-10


@estimators
@pytest.mark.parametrize("factor", [1.0, 1.5, 1e6])
def test_alpha_at_least_alpha_max_gives_exact_zeros(make, data, factor):
    X, y = data
    est = make()
    if est.get_params().get("p", 1.0) != 1.0:
        pytest.skip("alpha_max is the L1 dead zone's edge: Lp with p != 1 has another "
                    "(p > 1: none at all; p < 1: see test_lp.py)")
    params = est.get_params()
    if is_multi_output(est):  # the multi-task alpha_max: max_j ||g_j(0, b0)||_2 / rho
        amax = alpha_max(X, y, penalty=penalties.MultiTaskL21(
            1.0, float(np.min(params.get("l1_ratio", 1.0)))))
        est.set_params(**({"alpha": factor * amax} if "alpha" in params
                          else {"alphas": [factor * amax]}))
    elif "alpha" in params:
        amax = alpha_max(X, y, l1_ratio=params.get("l1_ratio", 1.0))
        est.set_params(alpha=factor * amax)
    elif "alphas" in params:  # CV estimators: a one-alpha grid, above every l1_ratio's alpha_max
        amax = alpha_max(X, y, l1_ratio=float(np.min(params.get("l1_ratio", 1.0))))
        est.set_params(alphas=[factor * amax])
    else:  # the general estimator carries alpha in its penalty
        amax = alpha_max(X, y, l1_ratio=getattr(params["penalty"], "l1_ratio", 1.0))
        est.set_params(penalty=params["penalty"].with_alpha(factor * amax))
    fit_quiet(est, X, y)
    assert np.all(est.coef_ == 0.0)
    np.testing.assert_allclose(est.intercept_, y.mean(axis=0), rtol=1e-14)
    assert est.certificate_.converged
    assert est.n_iter_ == 1 and est.certificate_.n_iter == 0  # no epoch; sklearn's n_iter_ >= 1


def test_alpha_just_below_alpha_max_is_not_all_zero(data):
    X, y = data
    amax = alpha_max(X, y)
    est = fit_quiet(Lasso(alpha=0.99 * amax, tol=1e-10), X, y)
    assert np.count_nonzero(est.coef_) >= 1
    assert est.certificate_.converged


# ---------------------------------------------------------------- degenerate columns

@estimators
def test_constant_and_zero_columns(make, data):
    X, y = data
    Xd = X.copy()
    Xd[:, 1] = 3.0
    Xd[:, 4] = 0.0
    est = fit_quiet(tight(make), Xd, y)
    # with an intercept a constant column cannot help: exactly zero (feature j
    # is coef_[..., j]: a column of the multi-task estimators' (n_tasks, p) coef_)
    assert np.all(est.coef_[..., 1] == 0.0) and np.all(est.coef_[..., 4] == 0.0)
    assert est.certificate_.converged
    # and the rest is the fit without those columns
    keep = [0, 2, 3, 5]
    ref = fit_quiet(tight(make), X[:, keep], y)
    np.testing.assert_allclose(est.coef_[..., keep], ref.coef_, rtol=1e-7, atol=1e-9)


@estimators
def test_zero_column_without_intercept(make, data):
    X, y = data
    Xd = X.copy()
    Xd[:, 4] = 0.0
    est = fit_quiet(tight(make, fit_intercept=False), Xd, y)
    assert np.all(est.coef_[..., 4] == 0.0)
    assert est.certificate_.converged


def test_duplicated_columns(data):
    """Duplicates split the weight (the Lasso solution is not unique) but the
    objective, the fitted values and the certificate are those of the plain fit."""
    X, y = data
    ref = fit_quiet(Lasso(alpha=0.05, tol=1e-12, max_iter=100000), X, y)
    Xd = np.c_[X, X[:, 0], X[:, 0]]
    est = fit_quiet(Lasso(alpha=0.05, tol=1e-12, max_iter=100000), Xd, y)
    assert est.certificate_.converged
    np.testing.assert_allclose(est.coef_[[0, 6, 7]].sum(), ref.coef_[0], rtol=1e-7)
    np.testing.assert_allclose(est.predict(Xd), ref.predict(X), rtol=1e-8, atol=1e-10)
    assert est.certificate_.objective == pytest.approx(ref.certificate_.objective, rel=1e-10)


@pytest.mark.parametrize("gram", ["never", "always"])
@pytest.mark.parametrize("scale", [1e-150, 1e-100, 1e-8, 1e8, 1e100, 1e150])
def test_one_column_scaled_with_its_penalty_weight(data, scale, gram, monkeypatch):
    """x_j -> s x_j with c_j -> s c_j is the same problem in w_j / s (each CD kernel:
    residual and Gram)."""
    monkeypatch.setattr(sparsecert.solvers.gram, "_GRAM_MODE", gram)
    X, y = data
    p = X.shape[1]
    ref = fit_quiet(Lasso(alpha=0.05, tol=1e-12, max_iter=100000), X, y)
    Xs = X.copy()
    Xs[:, 0] *= scale
    weights = np.ones(p)
    weights[0] = scale
    est = fit_quiet(Lasso(alpha=0.05, tol=1e-12, max_iter=100000, weights=weights), Xs, y)
    expected = ref.coef_.copy()
    expected[0] /= scale
    np.testing.assert_allclose(est.coef_, expected, rtol=1e-7, atol=1e-10 * np.abs(ref.coef_).max())
    assert est.certificate_.converged and np.isfinite(est.certificate_.max_violation)


@pytest.mark.parametrize("scale", [1e-150, 1e150])
def test_one_column_scaled_alone_is_certified(data, scale):
    X, y = data
    Xs = X.copy()
    Xs[:, 0] *= scale
    est = fit_quiet(Lasso(alpha=0.05, tol=1e-10, max_iter=100000), Xs, y)
    cert = est.certificate_
    assert cert.converged and np.isfinite(cert.max_violation) and np.all(np.isfinite(est.coef_))
    # a tiny column needs a huge coefficient: the L1 penalty keeps it at 0
    if scale < 1:
        assert est.coef_[0] == 0.0 and cert.margin[0] > 0


@pytest.mark.parametrize("scale, match", [(1e300, "overflows"), (1e-300, "underflows"),
                                          (1e-156, "too small")])
def test_column_beyond_float64_raises_clearly(data, scale, match):
    X, y = data
    Xs = X.copy()
    Xs[:, 2] *= scale
    with pytest.raises(ValueError, match=rf"X (column 2|has column\(s\) \[2\]).*{match}.*rescale X"):
        Lasso(alpha=0.05).fit(Xs, y)


@estimators
def test_constant_y(make, data):
    X, y0 = data
    for c in (0.0, 0.1, 1 / 3, -7.25e8):
        y = np.full(y0.shape, c)  # every task constant, for the multi-task estimators
        est = fit_quiet(make(), X, y)
        np.testing.assert_array_equal(est.coef_, 0.0)
        np.testing.assert_allclose(est.intercept_, c, rtol=1e-14, atol=0)
        assert est.certificate_.converged and est.n_iter_ == 1 and est.certificate_.n_iter == 0


# ---------------------------------------------------------------- extreme global scales

# X itself at 1e-200 underflows L_j and raises (test_column_beyond_float64_raises_clearly)
@pytest.mark.parametrize("gram", ["never", "always"])
@pytest.mark.parametrize("what, scale", [("X", 1e-150), ("X", 1e-100), ("X", 1e100),
                                         ("X", 1e150), ("y", 1e-200), ("y", 1e-100),
                                         ("y", 1e100)])
def test_global_scaling_gives_scaled_certified_answer(data, scale, what, gram, monkeypatch):
    """Lasso(alpha) on (X, y) == Lasso(alpha s) on (s X, y) in w s ==
    Lasso(alpha s) on (X, s y) in w / s, with either CD kernel asked for
    (the Gram one declines columns whose squares leave float64's normal range)."""
    monkeypatch.setattr(sparsecert.solvers.gram, "_GRAM_MODE", gram)
    X, y = data
    ref = fit_quiet(Lasso(alpha=0.05, tol=1e-10), X, y)
    if what == "X":
        est = fit_quiet(Lasso(alpha=0.05 * scale, tol=1e-10), X * scale, y)
        coef, intercept = est.coef_ * scale, est.intercept_
    else:
        est = fit_quiet(Lasso(alpha=0.05 * scale, tol=1e-10), X, y * scale)
        coef, intercept = est.coef_ / scale, est.intercept_ / scale
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(intercept, ref.intercept_, rtol=1e-7, atol=1e-12)
    assert est.certificate_.converged
    np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)


def _independent_all_zero_is_optimal(X, y, alpha):
    """Plain numpy: w = 0 (intercept = mean y) is optimal iff ||X^T (y - ybar)||_inf / n <= alpha.
    Rescaled first so that nothing under- or overflows."""
    sx, sy = np.abs(X).max(), np.abs(y - y.mean()).max()
    if sy == 0:
        return True
    g = np.abs((X / sx).T @ ((y - y.mean()) / sy)).max() / len(y)
    return g <= alpha / (sx * sy)


@pytest.mark.parametrize("scale", [1e-300, 1e-250, 1e-200, 1e-100, 1e100, 1e150])
def test_certificate_never_passes_a_wrong_all_zero_answer(data, scale):
    """scikit-learn's Lasso returns all-zero coefficients, silently, once y is
    tiny (1e-200 here); the certificate must say whether all-zero is right."""
    X, y = data
    ys = y * scale
    for alpha in (0.05 * scale, 10 * alpha_max(X, y) * scale):
        zero_ok = _independent_all_zero_is_optimal(X, ys, alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk = SkLasso(alpha=alpha).fit(X, ys)
        cert = check_optimality(X, ys, sk.coef_, sk.intercept_, datafit="quadratic",
                                penalty=penalties.L1(alpha=alpha))
        if np.all(sk.coef_ == 0):
            assert cert.converged == zero_ok
        ours = fit_quiet(Lasso(alpha=alpha), X, ys)
        assert ours.certificate_.converged
        assert np.all(ours.coef_ == 0) == zero_ok


# ---------------------------------------------------------------- layouts and types

def _dense_variants(X, tmp_path):
    ro = X.copy()
    ro.flags.writeable = False
    wide = np.zeros((X.shape[0] * 2, X.shape[1] * 2))
    wide[::2, ::2] = X
    mm = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    mm_ro = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="r", shape=X.shape)
    return {
        "C": np.ascontiguousarray(X), "F": np.asfortranarray(X),
        "strided": wide[::2, ::2], "read-only": ro, "memmap": mm, "memmap-r": mm_ro,
        "list": X.tolist(),
    }


@estimators
def test_dense_layouts_same_solution(make, data, tmp_path):
    X, y = data
    ref = fit_quiet(tight(make), X, y)
    for name, Xv in _dense_variants(X, tmp_path).items():
        est = fit_quiet(tight(make), Xv, y)
        np.testing.assert_array_equal(est.coef_, ref.coef_, err_msg=name)
        assert est.coef_.dtype == np.float64
        assert est.certificate_.converged


@estimators
def test_float32_stays_float32(make, data):
    X, y = data
    ref = fit_quiet(tight(make), X, y)
    est = fit_quiet(clone(make()).set_params(tol=1e-6), X.astype(np.float32), y.astype(np.float32))
    assert est.coef_.dtype == np.float32
    assert est.certificate_.converged
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-4, atol=1e-4)


@estimators
def test_integer_input(make, data):
    X, y = data
    Xi, yi = np.round(X * 10).astype(np.int64), np.round(y * 10).astype(np.int32)
    est = fit_quiet(tight(make), Xi, yi)
    ref = fit_quiet(tight(make), Xi.astype(float), yi.astype(float))
    assert est.coef_.dtype == np.float64
    np.testing.assert_array_equal(est.coef_, ref.coef_)


def _sparse_variants(X):
    Xz = X.copy()
    Xz[np.abs(Xz) < 0.5] = 0.0
    csc = sp.csc_matrix(Xz)
    out = {
        "csr": sp.csr_matrix(Xz), "csc": csc, "coo": sp.coo_matrix(Xz),
        "csr_array": sp.csr_array(Xz), "csc_array": sp.csc_array(Xz),
    }
    for idx in (np.int32, np.int64):
        m = csc.copy()
        m.indices = m.indices.astype(idx)
        m.indptr = m.indptr.astype(idx)
        out[f"csc-{np.dtype(idx).name}"] = m
        r = sp.csr_matrix(Xz)
        r.indices = r.indices.astype(idx)
        r.indptr = r.indptr.astype(idx)
        out[f"csr-{np.dtype(idx).name}"] = r
    # unsorted indices: reverse each column's entries
    data, indices, indptr = [], [], csc.indptr.copy()
    for j in range(csc.shape[1]):
        s = slice(csc.indptr[j], csc.indptr[j + 1])
        data.append(csc.data[s][::-1])
        indices.append(csc.indices[s][::-1])
    uns = sp.csc_matrix((np.concatenate(data), np.concatenate(indices), indptr), shape=csc.shape)
    uns.has_sorted_indices = False
    out["csc-unsorted"] = uns
    # duplicate entries: split every stored value in two halves
    coo = csc.tocoo()
    dup = sp.coo_matrix((np.r_[coo.data * 0.25, coo.data * 0.75], (np.r_[coo.row, coo.row],
                         np.r_[coo.col, coo.col])), shape=csc.shape)
    out["coo-duplicates"] = dup
    out["csc-duplicates"] = _raw_csc_with_duplicates(csc)
    out["csr-duplicates"] = _raw_csc_with_duplicates(sp.csc_matrix(Xz.T)).T.tocsr(copy=False)
    # explicit zeros stored in the structure
    out["csc-explicit-zeros"] = _raw_csc_with_explicit_zeros(csc)
    out["csr-explicit-zeros"] = _raw_csc_with_explicit_zeros(sp.csc_matrix(Xz.T)).T
    return Xz, out


def _raw_csc_with_duplicates(csc):
    """A CSC matrix whose columns hold each entry twice (halves), built from raw arrays."""
    data, indices, indptr = [], [], [0]
    for j in range(csc.shape[1]):
        s = slice(csc.indptr[j], csc.indptr[j + 1])
        data.append(np.r_[csc.data[s] * 0.5, csc.data[s] * 0.5])
        indices.append(np.r_[csc.indices[s], csc.indices[s]])
        indptr.append(indptr[-1] + 2 * (s.stop - s.start))
    m = sp.csc_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr)),
                      shape=csc.shape)
    assert not m.has_canonical_format
    return m


def _raw_csc_with_explicit_zeros(csc):
    """Every column gets an explicitly stored 0.0 at a row where it is structurally zero."""
    dense = csc.toarray()
    data, indices, indptr = [], [], [0]
    for j in range(csc.shape[1]):
        rows = np.flatnonzero(dense[:, j] != 0)
        zero_rows = np.flatnonzero(dense[:, j] == 0)[:2]
        r = np.sort(np.r_[rows, zero_rows])
        data.append(dense[r, j])
        indices.append(r)
        indptr.append(indptr[-1] + r.size)
    m = sp.csc_matrix((np.concatenate(data), np.concatenate(indices), np.array(indptr)),
                      shape=csc.shape)
    assert np.any(m.data == 0)
    return m


@estimators
def test_sparse_formats_same_solution_as_dense(make, data):
    X, y = data
    Xz, variants = _sparse_variants(X)
    ref = fit_quiet(tight(make), Xz, y)
    for name, Xs in variants.items():
        est = fit_quiet(tight(make), Xs, y)
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-9, atol=1e-12,
                                   err_msg=name)
        np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0, err_msg=name)
        assert est.certificate_.converged, name


# ---------------------------------------------------------------- caller's arrays untouched

def _fingerprint(obj):
    """A digest of every array (and format flag) the caller owns."""
    h = hashlib.sha256()
    if obj is None:
        return None
    if sp.issparse(obj):
        for name in ("data", "indices", "indptr", "row", "col"):
            a = getattr(obj, name, None)
            if a is not None:
                h.update(name.encode() + np.ascontiguousarray(a).tobytes() + str(a.dtype).encode())
        return h.hexdigest(), obj.shape, obj.format
    a = np.asarray(obj)
    h.update(np.ascontiguousarray(a).tobytes() + str(a.dtype).encode())
    return h.hexdigest(), a.flags.c_contiguous, a.flags.f_contiguous, a.flags.writeable


_FLAGS = ("_has_sorted_indices", "_has_canonical_format")


def _true_flag(X, key):
    fresh = X.copy()
    for k in _FLAGS:
        fresh.__dict__.pop(k, None)
    return fresh.has_sorted_indices if key == "_has_sorted_indices" else fresh.has_canonical_format


@estimators
def test_caller_arrays_never_modified(make, data, tmp_path):
    X, y = data
    Xz, sparse = _sparse_variants(X)
    inputs = {**_dense_variants(X, tmp_path), **sparse,
              "f32": X.astype(np.float32), "int": np.round(X * 10).astype(np.int64)}
    sw = np.linspace(0.5, 2.0, len(y))
    for name, Xv in inputs.items():
        est = clone(make())
        if "weights" in est.get_params():
            pw = np.linspace(0.0, 1.0, X.shape[1])
            est.set_params(weights=pw)
            before_pw = _fingerprint(pw)
        before = (_fingerprint(Xv), _fingerprint(y), _fingerprint(sw))
        flags_before = {k: Xv.__dict__.get(k) for k in _FLAGS} if sp.issparse(Xv) else {}
        est.fit(Xv, y, sample_weight=sw)
        est.predict(Xv)
        assert (_fingerprint(Xv), _fingerprint(y), _fingerprint(sw)) == before, name
        if "weights" in est.get_params():
            assert _fingerprint(pw) == before_pw, name
        if sp.issparse(Xv):
            # scipy caches its format flags lazily: a fit may fill an unknown
            # flag (reading the property), but only with the truth, and never
            # flips a known one
            for key, before_flag in flags_before.items():
                after = Xv.__dict__.get(key)
                if before_flag is not None:
                    assert after == before_flag, (name, key)
                elif after is not None:
                    assert after == _true_flag(Xv, key), (name, key)


@pytest.mark.parametrize("layout", ["csr", "csc"])
def test_many_empty_columns_are_not_looked_at_one_by_one(layout, monkeypatch):
    """A hashing vectorizer's X has most of its 2^20 columns empty: the
    underflow check skips them (all zeros, constant) and still catches a
    column of tiny varying entries among them. Looking at each empty column
    (np.ptp on its implicit zero) took 7.7 s of an 8.5 s fit at 2^20."""
    from sparsecert import _validation

    rng = np.random.default_rng(0)
    n, p = 200, 20_000
    X = sp.random(n, p, density=5e-4, format="csr", random_state=0)
    X = sp.hstack([sp.csr_matrix(rng.normal(size=(n, 3))), X], format=layout)
    y = X[:, :3].toarray() @ np.array([1.0, -2.0, 0.5]) + 0.01 * rng.normal(size=n)
    looks = []
    real_ptp = np.ptp
    monkeypatch.setattr(_validation.np, "ptp", lambda a, *k: looks.append(1) or real_ptp(a, *k))
    est = Lasso(alpha=0.05).fit(X, y)
    assert est.certificate_.converged and not looks
    monkeypatch.undo()
    j = int(np.flatnonzero(np.diff(X.tocsc().indptr) == 0)[0])  # an empty column
    bad = X.tolil()
    bad[:2, j] = np.array([[1e-170], [3e-170]])
    with pytest.raises(ValueError, match=rf"X column {j} is not constant.*rescale X"):
        Lasso(alpha=0.05).fit(bad.asformat(layout), y)


@pytest.mark.parametrize("layout", ["dense", "csr", "csc"])
@pytest.mark.parametrize("model", ["lasso", "logistic"])
def test_a_column_seen_only_in_rows_of_weight_zero_is_no_error(layout, model):
    """Weight 0 takes a row out of the fit: a column whose entries all sit in
    such rows has L_j = 0 and is zero for the fit, not a column whose squared
    norm underflowed (the check raised that, looking at every row). The fit
    is the one on the other rows, and that column's coefficient is 0."""
    from sparsecert import SparseLogisticRegression

    rng = np.random.default_rng(3)
    n, p = 120, 8
    X = rng.normal(size=(n, p))
    out = np.arange(n) % 4 == 0               # the rows of weight 0
    X[~out, 5] = 0.0                           # column 5 lives in those rows only
    y = X[:, :3] @ np.array([1.0, -1.0, 0.5]) + 0.1 * rng.normal(size=n)
    sw = np.where(out, 0.0, 1.0)
    if model == "logistic":
        y = (y > 0).astype(int)
        make = lambda: SparseLogisticRegression(alpha=0.02, tol=1e-10)  # noqa: E731
    else:
        make = lambda: Lasso(alpha=0.05, tol=1e-10)  # noqa: E731
    as_layout = {"dense": np.asarray, "csr": sp.csr_matrix, "csc": sp.csc_matrix}[layout]
    est = make().fit(as_layout(X), y, sample_weight=sw)
    kept = make().fit(as_layout(X[~out]), y[~out])
    assert est.certificate_.converged and np.ravel(est.coef_)[5] == 0.0
    np.testing.assert_allclose(np.ravel(est.coef_), np.ravel(kept.coef_), atol=1e-7)
    np.testing.assert_allclose(est.intercept_, kept.intercept_, atol=1e-7)
