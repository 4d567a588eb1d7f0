"""The group and sparse-group lasso estimators, certified group by group:
least squares (GroupLasso, SparseGroupLasso) and logistic
(GroupLogisticRegression, binary or one-vs-rest)."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from .. import penalties
from .._kernels._notice import print_if
from .._problem import make_group_problem
from .._validation import check_sample_weight
from ..datafits import Logistic
from ..solvers import solve
from ._base import COMMON_CONSTRAINTS, SparseLinearRegressor, validate_Xy
from .logistic import (SparseLogisticRegression, _check_warm, _warm_point, ovr_targets,
                       store_binary_fits, two_classes_or_more)


class GroupLasso(SparseLinearRegressor):
    r"""Linear regression with a group-lasso penalty, certified at the solution.

    Minimizes over (w, b)

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_g c_g ||w_g||_2

    over a partition of the features into groups, by working-set block
    coordinate descent (Numba-compiled block proximal-gradient steps with
    step 1 / L_g, L_g the largest eigenvalue of the group's weighted centred
    Gram matrix / n), stopping when the first-order optimality condition
    holds over all groups: ||g_g|| <= alpha c_g at every zero group and
    g_g + alpha c_g w_g / ||w_g|| = 0 at every nonzero one, up to
    ``tol * scale`` with scale = max_g ||grad_g F(0, b0)||_2, and the
    relative duality gap <= tol. A whole group is zero or nonzero together.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (>= 0); for alpha >= ``sparsecert.alpha_max(X,
        y, penalty=sparsecert.penalties.GroupLasso(1.0, groups))`` every
        penalized group is zero.
    groups : int, list of index arrays, or array-like of n_features labels, default=1
        An int k: contiguous groups of k features (n_features must be a
        multiple of k). A list of 1-D integer arrays: the features of each
        group. One label per feature (ints or strings): equal labels form a
        group, groups ordered as ``np.unique`` sorts the labels. The default
        ``groups=1`` makes every feature its own group (with c_g = 1: the
        Lasso), valid for any number of features. Groups must not overlap,
        be empty or leave a feature out (a ValueError naming ``groups``).
    weights : array-like of shape (n_groups,), default=None
        c_g >= 0 per group (0 = unpenalized); sqrt(group size) if None.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (implicit centring: X is never centred).
    tol : float, default=1e-4
        Scale-free tolerance (see above).
    max_iter : int, default=1000
        Maximum number of block CD epochs (over working sets).
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    verbose : int, default=0

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Block CD epochs run (1 when the start is already certified).
    n_passes_ : float
        Full passes over X the fit took (set-up, certificates, epochs).
    certificate_ : sparsecert.certificate.GroupCertificate
        The optimality certificate, group by group (``group_violation``,
        ``group_margin``, ``explain()``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names

    Notes
    -----
    Dense (Fortran-ordered), CSC and CSR X (used as given; the working
    set's columns copied out), float32 or float64, sample weights. Paths:
    :func:`sparsecert.group_lasso_path`; cross-validation:
    :class:`sparsecert.GroupLassoCV`. Not yet: Dask arrays. The sparse-group
    lasso is :class:`SparseGroupLasso`; the logistic group lasso
    :class:`GroupLogisticRegression`.
    """

    _parameter_constraints = {
        key: value for key, value in COMMON_CONSTRAINTS.items() if key not in ("solver", "n_jobs")
    }
    _parameter_constraints.update({
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "groups": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "weights": ["array-like", None],
    })

    def __init__(self, alpha=1.0, *, groups=1, weights=None, fit_intercept=True, tol=1e-4,
                 max_iter=1000, warm_start=False, verbose=0):
        self.alpha = alpha
        self.groups = groups
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    def _penalty(self):
        return penalties.GroupLasso(alpha=float(self.alpha), groups=self.groups,
                                    weights=self.weights)

    def _solver_name(self):
        return "auto"

    def _fit_dask(self, X, y, sample_weight, datafit, warm):
        raise TypeError("GroupLasso does not take a Dask array yet: pass a NumPy array or a "
                        "scipy.sparse matrix.")


_GROUP_CONSTRAINTS = {
    "alpha": [Interval(numbers.Real, 0, None, closed="left")],
    "groups": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
    "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
    "weights": ["array-like", None],
}


class SparseGroupLasso(GroupLasso):
    r"""Linear regression with a sparse-group-lasso penalty, certified at the solution.

    Minimizes over (w, b)

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2
            + alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1),

    rho = ``l1_ratio``: whole groups leave the model, and single
    coefficients inside the groups that stay (Simon, Friedman, Hastie &
    Tibshirani, 2013; here c_g weighs both parts, see
    :class:`sparsecert.penalties.SparseGroupLasso`). ``l1_ratio=0`` is
    :class:`GroupLasso` (the same iterates), ``l1_ratio=1`` the Lasso with
    per-feature weights c_{g(j)}.

    Solved by working-set block coordinate descent whose block step is the
    exact prox (soft-threshold each coordinate by alpha rho c_g / L_g, then
    block soft-threshold by alpha (1 - rho) c_g / L_g), stopping when the
    certificate holds over all groups: ||S(g_g, alpha rho c_g)||_2 <=
    alpha (1 - rho) c_g at every zero group, and at every nonzero one
    g_j + alpha (1 - rho) c_g w_j / ||w_g|| + alpha rho c_g sign(w_j) = 0 at
    its nonzero w_j and |g_j| <= alpha rho c_g at its zero w_j, up to
    ``tol * scale`` (scale = max_g ||grad_g F(0, b0)||_2), and the relative
    duality gap <= tol.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (>= 0); for alpha >= ``sparsecert.alpha_max(X,
        y, penalty=sparsecert.penalties.SparseGroupLasso(1.0, groups,
        l1_ratio))`` every penalized group is zero.
    groups : int, list of index arrays, or array-like of n_features labels, default=1
        As for :class:`GroupLasso`.
    l1_ratio : float in [0, 1], default=0.5
        rho, the weight of the L1 part.
    weights : array-like of shape (n_groups,), default=None
        c_g >= 0 per group (0 = unpenalized, both parts); sqrt(group size) if None.
    fit_intercept, tol, max_iter, warm_start, verbose
        As for :class:`GroupLasso`.

    Attributes
    ----------
    coef_, intercept_, n_iter_, n_passes_, certificate_, n_features_in_,
    feature_names_in_
        As for :class:`GroupLasso`; ``certificate_.group_gradient_norm`` is
        the dual norm N*(g_g) that the group's threshold alpha c_g bounds.
    """

    _parameter_constraints = {**GroupLasso._parameter_constraints, **_GROUP_CONSTRAINTS}

    def __init__(self, alpha=1.0, *, groups=1, l1_ratio=0.5, weights=None, fit_intercept=True,
                 tol=1e-4, max_iter=1000, warm_start=False, verbose=0):
        super().__init__(alpha=alpha, groups=groups, weights=weights,
                         fit_intercept=fit_intercept, tol=tol, max_iter=max_iter,
                         warm_start=warm_start, verbose=verbose)
        self.l1_ratio = l1_ratio

    def _penalty(self):
        return penalties.SparseGroupLasso(alpha=float(self.alpha), groups=self.groups,
                                          l1_ratio=float(self.l1_ratio), weights=self.weights)

    def _fit_dask(self, X, y, sample_weight, datafit, warm):
        raise TypeError("SparseGroupLasso does not take a Dask array yet: pass a NumPy array "
                        "or a scipy.sparse matrix.")


class GroupLogisticRegression(SparseLogisticRegression):
    r"""Logistic regression with a group or sparse-group lasso penalty, certified.

    For two classes (the larger of ``classes_`` is the positive one, y_i = +1)
    it minimizes over (w, b)

        (1/n) sum_i s_i log(1 + exp(-y_i (x_i^T w + b)))
            + alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1),

    rho = ``l1_ratio`` (0, the default: the group lasso), with an
    unpenalized intercept b and s_i the sample weights rescaled to sum to n.
    With k > 2 classes one binary problem is fitted per class (that class
    against the rest, as :class:`SparseLogisticRegression` does), each with
    its own certificate.

    Solver: proximal Newton over working sets of groups. At (w, b) the loss
    is replaced by its quadratic model, weights h_i = s_i p_i (1 - p_i) / n
    from the current probabilities p_i; block coordinate descent minimizes
    the model plus the penalty (each group's subproblem solved in its own
    dimensions with its h-weighted Gram matrix and the exact block prox of
    :class:`SparseGroupLasso`, the intercept profiled out), and a
    backtracking line search on the true objective takes the step. A round
    in which Newton takes no step falls back to block proximal-gradient
    epochs with step 1 / L_g, L_g = (1/4) the largest eigenvalue of
    X_g^T S X_g / n (the largest curvature the loss can have along the
    block). It stops when the group certificate holds
    (see :class:`SparseGroupLasso`; for rho = 0, ||g_g|| <= alpha c_g at
    every zero group and g_g + alpha c_g w_g / ||w_g|| = 0 at every nonzero
    one), |dF/db| is small, and the relative duality gap (from the logistic
    conjugate, the dual point rebalanced and rescaled into the groups' dual
    balls) is <= tol; scale = max_g ||grad_g F(0, b0)||_2, b0 the log-odds.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (>= 0); for alpha >= ``sparsecert.alpha_max(X,
        y, datafit="logistic", penalty=sparsecert.penalties.SparseGroupLasso(1.0,
        groups, l1_ratio))`` the binary solution is exactly zero.
    groups : int, list of index arrays, or array-like of n_features labels, default=1
        As for :class:`GroupLasso`.
    l1_ratio : float in [0, 1], default=0.0
        rho, the weight of the L1 part (0: the group lasso).
    weights : array-like of shape (n_groups,), default=None
        c_g >= 0 per group (0 = unpenalized); sqrt(group size) if None.
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Maximum number of Newton iterations (plus fallback block CD epochs)
        per binary fit.
    tol : float, default=1e-4
        Scale-free tolerance (see above).
    warm_start : bool, default=False
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,) or (n_classes,)
    n_passes_ : float
    certificate_ : GroupCertificate (binary) or list of them (one per class)
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    _parameter_constraints = {
        key: value for key, value in COMMON_CONSTRAINTS.items() if key not in ("solver", "n_jobs")
    }
    _parameter_constraints.update(_GROUP_CONSTRAINTS)

    def __init__(self, alpha=1.0, *, groups=1, l1_ratio=0.0, weights=None, fit_intercept=True,
                 max_iter=1000, tol=1e-4, warm_start=False, verbose=0):
        self.alpha = alpha
        self.groups = groups
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose

    def _penalty(self):
        return penalties.SparseGroupLasso(alpha=float(self.alpha), groups=self.groups,
                                          l1_ratio=float(self.l1_ratio), weights=self.weights)

    def _multinomial(self, classes):
        return False  # one binary fit per class, always

    def fit(self, X, y, sample_weight=None):
        """Fit the model (one certified binary fit per class when k > 2).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Dense (used in Fortran order), CSC or CSR; never densified.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes; strings allowed).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative; rescaled to sum to n_samples.

        Returns
        -------
        self
        """
        self._validate_params()
        warm = self._take_warm_start()
        X, y, design = validate_Xy(self, X, y, y_numeric=False)
        classes = two_classes_or_more(y)
        penalty = self._penalty()
        sw = check_sample_weight(sample_weight, design.n_samples)
        _check_warm(warm, design.n_features, classes)
        fits = []
        passes = 0.0
        with print_if(self.verbose):
            for k, positive_class in enumerate(ovr_targets(classes)):
                problem = make_group_problem(design, np.where(y == positive_class, 1.0, -1.0),
                                             sw, Logistic(), penalty, self.fit_intercept)
                w0, b0 = _warm_point(warm, k)
                res = solve(problem, w0, b0, tol=self.tol, max_iter=self.max_iter,
                            verbose=self.verbose)
                fits.append((res.coef, res.intercept if self.fit_intercept else 0.0,
                             max(res.n_iter, 1), res.certificate))
                passes += problem.work.passes
        store_binary_fits(self, classes, fits, design.n_features, X.dtype)
        self.n_passes_ = passes
        return self
