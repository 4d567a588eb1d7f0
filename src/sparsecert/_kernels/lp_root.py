"""Scalar root finding and accurate powers behind the Lp prox (:mod:`prox_lp`).

The magnitude solvers of :mod:`prox_lp` reduce the stationarity equation to
``h(v) = v + k v**e - 1 = 0`` in a dimensionless variable; this module holds
the bracketed (safeguarded) Newton solver of that equation
(:func:`_unit_root`, with its brackets in :func:`_solve_pos`), and the
powers and coefficients that must keep full relative precision for extreme
arguments (:func:`_pow_recip`, :func:`_coef_direct`, :func:`_ratio_pow`).
The numerics are described in :mod:`prox_lp`'s docstring. Everything is
compiled (``_flags.inner(cache=True, nogil=True)``: for compiled callers
only) and works on float64 scalars.
"""

import math

from ._flags import inner

# Machine epsilon of float64 (2**-52, twice the unit roundoff).
_EPS = 2.220446049250313e-16
# Hard cap on root-finder iterations; typical counts are 1-8 (see tests).
_MAX_ITER = 100
# Smallest positive normal float64.  A product/quotient/pow of normal
# numbers that is itself >= this and finite carries full relative precision;
# anything else (overflow, subnormal, underflow) is recomputed in log space.
_MIN_NORMAL = 2.2250738585072014e-308


# ---------------------------------------------------------------------------
# Accurate powers with a reciprocal exponent
# ---------------------------------------------------------------------------


@inner(cache=True, nogil=True)
def _is_normal(v):
    """``v`` is a finite positive normal float64 (full relative precision)."""
    return v >= _MIN_NORMAL and v < math.inf


@inner(cache=True, nogil=True)
def _two_prod_err(a, b):
    """Exact rounding error ``a*b - fl(a*b)`` (Dekker, Veltkamp splitting).

    Valid for moderate ``|a|, |b|`` (no overflow in the 2**27+1 split); it
    is only applied to exponent-sized numbers here.
    """
    prod = a * b
    ca = 134217729.0 * a
    ah = ca - (ca - a)
    al = a - ah
    cb = 134217729.0 * b
    bh = cb - (cb - b)
    bl = b - bh
    return ((ah * bh - prod) + ah * bl + al * bh) + al * bl


@inner(cache=True, nogil=True)
def _pow_recip(base, s_hi, s_lo):
    """``base ** (1 / s)`` for ``s = s_hi + s_lo`` (a double-double).

    ``base ** (1.0 / s_hi)`` alone is off by ``|log(base)| * ulp`` relative
    because ``1/s`` is rounded (and ``s = 2 - p`` itself is inexact for
    p < 1); for ``base`` ~ 1e-200 that is ~1e-13.  With ``r = fl(1/s_hi)``
    and ``r s = 1 - d`` (``d`` computed exactly enough from the product
    error), ``1/s = r (1 + d + ...)`` and
    ``base**(1/s) = base**r * exp(r d log(base))``, where ``|r d log(base)|``
    is ~1e-13 at most, so one first-order correction restores ~1 ulp.
    Requires ``base`` positive, normal and finite, ``s_hi`` moderate.
    """
    r = 1.0 / s_hi
    ph = r * s_hi
    pl = _two_prod_err(r, s_hi)
    d = ((1.0 - ph) - pl) - r * s_lo
    y = base ** r
    if not _is_normal(y):
        return y  # over/underflow: the correction is meaningless (inf*0)
    return y + y * (r * d * math.log(base))


# ---------------------------------------------------------------------------
# Scalar root finder for  h(v) = v + k v**e - 1
# ---------------------------------------------------------------------------


@inner(cache=True, nogil=True)
def _widen(lo, hi):
    """The bracket [lo, hi] widened by 8 ulps at each end.

    The a-priori bracket ends are themselves rounded and may sit within an
    ulp of the root (e.g. lo = 1/(1+k) with k**2 below an ulp), so widen
    them by a few ulps; otherwise a correct Newton step landing just past
    a stale end is rejected and the solver degrades to bisection.
    """
    return lo * (1.0 - 8.0 * _EPS), hi * (1.0 + 8.0 * _EPS)


