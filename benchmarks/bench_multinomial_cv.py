"""Cross-validated multinomial L1 logistic regression: SparseLogisticRegressionCV
against scikit-learn's LogisticRegressionCV(solver="saga", l1_ratios=[1]).

Same folds (StratifiedKFold(5, shuffle, seed 0)), same grid: our n_alphas
alphas from the multinomial alpha_max, scikit-learn's Cs = 1 / (n_train alpha)
(n_train a training fold's mean size: the same per-sample penalty), scored by
accuracy (both estimators' default). sparsecert certifies every alpha of every
fold at ``--tol`` (check_optimality's scale-free tolerance); saga runs at its
own ``tol`` (a change-of-coefficient criterion, default 1e-4, not the same
measure) with max_iter=10000. Reported: the wall time of each fit, the alpha
each chose, and whether each refit passes check_optimality at ``--tol``.
Warm-up (Numba compile or cache load) excluded: one small CV first.

    PYTHONPATH=src python benchmarks/bench_multinomial_cv.py [--tol 1e-4] [--saga-tol 1e-4]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

import sparsecert as sc
from sparsecert.penalties import L1


def standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def certified(X, y, coef, intercept, alpha, tol):
    return sc.check_optimality(X, y, coef, intercept, datafit="multinomial",
                               penalty=L1(alpha=alpha), tol=tol).converged


def run(name, X, y, n_alphas, tol, saga_tol):
    cv = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    t = time.perf_counter()
    ours = sc.SparseLogisticRegressionCV(n_alphas=n_alphas, cv=cv, tol=tol).fit(X, y)
    t_ours = time.perf_counter() - t
    n_train = np.mean([len(train) for train, _ in cv])
    Cs = 1.0 / (n_train * ours.alphas_)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (ConvergenceWarning, FutureWarning, UserWarning))
        theirs = LogisticRegressionCV(Cs=np.sort(Cs), l1_ratios=[1.0], solver="saga", cv=cv,
                                      tol=saga_tol, max_iter=10000).fit(X, y)
    t_theirs = time.perf_counter() - t
    alpha_theirs = 1.0 / (n_train * float(np.ravel(theirs.C_)[0]))
    alpha_refit = 1.0 / (X.shape[0] * float(np.ravel(theirs.C_)[0]))
    print(f"{name} ({X.shape[0]} x {X.shape[1]}, {len(np.unique(y))} classes), "
          f"{n_alphas} alphas x 5 folds:")
    print(f"  sparsecert {t_ours:7.2f} s  alpha={ours.alpha_[0]:.4g}  refit certified at "
          f"tol={tol:g}: {ours.certificate_.converged}")
    print(f"  saga       {t_theirs:7.2f} s  alpha={alpha_theirs:.4g}  refit certified at "
          f"tol={tol:g}: {certified(X, y, theirs.coef_, theirs.intercept_, alpha_refit, tol)}"
          f"  (saga tol={saga_tol:g})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--saga-tol", type=float, default=1e-4)
    parser.add_argument("--n-alphas", type=int, default=10)
    args = parser.parse_args()
    Xw, yw = standardized(load_wine)
    sc.SparseLogisticRegressionCV(n_alphas=3, cv=3).fit(Xw, yw)  # warm-up
    for name, loader in (("wine", load_wine), ("digits", load_digits)):
        X, y = standardized(loader)
        run(name, X, y, args.n_alphas, args.tol, args.saga_tol)


if __name__ == "__main__":
    main()
