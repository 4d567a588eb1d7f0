"""Cost against nnz(X): time and peak memory of a sparse Lasso, and a never-densified fit.

Run: ``PYTHONPATH=src python benchmarks/bench_scaling.py [--quick] [--skip-huge]``.

1. Scaling. A sparse CSC Lasso problem (Gaussian nonzeros, 50 true features)
   with n_samples = 1x, 4x, 16x the base (base 20000 x 20000, density 1e-3:
   nnz 4e5, 1.6e6, 6.4e6; ``--quick`` uses a 5000-row base), the same
   density and the same features, so nnz(X) grows with n. alpha =
   alpha_max / 20, ``tol = 1e-4 / 20`` so that the certificate guarantees a
   max violation <= 1e-4 alpha (tol is scale-free: x alpha_max). Each size
   runs in its own subprocess, which builds X, fits once to warm up (Numba
   kernels compiled or loaded from cache: compile time excluded), then times
   the best of ``--repeat`` fits. Memory is measured twice:

   * ``fit RSS delta``: peak resident set (``resource.getrusage``,
     ru_maxrss) after the timed fits minus the peak before them, in a process
     whose peak before was the data itself; a fit whose working memory stays
     under the data's own peak shows 0, so this is a lower bound;
   * ``fit tracemalloc peak``: the largest amount of memory allocated through
     Python's allocators (NumPy arrays included) during one fit, over and
     above what was allocated when it started: the fit's own working memory.

   Both are reported in bytes per nonzero of X (X itself takes 12 bytes per
   nonzero: float64 value + int32 row index) and per (n + p) (the O(n + p)
   vectors: residuals, gradients, coefficients, Lipschitz constants).

2. Never densified. A CSC matrix whose dense form would need far more memory
   than this machine has (n = 4000000, p = 200000, density 1e-5: dense
   float64 n * p * 8 bytes, about 5960 GiB; nnz 8e6, 92 MiB as CSC) is
   fitted in a subprocess at alpha_max / 20 (max violation <= 1e-4 alpha),
   and the peak RSS of that process is recorded. Measured (2-core VM,
   24 GiB, 2026-11-27): fit 3.4 s including loading the cached kernels,
   peak RSS of the whole process 639 MiB, of which 593 MiB before the fit
   (building X from COO triplets); the fit itself added 46 MiB, about a
   dozen float64 vectors of length n: X is never copied, centred or densified.
   (An earlier attempt, 200000 x 2000000 at density 1e-6, has 0.1 nonzeros
   per column and at alpha_max / 20 keeps fitting single-sample columns: a
   degenerate problem, replaced by this one.)
"""

import argparse
import json
import subprocess
import sys
import time

BASE = dict(n=20000, p=20000, density=1e-3)
SCALES = (1, 4, 16)
VIOL_TOL = 1e-4
RATIO = 20

CHILD = r"""
import json, resource, sys, time, tracemalloc, warnings
import numpy as np
import scipy.sparse as sp
import sparsecert as sc

cfg = json.loads(sys.argv[1])

def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux

def make(n, p, density, seed=0):
    # columns drawn independently of n: the same density at every size
    rng = np.random.default_rng(seed)
    nnz = int(round(n * p * density))
    rows = rng.integers(0, n, size=nnz, dtype=np.int64)
    cols = rng.integers(0, p, size=nnz, dtype=np.int64)
    X = sp.csc_matrix((rng.standard_normal(nnz), (rows, cols)), shape=(n, p))
    X.sum_duplicates()
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    w = np.zeros(p)
    w[rng.choice(p, 50, replace=False)] = rng.standard_normal(50)
    y = X @ w + 0.1 * rng.standard_normal(n)
    return X, y

X, y = make(cfg["n"], cfg["p"], cfg["density"])
amax = sc.alpha_max(X, y)
alpha = amax / cfg["ratio"]
tol = cfg["viol_tol"] / cfg["ratio"]
est = lambda **kw: sc.Lasso(alpha=alpha, **kw)
out = dict(n=X.shape[0], p=X.shape[1], nnz=int(X.nnz),
           x_bytes=int(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes))
if cfg["warm_up"]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est(max_iter=1).fit(X, y)
rss_before = peak_rss()
best = float("inf")
for _ in range(cfg["repeat"]):
    t0 = time.perf_counter()
    fitted = est(tol=tol, max_iter=100000).fit(X, y)
    best = min(best, time.perf_counter() - t0)
rss_after = peak_rss()
cert = fitted.certificate_
out.update(seconds=best, rss_before=rss_before, rss_after=rss_after,
           max_violation=float(cert.max_violation), alpha=float(alpha),
           converged=bool(cert.converged), nonzeros=int(np.count_nonzero(fitted.coef_)))
if cfg["tracemalloc"]:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    est(tol=tol, max_iter=100000).fit(X, y)
    out["trace_peak"] = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
print("RESULT " + json.dumps(out))
"""


