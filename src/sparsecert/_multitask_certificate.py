r"""The multi-task lasso's problem set-up and certificate, feature by feature.

Problem (scikit-learn's ``MultiTaskLasso``, with sample weights s_i summing
to n): min over W (k, p) and b (k,) of

    (1/2n) sum_i s_i ||Y_i - W x_i - b||_2^2 + alpha sum_j ||W[:, j]||_2 .

It is a group lasso over the rows of W^T: feature j's k coefficients form a
block. With G = dF/dW (k, p) and g_j = G[:, j], the violation of feature j
is the distance from -g_j to the subdifferential of alpha ||.||_2 at W[:, j]:

* W[:, j] = 0:  max(0, ||g_j|| - alpha), margin alpha - ||g_j|| (how deep
  inside its dead zone the feature sits, for all tasks at once);
* W[:, j] != 0: ||g_j + alpha W[:, j] / ||W[:, j]|| ||;

multiplied by the feature's ``violation_scale`` (see
:meth:`sparsecert._problem.Problem.violation_scale`). The intercept's
violation is ||dF/db||_2 over the tasks, in its own units (those of Y).
The tolerance is scale-free: ``scale`` = max_j ||G(0, b0)[:, j]||_2, the
multi-task alpha_max, so that k = 1 means what the Lasso's tol means.

Duality gap: the dual is max over Theta (n, k) of -<Theta, Y> -
(n/2) sum_i ||Theta_i||^2 / s_i subject to max_j ||X_j^T Theta||_2 <= alpha
(the conjugate of the L2,1 norm is the indicator of its dual ball) and,
with intercepts, column sums 0. The dual point is the loss derivative
U = -s R / n, weighted-centred per task, scaled by
t = min(1, alpha / max_j ||X_j^T U||_2). None when alpha = 0.

The multi-task elastic net (``MultiTaskL21(alpha, l1_ratio=rho)``, rho < 1,
scikit-learn's ``MultiTaskElasticNet``) adds alpha (1 - rho)/2 ||W||_F^2:
the threshold of a zero feature is alpha rho, a nonzero one needs
g_j + alpha (1 - rho) W[:, j] + alpha rho W[:, j]/||W[:, j]|| = 0, and the
penalty's conjugate is finite, sum_j (||X_j^T Theta|| - alpha rho)_+^2 /
(2 alpha (1 - rho)), so the dual point is U itself, unscaled.
"""

import numpy as np

from ._kernels.datafit import matvec
from ._problem import column_tolerance_weights, make_problem, rmatvec_full
from ._duality import _gap_tolerance, _intercept_violation, _relative_gap, block_screen
from ._sums import sample_dot_columns


def multi_rmatvec(design, U, n_threads=1):
    """X^T U, as a (k, p) array: one BLAS matrix product for a float64 dense X
    (one pass over X for all k tasks), else one full pass per task."""
    if not design.is_sparse and design.args[0].dtype == np.float64:
        return np.ascontiguousarray(np.dot(design.args[0].T, U).T)
    G = np.empty((U.shape[1], design.n_features))
    for t in range(U.shape[1]):
        rmatvec_full(design, np.ascontiguousarray(U[:, t]), G[t], n_threads)
    return G


def multi_matvec(design, W):
    """X W^T (n, k) for W of shape (k, p), reading only the columns where
    some row of W is nonzero (one product per row of W)."""
    n = design.n_samples
    X_args = design.columns(np.flatnonzero(np.any(W != 0, axis=0)))
    Z = np.empty((n, W.shape[0]))
    z = np.empty(n)
    for t in range(W.shape[0]):
        matvec(*X_args, n, np.ascontiguousarray(W[t]), z)
        Z[:, t] = z
    return Z


