"""Set-up of a distributed fit: X checked and persisted, column statistics, the Problem.

:func:`make_dask_problem` turns a Dask X (and numpy or Dask y and weights)
into the same :class:`sparsecert._problem.Problem` the in-memory solvers
use, its design a :class:`DaskDesign` that holds the persisted
:class:`~.rowblocks.RowBlocks` instead of arrays. It costs two passes over
X: the input checks and weighted column sums, then the second moments, the
gradient and loss at (0, b0) and the RMS scales of the tolerance.
"""

from dataclasses import dataclass

import numpy as np

from .._kernels import codes
from .._problem import Problem, column_tolerance_weights
from .._validation import check_no_overflow, is_dask_array
from .blocks import _block_input_stats, _block_problem_stats
from .rowblocks import RowBlocks

_EPS = np.finfo(np.float64).eps


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


def make_dask_problem(X, y64, sample_weight, datafit, penalty, fit_intercept):
    """Build a :class:`sparsecert._problem.Problem` whose design lives on the cluster.

    Two passes over X: (1) input checks (NaN/inf in X or y, negative or
    non-finite sample weights), the weight total and the weighted column
    sums; (2) the centred second moments (1/n) sum_i s_i (x_ij - m_j)^2
    (coordinate Lipschitz constants, a quarter of them for the logistic
    loss), grad F(0, b0), F(0, b0) and the RMS scales of the tolerance. The
    numbers are those of :func:`sparsecert._problem.make_problem`.
    """
    X = prepare_X(X)
    n, p = int(X.shape[0]), int(X.shape[1])
    blocks, given_sw = _persist(X, y64, sample_weight)
    blocks, colsum, swy, swpos = _checked_sums(blocks, n, given_sw)
    pen_code, pen_params, pen_weights = penalty.encode(p)
    df_code = datafit.code
    center = bool(fit_intercept) and df_code == codes.QUADRATIC
    means = colsum / n if center else np.zeros(p)
    b0 = _intercept_at_zero(df_code, fit_intercept, swy, swpos, n)
    s = _column_stats(blocks, n, p, df_code, means, center, b0)
    design = DaskDesign(blocks, n, p, X.dtype)
    design.trace = float(s.sq_raw.sum()) + (1.0 if fit_intercept else 0.0)
    col_weight, col_floor = column_tolerance_weights(s.sq_dev, s.col_rms, s.floor, s.y_rms)
    return Problem(design, None, None, bool(fit_intercept), datafit, penalty, pen_code,
                   pen_params, pen_weights, means, s.lipschitz, b0, s.grad0, s.scale,
                   s.objective0, s.scale_intercept,
                   float(s.floor * s.y_rms * np.max(s.col_rms)), float(s.floor * s.y_rms),
                   col_weight, col_floor)


def _persist(X, y64, sample_weight):
    """(RowBlocks of X, y, s; whether s was given), s = 1 when not given."""
    import dask.array as da

    n = int(X.shape[0])
    y = as_row_blocks(y64, X, "y")
    given_sw = sample_weight is not None
    if given_sw:
        if np.ndim(sample_weight) == 0:
            sample_weight = np.full(n, float(sample_weight))
        sw = as_row_blocks(sample_weight, X, "sample_weight")
    else:
        sw = da.ones(n, chunks=(X.chunks[0],))
    return RowBlocks(X, y, sw), given_sw


def _checked_sums(blocks, n, given_sw):
    """Pass 1: the input checks, then (blocks, sum s x, sum s y, sum s [y > 0]).

    Given weights are rescaled to sum to n, as in memory: the blocks are
    persisted again with the rescaled s, and the sums rescaled alike.
    """
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
    return blocks, colsum, swy, swpos


def _intercept_at_zero(df_code, fit_intercept, swy, swpos, n):
    """argmin_b F(0, b) from the weighted sums: mean of y, or the log-odds."""
    if not fit_intercept:
        return 0.0
    if df_code == codes.QUADRATIC:
        return float(swy / n)
    frac = float(swpos / n)
    if frac <= 0.0 or frac >= 1.0:
        raise ValueError("The target has a single class: the logistic intercept is "
                         "unbounded.")
    return float(np.log(frac / (1.0 - frac)))


@dataclass(frozen=True)
class _ColumnStats:
    """What pass 2 gives the Problem.

    ``sq_dev`` and ``sq_raw``: the centred and raw second moments of the
    columns; ``lipschitz``; ``grad0``, ``scale`` and ``objective0`` at
    (0, b0); the RMS scales of the intercept's gradient and of y; each
    column's uncentred RMS ``col_rms``; and the rounding ``floor``.
    """

    sq_dev: np.ndarray
    sq_raw: np.ndarray
    lipschitz: np.ndarray
    grad0: np.ndarray
    scale: float
    objective0: float
    scale_intercept: float
    y_rms: float
    col_rms: np.ndarray
    floor: float


def _column_stats(blocks, n, p, df_code, means, center, b0):
    """Pass 2: second moments, gradient and loss at (0, b0), RMS scales."""
    vec, rms = blocks.reduce(_block_problem_stats, n, df_code, means, center, b0)
    objective0 = float(vec[0])
    sq_dev = np.maximum(vec[1:1 + p] / n, 0.0)
    sq_raw = vec[1 + p:1 + 2 * p] / n
    grad0 = vec[1 + 2 * p:]
    lipschitz = sq_dev / 4.0 if df_code == codes.LOGISTIC else sq_dev
    scale = float(np.max(np.abs(grad0)))
    check_no_overflow(lipschitz, scale, objective0)
    return _ColumnStats(
        sq_dev=sq_dev, sq_raw=sq_raw, lipschitz=lipschitz, grad0=grad0, scale=scale,
        objective0=objective0,
        scale_intercept=_combine_rms([r[0] for r in rms], n),
        y_rms=_combine_rms([r[1] for r in rms], n),
        col_rms=np.sqrt(sq_dev + means * means),
        # sums of n terms of size |x||y| resolve to about sqrt(n) eps of their magnitude
        floor=8.0 * np.sqrt(n) * _EPS)


def _combine_rms(parts, n):
    """sqrt((1/n) sum_i s_i v_i^2) from per-block (max |v|, scaled sum) pairs."""
    big = max((m for m, _ in parts), default=0.0)
    if big == 0.0 or not np.isfinite(big):
        return float(big)
    total = sum(s * (m / big) ** 2 for m, s in parts if m > 0.0)
    return float(big * np.sqrt(total / n))
