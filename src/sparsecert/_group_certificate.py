r"""The group lasso's certificate, group by group (least squares or logistic):
its pieces (:func:`group_pieces`, :func:`group_violations`, :func:`group_gap`)
and its :func:`explain_groups`; :mod:`sparsecert.certificate` assembles them.

With g = grad F(w, b) and group g's threshold alpha c_g, the violation of a
group is the distance from -g_g to the subdifferential of alpha c_g ||.||_2
at w_g:

* w_g = 0:  max(0, ||g_g|| - alpha c_g), the distance from g_g to the ball
  of radius alpha c_g (its margin alpha c_g - ||g_g|| says how deep inside
  its dead zone the group sits);
* w_g != 0: ||g_g + alpha c_g w_g / ||w_g|| ||.

Each is the norm of a per-feature vector (g_g minus its projection onto the
ball; g_g + alpha c_g w_g / ||w_g||), reported per feature too; all of
them, with ||w_g|| and the margins, come from one compiled pass over the
groups (:mod:`sparsecert._kernels.group_certificate`), NaN-safe: a NaN or
an infinity in g_g, or a NaN in w_g, makes the group's violation NaN. Each
component is multiplied by the feature's ``violation_scale`` before the
norm is taken (:meth:`sparsecert._problem.Problem.violation_scale`: a column
of tiny norm cannot hide its coefficient's error; all ones for standardized
data). Margins are in plain gradient units.

Duality gap: the dual of min_w,b (1/2n) sum s_i (y_i - x_i^T w - b)^2 +
alpha sum_g c_g ||w_g|| is max_theta -sum theta_i y_i - (n/2) sum theta_i^2 / s_i
over theta with ||X_g^T theta|| <= alpha c_g for every group (the conjugate
of a norm is the indicator of its dual ball) and sum theta = 0 with an
intercept. The dual point is the loss derivative u = -s r / n, weighted-
centred with an intercept, scaled by t = min(1, min_g alpha c_g / ||X_g^T u||).
Unpenalized groups (c_g = 0, or alpha = 0) would need X_g^T theta = 0, a
projection not made here: the gap is then None and the violation test
alone decides.

The sparse-group lasso (rho = ``l1_ratio`` > 0, thresholds alpha (1 - rho)
c_g on the block and alpha rho c_g on each coordinate) replaces ||.||_2 by
the norm N = (1 - rho) ||.||_2 + rho ||.||_1 and its dual N*
(:func:`sparsecert._kernels.group.sgl_dual_norm`): a zero group's violation
is max(0, ||S(g_g, alpha rho c_g)|| - alpha (1 - rho) c_g), the distance to
the ball plus the box; at a nonzero group the component of a nonzero w_j is
g_j + alpha (1 - rho) c_g w_j / ||w_g|| + alpha rho c_g sign(w_j) and that
of a zero w_j is S(g_j, alpha rho c_g); ``group_gradient_norm`` is N*(g_g),
and the dual point is rescaled into N*(X_g^T theta) <= alpha c_g.

Logistic datafit: the dual is max_theta -f^*(theta) over the same set, f^*
the conjugate of the loss (:func:`sparsecert._kernels.datafit.datafit_conjugate`);
u = f'(z) is rebalanced to sum to 0 with an intercept
(:func:`sparsecert._duality._balanced_logistic_dual_point`), and the
rescaling by t <= 1 keeps it in f^*'s domain.
"""

import numpy as np

from ._duality import _balanced_logistic_dual_point, block_screen
from ._kernels import codes
from ._kernels.datafit import datafit_conjugate, datafit_raw_grad, datafit_value, matvec
from ._kernels.group import group_dual_norms, group_grams, group_members
from ._kernels.group_certificate import group_certificate_scan, group_norms, shifted_group_norms
from ._problem import rmatvec_full
from ._sums import sample_dot


# the arrays of a GroupCertificate made for it alone (by group_pieces, group_gap
# and build_group_certificate), which it keeps uncopied: each round of a fit
# makes one, and copying them was a visible share of its time
GROUP_FRESH = frozenset({"gradient", "violation", "margin", "screened", "group_violation",
                         "group_margin", "group_gradient_norm", "group_threshold",
                         "group_coef_norm", "_group_screened"})


