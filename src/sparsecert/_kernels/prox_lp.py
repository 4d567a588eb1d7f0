"""Exact scalar proximal operator of the Lp penalty ``u * |z|**p``.

For a weight ``u >= 0`` and an exponent ``p > 0`` the proximal operator is

.. math::

    \\operatorname{prox}_{u|\\cdot|^p}(x)
        = \\operatorname*{argmin}_{z \\in \\mathbb{R}}
          \\tfrac12 (z - x)^2 + u |z|^p .

The minimiser has the sign of ``x`` and magnitude ``z`` in ``[0, |x|]``, so all
work is done on ``a = |x|``.  A nonzero minimiser satisfies the stationarity
equation

.. math::  \\varphi(z) = z + u p z^{p-1} - a = 0 .

Case ``0 < p < 1`` (nonconvex)
    ``varphi`` is convex on ``(0, inf)`` with minimiser
    ``z_* = (u p (1-p))**(1/(2-p))``.  Comparing the objective at 0 with the
    objective at the larger stationary point gives the closed-form gap and
    threshold

    .. math::

        \\beta_p(u) = (2u(1-p))^{1/(2-p)}, \\qquad
        \\tau_p(u)  = \\beta_p(u) + u p \\beta_p(u)^{p-1}
                   = \\frac{2-p}{2(1-p)} \\beta_p(u) .

    At ``a = tau`` the larger root of ``varphi`` is exactly ``beta`` and
    ``f(beta) = f(0)``; for ``a > tau`` the larger root exceeds ``beta`` and
    is the unique global minimiser; for ``a < tau`` the minimiser is 0.
    Since ``beta / z_* = (2/p)**(1/(2-p)) > 1``, ``varphi`` is increasing on
    ``[beta, a]`` and a Newton iteration started at ``a`` (where
    ``varphi(a) = u p a**(p-1) > 0``) decreases monotonically to the root.

Case ``p == 1``
    Soft thresholding ``sign(x) * max(|x| - u, 0)``.

Case ``p > 1`` (strictly convex)
    The minimiser is nonzero for every ``x != 0`` and is the unique root of
    ``varphi`` in ``(0, a)``; ``varphi`` is strictly increasing there.
    ``p == 2`` has the closed form ``x / (1 + 2u)``.

Numerics
    All iterations are done in the dimensionless variable ``v = z / a``
    (or a second rescaling, see ``_prox_sup1``), where the equation reads
    ``v + k v**e = 1`` with ``0 <= k`` and a fixed exponent ``e``.  The
    coefficient ``k`` is formed either directly or in log space, so inputs
    such as ``|x| = 1e300`` together with ``u = 1e-300`` neither overflow nor
    produce NaN.  The scalar root finder is a bracketed (safeguarded) Newton
    method that falls back to bisection (geometric bisection on wide brackets)
    whenever a Newton step leaves the bracket or does not shrink fast enough.

Closed forms for ``p = 1/2`` (half thresholding, a trigonometric cubic root)
and ``p = 2/3`` (a depressed quartic solved through its resolvent cubic) are
used as fast paths; they agree with the Newton path to ~1e-15 relative.

All public functions are ``numba.njit(cache=True, nogil=True)`` compiled and
take and return float64 scalars only, so they can be called from other
``njit`` code (coordinate-descent loops) without any Python overhead.
"""

import math

from numba import njit

__all__ = [
    "lp_beta",
    "lp_threshold",
    "prox_lp",
    "lp_value",
    "lp_fixed_point_violation",
]

