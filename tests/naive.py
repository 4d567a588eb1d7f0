"""Plain NumPy twins of the kernels: slow, obvious, independent.

Nothing here imports the package's compiled code: these are the references
the tests compare against.
"""

import numpy as np
import scipy.sparse as sp


def dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)


def normalized_weights(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    s = np.asarray(sample_weight, dtype=np.float64)
    return s * n / s.sum()


def quadratic_gradient(X, y, w, b, sample_weight=None):
    """(grad_w, grad_b) of (1/2n) sum s (y - Xw - b)^2."""
    Xd = dense(X)
    n = Xd.shape[0]
    s = normalized_weights(sample_weight, n)
    r = y - Xd @ w - b
    return -(Xd.T @ (s * r)) / n, -np.sum(s * r) / n


def quadratic_objective(X, y, w, b, alpha, l1_ratio=1.0, weights=None, sample_weight=None):
    Xd = dense(X)
    n, p = Xd.shape
    s = normalized_weights(sample_weight, n)
    c = np.ones(p) if weights is None else np.asarray(weights, float)
    r = y - Xd @ w - b
    return (np.sum(s * r * r) / (2 * n)
            + alpha * np.sum(c * (l1_ratio * np.abs(w) + 0.5 * (1 - l1_ratio) * w * w)))


def enet_violation(w, g, alpha, l1_ratio=1.0, weights=None, positive=False):
    """Distance from -g to the subdifferential of the (weighted) elastic net."""
    p = w.shape[0]
    c = np.ones(p) if weights is None else np.asarray(weights, float)
    thr = alpha * c * l1_ratio
    smooth = alpha * c * (1 - l1_ratio) * w
    v = np.abs(g + smooth + thr * np.sign(w))
    if positive:
        zero = np.maximum(0.0, -g - thr)
        v = np.where(w < 0, np.inf, v)
    else:
        zero = np.maximum(0.0, np.abs(g) - thr)
    return np.where(w == 0, zero, v)


def violation_scale(X, y, tol_relative, scale, *, centred, sample_weight=None):
    """tol / tol_j: the factors that put each feature's violation in common units.

    Feature j's tolerance is tol_relative * scale * min(1, rms_j / median rms),
    rms_j the column's (weighted; centred when the intercept is profiled out)
    RMS, floored at the rounding error 8 sqrt(n) eps rms(y) rms_raw_j of its
    gradient; ``tol`` is the same with factor 1 and the largest floor.
    ``y``: the float labels (+-1 for logistic).
    """
    Xd = dense(X)
    n = Xd.shape[0]
    s = normalized_weights(sample_weight, n)
    raw = np.sqrt(s @ (Xd * Xd) / n)
    Xc = Xd - (s @ Xd) / n if centred else Xd
    rms = np.sqrt(s @ (Xc * Xc) / n)
    ref = np.median(rms[rms > 0]) if np.any(rms > 0) else 1.0
    floors = 8 * np.sqrt(n) * np.finfo(float).eps * np.sqrt(s @ (y * y) / n) * raw
    tol = max(tol_relative * scale, floors.max())
    tol_j = np.maximum(tol_relative * scale * np.minimum(rms / ref, 1.0), floors)
    return np.where(tol_j > 0, tol / np.where(tol_j > 0, tol_j, 1.0), 1.0)
