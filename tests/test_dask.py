"""Fits on Dask arrays and cross-validation on a Dask cluster (loopback only).

One ``distributed.LocalCluster`` (2 worker processes, 1 thread each, every
address on 127.0.0.1, no dashboard) serves the module; it is closed at the
end. Every fit runs under a time bound, so a hung cluster fails the test
instead of the CI job.
"""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

import sparsecert as sc  # noqa: E402

BOUND = 60  # seconds: the most any single fit here may take


def bounded(fn, *args, timeout=BOUND, **kwargs):
    """fn(*args, **kwargs) in a thread, failing after ``timeout`` seconds."""
    with ThreadPoolExecutor(1) as ex:
        return ex.submit(fn, *args, **kwargs).result(timeout=timeout)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       silence_logs=40)
    cl = distributed.Client(cluster, timeout=30)
    try:
        cl.wait_for_workers(2, timeout=30)
        yield cl
    finally:
        cl.close(timeout=10)
        cluster.close(timeout=10)


def _regression(n=400, p=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:5] = rng.standard_normal(5) * 2
    y = X @ w + 0.1 * rng.standard_normal(n) + 1.0
    return X, y


def _dask_csr(X_csr, n_blocks):
    """A Dask array whose row blocks are scipy.sparse CSR matrices."""
    n, p = X_csr.shape
    edges = np.linspace(0, n, n_blocks + 1).astype(int)
    blocks = [da.from_delayed(dask.delayed(X_csr[a:b]), shape=(b - a, p), dtype=X_csr.dtype,
                              meta=sp.csr_matrix((0, 0), dtype=X_csr.dtype))
              for a, b in zip(edges[:-1], edges[1:])]
    return da.concatenate(blocks, axis=0)


def _rel(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b))) / max(np.max(np.abs(b)), 1e-300)


def test_loopback_only(client):
    addrs = [client.scheduler.address, *client.scheduler_info()["workers"]]
    assert all(a.startswith("tcp://127.0.0.1:") for a in addrs), addrs


def test_import_does_not_import_dask():
    code = "import sys, sparsecert; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("solver", ["auto", "fista"])
@pytest.mark.parametrize("make", [sc.Lasso, lambda **k: sc.ElasticNet(l1_ratio=0.7, **k)],
                         ids=["lasso", "enet"])
def test_dense_matches_in_memory(client, make, solver):
    X, y = _regression()
    ref = make(alpha=0.05, tol=1e-10, max_iter=10000).fit(X, y)
    est = bounded(make(alpha=0.05, tol=1e-10, max_iter=10000, solver=solver).fit,
                  da.from_array(X, chunks=(100, -1)), y)
    cert = est.certificate_
    # "auto": 30 features, solved on their Gram matrix, certified from X
    expected = "gram_dask" if solver == "auto" else "fista_dask"
    assert cert.distributed is True and cert.converged and cert.solver == expected
    assert ref.certificate_.distributed is False
    assert _rel(est.coef_, ref.coef_) < 1e-6
    assert abs(est.intercept_ - ref.intercept_) < 1e-6 * abs(ref.intercept_)
    assert cert.duality_gap < 1e-8 * cert.objective
    Xd = da.from_array(X, chunks=(100, -1))
    pred = est.predict(Xd)  # lazy, block by block
    assert isinstance(pred, da.Array)
    np.testing.assert_allclose(pred.compute(), est.predict(X), rtol=1e-12)


def test_sparse_blocks_weights_match_in_memory(client):
    rng = np.random.default_rng(1)
    X = sp.random(600, 40, density=0.15, random_state=1, format="csr")
    w = np.zeros(40)
    w[:6] = 3 * rng.standard_normal(6)
    y = X @ w + 0.05 * rng.standard_normal(600)
    sw = rng.uniform(0.5, 2.0, 600)
    ref = sc.ElasticNet(alpha=0.005, l1_ratio=0.8, tol=1e-10).fit(X, y, sample_weight=sw)
    Xd = _dask_csr(X, 4)
    assert Xd.numblocks == (4, 1)
    est = bounded(sc.ElasticNet(alpha=0.005, l1_ratio=0.8, tol=1e-10, max_iter=20000).fit,
                  Xd, da.from_array(y, chunks=150), sample_weight=da.from_array(sw, chunks=200))
    assert est.certificate_.distributed is True and est.certificate_.converged
    assert _rel(est.coef_, ref.coef_) < 1e-6
    assert abs(est.intercept_ - ref.intercept_) < 1e-6 * max(abs(ref.intercept_), 1e-3)
    # the certificate's per-feature numbers are those of the in-memory checker
    check = sc.check_optimality(X, y, est.coef_, est.intercept_, datafit="quadratic",
                                penalty=sc.penalties.ElasticNet(alpha=0.005, l1_ratio=0.8),
                                sample_weight=sw, tol=1e-10)
    np.testing.assert_allclose(est.certificate_.gradient, check.gradient, rtol=1e-9,
                               atol=1e-12 * check.scale)
    assert est.certificate_.tol == pytest.approx(check.tol, rel=1e-9)
    assert est.certificate_.duality_gap == pytest.approx(check.duality_gap, abs=1e-12)


