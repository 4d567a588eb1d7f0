"""A problem instance as the kernels see it, built once per fit.

Holds the design, float64 labels and weights, the encoded penalty, the
per-feature Lipschitz constants and weighted means, and the reference point
w = 0 (with its best intercept b0) that scales the tolerance.
"""

import math
import numbers
import threading
from dataclasses import dataclass

import numba
import numpy as np

from ._kernels import codes
from ._kernels.datafit import (column_stats, column_stats_grad, column_stats_grad_threads,
                               datafit_raw_grad, datafit_value, matvec, rmatvec,
                               rmatvec_threads)
from ._kernels.optimality import optimality_kernel
from ._sums import sample_dot
from ._validation import _Threads, check_no_overflow, check_no_underflow, sub_design


_EPS = float(np.finfo(np.float64).eps)


class Work:
    """The entries of X one fit reads, in passes over X (nnz(X), or n p dense).

    Counted where the solvers call their kernels: the set-up, each
    certificate (X w over the nonzero columns, X^T u over all), a CD epoch
    as its working set's share of nnz(X), a FISTA iteration as two passes,
    and for a CSR X each copy of columns out of it as one pass (a read of
    all its indices). A sub-problem (a path's kept features) shares its
    parent's counter, so its passes are in units of the full X.
    """

    __slots__ = ("entries", "size", "design")

    def __init__(self, design):
        self.entries = 0.0
        self.size = float(max(design.nnz, 1))
        self.design = design

    @property
    def passes(self):
        return (self.entries + getattr(self.design, "copied", 0.0)) / self.size

    def add(self, entries):
        self.entries += float(entries)

    def add_columns(self, design, feats, times=1):
        """``times`` reads of the columns ``feats`` of ``design``."""
        self.entries += times * float(design.column_nnz(feats))

    def add_nonzero_columns(self, design, w):
        """One read of the columns where w is nonzero (a product X w)."""
        self.add_columns(design, np.flatnonzero(w))


