"""Scalar penalty operations dispatched by integer code.

Every function takes ``(code, params, weight, ...)`` where ``params`` is the
float64 array laid out in :mod:`codes` and ``weight`` is the per-feature
weight c_j >= 0 (0 means unpenalized). The j-th penalty term is

    G_j(w) = alpha * c_j * pen(w)   (+ indicator of w >= 0 when positive)

An unknown code returns NaN so that a missing branch fails loudly in tests.
"""

import numpy as np
from numba import njit

from .codes import ELASTIC_NET, L1, LP, PARAM_ALPHA, PARAM_L1_RATIO, PARAM_P, PARAM_POSITIVE
from .prox_lp import lp_threshold, prox_lp


@njit(cache=True, nogil=True)
def soft_threshold(x, thr):
    """argmin_z 0.5 (z - x)^2 + thr |z| = sign(x) max(|x| - thr, 0)."""
    if x > thr:
        return x - thr
    if x < -thr:
        return x + thr
    return 0.0


@njit(cache=True, nogil=True)
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
    a = params[PARAM_ALPHA] * weight
    if code == L1:
        z = soft_threshold(x, step * a)
    elif code == ELASTIC_NET:
        rho = params[PARAM_L1_RATIO]
        z = soft_threshold(x, step * a * rho) / (1.0 + step * a * (1.0 - rho))
    elif code == LP:
        z = prox_lp(x, step * a, params[PARAM_P])
    else:
        return np.nan
    if params[PARAM_POSITIVE] != 0.0 and z < 0.0:
        z = 0.0
    return z


@njit(cache=True, nogil=True)
def penalty_value(code, params, weight, w):
    """G_j(w) (the indicator of ``positive`` is +inf for w < 0)."""
    a = params[PARAM_ALPHA] * weight
    if params[PARAM_POSITIVE] != 0.0 and w < 0.0:
        return np.inf
    if code == L1:
        return a * abs(w)
    if code == ELASTIC_NET:
        rho = params[PARAM_L1_RATIO]
        return a * (rho * abs(w) + 0.5 * (1.0 - rho) * w * w)
    if code == LP:
        return a * abs(w) ** params[PARAM_P] if w != 0.0 else 0.0
    return np.nan


@njit(cache=True, nogil=True)
def threshold_1d(code, params, weight, lipschitz):
    """Largest |g_j| for which w_j = 0 is optimal (the dead zone's half-width).

    L1: alpha c_j; elastic net: alpha c_j rho; Lp with p > 1: 0 (a smooth
    penalty has no dead zone); Lp with p < 1: L_j tau_p(alpha c_j / L_j), the
    gradient size beyond which the prox step leaves 0 (L-stationarity).
    """
    a = params[PARAM_ALPHA] * weight
    if code == L1:
        return a
    if code == ELASTIC_NET:
        return a * params[PARAM_L1_RATIO]
    if code == LP:
        p = params[PARAM_P]
        if p > 1.0:
            return 0.0
        if lipschitz <= 0.0:
            return np.inf if a > 0.0 else 0.0
        return lipschitz * lp_threshold(a / lipschitz, p)
    return np.nan


@njit(cache=True, nogil=True)
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
    positive = params[PARAM_POSITIVE] != 0.0
    a = params[PARAM_ALPHA] * weight
    if code == L1:
        thr = a
        smooth = 0.0
    elif code == ELASTIC_NET:
        rho = params[PARAM_L1_RATIO]
        thr = a * rho
        smooth = a * (1.0 - rho) * w
    elif code == LP:
        p = params[PARAM_P]
        if positive and w < 0.0:
            return np.inf
        if p < 1.0:
            return lp_stationarity_violation(params, weight, w, g, lipschitz)
        # smooth penalty: the derivative a p |w|^(p-1) sign(w), 0 at w = 0
        thr = 0.0
        smooth = 0.0
        if w != 0.0:
            smooth = a * p * abs(w) ** (p - 1.0) * (1.0 if w > 0.0 else -1.0)
    else:
        return np.nan
    if w == 0.0:
        if positive:
            return max(0.0, -g - thr)
        return max(0.0, abs(g) - thr)
    if positive and w < 0.0:
        return np.inf
    if w > 0.0:
        return abs(g + smooth + thr)
    return abs(g + smooth - thr)


@njit(cache=True, nogil=True)
def conjugate_1d(code, params, weight, v):
    """Fenchel conjugate G_j^*(v) = sup_w v w - G_j(w) (may be +inf).

    L1: indicator of |v| <= alpha c_j (v <= alpha c_j when positive).
    Elastic net with rho < 1: max(|v| - a rho, 0)^2 / (2 a (1 - rho)), with
    |v| replaced by max(v, 0) when positive. Lp with p > 1:
    (1/q) (a p)^(1-q) |v|^q with q = p / (p - 1). NaN for Lp with p < 1
    (nonconvex: no useful conjugate).
    """
    positive = params[PARAM_POSITIVE] != 0.0
    a = params[PARAM_ALPHA] * weight
    if code == L1:
        thr = a
        ridge = 0.0
    elif code == ELASTIC_NET:
        rho = params[PARAM_L1_RATIO]
        thr = a * rho
        ridge = a * (1.0 - rho)
    elif code == LP and params[PARAM_P] > 1.0:
        # (a |t|^p)^*(v) = (1/q) (a p)^(1 - q) |v|^q,  1/p + 1/q = 1
        p = params[PARAM_P]
        q = p / (p - 1.0)
        vv = max(v, 0.0) if positive else abs(v)
        if vv == 0.0:
            return 0.0
        if a == 0.0:
            return np.inf
        return np.exp((1.0 - q) * np.log(a * p) + q * np.log(vv)) / q
    else:
        return np.nan
    excess = v - thr if positive else abs(v) - thr
    if excess <= 0.0:
        return 0.0
    if ridge == 0.0:
        return np.inf
    return excess * excess / (2.0 * ridge)


@njit(cache=True, nogil=True)
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