def l1_ratio_of_problem(problem):
    """rho of a group problem's penalty (0 for the group lasso)."""
    return float(problem.pen_params[codes.PARAM_L1_RATIO])


def dual_norms(enc, v, rho):
    """N*(v_g) for every group (||v_g||_2 when rho = 0, by the same sums as
    the group lasso has always used)."""
    out = np.empty(enc.n_groups)
    if rho == 0.0:
        group_norms(np.ascontiguousarray(v, dtype=np.float64), enc.ptr, enc.indices, out)
        return out
    group_dual_norms(np.ascontiguousarray(v, dtype=np.float64), enc.ptr, enc.indices, rho, out)
    return out


def _soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def group_pieces(problem, w, b, vscale):
    """z = X w + b, u = f'(z), grad = X^T u, dF/db, the loss, the penalty and
    :func:`group_violations`' arrays at (w, b)."""
    design = problem.design
    n, p = design.n_samples, design.n_features
    z = np.empty(n)
    u = np.empty(n)
    grad = np.empty(p)
    nonzero = w.nonzero()[0]  # np.flatnonzero of a 1-D w, without its wrappers
    X_args = design.columns(nonzero)
    if not design.is_sparse and X_args[0].dtype == np.float64:
        np.dot(X_args[0][:, nonzero], w[nonzero], out=z)  # BLAS
    else:
        matvec(*X_args, n, w, z)
    z += b
    datafit_raw_grad(problem.df_code, problem.y, z, problem.sw, n, u)
    rmatvec_full(design, u, grad, problem.n_threads)
    if problem.work is not None:
        problem.work.add_columns(design, nonzero)  # (add_nonzero_columns, w's nonzero known)
        problem.work.add(design.nnz)
    loss = float(datafit_value(problem.df_code, problem.y, z, problem.sw, n))
    g_b = float(np.sum(u)) if problem.fit_intercept else 0.0
    return dict(z=z, u=u, grad=grad, intercept_grad=g_b, loss=loss,
                **group_violations(problem, w, grad, vscale))


def group_violations(problem, w, grad, vscale):
    """The per-group arrays of the certificate at w with gradient ``grad``, in
    one compiled pass (:func:`sparsecert._kernels.group_certificate.group_certificate_scan`):
    ``comp`` (per-feature components, times ``vscale``), ``viol`` (group
    violations), ``margin`` (alpha c_g - N*(g_g)), ``norms_g`` (N*(g_g)),
    ``thr`` (alpha c_g), ``norms_w`` (||w_g||), ``penalty`` (its value at
    w), ``margin_f`` (each feature's group margin), ``worst_group`` (the
    first group of largest violation, or the first NaN one) and
    ``worst_feature`` (its feature of largest component); see the module
    docstring."""
    enc = problem.groups
    out = group_certificate_scan(grad, np.ascontiguousarray(w, dtype=np.float64), vscale,
                                 enc.ptr, enc.indices, enc.weights, float(problem.penalty.alpha),
                                 l1_ratio_of_problem(problem))
    fields = dict(zip(("comp", "margin_f", "viol", "margin", "norms_g", "thr", "norms_w"), out))
    return dict(fields, penalty=float(problem.penalty.alpha * np.sum(out[7])),
                worst_group=int(out[8]), worst_feature=int(out[9]))


