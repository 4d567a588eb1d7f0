"""Dual points for the gap a certified least-squares fit reports, and the support refit.

The certificate's own dual point is the rescaled residual, whose gap is
linear in the distance to the solution where P - P* is quadratic, so it
overstates the error by orders of magnitude. A certified CD fit hands
:func:`sparsecert.certificate.build_certificate` a second candidate: the
loss derivative at the exact solution on w's support and signs
(:func:`_support_refit_dual`, when its k x k system is affordable), or else
at the extrapolated last CD iterates (:func:`_extrapolated_dual`). The
certificate checks it and keeps the better dual value. The same refit
(:func:`_refit_on_support`) gives CD its jump to the solution of a stable
support.
"""

import numpy as np

from .._kernels import codes
from .._kernels.anderson import anderson_weights
from .._kernels.datafit import datafit_raw_grad, matvec, support_gram
from .._sums import sample_dot
from . import row_gram
from .._problem import release_rows_xw, rows_times_w

# iterates of the final round kept for dual extrapolation (K = 5 differences, as celer)
_DUAL_HISTORY = 6
# the support refit may cost this many times nnz(X) multiply-adds (dense,
# compute-bound, where a certificate's pass over X is memory-bound)
_REFIT_WORK = 1.0
# ... or this many, whatever X's size (about 0.1 ms)
_REFIT_FLOOR = float(1 << 20)
# support_gram is chosen unless it reads this many times what a sparse product
# would (which pays scipy's copies and per-call costs on top)
_SCATTER_OVERHEAD = 4.0
# re-solves of the support refit without the features whose signs flipped
_PRUNE_ROUNDS = 3
_DUAL_CANDIDATES = True  # test hook: False reports the residual's gap only


def _dual_candidate(problem, w, ring, ring_count, ws):
    """A dual candidate for a certificate that holds (the gap the fit reports).

    The support refit (:func:`_support_refit_dual`) when affordable, else
    the extrapolated CD trajectory (:func:`_extrapolated_dual`), else None.
    """
    if not _DUAL_CANDIDATES:
        return None
    u = _support_refit_dual(problem, w)
    if u is None and ring is not None and ring.shape[0] > 0:
        u = _extrapolated_dual(problem, ring, ring_count, ws)
    return u


def _support_refit_dual(problem, w):
    """Loss derivative at the exact solution on w's support and signs, or None.

    Dual extrapolation's limit: the CD iterates on a fixed support with fixed
    signs converge to the solution of its normal equations
    (:func:`_refit_on_support`), which the extrapolation of their last
    iterates approximates. Solving them directly gives the optimal residual
    as soon as the support and signs are right, so the gap then drops to the
    primal error alone. The certificate checks whatever comes back and keeps
    the better of it and the residual.
    """
    fit = _refit_on_support(problem, w)
    if fit is None:
        return None
    # in place: X_S v is read once, here (an n-vector saved on a large X)
    u = fit[2]
    release_rows_xw(problem, u)
    datafit_raw_grad(problem.df_code, problem.y, u, problem.sw, problem.design.n_samples, u)
    return u


