"""Command line: ``python -m sparsecert`` (also installed as ``sparsecert``).

Subcommands (``sparsecert COMMAND --help`` for each):

* ``fit [DATA]``: fit a model and print it with its certificate. With no
  DATA, solves a Lasso on scikit-learn's bundled diabetes data (442
  patients, 10 standardized features), prints the coefficients and their
  certificate, and times the same problem against scikit-learn.
* ``path DATA``: a regularization path with a certificate per alpha,
  optionally cross-validated (``--cv K``), saved (``--out``) and plotted
  (``--plot``).
* ``certify DATA COEF``: check coefficients from any tool against a
  problem; exit status 0 if certified, 1 if not.

Data files: svmlight/libsvm (plain, .gz, .bz2), ``.npz``, ``.npy`` (with
``--target``) or CSV (with ``--target-column``); see
:mod:`sparsecert.cli.data_files`. Every error is one line on stderr,
``sparsecert: error: ...``, with exit status 2.
"""

import argparse
import os
import sys
import time
import warnings

from .cli.errors import CLIError

MODELS = ("lasso", "enet", "lp", "logistic")
PATH_MODELS = ("lasso", "enet", "logistic")


# --------------------------------------------------------------------------
# the built-in job of the README's quick start


def _load_builtin():
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    return data.data, data.target, list(data.feature_names), "scikit-learn diabetes (442 x 10)"


def _best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _fit_builtin(args):
    import numpy as np

    import sparsecert as sc

    _check_output(args.out, (".npz", ".json", ".csv"))
    if args.model not in (None, "lasso"):
        raise CLIError(f"without DATA, fit runs the built-in Lasso on the diabetes data; "
                       f"give a DATA file to fit --model {args.model}")
    X, y, names, label = _load_builtin()
    amax = sc.alpha_max(X, y)
    ratio = 0.05 if args.alpha_ratio is None else args.alpha_ratio
    alpha = args.alpha if args.alpha is not None else amax * ratio
    print(f"data: {label}")
    print(f"model: Lasso(alpha={alpha:.6g})  [alpha_max = {amax:.6g}]")
    t0 = time.perf_counter()
    est = sc.Lasso(alpha=alpha, tol=args.tol, max_iter=args.max_iter).fit(X, y)
    first = time.perf_counter() - t0
    cert = est.certificate_
    print(f"\nintercept: {est.intercept_:.6g}")
    for name, coef in zip(names, est.coef_):
        print(f"  {name:>6s}: {coef: .6g}")
    print(f"nonzeros: {np.count_nonzero(est.coef_)}/{X.shape[1]}")
    print()
    print(cert.explain(feature_names=names, top=5))

    from sklearn.linear_model import Lasso as SkLasso

    ours = _best_time(lambda: sc.Lasso(alpha=alpha, tol=args.tol, max_iter=args.max_iter).fit(X, y),
                      args.repeat)
    # scikit-learn's tol is on its duality gap; tighten it until its answer
    # passes the same certificate, so that both are timed at equal accuracy
    sk_tol = 1e-4
    for _ in range(8):
        sk = SkLasso(alpha=alpha, tol=sk_tol, max_iter=100000).fit(X, y)
        sk_cert = sc.check_optimality(X, y, sk.coef_, sk.intercept_, datafit="quadratic",
                                      penalty=sc.penalties.L1(alpha=alpha), tol=args.tol)
        if sk_cert.converged:
            break
        sk_tol /= 10
    theirs = _best_time(lambda: SkLasso(alpha=alpha, tol=sk_tol, max_iter=100000).fit(X, y),
                        args.repeat)
    print("\ntiming (best of %d fits, same certificate tolerance; first sparsecert fit "
          "%.3f s includes loading or compiling kernels):" % (args.repeat, first))
    print(f"  sparsecert   {ours * 1e3:8.3f} ms   certified: {cert.converged}")
    print(f"  scikit-learn {theirs * 1e3:8.3f} ms   certified: {sk_cert.converged} "
          f"(its tol={sk_tol:g})")
    print(f"  ratio scikit-learn / sparsecert: {theirs / ours:.2f}x")
    if args.out:
        from .cli.coef_files import save_coef

        meta = dict(model="lasso", alpha=float(alpha), fit_intercept=True)
        save_coef(args.out, est.coef_, float(est.intercept_), meta=meta, cert=cert,
                  feature_names=names)
        print(f"\nwrote {args.out}")
    return 0 if cert.converged else 1