def group_gap(problem, pieces, objective):
    """(P(w, b) - D(theta), screened groups) at the rescaled residual (see the
    module docstring and :func:`screen_groups`); (None, None) when an
    unpenalized group leaves it infeasible."""
    enc = problem.groups
    thr = pieces["thr"]
    if not np.all(thr > 0):
        return None, None
    n = problem.design.n_samples
    u = pieces["u"].copy()
    grad = pieces["grad"]
    logistic = problem.df_code == codes.LOGISTIC
    shift = 0.0
    if problem.fit_intercept and logistic:
        u, grad = _balanced_logistic_dual_point(problem, u, grad.copy())
    elif problem.fit_intercept:
        # weighted centring: u - s c with sum = 0; X^T s = n means, so
        # X^T (u - s c) = grad - c n means
        c = float(np.sum(u)) / n
        u -= problem.sw * c
        shift = c * n
    rho = l1_ratio_of_problem(problem)
    if rho == 0.0:
        # ||grad_g - shift means_g|| and max_g of it / alpha c_g, in one pass
        norms = np.empty(enc.n_groups)
        worst = shifted_group_norms(grad, shift, problem.means, enc.ptr, enc.indices, thr, norms)
    else:
        if shift != 0.0:
            grad = grad - shift * problem.means
        norms = dual_norms(enc, grad, rho)
        worst = float(np.max(norms / thr)) if norms.size else 0.0
    t = 1.0 if worst <= 1.0 else 1.0 / worst
    if logistic:
        dual = -float(datafit_conjugate(problem.df_code, problem.y, u, problem.sw, n, t))
    else:
        theta = t * u
        pos = _positive_weights(problem)
        dual = -sample_dot(theta, problem.y) - 0.5 * n * float(
            np.sum(theta ** 2 / problem.sw) if pos is None
            else np.sum(theta[pos] ** 2 / problem.sw[pos]))
    gap = float(objective) - dual if np.isfinite(dual) else np.inf
    # X^T theta itself only for the sparse-group lasso's second test
    return gap, screen_groups(problem, t * grad if rho > 0.0 else None, gap, objective,
                              reach=t * norms)


def _positive_weights(problem):
    """The mask s_i > 0 of the samples the dual sums over, or None when it
    holds everywhere (the sum is then over all of them, as the mask would
    give it); computed once per weights array (keyed on it: a shallow copy
    of the problem keeps its ``__dict__``)."""
    cached = problem.__dict__.get("_sw_positive")
    if cached is None or cached[0] is not problem.sw:
        pos = problem.sw > 0
        cached = problem.__dict__["_sw_positive"] = (problem.sw, None if pos.all() else pos)
    return cached[1]


def screen_groups(problem, grad_theta, gap, objective, reach=None):
    r"""Groups zero at every optimum, by the gap-safe sphere test; None without a gap.

    ``grad_theta`` = X^T theta at the feasible dual point theta that gave
    ``gap`` (read only when ``reach`` is None or rho > 0). The optimal dual
    point theta* lies within sum_i (theta_i - theta*_i)^2 / gamma_i <= 2 gap
    of theta (:func:`sparsecert._duality.sphere_screen`:
    gamma_i = s_i / n for least squares, whose dual is exactly that
    quadratic, and s_i / (4n) for the logistic loss, whose f'' <= 1/4), so
    ||X_g^T (theta - theta*)||_2 <= r_g = sqrt(2 gap L_g) with L_g the
    largest eigenvalue of X_g^T diag(gamma) X_g: the group Lipschitz
    constant of :func:`group_lipschitz`. With an intercept both points sum
    to 0, so X_g may be centred first (least squares' L_g is the centred
    one; the logistic L_g is uncentred, which is larger). At an optimum
    w*_g = 0 unless N*(X_g^T theta*) reaches alpha c_g (N* = ||.||_2 for the
    group lasso, :func:`sparsecert._kernels.group.sgl_dual_norm` for the
    sparse-group lasso), and N* <= ||.||_2, so a group with
    N*(X_g^T theta) + r_g < alpha c_g is zero at every optimum. The
    sparse-group lasso also passes a group with ||S(X_g^T theta, alpha rho
    c_g)||_2 + r_g < alpha (1 - rho) c_g (S the soft-thresholding, which
    moves by at most r_g when its argument does; neither test implies the
    other).

    L_g is the exact eigenvalue where :func:`known_group_lipschitz` has it
    (the groups that were in a working set: the solver needs their step
    size anyway), else the trace sum_{j in g} L_j >= L_g, free from the
    column statistics (the squared weighted Frobenius norm of X_g). No
    eigenvalue is computed here: computing them for every group a test
    could pass (880 of synth-group's 1000 at alpha_max/10) cost a quarter
    of the fit, while the groups that matter, those near the working set,
    get theirs when they enter it and are screened from the next round
    on. ``reach``, when given, is N*(X_g^T theta) already computed.
    """
    enc = problem.groups
    if gap is None or not np.isfinite(gap):
        return None
    rho = l1_ratio_of_problem(problem)
    alpha = problem.penalty.alpha
    thr = alpha * enc.weights
    if reach is None:
        reach = dual_norms(enc, grad_theta, rho)
    lip = np.fmin(_group_trace(problem), known_group_lipschitz(problem))
    n = problem.design.n_samples
    screened = block_screen(reach, gap, objective, n, lip, thr)
    if rho > 0.0:
        shrunk = _soft(grad_theta, (alpha * rho * enc.weights)[enc.group_of])
        reach_soft = np.sqrt(np.bincount(enc.group_of, weights=shrunk * shrunk,
                                         minlength=enc.n_groups))
        screened |= block_screen(reach_soft, gap, objective, n, lip,
                                 alpha * (1.0 - rho) * enc.weights)
    return screened


