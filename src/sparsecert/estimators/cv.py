r"""Cross-validated estimators: LassoCV and ElasticNetCV (and, through
:class:`_PathCV`'s hooks, the block models' CV of :mod:`.multitask_cv` and
:mod:`.group_cv`).

The scheme is scikit-learn's. The alpha grid is computed once on the full
data (geometric from alpha_max down to ``eps * alpha_max``, one grid per
l1_ratio), every training fold is fitted along that grid by
:func:`sparsecert.path.regularization_path` (warm starts, strong rules, a full
certificate per alpha), and the held-out mean squared error

    mse[k, f] = sum_{i in test f} s_i (y_i - x_i^T w_k - b_k)^2 / sum_{i in test f} s_i

is recorded (unweighted when ``sample_weight`` is None). The (l1_ratio,
alpha) with the smallest mean over folds wins (the first one on ties, in the
order l1_ratio then decreasing alpha), and the model is refitted on all the
data at that alpha, with its own certificate.

On a Dask cluster: the folds go through joblib, so activating joblib's Dask
backend sends them to the cluster, one task per (l1_ratio, fold)::

    from dask.distributed import Client
    import joblib

    client = Client("tcp://scheduler:8786")        # or Client(LocalCluster(...))
    with joblib.parallel_config(backend="dask"):   # per thread: enter it where fit runs
        LassoCV(cv=5).fit(X, y)

joblib's backend scatters every argument larger than 1 kB to the cluster once
per ``Parallel`` call (``client.scatter(..., hash=False)``, cached by object
identity), so X, y and the weights travel once, not once per fold; each task
then slices its fold on the worker. X here is an in-memory array: the
grid, the held-out errors and the refit on all the data run in the calling
process (the refit is one path-free fit; pass a Dask array to
:class:`~sparsecert.Lasso` for a distributed refit).
"""

import numbers

import numpy as np
from joblib import delayed
from sklearn.base import RegressorMixin, BaseEstimator
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import penalties
from .._validation import check_sample_weight, encode_target
from ..datafits import Quadratic
from ..path import path_on
from ..solvers.alpha import alpha_max_on
from ..solvers.gram_path import gram_path_on
from ._base import COMMON_CONSTRAINTS, forget_fit, validate_Xy
from ._folds import (cv_sample_weight, explicit_grid, geometric_grid, held_out_mse,
                     path_params, rows_for_folds, run_folds, training_fold)
from .linear import ElasticNet, Lasso


def _fold_mse(X, y, sample_weight, train, test, penalty, grid, params):
    """Held-out MSE along the grid for one fold: an array of shape (n_alphas,).

    X and y were validated once by the estimator (y as float64): the fold's
    design is its rows of X, with no second validation.
    """
    design, sw, sw_test = training_fold(X, sample_weight, train, test)
    # a few dense features: the whole certified path in one compiled call
    # (diabetes LassoCV(cv=5): 235 -> 5 ms, median), else the general path
    fast = None if params["verbose"] else gram_path_on(
        design, y[train], sw, penalty, grid, tol=params["tol"], max_iter=params["max_iter"],
        fit_intercept=params["fit_intercept"])
    if fast is None:
        res = path_on(design, y[train], sw, Quadratic(), penalty, alphas=grid,
                      return_certificates=False, tight_gaps=False, **params)
        fast = res.coefs.astype(np.float64), res.intercepts
    coefs, intercepts = fast
    return held_out_mse(X[test], y[test], coefs, intercepts, sw_test)