@dataclass
class Problem:
    design: object
    y: np.ndarray
    sw: np.ndarray
    fit_intercept: bool
    datafit: object
    penalty: object
    pen_code: int
    pen_params: np.ndarray
    pen_weights: np.ndarray
    means: np.ndarray
    lipschitz: np.ndarray
    b0: float
    grad0: np.ndarray
    scale: float
    objective0: float
    scale_intercept: float = 0.0
    tol_floor: float = 0.0
    tol_floor_intercept: float = 0.0
    col_weight: np.ndarray = None
    col_floor: np.ndarray = None
    work: Work = None  # passes over X (shared with sub-problems)
    n_threads: int = 1  # threads of the full passes over X (n_jobs)
    # a path's sub-problem: its solver's certificate is read by the path only
    # (converged, solver) and never returned, the full certificate being
    # computed after it. A certified fit of it looks for no better dual point
    # than the residual for its gap (solvers.dual), and its certificate stays
    # a draft (certificate._Draft, no defensive copies)
    internal: bool = False

    @property
    def df_code(self):
        return self.datafit.code

    @property
    def penalty_args(self):
        return self.pen_code, self.pen_params, self.pen_weights

    def tolerances(self, tol_relative):
        """Absolute tolerances (features, intercept) for a scale-free ``tol_relative``.

        Features: ``tol_relative * scale``; the intercept: ``tol_relative *
        scale_intercept``, its own units (those of y), so that rescaling X
        alone changes neither. Each is floored at the rounding error of the
        gradient it bounds (``tol_floor*``): a tolerance below what float
        arithmetic resolves (a constant y makes ``scale`` pure rounding noise)
        could never be certified.
        """
        return (max(tol_relative * self.scale, self.tol_floor),
                max(tol_relative * self.scale_intercept, self.tol_floor_intercept))

    def intercept_scale(self, tol_relative):
        """tol / tol_intercept: the factor that puts |dF/db| in the features' units
        (as the certificate reports it), so that kernels test one number."""
        tol, tol_b = self.tolerances(tol_relative)
        if tol_b > 0.0:
            return tol / tol_b
        return 1.0 if tol == 0.0 else 1e300

    def violation_scale(self, tol_relative):
        """Per-feature factors tol / tol_j >= 1 that put each violation in common units.

        A violation is in gradient units, proportional to its column's norm:
        scaling x_j by s (and its coefficient by 1/s) scales g_j and the
        violation by s, so one absolute ``tol`` for all features would let a
        column of tiny norm through whatever its coefficient's error (at
        1e-100, any error). Feature j is therefore held to its own tolerance
        tol_j = tol_relative * scale * min(1, rms_j / rms_ref), with rms_j the
        column's RMS as the datafit sees it and rms_ref the median over the
        non-constant columns, floored at the rounding error of g_j itself:
        columns of typical or larger norm keep ``tol`` (standardized data is
        unaffected), weaker ones are judged in their own coefficient's units.
        Reporting violation_j * tol / tol_j keeps the violation test ``max <= tol``.
        """
        cached = self.__dict__.get("_vscale")
        if cached is not None and cached[0] == tol_relative:
            return cached[1]  # every certificate of a fit asks again
        tol = self.tolerances(tol_relative)[0]
        if self.col_weight is None or tol <= 0.0:
            out = np.ones(self.design.n_features)
        else:
            tol_j = np.maximum(tol_relative * self.scale * self.col_weight, self.col_floor)
            if tol_j.size and tol_j.min() > 0.0:
                out = tol / tol_j  # (the masked divide below, without its mask)
            else:
                out = np.ones_like(tol_j)
                np.divide(tol, tol_j, out=out, where=tol_j > 0.0)
        out.flags.writeable = False
        self.__dict__["_vscale"] = (tol_relative, out)
        return out

    @property
    def unit_weights(self):
        """Whether every sample weight is 1 (no weights given, or equal ones:
        they are rescaled to sum to n), computed once."""
        unit = self.__dict__.get("_unit_weights")
        if unit is None:
            unit = self.__dict__["_unit_weights"] = bool(np.all(self.sw == 1.0))
        return unit

    def scratch(self, name, size, zeros=False):
        """An n- or p-vector of float64 kept for this problem under ``name``: its
        contents are the caller's until the next call with that name (``zeros``:
        zero when made, and every caller leaves it zero).

        Each fresh vector of a large problem is pages the kernel maps and
        zeroes at first touch (1e5 samples: 196 pages, about 0.35 ms here),
        and a certificate needs a few: reused, a fit pays them once. Keyed
        by thread as well, since CV folds run in threads and a path's
        sub-problems share this problem's dictionary.
        """
        store = self.__dict__.setdefault("_scratch", {})
        key = (name, threading.get_ident())
        buf = store.get(key)
        if buf is None or buf.shape[0] != size:
            buf = store[key] = np.zeros(size) if zeros else np.empty(size)
        return buf


def column_tolerance_weights(sq, col_rms, floor, y_rms):
    """(weight_j, floor_j) of :meth:`Problem.violation_scale`.

    ``sq``: each column's squared RMS as the datafit sees it (centred when the
    intercept is profiled out); ``col_rms``: its uncentred RMS, which sets the
    rounding error of g_j (about ``floor * y_rms * col_rms_j``).
    """
    rms = np.sqrt(sq)
    live = rms if rms.size and rms.min() > 0.0 else rms[rms > 0.0]
    ref = _median(live) if live.size else 1.0
    return np.minimum(rms / ref, 1.0), floor * y_rms * col_rms


def _median(a):
    """np.median of a non-empty 1-D array without NaN, the same number (the
    middle value, or the mean (a + b) / 2 of the two middle ones), without
    np.median's generic machinery (a tenth of a small fit's set-up)."""
    k = a.size // 2
    if a.size % 2:
        return float(np.partition(a, k)[k])
    part = np.partition(a, (k - 1, k))
    return float((part[k - 1] + part[k]) / 2.0)


def best_intercept_at_zero(df_code, y, sw, fit_intercept):
    """argmin_b F(0, b): the weighted mean of y (quadratic), the log-odds (logistic)."""
    if not fit_intercept:
        return 0.0
    n = y.shape[0]
    if df_code == codes.QUADRATIC:
        return sample_dot(sw, y) / n
    frac = sample_dot(sw, y > 0) / n
    if frac <= 0.0 or frac >= 1.0:
        raise ValueError("The target has a single class: the logistic intercept is unbounded.")
    return float(np.log(frac / (1.0 - frac)))


