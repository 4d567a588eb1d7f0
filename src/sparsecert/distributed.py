r"""Fits on Dask arrays: FISTA whose passes over X run on a Dask cluster.

When X is a ``dask.array`` (row-chunked; each block a dense NumPy array or a
scipy.sparse matrix), the estimators call :func:`solve_dask` instead of the
in-memory solvers. X never leaves the workers: it is persisted there once,
and every pass over it is one task per row block whose result is a p-vector
or a few scalars, summed by a tree of tasks on the workers. The
client holds only p-vectors: the iterate (w, b), the previous iterate and
the gradient.

Problem (the same as in memory, :mod:`sparsecert.solvers`): minimize over
x = (w, b)

    P(w, b) = F(w, b) + sum_j G_j(w_j),   F(w, b) = (1/n) sum_i s_i f(y_i, x_i^T w + b),

with the rows split into blocks B_1, ..., B_K. Every quantity the solver
needs is a sum over blocks:

    grad_w F = sum_k X_{B_k}^T u_{B_k},  dF/db = sum_k sum_{i in B_k} u_i,
    u_i = (s_i / n) f'(y_i, x_i^T w + b),   F = sum_k F_{B_k},

and likewise the Bregman divergence of the backtracking test, the column
statistics (weighted means m_j and second moments, hence the coordinate
Lipschitz constants) and the Fenchel conjugate f^* of the duality gap. Only
these p-vectors and scalars travel back to the client.

Algorithm: FISTA with adaptive restart and backtracking, step by step that
of :func:`sparsecert._kernels.fista.fista_run` (same momentum, restart tests
and sufficient-decrease test, intercept an unpenalized coordinate), written
in Python around one distributed pass per iteration (:func:`_block_step`):
with x_{k+1} = prox_{G/L}(y_k - grad F(y_k) / L) formed on the client, each
block computes X_k [w_{k+1}, v_k, y_{k+1}], the loss and the
Bregman divergence of the backtracking test at x_{k+1}, and the partial
gradient X_k^T F'(X_k y_{k+1} + b) at the next extrapolated point, computed
ahead; a restart (y_{k+1} = x_{k+1}) costs one more pass, a failed
backtracking test one repeated pass. Every ``_CHECK`` iterations the pass
also returns the gradient at x_{k+1} for the stopping test. The initial step
is 1/L with L = 1.1 lambda_max([X 1]^T S [X 1] / n) (a quarter of it for the
logistic loss), lambda_max from a distributed power iteration capped by the
trace; backtracking doubles L when the sufficient-decrease test fails.

Reduction: the per-block results are summed by a tree of tasks of fan-in
``_FAN_IN`` on the workers whose last level (at most ``_FAN_IN`` partial
vectors) is gathered and summed on the client, in a fixed order. Latency,
not arithmetic, dominates small problems: each pass is at least one
scheduler round trip (milliseconds to tens of milliseconds), against
microseconds for the in-memory compiled loop. Use it when X does not fit in
one machine's memory, or when the passes over X dominate.

Stopping rule: the certificate of the in-memory solvers. The violations are
computed on the client from the distributed full gradient by the library's
scalar kernels (:func:`sparsecert._kernels.optimality.feature_violations`);
the duality gap's datafit conjugate is summed over blocks. The certificate
is exact (all features, at the returned point, from scratch) and says
``distributed=True``.

Failures: X is persisted from its graph, so when a worker dies the
scheduler recomputes the lost blocks from that graph; each pass is a fresh
set of tasks depending only on X, y, s and the p-vectors given, so a pass
interrupted by a worker's death is simply rerun by the scheduler and gives
the same numbers (the tree sum's order is fixed).

``import sparsecert`` never imports Dask: this module imports it lazily,
when a Dask array is passed to ``fit`` (:func:`is_dask_array` only looks
for an already imported ``dask.array``).
"""

import sys

import numpy as np
import scipy.sparse as sp

from ._kernels import codes
from ._kernels import fista as _fista
from ._kernels.datafit import datafit_conjugate, datafit_raw_grad, datafit_value
from ._kernels.optimality import dual_scaling, feature_violations, penalty_conjugate_sum
from ._problem import Problem, column_tolerance_weights
from ._validation import check_no_overflow, is_dask_array  # noqa: F401 (re-exported)
from .certificate import build_certificate