@inner(cache=True, nogil=True)
def _residual(k, e, v):
    """``(h(v), h'(v))`` for ``h(v) = v + k v**e - 1``."""
    kpe = k * v ** e
    # (v - 1) first: near the root both sides are O(1) and this ordering
    # keeps the absolute error of h at ~1 ulp of 1.
    h = (v - 1.0) + kpe
    return h, 1.0 + e * kpe / v


@inner(cache=True, nogil=True)
def _clamp(v, lo, hi):
    """``v`` moved into ``[lo, hi]``."""
    if v < lo:
        return lo
    elif v > hi:
        return hi
    return v


@inner(cache=True, nogil=True)
def _newton_or_bisect(v, vn, h, dh, step, lo, hi, dx_old, dx):
    """The next iterate: the Newton point ``vn`` if safe, else a bisection of ``[lo, hi]``.

    Newton is safe when ``vn`` is inside the bracket and ``|2 h| <= |dx_old h'|``
    (the step at least halves the one of two iterations ago, ``rtsafe``).
    Bisection is geometric (``sqrt(lo*hi)``) when the bracket spans more than
    a factor 4. Returns ``(v, dx_old, dx, bisected, collapsed)``; ``collapsed``:
    the bisection point is not strictly inside the bracket (adjacent floats).
    """
    # Non-strict bracket test: the a-priori bracket ends (e.g. 1/(1+k))
    # can be within rounding of the root, and a Newton step landing on
    # them is fine.
    if (vn >= lo) and (vn <= hi) and (abs(2.0 * h) <= abs(dx_old * dh)):
        return vn, dx, step, False, False
    if lo > 0.0 and hi > 4.0 * lo:
        vn = math.sqrt(lo) * math.sqrt(hi)
    else:
        vn = lo + 0.5 * (hi - lo)
    return vn, dx, vn - v, True, not ((vn > lo) and (vn < hi))


@inner(cache=True, nogil=True)
def _unit_root(k, e, lo, hi, v0, want):
    """Root of ``h(v) = v + k v**e - 1`` inside ``[lo, hi]``.

    The caller guarantees (mathematically) ``h(lo) <= 0 <= h(hi)``, ``h``
    increasing on the bracket, ``0 < v0`` inside it.  Safeguarded Newton:
    a Newton step is taken only if it lands inside the current bracket and
    (from the third step on) at least halves the step of two iterations ago
    (Numerical Recipes ``rtsafe`` rule); otherwise bisect.  A step past an
    a-priori end that was never evaluated first tries that end itself (the
    root is then within rounding of it).  Bisection is geometric
    (``sqrt(lo*hi)``) when the bracket spans more than a factor 4, so a
    wide bracket shrinks in O(log log(hi/lo)) steps instead of O(log).
    Stops when the residual is at rounding level (|h| <= 4 eps, h is O(1))
    or the step is below 2 ulps of ``v``.

    ``want`` selects the output: 0 -> root, 1 -> iterations used,
    2 -> bisection fallbacks taken (the counts exist for tests/diagnostics).
    """
    v = v0
    lo, hi = _widen(lo, hi)
    # Infinite "previous steps" so that the first two Newton steps are only
    # required to stay in the bracket (a tight a-priori bracket must not
    # veto them through the step-halving rule).
    dx_old = math.inf
    dx = math.inf
    n_it = 0
    n_bis = 0
    lo_seen = False  # has h been evaluated at the current lo / hi?
    hi_seen = False
    for _ in range(_MAX_ITER):
        n_it += 1
        h, dh = _residual(k, e, v)
        if h == 0.0:
            break
        if h < 0.0:
            lo = v
            lo_seen = True
        else:
            hi = v
            hi_seen = True
        step = h / dh
        vn = v - step
        # h is only known to ~ a few ulps of 1.  Once it is at that noise
        # level, or the step is at the ulp level of v, this last Newton
        # correction is the best attainable answer.  This test must come
        # before the bracket test: a converged step rounds onto v itself (or
        # onto the bracket end just updated to v) and would otherwise be
        # mistaken for an escaping step and trigger useless bisections.
        if abs(step) <= 2.0 * _EPS * v or abs(h) <= 4.0 * _EPS:
            v = _clamp(vn, lo, hi)
            break
        if vn < lo and not lo_seen:
            # Newton says the root is below an a-priori end that was never
            # evaluated.  That happens only when the root is within rounding
            # of that end (e.g. |x| within a few ulps of tau, where the root
            # is ill-conditioned relative to beta): test the end itself
            # instead of bisecting towards it.
            lo_seen = True
            v = lo
            continue
        if vn > hi and not hi_seen:
            hi_seen = True
            v = hi
            continue
        v, dx_old, dx, bisected, collapsed = _newton_or_bisect(v, vn, h, dh, step, lo, hi,
                                                               dx_old, dx)
        if bisected:
            n_bis += 1
        if collapsed or hi - lo <= 2.0 * _EPS * hi:
            break
    if want == 1:
        return float(n_it)
    if want == 2:
        return float(n_bis)
    return v


