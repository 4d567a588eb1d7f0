"""Column access for dense and CSC X, and per-sample datafit operations.

X travels as ``(X_dense, X_data, X_indices, X_indptr)``: a Fortran-ordered
2-D ``X_dense`` when dense (the CSC arrays then are empty), or the CSC triple
when sparse (``X_dense`` then is an empty 1-D array). The layout is a
compile-time fact: every kernel that reads X tests ``X_dense.ndim == 1``
(CSC) on its own argument, which Numba rewrites to a constant before typing
and whose dead branch it prunes, so a dense fit compiles no CSC code and a
CSC fit no dense code. The test must stay on a function's own argument (the
rewrite does not see through ``inline="always"`` helpers, so the column
helpers below are plain functions); a dense branch left unpruned cannot
type with a 1-D ``X_dense``, so a lost rewrite is a TypingError on the
first CSC fit. Each algorithm is written once against the tiny column helpers
below (STYLE rule 5).

Datafits act on the linear predictor z = X w + b through per-sample terms:

* quadratic: f(z) = (1/2n) sum_i s_i (y_i - z_i)^2
* logistic:  f(z) = (1/n) sum_i s_i log(1 + exp(-y_i z_i)), y_i in {-1, +1}

with sample weights s_i summing to n.
"""

import numpy as np
from numba import prange

from ._flags import FASTMATH, inner, njit, overload
from .codes import select


@inner(cache=True, nogil=True)
def col_dot(X_dense, X_data, X_indices, X_indptr, j, v):
    """sum_i X[i, j] v[i]."""
    acc = 0.0
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            acc += X_data[k] * v[X_indices[k]]
    else:
        for i in range(X_dense.shape[0]):
            acc += X_dense[i, j] * v[i]
    return acc


@inner(cache=True, nogil=True, fastmath=FASTMATH)
def col_dot_fast(X_dense, X_data, X_indices, X_indptr, j, v):
    """sum_i X[i, j] v[i], reassociated so that it vectorizes (solvers only:
    the certificate uses :func:`col_dot`)."""
    acc = 0.0
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            acc += X_data[k] * v[X_indices[k]]
    else:
        for i in range(X_dense.shape[0]):
            acc += X_dense[i, j] * v[i]
    return acc


@inner(cache=True, nogil=True)
def col_axpy(X_dense, X_data, X_indices, X_indptr, j, a, v):
    """v += a X[:, j] (in place)."""
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            v[X_indices[k]] += a * X_data[k]
    else:
        for i in range(X_dense.shape[0]):
            v[i] += a * X_dense[i, j]


@njit(cache=True, nogil=True)
def matvec(X_dense, X_data, X_indices, X_indptr, n_samples, w, out):
    """out = X w, skipping zero coefficients."""
    out[:] = 0.0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            col_axpy(X_dense, X_data, X_indices, X_indptr, j, w[j], out)


@njit(cache=True, nogil=True)
def support_gram(X_data, X_indices, X_indptr, feats, order, sw, y, A, Xty, buf):
    """Weighted Gram matrix and X^T W y of a few columns of a CSC X.

    A[a, b] = sum_i s_i X[i, feats[a]] X[i, feats[b]] and
    Xty[a] = sum_i s_i X[i, feats[a]] y_i. Column ``order[t]`` is scattered
    into ``buf`` (an n-vector of zeros, left zero) and the columns after it
    in ``order`` are gathered against it: with ``order`` by decreasing
    entries, each product costs the smaller column's entries.
    """
    k = order.shape[0]
    for t in range(k):
        a = order[t]
        j = feats[a]
        acc = 0.0
        for q in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[q]
            v = sw[i] * X_data[q]
            buf[i] += v   # +=: a duplicate entry counts as the sum, as scipy's
            acc += v * y[i]
        Xty[a] = acc
        for t2 in range(t, k):
            c = order[t2]
            l = feats[c]
            s = 0.0
            for q in range(X_indptr[l], X_indptr[l + 1]):
                s += buf[X_indices[q]] * X_data[q]
            A[a, c] = s
            A[c, a] = s
        for q in range(X_indptr[j], X_indptr[j + 1]):
            buf[X_indices[q]] = 0.0


