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