def _weighted_rms(v, sw, n, out=None):
    """sqrt((1/n) sum_i s_i v_i^2), scaled first so that no square under- or overflows.

    ``out`` (may be ``v``) receives the squares: one n-vector, not three."""
    m = max(float(v.max()), -float(v.min())) if v.size else 0.0  # max |v_i|, no |v| copy
    if m == 0.0 or not math.isfinite(m):
        return m
    r = np.divide(v, m, out=out)
    return m * math.sqrt(sample_dot(sw, np.multiply(r, r, out=r)) / n)


def threads_for(n_jobs):
    """Threads for ``n_jobs`` in scikit-learn's meaning: None = 1, -1 = every
    core Numba may use, -2 = all but one, ...; a clear error otherwise."""
    most = int(numba.config.NUMBA_NUM_THREADS)
    if n_jobs is None:
        return 1
    if (not isinstance(n_jobs, numbers.Integral) or isinstance(n_jobs, bool)
            or int(n_jobs) == 0):
        raise ValueError(f"n_jobs must be None or a nonzero integer (-1: all cores); "
                         f"got {n_jobs!r}.")
    n_jobs = int(n_jobs)
    return max(1, min(most, n_jobs if n_jobs > 0 else most + 1 + n_jobs))


def make_problem(design, y, sw, datafit, penalty, fit_intercept, n_threads=1):
    """Encode the penalty, compute column statistics and the scale of the problem.

    ``scale`` = ||grad F(0, b0)||_inf, which equals alpha_max for the L1
    penalty with unit weights: tolerances are relative to it (scale-free).
    """
    n, p = design.n_samples, design.n_features
    # a read-only y or sw (a memory-mapped one) is another type to Numba, so
    # every kernel taking it would be compiled a second time for it: an
    # n-vector's copy costs less
    y, sw = _writable(y), _writable(sw)
    pen_code, pen_params, pen_weights = penalty.encode(p)
    means = np.zeros(p)
    sq = np.zeros(p)
    center = bool(fit_intercept) and datafit.code == codes.QUADRATIC
    b0 = best_intercept_at_zero(datafit.code, y, sw, fit_intercept)
    z = np.full(n, b0)
    u = np.empty(n)
    datafit_raw_grad(datafit.code, y, z, sw, n, u)
    grad0 = np.empty(p)
    work = Work(design)
    if design.is_csr:
        work.add(work.size * _column_stats_rows(design, sw, center, u, means, sq, grad0,
                                                n_threads))
    elif not design.is_sparse and design.args[0].dtype == np.float64:
        # BLAS, as in evaluate(): its SIMD pass keeps up with memory, which the
        # compiled reduction (IEEE order, no fastmath) does not
        column_stats(*design.args, n, p, sw, center, means, sq)
        np.dot(design.args[0].T, u, out=grad0)
        work.add(2 * work.size)
    elif n_threads > 1:
        with _Threads(n_threads):
            column_stats_grad_threads(*design.args, n, p, sw, center, u, means, sq, grad0)
        work.add(work.size)
    else:
        # one sweep for the column statistics and X^T u (alpha_max, and the
        # certificate at w = 0, which then costs nothing more)
        column_stats_grad(*design.args, n, p, sw, center, u, means, sq, grad0)
        work.add(work.size)
    lipschitz = sq / 4.0 if datafit.code == codes.LOGISTIC else sq
    scale = float(np.abs(grad0).max()) if p else 0.0
    objective0 = float(datafit_value(datafit.code, y, z, sw, n))
    check_no_overflow(lipschitz, scale, objective0)
    check_no_underflow(design, lipschitz, center, sw)
    # the intercept's own scale: the weighted RMS of the per-sample loss
    # derivative at (0, b0) (for least squares, of y - b0). By Cauchy-Schwarz
    # |grad0_j| <= rms(X_j) * scale_intercept: the same reference point.
    if sw.min() > 0:
        t = np.multiply(n, u, out=z)  # z is free from here on
        scale_intercept = _weighted_rms(np.divide(t, sw, out=t), sw, n, out=t)
    else:
        pos = sw > 0
        scale_intercept = _weighted_rms(n * u[pos] / sw[pos], sw[pos], n)
    # rounding floors: sums of n terms of size |x||y| resolve to about
    # sqrt(n) eps of their magnitude (the intercept's b0 itself carries eps |y|)
    y_rms = _weighted_rms(y, sw, n, out=z)
    col_rms = np.sqrt(sq + means * means) if p else np.zeros(1)
    floor = 8.0 * math.sqrt(n) * _EPS
    tol_floor = float(floor * y_rms * col_rms.max())
    tol_floor_intercept = float(floor * y_rms)
    col_weight, col_floor = column_tolerance_weights(sq, col_rms, floor, y_rms)
    return Problem(design, y, sw, bool(fit_intercept), datafit, penalty, pen_code, pen_params,
                   pen_weights, means, lipschitz, b0, grad0, scale, objective0,
                   scale_intercept, tol_floor, tol_floor_intercept, col_weight, col_floor, work,
                   int(n_threads))


