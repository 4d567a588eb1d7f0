r"""Regularization paths of the block penalties: the group and sparse-group
lasso (least squares or logistic) and the multi-task lasso / elastic net
(and the multinomial model, :func:`multinomial_path`).

For a decreasing grid alpha_0 > alpha_1 > ... > alpha_{K-1}, each problem

    group lasso:  (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_g c_g ||w_g||_2
    sparse-group: F(w, b) + alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1),
                  F least squares or the logistic loss
    multi-task:   (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2
                      + alpha sum_j (rho ||W[:, j]||_2 + (1 - rho)/2 ||W[:, j]||_2^2)

is solved from the previous alpha's solution (warm start) by the block
coordinate descent of :mod:`sparsecert.solvers` and certified over all
blocks (groups; features for the multi-task models): every alpha keeps its
full certificate, and an alpha that does not certify gets a
ConvergenceWarning naming it. The loop is :func:`sparsecert.path._follow_path`
with a block step; the result is a :class:`sparsecert.path.PathResult`
(multi-task: ``coefs`` of shape (n_tasks, n_features, n_alphas) and
``intercepts`` (n_tasks, n_alphas), scikit-learn's ``enet_path`` layout).

The default grid is geometric from alpha_max down to ``eps * alpha_max``
(scikit-learn's ``MultiTaskLassoCV`` grid for the multi-task models):

    group lasso:  alpha_max = max_{g: c_g > 0} ||g_g(0, b0)||_2 / c_g
    sparse-group: alpha_max = max_{g: c_g > 0} N*(g_g(0, b0)) / c_g   (N* the dual norm)
    multi-task:   alpha_max = max_j ||g_j(0, b0)||_2 / rho

No screening rule runs between alphas: each block solve works on a working
set of the blocks nearest the edge of their dead zone (ranked by the
certificate's margins at the warm start), which is what a strong rule would
keep, and its certificate covers every block anyway.
"""

import copy
import numbers
import warnings

import numpy as np

from . import penalties as _penalties
from ._kernels._notice import print_if
from ._multinomial_certificate import (make_multinomial_problem, multinomial_alpha_max_on,
                                       multinomial_at_alpha, validate_multinomial)
from ._multitask_certificate import make_multitask_problem, validate_multitask
from ._problem import make_group_problem, threads_for
from ._strong_rule import decreasing_grid
from ._validation import validate_arrays
from .datafits import Logistic, Quadratic
from .path import PathResult, _AlphaSolution, _follow_path, _PathRecord, _SolveOptions, quietly
from .solvers import solve
from .solvers.alpha import group_alpha_max_on
from .solvers.multinomial_cd import solve_multinomial_cd
from .solvers.multitask_cd import solve_multitask_cd


def _check(tol, alphas):
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number; got {tol!r}.")
    if alphas is not None and not isinstance(alphas, numbers.Integral):
        given = np.asarray(alphas, dtype=np.float64).ravel()
        if given.size and np.all(np.isfinite(given)) and np.any(given <= 0):
            raise ValueError(f"alphas must be > 0 for a group-lasso or multi-task path "
                             f"(alpha = 0 is unpenalized least squares); got "
                             f"min(alphas)={given.min():g}.")


def _at_alpha(base, alpha):
    """``base`` at ``alpha``: a shallow copy (column statistics, groups, targets
    and tolerances shared) with the penalty moved."""
    problem = copy.copy(base)
    problem.penalty = base.penalty.with_alpha(float(alpha))
    if hasattr(problem.penalty, "encode"):
        problem.pen_code, problem.pen_params, problem.pen_weights = problem.penalty.encode(
            base.design.n_features)
    return problem


def _block_step(solve_block, at_alpha=_at_alpha):
    """A :func:`~sparsecert.path._follow_path` step solving every block at once
    with ``solve_block(problem, w, b, options)`` (its certificate covers all
    the blocks: it is the alpha's full certificate) on ``at_alpha(base, alpha)``."""
    def step(base, alpha, keep, w, b, n_iter, options):
        def one():
            res = solve_block(at_alpha(base, alpha), w, b, options)
            return _AlphaSolution(res.coef, res.intercept, res.certificate, keep, [],
                                  n_iter + res.n_iter)
        return quietly(one)
    return step


