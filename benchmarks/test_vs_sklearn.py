"""pytest-benchmark: sparsecert against scikit-learn at equal, checked accuracy.

Run with ``python -m pytest benchmarks/test_vs_sklearn.py --benchmark-only``.
Not part of the CI test run. Each solver's answer is judged by the same
``check_optimality`` (max violation <= 1e-4 * alpha); scikit-learn's own tol
(a duality-gap tolerance) is tightened until its answer passes, and then timed.
Compile time is excluded: a warm-up fit runs before timing.
"""

import warnings

import numpy as np
import pytest
from sklearn import linear_model as sk

import sparsecert as sc
from sparsecert.penalties import L1, ElasticNet

from .problems import dense_correlated, sparse_csc

PROBLEMS = {
    "dense-500x2000": lambda: dense_correlated(500, 2000),
    "sparse-20000x20000": lambda: sparse_csc(20000, 20000),
}
_cache = {}


def problem(name):
    if name not in _cache:
        _cache[name] = PROBLEMS[name]()
    return _cache[name]


def accuracy_ok(X, y, coef, intercept, pen, alpha):
    cert = sc.check_optimality(X, y, coef, intercept, datafit="quadratic", penalty=pen)
    return cert.max_violation <= 1e-4 * alpha


def sklearn_tol(X, y, make, pen, alpha):
    for tol in 10.0 ** -np.arange(2, 14):
        est = make(tol).fit(X, y)
        if accuracy_ok(X, y, est.coef_, est.intercept_, pen, alpha):
            return tol
    return tol


@pytest.mark.parametrize("name", list(PROBLEMS))
@pytest.mark.parametrize("model", ["lasso", "enet"])
@pytest.mark.parametrize("library", ["sparsecert", "scikit-learn"])
def test_fit(benchmark, name, model, library):
    X, y = problem(name)
    l1_ratio = 1.0 if model == "lasso" else 0.5
    alpha = sc.alpha_max(X, y, l1_ratio=l1_ratio) / 20
    pen = L1(alpha=alpha) if model == "lasso" else ElasticNet(alpha=alpha, l1_ratio=0.5)
    benchmark.group = f"{model} {name} alpha_max/20"
    if library == "sparsecert":
        # tol is relative to alpha_max: this asks for violation <= 1e-4 * alpha
        tol = 1e-4 / 20
        make = (lambda: sc.Lasso(alpha=alpha, tol=tol, max_iter=100000)) if model == "lasso" else \
            (lambda: sc.ElasticNet(alpha=alpha, l1_ratio=0.5, tol=tol, max_iter=100000))
    else:
        def mk(t):
            if model == "lasso":
                return sk.Lasso(alpha=alpha, tol=t, max_iter=100000)
            return sk.ElasticNet(alpha=alpha, l1_ratio=0.5, tol=t, max_iter=100000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = sklearn_tol(X, y, mk, pen, alpha)
        make = lambda: mk(t)  # noqa: E731
    est = make().fit(X, y)  # warm-up (compilation excluded)
    assert accuracy_ok(X, y, est.coef_, est.intercept_, pen, alpha)
    benchmark.pedantic(lambda: make().fit(X, y), rounds=5, iterations=1)
