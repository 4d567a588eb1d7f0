"""A large-job benchmark anyone can run: a text-like CSR matrix, every solver in its own process.

Usage::

    PYTHONPATH=src python benchmarks/large.py                   # 100,000 x 20,000, 2e6 nnz
    PYTHONPATH=src python benchmarks/large.py --size full       # 1,000,000 x 100,000, 2e7 nnz
    PYTHONPATH=src python benchmarks/large.py --n 50000 --p 10000 --nnz 1000000 \\
        --markdown large.md --budget 120 --only sparsecert scikit-learn liblinear

(also ``python benchmarks/compare.py --large [--size full] ...``, which hands
its remaining arguments on to this script.)

The matrix (:func:`text_like_csr`) is what a ``TfidfVectorizer`` hands over:
CSR, float64 values, int32 sorted indices, a Poisson number of distinct terms
per document, Zipf-like term popularity (exponent 1.1) and l2-normalized rows.
Targets (:func:`targets`) come from a sparse true model with 50 nonzeros, half
on popular columns and half on rare ones.

Problems: Lasso and L1-logistic regression at alpha_max / 20 and alpha_max /
200, without intercept (the one setting scikit-learn/liblinear, skglm and
celer all share). The solvers and their parameters are those of
``benchmarks/compare.py`` (``solvers_for``), and so is the judge
(``compare.judge``: ``sparsecert.check_optimality`` must find duality gap <=
1e-6 * P(0) and max violation <= 1e-4 * alpha). Every solver gets the same
CSR matrix: a conversion it makes (to CSC, say) counts in its time and memory.

Every (problem, solver) runs in a fresh worker process (this script with
``--worker``) with one thread (OMP/MKL/OpenBLAS/Numba threads = 1). The worker
loads X from .npy files written once by the parent, records its peak RSS,
fits a 2000-row slice once (the warm-up: Numba compilation or cache loading
is excluded from every time), then fits at the tolerances the parent asks for:
10^-2 first, then 10^-3, ..., each fit's coef written to a file that the
parent judges, until one passes; that tolerance is then fitted ``--repeat``
times in all and the best time is reported. A fit still running after
``--budget`` seconds is killed ("gave up"). The worker's peak RSS during the
timed fits, minus its RSS just before each (X loaded, warm-up done), is the extra
memory of the fit: the peak (VmHWM) is reset just before each timed fit, and
the workers run with a fixed glibc mmap threshold so that freed arrays go back.

Measured (2-core shared VM, 2026-12-07, noisy): default size, best of 3,
sparsecert 0.044 / 0.061 s (Lasso amax/20, /200), 0.15 / 0.26 s (logistic),
the best peer 0.074 / 0.104 s and 0.28 / 0.35 s; full size, best of 1,
0.5-10.4 s per fit, every solver certified, the whole run 4.8 min. The
README's "Large sparse jobs" has the tables.
"""

import argparse
import datetime
import gc
import json
import os
import resource
import select
import shlex
import subprocess
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SIZES = {"default": (100_000, 20_000, 2_000_000), "full": (1_000_000, 100_000, 20_000_000)}
PROBLEMS = [("lasso", "quadratic", 20), ("lasso", "quadratic", 200),
            ("logreg", "logistic", 20), ("logreg", "logistic", 200)]
PEERS = ["scikit-learn", "liblinear", "skglm", "celer"]
WARMUP_ROWS = 2000
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")


# ---------------------------------------------------------------- generator
def _zipf_probabilities(p, exponent):
    ranks = np.arange(1, p + 1, dtype=np.float64)
    weights = ranks ** -exponent
    return weights / weights.sum()