_FAN_IN = 8  # tree reduction: partial results combined per task
_CHECK = 10  # iterations between two stopping tests (as the compiled FISTA)
_MAX_BACKTRACKS = 64
_EPS = np.finfo(np.float64).eps


# --------------------------------------------------------------------------
# per-block computations (run on the workers)


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
    c1 = datafit_conjugate(df_code, yk, u, swk, n)
    ct = c1 if t == 1.0 else datafit_conjugate(df_code, yk, t * u, swk, n)
    return np.array([c1, ct])


def _add(*parts):
    """Sum block results in order: arrays add, tuples add element-wise (lists concatenate)."""
    total = parts[0]
    for part in parts[1:]:
        if isinstance(total, tuple):
            total = tuple(x + y for x, y in zip(total, part))
        else:
            total = total + part
    return total


# --------------------------------------------------------------------------
# the client side


def _active_client():
    """The default ``distributed.Client``, unless none is active or Dask's
    ``scheduler`` setting asks for another scheduler (e.g. "threads")."""
    import dask

    if dask.config.get("scheduler", None) not in (None, "dask.distributed", "distributed"):
        return None
    if "distributed" not in sys.modules:
        return None
    try:
        from distributed import default_client

        return default_client()
    except ValueError:
        return None


class RowBlocks:
    """X, y and s persisted on the cluster, row block by row block.

    :meth:`reduce` runs ``func(X_k, y_k, s_k, *args)`` on every block and sums
    the results with a binary tree of tasks (a fixed order: the same numbers
    whatever the worker that runs each task, and whether or not a block had to
    be recomputed). With an active ``distributed.Client`` the tasks are
    submitted as futures on the persisted blocks (a few milliseconds per pass);
    otherwise they run on Dask's local scheduler through ``dask.compute``. It
    counts the passes and estimates the bytes moved: the arguments sent with
    every block task and the partial results moved up the tree.
    """

    def __init__(self, X, y, sw):
        import dask

        self.client = _active_client()
        if self.client is not None:
            from distributed import futures_of

            X, y, sw = self.client.persist([X, y, sw])
            futs = {f.key: f for f in futures_of([X, y, sw])}
            self._xb = [futs[k] for k in _flat_keys(X)]
            self._yb = [futs[k] for k in _flat_keys(y)]
            self._sb = [futs[k] for k in _flat_keys(sw)]
        else:
            X, y, sw = dask.persist(X, y, sw)
            self._xb = list(X.to_delayed().ravel())
            self._yb = list(y.to_delayed().ravel())
            self._sb = list(sw.to_delayed().ravel())
        self.X, self.y, self.sw = X, y, sw
        self.n_blocks = len(self._xb)
        self.passes = 0
        self.bytes_sent = 0
        self.bytes_returned = 0

    def reduce(self, func, *args):
        if self.client is not None:
            submit = self.client.submit
            parts = [submit(func, xk, yk, sk, *args, pure=False)
                     for xk, yk, sk in zip(self._xb, self._yb, self._sb)]
            # the tree's last level runs on the client: its at most _FAN_IN
            # partial p-vectors come back in one gather, saving a round trip
            top = _tree(parts, lambda group: submit(_add, *group, pure=False), _FAN_IN)
            total = _add(*self.client.gather(top))
        else:
            import dask
            from dask import delayed

            parts = [delayed(func, pure=False)(xk, yk, sk, *args)
                     for xk, yk, sk in zip(self._xb, self._yb, self._sb)]
            add = delayed(_add, pure=False)
            (total,) = dask.compute(_tree(parts, lambda group: add(*group))[0])
        self.passes += 1
        sent = sum(a.nbytes for a in args if isinstance(a, np.ndarray)) + 8 * len(args)
        self.bytes_sent += self.n_blocks * sent
        size = total[0].nbytes if isinstance(total, tuple) else np.asarray(total).nbytes
        self.bytes_returned += self.n_blocks * size
        return total


def _flat_keys(arr):
    """The keys of a Dask array's blocks in row order (one column of blocks)."""
    return [k[0] if isinstance(k, list) else k for k in arr.__dask_keys__()]