def _group_trace(problem):
    """sum_{j in g} L_j for every group, an upper bound on L_g; fixed for a
    problem, so computed once."""
    cached = problem.__dict__.get("_group_trace")
    if cached is None:
        enc = problem.groups
        cached = np.bincount(enc.group_of, weights=problem.lipschitz, minlength=enc.n_groups)
        problem.__dict__["_group_trace"] = cached
    return cached


def known_group_lipschitz(problem):
    """The group Lipschitz constants computed so far for ``problem`` (NaN where
    not yet): one array per problem (and the alphas of a path, which share
    its column statistics), filled by :func:`group_lipschitz`."""
    enc = problem.groups
    known = problem.__dict__.get("_group_lipschitz")
    if known is None or known.shape[0] != enc.n_groups:
        known = np.full(enc.n_groups, np.nan)
        problem.__dict__["_group_lipschitz"] = known
    return known


# groups of up to this many features get the exact largest eigenvalue of
# their Gram matrix (k^2 n work, k^2 memory); larger ones the trace bound
_EXACT_MAX = 512


def group_lipschitz(problem, groups, out):
    """Fill ``out[g]`` for the groups ``groups`` where it is NaN: L_g, the
    largest eigenvalue of the group's weighted Gram matrix X_g^T S X_g / n
    (centred by ``problem.means``; exact by ``numpy.linalg.eigvalsh`` for
    groups of up to ``_EXACT_MAX`` features, the trace bound sum_j L_j past
    that), a quarter of it for the logistic datafit (whose ``means`` are 0).
    The solver's step is 1 / L_g; :func:`screen_groups` its radius (once
    known: ``out`` is :func:`known_group_lipschitz`'s array)."""
    enc = problem.groups
    design = problem.design
    todo = groups[np.isnan(out[groups])]
    if todo.size == 0:
        return out
    feats = group_members(enc.ptr, enc.indices, todo)
    X_args = design.columns(feats)
    if problem.work is not None:
        problem.work.add_columns(design, feats)
    exact, k, grams, big = group_grams(*X_args, design.n_samples, problem.sw, problem.means,
                                       problem.lipschitz, enc.ptr, enc.indices, todo,
                                       _EXACT_MAX, out)
    for g in big:
        out[g] = float(np.sum(problem.lipschitz[enc.members(g)]))
    # the exact ones, by size: one stacked eigvalsh per size (the same LAPACK
    # call per matrix as one eigvalsh each, without the Python round trips)
    start = 0
    while start < k.size:
        size = int(k[start])
        stop = start + int(np.searchsorted(k[start:], size, side="right"))
        stack = grams[:(stop - start) * size * size].reshape(stop - start, size, size)
        grams = grams[(stop - start) * size * size:]
        top = np.maximum(np.linalg.eigvalsh(stack)[:, -1], 0.0)
        out[exact[start:stop]] = top / 4.0 if problem.df_code == codes.LOGISTIC else top
        start = stop
    return out


def _group_label(cert, g, names, most=4):
    members = cert.group_indices[cert.group_ptr[g]:cert.group_ptr[g + 1]]
    shown = ", ".join(names[j] for j in members[:most])
    more = f", ... ({members.size} features)" if members.size > most else ""
    return f"group {g} ({shown}{more})"


