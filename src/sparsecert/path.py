r"""Regularization paths: warm starts, sequential strong rules, KKT re-check.

A path solves, for a decreasing grid alpha_0 > alpha_1 > ... > alpha_{K-1},

    minimize_{w, b}  F(w, b) + G_{alpha_k}(w)

each problem starting from the previous solution (warm start). The default
grid is geometric from ``alpha_max`` (the smallest alpha with w = 0) down to
``eps * alpha_max``, as in scikit-learn's ``lasso_path``.

Sequential strong rule (Tibshirani et al., "Strong rules for discarding
predictors in lasso-type problems", JRSS-B 2012). For the L1 and elastic-net
penalties, with g_j(w) = dF/dw_j, c_j the penalty weight and rho the L1 share
(1 for the Lasso), feature j is *kept* at alpha_k when

    |g_j(w_{k-1})| >= c_j rho (2 alpha_k - alpha_{k-1})            (1)

or when w_{k-1, j} != 0 (with ``positive``, -g_j replaces |g_j|). The rule
follows from assuming that alpha -> g_j(w(alpha)) is 1-Lipschitz along the
path; that assumption can fail, so the rule is a heuristic that may discard a
feature whose optimal coefficient is nonzero. The problem is then solved on
the kept columns only (a sub-problem, generic over datafits and solvers) and
the solution, padded with zeros, is *re-checked against the full
certificate*: the KKT condition over all features,

    violation_j = dist(-g_j(w), dG_j(w_j)) <= tol * scale          (2)

(for a discarded, zero w_j: max(0, |g_j| - alpha c_j rho)). Every discarded
feature violating (2) is added back to the kept set and the sub-problem is
re-solved from the current point, until (2) holds everywhere. The rule thus
changes speed only; the certificate guards the answer, and every alpha's
certificate is the full one (all features, never a working set).

Layout: :func:`regularization_path` validates, then :func:`_start` finds the
starting point, the grid and the rule (:mod:`sparsecert._strong_rule`:
alpha_max, the default grid, rule (1)), and :func:`_follow_path` runs the
loop: per alpha, screen, solve the kept sub-problem
(:mod:`sparsecert._subproblem`) re-checked by (2) (:func:`_solve_alpha`),
record (:class:`_PathRecord`). The block penalties (the group lasso, the
multi-task models) follow the same loop with their own step, all blocks at
once: :mod:`sparsecert.path_blocks`.
"""

import dataclasses
import numbers
import warnings

import numpy as np

from . import penalties as _penalties
from ._kernels._notice import print_if
from ._problem import make_problem, threads_for
from ._strong_rule import alpha_grid, l1_share, strong_rule
from ._subproblem import sub_problem, with_alpha
from ._validation import validate_arrays
from .certificate import build_certificate, shortfall
from .datafits import as_datafit
from .solvers import solve
from .solvers.common import gap_short
from .solvers.dual import _support_refit_dual

# re-solves of a sub-problem with a tenfold tighter tolerance when it held its
# own certificate but the full check (same features) missed by rounding only
_MAX_TIGHTEN = 3


