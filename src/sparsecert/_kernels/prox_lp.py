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
    All iterations are done in a dimensionless variable (``v = z / a``, or
    the second rescaling of ``_prox_sup1`` when the penalty dominates) in
    which the equation reads ``v + k v**e = 1`` with ``0 <= k <= 1`` (or
    bounded) and the root is O(1).  The coefficient ``k`` is built from
    products and powers of normal numbers (for ``p < 1`` from the ratio
    ``beta / a``), and only falls back to ``exp(log ...)`` when a quantity
    is not representable, so ``|x|`` up to ~1e308 and ``u`` down to
    subnormals neither overflow nor produce NaN and keep ~1 ulp accuracy.
    Powers with exponents ``1/(2-p)`` and ``1/(p-1)``, which are not exactly
    representable, are corrected to first order (``_pow_recip``); otherwise
    they would lose ``|log(base)|`` ulps (~1e-13 for bases near 1e-200).
    The scalar root finder is a bracketed (safeguarded) Newton method that
    falls back to bisection (geometric on wide brackets) only when a Newton
    step leaves the bracket or stalls; for the usual exponents it converges
    in <= 8 Newton steps without any bisection.  Results are accurate to a
    few ulps of the intrinsic conditioning of the root (see
    :func:`prox_lp` Notes).  The root finder and the accurate powers live
    in :mod:`lp_root`.

Closed forms for ``p = 1/2`` (half thresholding, a trigonometric cubic root;
cf. Xu et al., IEEE TNNLS 2012) and ``p = 2/3`` (a depressed quartic solved
through its resolvent cubic; cf. Cao et al., 2013) are used as ~2x faster
fast paths; they agree with the Newton path to ~1e-15 relative (derivations
in their docstrings).

