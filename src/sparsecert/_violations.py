"""The optimality test of a point, feature by feature: each violation in the
certificate's common units, the intercept's, their maximum, against tol.
(Split out of :mod:`sparsecert.certificate`, which assembles it.)"""

import math
from typing import NamedTuple

import numpy as np

from ._duality import _intercept_violation


class _Violations(NamedTuple):
    """The optimality test of a point: violations in common units against ``tol``."""

    tol: float
    tol_intercept: float
    violation_scale: np.ndarray
    violation: np.ndarray
    margin: np.ndarray
    intercept_gradient: float
    max_violation: float
    argmax: object        # int, or None for the intercept
    converged: bool


def _violations(problem, pieces, tol_relative):
    """Per-feature violations and margins, the intercept's, and their maximum."""
    tol, tol_intercept = problem.tolerances(tol_relative)
    # each feature against its own tolerance, reported in common units
    # (Problem.violation_scale): a column of tiny norm cannot hide its error
    vscale = problem.violation_scale(tol_relative)
    # in place: the pieces' raw p-vectors are the certificate's own, read
    # nowhere else (two p-vectors less for each certificate a fit holds)
    viol = np.multiply(pieces["viol"], vscale, out=pieces["viol"])
    margin = np.multiply(pieces["margin"], vscale, out=pieces["margin"])
    g_b = pieces["intercept_grad"]
    v_b = _intercept_violation(g_b, tol, tol_intercept)
    max_feat = float(viol.max()) if viol.size else 0.0
    argmax = int(viol.argmax()) if viol.size and not (v_b > max_feat) else None
    max_v = max_feat if (max_feat >= v_b or math.isnan(max_feat)) else float(v_b)
    if math.isnan(pieces["max_violation"]) or math.isnan(max_feat):
        max_v = np.nan
    return _Violations(tol, tol_intercept, vscale, viol, margin, g_b, max_v, argmax,
                       bool(max_v <= tol))
