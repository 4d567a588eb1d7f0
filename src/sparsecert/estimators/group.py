"""GroupLasso: least squares with a group-lasso penalty, certified group by group."""

import numbers

from sklearn.utils._param_validation import Interval

from .. import penalties
from ._base import COMMON_CONSTRAINTS, SparseLinearRegressor


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
    :class:`sparsecert.GroupLassoCV`. Not yet: Dask arrays, the logistic
    datafit.
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
