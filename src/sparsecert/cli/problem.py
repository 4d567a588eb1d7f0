"""What the options say about the problem: :class:`Problem`, its target and its alpha.

:class:`Problem` turns ``--model``, ``--l1-ratio``, ``--p`` and the intercept
into a datafit, a penalty kind and its parameters, and describes itself in
the commands' summaries; :func:`check_target` checks y fits the datafit;
:func:`resolve_alpha` reads ``--alpha`` / ``--alpha-ratio`` (with
:func:`alpha_max`). Shared by ``fit``, ``path`` and ``certify``.
"""

import numpy as np

import sparsecert as sc

from .errors import CLIError

MODELS = ("lasso", "enet", "lp", "logistic", "group", "multitask")
# no lp: a path starts at alpha_max, which Lp (p < 1) lacks
PATH_MODELS = ("lasso", "enet", "logistic", "group", "multitask")
# the models whose penalty acts on blocks of coefficients (--groups; several targets)
BLOCK_MODELS = ("group", "multitask")
# every command's default --tol: the estimators' (and scikit-learn's) default
DEFAULT_TOL = 1e-4


class Problem:
    """What the options say about the problem: datafit, penalty kind and parameters."""

    def __init__(self, model, l1_ratio=None, p=None, fit_intercept=True, groups=None,
                 multi_class="multinomial", grouped=False):
        self.model = model
        # "multinomial" once check_target has seen more than two classes (and
        # multi_class is "multinomial")
        self.datafit = "logistic" if model == "logistic" else "quadratic"
        self.multi_class = multi_class if model == "logistic" else None
        self.classes = None  # the sorted labels of a logistic y with more than two classes
        self.kind = kind = _penalty_kind(model, l1_ratio, p, grouped, groups is not None)
        self.l1_ratio = (0.5 if l1_ratio is None else float(l1_ratio)) if kind == "elasticnet" else None
        if kind == "multitask":  # the multi-task lasso, or its elastic net with --l1-ratio
            self.l1_ratio = 1.0 if l1_ratio is None else float(l1_ratio)
        if kind == "group_lasso":  # the group lasso, or the sparse-group lasso with --l1-ratio
            self.l1_ratio = 0.0 if l1_ratio is None else float(l1_ratio)
        self.p = (0.5 if p is None else float(p)) if kind == "lp" else None
        self.fit_intercept = fit_intercept
        # --model group, logistic with --groups: one label per feature, or a group size
        self.groups = groups

    @property
    def one_vs_rest(self):
        """True for logistic with more than two classes fitted one class against the rest."""
        return self.classes is not None and self.datafit == "logistic"

    def binary_targets(self, y):
        """y as +1 / -1 for each class against the rest (one-vs-rest)."""
        return [np.where(y == c, 1.0, -1.0) for c in self.classes]

    @property
    def rho(self):
        """The L1 share (None when the penalty has no alpha_max)."""
        if self.kind in ("l1", "group_lasso", "grouped") or (self.kind == "lp" and self.p == 1.0):
            return 1.0
        if self.kind in ("elasticnet", "multitask") and self.l1_ratio > 0:
            return self.l1_ratio
        return None

    def penalty(self, alpha):
        from .. import penalties  # imports Numba: not at start-up

        if self.kind == "group_lasso" and self.l1_ratio == 0:
            return penalties.GroupLasso(alpha=float(alpha), groups=self.groups)
        if self.kind == "group_lasso":
            return penalties.SparseGroupLasso(alpha=float(alpha), groups=self.groups,
                                              l1_ratio=self.l1_ratio)
        if self.kind == "multitask":
            return penalties.MultiTaskL21(alpha=float(alpha), l1_ratio=self.l1_ratio)
        if self.kind == "grouped" and self.datafit == "multinomial":
            return penalties.MultiTaskL21(alpha=float(alpha))
        if self.kind in ("l1", "grouped"):  # grouped, two classes: one coefficient per feature
            return penalties.L1(alpha=float(alpha))
        if self.kind == "elasticnet":
            return penalties.ElasticNet(alpha=float(alpha), l1_ratio=self.l1_ratio)
        return penalties.Lp(alpha=float(alpha), p=self.p)

    def describe(self, alpha):
        extra = ""
        if self.kind == "elasticnet" or (self.kind == "multitask" and self.l1_ratio != 1.0):
            extra = f", l1_ratio={self.l1_ratio:g}"
        elif self.kind == "lp":
            extra = f", p={self.p:g}"
        elif self.kind == "group_lasso":
            extra = f", {_count_groups(self.groups)} groups"
            if self.l1_ratio:
                extra += f", l1_ratio={self.l1_ratio:g}"
        pen = {"l1": "L1", "elasticnet": "elastic net", "lp": "Lp",
               "group_lasso": "sparse-group lasso" if self.l1_ratio else "group lasso",
               "multitask": "L2,1 (multi-task)", "grouped": "grouped (over the classes)"
               }[self.kind]
        if self.classes is not None:
            extra += f", {self.classes.shape[0]} classes"
            if self.datafit != "multinomial":
                extra += ", one-vs-rest"
        icpt = "" if self.fit_intercept else ", no intercept"
        return f"{self.model} ({self.datafit} datafit + {pen} penalty{extra}{icpt}), alpha={alpha:.6g}"

    def meta(self, alpha, tol):
        """What ``fit --out`` records for ``certify`` to reuse."""
        meta = dict(model=self.model, alpha=float(alpha), l1_ratio=self.l1_ratio, p=self.p,
                    fit_intercept=self.fit_intercept, tol=float(tol))
        if self.model == "logistic":
            meta.update(penalty=self.kind, multi_class=self.multi_class)
            if self.classes is not None:
                meta["classes"] = [str(c) for c in self.classes]
        return meta


