"""``sparsecert fit [DATA]``: fit one model, print it with its certificate, optionally save it.

:func:`run` fits the model the options name on DATA. Without DATA it runs
the README's quick start (:func:`run_builtin`): a Lasso on scikit-learn's
diabetes data, printed coefficient by coefficient and timed against
scikit-learn at the same certificate tolerance. Exit status 0 if the fit is
certified, 1 if not.
"""

import time

import numpy as np

import sparsecert as sc

from .coef_files import save_coef
from .data_files import data_from_args, describe_data
from .errors import CLIError
from .options import check_output, check_params
from .problem import Problem, check_target, problem_from_args, resolve_alpha

OUTPUT_SUFFIXES = (".npz", ".json", ".csv")


def run(args):
    """The ``fit`` command; returns the exit status."""
    if args.data is None:
        _reject_data_options(args, "fit")
        return run_builtin(args)
    check_params(args)
    check_output(args.out, OUTPUT_SUFFIXES)
    data = data_from_args(args)
    problem = problem_from_args(args, data)
    data.y = check_target(problem, data.y)
    alpha, origin = resolve_alpha(args, problem, data.X, data.y, default_ratio=0.05)
    est = _estimator(problem, alpha, args)
    print(describe_data(data))
    print(f"model: {problem.describe(alpha)} [{origin}]")
    t0 = time.perf_counter()
    est.fit(data.X, data.y)
    elapsed = time.perf_counter() - t0
    coef, intercept = _coef_of(est, problem)
    cert = est.certificate_
    print(f"fit time: {elapsed:.3f} s (a new process's first fit includes loading the "
          f"compiled kernels)")
    if isinstance(cert, list):  # one-vs-rest: a binary fit and certificate per class
        _print_one_vs_rest(problem, coef, intercept, cert, data, args)
    else:
        print(f"nonzeros: {_nonzeros(coef, problem)}, objective={cert.objective:.10g}"
              f"{_intercept_text(intercept)}")
        print()
        print(cert.explain(feature_names=data.feature_names, top=args.top))
    if args.out:
        task_names = data.target_names
        if problem.classes is not None:
            task_names = [str(c) for c in problem.classes]
        save_coef(args.out, coef, intercept, meta=problem.meta(alpha, args.tol), cert=cert,
                  feature_names=data.feature_names, task_names=task_names)
        print(f"\nwrote {args.out}")
    return 0 if all_certified(cert) else 1


def all_certified(cert):
    """A certificate's verdict, or (one-vs-rest: a list) all of theirs."""
    return all(c.converged for c in cert) if isinstance(cert, list) else bool(cert.converged)


def _print_one_vs_rest(problem, coef, intercept, certs, data, args):
    """Each class's binary fit and certificate."""
    for k, (label, cert) in enumerate(zip(problem.classes, certs)):
        icpt = "" if intercept is None else f", intercept={intercept[k]:.6g}"
        print(f"\nclass {label!s} against the rest: nonzeros "
              f"{np.count_nonzero(coef[k])}/{coef.shape[1]}, objective={cert.objective:.10g}"
              f"{icpt}")
        print(cert.explain(feature_names=data.feature_names, top=args.top))


def _coef_of(est, problem):
    """(coef, intercept or None) of a fitted estimator: coef (n_features,), or
    (n_tasks, n_features) and intercept (n_tasks,) for --model multitask, and
    (n_classes, n_features), (n_classes,) for logistic with more than two classes."""
    if problem.model == "multitask" or problem.classes is not None:
        coef = np.asarray(est.coef_, dtype=np.float64)
        return coef, (np.asarray(est.intercept_, dtype=np.float64) if problem.fit_intercept
                      else None)
    coef = np.asarray(est.coef_, dtype=np.float64).reshape(-1)
    return coef, float(np.ravel(est.intercept_)[0]) if problem.fit_intercept else None


