"""What the cross-validated estimators share (:mod:`.cv`, :mod:`.logistic_cv`).

Both compute one alpha grid on all the data, fit every training fold along
it with :func:`sparsecert.path.regularization_path`, score the held-out
fold, and refit on all the data at the chosen alpha. Here: the inputs'
preparation, the grid, each fold's sample weights, and running the folds.
"""

import numpy as np
import scipy.sparse as sp
from joblib import Parallel
from sklearn.utils.extmath import safe_sparse_dot

from .._validation import as_design, check_sample_weight


def cv_sample_weight(sample_weight, n_samples):
    """The sample weights as given (float64, a scalar broadcast), or None.

    Validated here but not rescaled: each training fold rescales its own
    slice to sum to its size, and the held-out errors use them as given.
    """
    if sample_weight is None:
        return None
    check_sample_weight(sample_weight, n_samples)  # validation only
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    return sw


def rows_for_folds(X):
    """X with cheap row indexing, to cut the folds (CSR if sparse); each path
    uses its training fold's CSR as given (sparsecert._validation.RowDesign)."""
    return X.tocsr() if sp.issparse(X) else X


def explicit_grid(alphas):
    """A user's alphas, checked and sorted decreasing (a new array)."""
    given = np.asarray(alphas, dtype=np.float64).ravel()
    if given.size == 0 or not np.all(np.isfinite(given)) or np.any(given < 0):
        raise ValueError("alphas must be a non-empty array of finite values >= 0.")
    return np.sort(given)[::-1].copy()


def geometric_grid(top, eps, count):
    """``count`` alphas geometric from ``top`` down to ``eps * top``; all equal to
    the float64 resolution when ``top`` is not above it (w = 0 fits already)."""
    tiny = np.finfo(np.float64).resolution
    if top <= tiny:
        return np.full(count, tiny)
    return np.geomspace(top, top * eps, num=count)


def fold_weights(sample_weight, train, test):
    """(training fold's weights, test fold's weights), each None when unweighted."""
    if sample_weight is None:
        return None, None
    sw_test = sample_weight[test]
    if sw_test.sum() <= 0:
        sw_test = None  # a test fold of zero-weight samples: unweighted
    return sample_weight[train], sw_test


def path_params(estimator, **extra):
    """The keyword arguments every fold's path gets from the estimator (its
    ``screening`` when it has one)."""
    if hasattr(estimator, "screening"):
        extra["screening"] = estimator.screening
    return dict(tol=estimator.tol, max_iter=estimator.max_iter,
                fit_intercept=estimator.fit_intercept,
                verbose=max(int(estimator.verbose) - 1, 0), **extra)


def training_fold(X, sample_weight, train, test):
    """(the training rows' design, their weights summing to its size, the test
    fold's weights or None): a fold of X validated once already."""
    sw_train, sw_test = fold_weights(sample_weight, train, test)
    design = as_design(X[train])
    return design, check_sample_weight(sw_train, design.n_samples), sw_test


def block_fold_mse(X, y, sample_weight, train, test, penalty, grid, params):
    """Held-out MSE along the grid for one fold of a block model (the group
    lasso; a multi-task model, y being Y (n, k)): an array of shape (n_alphas,).
    X and y were validated once by the estimator: the fold's design is its
    rows of X, with no second validation."""
    from ..path_blocks import group_path_on, multitask_path_on

    design, sw, sw_test = training_fold(X, sample_weight, train, test)
    path_on = multitask_path_on if getattr(penalty, "multitask", False) else group_path_on
    res = path_on(design, y[train], sw, penalty, alphas=grid, return_certificates=False,
                  **params)
    return held_out_mse(X[test], y[test], res.coefs.astype(np.float64), res.intercepts,
                        sw_test)


def held_out_mse(X_test, y_test, coefs, intercepts, sw_test):
    """Mean squared error on a test fold along a path: an array of shape (n_alphas,).

    ``coefs`` (n_features, n_alphas) and ``intercepts`` (n_alphas,), or for
    k tasks (k, n_features, n_alphas) and (k, n_alphas) with ``y_test`` of
    shape (n_test, k): then the mean over the tasks of each task's MSE,
    scikit-learn's ``MultiTaskLassoCV`` score. Samples weighted by ``sw_test``
    (None: unweighted).
    """
    if coefs.ndim == 2:
        pred = safe_sparse_dot(X_test, coefs, dense_output=True)
        resid = pred + intercepts[np.newaxis, :] - y_test[:, np.newaxis]
        return np.average(resid ** 2, weights=sw_test, axis=0)
    k, p, n_alphas = coefs.shape
    flat = np.moveaxis(coefs, 0, 1).reshape(p, k * n_alphas)
    pred = safe_sparse_dot(X_test, flat, dense_output=True).reshape(-1, k, n_alphas)
    resid = pred + intercepts[np.newaxis] - y_test[:, :, np.newaxis]
    return np.average(resid ** 2, weights=sw_test, axis=0).mean(axis=0)


def run_folds(jobs, n_jobs, verbose):
    """Run the ``delayed`` fold jobs, in order; their results as a list."""
    # the kernels release the GIL (nogil): threads run folds in parallel
    # without each worker process importing and loading the kernels anew
    return Parallel(n_jobs=n_jobs, verbose=verbose, prefer="threads")(jobs)