@njit(cache=True, nogil=True, fastmath=FASTMATH)
def column_stats(X_dense, X_data, X_indices, X_indptr, n_samples,
                 n_features, sw, center, means, sq_dev):
    """Weighted column means and centred second moments.

    means[j]  = (1/n) sum_i s_i X[i, j]                      (0 unless ``center``)
    sq_dev[j] = (1/n) sum_i s_i (X[i, j] - means[j])^2

    For CSC X the zeros contribute means[j]^2 each, folded in without
    densifying: sum over stored entries of s_i ((x - m)^2 - m^2) + n m^2,
    using sum_i s_i = n.
    """
    for j in range(n_features):
        _column_stats_at(X_dense, X_data, X_indices, X_indptr, n_samples, sw, center,
                         means, sq_dev, j)


@inner(cache=True, nogil=True, _nrt=False)
def _column_stats_at(X_dense, X_data, X_indices, X_indptr, n_samples, sw, center, means,
                     sq_dev, j):
    """Column j's mean and centred second moment (see :func:`column_stats`).

    Its own function, as in :func:`column_stats_grad`: inlined straight into
    the column loop, the reassociated (FASTMATH) sums vectorized otherwise
    and the statistics changed in their last bits. It and the helpers it
    calls are compiled without the reference counting of Numba's runtime
    (``_nrt=False``: they allocate nothing): counting their array arguments
    in and out, atomic operations on every column, was three quarters of
    :func:`column_stats`' time (330 -> 82 us on leukemia, 38 x 3051); the
    arithmetic, so every bit of the statistics, is unchanged."""
    m = _column_mean(X_dense, X_data, X_indices, X_indptr, n_samples, sw, j, center)
    means[j] = m
    sq_dev[j] = _centred_second_moment(X_dense, X_data, X_indices, X_indptr, n_samples, sw,
                                       j, m)


@inner(cache=True, nogil=True, fastmath=FASTMATH, _nrt=False)
def _column_mean(X_dense, X_data, X_indices, X_indptr, n_samples, sw, j, center):
    """(1/n) sum_i s_i X[i, j], or 0 unless ``center``."""
    m = 0.0
    if center:
        if X_dense.ndim == 1:
            for k in range(X_indptr[j], X_indptr[j + 1]):
                m += sw[X_indices[k]] * X_data[k]
        else:
            for i in range(n_samples):
                m += sw[i] * X_dense[i, j]
        m /= float(n_samples)
    return m


@inner(cache=True, nogil=True, fastmath=FASTMATH, _nrt=False)
def _centred_second_moment(X_dense, X_data, X_indices, X_indptr, n_samples, sw, j, m):
    """(1/n) sum_i s_i (X[i, j] - m)^2 (sparse: zeros folded in as m^2 each)."""
    n = float(n_samples)
    acc = 0.0
    if X_dense.ndim == 1:
        for k in range(X_indptr[j], X_indptr[j + 1]):
            d = X_data[k] - m
            acc += sw[X_indices[k]] * (d * d - m * m)
        acc += n * m * m
    else:
        for i in range(n_samples):
            d = X_dense[i, j] - m
            acc += sw[i] * d * d
    v = acc / n
    return 0.0 if 0.0 > v else v  # max(v, 0.0), without the builtin's compile


@inner(cache=True, nogil=True, _nrt=False)
def _column_stats_grad_at(X_dense, X_data, X_indices, X_indptr, n_samples, sw,
                          center, u, means, sq_dev, grad, j):
    """Column j's mean, centred second moment and X_j^T u (see :func:`column_stats_grad`)."""
    m = _column_mean(X_dense, X_data, X_indices, X_indptr, n_samples, sw, j, center)
    grad[j] = col_dot(X_dense, X_data, X_indices, X_indptr, j, u)
    means[j] = m
    sq_dev[j] = _centred_second_moment(X_dense, X_data, X_indices, X_indptr,
                                       n_samples, sw, j, m)


@njit(cache=True, nogil=True)
def column_stats_grad(X_dense, X_data, X_indices, X_indptr, n_samples,
                      n_features, sw, center, u, means, sq_dev, grad):
    """:func:`column_stats` and grad = X^T u in one sweep over X's columns.

    The set-up of a fit needs both (grad = X^T f'(0, b0) gives alpha_max and
    the first certificate): each column is read for its mean, X_j^T u (in
    :func:`col_dot`'s IEEE order: the certificate at w = 0 reuses it) and
    its centred second moment one after the other, while it is in cache.
    The statistics are bitwise those of :func:`column_stats`.
    """
    for j in range(n_features):
        _column_stats_grad_at(X_dense, X_data, X_indices, X_indptr, n_samples, sw,
                              center, u, means, sq_dev, grad, j)