def _tree(parts, combine, stop=1):
    """Tree reduction with fan-in ``_FAN_IN``, level by level, in a fixed order:
    ``combine(group)`` adds consecutive groups of up to ``_FAN_IN`` parts.
    Each level costs one scheduler round trip, so a wide fan-in keeps the
    tree shallow (as ``split_every`` does in Dask's own reductions). Stops
    once at most ``stop`` parts remain."""
    while len(parts) > stop:
        parts = [combine(parts[i:i + _FAN_IN]) if len(parts[i:i + _FAN_IN]) > 1 else parts[i]
                 for i in range(0, len(parts), _FAN_IN)]
    return parts


class DaskDesign:
    """Shape and dtype of a Dask X (what :class:`Problem` and the certificate read)."""

    is_sparse = False

    def __init__(self, blocks, n_samples, n_features, dtype):
        self.blocks = blocks
        self.n_samples = n_samples
        self.n_features = n_features
        self.dtype = dtype


def prepare_X(X):
    """Lazy checks of a Dask X: 2-D, known row chunks, one column chunk, float dtype."""
    import dask.array as da

    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D Dask array X; got {X.ndim} dimension(s).")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes: call X.compute_chunk_sizes() first.")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X: Found array with shape {X.shape}: at least one sample and "
                         f"one feature are required.")
    if X.dtype not in (np.float32, np.float64):
        if not np.issubdtype(X.dtype, np.number) and X.dtype != np.bool_:
            raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
        X = X.astype(np.float64)
    if X.numblocks[1] > 1:
        # a row block must hold whole rows: X_k w needs every column
        X = X.rechunk({1: -1})
    return da.asarray(X)


def as_row_blocks(v, X, name, dtype=np.float64):
    """A 1-D numpy or Dask vector as a Dask array chunked like X's rows."""
    import dask.array as da

    if is_dask_array(v):
        if v.ndim != 1:
            raise ValueError(f"{name} must be 1-D; got shape {v.shape}.")
        if v.shape[0] != X.shape[0]:
            raise ValueError(f"X and {name} have different lengths: {X.shape[0]} and "
                             f"{v.shape[0]}.")
        return v.astype(dtype).rechunk((X.chunks[0],))
    v = np.asarray(v)
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {v.shape}.")
    if v.shape[0] != X.shape[0]:
        raise ValueError(f"X and {name} have different lengths: {X.shape[0]} and {v.shape[0]}.")
    return da.from_array(v.astype(dtype), chunks=(X.chunks[0],))


def unique_labels(y):
    """The sorted distinct values of a numpy or Dask vector (one small compute)."""
    if is_dask_array(y):
        import dask.array as da

        return np.asarray(da.unique(y).compute())
    return np.unique(np.asarray(y))