# --------------------------------------------------------------------------
# shared pieces


class Problem:
    """What the options say about the problem: datafit, penalty kind and parameters."""

    def __init__(self, model, l1_ratio=None, p=None, fit_intercept=True):
        self.model = model
        self.datafit = "logistic" if model == "logistic" else "quadratic"
        if model == "lasso":
            kind = "l1"
        elif model == "enet":
            kind = "elasticnet"
        elif model == "lp":
            kind = "lp"
        elif p is not None:
            kind = "lp"
        elif l1_ratio is not None and l1_ratio != 1.0:
            kind = "elasticnet"
        else:
            kind = "l1"
        self.kind = kind
        self.l1_ratio = (0.5 if l1_ratio is None else float(l1_ratio)) if kind == "elasticnet" else None
        self.p = (0.5 if p is None else float(p)) if kind == "lp" else None
        self.fit_intercept = fit_intercept

    @property
    def rho(self):
        """The L1 share (None when the penalty has no alpha_max)."""
        if self.kind == "l1" or (self.kind == "lp" and self.p == 1.0):
            return 1.0
        if self.kind == "elasticnet" and self.l1_ratio > 0:
            return self.l1_ratio
        return None

    def penalty(self, alpha):
        from . import penalties

        if self.kind == "l1":
            return penalties.L1(alpha=float(alpha))
        if self.kind == "elasticnet":
            return penalties.ElasticNet(alpha=float(alpha), l1_ratio=self.l1_ratio)
        return penalties.Lp(alpha=float(alpha), p=self.p)

    def describe(self, alpha):
        extra = ""
        if self.kind == "elasticnet":
            extra = f", l1_ratio={self.l1_ratio:g}"
        elif self.kind == "lp":
            extra = f", p={self.p:g}"
        pen = {"l1": "L1", "elasticnet": "elastic net", "lp": "Lp"}[self.kind]
        icpt = "" if self.fit_intercept else ", no intercept"
        return f"{self.model} ({self.datafit} datafit + {pen} penalty{extra}{icpt}), alpha={alpha:.6g}"

    def meta(self, alpha):
        return dict(model=self.model, alpha=float(alpha), l1_ratio=self.l1_ratio, p=self.p,
                    fit_intercept=self.fit_intercept)


def _check_params(args, default_model="lasso"):
    def bad(msg):
        raise CLIError(msg)

    if getattr(args, "alpha", None) is not None and not args.alpha >= 0:
        bad(f"--alpha must be >= 0; got {args.alpha:g}")
    if getattr(args, "alpha_ratio", None) is not None and not args.alpha_ratio > 0:
        bad(f"--alpha-ratio must be > 0; got {args.alpha_ratio:g}")
    if getattr(args, "alpha", None) is not None and getattr(args, "alpha_ratio", None) is not None:
        bad("give --alpha or --alpha-ratio, not both")
    if getattr(args, "l1_ratio", None) is not None and not 0.0 <= args.l1_ratio <= 1.0:
        bad(f"--l1-ratio must be in [0, 1]; got {args.l1_ratio:g}")
    if getattr(args, "p", None) is not None and not args.p > 0:
        bad(f"--p must be > 0; got {args.p:g}")
    if getattr(args, "tol", None) is not None and not args.tol > 0:
        bad(f"--tol must be > 0; got {args.tol:g}")
    if getattr(args, "max_iter", None) is not None and args.max_iter < 1:
        bad(f"--max-iter must be >= 1; got {args.max_iter}")
    if getattr(args, "top", None) is not None and args.top < 0:
        bad(f"--top must be >= 0; got {args.top}")
    if getattr(args, "repeat", None) is not None and args.repeat < 1:
        bad(f"--repeat must be >= 1; got {args.repeat}")
    model = getattr(args, "model", None) or default_model
    if model is not None:
        if getattr(args, "l1_ratio", None) is not None and model in ("lasso", "lp"):
            bad(f"--l1-ratio applies to --model enet or logistic, not {model}")
        if getattr(args, "p", None) is not None and model in ("lasso", "enet"):
            bad(f"--p applies to --model lp or logistic, not {model}")
        if model == "logistic" and getattr(args, "p", None) is not None \
                and getattr(args, "l1_ratio", None) is not None:
            bad("give --p (Lp penalty) or --l1-ratio (elastic net), not both")