def test_lp_and_general_estimator(client):
    X, y = _regression(seed=2)
    Xd = da.from_array(X, chunks=(128, -1))
    ref = sc.LpRegression(alpha=0.05, p=1.5, tol=1e-10).fit(X, y)
    est = bounded(sc.LpRegression(alpha=0.05, p=1.5, tol=1e-10, max_iter=10000).fit, Xd, y)
    assert est.certificate_.converged and est.certificate_.distributed
    assert _rel(est.coef_, ref.coef_) < 1e-6
    gle = sc.GeneralizedLinearEstimator(datafit="quadratic",
                                        penalty=sc.penalties.L1(alpha=0.05), tol=1e-10,
                                        max_iter=10000)
    bounded(gle.fit, Xd, y)
    assert gle.certificate_.distributed and gle.certificate_.converged
    with pytest.raises(ValueError, match="nonconvex"):
        sc.LpRegression(alpha=0.05, p=0.5).fit(Xd, y)
    with pytest.raises(ValueError, match="Dask"):
        sc.Lasso(alpha=0.05, solver="cd").fit(Xd, y)


def test_gram_start_is_judged_by_the_distributed_certificate(monkeypatch):
    """Few features: solved from the Gram matrix gathered in one pass. A wrong
    Gram solution fails the certificate computed from X, and FISTA goes on from it."""
    from sparsecert.distributed import blocks
    from sparsecert.solvers import gram_path

    X, y = _regression(n=300, p=10, seed=9)
    Xs = sp.csr_matrix(np.where(np.abs(X) > 0.5, X, 0.0))
    sw = np.random.default_rng(9).uniform(0.5, 2.0, 300)
    ref = sc.Lasso(alpha=0.05, tol=1e-10).fit(Xs, y, sample_weight=sw)
    monkeypatch.setattr(blocks, "_GRAM_ROWS", 7)  # sparse blocks made dense 7 rows at a time
    with dask.config.set(scheduler="threads"):
        est = sc.Lasso(alpha=0.05, tol=1e-10).fit(_dask_csr(Xs, 3), y, sample_weight=sw)
        assert est.certificate_.solver == "gram_dask" and est.certificate_.converged
        assert _rel(est.coef_, ref.coef_) < 1e-6
        solve = gram_path._solve_on_gram

        def off_by_one_percent(*args, **kwargs):
            coefs, intercepts, epochs = solve(*args, **kwargs)
            return coefs * 1.01, intercepts, epochs

        monkeypatch.setattr(gram_path, "_solve_on_gram", off_by_one_percent)
        est = sc.Lasso(alpha=0.05, tol=1e-10, max_iter=20000).fit(_dask_csr(Xs, 3), y,
                                                                  sample_weight=sw)
    assert est.certificate_.solver == "fista_dask" and est.certificate_.converged
    assert _rel(est.coef_, ref.coef_) < 1e-6


def test_gram_start_only_where_it_applies(monkeypatch):
    """More features than the Gram solver takes, or an unpenalized feature:
    FISTA from the start, as before (as for the logistic loss, below)."""
    from sparsecert.solvers import gram_path

    X, y = _regression(n=200, p=10, seed=10)
    Xd = da.from_array(X, chunks=(50, -1))
    with dask.config.set(scheduler="threads"):
        assert sc.Lasso(alpha=0.05).fit(Xd, y).certificate_.solver == "gram_dask"
        weights = np.r_[0.0, np.ones(9)]  # feature 0 unpenalized: the Gram algebra's dual point
        gle = sc.GeneralizedLinearEstimator(penalty=sc.penalties.L1(alpha=0.05, weights=weights),
                                            max_iter=5000).fit(Xd, y)
        assert gle.certificate_.solver == "fista_dask" and gle.certificate_.converged
        monkeypatch.setattr(gram_path, "_MAX_FEATURES", 9)
        est = sc.Lasso(alpha=0.05, max_iter=5000).fit(Xd, y)
    assert est.certificate_.solver == "fista_dask" and est.certificate_.converged


