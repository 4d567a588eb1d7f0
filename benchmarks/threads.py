"""n_jobs=1 against n_jobs=2 on large.py's text-like CSR problem (issue 14's scaling row).

Usage::

    PYTHONPATH=src python benchmarks/threads.py                 # 100,000 x 20,000, 2e6 nnz
    PYTHONPATH=src python benchmarks/threads.py --size full     # 1,000,000 x 100,000, 2e7 nnz

One process, the same X, y and alpha for both thread counts (the problems of
``large.py``: Lasso and L1-logistic at alpha_max / 20 and / 200, no
intercept, tol 1e-4); BLAS threads are pinned to 1, Numba's pool is sized by
``n_jobs``. Each (problem, n_jobs) is fitted once to warm up, then
``--repeat`` times, n_jobs=1 and 2 taking turns; the best wall-clock time of
each is reported with their ratio. The two fits' coefficients must be
bitwise the same (fixed-order reductions): the script says so, or fails.
"""

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.large import SIZES, targets, text_like_csr  # noqa: E402


def run(X, y, estimator, alpha, repeat):
    """(best seconds with n_jobs=1, with n_jobs=2, passes) of one problem."""
    fits = {1: [], 2: []}
    coefs = {}
    for n_jobs in (1, 2):  # warm-up: compilation or cache loads are not timed
        coefs[n_jobs] = estimator(alpha=alpha, fit_intercept=False, tol=1e-4,
                                  n_jobs=n_jobs).fit(X, y).coef_
    if not np.array_equal(coefs[1], coefs[2]):
        raise AssertionError("n_jobs=1 and n_jobs=2 gave different coefficients")
    for _ in range(repeat):
        for n_jobs in (1, 2):
            est = estimator(alpha=alpha, fit_intercept=False, tol=1e-4, n_jobs=n_jobs)
            t = time.perf_counter()
            est.fit(X, y)
            fits[n_jobs].append(time.perf_counter() - t)
    return min(fits[1]), min(fits[2]), float(est.n_passes_)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="default")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--problems", nargs="*",
                        default=["lasso/20", "lasso/200", "logreg/20", "logreg/200"])
    args = parser.parse_args(argv)

    import sparsecert as sc

    n, p, nnz = SIZES[args.size]
    X = text_like_csr(n, p, nnz, seed=0)
    y_reg, y_log, _ = targets(X, seed=0)
    print(f"X: {n} x {p} CSR, {X.nnz} nonzeros; best of {args.repeat}, tol 1e-4")
    print(f"{'problem':12s} {'n_jobs=1':>9s} {'n_jobs=2':>9s} {'speed-up':>9s} {'passes':>7s}")
    for problem in args.problems:
        kind, ratio = problem.split("/")
        if kind == "lasso":
            y, estimator, datafit = y_reg, sc.Lasso, "quadratic"
        else:
            y, estimator, datafit = y_log, sc.SparseLogisticRegression, "logistic"
        alpha = sc.alpha_max(X, y, fit_intercept=False, datafit=datafit) / float(ratio)
        one, two, passes = run(X, y, estimator, alpha, args.repeat)
        print(f"{problem:12s} {one:8.3f}s {two:8.3f}s {one / two:8.2f}x {passes:7.1f}",
              flush=True)


if __name__ == "__main__":
    main()