def _load(args):
    from .cli.data_files import load_data

    return load_data(args.data, fmt=args.format, target=args.target,
                     target_column=args.target_column, target_key=args.target_key,
                     n_features=args.n_features, delimiter=args.delimiter)


def _check_target(problem, y):
    import numpy as np

    if problem.datafit == "logistic":
        classes = np.unique(y)
        if classes.shape[0] != 2:
            shown = ", ".join(str(c) for c in classes[:5])
            raise CLIError(f"--model logistic needs exactly two classes in y; found "
                           f"{classes.shape[0]} ({shown}{', ...' if classes.shape[0] > 5 else ''})")
    elif y.dtype.kind not in "fiub":
        raise CLIError(f"--model {problem.model} needs a numeric target; y holds labels "
                       f"such as {y[0]!r}")
    elif not np.all(np.isfinite(y)):
        raise CLIError("y contains NaN or infinity")


def _alpha_max(problem, X, y):
    import sparsecert as sc

    rho = problem.rho
    if rho is None:
        what = (f"p={problem.p:g}" if problem.kind == "lp" else f"l1_ratio={problem.l1_ratio:g}")
        raise CLIError(f"--alpha-ratio needs alpha_max, which the {problem.kind} penalty with "
                       f"{what} does not have; give --alpha")
    return float(sc.alpha_max(X, y, l1_ratio=rho, datafit=problem.datafit,
                              fit_intercept=problem.fit_intercept))


def _resolve_alpha(args, problem, X, y, default_ratio=None, fallback=None):
    """(alpha, text saying where it came from)."""
    if args.alpha is not None:
        return float(args.alpha), "given"
    ratio = args.alpha_ratio
    if ratio is None and fallback is not None:
        return float(fallback), "from COEF"
    if ratio is None:
        ratio = default_ratio
    if ratio is None:
        raise CLIError("give --alpha or --alpha-ratio")
    amax = _alpha_max(problem, X, y)
    return ratio * amax, f"{ratio:g} x alpha_max={amax:.6g}"


def _describe_data(data):
    n, p = data.X.shape
    density = data.nnz / float(n * p)
    return (f"data: {data.source}: n_samples={n}, n_features={p}, nnz={data.nnz} "
            f"({100 * density:.3g}% of entries{'; sparse storage' if _is_sparse(data.X) else ''})")


def _is_sparse(X):
    import scipy.sparse as sp

    return sp.issparse(X)


def _estimator(problem, alpha, args):
    import sparsecert as sc

    common = dict(alpha=alpha, fit_intercept=problem.fit_intercept, tol=args.tol,
                  max_iter=args.max_iter)
    if problem.model == "lasso":
        return sc.Lasso(**common)
    if problem.model == "enet":
        return sc.ElasticNet(l1_ratio=problem.l1_ratio, **common)
    if problem.model == "lp":
        return sc.LpRegression(p=problem.p, **common)
    if not hasattr(sc, "SparseLogisticRegression"):
        raise CLIError("--model logistic needs sparsecert.SparseLogisticRegression, which this "
                       "version does not have ('path' and 'certify' handle logistic already)")
    kw = {}
    if problem.kind == "elasticnet":
        kw["l1_ratio"] = problem.l1_ratio
    if problem.kind == "lp":
        kw["p"] = problem.p
    return sc.SparseLogisticRegression(penalty=problem.kind, **kw, **common)


