"""A problem restricted to some of its features, or moved to another alpha.

What a regularization path (:mod:`sparsecert.path`) solves at each alpha:
the features its strong rule keeps, at that alpha, with the full problem's
column statistics and tolerances reused rather than recomputed.
"""

import dataclasses

import numpy as np

from ._problem import make_problem
from ._validation import Design

# fields of a Problem that fix the meaning of ``tol``: a sub-problem keeps
# the full problem's, so that both certify against the same absolute tolerance
_SHARED_SCALES = ("scale", "objective0", "scale_intercept", "tol_floor", "tol_floor_intercept")
# per-column fields of a Problem, sliced for a sub-problem
_PER_COLUMN = ("means", "lipschitz", "grad0", "col_weight", "col_floor")


def sub_design(design, idx):
    """The columns ``idx`` of ``design`` (a copy; CSC stays CSC)."""
    X_dense, X_data, X_indices, X_indptr, is_sparse = design.args
    k = idx.shape[0]
    if is_sparse:
        starts = X_indptr[idx].astype(np.int64)
        lens = X_indptr[idx + 1].astype(np.int64) - starts
        indptr = np.zeros(k + 1, dtype=np.int64)
        np.cumsum(lens, out=indptr[1:])
        nnz = int(indptr[-1])
        take = np.repeat(starts - indptr[:-1], lens) + np.arange(nnz)
        args = (X_dense, X_data[take], X_indices[take], indptr.astype(X_indptr.dtype), True)
        return Design(args, design.n_samples, k, design.dtype, True, nnz)
    # X_dense is Fortran-ordered: its transpose's rows are the columns, and
    # gathering whole rows of a C array is a few memcpys (np.take into an
    # F-ordered ``out`` was 50x slower)
    sub = X_dense.T.take(idx, axis=0).T
    empty = X_data
    return Design((sub, empty, X_indices, X_indptr, False), design.n_samples, k, design.dtype,
                  False, design.n_samples * k)


def sub_problem(problem, idx):
    """The problem restricted to the features ``idx``, with the full problem's tolerances.

    Every per-column quantity (means, Lipschitz constants, X^T f'(0, b0),
    the columns' tolerance weights) is the full problem's, sliced: a column's
    statistics do not depend on the others, so no pass over X recomputes
    them, and each kept feature is held to the tolerance the full
    certificate holds it to. Only the kept columns are copied (one read of
    them, counted in the full problem's passes).
    """
    if problem.work is None:  # a problem built without a counter (distributed)
        penalty = dataclasses.replace(problem.penalty, weights=problem.pen_weights[idx])
        sub = make_problem(sub_design(problem.design, idx), problem.y, problem.sw,
                           problem.datafit, penalty, problem.fit_intercept)
        shared = {f: getattr(problem, f) for f in _SHARED_SCALES if hasattr(problem, f)}
        return dataclasses.replace(sub, **shared)
    design = sub_design(problem.design, idx)
    problem.work.add_columns(problem.design, idx)
    penalty = dataclasses.replace(problem.penalty, weights=problem.pen_weights[idx])
    pen_code, pen_params, pen_weights = penalty.encode(idx.shape[0])
    sliced = {f: getattr(problem, f)[idx] for f in _PER_COLUMN
              if getattr(problem, f) is not None}
    return dataclasses.replace(problem, design=design, penalty=penalty, pen_code=pen_code,
                               pen_params=pen_params, pen_weights=pen_weights, **sliced)


def with_alpha(problem, alpha):
    """The same problem at another alpha (column statistics reused)."""
    penalty = problem.penalty.with_alpha(float(alpha))
    code, params, weights = penalty.encode(problem.design.n_features)
    return dataclasses.replace(problem, penalty=penalty, pen_code=code, pen_params=params,
                               pen_weights=weights)