def explain_groups(cert, feature_names=None, top=10):
    """Say, for the user, why each listed group is zero or not: the
    groups that violate optimality, the zero groups nearest the edge of
    their dead zone, and the largest nonzero groups."""
    p = cert.coef.shape[0]
    names = ([f"x{j}" for j in range(p)] if feature_names is None
             else [str(f) for f in feature_names])
    rho = getattr(cert, "l1_ratio", 0.0)
    if rho == 0.0:
        rule = ("a zero group is optimal when ||g_g|| <= alpha c_g (its dead zone), a nonzero "
                "one when g_g + alpha c_g w_g/||w_g|| = 0.")
        g_sym = None
    else:
        rule = (f"l1_ratio rho={rho:.6g}; a zero group is optimal when N*(g_g) <= alpha c_g, "
                f"i.e. ||S(g_g, alpha rho c_g)|| <= alpha (1-rho) c_g (its dead zone; N* is "
                f"the dual norm of (1-rho)||.||_2 + rho||.||_1), a nonzero one when "
                f"g_j + alpha (1-rho) c_g w_j/||w_g|| + alpha rho c_g sign(w_j) = 0 at each "
                f"nonzero w_j and |g_j| <= alpha rho c_g at each zero w_j.")
        g_sym = "N*(g_g)"
    intro = (f"{cert.datafit} datafit + {cert.penalty} penalty, alpha={cert.alpha:.6g}, "
             f"{cert.n_groups} groups; {rule}")
    return explain_blocks(cert, intro, lambda g: _group_label(cert, g, names), "group", "g",
                          "w", f"  intercept: dF/db={cert.intercept_gradient:.3g} is not 0",
                          top, g_sym)


def explain_blocks(cert, intro, label, unit, index, coef, intercept_line, top, g_sym=None):
    """The words of a block certificate (the group lasso's groups, the
    multi-task lasso's features): the blocks that violate optimality, the
    zero ones nearest the edge of their dead zone, and the largest nonzero
    ones. ``label(b)`` names block b; ``unit`` ("group"), ``index`` ("g")
    and ``coef`` ("w") spell it in the text; ``g_sym`` the size of a block's
    gradient (||g_index|| by default)."""
    gv, gm = cert.group_violation, cert.group_margin
    ng, thr, nw = cert.group_gradient_norm, cert.group_threshold, cert.group_coef_norm
    g_sym = g_sym or f"||g_{index}||"
    w_sym = f"||{coef}_{index}||"
    lines = [repr(cert), "", intro]
    bad = np.flatnonzero(~(gv <= cert.tol))
    if bad.size:
        lines.append(f"{bad.size} {unit}(s) violate optimality by more than tol:")
        for b in bad[np.argsort(-gv[bad])][:top]:
            why = (f"{g_sym} exceeds the threshold: the penalty cannot hold it at 0"
                   if nw[b] == 0 else f"g_{index} does not balance the penalty's pull")
            state = "zero" if nw[b] == 0 else f"{w_sym}={nw[b]:.6g}"
            lines.append(f"  {label(b)}: {state}, {g_sym}={ng[b]:.4g}, "
                         f"threshold={thr[b]:.4g}, violation={gv[b]:.3g} ({why})")
    if abs(cert.intercept_gradient) > cert.tol_intercept:
        lines.append(intercept_line)
    if cert.gap_tol is not None and not cert.relative_gap <= cert.gap_tol:
        lines.append(f"The relative duality gap {cert.relative_gap:.3g} exceeds "
                     f"{cert.gap_tol:.3g}: the objective may still drop by up to "
                     f"{cert.duality_gap:.3g}.")
    ok = np.flatnonzero((nw == 0) & (gv <= cert.tol))
    if ok.size:
        order = ok[np.argsort(gm[ok])][:top]
        lines.append(f"{ok.size} zero {unit}(s) inside their dead zone; the {order.size} "
                     f"nearest its edge:")
        lines += [f"  {label(b)}: {g_sym}={ng[b]:.4g} <= threshold={thr[b]:.4g} "
                  f"(margin {gm[b]:.3g})" for b in order]
    nz = np.flatnonzero(nw > 0)
    if nz.size:
        order = nz[np.argsort(-nw[nz])][:top]
        lines.append(f"{nz.size} nonzero {unit}(s); the {order.size} largest:")
        lines += [f"  {label(b)}: {w_sym}={nw[b]:.6g}, {g_sym}={ng[b]:.4g}, "
                  f"violation={gv[b]:.3g}" for b in order]
    return "\n".join(lines)
