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


def _weighted_centred(X, y, s, fit_intercept):
    """sqrt(s)-scaled X and y, centred by the weighted means first when the
    intercept is profiled out (then the gap of (w, b) is that of w alone)."""
    Xd = dense(X)
    if fit_intercept:
        Xd = Xd - (s @ Xd) / s.sum()
        y = y - (s @ y) / s.sum()
    r = np.sqrt(s)
    return Xd * r[:, None], y * r


def quadratic_gap(X, y, w, alpha, l1_ratio=1.0, sample_weight=None, fit_intercept=False):
    """(gap, P(0, b0)) of the elastic net at w, scikit-learn's rescaled-residual dual point.

    The primal is (1/2n) sum s (y - Xw - b)^2 + alpha (rho |w|_1 + (1-rho)/2 |w|^2)
    with b at its best value for w; the dual point is the residual shrunk
    until |X^T theta - l2 w| <= l1 (scikit-learn's ``enet_coordinate_descent``),
    written out from the formula, not from the package.
    """
    n = dense(X).shape[0]
    s = normalized_weights(sample_weight, n)
    Xs, ys = _weighted_centred(X, np.asarray(y, float), s, fit_intercept)
    l1 = alpha * l1_ratio * n
    l2 = alpha * (1 - l1_ratio) * n
    R = ys - Xs @ w
    XtA = Xs.T @ R - l2 * w
    dual_norm = np.max(np.abs(XtA)) if XtA.size else 0.0
    R2 = R @ R
    if dual_norm > l1:
        const = l1 / dual_norm
        gap = 0.5 * (R2 + R2 * const ** 2)
    else:
        const = 1.0
        gap = R2
    gap += l1 * np.sum(np.abs(w)) - const * (R @ ys) + 0.5 * l2 * (1 + const ** 2) * (w @ w)
    gap /= n
    if l1_ratio < 1.0 and alpha > 0:
        # the elastic net's conjugate is finite everywhere: the residual itself,
        # and the residual shrunk into the L1 part's dead zones, are dual points
        # too (the package may report either); the best of the three counts
        P = (R @ R) / (2 * n) + alpha * (l1_ratio * np.sum(np.abs(w))
                                         + 0.5 * (1 - l1_ratio) * (w @ w))
        v = Xs.T @ R / n
        vmax = np.max(np.abs(v)) if v.size else 0.0
        for t in (1.0, min(1.0, alpha * l1_ratio / vmax) if vmax > 0 else 1.0):
            excess = np.maximum(np.abs(t * v) - alpha * l1_ratio, 0.0)
            D = (t * (R @ ys) - 0.5 * t * t * (R @ R)) / n \
                - np.sum(excess ** 2) / (2 * alpha * (1 - l1_ratio))
            gap = min(gap, P - D)
    return gap, (ys @ ys) / (2 * n)


def logistic_gap(X, y, w, b, alpha, sample_weight=None):
    """(gap, P(0, b0)) of L1 logistic regression without an intercept (b = 0).

    P = (1/n) sum s log(1 + exp(-y z)) + alpha |w|_1, y in {-1, 1}. Dual point:
    a_i = sigma(-y_i z_i) scaled by t = min(1, alpha / |X^T (s a y) / n|_inf),
    D = -(1/n) sum s (t a log(t a) + (1 - t a) log(1 - t a)).
    """
    Xd = dense(X)
    n = Xd.shape[0]
    s = normalized_weights(sample_weight, n)
    assert b == 0.0
    z = Xd @ w
    m = y * z
    P = np.sum(s * np.logaddexp(0.0, -m)) / n + alpha * np.sum(np.abs(w))
    a = 0.5 * (1.0 - np.tanh(0.5 * m))  # sigma(-m), without overflow
    g = Xd.T @ (s * a * y) / n
    gmax = np.max(np.abs(g)) if g.size else 0.0
    t = 1.0 if gmax <= alpha else alpha / gmax
    ta = t * a

    def xlogx(v):
        return np.where(v > 0, v * np.log(np.where(v > 0, v, 1.0)), 0.0)

    D = -np.sum(s * (xlogx(ta) + xlogx(1.0 - ta))) / n
    return P - D, np.log(2.0)