def make_dask_problem(X, y64, sample_weight, datafit, penalty, fit_intercept):
    """Build a :class:`sparsecert._problem.Problem` whose design lives on the cluster.

    Two passes over X: (1) input checks (NaN/inf in X or y, negative or
    non-finite sample weights), the weight total and the weighted column
    sums; (2) the centred second moments (1/n) sum_i s_i (x_ij - m_j)^2
    (coordinate Lipschitz constants, a quarter of them for the logistic
    loss), grad F(0, b0), F(0, b0) and the RMS scales of the tolerance. The
    numbers are those of :func:`sparsecert._problem.make_problem`.
    """
    import dask.array as da

    X = prepare_X(X)
    n, p = int(X.shape[0]), int(X.shape[1])
    y = as_row_blocks(y64, X, "y")
    given_sw = sample_weight is not None
    if given_sw:
        if np.ndim(sample_weight) == 0:
            sample_weight = np.full(n, float(sample_weight))
        sw = as_row_blocks(sample_weight, X, "sample_weight")
    else:
        sw = da.ones(n, chunks=(X.chunks[0],))
    blocks = RowBlocks(X, y, sw)
    head, colsum = blocks.reduce(_block_input_stats)
    bad, bad_sw, total, swy, swpos, rows = head
    if bad:
        raise ValueError("Input X or y contains NaN or infinity.")
    if bad_sw:
        raise ValueError("sample_weight must be finite and >= 0.")
    if total <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample must have positive weight.")
    if given_sw:
        factor = n / total
        blocks = RowBlocks(blocks.X, blocks.y, blocks.sw * factor)
        colsum, swy, swpos = colsum * factor, swy * factor, swpos * factor
    pen_code, pen_params, pen_weights = penalty.encode(p)
    df_code = datafit.code
    center = bool(fit_intercept) and df_code == codes.QUADRATIC
    means = colsum / n if center else np.zeros(p)
    b0 = 0.0
    if fit_intercept:
        if df_code == codes.QUADRATIC:
            b0 = float(swy / n)
        else:
            frac = float(swpos / n)
            if frac <= 0.0 or frac >= 1.0:
                raise ValueError("The target has a single class: the logistic intercept is "
                                 "unbounded.")
            b0 = float(np.log(frac / (1.0 - frac)))
    vec, rms = blocks.reduce(_block_problem_stats, n, df_code, means, center, b0)
    objective0 = float(vec[0])
    sq_dev = np.maximum(vec[1:1 + p] / n, 0.0)
    sq_raw = vec[1 + p:1 + 2 * p] / n
    grad0 = vec[1 + 2 * p:]
    lipschitz = sq_dev / 4.0 if df_code == codes.LOGISTIC else sq_dev
    scale = float(np.max(np.abs(grad0)))
    check_no_overflow(lipschitz, scale, objective0)
    scale_intercept = _combine_rms([r[0] for r in rms], n)
    y_rms = _combine_rms([r[1] for r in rms], n)
    col_rms = np.sqrt(sq_dev + means * means)
    floor = 8.0 * np.sqrt(n) * _EPS
    design = DaskDesign(blocks, n, p, X.dtype)
    design.trace = float(sq_raw.sum()) + (1.0 if fit_intercept else 0.0)
    col_weight, col_floor = column_tolerance_weights(sq_dev, col_rms, floor, y_rms)
    return Problem(design, None, None, bool(fit_intercept), datafit, penalty, pen_code,
                   pen_params, pen_weights, means, lipschitz, b0, grad0, scale, objective0,
                   scale_intercept, float(floor * y_rms * np.max(col_rms)), float(floor * y_rms),
                   col_weight, col_floor)


def _combine_rms(parts, n):
    """sqrt((1/n) sum_i s_i v_i^2) from per-block (max |v|, scaled sum) pairs."""
    big = max((m for m, _ in parts), default=0.0)
    if big == 0.0 or not np.isfinite(big):
        return float(big)
    total = sum(s * (m / big) ** 2 for m, s in parts if m > 0.0)
    return float(big * np.sqrt(total / n))


def _lipschitz(problem, n_iter=30, rtol=1e-3, safety=1.1):
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
    g_b = float(out[p]) if problem.fit_intercept else 0.0
    return out[:p], g_b, float(out[p + 1])


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


