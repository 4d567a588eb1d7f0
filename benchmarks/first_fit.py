"""First use (issue 15): import and first fit in fresh processes, sparsecert beside skglm and scikit-learn.

Usage::

    PYTHONPATH=src python benchmarks/first_fit.py                    # every case, once
    PYTHONPATH=src python benchmarks/first_fit.py --repeat 3 --markdown first_fit.md
    PYTHONPATH=src python benchmarks/first_fit.py --cases lasso logreg --libraries sparsecert skglm
    PYTHONPATH=src python benchmarks/first_fit.py --no-cold          # no compiling: cheap
    PYTHONPATH=src python benchmarks/first_fit.py --python /path/to/venv/bin/python

Cases, each what a user tries first, with the same alpha in every library:

* ``lasso``: ``load_diabetes()`` (442 x 10, dense), Lasso alpha = 0.1 (about
  alpha_max / 21), intercept fitted. Every library minimizes
  (1/2n)||y - Xw - b||^2 + alpha ||w||_1: ``Lasso(alpha=0.1)`` in sparsecert,
  skglm and scikit-learn.
* ``lasso-csc``: the same data as a ``scipy.sparse.csc_matrix``.
* ``logreg``: ``load_breast_cancer()`` (569 x 30, binary), standardized
  (column mean 0, std 1, as a user's ``StandardScaler`` does), L1-logistic
  alpha = 0.01 (about alpha_max / 38), intercept fitted and unpenalized:
  sparsecert's (1/n) sum_i log(1 + exp(-y_i (x_i^T w + b))) + alpha ||w||_1
  is ``SparseLogisticRegression(alpha=0.01)`` in sparsecert and skglm (mean
  loss) and ``LogisticRegression(C=1/(n alpha), l1_ratio=1, solver="saga")``
  in scikit-learn (saga: the l1 solver that leaves the intercept unpenalized).

Every library runs with its default tolerance. Each measurement is one fresh
process (this script with ``--worker``, whose top level imports only the
standard library) that imports the library (``import sparsecert``, ``import
skglm``, ``import sklearn.linear_model`` and the estimator class from it,
which is when sparsecert's lazy imports happen: the *import* column), loads the data
from .npy files the parent wrote, and fits once (*fit*); *total* is the wall
time of the whole process as the parent sees it (interpreter start included).

sparsecert runs twice per repeat:

* *cold*: its source tree is copied (without any ``__pycache__``) into a new
  temporary directory put first on PYTHONPATH, and NUMBA_CACHE_DIR is a new
  empty directory. The copy makes the start cold whichever cache locator
  Numba picks (in-tree ``__pycache__`` or NUMBA_CACHE_DIR), and whether
  sparsecert keeps its cache in its tree or under
  ``$NUMBA_CACHE_DIR/sparsecert/<hash>``. The copy's Python bytecode is
  then compiled (``python -m compileall``, untimed), as ``pip install``
  does: the libraries beside it are installed with their ``.pyc`` files,
  and without them every process would compile sparsecert's source again
  wherever bytecode is not written (PYTHONDONTWRITEBYTECODE=1).
* *warm*: a second fresh process with the same copy and cache directory.

The worker reads the ``stats`` of every Numba dispatcher in the library's
modules (cache hits and misses) and counts the ``numba:compile`` events of
the fit (one per function Numba compiles, nested helpers and Numba's own
overloads of NumPy functions included; the table also gives how many of the
library's own functions missed the cache, i.e. were compiled); the
parent refuses a "cold" run that hit the cache or a "warm" one that missed
it. skglm compiles in every process (jitclasses cannot be cached): it runs
twice, each with the same fresh NUMBA_CACHE_DIR, and both are reported.
scikit-learn runs once per repeat. With ``--repeat N`` every process runs N
times and the medians are reported.

``--no-cold`` skips the cold runs and the copy: sparsecert's warm runs use
the package as found on PYTHONPATH and the caller's NUMBA_CACHE_DIR, so they
are warm only if that cache is (the hits and misses say so; nothing is
checked), and with whatever bytecode that tree has (none, from a source
tree under PYTHONDONTWRITEBYTECODE=1: each process then compiles
sparsecert's modules, ~0.05-0.1 s here). The tests use it with
NUMBA_DISABLE_JIT=1.

Targets (issue 15): cold import + first fit <= skglm's and <= 8 s; warm
fresh process (import + first fit) <= 1.2 x scikit-learn's.
"""

