"""sparsecert against scikit-learn, skglm and celer, judged by one checker.

Usage::

    python benchmarks/compare.py            # the full suite (several minutes)
    python benchmarks/compare.py --quick    # fewer problems and repetitions
    python benchmarks/compare.py --only lasso-dense-wide
    python benchmarks/compare.py --large [--size full] [...]  # benchmarks/large.py

Every solver's answer is judged by the same code, ``sparsecert.check_optimality``:
it must reach duality gap <= 1e-6 * P(0) and max violation <= 1e-4 * alpha.
Each solver is timed at the loosest of its own tolerances (10^-2, 10^-3, ...)
that reaches that accuracy, best of ``--repeat`` fits after a warm-up fit
(so compilation is excluded everywhere). Every solver runs on one thread
(BLAS limited with threadpoolctl). skglm and celer are optional imports.
Logistic problems are fitted without intercept, the one setting in which
liblinear (which penalizes its intercept) and celer (which has none) solve
the same problem as the others.
"""

import argparse
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.problems import (dense_correlated, logistic_dense, logistic_sparse,  # noqa: E402
                                 sparse_csc)

import sparsecert as sc  # noqa: E402
from sparsecert.penalties import L1, ElasticNet  # noqa: E402

DATA = HERE.parent.parent / "shared" / "data"
GAP_TOL = 1e-6
VIOL_TOL = 1e-4


def _optional(name):
    try:
        return __import__(name)
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None


skglm = _optional("skglm")
celer = _optional("celer")


# ----------------------------------------------------------------- problems
def load_npz(name):
    f = np.load(DATA / name, allow_pickle=False)
    if "X_data" in f:
        X = sp.csr_matrix((f["X_data"], f["X_indices"], f["X_indptr"]), shape=tuple(f["X_shape"]))
        return X.tocsc(), np.asarray(f["y"], float)
    return np.asfortranarray(f["X"]), np.asarray(f["y"], float)


# name -> (loader, datafit, l1_ratio, alpha_max divisors)
PROBLEMS = {
    "lasso-dense-wide": (lambda: dense_correlated(500, 5000), "quadratic", 1.0, (20, 100)),
    "lasso-dense-tall": (lambda: dense_correlated(20000, 500), "quadratic", 1.0, (20, 100)),
    "lasso-sparse": (lambda: sparse_csc(20000, 50000), "quadratic", 1.0, (20, 50, 100)),
    "enet-dense-wide": (lambda: dense_correlated(500, 5000), "quadratic", 0.5, (20, 100)),
    "lasso-leukemia": (lambda: load_npz("leukemia_golub1999_38x3051.npz"), "quadratic", 1.0, (20, 100)),
    "lasso-riboflavin": (lambda: load_npz("riboflavin_hdi.npz"), "quadratic", 1.0, (20, 100)),
    "lasso-we8there": (lambda: load_npz("we8there_textir.npz"), "quadratic", 1.0, (20, 100)),
    "logreg-dense": (logistic_dense, "logistic", 1.0, (20, 100)),
    "logreg-sparse": (logistic_sparse, "logistic", 1.0, (20, 100)),
}
QUICK = {"lasso-dense-wide": (20, 100), "lasso-dense-tall": (100,), "lasso-sparse": (50,),
         "enet-dense-wide": (20,), "lasso-riboflavin": (20,), "logreg-dense": (20,),
         "logreg-sparse": (20,)}


