"""Proximal Newton steps read from a CSR X by rows (_kernels/newton_rows.py).

On a text, the L1-logistic's first working features are the commonest words,
whose columns hold a large share of X's entries: the solver then reads X by
rows with the working set's Gram matrix instead of copying those columns
out. Both kernels minimise the same local models; these tests hold the row
kernel to the column kernel's steps and fits, to its certificate, and to the
same bits for any n_jobs.
"""

import pathlib
import sys

import numpy as np
import pytest
from sklearn.base import clone

import sparsecert
from sparsecert import alpha_max
from sparsecert._kernels import codes
from sparsecert._problem import make_problem, rows_times_w
from sparsecert._validation import as_design
from sparsecert.datafits import Logistic
from sparsecert.penalties import L1, ElasticNet
from sparsecert.solvers import prox_newton

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchmarks.large import targets, text_like_csr  # noqa: E402


@pytest.fixture(autouse=True)
def small_x_by_rows(monkeypatch):
    """The solver reads X by rows from 2^20 entries on; these X are smaller."""
    monkeypatch.setattr(prox_newton, "_ROWS_MIN_NNZ", 0)


@pytest.fixture(scope="module")
def text():
    X = text_like_csr(6000, 2000, 80000, seed=2)
    return X, (targets(X, seed=2)[1] > 0).astype(int)


def _spy(monkeypatch, name):
    """Record each call's threads kind of the kernel ``name``."""
    kernel, kinds = getattr(prox_newton, name), []

    def spy(*args):
        kinds.append(args[-1])
        return kernel(*args)

    monkeypatch.setattr(prox_newton, name, spy)
    return kinds


def _objective(est, X, y, sw, alpha, l1_ratio):
    z = X @ est.coef_.ravel() + est.intercept_
    yy = np.where(y > 0, 1.0, -1.0)
    w = est.coef_.ravel()
    loss = np.sum(sw * np.logaddexp(0.0, -yy * z)) / np.sum(sw)
    return loss + alpha * (l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w)


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("penalty", ["l1", "elasticnet", "positive"])
def test_text_fits_read_rows_and_agree_with_the_column_kernel(text, monkeypatch, fit_intercept,
                                                              weighted, penalty):
    X, y = text
    sw = np.random.default_rng(1).uniform(0.2, 2.0, X.shape[0]) if weighted else None
    alpha = alpha_max(X, y, datafit="logistic", fit_intercept=fit_intercept) / (
        500 if penalty == "positive" else 50)
    l1_ratio = 0.5 if penalty == "elasticnet" else 1.0
    est = sparsecert.SparseLogisticRegression(
        alpha=alpha, penalty="elasticnet" if penalty == "elasticnet" else "l1",
        l1_ratio=l1_ratio, positive=penalty == "positive", fit_intercept=fit_intercept,
        tol=1e-8)
    rows = _spy(monkeypatch, "prox_newton_rows")
    if penalty == "positive":
        # the features pushed up are rarer words: a smaller share of X in them
        monkeypatch.setattr(prox_newton, "_ROWS_SHARE", 0.0)
    by_rows = clone(est).fit(X, y, sample_weight=sw)
    assert rows, "a text's first working set is read by rows"
    monkeypatch.setattr(prox_newton, "_ROWS_SHARE", np.inf)
    rows.clear()
    by_columns = clone(est).fit(X, y, sample_weight=sw)
    assert not rows
    assert by_rows.certificate_.converged and by_columns.certificate_.converged
    assert np.count_nonzero(by_rows.coef_) > 5
    if penalty == "positive":
        assert by_rows.coef_.min() >= 0.0
    scale = np.abs(by_columns.coef_).max()
    np.testing.assert_allclose(by_rows.coef_, by_columns.coef_, atol=1e-5 * scale)
    s = np.ones(X.shape[0]) if sw is None else sw
    assert _objective(by_rows, X, y, s, alpha, l1_ratio) == pytest.approx(
        _objective(by_columns, X, y, s, alpha, l1_ratio), rel=1e-9)
    # the certificates took z from the row kernel's full steps, not from X:
    # anyone's check at the returned point gives the same numbers, to the bit
    pen = (ElasticNet(alpha=alpha, l1_ratio=l1_ratio) if penalty == "elasticnet" else
           L1(alpha=alpha, positive=penalty == "positive"))
    check = sparsecert.check_optimality(
        X, y, by_rows.coef_.ravel(), by_rows.intercept_[0] if fit_intercept else None,
        datafit="logistic", penalty=pen, sample_weight=sw, tol=1e-8)
    for name in ("objective", "max_violation", "duality_gap"):
        assert getattr(check, name) == getattr(by_rows.certificate_, name), name


