r"""The work done on the workers: one function per kind of pass over a row block.

Each ``_block_*`` function receives one row block X_k (dense ndarray or
scipy.sparse), its targets y_k and weights s_k (already rescaled to sum to
n over all blocks) plus a few scalars and p-vectors, and returns a float64
vector (or a tuple) that the tree reduction of :mod:`.rowblocks` sums over
blocks. They use NumPy, the library's compiled scalar kernels and the
in-memory Gram path's centred products only: no Dask, nothing that talks to
the scheduler, so a task that a dead worker leaves unfinished can be rerun
anywhere and gives the same numbers.
"""

import numpy as np
import scipy.sparse as sp

from .._kernels import fista as _fista
from .._kernels.datafit import datafit_conjugate, datafit_raw_grad, datafit_value
from ..solvers.gram_path import centred_products

# rows of a sparse block made dense at a time for its Gram matrix (p <= 200
# features: at most 13 MB)
_GRAM_ROWS = 8192


def _block(Xk):
    """A row block as something with ``@`` and ``.T``: CSR or a 2-D ndarray."""
    if sp.issparse(Xk):
        return Xk.tocsr()
    return np.asarray(Xk)


def _rmatvec(Xk, u):
    """X_k^T u as a float64 p-vector."""
    return np.asarray(Xk.T @ u, dtype=np.float64).ravel()


def _matvec(Xk, W):
    """X_k W (W a p-vector or a (p, m) matrix) in float64.

    A sparse X_k multiplies one column of W at a time: scipy's sparse times
    dense matrix product is slower here than m separate matvecs (measured:
    6-8 ms against 3 x 1.5 ms on a block of 1.3e6 nonzeros).
    """
    if sp.issparse(Xk) and W.ndim == 2:
        return np.column_stack([np.asarray(Xk @ W[:, c], dtype=np.float64)
                                for c in range(W.shape[1])])
    return np.asarray(Xk @ W, dtype=np.float64)


