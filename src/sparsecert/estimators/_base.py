"""Shared machinery of the estimators: validation, warm starts, results.

Estimators hold no numerical code: they validate, build a problem, call
:func:`sparsecert.solvers.solve` and store what it returns.
"""

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import _num_features, check_is_fitted, validate_data

from .._kernels import codes
from .._kernels._notice import print_if
from ..datafits import Quadratic
from .._problem import make_group_problem, make_problem, threads_for
from .._validation import as_design, check_sample_weight
from .._validation import encode_target
from .._validation import is_dask_array
from ..solvers import solve

COMMON_CONSTRAINTS = {
    "fit_intercept": ["boolean"],
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    "tol": [Interval(numbers.Real, 0, None, closed="neither")],
    "warm_start": ["boolean"],
    "solver": [StrOptions({"auto", "cd", "fista"})],
    "n_jobs": [numbers.Integral, None],
    "verbose": ["verbose"],
}


def forget_fit(estimator, attrs):
    """Delete a previous fit's attributes before a new fit starts, so that an
    interrupted fit (Ctrl-C, an error) never leaves stale ones looking fitted."""
    for attr in attrs:
        if hasattr(estimator, attr):
            delattr(estimator, attr)


def validate_Xy(estimator, X, y, *, reset=True, y_numeric=True):
    """scikit-learn validation, then the kernels' layout; returns (X, y, design)."""
    if reset and _plain_arrays(X, y):
        # what validate_data would do to these (nothing but the bookkeeping
        # below), without its dataframe probes: about 0.1 ms, a quarter of
        # a diabetes-sized fit
        estimator.n_features_in_ = X.shape[1]
        if hasattr(estimator, "feature_names_in_"):
            delattr(estimator, "feature_names_in_")
        return X, y, as_design(X)
    try:
        X, y = validate_data(estimator, X, y, reset=reset, accept_sparse=["csc", "csr", "coo"],
                             dtype=[np.float64, np.float32], y_numeric=y_numeric,
                             multi_output=False)
    except ValueError as exc:
        raise _name_the_input(exc) from exc
    return X, y, as_design(X)


def _plain_arrays(X, y):
    """True when scikit-learn's validation would pass X and y through unchanged.

    X a 2-D float64 or float32 ``numpy.ndarray`` (not a subclass, a
    dataframe or a sparse matrix) with at least one row and column, y a 1-D
    contiguous real or integer ``numpy.ndarray`` of the same length, both
    finite (a finite largest and smallest entry: a NaN or an infinity shows
    in one of them, and neither can overflow). Anything else, including
    every input that would raise or warn, takes the full validation.
    """
    if type(X) is not np.ndarray or type(y) is not np.ndarray:
        return False
    if X.ndim != 2 or y.ndim != 1 or X.dtype not in _FLOAT_DTYPES or y.dtype.kind not in "fiu":
        return False
    n, p = X.shape
    if n == 0 or p == 0 or y.shape[0] != n or not y.flags.c_contiguous:
        return False
    return (math.isfinite(X.max()) and math.isfinite(X.min())
            and (y.dtype.kind != "f" or (math.isfinite(y.max()) and math.isfinite(y.min()))))


_FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def _name_the_input(exc):
    """scikit-learn's shape errors ("Found array with 0 sample(s)...") do not say
    which argument is wrong: prefix its name, keeping scikit-learn's wording."""
    msg = str(exc)
    if "inconsistent numbers of samples" in msg:
        return type(exc)(f"X and y have different lengths: {msg}")
    if msg.startswith("Found array with") or msg.startswith("Expected 2D array"):
        return type(exc)(f"X: {msg}")
    return exc


def _encode_pm1(y, positive_class):
    """+1 where y == positive_class, -1 elsewhere (numpy or Dask, lazily for Dask)."""
    if is_dask_array(y):
        import dask.array as da

        return da.where(y == positive_class, 1.0, -1.0)
    return np.where(np.asarray(y) == positive_class, 1.0, -1.0)


