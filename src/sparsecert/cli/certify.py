"""``sparsecert certify DATA COEF``: check coefficients from any tool against a problem.

:func:`run` reads COEF (see :mod:`sparsecert.cli.coef_files`), settles the
problem from the options and from what ``fit --out`` recorded in the file
(model, alpha, l1_ratio, p and tol; an option given wins over the file),
checks first-order optimality with :func:`sparsecert.check_optimality` and
prints the certificate's explanation and a verdict. Exit status 0 if
certified, 1 if not.
"""

import numpy as np

import sparsecert as sc

from ..certificate import shortfall
from .coef_files import load_coef
from .data_files import data_from_args, describe_data
from .errors import CLIError
from .options import check_params
from .problem import DEFAULT_TOL, MODELS, check_target, problem_from_args, resolve_alpha


def run(args):
    """The ``certify`` command; returns the exit status."""
    check_params(args, default_model=None)
    coef, file_intercept, meta = load_coef(args.coef)
    intercept = _intercept(args, file_intercept)
    data = data_from_args(args)
    problem = _problem(args, meta, data, fit_intercept=intercept is not None)
    _check_width(args, coef, data)
    data.y = check_target(problem, data.y)
    coef = _check_tasks(args, problem, coef, data.y)
    _check_classes(args, problem, meta)
    same_problem = args.model is None or args.model == meta.get("model")
    fallback = meta.get("alpha") if same_problem else None
    if fallback is None and args.alpha is None and args.alpha_ratio is None:
        raise CLIError(f"{args.coef} records no alpha (only the files 'sparsecert fit --out' "
                       f"writes do): give --alpha or --alpha-ratio")
    alpha, origin = resolve_alpha(args, problem, data.X, data.y, fallback=fallback)
    tol, tol_origin = _tol(args, meta if same_problem else {})
    print(describe_data(data))
    print(f"problem: {problem.describe(alpha)} [{origin}]; tol={tol:g} [{tol_origin}]")
    if intercept is None and not args.no_intercept and meta.get("fit_intercept", True):
        print(f"note: {args.coef} holds no intercept: checking the model without one "
              f"(give --intercept VALUE to check it with one)")
    if problem.one_vs_rest:
        return _certify_one_vs_rest(args, problem, data, coef, intercept, alpha, tol)
    cert = sc.check_optimality(data.X, data.y, coef, intercept, datafit=problem.datafit,
                               penalty=problem.penalty(alpha), tol=tol)
    print()
    print(cert.explain(feature_names=data.feature_names, top=args.top))
    print()
    if cert.converged:
        print("CERTIFIED: these coefficients satisfy the optimality condition within tol.")
    else:
        print(f"NOT CERTIFIED: {shortfall(cert)}.")
    return 0 if cert.converged else 1


def _certify_one_vs_rest(args, problem, data, coef, intercept, alpha, tol):
    """Row k of COEF checked as class k's binary problem (that class against the
    rest), each with its own certificate; certified when every class is."""
    K = problem.classes.shape[0]
    if intercept is not None and np.ndim(intercept) == 0:
        raise CLIError(f"one-vs-rest has an intercept per class: {args.coef} or --intercept "
                       f"gives one value for {K} classes")
    if intercept is not None and np.shape(intercept) != (K,):
        raise CLIError(f"inconsistent shapes: {K} classes but {np.size(intercept)} intercepts")
    failed = []
    for k, (label, y_pm) in enumerate(zip(problem.classes, problem.binary_targets(data.y))):
        cert = sc.check_optimality(data.X, y_pm, coef[k],
                                   None if intercept is None else intercept[k],
                                   datafit="logistic", penalty=problem.penalty(alpha), tol=tol)
        print(f"\nclass {label!s} against the rest:")
        print(cert.explain(feature_names=data.feature_names, top=args.top))
        if not cert.converged:
            failed.append(f"class {label!s}: {shortfall(cert)}")
    print()
    if not failed:
        print(f"CERTIFIED: the {K} one-vs-rest problems' coefficients satisfy the "
              f"optimality condition within tol.")
        return 0
    print("NOT CERTIFIED: " + "; ".join(failed) + ".")
    return 1


