r"""The duality gap of a certificate: feasible dual points, their gap, gap-safe screening.

A gap P(w, b) - D(u) bounds P(w, b) - P* only if u is feasible for the
dual: inside every penalized feature's dead zone (rescaled, see
:func:`sparsecert._kernels.optimality.dual_scaling`), orthogonal to the
unpenalized features and the intercept (projected,
:func:`_project_out_unpenalized`; centred, for the intercept alone), and
for the logistic datafit in the conjugate's domain (rebalanced,
:func:`_balanced_logistic_dual_point`). :func:`_computed_gap` forms that
point from the residual (and optionally a better candidate, e.g. an
extrapolated residual); :func:`gap_safe_screen` turns a gap into features
provably zero at every optimum. Used by :mod:`sparsecert.certificate`.
"""

import math

import numpy as np

from ._kernels.codes import ELASTIC_NET, L1, LOGISTIC, PARAM_L1_RATIO, QUADRATIC
from ._kernels.datafit import rmatvec_subset
from ._kernels.optimality import duality_gap_kernel, sphere_test
from ._problem import rmatvec_full
from ._sums import sample_dot


_EPS = float(np.finfo(np.float64).eps)


def _balanced_logistic_dual_point(problem, u, grad):
    r"""A dual point for logistic regression with an intercept: (u', X^T u').

    With an intercept the dual is max_u -f^*(u) - sum_j G_j^*(-X_j^T u) subject
    to sum_i u_i = 0; for u that violates the constraint, P(w, b) >= D(u) + b sum u
    holds only at this b and bounds nothing. u = f'(z) satisfies it exactly
    at the optimum (it is dF/db = 0) but not at an approximate solution.
    Since u_i = -s_i y_i a_i / n with a_i in [0, 1] (the domain of f^*),
    shrinking the a_i of the heavier class by the ratio of the two class
    totals gives a feasible u' with sum u' = 0 and stays in that domain; the
    ratio is 1 at the optimum, so the gap still tends to 0 there. The reported
    gap is therefore always a valid upper bound on P(w, b) - P*, loose by a
    term of the order of |dF/db| away from the optimum. Costs one pass over X
    when the correction is not exactly zero.
    """
    y = problem.y
    # the two class totals from sum_i u_i and sum_i y_i u_i (y = +-1), without
    # a copy of either class's u (0.8 n floats at the full text benchmark)
    total = float(np.sum(u))
    signed = sample_dot(u, y)
    pos_total = -0.5 * (total + signed)  # sum over y = +1 of s_i a_i / n
    neg_total = 0.5 * (total - signed)   # sum over y = -1 of s_i a_i / n
    rounding = 16.0 * np.sqrt(y.shape[0]) * np.finfo(np.float64).eps * max(pos_total, neg_total)
    if abs(total) <= rounding:
        # balanced (pos_total - neg_total = -sum_i u_i) up to the rounding of
        # the sums themselves (the start (0, b0), a solved intercept): the
        # pass over X would change nothing measurable
        return u, grad
    if pos_total > neg_total:
        np.multiply(u, neg_total / pos_total, out=u, where=y > 0)
    else:
        np.multiply(u, pos_total / neg_total, out=u, where=y < 0)
    rmatvec_full(problem.design, u, grad, problem.n_threads)
    if problem.work is not None:
        problem.work.add(problem.design.nnz)
    return u, grad


def _relative_gap(problem, gap):
    return gap / problem.objective0 if problem.objective0 > 0 else gap


