"""Scalar penalty operations, one implementation per penalty kind.

Every public function takes ``(code, params, weight, ...)`` where ``code`` is
a penalty :class:`~.codes.Kind`, ``params`` the float64 array laid out in
:mod:`codes` and ``weight`` the per-feature weight c_j >= 0 (0 means
unpenalized). The j-th penalty term is

    G_j(w) = alpha * c_j * pen(w)   (+ indicator of w >= 0 when positive)

The kind's implementation is chosen when Numba compiles the caller (the
``_by_kind`` overloads below, through :func:`codes.select`), so a kernel
compiled for the elastic net holds no Lp code. L1 is compiled as the elastic
net (:mod:`.codes`): its parameters hold l1_ratio rho = 1, where the elastic
net's operations below are the lasso's exactly (rho = 1 skips the ridge
part rather than multiplying it by 0, so an infinite w gives what L1 gives).
An unknown code does not compile. A new penalty adds its functions to the
tables here.
"""

import numpy as np

from ._flags import inner, njit, overload
from .codes import LP, PARAM_ALPHA, PARAM_L1_RATIO, PARAM_P, PARAM_POSITIVE, select
from .prox_lp import lp_threshold, prox_lp


@njit(cache=True, nogil=True, inline="always")
def soft_threshold(x, thr):
    """argmin_z 0.5 (z - x)^2 + thr |z| = sign(x) max(|x| - thr, 0)."""
    if x > thr:
        return x - thr
    if x < -thr:
        return x + thr
    return 0.0


# ---------------------------------------------------------------- prox

def _prox_enet(code, params, a, x, step):
    rho = params[PARAM_L1_RATIO]
    z = soft_threshold(x, step * a * rho)
    if rho == 1.0:
        return z  # the lasso (no divide on its coordinate steps)
    return z / (1.0 + step * a * (1.0 - rho))


def _prox_lp(code, params, a, x, step):
    return prox_lp(x, step * a, params[PARAM_P])


_PROX = {"elastic_net": _prox_enet, "lp": _prox_lp}


def _prox_by_kind(code, params, a, x, step):
    return _PROX[code.compiled](code, params, a, x, step)


@overload(_prox_by_kind)
def _prox_by_kind_impl(code, params, a, x, step):
    return select(code, "penalty", _PROX)


@njit(cache=True, nogil=True, inline="always")
def prox_1d(code, params, weight, x, step):
    """Scalar proximal operator of the j-th penalty term.

    Returns argmin_z  (z - x)^2 / (2 step) + G_j(z).

    * L1: soft thresholding at step alpha c_j.
    * elastic net: soft(x, step alpha c_j rho) / (1 + step alpha c_j (1 - rho)).
    * Lp: the exact scalar prox of step alpha c_j |z|^p (:mod:`prox_lp`); for
      p < 1 it jumps from 0 to at least beta_p at the threshold tau_p.

    With ``positive`` the minimisation is over z >= 0; because each prox here
    is odd and nondecreasing, that is the unconstrained prox clipped at 0.
    """
    z = _prox_by_kind(code, params, params[PARAM_ALPHA] * weight, x, step)
    if params[PARAM_POSITIVE] != 0.0 and z < 0.0:
        z = 0.0
    return z


# ---------------------------------------------------------------- value

def _value_enet(code, params, a, w):
    rho = params[PARAM_L1_RATIO]
    if rho == 1.0:
        return a * abs(w)  # the lasso (no 0 * inf where w is infinite)
    return a * (rho * abs(w) + 0.5 * (1.0 - rho) * w * w)


def _value_lp(code, params, a, w):
    return a * abs(w) ** params[PARAM_P] if w != 0.0 else 0.0


_VALUE = {"elastic_net": _value_enet, "lp": _value_lp}


def _value_by_kind(code, params, a, w):
    return _VALUE[code.compiled](code, params, a, w)


@overload(_value_by_kind)
def _value_by_kind_impl(code, params, a, w):
    return select(code, "penalty", _VALUE)


@njit(cache=True, nogil=True, inline="always")
def penalty_value(code, params, weight, w):
    """G_j(w) (the indicator of ``positive`` is +inf for w < 0)."""
    if params[PARAM_POSITIVE] != 0.0 and w < 0.0:
        return np.inf
    return _value_by_kind(code, params, params[PARAM_ALPHA] * weight, w)


# ---------------------------------------------------------------- dead zone

def _threshold_enet(code, params, a, lipschitz):
    return a * params[PARAM_L1_RATIO]


