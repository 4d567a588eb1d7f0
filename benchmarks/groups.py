"""Group sparsity benchmark: sparsecert's block solvers against every installed peer.

Usage::

    PYTHONPATH=src python benchmarks/groups.py                  # every problem, best of 3
    PYTHONPATH=src python benchmarks/groups.py --only ribo-group --repeat 5
    PYTHONPATH=src python benchmarks/groups.py --adelie-python /path/venv/bin/python \\
        --markdown groups.md

Problems (real data from ``../shared/data`` where it is there; see its SOURCES.md):

- ``ribo-group``: riboflavin (71 x 4088), groups of 4 adjacent genes, the group lasso.
- ``leuk-group``: leukemia (38 x 3051, the 0/1 label as a real target), groups of 3.
- ``synth-group``: scikit-learn's ``make_regression`` (2000 x 5000, 100 informative
  features, noise 10, seed 0), groups of 5: another generator than ours.
- ``ribo-mt``: a multi-task set built from riboflavin: Y = (riboflavin production,
  then 4 genes drawn at random with seed 0 and removed from X), standardized.
- ``synth-mt``: ``make_regression`` (1000 x 2000, 10 targets, 50 informative, noise 5).
- ``digits-mn-l1`` and ``digits-mn-grouped``: multinomial logistic regression on
  scikit-learn's digits (1797 x 64, 10 classes, standardized), the L1 penalty on each
  coefficient, or grouped over the classes (a feature leaves every class at once:
  glmnet's grouped multinomial).
- ``a9a-mn-l1`` and ``a9a-mn-grouped``: the same on a9a's test split (16281 x 122,
  CSR) made 3-class as in ``bench_multinomial.py``: income <= 50K; > 50K with binary
  feature 72 off; > 50K with it on (that feature dropped from X).

Each at alpha_max / 10 and alpha_max / 50, with an intercept. The group weights are
c_g = sqrt(|g|) everywhere (every peer's default but skglm's, which is given them);
the multinomial penalties have unit weights.

Peers: scikit-learn (MultiTaskLasso; saga for the L1 multinomial), skglm (GroupLasso,
MultiTaskLasso; it has no multinomial datafit), adelie (``grpnet`` and its
multigaussian and multinomial GLMs; its multinomial groups each feature's class
coefficients, so it is timed on the grouped multinomial only). adelie pins numpy < 2, so it runs in a
Python of its own: ``--adelie-python`` (or ``$ADELIE_PYTHON``), e.g. a venv made by
``python -m venv adelie-venv && adelie-venv/bin/pip install "numpy<2" adelie``.
adelie is a path solver: it is timed on a path of 10 alphas per decade from
alpha_max down to the target (its own design), with ``early_exit=False``; its
coefficients at the target are judged.

The judge is one piece of code for everyone, ``sparsecert.check_optimality`` with
the problem's penalty (and ``datafit="multinomial"`` for the multinomial rows, P(0)
then the objective at W = 0 with the best intercepts, the class entropy): duality
gap <= 1e-6 * P(0) and max violation <= 1e-4 * alpha. Each solver is timed at the loosest of its own tolerances 10^-2, 10^-3,
... that passes, best of ``--repeat`` fits after one warm-up fit at that
tolerance (Numba compilation excluded everywhere). Single thread: BLAS and
adelie's threads set to 1.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"

import sparsecert as sc  # noqa: E402
from sparsecert.penalties import L1, GroupLasso, MultiTaskL21  # noqa: E402

GAP_TOL = 1e-6
VIOL_TOL = 1e-4
RATIOS = (10, 50)


def _optional(name):
    try:
        return __import__(name)
    except Exception:  # noqa: BLE001 - any import failure means "not available"
        return None


skglm = _optional("skglm")


# ----------------------------------------------------------------- problems
def _standardize(A):
    A = np.asarray(A, dtype=np.float64)
    sd = A.std(axis=0)
    return (A - A.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _npz(name):
    f = np.load(DATA / name, allow_pickle=False)
    return np.asarray(f["X"], dtype=np.float64), np.asarray(f["y"], dtype=np.float64)


def ribo_group():
    X, y = _npz("riboflavin_hdi.npz")
    return np.asfortranarray(X), y, 4


def leuk_group():
    X, y = _npz("leukemia_golub1999_38x3051.npz")
    p = X.shape[1] - X.shape[1] % 3
    return np.asfortranarray(X[:, :p]), y, 3


def synth_group():
    from sklearn.datasets import make_regression

    X, y = make_regression(2000, 5000, n_informative=100, noise=10.0, random_state=0)
    return np.asfortranarray(X), y, 5


def ribo_mt():
    X, y = _npz("riboflavin_hdi.npz")
    held = np.random.default_rng(0).choice(X.shape[1], 4, replace=False)
    Y = _standardize(np.column_stack([y, X[:, held]]))
    return np.asfortranarray(np.delete(X, held, axis=1)), Y, None


def synth_mt():
    from sklearn.datasets import make_regression

    X, Y = make_regression(1000, 2000, n_informative=50, n_targets=10, noise=5.0,
                           random_state=0)
    return np.asfortranarray(X), Y, None


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return np.asfortranarray(_standardize(X)), y


def _a9a3():
    from sklearn.datasets import load_svmlight_file

    X, label = load_svmlight_file(str(DATA / "a9a.t.svmlight.gz"), n_features=123)
    on = X[:, 72].toarray().ravel() > 0
    y = np.where(label < 0, 0, np.where(on, 2, 1))
    return X[:, np.setdiff1d(np.arange(123), [72])].tocsr(), y


def _multinomial(load, kind):
    # the third item says the model: "l1" or "grouped" (multinomial logistic)
    def make():
        X, y = load()
        return X, y, kind
    return make


PROBLEMS = {"ribo-group": ribo_group, "leuk-group": leuk_group, "synth-group": synth_group,
            "ribo-mt": ribo_mt, "synth-mt": synth_mt,
            "digits-mn-l1": _multinomial(_digits, "l1"),
            "digits-mn-grouped": _multinomial(_digits, "grouped"),
            "a9a-mn-l1": _multinomial(_a9a3, "l1"),
            "a9a-mn-grouped": _multinomial(_a9a3, "grouped")}


def is_multinomial(size):
    return isinstance(size, str)


def penalty_of(X, Y, size, alpha):
    if size == "l1":
        return L1(alpha)
    if size is None or size == "grouped":
        return MultiTaskL21(alpha)
    return GroupLasso(alpha, groups=size)


def objective_at_zero(Y, size=0):
    if is_multinomial(size):
        freq = np.unique(Y, return_counts=True)[1] / len(Y)
        return float(-np.sum(freq * np.log(freq)))
    R = Y - Y.mean(axis=0)
    return float(np.sum(R * R) / (2 * Y.shape[0]))


# ------------------------------------------------------------------ solvers
def _est_coefs(est):
    return np.asarray(est.coef_, dtype=np.float64), np.asarray(est.intercept_, dtype=np.float64)


def local_solvers(size, alpha):
    """name -> fit(X, Y, tol) returning (coef, intercept, seconds); each ``make``
    gets the tol and X's number of features (of samples with ``axis=0``)."""
    from sklearn.linear_model import MultiTaskLasso

    def timed(make, axis=1):
        def fit(X, Y, tol):
            est = make(tol, X.shape[axis])
            t0 = time.perf_counter()
            est.fit(X, Y)
            return (*_est_coefs(est), time.perf_counter() - t0)
        return fit

    def centred(make):
        # skglm's group solver stalls short of the certified accuracy when it
        # fits the intercept (gap ~3e-5 on riboflavin at any tol), so it is
        # also timed the way that works: X and Y centred here (in its time),
        # no intercept, which is then recovered as mean(Y) - mean(X) w.
        def fit(X, Y, tol):
            t0 = time.perf_counter()
            mx, my = X.mean(axis=0), Y.mean(axis=0)
            est = make(tol, X.shape[1]).fit(np.asfortranarray(X - mx), Y - my)
            coef = np.asarray(est.coef_, dtype=np.float64)
            b = my - coef @ mx
            return coef, b, time.perf_counter() - t0
        return fit

    out = {}
    if is_multinomial(size):
        from sklearn.linear_model import LogisticRegression

        out["sparsecert"] = timed(lambda t, p: sc.SparseLogisticRegression(
            alpha=alpha, penalty=size, tol=t, max_iter=100000))
        if size == "l1":
            # scikit-learn's objective is ours times C n: C = 1 / (n alpha)
            out["scikit-learn"] = timed(lambda t, n: LogisticRegression(
                l1_ratio=1, solver="saga", C=1 / (n * alpha), tol=t, max_iter=100000), axis=0)
        return out
    if size is None:
        out["sparsecert"] = timed(lambda t, p: sc.MultiTaskLasso(alpha=alpha, tol=t,
                                                                 max_iter=100000))
        out["scikit-learn"] = timed(lambda t, p: MultiTaskLasso(alpha=alpha, tol=t,
                                                                max_iter=100000))
        if skglm:
            out["skglm"] = timed(lambda t, p: skglm.MultiTaskLasso(alpha=alpha, tol=t,
                                                                   max_iter=100))
            out["skglm, centred"] = centred(lambda t, p: skglm.MultiTaskLasso(
                alpha=alpha, tol=t, max_iter=100, fit_intercept=False))
    else:
        out["sparsecert"] = timed(lambda t, p: sc.GroupLasso(alpha=alpha, groups=size, tol=t,
                                                             max_iter=100000))
        if skglm:
            def weights(p):
                return np.full(p // size, np.sqrt(size))
            out["skglm"] = timed(lambda t, p: skglm.GroupLasso(
                groups=size, alpha=alpha, weights=weights(p), tol=t, max_iter=100))
            out["skglm, centred"] = centred(lambda t, p: skglm.GroupLasso(
                groups=size, alpha=alpha, weights=weights(p), tol=t, max_iter=100,
                fit_intercept=False))
    return out


ADELIE_WORKER = r"""
import json, sys, time
import numpy as np
import adelie as ad
d = np.load(sys.argv[1])
X, Y, lmdas, tol = np.asfortranarray(d["X"]), d["Y"], d["lmdas"], float(sys.argv[2])
size = int(d["size"])
repeat = int(sys.argv[3])
best = np.inf
for _ in range(repeat + 1):
    t0 = time.perf_counter()
    if size > 0:
        groups = np.arange(0, X.shape[1], size)
        glm = ad.glm.gaussian(Y)
    elif size < 0:
        # multinomial (Y one-hot): its default groups and penalty factors
        groups = None
        glm = ad.glm.multinomial(Y)
    else:
        groups = None
        glm = ad.glm.multigaussian(Y)
    # multi-task: unit penalty factors (adelie's default is sqrt(n_tasks) per feature)
    penalty = None if size != 0 else np.ones(X.shape[1])
    # a GLM's accuracy is also its IRLS loop's: both tolerances get tol
    irls = dict(irls_tol=tol) if size < 0 else {}
    state = ad.grpnet(X, glm, groups=groups, penalty=penalty, lmda_path=lmdas, tol=tol,
                      early_exit=False, **irls,
                      progress_bar=False, n_threads=1, intercept=True)
    best = min(best, time.perf_counter() - t0)
beta = np.asarray(state.betas[-1].todense()).ravel()
b0 = np.asarray(state.intercepts[-1], dtype=float).ravel()
np.savez(sys.argv[4], coef=beta, intercept=b0, seconds=best,
         lmda=np.asarray(state.lmdas, dtype=float)[-1])
"""


def adelie_solver(python, folder, X, Y, size, alpha, amax):
    """fit(X, Y, tol) running adelie in its own interpreter on a path ending at alpha.

    adelie's multigaussian loss is (1/(2nK)) ||Y - XB||_F^2 (divided by the number
    of tasks K) and it is given unit penalty factors, so its lambda is alpha / K
    for our objective (checked: the same coefficients to 4 digits on a small set).
    Its multinomial loss is ours divided by K too, and its default penalty factor
    sqrt(K) per feature group, so there lambda is alpha / K^1.5 (checked on 150
    digits of 3 classes, 20 features, adelie at tol 1e-14: our grouped fit at
    alpha = lambda K^1.5 within 6e-6 relative, intercepts to 4e-6).
    """
    multinomial = is_multinomial(size)
    if multinomial:
        k = int(np.max(Y)) + 1
        scale = k ** 1.5
        X = X.toarray() if hasattr(X, "toarray") else X  # adelie takes dense X here
        Y = np.eye(k)[np.asarray(Y, dtype=np.int64)]
    else:
        k = 1 if size is not None else Y.shape[1]
        scale = k
    decades = np.log10(amax / alpha)
    lmdas = np.geomspace(amax, alpha, int(np.ceil(10 * decades)) + 1) / scale
    data = Path(folder) / "adelie_in.npz"
    np.savez(data, X=X, Y=Y, lmdas=lmdas, size=-1 if multinomial else (size or 0))
    script = Path(folder) / "adelie_worker.py"
    script.write_text(ADELIE_WORKER)

    def fit(X_, Y_, tol, repeat=0):
        out = Path(folder) / "adelie_out.npz"
        subprocess.run([python, str(script), str(data), repr(tol), str(repeat), str(out)],
                       check=True, capture_output=True, text=True, timeout=600)
        r = np.load(out)
        coef, b = r["coef"], r["intercept"]
        many = size is None or multinomial
        if many:  # adelie orders the multi-response coefficients feature-major
            coef = coef.reshape(X.shape[1], k).T
        return coef, (b if many else float(b[0])), float(r["seconds"])
    fit.takes_repeat = True
    return fit


def within_budget(fit, X, Y, tol, budget, *extra):
    """``fit(X, Y, tol, *extra)`` in a forked child killed after ``budget`` seconds
    (skglm's block solvers can run for minutes at a tol they never reach); None
    if it was. The parent warmed every solver up first, so the child inherits
    the compiled code and its time is the fit's alone."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            send.send(fit(X, Y, tol, *extra))

    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    send.close()
    out = recv.recv() if recv.poll(budget) else None
    proc.kill()
    proc.join()
    return out


class _WarmUpOver(Exception):
    pass


def warm_up(fit, X, Y, budget):
    """One fit of the first 20 rows and 60 columns (compiles or loads every kernel
    for X's dtype and layout: 60 is a multiple of every group size used here),
    in this process (the timed children inherit what it compiled), stopped by
    an alarm after ``budget`` seconds: skglm's MultiTaskLasso looped for over
    10 minutes on ribo-mt's 20 x 60 corner at alpha_max/50. The alarm lands
    between its compiled calls; what they compiled stays compiled."""
    import signal

    def over(signum, frame):
        raise _WarmUpOver

    previous = signal.signal(signal.SIGALRM, over)
    signal.alarm(max(int(budget), 1))
    try:
        _warm_up_fit(fit, X, Y)
    except _WarmUpOver:
        print(f"  warm-up stopped after {budget:.0f} s", file=sys.stderr)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _warm_up_fit(fit, X, Y):
    rows = np.arange(20)
    if Y.ndim == 1 and not np.issubdtype(np.asarray(Y).dtype, np.floating):
        # class labels: 20 rows holding every class (a fit needs them all)
        rows = np.concatenate([np.flatnonzero(Y == c)[:max(2, 20 // len(np.unique(Y)))]
                               for c in np.unique(Y)])
    Xw = X[rows][:, :60]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit(Xw if hasattr(Xw, "toarray") else np.asfortranarray(Xw), Y[rows], 1e-4)


def judge(X, Y, coef, intercept, penalty, alpha, p0, datafit="quadratic"):
    cert = sc.check_optimality(X, Y, coef, intercept, datafit=datafit, penalty=penalty)
    ok = (cert.duality_gap is not None and cert.duality_gap <= GAP_TOL * p0
          and cert.max_violation <= VIOL_TOL * alpha)
    return ok, cert


def measure(fit, X, Y, penalty, alpha, p0, repeat, budget, datafit="quadratic"):
    """(best seconds, tol, nonzero groups) at the loosest passing tolerance, or
    (None, why, None): why is None, or the time budget a fit ran over (the
    solver might certify at a smaller tol given more time)."""
    over = f"a fit over {budget:.0f} s"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stalled, last_gap = 0, np.inf
        for k in range(2, 17):
            tol = 10.0 ** -k
            out = within_budget(fit, X, Y, tol, budget)
            if out is None:
                print(f"  tol {tol:.0e}: gave up after {budget:.0f} s", file=sys.stderr)
                return None, over, None
            coef, b, first = out
            ok, cert = judge(X, Y, coef, b, penalty, alpha, p0, datafit)
            # a solver whose answer stops improving as its tol shrinks
            # (twice in a row, the gap not halved) will not certify: give up
            gap = cert.duality_gap if cert.duality_gap is not None else np.inf
            stalled = stalled + 1 if gap > 0.5 * last_gap else 0
            last_gap = min(last_gap, gap)
            print(f"  tol {tol:.0e}: {first:.3f} s, gap {gap:.2e}, violation "
                  f"{cert.max_violation:.2e}{' (passes)' if ok else ''}", file=sys.stderr,
                  flush=True)
            # (not adelie: its gap stays flat over several decades of its tol,
            # then drops; its fits are cheap, so every tol is tried)
            if not ok and stalled >= 2 and not getattr(fit, "takes_repeat", False):
                break
            if ok:
                if getattr(fit, "takes_repeat", False):
                    best = min(first, fit(X, Y, tol, repeat)[2])
                else:
                    best = min([first] + [fit(X, Y, tol)[2] for _ in range(repeat)])
                return best, tol, getattr(cert, "n_nonzero_groups", None)
            if first > budget:
                return None, over, None
    return None, None, None


# ------------------------------------------------------------------- report
PEERS = ("sparsecert", "scikit-learn", "skglm", "skglm, centred", "adelie")


def row_text(name, shape, ratio, times):
    ours = times.get("sparsecert", (None,))[0]
    peers = [v[0] for k, v in times.items() if k != "sparsecert" and v[0] is not None]
    best = min(peers) if peers else None
    cells = []
    for s in PEERS:
        t = times.get(s)
        if t is None:
            cells.append("")
        elif t[0] is None:
            cells.append("not certified" + (f" ({t[1]})" if t[1] else ""))
        else:
            cells.append(f"{t[0] * 1e3:.1f} ms (tol {t[1]:.0e})")
    ratio_txt = f"{ours / best:.2f}x" if ours and best else "-"
    return f"| {name} α_max/{ratio} | {shape[0]}×{shape[1]} | " + " | ".join(cells) + \
        f" | {ratio_txt} |"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", choices=sorted(PROBLEMS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=20.0,
                    help="give up on a solver whose one fit takes longer (seconds)")
    ap.add_argument("--adelie-python", default=os.environ.get("ADELIE_PYTHON"))
    ap.add_argument("--markdown", help="also write the table to this file")
    args = ap.parse_args(argv)
    lines = ["| problem | shape | " + " | ".join(PEERS) + " | ours / best peer |",
             "|---" * (len(PEERS) + 3) + "|"]
    print(lines[0], lines[1], sep="\n", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for name in args.only or list(PROBLEMS):
            try:
                X, Y, size = PROBLEMS[name]()
            except FileNotFoundError as exc:
                print(f"{name}: skipped ({exc})")
                continue
            unit = penalty_of(X, Y, size, 1.0)
            datafit = "multinomial" if is_multinomial(size) else "quadratic"
            if is_multinomial(size):
                amax = sc.alpha_max(X, Y, datafit=datafit, penalty=unit)
            else:
                amax = sc.alpha_max(X, Y, penalty=unit) if size is not None else \
                    _multitask_alpha_max(X, Y)
            p0 = objective_at_zero(Y, size)
            for ratio in RATIOS:
                alpha = amax / ratio
                penalty = penalty_of(X, Y, size, alpha)
                solvers = local_solvers(size, alpha)
                if args.adelie_python and size != "l1":
                    solvers["adelie"] = adelie_solver(args.adelie_python, folder, X, Y, size,
                                                      alpha, amax)
                times = {}
                for s, f in solvers.items():
                    print(f"{name} amax/{ratio} {s}:", file=sys.stderr, flush=True)
                    if s != "adelie":
                        warm_up(f, X, Y, args.budget)
                    times[s] = measure(f, X, Y, penalty, alpha, p0, args.repeat, args.budget,
                                       datafit)
                lines.append(row_text(name, X.shape, ratio, times))
                print(lines[-1], flush=True)
    if args.markdown:
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    print(json.dumps({"python": sys.version.split()[0], "numpy": np.__version__,
                      "sparsecert": sc.__version__}))


def _multitask_alpha_max(X, Y):
    """max_j ||X_j^T (Y - mean(Y))||_2 / n: the smallest alpha with W = 0 optimal."""
    Yc = Y - Y.mean(axis=0)
    G = (X - X.mean(axis=0)).T @ Yc / X.shape[0]
    return float(np.sqrt((G * G).sum(axis=1)).max())


if __name__ == "__main__":
    main()