class _PathCV(RegressorMixin, BaseEstimator):
    """Shared fit of LassoCV and ElasticNetCV."""

    _parameter_constraints = {
        **{k: v for k, v in COMMON_CONSTRAINTS.items() if k not in ("warm_start", "solver")},
        "eps": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_alphas": [Interval(numbers.Integral, 1, None, closed="left")],
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like", None],
        "cv": ["cv_object"],
        "n_jobs": [numbers.Integral, None],
        "positive": ["boolean"],
        "weights": ["array-like", None],
        "screening": [StrOptions({"strong"}), None],
    }

    # l1_ratio=0 is ridge for the elastic nets (no alpha_max), the group
    # lasso for the sparse-group lasso
    _zero_l1_ratio_has_alpha_max = False

    def _l1_ratios(self):
        return [1.0]

    def fit(self, X, y, sample_weight=None):
        """Cross-validate alpha (and l1_ratio) along the path, then refit on all data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Used in every training fold (rescaled there to sum to its size),
            to weight the held-out errors, and in the refit.

        Returns
        -------
        self
        """
        self._validate_params()
        forget_fit(self, ("coef_", "intercept_", "certificate_", "n_iter_", "alpha_", "l1_ratio_",
                          "alphas_", "mse_path_", "dual_gap_"))
        X, y, design = self._validate(X, y)
        sw = cv_sample_weight(sample_weight, design.n_samples)
        X = rows_for_folds(X)
        l1_ratios = self._l1_ratios()
        grids = self._grids(design, y, sw, l1_ratios)
        folds = list(check_cv(self.cv).split(X, y))
        mse = self._held_out_mse(X, y, sw, l1_ratios, grids, folds)
        self._choose(l1_ratios, grids, mse)
        self._refit(design, y, sw)
        if not self._has_l1_ratio():
            del self.l1_ratio_
        return self

    def _validate(self, X, y):
        """(X, float64 y, design), validated once for the grid, the folds and the refit."""
        X, y, design = validate_Xy(self, X, y)
        return X, encode_target(Quadratic(), y), design

    def _alpha_max(self, design, y, sw, rho):
        """alpha_max on all the data (``sw`` summing to n_samples) for the L1 share ``rho``."""
        return alpha_max_on(design, y, sw, l1_ratio=rho, datafit=Quadratic(),
                            fit_intercept=self.fit_intercept, weights=self.weights,
                            positive=self.positive)

    def _fold_job(self):
        """The function that fits one fold along the grid: (X, y, sample_weight,
        train, test, penalty, grid, params) -> held-out MSE per alpha."""
        return _fold_mse

    def _computed_grid(self):
        return isinstance(self.alphas, numbers.Integral) or self.alphas is None

    def _grids(self, design, y, sw, l1_ratios):
        """One decreasing grid per l1_ratio: from its alpha_max on all the data, or
        the explicit ``alphas`` (the same for all)."""
        if not self._computed_grid():
            return [explicit_grid(self.alphas) for _ in l1_ratios]
        count = self.n_alphas if self.alphas is None else int(self.alphas)
        grids = []
        for rho in l1_ratios:
            if rho == 0 and not self._zero_l1_ratio_has_alpha_max:
                raise ValueError("l1_ratio=0 (ridge) has no alpha_max: pass the grid "
                                 "as alphas=.")
            a_max = self._alpha_max(design, y, check_sample_weight(sw, design.n_samples), rho)
            grids.append(geometric_grid(a_max, self.eps, count))
        return grids

    def _held_out_mse(self, X, y, sw, l1_ratios, grids, folds):
        """mse[r, f, k]: fold f's held-out MSE at (l1_ratios[r], grids[r][k])."""
        params = path_params(self)
        fold_mse = self._fold_job()
        jobs = (delayed(fold_mse)(X, y, sw, train, test, self._path_penalty(rho), grid, params)
                for rho, grid in zip(l1_ratios, grids) for train, test in folds)
        mse = run_folds(jobs, self.n_jobs, self.verbose)
        return np.reshape(mse, (len(l1_ratios), len(folds), -1))

    def _choose(self, l1_ratios, grids, mse):
        """alpha_ and l1_ratio_: the smallest mean MSE over folds (the first on ties,
        l1_ratio then decreasing alpha); also mse_path_ and alphas_."""
        mean_mse = mse.mean(axis=1)
        best = (np.inf, None, None)
        for rho, grid, m in zip(l1_ratios, grids, mean_mse):
            i = int(np.argmin(m))
            if m[i] < best[0]:
                best = (m[i], rho, grid[i])
        if best[1] is None:  # every mse NaN: keep scikit-learn's first choice
            best = (np.nan, l1_ratios[0], grids[0][0])
        _, self.l1_ratio_, self.alpha_ = best
        self.alpha_ = float(self.alpha_)
        self.l1_ratio_ = float(self.l1_ratio_)
        self.mse_path_ = np.squeeze(np.moveaxis(mse, 2, 1))
        if self._computed_grid():
            self.alphas_ = np.asarray(grids) if len(grids) > 1 else grids[0]
        else:
            self.alphas_ = grids[0]

    def _refit(self, design, y, sw):
        """Fit the chosen model on all the data (``design``, validated once, and
        float64 ``y``); its coefficients and certificate are ours."""
        common = dict(fit_intercept=self.fit_intercept, max_iter=self.max_iter, tol=self.tol,
                      positive=self.positive, weights=self.weights,
                      verbose=max(int(self.verbose) - 1, 0))
        if self.l1_ratio_ == 1.0:
            model = Lasso(alpha=self.alpha_, **common)
        else:
            model = ElasticNet(alpha=self.alpha_, l1_ratio=self.l1_ratio_, **common)
        self._refit_with(model, design, y, sw, Quadratic())

    def _refit_with(self, model, design, y, sw, *extra):
        """Fit ``model`` on all the data (validated once; ``extra``: the rest of
        its ``_fit_design``'s arguments) and take its coefficients and certificate."""
        model._validate_params()
        model._fit_design(design, y, check_sample_weight(sw, design.n_samples), *extra)
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        self.certificate_ = model.certificate_
        self.n_iter_ = model.n_iter_
        self.dual_gap_ = model.certificate_.duality_gap

    def _has_l1_ratio(self):
        return True

    def _path_penalty(self, rho):
        if rho == 1.0:
            return penalties.L1(alpha=0.0, weights=self.weights, positive=self.positive)
        return penalties.ElasticNet(alpha=0.0, l1_ratio=float(rho), weights=self.weights,
                                    positive=self.positive)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "certificate_")

    def predict(self, X):
        """Predicted values X @ coef_ + intercept_ of the refitted model."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32])
        return safe_sparse_dot(X, self.coef_, dense_output=True) + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class LassoCV(_PathCV):
    r"""Lasso with alpha chosen by cross-validation along a certified path.

    The objective is :class:`~sparsecert.Lasso`'s,

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_j c_j |w_j|;

    see :mod:`sparsecert.estimators.cv` for the cross-validation scheme and
    :mod:`sparsecert.path` for the path (warm starts, sequential strong rule
    guarded by the full KKT re-check).

    Parameters
    ----------
    eps : float, default=1e-3
        The grid ends at ``eps * alpha_max`` (alpha_max of the full data).
    n_alphas : int, default=100
    alphas : array-like or int, default=None
        Explicit grid (used sorted decreasing) or its length (as scikit-learn
        >= 1.7 accepts).
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Scale-free certificate tolerance at every alpha of every fold and of
        the refit (x alpha_max of that data).
    max_iter : int, default=1000
    cv : int, cross-validation generator or iterable, default=None
        As scikit-learn's ``check_cv``: None is 5-fold ``KFold``.
    n_jobs : int, default=None
        Folds fitted in parallel threads (joblib); results do not depend on it.
        Under ``joblib.parallel_config(backend="dask")`` with a
        ``dask.distributed.Client`` active, the folds run as tasks on the
        Dask cluster instead (see the module docstring).
    positive : bool, default=False
    weights : array-like of shape (n_features,), default=None
        Penalty weights c_j >= 0 (0 = unpenalized).
    screening : {"strong", None}, default="strong"
    verbose : int, default=0

    Attributes
    ----------
    alpha_ : float
    alphas_ : ndarray of shape (n_alphas,)
    mse_path_ : ndarray of shape (n_alphas, n_folds)
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    certificate_ : sparsecert.Certificate
        Of the refit on all the data.
    dual_gap_ : float
    n_iter_ : int
        Epochs of the refit.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    def __init__(self, *, eps=1e-3, n_alphas=100, alphas=None, fit_intercept=True, tol=1e-4,
                 max_iter=1000, cv=None, n_jobs=None, positive=False, weights=None,
                 screening="strong", verbose=0):
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.positive = positive
        self.weights = weights
        self.screening = screening
        self.verbose = verbose

    def _has_l1_ratio(self):
        return False