def _gap_tolerance(problem, tol_relative, objective):
    """The largest relative gap a certified point may have: ``tol_relative``,
    floored at the rounding error of P - D.

    P and D are sums of n terms of the size of P and of |r| |y| / n (the
    residual times the target), which float64 resolves to about sqrt(n)
    eps of their magnitude; and the dual point's rescaling
    t = min_j thr_j / |X_j^T u| is resolved only to the rounding error of
    X_j^T u (``col_floor``), which moves D by up to about twice that
    fraction of P(0). A request below the floor (a constant y, a column
    scaled by 1e150) could never be certified and is honoured as the floor.
    """
    n = problem.design.n_samples
    P = abs(float(objective))
    # tol_floor_intercept = 8 sqrt(n) eps rms(y)
    floor = 16.0 * math.sqrt(max(n, 1)) * _EPS * P + 2.0 * problem.tol_floor_intercept * math.sqrt(2.0 * P)
    rel = float(_relative_gap(problem, floor)) + _rescaling_floor(problem)
    return max(float(tol_relative), rel)


def _rescaling_floor(problem):
    """The dual rescaling's share of :func:`_gap_tolerance`: 2 max_j col_floor_j /
    thr_j over the live thresholds (0 without them); fixed for a problem, so
    computed once (every certificate of a fit asks again)."""
    cached = problem.__dict__.get("_rescaling_floor")
    if cached is not None and cached[0] is problem.penalty:
        return cached[1]
    out = 0.0
    if problem.col_floor is not None and problem.pen_code in (L1, ELASTIC_NET):
        thr = _thresholds(problem)
        if thr.size and thr.min() > 0:  # every threshold live: no masked copies
            out = 2.0 * float((problem.col_floor / thr).max())
        else:
            live = thr > 0
            if live.any():
                out = 2.0 * float(np.max(problem.col_floor[live] / thr[live]))
    problem.__dict__["_rescaling_floor"] = (problem.penalty, out)
    return out


# unpenalized features whose dual constraint X_U^T u = 0 is enforced by a
# projection (|U| columns, n x |U| floats): beyond these the gap is None
_MAX_PROJECTED = 1000
_MAX_PROJECTED_ENTRIES = 5e7
# a CSR X's products with more than this share of its entries run over its
# rows (one pass) instead of copying the columns out (a read of all its
# indices, then the copy)
_ROWS_FOR_SUBSET = 0.25
# ... and a CSC X's, with more than this share, over all its columns
_FULL_FOR_SUBSET = 0.5


def _unpenalized(problem):
    """Features the penalty leaves free (alpha = 0, or a zero weight), read-only;
    computed once per penalty of a problem (every certificate asks again)."""
    cached = problem.__dict__.get("_unpenalized")
    if (cached is not None and cached[0] is problem.penalty
            and cached[1] is problem.pen_weights):
        return cached[2]
    if problem.penalty.alpha == 0:
        free = np.arange(problem.design.n_features)
    else:
        free = np.flatnonzero(problem.pen_weights == 0)
    free.flags.writeable = False
    problem.__dict__["_unpenalized"] = (problem.penalty, problem.pen_weights, free)
    return free


def _project_out_unpenalized(problem, u, free, w):
    r"""A dual point that meets the unpenalized features' constraints, and X^T of it.

    An unpenalized feature j (and the intercept, a column of ones) has the
    conjugate of the zero function, the indicator of X_j^T u = 0: the
    residual's u = f'(z) meets it only at the optimum, and a dual value that
    leaves it out bounds nothing (a gap computed so can be negative). For
    the quadratic datafit, whose conjugate is the quadratic
    sum_i u_i y_i + n u_i^2 / (2 s_i), the closest feasible point in that
    metric is u' = u - diag(s/n) A beta with A = [X_J, 1] and
    (A^T diag(s/n) A) beta = A^T u; then A^T u' = 0 and D(u') is a valid
    lower bound. With ``positive`` the constraint of a free feature is only
    X_j^T u >= 0 (w_j >= 0 is its one restriction): J starts as the free
    features with w_j > 0 and takes in each one whose X_j^T u' < 0, until
    none is left. Costs |J|^2 n per projection and one pass over X for
    X^T u'. Returns (u', X^T u'), or None when J is too large to project.
    """
    held = free if not problem.penalty.positive else free[w[free] > 0]
    while True:
        projected = _projected(problem, u, held)
        if projected is None or not problem.penalty.positive:
            return projected
        g = projected[1]
        rest = np.setdiff1d(free, held, assume_unique=True)
        limit = 1e-12 * max(float(np.max(np.abs(g))), 1e-300)
        bad = rest[g[rest] < -limit]
        if bad.size == 0:
            return projected
        held = np.union1d(held, bad)


