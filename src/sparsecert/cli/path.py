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
import warnings

import numpy as np

import sparsecert as sc

from .data_files import data_from_args, describe_data
from .errors import CLIError
from .options import check_output, check_params
from .fit import all_certified
from .problem import Problem, alpha_max, check_target, problem_from_args

PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def run(args):
    """The ``path`` command; returns the exit status."""
    check_params(args)
    _check_path_options(args)
    problem = Problem(args.model or "lasso", args.l1_ratio, None, not args.no_intercept,
                      groups=args.groups)
    if problem.rho is None:
        raise CLIError("--l1-ratio 0 (ridge) has no alpha_max and no sparsity path; "
                       "use --l1-ratio > 0")
    if args.plot and problem.model == "multitask":
        raise CLIError("--plot draws one coefficient per feature and alpha; a multi-task "
                       "path has one per target (save it with --out instead)")
    if args.plot:
        _require_matplotlib("--plot")
    data = data_from_args(args)
    problem = problem_from_args(args, data)
    data.y = check_target(problem, data.y)
    if args.plot and problem.classes is not None:
        raise CLIError(f"--plot draws one coefficient per feature and alpha; a "
                       f"{'one-vs-rest' if problem.one_vs_rest else 'multinomial'} path has "
                       f"one per class (save it with --out instead)")
    print(describe_data(data))
    t0 = time.perf_counter()
    res = _run_path(data.X, data.y, problem, args)
    elapsed = time.perf_counter() - t0
    certified = np.array([all_certified(c) for c in res.certificates])
    # features in use at each alpha (by all targets at once, for multitask)
    nnz = np.count_nonzero(res.coefs if res.coefs.ndim == 2 else np.any(res.coefs, axis=0),
                           axis=0)
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
    if args.cv is None and (args.seed is not None or args.no_shuffle):
        raise CLIError(f"{'--seed' if args.seed is not None else '--no-shuffle'} applies to "
                       f"--cv K")
    if args.seed is not None and args.no_shuffle:
        raise CLIError("give --seed (shuffled folds) or --no-shuffle, not both")
    if args.seed is not None and not 0 <= args.seed < 2 ** 32:
        raise CLIError(f"--seed must be in [0, 2**32); got {args.seed}")
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
    if problem.one_vs_rest:  # each class's path in turn
        n *= problem.classes.shape[0]
    with _progress(n, desc, args.quiet) as bar:
        def on_alpha(k, alpha, cert):
            bar.set_postfix(alpha=f"{alpha:.3g}", nnz=cert.n_nonzero, refresh=False)
            bar.update(1)

        common = dict(alphas=alphas, n_alphas=args.n_alphas, eps=args.eps, tol=args.tol,
                      max_iter=args.max_iter, fit_intercept=problem.fit_intercept,
                      callback=on_alpha)
        if problem.model == "group":
            return sc.sparse_group_lasso_path(X, y, groups=problem.groups,
                                              l1_ratio=problem.l1_ratio, **common)
        if problem.kind == "group_lasso":  # logistic with --groups (one-vs-rest for k > 2)
            return sc.group_logistic_path(X, y, groups=problem.groups,
                                          l1_ratio=problem.l1_ratio, **common)
        if problem.one_vs_rest:
            return _one_vs_rest_path(X, y, problem, common)
        if problem.model == "multitask":
            return sc.multitask_enet_path(X, y, l1_ratio=problem.l1_ratio, **common)
        if problem.datafit == "multinomial":
            return sc.multinomial_path(X, y, penalty=problem.kind,
                                       l1_ratio=problem.l1_ratio or 1.0, **common)
        return sc.regularization_path(
            X, y, datafit=problem.datafit, penalty=problem.penalty(0.0),
            solver=_path_solver(problem), **common)


def _one_vs_rest_path(X, y, problem, common):
    """One logistic path per class (that class against the rest) on one grid,
    from the largest of their alpha_max: as SparseLogisticRegression(multi_class="ovr")."""
    from ..path_blocks import one_vs_rest_path

    if common["alphas"] is None:
        top = alpha_max(problem, X, y)
        common = dict(common, alphas=np.geomspace(top, top * common["eps"],
                                                  num=common["n_alphas"]))
    return one_vs_rest_path(problem.classes, problem.binary_targets(y), lambda y_pm: (
        sc.regularization_path(X, y_pm, datafit="logistic", penalty=problem.penalty(0.0),
                               solver=_path_solver(problem), **common)))