@inner(cache=True, nogil=True)
def _solve_pos(k, e, want):
    """Root in ``(0, 1]`` of ``v + k v**e = 1`` for ``0 <= k <= 1``, ``e > 0``.

    Brackets: for ``e >= 1`` (convex, start at hi where h = k >= 0, Newton
    then decreases monotonically) ``v`` lies in ``[1/(1+k), 1]`` because
    ``v**e <= v``.  For ``0 < e < 1`` (concave, derivative infinite at 0,
    so start from the left where Newton increases monotonically)
    ``v <= 1/(1+k)`` because ``v**e >= v``, and ``h <= 0`` at both
    ``1 - k`` and ``min(1/2, (1/(2k))**(1/e))``.
    """
    if k == 0.0:
        return 1.0 if want == 0 else 0.0
    if e >= 1.0:
        return _unit_root(k, e, 1.0 / (1.0 + k), 1.0, 1.0, want)
    hi = 1.0 / (1.0 + k)
    lo = 1.0 - k
    vl = (0.5 / k) ** (1.0 / e)  # may overflow to inf -> clipped below
    if vl > 0.5:
        vl = 0.5
    if vl > lo:
        lo = vl
    if lo > 0.0:
        v0 = lo
    else:
        # Only for e -> 0 (p -> 1+) with k ~ 1; bisection takes over.
        v0 = 0.5 * hi
    return _unit_root(k, e, lo, hi, v0, want)


@inner(cache=True, nogil=True)
def _coef_direct(a, u, p):
    """``u * p * a**(p-2)`` for ``p > 1`` by direct products, or -1.0.

    ``p - 2`` (hence ``(p-2)/2``) is exact for ``p >= 1``, so ``pow`` is good
    to ~1 ulp.  ``a**(p-2)`` is applied as two half powers so that moderate
    ``c`` with extreme ``a`` and compensating ``u`` (``a = 1e150``,
    ``u = 1e-300``, ``p = 4``) is still formed by products rather than in
    log space, where ``log u + (p-2) log a`` cancels and costs ~|log u|
    ulps.  -1.0 (any intermediate not a normal number) sends the caller to
    log space.
    """
    hp = a ** (0.5 * (p - 2.0))
    if not _is_normal(hp):
        return -1.0
    c = (u * p) * hp
    if not _is_normal(c):
        return -1.0
    c = c * hp
    if _is_normal(c):
        return c
    return -1.0


@inner(cache=True, nogil=True)
def _ratio_pow(a, b, e):
    """``(a / b) ** (1/e)`` to a few ulps, or -1.0 if not a normal number.

    Tries the ratio first, then ``a**(1/e) / b**(1/e)`` (for when ``a/b``
    itself over/underflows but the power does not, i.e. ``1/e < 1``).
    """
    g = a / b
    if _is_normal(g):
        r = _pow_recip(g, e, 0.0)
        if _is_normal(r):
            return r
    if _is_normal(a) and _is_normal(b):
        ra = _pow_recip(a, e, 0.0)
        rb = _pow_recip(b, e, 0.0)
        if _is_normal(ra) and _is_normal(rb):
            r = ra / rb
            if _is_normal(r):
                return r
    return -1.0