# ------------------------------------------------------------------ solvers
def solvers_for(datafit, l1_ratio, alpha, n):
    """name -> make(tol) returning an unfitted estimator whose coef_/intercept_ we judge."""
    from sklearn import linear_model as lm

    out = {}
    if datafit == "quadratic":
        if l1_ratio == 1.0:
            out["sparsecert"] = lambda t: sc.Lasso(alpha=alpha, tol=t, max_iter=100000)
            out["scikit-learn"] = lambda t: lm.Lasso(alpha=alpha, tol=t, max_iter=100000)
            if skglm:
                out["skglm"] = lambda t: skglm.Lasso(alpha=alpha, tol=t, max_iter=1000)
            if celer:
                out["celer"] = lambda t: celer.Lasso(alpha=alpha, tol=t, max_iter=1000)
        else:
            out["sparsecert"] = lambda t: sc.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=t,
                                                        max_iter=100000)
            out["scikit-learn"] = lambda t: lm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=t,
                                                          max_iter=100000)
            if skglm:
                out["skglm"] = lambda t: skglm.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=t,
                                                          max_iter=1000)
            if celer:
                out["celer"] = lambda t: celer.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=t,
                                                          max_iter=1000)
    else:
        if hasattr(sc, "SparseLogisticRegression"):
            out["sparsecert"] = lambda t: sc.SparseLogisticRegression(
                alpha=alpha, tol=t, max_iter=1000, fit_intercept=False)
        out["liblinear"] = lambda t: lm.LogisticRegression(
            penalty="l1", C=1.0 / (n * alpha), solver="liblinear", tol=t, max_iter=100000,
            fit_intercept=False)
        if skglm:
            out["skglm"] = lambda t: skglm.SparseLogisticRegression(
                alpha=alpha, tol=t, max_iter=100, fit_intercept=False)
        if celer:
            out["celer"] = lambda t: celer.LogisticRegression(
                C=1.0 / (n * alpha), tol=t, max_iter=100, fit_intercept=False)
    return out


def judge(X, y, est, datafit, penalty, alpha, objective0):
    coef = np.ravel(est.coef_)
    intercept = float(np.ravel(getattr(est, "intercept_", 0.0))[0]) if np.ndim(
        getattr(est, "intercept_", 0.0)) else float(getattr(est, "intercept_", 0.0))
    fit_intercept = getattr(est, "fit_intercept", True)
    cert = sc.check_optimality(X, y, coef, intercept if fit_intercept else None,
                               datafit=datafit, penalty=penalty)
    gap_ok = cert.duality_gap is not None and cert.duality_gap <= GAP_TOL * objective0
    return gap_ok and cert.max_violation <= VIOL_TOL * alpha, cert