def _threshold_lp(code, params, a, lipschitz):
    p = params[PARAM_P]
    if p > 1.0:
        return 0.0
    if lipschitz <= 0.0:
        return np.inf if a > 0.0 else 0.0
    return lipschitz * lp_threshold(a / lipschitz, p)


_THRESHOLD = {"elastic_net": _threshold_enet, "lp": _threshold_lp}


def _threshold_by_kind(code, params, a, lipschitz):
    return _THRESHOLD[code.compiled](code, params, a, lipschitz)


@overload(_threshold_by_kind)
def _threshold_by_kind_impl(code, params, a, lipschitz):
    return select(code, "penalty", _THRESHOLD)


@njit(cache=True, nogil=True, inline="always")
def threshold_1d(code, params, weight, lipschitz):
    """Largest |g_j| for which w_j = 0 is optimal (the dead zone's half-width).

    L1: alpha c_j; elastic net: alpha c_j rho; Lp with p > 1: 0 (a smooth
    penalty has no dead zone); Lp with p < 1: L_j tau_p(alpha c_j / L_j), the
    gradient size beyond which the prox step leaves 0 (L-stationarity).
    """
    return _threshold_by_kind(code, params, params[PARAM_ALPHA] * weight, lipschitz)


# ---------------------------------------------------------------- subdifferential

@njit(cache=True, nogil=True, inline="always")
def _distance(positive, w, g, thr, smooth):
    """|g + d(w) + thr sign(w)| off zero; the dead-zone excess at zero."""
    if w == 0.0:
        # max(0, e) spelled out: the builtin is a Numba implementation more to
        # compile in each caller's flags (same result, NaN and -0.0 included)
        e = -g - thr if positive else abs(g) - thr
        return e if e > 0.0 else 0.0
    if positive and w < 0.0:
        return np.inf
    if w > 0.0:
        return abs(g + smooth + thr)
    return abs(g + smooth - thr)


def _subdiff_enet(code, params, weight, w, g, lipschitz):
    a = params[PARAM_ALPHA] * weight
    rho = params[PARAM_L1_RATIO]
    ridge = 0.0 if rho == 1.0 else a * (1.0 - rho) * w  # (the lasso: no 0 * inf)
    return _distance(params[PARAM_POSITIVE] != 0.0, w, g, a * rho, ridge)


def _subdiff_lp(code, params, weight, w, g, lipschitz):
    positive = params[PARAM_POSITIVE] != 0.0
    p = params[PARAM_P]
    if positive and w < 0.0:
        return np.inf
    if p < 1.0:
        return lp_stationarity_violation(params, weight, w, g, lipschitz)
    # smooth penalty: the derivative a p |w|^(p-1) sign(w), 0 at w = 0
    smooth = 0.0
    if w != 0.0:
        a = params[PARAM_ALPHA] * weight
        smooth = a * p * abs(w) ** (p - 1.0) * (1.0 if w > 0.0 else -1.0)
    return _distance(positive, w, g, 0.0, smooth)


_SUBDIFF = {"elastic_net": _subdiff_enet, "lp": _subdiff_lp}


def _subdiff_by_kind(code, params, weight, w, g, lipschitz):
    return _SUBDIFF[code.compiled](code, params, weight, w, g, lipschitz)


@overload(_subdiff_by_kind)
def _subdiff_by_kind_impl(code, params, weight, w, g, lipschitz):
    return select(code, "penalty", _SUBDIFF)


@njit(cache=True, nogil=True, inline="always")
def subdiff_distance_1d(code, params, weight, w, g, lipschitz):
    """Distance from -g to the subdifferential of G_j at w (gradient units).

    With d(w) the derivative of the smooth part of G_j and thr the dead-zone
    half-width (:func:`threshold_1d`):

    * w != 0: |g + d(w) + thr sign(w)|
    * w == 0: max(0, |g| - thr); with ``positive``: max(0, -g - thr)
    * w < 0 with ``positive``: infeasible, +inf.
    * Lp, p < 1: the first-order test is vacuous at 0 (the subdifferential is
      the whole line), so L-stationarity is used instead:
      L_j |w - prox_{G_j/L_j}(w - g/L_j)|, see :func:`lp_stationarity_violation`.
    """
    return _subdiff_by_kind(code, params, weight, w, g, lipschitz)


# ---------------------------------------------------------------- conjugate