class PathResult:
    """Result of a regularization path.

    Unpacks like scikit-learn's ``lasso_path`` / ``enet_path`` return value::

        alphas, coefs, dual_gaps = lasso_path(X, y)

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Decreasing.
    coefs : ndarray of shape (n_features, n_alphas)
        Column k is the solution at ``alphas[k]`` (dtype of X); of shape
        (n_tasks, n_features, n_alphas) for a multi-task path, as
        scikit-learn's ``enet_path`` with a 2-D y.
    intercepts : ndarray of shape (n_alphas,)
        0 without an intercept; (n_tasks, n_alphas) for a multi-task path.
    dual_gaps : ndarray of shape (n_alphas,)
        Duality gap of our objective (the 1/(2n)-scaled least squares, or the
        mean logistic loss) at each solution; NaN when the problem is not
        convex. Not scikit-learn's n-scaled gap.
    certificates : list of Certificate or None
        The full certificate (all features) at each alpha; None when
        ``return_certificates=False``.
    n_iters : ndarray of shape (n_alphas,)
        Solver iterations at each alpha, summed over the sub-problem re-solves.
    n_kept : ndarray of shape (n_alphas,)
        Features in the final solved sub-problem at each alpha (n_features
        without screening).
    n_kkt_added : ndarray of shape (n_alphas,)
        Features the strong rule discarded and the KKT re-check added back.
    n_passes : ndarray of shape (n_alphas,)
        Full passes over X spent on each alpha (screening, solves,
        certificates; the path's set-up is in the first).
    kkt_added : list of ndarray
        Their indices, per alpha (empty arrays where the rule held).
    converged : bool
        Whether every certificate holds.
    classes : ndarray, only for paths of class labels
        The sorted labels. A one-vs-rest path (k > 2 classes) has the class
        first in every per-alpha array and k certificates at each alpha
        (:func:`sparsecert.path_blocks.one_vs_rest_result`).
    """

    def __init__(self, alphas, coefs, intercepts, dual_gaps, certificates, n_iters, n_kept,
                 n_kkt_added, converged, kkt_added=None, n_passes=None):
        self.alphas = alphas
        self.coefs = coefs
        self.intercepts = intercepts
        self.dual_gaps = dual_gaps
        self.certificates = certificates
        self.n_iters = n_iters
        self.n_kept = n_kept
        self.n_kkt_added = n_kkt_added
        self.converged = converged
        self.kkt_added = kkt_added
        self.n_passes = n_passes

    def _as_tuple(self):
        return (self.alphas, self.coefs, self.dual_gaps)

    def __iter__(self):
        return iter(self._as_tuple())

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return self._as_tuple()[index]

    def __repr__(self):
        status = "all certified" if self.converged else "NOT all certified"
        return (f"PathResult({self.alphas.shape[0]} alphas from {self.alphas[0]:.4g} to "
                f"{self.alphas[-1]:.4g}, n_features={self.coefs.shape[-2]}, {status}, "
                f"{int(self.n_kkt_added.sum())} KKT re-check additions)")


def _validate(X, y, datafit, sample_weight):
    return validate_arrays(X, y, datafit, sample_weight)


def _check_options(screening, tol):
    if screening not in ("strong", None):
        raise ValueError(f"screening must be 'strong' or None; got {screening!r}.")
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number; got {tol!r}.")


@dataclasses.dataclass(frozen=True)
class _SolveOptions:
    """What every (sub-)solve of a path is given, the same at every alpha."""

    tol: float
    max_iter: int
    solver: str
    verbose: int   # the solver's own: the path's verbose minus 1
    # the full certificate tightens its gap with a dual candidate (the support
    # refit); cross-validation, which reads only the coefficients, skips it
    tight_gaps: bool = True

    def solve(self, problem, w, b, tol):
        return solve(problem, w, b, tol=tol, max_iter=self.max_iter, solver=self.solver,
                     verbose=self.verbose)


def _starting_point(base, options):
    """(w, b, n_iter) before the first alpha: every penalized coefficient 0,
    the unpenalized ones (c_j = 0) and the intercept fitted."""
    w = np.zeros(base.design.n_features)
    b = base.b0
    free = np.flatnonzero(base.pen_weights == 0)
    if not free.size:
        return w, b, 0
    res = options.solve(sub_problem(base, free), None, None, options.tol)
    w[free] = res.coef
    return w, res.intercept, res.n_iter


def _start(base, penalty, alphas, n_alphas, eps, screening, options):
    """The path's start: ((w, b, n_iter, gradient) before the first alpha, the
    decreasing grid, the strong rule or None)."""
    rho = l1_share(penalty)
    positive = bool(getattr(penalty, "positive", False))
    w, b, n_iter = _starting_point(base, options)
    grad = build_certificate(base, w, b, options.tol).gradient
    grid, alpha_max = alpha_grid(alphas, n_alphas, eps, penalty, rho, grad, base.pen_weights,
                                 positive)
    rule = strong_rule(screening, rho, base.pen_weights, positive, alpha_max, grad)
    return (w, b, n_iter, grad), grid, rule


def _solve_kept(problem, keep, w, b, tol, options):
    """Solve ``problem`` on the features ``keep`` from (w, b), the others held at 0.

    Returns (res, w, b): the solver's result (None when nothing is kept) and
    the solution padded with zeros to all features.
    """
    if keep.all():
        res = options.solve(problem, w, b, tol)
        return res, res.coef, res.intercept
    if not keep.any():
        # nothing kept (alpha above alpha_max): w stays 0, at its best
        # intercept; only the certificate is computed
        return None, w, b
    idx = np.flatnonzero(keep)
    res = options.solve(sub_problem(problem, idx), w[idx], b, tol)
    w = np.zeros(problem.design.n_features)
    w[idx] = res.coef
    return res, w, res.intercept