# Unit roundoff of float64 (2**-52).
_EPS = 2.220446049250313e-16
# Hard cap on root-finder iterations; typical counts are 1-8 (see tests).
_MAX_ITER = 100
# Products outside [_TINY, _HUGE] are recomputed in log space: inside this
# range a direct product keeps full relative precision, outside it might be
# subnormal (precision loss), underflow to 0 or overflow to inf.
_TINY = 1e-290
_HUGE = 1e290
_TWO_PI_3 = 2.0943951023931953  # 2*pi/3
_SQRT_HALF = 0.7071067811865476  # 1/sqrt(2)
_TWO_OVER_SQRT3 = 1.1547005383792515  # 2/sqrt(3)
_THREE_SQRT3_OVER_16 = 0.3247595264191645  # 3*sqrt(3)/16
_P_TWO_THIRDS = 2.0 / 3.0
_NAN = math.nan


# ---------------------------------------------------------------------------
# Gap and threshold
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def lp_beta(u, p):
    """Smallest nonzero magnitude returned by the Lp prox (the "gap").

    Parameters
    ----------
    u : float
        Penalty weight, ``u >= 0``.
    p : float
        Exponent, ``p > 0``.

    Returns
    -------
    beta : float
        For ``0 < p < 1``: ``beta_p(u) = (2 u (1 - p)) ** (1 / (2 - p))``.
        Every nonzero value of
        ``argmin_z 0.5 (z - x)**2 + u |z|**p`` has magnitude ``>= beta``,
        and ``beta`` is attained exactly at ``|x| = tau_p(u)``.
        For ``p >= 1`` or ``u == 0`` there is no gap and 0.0 is returned.
        NaN for ``p <= 0``, ``u < 0`` or NaN inputs.

    Notes
    -----
    ``beta`` solves ``f(beta) = f(0)`` jointly with the stationarity
    equation ``beta + u p beta**(p-1) = tau``: eliminating ``tau`` gives
    ``beta**(2-p) = 2 u (1-p)``.  The base is formed in log space when the
    direct product would overflow or be subnormal.
    """
    if not (p > 0.0) or not (u >= 0.0):
        return _NAN
    if p >= 1.0 or u == 0.0:
        return 0.0
    inv = 1.0 / (2.0 - p)
    base = 2.0 * u * (1.0 - p)
    if base > _TINY and base < _HUGE:
        return base ** inv
    # Log space keeps e.g. u = 1e308 (base overflows) or u = 5e-324
    # (base subnormal) exact to a few ulps * |log(base)|.
    return math.exp((math.log(2.0) + math.log(u) + math.log1p(-p)) * inv)


@njit(cache=True, nogil=True)
def lp_threshold(u, p):
    """Threshold below which the Lp prox returns exactly zero.

    Parameters
    ----------
    u : float
        Penalty weight, ``u >= 0``.
    p : float
        Exponent, ``p > 0``.

    Returns
    -------
    tau : float
        For ``0 < p < 1``:
        ``tau_p(u) = (2 - p) / (2 (1 - p)) * beta_p(u)
        = beta + u p beta**(p-1)``, with ``beta = lp_beta(u, p)``.
        ``argmin_z 0.5 (z - x)**2 + u |z|**p`` is ``0`` for ``|x| < tau``
        and nonzero with magnitude ``>= beta`` for ``|x| > tau``.
        For ``p == 1`` the soft threshold ``u``; for ``p > 1`` 0.0 (the prox
        is nonzero for every ``x != 0``).  NaN for invalid inputs.

    Notes
    -----
    Tie rule: at ``|x| == tau`` both ``0`` and ``sign(x) * beta`` minimise
    the objective (equal values); :func:`prox_lp` returns 0 there, i.e. the
    zero set is the closed interval ``[-tau, tau]``.  The formula is
    continuous at ``p -> 1`` (``tau -> u``).
    """
    if not (p > 0.0) or not (u >= 0.0):
        return _NAN
    if p < 1.0:
        return ((2.0 - p) / (2.0 * (1.0 - p))) * lp_beta(u, p)
    if p == 1.0:
        return u
    return 0.0