All public functions are compiled with ``_flags.inner(cache=True,
nogil=True)`` and take and return float64 scalars only: they are called
from other compiled code (coordinate-descent loops) without any Python
overhead, and have no Python entry point of their own.
"""

import math

from ._flags import inner
from .lp_root import _coef_direct, _is_normal, _pow_recip, _ratio_pow, _solve_pos, _unit_root

__all__ = [
    "lp_beta",
    "lp_threshold",
    "prox_lp",
    "lp_value",
    "lp_fixed_point_violation",
]

# Quantities below _TINY are negligible next to O(1) terms (used for early
# exits, not for representability).
_TINY = 1e-290
_HUGE = 1e290
_TWO_PI_3 = 2.0943951023931953  # 2*pi/3
_SQRT_HALF = 0.7071067811865476  # 1/sqrt(2)
_P_TWO_THIRDS = 2.0 / 3.0
_NAN = math.nan


# ---------------------------------------------------------------------------
# Gap and threshold
# ---------------------------------------------------------------------------


@inner(cache=True, nogil=True)
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
    # 2 - p is inexact for p < 1: carry its rounding error (Fast2Sum).
    s_hi = 2.0 - p
    s_lo = (2.0 - s_hi) - p
    base = 2.0 * u * (1.0 - p)
    if _is_normal(base):
        return _pow_recip(base, s_hi, s_lo)
    # Log space keeps e.g. u = 1e308 (base overflows) or u = 5e-324
    # (base subnormal) finite; accurate to ~|log(base)| ulps there.
    return math.exp((math.log(2.0) + math.log(u) + math.log1p(-p)) / s_hi)


@inner(cache=True, nogil=True)
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
# Magnitude solvers (a = |x| > 0, u > 0)
# ---------------------------------------------------------------------------


@inner(cache=True, nogil=True)
def _prox_sub1(a, u, p, beta, want):
    """Larger root of ``z + u p z**(p-1) = a`` for ``0 < p < 1``, ``a > tau``.

    With ``z = a v`` this is ``v + c v**(p-1) = 1``, ``c = u p a**(p-2)``.
    Because ``a > tau > beta``, ``c < p / (2 (1-p))`` is bounded, and the
    root lies in ``[beta/a, 1]`` where ``h`` is convex increasing with
    ``h' >= 1 - p/2``; Newton from ``v = 1`` converges monotonically.

    ``c`` is formed from the gap ratio, ``c = p / (2 (1-p)) * (beta/a)**(2-p)``
    (substitute ``u = beta**(2-p) / (2 (1-p))``): ``beta/a`` is in ``(0, 1)``
    so nothing can overflow, and there is no ``log u + (p-2) log a``
    cancellation (which costs ~|log u| ulps when ``u`` is extreme).
    """
    lo = beta / a
    if lo > 1.0:  # cannot happen for a > tau; keeps the bracket valid
        lo = 1.0
    if not (lo > _TINY):
        # c < lo**(2-p) * p/(2(1-p)) is far below an ulp of 1: z = a.
        return a if want == 0 else 0.0
    # (beta/a)**(2-p) with the rounding of 2 - p compensated to first order.
    s_hi = 2.0 - p
    s_lo = (2.0 - s_hi) - p
    y = lo ** s_hi
    y = y + y * (s_lo * math.log(lo))
    c = (p / (2.0 * (1.0 - p))) * y
    if c == 0.0:
        return a if want == 0 else 0.0
    v = _unit_root(c, p - 1.0, lo, 1.0, 1.0, want)
    if want != 0:
        return v
    return a * v


@inner(cache=True, nogil=True)
def _prox_sup1(a, u, p, want):
    """Unique root in ``(0, a)`` of ``z + u p z**(p-1) = a`` for ``p > 1``.

    With ``z = a t`` the equation is ``t + c t**(p-1) = 1``,
    ``c = u p a**(p-2)``.

    * ``c <= 1`` (quadratic term dominates): solve ``t + c t**(p-1) = 1``
      directly; the root is well scaled (see ``_solve_pos``).
    * ``c > 1`` (penalty dominates, ``z`` may be astronomically smaller than
      ``a``): scale by ``zs = (a / (u p))**(1/(p-1))``, the root of
      ``u p z**(p-1) = a``.  With ``z = zs * v**(1/(p-1))`` the equation
      becomes ``v + k v**(1/(p-1)) = 1`` with ``k = zs / a = c**(-1/(p-1))
      < 1`` -- the same form with the roles of the two terms swapped, so
      ``v`` is again well scaled.  ``zs`` is computed with powers of normal
      numbers only (never ``exp(log ...)`` unless it is not representable),
      so the result keeps ~1/(p-1) ulps relative accuracy, which is the
      intrinsic conditioning of that regime (``d log z / d log a = 1/(p-1)``).
    """
    e = p - 1.0
    c = _coef_direct(a, u, p)
    if c > 0.0:
        penalty_dominated = c > 1.0
    else:
        lc = math.log(u) + math.log(p) + (p - 2.0) * math.log(a)
        penalty_dominated = lc > 0.0
        c = math.exp(lc)  # only used when c <= 1: tiny or ~1 (log-accurate)
    if not penalty_dominated:
        t = _solve_pos(c, e, want)
        if want != 0:
            return t
        return a * t
    q = 1.0 / e
    zs = _ratio_pow(a, u * p, e) if _is_normal(u * p) else -1.0
    if zs > 0.0:
        lzs = math.log(zs)
        k = zs / a
    else:
        lzs = q * (math.log(a) - math.log(u) - math.log(p))
        k = -1.0
    if not _is_normal(k):
        k = math.exp(lzs - math.log(a))  # k < 1; tiny k just means v = 1
    v = _solve_pos(k, q, want)
    if want != 0:
        return v
    if zs > 0.0 and _is_normal(v):
        z = zs * _pow_recip(v, e, 0.0)
        if _is_normal(z):
            return z
    # zs or v**q not representable although z may be: assemble in logs.
    return math.exp(lzs + q * math.log(v))


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
def _cbrt(v):
    """Real cube root of ``v > 0`` to ~1 ulp.

    ``v ** (1/3)`` is off by ~|log v| ulps because 1/3 is rounded; one
    Newton step on ``y**3 = v`` (written without forming ``y**3``, so it
    cannot overflow) removes that error.
    """
    y = v ** (1.0 / 3.0)
    return y + (v / (y * y) - y) / 3.0


@inner(cache=True, nogil=True)
def _prox_two_thirds_closed(a, beta):
    """Closed form for ``p = 2/3``, ``a > tau``; returns -1.0 if not usable.

    With ``z = beta * eta**3`` and ``rho = a / beta`` the stationarity
    equation becomes ``eta**4 - rho*eta + 1 = 0`` (because
    ``beta**(4/3) = 2u/3``).  Ferrari: ``(eta**2 + m)**2`` is a perfect
    square in ``eta`` iff ``m**3 - m - rho**2/8 = 0``.  Above the threshold
    (``rho > 2``) that resolvent cubic has a single real root, taken by
    Cardano in the cancellation-free form ``m = A + 1/(3A)``,
    ``A = cbrt(H + sqrt(H**2 - 1/27))``, ``H = rho**2/16`` (the two Cardano
    cube roots multiply to 1/3).  With ``s = sqrt(2m)`` the larger real root
    is ``eta = (s + sqrt(2 rho / s - s**2)) / 2``.

    (The textbook ``cosh(arccosh(.)/3)`` form of ``m`` loses ~log(rho)
    ulps; this one stays at a few ulps for all ``rho``.)
    """
    rho = a / beta
    if not (rho < 1e100):
        # rho**2 would overflow; the Newton path is trivial there (z ~ a).
        return -1.0
    hh = 0.0625 * rho * rho  # H = rho^2 / 16 >= 1/4
    # H + sqrt(H^2 - 1/27) = H (1 + sqrt(1 - 1/(27 H^2))), 27 H^2 >= 27/16.
    big = hh * (1.0 + math.sqrt(1.0 - 1.0 / (27.0 * hh * hh)))
    aa = _cbrt(big)
    m = aa + 1.0 / (3.0 * aa)
    s = math.sqrt(2.0 * m)
    disc = 2.0 * rho / s - s * s
    if disc < 0.0:  # rounding only (disc ~ 0.21 at the threshold rho = 2)
        disc = 0.0
    eta = 0.5 * (s + math.sqrt(disc))
    return beta * (eta * eta * eta)


@inner(cache=True, nogil=True)
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
            z = -1.0
            if p == 0.5:
                z = _prox_half_closed(a, tau)
            elif p == _P_TWO_THIRDS:
                z = _prox_two_thirds_closed(a, beta)
            if z >= 0.0:
                # The closed forms are not exactly bounded by a when z ~ a
                # (cos / cube rounding); the true minimiser is < a.
                return sgn * min(z, a)
        z = _prox_sub1(a, u, p, beta, want)
        return sgn * z if want == 0 else z
    z = _prox_sup1(a, u, p, want)
    return sgn * z if want == 0 else z


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


@inner(cache=True, nogil=True)
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
    Roots are computed to a few ulps of the stationarity residual (relative
    to ``|x|``) with a safeguarded Newton iteration in rescaled variables (no
    overflow for ``|x|`` up to ~1e308 or ``u`` down to subnormals).  The
    relative error of ``z`` itself is a few ulps times the conditioning of
    the root, ``|x| / (|z| phi'(z))``: at most ``~2 tau/beta = (2-p)/(1-p)``
    just above the threshold for ``p < 1``, and ``~1/(p-1)`` when the
    penalty dominates for ``1 < p < 2``.  Results below the smallest normal
    float (only possible for ``p > 1``, e.g. ``p -> 1+``) are subnormal or 0.
    ``p = 1/2`` and ``p = 2/3`` use closed forms (cubic / quartic).
    The result is exactly odd in ``x`` and nondecreasing in ``x``.
    """
    return _prox_lp_core(x, u, p, True, 0)