def _projected(problem, u, held):
    """u' = u minus its part along [X_held, 1] in the dual metric, and X^T u'
    (see :func:`_project_out_unpenalized`); None if that is too large."""
    design = problem.design
    n = design.n_samples
    cols = held.size + (1 if problem.fit_intercept else 0)
    if held.size > _MAX_PROJECTED or n * cols > _MAX_PROJECTED_ENTRIES:
        return None
    A = np.empty((n, cols))
    if held.size:
        A[:, :held.size] = _dense_columns(design, held)
    if problem.fit_intercept:
        A[:, -1] = 1.0
    ws = problem.sw / n
    H = A.T @ (ws[:, None] * A)
    beta = np.linalg.lstsq(H, A.T @ u, rcond=None)[0]
    u_feasible = u - ws * (A @ beta)
    if problem.work is not None:
        problem.work.add_columns(design, held)
        problem.work.add(design.nnz)
    return u_feasible, _rmatvec_subset(problem, u_feasible, np.arange(design.n_features))


def _dense_columns(design, feats):
    """X[:, feats] as a float64 array."""
    X_dense, X_data, X_indices, X_indptr = design.columns(feats)
    if not design.is_sparse:
        return np.asarray(X_dense[:, feats], dtype=np.float64)
    out = np.zeros((design.n_samples, feats.size))
    for k, j in enumerate(feats):
        lo, hi = X_indptr[j], X_indptr[j + 1]
        out[X_indices[lo:hi], k] = X_data[lo:hi]
    return out


def _given_gap(problem, gap, dual):
    """(gap, relative gap, screened, dual point) of a gap the caller computed
    (``dual`` = (X^T u', t) enables screening). None when unpenalized
    features leave the caller's dual point infeasible (see
    :func:`_project_out_unpenalized`)."""
    if _unpenalized(problem).size:
        return None, None, None, None
    gap = float(gap)
    screened = None if dual is None else gap_safe_screen(problem, dual[0], dual[1], gap)
    return gap, _relative_gap(problem, gap), screened, "residual"


def _computed_gap(problem, w, pieces, objective, converged, gap_tol, dual_candidate):
    """(gap, relative gap, screened, dual point): the gap at the residual's dual
    point, or at the dual candidate's when that one is smaller.

    The candidate is asked for only when the point is certified on the
    residual's gap (``converged``, the violation test, and relative gap <=
    ``gap_tol``): the gap it tightens is then the one reported, and the
    decision never rests on a dual point that cannot be recomputed from
    (w, b) alone.
    """
    free = _unpenalized(problem)
    if problem.fit_intercept or free.size:
        # the dual point is changed in place below (centred, balanced or
        # projected): the pieces stay the certificate's own; a solver's
        # scratch u (written over z, evaluate's keep_z=False, or marked
        # "u_free") is read by nothing after, so it is changed in place
        # (an n-vector saved)
        scratch_u = pieces.get("u_free", False) or ("z" in pieces and pieces["z"] is None)
        u = pieces["u"] if scratch_u else pieces["u"].copy()
        grad_dual = pieces["grad"].copy()
    else:
        grad_dual, u = pieces["grad"], pieces["u"]  # only read from here on
    if free.size:
        # their dual constraints must hold for the gap to bound anything
        projected = (_project_out_unpenalized(problem, u, free, w)
                     if problem.df_code == QUADRATIC else None)
        if projected is None:
            return None, None, None, None
        u, grad_dual = projected
        dual_candidate = None  # a candidate would need the same projection
    elif problem.fit_intercept and problem.df_code == LOGISTIC:
        u, grad_dual = _balanced_logistic_dual_point(problem, u, grad_dual)
    gap, t_dual = duality_gap_kernel(problem.df_code, problem.y, problem.sw,
                                     problem.design.n_samples, u, grad_dual, problem.means,
                                     problem.fit_intercept, *problem.penalty_args,
                                     problem.lipschitz, objective)
    dual_kind = "residual"
    reach = None
    converged = converged and _relative_gap(problem, float(gap)) <= gap_tol
    if (dual_candidate is not None and converged and problem.df_code == QUADRATIC
            and problem.pen_code in (L1, ELASTIC_NET)):
        u2 = dual_candidate()
        if u2 is not None:
            found = _candidate_gap(problem, u, grad_dual, u2, objective)
            if found is not None and found[0] < gap:
                gap, t_dual, grad_dual, reach = found
                dual_kind = "extrapolated"
    gap = float(gap)
    screened = gap_safe_screen(problem, grad_dual, t_dual, gap, reach)
    return gap, _relative_gap(problem, gap), screened, dual_kind