# ---------------------------------------------------------------------------
# Scalar root finder for  h(v) = v + k v**e - 1
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _unit_root(k, e, lo, hi, v0, want):
    """Root of ``h(v) = v + k v**e - 1`` inside ``[lo, hi]``.

    The caller guarantees (mathematically) ``h(lo) <= 0 <= h(hi)``, ``h``
    increasing on the bracket, ``0 < v0`` inside it.  Safeguarded Newton:
    a Newton step is taken only if it lands strictly inside the current
    bracket and at least halves the step of two iterations ago (Numerical
    Recipes ``rtsafe`` rule); otherwise bisect.  Bisection is geometric
    (``sqrt(lo*hi)``) when the bracket spans more than a factor 4, so tiny
    roots are found in O(log log) steps instead of O(log).

    ``want`` selects the output: 0 -> root, 1 -> iterations used,
    2 -> bisection fallbacks taken (the counts exist for tests/diagnostics).
    """
    v = v0
    # The a-priori bracket ends are themselves rounded and may sit within an
    # ulp of the root (e.g. lo = 1/(1+k) with k**2 below an ulp), so widen
    # them by a few ulps; otherwise a correct Newton step landing just past
    # a stale end is rejected and the solver degrades to bisection.
    lo = lo * (1.0 - 8.0 * _EPS)
    hi = hi * (1.0 + 8.0 * _EPS)
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
        kpe = k * v ** e
        # (v - 1) first: near the root both sides are O(1) and this ordering
        # keeps the absolute error of h at ~1 ulp of 1.
        h = (v - 1.0) + kpe
        if h == 0.0:
            break
        if h < 0.0:
            lo = v
            lo_seen = True
        else:
            hi = v
            hi_seen = True
        dh = 1.0 + e * kpe / v
        step = h / dh
        vn = v - step
        # h is only known to ~ a few ulps of 1.  Once it is at that noise
        # level, or the step is at the ulp level of v, this last Newton
        # correction is the best attainable answer.  This test must come
        # before the bracket test: a converged step rounds onto v itself (or
        # onto the bracket end just updated to v) and would otherwise be
        # mistaken for an escaping step and trigger useless bisections.
        if abs(step) <= 2.0 * _EPS * v or abs(h) <= 4.0 * _EPS:
            if vn < lo:
                vn = lo
            elif vn > hi:
                vn = hi
            v = vn
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
        # Non-strict bracket test: the a-priori bracket ends (e.g. 1/(1+k))
        # can be within rounding of the root, and a Newton step landing on
        # them is fine.
        if (vn >= lo) and (vn <= hi) and (abs(2.0 * h) <= abs(dx_old * dh)):
            dx_old = dx
            dx = step
            v = vn
        else:
            n_bis += 1
            if lo > 0.0 and hi > 4.0 * lo:
                vn = math.sqrt(lo) * math.sqrt(hi)
            else:
                vn = lo + 0.5 * (hi - lo)
            dx_old = dx
            dx = vn - v
            if not ((vn > lo) and (vn < hi)):
                # Bracket collapsed to adjacent floats.
                v = vn
                break
            v = vn
        if hi - lo <= 2.0 * _EPS * hi:
            break
    if want == 1:
        return float(n_it)
    if want == 2:
        return float(n_bis)
    return v


@njit(cache=True, nogil=True)
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


@njit(cache=True, nogil=True)
def _log_coef(a, u, p):
    """``log(u * p * a**(p-2))``, exact to a few ulps when representable."""
    c = u * p * a ** (p - 2.0)
    if c > _TINY and c < _HUGE:
        return math.log(c)
    return math.log(u) + math.log(p) + (p - 2.0) * math.log(a)


@njit(cache=True, nogil=True)
def _coef(a, u, p):
    """``u * p * a**(p-2)`` (may be 0 or inf when not representable)."""
    c = u * p * a ** (p - 2.0)
    if c > _TINY and c < _HUGE:
        return c
    return math.exp(math.log(u) + math.log(p) + (p - 2.0) * math.log(a))