@njit(cache=True, nogil=True, inline="always")
def log1pexp(t):
    """log(1 + exp(t)) without overflow for any finite t."""
    if t > 0.0:
        return t + np.log1p(np.exp(-t))
    return np.log1p(np.exp(t))


@inner(cache=True, nogil=True)
def column_entries(X_dense, X_indptr, n_samples, feats, idx, count):
    """Entries of X in the columns feats[idx[:count]] (the work of one sweep; the
    solvers count their passes over X with it)."""
    total = 0.0
    for k in range(count):
        j = feats[idx[k]]
        total += (X_indptr[j + 1] - X_indptr[j]) if X_dense.ndim == 1 else n_samples
    return total


@njit(cache=True, nogil=True, inline="always")
def iota(m):
    """np.arange(m), without a Numba implementation of its own to compile."""
    out = np.empty(m, dtype=np.int64)
    for k in range(m):
        out[k] = k
    return out


@njit(cache=True, nogil=True, inline="always")
def logistic_exp(m):
    """exp(-|m|): the one exponential of :func:`logistic_pieces_of` (the Newton
    kernels' line search keeps it for the next step's derivatives)."""
    if m >= 0.0:
        return np.exp(-m)
    return np.exp(m)


@njit(cache=True, nogil=True, inline="always")
def logistic_pieces_of(m, e):
    """(log(1 + exp(-m)), sigmoid(-m), sigmoid(m)) given e = :func:`logistic_exp` (m).

    Bit for bit what :func:`log1pexp` (of -m) and :func:`sigmoid` give (each
    branch takes the exponential of -|m|, as they do): the Newton kernels
    need two or three of them per sample and pass, and the exponential is
    most of their cost.
    """
    if m >= 0.0:
        return np.log1p(e), e / (1.0 + e), 1.0 / (1.0 + e)
    return -m + np.log1p(e), 1.0 / (1.0 + e), e / (1.0 + e)


@njit(cache=True, nogil=True, inline="always")
def logistic_probabilities_of(m, e):
    """(sigmoid(-m), sigmoid(m)): :func:`logistic_pieces_of` without the logarithm."""
    if m >= 0.0:
        return e / (1.0 + e), 1.0 / (1.0 + e)
    return 1.0 / (1.0 + e), e / (1.0 + e)


@njit(cache=True, nogil=True, inline="always")
def sigmoid(t):
    """1 / (1 + exp(-t)) without overflow for any finite t."""
    if t >= 0.0:
        return 1.0 / (1.0 + np.exp(-t))
    e = np.exp(t)
    return e / (1.0 + e)


def _value_quadratic(code, y, z, sw, n_samples):
    acc = 0.0
    for i in range(y.shape[0]):
        d = y[i] - z[i]
        acc += sw[i] * d * d
    return acc / (2.0 * n_samples)


def _value_logistic(code, y, z, sw, n_samples):
    acc = 0.0
    for i in range(y.shape[0]):
        if sw[i] != 0.0:
            acc += sw[i] * log1pexp(-y[i] * z[i])
    return acc / n_samples


_VALUE = {"quadratic": _value_quadratic, "logistic": _value_logistic}


def _value_by_kind(code, y, z, sw, n_samples):
    return _VALUE[code.compiled](code, y, z, sw, n_samples)


@overload(_value_by_kind)
def _value_by_kind_impl(code, y, z, sw, n_samples):
    return select(code, "datafit", _VALUE)


@njit(cache=True, nogil=True)
def datafit_value(code, y, z, sw, n_samples):
    """f(z) for the datafit of ``code`` (see the module docstring)."""
    return _value_by_kind(code, y, z, sw, n_samples)


def _grad_quadratic(code, y, z, sw, n, out):
    for i in range(y.shape[0]):
        out[i] = -sw[i] * (y[i] - z[i]) / n


def _grad_logistic(code, y, z, sw, n, out):
    for i in range(y.shape[0]):
        out[i] = -sw[i] * y[i] * sigmoid(-y[i] * z[i]) / n


_GRAD = {"quadratic": _grad_quadratic, "logistic": _grad_logistic}


def _grad_by_kind(code, y, z, sw, n, out):
    return _GRAD[code.compiled](code, y, z, sw, n, out)