def _scalars(cert):
    """(objective, max violation) of an alpha's certificate; one-vs-rest (a list,
    one per class): the sum of the classes' objectives and the largest violation."""
    if isinstance(cert, list):
        return sum(c.objective for c in cert), max(c.max_violation for c in cert)
    return cert.objective, cert.max_violation


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
        objective, violation = _scalars(res.certificates[k])
        print(f"  {k:4d} {res.alphas[k]:11.4g} {nnz[k]:9d} {objective:14.8g} "
              f"{violation:14.3g} {certified[k]}")


def _cross_validate(data, problem, args, grid, nnz):
    """(chosen alpha, the arrays --out saves about it); prints the choice.

    Warns when the chosen model predicts the held-out rows no better than a
    constant does (:func:`_null_score`).
    """
    if not args.quiet:
        print(f"cross-validating ({args.cv} folds) ...", file=sys.stderr, flush=True)
    folds = _folds(args, problem)
    if problem.datafit in ("logistic", "multinomial"):
        chosen, score, label = _cv_logistic(data, problem, args, grid, folds)
    else:
        chosen, score, label = _cv_quadratic(data, problem, args, grid, folds)
    splits = list(folds.split(np.zeros((data.X.shape[0], 1)), data.y))
    null, null_label = _null_score(data.y, problem, splits)
    k = int(np.argmin(np.abs(grid - chosen)))
    order = ("of consecutive rows, not shuffled" if args.no_shuffle
             else f"shuffled, --seed {folds.random_state}")
    print(f"cross-validation ({args.cv} folds): alpha={chosen:.6g} (k={k}, "
          f"{nnz[k]} nonzeros), {label} {score[k]:.6g} ({null_label}: {null:.6g}; folds {order})")
    if not score[k] < null:
        hint = ("; the folds follow the file's order: drop --no-shuffle if its rows are sorted"
                if args.no_shuffle else "")
        warnings.warn(f"cross-validation: the chosen alpha's {label} {score[k]:.6g} is no better "
                      f"than {null_label} ({null:.6g}): the features do not predict y on "
                      f"held-out rows{hint}", UserWarning, stacklevel=2)
    return chosen, dict(chosen_alpha=chosen, cv_score=score, cv_score_name=label,
                        cv_folds=args.cv, cv_shuffle=not args.no_shuffle,
                        cv_seed=-1 if args.no_shuffle else folds.random_state,
                        cv_null_score=null)


def _folds(args, problem):
    """K folds (stratified for logistic), shuffled with --seed (default 0) unless --no-shuffle."""
    from sklearn.model_selection import KFold, StratifiedKFold

    kind = StratifiedKFold if problem.model == "logistic" else KFold
    if args.no_shuffle:
        return kind(n_splits=args.cv)
    return kind(n_splits=args.cv, shuffle=True, random_state=0 if args.seed is None else args.seed)


def _null_score(y, problem, splits):
    """(score, its name) of the best constant prediction, by the CV score's measure.

    The smaller of the mean held-out score of each training fold's mean (class
    frequency for logistic; 0, or p=0.5, without intercept) and the score of
    the whole target's mean on the whole target (its variance): on folds of
    a sorted file the training-fold mean is far off, the variance is not.
    """
    def score(centre, rows):
        if problem.datafit == "logistic":
            share = np.clip(centre, 1e-12, 1 - 1e-12)
            return -np.mean(np.where(positive[rows], np.log(share), np.log1p(-share)))
        return np.mean((target[rows] - centre) ** 2)

    if problem.datafit == "multinomial":
        return _null_multinomial(y, problem, splits)
    if problem.datafit == "logistic":
        classes = np.unique(y)
        # a column per binary problem (one-vs-rest: per class), whose losses average
        positive = y[:, np.newaxis] == (classes[1:] if len(classes) == 2 else classes)
        target, constant = positive.astype(np.float64), 0.5
    else:
        target, constant = np.asarray(y, dtype=np.float64), 0.0
    every = np.arange(len(y))
    if not problem.fit_intercept:
        return float(score(constant, every)), f"predicting {constant:g}"
    # per target (column) for several targets, whose MSE is their mean
    held_out = float(np.mean([score(target[train].mean(axis=0), test)
                              for train, test in splits]))
    whole = float(score(target.mean(axis=0), every))
    what = "class frequency" if problem.datafit == "logistic" else "mean"
    if held_out <= whole:
        return held_out, f"predicting the training fold's {what}"
    return whole, f"predicting y's {what} on all of y"