# --------------------------------------------------------------------------
# fit


def cmd_fit(args):
    import numpy as np

    if args.data is None:
        _reject_data_options(args, "fit")
        return _fit_builtin(args)
    _check_params(args)
    _check_output(args.out, (".npz", ".json", ".csv"))
    problem = Problem(args.model or "lasso", args.l1_ratio, args.p, not args.no_intercept)
    data = _load(args)
    _check_target(problem, data.y)
    alpha, origin = _resolve_alpha(args, problem, data.X, data.y, default_ratio=0.05)
    est = _estimator(problem, alpha, args)
    print(_describe_data(data))
    print(f"model: {problem.describe(alpha)} [{origin}]")
    t0 = time.perf_counter()
    est.fit(data.X, data.y)
    elapsed = time.perf_counter() - t0
    coef = np.asarray(est.coef_, dtype=np.float64).reshape(-1)
    intercept = float(np.ravel(est.intercept_)[0]) if problem.fit_intercept else None
    cert = est.certificate_
    print(f"fit time: {elapsed:.3f} s (a new process's first fit includes loading the "
          f"compiled kernels)")
    icpt = f", intercept={intercept:.6g}" if intercept is not None else ""
    print(f"nonzeros: {np.count_nonzero(coef)}/{coef.shape[0]}, objective={cert.objective:.10g}"
          f"{icpt}")
    print()
    print(cert.explain(feature_names=data.feature_names, top=args.top))
    if args.out:
        from .cli.coef_files import save_coef

        save_coef(args.out, coef, intercept, meta=problem.meta(alpha), cert=cert,
                  feature_names=data.feature_names)
        print(f"\nwrote {args.out}")
    return 0 if cert.converged else 1


def _check_output(path, suffixes):
    """Fail before any work if ``path`` cannot be written in one of ``suffixes``."""
    if not path:
        return
    if not path.lower().endswith(suffixes):
        raise CLIError(f"{path}: unknown output format (use {', '.join(suffixes)})")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CLIError(f"cannot write {path}: directory {parent} does not exist")


def _reject_data_options(args, command):
    for opt, dest in (("--target", "target"), ("--target-column", "target_column"),
                      ("--n-features", "n_features"), ("--l1-ratio", "l1_ratio"), ("--p", "p"),
                      ("--no-intercept", "no_intercept")):
        if getattr(args, dest, None) not in (None, False):
            raise CLIError(f"{opt} needs a DATA file (without DATA, {command} runs the "
                           f"built-in diabetes Lasso)")
    _check_params(args)


# --------------------------------------------------------------------------
# path


def _progress(total, desc, quiet):
    """A tqdm bar on stderr, disabled with --quiet or when stderr is not a terminal."""
    from tqdm import tqdm

    disable = quiet or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(total=total, desc=desc, unit="alpha", file=sys.stderr, disable=disable,
                leave=False, dynamic_ncols=True)


def _path_solver(problem):
    import sparsecert as sc

    # coordinate descent handles the logistic datafit once the proximal
    # Newton solver (shipped with SparseLogisticRegression) is present
    if problem.datafit == "logistic" and not hasattr(sc, "SparseLogisticRegression"):
        return "fista"
    return "auto"


def _run_path(X, y, problem, args, alphas=None, desc="path"):
    import sparsecert as sc

    n = args.n_alphas if alphas is None else len(alphas)
    with _progress(n, desc, args.quiet) as bar:
        def on_alpha(k, alpha, cert):
            bar.set_postfix(alpha=f"{alpha:.3g}", nnz=cert.n_nonzero, refresh=False)
            bar.update(1)

        return sc.regularization_path(
            X, y, datafit=problem.datafit, penalty=problem.penalty(0.0), alphas=alphas,
            n_alphas=args.n_alphas, eps=args.eps, tol=args.tol, max_iter=args.max_iter,
            fit_intercept=problem.fit_intercept, solver=_path_solver(problem),
            callback=on_alpha)


