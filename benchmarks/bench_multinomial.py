"""Multinomial L1 logistic regression: sparsecert against scikit-learn's saga,
at the same certified accuracy.

Both answers are judged by the same checker,
``sparsecert.check_optimality(..., datafit="multinomial", tol=TOL)`` (every
feature's first-order condition to TOL x alpha_max-like scale, intercept
stationarity, relative duality gap <= TOL). sparsecert is timed with
``tol=TOL``; saga is timed at tol = 1e-3, 1e-4, ... until its answer passes
the checker, and the first passing run's time is reported (the runs before
it are not counted; a run over ``--saga-cap`` seconds ends the ladder).
Warm-up (Numba compile, or cache load) excluded: one small fit first.

    PYTHONPATH=src python benchmarks/bench_multinomial.py [--tol 1e-6]

Problems: digits (1797 x 64, 10 classes, standardized) and a9a's test split
(16281 x 122, CSR) with 3 classes: income <= 50K; > 50K with binary feature
72 off; > 50K with it on (that feature dropped from X).
"""

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, load_svmlight_file
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import sparsecert as sc
from sparsecert import check_optimality
from sparsecert.penalties import L1

A9A = Path(__file__).resolve().parents[2] / "shared" / "data" / "a9a.t.svmlight.gz"


def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def a9a3():
    X, label = load_svmlight_file(str(A9A), n_features=123)
    on = X[:, 72].toarray().ravel() > 0
    y = np.where(label < 0, 0, np.where(on, 2, 1))
    keep = np.setdiff1d(np.arange(123), [72])
    return X[:, keep].tocsr(), y


def certified(X, y, coef, intercept, alpha, tol):
    return check_optimality(X, y, coef, intercept, datafit="multinomial",
                            penalty=L1(alpha=alpha), tol=tol)


def run(name, X, y, alpha, tol, saga_cap):
    n = X.shape[0]
    t = time.perf_counter()
    est = sc.SparseLogisticRegression(alpha=alpha, tol=tol, max_iter=10000).fit(X, y)
    ours = time.perf_counter() - t
    cert = certified(X, y, est.coef_, est.intercept_, alpha, tol)
    row = dict(problem=name, alpha=alpha, ours=ours, ours_ok=cert.converged,
               nnz=int(np.count_nonzero(est.coef_)), saga=None, saga_tol=None)
    for saga_tol in 10.0 ** np.arange(-3, -13, -1):
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = LogisticRegression(l1_ratio=1, solver="saga", C=1 / (n * alpha), tol=saga_tol,
                                     max_iter=100000).fit(X, y)
        took = time.perf_counter() - t
        if certified(X, y, ref.coef_, ref.intercept_, alpha, tol).converged:
            row.update(saga=took, saga_tol=saga_tol)
            break
        if took > saga_cap:
            row.update(saga=f">{took:.0f} (not certified at tol={saga_tol:g})")
            break
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--saga-cap", type=float, default=300.0)
    args = parser.parse_args()
    Xw, yw = digits()
    sc.SparseLogisticRegression(alpha=0.1).fit(Xw[:200], yw[:200])  # warm-up
    problems = [("digits", *digits(), 0.01), ("digits", *digits(), 0.002)]
    if A9A.exists():
        problems += [("a9a-3class", *a9a3(), 0.002), ("a9a-3class", *a9a3(), 0.0005)]
    print(f"tol={args.tol:g}, both judged by check_optimality; seconds, warm-up excluded")
    print(f"{'problem':12s} {'alpha':>8s} {'nnz':>5s} {'sparsecert':>11s} {'saga':>10s} "
          f"{'saga tol':>9s} {'speed-up':>9s}")
    for name, X, y, alpha in problems:
        r = run(name, X, y, alpha, args.tol, args.saga_cap)
        saga = r["saga"]
        speed = f"{saga / r['ours']:.1f}x" if isinstance(saga, float) else "-"
        saga_s = f"{saga:.3f}" if isinstance(saga, float) else str(saga)
        ok = "" if r["ours_ok"] else " (NOT certified)"
        print(f"{name:12s} {alpha:8g} {r['nnz']:5d} {r['ours']:11.3f}{ok} {saga_s:>10s} "
              f"{r['saga_tol'] if r['saga_tol'] else '-':>9} {speed:>9s}", flush=True)


if __name__ == "__main__":
    main()