def _writable(v):
    return v if v.flags.writeable else v.copy()


def _column_stats_rows(design, sw, center, u, means, sq, grad0, n_threads):
    """make_problem's set-up sweep for a CSR X: one pass, row by row.

    Rows give sums, not the two-step centring of :func:`column_stats`:
    sq_j = S2_j / n - m_j^2 with S2_j = sum_i s_i x_ij^2. That difference
    loses the bits of m_j^2 / (S2_j / n); where it would lose more than one
    (a column whose mean is as large as its spread, e.g. constant), a second
    pass over the rows sums the centred squares of those columns, as
    :func:`column_stats` does. Returns the passes over X made (1 or 2).
    """
    # imported here: only a CSR X needs the row kernels (a fresh process that
    # fits a CSC or dense X never defines them)
    from ._kernels.rows import (centred_moments_rows, column_sums_rows,
                                column_sums_rows_threads)

    n, p = design.n_samples, design.n_features
    s1, s2 = np.empty(p), np.empty(p)
    count = np.empty(p, dtype=np.int64)
    n_chunks = design.bounds.shape[0] - 1
    threaded = n_threads > 1 and n_chunks > 1
    # the per-chunk counts serve only the threaded column copy
    # (RowDesign.columns): one fit on one thread keeps none (n_chunks x p int64,
    # 6 MiB for 1e5 features)
    chunk_count = np.empty((n_chunks if threaded else 1, p), dtype=np.int64)
    if threaded:
        with _Threads(n_threads):
            column_sums_rows_threads(*design.rows, design.bounds, sw, u, s1, s2, grad0, count,
                                     np.empty((n_chunks, p, 4)), chunk_count)
    else:
        column_sums_rows(*design.rows, design.bounds, sw, u, s1, s2, grad0, count,
                         np.empty((p, 4)), chunk_count)
    design.col_nnz, design.n_threads = count, n_threads
    design.chunk_count = chunk_count if threaded else None
    ms = s2 / n
    if center:
        np.divide(s1, n, out=means)
        np.maximum(ms - means * means, 0.0, out=sq)
        redo = np.flatnonzero(means * means > 0.5 * ms)
        if redo.size:
            slot = np.full(p, -1, dtype=np.int64)
            slot[redo] = np.arange(redo.size)
            sq_sub = np.empty(redo.size)
            centred_moments_rows(*design.rows, sw, slot, means[redo], sq_sub)
            sq[redo] = sq_sub
            return 2
    else:
        means[:] = 0.0
        sq[:] = ms
    return 1


def rmatvec_full(design, u, out, n_threads=1):
    """out = X^T u over all columns: BLAS for a float64 dense X, rows for a
    CSR X, the compiled column loop otherwise (threaded when ``n_threads`` > 1;
    the same sums whatever the thread count)."""
    if design.is_csr:
        from ._kernels.rows import rmatvec_rows, rmatvec_rows_threads  # CSR only

        n_chunks = design.bounds.shape[0] - 1
        if n_threads > 1 and n_chunks > 1:
            with _Threads(n_threads):
                rmatvec_rows_threads(*design.rows, design.bounds, u, out,
                                     np.empty((n_chunks, out.shape[0])))
        else:
            rmatvec_rows(*design.rows, design.bounds, u, out,
                         np.empty(out.shape[0]) if n_chunks > 1 else out)
    elif not design.is_sparse and design.args[0].dtype == np.float64:
        np.dot(design.args[0].T, u, out=out)
    elif n_threads > 1:
        with _Threads(n_threads):
            rmatvec_threads(*design.args, u, out)
    else:
        rmatvec(*design.args, u, out)


