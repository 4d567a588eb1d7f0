"""Determinism, thread safety, pickling, warm starts, cloning, interrupted fits."""

import pickle
import sys
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import sparsecert
import sparsecert.solvers.cd
import sparsecert.solvers.common
import sparsecert.solvers.gram
import sparsecert.solvers.group_cd
import sparsecert.solvers.multitask_cd
from sparsecert.certificate import Certificate

from _helpers import REGRESSOR_FACTORIES as ESTIMATOR_FACTORIES
from _helpers import REGRESSOR_IDS as ESTIMATOR_IDS
from _helpers import is_multi_output, regression_data, target_for

estimators = pytest.mark.parametrize("make", ESTIMATOR_FACTORIES, ids=ESTIMATOR_IDS)
FITTED = ("coef_", "intercept_", "certificate_", "n_iter_")


@pytest.fixture
def data(request):
    """The regression data; for a multi-task estimator (the test's ``make``) a
    2-D y of two tasks (``_helpers.target_for``)."""
    X, y = regression_data(n=60, p=15, seed=3)
    params = getattr(request.node, "callspec", None)
    return X, target_for(params.params.get("make") if params else None, y)


def _cert_arrays(cert):
    return {k: getattr(cert, k) for k in cert._fields if isinstance(getattr(cert, k), np.ndarray)}


@estimators
@pytest.mark.parametrize("sparse", [False, True])
def test_deterministic(make, data, sparse):
    X, y = data
    X = sp.csc_matrix(X) if sparse else X
    a, b = clone(make()).fit(X, y), clone(make()).fit(X, y)
    assert a.coef_.tobytes() == b.coef_.tobytes()
    # (one intercept per task for the multi-task estimators)
    assert np.array_equal(a.intercept_, b.intercept_) and a.n_iter_ == b.n_iter_
    for k, v in _cert_arrays(a.certificate_).items():
        assert v.tobytes() == getattr(b.certificate_, k).tobytes(), k


@estimators
def test_thread_safe(make, data):
    """Four fits at once (the kernels release the GIL) equal the serial ones, bitwise."""
    X, y = data
    rng = np.random.default_rng(0)
    problems = [(X, y), (sp.csc_matrix(X), y), (X, y + rng.standard_normal(y.shape)),
                (X[:, ::-1].copy(), y)]
    serial = [clone(make()).fit(Xi, yi) for Xi, yi in problems * 2]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda p: clone(make()).fit(*p), problems * 2))
    for s, t in zip(serial, threaded):
        assert s.coef_.tobytes() == t.coef_.tobytes()
        assert np.array_equal(s.intercept_, t.intercept_)
        assert s.certificate_.max_violation == t.certificate_.max_violation


@estimators
def test_pickle_round_trip(make, data):
    X, y = data
    est = clone(make()).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.coef_, est.coef_)
    np.testing.assert_array_equal(again.intercept_, est.intercept_)
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    cert, cert2 = est.certificate_, again.certificate_
    assert isinstance(cert2, Certificate) and repr(cert2) == repr(cert)
    for k in cert._fields:
        v, w = getattr(cert, k), getattr(cert2, k)
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(w, v, err_msg=k)
            assert w.dtype == v.dtype and not w.flags.writeable, k
        else:
            assert w == v or (v != v and w != w), k
    # immutable after unpickling too
    with pytest.raises(AttributeError, match="immutable"):
        cert2.converged = False
    with pytest.raises(ValueError, match="read-only"):
        cert2.gradient[0] = 1.0
    # the certificate alone
    cert3 = pickle.loads(pickle.dumps(cert))
    np.testing.assert_array_equal(cert3.violation, cert.violation)
    assert cert3.converged == cert.converged


@estimators
def test_warm_start_other_n_features_keeps_previous_fit(make, data):
    """Decision: the mismatch is detected before anything is discarded, so
    the ValueError leaves the previous fit intact and usable."""
    if "warm_start" not in make().get_params():
        pytest.skip("no warm_start: a CV estimator fits a whole path (as scikit-learn's)")
    X, y = data
    est = clone(make()).set_params(warm_start=True).fit(X, y)
    coef, intercept, cert = est.coef_.copy(), est.intercept_, est.certificate_
    with pytest.raises(ValueError, match=r"warm_start=True but X has 14 features while the "
                                         r"previous fit had 15.*left unchanged"):
        est.fit(X[:, :-1], y)
    check_is_fitted(est)
    np.testing.assert_array_equal(est.coef_, coef)
    assert np.array_equal(est.intercept_, intercept) and est.certificate_ is cert
    assert est.n_features_in_ == 15
    # coef.T: the multi-task estimators' coef_ is (n_tasks, n_features)
    np.testing.assert_array_equal(est.predict(X), X @ coef.T + intercept)
    # and warm_start=False refits on the new shape
    est.set_params(warm_start=False).fit(X[:, :-1], y)
    assert est.coef_.shape[-1] == 14 and est.n_features_in_ == 14