# ---------------------------------------------------------------------------
# Magnitude solvers (a = |x| > 0, u > 0)
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _prox_sub1(a, u, p, beta, want):
    """Larger root of ``z + u p z**(p-1) = a`` for ``0 < p < 1``, ``a > tau``.

    With ``z = a v`` this is ``v + c v**(p-1) = 1``, ``c = u p a**(p-2)``.
    Because ``a > tau > beta``, ``c < p / (2 (1-p))`` is bounded, and the
    root lies in ``[beta/a, 1]`` where ``h`` is convex increasing with
    ``h' >= 1 - p/2``; Newton from ``v = 1`` converges monotonically.
    """
    c = _coef(a, u, p)
    lo = beta / a
    if lo > 1.0:  # cannot happen for a > tau; keeps the bracket valid
        lo = 1.0
    if c == 0.0:
        return 1.0 * a if want == 0 else 0.0
    v = _unit_root(c, p - 1.0, lo, 1.0, 1.0, want)
    if want != 0:
        return v
    return a * v


@njit(cache=True, nogil=True)
def _prox_sup1(a, u, p, want):
    """Unique root in ``(0, a)`` of ``z + u p z**(p-1) = a`` for ``p > 1``.

    With ``z = a t`` the equation is ``t + c t**(p-1) = 1``,
    ``c = u p a**(p-2)``.

    * ``c <= 1`` (quadratic term dominates): solve it directly, the root is
      in ``[1/2, 1]``-ish and well scaled.
    * ``c > 1`` (penalty dominates, ``t`` may be astronomically small):
      put ``t = k s`` with ``k = c**(-1/(p-1)) < 1`` (the root of
      ``c t**(p-1) = 1``) and ``v = s**(p-1)``.  Then ``v + k v**(1/(p-1))
      = 1`` -- the same form with the roles of the two terms swapped -- and
      ``t = k v**(1/(p-1))``.  The relative error of ``t`` is then
      ``(1/(p-1)) * eps``, which is the intrinsic conditioning of the
      problem in that regime (``d log z / d log a -> 1/(p-1)``).
    """
    e = p - 1.0
    lc = _log_coef(a, u, p)
    if lc <= 0.0:
        c = _coef(a, u, p)
        t = _solve_pos(c, e, want)
        if want != 0:
            return t
        return a * t
    q = 1.0 / e
    lk = -q * lc  # log k, k = c**(-q) in (0, 1)
    k = math.exp(lk)
    c = _coef(a, u, p)
    if c < _HUGE:
        # pow is correctly rounded to ~1 ulp, exp(-q log c) only to
        # ~|lk| ulps, so prefer the direct form when c is representable.
        k = c ** (-q)
    v = _solve_pos(k, q, want)
    if want != 0:
        return v
    vq = v ** q
    z = a * (k * vq)
    if k > _TINY and vq > _TINY and z > _TINY:
        return z
    # Underflow of k or v**q although z itself may be representable
    # (e.g. a = 1e150, u = 1e300): assemble z in log space.
    return math.exp(math.log(a) + lk + q * math.log(v))


@njit(cache=True, nogil=True)
def _prox_half_closed(a, tau):
    """Closed form for ``p = 1/2``, ``a > tau`` (half thresholding).

    With ``y = sqrt(z)`` stationarity is the depressed cubic
    ``y**3 - a y + u/2 = 0``; its largest root by the trigonometric formula
    gives ``z = (2a/3) (1 + cos(2 pi/3 - (2/3) arccos(w)))`` with
    ``w = (u/4) (3/a)**1.5``.  Using ``tau = 1.5 u**(2/3)`` this is
    ``w = (tau/a)**1.5 / sqrt(2)``, which is scale free and lies in
    ``(0, 1/sqrt(2)]`` for ``a >= tau`` (arccos well conditioned there).
    """
    r = a / tau
    w = _SQRT_HALF / (r * math.sqrt(r))  # r*sqrt(r) = inf -> w = 0: fine
    phi = math.acos(w)
    return (2.0 / 3.0) * a * (1.0 + math.cos(_TWO_PI_3 - (2.0 / 3.0) * phi))


