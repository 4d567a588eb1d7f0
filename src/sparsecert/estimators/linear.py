"""Lasso, ElasticNet and the general estimator for the quadratic datafit."""

import numbers

from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval

from .. import penalties
from .._kernels import codes
from ._base import SparseLinearRegressor


class Lasso(SparseLinearRegressor):
    r"""Linear regression with an L1 penalty, certified at the solution.

    Minimizes over (w, b)

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_j c_j |w_j|

    by cyclic coordinate descent (Numba-compiled), stopping when the
    first-order optimality condition holds over all features:
    |g_j| <= alpha c_j at every zero and g_j = -alpha c_j sign(w_j) at every
    nonzero, up to ``tol * alpha_max``.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (>= 0). For alpha >= ``alpha_max(X, y)`` the
        solution is exactly zero.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (profiled out by implicit centring, so
        dense and sparse X give the same solution and X is never centred).
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float, default=1e-4
        Scale-free tolerance: stop when max violation <= tol * ||grad F(0, b0)||_inf.
    warm_start : bool, default=False
        Start from the previous ``coef_``. A fit on X with another number of
        features raises a ValueError and leaves the previous fit unchanged.
    positive : bool, default=False
        Constrain the coefficients to be >= 0.
    solver : {"auto", "cd", "fista"}, default="auto"
        "auto" and "cd": coordinate descent. "fista": accelerated proximal
        gradient with adaptive restart and backtracking (slower here; for
        users who ask for it). Both stop on the same certificate.
    weights : array-like of shape (n_features,), default=None
        Per-feature penalty weights c_j >= 0 (0 = unpenalized); all ones if None.
    n_jobs : int, default=None
        Threads for the full passes over a sparse or float32 X (the set-up's
        column statistics and X^T y, every certificate's X^T u), in
        scikit-learn's meaning: None = 1, -1 = all cores. The coordinate
        steps stay sequential. Each column's sum is computed in the same
        order whatever the thread, so the fit is bitwise the same for any
        n_jobs.
    verbose : int, default=0

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Epochs (coordinate descent) or iterations (FISTA) run; 1 when the
        start is already certified (scikit-learn's convention n_iter_ >= 1).
    n_passes_ : float
        Full passes over X the fit took: the set-up (column statistics and
        X^T y, one pass for a sparse X), every certificate, and each CD
        epoch as its working set's share of nnz(X). NaN for a Dask X.
    certificate_ : sparsecert.Certificate
        The optimality certificate at the returned point.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    _parameter_constraints = {
        **SparseLinearRegressor._parameter_constraints,
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "positive": ["boolean"],
        "weights": ["array-like", None],
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, max_iter=1000, tol=1e-4,
                 warm_start=False, positive=False, solver="auto", weights=None, n_jobs=None, verbose=0):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.solver = solver
        self.weights = weights
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _penalty(self):
        return penalties.L1(alpha=float(self.alpha), weights=self.weights, positive=self.positive)


class ElasticNet(SparseLinearRegressor):
    r"""Linear regression with an elastic-net penalty, certified at the solution.

    Minimizes over (w, b)

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2
            + alpha sum_j c_j (rho |w_j| + (1 - rho)/2 w_j^2),   rho = l1_ratio,

    the parametrization of scikit-learn's ``ElasticNet``. A zero w_j is optimal
    iff |g_j| <= alpha c_j rho.

    Parameters
    ----------
    alpha : float, default=1.0
    l1_ratio : float in [0, 1], default=0.5
        rho; 0 is ridge (no exact zeros), 1 is the Lasso.
    fit_intercept, max_iter, tol, warm_start, positive, solver, weights, verbose
        As in :class:`Lasso`.

    Attributes
    ----------
    coef_, intercept_, n_iter_, certificate_, n_features_in_, feature_names_in_
        As in :class:`Lasso`.
    """

    _parameter_constraints = {
        **Lasso._parameter_constraints,
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
    }

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, max_iter=1000,
                 tol=1e-4, warm_start=False, positive=False, solver="auto", weights=None,
                 n_jobs=None, verbose=0):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.solver = solver
        self.weights = weights
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _penalty(self):
        return penalties.ElasticNet(alpha=float(self.alpha), l1_ratio=float(self.l1_ratio),
                                    weights=self.weights, positive=self.positive)


class GeneralizedLinearEstimator(SparseLinearRegressor):
    r"""Any datafit with any penalty: minimizes F(w, b) + G(w).

    Parameters
    ----------
    datafit : sparsecert.datafits object or name, default=Quadratic()
    penalty : sparsecert.penalties object, default=L1(alpha=1.0)
    fit_intercept, max_iter, tol, warm_start, solver, verbose
        As in :class:`Lasso`. With the logistic datafit ``max_iter`` counts
        proximal Newton iterations.

    Notes
    -----
    This is a regressor class. With ``datafit=Logistic()`` (or "logistic"),
    y must hold exactly two classes (e.g. -1/+1, 0/1 or two strings); the
    larger one, ``classes_[1]``, is coded +1. ``predict`` then returns
    ``classes_[1]`` where x^T w + b > 0 and ``classes_[0]`` elsewhere, and
    :meth:`decision_function` gives x^T w + b; for probabilities, multiclass
    and scikit-learn's classifier tooling use :class:`SparseLogisticRegression`.
    Note that ``score`` stays the regressor's R^2 of the predicted labels only
    when they are numbers; prefer ``accuracy_score(y, est.predict(X))``.
    """

    _parameter_constraints = {
        **SparseLinearRegressor._parameter_constraints,
        "datafit": [None, str, object],
        "penalty": [None, object],
    }

    def __init__(self, datafit=None, penalty=None, *, fit_intercept=True, max_iter=1000,
                 tol=1e-4, warm_start=False, solver="auto", n_jobs=None, verbose=0):
        self.datafit = datafit
        self.penalty = penalty
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.solver = solver
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _datafit(self):
        from ..datafits import Quadratic, as_datafit

        return Quadratic() if self.datafit is None else as_datafit(self.datafit)

    def _penalty(self):
        return penalties.L1(alpha=1.0) if self.penalty is None else self.penalty

    def _is_classifier(self):
        return self._datafit().code == codes.LOGISTIC

    @available_if(_is_classifier)
    def decision_function(self, X):
        """x^T w + b for every row of X (only with the logistic datafit: a
        regressor has none, as scikit-learn's conventions require)."""
        return SparseLinearRegressor.predict(self, X)

    def predict(self, X):
        """Predicted values; for the logistic datafit, the class on the side of x^T w + b."""
        d = SparseLinearRegressor.predict(self, X)
        if self._datafit().code == codes.LOGISTIC:
            return self.classes_[(d > 0).astype(int)]
        return d


class LpRegression(SparseLinearRegressor):
    r"""Linear regression with an Lp penalty, for any p > 0.

    Minimizes over (w, b)

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_j c_j |w_j|^p.

    * p > 1 (p = 2 is ridge): convex and smooth. No coefficient is ever
      exactly zero (a zero needs g_j = 0 exactly); the certificate is global
      and carries a duality gap.
    * p = 1: the Lasso.
    * 0 < p < 1: nonconvex; sparser than the Lasso, with less shrinkage of
      large coefficients. Coordinate descent uses the exact scalar prox (which
      jumps from 0 to at least beta_p). The fit starts from w = 0 (and the
      best intercept), deterministically; the result is a point where every
      coordinate is a fixed point of its prox step (L-stationarity), and the
      certificate says ``kind == "local"``: a local, not global, guarantee.

    Parameters
    ----------
    alpha : float, default=1.0
    p : float > 0, default=0.5
    fit_intercept, max_iter, tol, warm_start, positive, solver, weights, verbose
        As in :class:`Lasso`.
    """

    _parameter_constraints = {
        **Lasso._parameter_constraints,
        "p": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, alpha=1.0, *, p=0.5, fit_intercept=True, max_iter=1000, tol=1e-4,
                 warm_start=False, positive=False, solver="auto", weights=None, n_jobs=None, verbose=0):
        self.alpha = alpha
        self.p = p
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.solver = solver
        self.weights = weights
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _penalty(self):
        return penalties.Lp(alpha=float(self.alpha), p=float(self.p), weights=self.weights,
                            positive=self.positive)
