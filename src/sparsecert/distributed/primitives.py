"""What the distributed FISTA asks of the cluster, one pass each, and its stopping quantity.

:func:`_gradient` is the full gradient and loss at a point (one tree
reduction of :func:`.blocks._block_gradient`); :func:`_lipschitz` the
initial step's power iteration (one reduction per iteration);
:func:`_max_violation` the compiled FISTA's stopping quantity, computed on
the client from a distributed gradient by the library's scalar kernels.
"""

import numpy as np

from .._kernels import codes
from .._kernels.optimality import feature_violations
from .blocks import _block_gradient, _block_gram

# power iteration for lambda_max([X 1]^T S [X 1] / n): at most this many
# passes, stopped at this relative change, and enlarged by this factor
# against underestimation (as the in-memory FISTA)
_POWER_ITERATIONS = 30
_POWER_RTOL = 1e-3
_POWER_SAFETY = 1.1


def _lipschitz(problem, n_iter=_POWER_ITERATIONS, rtol=_POWER_RTOL, safety=_POWER_SAFETY):
    """1.1 x power-iteration estimate of lambda_max([X 1]^T S [X 1] / n), capped by
    the trace; a quarter of it for the logistic loss (as :func:`solvers.fista._fista_lipschitz`).
    """
    blocks = problem.design.blocks
    n, p = problem.design.n_samples, problem.design.n_features
    v = np.random.default_rng(0).standard_normal(p + 1)
    if not problem.fit_intercept:
        v[p] = 0.0
    est = 0.0
    for _ in range(n_iter):
        prev = est
        nrm = float(np.linalg.norm(v))
        if nrm == 0.0:
            est = 0.0
            break
        v = v / nrm
        out = blocks.reduce(_block_gram, n, v)
        est = float(out[-1])
        if abs(est - prev) <= rtol * est:
            break
        v = out[:-1].copy()
        if not problem.fit_intercept:
            v[p] = 0.0
    lam = min(safety * est, problem.design.trace)
    if problem.df_code == codes.LOGISTIC:
        lam /= 4.0
    return lam if lam > 0.0 else 1.0


def _gradient(problem, w, b):
    """(grad_w F, dF/db, F) at (w, b): one distributed pass."""
    p = w.shape[0]
    out = problem.design.blocks.reduce(_block_gradient, problem.design.n_samples,
                                       problem.df_code, w, float(b), False)
    grad, g_b = _gradient_at(out, 0, p, problem.fit_intercept)
    return grad, g_b, float(out[p + 1])


def _gradient_at(out, start, p, fit_intercept):
    """(grad_w F, dF/db) stored as [X^T u (p), sum u] from ``out[start]`` on."""
    g_b = float(out[start + p]) if fit_intercept else 0.0
    return out[start:start + p], g_b


def _max_violation(problem, w, grad, g_b, vscale, b_scale):
    """The compiled FISTA's stopping quantity: max(|dF/db| b_scale, max_j violation_j vscale_j)."""
    p = w.shape[0]
    viol = np.empty(p)
    margin = np.empty(p)
    feature_violations(w, grad, *problem.penalty_args, problem.lipschitz, viol, margin)
    viol *= vscale  # the certificate's common units (Problem.violation_scale)
    mv = float(np.max(viol)) if p else 0.0
    if np.isnan(viol).any():
        mv = np.nan
    v_b = abs(g_b) * b_scale  # the intercept in the features' units, as the certificate
    return mv if (mv > v_b or mv != mv) else v_b
