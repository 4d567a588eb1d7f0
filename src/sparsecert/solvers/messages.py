"""The solvers' warnings: each names the numbers reached and what to try.

Called directly from a ``_solve_*`` function (never through a helper), so
that each ``stacklevel`` points at the user's call.
"""

import warnings

import numpy as np

from ..certificate import shortfall


def _separated(problem, pieces):
    """True when every (weighted) sample is on the right side of the boundary."""
    margins = problem.y * pieces["z"]
    active = problem.sw > 0
    return bool(np.all(margins[active] > 0))


def _warn_if_separable(problem, cert, pieces):
    from sklearn.exceptions import ConvergenceWarning

    if _separated(problem, pieces):
        warnings.warn(
            f"The data are linearly separable and alpha={problem.penalty.alpha:g} does not "
            f"bound the coefficients: the logistic loss has no minimizer, the returned point "
            f"(max |coef| {np.max(np.abs(cert.coef), initial=0.0):.3g}) is only approximately "
            f"stationary and its coefficients grow without limit as tol decreases. "
            f"Use alpha > 0.", ConvergenceWarning, stacklevel=3)


def _warn_logistic(problem, cert, pieces, max_iter, stalled):
    from sklearn.exceptions import ConvergenceWarning

    if _separated(problem, pieces):
        warnings.warn(
            f"Proximal Newton stopped before the optimality certificate held "
            f"({shortfall(cert)}) with every training sample "
            f"separated and coefficients as large as "
            f"{np.max(np.abs(cert.coef), initial=0.0):.3g}: the data look linearly separable "
            f"and alpha={problem.penalty.alpha:g} is too small to keep the coefficients "
            f"bounded (they diverge as alpha -> 0). Increase alpha.",
            ConvergenceWarning, stacklevel=3)
    elif stalled:
        warnings.warn(
            f"Proximal Newton stopped: no step along the Newton direction decreased the "
            f"objective (floating-point precision reached) before the optimality certificate "
            f"held: {shortfall(cert)}. "
            f"Loosen tol or standardize the features.", ConvergenceWarning, stacklevel=3)
    else:
        _warn_not_converged(cert, max_iter, "proximal Newton", unit="outer iterations",
                            stacklevel=4)


def _warn_not_converged(cert, max_iter, what, unit="epochs", stacklevel=3):
    from sklearn.exceptions import ConvergenceWarning

    warnings.warn(
        f"{what} stopped at max_iter={max_iter} {unit} before the optimality certificate "
        f"held: {shortfall(cert)}. Increase max_iter, loosen tol, or standardize the "
        f"features.", ConvergenceWarning, stacklevel=stacklevel)