def _thresholds(problem):
    """Each feature's dead-zone half-width alpha c_j rho (L1 and elastic net);
    computed once per problem (read-only), every certificate asking again."""
    # keyed on the penalty: a shallow copy at another alpha keeps __dict__
    cached = problem.__dict__.get("_thresholds")
    if cached is not None and cached[0] is problem.penalty:
        return cached[1]
    thr = problem.penalty.alpha * problem.pen_weights
    if problem.pen_code == ELASTIC_NET:
        thr = thr * problem.pen_params[PARAM_L1_RATIO]
    thr.flags.writeable = False
    problem.__dict__["_thresholds"] = (problem.penalty, thr)
    return thr


def _candidate_gap(problem, u, grad_u, u2, objective):
    """Gap at the dual candidate u2, without a full pass over X; or None.

    ``u`` is the residual's feasible (centred) dual point and ``grad_u`` =
    X^T u. Centre u2 likewise; with d = u2 - u (sum d = 0 with an intercept,
    so X_j may be centred), Cauchy-Schwarz in the weights s gives
    |X_j^T u2| <= |X_j^T u| + sqrt(n L_j) sqrt(sum_i d_i^2 / s_i) =: B_j.
    Near a solution d is tiny, so for most features B_j is still inside the
    dead zone: such a feature neither limits the rescaling of u2 nor adds to
    the conjugate sum (zero inside the zone for L1 and the elastic net), and
    its X_j^T u2 is never computed (left 0 in the returned gradient). Only
    the others cost a column product. Returns (gap, t, X^T u2 with those
    zeros, reach), reach_j an upper bound on t |X_j^T u2| (t (-X_j^T u2) for
    ``positive``) for the screening test.

    u2 (float64, the candidate's own vector) is centred in place: no copy of
    an n-vector, nor of u2 - u, on a large X.
    """
    n = problem.design.n_samples
    sw = problem.sw
    if problem.fit_intercept:
        u2 -= sw * (u2.sum() / n)
    sqrt_nl, live, edge, _, all_pos = _threshold_constants(problem)
    dnorm = math.sqrt(_weighted_distance(u2, u, sw, all_pos))
    if not math.isfinite(dnorm):
        return None
    bound = np.abs(grad_u) + sqrt_nl * dnorm
    # a relative margin for the rounding of X^T u itself
    inside = live & (bound < edge)
    exact = (~inside).nonzero()[0]
    grad2 = np.zeros(problem.design.n_features)
    design = problem.design
    if problem.work is not None:
        full = exact.size and design.is_sparse and _subset_by_full_pass(design, exact)
        problem.work.add(design.nnz if full else design.column_nnz(exact))
    grad2[exact] = _rmatvec_subset(problem, u2, exact)
    gap2, t2 = duality_gap_kernel(problem.df_code, problem.y, sw, n, u2, grad2, problem.means,
                                  False, *problem.penalty_args, problem.lipschitz, objective)
    g = -grad2 if problem.penalty.positive else np.abs(grad2)
    reach = t2 * np.where(inside, bound, g)
    return gap2, t2, grad2, reach