@inner(cache=True, nogil=True)
def _prox_lp_newton(x, u, p):
    """Same as :func:`prox_lp` but never uses the p = 1/2, 2/3 closed forms."""
    return _prox_lp_core(x, u, p, False, 0)


@inner(cache=True, nogil=True)
def _prox_lp_iterations(x, u, p):
    """Root-finder iterations :func:`prox_lp` would use (0 if none)."""
    return _prox_lp_core(x, u, p, False, 1)


@inner(cache=True, nogil=True)
def _prox_lp_bisections(x, u, p):
    """Bisection fallbacks the root finder would take (0 if none)."""
    return _prox_lp_core(x, u, p, False, 2)


@inner(cache=True, nogil=True)
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


@inner(cache=True, nogil=True)
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
        step ``1/L`` (L-stationarity).  For ``p >= 1`` it is the usual
        (convex) optimality residual.

    Notes
    -----
    For ``0 < p < 1`` a fixed point means: either ``w = 0`` and
    ``|g| / L <= tau_p(a / L)`` (ties count as fixed points, matching the
    tie rule of :func:`prox_lp`), or ``|w| >= beta_p(a / L)`` and
    ``g + a p |w|**(p-1) sign(w) = 0``.  Along the coordinate the objective
    then has second derivative ``f_jj - a p (1-p) |w|**(p-2) >=
    f_jj - p L / 2`` at ``w != 0`` (using ``|w| >= beta``), so the fixed
    point is a strict local minimiser along that coordinate whenever the
    smooth part's curvature ``f_jj > p L / 2`` (e.g. least squares with
    ``L`` the exact coordinate curvature); ``w = 0`` is always one for
    ``p < 1``.  Multivariate local minimality additionally needs the
    Hessian condition on the support.
    """
    return L * abs(w - prox_lp(w - g / L, a / L, p))