def measure_solver(make, X, y, datafit, penalty, alpha, objective0, repeat, budget):
    """(seconds, tol used) at the loosest tolerance that passes, or (None, None)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(2, 15):
            tol = 10.0 ** -k
            t0 = time.perf_counter()
            est = make(tol).fit(X, y)  # also the warm-up of the timed runs
            first = time.perf_counter() - t0
            ok, _ = judge(X, y, est, datafit, penalty, alpha, objective0)
            if ok:
                best = first
                for _ in range(repeat):
                    t0 = time.perf_counter()
                    make(tol).fit(X, y)
                    best = min(best, time.perf_counter() - t0)
                return best, tol
            if first > budget:
                return None, None
    return None, None


def objective_at_zero(X, y, datafit, fit_intercept):
    if datafit == "logistic":
        return float(np.log(2.0))
    yc = y - y.mean() if fit_intercept else y
    return float(yc @ yc / (2 * len(y)))


def run_problem(name, ratios, repeat, budget):
    loader, datafit, l1_ratio, _ = PROBLEMS[name]
    try:
        X, y = loader()
    except FileNotFoundError as exc:
        print(f"{name}: skipped ({exc})")
        return []
    n = X.shape[0]
    fit_intercept = datafit == "quadratic"
    rows = []
    for ratio in ratios:
        amax = sc.alpha_max(X, y, l1_ratio=l1_ratio, datafit=datafit, fit_intercept=fit_intercept)
        alpha = amax / ratio
        penalty = L1(alpha=alpha) if l1_ratio == 1.0 else ElasticNet(alpha=alpha, l1_ratio=l1_ratio)
        p0 = objective_at_zero(X, y, datafit, fit_intercept)
        times = {}
        for solver, make in solvers_for(datafit, l1_ratio, alpha, n).items():
            times[solver] = measure_solver(make, X, y, datafit, penalty, alpha, p0, repeat, budget)
        rows.append((f"{name} amax/{ratio}", X.shape, times))
        print_row(rows[-1], flush=True)
    return rows


# ------------------------------------------------------------------- report
def print_header():
    print(f"{'problem':32s} {'shape':>14s} | {'sparsecert':>10s} {'scikit-learn':>12s} "
          f"{'liblinear':>10s} {'skglm':>10s} {'celer':>10s} | {'vs best peer':>12s} "
          f"{'vs sklearn':>10s}")


def fmt(t):
    return f"{t[0]:.4f}" if t and t[0] is not None else "-"


def print_row(row, flush=False):
    name, shape, times = row
    ours = times.get("sparsecert", (None, None))[0]
    peers = [v[0] for k, v in times.items() if k != "sparsecert" and v[0] is not None]
    ref = times.get("scikit-learn", times.get("liblinear", (None, None)))[0]
    best = min(peers) if peers else None
    ratio = f"{ours / best:.2f}x" if ours and best else "-"
    speedup = f"{ref / ours:.1f}x" if ours and ref else "-"
    print(f"{name:32s} {str(shape):>14s} | {fmt(times.get('sparsecert')):>10s} "
          f"{fmt(times.get('scikit-learn')):>12s} {fmt(times.get('liblinear')):>10s} "
          f"{fmt(times.get('skglm')):>10s} {fmt(times.get('celer')):>10s} | {ratio:>12s} "
          f"{speedup:>10s}", flush=flush)


def path_benchmark(repeat):
    """100-alpha Lasso path (eps 1e-3): sparsecert vs scikit-learn's lasso_path and skglm."""
    from sklearn.linear_model import lasso_path as sk_path

    X, y = dense_correlated(500, 5000)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    amax = sc.alpha_max(X, y)
    alphas = np.geomspace(amax, amax * 1e-3, 100)

    def ok_all(coefs, intercepts):
        for k, a in enumerate(alphas):
            cert = sc.check_optimality(X, y, coefs[:, k], intercepts[k], datafit="quadratic",
                                       penalty=L1(alpha=a))
            if cert.max_violation > VIOL_TOL * a:
                return False
        return True

    res = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(4, 12):
            tol = 10.0 ** -k
            out = sc.lasso_path(X, y, alphas=alphas, tol=tol, max_iter=100000)
            if ok_all(out.coefs, out.intercepts):
                res["sparsecert"] = min(_timed(lambda: sc.lasso_path(X, y, alphas=alphas, tol=tol,
                                                                      max_iter=100000))
                                        for _ in range(repeat))
                break
        for k in range(4, 12):
            tol = 10.0 ** -k
            _, coefs, _ = sk_path(Xc, yc, alphas=alphas, tol=tol, max_iter=100000)
            intercepts = y.mean() - X.mean(axis=0) @ coefs
            if ok_all(coefs, intercepts):
                res["scikit-learn"] = min(_timed(lambda: sk_path(Xc, yc, alphas=alphas, tol=tol,
                                                                  max_iter=100000))
                                          for _ in range(repeat))
                break
        if skglm is not None:
            # skglm's own path: AndersonCD.path with warm starts, intercept as last row
            from skglm.datafits import Quadratic as SkglmQuadratic
            from skglm.penalties import L1 as SkglmL1
            from skglm.solvers import AndersonCD

            def skglm_path(tol):
                solver = AndersonCD(tol=tol, fit_intercept=True, max_epochs=100000)
                return solver.path(X, y, SkglmQuadratic(), SkglmL1(1.0), alphas)[1]

            for k in range(4, 12):
                tol = 10.0 ** -k
                coefs = skglm_path(tol)
                if ok_all(coefs[:-1], coefs[-1]):
                    res["skglm"] = min(_timed(lambda: skglm_path(tol)) for _ in range(repeat))
                    break
    ours, theirs, sk_glm = res.get("sparsecert"), res.get("scikit-learn"), res.get("skglm")
    nan = float("nan")
    print(f"\n100-alpha Lasso path, dense 500x5000, eps=1e-3: sparsecert {ours or nan:.3f} s, "
          f"scikit-learn lasso_path {theirs or nan:.3f} s"
          + (f" ({theirs / ours:.1f}x)" if ours and theirs else "")
          + f", skglm AndersonCD.path {sk_glm or nan:.3f} s"
          + (f" ({sk_glm / ours:.1f}x)" if ours and sk_glm else ""))


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