def _full_certificate(problem, w, b, tol, n_iter, res, tight_gaps=True):
    """The certificate over all features of (w, b), which ``res`` (None: no solve) gave;
    without ``tight_gaps`` its gap is the residual's (``converged`` is the same)."""
    solver = None if res is None else res.certificate.solver
    candidate = ((lambda: _support_refit_dual(problem, w)) if res is not None and tight_gaps
                 else None)
    return build_certificate(problem, w, b, tol, n_iter=n_iter, solver=solver,
                             dual_candidate=candidate)


@dataclasses.dataclass
class _AlphaSolution:
    """One alpha's outcome: the point, its full certificate, what was solved."""

    w: np.ndarray
    b: float
    cert: object          # Certificate
    keep: np.ndarray      # the features of the final sub-problem
    added: list           # index arrays the KKT re-check brought back, in order
    n_iter: int


def _solve_alpha(problem, keep, w, b, n_iter, options):
    """Solve one alpha from (w, b) on ``keep``, re-checked against the full certificate.

    Discarded features violating (2) of the module docstring are added back
    (``keep`` is updated in place) and the sub-problem re-solved from the
    current point, until the full certificate holds or nothing more can be
    done. ``n_iter`` is the count carried in (the starting point's solve, at
    the first alpha).
    """
    sub_tol = options.tol
    added = []
    tightened = 0
    while True:
        res, w, b = _solve_kept(problem, keep, w, b, sub_tol, options)
        if res is not None:
            n_iter += res.n_iter
        cert = _full_certificate(problem, w, b, options.tol, n_iter, res, options.tight_gaps)
        if cert.converged:
            break
        # KKT re-check: discarded features that violate optimality come back;
        # when only the gap fails, any discarded feature outside its dead zone
        # does (it shrinks the dual point, whatever the sub-problem's accuracy)
        limit = 0.0 if gap_short(cert) else cert.tol
        back = (cert.violation > limit) & ~keep
        if back.any():
            added.append(np.flatnonzero(back))
            keep |= back
            continue
        if res is not None and res.certificate.converged and tightened < _MAX_TIGHTEN:
            # the sub-problem held its own certificate and the full one
            # missed on the same features: rounding; tighten and retry
            sub_tol /= 10.0
            tightened += 1
            continue
        break
    return _AlphaSolution(w, b, cert, keep, added, n_iter)


def _solve_alpha_quietly(problem, keep, w, b, n_iter, options):
    """:func:`_solve_alpha`, returning also the warnings the solvers issued,
    less their ConvergenceWarnings."""
    return quietly(_solve_alpha, problem, keep, w, b, n_iter, options)


def _screened_step(base, alpha, keep, w, b, n_iter, options):
    """One alpha of :func:`_follow_path`: the kept sub-problem at ``alpha``,
    re-checked against the full certificate; (solution, other warnings)."""
    return _solve_alpha_quietly(with_alpha(base, alpha), keep, w, b, n_iter, options)


