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
"""

import dataclasses
import numbers

import numpy as np

from . import penalties as _penalties
from ._problem import make_problem
from ._validation import Design, validate_arrays
from .certificate import build_certificate
from .datafits import as_datafit
from .solvers import solve
from .solvers.dual import _support_refit_dual

# fields of a Problem that fix the meaning of ``tol``: a sub-problem keeps
# the full problem's, so that both certify against the same absolute tolerance
_SHARED_SCALES = ("scale", "objective0", "scale_intercept", "tol_floor", "tol_floor_intercept")

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
        Column k is the solution at ``alphas[k]`` (dtype of X).
    intercepts : ndarray of shape (n_alphas,)
        0 without an intercept.
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
    kkt_added : list of ndarray
        Their indices, per alpha (empty arrays where the rule held).
    converged : bool
        Whether every certificate holds.
    """

    def __init__(self, alphas, coefs, intercepts, dual_gaps, certificates, n_iters, n_kept,
                 n_kkt_added, converged, kkt_added=None):
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
                f"{self.alphas[-1]:.4g}, n_features={self.coefs.shape[0]}, {status}, "
                f"{int(self.n_kkt_added.sum())} KKT re-check additions)")


def _l1_share(penalty):
    """rho, the weight of |w_j| in the penalty, or None when no strong rule applies."""
    if isinstance(penalty, _penalties.L1):
        return 1.0
    if isinstance(penalty, _penalties.ElasticNet) and penalty.l1_ratio > 0:
        return float(penalty.l1_ratio)
    if isinstance(penalty, _penalties.Lp) and penalty.p == 1:
        return 1.0
    return None


def _dead_zone_score(grad, positive):
    """|g_j| (or max(-g_j, 0) with ``positive``): compared to alpha c_j rho."""
    return np.maximum(-grad, 0.0) if positive else np.abs(grad)


def _sub_design(design, idx):
    """The columns ``idx`` of ``design`` (a copy; CSC stays CSC)."""
    X_dense, X_data, X_indices, X_indptr, is_sparse = design.args
    k = idx.shape[0]
    if is_sparse:
        starts = X_indptr[idx].astype(np.int64)
        lens = X_indptr[idx + 1].astype(np.int64) - starts
        indptr = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(lens, out=indptr[1:])
        nnz = int(indptr[-1])
        take = np.repeat(starts - indptr[:-1], lens) + np.arange(nnz)
        args = (X_dense, X_data[take], X_indices[take], indptr.astype(X_indptr.dtype), True)
        return Design(args, design.n_samples, k, design.dtype, True, nnz)
    # X_dense is Fortran-ordered: its transpose's rows are the columns, and
    # gathering whole rows of a C array is a few memcpys (np.take into an
    # F-ordered ``out`` was 50x slower)
    sub = X_dense.T.take(idx, axis=0).T
    empty = X_data
    return Design((sub, empty, X_indices, X_indptr, False), design.n_samples, k, design.dtype,
                  False, design.n_samples * k)


def _sub_problem(problem, idx):
    """The problem restricted to the features ``idx``, with the full problem's tolerances."""
    penalty = dataclasses.replace(problem.penalty, weights=problem.pen_weights[idx])
    sub = make_problem(_sub_design(problem.design, idx), problem.y, problem.sw, problem.datafit,
                       penalty, problem.fit_intercept)
    shared = {f: getattr(problem, f) for f in _SHARED_SCALES if hasattr(problem, f)}
    return dataclasses.replace(sub, **shared)


def _with_alpha(problem, alpha):
    """The same problem at another alpha (column statistics reused)."""
    penalty = problem.penalty.with_alpha(float(alpha))
    code, params, weights = penalty.encode(problem.design.n_features)
    return dataclasses.replace(problem, penalty=penalty, pen_code=code, pen_params=params,
                               pen_weights=weights)


def _check_alphas(alphas):
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    if alphas.size == 0:
        raise ValueError("alphas must contain at least one value.")
    if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError("alphas must be finite and >= 0.")
    # decreasing, as scikit-learn's paths order them
    return np.sort(alphas)[::-1].copy()