# a row product reads w at every entry's column: past this many columns w
# leaves the cache (2 MiB), and a sparse w is read through a byte mask
_MASK_MIN_FEATURES = 2 ** 18
# ... holding at most this share of nonzeros (the mask's test is then
# nearly always false, which a branch predictor learns)
_MASK_MAX_SHARE = 1 / 64
_NO_MASK = np.empty(0, dtype=np.bool_)


def _nonzero_mask(w):
    """A bool p-vector marking w's nonzeros for a row product, or an empty
    one where reading w itself costs less (:func:`.rows._matvec_chunk`)."""
    p = w.shape[0]
    if p < _MASK_MIN_FEATURES:
        return _NO_MASK
    mask = w != 0.0
    return mask if np.count_nonzero(mask) <= _MASK_MAX_SHARE * p else _NO_MASK


def rows_times_w(problem, w, out=None, keep=True):
    """out = X w for a CSR X, row by row (bit for bit the column product):
    one read of X, done once per w. A least-squares fit asks twice at the
    same point, for its residual (``solvers.common.profiled_residual``),
    then for its certificate; the last product is kept with a copy of its w
    (a vector of this problem's own: a path's sub-problems are shallow
    copies). Without ``out``, the kept vector itself, to be read only (or
    first released, :func:`release_rows_xw`): no copy of it. Without
    ``keep`` (a caller that never asks twice: the logistic's certificates,
    whose z the Newton steps then move), the product goes into ``out`` and
    nothing is kept: an n-vector less."""
    from ._kernels.rows import matvec_rows, matvec_rows_threads  # CSR only

    kept = problem.__dict__.get("_rows_xw")
    if kept is not None and kept[0] == id(problem) and np.array_equal(kept[1], w):
        if out is None:
            return kept[2]
        out[:] = kept[2]
        return out
    design = problem.design
    mine = kept is not None and kept[0] == id(problem)
    keep = keep or out is None
    if not keep:
        if mine:
            del problem.__dict__["_rows_xw"]  # (of another w: stale)
        xw = out
    else:
        xw = kept[2] if mine else np.empty(design.n_samples)
    if problem.work is not None:
        problem.work.add(design.nnz)
    nonzero = _nonzero_mask(w)
    if problem.n_threads > 1 and design.bounds.shape[0] > 2:
        with _Threads(problem.n_threads):
            matvec_rows_threads(*design.rows, design.bounds, w, nonzero, xw)
    else:
        matvec_rows(*design.rows, w, nonzero, xw)
    if not keep:
        return out
    problem.__dict__["_rows_xw"] = (id(problem), w.copy(), xw)
    if out is None:
        return xw
    out[:] = xw
    return out


def release_rows_xw(problem, v):
    """Forget the X w :func:`rows_times_w` kept if ``v`` is its vector: the
    caller is about to overwrite it."""
    kept = problem.__dict__.get("_rows_xw")
    if kept is not None and kept[2] is v:
        del problem.__dict__["_rows_xw"]


def times_w(problem, w, nonzero, out, keep=True):
    """out = X w, ``nonzero`` being w's nonzeros, counted in ``problem.work``:
    from their columns, or for a CSR X whose store does not hold them, row
    by row (:func:`rows_times_w`: one read of X, bit for bit the same,
    where copying them out would read X and write them; ``keep`` as there)."""
    design = problem.design
    if not design.holds(nonzero):
        return rows_times_w(problem, w, out, keep)  # (counts its pass, once per point)
    matvec(*design.columns(nonzero), design.n_samples, w, out)
    if problem.work is not None:
        problem.work.add_columns(design, nonzero)
    return out


def _linear_predictor(problem, w, b, nonzero, z):
    """z = X w + b (``nonzero``: w's nonzeros), its reads of X counted."""
    design = problem.design
    if not design.is_sparse and design.dtype == np.float64:
        X_dense = design.args[0]
        if problem.work is not None:
            problem.work.add_columns(design, nonzero)
        # BLAS for X w with a dense X (IEEE arithmetic, only the
        # summation order differs from the compiled loop)
        if 4 * nonzero.size < w.shape[0]:
            # a sparse w: only its columns enter X w
            np.dot(X_dense[:, nonzero], w[nonzero], out=z)
        else:
            np.dot(X_dense, w, out=z)
    else:
        # a least-squares solver asks for the same X w again (its
        # residual); the logistic's never does
        times_w(problem, w, nonzero, z, keep=problem.df_code == codes.QUADRATIC)
    z += b