def _tol(args, meta):
    """(tol, where it came from): --tol, else the tol of the fit that wrote COEF, else the
    default. Printed, since a file's loose tol would certify loose coefficients."""
    if args.tol is not None:
        return args.tol, "given"
    if "tol" in meta:
        return float(meta["tol"]), "from COEF"
    return DEFAULT_TOL, "default"


def _intercept(args, file_intercept):
    """The intercept to check: None with --no-intercept, else --intercept, else COEF's."""
    if args.no_intercept:
        return None
    if args.intercept is not None:
        return float(args.intercept)
    return file_intercept


def _problem(args, meta, data, fit_intercept):
    """The Problem the options name, completed by what COEF recorded (``meta``)."""
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
    if model in ("lasso", "enet", "group", "multitask"):
        p = None
    file_groups = model == "logistic" and meta.get("penalty") == "group_lasso" \
        and (args.model is None or args.model == meta.get("model"))
    if (model == "group" or file_groups) and args.groups is None:
        raise CLIError("a group-lasso model needs --groups FILE (one group label per feature) "
                       "or --groups K")
    multi_class, grouped = args.multi_class, args.grouped
    if model == "logistic" and (args.model is None or args.model == meta.get("model")):
        multi_class = multi_class or meta.get("multi_class")
        if grouped is None and l1_ratio is None and p is None:
            grouped = meta.get("penalty") == "grouped"
    return problem_from_args(args, data, model=model, l1_ratio=l1_ratio, p=p,
                             fit_intercept=fit_intercept, multi_class=multi_class,
                             grouped=grouped)


def _check_tasks(args, problem, coef, Y):
    """COEF as the model needs it: (n_tasks, n_features) for --model multitask
    (one row per target of DATA), (n_classes, n_features) for the multinomial
    model, 1-D otherwise."""
    if problem.classes is not None:  # multinomial, or one-vs-rest: a row per class
        K = problem.classes.shape[0]
        if coef.ndim != 2 or coef.shape[0] != K:
            raise CLIError(f"inconsistent shapes: y has {K} classes, so {args.coef} must hold "
                           f"{K} rows of coefficients (one per class, in sorted order); it "
                           f"holds {coef.shape[0] if coef.ndim == 2 else 1}")
        return coef
    if problem.model == "logistic" and coef.ndim == 2:
        raise CLIError(f"{args.coef} holds {coef.shape[0]} rows of coefficients (a "
                       f"multinomial model) but y has two classes")
    if problem.model != "multitask":
        if coef.ndim == 2:
            raise CLIError(f"{args.coef} holds {coef.shape[0]} rows of coefficients (a "
                           f"multi-task model): give --model multitask and several targets")
        return coef
    coef = np.atleast_2d(coef)
    if coef.shape[0] != Y.shape[1]:
        raise CLIError(f"inconsistent shapes: {args.coef} holds coefficients for "
                       f"{coef.shape[0]} target(s) but y has {Y.shape[1]}")
    return coef


def _check_classes(args, problem, meta):
    """Fail when COEF records class labels (its rows) other than y's."""
    recorded = meta.get("classes")
    if problem.classes is None or recorded is None:
        return
    ours = [str(c) for c in problem.classes]
    if [str(c) for c in recorded] != ours:
        raise CLIError(f"{args.coef} holds the coefficients of classes {recorded} but y's "
                       f"classes are {ours}")


def _check_width(args, coef, data):
    """Fail unless COEF holds one coefficient per feature of DATA."""
    n_features = data.X.shape[1]
    if coef.shape[-1] != n_features:
        raise CLIError(f"inconsistent shapes: {args.coef} holds {coef.shape[-1]} coefficients "
                       f"but {args.data} has {n_features} features"
                       + (" (set --n-features)" if coef.shape[-1] > n_features
                          and "(svmlight)" in data.source else ""))