def _weighted_distance(a, b, sw, all_pos, chunk=1 << 16):
    """sum_i (a_i - b_i)^2 / s_i over the samples of positive weight s_i
    (all of them when ``all_pos``), a chunk at a time: a few pages of
    temporaries where whole-vector ones would be three n-vectors."""
    acc = 0.0
    for lo in range(0, a.shape[0], chunk):
        d = a[lo:lo + chunk] - b[lo:lo + chunk]
        s = sw[lo:lo + chunk]
        if not all_pos:
            pos = s > 0
            d, s = d[pos], s[pos]
        acc += float(np.sum(np.square(d, out=d) / s))
    return acc


def _threshold_constants(problem):
    """What :func:`_candidate_gap` and :func:`gap_safe_screen` read of a
    problem alone, computed once per penalty of it (every certificate asks
    again): sqrt(n L_j), thr_j > 0, thr_j (1 - 1e-6), thr_j (1 - 1e-9), and
    whether every sample weight is positive."""
    cached = problem.__dict__.get("_threshold_constants")
    if cached is not None and cached[0] is problem.penalty:
        return cached[1]
    thr = _thresholds(problem)
    out = (np.sqrt(problem.design.n_samples * problem.lipschitz), thr > 0,
           thr * (1.0 - 1e-6), thr * (1 - 1e-9),
           # (a Dask problem's weights live on its workers: no candidate gap reads this)
           True if problem.sw is None or not problem.sw.size else bool(problem.sw.min() > 0))
    for a in out[:4]:
        a.flags.writeable = False
    problem.__dict__["_threshold_constants"] = (problem.penalty, out)
    return out


def _subset_by_full_pass(design, feats):
    """Whether :func:`_rmatvec_subset` reads all of a sparse X for ``feats``."""
    share = _ROWS_FOR_SUBSET if design.is_csr else _FULL_FOR_SUBSET
    return (feats.size == design.n_features or design.column_nnz(feats) > share * design.nnz
            or not design.holds(feats))


def _rmatvec_subset(problem, u, feats):
    """X_j^T u for j in ``feats`` (BLAS on the columns of a float64 dense X)."""
    design = problem.design
    if feats.size == 0:
        return np.empty(0)
    if not design.is_sparse and design.dtype == np.float64:
        X_dense = design.args[0]
        if feats.size == design.n_features:
            return X_dense.T @ u
        return X_dense[:, feats].T @ u
    if _subset_by_full_pass(design, feats):
        # every column: the certificate's own pass (no second kernel to
        # compile); for a CSR X, copying that many columns out costs about
        # what one pass over the rows does; for a CSC X, the full pass reads
        # at most twice the entries, and a small X's first fit (diabetes as
        # CSC) then compiles no subset kernel; columns a CSR X's store does
        # not hold would be copied out of a read of X: the pass reads it once
        full = np.empty(design.n_features)
        rmatvec_full(design, u, full, problem.n_threads)
        return full[feats]
    out = np.empty(feats.size)
    rmatvec_subset(*design.columns(feats), u, feats, out)
    return out