FRESH = {
    "sparsecert": "import sparsecert as sc; from sklearn.datasets import load_diabetes; "
                  "X, y = load_diabetes(return_X_y=True); sc.Lasso(alpha=0.1).fit(X, y)",
    "scikit-learn": "from sklearn.linear_model import Lasso; from sklearn.datasets import "
                    "load_diabetes; X, y = load_diabetes(return_X_y=True); Lasso(alpha=0.1).fit(X, y)",
    "skglm": "from skglm import Lasso; from sklearn.datasets import load_diabetes; "
             "X, y = load_diabetes(return_X_y=True); Lasso(alpha=0.1).fit(X, y)",
}


def fresh_process(repeat=5):
    """Wall time of a new process that imports the library and fits a small Lasso
    (Numba cache warm: one unmeasured run first). The libraries take turns in
    every repetition, so that a load change on a shared machine hits them alike."""
    print("\nfresh process, import + first Lasso fit on diabetes (best of %d, warm Numba cache):"
          % repeat)
    names = [name for name in FRESH if name != "skglm" or skglm]
    for name in names:
        subprocess.run([sys.executable, "-c", FRESH[name]], check=True)
    best = dict.fromkeys(names, float("inf"))
    for _ in range(repeat):
        for name in names:
            code = FRESH[name]
            best[name] = min(best[name],
                             _timed(lambda: subprocess.run([sys.executable, "-c", code], check=True)))
    for name in names:
        rel = f" ({best[name] / best['scikit-learn']:.2f}x scikit-learn)" if name != "scikit-learn" else ""
        print(f"  {name:12s} {best[name]:.2f} s{rel}")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--large" in argv:  # the large-job benchmark: its own options, one process per solver
        from benchmarks.large import main as large_main

        argv.remove("--large")
        return large_main(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=60.0,
                        help="give up on a solver whose single fit exceeds this (s)")
    parser.add_argument("--no-path", action="store_true")
    parser.add_argument("--no-fresh", action="store_true")
    parser.add_argument("--large", action="store_true",
                        help="run benchmarks/large.py instead, with the other arguments")
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    names = args.only or (list(QUICK) if args.quick else list(PROBLEMS))
    print(f"judge: duality gap <= {GAP_TOL:g} x P(0) and max violation <= {VIOL_TOL:g} x alpha; "
          f"seconds are the best of {args.repeat} fits after a warm-up, one thread each\n")
    print_header()
    rows = []
    with threadpool_limits(limits=1):
        for name in names:
            ratios = QUICK[name] if args.quick and name in QUICK else PROBLEMS[name][3]
            rows += run_problem(name, ratios, args.repeat, args.budget)
        ratios_vs_sk = []
        for _, _, times in rows:
            ours = times.get("sparsecert", (None,))[0]
            ref = times.get("scikit-learn", times.get("liblinear", (None,)))[0]
            if ours and ref:
                ratios_vs_sk.append(ref / ours)
        if ratios_vs_sk:
            print(f"\nmedian speed-up over scikit-learn (liblinear for logistic): "
                  f"{np.median(ratios_vs_sk):.1f}x over {len(ratios_vs_sk)} problems")
        if not args.no_path:
            path_benchmark(max(1, args.repeat - 1))
    if not args.no_fresh:
        fresh_process()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