def _cv_quadratic(data, problem, args, grid):
    import numpy as np

    import sparsecert as sc

    kw = dict(alphas=grid, cv=args.cv, tol=args.tol, max_iter=args.max_iter,
              fit_intercept=problem.fit_intercept)
    if problem.kind == "elasticnet":
        est = sc.ElasticNetCV(l1_ratio=problem.l1_ratio, **kw)
    else:
        est = sc.LassoCV(**kw)
    est.fit(data.X, data.y)
    mse = np.asarray(est.mse_path_).reshape(len(grid), -1)
    return float(est.alpha_), mse.mean(axis=1), "mean held-out MSE"


def _cv_logistic(data, problem, args, grid):
    """Per-fold logistic paths on the full-data grid; held-out mean log-loss."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    X, y = data.X, data.y
    classes = np.unique(y)
    folds = list(StratifiedKFold(n_splits=args.cv).split(np.zeros(len(y)), y))
    losses = np.zeros((len(grid), len(folds)))
    for f, (train, test) in enumerate(folds):
        res = _run_path(X[train], y[train], problem, args, alphas=grid,
                        desc=f"cv fold {f + 1}/{len(folds)}")
        z = X[test] @ res.coefs.astype(np.float64) + res.intercepts[np.newaxis, :]
        sign = np.where(y[test] == classes[1], 1.0, -1.0)[:, np.newaxis]
        losses[:, f] = np.logaddexp(0.0, -sign * z).mean(axis=0)
    mean = losses.mean(axis=1)
    return float(grid[int(np.argmin(mean))]), mean, "mean held-out log-loss"


def cmd_path(args):
    import numpy as np

    _check_params(args)
    if args.n_alphas < 1:
        raise CLIError(f"--n-alphas must be >= 1; got {args.n_alphas}")
    if not args.eps > 0:
        raise CLIError(f"--eps must be > 0; got {args.eps:g}")
    if args.cv is not None and args.cv < 2:
        raise CLIError(f"--cv must be >= 2 folds; got {args.cv}")
    _check_output(args.out, (".npz",))
    _check_output(args.plot, (".png", ".pdf", ".svg", ".jpg", ".jpeg"))
    problem = Problem(args.model or "lasso", args.l1_ratio, None, not args.no_intercept)
    if problem.rho is None:
        raise CLIError("--l1-ratio 0 (ridge) has no alpha_max and no sparsity path; "
                       "use --l1-ratio > 0")
    if args.plot:
        _require_matplotlib("--plot")
    data = _load(args)
    _check_target(problem, data.y)
    print(_describe_data(data))
    t0 = time.perf_counter()
    res = _run_path(data.X, data.y, problem, args)
    elapsed = time.perf_counter() - t0
    certified = np.array([c.converged for c in res.certificates])
    nnz = np.count_nonzero(res.coefs, axis=0)
    print(f"path: {problem.describe(res.alphas[0]).rsplit(', alpha=', 1)[0]}")
    print(f"  {len(res.alphas)} alphas from {res.alphas[0]:.4g} (alpha_max) down to "
          f"{res.alphas[-1]:.4g}; {int(certified.sum())}/{len(certified)} certified; "
          f"{elapsed:.2f} s")
    print(f"  {'k':>4s} {'alpha':>11s} {'nonzeros':>9s} {'objective':>14s} "
          f"{'max_violation':>14s} certified")
    rows = sorted(set(np.linspace(0, len(res.alphas) - 1, min(8, len(res.alphas))).astype(int)))
    for k in rows:
        c = res.certificates[k]
        print(f"  {k:4d} {res.alphas[k]:11.4g} {nnz[k]:9d} {c.objective:14.8g} "
              f"{c.max_violation:14.3g} {c.converged}")
    chosen = None
    extra = {}
    if args.cv is not None:
        if not args.quiet:
            print(f"cross-validating ({args.cv} folds) ...", file=sys.stderr, flush=True)
        if problem.datafit == "logistic":
            chosen, score, label = _cv_logistic(data, problem, args, res.alphas)
        else:
            chosen, score, label = _cv_quadratic(data, problem, args, res.alphas)
        k = int(np.argmin(np.abs(res.alphas - chosen)))
        print(f"cross-validation ({args.cv} folds): alpha={chosen:.6g} (k={k}, "
              f"{nnz[k]} nonzeros), {label} {score[k]:.6g}")
        extra = dict(chosen_alpha=chosen, cv_score=score, cv_score_name=label, cv_folds=args.cv)
    if args.out:
        arrays = dict(alphas=res.alphas, coefs=res.coefs, intercepts=res.intercepts,
                      certified=certified, dual_gaps=res.dual_gaps, n_iters=res.n_iters,
                      n_nonzero=nnz,
                      max_violations=np.array([c.max_violation for c in res.certificates]),
                      model=problem.model, l1_ratio=np.nan if problem.l1_ratio is None
                      else problem.l1_ratio, fit_intercept=problem.fit_intercept, **extra)
        if data.feature_names is not None:
            arrays["feature_names"] = np.asarray(data.feature_names, dtype=str)
        try:
            np.savez(args.out, **arrays)
        except OSError as exc:
            raise CLIError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote {args.out}")
    if args.plot:
        from . import plot

        fig = plot.path(res, chosen_alpha=chosen, feature_names=data.feature_names)
        _save_figure(fig, args.plot)
        print(f"wrote {args.plot}")
    return 0 if certified.all() else 1


def _require_matplotlib(option):
    try:
        import matplotlib
    except ImportError:
        raise CLIError(f"{option} needs matplotlib: pip install 'sparsecert[plot]'") from None
    matplotlib.use("Agg")  # files only: no window, works without a display


def _save_figure(fig, path):
    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


# --------------------------------------------------------------------------
# certify


def cmd_certify(args):
    import sparsecert as sc
    from .cli.coef_files import load_coef

    _check_params(args, default_model=None)
    coef, file_intercept, meta = load_coef(args.coef)
    model = args.model or meta.get("model") or "lasso"
    if model not in MODELS:
        raise CLIError(f"{args.coef}: unknown model {model!r} recorded in the file")
    l1_ratio = args.l1_ratio if args.l1_ratio is not None else meta.get("l1_ratio")
    p = args.p if args.p is not None else meta.get("p")
    if args.model is not None and args.model != meta.get("model"):
        # the user names another problem: the file's parameters do not apply
        l1_ratio, p = args.l1_ratio, args.p
    if model in ("lasso", "lp"):
        l1_ratio = None
    if model in ("lasso", "enet"):
        p = None
    if args.no_intercept:
        intercept = None
    elif args.intercept is not None:
        intercept = float(args.intercept)
    else:
        intercept = file_intercept
    problem = Problem(model, l1_ratio, p, intercept is not None)
    data = _load(args)
    n_features = data.X.shape[1]
    if coef.shape[0] != n_features:
        raise CLIError(f"inconsistent shapes: {args.coef} holds {coef.shape[0]} coefficients "
                       f"but {args.data} has {n_features} features"
                       + (" (set --n-features)" if coef.shape[0] > n_features
                          and "(svmlight)" in data.source else ""))
    _check_target(problem, data.y)
    same_problem = args.model is None or args.model == meta.get("model")
    alpha, origin = _resolve_alpha(args, problem, data.X, data.y,
                                   fallback=meta.get("alpha") if same_problem else None)
    print(_describe_data(data))
    print(f"problem: {problem.describe(alpha)} [{origin}]")
    if intercept is None and not args.no_intercept:
        print(f"note: {args.coef} holds no intercept: checking the model without one "
              f"(give --intercept VALUE to check it with one)")
    cert = sc.check_optimality(data.X, data.y, coef, intercept, datafit=problem.datafit,
                               penalty=problem.penalty(alpha), tol=args.tol)
    print()
    print(cert.explain(feature_names=data.feature_names, top=args.top))
    print()
    if cert.converged:
        print("CERTIFIED: these coefficients satisfy the optimality condition within tol.")
    else:
        print(f"NOT CERTIFIED: max violation {cert.max_violation:.3g} > tol {cert.tol:.3g}.")
    return 0 if cert.converged else 1


# --------------------------------------------------------------------------
# parser


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line (via :class:`CLIError`)."""

    def error(self, message):
        raise CLIError(f"{message} (see '{self.prog} --help')")