def distributed_certificate(problem, w, b, tol, n_iter=None, solver="fista_dask"):
    """The certificate of (w, b), every sum over samples done on the cluster.

    Two passes: the gradient (by class for the logistic loss with an
    intercept, to form the rebalanced dual point of
    :func:`sparsecert.certificate._balanced_logistic_dual_point` without a
    third pass), then the datafit's conjugate at the dual point u' and at
    t u'. The violations, margins and the penalty's conjugate use the
    library's scalar kernels over the p-vectors.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    logistic_b = problem.fit_intercept and problem.df_code == codes.LOGISTIC
    out = design.blocks.reduce(_block_gradient, n, problem.df_code, w, float(b), logistic_b)
    if logistic_b:
        g_pos, g_neg = out[:p], out[p:2 * p]
        grad = g_pos + g_neg
        sum_u, loss, pos_total, neg_total = out[2 * p:]
    else:
        grad = out[:p]
        sum_u, loss = out[p:]
    g_b = float(sum_u) if problem.fit_intercept else 0.0
    viol = np.empty(p)
    margin = np.empty(p)
    max_feat, pen = feature_violations(w, grad, *problem.penalty_args, problem.lipschitz,
                                       viol, margin)
    max_v = max_feat if (max_feat > abs(g_b) or max_feat != max_feat) else abs(g_b)
    pieces = dict(grad=grad, viol=viol, margin=margin, max_violation=float(max_v),
                  intercept_grad=g_b, loss=float(loss), penalty=float(pen))
    gap = dual = None
    if getattr(problem.penalty, "convex", True):
        grad_dual = grad.copy()
        shift, pos_scale, neg_scale = 0.0, 1.0, 1.0
        if problem.fit_intercept and problem.df_code == codes.QUADRATIC:
            shift = float(sum_u)
            grad_dual -= shift * problem.means
        elif logistic_b and pos_total != neg_total:
            if pos_total > neg_total:
                pos_scale = neg_total / pos_total
            else:
                neg_scale = pos_total / neg_total
            grad_dual = pos_scale * g_pos + neg_scale * g_neg
        t = dual_scaling(grad_dual, *problem.penalty_args, problem.lipschitz)
        c1, ct = design.blocks.reduce(_block_conjugate, n, problem.df_code, w, float(b),
                                      shift, pos_scale, neg_scale, float(t))
        # as duality_gap_kernel: the better of D(u') and D(t u')
        d = -c1 - penalty_conjugate_sum(grad_dual, 1.0, *problem.penalty_args)
        t_best = 1.0
        if t < 1.0:
            d_t = -ct - penalty_conjugate_sum(grad_dual, t, *problem.penalty_args)
            if d_t > d or d != d:
                d, t_best = d_t, t
        gap = (pieces["loss"] + pieces["penalty"]) - d
        dual = (grad_dual, t_best)
    return build_certificate(problem, w, b, tol, n_iter=n_iter, solver=solver, pieces=pieces,
                             gap=gap, dual=dual, distributed=True)


def solve_dask(problem, w0=None, b0=None, *, tol=1e-4, max_iter=1000, verbose=0):
    """FISTA on a Dask-held problem (see the module docstring); a ``SolverResult``.

    Parameters
    ----------
    problem : Problem from :func:`make_dask_problem`
    w0, b0 : starting point (zeros and the best intercept at zero by default)
    tol : float
        Scale-free tolerance: stop when the certificate's max violation is
        <= tol * ||grad F(0, b0)||_inf (features) and the intercept's own
        tolerance holds (:meth:`Problem.tolerances`).
    max_iter : int
        Maximum number of FISTA iterations (each one round trip to the
        cluster and two sweeps over X; a restart adds one of each).
    """
    from .solvers import SolverResult
    from .solvers.messages import _warn_not_converged

    if not getattr(problem.penalty, "convex", True):
        raise ValueError(
            "Dask arrays are fitted by FISTA, which cannot certify the nonconvex Lp penalty "
            "(p < 1): its fixed points are not the coordinate-wise L-stationary points the "
            "certificate checks. Compute X in memory to use coordinate descent.")
    design = problem.design
    blocks = design.blocks
    n, p = design.n_samples, design.n_features
    pen = problem.penalty_args
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    if not problem.fit_intercept:
        b = 0.0
    elif b0 is not None:
        b = float(b0)
    elif w0 is None or problem.df_code != codes.QUADRATIC:
        b = problem.b0
    else:
        b = problem.b0 - float(problem.means @ w)  # the best intercept for the given w
    tol_abs = problem.tolerances(tol)[0]
    vscale = problem.violation_scale(tol)
    b_scale = problem.intercept_scale(tol)

    grad, g_b, loss = _gradient(problem, w, b)
    n_iter = 0
    viol = _max_violation(problem, w, grad, g_b, vscale, b_scale)
    if viol > tol_abs:
        L = _lipschitz(problem)
        t = 1.0
        obj = loss + _fista.penalty_sum(*pen, w)
        # the extrapolated point v of the coming iteration and the gradient there
        v, vb = w.copy(), b
        w_new = np.empty(p)
        while n_iter < max_iter:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            check = (n_iter + 1) % _CHECK == 0 or n_iter + 1 == max_iter
            n_bt = 0
            while True:
                step = 1.0 / L
                dd = _fista.prox_gradient_step(*pen, v, grad, step, w_new)
                b_new = 0.0
                if problem.fit_intercept:
                    b_new = vb - step * g_b
                    dd += (b_new - vb) ** 2
                # the next extrapolated point if this step is accepted without restart
                beta_next = (t_new - 1.0) / (0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t_new * t_new)))
                y_next = w_new + beta_next * (w_new - w)
                yb_next = b_new + beta_next * (b_new - b)
                out = blocks.reduce(_block_step, n, problem.df_code, w_new, float(b_new),
                                    v, float(vb), y_next, float(yb_next), check)
                if out[0] <= 0.5 * L * dd * (1.0 + 1e-9) or n_bt >= _MAX_BACKTRACKS:
                    break
                L *= 2.0
                n_bt += 1
            obj_new = float(out[1]) + _fista.penalty_sum(*pen, w_new)
            gm = (vb - b_new) * (b_new - b) + float((v - w_new) @ (w_new - w))
            restart = gm > 0.0 or obj_new > obj + 10.0 * _EPS * abs(obj)
            w, b = w_new.copy(), b_new
            obj = obj_new
            n_iter += 1
            grad_x = None
            if check:
                grad_x = out[3 + p:3 + 2 * p]
                g_b_x = float(out[3 + 2 * p]) if problem.fit_intercept else 0.0
                viol = _max_violation(problem, w, grad_x, g_b_x, vscale, b_scale)
                if verbose:
                    print(f"[sparsecert] dask fista iteration {n_iter}: violation "
                          f"{viol:.3e} (tol {tol_abs:.3e}), L={L:.3e}")
                if viol <= tol_abs or viol != viol:
                    break
            if restart:
                # momentum reset: the next step starts from x_k itself
                t = 1.0
                v, vb = w.copy(), b
                if grad_x is None:
                    grad, g_b, _ = _gradient(problem, v, vb)
                else:
                    grad, g_b = grad_x, g_b_x
            else:
                t = t_new
                v, vb = y_next, yb_next
                grad = out[2:2 + p]
                g_b = float(out[2 + p]) if problem.fit_intercept else 0.0
    cert = distributed_certificate(problem, w, b, tol, n_iter=n_iter)
    if verbose:
        print(f"[sparsecert] dask fista iteration {n_iter}: {cert!r}")
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "FISTA (Dask)", unit="iterations")
    return SolverResult(w, b, cert, n_iter)


def fit_dask(X, y64, sample_weight, datafit, penalty, fit_intercept, *, solver="auto",
             tol=1e-4, max_iter=1000, w0=None, b0=None, verbose=0):
    """Validate, distribute and solve: the estimators' entry point for a Dask X.

    ``y64`` holds the encoded targets (float64; +-1 for the logistic loss), a
    numpy or Dask vector. ``solver`` must be "auto" or "fista": coordinate
    descent updates one coordinate at a time and does not distribute.
    Returns a ``SolverResult`` whose certificate has ``distributed=True``.
    """
    if solver not in ("auto", "fista"):
        raise ValueError(f"solver={solver!r} does not run on Dask arrays: a Dask X is fitted "
                         f"by distributed FISTA (solver='auto' or 'fista').")
    problem = make_dask_problem(X, y64, sample_weight, datafit, penalty, fit_intercept)
    return solve_dask(problem, w0, b0, tol=tol, max_iter=max_iter, verbose=verbose)


def _block_decision(Xk, coef, intercept):
    return np.asarray(_block(Xk) @ coef, dtype=np.float64) + intercept


def decision_dask(X, coef, intercept):
    """X coef + intercept as a lazy Dask array, row block by row block.

    ``coef`` of shape (p,) gives shape (n,); of shape (p, k) gives (n, k).
    """
    X = prepare_X(X)
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    if coef.shape[0] != X.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features, but the model was fitted with "
                         f"{coef.shape[0]} features.")
    if coef.ndim == 1:
        return X.map_blocks(_block_decision, coef, intercept, drop_axis=1, dtype=np.float64,
                            meta=np.empty((0,), dtype=np.float64))
    return X.map_blocks(_block_decision, coef, intercept, chunks=(X.chunks[0], coef.shape[1]),
                        dtype=np.float64, meta=np.empty((0, 0), dtype=np.float64))