def _solve_group(problem, w, b, options):
    return solve(problem, w, b, tol=options.tol, max_iter=options.max_iter, solver="auto",
                 verbose=options.verbose)


def _solve_multitask(problem, W, b, options):
    return solve_multitask_cd(problem, W, options.tol, options.max_iter, options.verbose)


def _solve_multinomial(problem, W, b, options):
    return solve_multinomial_cd(problem, W, b, options.tol, options.max_iter, options.verbose)


def group_path_on(design, y64, sw, penalty, *, datafit=None, alphas=None, eps=1e-3,
                  n_alphas=100, tol=1e-4, max_iter=1000, fit_intercept=True, verbose=0,
                  return_certificates=True, callback=None, n_threads=1):
    """:func:`group_lasso_path`, :func:`sparse_group_lasso_path` and the binary
    :func:`group_logistic_path` on validated inputs (a design, float64 y,
    in {-1, +1} for the logistic datafit, weights summing to n_samples), a
    :class:`~sparsecert.penalties.GroupLasso` or
    :class:`~sparsecert.penalties.SparseGroupLasso` (its alpha ignored) and a
    datafit (least squares if None): what cross-validation's folds call."""
    _check(tol, alphas)
    datafit = Quadratic() if datafit is None else datafit
    with print_if(verbose):
        base = make_group_problem(design, y64, sw, datafit, penalty.with_alpha(0.0),
                                  fit_intercept, n_threads=n_threads)
        grid, _ = decreasing_grid(alphas, n_alphas, eps, lambda: group_alpha_max_on(
            design, y64, sw, penalty, datafit=datafit, fit_intercept=fit_intercept))
        options = _SolveOptions(tol, max_iter, "auto", max(verbose - 1, 0))
        start = (np.zeros(design.n_features), base.b0, 0, None)
        record = _PathRecord(grid, design, fit_intercept, return_certificates)
        _follow_path(base, start, grid, None, options, record, verbose, callback,
                     step=_block_step(_solve_group))
    return record.result()


def multitask_path_on(design, Y, sw, penalty, *, alphas=None, eps=1e-3, n_alphas=100,
                      tol=1e-4, max_iter=1000, fit_intercept=True, verbose=0,
                      return_certificates=True, callback=None, n_threads=1):
    """:func:`multitask_enet_path` on validated inputs (a design, float64 Y of
    shape (n, k), weights summing to n_samples) and a
    :class:`~sparsecert.penalties.MultiTaskL21` (its alpha ignored)."""
    _check(tol, alphas)
    if penalty.l1_ratio == 0 and (alphas is None or isinstance(alphas, numbers.Integral)):
        raise ValueError("l1_ratio=0 (ridge) has no alpha_max: pass the grid as alphas=.")
    with print_if(verbose):
        base = make_multitask_problem(design, Y, sw, penalty.with_alpha(0.0), fit_intercept)
        base.n_threads = n_threads
        grid, _ = decreasing_grid(alphas, n_alphas, eps,
                                  lambda: base.scale / float(penalty.l1_ratio))
        options = _SolveOptions(tol, max_iter, "auto", max(verbose - 1, 0))
        k = Y.shape[1]
        start = (np.zeros((k, design.n_features)), base.B0.copy(), 0, None)
        record = _PathRecord(grid, design, fit_intercept, return_certificates, n_tasks=k)
        _follow_path(base, start, grid, None, options, record, verbose, callback,
                     step=_block_step(_solve_multitask))
    return record.result()


