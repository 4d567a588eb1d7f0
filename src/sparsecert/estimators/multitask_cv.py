r"""Cross-validated multi-task models: MultiTaskLassoCV and MultiTaskElasticNetCV.

The scheme of :mod:`.cv` (its :class:`~.cv._PathCV`, with the block
models' hooks): one alpha grid per l1_ratio on all the data, geometric from

    alpha_max = max_j ||g_j(0, b0)||_2 / rho      (scikit-learn's grid)

down to ``eps * alpha_max``; each training fold fitted along it by
:func:`sparsecert.path_blocks.multitask_path_on` (warm starts, every alpha
certified feature by feature); the held-out score is scikit-learn's, the
mean over the tasks of each task's mean squared error,

    mse[k, f] = (1/k) sum_t sum_{i in test f} s_i (Y_it - x_i^T W_t - b_t)^2
                / sum_{i in test f} s_i;

the (l1_ratio, alpha) of smallest mean over folds wins (the first on ties)
and the model is refitted on all the data there, with its own certificate.
"""

import numbers

from sklearn.utils._param_validation import Interval

from .. import penalties
from .._multitask_certificate import multitask_alpha_max_on
from .._validation import as_design
from ._folds import block_fold_mse
from .cv import ElasticNetCV, _PathCV
from .multitask import (MultiTaskElasticNet, MultiTaskLasso, predict_tasks,
                        validate_multitask_Xy)

_BLOCK_CONSTRAINTS = {key: value for key, value in _PathCV._parameter_constraints.items()
                      if key not in ("positive", "weights", "screening")}


class BlockPathCV(_PathCV):
    """What the block models' CV estimators change in :class:`~.cv._PathCV`:
    the held-out MSE of a fold comes from a block path (:func:`._folds.block_fold_mse`)."""

    _parameter_constraints = dict(_BLOCK_CONSTRAINTS)

    def _fold_job(self):
        return block_fold_mse

    def _common(self):
        return dict(fit_intercept=self.fit_intercept, max_iter=self.max_iter, tol=self.tol,
                    verbose=max(int(self.verbose) - 1, 0))


class _MultiTaskCV(BlockPathCV):
    """The multi-task models' validation, alpha_max, refit and prediction."""

    def _validate(self, X, y):
        X, Y = validate_multitask_Xy(self, X, y)
        return X, Y, as_design(X)

    def _alpha_max(self, design, Y, sw, rho):
        return multitask_alpha_max_on(design, Y, sw, self._path_penalty(rho),
                                      self.fit_intercept)

    def _path_penalty(self, rho):
        return penalties.MultiTaskL21(alpha=0.0, l1_ratio=float(rho))

    def _refit(self, design, Y, sw):
        if self.l1_ratio_ == 1.0:
            model = MultiTaskLasso(alpha=self.alpha_, **self._common())
        else:
            model = MultiTaskElasticNet(alpha=self.alpha_, l1_ratio=self.l1_ratio_,
                                        **self._common())
        self._refit_with(model, design, Y, sw)

    def predict(self, X):
        """Predicted targets X @ coef_.T + intercept_, of shape (n_samples, n_tasks)."""
        return predict_tasks(self, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


class MultiTaskLassoCV(_MultiTaskCV):
    r"""Multi-task lasso with alpha chosen by cross-validation along a certified path.

    The objective is :class:`~sparsecert.MultiTaskLasso`'s (scikit-learn's),

        (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2 + alpha sum_j ||W[:, j]||_2;

    see :mod:`sparsecert.estimators.multitask_cv` for the scheme (scikit-learn's
    grid and held-out score: with the same folds it chooses the same alpha as
    scikit-learn's ``MultiTaskLassoCV``) and :mod:`sparsecert.path_blocks`
    for the path.

    Parameters
    ----------
    eps : float, default=1e-3
        The grid ends at ``eps * alpha_max`` (alpha_max of the full data).
    n_alphas : int, default=100
    alphas : array-like or int, default=None
        Explicit grid (values > 0, used sorted decreasing) or its length (as
        scikit-learn >= 1.7 accepts).
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Scale-free certificate tolerance at every alpha of every fold and of
        the refit (x max_j ||g_j(0, b0)||_2 of that data).
    max_iter : int, default=1000
        Block CD epochs per alpha.
    cv : int, cross-validation generator or iterable, default=None
        As scikit-learn's ``check_cv``: None is 5-fold ``KFold`` (no shuffle).
    n_jobs : int, default=None
        Folds fitted in parallel threads (joblib); results do not depend on it.
    verbose : int, default=0

    Attributes
    ----------
    alpha_ : float
    alphas_ : ndarray of shape (n_alphas,)
    mse_path_ : ndarray of shape (n_alphas, n_folds)
    coef_ : ndarray of shape (n_tasks, n_features)
    intercept_ : ndarray of shape (n_tasks,)
    certificate_ : MultiTaskCertificate
        Of the refit on all the data.
    dual_gap_ : float
    n_iter_ : int
        Epochs of the refit.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    def __init__(self, *, eps=1e-3, n_alphas=100, alphas=None, fit_intercept=True, tol=1e-4,
                 max_iter=1000, cv=None, n_jobs=None, verbose=0):
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _has_l1_ratio(self):
        return False


class MultiTaskElasticNetCV(_MultiTaskCV):
    r"""Multi-task elastic net with alpha (and l1_ratio) chosen by cross-validation.

    The objective is :class:`~sparsecert.MultiTaskElasticNet`'s (scikit-learn's),

        (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2
            + alpha rho sum_j ||W[:, j]||_2 + (alpha (1 - rho) / 2) ||W||_F^2,

    rho = l1_ratio.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Several values are cross-validated together, each with its own alpha
        grid (alpha_max depends on rho); 0 needs explicit ``alphas``.
    eps, n_alphas, alphas, fit_intercept, tol, max_iter, cv, n_jobs, verbose
        As in :class:`MultiTaskLassoCV`.

    Attributes
    ----------
    alpha_, l1_ratio_ : float
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The latter for several l1_ratios and a computed grid.
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
    coef_, intercept_, certificate_, dual_gap_, n_iter_, n_features_in_
        As in :class:`MultiTaskLassoCV`.
    """

    _parameter_constraints = {
        **_BLOCK_CONSTRAINTS,
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both"), "array-like"],
    }

    def __init__(self, *, l1_ratio=0.5, eps=1e-3, n_alphas=100, alphas=None,
                 fit_intercept=True, tol=1e-4, max_iter=1000, cv=None, n_jobs=None, verbose=0):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.verbose = verbose

    _l1_ratios = ElasticNetCV._l1_ratios
