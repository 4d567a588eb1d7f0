r"""GroupLassoCV: the group lasso with alpha chosen by cross-validation.

The scheme of :mod:`.cv`: one grid on all the data, geometric from

    alpha_max = max_{g: c_g > 0} ||g_g(0, b0)||_2 / c_g

down to ``eps * alpha_max``; each training fold fitted along it by
:func:`sparsecert.path_blocks.group_path_on` (warm starts, every alpha
certified group by group); the alpha of smallest mean held-out MSE wins and
:class:`~sparsecert.GroupLasso` is refitted there on all the data.
"""

import numbers

from sklearn.utils._param_validation import Interval

from .. import penalties
from ..datafits import Quadratic
from ..solvers.alpha import group_alpha_max_on
from .group import GroupLasso
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
