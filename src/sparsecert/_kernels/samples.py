"""The logistic Newton steps' passes over the samples, by parts, on one thread or several.

Each proximal Newton step (:mod:`.prox_newton`, :mod:`.group_newton`) takes
the per-sample derivatives u_i, h_i and f(z) (:func:`derivatives`), and its
line search f(z + t xd) and its slope (:func:`loss_along`): an exponential
and a logarithm per sample, most of a step's cost on a tall X once its
columns are few.

The samples are cut into parts of ``SAMPLE_PART``, fixed by n alone: each
part sums in order, then the parts' sums are added in order, on the calling
thread (``ONE_THREAD``) or with the parts on Numba's threads (``THREADS``),
so the bits never depend on n_jobs. Up to ``SAMPLE_PART`` samples there is
one part: the plain sum in order.
"""

import numpy as np
from numba import prange

from ._flags import inner, njit, overload
from .codes import select
from .datafit import logistic_exp, logistic_pieces_of, logistic_probabilities_of

SAMPLE_PART = 65536
H_FLOOR = 1e-12  # floor of h_i in units of s_i / n (the largest h_i is s_i / 4n)


@njit(cache=True, nogil=True, inline="always")
def _bounds(c, n_samples):
    lo = c * SAMPLE_PART
    hi = lo + SAMPLE_PART
    return lo, (n_samples if n_samples < hi else hi)  # no builtin min: one compile less


@njit(cache=True, nogil=True, inline="always")
def _n_parts(n_samples):
    parts = (n_samples + SAMPLE_PART - 1) // SAMPLE_PART
    return parts if parts > 1 else 1


# A cold first fit compiles every function a kernel calls, one by one (0.1-0.3 s
# each): the parts are inlined where they are summed, and a kernel compiling
# the one-thread kind gets that function itself (:func:`serial_body`), not a
# wrapper calling it (8 of a dense L1-logistic's first fit's 55 compilations,
# about 0.8 s).
def serial_body(impl, table):
    """For an overload: ``impl`` (the kind's dispatcher from ``table``, as
    :func:`~.codes.select` chose it) as its own Python body, compiled into the
    caller, when it is the one-thread kind; None for the threaded one (the
    caller wraps its call: a parallel loop must stay in its own function)."""
    return impl.py_func if impl is table["one"] else None


@njit(cache=True, nogil=True, inline="always")
def _derivatives_part(y, sw, z, lo, hi, n, u, h, e, cached):
    hsum = 0.0
    gb = 0.0
    f = 0.0
    for i in range(lo, hi):
        s = sw[i]
        if s == 0.0:
            u[i] = 0.0
            h[i] = 0.0
            continue
        m = y[i] * z[i]
        if cached:
            # f(z) is the line search's, which filled e: no logarithm here
            p_wrong, p_right = logistic_probabilities_of(m, e[i])
        else:
            loss, p_wrong, p_right = logistic_pieces_of(m, logistic_exp(m))
            f += s * loss
        u[i] = -s * y[i] * p_wrong / n
        hi_ = s * p_right * p_wrong / n
        floor = s * H_FLOOR / n
        h[i] = hi_ if hi_ > floor else floor
        hsum += h[i]
        gb += u[i]
    return hsum, gb, f


@inner(cache=True, nogil=True)
def _derivatives_serial(threads, y, sw, z, n_samples, u, h, e, cached):
    n = float(n_samples)
    hsum = 0.0
    gb = 0.0
    f = 0.0
    for c in range(_n_parts(n_samples)):
        lo, hi = _bounds(c, n_samples)
        a, b, d = _derivatives_part(y, sw, z, lo, hi, n, u, h, e, cached)
        hsum += a
        gb += b
        f += d
    return hsum, gb, f / n


@njit(cache=True, nogil=True, parallel=True)
def _derivatives_threads(threads, y, sw, z, n_samples, u, h, e, cached):
    n = float(n_samples)
    parts = _n_parts(n_samples)
    sums = np.empty((parts, 3))
    for c in prange(parts):
        lo, hi = _bounds(c, n_samples)
        sums[c, 0], sums[c, 1], sums[c, 2] = _derivatives_part(y, sw, z, lo, hi, n, u, h, e,
                                                               cached)
    hsum = 0.0
    gb = 0.0
    f = 0.0
    for c in range(parts):
        hsum += sums[c, 0]
        gb += sums[c, 1]
        f += sums[c, 2]
    return hsum, gb, f / n