def run_child(cfg):
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(cfg)], capture_output=True,
                          text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def scaling(base, repeat):
    """One subprocess per size; prints the table and returns the rows."""
    print(f"Sparse CSC Lasso, base {base['n']} x {base['p']}, density {base['density']:g}, "
          f"alpha = alpha_max/{RATIO}, max violation <= {VIOL_TOL:g} alpha; "
          f"warm-up excluded, best of {repeat}")
    head = (f"{'scale':>5} {'n':>7} {'nnz':>9} {'time s':>8} {'ns/nnz':>7} "
            f"{'viol/alpha':>10} {'X MiB':>7} {'RSS before MiB':>14} {'fit RSS delta MiB':>17} "
            f"{'tracemalloc MiB':>15} {'B/nnz':>6} {'B/(n+p)':>7}")
    print(head)
    rows = []
    for s in SCALES:
        cfg = dict(n=base["n"] * s, p=base["p"], density=base["density"], ratio=RATIO,
                   viol_tol=VIOL_TOL, repeat=repeat, warm_up=True, tracemalloc=True)
        r = run_child(cfg)
        r["scale"] = s
        rows.append(r)
        mib = 2.0 ** 20
        delta = max(r["rss_after"] - r["rss_before"], 0)
        print(f"{s:>5} {r['n']:>7} {r['nnz']:>9} {r['seconds']:>8.3f} "
              f"{1e9 * r['seconds'] / r['nnz']:>7.1f} {r['max_violation'] / r['alpha']:>10.2e} "
              f"{r['x_bytes'] / mib:>7.1f} {r['rss_before'] / mib:>14.1f} {delta / mib:>17.1f} "
              f"{r['trace_peak'] / mib:>15.1f} {r['trace_peak'] / r['nnz']:>6.2f} "
              f"{r['trace_peak'] / (r['n'] + r['p']):>7.1f}", flush=True)
    t = [r["seconds"] / r["nnz"] for r in rows]
    print(f"time per nnz relative to 1x: " + ", ".join(f"{x / t[0]:.2f}" for x in t))
    return rows


def never_densified(n=4000000, p=200000, density=1e-5):
    """Fit a CSC X whose dense form exceeds the machine's memory; return the child's figures."""
    dense_bytes = n * p * 8
    cfg = dict(n=n, p=p, density=density, ratio=RATIO, viol_tol=VIOL_TOL, repeat=1,
               warm_up=False, tracemalloc=False)
    t0 = time.perf_counter()
    r = run_child(cfg)
    wall = time.perf_counter() - t0
    mib = 2.0 ** 20
    print(f"\nNever densified: {n} x {p} CSC, nnz {r['nnz']}, dense float64 would need "
          f"{dense_bytes / 2 ** 30:.0f} GiB; X takes {r['x_bytes'] / mib:.1f} MiB.")
    print(f"  fit {r['seconds']:.2f} s (compile or cache load included: no warm-up), "
          f"subprocess wall {wall:.1f} s; peak RSS of the whole process "
          f"{r['rss_after'] / mib:.0f} MiB (before the fit {r['rss_before'] / mib:.0f} MiB); "
          f"max violation / alpha {r['max_violation'] / r['alpha']:.2e}, "
          f"{r['nonzeros']} nonzeros, converged={r['converged']}")
    return r


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 5000-row base")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-huge", action="store_true")
    args = parser.parse_args(argv)
    base = dict(BASE, n=5000) if args.quick else BASE
    scaling(base, args.repeat)
    if not args.skip_huge:
        never_densified()


if __name__ == "__main__":
    main()