class ElasticNetCV(_PathCV):
    r"""Elastic net with alpha (and l1_ratio) chosen by cross-validation.

    The objective is :class:`~sparsecert.ElasticNet`'s (scikit-learn's
    parametrization, rho = l1_ratio),

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2
            + alpha sum_j c_j (rho |w_j| + (1 - rho)/2 w_j^2).

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Several values are cross-validated together, each with its own alpha
        grid (alpha_max depends on rho); 0 needs explicit ``alphas``.
    eps, n_alphas, alphas, fit_intercept, tol, max_iter, cv, n_jobs, positive, weights, \
screening, verbose
        As in :class:`LassoCV`.

    Attributes
    ----------
    alpha_, l1_ratio_ : float
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The latter for several l1_ratios and a computed grid (an explicit
        ``alphas`` is shared by all, as in scikit-learn).
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
    coef_, intercept_, certificate_, dual_gap_, n_iter_, n_features_in_
        As in :class:`LassoCV`.
    """

    _parameter_constraints = {
        **_PathCV._parameter_constraints,
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None,
                 fit_intercept=True, tol=1e-4, max_iter=1000, cv=None, n_jobs=None,
                 positive=False, weights=None, screening="strong", verbose=0):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.positive = positive
        self.weights = weights
        self.screening = screening
        self.verbose = verbose

    def _l1_ratios(self):
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64)).ravel()
        if ratios.size == 0 or np.any(~np.isfinite(ratios)) or np.any(ratios < 0) \
                or np.any(ratios > 1):
            raise ValueError(f"l1_ratio must be in [0, 1] (a number or a list); "
                             f"got {self.l1_ratio!r}.")
        return [float(r) for r in ratios]