@njit(cache=True, nogil=True)
def _prox_two_thirds_closed(a, beta):
    """Closed form for ``p = 2/3``, ``a > tau``; returns -1.0 if not usable.

    With ``z = beta * eta**3`` and ``rho = a / beta`` the stationarity
    equation becomes ``eta**4 - rho*eta + 1 = 0`` (because
    ``beta**(4/3) = 2u/3``).  Ferrari: ``(eta**2 + m)**2`` is a perfect
    square in ``eta`` iff ``m**3 - m - rho**2/8 = 0``, whose single real root
    is ``m = (2/sqrt 3) cosh(arccosh(3 sqrt(3) rho**2 / 16) / 3)``
    (``rho >= 2`` above threshold, so the arccosh argument is ``>= 1.299``).
    With ``s = sqrt(2m)`` the larger real root is
    ``eta = (s + sqrt(2 rho / s - s**2)) / 2``.
    """
    rho = a / beta
    if not (rho < 1e100):
        # rho**2 would overflow; the Newton path is trivial there (z ~ a).
        return -1.0
    arg = _THREE_SQRT3_OVER_16 * rho * rho
    m = _TWO_OVER_SQRT3 * math.cosh(math.acosh(arg) / 3.0)
    s = math.sqrt(2.0 * m)
    disc = 2.0 * rho / s - s * s
    if disc < 0.0:  # rounding only (disc ~ 0.2 rho**(2/3) at threshold)
        disc = 0.0
    eta = 0.5 * (s + math.sqrt(disc))
    return beta * (eta * eta * eta)


@njit(cache=True, nogil=True)
def _prox_lp_core(x, u, p, closed, want):
    """Shared implementation; ``closed`` enables the p = 1/2, 2/3 fast paths.

    ``want`` = 0 returns the prox, 1 / 2 return root-finder iteration /
    bisection counts (0 when no iteration is needed).
    """
    if not (p > 0.0) or not (u >= 0.0) or x != x:
        return _NAN
    if x == 0.0:
        return 0.0
    if u == 0.0 or not math.isfinite(x):
        return x if want == 0 else 0.0
    a = abs(x)
    sgn = 1.0 if x > 0.0 else -1.0
    if p == 1.0:
        if want != 0:
            return 0.0
        return sgn * (a - u) if a > u else 0.0
    if p == 2.0:
        if want != 0:
            return 0.0
        if u < _HUGE:
            return x / (1.0 + 2.0 * u)
        return (0.5 * x) / u  # 1 + 2u would overflow
    if p < 1.0:
        beta = lp_beta(u, p)
        tau = ((2.0 - p) / (2.0 * (1.0 - p))) * beta
        # Tie rule: |x| == tau -> 0 (both 0 and beta are minimisers).
        if not (a > tau):
            return 0.0
        if closed and want == 0:
            if p == 0.5:
                return sgn * _prox_half_closed(a, tau)
            if p == _P_TWO_THIRDS:
                z = _prox_two_thirds_closed(a, beta)
                if z >= 0.0:
                    return sgn * z
        z = _prox_sub1(a, u, p, beta, want)
        return sgn * z if want == 0 else z
    z = _prox_sup1(a, u, p, want)
    return sgn * z if want == 0 else z


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def prox_lp(x, u, p):
    """Proximal operator of ``u |z|**p`` (exact, global minimiser).

    Computes

    ``prox_lp(x, u, p) = argmin_z 0.5 * (z - x)**2 + u * |z|**p``

    for ``u >= 0`` and ``p > 0``.

    Parameters
    ----------
    x : float
        Point at which the prox is evaluated.
    u : float
        Penalty weight (step size times regularisation), ``u >= 0``.
    p : float
        Exponent, ``p > 0``.

    Returns
    -------
    z : float
        The minimiser, with ``sign(z) in {0, sign(x)}`` and
        ``0 <= |z| <= |x|``:

        * ``0 < p < 1``: ``0`` if ``|x| <= tau_p(u)`` (see
          :func:`lp_threshold`; at ``|x| == tau`` the minimiser is not unique
          and 0 is returned), else ``sign(x) * z`` with ``z`` the larger
          root in ``[beta_p(u), |x|]`` of ``z + u p z**(p-1) = |x|``.
        * ``p == 1``: soft thresholding ``sign(x) * max(|x| - u, 0)``
          (0 at the tie ``|x| == u``).
        * ``p > 1``: the unique root in ``(0, |x|)`` of
          ``z + u p z**(p-1) = |x|`` (never exactly 0 for ``x != 0`` unless
          the true value underflows float64); ``p == 2`` is ``x / (1 + 2u)``.

        ``u == 0`` returns ``x``; ``x == 0`` returns 0; infinite ``x`` is
        returned unchanged; NaN for NaN ``x`` or invalid ``u``, ``p``.

    Notes
    -----
    Roots are computed to ~1 ulp of the stationarity residual (relative to
    ``|x|``) with a safeguarded Newton iteration in rescaled variables (no
    overflow for ``|x|`` up to ~1e308 or ``u`` down to subnormals).
    ``p = 1/2`` and ``p = 2/3`` use closed forms (cubic / quartic).
    The result is exactly odd in ``x`` and nondecreasing in ``x``.
    """
    return _prox_lp_core(x, u, p, True, 0)