def _add_data_args(p, optional=False):
    if optional:
        p.add_argument("data", nargs="?", default=None, metavar="DATA",
                       help="data file (omit to use scikit-learn's built-in diabetes data)")
    else:
        p.add_argument("data", metavar="DATA",
                       help="data file: svmlight/libsvm (.gz/.bz2 too), .npz, .npy or .csv")
    g = p.add_argument_group("data file")
    g.add_argument("--format", choices=("auto", "svmlight", "npz", "npy", "csv"), default="auto",
                   help="file format (default: from the file name; unknown names are svmlight)")
    g.add_argument("--target", metavar="FILE",
                   help="y from a .npy or one-column text file (needed for .npy X and for a "
                        "scipy.sparse .npz)")
    g.add_argument("--target-column", metavar="NAME",
                   help="CSV: the column holding y (name or 0-based index); the others are "
                        "features")
    g.add_argument("--target-key", metavar="NAME", default="y",
                   help=".npz: the array holding y (default: y)")
    g.add_argument("--n-features", type=int, metavar="N",
                   help="svmlight: number of features (a split may not use the last ones)")
    g.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default , or tab for .tsv)")


def _add_problem_args(p, models, tol, alpha_help):
    g = p.add_argument_group("problem")
    g.add_argument("--model", choices=models, default=None,
                   help="lasso: L1 least squares; enet: elastic net; lp: |w|^p least squares; "
                        "logistic: two-class logistic (L1, or elastic net with --l1-ratio, or "
                        "Lp with --p). Default: lasso" if "lp" in models else
                        "lasso, enet or logistic (default: lasso)")
    if alpha_help:
        g.add_argument("--alpha", type=float, help="regularization strength (absolute)")
        g.add_argument("--alpha-ratio", type=float, help=alpha_help)
    g.add_argument("--l1-ratio", type=float,
                   help="elastic net's L1 share rho in [0, 1] (enet default 0.5)")
    g.add_argument("--tol", type=float, default=tol,
                   help=f"scale-free tolerance, times ||grad F(0, b0)||_inf (default {tol:g})")
    return g


