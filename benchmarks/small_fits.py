"""Small fits: sparsecert against scikit-learn on diabetes (issue 14, item 6).

Prints one row per case: the median wall time of sparsecert and of
scikit-learn over ``--repeats`` runs (the two interleaved run by run, so
that a noisy machine slows both alike), and their ratio (< 1: sparsecert is
faster); then the same for the fastest run of each (best-of-N, what a
shared machine disturbs least). Every case is run once untimed first (Numba's kernels load from
the on-disk cache, joblib's worker processes start).

    python benchmarks/small_fits.py [--repeats N] [--cases lasso,enet,...] [--clock cpu]

``--clock cpu`` times each run by this process's CPU time
(``time.process_time``) instead of the wall clock: on a loaded machine it
leaves out the time other processes hold the cores (not for n_jobs=2, whose
work runs in other processes).

Cases: lasso (Lasso(alpha=0.1), and alphas 1.0 and 0.01), enet
(ElasticNet(alpha=0.01, l1_ratio=0.5)), lassocv, enetcv (cv=5, 100
alphas), grid1 and grid2 (GridSearchCV(Pipeline(StandardScaler(),
Lasso())) over 20 alphas, cv=5, n_jobs=1 and 2). scikit-learn's estimators
run with their defaults (tol=1e-4); sparsecert's stop on its certificate
(max violation <= tol x alpha_max and relative duality gap <= tol).

n_jobs=2 and joblib's worker processes (loky), measured on a 2-core machine:
the kernels load from Numba's on-disk cache in each worker (NUMBA_DEBUG_CACHE=1
shows index and data loads, no saves: nothing is recompiled), and loky sets
OMP_NUM_THREADS=1 and NUMBA_NUM_THREADS=1 there (the kernels are not
parallel=True), so nothing oversubscribes. What a first n_jobs=2 call pays
is each worker's start: spawning and importing scikit-learn (about 3 s for
scikit-learn's own Lasso, cold), plus, for sparsecert, Numba's first cache
load in that process (its typing registries, about 0.5 s; 4.4 s in all
against 3.1 s). Once the workers are up (every later call, as timed here
after the untimed first run), n_jobs=2 costs what n_jobs=1 does, for
scikit-learn as for sparsecert: on diabetes each task is a fraction of a
millisecond, too small for two processes to gain.
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sklearn.linear_model as sk
import sparsecert as sc

GRID = {"lasso__alpha": list(np.logspace(-3, 1, 20))}


def _grid_search(module, n_jobs):
    def run(X, y):
        pipe = Pipeline([("scale", StandardScaler()), ("lasso", module.Lasso())])
        GridSearchCV(pipe, GRID, cv=5, n_jobs=n_jobs).fit(X, y)
    return run


def _fit(make):
    return lambda X, y: make().fit(X, y)


def cases():
    """name -> (sparsecert callable, scikit-learn callable, default repeats)."""
    return {
        "lasso": (_fit(lambda: sc.Lasso(alpha=0.1)), _fit(lambda: sk.Lasso(alpha=0.1)), 400),
        "lasso a=1": (_fit(lambda: sc.Lasso(alpha=1.0)), _fit(lambda: sk.Lasso(alpha=1.0)), 400),
        "lasso a=0.01": (_fit(lambda: sc.Lasso(alpha=0.01)), _fit(lambda: sk.Lasso(alpha=0.01)),
                         400),
        "enet": (_fit(lambda: sc.ElasticNet(alpha=0.01)), _fit(lambda: sk.ElasticNet(alpha=0.01)),
                 400),
        "lassocv": (_fit(lambda: sc.LassoCV(cv=5)), _fit(lambda: sk.LassoCV(cv=5)), 15),
        "enetcv": (_fit(lambda: sc.ElasticNetCV(cv=5)), _fit(lambda: sk.ElasticNetCV(cv=5)), 15),
        "grid n_jobs=1": (_grid_search(sc, 1), _grid_search(sk, 1), 7),
        "grid n_jobs=2": (_grid_search(sc, 2), _grid_search(sk, 2), 7),
    }


def timed(f, X, y, clock=time.perf_counter):
    t = clock()
    f(X, y)
    return clock() - t


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="runs per case (default: 400 single fits, 15 CV, 7 grid searches)")
    parser.add_argument("--cases", default=None, help="comma-separated names (default: all)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall clock (default) or this process's CPU time")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    X, y = load_diabetes(return_X_y=True)
    table = cases()
    names = list(table) if args.cases is None else [c.strip() for c in args.cases.split(",")]
    print(f"{'':16s} {'median':^34s} {'best of N':^34s}")
    print(f"{'case':16s} {'sparsecert':>12s} {'scikit-learn':>13s} {'ratio':>7s} "
          f"{'sparsecert':>12s} {'scikit-learn':>13s} {'ratio':>7s}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name in names:
            ours, theirs, default = table[name]
            repeats = args.repeats or default
            timed(ours, X, y)
            timed(theirs, X, y)
            a, b = [], []
            for _ in range(repeats):
                a.append(timed(ours, X, y, clock))
                b.append(timed(theirs, X, y, clock))
            row = [name]
            for stat in (statistics.median, min):
                ta, tb = stat(a), stat(b)
                row.append(f"{ta * 1e3:10.3f}ms {tb * 1e3:11.3f}ms {ta / tb:7.2f}")
            print(f"{row[0]:16s} {row[1]} {row[2]}")


if __name__ == "__main__":
    main()