def gap_safe_screen(problem, grad_dual, t, gap, reach=None):
    r"""Features provably zero at every optimum (gap-safe sphere test), or None.

    For the quadratic datafit the dual function is strongly concave,
    D(u*) - D(u) >= (1/2) sum_i (n / s_i) (u_i - u*_i)^2, so the optimal dual
    point u* lies within that distance sqrt(2 gap) of the scaled dual point
    t u' that gave the gap. By Cauchy-Schwarz (both points sum to 0 with an
    intercept, so X_j may be centred), |X_j^T u*| <= |t X_j^T u'| + sqrt(2 gap L_j).
    At every optimum w*_j = 0 unless |X_j^T u*| reaches the threshold
    alpha c_j rho (for ``positive``: unless -X_j^T u* does), so a feature with
    |t X_j^T u'| + sqrt(2 gap L_j) < alpha c_j rho is certified zero
    whatever the solver does next (Fercoq, Gramfort & Salmon, 2015).
    ``reach``, when given, is an upper bound on the first term used instead
    (see :func:`_candidate_gap`).
    """
    if problem.df_code != QUADRATIC or problem.pen_code not in (L1, ELASTIC_NET):
        return None
    if not math.isfinite(gap):
        return None
    if reach is None:
        g = np.multiply(t, grad_dual)  # then in place: each p-vector is pages to fault in
        reach = np.negative(g, out=g) if problem.penalty.positive else np.abs(g, out=g)
    _, live, _, edge, _ = _threshold_constants(problem)
    return sphere_screen(reach, max(gap, 0.0), problem.lipschitz, live=live, edge=edge)


def sphere_screen(reach, gap, lipschitz, thr=None, live=None, edge=None):
    r"""The gap-safe sphere test, block by block: reach + sqrt(2 gap L) < thr.

    ``reach`` bounds the dual norm of X_b^T theta at the feasible dual point
    theta that gave ``gap``, ``lipschitz`` (L_b) the block's curvature
    constant in the datafit's units and ``thr`` the radius of its dead zone.
    If every sample's loss is gamma_i-smooth, its conjugate is
    (1/gamma_i)-strongly convex, so D(theta*) - D(theta) >= (1/2) sum_i
    (theta_i - theta*_i)^2 / gamma_i and that sum is <= 2 gap; by
    Cauchy-Schwarz in the same weights, ||X_b^T (theta - theta*)||_2 <=
    sqrt(lambda_max(X_b^T diag(gamma) X_b)) sqrt(2 gap) = sqrt(2 gap L_b),
    with L_b = lambda_max(X_b^T diag(gamma) X_b), the block's Lipschitz
    constant (gamma_i = s_i / n for least squares, s_i / (4n) for the
    logistic loss, s_i / (2n) for the softmax), or any upper bound on it.
    A block whose reach plus that radius stays inside its dead zone is zero
    at every optimum. A relative margin of 1e-9 keeps rounding from
    screening a block on the boundary. Blocks with ``thr`` 0 never pass.
    ``live`` (thr > 0) and ``edge`` (thr (1 - 1e-9)) may be given instead of
    ``thr``, computed once for a problem.
    """
    if live is None:
        live, edge = thr > 0, thr * (1 - 1e-9)
    radius = np.sqrt(np.multiply(2.0 * gap, lipschitz))
    return live & (np.add(reach, radius, out=radius) < edge)


def block_screen(reach, gap, objective, n, lipschitz, thr):
    """:func:`sphere_screen` for the block certificates (group, multi-task,
    multinomial): one flag per block, None without a finite gap. The gap is
    first padded by its own rounding error, 16 sqrt(n) eps |P| (P - D is a
    difference of sums of n terms, see :func:`_gap_tolerance`): a gap that
    rounds to 0 or below must not give a radius of 0."""
    if gap is None or not np.isfinite(gap):
        return None
    pad = 16.0 * np.sqrt(max(n, 1)) * _EPS * abs(float(objective))
    return sphere_test(np.asarray(reach, dtype=np.float64), max(float(gap), 0.0) + pad,
                       np.asarray(lipschitz, dtype=np.float64), np.asarray(thr, dtype=np.float64))


def _intercept_violation(g_b, tol, tol_intercept):
    """|dF/db| in the features' units.

    The intercept is checked against its own tolerance (units of y, not of
    X^T y): its violation is reported rescaled to the features' units, so
    that the violation test still reads ``max_violation <= tol``.
    """
    if g_b == 0.0:
        return 0.0
    if tol_intercept > 0.0:
        return abs(g_b) * (tol / tol_intercept) if tol > 0.0 else abs(g_b) / tol_intercept * np.inf
    return np.inf if np.isfinite(g_b) else g_b
