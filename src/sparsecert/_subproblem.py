"""A problem restricted to some of its features, or moved to another alpha.

What a regularization path (:mod:`sparsecert.path`) solves at each alpha:
the features its strong rule keeps, at that alpha, with the full problem's
column statistics and tolerances reused rather than recomputed.
"""

import dataclasses

from ._validation import sub_design

# per-feature fields of a Problem, sliced to the kept features; the others
# (among them ``scale`` and the floors, which fix the meaning of ``tol``, and
# the pass counter ``work``) are the full problem's, so that both certify
# against the same tolerances and count passes in the full X's units
_SLICED = ("means", "lipschitz", "grad0", "col_weight", "col_floor")


def sub_problem(problem, idx):
    """The problem restricted to the features ``idx``, with the full problem's tolerances.

    Its per-feature statistics (means, Lipschitz constants, X^T u at the
    reference point, column tolerances) are the full problem's, sliced: each
    is a function of its own column only, so recomputing them (a pass over
    the kept columns and the checks of ``make_problem``) would give the
    same values at a cost a path paid at every alpha.
    """
    penalty = dataclasses.replace(problem.penalty, weights=problem.pen_weights[idx])
    design = sub_design(problem.design, idx)
    if problem.work is not None:
        problem.work.add_columns(problem.design, idx)  # the copy reads the kept columns
    pen_code, pen_params, pen_weights = penalty.encode(idx.shape[0])
    sliced = {f: getattr(problem, f)[idx] for f in _SLICED
              if getattr(problem, f) is not None}
    return dataclasses.replace(problem, design=design, penalty=penalty, pen_code=pen_code,
                               pen_params=pen_params, pen_weights=pen_weights, internal=True,
                               **sliced)


def with_alpha(problem, alpha):
    """The same problem at another alpha (column statistics reused)."""
    penalty = problem.penalty.with_alpha(float(alpha))
    code, params, weights = penalty.encode(problem.design.n_features)
    return dataclasses.replace(problem, penalty=penalty, pen_code=code, pen_params=params,
                               pen_weights=weights)