def quietly(solve_one, *args):
    """``solve_one(*args)`` and the warnings it issued, less its
    ConvergenceWarnings (a path issues its own, on the full certificate)."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        sol = solve_one(*args)
    # the solver's ConvergenceWarnings are replaced by the path's own (once
    # per alpha, on the full certificate); others pass through
    return sol, [item for item in caught if not issubclass(item.category, ConvergenceWarning)]


def _warn(k, alpha, cert, max_iter, others, stacklevel):
    """The path's ConvergenceWarning for alpha k if its certificate fails, then
    the solvers' other warnings (``others``), re-issued as they were.
    ``stacklevel`` is what the caller would pass to ``warnings.warn``."""
    from sklearn.exceptions import ConvergenceWarning

    if not cert.converged:
        warnings.warn(
            f"regularization path: alpha[{k}]={alpha:.4g} not certified after "
            f"max_iter={max_iter}: {shortfall(cert)}. Increase max_iter or loosen tol.",
            ConvergenceWarning, stacklevel=stacklevel + 1)
    for item in others:
        warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)


class _PathRecord:
    """The per-alpha arrays of a :class:`PathResult`, filled one alpha at a time."""

    def __init__(self, grid, design, fit_intercept, return_certificates, n_tasks=None):
        n_alphas = grid.shape[0]
        self.grid = grid
        self.fit_intercept = fit_intercept
        # a multi-task path: scikit-learn's (n_tasks, n_features, n_alphas)
        tasks = () if n_tasks is None else (n_tasks,)
        self.coefs = np.empty(tasks + (design.n_features, n_alphas), dtype=design.dtype)
        self.intercepts = np.zeros(tasks + (n_alphas,))
        self.gaps = np.full(n_alphas, np.nan)
        self.n_iters = np.zeros(n_alphas, dtype=np.int64)
        self.n_kept = np.zeros(n_alphas, dtype=np.int64)
        self.n_added = np.zeros(n_alphas, dtype=np.int64)
        self.added = []
        self.certs = [] if return_certificates else None
        self.converged = True
        self.n_passes = np.zeros(n_alphas)
        self.passes_before = 0.0

    def add(self, k, sol):
        cert = sol.cert
        self.n_kept[k] = int(sol.keep.sum())
        self.n_added[k] = sum(int(a.size) for a in sol.added)
        self.added.append(np.concatenate(sol.added) if sol.added
                          else np.zeros(0, dtype=np.int64))
        self.n_iters[k] = sol.n_iter
        self.converged = self.converged and bool(cert.converged)
        self.coefs[..., k] = sol.w
        self.intercepts[..., k] = sol.b if self.fit_intercept else 0.0
        if cert.duality_gap is not None:
            self.gaps[k] = cert.duality_gap
        if self.certs is not None:
            self.certs.append(cert)

    def describe(self, k, sol):
        """The verbose line of alpha k."""
        cert, p = sol.cert, self.coefs.shape[-2]
        return (f"[sparsecert] path {k + 1}/{self.grid.shape[0]}: alpha={self.grid[k]:.4e}, "
                f"{self.n_kept[k]}/{p} features solved ({self.n_added[k]} added by the KKT "
                f"re-check), {cert.n_nonzero} nonzero, {sol.n_iter} iterations, "
                f"max violation {cert.max_violation:.2e} (tol {cert.tol:.2e})")

    def result(self):
        return PathResult(self.grid, self.coefs, self.intercepts, self.gaps, self.certs,
                          self.n_iters, self.n_kept, self.n_added, self.converged, self.added,
                          self.n_passes)


def _follow_path(base, start, grid, rule, options, record, verbose, callback,
                 step=_screened_step):
    """Solve every alpha of ``grid`` in turn, each from the previous solution.

    ``step(base, alpha, keep, w, b, n_iter, options)`` solves one alpha and
    returns (:class:`_AlphaSolution`, the solvers' other warnings); the block
    penalties' paths (:mod:`sparsecert.path_blocks`) pass their own. Called
    by the public path functions only: its warnings name their caller.
    """
    w, b, n_iter, grad = start
    for k, alpha in enumerate(grid):
        # screen: the strong rule (1) at the previous alpha's gradient (all
        # features without a rule)
        keep = (rule.keep(grid, k, grad, w) if rule is not None
                else np.ones(base.design.n_features, dtype=bool))
        # solve the kept sub-problem, re-checked against the full certificate (2)
        sol, others = step(base, alpha, keep, w, b, n_iter if k == 0 else 0, options)
        _warn(k, alpha, sol.cert, options.max_iter, others, stacklevel=3)
        # record it; the next alpha starts from it (warm start)
        record.add(k, sol)
        if base.work is not None:
            record.n_passes[k] = base.work.passes - record.passes_before
            record.passes_before = base.work.passes
        w, b, grad = sol.w, sol.b, sol.cert.gradient
        if verbose:
            print(record.describe(k, sol))
        if callback is not None:
            callback(k, float(alpha), sol.cert)


def regularization_path(X, y, *, datafit, penalty, alphas=None, eps=1e-3, n_alphas=100,
                        tol=1e-4, max_iter=1000, fit_intercept=True, sample_weight=None,
                        solver="auto", screening="strong", verbose=0, return_certificates=True,
                        callback=None, n_jobs=None):
    r"""Solve F(w, b) + G_alpha(w) for a decreasing grid of alphas, with warm starts.

    Generic over the datafit and penalty: each problem is solved by
    :func:`sparsecert.solvers.solve`. For the L1 and elastic-net penalties the
    sequential strong rule (1) of the module docstring discards features
    before each solve and the KKT re-check (2) over all features brings back
    any it wrongly discarded; see :mod:`sparsecert.path`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Real targets (quadratic) or two classes (logistic).
    datafit : {"quadratic", "logistic"} or a :mod:`sparsecert.datafits` object
    penalty : a :mod:`sparsecert.penalties` object
        Its ``alpha`` is ignored (replaced by each value of the grid); its
        weights, ``positive`` and ``l1_ratio`` / ``p`` are kept. (The group
        penalties have their own paths, in :mod:`sparsecert.path_blocks`.)
    alphas : array-like or int, optional
        The grid (sorted decreasing before use), or its length (as
        scikit-learn >= 1.7 accepts). Default: ``n_alphas`` values
        geometrically spaced from alpha_max to ``eps * alpha_max``, with

            alpha_max = max_{j: c_j > 0} |g_j(w_0, b_0)| / (c_j rho),

        (w_0, b_0) being the solution at w_j = 0 for every penalized feature.
        Only the L1 and elastic-net (rho > 0) penalties have an alpha_max;
        other penalties need explicit alphas.
    eps : float, default=1e-3
    n_alphas : int, default=100
    tol : float, default=1e-4
        Scale-free: each alpha's solution is certified when its maximum
        violation is <= tol * ||grad F(0, b0)||_inf (see
        :func:`sparsecert.check_optimality`).
    max_iter : int, default=1000
        Per alpha and per (sub-)solve.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
    solver : {"auto", "cd", "fista"}, default="auto"
    screening : {"strong", None}, default="strong"
        None solves every alpha on all features (same solution, usually slower).
    verbose : int, default=0
        1: one line per alpha; 2 and more: the solver's own output too.
    return_certificates : bool, default=True
        Keep each alpha's :class:`~sparsecert.Certificate` (4 arrays of
        n_features each) in the result.
    callback : callable, optional
        Called as ``callback(k, alpha, certificate)`` after the k-th alpha is
        solved (k from 0), with that alpha's full certificate (its ``coef``
        is the solution). For progress reporting; its return value is ignored.
    n_jobs : int, default=None
        Threads for the passes over all of a sparse or float32 X (the set-up,
        every certificate's X^T u), in scikit-learn's meaning (None = 1, -1 =
        all cores); the path is bitwise the same for any value.

    Returns
    -------
    PathResult
        Unpacks as ``alphas, coefs, dual_gaps`` like scikit-learn's paths.
    """
    datafit = as_datafit(datafit)
    _check_options(screening, tol)
    X, design, y64, sw = _validate(X, y, datafit, sample_weight)
    return path_on(design, y64, sw, datafit, penalty, alphas=alphas, eps=eps,
                   n_alphas=n_alphas, tol=tol, max_iter=max_iter, fit_intercept=fit_intercept,
                   solver=solver, screening=screening, verbose=verbose,
                   return_certificates=return_certificates, callback=callback,
                   n_threads=threads_for(n_jobs))


def path_on(design, y64, sw, datafit, penalty, *, alphas=None, eps=1e-3, n_alphas=100,
            tol=1e-4, max_iter=1000, fit_intercept=True, solver="auto", screening="strong",
            verbose=0, return_certificates=True, callback=None, tight_gaps=True, n_threads=1):
    """:func:`regularization_path` on inputs validated already: a design, float64
    labels and weights that sum to n_samples (what cross-validation's folds
    pass, X having been validated once). ``tight_gaps=False``: each alpha's
    gap is the residual's (no support refit), for callers that read only the
    coefficients; what is certified is unchanged."""
    if _penalties.is_group(penalty):
        raise ValueError("regularization_path and its strong rule do not take the group "
                         "lasso yet: use sparsecert.group_lasso_path, "
                         "sparse_group_lasso_path or group_logistic_path (block coordinate "
                         "descent at each alpha).")
    with print_if(verbose):  # the first-use compile notice, among the verbose lines
        base = make_problem(design, y64, sw, datafit, penalty.with_alpha(0.0), fit_intercept,
                            n_threads=n_threads)
        options = _SolveOptions(tol, max_iter, solver, max(verbose - 1, 0), tight_gaps)
        start, grid, rule = _start(base, penalty, alphas, n_alphas, eps, screening, options)
        record = _PathRecord(grid, design, fit_intercept, return_certificates)
        _follow_path(base, start, grid, rule, options, record, verbose, callback)
    return record.result()


def lasso_path(X, y, *, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4, max_iter=1000,
               fit_intercept=True, sample_weight=None, weights=None, positive=False,
               verbose=0, return_certificates=True, screening="strong", solver="auto",
               n_jobs=None):
    r"""Lasso path: (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_j c_j |w_j|.

    scikit-learn's ``lasso_path`` with an intercept, sample weights, penalty
    weights and a certificate per alpha. scikit-learn's ``lasso_path`` fits no
    intercept: call ours with ``fit_intercept=False`` to compare on the same
    data, or pass scikit-learn centred data.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    eps : float, default=1e-3
        The grid ends at ``eps * alpha_max``.
    n_alphas : int, default=100
    alphas : array-like or int, optional
        Explicit grid (sorted decreasing) or its length.
    tol : float, default=1e-4
        Scale-free certificate tolerance at every alpha (x alpha_max).
    max_iter : int, default=1000
        Epochs per alpha.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
    weights : array-like of shape (n_features,), optional
        Penalty weights c_j >= 0 (0 = unpenalized).
    positive : bool, default=False
    verbose : int, default=0
    return_certificates : bool, default=True
    screening : {"strong", None}, default="strong"
        Sequential strong rule with the full KKT re-check (see
        :mod:`sparsecert.path`); None solves on all features.
    solver : {"auto", "cd", "fista"}, default="auto"
    n_jobs : int, default=None
        Threads for the full passes over a sparse or float32 X (see
        :func:`regularization_path`); bitwise the same path for any value.

    Returns
    -------
    PathResult
        ``alphas`` (n_alphas,), ``coefs`` (n_features, n_alphas),
        ``intercepts``, ``dual_gaps``, ``certificates``, ``n_iters``;
        unpacks as ``alphas, coefs, dual_gaps`` like scikit-learn's.
    """
    pen = _penalties.L1(alpha=0.0, weights=weights, positive=positive)
    return regularization_path(X, y, datafit="quadratic", penalty=pen, alphas=alphas, eps=eps,
                               n_alphas=n_alphas, tol=tol, max_iter=max_iter,
                               fit_intercept=fit_intercept, sample_weight=sample_weight,
                               solver=solver, screening=screening, verbose=verbose,
                               return_certificates=return_certificates, n_jobs=n_jobs)


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4,
              max_iter=1000, fit_intercept=True, sample_weight=None, weights=None,
              positive=False, verbose=0, return_certificates=True, screening="strong",
              solver="auto", n_jobs=None):
    r"""Elastic-net path, scikit-learn's parametrization:

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2
            + alpha sum_j c_j (rho |w_j| + (1 - rho)/2 w_j^2),   rho = l1_ratio.

    alpha_max = max_j |g_j(0, b0)| / (c_j rho); the strong rule (1) of
    :mod:`sparsecert.path` uses the threshold c_j rho (2 alpha_k - alpha_{k-1}).
    ``l1_ratio=0`` (ridge) has no alpha_max: pass ``alphas``; no screening then.
    Other parameters and the result as in :func:`lasso_path`.
    """
    if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, numbers.Real) \
            or not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be a real number in [0, 1]; got {l1_ratio!r}.")
    pen = _penalties.ElasticNet(alpha=0.0, l1_ratio=float(l1_ratio), weights=weights,
                                positive=positive)
    return regularization_path(X, y, datafit="quadratic", penalty=pen, alphas=alphas, eps=eps,
                               n_alphas=n_alphas, tol=tol, max_iter=max_iter,
                               fit_intercept=fit_intercept, sample_weight=sample_weight,
                               solver=solver, screening=screening, verbose=verbose,
                               return_certificates=return_certificates, n_jobs=n_jobs)


def logistic_path(X, y, *, l1_ratio=1.0, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4,
                  max_iter=1000, fit_intercept=True, sample_weight=None, weights=None,
                  positive=False, verbose=0, return_certificates=True, screening="strong",
                  solver="auto", n_jobs=None):
    r"""Sparse logistic regression path (two classes, mapped to -1/+1):

        (1/n) sum_i s_i log(1 + exp(-y_i (x_i^T w + b)))
            + alpha sum_j c_j (rho |w_j| + (1 - rho)/2 w_j^2),   rho = l1_ratio.

    ``l1_ratio=1`` is the L1 penalty. Solved by :func:`sparsecert.solvers.solve`
    with ``solver`` (which must support the logistic datafit: "fista" always
    does). Other parameters and the result as in :func:`lasso_path`.
    """
    if l1_ratio == 1.0:
        pen = _penalties.L1(alpha=0.0, weights=weights, positive=positive)
    else:
        pen = _penalties.ElasticNet(alpha=0.0, l1_ratio=float(l1_ratio), weights=weights,
                                    positive=positive)
    return regularization_path(X, y, datafit="logistic", penalty=pen, alphas=alphas, eps=eps,
                               n_alphas=n_alphas, tol=tol, max_iter=max_iter,
                               fit_intercept=fit_intercept, sample_weight=sample_weight,
                               solver=solver, screening=screening, verbose=verbose,
                               return_certificates=return_certificates, n_jobs=n_jobs)