def _validate(X, y, datafit, sample_weight):
    return validate_arrays(X, y, datafit, sample_weight)


def regularization_path(X, y, *, datafit, penalty, alphas=None, eps=1e-3, n_alphas=100,
                        tol=1e-4, max_iter=1000, fit_intercept=True, sample_weight=None,
                        solver="auto", screening="strong", verbose=0, return_certificates=True,
                        callback=None):
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
        weights, ``positive`` and ``l1_ratio`` / ``p`` are kept.
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

    Returns
    -------
    PathResult
        Unpacks as ``alphas, coefs, dual_gaps`` like scikit-learn's paths.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    datafit = as_datafit(datafit)
    if screening not in ("strong", None):
        raise ValueError(f"screening must be 'strong' or None; got {screening!r}.")
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number; got {tol!r}.")
    X, design, y64, sw = _validate(X, y, datafit, sample_weight)
    p = design.n_features
    rho = _l1_share(penalty)
    positive = bool(getattr(penalty, "positive", False))
    base = make_problem(design, y64, sw, datafit, penalty.with_alpha(0.0), fit_intercept)
    c = base.pen_weights

    # start: every penalized coefficient 0, the unpenalized ones fitted
    w = np.zeros(p)
    b = base.b0
    free = np.flatnonzero(c == 0)
    total_start_iter = 0
    if free.size:
        res = solve(_sub_problem(base, free), None, None, tol=tol, max_iter=max_iter,
                    solver=solver, verbose=max(verbose - 1, 0))
        w[free] = res.coef
        b = res.intercept
        total_start_iter = res.n_iter
    grad = build_certificate(base, w, b, tol).gradient

    if alphas is None or isinstance(alphas, numbers.Integral):
        if rho is None:
            raise ValueError(f"The {penalty.name} penalty has no alpha_max (it is not a "
                             f"convex sparsifying penalty): pass the grid as alphas=.")
        count = n_alphas if alphas is None else int(alphas)
        if count < 1:
            raise ValueError(f"n_alphas must be >= 1; got {count}.")
        if not 0 < eps:
            raise ValueError(f"eps must be > 0; got {eps!r}.")
        pos = c > 0
        if not np.any(pos):
            raise ValueError("weights are all zero: no feature is penalized, so alpha_max "
                             "is undefined: pass alphas=.")
        alpha_max = float(np.max(_dead_zone_score(grad[pos], positive) / c[pos])) / rho
        if alpha_max <= np.finfo(np.float64).resolution:
            grid = np.full(count, np.finfo(np.float64).resolution)
        else:
            grid = np.geomspace(alpha_max, alpha_max * eps, num=count)
    else:
        grid = _check_alphas(alphas)
        alpha_max = None
    n_alphas = grid.shape[0]
    use_rule = screening == "strong" and rho is not None
    if use_rule and alpha_max is None:
        pos = c > 0
        alpha_max = (float(np.max(_dead_zone_score(grad[pos], positive) / c[pos])) / rho
                     if np.any(pos) else 0.0)

    coefs = np.empty((p, n_alphas), dtype=design.dtype)
    intercepts = np.zeros(n_alphas)
    gaps = np.full(n_alphas, np.nan)
    n_iters = np.zeros(n_alphas, dtype=np.int64)
    n_kept = np.zeros(n_alphas, dtype=np.int64)
    n_added = np.zeros(n_alphas, dtype=np.int64)
    added = []
    certs = []
    all_converged = True
    solver_verbose = max(verbose - 1, 0)
    for k, alpha in enumerate(grid):
        problem = _with_alpha(base, alpha)
        if use_rule:
            prev = grid[k - 1] if k else max(alpha_max, alpha)
            keep = (_dead_zone_score(grad, positive) >= c * rho * (2.0 * alpha - prev)) | (w != 0)
        else:
            keep = np.ones(p, dtype=bool)
        sub_tol = tol
        added_k = []
        tightened = 0
        iters = 0 if k else total_start_iter
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            while True:
                if keep.all():
                    res = solve(problem, w, b, tol=sub_tol, max_iter=max_iter, solver=solver,
                                verbose=solver_verbose)
                    w, b = res.coef, res.intercept
                    iters += res.n_iter
                    cert = build_certificate(problem, w, b, tol, n_iter=iters,
                                             solver=res.certificate.solver,
                                             dual_candidate=lambda: _support_refit_dual(problem, w))
                elif not keep.any():
                    # nothing kept (alpha above alpha_max): w stays 0, at its
                    # best intercept; only the certificate is computed
                    res = None
                    cert = build_certificate(problem, w, b, tol, n_iter=iters)
                else:
                    idx = np.flatnonzero(keep)
                    res = solve(_sub_problem(problem, idx), w[idx], b, tol=sub_tol,
                                max_iter=max_iter, solver=solver, verbose=solver_verbose)
                    w = np.zeros(p)
                    w[idx] = res.coef
                    b = res.intercept
                    iters += res.n_iter
                    cert = build_certificate(problem, w, b, tol, n_iter=iters,
                                             solver=res.certificate.solver,
                                             dual_candidate=lambda: _support_refit_dual(problem, w))
                if cert.converged:
                    break
                # KKT re-check: discarded features that violate optimality come back
                back = (cert.violation > cert.tol) & ~keep
                if back.any():
                    n_added[k] += int(back.sum())
                    added_k.append(np.flatnonzero(back))
                    keep |= back
                    continue
                if res is not None and res.certificate.converged and tightened < _MAX_TIGHTEN:
                    # the sub-problem held its own certificate and the full one
                    # missed on the same features: rounding; tighten and retry
                    sub_tol /= 10.0
                    tightened += 1
                    continue
                break
        n_kept[k] = int(keep.sum())
        added.append(np.concatenate(added_k) if added_k else np.zeros(0, dtype=np.int64))
        n_iters[k] = iters
        if not cert.converged:
            all_converged = False
            warnings.warn(
                f"regularization path: alpha[{k}]={alpha:.4g} not certified after "
                f"max_iter={max_iter}: max violation {cert.max_violation:.3e} > tol "
                f"{cert.tol:.3e}. Increase max_iter or loosen tol.",
                ConvergenceWarning, stacklevel=2)
        for item in caught:
            # the solver's ConvergenceWarnings are replaced by the path's own
            # (once per alpha, on the full certificate); others pass through
            if not issubclass(item.category, ConvergenceWarning):
                warnings.warn_explicit(item.message, item.category, item.filename, item.lineno)
        coefs[:, k] = w
        intercepts[k] = b if fit_intercept else 0.0
        if cert.duality_gap is not None:
            gaps[k] = cert.duality_gap
        if return_certificates:
            certs.append(cert)
        grad = cert.gradient
        if verbose:
            print(f"[sparsecert] path {k + 1}/{n_alphas}: alpha={alpha:.4e}, "
                  f"{n_kept[k]}/{p} features solved ({n_added[k]} added by the KKT "
                  f"re-check), {np.count_nonzero(w)} nonzero, {iters} iterations, "
                  f"max violation {cert.max_violation:.2e} (tol {cert.tol:.2e})")
        if callback is not None:
            callback(k, float(alpha), cert)
    return PathResult(grid, coefs, intercepts, gaps, certs if return_certificates else None,
                      n_iters, n_kept, n_added, all_converged, added)


def lasso_path(X, y, *, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4, max_iter=1000,
               fit_intercept=True, sample_weight=None, weights=None, positive=False,
               verbose=0, return_certificates=True, screening="strong", solver="auto"):
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
                               return_certificates=return_certificates)


def enet_path(X, y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4,
              max_iter=1000, fit_intercept=True, sample_weight=None, weights=None,
              positive=False, verbose=0, return_certificates=True, screening="strong",
              solver="auto"):
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
                               return_certificates=return_certificates)


def logistic_path(X, y, *, l1_ratio=1.0, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4,
                  max_iter=1000, fit_intercept=True, sample_weight=None, weights=None,
                  positive=False, verbose=0, return_certificates=True, screening="strong",
                  solver="auto"):
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
                               return_certificates=return_certificates)
