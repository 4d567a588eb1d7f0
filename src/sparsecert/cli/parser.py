"""The argparse parser of ``python -m sparsecert``: every command's options and help text.

:func:`build_parser` builds the top-level parser and one sub-parser per
command (``fit``, ``path``, ``certify``, ``compile``), each pointing at its command
module's ``run`` through ``func``. The option groups that several commands
share (the data file, the problem) are built once, by
:func:`add_data_args` and :func:`add_problem_args`. Usage errors raise
:class:`CLIError`, so that they print as one line like every other error.
"""

import argparse

from .. import __version__
from . import certify, fit, path, warmup
from .errors import CLIError
from .problem import DEFAULT_TOL, MODELS, PATH_MODELS


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line (via :class:`CLIError`)."""

    def error(self, message):
        raise CLIError(f"{message} (see '{self.prog} --help')")


def build_parser():
    """The argparse parser of ``python -m sparsecert``."""
    parser = _Parser(
        prog="sparsecert",
        description="Certified sparse linear models: fit, follow the regularization path, "
                    "and prove (or disprove) the optimality of any coefficients.",
        epilog="Run 'sparsecert COMMAND --help' for each command's options. Without a "
               "command, 'fit' runs on the built-in diabetes data.")
    parser.add_argument("--version", action="version", version=f"sparsecert {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # the order of the sub-parsers is the order of the commands in --help
    _add_fit(sub)
    _add_path(sub)
    _add_certify(sub)
    _add_compile(sub)
    return parser


def add_data_args(p, optional=False):
    """DATA and the "data file" group: how to read X and y."""
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
                        "scipy.sparse .npz); several columns (a 2-D .npy, a CSV with an "
                        "optional header) are the targets of --model multitask")
    g.add_argument("--target-column", metavar="NAME",
                   help="CSV: the column holding y (name or 0-based index); the others are "
                        "features. NAME1,NAME2,...: several targets (--model multitask)")
    g.add_argument("--target-key", metavar="NAME", default="y",
                   help=".npz: the array holding y (default: y)")
    g.add_argument("--n-features", type=int, metavar="N",
                   help="svmlight: number of features (a split may not use the last ones)")
    g.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default , or tab for .tsv)")


def add_problem_args(p, models, tol, alpha_help, tol_default_text=None):
    """The "problem" group (model, alpha, l1-ratio, tol); returns it for per-command options.

    ``alpha_help`` None leaves out --alpha and --alpha-ratio (``path`` makes its own grid);
    ``tol_default_text`` says what the default is when ``tol`` is None.
    """
    g = p.add_argument_group("problem")
    blocks = ("; group: group lasso least squares (--groups; the sparse-group lasso with "
              "--l1-ratio); multitask: several targets sharing their features, the L2,1 "
              "penalty (elastic net with --l1-ratio)")
    g.add_argument("--model", choices=models, default=None,
                   help="lasso: L1 least squares; enet: elastic net; lp: |w|^p least squares; "
                        "logistic: logistic regression, two classes or the multinomial model "
                        "for more (L1, or elastic net with --l1-ratio, or "
                        "Lp with --p)" + blocks + ". Default: lasso" if "lp" in models else
                        "lasso, enet, logistic, group or multitask (default: lasso)" + blocks)
    g.add_argument("--groups", metavar="FILE",
                   help="--model group, or logistic with the group penalties: one group "
                        "label per feature (a .npy, or text with one label per line or one "
                        "comma-separated row); or an int k for contiguous groups of k "
                        "features")
    if alpha_help:
        g.add_argument("--alpha", type=float, help="regularization strength (absolute)")
        g.add_argument("--alpha-ratio", type=float, help=alpha_help)
    g.add_argument("--l1-ratio", type=float,
                   help="elastic net's L1 share rho in [0, 1] (enet default 0.5; multitask "
                        "default 1, the multi-task lasso); with --groups the sparse-group "
                        "lasso's (default 0, the group lasso)")
    g.add_argument("--multi-class", choices=("multinomial", "ovr"), default=None,
                   help="--model logistic with more than two classes: the multinomial "
                        "(softmax) model, one certificate (default), or one-vs-rest, a "
                        "certificate per class (the only choice with --groups)")
    g.add_argument("--grouped", action="store_true", default=None,
                   help="--model logistic, multinomial: penalize each feature's coefficients "
                        "over the classes together (sum_j ||W[:, j]||_2): a feature leaves "
                        "all classes at once")
    g.add_argument("--tol", type=float, default=tol,
                   help=f"scale-free tolerance, times ||grad F(0, b0)||_inf "
                        f"(default {tol_default_text or format(tol, 'g')})")
    return g


def _add_fit(sub):
    p = sub.add_parser(
        "fit", help="fit a model and print it with its certificate",
        description="Fit a model on DATA and print a summary with the optimality "
                    "certificate. Without DATA: a Lasso on scikit-learn's diabetes data, timed "
                    "against scikit-learn. Exit status 0 if certified, 1 if not.")
    add_data_args(p, optional=True)
    g = add_problem_args(p, MODELS, DEFAULT_TOL,
                         "alpha as a fraction of alpha_max (default 0.05 when no --alpha)",
                         tol_default_text=f"{DEFAULT_TOL:g}, the estimators' and scikit-learn's "
                                          f"default; smaller for more accuracy")
    g.add_argument("--p", type=float, help="exponent of the Lp penalty (default 0.5)")
    g.add_argument("--max-iter", type=int, default=10000, help="default 10000")
    g.add_argument("--no-intercept", action="store_true", help="fit no intercept")
    o = p.add_argument_group("output")
    o.add_argument("--out", metavar="FILE",
                   help="write coef, intercept, alpha, model and the certificate summary "
                        "(.npz, .json, or .csv with an (intercept) row)")
    o.add_argument("--top", type=int, default=10, help="features listed by explain (default 10)")
    o.add_argument("--repeat", type=int, default=5,
                   help="timing repetitions of the built-in job (default 5)")
    p.set_defaults(func=fit.run)


def _add_path(sub):
    p = sub.add_parser(
        "path", help="regularization path with a certificate per alpha, optional CV",
        description="Solve a decreasing geometric grid of alphas from alpha_max with warm "
                    "starts, certifying each solution; optionally choose alpha by K-fold "
                    "cross-validation, save the path and plot it. Exit status 0 if every "
                    "alpha is certified, 1 if not.")
    add_data_args(p)
    g = add_problem_args(p, PATH_MODELS, DEFAULT_TOL, None)
    g.add_argument("--n-alphas", type=int, default=100, help="grid length (default 100)")
    g.add_argument("--eps", type=float, default=1e-3,
                   help="the grid ends at eps * alpha_max (default 1e-3)")
    g.add_argument("--max-iter", type=int, default=1000, help="per alpha (default 1000)")
    g.add_argument("--no-intercept", action="store_true", help="fit no intercept")
    g.add_argument("--cv", type=int, metavar="K",
                   help="choose alpha by K-fold cross-validation (LassoCV/ElasticNetCV; "
                        "held-out log-loss for logistic)")
    g.add_argument("--seed", type=int, metavar="N",
                   help="--cv: the seed of the folds' shuffle (default 0: the same folds "
                        "at every run)")
    g.add_argument("--no-shuffle", action="store_true",
                   help="--cv: folds of consecutive rows, in the file's order (wrong for a "
                        "file sorted by the target)")
    o = p.add_argument_group("output")
    o.add_argument("--out", metavar="FILE.npz",
                   help="write alphas, coefs (n_features, n_alphas; (n_classes, n_features, "
                        "n_alphas) and classes for the multinomial model), intercepts, certified "
                        "flags, max violations (and the CV choice)")
    o.add_argument("--plot", metavar="FILE.png",
                   help="coefficient-path figure with the chosen alpha marked (matplotlib)")
    o.add_argument("--quiet", "-q", action="store_true",
                   help="no progress bar (it is also off when stderr is not a terminal)")
    p.set_defaults(func=path.run)


def _add_certify(sub):
    p = sub.add_parser(
        "certify", help="check coefficients from any tool; exit 0 if certified, 1 if not",
        description="Check the first-order optimality of coefficients COEF for the problem "
                    "on DATA given by --model/--alpha. COEF: .npz with 'coef' (and "
                    "optionally 'intercept'), .npy, .json or .csv as written by 'fit --out' "
                    "(whose model, alpha, l1_ratio, p and tol are reused unless given), or "
                    "a CSV from another tool (one column, or name,coef rows). "
                    "Exit status 0 if certified, 1 if not, 2 on errors.")
    add_data_args(p)
    p.add_argument("coef", metavar="COEF", help="coefficient file")
    g = add_problem_args(p, MODELS, None,
                         "alpha as a fraction of alpha_max (L1, elastic net)",
                         tol_default_text=f"the tol 'fit --out' recorded in COEF, else "
                                          f"{DEFAULT_TOL:g}")
    g.add_argument("--p", type=float, help="exponent of the Lp penalty")
    g.add_argument("--no-intercept", action="store_true",
                   help="check the model without intercept (ignore one in COEF)")
    g.add_argument("--intercept", type=float, metavar="VALUE",
                   help="the intercept, when COEF holds none")
    p.add_argument("--top", type=int, default=10, help="features listed (default 10)")
    p.set_defaults(func=certify.run)


def _add_compile(sub):
    p = sub.add_parser(
        "compile", aliases=["warmup"],
        help="compile every kernel ahead (Docker images, CI); later processes start warm",
        description="Compile sparsecert's kernels for every configuration users hit (dense "
                    "and CSC X, float64 and float32, least squares and logistic, the L1, "
                    "elastic-net and Lp penalties, coordinate descent, proximal Newton, "
                    "FISTA, paths and CV) by fitting small problems, and store them in "
                    "Numba's on-disk cache: $NUMBA_CACHE_DIR/sparsecert/KEY if "
                    "NUMBA_CACHE_DIR is set, else the user cache directory "
                    "(~/.cache/sparsecert/KEY on Linux), KEY covering the kernel sources "
                    "and the Python, Numba, llvmlite and NumPy versions. Without it, the "
                    "first fit of each configuration compiles what it needs (seconds, "
                    "once per machine). Prints what it compiled and the time.")
    p.add_argument("--list", action="store_true",
                   help="list the configurations and the cache directory; compile nothing")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="compile in N processes (-1: one per core; default 1). On this "
                        "project's 2-core machine, 2 processes took about 60%% of one's "
                        "time")
    p.add_argument("--only", action="append", default=[], metavar="TEXT",
                   help="compile only the configurations whose name (see --list) contains "
                        "TEXT (any case), e.g. --only 'dense float64'; repeatable")
    p.set_defaults(func=warmup.run)