def _refit_on_support(problem, w):
    """Exact solution on w's support S and signs s: (S', v, X_S' v), or None.

    Solves the normal equations of the problem restricted to S with the
    signs fixed (where the L1 term is linear):
    (1/n) Xc_S^T W (Xc_S v - yc) + alpha rho c_S s + alpha (1 - rho) c_S v = 0,
    Xc and yc the weighted-centred columns and target with an intercept
    (without forming them). L1 and elastic net only; None when the system
    would cost more than ``_REFIT_WORK`` x nnz(X) (or ``_REFIT_FLOOR``)
    multiply-adds (n k^2 for a dense X, see :func:`_normal_equations_sparse`
    for a sparse one, plus k^3 / 3 for the solve), or is singular. S' is S
    without the penalized features whose sign flipped, dropped and solved
    again up to ``_PRUNE_ROUNDS`` times. Nothing guarantees v keeps the
    signs s: callers check what they use.
    """
    if problem.pen_code not in (codes.L1, codes.ELASTIC_NET):
        return None
    S = np.flatnonzero(w)
    if S.size == 0:
        return None
    budget = max(_REFIT_WORK * problem.design.nnz, _REFIT_FLOOR)
    build = _normal_equations_sparse if problem.design.is_sparse else _normal_equations_dense
    system = build(problem, S, budget)
    if system is None:
        return None
    if problem.design.holds(S):
        # the system, then X_S v (a CSR X by rows: each counts itself, .row_gram, rows_times_w)
        problem.work.add_columns(problem.design, S, times=2)
    times, A, Xty = system
    k = S.size
    if problem.fit_intercept:
        # the weighted-centred system without forming the centred columns
        # (sum s_i = n, m the weighted means): Xc^T W Xc = X^T W X - n m m^T
        m = problem.means[S]
        ybar = problem.b0  # (1/n) sum_i s_i y_i (make_problem's, the same sum)
        A -= m[:, None] * m  # np.outer(m, m)
        Xty = Xty - m * ybar
    alpha, rho = _alpha_rho(problem)
    c = problem.pen_weights[S]
    A[np.diag_indices(k)] += alpha * (1.0 - rho) * c
    signs = np.sign(w[S])
    rhs = Xty - alpha * rho * c * signs
    keep = np.arange(k)
    A_keep, rhs_keep = A, rhs  # the system on S[keep]
    for attempt in range(_PRUNE_ROUNDS + 1):
        try:
            v = np.linalg.solve(A_keep, rhs_keep)
        except np.linalg.LinAlgError:
            return None
        if not np.isfinite(v).all():
            return None
        # a penalized feature whose sign flips is most likely one the
        # solution has at zero (a support from CD epochs holds a few too many
        # while they walk out): drop it and solve again, on the same matrix
        flipped = (np.sign(v) != signs[keep]) & (c[keep] > 0)
        if not flipped.any() or flipped.all() or attempt == _PRUNE_ROUNDS:
            break
        keep = keep[~flipped]
        A_keep, rhs_keep = A[np.ix_(keep, keep)], rhs[keep]
    v_S = np.zeros(k)
    v_S[keep] = v
    return S[keep], v, times(v_S)


def _normal_equations_sparse(problem, S, budget):
    """(v -> X_S v, X_S^T W X_S / n, X_S^T W y / n) for CSC X, or None past ``budget``.

    Two ways: :func:`support_gram` scatters each column once and gathers
    the smaller ones against it (cost: the t-th largest column's entries
    times t + 2), without a copy of X_S; a sparse product X_S^T W X_S costs
    about nnz(X_S) times its row density, plus scipy's copies. A few large
    columns (a text's popular words) favour the first, many small ones the
    second.
    """
    design = problem.design
    if not design.holds(S):
        return _normal_equations_rows(problem, S, budget)
    n, p, k = design.n_samples, design.n_features, S.size
    args = design.columns(S)
    counts = design.column_counts(S)
    order, scatter, product = sparse_system_reads(counts, n)
    if min(scatter, product) + k ** 3 / 3.0 > budget:
        return None
    if scatter > _SCATTER_OVERHEAD * product:
        return _normal_equations_product(problem, S, args)
    A = np.empty((k, k))
    Xty = np.empty(k)
    support_gram(*args[1:4], S, order, problem.sw, problem.y, A, Xty,
                 problem.scratch("gram_rows", n, zeros=True))  # (left zero)

    def times(v):
        w_S = np.zeros(p)
        w_S[S] = v
        z = problem.scratch("refit_z", n)  # read once, by the jump or the dual candidate
        matvec(*args, n, w_S, z)
        return z
    return times, A / n, Xty / n


def _normal_equations_rows(problem, S, budget):
    """:func:`_normal_equations_sparse` for a CSR X whose store does not hold
    S: the raw sums the fit's Gram working set kept, or one read of X's rows
    (:mod:`.row_gram`), and X_S v row by row: no column copied out."""
    design = problem.design
    n, k = design.n_samples, S.size
    sums = row_gram.cached(problem, S)
    if sums is None:
        pairs = row_gram.pairs_estimate(design, design.column_nnz(S), 0)
        if design.nnz + pairs + k ** 3 / 3.0 > budget:
            return None
        _, A, c = row_gram.grow(problem, np.empty(0, dtype=np.int64), None, None, S)
    else:
        A, c = sums

    def times(v):
        w_S = np.zeros(design.n_features)
        w_S[S] = v
        # the kept product itself: the jump reads it, the refresh and the
        # certificate take it from there, a dual candidate releases it
        return rows_times_w(problem, w_S)
    return times, A / n, c / n


