"""MultiTaskLasso and MultiTaskElasticNet: least squares on k targets, the L2,1
(+ ridge) penalty, certified feature by feature."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _num_features, check_is_fitted, validate_data

from .. import penalties
from .._kernels._notice import print_if
from .._multitask_certificate import make_multitask_problem
from .._validation import as_design, check_sample_weight
from ..solvers.multitask_cd import solve_multitask_cd
from ._base import COMMON_CONSTRAINTS, _name_the_input, forget_fit


def validate_multitask_Xy(estimator, X, y):
    """scikit-learn's validation of X and a 2-D y (a 1-D y raises, naming the
    mono-task estimators); returns (X, Y as C-ordered float64)."""
    try:
        X, Y = validate_data(estimator, X, y, accept_sparse=["csc", "csr", "coo"],
                             dtype=[np.float64, np.float32], y_numeric=True, multi_output=True)
    except ValueError as exc:
        raise _name_the_input(exc) from exc
    if Y.ndim == 1:
        raise ValueError(f"For mono-task outputs, use sparsecert.Lasso or ElasticNet: "
                         f"{type(estimator).__name__} needs a 2-D y of shape (n_samples, "
                         f"n_tasks).")
    return X, np.ascontiguousarray(Y, dtype=np.float64)


def predict_tasks(estimator, X):
    """X @ coef_.T + intercept_ (n_samples, n_tasks) of a fitted multi-task ``estimator``."""
    check_is_fitted(estimator)
    X = validate_data(estimator, X, reset=False, accept_sparse=["csr", "csc", "coo"],
                      dtype=[np.float64, np.float32])
    return safe_sparse_dot(X, estimator.coef_.T, dense_output=True) + estimator.intercept_


class MultiTaskLasso(RegressorMixin, BaseEstimator):
    r"""Multi-task linear regression with the L2,1 penalty, certified at the solution.

    Minimizes over W of shape (n_tasks, n_features) and b of shape (n_tasks,)

        (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2 + alpha sum_j ||W[:, j]||_2

    (scikit-learn's ``MultiTaskLasso`` objective; s_i = 1 without sample
    weights): a feature is used by all tasks or by none. Working-set block
    coordinate descent over the features (one exact block step per feature:
    W[:, j] <- BST(W[:, j] - g_j / L_j, alpha / L_j), L_j the column's
    weighted centred mean square), stopping when the first-order condition
    holds for every feature: ||g_j||_2 <= alpha where W[:, j] = 0 and
    g_j + alpha W[:, j] / ||W[:, j]|| = 0 elsewhere, up to ``tol * scale``
    with scale = max_j ||g_j(0, b0)||_2 (the multi-task alpha_max), and the
    relative duality gap <= tol. The penalty is
    :class:`sparsecert.penalties.MultiTaskL21`.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (>= 0).
    fit_intercept : bool, default=True
        Fit unpenalized intercepts, one per task (implicit centring: X is
        never centred).
    tol : float, default=1e-4
        Scale-free tolerance (see above).
    max_iter : int, default=1000
        Maximum number of block CD epochs (over working sets).
    warm_start : bool, default=False
        Start from the previous ``coef_``.
    verbose : int, default=0

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    n_iter_ : int
        Block CD epochs run (1 when the start is already certified).
    certificate_ : MultiTaskCertificate
        The optimality certificate, feature by feature (``group_violation``,
        ``group_margin``, ``explain()``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names

    Notes
    -----
    Y must be 2-D (a 1-D y raises, as scikit-learn's ``MultiTaskLasso``
    does: use :class:`sparsecert.Lasso`). Dense (Fortran-ordered), CSC and
    CSR X, float32 or float64, sample weights (rescaled to sum to n, which
    scikit-learn's ``MultiTaskLasso`` does not take). Paths:
    :func:`sparsecert.multitask_lasso_path`; cross-validation:
    :class:`sparsecert.MultiTaskLassoCV`.
    """

    _parameter_constraints = {
        key: value for key, value in COMMON_CONSTRAINTS.items() if key not in ("solver", "n_jobs")
    }
    _parameter_constraints["alpha"] = [Interval(numbers.Real, 0, None, closed="left")]

    def __init__(self, alpha=1.0, *, fit_intercept=True, tol=1e-4, max_iter=1000,
                 warm_start=False, verbose=0):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose

    def _penalty(self):
        return penalties.MultiTaskL21(alpha=float(self.alpha))

    def fit(self, X, y, sample_weight=None):
        """Fit the model; see the class docstring for the objective.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples, n_tasks)
            The targets Y, 2-D.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative; rescaled to sum to n_samples.

        Returns
        -------
        self
        """
        self._validate_params()
        warm = None
        if self.warm_start and hasattr(self, "coef_"):
            warm = np.array(self.coef_, dtype=np.float64)
            if _num_features(X) != warm.shape[1]:
                raise ValueError(
                    f"warm_start=True but X has {_num_features(X)} features while the "
                    f"previous fit had {warm.shape[1]}: refit with warm_start=False. The "
                    f"previous fit is left unchanged.")
        forget_fit(self, ("coef_", "intercept_", "certificate_", "n_iter_"))
        X, Y = validate_multitask_Xy(self, X, y)
        if warm is not None and warm.shape[0] != Y.shape[1]:
            warm = None  # another number of tasks: start from zero
        design = as_design(X)
        sw = check_sample_weight(sample_weight, design.n_samples)
        return self._fit_design(design, Y, sw, warm)

    def _fit_design(self, design, Y, sw, warm=None):
        """The fit on inputs validated already (a design, float64 Y (n, k), weights
        summing to n_samples); cross-validation's refit enters here."""
        with print_if(self.verbose):
            problem = make_multitask_problem(design, Y, sw, self._penalty(), self.fit_intercept)
            res = solve_multitask_cd(problem, warm, self.tol, self.max_iter, self.verbose)
        self.coef_ = res.coef.astype(design.dtype, copy=False)
        self.intercept_ = (res.intercept if self.fit_intercept
                           else np.zeros(Y.shape[1])).astype(design.dtype, copy=False)
        self.n_iter_ = max(int(res.n_iter), 1)
        self.certificate_ = res.certificate
        return self

    def __sklearn_is_fitted__(self):
        return hasattr(self, "certificate_")

    def predict(self, X):
        """Predicted targets X @ coef_.T + intercept_, of shape (n_samples, n_tasks)."""
        return predict_tasks(self, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


class MultiTaskElasticNet(MultiTaskLasso):
    r"""Multi-task linear regression with the L2,1 + ridge penalty, certified at the solution.

    Minimizes over W of shape (n_tasks, n_features) and b of shape (n_tasks,)

        (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2
            + alpha l1_ratio sum_j ||W[:, j]||_2 + (alpha (1 - l1_ratio) / 2) ||W||_F^2

    (scikit-learn's ``MultiTaskElasticNet`` objective), by the block
    coordinate descent of :class:`MultiTaskLasso` (each block step exact:
    W[:, j] <- BST(L_j W[:, j] - g_j, alpha l1_ratio) / (L_j + alpha (1 - l1_ratio))).
    The certificate holds a zero feature to ||g_j|| <= alpha l1_ratio and a
    nonzero one to g_j + alpha (1 - l1_ratio) W[:, j] + alpha l1_ratio
    W[:, j]/||W[:, j]|| = 0; the duality gap uses the penalty's finite
    conjugate. The penalty is ``sparsecert.penalties.MultiTaskL21(alpha, l1_ratio)``.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=0.5
        1 is the multi-task lasso; 0 a ridge penalty (no feature is zeroed).
    fit_intercept, tol, max_iter, warm_start, verbose
        As for :class:`MultiTaskLasso`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    n_iter_ : int
    certificate_ : MultiTaskCertificate
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    _parameter_constraints = dict(MultiTaskLasso._parameter_constraints)
    _parameter_constraints["l1_ratio"] = [Interval(numbers.Real, 0, 1, closed="both")]

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, tol=1e-4,
                 max_iter=1000, warm_start=False, verbose=0):
        super().__init__(alpha=alpha, fit_intercept=fit_intercept, tol=tol,
                         max_iter=max_iter, warm_start=warm_start, verbose=verbose)
        self.l1_ratio = l1_ratio

    def _penalty(self):
        return penalties.MultiTaskL21(alpha=float(self.alpha), l1_ratio=float(self.l1_ratio))