@njit(cache=True, nogil=True)
def _prox_lp_newton(x, u, p):
    """Same as :func:`prox_lp` but never uses the p = 1/2, 2/3 closed forms."""
    return _prox_lp_core(x, u, p, False, 0)


@njit(cache=True, nogil=True)
def _prox_lp_iterations(x, u, p):
    """Root-finder iterations :func:`prox_lp` would use (0 if none)."""
    return _prox_lp_core(x, u, p, False, 1)


@njit(cache=True, nogil=True)
def _prox_lp_bisections(x, u, p):
    """Bisection fallbacks the root finder would take (0 if none)."""
    return _prox_lp_core(x, u, p, False, 2)


@njit(cache=True, nogil=True)
def lp_value(w, u, p):
    """Penalty value ``u * |w|**p`` with the convention ``0**p = 0``.

    Parameters
    ----------
    w : float
        Coefficient value.
    u : float
        Penalty weight, ``u >= 0``.
    p : float
        Exponent, ``p > 0``.

    Returns
    -------
    value : float
        ``u * |w|**p``; exactly 0.0 when ``w == 0`` or ``u == 0``.
    """
    if w == 0.0 or u == 0.0:
        return 0.0
    return u * abs(w) ** p


@njit(cache=True, nogil=True)
def lp_fixed_point_violation(w, g, L, a, p):
    """L-stationarity residual of one coordinate, in gradient units.

    Parameters
    ----------
    w : float
        Current coordinate value.
    g : float
        Partial derivative of the smooth part of the objective at ``w``.
    L : float
        Coordinate Lipschitz constant of the smooth part, ``L > 0``.
    a : float
        Penalty weight of the coordinate (``alpha * c_j``), ``a >= 0``.
    p : float
        Exponent, ``p > 0``.

    Returns
    -------
    violation : float
        ``L * |w - prox_lp(w - g / L, a / L, p)|``, i.e. ``L`` times the
        distance between ``w`` and
        ``argmin_z 0.5 (z - (w - g/L))**2 + (a/L) |z|**p``.
        It is 0 iff ``w`` is a fixed point of the proximal gradient map with
        step ``1/L``.  For ``0 < p < 1`` a fixed point (an L-stationary
        point) is a local minimiser along the coordinate; in particular
        ``w = 0`` is a fixed point iff ``|g| / L <= tau_p(a / L)``.
        For ``p >= 1`` it is the usual (convex) optimality residual.
    """
    return L * abs(w - prox_lp(w - g / L, a / L, p))