def multinomial_path_on(design, yi, n_classes, sw, penalty, *, alphas=None, eps=1e-3,
                        n_alphas=100, tol=1e-4, max_iter=1000, fit_intercept=True, verbose=0,
                        return_certificates=True, callback=None, n_threads=1):
    """:func:`multinomial_path` on validated inputs (a design, class indices
    ``yi`` in 0..n_classes-1, weights summing to n_samples) and a penalty
    (:class:`~sparsecert.penalties.L1`, :class:`~sparsecert.penalties.ElasticNet`
    or :class:`~sparsecert.penalties.MultiTaskL21`; its alpha ignored): what
    cross-validation's folds call."""
    _check(tol, alphas)
    with print_if(verbose):
        base = make_multinomial_problem(design, yi, n_classes, sw, penalty.with_alpha(0.0),
                                        fit_intercept, n_threads=n_threads)
        grid, _ = decreasing_grid(alphas, n_alphas, eps,
                                  lambda: _finite_alpha_max(base, penalty))
        options = _SolveOptions(tol, max_iter, "auto", max(verbose - 1, 0))
        start = (np.zeros((n_classes, design.n_features)), base.b0s.copy(), 0, None)
        record = _PathRecord(grid, design, fit_intercept, return_certificates,
                             n_tasks=n_classes)
        _follow_path(base, start, grid, None, options, record, verbose, callback,
                     step=_block_step(_solve_multinomial, multinomial_at_alpha))
    return record.result()


def _finite_alpha_max(base, penalty):
    alpha_max = multinomial_alpha_max_on(base, penalty)
    if not np.isfinite(alpha_max):
        raise ValueError("l1_ratio=0 (ridge) has no alpha_max: pass the grid as alphas=.")
    return alpha_max


def multinomial_path(X, y, *, penalty="l1", l1_ratio=1.0, eps=1e-3, n_alphas=100, alphas=None,
                     tol=1e-4, max_iter=1000, fit_intercept=True, sample_weight=None,
                     weights=None, verbose=0, return_certificates=True, callback=None,
                     n_jobs=None):
    r"""Multinomial (softmax) logistic regression path, K >= 2 classes:

        (1/n) sum_i s_i [log sum_k exp(w_k^T x_i + b_k) - (w_{y_i}^T x_i + b_{y_i})]
            + alpha G(W),

    W of shape (K, p), b (K,) unpenalized, and G per coefficient
    (``penalty="l1"``: sum_j c_j sum_k |W_kj|; ``"elasticnet"``: sum_j c_j
    sum_k (rho |W_kj| + (1 - rho)/2 W_kj^2), rho = ``l1_ratio``) or grouped
    over the classes (``"grouped"``: sum_j c_j (rho ||W[:, j]||_2 + (1 - rho)/2
    ||W[:, j]||_2^2), a feature leaves all classes at once; rho = 1 is
    glmnet's grouped multinomial). The model of
    :class:`~sparsecert.SparseLogisticRegression` with
    ``multi_class="multinomial"``.

    Each alpha is solved from the previous solution by its working-set
    proximal Newton solver and certified feature by feature
    (a :class:`~sparsecert.certificate.MultinomialCertificate`: the
    per-coefficient or grouped conditions, the intercepts' gradient and the
    duality gap). The default grid is geometric from

        alpha_max = max_j ||G0[:, j]|| / (rho c_j),   G0 = dF/dW at (0, b0),

    (the norm the max over the classes, or the 2-norm for ``"grouped"``; b0
    the centred log class frequencies), where W = 0 is optimal, down to
    ``eps * alpha_max``: :func:`sparsecert.alpha_max` with
    ``datafit="multinomial"``.

    A function of its own rather than a switch of :func:`logistic_path`:
    the coefficients are (K, p) per alpha, the penalty may be grouped over
    the classes, and the binary path's options (``positive``, ``solver``,
    ``screening``) do not apply.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels (at least two classes; strings work). The rows of
        ``coefs`` follow the sorted labels, ``result.classes``.
    penalty : {"l1", "elasticnet", "grouped"}, default="l1"
    l1_ratio : float in [0, 1], default=1.0
        rho, used with ``"elasticnet"`` and ``"grouped"``; 0 (ridge) needs
        explicit ``alphas``.
    eps : float, default=1e-3
    n_alphas : int, default=100
    alphas : array-like or int, optional
        Explicit grid (values > 0, sorted decreasing) or its length.
    tol : float, default=1e-4
        Scale-free certificate tolerance at every alpha (x max ||G0[:, j]||).
    max_iter : int, default=1000
        Proximal Newton iterations per alpha.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
    weights : array-like of shape (n_features,), optional
        c_j >= 0 (all ones if None); a zero needs explicit ``alphas``.
    verbose, return_certificates, callback, n_jobs
        As in :func:`group_lasso_path`.

    Returns
    -------
    PathResult
        ``alphas`` (n_alphas,), ``coefs`` (n_classes, n_features, n_alphas),
        ``intercepts`` (n_classes, n_alphas) (each column summing to 0),
        ``dual_gaps``, ``certificates``
        (:class:`~sparsecert.certificate.MultinomialCertificate`), ``n_iters``,
        and ``classes`` (n_classes,), the sorted labels.
    """
    pen = multinomial_penalty_of(penalty, l1_ratio, weights)
    design, classes, yi, sw = validate_multinomial(X, y, sample_weight)
    result = multinomial_path_on(design, yi, classes.shape[0], sw, pen, alphas=alphas, eps=eps,
                                 n_alphas=n_alphas, tol=tol, max_iter=max_iter,
                                 fit_intercept=fit_intercept, verbose=verbose,
                                 return_certificates=return_certificates, callback=callback,
                                 n_threads=threads_for(n_jobs))
    result.classes = classes
    return result


