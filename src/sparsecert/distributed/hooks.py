"""The estimators' entry points for a Dask X: fit, decision function, class labels.

The estimators of :mod:`sparsecert.estimators` import these lazily, only
when ``fit`` or ``predict`` receives a Dask array: :func:`fit_dask` checks
the solver, builds the distributed problem and runs distributed FISTA (least
squares on few features from its Gram matrix first);
:func:`decision_dask` is X coef + intercept as a lazy Dask array;
:func:`unique_labels` the classes of a numpy or Dask target.
"""

import numpy as np

from .._validation import is_dask_array
from .blocks import _block_decision
from .problem import make_dask_problem, prepare_X
from .solver import solve_dask


def fit_dask(X, y64, sample_weight, datafit, penalty, fit_intercept, *, solver="auto",
             tol=1e-4, max_iter=1000, w0=None, b0=None, verbose=0):
    """Validate, distribute and solve: the estimators' entry point for a Dask X.

    ``y64`` holds the encoded targets (float64; +-1 for the logistic loss), a
    numpy or Dask vector. ``solver`` must be "auto" or "fista": coordinate
    descent updates one coordinate at a time and does not distribute
    ("auto" solves least squares on few features from their Gram matrix
    first, see :func:`.solver.solve_dask`).
    Returns a ``SolverResult`` whose certificate has ``distributed=True``.
    """
    if solver not in ("auto", "fista"):
        raise ValueError(f"solver={solver!r} does not run on Dask arrays: a Dask X is fitted "
                         f"by distributed FISTA (solver='auto' or 'fista').")
    problem = make_dask_problem(X, y64, sample_weight, datafit, penalty, fit_intercept)
    return solve_dask(problem, w0, b0, tol=tol, max_iter=max_iter, verbose=verbose,
                      solver=solver)


def decision_dask(X, coef, intercept):
    """X coef + intercept as a lazy Dask array, row block by row block.

    ``coef`` of shape (p,) gives shape (n,); of shape (p, k) gives (n, k).
    """
    X = prepare_X(X)
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    if coef.shape[0] != X.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features, but the model was fitted with "
                         f"{coef.shape[0]} features.")
    if coef.ndim == 1:
        return X.map_blocks(_block_decision, coef, intercept, drop_axis=1, dtype=np.float64,
                            meta=np.empty((0,), dtype=np.float64))
    return X.map_blocks(_block_decision, coef, intercept, chunks=(X.chunks[0], coef.shape[1]),
                        dtype=np.float64, meta=np.empty((0, 0), dtype=np.float64))


def unique_labels(y):
    """The sorted distinct values of a numpy or Dask vector (one small compute)."""
    if is_dask_array(y):
        import dask.array as da

        return np.asarray(da.unique(y).compute())
    return np.unique(np.asarray(y))