def _null_multinomial(y, problem, splits):
    """:func:`_null_score` of the multinomial model: the held-out log-loss of
    predicting the training fold's class frequencies (uniform without
    intercept), or the class frequencies of all of y on all of y."""
    classes, yi = np.unique(y, return_inverse=True)
    K = classes.shape[0]

    def score(freq, rows):
        return -np.mean(np.log(np.maximum(freq[yi[rows]], 1e-12)))

    every = np.arange(len(y))
    if not problem.fit_intercept:
        return float(score(np.full(K, 1.0 / K), every)), f"predicting 1/{K} per class"
    held_out = float(np.mean([score(np.bincount(yi[train], minlength=K) / len(train), test)
                              for train, test in splits]))
    whole = float(score(np.bincount(yi, minlength=K) / len(y), every))
    if held_out <= whole:
        return held_out, "predicting the training fold's class frequency"
    return whole, "predicting y's class frequency on all of y"


def _cv_quadratic(data, problem, args, grid, folds):
    kw = dict(alphas=grid, cv=folds, tol=args.tol, max_iter=args.max_iter,
              fit_intercept=problem.fit_intercept)
    if problem.model == "group" and problem.l1_ratio:
        est = sc.SparseGroupLassoCV(groups=problem.groups, l1_ratio=problem.l1_ratio, **kw)
    elif problem.model == "group":
        est = sc.GroupLassoCV(groups=problem.groups, **kw)
    elif problem.model == "multitask" and problem.l1_ratio == 1.0:
        est = sc.MultiTaskLassoCV(**kw)
    elif problem.model == "multitask":
        est = sc.MultiTaskElasticNetCV(l1_ratio=problem.l1_ratio, **kw)
    elif problem.kind == "elasticnet":
        est = sc.ElasticNetCV(l1_ratio=problem.l1_ratio, **kw)
    else:
        est = sc.LassoCV(**kw)
    est.fit(data.X, data.y)
    mse = np.asarray(est.mse_path_).reshape(len(grid), -1)
    return float(est.alpha_), mse.mean(axis=1), "mean held-out MSE"


def _cv_logistic(data, problem, args, grid, folds):
    """Per-fold logistic paths on the full-data grid; held-out mean log-loss."""
    X, y = data.X, data.y
    classes = np.unique(y)
    splits = list(folds.split(np.zeros((len(y), 1)), y))
    losses = np.zeros((len(grid), len(splits)))
    for f, (train, test) in enumerate(splits):
        res = _run_path(X[train], y[train], problem, args, alphas=grid,
                        desc=f"cv fold {f + 1}/{len(splits)}")
        if problem.datafit == "multinomial":
            losses[:, f] = _multinomial_log_loss(X[test], np.searchsorted(classes, y[test]),
                                                 res)
            continue
        # one-vs-rest: the mean over the classes of each binary problem's loss
        coefs = res.coefs.reshape(-1, X.shape[1], len(grid)).astype(np.float64)
        icpts = res.intercepts.reshape(-1, len(grid))
        positives = classes[1:] if len(classes) == 2 else classes
        losses[:, f] = np.mean([
            np.logaddexp(0.0, -np.where(y[test] == c, 1.0, -1.0)[:, np.newaxis]
                         * (X[test] @ w + b[np.newaxis, :])).mean(axis=0)
            for c, w, b in zip(positives, coefs, icpts)], axis=0)
    mean = losses.mean(axis=1)
    return float(grid[int(np.argmin(mean))]), mean, "mean held-out log-loss"


def _multinomial_log_loss(X_test, yi, res):
    """The mean held-out log-loss of each alpha of a multinomial path."""
    from scipy.special import logsumexp

    out = np.empty(res.alphas.shape[0])
    rows = np.arange(yi.shape[0])
    for k in range(out.shape[0]):
        Z = np.asarray(X_test @ res.coefs[..., k].T.astype(np.float64)) + res.intercepts[:, k]
        out[k] = np.mean(logsumexp(Z, axis=1) - Z[rows, yi])
    return out


def _save_path(out, res, problem, data, certified, nnz, extra):
    """Write the path (and the CV choice in ``extra``) as one ``.npz``."""
    arrays = dict(alphas=res.alphas, coefs=res.coefs, intercepts=res.intercepts,
                  certified=certified, dual_gaps=res.dual_gaps, n_iters=res.n_iters,
                  n_nonzero=nnz,
                  max_violations=np.array([_scalars(c)[1] for c in res.certificates]),
                  model=problem.model, l1_ratio=np.nan if problem.l1_ratio is None
                  else problem.l1_ratio, fit_intercept=problem.fit_intercept, **extra)
    if data.feature_names is not None:
        arrays["feature_names"] = np.asarray(data.feature_names, dtype=str)
    if problem.classes is not None:  # coefs (n_classes, n_features, n_alphas)
        arrays["classes"] = np.asarray(problem.classes).astype(str)
        arrays["penalty"] = problem.kind
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