def multinomial_penalty_of(penalty, l1_ratio, weights):
    """The penalty object (alpha 0) of ``penalty`` = "l1", "elasticnet" or "grouped"."""
    if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, numbers.Real) \
            or not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be a real number in [0, 1]; got {l1_ratio!r}.")
    if penalty == "l1":
        return _penalties.L1(alpha=0.0, weights=weights)
    if penalty == "elasticnet":
        return _penalties.ElasticNet(alpha=0.0, l1_ratio=float(l1_ratio), weights=weights)
    if penalty == "grouped":
        return _penalties.MultiTaskL21(alpha=0.0, l1_ratio=float(l1_ratio), weights=weights)
    raise ValueError(f"penalty must be 'l1', 'elasticnet' or 'grouped'; got {penalty!r}.")


def group_lasso_path(X, y, *, groups=1, weights=None, eps=1e-3, n_alphas=100, alphas=None,
                     tol=1e-4, max_iter=1000, fit_intercept=True, sample_weight=None, verbose=0,
                     return_certificates=True, callback=None, n_jobs=None):
    r"""Group-lasso path: (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_g c_g ||w_g||_2.

    Each alpha is solved from the previous solution by block coordinate
    descent (:class:`~sparsecert.GroupLasso`'s solver) and certified group by
    group (see :mod:`sparsecert.path_blocks`). :func:`sparse_group_lasso_path`
    with ``l1_ratio=0`` computes the same path.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    groups : int, list of index arrays, or one label per feature, default=1
        As :class:`sparsecert.penalties.GroupLasso`.
    weights : array-like of shape (n_groups,), optional
        c_g >= 0; sqrt(group size) if None.
    eps : float, default=1e-3
        The grid ends at ``eps * alpha_max``, alpha_max = max_g ||g_g(0, b0)|| / c_g.
    n_alphas : int, default=100
    alphas : array-like or int, optional
        Explicit grid (values > 0, sorted decreasing) or its length.
    tol : float, default=1e-4
        Scale-free certificate tolerance at every alpha (x max_g ||g_g(0, b0)||).
    max_iter : int, default=1000
        Block CD epochs per alpha.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
    verbose : int, default=0
    return_certificates : bool, default=True
        Keep each alpha's :class:`~sparsecert.certificate.GroupCertificate`.
    callback : callable, optional
        ``callback(k, alpha, certificate)`` after each alpha.
    n_jobs : int, default=None
        Threads for the full passes over a sparse or float32 X.

    Returns
    -------
    PathResult
        ``alphas`` (n_alphas,), ``coefs`` (n_features, n_alphas),
        ``intercepts``, ``dual_gaps``, ``certificates``, ``n_iters``.
    """
    penalty = _penalties.GroupLasso(alpha=0.0, groups=groups, weights=weights)
    return _least_squares_group_path(X, y, penalty, sample_weight, alphas=alphas, eps=eps,
                                     n_alphas=n_alphas, tol=tol, max_iter=max_iter,
                                     fit_intercept=fit_intercept, verbose=verbose,
                                     return_certificates=return_certificates,
                                     callback=callback, n_threads=threads_for(n_jobs))