def sparse_system_reads(counts, n):
    """(order, scatter, product) for sparse columns of ``counts`` entries each
    (of n rows): the columns by decreasing size, and the entries that
    :func:`support_gram` (the t-th largest column's entries times t + 2)
    and a sparse product (nnz_S times its row density) would read to build
    their X_S^T W X_S."""
    order = np.argsort(-counts, kind="stable")
    scatter = float(counts[order] @ np.arange(2.0, counts.size + 2.0))
    nnz_S = float(counts.sum())
    return order, scatter, nnz_S * max(1.0, nnz_S / n)


def _normal_equations_product(problem, S, args):
    """:func:`_normal_equations_sparse` by scipy's sparse product."""
    import scipy.sparse as sp

    n, k = problem.design.n_samples, S.size
    _, X_data, X_indices, X_indptr = args
    sw = problem.sw
    lo = X_indptr[S]
    counts = X_indptr[S + 1] - lo
    nnz_S = int(counts.sum())
    take = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + \
        np.arange(nnz_S)
    XS = sp.csc_matrix((X_data[take].astype(np.float64), X_indices[take],
                        np.concatenate(([0], np.cumsum(counts)))), shape=(n, k))
    # W X_S: each stored entry times its row's weight (stays sparse)
    XSw = sp.csc_matrix((XS.data * sw[XS.indices], XS.indices, XS.indptr), shape=(n, k))
    return XS.__matmul__, (XS.T @ XSw).toarray() / n, XSw.T @ problem.y / n


def _normal_equations_dense(problem, S, budget):
    """(v -> X_S v, X_S^T W X_S / n, X_S^T W y / n) for dense X, or None past ``budget``."""
    n, k = problem.design.n_samples, S.size
    if n * k * (k + 1) + k ** 3 / 3.0 > budget:
        return None
    XS = np.asarray(problem.design.args[0][:, S], dtype=np.float64)
    XtW = XS.T * problem.sw
    return XS.__matmul__, XtW @ XS / n, XtW @ problem.y / n


def _alpha_rho(problem):
    """(alpha, l1_ratio) of an L1 (ratio 1, as encoded) or elastic-net problem."""
    return (float(problem.pen_params[codes.PARAM_ALPHA]),
            float(problem.pen_params[codes.PARAM_L1_RATIO]))


def _objective_on(problem, S, v, z):
    """P at the point equal to v on S and 0 elsewhere, z = X_S v (least squares,
    L1 or elastic net; the intercept profiled as in the CD kernels)."""
    n = problem.design.n_samples
    sw = problem.sw
    r = np.subtract(problem.y, z, out=problem.scratch("objective", n))
    b = sample_dot(sw, r) / n if problem.fit_intercept else 0.0
    r -= b
    loss = sample_dot(sw, np.multiply(r, r, out=r)) / (2.0 * n)  # (r - b)^2, in place
    alpha, rho = _alpha_rho(problem)
    c = problem.pen_weights[S]
    return loss + alpha * float(np.sum(c * (rho * np.abs(v) + 0.5 * (1.0 - rho) * v * v)))


def _extrapolated_dual(problem, ring, ring_count, ws):
    """Loss derivative at the extrapolated last iterates of a CD round, or None.

    Dual extrapolation (celer: Massias, Gramfort & Salmon, 2018): near the
    solution, CD iterates on a fixed support follow a linear recursion, so an
    affine combination sum_k c_k r_k of the last K+1 residuals (with c the
    Anderson weights of their differences, sum c = 1) is far nearer the
    optimal residual than the last one. The rescaled residual's gap is
    linear in the distance to the solution (its rescaling costs about the
    max violation) where P - P* is quadratic, so it overstates the error by
    orders of magnitude; the extrapolated point closes most of that. r is
    affine in w, so sum c_k r_k is the residual of sum c_k w_k: extrapolating
    the working set's coefficients (|ws| numbers per iterate) and one
    product with X (its nonzero columns) costs no stored residuals.
    ``build_certificate`` checks the candidate and keeps the better dual value.
    """
    R = ring.shape[0]
    if R == 0 or ring_count < 3:
        return None
    rows = min(ring_count, R)
    order = [(ring_count - rows + k) % R for k in range(rows)]
    c = anderson_weights(ring[order])
    if c.size == 0:
        return None
    design = problem.design
    n = design.n_samples
    w_acc = np.zeros(design.n_features)
    w_acc[ws] = c @ ring[order[1:]]
    z = np.empty(n)
    matvec(*design.columns(ws), n, w_acc, z)
    problem.work.add_nonzero_columns(design, w_acc)
    datafit_raw_grad(problem.df_code, problem.y, z, problem.sw, n, z)  # u, in place
    return z