# class -> (its __init__, the sorted parameter names scikit-learn finds in it)
_PARAM_NAMES = {}
# (class, its constraints, ((name, type, value), ...)) of parameter sets that
# passed validation: a CV or grid search validates the same few sets again
# on every clone
_VALID_PARAMS = set()
_VALID_PARAMS_MAX = 4096
# values compared by ==, with their type in the key (NumPy's scalars too: a
# grid of alphas from np.logspace holds np.float64)
_SCALAR_TYPES = frozenset({bool, int, float, str, type(None), np.float64, np.float32,
                           np.int64, np.int32, np.bool_})


class CheapParams:
    """scikit-learn's parameter handling without its per-fit introspection.

    ``_get_param_names`` reads ``__init__``'s signature once per class
    (scikit-learn's runs ``inspect.signature`` on every ``get_params``), and
    ``_validate_params`` remembers parameter sets made of plain scalars that
    passed (they are checked against the same constraints every time, so
    the answer cannot change): about 60 us of a 0.5 ms fit. Anything else
    (arrays, objects, a set that failed) is validated as before.
    """

    @classmethod
    def _get_param_names(cls):
        init = cls.__init__
        hit = _PARAM_NAMES.get(cls)
        if hit is None or hit[0] is not init:
            hit = _PARAM_NAMES[cls] = (init, tuple(super()._get_param_names()))
        return list(hit[1])

    def _validate_params(self):
        params = self.get_params(deep=False)
        if all(type(v) in _SCALAR_TYPES for v in params.values()):
            # get_params lists the names in one order (sorted)
            key = (type(self), id(self._parameter_constraints),
                   tuple((k, type(v), v) for k, v in params.items()))
            if key in _VALID_PARAMS:
                return
            super()._validate_params()
            if len(_VALID_PARAMS) >= _VALID_PARAMS_MAX:
                _VALID_PARAMS.clear()
            _VALID_PARAMS.add(key)
            return
        super()._validate_params()