def make_multitask_problem(design, Y, sw, penalty, fit_intercept):
    """:func:`sparsecert._problem.make_problem`'s column statistics, with the
    targets ``Y`` (n, k), the penalty and the scales of the multi-task problem."""
    from .datafits import Quadratic
    from .penalties import L1

    problem = make_problem(design, np.ascontiguousarray(Y[:, 0]), sw, Quadratic(),
                           L1(alpha=float(penalty.alpha)), fit_intercept)
    n = design.n_samples
    B0 = sample_dot_columns(sw, Y) / n if fit_intercept else np.zeros(Y.shape[1])
    R0 = Y - B0
    G0 = multi_rmatvec(design, -(sw[:, None] * R0) / n)
    problem.work.add(Y.shape[1] * problem.work.size)
    problem.penalty = penalty
    problem.__dict__.update(Y=Y, B0=B0)
    problem.scale = float(np.max(np.sqrt(np.sum(G0 * G0, axis=0)))) if design.n_features else 0.0
    problem.objective0 = float(np.sum(sw[:, None] * R0 * R0)) / (2.0 * n)
    # ||.||_2 over the tasks of the weighted RMS of Y - b0 (the Lasso's for k = 1)
    problem.scale_intercept = float(np.sqrt(2.0 * problem.objective0))
    y_rms = float(np.sqrt(np.sum(sw[:, None] * Y * Y) / n))
    sq, means = problem.lipschitz, problem.means
    col_rms = np.sqrt(sq + means * means) if design.n_features else np.zeros(1)
    floor = 8.0 * np.sqrt(n) * np.finfo(np.float64).eps
    problem.tol_floor = float(floor * y_rms * np.max(col_rms))
    problem.tol_floor_intercept = float(floor * y_rms)
    problem.col_weight, problem.col_floor = column_tolerance_weights(sq, col_rms, floor, y_rms)
    problem.__dict__.pop("_vscale", None)
    return problem


def multitask_pieces(problem, W, b):
    """Residual, loss derivative U, G = X^T U (k, p), dF/db, loss and penalty at (W, b)."""
    design, Y, sw = problem.design, problem.Y, problem.sw
    n = design.n_samples
    norms_w = np.sqrt(np.sum(W * W, axis=0))
    Z = multi_matvec(design, W)
    problem.work.add(Y.shape[1] * design.nnz)
    R = Y - Z - b
    U = -(sw[:, None] * R) / n
    G = multi_rmatvec(design, U, problem.n_threads)
    loss = float(np.sum(sw[:, None] * R * R)) / (2.0 * n)
    g_b = U.sum(axis=0) if problem.fit_intercept else np.zeros(Y.shape[1])
    return dict(U=U, grad=G, intercept_grad=g_b, loss=loss, norms_w=norms_w,
                penalty=problem.penalty.value(norms_w))


