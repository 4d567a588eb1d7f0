"""100-alpha Lasso path: sparsecert.lasso_path vs sklearn.linear_model.lasso_path.

Run: ``PYTHONPATH=src python benchmarks/bench_path.py [--quick]``.

Accuracy is judged for both by the same checker, :func:`sparsecert.check_optimality`:
a path passes when, at every alpha_k, the maximum violation of the first-order
optimality condition is <= 1e-4 * alpha_k. Each library's ``tol`` is tightened
tenfold from 1e-4 until its path passes; the time reported is that of the
loosest passing ``tol``. scikit-learn's ``lasso_path`` fits no intercept: it gets
centred data (centring not timed) and its intercept is recovered as
mean(y) - mean(X) @ coef for the check; ours fits the intercept itself.

Compile-time policy: warm-up excluded. Each function is run once on a tiny grid
before timing (Numba kernels compiled or loaded from cache); each timing is the
best of ``--repeat`` runs (default 2).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.problems import dense_correlated  # noqa: E402

import sparsecert as sc  # noqa: E402
from sparsecert import penalties  # noqa: E402


def worst_ratio(X, y, alphas, coefs, intercepts):
    """max_k max_violation(alpha_k) / alpha_k, judged by check_optimality."""
    worst = 0.0
    for k, alpha in enumerate(alphas):
        cert = sc.check_optimality(X, y, coefs[:, k], intercepts[k], datafit="quadratic",
                                   penalty=penalties.L1(alpha=float(alpha)))
        worst = max(worst, cert.max_violation / alpha)
    return worst


def best_time(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run(name, X, y, eps, repeat, target=1e-4):
    from sklearn.linear_model import lasso_path as sk_lasso_path

    Xc, yc = X - X.mean(0), y - y.mean()
    warnings.simplefilter("ignore")
    # warm-up: tiny grids
    sc.lasso_path(X, y, n_alphas=3)
    sk_lasso_path(Xc, yc, alphas=3, eps=eps)
    alphas = sc.lasso_path(X, y, n_alphas=100, eps=eps, tol=1e-2).alphas
    rows = []
    for tol in [1e-4, 1e-5, 1e-6, 1e-7, 1e-8]:
        t, res = best_time(lambda: sc.lasso_path(X, y, alphas=alphas, tol=tol), repeat)
        r = worst_ratio(X, y, res.alphas, res.coefs, res.intercepts)
        rows.append(("sparsecert", tol, t, r, int(res.n_kkt_added.sum())))
        if r <= target:
            break
    for tol in [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]:
        t, (a, coefs, _) = best_time(
            lambda: sk_lasso_path(Xc, yc, alphas=alphas, tol=tol, max_iter=100000), repeat)
        intercepts = y.mean() - X.mean(0) @ coefs
        r = worst_ratio(X, y, a, coefs, intercepts)
        rows.append(("sklearn", tol, t, r, 0))
        if r <= target:
            break
    print(f"\n{name}: X {X.shape}, 100 alphas, eps={eps}; target max violation <= "
          f"{target:g} * alpha at every alpha")
    for lib, tol, t, r, added in rows:
        ok = "pass" if r <= target else "fail"
        extra = f", {added} KKT re-check additions" if lib == "sparsecert" else ""
        print(f"  {lib:10s} tol={tol:7.0e}  {t:8.3f} s  worst violation/alpha={r:.2e} "
              f"({ok}){extra}")
    best = {lib: min((t for l2, _, t, r, _ in rows if l2 == lib and r <= target), default=np.nan)
            for lib in ("sparsecert", "sklearn")}
    print(f"  => sparsecert {best['sparsecert']:.3f} s vs sklearn {best['sklearn']:.3f} s "
          f"(speed-up x{best['sklearn'] / best['sparsecert']:.1f})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="diabetes only")
    args = parser.parse_args()
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    run("diabetes", X, y, 1e-3, args.repeat)
    if not args.quick:
        X, y = dense_correlated(n=500, p=5000)
        run("dense correlated (AR(1) rho=0.6)", X, y, 1e-3, args.repeat)


if __name__ == "__main__":
    main()
