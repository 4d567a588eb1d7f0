"""Vectors a fit reuses instead of allocating afresh (issue 14): each fresh n-vector
of a large problem is pages mapped and zeroed at first touch, so the
certificates, the support jump and the Newton rounds write into the problem's
scratch vectors. Reuse must change no bit of any fit."""

import pathlib
import sys
import threading

import numpy as np
import pytest
from sklearn.base import clone

import sparsecert
from sparsecert import _problem
from sparsecert._problem import _weighted_rms, evaluate, make_problem
from sparsecert._validation import _chunk_bounds, as_design
from sparsecert.certificate import Certificate
from sparsecert.datafits import Quadratic
from sparsecert.penalties import L1
from sparsecert.solvers import prox_newton


def _text(n=6000, p=2000, nnz=80000, seed=2):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    from benchmarks.large import text_like_csr

    X = text_like_csr(n, p, nnz, seed=seed)
    rng = np.random.default_rng(0)
    w = np.zeros(p)
    w[rng.choice(p, 40, replace=False)] = rng.normal(size=40)
    return X, X @ w, rng


def _problem_of(X, y):
    return make_problem(as_design(X), np.asarray(y, dtype=np.float64), np.ones(X.shape[0]),
                        Quadratic(), L1(alpha=0.01), True)


def test_scratch_is_kept_per_name_size_and_thread():
    X, y, _ = _text(n=300, p=100, nnz=3000)
    problem = _problem_of(X, y)
    a = problem.scratch("a", 300)
    assert problem.scratch("a", 300) is a
    assert problem.scratch("b", 300) is not a
    assert problem.scratch("a", 100).shape == (100,)  # another size: another vector
    assert not problem.scratch("c", 50, zeros=True).any()
    other = []
    t = threading.Thread(target=lambda: other.append(problem.scratch("a", 100)))
    t.start()
    t.join()
    assert other[0] is not problem.scratch("a", 100)  # CV folds run in threads


def test_evaluate_in_scratch_gives_the_same_pieces_in_the_same_vectors():
    X, y, rng = _text(n=400, p=150, nnz=4000)
    problem = _problem_of(X, y)
    w = np.where(rng.random(150) < 0.1, rng.normal(size=150), 0.0)
    fresh = evaluate(problem, w, 0.3)
    first = evaluate(problem, w, 0.3, scratch=True)
    again = evaluate(problem, 2 * w, 0.1, scratch=True)
    assert again["z"] is first["z"] and again["u"] is first["u"]
    assert fresh["z"] is not first["z"]
    moved = evaluate(problem, 2 * w, 0.1)
    for key in ("z", "u", "grad", "viol", "margin"):
        assert np.array_equal(again[key], moved[key])
    for key in ("loss", "penalty", "max_violation", "intercept_grad"):
        assert again[key] == moved[key]


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
def test_a_certificates_x_w_is_kept_for_least_squares_only(datafit):
    """A least-squares solver asks for the certificate's X w again (its
    residual at the same w), so a CSR X's row product is kept; the
    logistic's solver never does, and keeping it cost an n-vector. The
    pieces are the same either way, bit for bit."""
    from sparsecert._problem import rows_times_w
    from sparsecert.datafits import Logistic

    X, z, rng = _text(n=400, p=150, nnz=4000)
    y = np.where(z > 0, 1.0, -1.0) if datafit == "logistic" else z
    problem = make_problem(as_design(X), y, np.ones(X.shape[0]),
                           Logistic() if datafit == "logistic" else Quadratic(),
                           L1(alpha=0.01), True)
    w = np.where(rng.random(150) < 0.1, rng.normal(size=150), 0.0)
    old = rows_times_w(problem, 0.5 * w)  # kept, for another w
    pieces = evaluate(problem, w, 0.3, scratch=True)
    kept = problem.__dict__.get("_rows_xw")
    if datafit == "quadratic":
        assert kept is not None and np.array_equal(kept[1], w) and kept[2] is old
    else:
        assert kept is None  # the stale one is released too
    np.testing.assert_array_equal(pieces["z"], X @ w + 0.3)


def _fresh_scratch(self, name, size, zeros=False):
    return np.zeros(size) if zeros else np.empty(size)


