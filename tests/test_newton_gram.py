"""The proximal Newton model on its active features' Gram matrix (CSC X,
``sparsecert._kernels.newton_gram``), checked against NumPy and against the
column epochs it replaces."""

import numpy as np
import pytest
import scipy.sparse as sp
from _compiled import entry

from sparsecert import SparseLogisticRegression, alpha_max
from sparsecert._kernels import newton_gram
from sparsecert.penalties import ElasticNet, L1

# compiled-only helpers (no Python entry point), called here through one
active_rows, active_by_rows, gram_of_rows, gram_model_cd, gram_epochs = map(entry, (
    newton_gram.active_rows, newton_gram.active_by_rows, newton_gram.gram_of_rows,
    newton_gram.gram_model_cd, newton_gram.gram_epochs))


def _model(seed, n=300, p=40, density=0.2, fit_intercept=True):
    """A CSC X, active features, and a local model's pieces: h > 0, u, their sums."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="csc", random_state=seed,
                  data_rvs=rng.standard_normal)
    X.sort_indices()
    feats = np.sort(rng.choice(p, size=30, replace=False)).astype(np.int64)
    act = np.sort(rng.choice(30, size=12, replace=False)).astype(np.int64)
    h = rng.uniform(0.01, 0.25, size=n) / n
    u = rng.standard_normal(n) / n
    hsum = h.sum()
    XA = X[:, feats[act]].toarray()
    hxs = np.zeros(feats.size)
    if fit_intercept:
        hxs[act] = h @ XA
    return X, feats, act, h, u, hsum, XA, hxs


def _gram(X, feats, act, h, hxs, hsum, fit_intercept):
    n = X.shape[0]
    row_ptr = np.empty(n + 1, dtype=np.int64)
    nnz, pairs = active_rows(X.indices, X.indptr, feats, act, act.size, row_ptr)
    rcol, rx = np.empty(nnz, dtype=np.int32), np.empty(nnz)
    active_by_rows(X.data, X.indices, X.indptr, feats, act, act.size, row_ptr, rcol, rx)
    Q = np.empty((act.size, act.size))
    gram_of_rows(row_ptr, rcol, rx, h, act, act.size, hxs, hsum, fit_intercept, Q)
    return nnz, pairs, row_ptr, Q


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_of_the_active_columns(fit_intercept):
    """Qc = X_A^T H X_A - hx hx^T / sum h (hx = 0 without intercept), and the
    census: entries per row and sum_i k_i (k_i + 1) / 2."""
    X, feats, act, h, u, hsum, XA, hxs = _model(0, fit_intercept=fit_intercept)
    nnz, pairs, row_ptr, Q = _gram(X, feats, act, h, hxs, hsum, fit_intercept)
    k = (XA != 0).sum(axis=1)
    assert nnz == k.sum()
    assert pairs == np.sum(k * (k + 1) / 2)
    np.testing.assert_array_equal(np.diff(row_ptr), k)
    ref = XA.T @ (h[:, None] * XA)
    if fit_intercept:
        ref -= np.outer(hxs[act], hxs[act]) / hsum
    np.testing.assert_allclose(Q, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(Q, Q.T)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", [L1(alpha=2e-3), ElasticNet(alpha=2e-3, l1_ratio=0.6)])
def test_gram_epochs_minimise_the_model_on_the_active_features(fit_intercept, penalty):
    """Run to a tight tolerance, the Gram epochs reach the minimiser of
    q(d, db) = u^T (X d + db) + 1/2 sum_i h_i (X d + db)_i^2 + G(w + d) over
    the active features (db profiled out): checked on its optimality
    conditions, computed in NumPy from X itself."""
    X, feats, act, h, u, hsum, XA, hxs = _model(1, fit_intercept=fit_intercept)
    p = X.shape[1]
    rng = np.random.default_rng(3)
    w = np.zeros(p)
    w[feats[act[::2]]] = rng.standard_normal(act[::2].size)   # some active ones nonzero
    d = np.zeros(feats.size)
    d[act[1::2]] = 0.1 * rng.standard_normal(act[1::2].size)  # and some moved already
    grad = np.zeros(feats.size)
    grad[act] = XA.T @ u
    gb = u.sum() if fit_intercept else 0.0
    Q = _gram(X, feats, act, h, hxs, hsum, fit_intercept)[3]
    hdiag = np.zeros(feats.size)
    hdiag[act] = np.diag(Q)
    code, params, weights = penalty.encode(p)
    g = np.empty(act.size)
    epochs, db = gram_model_cd(Q, act, act.size, feats, w, d, grad, hdiag, hxs, gb,
                               hsum, fit_intercept, code, params, weights, 1e-16,
                               10000, g, np.int64(0))
    assert 1 < epochs < 10000
    # the model's gradient over d_A (db at its optimum), from X
    xd = XA @ d[act] + db
    if fit_intercept:
        assert abs(np.sum(u + h * xd)) <= 1e-14   # db is optimal
    gm = XA.T @ (u + h * xd)
    coef = w[feats[act]] + d[act]
    alpha, l1 = penalty.alpha, getattr(penalty, "l1_ratio", 1.0)
    smooth = gm + alpha * (1 - l1) * coef
    viol = np.where(coef != 0, np.abs(smooth + alpha * l1 * np.sign(coef)),
                    np.maximum(np.abs(smooth) - alpha * l1, 0.0))
    # a feature the epochs hold at zero (w_j = 0 and d_j back at 0) is out of the model
    free = (coef != 0) | (w[feats[act]] != 0)
    assert np.count_nonzero(free) >= act.size // 2
    assert np.max(viol[free]) <= 1e-12


def test_gram_epochs_decline_when_the_rows_hold_many_active_entries():
    """The Gram matrix is built only when its products are at most GRAM_COST x
    the active entries: not for rows holding many active features each."""
    rng = np.random.default_rng(0)
    n, p = 200, 40
    dense = sp.csc_matrix(rng.standard_normal((n, p)))   # every row holds every feature
    sparse = sp.random(n, p, density=0.05, format="csc", random_state=0)
    feats = np.arange(p, dtype=np.int64)
    act = np.arange(p, dtype=np.int64)
    h = np.full(n, 0.2 / n)
    out = {}
    for name, X in (("dense", dense), ("sparse", sparse)):
        w = np.zeros(p)
        d = np.zeros(p)
        d[:5] = 0.01
        work = np.zeros(1)
        code, params, weights = L1(alpha=1e-3).encode(p)
        held = np.full(p + 2, -1, dtype=np.int64)

        def call():
            return gram_epochs(
                X.data, X.indices, X.indptr, feats, act, p, w, d, np.zeros(p), np.ones(p),
                np.zeros(p), 0.0, h.sum(), False, h, code, params, weights, 1e-8, 100, work,
                np.empty(n + 1, dtype=np.int64), held, np.empty(0, dtype=np.int32),
                np.empty(0))

        done = call()[0]
        out[name] = done
        if not done:
            np.testing.assert_array_equal(d[:5], 0.01)   # nothing moved
            census = work[0]
            assert census == X.nnz
            # the same active features again: the decline is remembered, no census
            assert not call()[0] and work[0] == census
    assert out == {"dense": False, "sparse": True}


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_csc_fits_by_gram_and_by_columns_match_the_dense_fit(fit_intercept):
    """A sparse CSC X (few active entries per row: Gram epochs) and a dense X
    held as CSC (every row holds every active feature: column epochs) certify
    the answer of the same X held dense (never a Gram matrix)."""
    rng = np.random.default_rng(7)
    for density in (0.05, 1.0):
        X = sp.random(400, 300, density=density, format="csc", random_state=7,
                      data_rvs=rng.standard_normal)
        w_true = np.zeros(300)
        w_true[:8] = 2.0
        y = (X @ w_true + 0.5 * rng.standard_normal(400) > 0).astype(int)
        alpha = alpha_max(X, y, datafit="logistic", fit_intercept=fit_intercept) / 10
        fits = [SparseLogisticRegression(alpha=alpha, fit_intercept=fit_intercept,
                                         tol=1e-10).fit(Z, y) for Z in (X, X.toarray())]
        for est in fits:
            assert est.certificate_.converged
        assert 2 < np.count_nonzero(fits[0].coef_) < 150
        np.testing.assert_allclose(fits[0].coef_, fits[1].coef_, atol=1e-7)
        np.testing.assert_allclose(fits[0].intercept_, fits[1].intercept_, atol=1e-7)
