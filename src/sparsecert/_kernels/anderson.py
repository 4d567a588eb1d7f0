"""Anderson extrapolation of a few iterates (:func:`anderson_weights`), for
the CD kernels (:mod:`.cd`) and the dual extrapolation of a certificate
(``sparsecert.solvers.dual``).

Written as loops (a K x K Cholesky solve, K a handful) rather than with
``@`` and ``np.linalg.solve``: those pull BLAS, LAPACK and their error
strings into every kernel that extrapolates, seconds of compile time for
microseconds of work.
"""

import numpy as np

from ._flags import njit


@njit(cache=True, nogil=True)
def anderson_weights(hist):
    """Anderson weights c (sum c = 1) of the iterates hist[1:], or an empty array.

    With U the K differences hist[k+1] - hist[k], c = (U U^T)^-1 1 / 1^T (U U^T)^-1 1
    (Tikhonov-regularized by 1e-10 trace). The weights do not change when U
    is scaled, so U is divided by its largest entry first: U U^T can then
    neither overflow nor underflow, whatever the coefficients' magnitude.
    Empty when the differences are zero or not finite.

    Loops only (see the module's docstring).
    """
    K = hist.shape[0] - 1
    m = hist.shape[1]
    big = 0.0
    for k in range(K):
        for i in range(m):
            d = abs(hist[k + 1, i] - hist[k, i])
            if d > big:  # max(big, d), without the builtin's compile
                big = d
    if not (big > 0.0 and big < np.inf):
        return np.empty(0)
    # np.empty and loops only, here and below: np.zeros and np.ones are each
    # a Numba implementation more to compile (about 0.1-0.2 s apiece, cold)
    gram = np.empty((K, K))
    for k in range(K):
        for l in range(K):
            gram[k, l] = 0.0
    for i in range(m):
        for k in range(K):
            uk = (hist[k + 1, i] - hist[k, i]) / big
            for l in range(k + 1):
                gram[k, l] += uk * (hist[l + 1, i] - hist[l, i]) / big
    scale = 0.0
    for k in range(K):
        scale += gram[k, k]
    z = np.empty(K)
    for k in range(K):
        z[k] = 1.0
    if not _cholesky_solve(gram, 1e-10 * scale, z):
        return np.empty(0)
    zs = 0.0
    for k in range(K):
        zs += z[k]
    if not (zs != 0.0 and np.isfinite(zs)):
        return np.empty(0)
    for k in range(K):  # a loop, not z / zs: no array-expression machinery to compile
        z[k] /= zs
    return z


@njit(cache=True, nogil=True, inline="always")
def _cholesky_solve(A, shift, b):
    """b <- (A + shift I)^-1 b for symmetric A given by its lower triangle
    (overwritten with the Cholesky factor); False if not positive definite."""
    K = b.shape[0]
    for k in range(K):
        A[k, k] += shift
        for l in range(k + 1):
            acc = A[k, l]
            for t in range(l):
                acc -= A[k, t] * A[l, t]
            if l < k:
                A[k, l] = acc / A[l, l]
            elif acc > 0.0:
                A[k, k] = np.sqrt(acc)
            else:
                return False
    for k in range(K):  # L v = b
        acc = b[k]
        for t in range(k):
            acc -= A[k, t] * b[t]
        b[k] = acc / A[k, k]
    for k in range(K - 1, -1, -1):  # L^T x = v
        acc = b[k]
        for t in range(k + 1, K):
            acc -= A[t, k] * b[t]
        b[k] = acc / A[k, k]
    return True


@njit(cache=True, nogil=True, inline="always")
def anderson_combine(c, hist):
    """sum_k c_k hist[k + 1]: the extrapolated iterate."""
    out = np.empty(hist.shape[1])
    for i in range(hist.shape[1]):
        out[i] = 0.0
    for k in range(c.shape[0]):
        for i in range(hist.shape[1]):
            out[i] += c[k] * hist[k + 1, i]
    return out