@pytest.mark.parametrize("datafit", ["quadratic", "logistic"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_fits_reusing_scratch_match_fits_allocating_afresh(monkeypatch, datafit, fit_intercept):
    """Every reuse is on a vector nothing reads again: the same coefficients,
    intercept, iterations and gap as with a fresh vector at every call (a
    text-like CSR X whose working sets grow, sample weights; the Lasso takes
    support jumps, whose normal equations use the scratch too)."""
    X, z, rng = _text()
    sw = rng.uniform(0.5, 2.0, X.shape[0])
    if datafit == "logistic":
        y = np.where(z + 0.1 * rng.normal(size=X.shape[0]) > 0, 1, 0)
        alpha = sparsecert.alpha_max(X, y, datafit=datafit, fit_intercept=fit_intercept)
        est = sparsecert.SparseLogisticRegression(alpha=alpha / 200, fit_intercept=fit_intercept)
    else:
        y = z + 0.01 * rng.normal(size=X.shape[0])
        alpha = sparsecert.alpha_max(X, y, fit_intercept=fit_intercept)
        est = sparsecert.Lasso(alpha=alpha / 200, fit_intercept=fit_intercept, tol=1e-8)
        # the residual rounds, whose support jumps use the scratch (a text's
        # Gram working set from X's rows would take none: test_row_gram.py)
        from sparsecert.solvers import gram

        monkeypatch.setattr(gram, "_GRAM_MODE", "never")
    names = set()
    real = _problem.Problem.scratch

    def counted(self, name, size, zeros=False):
        names.add(name)
        return real(self, name, size, zeros)

    monkeypatch.setattr(_problem.Problem, "scratch", counted)
    a = clone(est).fit(X, y, sample_weight=sw)
    # the CD certificates write u over z; the Newton rounds keep both, u in
    # one of the kernels' n-vectors (idle between the rounds' Newton steps)
    assert "z" in names and "u" not in names
    if datafit == "quadratic":
        assert {"gram_rows", "refit_z", "objective"} <= names  # a support jump was tried
    monkeypatch.setattr(_problem.Problem, "scratch", _fresh_scratch)
    idle = []
    monkeypatch.setattr(prox_newton._NewtonRun, "idle_vector",
                        lambda self: idle.append(1) or np.full(X.shape[0], np.nan))
    b = clone(est).fit(X, y, sample_weight=sw)
    assert bool(idle) == (datafit == "logistic")
    assert a.certificate_.converged
    assert np.array_equal(a.coef_, b.coef_) and np.array_equal(a.intercept_, b.intercept_)
    assert np.array_equal(a.n_iter_, b.n_iter_)
    assert a.certificate_.duality_gap == b.certificate_.duality_gap


def test_a_newton_fit_returns_a_certificate_of_its_own():
    """The Newton rounds' certificates are drafts (no copies); the one a fit
    returns is the immutable certificate, owning read-only arrays."""
    X, z, rng = _text(n=2000, p=600, nnz=20000)
    y = np.where(z > 0, 1, 0)
    est = sparsecert.SparseLogisticRegression(alpha=sparsecert.alpha_max(
        X, y, datafit="logistic") / 20).fit(X, y)
    cert = est.certificate_
    assert type(cert) is Certificate and cert.converged
    for name in ("coef", "gradient", "violation", "margin", "violation_scale"):
        arr = getattr(cert, name)
        assert not arr.flags.writeable
    assert not np.shares_memory(cert.coef, est.coef_)
    assert np.array_equal(cert.coef, est.coef_.ravel())


def test_chunk_bounds_with_integer_targets_are_the_float_ones():
    rng = np.random.default_rng(1)
    for _ in range(300):
        n = int(rng.integers(1, 200))
        counts = rng.integers(0, 20, n) * (rng.random(n) > 0.3)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(rng.choice([np.int32, np.int64]))
        k = int(rng.integers(1, 12))
        float_targets = np.searchsorted(indptr, np.linspace(0, int(indptr[-1]), k + 1))
        expected = np.maximum.accumulate(np.minimum(float_targets, n))
        expected[0], expected[-1] = 0, n
        assert np.array_equal(_chunk_bounds(indptr, k), np.maximum.accumulate(expected))


@pytest.mark.parametrize("scale", [1.0, 1e-200, 1e200])
def test_weighted_rms_in_place_is_the_plain_formula(scale):
    rng = np.random.default_rng(3)
    v = scale * rng.normal(size=1000)
    sw = rng.uniform(0.1, 2.0, 1000)
    sw *= 1000 / sw.sum()
    kept = v.copy()
    m = float(np.abs(v).max())
    plain = m * np.sqrt(np.dot(sw, (v / m) * (v / m)) / 1000)
    assert _weighted_rms(v, sw, 1000) == pytest.approx(plain, rel=1e-14)
    assert np.array_equal(v, kept)  # without ``out``, v is left alone
    assert _weighted_rms(v, sw, 1000, out=v) == _weighted_rms(kept, sw, 1000)
    assert _weighted_rms(np.zeros(5), np.ones(5), 5) == 0.0