@estimators
def test_warm_start_continues_from_previous(make, data):
    if "warm_start" not in make().get_params():
        pytest.skip("no warm_start: a CV estimator fits a whole path (as scikit-learn's)")
    X, y = data
    est = clone(make()).set_params(warm_start=True, tol=1e-8).fit(X, y)
    n_cold = est.n_iter_
    est.fit(X, y)
    # the previous solution is certified before any epoch (n_iter_ >= 1 is
    # scikit-learn's convention; the certificate counts the epochs: none)
    assert est.n_iter_ == 1 and est.certificate_.n_iter == 0
    assert est.certificate_.converged and n_cold > 0


@estimators
def test_clone_get_set_params(make, data):
    X, y = data
    est = make()
    params = est.get_params()
    est2 = clone(est)
    assert est2.get_params().keys() == params.keys()
    est.fit(X, y)
    fresh = clone(est)
    with pytest.raises(NotFittedError):
        check_is_fitted(fresh)
    for attr in FITTED:
        assert not hasattr(fresh, attr)
    fresh.set_params(tol=1e-3, max_iter=7)
    assert fresh.get_params()["tol"] == 1e-3 and fresh.get_params()["max_iter"] == 7
    assert est.get_params()["tol"] == params["tol"]  # the original is untouched
    with pytest.raises(ValueError, match="Invalid parameter 'no_such_param'"):
        fresh.set_params(no_such_param=1)


class _Interrupt(KeyboardInterrupt):
    pass


@estimators
@pytest.mark.parametrize("previously_fitted", [False, True])
@pytest.mark.parametrize("kernel", ["cd_quadratic_anderson", "cd_gram_anderson"])
def test_interrupted_fit_leaves_no_fitted_attributes(make, data, monkeypatch, previously_fitted,
                                                     kernel):
    """Ctrl-C after the first compiled chunk: the estimator must not look fitted
    (neither with half-done nor with the previous fit's attributes). Both
    least-squares CD kernels: the residual one and the Gram one."""
    X, y = data
    est = clone(make()).set_params(tol=1e-14, max_iter=10000)
    is_group = "groups" in est.get_params()  # GroupLasso, GroupLassoCV
    is_multitask = is_multi_output(est)
    if (is_group or is_multitask) and kernel == "cd_gram_anderson":
        pytest.skip("the block models (group lasso, multi-task) have no Gram kernel")
    if kernel == "cd_gram_anderson":
        if not getattr(getattr(est, "penalty", None), "convex", True) or (
                getattr(est, "p", 1.0) < 1.0):
            pytest.skip("the nonconvex Lp penalty (p < 1) never uses the Gram kernel")
        monkeypatch.setattr(sparsecert.solvers.gram, "_GRAM_MODE", "always")
        monkeypatch.setattr(sparsecert.solvers.common, "_WORK_PER_CALL", 1)
        # one plain epoch, then the extrapolated kernel in chunks of one
        monkeypatch.setattr(sparsecert.solvers.gram, "_GRAM_PLAIN", 1)
    else:
        monkeypatch.setattr(sparsecert.solvers.gram, "_GRAM_MODE", "never")
    if previously_fitted:
        est.fit(X, y)
    # the module that calls each kernel, where the spy must replace it
    caller = sparsecert.solvers.gram if kernel == "cd_gram_anderson" else sparsecert.solvers.cd
    if is_group:
        # its block kernel (group_cd's chunks are sized by the same helper)
        caller, kernel = sparsecert.solvers.group_cd, "group_bcd_epochs"
        monkeypatch.setattr(caller, "_epochs_per_call_for", lambda design, n_feats: 1)
    if is_multitask:
        # its block kernel, in chunks of one epoch too
        caller, kernel = sparsecert.solvers.multitask_cd, "mt_bcd_epochs"
        monkeypatch.setattr(caller, "_epochs_per_call_for", lambda design, n_feats: 1)
    real = getattr(caller, kernel)
    calls = []

    def first_chunk_then_interrupt(*args):
        if calls:
            raise _Interrupt()
        calls.append(1)
        out = real(*args)
        return out

    monkeypatch.setattr(sparsecert.solvers.cd, "_epochs_per_call_for", lambda design, n_feats: 1)
    monkeypatch.setattr(caller, kernel, first_chunk_then_interrupt)
    with pytest.raises(_Interrupt):
        est.fit(X, y)
    assert calls == [1]
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    with pytest.raises(NotFittedError):
        est.predict(X)
    for attr in FITTED:
        assert not hasattr(est, attr)
    monkeypatch.undo()
    est.fit(X, y)  # and it is usable again
    check_is_fitted(est)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery is POSIX-specific")
def test_real_ctrl_c_stops_a_long_fit_with_keyboard_interrupt():
    """A real SIGINT reaches Python between compiled chunks (about every 5e7
    nonzeros touched): the fit stops with a plain KeyboardInterrupt. The bound
    is generous (the uninterrupted fit runs for minutes; here it stops in
    about a second)."""
    import signal
    import subprocess
    import threading
    import time

    script = Path(__file__).resolve().parent / "scripts" / "long_fit.py"
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    lines = []
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(2.0)  # well inside the compiled loop by now
        proc.send_signal(signal.SIGINT)
        # the line the script prints when the fit raised, read as it comes
        reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(60)
        if reader.is_alive() and proc.poll() is None:
            proc.send_signal(signal.SIGUSR1)  # where it is: its stacks, on stderr
            time.sleep(2.0)
    finally:
        if proc.poll() is None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    assert lines and lines[0].strip() == "interrupted"
