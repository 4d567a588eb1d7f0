r"""The group lasso's certificate over every group, in one compiled pass.

From the gradient g = X^T u (and w, the per-feature ``vscale``), for each
group g with weight c_g and rho = ``l1_ratio`` (thresholds t = alpha (1 - rho)
c_g on the block and t1 = alpha rho c_g on each coordinate):

* ||w_g||_2, and the group's penalty term c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1);
* the per-feature components of the violation, each times ``vscale_j``:
  at w_g = 0, S(g_g, t1) minus its projection onto the ball of radius t
  (S the soft-thresholding; S(g, 0) = g); at w_g != 0,
  g_j + t w_j / ||w_g|| (+ t1 sign(w_j)), or S(g_j, t1) at a zero w_j;
* the violation (the norm of those components), N*(g_g) (||g_g||_2 when
  rho = 0, else :func:`sparsecert._kernels.group.sgl_dual_norm`), the
  threshold alpha c_g and the margin alpha c_g - N*(g_g).

This is :mod:`sparsecert._group_certificate`'s definition: the sums run over
each group's features in increasing index order, the order in which
``numpy.bincount`` summed them when that module computed them array by array
(a dozen NumPy calls over all groups per certificate, whose Python overhead
dominated the certificates of a small fit), so the results are the same bit
for bit. The duality gap's norms (:func:`group_norms`,
:func:`shifted_group_norms`) follow the same rule. A non-finite sum of a
group's gradient (a NaN or an infinity in it) makes the group's violation
NaN, as does a NaN in w_g (its norm is NaN: without this rule the group
would be judged at w_g = 0), so such a certificate can never hold; the
sparse-group lasso's N*(g_g) is NaN too when g_g holds a NaN.
"""

import numpy as np

from ._flags import njit
from .group import _soft, sgl_dual_norm


@njit(cache=True, nogil=True, inline="always")
def _soft_nan(x, t):
    """sign(x) max(0, |x| - t), NaN for a NaN x (as NumPy computes it; the
    solver's :func:`sparsecert._kernels.group._soft` gives 0 there)."""
    return x if x != x else _soft(x, t)


@njit(cache=True, nogil=True, inline="always")
def _sign(x):
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x  # 0 (or NaN) as numpy.sign


@njit(cache=True, nogil=True, inline="always")
def _group_sums(grad, w, grp_idx, lo, hi, t1, rho):
    """(||w_g||, ||w_g||_1, ||S(g_g, t1)||, sum_j g_j) of the group of
    features grp_idx[lo:hi] (indices, not a slice: a slice per group, with
    its reference counting, cost more than the sums)."""
    nw2 = 0.0
    l1 = 0.0
    ns2 = 0.0
    gsum = 0.0
    for k in range(lo, hi):
        j = grp_idx[k]
        nw2 += w[j] * w[j]
        l1 += abs(w[j])
        s = _soft_nan(grad[j], t1) if rho > 0.0 else grad[j]
        ns2 += s * s
        gsum += grad[j]
    return np.sqrt(nw2), l1, np.sqrt(ns2), gsum