class SparseLinearRegressor(CheapParams, RegressorMixin, BaseEstimator):
    """Base of the regression estimators: subclasses define ``_penalty()``."""

    _parameter_constraints = dict(COMMON_CONSTRAINTS)

    def _datafit(self):
        return Quadratic()

    def _solver_name(self):
        return self.solver

    def fit(self, X, y, sample_weight=None):
        """Fit the model; see the class docstring for the objective.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Dense input is used in Fortran order (copied if it is not);
            sparse input is never densified: CSC is used as is, CSR as given
            (its rows for the full passes, its working columns copied out).
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative; rescaled to sum to n_samples.

        Returns
        -------
        self
        """
        self._validate_params()
        warm = self._warm_start_coef()
        if warm is not None:
            # checked before anything is discarded: the previous fit stays
            # intact and usable when the new X cannot continue from it
            n_features = _num_features(X)
            if n_features != warm[0].shape[0]:
                raise ValueError(
                    f"warm_start=True but X has {n_features} features while the previous "
                    f"fit had {warm[0].shape[0]}: refit with warm_start=False. The "
                    f"previous fit is left unchanged.")
        # forget a previous fit first, so that an interrupted fit never leaves
        # an estimator that looks fitted with stale attributes
        forget_fit(self, ("coef_", "intercept_", "certificate_", "n_iter_", "n_passes_",
                          "classes_"))
        datafit = self._datafit()
        logistic = datafit.code == codes.LOGISTIC
        if is_dask_array(X):
            return self._fit_dask(X, y, sample_weight, datafit, warm)
        X, y, design = validate_Xy(self, X, y, y_numeric=not logistic)
        if logistic:
            # two classes, the larger one coded +1 (see encode_target)
            self.classes_ = np.unique(y)
        sw = check_sample_weight(sample_weight, design.n_samples)
        return self._fit_design(design, encode_target(datafit, y), sw, datafit, warm)

    def _fit_design(self, design, y64, sw, datafit, warm=None):
        """The fit on inputs validated already (a design, float64 labels, weights
        summing to n_samples); cross-validation's refit enters here."""
        w0 = None if warm is None else warm[0]
        b0 = None if warm is None else float(warm[1])
        with print_if(self.verbose):  # the first-use compile notice, among the verbose lines
            problem = self._make_problem(design, y64, sw, datafit)
            res = solve(problem, w0, b0, tol=self.tol, max_iter=self.max_iter,
                        solver=self._solver_name(), verbose=self.verbose)
        self.coef_ = res.coef.astype(design.dtype, copy=False)
        self.intercept_ = float(res.intercept) if self.fit_intercept else 0.0
        # scikit-learn's convention is n_iter_ >= 1: a start that is already
        # certified reports the one pass its certificate took
        self.n_iter_ = max(int(res.n_iter), 1)
        self.n_passes_ = float(res.n_passes)
        self.certificate_ = res.certificate
        return self

    def _make_problem(self, design, y64, sw, datafit):
        """The problem a fit solves (the group lasso's has its groups attached)."""
        penalty = self._penalty()
        make = make_group_problem if penalty.code == codes.GROUP_LASSO else make_problem
        return make(design, y64, sw, datafit, penalty, self.fit_intercept,
                    n_threads=threads_for(getattr(self, "n_jobs", None)))

    def _fit_dask(self, X, y, sample_weight, datafit, warm):
        """Fit on a Dask array X by distributed FISTA, or from the Gram matrix of few
        features (:mod:`sparsecert.distributed`)."""
        from ..distributed import fit_dask, unique_labels

        self.n_features_in_ = int(X.shape[1])
        y64 = y
        if datafit.code == codes.LOGISTIC:
            classes = unique_labels(y)
            if classes.shape[0] != 2:
                raise ValueError(f"The logistic datafit needs exactly two classes in y; got "
                                 f"{classes.shape[0]}.")
            self.classes_ = classes
            y64 = _encode_pm1(y, classes[1])
        res = fit_dask(X, y64, sample_weight, datafit, self._penalty(), self.fit_intercept,
                       solver=self._solver_name(), tol=self.tol, max_iter=self.max_iter,
                       w0=None if warm is None else warm[0],
                       b0=None if warm is None else float(warm[1]), verbose=self.verbose)
        self.coef_ = res.coef.astype(X.dtype if X.dtype == np.float32 else np.float64,
                                     copy=False)
        self.intercept_ = float(res.intercept) if self.fit_intercept else 0.0
        self.n_iter_ = res.n_iter
        self.n_passes_ = float("nan")  # not counted for a distributed fit (yet)
        self.certificate_ = res.certificate
        return self

    def __sklearn_is_fitted__(self):
        # n_features_in_ is set as soon as X is validated; a fit interrupted
        # later (Ctrl-C, an error) must not look fitted
        return hasattr(self, "certificate_")

    def _warm_start_coef(self):
        if self.warm_start and hasattr(self, "coef_"):
            return np.asarray(self.coef_, dtype=np.float64).copy(), self.intercept_
        return None

    def predict(self, X):
        """Predicted values X @ coef_ + intercept_ (a lazy Dask array for a Dask X)."""
        check_is_fitted(self)
        if is_dask_array(X):
            from ..distributed import decision_dask

            return decision_dask(X, self.coef_, self.intercept_)
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32])
        return safe_sparse_dot(X, self.coef_, dense_output=True) + self.intercept_

    @property
    def sparse_coef_(self):
        """coef_ as a scipy.sparse CSR matrix of shape (1, n_features)."""
        import scipy.sparse as sp

        return sp.csr_matrix(self.coef_.reshape(1, -1))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
