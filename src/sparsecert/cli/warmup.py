"""``sparsecert compile`` (alias ``warmup``): compile every kernel ahead, for Docker images and CI.

It fits small problems, each in a configuration users hit (:data:`GROUPS`):
dense, CSC and CSR X (its threaded row passes too), float64 and float32,
the quadratic and logistic datafits,
the L1, elastic-net and Lp (p < 1 and p > 1) penalties, coordinate descent
(its Gram variant on a tall dense X), proximal Newton, FISTA, regularization
paths and cross-validation, the group and multi-task lassos, sample
weights, threads, and Dask arrays when Dask is installed. Fitting through the
public estimators keeps the list in step with the kernels: whatever a fit
compiles, this compiles. The problems are correlated and the tolerance
tight, so that working sets, extrapolation and support refits all run.
Every compiled function lands in Numba's on-disk cache (see
``sparsecert._kernels._cache`` for where), so later processes load them.
``--jobs N`` runs the configurations in N processes that share the cache
(saves are serialized by ``_cache.cache_lock``); ``--only TEXT`` runs those
whose name contains TEXT.
"""

import contextlib
import time
import warnings

import numpy as np
import scipy.sparse as sp

import sparsecert as sc

TOL = 1e-8


def _regression(n, p, layout, dtype, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, p))
    X = base + 0.6 * np.roll(base, 1, axis=1)
    if layout in ("csc", "csr"):
        X = X * (rng.random((n, p)) < 0.3)
    w = np.zeros(p)
    w[: max(p // 5, 2)] = rng.standard_normal(max(p // 5, 2)) * 2
    y = X @ w + 0.3 * rng.standard_normal(n) + 1.0
    X = X.astype(dtype)
    as_layout = {"dense": np.asarray, "csc": sp.csc_matrix, "csr": sp.csr_matrix}[layout]
    return as_layout(X), y


def _classification(n, p, layout, dtype, seed=1):
    X, score = _regression(n, p, layout, dtype, seed)
    return X, (score > np.median(score)).astype(np.float64)


def _ratio(X, y, datafit, ratio):
    """alpha = ratio x alpha_max for the L1 penalty."""
    return ratio * float(sc.alpha_max(X, y, datafit=datafit))


def _quadratic_fits(layout, dtype):
    # (200, 12): Gram CD
    shapes = {"dense": [(40, 60), (200, 12)], "csc": [(80, 60)], "csr": [(80, 60)]}[layout]
    fits = []
    for n, p in shapes:
        X, y = _regression(n, p, layout, dtype)
        a = _ratio(X, y, "quadratic", 0.05)
        fits += [(sc.Lasso(alpha=a, tol=TOL), X, y),
                 (sc.ElasticNet(alpha=a, l1_ratio=0.5, tol=TOL), X, y),
                 (sc.LpRegression(alpha=a, p=0.5, tol=TOL), X, y),
                 (sc.LpRegression(alpha=a, p=1.5, tol=TOL), X, y),
                 (sc.Lasso(alpha=a, tol=TOL, solver="fista", max_iter=5000), X, y),
                 (sc.ElasticNet(alpha=a, tol=TOL, solver="fista", max_iter=5000), X, y),
                 (sc.LpRegression(alpha=a, p=1.5, tol=TOL, solver="fista", max_iter=5000), X, y),
                 (sc.Lasso(alpha=a, tol=TOL, positive=True, n_jobs=2), X, y),
                 (sc.GroupLasso(alpha=a, groups=3, tol=TOL), X, y),
                 (sc.SparseGroupLasso(alpha=a, groups=3, l1_ratio=0.5, tol=TOL), X, y)]
    # the multi-task lasso: a 2-D Y (two tasks sharing the support), one fit per layout/dtype
    X, y = _regression(*shapes[0], layout, dtype)
    Y = np.column_stack([y, 0.5 * y + np.roll(y, 1)])
    fits.append((sc.MultiTaskLasso(alpha=_ratio(X, y, "quadratic", 0.05), tol=TOL), X, Y))
    return fits


def _logistic_fits(layout, dtype):
    X, y = _classification(60, 30, layout, dtype)
    a = _ratio(X, y, "logistic", 0.05)
    est = sc.SparseLogisticRegression
    return [(est(alpha=a, tol=TOL), X, y),
            (est(alpha=a, penalty="elasticnet", l1_ratio=0.5, tol=TOL), X, y),
            (est(alpha=a, penalty="lp", p=0.5, tol=TOL), X, y),
            (est(alpha=a, penalty="lp", p=1.5, tol=TOL), X, y),
            (est(alpha=a, tol=TOL, solver="fista", max_iter=5000), X, y),
            (est(alpha=a, penalty="elasticnet", tol=TOL, solver="fista", max_iter=5000), X, y),
            (est(alpha=a, penalty="lp", p=1.5, tol=TOL, solver="fista", max_iter=5000), X, y),
            (est(alpha=a, tol=TOL, n_jobs=2), X, y),
            (sc.GroupLogisticRegression(alpha=a, groups=3, l1_ratio=0.5, tol=TOL), X, y)
            ] + _multinomial_fits(layout, dtype)


def _multinomial_fits(layout, dtype):
    # three classes: the softmax model (the default), per coefficient and grouped
    X, score = _regression(60, 30, layout, dtype, seed=2)
    y = np.digitize(score, np.quantile(score, [1 / 3, 2 / 3])).astype(np.float64)
    a = 0.05 * float(sc.alpha_max(X, y, datafit="multinomial"))
    est = sc.SparseLogisticRegression
    return [(est(alpha=a, tol=TOL), X, y), (est(alpha=a, penalty="grouped", tol=TOL), X, y)]


def _path_runs(layout, dtype):
    Xr, yr = _regression(50, 40, layout, dtype)
    Xc, yc = _classification(60, 30, layout, dtype)
    sw = np.linspace(0.5, 1.5, Xr.shape[0])
    Xt, yt = _regression(60, 8, layout, dtype)  # tall: CV's folds run on the Gram matrix
    return [lambda: sc.LassoCV(cv=2, n_alphas=5).fit(Xt, yt),
            lambda: sc.ElasticNetCV(cv=2, n_alphas=5).fit(Xt, yt),
            lambda: sc.lasso_path(Xr, yr, n_alphas=10, tol=1e-6),
            lambda: sc.lasso_path(Xr, yr, n_alphas=10, tol=1e-6, sample_weight=sw),
            lambda: sc.enet_path(Xr, yr, l1_ratio=0.5, n_alphas=10, tol=1e-6),
            lambda: sc.logistic_path(Xc, yc, n_alphas=10, tol=1e-6),
            # the group paths (their alpha_max: the dual norms of the groups)
            lambda: sc.group_lasso_path(Xr, yr, groups=4, n_alphas=5, tol=1e-6),
            lambda: sc.sparse_group_lasso_path(Xr, yr, groups=4, l1_ratio=0.5, n_alphas=5,
                                               tol=1e-6),
            lambda: sc.LassoCV(cv=2, n_alphas=5).fit(Xr, yr),
            lambda: sc.Lasso(alpha=0.1, fit_intercept=False).fit(Xr, yr, sample_weight=sw)]


def _csr_thread_runs():
    """A CSR X's threaded row kernels run when it has several chunks of rows
    (2^18 entries each and more): cut this small one into chunks too."""
    from .. import _validation

    def run(est, X, y):
        with _settings((_validation, "_CHUNK_MIN_NNZ", 64)):
            est.fit(X, y)

    runs = []
    for dtype in (np.float64, np.float32):
        Xr, yr = _regression(200, 30, "csr", dtype)
        Xc, yc = _classification(200, 30, "csr", dtype)
        runs += [lambda X=Xr, y=yr: run(sc.Lasso(alpha=_ratio(X, y, "quadratic", 0.05),
                                                 tol=TOL, n_jobs=2), X, y),
                 lambda X=Xc, y=yc: run(sc.SparseLogisticRegression(
                     alpha=_ratio(X, y, "logistic", 0.05), tol=TOL, n_jobs=2), X, y)]
    return runs


def _csr_growth_runs(dtype):
    """A CSR X's column store grows in place when a few columns join it
    (``grow_columns``), which these small fits may never do: grow one."""
    import scipy.sparse as sp

    from .._validation import as_design

    def grow(X):
        design = as_design(X)
        first, second = np.flatnonzero(design.counts())[:2]
        design.columns(np.array([first]))
        design.columns(np.array([second]))  # within the store's room: in place

    return [lambda: grow(sp.random(50, 200, density=0.05, format="csr", random_state=0,
                                   dtype=dtype))]


def _csr_row_newton_runs():
    """An L1-logistic fit on a CSR X of 2^20 entries and more reads a working
    set holding a good share of X's entries by rows (``_kernels/newton_rows.py``),
    on one thread and over threads (float64): these small fits do too, when told to."""
    from .. import _validation
    from ..solvers import prox_newton

    def run(X, y, n_jobs):
        with _settings((prox_newton, "_ROWS_MIN_NNZ", 0), (prox_newton, "_THREADED_ENTRIES", 0),
                       (_validation, "_CHUNK_MIN_NNZ", 64)):
            sc.SparseLogisticRegression(alpha=_ratio(X, y, "logistic", 0.05), tol=TOL,
                                        n_jobs=n_jobs).fit(X, y)

    # float32 on one thread only: every row kernel is a long compile (about
    # 10 s each), and a float32 X over threads compiles at its first fit
    return [lambda d=dtype, j=n_jobs: run(*_classification(200, 30, "csr", d), j)
            for dtype, n_jobs in ((np.float64, None), (np.float64, 2), (np.float32, None))]


def _wide_runs():
    """n_jobs=2 on columns wide enough that a coordinate step splits its loops
    over the threads (``_kernels/wide.py``): a CSC and a CSR X, float64, with
    features enough for residual CD (not the Gram solver); and L1-logistic
    fits whose working sets hold enough entries for proximal Newton's
    threaded kernel (its gradient and per-sample passes), CSC and dense."""
    from .._kernels.wide import WIDE

    rng = np.random.default_rng(3)
    n = WIDE + 100
    X = sp.hstack([sp.csc_matrix(rng.standard_normal((n, 2))),
                   sp.random(n, 400, density=20 / n, random_state=3, format="csc")], format="csc")
    y = X[:, 0].toarray().ravel() - X[:, 1].toarray().ravel() + 0.1 * rng.standard_normal(n)
    a = _ratio(X, y, "quadratic", 0.05)
    labels = y > 0
    a_log = _ratio(X, labels, "logistic", 0.05)
    Xd, yd = _classification(2000, 40, "dense", np.float64)
    return [lambda X=X: sc.Lasso(alpha=a, tol=1e-6, n_jobs=2).fit(X, y),
            lambda X=X.tocsr(): sc.Lasso(alpha=a, tol=1e-6, n_jobs=2).fit(X, y),
            lambda X=X: sc.SparseLogisticRegression(alpha=a_log, n_jobs=2).fit(X, labels),
            lambda: sc.SparseLogisticRegression(alpha=0.01, n_jobs=2).fit(Xd, yd)]


def _dask_runs():
    """Distributed fits on Dask's local threads (readonly blocks: their own signatures)."""
    import dask.array as da

    Xr, yr = _regression(60, 20, "dense", np.float64)
    Xc, yc = _classification(60, 20, "dense", np.float64)
    Xd = da.from_array(Xr, chunks=(30, 20))
    Xs = Xd.map_blocks(sp.csr_matrix, dtype=Xr.dtype)
    Xcd = da.from_array(Xc, chunks=(30, 20))
    return [lambda: sc.Lasso(alpha=0.1, tol=1e-6).fit(Xd, yr),
            lambda: sc.Lasso(alpha=0.1, tol=1e-6).fit(Xs, yr),
            lambda: sc.ElasticNet(alpha=0.1, tol=1e-6).fit(Xd, yr),
            lambda: sc.SparseLogisticRegression(alpha=0.01, tol=1e-6).fit(Xcd, yc)]


def _dask_installed():
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("dask", "distributed"))


def _fit_runs(fits):
    return [lambda est=est, X=X, y=y: est.fit(X, y) for est, X, y in fits]


def groups():
    """(name, list of zero-argument callables), one group per layout x dtype x family."""
    out = []
    for layout in ("dense", "csc", "csr"):
        for dtype in (np.float64, np.float32):
            tag = f"{layout} {np.dtype(dtype).name}"
            out.append((f"least squares, {tag}", lambda l=layout, d=dtype: _fit_runs(
                _quadratic_fits(l, d))))
            out.append((f"logistic, {tag}", lambda l=layout, d=dtype: _fit_runs(
                _logistic_fits(l, d))))
            out.append((f"paths and CV, {tag}", lambda l=layout, d=dtype: _path_runs(l, d)))
    out.append(("CSR row passes over threads (n_jobs=2)", _csr_thread_runs))
    for dtype in (np.float64, np.float32):
        out.append((f"a CSR column store growing in place, {np.dtype(dtype).name}",
                     lambda d=dtype: _csr_growth_runs(d)))
    out.append(("proximal Newton on a CSR X by rows", _csr_row_newton_runs))
    out.append(("coordinate steps and Newton gradients over threads (n_jobs=2)", _wide_runs))
    if _dask_installed():
        out.append(("distributed (Dask arrays, dense and CSR blocks)", _dask_runs))
    return out


@contextlib.contextmanager
def _settings(*changes):
    """Each (module, name, value) of ``changes`` set for the block, restored after."""
    before = [getattr(module, name) for module, name, _ in changes]
    try:
        for module, name, value in changes:
            setattr(module, name, value)
        yield
    finally:
        for (module, name, _), value in zip(changes, before):
            setattr(module, name, value)


def _extrapolating_gram():
    """A Gram solve extrapolates (``cd_gram_anderson``) only after
    ``_GRAM_PLAIN`` plain epochs, which these small fits rarely need: with
    one plain epoch, a fit that goes on compiles both kernels."""
    from ..solvers import gram

    return _settings((gram, "_GRAM_PLAIN", 1))


def selected(only=()):
    """Indices into :func:`groups` of the groups whose name contains one of
    ``only``, ignoring case (every group when ``only`` is empty)."""
    names = [name.lower() for name, _ in groups()]
    only = [o.lower() for o in only]
    return [i for i, name in enumerate(names) if not only or any(o in name for o in only)]


def run_group(index):
    """Run group ``index`` of :func:`groups`: (name, fits, functions compiled, seconds)."""
    from numba.core import event

    name, make = groups()[index]
    t0 = time.perf_counter()
    with event.install_recorder("numba:compile") as rec, warnings.catch_warnings(), \
            _extrapolating_gram():
        warnings.simplefilter("ignore")
        runs = make()
        for call in runs:
            call()
    return name, len(runs), _functions_compiled(rec.buffer), time.perf_counter() - t0


def run_all(report=print, jobs=1, only=()):
    """Run the groups ``only`` selects (every one by default), ``report``-ing
    (print's signature) each one's name, then what it did; in ``jobs``
    processes when ``jobs`` > 1 (:func:`_run_in_processes`). Returns
    (functions compiled, kernels loaded from the cache here, seconds)."""
    from .._kernels import _cache

    t_start = time.perf_counter()
    report(f"cache: {_cache.cache_dir()}")
    indices = selected(only)
    if jobs > 1 and len(indices) > 1:
        total_compiled = _run_in_processes(indices, jobs, report)
        return total_compiled, 0, time.perf_counter() - t_start
    total_compiled = 0
    for index in indices:
        report(f"  {groups()[index][0]}: ", end="", flush=True)
        _, fits, compiled, seconds = run_group(index)
        total_compiled += compiled
        report(f"{_fits(fits)}, {compiled} functions compiled, {seconds:.1f} s")
    return total_compiled, _loaded_from_cache(), time.perf_counter() - t_start


def _run_in_processes(indices, jobs, report):
    """Run the groups in ``jobs`` fresh processes, each taking the next group when
    it is free (the longest first, :func:`_seconds`); returns the functions
    compiled. Every process saves into the same cache, one save at a time
    (:func:`sparsecert._kernels._cache.cache_lock`). A function that two
    processes need at once is compiled by both, so the total exceeds a
    serial run's; the wall time is what drops (measured in ``run``'s help)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # "spawn": a forked child would inherit Numba's threading layer and locks
    ctx = multiprocessing.get_context("spawn")
    names = [name for name, _ in groups()]
    # longest first, so that no long group starts last (ties keep groups()' order)
    order = sorted(indices, key=lambda i: -_seconds(names[i]))
    total = 0
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = [pool.submit(run_group, index) for index in order]
        for fut in as_completed(futures):
            name, fits, compiled, seconds = fut.result()
            total += compiled
            report(f"  {name}: {_fits(fits)}, {compiled} functions compiled, {seconds:.1f} s",
                   flush=True)
    return total


def _fits(count):
    return f"{count} fit" if count == 1 else f"{count} fits"


def _functions_compiled(buffer):
    """Compiles of this package's functions (a callee compiled inside its caller counts)."""
    n = 0
    for _, ev in buffer:
        func = getattr((ev.data or {}).get("dispatcher"), "py_func", None)
        if ev.is_start and getattr(func, "__module__", "").startswith("sparsecert."):
            n += 1
    return n


def _loaded_from_cache():
    import sys

    from numba.core.dispatcher import Dispatcher

    hits = 0
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith("sparsecert._kernels"):
            continue
        for obj in vars(mod).values():
            if isinstance(obj, Dispatcher):
                hits += sum(obj.stats.cache_hits.values())
    return hits


def run(args):
    """The ``compile`` command; returns the exit status."""
    if args.list:
        _print_list()
        return 0
    jobs = _jobs(args.jobs)
    if not selected(args.only):
        raise ValueError(f"--only {' '.join(args.only)}: no configuration's name contains "
                         f"it; see sparsecert compile --list.")
    what = "the configurations asked for" if args.only else "every configuration"
    print(f"compiling sparsecert's kernels for {what} (once per machine and version)"
          f"{f', in {jobs} processes' if jobs > 1 else ''}...", flush=True)
    compiled, loaded, seconds = run_all(jobs=jobs, only=args.only)
    print(f"done in {seconds:.1f} s: {compiled} functions compiled, {loaded} loaded from the "
          f"cache; later processes load them all from the cache")
    return 0


# seconds each group took in a serial run on an empty cache (the project's
# 2-core machine, 2026-12-07), only to order the groups of a parallel run;
# a group not listed counts as 10 s
_SERIAL_SECONDS = {
    "least squares, dense float64": 37, "logistic, dense float64": 35,
    "logistic, csc float64": 32, "proximal Newton on a CSR X by rows": 32,
    "logistic, csc float32": 29, "least squares, csc float64": 20,
    "logistic, dense float32": 20, "least squares, dense float32": 18,
    "least squares, csc float32": 18, "CSR row passes over threads (n_jobs=2)": 15,
    "coordinate steps and Newton gradients over threads (n_jobs=2)": 15,
}


def _seconds(name):
    """What group ``name`` takes to compile, about (:data:`_SERIAL_SECONDS`)."""
    if name in _SERIAL_SECONDS:
        return _SERIAL_SECONDS[name]
    return 3.0 if name.startswith("paths and CV") or " csr " in name else 10.0


def _jobs(jobs):
    """--jobs in scikit-learn's meaning: None 1, -1 every core, -2 all but one."""
    import os

    if jobs is None:
        return 1
    if jobs == 0:
        raise ValueError("--jobs must be a nonzero integer (-1: every core); got 0.")
    cores = os.cpu_count() or 1
    return max(1, jobs if jobs > 0 else cores + 1 + jobs)


def _print_list():
    import os

    from .._kernels import _cache

    print("configurations:")
    for name, _ in groups():
        print(f"  {name}")
    here = _cache.cache_dir()
    root = os.path.dirname(here)
    print(f"cache: {here}")
    others = sorted(d for d in (os.listdir(root) if os.path.isdir(root) else [])
                    if os.path.join(root, d) != here)
    for d in others:
        print(f"  other kernel versions (delete if unused): {os.path.join(root, d)} "
              f"({_size_mb(os.path.join(root, d)):.1f} MB)")


def _size_mb(folder):
    import os

    return sum(e.stat().st_size for e in os.scandir(folder) if e.is_file()) / 2**20