def sparse_group_lasso_path(X, y, *, groups=1, l1_ratio=0.5, weights=None, eps=1e-3,
                            n_alphas=100, alphas=None, tol=1e-4, max_iter=1000,
                            fit_intercept=True, sample_weight=None, verbose=0,
                            return_certificates=True, callback=None, n_jobs=None):
    r"""Sparse-group-lasso path (:class:`~sparsecert.SparseGroupLasso`'s objective):

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2
            + alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1),   rho = l1_ratio.

    Each alpha is solved from the previous solution by block coordinate
    descent with the exact sparse-group prox and certified group by group
    (zero groups: N*(g_g) <= alpha c_g; inside a nonzero group each
    coefficient's condition; the duality gap). The default grid is
    geometric from

        alpha_max = max_{g: c_g > 0} N*(g_g(0, b0)) / c_g,

    N* the dual norm of (1 - rho) ||.||_2 + rho ||.||_1
    (:func:`sparsecert.alpha_max` with this penalty), down to
    ``eps * alpha_max``. ``l1_ratio=0`` is :func:`group_lasso_path`,
    ``l1_ratio=1`` the weighted Lasso path (weights c_{g(j)}).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    groups : int, list of index arrays, or one label per feature, default=1
        As :class:`sparsecert.penalties.SparseGroupLasso`.
    l1_ratio : float in [0, 1], default=0.5
        rho, the weight of the L1 part.
    weights : array-like of shape (n_groups,), optional
        c_g >= 0 (both parts); sqrt(group size) if None.
    eps, n_alphas, alphas, tol, max_iter, fit_intercept, sample_weight, verbose, \
return_certificates, callback, n_jobs
        As in :func:`group_lasso_path` (tol x max_g N*(g_g(0, b0))).

    Returns
    -------
    PathResult
        ``alphas`` (n_alphas,), ``coefs`` (n_features, n_alphas),
        ``intercepts``, ``dual_gaps``, ``certificates``
        (:class:`~sparsecert.certificate.GroupCertificate`), ``n_iters``.
    """
    penalty = _penalties.SparseGroupLasso(alpha=0.0, groups=groups, l1_ratio=l1_ratio,
                                          weights=weights)
    return _least_squares_group_path(X, y, penalty, sample_weight, alphas=alphas, eps=eps,
                                     n_alphas=n_alphas, tol=tol, max_iter=max_iter,
                                     fit_intercept=fit_intercept, verbose=verbose,
                                     return_certificates=return_certificates,
                                     callback=callback, n_threads=threads_for(n_jobs))


def _least_squares_group_path(X, y, penalty, sample_weight, **options):
    _penalties._check_l1_ratio(penalty.l1_ratio)  # before the data: name the parameter
    X, design, y64, sw = validate_arrays(X, y, Quadratic(), sample_weight)
    return group_path_on(design, y64, sw, penalty, **options)


