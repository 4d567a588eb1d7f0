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

    With ``positive`` the minimisation is over z >= 0; because each prox here
    is odd and nondecreasing, that is the unconstrained prox clipped at 0.
    """
    a = params[PARAM_ALPHA] * weight
    if code == L1:
        z = soft_threshold(x, step * a)
    elif code == ELASTIC_NET:
        rho = params[PARAM_L1_RATIO]
        z = soft_threshold(x, step * a * rho) / (1.0 + step * a * (1.0 - rho))
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
    return np.nan


@njit(cache=True, nogil=True)
def threshold_1d(code, params, weight, lipschitz):
    """Largest |g_j| for which w_j = 0 is optimal (the dead zone's half-width).

    L1: alpha c_j; elastic net: alpha c_j rho.
    """
    a = params[PARAM_ALPHA] * weight
    if code == L1:
        return a
    if code == ELASTIC_NET:
        return a * params[PARAM_L1_RATIO]
    return np.nan


@njit(cache=True, nogil=True)
def subdiff_distance_1d(code, params, weight, w, g, lipschitz):
    """Distance from -g to the subdifferential of G_j at w (gradient units).

    With d(w) the derivative of the smooth part of G_j and thr the dead-zone
    half-width (:func:`threshold_1d`):

    * w != 0: |g + d(w) + thr sign(w)|
    * w == 0: max(0, |g| - thr); with ``positive``: max(0, -g - thr)
    * w < 0 with ``positive``: infeasible, +inf.
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
    |v| replaced by max(v, 0) when positive.
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
    else:
        return np.nan
    excess = v - thr if positive else abs(v) - thr
    if excess <= 0.0:
        return 0.0
    if ridge == 0.0:
        return np.inf
    return excess * excess / (2.0 * ridge)