@njit(cache=True, nogil=True, inline="always")
def _conjugate_enet_like(positive, v, thr, ridge):
    """(thr |.| + ridge/2 (.)^2)^*(v) = max(|v| - thr, 0)^2 / (2 ridge)."""
    excess = v - thr if positive else abs(v) - thr
    if excess <= 0.0:
        return 0.0
    if ridge == 0.0:
        return np.inf
    return excess * excess / (2.0 * ridge)


def _conjugate_enet(code, params, a, v):
    rho = params[PARAM_L1_RATIO]
    return _conjugate_enet_like(params[PARAM_POSITIVE] != 0.0, v, a * rho, a * (1.0 - rho))


def _conjugate_lp(code, params, a, v):
    p = params[PARAM_P]
    if p <= 1.0:
        return np.nan
    # (a |t|^p)^*(v) = (1/q) (a p)^(1 - q) |v|^q,  1/p + 1/q = 1
    q = p / (p - 1.0)
    vv = max(v, 0.0) if params[PARAM_POSITIVE] != 0.0 else abs(v)
    if vv == 0.0:
        return 0.0
    if a == 0.0:
        return np.inf
    return np.exp((1.0 - q) * np.log(a * p) + q * np.log(vv)) / q


_CONJUGATE = {"elastic_net": _conjugate_enet, "lp": _conjugate_lp}


def _conjugate_by_kind(code, params, a, v):
    return _CONJUGATE[code.compiled](code, params, a, v)


@overload(_conjugate_by_kind)
def _conjugate_by_kind_impl(code, params, a, v):
    return select(code, "penalty", _CONJUGATE)


@njit(cache=True, nogil=True, inline="always")
def conjugate_1d(code, params, weight, v):
    """Fenchel conjugate G_j^*(v) = sup_w v w - G_j(w) (may be +inf).

    L1: indicator of |v| <= alpha c_j (v <= alpha c_j when positive).
    Elastic net with rho < 1: max(|v| - a rho, 0)^2 / (2 a (1 - rho)), with
    |v| replaced by max(v, 0) when positive. Lp with p > 1:
    (1/q) (a p)^(1-q) |v|^q with q = p / (p - 1). NaN for Lp with p <= 1
    (nonconvex: no useful conjugate).
    """
    return _conjugate_by_kind(code, params, params[PARAM_ALPHA] * weight, v)


# ---------------------------------------------------------------- slope

@njit(cache=True, nogil=True, inline="always")
def _slope_enet_like(a, rho, v, d):
    slope = a * (1.0 - rho) * v * d
    if v > 0.0:
        slope += a * rho * d
    elif v < 0.0:
        slope -= a * rho * d
    else:
        slope += a * rho * abs(d)
    return slope


def _slope_enet(code, params, a, v, d):
    return _slope_enet_like(a, params[PARAM_L1_RATIO], v, d)


def _slope_lp(code, params, a, v, d):
    # smooth for p > 1 (the only Lp case a caller of slope_1d is given)
    p = params[PARAM_P]
    if v == 0.0:
        return 0.0
    return a * p * abs(v) ** (p - 1.0) * (1.0 if v > 0.0 else -1.0) * d


_SLOPE = {"elastic_net": _slope_enet, "lp": _slope_lp}


def _slope_by_kind(code, params, a, v, d):
    return _SLOPE[code.compiled](code, params, a, v, d)


@overload(_slope_by_kind)
def _slope_by_kind_impl(code, params, a, v, d):
    return select(code, "penalty", _SLOPE)


@njit(cache=True, nogil=True, inline="always")
def slope_1d(code, params, weight, v, d):
    """Right derivative of t -> G_j(v + t d) at t = 0 (L1, elastic net, Lp p > 1)."""
    return _slope_by_kind(code, params, params[PARAM_ALPHA] * weight, v, d)


@inner(cache=True, nogil=True)
def lp_stationarity_violation(params, weight, w, g, lipschitz):
    """L-stationarity residual of an Lp (p < 1) coordinate, in gradient units.

    L |w - prox_{a|.|^p / L}(w - g / L)| with a = alpha c_j: zero exactly when
    w is a fixed point of the coordinate's proximal-gradient step, which for a
    zero coefficient means |g| / L <= tau_p(a / L). With L = 0 (a column the
    datafit ignores) only w = 0 is stationary for a penalized coordinate.
    """
    if lipschitz <= 0.0:
        if w == 0.0:
            return abs(g)
        return np.inf
    z = prox_1d(LP, params, weight, w - g / lipschitz, 1.0 / lipschitz)
    return lipschitz * abs(w - z)