def _draws_per_row(probs, distinct_per_row):
    """Mean number of term draws per row whose expected number of *distinct* terms is
    ``distinct_per_row``: with Poisson(lam) draws, term j's count is Poisson(lam p_j),
    so E[distinct] = sum_j 1 - exp(-lam p_j) (increasing in lam: bisection)."""
    lo, hi = distinct_per_row, distinct_per_row
    while np.sum(-np.expm1(-hi * probs)) < distinct_per_row:
        hi *= 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if np.sum(-np.expm1(-mid * probs)) < distinct_per_row:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def text_like_csr(n, p, nnz, *, exponent=1.1, seed=0):
    """A seeded n x p CSR matrix shaped like a TfidfVectorizer's output, about nnz nonzeros.

    * each row draws a Poisson number of terms, each term from a Zipf-like law
      over the columns (P(rank r) proportional to r^-exponent; the ranks are
      shuffled over the column indices, as a vocabulary sorted alphabetically
      shuffles them); the mean of the Poisson is set so that the expected
      number of *distinct* terms is nnz / n (repeated terms are summed into a
      count, as in a document);
    * values are tf-idf as scikit-learn's default ``TfidfVectorizer``: raw
      count x (ln((1 + n) / (1 + df)) + 1), each row then l2-normalized (a
      row without terms stays empty);
    * CSR, float64 data, int32 indices sorted within each row, int32 indptr
      (int64 when nnz does not fit int32), no duplicates.

    Vectorized numpy, no loop over rows: one sort of the (row, column) keys.
    """
    rng = np.random.default_rng(seed)
    probs = _zipf_probabilities(p, exponent)
    lam = _draws_per_row(probs, nnz / n)
    per_row = rng.poisson(lam, size=n)
    draws = int(per_row.sum())
    column_of_rank = rng.permutation(p).astype(np.int64)
    # inverse-CDF sampling of the ranks, in chunks to bound the float64 temporaries
    cdf = np.cumsum(probs)
    cdf[-1] = 1.0
    keys = np.empty(draws, dtype=np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), per_row)
    chunk = 1 << 22
    for start in range(0, draws, chunk):
        stop = min(start + chunk, draws)
        ranks = np.searchsorted(cdf, rng.random(stop - start), side="right")
        keys[start:stop] = rows[start:stop] * p + column_of_rank[np.minimum(ranks, p - 1)]
    del rows
    keys.sort()
    first = np.empty(draws, dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    del first
    counts = np.diff(np.append(starts, draws)).astype(np.float64)
    keys = keys[starts]
    del starts
    row = keys // p
    index_dtype = np.int32 if keys.size < np.iinfo(np.int32).max else np.int64
    indices = (keys - row * p).astype(np.int32)
    del keys
    indptr = np.zeros(n + 1, dtype=index_dtype)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    df = np.bincount(indices, minlength=p)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    data = counts * idf[indices]
    del counts
    norms = np.sqrt(np.bincount(row, weights=data * data, minlength=n))
    del row
    lengths = np.diff(indptr)
    data /= np.repeat(np.where(norms > 0, norms, 1.0), lengths)
    X = sp.csr_matrix((data, indices, indptr), shape=(n, p))
    X.has_sorted_indices = True
    return X


def targets(X, *, n_true=50, noise=0.1, seed=0):
    """(y_regression, y_logistic, w_true) from a sparse true model on X.

    w_true has ``n_true`` nonzeros, N(0, 1) times 5: half on columns drawn
    from the 1% most frequent, half from the less frequent half of the columns
    that occur in at least 5 rows. y_regression = X w + noise * std(X w) *
    N(0, 1); y_logistic = sign(X w + noise * std(X w) * N(0, 1)) in {-1, +1}.
    """
    rng = np.random.default_rng(seed + 1)
    n, p = X.shape
    df = np.bincount(X.indices, minlength=p)
    order = np.argsort(-df, kind="stable")
    popular = order[:max(n_true, p // 100)]
    present = order[df[order] >= 5]
    rare = present[len(present) // 2:]
    half = n_true // 2
    support = np.concatenate([rng.choice(popular, half, replace=False),
                              rng.choice(rare, n_true - half, replace=False)])
    w = np.zeros(p)
    w[support] = 5.0 * rng.standard_normal(n_true)
    signal = X @ w
    scale = noise * float(np.std(signal))
    y_reg = signal + scale * rng.standard_normal(n)
    y_log = np.where(signal + scale * rng.standard_normal(n) > 0, 1.0, -1.0)
    return y_reg, y_log, w


# ----------------------------------------------------------------- worker
def _peak_rss():
    """Peak RSS of this process (bytes): VmHWM. Not ru_maxrss, which after fork + exec keeps
    the forking parent's RSS (here the parent holds X and every library: ~50 MiB too many)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _rss():
    """Resident set size now (bytes), from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _reset_peak():
    """Reset the peak RSS (ru_maxrss, VmHWM) to the RSS now (Linux >= 4.0); False if denied."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _load(folder):
    folder = Path(folder)
    meta = json.loads((folder / "meta.json").read_text())
    X = sp.csr_matrix((np.load(folder / "data.npy"), np.load(folder / "indices.npy"),
                       np.load(folder / "indptr.npy")), shape=tuple(meta["shape"]))
    X.has_sorted_indices = True
    return X, {k: np.load(folder / f"y_{k}.npy") for k in ("quadratic", "logistic")}, meta


def worker(folder, solver, datafit, ratio):
    """Answer the parent's commands on stdin: ``fit TOL`` -> one JSON line, ``quit``."""
    from benchmarks.compare import solvers_for

    X, ys, meta = _load(folder)
    y = ys[datafit]
    rss_load = _rss()
    alpha = meta["alpha"][f"{datafit}/{ratio}"]
    peer = solvers_for(datafit, 1.0, alpha, X.shape[0])[solver]

    def make(tol):  # compare.py's estimator and parameters, without intercept
        return peer(tol).set_params(fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Xs, ys_ = X[:WARMUP_ROWS], y[:WARMUP_ROWS]
        if datafit == "logistic" and len(np.unique(ys_)) < 2:
            ys_ = np.where(np.arange(len(ys_)) % 2, 1.0, -1.0)
        make(1e-2).fit(Xs, ys_)
        del Xs, ys_
    gc.collect()
    process_peak = _peak_rss()
    print(json.dumps(dict(ready=True, rss_load=rss_load, peak_load_warm=process_peak)), flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        tol = float(cmd[1])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gc.collect()
            process_peak = max(process_peak, _peak_rss())
            before = _rss()
            reset = _reset_peak()
            t0 = time.perf_counter()
            est = make(tol).fit(X, y)
            seconds = time.perf_counter() - t0
            fit_peak = _peak_rss()
        process_peak = max(process_peak, fit_peak)
        np.save(Path(folder) / f"coef_{os.getpid()}.npy", np.ravel(est.coef_).astype(np.float64))
        out = dict(seconds=seconds, rss_before=before, fit_peak=fit_peak if reset else None,
                   process_peak=process_peak,
                   n_iter=int(np.max(np.ravel(getattr(est, "n_iter_", -1)))),  # -1: none
                   n_passes=float(getattr(est, "n_passes_", float("nan"))))
        del est
        print(json.dumps(out), flush=True)


# ----------------------------------------------------------------- parent
class Worker:
    """A fresh worker process for one (problem, solver), talked to line by line."""

    def __init__(self, folder, solver, datafit, ratio):
        # a fixed mmap threshold: large arrays go back to the system when freed, so the RSS
        # before a fit holds no memory kept from the fits before it (glibc's dynamic
        # threshold would keep it, and the fit's extra memory would read too low)
        env = dict(os.environ, **dict.fromkeys(THREAD_VARS, "1"), MALLOC_MMAP_THRESHOLD_="131072")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(folder), solver,
             datafit, str(ratio)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=env, bufsize=1)

    def read(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker exited with {self.proc.wait()}")
        return json.loads(line)

    def send(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def measure(folder, X, y, solver, datafit, ratio, alpha, repeat, budget):
    """One solver on one problem in a fresh process: a dict of figures, or gave_up."""
    from benchmarks.compare import judge, objective_at_zero

    from sparsecert.penalties import L1

    p0 = objective_at_zero(X, y, datafit, False)
    w = Worker(folder, solver, datafit, ratio)
    try:
        head = w.read(max(budget, 300.0))  # load + warm-up (compilation) are not budgeted
        if head is None:
            w.kill()
            return dict(gave_up=True, why="load/warm-up")
        for k in range(2, 15):
            tol = 10.0 ** -k
            w.send(f"fit {tol!r}")
            res = w.read(budget)
            if res is None:
                w.kill()
                return dict(head, gave_up=True, why=f"tol {tol:g} > {budget:g} s")
            coef = np.load(Path(folder) / f"coef_{w.proc.pid}.npy")
            est = types.SimpleNamespace(coef_=coef, intercept_=0.0, fit_intercept=False)
            ok, cert = judge(X, y, est, datafit, L1(alpha=alpha), alpha, p0)
            if ok:
                fits = [res]
                for _ in range(repeat - 1):
                    w.send(f"fit {tol!r}")
                    again = w.read(budget)
                    if again is None:
                        break
                    fits.append(again)
                w.close()
                best = dict(min(fits, key=lambda r: r["seconds"]), **_memory(head, fits))
                return dict(head, **best, tol=tol, gave_up=False, nonzeros=int(np.count_nonzero(coef)),
                            gap=float(cert.duality_gap) / p0,
                            viol=float(cert.max_violation) / alpha)
            if res["seconds"] > budget:
                break
        w.close()
        return dict(head, gave_up=True, why="no tol passed")
    finally:
        if w.proc.poll() is None:
            w.kill()


def _memory(head, fits):
    """Peak RSS of the timed fits and their extra memory over the RSS just before each.
    Without a resettable peak (not Linux), the process peak less the RSS after loading X."""
    if all(f["fit_peak"] is not None for f in fits):
        return dict(fit_peak=max(f["fit_peak"] for f in fits),
                    extra=max(max(f["fit_peak"] - f["rss_before"], 0) for f in fits))
    peak = max(f["process_peak"] for f in fits)
    return dict(fit_peak=peak, extra=max(peak - head["rss_load"], 0))


def save_problem(folder, X, ys, alphas):
    folder = Path(folder)
    for name in ("data", "indices", "indptr"):
        np.save(folder / f"{name}.npy", getattr(X, name))
    for k, y in ys.items():
        np.save(folder / f"y_{k}.npy", y)
    (folder / "meta.json").write_text(json.dumps(dict(shape=list(X.shape), alpha=alphas)))


def available_solvers(datafit):
    from benchmarks.compare import solvers_for

    return list(solvers_for(datafit, 1.0, 1.0, 10))


MIB = 2.0 ** 20


def print_row(problem, solver, r):
    if r.get("gave_up"):
        print(f"{problem:18s} {solver:12s} gave up ({r.get('why', '')})", flush=True)
        return
    passes = f"{r['n_passes']:.1f}" if np.isfinite(r["n_passes"]) else "-"
    print(f"{problem:18s} {solver:12s} {r['seconds']:9.3f} {r['tol']:8.0e} {r['nonzeros']:8d} "
          f"{r['gap']:9.1e} {r['viol']:9.1e} {r['rss_load'] / MIB:9.0f} {r['fit_peak'] / MIB:9.0f} "
          f"{r['extra'] / MIB:9.0f} {passes:>7s} {r['n_iter'] if r['n_iter'] >= 0 else '-':>6}", flush=True)


def markdown(results, header):
    cols = ["sparsecert", "scikit-learn/liblinear", "skglm", "celer"]

    def cell(problem, name):
        if name == "scikit-learn/liblinear":
            name = "scikit-learn" if "scikit-learn" in results[problem] else "liblinear"
        return results[problem].get(name)

    def t(r):
        if r is None:
            return "-"
        return "gave up" if r.get("gave_up") else f"{r['seconds']:.2f} s"

    def mem(r):
        if r is None or r.get("gave_up"):
            return "-"
        return f"{r['fit_peak'] / MIB:.0f} (+{r['extra'] / MIB:.0f})"

    lines = [header, "",
             "| problem | " + " | ".join(f"{c} time" for c in cols) + " | sparsecert passes | "
             + " | ".join(f"{c} peak MiB (fit's extra)" for c in cols) + " | ours / best peer |",
             "|" + "---|" * (2 * len(cols) + 3)]
    for problem in results:
        ours = cell(problem, "sparsecert")
        peers = [r["seconds"] for name, r in results[problem].items()
                 if name != "sparsecert" and not r.get("gave_up")]
        ratio = (f"{ours['seconds'] / min(peers):.2f}x" if ours and not ours.get("gave_up")
                 and peers else "-")
        passes = f"{ours['n_passes']:.1f}" if ours and not ours.get("gave_up") else "-"
        lines.append(f"| {problem} | " + " | ".join(t(cell(problem, c)) for c in cols)
                     + f" | {passes} | " + " | ".join(mem(cell(problem, c)) for c in cols)
                     + f" | {ratio} |")
    return "\n".join(lines) + "\n"


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="default")
    parser.add_argument("--n", type=int)
    parser.add_argument("--p", type=int)
    parser.add_argument("--nnz", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, help="best of (default 3; 1 at --size full)")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="give up on a solver whose single fit exceeds this (s)")
    parser.add_argument("--only", nargs="*", help="solvers to run (default: all installed)")
    parser.add_argument("--problems", nargs="*", help="e.g. lasso/20 logreg/200")
    parser.add_argument("--markdown", help="write a README-ready markdown table here")
    parser.add_argument("--tmpdir", help="where the .npy files go (default: the system's)")
    return parser.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    import sparsecert as sc

    n, p, nnz = SIZES[args.size]
    n, p, nnz = args.n or n, args.p or p, args.nnz or nnz
    repeat = args.repeat or (1 if args.size == "full" else 3)
    t0 = time.perf_counter()
    X = text_like_csr(n, p, nnz, seed=args.seed)
    y_reg, y_log, _ = targets(X, seed=args.seed)
    gen = time.perf_counter() - t0
    x_mib = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / MIB
    print(f"X: {n} x {p} CSR, nnz {X.nnz} ({x_mib:.0f} MiB), generated with y in {gen:.1f} s; "
          f"logistic classes +1: {np.mean(y_log > 0):.2f}")
    ys = {"quadratic": y_reg, "logistic": y_log}
    alphas = {f"{df}/{r}": float(sc.alpha_max(X, ys[df], datafit=df, fit_intercept=False)) / r
              for _, df, r in PROBLEMS}
    command = "PYTHONPATH=src python benchmarks/large.py " + " ".join(map(shlex.quote, argv))
    print(f"judge: duality gap <= 1e-6 x P(0) and max violation <= 1e-4 x alpha (compare.judge); "
          f"each solver in a fresh process, one thread, warm-up fit on {WARMUP_ROWS} rows first "
          f"(Numba compilation excluded); seconds are the best of {repeat} at the loosest "
          f"passing tol; budget {args.budget:g} s per fit; noisy shared machine")
    print(f"{'problem':18s} {'solver':12s} {'seconds':>9s} {'tol':>8s} {'nonzeros':>8s} "
          f"{'gap/P0':>9s} {'viol/a':>9s} {'load MiB':>9s} {'fit peak':>9s} {'fit extra':>9s} "
          f"{'passes':>7s} {'n_iter':>6s}")
    results = {}
    with tempfile.TemporaryDirectory(dir=args.tmpdir, prefix="sparsecert-large-") as folder:
        save_problem(folder, X, ys, alphas)
        for kind, datafit, ratio in PROBLEMS:
            if args.problems and f"{kind}/{ratio}" not in args.problems:
                continue
            problem = f"{kind} amax/{ratio}"
            results[problem] = {}
            for solver in available_solvers(datafit):
                if args.only and solver not in args.only:
                    continue
                r = measure(folder, X, ys[datafit], solver, datafit, ratio,
                            alphas[f"{datafit}/{ratio}"], repeat, args.budget)
                results[problem][solver] = r
                print_row(problem, solver, r)
    if args.markdown:
        header = (f"Large job, {datetime.date.today().isoformat()}: X {n} x {p} CSR tf-idf-like, "
                  f"nnz {X.nnz}, {os.cpu_count()} cores, one thread per solver, best of {repeat}, "
                  f"warm-up excluded, no intercept. Reproduce: `{command}`")
        Path(args.markdown).write_text(markdown(results, header))
        print(f"markdown table written to {args.markdown}")
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