@njit(cache=True, nogil=True)
def group_certificate_scan(grad, w, vscale, grp_ptr, grp_idx, weights, alpha, rho):
    """The certificate's arrays for every group (see the module docstring).

    Returns (comp, margin_f, viol, margin, norms_g, thr, norms_w, pen_terms,
    worst_g, worst_j): comp and margin_f (each feature's group margin) per
    feature, the next six per group; pen_terms[g] = c_g ((1 - rho) ||w_g||_2
    + rho ||w_g||_1) (c_g ||w_g||_2 when rho = 0), whose sum times alpha is
    the penalty; worst_g = numpy.argmax(viol) (the first largest, or the
    first NaN) and worst_j its feature of largest comp (the same rule, in
    the group's order). The loops over a group's features are written out
    here: as helper functions (inlined or not) they made the kernel five
    times slower.
    """
    n_groups = grp_ptr.shape[0] - 1
    comp = np.empty(grad.shape[0])
    viol = np.empty(n_groups)
    norms_g = np.empty(n_groups)
    norms_w = np.empty(n_groups)
    pen = np.empty(n_groups)
    part = np.empty(grad.shape[0])
    buf = np.empty(grad.shape[0])
    for g in range(n_groups):
        lo, hi = grp_ptr[g], grp_ptr[g + 1]
        c = weights[g]
        t = alpha * (1.0 - rho) * c
        t1 = alpha * rho * c
        nw, l1, ns, gsum = _group_sums(grad, w, grp_idx, lo, hi, t1, rho)
        acc = 0.0
        if nw > 0.0:
            for k in range(lo, hi):
                j = grp_idx[k]
                d = grad[j] + t * w[j] / nw
                if rho > 0.0:
                    d = d + t1 * _sign(w[j]) if w[j] != 0.0 else _soft_nan(grad[j], t1)
                d = abs(d) * vscale[j]
                comp[j] = d
                acc += d * d
        else:
            # the part of S(g_g, t1) outside the ball of radius t (none inside it)
            factor = 1.0 - t / ns if ns > t else 0.0
            for k in range(lo, hi):
                j = grp_idx[k]
                d = abs((_soft_nan(grad[j], t1) if rho > 0.0 else grad[j]) * factor) * vscale[j]
                comp[j] = d
                acc += d * d
        viol[g] = np.sqrt(acc) if np.isfinite(gsum) and nw == nw else np.nan
        norms_g[g] = ns
        if rho > 0.0:
            for k in range(lo, hi):
                part[k] = grad[grp_idx[k]]
            norms_g[g] = sgl_dual_norm(part[lo:hi], rho, buf[lo:hi]) if gsum == gsum else np.nan
            pen[g] = c * ((1.0 - rho) * nw + rho * l1)
        else:
            pen[g] = c * nw
        norms_w[g] = nw
    thr = alpha * weights
    margin = thr - norms_g
    margin_f = np.empty(grad.shape[0])
    for g in range(n_groups):
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            margin_f[grp_idx[k]] = margin[g]
    worst_g = _first_max(viol, 0, n_groups)
    worst_j = 0
    if n_groups:
        lo, hi = grp_ptr[worst_g], grp_ptr[worst_g + 1]
        for k in range(lo, hi):
            part[k] = comp[grp_idx[k]]
        worst_j = grp_idx[_first_max(part, lo, hi)]
    return comp, margin_f, viol, margin, norms_g, thr, norms_w, pen, worst_g, worst_j


@njit(cache=True, nogil=True, inline="always")
def _first_max(values, lo, hi):
    """The k in [lo, hi) of numpy.argmax over values[lo:hi] (the first
    largest, or the first NaN); lo for an empty range."""
    best = lo
    for k in range(lo + 1, hi):
        if values[best] != values[best]:
            break
        if values[k] > values[best] or values[k] != values[k]:
            best = k
    return best


@njit(cache=True, nogil=True)
def group_norms(v, grp_ptr, grp_idx, out):
    """out[g] = ||v_g||_2 for every group (its sum in increasing index order,
    as ``numpy.bincount`` summed it)."""
    for g in range(grp_ptr.shape[0] - 1):
        acc = 0.0
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            acc += v[grp_idx[k]] * v[grp_idx[k]]
        out[g] = np.sqrt(acc)


@njit(cache=True, nogil=True)
def shifted_group_norms(v, shift, m, grp_ptr, grp_idx, thr, out):
    """out[g] = ||v_g - shift m_g||_2 for every group (each entry as NumPy's
    ``v - shift * m`` gives it, summed in increasing index order); returns
    max_g out[g] / thr[g] (every thr[g] > 0) as ``numpy.max`` gives it (NaN
    if one is NaN; 0 without groups)."""
    worst = 0.0
    for g in range(grp_ptr.shape[0] - 1):
        acc = 0.0
        for k in range(grp_ptr[g], grp_ptr[g + 1]):
            d = v[grp_idx[k]] - shift * m[grp_idx[k]]
            acc += d * d
        out[g] = np.sqrt(acc)
        ratio = out[g] / thr[g]
        if g == 0 or ratio > worst or ratio != ratio:
            worst = ratio  # (a NaN, once there, stays: nothing is > NaN)
    return worst