def build_parser():
    """The argparse parser of ``python -m sparsecert``."""
    from . import __version__

    parser = _Parser(
        prog="sparsecert",
        description="Certified sparse linear models: fit, follow the regularization path, "
                    "and prove (or disprove) the optimality of any coefficients.",
        epilog="Run 'sparsecert COMMAND --help' for each command's options. Without a "
               "command, 'fit' runs on the built-in diabetes data.")
    parser.add_argument("--version", action="version", version=f"sparsecert {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    fit = sub.add_parser(
        "fit", help="fit a model and print it with its certificate",
        description="Fit a model on DATA and print a summary with the optimality "
                    "certificate. Without DATA: a Lasso on scikit-learn's diabetes data, timed "
                    "against scikit-learn. Exit status 0 if certified, 1 if not.")
    _add_data_args(fit, optional=True)
    g = _add_problem_args(fit, MODELS, 1e-6,
                          "alpha as a fraction of alpha_max (default 0.05 when no --alpha)")
    g.add_argument("--p", type=float, help="exponent of the Lp penalty (default 0.5)")
    g.add_argument("--max-iter", type=int, default=10000, help="default 10000")
    g.add_argument("--no-intercept", action="store_true", help="fit no intercept")
    o = fit.add_argument_group("output")
    o.add_argument("--out", metavar="FILE",
                   help="write coef, intercept, alpha, model and the certificate summary "
                        "(.npz, .json, or .csv with an (intercept) row)")
    o.add_argument("--top", type=int, default=10, help="features listed by explain (default 10)")
    o.add_argument("--repeat", type=int, default=5,
                   help="timing repetitions of the built-in job (default 5)")
    fit.set_defaults(func=cmd_fit)

    path = sub.add_parser(
        "path", help="regularization path with a certificate per alpha, optional CV",
        description="Solve a decreasing geometric grid of alphas from alpha_max with warm "
                    "starts, certifying each solution; optionally choose alpha by K-fold "
                    "cross-validation, save the path and plot it. Exit status 0 if every "
                    "alpha is certified, 1 if not.")
    _add_data_args(path)
    g = _add_problem_args(path, PATH_MODELS, 1e-4, None)
    g.add_argument("--n-alphas", type=int, default=100, help="grid length (default 100)")
    g.add_argument("--eps", type=float, default=1e-3,
                   help="the grid ends at eps * alpha_max (default 1e-3)")
    g.add_argument("--max-iter", type=int, default=1000, help="per alpha (default 1000)")
    g.add_argument("--no-intercept", action="store_true", help="fit no intercept")
    g.add_argument("--cv", type=int, metavar="K",
                   help="choose alpha by K-fold cross-validation (LassoCV/ElasticNetCV; "
                        "held-out log-loss for logistic)")
    o = path.add_argument_group("output")
    o.add_argument("--out", metavar="FILE.npz",
                   help="write alphas, coefs (n_features, n_alphas), intercepts, certified "
                        "flags, max violations (and the CV choice)")
    o.add_argument("--plot", metavar="FILE.png",
                   help="coefficient-path figure with the chosen alpha marked (matplotlib)")
    o.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar (it is also off when stderr is not a terminal)")
    path.set_defaults(func=cmd_path)

    cert = sub.add_parser(
        "certify", help="check coefficients from any tool; exit 0 if certified, 1 if not",
        description="Check the first-order optimality of coefficients COEF for the problem "
                    "on DATA given by --model/--alpha. COEF: .npz with 'coef' (and "
                    "optionally 'intercept'), .npy, .json or .csv as written by 'fit --out' "
                    "(whose model and alpha are reused unless given), or a one-column CSV. "
                    "Exit status 0 if certified, 1 if not, 2 on errors.")
    _add_data_args(cert)
    cert.add_argument("coef", metavar="COEF", help="coefficient file")
    g = _add_problem_args(cert, MODELS, 1e-4,
                          "alpha as a fraction of alpha_max (L1, elastic net)")
    g.add_argument("--p", type=float, help="exponent of the Lp penalty")
    g.add_argument("--no-intercept", action="store_true",
                   help="check the model without intercept (ignore one in COEF)")
    g.add_argument("--intercept", type=float, metavar="VALUE",
                   help="the intercept, when COEF holds none")
    cert.add_argument("--top", type=int, default=10, help="features listed (default 10)")
    cert.set_defaults(func=cmd_certify)
    return parser


def _one_line(exc):
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"sparsecert: warning: {_one_line(message)}", file=sys.stderr)


def main(argv=None):
    """Run the command line; returns the exit status (0, 1 not certified, 2 error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["fit"] + argv  # no command: the built-in fit, as before subcommands
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            args = build_parser().parse_args(argv)
            return args.func(args)
    except CLIError as exc:
        print(f"sparsecert: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1
    except KeyboardInterrupt:
        print("sparsecert: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, ArithmeticError, MemoryError, ImportError) as exc:
        if os.environ.get("SPARSECERT_DEBUG"):
            raise
        print(f"sparsecert: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line; SPARSECERT_DEBUG=1 shows the traceback
        if os.environ.get("SPARSECERT_DEBUG"):
            raise
        print(f"sparsecert: error: internal error ({type(exc).__name__}): {_one_line(exc)} "
              f"(set SPARSECERT_DEBUG=1 for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