@overload(_grad_by_kind)
def _grad_by_kind_impl(code, y, z, sw, n, out):
    return select(code, "datafit", _GRAD)


@njit(cache=True, nogil=True)
def datafit_raw_grad(code, y, z, sw, n_samples, out):
    """out[i] = df/dz_i.

    quadratic: -s_i (y_i - z_i) / n;  logistic: -s_i y_i sigmoid(-y_i z_i) / n.
    """
    _grad_by_kind(code, y, z, sw, float(n_samples), out)


def _conjugate_quadratic(code, y, u, sw, n, t):
    acc = 0.0
    for i in range(y.shape[0]):
        v = t * u[i]
        if sw[i] == 0.0:
            if v != 0.0:
                return np.inf
            continue
        acc += v * y[i] + n * v * v / (2.0 * sw[i])
    return acc


def _conjugate_logistic(code, y, u, sw, n, t):
    acc = 0.0
    for i in range(y.shape[0]):
        v = t * u[i]
        if sw[i] == 0.0:
            if v != 0.0:
                return np.inf
            continue
        a = -n * v * y[i] / sw[i]
        if a < 0.0 or a > 1.0:
            return np.inf
        h = 0.0
        if a > 0.0:
            h += a * np.log(a)
        if a < 1.0:
            h += (1.0 - a) * np.log1p(-a)
        acc += sw[i] * h
    return acc / n


_CONJUGATE = {"quadratic": _conjugate_quadratic, "logistic": _conjugate_logistic}


def _conjugate_by_kind(code, y, u, sw, n, t):
    return _CONJUGATE[code.compiled](code, y, u, sw, n, t)


@overload(_conjugate_by_kind)
def _conjugate_by_kind_impl(code, y, u, sw, n, t):
    return select(code, "datafit", _CONJUGATE)


_IS_QUADRATIC = {"quadratic": True, "logistic": False}


def is_quadratic(code):
    """True for the quadratic datafit (a compile-time constant in kernels)."""
    return _IS_QUADRATIC[code.name]


@overload(is_quadratic)
def _is_quadratic_impl(code):
    value = select(code, "datafit", _IS_QUADRATIC)
    return lambda code: value


@njit(cache=True, nogil=True, inline="always")
def datafit_conjugate(code, y, u, sw, n_samples, t):
    """Fenchel conjugate f^*(t u) = sup_z t u.z - f(z) (may be +inf), the
    scaled dual point's without writing it out (an n-vector saved).

    With v = t u:
    quadratic: sum_i v_i y_i + n v_i^2 / (2 s_i)   (v_i must be 0 where s_i = 0)
    logistic:  (1/n) sum_i s_i h(-n v_i y_i / s_i) with h(a) = a log a + (1-a) log(1-a)
               on [0, 1], +inf outside.
    """
    return _conjugate_by_kind(code, y, u, sw, float(n_samples), float(t))


@njit(cache=True, nogil=True)
def rmatvec_subset(X_dense, X_data, X_indices, X_indptr, v, feats, out):
    """out[k] = X_{feats[k]}^T v."""
    for k in range(feats.shape[0]):
        out[k] = col_dot(X_dense, X_data, X_indices, X_indptr, feats[k], v)


@njit(cache=True, nogil=True)
def rmatvec(X_dense, X_data, X_indices, X_indptr, v, out):
    """out = X^T v."""
    for j in range(out.shape[0]):
        out[j] = col_dot(X_dense, X_data, X_indices, X_indptr, j, v)


# --- threaded passes (n_jobs > 1). Each output entry is one column's sum in
# col_dot's order, whatever the thread that computes it: the results are
# bitwise those of the serial kernels for any number of threads.

@njit(cache=True, nogil=True, parallel=True)
def rmatvec_threads(X_dense, X_data, X_indices, X_indptr, v, out):
    """out = X^T v, the columns spread over Numba's threads."""
    for j in prange(out.shape[0]):
        out[j] = col_dot(X_dense, X_data, X_indices, X_indptr, j, v)


@njit(cache=True, nogil=True, parallel=True)
def column_stats_grad_threads(X_dense, X_data, X_indices, X_indptr, n_samples,
                              n_features, sw, center, u, means, sq_dev, grad):
    """:func:`column_stats_grad`, the columns spread over Numba's threads."""
    for j in prange(n_features):
        _column_stats_grad_at(X_dense, X_data, X_indices, X_indptr, n_samples, sw,
                              center, u, means, sq_dev, grad, j)