def problem_from_args(args, data, model=None, l1_ratio=None, p=None, fit_intercept=None,
                      multi_class=None, grouped=None):
    """The Problem of a command's options (``model``, ... override them when
    given), with the groups of --groups read for DATA's features."""
    model = model or args.model or "lasso"
    groups = None
    if model == "group" or (model == "logistic" and args.groups is not None):
        from .data_files import load_groups

        groups = load_groups(args.groups, data.X.shape[1])
    multi_class = multi_class or args.multi_class
    if groups is not None and model == "logistic":
        # GroupLogisticRegression fits more than two classes one-vs-rest only
        if multi_class == "multinomial":
            raise CLIError("--groups with --model logistic fits more than two classes one "
                           "class against the rest: use --multi-class ovr (the default "
                           "there), not multinomial")
        multi_class = "ovr"
    return Problem(model, args.l1_ratio if l1_ratio is None else l1_ratio,
                   getattr(args, "p", None) if p is None else p,
                   not args.no_intercept if fit_intercept is None else fit_intercept, groups,
                   multi_class=multi_class or "multinomial",
                   grouped=args.grouped if grouped is None else grouped)


def _count_groups(groups):
    return len(np.unique(groups)) if np.ndim(groups) else f"contiguous {int(groups)}-feature"


def _penalty_kind(model, l1_ratio, p, grouped=False, has_groups=False):
    """"l1", "elasticnet", "lp", "group_lasso", "multitask" or "grouped": fixed by
    the model, or for logistic by --groups / --grouped / --p / --l1-ratio."""
    if model == "group" or (model == "logistic" and has_groups):
        return "group_lasso"
    if model == "multitask":
        return "multitask"
    if model == "lasso":
        return "l1"
    if model == "enet":
        return "elasticnet"
    if model == "lp":
        return "lp"
    if grouped:
        return "grouped"
    if p is not None:
        return "lp"
    if l1_ratio is not None and l1_ratio != 1.0:
        return "elasticnet"
    return "l1"