_DERIVATIVES = {"one": _derivatives_serial, "many": _derivatives_threads}


def derivatives(threads, y, sw, z, n_samples, u, h, e, cached):
    """u_i = -s_i y_i sigmoid(-y_i z_i) / n and the floored curvature h_i.

    h_i = max(s_i sigmoid(y_i z_i) sigmoid(-y_i z_i), s_i H_FLOOR) / n, both 0
    where s_i = 0. Fills ``u`` and ``h``; returns (sum_i h_i, sum_i u_i, f(z)),
    f(z) = (1/n) sum_i s_i log(1 + exp(-y_i z_i)) for the line search.
    ``cached``: ``e`` holds exp(-|y_i z_i|) at this z already (the line
    search's accepted point: :func:`loss_along`), which saves the
    exponential, most of the pass's cost, and the logarithm: f(z) is then
    not computed (0 is returned; the caller has the line search's f, the
    same sums of the same terms). Sums by parts (module docstring).
    """
    return _DERIVATIVES[threads.compiled](threads, y, sw, z, n_samples, u, h, e, cached)


@overload(derivatives)
def _derivatives_impl(threads, y, sw, z, n_samples, u, h, e, cached):
    impl = select(threads, "threads", _DERIVATIVES)
    return serial_body(impl, _DERIVATIVES) or (lambda threads, y, sw, z, n_samples, u, h, e, cached: impl(
        threads, y, sw, z, n_samples, u, h, e, cached))


@njit(cache=True, nogil=True, inline="always")
def _loss_part(y, sw, z, xd, t, lo, hi, e):
    ft = 0.0
    dft = 0.0
    for i in range(lo, hi):
        s = sw[i]
        if s != 0.0:
            mt = y[i] * (z[i] + t * xd[i])
            e[i] = logistic_exp(mt)
            loss, p_wrong, _ = logistic_pieces_of(mt, e[i])
            ft += s * loss
            dft -= s * y[i] * p_wrong * xd[i]
    return ft, dft


@inner(cache=True, nogil=True)
def _loss_along_serial(threads, y, sw, z, xd, t, n_samples, e):
    ft = 0.0
    dft = 0.0
    for c in range(_n_parts(n_samples)):
        lo, hi = _bounds(c, n_samples)
        a, b = _loss_part(y, sw, z, xd, t, lo, hi, e)
        ft += a
        dft += b
    return ft / n_samples, dft / n_samples


@njit(cache=True, nogil=True, parallel=True)
def _loss_along_threads(threads, y, sw, z, xd, t, n_samples, e):
    parts = _n_parts(n_samples)
    sums = np.empty((parts, 2))
    for c in prange(parts):
        lo, hi = _bounds(c, n_samples)
        sums[c, 0], sums[c, 1] = _loss_part(y, sw, z, xd, t, lo, hi, e)
    ft = 0.0
    dft = 0.0
    for c in range(parts):
        ft += sums[c, 0]
        dft += sums[c, 1]
    return ft / n_samples, dft / n_samples


_LOSS_ALONG = {"one": _loss_along_serial, "many": _loss_along_threads}


def loss_along(threads, y, sw, z, xd, t, n_samples, e):
    """(f(z + t xd), its derivative in t); e_i <- exp(-|y_i (z_i + t xd_i)|)
    where s_i != 0, for the next step's derivatives if this t is taken
    (:func:`~.newton_step._take_step` computes z + t xd as here, to the
    bit). Sums by parts (module docstring)."""
    return _LOSS_ALONG[threads.compiled](threads, y, sw, z, xd, t, n_samples, e)


@overload(loss_along)
def _loss_along_impl(threads, y, sw, z, xd, t, n_samples, e):
    impl = select(threads, "threads", _LOSS_ALONG)
    return serial_body(impl, _LOSS_ALONG) or (lambda threads, y, sw, z, xd, t, n_samples, e: impl(
        threads, y, sw, z, xd, t, n_samples, e))
