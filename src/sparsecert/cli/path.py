"""``sparsecert path DATA``: a certified regularization path, optional CV, saved and plotted.

:func:`run` solves a decreasing geometric grid of alphas from alpha_max with
warm starts (a progress bar on stderr), prints a table of a few of them,
optionally chooses alpha by K-fold cross-validation (``--cv``), and writes
the path (``--out``) and its figure (``--plot``). Exit status 0 if every
alpha is certified, 1 if not. (The library's path solver is
:mod:`sparsecert.path`; this module is only its command.)
"""

import sys
import time

import numpy as np

import sparsecert as sc

from .data_files import data_from_args, describe_data
from .errors import CLIError
from .options import check_output, check_params
from .problem import Problem, check_target

PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def run(args):
    """The ``path`` command; returns the exit status."""
    check_params(args)
    _check_path_options(args)
    problem = Problem(args.model or "lasso", args.l1_ratio, None, not args.no_intercept)
    if problem.rho is None:
        raise CLIError("--l1-ratio 0 (ridge) has no alpha_max and no sparsity path; "
                       "use --l1-ratio > 0")
    if args.plot:
        _require_matplotlib("--plot")
    data = data_from_args(args)
    check_target(problem, data.y)
    print(describe_data(data))
    t0 = time.perf_counter()
    res = _run_path(data.X, data.y, problem, args)
    elapsed = time.perf_counter() - t0
    certified = np.array([c.converged for c in res.certificates])
    nnz = np.count_nonzero(res.coefs, axis=0)
    _print_path(problem, res, certified, nnz, elapsed)
    chosen = None
    extra = {}
    if args.cv is not None:
        chosen, extra = _cross_validate(data, problem, args, res.alphas, nnz)
    if args.out:
        _save_path(args.out, res, problem, data, certified, nnz, extra)
        print(f"wrote {args.out}")
    if args.plot:
        from .. import plot

        fig = plot.path(res, chosen_alpha=chosen, feature_names=data.feature_names)
        _save_figure(fig, args.plot)
        print(f"wrote {args.plot}")
    return 0 if certified.all() else 1


def _check_path_options(args):
    """What check_params does not know about: the grid, the folds and the output files."""
    if args.n_alphas < 1:
        raise CLIError(f"--n-alphas must be >= 1; got {args.n_alphas}")
    if not args.eps > 0:
        raise CLIError(f"--eps must be > 0; got {args.eps:g}")
    if args.cv is not None and args.cv < 2:
        raise CLIError(f"--cv must be >= 2 folds; got {args.cv}")
    check_output(args.out, (".npz",))
    check_output(args.plot, PLOT_SUFFIXES)


def _progress(total, desc, quiet):
    """A tqdm bar on stderr, disabled with --quiet or when stderr is not a terminal."""
    from tqdm import tqdm

    disable = quiet or not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(total=total, desc=desc, unit="alpha", file=sys.stderr, disable=disable,
                leave=False, dynamic_ncols=True)


def _path_solver(problem):
    # coordinate descent handles the logistic datafit once the proximal
    # Newton solver (shipped with SparseLogisticRegression) is present
    if problem.datafit == "logistic" and not hasattr(sc, "SparseLogisticRegression"):
        return "fista"
    return "auto"


def _run_path(X, y, problem, args, alphas=None, desc="path"):
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


def _print_path(problem, res, certified, nnz, elapsed):
    """The path's summary and a table of at most 8 evenly spaced alphas."""
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


def _cross_validate(data, problem, args, grid, nnz):
    """(chosen alpha, the arrays --out saves about it); prints the choice."""
    if not args.quiet:
        print(f"cross-validating ({args.cv} folds) ...", file=sys.stderr, flush=True)
    if problem.datafit == "logistic":
        chosen, score, label = _cv_logistic(data, problem, args, grid)
    else:
        chosen, score, label = _cv_quadratic(data, problem, args, grid)
    k = int(np.argmin(np.abs(grid - chosen)))
    print(f"cross-validation ({args.cv} folds): alpha={chosen:.6g} (k={k}, "
          f"{nnz[k]} nonzeros), {label} {score[k]:.6g}")
    return chosen, dict(chosen_alpha=chosen, cv_score=score, cv_score_name=label,
                        cv_folds=args.cv)


def _cv_quadratic(data, problem, args, grid):
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


def _save_path(out, res, problem, data, certified, nnz, extra):
    """Write the path (and the CV choice in ``extra``) as one ``.npz``."""
    arrays = dict(alphas=res.alphas, coefs=res.coefs, intercepts=res.intercepts,
                  certified=certified, dual_gaps=res.dual_gaps, n_iters=res.n_iters,
                  n_nonzero=nnz,
                  max_violations=np.array([c.max_violation for c in res.certificates]),
                  model=problem.model, l1_ratio=np.nan if problem.l1_ratio is None
                  else problem.l1_ratio, fit_intercept=problem.fit_intercept, **extra)
    if data.feature_names is not None:
        arrays["feature_names"] = np.asarray(data.feature_names, dtype=str)
    try:
        np.savez(out, **arrays)
    except OSError as exc:
        raise CLIError(f"cannot write {out}: {exc.strerror or exc}") from None


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