def check_target(problem, y):
    """y checked for the problem: two classes for logistic, finite numbers otherwise;
    several columns for --model multitask only (for which y is returned 2-D)."""
    if problem.model == "multitask" and y.ndim == 1:
        y = y[:, np.newaxis]  # one target: a single task
    if y.ndim == 2 and problem.model != "multitask":
        raise CLIError(f"y has {y.shape[1]} columns: only --model multitask takes several "
                       f"targets")
    if problem.datafit == "logistic":
        _check_classes(problem, y)
    elif y.dtype.kind not in "fiub":
        raise CLIError(f"--model {problem.model} needs a numeric target; y holds labels "
                       f"such as {y[0]!r}")
    elif not np.all(np.isfinite(y)):
        raise CLIError("y contains NaN or infinity")
    return y


def _check_classes(problem, y):
    """Two classes or more; more than two make the problem multinomial (or
    one-vs-rest with --multi-class ovr), its classes recorded."""
    classes, counts = np.unique(y, return_counts=True)
    shown = ", ".join(str(c) for c in classes[:5]) + (", ..." if classes.shape[0] > 5 else "")
    if classes.shape[0] < 2:
        raise CLIError(f"--model logistic needs at least two classes in y; found one ({shown})")
    if classes.shape[0] == 2:
        return
    if y.dtype.kind == "f" and np.any(counts == 1):
        # a numeric y with classes of one sample: a regression target, most likely
        raise CLIError(f"--model logistic: y has {classes.shape[0]} classes, "
                       f"{int(np.sum(counts == 1))} of them with a single sample ({shown}); "
                       f"y must be class labels")
    if problem.kind == "lp" and problem.multi_class == "multinomial":
        raise CLIError(f"--p (the Lp penalty) is implemented for two classes and one-vs-rest "
                       f"only: with {classes.shape[0]} classes add --multi-class ovr")
    problem.classes = classes
    if problem.multi_class == "multinomial":
        problem.datafit = "multinomial"


def alpha_max(problem, X, y):
    """The smallest alpha whose solution is zero; CLIError when the penalty has none."""
    rho = problem.rho
    if rho is None:
        what = (f"p={problem.p:g}" if problem.kind == "lp" else f"l1_ratio={problem.l1_ratio:g}")
        raise CLIError(f"--alpha-ratio needs alpha_max, which the {problem.kind} penalty with "
                       f"{what} does not have; give --alpha")
    if problem.one_vs_rest:  # where every class's fit is zero
        return max(_alpha_max(problem, X, y_pm, rho) for y_pm in problem.binary_targets(y))
    return _alpha_max(problem, X, y, rho)


def _alpha_max(problem, X, y, rho):
    if problem.model in BLOCK_MODELS or problem.kind == "group_lasso" \
            or problem.datafit == "multinomial":
        return float(sc.alpha_max(X, y, penalty=problem.penalty(1.0),
                                  fit_intercept=problem.fit_intercept,
                                  datafit=problem.datafit))
    return float(sc.alpha_max(X, y, l1_ratio=rho, datafit=problem.datafit,
                              fit_intercept=problem.fit_intercept))


def resolve_alpha(args, problem, X, y, default_ratio=None, fallback=None):
    """(alpha, text saying where it came from).

    ``--alpha`` wins; then ``--alpha-ratio``; then ``fallback`` (the alpha a
    coefficient file recorded); then ``default_ratio`` times alpha_max.
    """
    if args.alpha is not None:
        return float(args.alpha), "given"
    ratio = args.alpha_ratio
    if ratio is None and fallback is not None:
        return float(fallback), "from COEF"
    if ratio is None:
        ratio = default_ratio
    if ratio is None:
        raise CLIError("give --alpha or --alpha-ratio")
    amax = alpha_max(problem, X, y)
    return ratio * amax, f"{ratio:g} x alpha_max={amax:.6g}"
