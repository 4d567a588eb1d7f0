"""The certificate of a distributed fit: the in-memory one, its sums over samples on the cluster.

:func:`distributed_certificate` needs two passes over X: the full gradient
(by class for the logistic loss with an intercept), then the datafit's
Fenchel conjugate at the dual point. Everything per feature (violations,
margins, the penalty's conjugate, the dual scaling) is computed on the
client by the library's scalar kernels over p-vectors, and
:func:`sparsecert.certificate.build_certificate` assembles the result, so
the numbers mean what they mean in memory; it says ``distributed=True``.
"""

from dataclasses import dataclass

import numpy as np

from .._kernels import codes
from .._kernels.optimality import dual_scaling, feature_violations, penalty_conjugate_sum
from ..certificate import build_certificate
from .blocks import _block_conjugate, _block_gradient


def distributed_certificate(problem, w, b, tol, n_iter=None, solver="fista_dask"):
    """The certificate of (w, b), every sum over samples done on the cluster.

    Two passes: the gradient (by class for the logistic loss with an
    intercept, to form the rebalanced dual point of
    :func:`sparsecert.certificate._balanced_logistic_dual_point` without a
    third pass), then the datafit's conjugate at the dual point u' and at
    t u'. The violations, margins and the penalty's conjugate use the
    library's scalar kernels over the p-vectors.
    """
    g = _full_gradient(problem, w, b)
    p = w.shape[0]
    g_b = float(g.sum_u) if problem.fit_intercept else 0.0
    viol = np.empty(p)
    margin = np.empty(p)
    max_feat, pen = feature_violations(w, g.grad, *problem.penalty_args, problem.lipschitz,
                                       viol, margin)
    max_v = max_feat if (max_feat > abs(g_b) or max_feat != max_feat) else abs(g_b)
    pieces = dict(grad=g.grad, viol=viol, margin=margin, max_violation=float(max_v),
                  intercept_grad=g_b, loss=float(g.loss), penalty=float(pen))
    gap = dual = None
    if getattr(problem.penalty, "convex", True):
        gap, dual = _duality_gap(problem, w, b, g, pieces["loss"] + pieces["penalty"])
    return build_certificate(problem, w, b, tol, n_iter=n_iter, solver=solver, pieces=pieces,
                             gap=gap, dual=dual, distributed=True)


@dataclass(frozen=True)
class _Gradient:
    """grad_w F, sum_i u_i and F at (w, b); with ``by_class`` also X^T u split by the
    sign of y (``g_pos`` + ``g_neg`` = ``grad``) and the class totals of -u and u."""

    grad: np.ndarray
    sum_u: float
    loss: float
    by_class: bool = False
    g_pos: np.ndarray = None
    g_neg: np.ndarray = None
    pos_total: float = None
    neg_total: float = None


def _full_gradient(problem, w, b):
    """Pass 1 of the certificate: the gradient, by class for the logistic intercept."""
    design = problem.design
    n, p = design.n_samples, design.n_features
    by_class = problem.fit_intercept and problem.df_code == codes.LOGISTIC
    out = design.blocks.reduce(_block_gradient, n, problem.df_code, w, float(b), by_class)
    if not by_class:
        sum_u, loss = out[p:]
        return _Gradient(out[:p], sum_u, loss)
    g_pos, g_neg = out[:p], out[p:2 * p]
    sum_u, loss, pos_total, neg_total = out[2 * p:]
    return _Gradient(g_pos + g_neg, sum_u, loss, True, g_pos, g_neg, pos_total, neg_total)


def _duality_gap(problem, w, b, g, primal):
    """(gap, (X^T u', t)) for the primal value ``primal``: pass 2, the conjugates.

    The dual point u' is the gradient's u made feasible for the intercept
    (centred for least squares, the classes rebalanced for the logistic
    loss), then scaled by t <= 1 into the penalty conjugate's domain; as
    :func:`sparsecert._kernels.optimality.duality_gap_kernel`, the better of
    D(u') and D(t u') is kept.
    """
    grad_dual = g.grad.copy()
    shift, pos_scale, neg_scale = 0.0, 1.0, 1.0
    if problem.fit_intercept and problem.df_code == codes.QUADRATIC:
        shift = float(g.sum_u)
        grad_dual -= shift * problem.means
    elif g.by_class and g.pos_total != g.neg_total:
        if g.pos_total > g.neg_total:
            pos_scale = g.neg_total / g.pos_total
        else:
            neg_scale = g.pos_total / g.neg_total
        grad_dual = pos_scale * g.g_pos + neg_scale * g.g_neg
    t = dual_scaling(grad_dual, *problem.penalty_args, problem.lipschitz)
    design = problem.design
    c1, ct = design.blocks.reduce(_block_conjugate, design.n_samples, problem.df_code, w,
                                  float(b), shift, pos_scale, neg_scale, float(t))
    d = -c1 - penalty_conjugate_sum(grad_dual, 1.0, *problem.penalty_args)
    t_best = 1.0
    if t < 1.0:
        d_t = -ct - penalty_conjugate_sum(grad_dual, t, *problem.penalty_args)
        if d_t > d or d != d:
            d, t_best = d_t, t
    return primal - d, (grad_dual, t_best)