def evaluate(problem, w, b, scratch=False, keep_z=True, u_out=None, z_given=None):
    """Run the optimality kernel at (w, b): a dict of the raw pieces.

    ``scratch``: z and u are the problem's scratch vectors (:meth:`Problem.scratch`),
    overwritten by the next such call: for a solver's certificates, which
    keep only the p-vectors. Without ``keep_z``, u is written over z (one
    n-vector less; pieces["z"] is None), and the certificate may change u
    in place (its gap's dual point): the caller reads neither again.
    ``u_out``: the n-vector u is written to (with ``keep_z``), in place of
    a new or scratch one. ``z_given``: an n-vector that holds X w + b
    already, bit for bit as this function computes it (the row kernel's
    full Newton step makes it so): it is z, and X is not read for it."""
    design = problem.design
    n, p = design.n_samples, design.n_features
    if z_given is not None:
        z = z_given
    else:
        z = problem.scratch("z", n) if scratch else np.empty(n)
    if not keep_z:
        u = z
    elif u_out is not None:
        u = u_out
    else:
        u = problem.scratch("u", n) if scratch else np.empty(n)
    grad = np.empty(p)
    viol = np.empty(p)
    margin = np.empty(p)
    nonzero = w.nonzero()[0]  # np.flatnonzero of a 1-D w, without its wrappers
    at_reference = b == problem.b0 and nonzero.size == 0
    if at_reference:
        z.fill(b)
    else:
        if problem.work is not None:
            # X^T u over all of this design's columns (X w: below)
            problem.work.add(design.nnz)
        if z_given is None:
            _linear_predictor(problem, w, b, nonzero, z)
    # f(z) read before u overwrites z (else the kernel below computes it)
    loss = None if keep_z else datafit_value(problem.df_code, problem.y, z, problem.sw, n)
    # at the reference point (0, b0) this is make_problem's u, computed again
    # (O(n), where keeping it would hold an n-vector for the problem's life)
    datafit_raw_grad(problem.df_code, problem.y, z, problem.sw, n, u)
    if at_reference:
        # make_problem computed X^T u there already, with the same arithmetic
        # as rmatvec_full, so the pass over X is saved
        grad[:] = problem.grad0
    else:
        # BLAS, the threads (each column's sum the same for any n_jobs), row
        # by row for a CSR X, or the compiled column loop
        rmatvec_full(design, u, grad, problem.n_threads)
    max_viol, g_b, loss_z, pen = optimality_kernel(
        n, problem.y, problem.sw, w, problem.fit_intercept, problem.df_code,
        *problem.penalty_args, problem.lipschitz, z if keep_z else _NO_Z, u, grad, viol, margin)
    return dict(z=z if keep_z else None, u=u, grad=grad, viol=viol, margin=margin,
                max_violation=float(max_viol), intercept_grad=float(g_b),
                loss=float(loss_z if keep_z else loss), penalty=float(pen))


_NO_Z = np.empty(0)  # optimality_kernel's "u was written over z" (read-only use)


def make_group_problem(design, y, sw, datafit, penalty, fit_intercept, n_threads=1):
    """:func:`make_problem` for a :class:`~sparsecert.penalties.GroupLasso` or
    :class:`~sparsecert.penalties.SparseGroupLasso` (least squares or logistic).

    The same set-up, with the group encoding attached (``problem.groups``,
    a :class:`~sparsecert.penalties.GroupEncoding`) and the scale of the
    tolerance in group units: ``scale`` = max_g ||grad_g F(0, b0)||_2, the
    group lasso's alpha_max with unit weights (||grad F(0, b0)||_inf for
    singleton groups, so that the Lasso's tol means the same). The
    sparse-group lasso keeps this scale (its violations are Euclidean norms
    over a group too), whatever its l1_ratio.
    """
    problem = make_problem(design, y, sw, datafit, penalty, fit_intercept, n_threads)
    enc = penalty.encode_groups(design.n_features)
    problem.__dict__["groups"] = enc
    if design.n_features:
        norms = np.sqrt(np.bincount(enc.group_of, weights=problem.grad0 ** 2,
                                    minlength=enc.n_groups))
        problem.scale = float(np.max(norms))
    return problem
