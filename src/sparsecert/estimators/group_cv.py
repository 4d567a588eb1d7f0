r"""The group models with alpha chosen by cross-validation: GroupLassoCV,
SparseGroupLassoCV (least squares) and GroupLogisticRegressionCV.

Least squares, the scheme of :mod:`.cv`: one grid per l1_ratio on all the
data, geometric from

    alpha_max = max_{g: c_g > 0} N*(g_g(0, b0)) / c_g

(N* = ||.||_2 for the group lasso, the sparse-group dual norm otherwise)
down to ``eps * alpha_max``; each training fold fitted along it by
:func:`sparsecert.path_blocks.group_path_on` (warm starts, every alpha
certified group by group); the (l1_ratio, alpha) of smallest mean held-out
MSE wins and :class:`~sparsecert.GroupLasso` /
:class:`~sparsecert.SparseGroupLasso` is refitted there on all the data.

Logistic, the scheme of :mod:`.logistic_cv` for one-vs-rest: one grid from
the largest binary alpha_max, each (class, training fold) fitted along it by
the same block path with the logistic datafit, scored on the held-out fold
(accuracy by default), one alpha per class, one refit per class.
"""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval

from .. import penalties
from .._validation import as_design, check_sample_weight
from ..datafits import Logistic, Quadratic
from ..solvers.alpha import group_alpha_max_on
from ._folds import explicit_grid, geometric_grid, path_params
from .cv import ElasticNetCV
from .group import _GROUP_CONSTRAINTS, GroupLasso, GroupLogisticRegression, SparseGroupLasso
from .logistic_cv import SparseLogisticRegressionCV
from .multitask_cv import BlockPathCV