def _block_input_stats(Xk, yk, swk):
    """Pass 1: sums of s_i x_i, s_i, s_i y_i, s_i [y_i > 0] and counts of bad entries."""
    Xk = _block(Xk)
    data = Xk.data if sp.issparse(Xk) else Xk
    bad = float(np.count_nonzero(~np.isfinite(data))) + float(np.count_nonzero(~np.isfinite(yk)))
    bad_sw = float(np.count_nonzero(~np.isfinite(swk) | (swk < 0)))
    swk = np.where(np.isfinite(swk), swk, 0.0)
    yk = np.where(np.isfinite(yk), yk, 0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        colsum = _rmatvec(Xk, swk)
    head = np.array([bad, bad_sw, swk.sum(), swk @ yk, swk @ (yk > 0), yk.shape[0]])
    return head, colsum


def _rms_parts(v, sw):
    """(m, sum_i s_i (v_i / m)^2) with m = max |v_i|: combinable without overflow."""
    m = float(np.max(np.abs(v))) if v.size else 0.0
    if m == 0.0 or not np.isfinite(m):
        return m, 0.0
    r = v / m
    return m, float(sw @ (r * r))


def _block_problem_stats(Xk, yk, swk, n, df_code, means, center, b0):
    """Pass 2: centred and raw second moments, grad F(0, b0), F(0, b0), RMS parts.

    Squares are formed in float64 (a float32 X included), as the in-memory
    column statistics accumulate them.
    """
    Xk = _block(Xk).astype(np.float64)
    nk = yk.shape[0]
    if sp.issparse(Xk):
        sq_raw = _rmatvec(Xk.multiply(Xk).tocsr(), swk)
        # sum_i s_i (x_ij - m_j)^2 = sum_i s_i x_ij^2 - 2 m_j sum_i s_i x_ij + m_j^2 sum_i s_i
        sq_dev = sq_raw - 2.0 * means * _rmatvec(Xk, swk) + means * means * swk.sum()
    else:
        sq_raw = _rmatvec(Xk * Xk, swk)
        D = Xk - means
        sq_dev = _rmatvec(D * D, swk)
    if not center:
        sq_dev = sq_raw
    z = np.full(nk, b0)
    u = np.empty(nk)
    datafit_raw_grad(df_code, yk, z, swk, n, u)
    grad0 = _rmatvec(Xk, u)
    loss0 = datafit_value(df_code, yk, z, swk, n)
    pos = swk > 0
    rms_u = _rms_parts(n * u[pos] / swk[pos], swk[pos])
    rms_y = _rms_parts(yk, swk)
    head = np.array([loss0])
    return (np.concatenate([head, sq_dev, sq_raw, grad0]), [(rms_u, rms_y)])


def _block_gram(Xk, yk, swk, n, v):
    """Power iteration: X_k^T S z / n, sum S z / n and z^T S z / n for z = X_k v_w + v_b."""
    Xk = _block(Xk)
    z = _matvec(Xk, v[:-1]) + v[-1]
    zs = swk * z / n
    return np.concatenate([_rmatvec(Xk, zs), [zs.sum(), zs @ z]])


def _block_centred_gram(Xk, yk, swk, n, means, ybar):
    """[H_k (p x p, row by row), c_k (p), yy_k]: the block's share of the centred
    Gram matrix H = Xc^T S Xc / n, of c = Xc^T S (y - ybar) / n and of
    yy = (y - ybar)^T S (y - ybar) / n, with Xc = X - 1 means^T.

    The centring uses the global means, so the blocks' shares add up to H
    exactly (no cancellation from a one-pass formula), each share summed by
    the in-memory Gram path's :func:`~sparsecert.solvers.gram_path.centred_products`.
    A sparse block is made dense ``_GRAM_ROWS`` rows at a time.
    """
    Xk = _block(Xk)
    nk, p = Xk.shape
    H = np.zeros((p, p))
    c = np.zeros(p)
    yy = 0.0
    for a in range(0, nk, _GRAM_ROWS):
        rows = slice(a, a + _GRAM_ROWS)
        dense = Xk[rows].toarray() if sp.issparse(Xk) else Xk[rows]
        H_a, c_a, yy_a = centred_products(dense, yk[rows], swk[rows], means, ybar, n)
        H += H_a
        c += c_a
        yy += yy_a
    return np.concatenate([H.ravel(), c, [yy]])


def _block_gradient(Xk, yk, swk, n, df_code, w, b, split):
    """[X_k^T u (p), sum u, F_k] at (w, b); with ``split`` X_k^T u by class instead,
    followed by sum u, F_k and the class totals -sum_{y>0} u, sum_{y<0} u."""
    Xk = _block(Xk)
    z = _matvec(Xk, w) + b
    u = np.empty_like(z)
    datafit_raw_grad(df_code, yk, z, swk, n, u)
    loss = datafit_value(df_code, yk, z, swk, n)
    if not split:
        return np.concatenate([_rmatvec(Xk, u), [u.sum(), loss]])
    up = np.where(yk > 0, u, 0.0)
    un = u - up
    return np.concatenate([_rmatvec(Xk, up), _rmatvec(Xk, un),
                           [u.sum(), loss, -up.sum(), un.sum()]])


def _block_step(Xk, yk, swk, n, df_code, w_new, b_new, v, vb, y_next, yb_next, want_grad):
    """One FISTA iteration's block work, in one task.

    Returns [D_F(x_new, v), F_k(x_new), X_k^T u(y_next), sum u(y_next)] and,
    with ``want_grad``, [X_k^T u(x_new), sum u(x_new)] after them: the
    backtracking test at the trial point x_new = (w_new, b_new) from the
    extrapolated point v, and the gradient at the next extrapolated point
    y_next, computed ahead so that an accepted step without restart needs no
    second round trip. X_k [w_new, v, y_next] is one pass over the block.
    """
    Xk = _block(Xk)
    Z = _matvec(Xk, np.column_stack([w_new, v, y_next]))
    z_new = np.ascontiguousarray(Z[:, 0]) + b_new
    zy = np.ascontiguousarray(Z[:, 1]) + vb
    z_next = np.ascontiguousarray(Z[:, 2]) + yb_next
    breg = _fista.bregman_divergence(df_code, yk, swk, n, zy, z_new)
    loss = datafit_value(df_code, yk, z_new, swk, n)
    u = np.empty_like(z_new)
    datafit_raw_grad(df_code, yk, z_next, swk, n, u)
    out = [np.array([breg, loss]), _rmatvec(Xk, u), [u.sum()]]
    if want_grad:
        datafit_raw_grad(df_code, yk, z_new, swk, n, u)
        out += [_rmatvec(Xk, u), [u.sum()]]
    return np.concatenate(out)


def _block_conjugate(Xk, yk, swk, n, df_code, w, b, shift, pos_scale, neg_scale, t):
    """[f^*(u'), f^*(t u')] over the block, u' = f'(X_k w + b) made dual-feasible.

    Quadratic with an intercept: u' = u - s_i shift / n (centred). Logistic with
    an intercept: u' = u with the classes' parts scaled by pos_scale, neg_scale.
    """
    Xk = _block(Xk)
    z = _matvec(Xk, w) + b
    u = np.empty_like(z)
    datafit_raw_grad(df_code, yk, z, swk, n, u)
    if shift != 0.0:
        u -= swk * shift / n
    if pos_scale != 1.0 or neg_scale != 1.0:
        u = np.where(yk > 0, u * pos_scale, u * neg_scale)
    c1 = datafit_conjugate(df_code, yk, u, swk, n, 1.0)
    ct = c1 if t == 1.0 else datafit_conjugate(df_code, yk, u, swk, n, t)
    return np.array([c1, ct])


def _block_decision(Xk, coef, intercept):
    """X_k coef + intercept (the estimators' ``decision_function`` on a Dask X)."""
    return np.asarray(_block(Xk) @ coef, dtype=np.float64) + intercept