import argparse
import datetime
import importlib
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = ["lasso", "lasso-csc", "logreg"]
LIBRARIES = ["sparsecert", "skglm", "scikit-learn"]
MODULES = {"sparsecert": "sparsecert", "skglm": "skglm", "scikit-learn": "sklearn.linear_model"}
LASSO_ALPHA = 0.1
LOGREG_ALPHA = 0.01
TARGET_COLD_SECONDS = 8.0
TARGET_WARM_RATIO = 1.2
MARK = "FIRST_FIT_RESULT "


# ----------------------------------------------------------------- data
def write_cases(folder):
    """Write each case's X (dense) and y as .npy files in ``folder``."""
    import numpy as np
    from sklearn.datasets import load_breast_cancer, load_diabetes

    X, y = load_diabetes(return_X_y=True)
    np.save(Path(folder) / "lasso_X.npy", X)
    np.save(Path(folder) / "lasso_y.npy", y)
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    np.save(Path(folder) / "logreg_X.npy", X)
    np.save(Path(folder) / "logreg_y.npy", y.astype(np.float64))


def load_case(folder, case):
    import numpy as np

    stem = "logreg" if case == "logreg" else "lasso"
    X = np.load(Path(folder) / f"{stem}_X.npy")
    y = np.load(Path(folder) / f"{stem}_y.npy")
    if case == "lasso-csc":
        import scipy.sparse as sp

        X = sp.csc_matrix(X)
    return X, y


def estimator_name(library, case):
    if case != "logreg":
        return "Lasso"
    return "LogisticRegression" if library == "scikit-learn" else "SparseLogisticRegression"


def estimator_params(library, case, n_samples):
    """The estimator's arguments: alpha converted to the library's objective (module docstring)."""
    if case != "logreg":
        return {"alpha": LASSO_ALPHA}
    if library == "scikit-learn":
        return {"C": 1.0 / (n_samples * LOGREG_ALPHA), "l1_ratio": 1.0, "solver": "saga",
                "max_iter": 10000}
    return {"alpha": LOGREG_ALPHA}


# ----------------------------------------------------------------- worker
def _dispatcher_stats(library):
    """(cache hits, cache misses, names of the functions that missed) over the Numba
    dispatchers of the library's loaded modules; zeros without Numba or with NUMBA_DISABLE_JIT."""
    if "numba" not in sys.modules:
        return 0, 0, []
    from numba.core.dispatcher import Dispatcher

    root = MODULES[library].split(".")[0]
    seen, hits, misses, missed = set(), 0, 0, []
    for name, mod in list(sys.modules.items()):
        if mod is None or not (name == root or name.startswith(root + ".")):
            continue
        for attr, obj in list(vars(mod).items()):
            if not isinstance(obj, Dispatcher) or id(obj) in seen:
                continue
            seen.add(id(obj))
            stats = obj.stats
            h, m = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
            hits, misses = hits + h, misses + m
            if m:
                missed.append(f"{name}.{attr}")
    return hits, misses, sorted(missed)


def worker(library, case, folder):
    """One fresh-process measurement; prints one JSON line after MARK."""
    t0 = time.perf_counter()  # ``from library import Estimator`` (sparsecert imports lazily)
    estimator = getattr(importlib.import_module(MODULES[library]), estimator_name(library, case))
    import_seconds = time.perf_counter() - t0
    X, y = load_case(folder, case)
    est = estimator(**estimator_params(library, case, X.shape[0]))
    import warnings

    compiles = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "numba" in sys.modules:
            from numba.core import event

            with event.install_recorder("numba:compile") as recorder:
                t1 = time.perf_counter()
                est.fit(X, y)
                fit_seconds = time.perf_counter() - t1
            compiles = sum(1 for _, ev in recorder.buffer if ev.is_start)
        else:
            t1 = time.perf_counter()
            est.fit(X, y)
            fit_seconds = time.perf_counter() - t1
    hits, misses, missed = _dispatcher_stats(library)
    import numpy as np

    print(MARK + json.dumps({
        "import": import_seconds, "fit": fit_seconds, "compiles": compiles,
        "cache_hits": hits, "cache_misses": misses, "missed": missed,
        "nonzeros": int(np.count_nonzero(est.coef_)),
        "disable_jit": os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"),
    }), flush=True)


# ----------------------------------------------------------------- parent
def run_worker(python, library, case, folder, env, budget):
    """Run one worker; its result dict with the process's wall time as ``total``."""
    t0 = time.perf_counter()
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--worker", library, case,
                           str(folder)], env=env, capture_output=True, text=True, timeout=budget)
    total = time.perf_counter() - t0
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{library} {case} worker failed (exit {proc.returncode}):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    result = json.loads(lines[-1][len(MARK):])
    result["total"] = total
    return result


def _probe(python, code):
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def installed(python, library):
    root = MODULES[library].split(".")[0]
    return _probe(python, f"import importlib.util; print(importlib.util.find_spec({root!r}) "
                          "is not None)") == "True"