def test_the_row_kernel_is_bitwise_the_same_for_any_n_jobs(monkeypatch):
    """Several chunks of rows (8e5 entries): the threads sum each chunk's
    model and the chunks are added in order, as on one thread."""
    X = text_like_csr(40000, 2000, 800_000, seed=5)
    y = (targets(X, seed=5)[1] > 0).astype(int)
    assert len(as_design(X).bounds) > 2
    kinds = _spy(monkeypatch, "prox_newton_rows")
    fits = {}
    for j in (1, 2):
        kinds.clear()
        fits[j] = sparsecert.SparseLogisticRegression(alpha=alpha_max(
            X, y, datafit="logistic") / 100, tol=1e-8, n_jobs=j).fit(X, y)
        assert set(kinds) == {codes.ONE_THREAD if j == 1 else codes.THREADS}
    assert fits[1].certificate_.converged
    np.testing.assert_array_equal(fits[1].coef_, fits[2].coef_)
    assert fits[1].intercept_ == fits[2].intercept_ and fits[1].n_iter_ == fits[2].n_iter_
    assert fits[1].certificate_.max_violation == fits[2].certificate_.max_violation


def _one_step(X, y, start, fit_intercept, rows_share, monkeypatch):
    """One Newton step on the 64 commonest columns from ``start``: (w, b, entries read)."""
    monkeypatch.setattr(prox_newton, "_ROWS_SHARE", rows_share)
    yy = np.where(y > 0, 1.0, -1.0)
    penalty = ElasticNet(alpha=alpha_max(X, y, datafit="logistic") / 30, l1_ratio=0.8)
    problem = make_problem(as_design(X), yy, np.ones(X.shape[0]), Logistic(), penalty,
                           fit_intercept)
    feats = np.sort(np.argsort(-np.bincount(X.indices, minlength=X.shape[1]),
                               kind="stable")[:64])
    w = np.zeros(X.shape[1])
    w[feats] = start
    b = 0.3 if fit_intercept else 0.0
    z = X @ w + b
    run = prox_newton._NewtonRun(problem, 1e-8, 0.0, 1, 0)
    before = problem.work.entries
    b, status, stalled = run.newton_steps(w, b, z, feats, 0.0)
    assert not stalled and run.n_iter == 1
    np.testing.assert_allclose(z, X @ w + b, rtol=1e-12, atol=1e-12)  # z kept equal to X w + b
    passes = (problem.work.entries - before) / X.nnz
    if run.z_exact:
        # the full step's z is the certificate's X w + b to the bit: it reads no X for it
        np.testing.assert_array_equal(z, rows_times_w(problem, w) + b)
    return w, b, passes, run.z_exact


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("start,full_step", [("zero", True), ("far", False)])
def test_one_step_by_rows_is_the_column_kernels_step(text, monkeypatch, fit_intercept, start,
                                                     full_step):
    """From w = 0 the full Newton step is taken: the row kernel reads X twice
    (its model, then one pass for X d and the next model together), after
    its census. From far off (margins of hundreds) the full step overshoots
    and the line search backtracks: a third pass makes the model at the
    point it took. Either way the step is the column kernel's."""
    X, y = text
    rng = np.random.default_rng(3)
    values = 0.0 if start == "zero" else 40.0 * rng.choice([-1.0, 1.0], 64)
    w_rows, b_rows, passes, exact = _one_step(X, y, values, fit_intercept, 0.0, monkeypatch)
    w_cols, b_cols, _, exact_cols = _one_step(X, y, values, fit_intercept, np.inf, monkeypatch)
    assert passes == (3.0 if full_step else 4.0)
    assert exact == full_step and not exact_cols  # z + t X d: X w + b up to rounding only
    moved = w_rows.copy()
    moved[np.sort(np.argsort(-np.bincount(X.indices, minlength=X.shape[1]),
                             kind="stable")[:64])] -= values
    assert np.count_nonzero(moved) > 5  # the step moved the coefficients
    np.testing.assert_allclose(w_rows, w_cols, rtol=1e-9, atol=1e-12 * np.abs(w_cols).max())
    assert b_rows == pytest.approx(b_cols, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("exact", [True, False])
def test_a_round_on_the_same_set_takes_up_the_last_steps_model(text, monkeypatch, exact):
    """Two rounds on one set: the second reads X once per step, its model
    the one the first round's last step summed at this z (no model pass),
    and ends where one round to the same tolerance does. If the certificate
    wrote z afresh in between (the last step backtracked), the model is
    summed again."""
    X, y = text
    monkeypatch.setattr(prox_newton, "_ROWS_SHARE", 0.0)
    yy = np.where(y > 0, 1.0, -1.0)
    problem = make_problem(as_design(X), yy, np.ones(X.shape[0]), Logistic(),
                           L1(alpha=alpha_max(X, y, datafit="logistic") / 30), True)
    feats = np.sort(np.argsort(-np.bincount(X.indices, minlength=X.shape[1]),
                               kind="stable")[:64])
    ends = []
    for rounds in (2, 1):
        w, b = np.zeros(X.shape[1]), 0.0
        z = rows_times_w(problem, w) + b
        run = prox_newton._NewtonRun(problem, 1e-8, 0.0, 100, 0)
        if rounds == 2:
            b, _, _ = run.newton_steps(w, b, z, feats, 1e-4)
            assert run.z_exact and run.last_rows is not None
            run.z_exact = exact  # as if a step had backtracked: z written afresh
            before, steps = problem.work.entries, run.n_iter
            b, _, _ = run.newton_steps(w, b, z, feats, 1e-10)
            passes = (problem.work.entries - before) / X.nnz
            assert passes == (run.n_iter - steps) + (0 if exact else 1)
        else:
            b, _, _ = run.newton_steps(w, b, z, feats, 1e-10)
        ends.append((w, b))
    np.testing.assert_allclose(ends[0][0], ends[1][0], atol=1e-8 * np.abs(ends[1][0]).max())


def test_rows_holding_every_working_feature_and_more_stay_in_their_buffers(monkeypatch):
    """row_slots writes each entry of a row before keeping or skipping it: a
    row with all m working features and one more entry after them writes at
    place m, so the row kernel's buffers hold m + 1 or more (they held m,
    and such a row wrote past them). The step is still the column kernel's."""
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    n, m = 300, 5
    rows = np.repeat(np.arange(n), m + 1)
    cols = np.column_stack([np.tile(np.arange(m), (n, 1)), rng.integers(m, 40, n)]).ravel()
    X = sp.csr_matrix((rng.uniform(0.5, 1.5, rows.size), (rows, cols)), shape=(n, 40))
    score = X @ rng.normal(size=40)
    yy = np.where(score > np.median(score), 1.0, -1.0)
    monkeypatch.setattr(prox_newton, "_ROWS_SHARE", 0.0)
    monkeypatch.setattr(prox_newton, "_ROWS_GRAM_COST", np.inf)
    feats = np.arange(m)
    ends = []
    for share in (0.0, np.inf):  # by rows, then by columns
        monkeypatch.setattr(prox_newton, "_ROWS_SHARE", share)
        problem = make_problem(as_design(X), yy, np.ones(n), Logistic(), L1(alpha=1e-3), True)
        run = prox_newton._NewtonRun(problem, 1e-8, 0.0, 1, 0)
        if share == 0.0:
            scratch = run._by_rows(feats)
            assert scratch[6].shape[1] > m and scratch[7].shape[1] > m  # loc, val
            run.slot[feats] = -1
        w, b = np.zeros(40), 0.0
        b, _, _ = run.newton_steps(w, b, X @ w + b, feats, 0.0)
        ends.append((w, b))
    np.testing.assert_allclose(ends[0][0], ends[1][0], rtol=1e-9, atol=1e-12)


def test_a_set_whose_rows_meet_many_of_its_features_keeps_the_column_kernel(monkeypatch):
    """Dense rows (every working feature in every row): the Gram matrix's
    products per entry exceed newton_gram.GRAM_COST, so the census sends
    the set to the column kernel."""
    rng = np.random.default_rng(0)
    import scipy.sparse as sp

    X = sp.csr_matrix(rng.normal(size=(300, 120)))
    y = (X @ rng.normal(size=120) > 0).astype(int)
    rows = _spy(monkeypatch, "prox_newton_rows")
    columns = _spy(monkeypatch, "prox_newton_logistic")
    est = sparsecert.SparseLogisticRegression(alpha=alpha_max(X, y, datafit="logistic") / 10,
                                              tol=1e-8).fit(X, y)
    assert est.certificate_.converged and columns and not rows


def test_the_census_of_a_sample_of_rows_estimates_the_products_per_entry():
    """The solver decides on a census of one block of rows in 16 (a full one
    cost a third of a Newton step at 1e6 rows): its products per working
    entry are the whole X's within a few percent on a text."""
    from sparsecert._kernels.newton_rows import CENSUS_BLOCK, rows_census

    X = text_like_csr(200_000, 3000, 2_000_000, seed=7)
    slot = np.full(X.shape[1], -1, dtype=np.int16)
    feats = np.sort(np.argsort(-np.bincount(X.indices, minlength=X.shape[1]))[:64])
    slot[feats] = np.arange(64, dtype=np.int16)
    entries, pairs = rows_census(X.indices, X.indptr, slot, 1)
    k = np.diff(np.concatenate([[0], np.cumsum(slot[X.indices] >= 0)])[X.indptr])
    assert entries == k.sum() and pairs == np.sum(k * (k + 1) / 2)  # every row: exact
    some, some_pairs = rows_census(X.indices, X.indptr, slot, 16)
    blocks = np.arange(X.shape[0]) // CENSUS_BLOCK % 16 == 0
    assert some == k[blocks].sum()  # the sampled blocks' rows only
    assert some_pairs / some == pytest.approx(pairs / entries, rel=0.05)


def _edge_case(X, case):
    """X made into one of the inputs the row kernel must take as they come."""
    rng = np.random.default_rng(0)
    sw = None
    if case == "zero weights":
        sw = rng.uniform(0.5, 2.0, X.shape[0])
        sw[rng.random(X.shape[0]) < 0.3] = 0.0
    elif case == "float32":
        X = X.astype(np.float32)
    elif case == "int64 indices":
        X = X.copy()
        X.indices, X.indptr = X.indices.astype(np.int64), X.indptr.astype(np.int64)
    elif case == "empty rows":
        X = X.tolil()
        X[::7] = 0
        X = X.tocsr()
        X.eliminate_zeros()
    elif case == "unsorted":
        X = X.copy()
        for i in range(0, X.shape[0], 3):
            a, b = X.indptr[i], X.indptr[i + 1]
            X.indices[a:b], X.data[a:b] = X.indices[a:b][::-1].copy(), X.data[a:b][::-1].copy()
        X.has_sorted_indices = False
    return X, sw


@pytest.mark.parametrize("case", ["zero weights", "float32", "int64 indices", "empty rows",
                                  "unsorted"])
def test_the_row_kernel_takes_inputs_as_they_come(text, monkeypatch, case):
    """Rows of weight 0, float32 values, int64 indices, empty rows and a
    CSR with unsorted indices (which the design sorts in a copy, never in the
    caller's X): the row kernel's fit is the column kernel's."""
    X, y = text
    X, sw = _edge_case(X, case)
    before = (X.data.copy(), X.indices.copy())
    alpha = alpha_max(X, y, datafit="logistic", sample_weight=sw) / 50
    est = sparsecert.SparseLogisticRegression(alpha=alpha, tol=1e-8)
    rows = _spy(monkeypatch, "prox_newton_rows")
    by_rows = clone(est).fit(X, y, sample_weight=sw)
    assert rows
    monkeypatch.setattr(prox_newton, "_ROWS_SHARE", np.inf)
    by_columns = clone(est).fit(X, y, sample_weight=sw)
    assert by_rows.certificate_.converged and by_columns.certificate_.converged
    scale = np.abs(by_columns.coef_).max()
    np.testing.assert_allclose(by_rows.coef_, by_columns.coef_, atol=1e-9 * scale)
    np.testing.assert_array_equal(X.data, before[0])
    np.testing.assert_array_equal(X.indices, before[1])