def _nonzeros(coef, problem):
    if coef.ndim == 2:
        used = int(np.count_nonzero(np.any(coef != 0, axis=0)))
        if problem.classes is not None:
            return (f"{used}/{coef.shape[1]} features ({np.count_nonzero(coef)} of the "
                    f"{coef.size} class coefficients)")
        return f"{used}/{coef.shape[1]} features (used by all {coef.shape[0]} targets)"
    return f"{np.count_nonzero(coef)}/{coef.shape[0]}"


def _intercept_text(intercept):
    if intercept is None:
        return ""
    if np.ndim(intercept):
        return ", intercepts=[" + ", ".join(f"{b:.6g}" for b in intercept) + "]"
    return f", intercept={intercept:.6g}"


def _reject_data_options(args, command):
    for opt, dest in (("--target", "target"), ("--target-column", "target_column"),
                      ("--groups", "groups"),
                      ("--n-features", "n_features"), ("--l1-ratio", "l1_ratio"), ("--p", "p"),
                      ("--no-intercept", "no_intercept")):
        if getattr(args, dest, None) not in (None, False):
            raise CLIError(f"{opt} needs a DATA file (without DATA, {command} runs the "
                           f"built-in diabetes Lasso)")
    check_params(args)


def _estimator(problem, alpha, args):
    """The unfitted estimator of ``problem`` at ``alpha``."""
    common = dict(alpha=alpha, fit_intercept=problem.fit_intercept, tol=args.tol,
                  max_iter=args.max_iter)
    if problem.model == "lasso":
        return sc.Lasso(**common)
    if problem.model == "enet":
        return sc.ElasticNet(l1_ratio=problem.l1_ratio, **common)
    if problem.model == "lp":
        return sc.LpRegression(p=problem.p, **common)
    if problem.model == "group" and problem.l1_ratio:
        return sc.SparseGroupLasso(groups=problem.groups, l1_ratio=problem.l1_ratio, **common)
    if problem.model == "group":
        return sc.GroupLasso(groups=problem.groups, **common)
    if problem.kind == "group_lasso":  # logistic with --groups
        return sc.GroupLogisticRegression(groups=problem.groups, l1_ratio=problem.l1_ratio,
                                          **common)
    if problem.model == "multitask":
        if problem.l1_ratio == 1.0:
            return sc.MultiTaskLasso(**common)
        return sc.MultiTaskElasticNet(l1_ratio=problem.l1_ratio, **common)
    if not hasattr(sc, "SparseLogisticRegression"):
        raise CLIError("--model logistic needs sparsecert.SparseLogisticRegression, which this "
                       "version does not have ('path' and 'certify' handle logistic already)")
    kw = {}
    if problem.kind == "elasticnet":
        kw["l1_ratio"] = problem.l1_ratio
    if problem.kind == "lp":
        kw["p"] = problem.p
    return sc.SparseLogisticRegression(penalty=problem.kind, multi_class=problem.multi_class,
                                       **kw, **common)


# --------------------------------------------------------------------------
# the built-in job of the README's quick start


def run_builtin(args):
    """``fit`` without DATA: the diabetes Lasso, printed and timed against scikit-learn."""
    check_output(args.out, OUTPUT_SUFFIXES)
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
    _time_against_sklearn(X, y, alpha, args, cert, first)
    if args.out:
        meta = Problem("lasso").meta(alpha, args.tol)
        save_coef(args.out, est.coef_, float(est.intercept_), meta=meta, cert=cert,
                  feature_names=names)
        print(f"\nwrote {args.out}")
    return 0 if cert.converged else 1


def _load_builtin():
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    return data.data, data.target, list(data.feature_names), "scikit-learn diabetes (442 x 10)"


def _time_against_sklearn(X, y, alpha, args, cert, first):
    """Print the best-of-``--repeat`` times of our Lasso and scikit-learn's, equally certified."""
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


def _best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
