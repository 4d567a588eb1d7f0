"""Distributed FISTA: time per iteration and bytes moved vs number of Dask workers.

    python benchmarks/bench_dask.py [--rows 200000] [--cols 1000] [--density 0.052]
                                    [--blocks 8] [--workers 1 2 4]

A sparse X (CSR row blocks, default about 1.01e7 nonzeros) is generated *on the
workers* (each block from its own seed), so no data leaves the client. For
each number of local worker processes (1 thread each, loopback only) the
Lasso is solved by :func:`sparsecert.distributed.solve_dask` for 10 and for
40 iterations (tol unreachable); the time per iteration is the difference
over 30, which excludes setup, the Lipschitz power iteration and the final
certificate. Bytes per iteration are estimated from what the solver sends
and receives (p-vector arguments per block task, partial sums up the tree).
A warm-up fit in every cluster loads the compiled kernels first (Numba
cache warm; compile time excluded). The in-memory compiled FISTA on the same
matrix, one process, is the reference.
"""

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp


def make_block(seed, rows, cols, density):
    """One CSR row block, generated where it is computed."""
    rng = np.random.default_rng(seed)
    nnz = int(rows * cols * density)
    r = rng.integers(0, rows, nnz)
    c = rng.integers(0, cols, nnz)
    v = rng.standard_normal(nnz)
    return sp.csr_matrix((v, (r, c)), shape=(rows, cols))


def make_target(seed, rows, cols, density, w):
    X = make_block(seed, rows, cols, density)
    rng = np.random.default_rng(seed + 10_000)
    return X @ w + 0.5 * rng.standard_normal(rows)


def dask_data(args, w):
    import dask
    import dask.array as da

    rows = args.rows // args.blocks
    Xb, yb = [], []
    for k in range(args.blocks):
        Xb.append(da.from_delayed(dask.delayed(make_block)(k, rows, args.cols, args.density),
                                  shape=(rows, args.cols), dtype=np.float64,
                                  meta=sp.csr_matrix((0, 0))))
        yb.append(da.from_delayed(dask.delayed(make_target)(k, rows, args.cols, args.density, w),
                                  shape=(rows,), dtype=np.float64))
    return da.concatenate(Xb, axis=0), da.concatenate(yb)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=1000)
    parser.add_argument("--density", type=float, default=0.052)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    import distributed
    from sklearn.exceptions import ConvergenceWarning

    from sparsecert import distributed as sd
    from sparsecert._problem import make_problem
    from sparsecert._validation import as_design
    from sparsecert.datafits import Quadratic
    from sparsecert.penalties import L1
    from sparsecert.solvers import _solve_fista

    warnings.simplefilter("ignore", ConvergenceWarning)
    rng = np.random.default_rng(0)
    w_true = np.zeros(args.cols)
    w_true[rng.choice(args.cols, 50, replace=False)] = rng.standard_normal(50)
    penalty = L1(alpha=0.01)
    tol = 1e-30

    # in-memory reference: the same blocks, stacked
    rows = args.rows // args.blocks
    X = sp.vstack([make_block(k, rows, args.cols, args.density) for k in range(args.blocks)]).tocsr()
    y = np.concatenate([make_target(k, rows, args.cols, args.density, w_true)
                        for k in range(args.blocks)])
    print(f"X: {X.shape[0]} x {X.shape[1]}, {X.nnz:.3g} nonzeros (CSR), "
          f"{args.blocks} row blocks; Lasso alpha={penalty.alpha}")
    problem = make_problem(as_design(X), y, np.ones(X.shape[0]), Quadratic(), penalty, True)
    _solve_fista(problem, None, None, tol, 2, 0)  # warm-up (kernels from the cache)
    times = {}
    for it in (10, 40):
        t0 = time.perf_counter()
        _solve_fista(problem, None, None, tol, it, 0)
        times[it] = time.perf_counter() - t0
    local = (times[40] - times[10]) / 30
    del X, problem
    rows_out = [("in memory, 1 process", local, 0.0, 0.0, 0.0, 0.0)]

    for n_workers in args.workers:
        with distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                      processes=True, host="127.0.0.1",
                                      dashboard_address=None, silence_logs=40) as cluster, \
                distributed.Client(cluster) as client:
            client.wait_for_workers(n_workers, timeout=60)
            Xd, yd = dask_data(args, w_true)
            t0 = time.perf_counter()
            dproblem = sd.make_dask_problem(Xd, yd, None, Quadratic(), penalty, True)
            setup = time.perf_counter() - t0
            sd.solve_dask(dproblem, tol=tol, max_iter=2)  # warm-up on every worker
            times, counters = {}, {}
            for it in (10, 40):
                blocks = dproblem.design.blocks
                before = (blocks.passes, blocks.bytes_sent, blocks.bytes_returned)
                t0 = time.perf_counter()
                sd.solve_dask(dproblem, tol=tol, max_iter=it)
                times[it] = time.perf_counter() - t0
                counters[it] = [a - b for a, b in zip(
                    (blocks.passes, blocks.bytes_sent, blocks.bytes_returned), before)]
            per_iter = (times[40] - times[10]) / 30
            d = [(a - b) / 30 for a, b in zip(counters[40], counters[10])]
            rows_out.append((f"dask, {n_workers} worker(s)", per_iter, d[0], d[1], d[2], setup))
            del client

    print(f"\n{'configuration':<24}{'s / iteration':>15}{'passes / it':>13}"
          f"{'kB sent / it':>14}{'kB back / it':>14}{'setup s':>9}")
    for name, per_iter, trips, sent, back, setup in rows_out:
        print(f"{name:<24}{per_iter:>15.4f}{trips:>13.2f}{sent / 1e3:>14.1f}{back / 1e3:>14.1f}"
              f"{setup:>9.2f}")
    print("\nBytes: p-vector arguments of every block task (w_new, v, y_next: 3 p-vectors) "
          "and the partial results summed up the tree (one (2 + p + 1)-vector per block, "
          "+ p + 1 at check iterations); X itself never moves after persist.")


if __name__ == "__main__":
    main()