class GroupLassoCV(BlockPathCV):
    r"""Group lasso with alpha chosen by cross-validation along a certified path.

    The objective is :class:`~sparsecert.GroupLasso`'s,

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2 + alpha sum_g c_g ||w_g||_2;

    see :mod:`sparsecert.estimators.group_cv` for the scheme and
    :mod:`sparsecert.path_blocks` for the path.

    Parameters
    ----------
    groups : int, list of index arrays, or array-like of n_features labels, default=1
        As :class:`~sparsecert.GroupLasso` (checked before any fold is fitted).
    weights : array-like of shape (n_groups,), default=None
        c_g >= 0 per group; sqrt(group size) if None.
    eps : float, default=1e-3
        The grid ends at ``eps * alpha_max`` (alpha_max of the full data).
    n_alphas : int, default=100
    alphas : array-like or int, default=None
        Explicit grid (values > 0, used sorted decreasing) or its length.
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Scale-free certificate tolerance at every alpha of every fold and of
        the refit (x max_g ||g_g(0, b0)|| of that data).
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
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    certificate_ : sparsecert.certificate.GroupCertificate
        Of the refit on all the data.
    dual_gap_ : float or None
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    _parameter_constraints = {
        **BlockPathCV._parameter_constraints,
        "groups": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "weights": ["array-like", None],
    }

    def __init__(self, *, groups=1, weights=None, eps=1e-3, n_alphas=100, alphas=None,
                 fit_intercept=True, tol=1e-4, max_iter=1000, cv=None, n_jobs=None, verbose=0):
        self.groups = groups
        self.weights = weights
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _validate(self, X, y):
        X, y, design = super()._validate(X, y)
        # bad groups fail here, once, not in every fold
        self._path_penalty(1.0).encode_groups(design.n_features)
        return X, y, design

    def _path_penalty(self, rho):
        return penalties.GroupLasso(alpha=0.0, groups=self.groups, weights=self.weights)

    def _alpha_max(self, design, y, sw, rho):
        return group_alpha_max_on(design, y, sw, self._path_penalty(rho), datafit=Quadratic(),
                                  fit_intercept=self.fit_intercept)

    def _refit(self, design, y, sw):
        model = GroupLasso(alpha=self.alpha_, groups=self.groups, weights=self.weights,
                           **self._common())
        self._refit_with(model, design, y, sw, Quadratic())

    def _has_l1_ratio(self):
        return False


class SparseGroupLassoCV(GroupLassoCV):
    r"""Sparse-group lasso with alpha (and l1_ratio) chosen by cross-validation.

    The objective is :class:`~sparsecert.SparseGroupLasso`'s,

        (1/2n) sum_i s_i (y_i - x_i^T w - b)^2
            + alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1),   rho = l1_ratio;

    see :mod:`sparsecert.estimators.group_cv` for the scheme (ElasticNetCV's,
    a grid per l1_ratio) and :func:`sparsecert.sparse_group_lasso_path` for
    the path.

    Parameters
    ----------
    groups : int, list of index arrays, or array-like of n_features labels, default=1
        As :class:`~sparsecert.SparseGroupLasso` (checked before any fold is fitted).
    l1_ratio : float or list of float in [0, 1], default=0.5
        Several values are cross-validated together, each with its own alpha
        grid (alpha_max depends on rho); 0 is the group lasso.
    weights, eps, n_alphas, alphas, fit_intercept, tol, max_iter, cv, n_jobs, verbose
        As in :class:`GroupLassoCV` (tol x max_g N*(g_g(0, b0)) of that data).

    Attributes
    ----------
    alpha_, l1_ratio_ : float
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The latter for several l1_ratios and a computed grid.
    mse_path_ : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
    coef_, intercept_, certificate_, dual_gap_, n_iter_, n_features_in_
        As in :class:`GroupLassoCV` (the refit's).
    """

    _parameter_constraints = {
        **GroupLassoCV._parameter_constraints,
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both"), "array-like"],
    }
    _zero_l1_ratio_has_alpha_max = True  # rho = 0: the group lasso

    def __init__(self, *, groups=1, l1_ratio=0.5, weights=None, eps=1e-3, n_alphas=100,
                 alphas=None, fit_intercept=True, tol=1e-4, max_iter=1000, cv=None,
                 n_jobs=None, verbose=0):
        super().__init__(groups=groups, weights=weights, eps=eps, n_alphas=n_alphas,
                         alphas=alphas, fit_intercept=fit_intercept, tol=tol,
                         max_iter=max_iter, cv=cv, n_jobs=n_jobs, verbose=verbose)
        self.l1_ratio = l1_ratio

    _l1_ratios = ElasticNetCV._l1_ratios

    def _path_penalty(self, rho):
        return penalties.SparseGroupLasso(alpha=0.0, groups=self.groups, l1_ratio=float(rho),
                                          weights=self.weights)

    def _refit(self, design, y, sw):
        model = SparseGroupLasso(alpha=self.alpha_, groups=self.groups,
                                 l1_ratio=self.l1_ratio_, weights=self.weights, **self._common())
        self._refit_with(model, design, y, sw, Quadratic())

    def _has_l1_ratio(self):
        return True


class GroupLogisticRegressionCV(SparseLogisticRegressionCV):
    r"""Logistic group / sparse-group lasso with alpha chosen by cross-validation.

    The objective of each binary problem is
    :class:`~sparsecert.GroupLogisticRegression`'s,

        (1/n) sum_i s_i log(1 + exp(-y_i (x_i^T w + b)))
            + alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1),   rho = l1_ratio;

    with k > 2 classes one binary problem per class (one-vs-rest, as the
    estimator), each with its own cross-validated alpha. The scheme is
    :class:`~sparsecert.SparseLogisticRegressionCV`'s for one-vs-rest (see
    :mod:`sparsecert.estimators.logistic_cv`): one grid from the largest
    binary alpha_max, every (class, training fold) fitted along it by
    :func:`sparsecert.group_logistic_path`'s block path (warm starts, every
    alpha certified group by group), scored on the held-out fold, the best
    mean score per class (the largest alpha on ties), one refit per class.

    Parameters
    ----------
    groups : int, list of index arrays, or array-like of n_features labels, default=1
        As :class:`~sparsecert.GroupLogisticRegression`.
    l1_ratio : float in [0, 1], default=0.0
        rho (0: the group lasso).
    weights : array-like of shape (n_groups,), default=None
        c_g >= 0 per group; sqrt(group size) if None.
    n_alphas : int, default=20
    alphas : array-like or int, default=None
        Explicit grid (values > 0, used sorted decreasing, shared by all
        classes), or its length.
    eps : float, default=1e-3
        The computed grid ends at ``eps * alpha_max``.
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Scale-free certificate tolerance for every alpha of every fold and for
        the refits.
    max_iter : int, default=1000
        Block CD epochs per alpha.
    cv : int, cross-validation generator or iterable, default=None
        As scikit-learn's ``check_cv`` for a classifier (an integer k is
        k-fold ``StratifiedKFold``).
    scoring : str or callable, default=None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; None is
        accuracy. Larger is better.
    n_jobs : int, default=None
        (class, fold) pairs fitted in parallel threads; results do not depend on it.
    verbose : int, default=0

    Attributes
    ----------
    classes_, alphas_, scores_, coefs_paths_, alpha_, coef_, intercept_, n_iter_,
    n_features_in_, feature_names_in_
        As :class:`~sparsecert.SparseLogisticRegressionCV` with one-vs-rest.
    certificate_ : GroupCertificate or list of them
        Of the refits on all the data (one per class for k > 2).
    """

    _parameter_constraints = {
        **{key: value for key, value in SparseLogisticRegressionCV._parameter_constraints.items()
           if key not in ("penalty", "multi_class", "p", "positive", "screening", "solver")},
        **{key: value for key, value in _GROUP_CONSTRAINTS.items() if key != "alpha"},
    }

    def __init__(self, *, groups=1, l1_ratio=0.0, weights=None, n_alphas=20, alphas=None,
                 eps=1e-3, fit_intercept=True, tol=1e-4, max_iter=1000, cv=None, scoring=None,
                 n_jobs=None, verbose=0):
        self.groups = groups
        self.l1_ratio = l1_ratio
        self.weights = weights
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _path_penalty(self):
        return penalties.SparseGroupLasso(alpha=0.0, groups=self.groups,
                                          l1_ratio=float(self.l1_ratio), weights=self.weights)

    def _template(self):
        return GroupLogisticRegression(alpha=0.0, groups=self.groups, l1_ratio=self.l1_ratio,
                                       weights=self.weights, fit_intercept=self.fit_intercept,
                                       max_iter=self.max_iter, tol=self.tol,
                                       verbose=self.verbose)

    def _fold_settings(self):
        # warm starts always (convex); the folds' model scores by its coefficients only
        return False, path_params(self), dict(fit_intercept=self.fit_intercept)

    def _grid(self, X, binary_targets, sw):
        penalty = self._path_penalty()
        design = as_design(X)
        penalty.encode_groups(design.n_features)  # bad groups fail once, before the folds
        if self.alphas is not None and not isinstance(self.alphas, numbers.Integral):
            return explicit_grid(self.alphas)
        count = self.n_alphas if self.alphas is None else int(self.alphas)
        sw = check_sample_weight(sw, design.n_samples)
        top = max(group_alpha_max_on(design, y_pm, sw, penalty, datafit=Logistic(),
                                     fit_intercept=self.fit_intercept)
                  for y_pm in binary_targets)
        return geometric_grid(top, self.eps, count)