def test_logistic_matches_in_memory(client):
    X, _ = _regression(n=500, p=20, seed=3)
    rng = np.random.default_rng(3)
    score = X[:, :4] @ np.array([1.5, -2.0, 1.0, 0.5])
    labels = np.where(score + 0.5 * rng.standard_normal(500) > 0.3, "yes", "no")
    ref = sc.SparseLogisticRegression(alpha=0.01, tol=1e-10).fit(X, labels)
    Xd = da.from_array(X, chunks=(125, -1))
    est = bounded(sc.SparseLogisticRegression(alpha=0.01, tol=1e-10, max_iter=20000).fit,
                  Xd, da.from_array(labels, chunks=125))
    cert = est.certificate_
    assert cert.distributed and cert.converged and cert.kind == "global"
    assert list(est.classes_) == ["no", "yes"]
    assert _rel(est.coef_, ref.coef_) < 1e-6
    assert abs(est.intercept_[0] - ref.intercept_[0]) < 1e-6 * max(abs(ref.intercept_[0]), 1)
    np.testing.assert_array_equal(est.predict(X), ref.predict(X))
    np.testing.assert_allclose(est.decision_function(Xd).compute(), est.decision_function(X),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(est.predict(Xd), est.predict(X))
    # sparse blocks, GLE with the logistic datafit
    Xs = sp.csr_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    ys = np.where(Xs @ np.r_[1.0, -1.0, 1.0, np.zeros(17)] > 0, 1, -1)
    ref = sc.GeneralizedLinearEstimator(datafit="logistic", penalty=sc.penalties.L1(alpha=0.005),
                                        tol=1e-10).fit(Xs, ys)
    est = bounded(sc.GeneralizedLinearEstimator(datafit="logistic",
                                                penalty=sc.penalties.L1(alpha=0.005),
                                                tol=1e-10, max_iter=20000).fit,
                  _dask_csr(Xs, 4), ys)
    assert est.certificate_.distributed and est.certificate_.converged
    assert _rel(est.coef_, ref.coef_) < 1e-6


def test_validation_is_lazy_but_done(client):
    X, y = _regression(n=200, p=5)
    X[17, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        bounded(sc.Lasso(alpha=0.1).fit, da.from_array(X, chunks=(50, -1)), y)
    X[17, 3] = 0.0
    with pytest.raises(ValueError, match="different lengths"):
        sc.Lasso(alpha=0.1).fit(da.from_array(X, chunks=(50, -1)), y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        bounded(sc.Lasso(alpha=0.1).fit, da.from_array(X, chunks=(50, -1)), y,
                sample_weight=-np.ones(200))


def test_no_client_uses_local_scheduler(client):
    X, y = _regression(n=300, p=10, seed=5)
    ref = sc.Lasso(alpha=0.05, tol=1e-10).fit(X, y)
    with dask.config.set(scheduler="threads"):
        est = sc.Lasso(alpha=0.05, tol=1e-10, max_iter=10000).fit(
            da.from_array(X, chunks=(64, 10)), y)   # column chunks are merged
    assert est.certificate_.distributed and est.certificate_.converged
    assert _rel(est.coef_, ref.coef_) < 1e-6


def test_float32_sparse_multiclass_and_warm_start_local_scheduler(client):
    rng = np.random.default_rng(8)
    X = sp.random(300, 12, density=0.4, random_state=8, format="csr", dtype=np.float32)
    y = np.asarray(X @ rng.standard_normal(12)).ravel() + 0.01 * rng.standard_normal(300)
    with dask.config.set(scheduler="threads"):
        ref = sc.Lasso(alpha=0.01, tol=1e-8).fit(X, y)
        est = sc.Lasso(alpha=0.01, tol=1e-8, max_iter=20000).fit(_dask_csr(X, 3), y)
        assert est.coef_.dtype == np.float32 and est.certificate_.converged
        assert _rel(est.coef_, ref.coef_) < 1e-4
        # a warm start from the (float32-rounded) solution needs fewer iterations
        warm = sc.Lasso(alpha=0.01, tol=1e-8, warm_start=True)
        warm.coef_, warm.intercept_ = est.coef_.astype(np.float64), est.intercept_
        warm.fit(_dask_csr(X, 3), y)
        assert warm.n_iter_ < est.n_iter_ and warm.certificate_.converged
        # three classes: one certified binary fit per class (one-vs-rest)
        labels = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
        ovr_ref = sc.SparseLogisticRegression(alpha=0.01, tol=1e-8,
                                              multi_class="ovr").fit(X, labels)
        ovr = sc.SparseLogisticRegression(alpha=0.01, tol=1e-8, max_iter=20000,
                                          multi_class="ovr").fit(_dask_csr(X, 3), labels)
        assert len(ovr.certificate_) == 3
        assert all(c.converged and c.distributed for c in ovr.certificate_)
        assert _rel(ovr.coef_, ovr_ref.coef_) < 1e-4
        # the multinomial default is not distributed (yet): a clear error
        with pytest.raises(ValueError, match="multi_class='ovr'"):
            sc.SparseLogisticRegression(alpha=0.01).fit(_dask_csr(X, 3), labels)


def test_lassocv_on_cluster_picks_local_alpha(client):
    X, y = _regression(n=300, p=40, seed=6)
    local = sc.LassoCV(n_alphas=20, cv=4, tol=1e-8).fit(X, y)
    def fit_on_cluster():
        # joblib's backend setting is per thread: enter it where the fit runs
        with joblib.parallel_config(backend="dask"):
            return sc.LassoCV(n_alphas=20, cv=4, tol=1e-8).fit(X, y)

    scattered = []
    original_scatter = client.scatter

    def counting_scatter(data, *args, **kwargs):
        scattered.append(data)
        return original_scatter(data, *args, **kwargs)

    client.scatter = counting_scatter  # joblib's backend uses this (the default) client
    try:
        with distributed.get_task_stream(client) as ts:
            remote = bounded(fit_on_cluster)
    finally:
        del client.scatter
    # X went to the cluster once, however many folds used it
    assert sum(d is X for d in scattered) == 1, [type(d) for d in scattered]
    # the folds ran as tasks on the workers
    assert len(ts.data) >= 4, ts.data
    assert remote.alpha_ == local.alpha_
    np.testing.assert_allclose(remote.mse_path_, local.mse_path_, rtol=1e-9)
    np.testing.assert_allclose(remote.coef_, local.coef_, rtol=1e-9, atol=1e-12)


def test_survives_a_worker_killed_mid_fit(client):
    """Kill a worker process holding blocks of X while a fit runs: the nanny
    restarts it, the scheduler recomputes the lost blocks from X's graph, and
    the answer is the undisturbed one."""
    rng = np.random.default_rng(7)
    n, p = 2000, 50
    base = rng.standard_normal((n, 1))
    X = 0.7 * base + rng.standard_normal((n, p))  # correlated: many iterations
    w = np.zeros(p)
    w[::10] = rng.standard_normal(p // 10)
    y = X @ w + rng.standard_normal(n)
    # FISTA: 50 features would be solved from their Gram matrix in one pass
    make = lambda: sc.Lasso(alpha=0.01, tol=1e-9, max_iter=100000, solver="fista")  # noqa: E731
    Xd = da.from_array(X, chunks=(1000, -1))
    quiet = bounded(make().fit, Xd, y)
    assert quiet.certificate_.converged

    Xd = da.from_array(X, chunks=(1000, -1))  # a fresh graph: nothing cached
    with ThreadPoolExecutor(1) as ex:
        start = time.perf_counter()
        fut = ex.submit(make().fit, Xd, y)
        time.sleep(1.0)
        assert not fut.done(), "the fit ended before the kill: enlarge the problem"
        # the victim holds blocks of X; SIGKILL from outside, as a crash would
        held = {w for ws in client.who_has().values() for w in ws}
        victim = sorted(held)[0]
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        est = fut.result(timeout=BOUND)
        elapsed = time.perf_counter() - start
    client.wait_for_workers(2, timeout=30)
    assert victim not in client.scheduler_info()["workers"]
    assert est.certificate_.converged and est.certificate_.distributed
    np.testing.assert_allclose(est.coef_, quiet.coef_, rtol=1e-9, atol=1e-12)
    assert est.intercept_ == pytest.approx(quiet.intercept_, rel=1e-9)
    assert elapsed < BOUND