def multitask_violations(penalty, W, G, norms_w, vscale):
    """(violations, margins, ||g_j||) per feature (threshold alpha rho)."""
    alpha, l2 = penalty.l1, penalty.l2
    norms_g = np.sqrt(np.sum(G * G, axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        moving = G + (alpha / np.where(norms_w > 0, norms_w, 1.0) + l2) * W
    viol = np.where(norms_w > 0, np.sqrt(np.sum(moving * moving, axis=0)),
                    np.maximum(norms_g - alpha, 0.0)) * vscale
    viol[~np.isfinite(norms_g)] = np.nan
    return viol, alpha - norms_g, norms_g


def multitask_gap(problem, pieces, objective):
    """(P(W, b) - D(Theta) at the rescaled residual (module docstring), the
    features screened by :func:`sparsecert._duality.block_screen`), or (None,
    None) if alpha = 0.

    Screening: the dual is the least-squares one task by task, so the optimal
    Theta* lies within sum_i ||Theta_i - Theta*_i||^2 n / s_i <= 2 gap of
    Theta, and by Cauchy-Schwarz over samples and tasks ||X_j^T (Theta -
    Theta*)||_2 <= sqrt(2 gap L_j), L_j the column's weighted centred mean
    square (both points' columns sum to 0 with intercepts). At an optimum
    W[:, j] = 0 unless ||X_j^T Theta*|| reaches alpha rho (the ridge part
    only adds to a nonzero block's gradient), so ||X_j^T Theta|| +
    sqrt(2 gap L_j) < alpha rho proves feature j zero.
    """
    alpha, l2 = problem.penalty.l1, problem.penalty.l2
    if not (alpha > 0 or l2 > 0):
        return None, None
    n = problem.design.n_samples
    U, G, sw = pieces["U"], pieces["grad"], problem.sw
    if problem.fit_intercept:
        c = U.sum(axis=0) / n
        U = U - sw[:, None] * c
        G = G - n * c[:, None] * problem.means[None, :]
    norms_g = np.sqrt(np.sum(G * G, axis=0))
    conj = 0.0
    reach = norms_g
    if l2 > 0:
        # the elastic net's conjugate is finite: no rescaling
        theta = U
        conj = float(np.sum(np.maximum(norms_g - alpha, 0.0) ** 2)) / (2.0 * l2)
    else:
        worst = float(np.max(norms_g)) / alpha if G.size else 0.0
        theta = U if worst <= 1.0 else U / worst
        reach = norms_g if worst <= 1.0 else norms_g / worst
    pos = sw > 0
    dual = (-float(np.sum(theta * problem.Y))
            - 0.5 * n * float(np.sum(theta[pos] ** 2 / sw[pos, None])) - conj)
    gap = float(objective) - dual if np.isfinite(dual) else np.inf
    thr = np.full(norms_g.shape[0], float(alpha))
    return gap, block_screen(reach, gap, objective, n, problem.lipschitz, thr)


def multitask_fields(problem, W, b, tol_relative, n_iter=None, solver=None):
    """The fields of the :class:`~sparsecert.certificate.MultiTaskCertificate`
    of (W (k, p), b (k,)) for a problem of :func:`make_multitask_problem`."""
    pieces = multitask_pieces(problem, W, b)
    vscale = problem.violation_scale(tol_relative)
    viol, margin, norms_g = multitask_violations(problem.penalty, W, pieces["grad"],
                                                 pieces["norms_w"], vscale)
    return feature_block_fields(
        problem, W, pieces, tol_relative, vscale, viol, margin, norms_g, multitask_gap,
        n_iter, solver, datafit="quadratic", penalty=problem.penalty.name,
        alpha=float(problem.penalty.alpha),
        group_threshold=np.full(W.shape[1], problem.penalty.l1))


def feature_block_fields(problem, W, pieces, tol_relative, vscale, viol, margin, norms_g,
                         gap_of, n_iter, solver, **named):
    """The certificate fields of a model whose blocks are features over tasks
    or classes (multi-task, multinomial): the largest violation, the
    intercepts' (||dF/db||_2) included, the duality gap and the screened
    features ``gap_of(problem, pieces, objective)`` and the gap's test, and
    one group per feature; ``named`` adds the model's own (datafit, penalty,
    alpha, group_threshold, ...)."""
    tol, tol_intercept = problem.tolerances(tol_relative)
    g_b = float(np.linalg.norm(pieces["intercept_grad"]))
    v_b = _intercept_violation(g_b, tol, tol_intercept)
    max_f = float(np.max(viol)) if viol.size else 0.0
    if viol.size and not (v_b > max_f):
        argmax, max_v = int(np.argmax(viol)), max_f
    else:
        argmax, max_v = None, float(v_b)
    if np.isnan(max_f):
        max_v = np.nan
    objective = pieces["loss"] + pieces["penalty"]
    gap, screened = gap_of(problem, pieces, objective)
    rel_gap = None if gap is None else float(_relative_gap(problem, gap))
    gap_tol = None if gap is None else _gap_tolerance(problem, tol_relative, objective)
    converged = bool(max_v <= tol) and (rel_gap is None or bool(rel_gap <= gap_tol))
    p = W.shape[1]
    return dict(
        converged=converged, kind="global", gap_tol=gap_tol, max_violation=max_v,
        argmax=argmax, duality_gap=gap, relative_gap=rel_gap, tol=tol,
        tol_relative=tol_relative, scale=problem.scale, objective=objective,
        intercept_gradient=g_b, intercept_gradients=pieces["intercept_grad"],
        tol_intercept=tol_intercept, scale_intercept=problem.scale_intercept,
        gradient=pieces["grad"], violation=viol, margin=margin, violation_scale=vscale,
        coef=W, n_iter=n_iter, solver=solver,
        dual_point=None if gap is None else "residual", group_violation=viol,
        group_margin=margin, group_gradient_norm=norms_g,
        group_coef_norm=pieces["norms_w"], group_ptr=np.arange(p + 1),
        group_indices=np.arange(p), argmax_group=argmax, screened=screened, **named)


def block_coef_of(coef, intercept, k, p, rows, rows_are=""):
    """(W, b) of anyone's coefficients of shape (k, p) (one row per task or
    class, ``rows`` naming them in the error) and intercept None (b = 0) or
    broadcast to (k,); a ValueError for a wrong shape or a non-finite value."""
    W = np.array(coef, dtype=np.float64, ndmin=2)
    if W.shape != (k, p):
        raise ValueError(f"coef must have shape ({rows}, n_features) = {(k, p)}{rows_are}; "
                         f"got {W.shape}.")
    if not np.all(np.isfinite(W)):
        raise ValueError("coef contains NaN or infinity.")
    b = np.zeros(k)
    if intercept is not None:
        b = np.broadcast_to(np.asarray(intercept, dtype=np.float64), (k,)).copy()
        if not np.all(np.isfinite(b)):
            raise ValueError("intercept contains NaN or infinity.")
    return W, b


def multitask_problem_of(X, Y, coef, intercept, datafit, penalty, sample_weight):
    """:func:`sparsecert.check_optimality`'s checks for a
    :class:`~sparsecert.penalties.MultiTaskL21`: Y (n, k), coef (k, p)
    (scikit-learn's ``MultiTaskLasso.coef_``), intercept None (no intercept)
    or (k,). Returns (problem, W, b)."""
    from ._kernels import codes

    if datafit.code != codes.QUADRATIC:
        raise ValueError("The multi-task lasso is implemented for the quadratic datafit only.")
    if getattr(penalty, "weights", None) is not None:
        raise ValueError("MultiTaskL21(weights=...) is implemented for the multinomial datafit "
                         "only; the multi-task lasso takes weights=None.")
    design, Y, sw = validate_multitask(X, Y, sample_weight)
    k, p = Y.shape[1], design.n_features
    W, b = block_coef_of(coef, intercept, k, p, "n_tasks")
    problem = make_multitask_problem(design, Y, sw, penalty, intercept is not None)
    return problem, W, b


def validate_multitask(X, Y, sample_weight):
    """The function-level checks of a multi-task problem (the estimators use
    scikit-learn's validate_data): (design, Y as float64 (n, k), sample
    weights summing to n). A Y with NaN, not 2-D or of another length than
    X raises a ValueError naming Y."""
    from sklearn.utils import check_array, check_consistent_length

    from ._validation import as_design, check_sample_weight

    X = check_array(X, accept_sparse=["csc", "csr", "coo"], dtype=[np.float64, np.float32],
                    input_name="X")
    Y = check_array(Y, ensure_2d=False, dtype=np.float64, input_name="Y")
    if Y.ndim != 2:
        raise ValueError(f"Y must be 2-D of shape (n_samples, n_tasks) for the multi-task "
                         f"lasso; got shape {Y.shape}.")
    check_consistent_length(X, Y)
    design = as_design(X)
    return design, Y, check_sample_weight(sample_weight, design.n_samples)


def multitask_alpha_max_on(design, Y, sw, penalty, fit_intercept):
    """max_j ||g_j(0, b0)||_2 / rho, the smallest alpha at which W = 0 is optimal
    for ``penalty`` (a MultiTaskL21, rho its l1_ratio; inf for rho = 0)."""
    if penalty.l1_ratio == 0:
        return np.inf
    problem = make_multitask_problem(design, Y, sw, penalty.with_alpha(0.0), fit_intercept)
    return problem.scale / float(penalty.l1_ratio)
