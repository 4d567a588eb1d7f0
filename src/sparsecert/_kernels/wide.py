"""A coordinate step's two column loops on Numba's threads, for wide CSC columns.

A coordinate step on column j reads it twice: g_j = X_j^T (s r), then, after
the prox, s r -= delta s X_j. On text the popular columns hold most of X's
entries (benchmarks/large.py at full size, 1e6 x 1e5: the 150 most popular
hold 53%, the 34 with at least 65536 entries 37%, the first 961755), and
a Lasso's working set holds them, so the serial steps were half of a fit
that ran everything else on two threads.

A column with at least ``WIDE`` entries is cut into parts of at least
``WIDE_PART`` entries, their number fixed by the column's length alone: the
dot product sums each part in order, then the parts in order, on one thread
(``ONE_THREAD``) or on several (``THREADS``), so a fit is bitwise the same
whatever n_jobs is. The update touches each row once (a column's row
indices are distinct), so its parts cannot collide. Which variant a kernel
holds is its ``threads`` kind's (:mod:`.codes`), chosen when it is
compiled: a fit with n_jobs=1 never compiles a parallel loop.
"""

import numpy as np
from numba import prange

from ._flags import inner, njit, overload
from .codes import select

WIDE = 65536       # entries from which a column's loops are split
WIDE_PART = 32768  # entries of a part at least (measured: a part of 1e4 gains nothing)


@njit(cache=True, nogil=True, inline="always")
def _part(lo, hi, c, parts):
    step = (hi - lo + parts - 1) // parts
    a = lo + c * step
    return a, min(hi, a + step)


@njit(cache=True, nogil=True, inline="always")
def _part_dot(X_data, X_indices, a, b, v):
    s = 0.0
    for k in range(a, b):
        s += X_data[k] * v[X_indices[k]]
    return s


@njit(cache=True, nogil=True, inline="always")
def _part_update(X_data, X_indices, a, b, delta, sw_r, sw):
    for k in range(a, b):
        i = X_indices[k]
        sw_r[i] -= sw[i] * (delta * X_data[k])


@inner(cache=True, nogil=True)
def _dot_serial(X_data, X_indices, lo, hi, v):
    parts = (hi - lo) // WIDE_PART
    total = 0.0
    for c in range(parts):
        a, b = _part(lo, hi, c, parts)
        total += _part_dot(X_data, X_indices, a, b, v)
    return total


@njit(cache=True, nogil=True, parallel=True)
def _dot_threads(X_data, X_indices, lo, hi, v):
    parts = (hi - lo) // WIDE_PART
    sums = np.empty(parts)
    for c in prange(parts):
        a, b = _part(lo, hi, c, parts)
        sums[c] = _part_dot(X_data, X_indices, a, b, v)
    total = 0.0
    for c in range(parts):
        total += sums[c]
    return total


@inner(cache=True, nogil=True)
def _update_serial(X_data, X_indices, lo, hi, delta, sw_r, sw):
    _part_update(X_data, X_indices, lo, hi, delta, sw_r, sw)


@njit(cache=True, nogil=True, parallel=True)
def _update_threads(X_data, X_indices, lo, hi, delta, sw_r, sw):
    parts = (hi - lo) // WIDE_PART
    for c in prange(parts):
        a, b = _part(lo, hi, c, parts)
        _part_update(X_data, X_indices, a, b, delta, sw_r, sw)


_DOT = {"one": _dot_serial, "many": _dot_threads}
_UPDATE = {"one": _update_serial, "many": _update_threads}


def wide_dot(threads, X_data, X_indices, lo, hi, v):
    """sum_k X_data[k] v[X_indices[k]] over k in [lo, hi), hi - lo >= WIDE,
    summed part by part (module docstring)."""
    return _DOT[threads.compiled](X_data, X_indices, lo, hi, v)


@overload(wide_dot)
def _wide_dot_impl(threads, X_data, X_indices, lo, hi, v):
    impl = select(threads, "threads", _DOT)
    return lambda threads, X_data, X_indices, lo, hi, v: impl(X_data, X_indices, lo, hi, v)


def wide_update(threads, X_data, X_indices, lo, hi, delta, sw_r, sw):
    """sw_r[i] -= sw[i] (delta x) for the entries in [lo, hi) (module docstring)."""
    _UPDATE[threads.compiled](X_data, X_indices, lo, hi, delta, sw_r, sw)


@overload(wide_update)
def _wide_update_impl(threads, X_data, X_indices, lo, hi, delta, sw_r, sw):
    impl = select(threads, "threads", _UPDATE)

    def run(threads, X_data, X_indices, lo, hi, delta, sw_r, sw):
        impl(X_data, X_indices, lo, hi, delta, sw_r, sw)
    return run
