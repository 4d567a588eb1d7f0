"""Fixed-step coordinate proximal gradient for the logistic datafit with the nonconvex Lp penalty.

Proximal Newton's local models have other fixed points than the
coordinate-wise L-stationary points the local certificate checks; plain
coordinate steps with the certificate's own constants L_j have exactly
those, so this is the logistic solver for 0 < p < 1.
"""

import numpy as np

from .._kernels.cd import cd_logistic_fixed
from .._problem import evaluate
from ..certificate import build_certificate
from .common import SolverResult, _epochs_per_call_for
from .messages import _warn_not_converged


def _solve_cd_logistic_fixed(problem, w0, b0, tol, max_iter, verbose):
    """Fixed-step coordinate proximal gradient for the logistic datafit.

    Used for the nonconvex Lp penalty (p < 1): its fixed points are exactly
    the coordinate-wise L-stationary points, with the same constants
    L_j = (1/4n) sum s_i X_ij^2 that the certificate uses. Starts from
    w = 0 and the log-odds intercept (deterministic). ``n_iter`` counts epochs.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    b = problem.b0 if b0 is None else float(b0)
    if not problem.fit_intercept:
        b = 0.0
    tol_abs = problem.tolerances(tol)[0]  # the intercept rescaled to it (b_scale)
    vscale = problem.violation_scale(tol)
    b_scale = problem.intercept_scale(tol)
    feats = np.arange(p, dtype=np.int64)
    chunk = _epochs_per_call_for(design, p)
    pieces = evaluate(problem, w, b)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="cd_fixed_step", pieces=pieces)
    n_iter = 0
    while not cert.converged and n_iter < max_iter:
        z = pieces["z"].copy()  # exact at every check: no drift accumulates
        ep, cheap, b = cd_logistic_fixed(*design.args, n, problem.y, problem.sw, z, w, b,
                                         problem.fit_intercept, problem.lipschitz, vscale,
                                         b_scale, feats,
                                         *problem.penalty_args, min(chunk, max_iter - n_iter),
                                         tol_abs)
        n_iter += ep
        pieces = evaluate(problem, w, b)
        cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="cd_fixed_step",
                                 pieces=pieces)
        if verbose:
            print(f"[sparsecert] epoch {n_iter}: {cert!r}")
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent (fixed steps)")
    return SolverResult(w, b, cert, n_iter)