def package_dir(python):
    """sparsecert's package directory as ``python`` (and its PYTHONPATH) finds it, not imported."""
    return Path(_probe(python, "import importlib.util; print(list(importlib.util.find_spec("
                               "'sparsecert').submodule_search_locations)[0])"))


def fresh_copy(source, folder):
    """Copy the package into ``folder``/src without __pycache__; the directory to put on
    PYTHONPATH."""
    target = Path(folder) / "src"
    shutil.copytree(source, target / source.name,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
    return target


def byte_compile(python, folder):
    """Write the ``.pyc`` files of every module under ``folder``, as an install does."""
    subprocess.run([python, "-m", "compileall", "-q", str(folder)], check=True,
                   capture_output=True)


def _env(pythonpath=None, cache_dir=None):
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(pythonpath)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    return env


def check_cold(r, case):
    if r["disable_jit"]:
        return
    if r["cache_hits"] or not r["cache_misses"]:
        raise RuntimeError(f"sparsecert {case}: the cold run was not cold "
                           f"({r['cache_hits']} cache hits, {r['cache_misses']} misses)")


def check_warm(r, case):
    if r["disable_jit"]:
        return
    if r["cache_misses"] or not r["cache_hits"]:
        raise RuntimeError(f"sparsecert {case}: the warm run was not warm ({r['cache_hits']} "
                           f"cache hits, {r['cache_misses']} misses: {r['missed']})")


def measure_sparsecert(python, case, data, tmp, repeat, cold, budget):
    """{"cold": [...], "warm": [...]}: one result per repeat."""
    runs = {"cold": [], "warm": []}
    source = package_dir(python) if cold else None
    for _ in range(repeat):
        if cold:
            folder = Path(tempfile.mkdtemp(prefix="sparsecert-", dir=tmp))
            env = _env(fresh_copy(source, folder), folder / "numba_cache")
            byte_compile(python, folder / "src")
            r = run_worker(python, "sparsecert", case, data, env, budget)
            check_cold(r, case)
            runs["cold"].append(r)
            r = run_worker(python, "sparsecert", case, data, env, budget)
            check_warm(r, case)
            runs["warm"].append(r)
            shutil.rmtree(folder, ignore_errors=True)
        else:
            runs["warm"].append(run_worker(python, "sparsecert", case, data, _env(), budget))
    return runs


def measure_skglm(python, case, data, tmp, repeat, budget):
    """{"1st": [...], "2nd": [...]}: two processes per repeat sharing a fresh NUMBA_CACHE_DIR."""
    runs = {"1st": [], "2nd": []}
    for _ in range(repeat):
        folder = Path(tempfile.mkdtemp(prefix="skglm-", dir=tmp))
        env = _env(cache_dir=folder)
        runs["1st"].append(run_worker(python, "skglm", case, data, env, budget))
        runs["2nd"].append(run_worker(python, "skglm", case, data, env, budget))
        shutil.rmtree(folder, ignore_errors=True)
    return runs


def median_run(runs):
    """The median of each timing over the runs, the counts of the first run."""
    if not runs:
        return None
    out = dict(runs[0])
    for key in ("import", "fit", "total"):
        out[key] = statistics.median(r[key] for r in runs)
    out["n"] = len(runs)
    return out


def summarize(results):
    """case -> {row label -> median run}."""
    return {case: {label: median_run(runs) for label, runs in rows.items() if runs}
            for case, rows in results.items()}


def ratios(rows):
    """The issue's comparisons for one case (None where a side is missing)."""
    cold, warm = rows.get("sparsecert cold"), rows.get("sparsecert warm")
    skglm, sk = rows.get("skglm 1st"), rows.get("scikit-learn")

    def div(a, b):
        return a / b if a is not None and b else None

    first = (lambda r: r["import"] + r["fit"] if r else None)
    return {
        "cold_fit / skglm_fit": div(cold and cold["fit"], skglm and skglm["fit"]),
        "cold_import+fit / skglm_import+fit": div(first(cold), first(skglm)),
        "cold_import+fit": first(cold),
        "warm_total / sklearn_total": div(warm and warm["total"], sk and sk["total"]),
        "warm_import+fit / sklearn_import+fit": div(first(warm), first(sk)),
    }


def _cell(x, unit="s"):
    if x is None:
        return "-"
    return f"{x:.2f} {unit}" if unit == "s" else f"{x:.2f}x"


def print_rows(summary):
    print(f"{'case':10s} {'run':16s} {'import':>8s} {'fit':>8s} {'total':>8s} {'compiled':>8s} "
          f"{'hits':>5s} {'misses':>6s} {'nnz':>4s}")
    for case, rows in summary.items():
        for label, r in rows.items():
            compiles = "-" if r["compiles"] is None else str(r["compiles"])
            print(f"{case:10s} {label:16s} {r['import']:8.3f} {r['fit']:8.3f} {r['total']:8.3f} "
                  f"{compiles:>8s} {r['cache_hits']:5d} {r['cache_misses']:6d} "
                  f"{r['nonzeros']:4d}")
        for name, value in ratios(rows).items():
            if value is not None:
                print(f"{'':10s} {name}: {value:.2f}{' s' if name == 'cold_import+fit' else 'x'}")


def markdown(summary, header):
    lines = [header, "",
             "| case | sparsecert cold: import + fit (total) "
             "| sparsecert functions compiled (numba:compile events) "
             "| sparsecert warm: import + fit (total) | skglm 1st process: import + fit (total) "
             "| skglm 2nd process | scikit-learn: import + fit (total) "
             "| cold fit / skglm fit | warm total / scikit-learn total |",
             "|" + "---|" * 9]

    def cell(r):
        if r is None:
            return "-"
        return f"{r['import']:.2f} + {r['fit']:.2f} s ({r['total']:.2f} s)"

    for case, rows in summary.items():
        cold = rows.get("sparsecert cold")
        compiles = ("-" if cold is None or cold["compiles"] is None
                    else f"{len(cold['missed'])} ({cold['compiles']})")
        q = ratios(rows)
        lines.append(f"| {case} | {cell(cold)} | {compiles} | {cell(rows.get('sparsecert warm'))} "
                     f"| {cell(rows.get('skglm 1st'))} | {cell(rows.get('skglm 2nd'))} "
                     f"| {cell(rows.get('scikit-learn'))} "
                     f"| {_cell(q['cold_fit / skglm_fit'], 'x')} "
                     f"| {_cell(q['warm_total / sklearn_total'], 'x')} |")
    return "\n".join(lines) + "\n"


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", choices=CASES, help="default: all")
    parser.add_argument("--libraries", nargs="*", choices=LIBRARIES,
                        help="default: all installed")
    parser.add_argument("--repeat", type=int, default=1,
                        help="processes per measurement; medians are reported (default 1)")
    parser.add_argument("--no-cold", action="store_true",
                        help="skip sparsecert's cold runs (and the copy): no compiling")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter of the measured processes (default: this one)")
    parser.add_argument("--markdown", nargs="?", const="-",
                        help="print a README-ready table (or write it to this file)")
    parser.add_argument("--budget", type=float, default=600.0,
                        help="seconds after which a process is killed (default 600)")
    parser.add_argument("--tmpdir", help="where the copies and caches go (default: the system's)")
    return parser.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    cases = args.cases or CASES
    libraries = [lib for lib in (args.libraries or LIBRARIES) if installed(args.python, lib)]
    skipped = sorted(set(args.libraries or LIBRARIES) - set(libraries))
    if skipped:
        print(f"not installed under {args.python}, skipped: {', '.join(skipped)}")
    results = {}
    with tempfile.TemporaryDirectory(dir=args.tmpdir, prefix="sparsecert-first-fit-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        write_cases(data)
        for case in cases:
            rows = results[case] = {}
            for library in libraries:
                if library == "sparsecert":
                    runs = measure_sparsecert(args.python, case, data, tmp, args.repeat,
                                              not args.no_cold, args.budget)
                    rows["sparsecert cold"], rows["sparsecert warm"] = runs["cold"], runs["warm"]
                elif library == "skglm":
                    runs = measure_skglm(args.python, case, data, tmp, args.repeat, args.budget)
                    rows["skglm 1st"], rows["skglm 2nd"] = runs["1st"], runs["2nd"]
                else:
                    rows[library] = [run_worker(args.python, library, case, data, _env(),
                                                args.budget) for _ in range(args.repeat)]
                print(f"{case}: {library} done", flush=True)
    summary = summarize(results)
    print_rows(summary)
    if args.markdown:
        command = "PYTHONPATH=src python benchmarks/first_fit.py " + " ".join(
            map(shlex.quote, argv))
        header = (f"First use, {datetime.date.today().isoformat()}: fresh processes, "
                  f"{os.cpu_count()} cores, median of {args.repeat}; cold = empty Numba cache "
                  f"(targets: cold import + fit <= skglm's and <= {TARGET_COLD_SECONDS:g} s; "
                  f"warm <= {TARGET_WARM_RATIO:g}x scikit-learn). Reproduce: `{command}`")
        table = markdown(summary, header)
        if args.markdown == "-":
            print()
            print(table, end="")
        else:
            Path(args.markdown).write_text(table)
            print(f"markdown table written to {args.markdown}")
    return summary


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