def group_logistic_path(X, y, *, groups=1, l1_ratio=0.0, weights=None, eps=1e-3, n_alphas=100,
                        alphas=None, tol=1e-4, max_iter=1000, fit_intercept=True,
                        sample_weight=None, verbose=0, return_certificates=True, callback=None,
                        n_jobs=None):
    r"""Logistic group / sparse-group lasso path
    (:class:`~sparsecert.GroupLogisticRegression`'s objective):

        (1/n) sum_i s_i log(1 + exp(-y_i (x_i^T w + b)))
            + alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1),   rho = l1_ratio,

    for two classes (the larger label is y_i = +1); with k > 2 classes one
    such path per class, that class against the rest (one-vs-rest, as the
    estimator fits them), all on one grid.

    Each alpha is solved from the previous solution by the estimator's block
    coordinate descent and certified group by group (gradient conditions,
    intercept, duality gap). The default grid is geometric from

        alpha_max = max_{g: c_g > 0} N*(g_g(0, b0)) / c_g

    (b0 the log-odds; N* the dual norm, ||.||_2 for rho = 0), the largest of
    the k binary problems' for k > 2, where every solution is zero, down to
    ``eps * alpha_max``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels (at least two; strings work).
    groups : int, list of index arrays, or one label per feature, default=1
        As :class:`sparsecert.penalties.SparseGroupLasso`.
    l1_ratio : float in [0, 1], default=0.0
        rho (0: the group lasso), as :class:`~sparsecert.GroupLogisticRegression`.
    weights : array-like of shape (n_groups,), optional
        c_g >= 0; sqrt(group size) if None.
    eps, n_alphas, alphas, tol, max_iter, fit_intercept, sample_weight, verbose, \
return_certificates, n_jobs
        As in :func:`group_lasso_path` (max_iter: epochs per alpha and class).
    callback : callable, optional
        ``callback(k, alpha, certificate)`` after each alpha; for k > 2
        classes after each alpha of each class's path, the classes in turn.

    Returns
    -------
    PathResult
        Two classes: ``coefs`` (n_features, n_alphas), ``intercepts``,
        ``dual_gaps`` and ``n_iters`` (n_alphas,), ``certificates`` (one
        :class:`~sparsecert.certificate.GroupCertificate` per alpha). For
        k > 2 classes (one-vs-rest): ``coefs`` (k, n_features, n_alphas)
        (row c: class ``classes[c]`` against the rest), ``intercepts``,
        ``dual_gaps`` and ``n_iters`` (k, n_alphas), and ``certificates[a]``
        the list of the k certificates at ``alphas[a]``. Both carry
        ``classes``, the sorted labels.
    """
    penalty = _penalties.SparseGroupLasso(alpha=0.0, groups=groups, l1_ratio=l1_ratio,
                                          weights=weights)
    _penalties._check_l1_ratio(penalty.l1_ratio)
    design, classes, yi, sw = validate_multinomial(X, y, sample_weight, "group_logistic_path")
    # class c against the rest; the larger label alone for two classes
    binary = [np.where(yi == c, 1.0, -1.0) for c in range(1 if classes.shape[0] == 2 else 0,
                                                          classes.shape[0])]
    options = dict(tol=tol, max_iter=max_iter, fit_intercept=fit_intercept, verbose=verbose,
                   return_certificates=return_certificates, callback=callback,
                   n_threads=threads_for(n_jobs), datafit=Logistic())
    if len(binary) == 1:
        result = group_path_on(design, binary[0], sw, penalty, alphas=alphas, eps=eps,
                               n_alphas=n_alphas, **options)
        result.classes = classes
        return result
    _check(tol, alphas)
    grid, _ = decreasing_grid(alphas, n_alphas, eps, lambda: max(
        group_alpha_max_on(design, y_pm, sw, penalty, datafit=Logistic(),
                           fit_intercept=fit_intercept) for y_pm in binary))
    return one_vs_rest_path(classes, binary, lambda y_pm: group_path_on(
        design, y_pm, sw, penalty, alphas=grid, **options))


def one_vs_rest_path(classes, binary, path_of):
    """The one-vs-rest path: ``path_of(y_pm)`` (a binary path on the common
    grid) for each class's +1/-1 target in ``binary``, in turn, stacked by
    :func:`one_vs_rest_result`. Each class's warnings (an alpha that did not
    certify) are re-issued naming the class."""
    results = []
    for label, y_pm in zip(classes, binary):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results.append(path_of(y_pm))
        for w in caught:
            warnings.warn_explicit(f"class {label!s} against the rest: {w.message}",
                                   w.category, w.filename, w.lineno)
    return one_vs_rest_result(results, classes)


def one_vs_rest_result(results, classes):
    """One :class:`~sparsecert.path.PathResult` of the binary paths ``results``
    (class ``classes[c]`` against the rest, all on one grid): the per-alpha
    arrays stacked with the class first (``coefs`` (k, n_features, n_alphas),
    ``intercepts``, ``dual_gaps``, ``n_iters``, ``n_kept``, ``n_kkt_added``,
    ``n_passes`` (k, n_alphas)), ``certificates[a]`` the k certificates of
    alpha a, ``kkt_added[c]`` class c's list, ``classes`` the labels."""
    def stacked(name):
        return np.stack([getattr(r, name) for r in results])

    certificates = None
    if results[0].certificates is not None:
        certificates = [list(certs) for certs in zip(*(r.certificates for r in results))]
    result = PathResult(results[0].alphas, stacked("coefs"), stacked("intercepts"),
                        stacked("dual_gaps"), certificates, stacked("n_iters"),
                        stacked("n_kept"), stacked("n_kkt_added"),
                        all(r.converged for r in results),
                        kkt_added=[r.kkt_added for r in results], n_passes=stacked("n_passes"))
    result.classes = classes
    return result


def multitask_enet_path(X, Y, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4,
                        max_iter=1000, fit_intercept=True, sample_weight=None, verbose=0,
                        return_certificates=True, callback=None, n_jobs=None):
    r"""Multi-task elastic-net path (scikit-learn's ``MultiTaskElasticNet`` objective):

        (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2
            + alpha sum_j (rho ||W[:, j]||_2 + (1 - rho)/2 ||W[:, j]||_2^2),  rho = l1_ratio.

    Each alpha is solved from the previous one by block coordinate descent
    (:class:`~sparsecert.MultiTaskElasticNet`'s solver) and certified feature
    by feature.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    Y : array-like of shape (n_samples, n_tasks)
    l1_ratio : float in [0, 1], default=0.5
        0 (ridge) has no alpha_max: pass ``alphas``.
    eps : float, default=1e-3
        The grid ends at ``eps * alpha_max``, alpha_max = max_j ||g_j(0, b0)||_2 / rho
        (scikit-learn's grid).
    n_alphas : int, default=100
    alphas : array-like or int, optional
        Explicit grid (values > 0, sorted decreasing) or its length.
    tol : float, default=1e-4
        Scale-free certificate tolerance (x max_j ||g_j(0, b0)||_2).
    max_iter : int, default=1000
        Block CD epochs per alpha.
    fit_intercept : bool, default=True
    sample_weight : array-like of shape (n_samples,), optional
    verbose, return_certificates, callback, n_jobs
        As in :func:`group_lasso_path`.

    Returns
    -------
    PathResult
        ``alphas`` (n_alphas,), ``coefs`` (n_tasks, n_features, n_alphas),
        ``intercepts`` (n_tasks, n_alphas), ``dual_gaps``, ``certificates``
        (:class:`~sparsecert.certificate.MultiTaskCertificate`), ``n_iters``.
    """
    penalty = _penalties.MultiTaskL21(alpha=0.0, l1_ratio=l1_ratio)
    design, Y, sw = validate_multitask(X, Y, sample_weight)
    return multitask_path_on(design, Y, sw, penalty, alphas=alphas, eps=eps, n_alphas=n_alphas,
                             tol=tol, max_iter=max_iter, fit_intercept=fit_intercept,
                             verbose=verbose, return_certificates=return_certificates,
                             callback=callback, n_threads=threads_for(n_jobs))


def multitask_lasso_path(X, Y, *, eps=1e-3, n_alphas=100, alphas=None, tol=1e-4, max_iter=1000,
                         fit_intercept=True, sample_weight=None, verbose=0,
                         return_certificates=True, callback=None, n_jobs=None):
    r"""Multi-task lasso path: (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2 + alpha sum_j ||W[:, j]||_2.

    :func:`multitask_enet_path` with ``l1_ratio=1``; parameters and result as there.
    """
    return multitask_enet_path(X, Y, l1_ratio=1.0, eps=eps, n_alphas=n_alphas, alphas=alphas,
                               tol=tol, max_iter=max_iter, fit_intercept=fit_intercept,
                               sample_weight=sample_weight, verbose=verbose,
                               return_certificates=return_certificates, callback=callback,
                               n_jobs=n_jobs)
