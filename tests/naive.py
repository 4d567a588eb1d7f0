"""Plain NumPy twins of the kernels: slow, obvious, independent.

Nothing here imports the package's compiled code: these are the references
the tests compare against.
"""

import numpy as np
import scipy.sparse as sp


def dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)


def frozen(a):
    """A read-only copy of ``a``, as the solvers hand their violation scale to the
    kernels: a writable one would compile a second specialization of each kernel."""
    a = np.array(a, dtype=np.float64)
    a.flags.writeable = False
    return a


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


# --- group lasso: the block kernel's twin, the certificate's, a reference solve

def group_members(ptr, idx):
    return [np.asarray(idx[ptr[g]:ptr[g + 1]]) for g in range(len(ptr) - 1)]


def soft(v, t):
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def sgl_prox(z, thr, thr1):
    """argmin_v (1/2)||v - z||^2 + thr ||v||_2 + thr1 ||v||_1: soft, then block soft."""
    v = soft(z, thr1)
    nv = np.linalg.norm(v)
    return v * max(0.0, 1.0 - thr / nv) if nv > 0 else v * 0.0


def group_bcd_epoch(X, sw_r, sw, w, b, means, vscale, ptr, idx, ws, thr, lip, thr1=None):
    """One cyclic block proximal-gradient pass over the groups ``ws``, written
    out: returns (cheap bound, b, w, sw_r) (new arrays). Implicit centring as
    in the kernel: g_j = -X_j^T (s r) / n + b m_j; b -= delta_j m_j. ``thr1``:
    the sparse-group lasso's L1 thresholds (0 if None)."""
    Xd = dense(X)
    n = Xd.shape[0]
    w, sw_r = np.array(w, float), np.array(sw_r, float)
    members = group_members(ptr, idx)
    thr1 = np.zeros(len(members)) if thr1 is None else thr1
    cheap = 0.0
    for g in ws:
        F = members[g]
        if lip[g] == 0.0:
            for j in F:
                if w[j] != 0 and (thr[g] > 0 or thr1[g] > 0):
                    sw_r += sw * w[j] * Xd[:, j]
                    b += w[j] * means[j]
                    w[j] = 0.0
            continue
        grad = -Xd[:, F].T @ sw_r / n + b * means[F]
        cheap = max(cheap, np.linalg.norm(group_residual(w[F], grad, thr[g], thr1[g])
                                          * vscale[F]))
        new = sgl_prox(w[F] - grad / lip[g], thr[g] / lip[g], thr1[g] / lip[g])
        delta = new - w[F]
        sw_r -= sw * (Xd[:, F] @ delta)
        b -= delta @ means[F]
        w[F] = new
    return cheap, b, w, sw_r


def group_logistic_epoch(X, y, sw, w, b, fit_intercept, ptr, idx, ws, thr, thr1, lip):
    """One epoch of the logistic block kernel written out: a prox-gradient
    step per group of ``ws``, then the intercept's safeguarded Newton step
    (halved while the loss does not drop, never below 4 |F'(b)|). Returns
    (cheap bound, b, w) with unit violation scales and b_scale = 1."""
    Xd = dense(X)
    n = Xd.shape[0]
    w = np.array(w, float)
    members = group_members(ptr, idx)

    def deriv(z):
        return -sw * y / (1.0 + np.exp(y * z)) / n

    def loss(z):
        return np.sum(sw * np.logaddexp(0.0, -y * z)) / n

    cheap = 0.0
    for g in ws:
        F = members[g]
        grad = Xd[:, F].T @ deriv(Xd @ w + b)
        cheap = max(cheap, np.linalg.norm(group_residual(w[F], grad, thr[g], thr1[g])))
        w[F] = sgl_prox(w[F] - grad / lip[g], thr[g] / lip[g], thr1[g] / lip[g])
    if fit_intercept:
        z = Xd @ w + b
        gb = deriv(z).sum()
        cheap = max(cheap, abs(gb))
        sig = 1.0 / (1.0 + np.exp(-y * z))
        hb = np.sum(sw * sig * (1 - sig)) / n
        short = 4 * abs(gb)
        step = max(abs(gb) / hb, short)
        while step > short and not loss(z - np.sign(gb) * step) < loss(z):
            step = max(step / 2, short)
        b -= np.sign(gb) * step
    return cheap, b, w


def group_residual(w_g, g_g, thr, thr1=0.0):
    """The vector whose norm is the group's violation: g_g + thr w_g/||w_g||
    (+ thr1 sign(w_j), or S(g_j, thr1) at a zero w_j), or at w_g = 0,
    S(g_g, thr1) minus its projection onto the ball of radius thr."""
    nw = np.linalg.norm(w_g)
    if nw > 0:
        return np.where(w_g != 0, g_g + thr * w_g / nw + thr1 * np.sign(w_g), soft(g_g, thr1))
    s = soft(g_g, thr1)
    ns = np.linalg.norm(s)
    return s * max(0.0, 1.0 - thr / ns) if ns > 0 else s * 0.0


def group_certificate_arrays(grad, w, vscale, ptr, idx, c, alpha, rho, dual_norm=None):
    """The group certificate's arrays as the NumPy code before the compiled
    scan defined them, array by array over all groups: (comp, viol, margin,
    norms_g, thr, norms_w, penalty). Sums per group run over its features in
    increasing index order (``numpy.bincount``), as the kernel's do. One
    rule is new with the kernel: a NaN in w_g makes the group's violation NaN
    (the old code judged such a group at w_g = 0). ``dual_norm(v, rho)``
    gives N*(v_g) for rho > 0 (default: the bisection :func:`sgl_dual_norm`)."""
    n_groups = len(ptr) - 1
    gof = np.empty(len(idx), dtype=np.int64)
    for g in range(n_groups):
        gof[idx[ptr[g]:ptr[g + 1]]] = g

    def per_group(v):
        return np.bincount(gof, weights=v, minlength=n_groups)

    norms_w = np.sqrt(per_group(w * w))
    thr = alpha * c
    t = (alpha * (1.0 - rho) * c)[gof]
    t1 = (alpha * rho * c)[gof]
    shrunk = soft(grad, t1) if rho > 0.0 else grad
    norms_s = np.sqrt(per_group(shrunk * shrunk))
    nw, ns = norms_w[gof], norms_s[gof]
    with np.errstate(divide="ignore", invalid="ignore"):
        at_zero = shrunk * np.where(ns > t, 1.0 - t / np.where(ns > 0, ns, 1.0), 0.0)
        moving = grad + t * w / np.where(nw > 0, nw, 1.0)
        if rho > 0.0:
            moving = np.where(w != 0, moving + t1 * np.sign(w), shrunk)
    comp = np.abs(np.where(nw > 0, moving, at_zero)) * vscale
    viol = np.sqrt(per_group(comp * comp))
    viol[~np.isfinite(per_group(grad)) | np.isnan(norms_w)] = np.nan
    if rho == 0.0:
        norms_g = norms_s
        pen = alpha * np.sum(c * norms_w)
    else:
        dual_norm = dual_norm or sgl_dual_norm
        norms_g = np.array([dual_norm(grad[idx[ptr[g]:ptr[g + 1]]], rho)
                            for g in range(n_groups)])
        l1 = per_group(np.abs(w))
        pen = alpha * np.sum(c * ((1.0 - rho) * norms_w + rho * l1))
    return comp, viol, thr - norms_g, norms_g, thr, norms_w, pen


def sgl_dual_norm(v, rho, iters=200):
    """The m with ||S(v, rho m)|| = (1 - rho) m, by bisection."""
    v = np.abs(np.asarray(v, float))
    if rho == 0:
        return np.linalg.norm(v)
    if rho == 1:
        return v.max()
    lo, hi = 0.0, v.max() / rho
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if np.linalg.norm(soft(v, rho * mid)) > (1 - rho) * mid:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def sgl_objective(X, y, w, b, alpha, rho, ptr, idx, c, datafit="quadratic",
                  sample_weight=None):
    """P(w, b) of the (sparse-)group lasso with either datafit."""
    Xd = dense(X)
    n = Xd.shape[0]
    s = normalized_weights(sample_weight, n)
    z = Xd @ w + b
    if datafit == "quadratic":
        loss = np.sum(s * (y - z) ** 2) / (2 * n)
    else:
        loss = np.sum(s * np.logaddexp(0.0, -y * z)) / n
    gof = np.empty(len(idx), dtype=int)
    gof[np.asarray(idx)] = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    l2 = np.sqrt(np.bincount(gof, weights=w * w, minlength=len(ptr) - 1))
    l1 = np.bincount(gof, weights=np.abs(w), minlength=len(ptr) - 1)
    return loss + alpha * np.sum(np.asarray(c) * ((1 - rho) * l2 + rho * l1))


def sgl_reference(X, y, alpha, rho, ptr, idx, c, datafit="quadratic", sample_weight=None,
                  fit_intercept=True, n_iter=5000, n_newton=50):
    """An independent solve in NumPy of the (sparse-)group lasso, least
    squares or logistic: (w, b).

    The intercept is a plain unpenalized variable (a column of ones), for
    both datafits. FISTA (fixed step 1/L, L the largest eigenvalue of
    [X, 1]^T S [X, 1] / n, a quarter of it for the logistic loss; adaptive
    restart) with the exact prox (soft, then block soft-thresholding) finds
    the support; Newton's method on the nonzero coefficients (where the
    penalty is smooth) with a backtracking line search on the true objective
    then polishes it to machine precision."""
    Xd = dense(X)
    n, p = Xd.shape
    s = normalized_weights(sample_weight, n)
    y = np.asarray(y, float)
    # centred columns beside the intercept's column of ones: the same problem
    # (b absorbs the shift, b = b_c - xm.w), far better conditioned for FISTA
    xm = s @ Xd / n if fit_intercept else np.zeros(p)
    A = np.c_[Xd - xm, np.ones(n)] if fit_intercept else Xd
    members = group_members(ptr, idx)
    gof = np.empty(p, dtype=int)
    for g, F in enumerate(members):
        gof[F] = g
    c = np.asarray(c, float)
    logistic = datafit == "logistic"
    L = np.linalg.norm(np.sqrt(s)[:, None] * A, 2) ** 2 / n / (4.0 if logistic else 1.0)

    def split(x):
        return x[:p], (x[p] if fit_intercept else 0.0)

    def obj(x):
        w, b = split(x)
        return sgl_objective(A[:, :p], y, w, b, alpha, rho, ptr, idx, c, datafit, s)

    def grad(x):
        z = A @ x
        u = (-s * y / (1 + np.exp(y * z)) / n) if logistic else (-s * (y - z) / n)
        return A.T @ u

    def prox(x, t):
        # sgl_prox on every group at once
        out = x.copy()
        v = soft(x[:p], t * alpha * rho * c[gof])
        nv = np.sqrt(np.bincount(gof, weights=v * v, minlength=len(members)))
        keep = np.where(nv > 0, np.maximum(0.0, 1.0 - t * alpha * (1 - rho) * c
                                           / np.where(nv > 0, nv, 1.0)), 0.0)
        out[:p] = v * keep[gof]
        return out

    x = np.zeros(A.shape[1])
    v, t, f_old = x.copy(), 1.0, obj(x)
    for _ in range(n_iter):
        x_new = prox(v - grad(v) / L, 1.0 / L)
        f_new = obj(x_new)
        if f_new > f_old:
            v, t = x.copy(), 1.0
            continue
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        v = x_new + (t - 1) / t_new * (x_new - x)
        x, t, f_old = x_new, t_new, f_new
    S = np.flatnonzero(x[:p])
    if fit_intercept:
        S = np.r_[S, p]
    for _ in range(n_newton):
        if S.size == 0:
            break
        z = A @ x
        if logistic:
            sig = 1 / (1 + np.exp(-y * z))
            h = s * sig * (1 - sig) / n
        else:
            h = s / n
        B = A[:, S]
        g = grad(x)[S]
        H = B.T @ (h[:, None] * B)
        for k, j in enumerate(S):
            if j == p:
                continue
            F = np.flatnonzero((S < p) & (gof[np.minimum(S, p - 1)] == gof[j]))
            wg = x[S[F]]
            nw = np.linalg.norm(x[members[gof[j]]])
            a2 = alpha * (1 - rho) * c[gof[j]]
            g[k] += a2 * x[j] / nw + alpha * rho * c[gof[j]] * np.sign(x[j])
            H[k, F] += a2 * ((F == k).astype(float) - x[j] * wg / nw ** 2) / nw
        step = np.linalg.lstsq(H, g, rcond=None)[0]
        f0, tau = obj(x), 1.0
        while tau > 1e-12:
            trial = x.copy()
            trial[S] -= tau * step
            if obj(trial) <= f0:
                break
            tau /= 2
        x = trial
        if np.max(np.abs(tau * step)) <= 1e-15 * max(np.max(np.abs(x[S])), 1e-300):
            break
    w, b = split(x)
    return w, b - xm @ w


def group_objective(X, y, w, b, alpha, ptr, idx, c, sample_weight=None):
    Xd = dense(X)
    n = Xd.shape[0]
    s = normalized_weights(sample_weight, n)
    r = y - Xd @ w - b
    pen = sum(c[g] * np.linalg.norm(w[F]) for g, F in enumerate(group_members(ptr, idx)))
    return np.sum(s * r * r) / (2 * n) + alpha * pen


def group_lasso_reference(X, y, alpha, ptr, idx, c, sample_weight=None, fit_intercept=True,
                          n_iter=5000, n_newton=50):
    """An independent solve in NumPy: (w, b).

    FISTA (fixed step 1/L, L = ||X_c^T W X_c|| / n, adaptive restart) on the
    weighted-centred problem from w = 0 finds the support; Newton's method
    on that support (where the penalty is smooth), with a backtracking line
    search, then polishes it to machine precision."""
    Xd = dense(X)
    n, p = Xd.shape
    s = normalized_weights(sample_weight, n)
    y = np.asarray(y, float)
    xm = s @ Xd / n if fit_intercept else np.zeros(p)
    ym = s @ y / n if fit_intercept else 0.0
    Xc, yc = (Xd - xm) * np.sqrt(s)[:, None], (y - ym) * np.sqrt(s)
    L = np.linalg.norm(Xc, 2) ** 2 / n
    members = group_members(ptr, idx)
    gof = np.empty(p, dtype=int)
    for g, F in enumerate(members):
        gof[F] = g
    c = np.asarray(c, float)

    def norms(v):
        return np.sqrt(np.bincount(gof, weights=v * v, minlength=len(members)))

    def obj(w):
        r = yc - Xc @ w
        return r @ r / (2 * n) + alpha * c @ norms(w)

    def prox(z, t):
        nz = norms(z)
        keep = np.where(nz > 0, np.maximum(0.0, 1.0 - t * alpha * c / np.where(nz > 0, nz, 1.0)), 0.0)
        return z * keep[gof]

    w = np.zeros(p)
    v, t, f_old = w.copy(), 1.0, obj(w)
    for _ in range(n_iter):
        w_new = prox(v + Xc.T @ (yc - Xc @ v) / n / L, 1.0 / L)
        f_new = obj(w_new)
        if f_new > f_old:
            v, t = w.copy(), 1.0
            continue
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        v = w_new + (t - 1) / t_new * (w_new - w)
        w, t, f_old = w_new, t_new, f_new
    w = _newton_on_support(Xc, yc, w, alpha, c, gof, norms, obj, n_newton)
    return w, (ym - xm @ w)


def _newton_on_support(Xc, yc, w, alpha, c, gof, norms, obj, n_newton):
    """Newton's method on the nonzero groups of w (the penalty is smooth there)."""
    n = Xc.shape[0]
    S = np.flatnonzero(w)
    if S.size == 0:
        return w
    A = Xc[:, S]
    gS = gof[S]
    for _ in range(n_newton):
        nw = norms(w)[gS]
        u = w[S] / nw
        grad = -A.T @ (yc - A @ w[S]) / n + alpha * c[gS] * u
        H = A.T @ A / n
        same = gS[:, None] == gS[None, :]
        H += np.where(same, alpha * (c[gS] / nw)[:, None] * (np.eye(S.size) - np.outer(u, u)), 0.0)
        step = np.linalg.solve(H, grad)
        f0, tau = obj(w), 1.0
        while tau > 1e-12:
            trial = w.copy()
            trial[S] -= tau * step
            if obj(trial) <= f0:
                break
            tau /= 2
        w = trial
        if np.max(np.abs(tau * step)) <= 1e-15 * max(np.max(np.abs(w[S])), 1e-300):
            break
    return w


# --- multinomial (softmax) logistic regression: objective, gradient, reference solve

def multinomial_loss_grad(X, yi, W, b, sample_weight=None):
    """(loss, G (K, p), dF/db (K,)) of (1/n) sum s_i [lse(W x_i + b) - (W x_i + b)_{y_i}]."""
    Xd = dense(X)
    n = Xd.shape[0]
    s = normalized_weights(sample_weight, n)
    Z = Xd @ W.T + b
    m = Z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]
    P = np.exp(Z - lse[:, None])
    Y = np.eye(W.shape[0])[yi]
    U = s[:, None] * (P - Y) / n
    return float(s @ (lse - Z[np.arange(n), yi])) / n, U.T @ Xd, U.sum(axis=0)


def multinomial_penalty(W, alpha, grouped, c=None):
    c = np.ones(W.shape[1]) if c is None else np.asarray(c, dtype=float)
    if grouped:
        return alpha * float(c @ np.sqrt((W * W).sum(axis=0)))
    return alpha * float(c @ np.abs(W).sum(axis=0))


def multinomial_reference(X, yi, n_classes, alpha, grouped, c=None, sample_weight=None,
                          fit_intercept=True, max_iter=5000, tol=1e-13):
    """FISTA (restarted when the objective rises) on the softmax loss plus the
    per-coefficient or grouped penalty, step 1 / L with L = ||[X, 1]||_2^2 / (2n)
    (weighted; the softmax Hessian is <= I/2 per sample), for ``max_iter``
    steps; then, on the support FISTA found (nonzero coefficients with their
    signs, or nonzero feature blocks, where the penalty is smooth), scipy's
    L-BFGS polishes the smooth objective to machine precision."""
    Xd = dense(X)
    n, p = Xd.shape
    K = n_classes
    s = normalized_weights(sample_weight, n)
    c = np.ones(p) if c is None else np.asarray(c, dtype=float)
    A = np.column_stack([Xd, np.ones(n)]) if fit_intercept else Xd
    L = np.linalg.norm(np.sqrt(s)[:, None] * A, 2) ** 2 / (2 * n)
    step = 1.0 / L

    def prox(V):
        thr = step * alpha * c
        if grouped:
            norms = np.sqrt((V * V).sum(axis=0))
            scale = np.maximum(0.0, 1.0 - thr / np.where(norms > 0, norms, 1.0))
            return V * scale[None, :]
        return np.sign(V) * np.maximum(np.abs(V) - thr[None, :], 0.0)

    def obj(W, b):
        return multinomial_loss_grad(Xd, yi, W, b, s)[0] + multinomial_penalty(W, alpha, grouped, c)

    W = np.zeros((K, p))
    b = np.zeros(K)
    VW, Vb = W.copy(), b.copy()
    tk = 1.0
    f_old = obj(W, b)
    for _ in range(max_iter):
        _, G, gb = multinomial_loss_grad(Xd, yi, VW, Vb, s)
        W_new = prox(VW - step * G)
        b_new = Vb - step * gb if fit_intercept else b
        f_new = obj(W_new, b_new)
        if f_new > f_old:  # restart from the last iterate
            VW, Vb, tk = W.copy(), b.copy(), 1.0
            continue
        moved = max(np.max(np.abs(W_new - W)), np.max(np.abs(b_new - b)))
        t_next = (1 + np.sqrt(1 + 4 * tk * tk)) / 2
        VW = W_new + (tk - 1) / t_next * (W_new - W)
        Vb = b_new + (tk - 1) / t_next * (b_new - b)
        W, b, tk, f_old = W_new, b_new, t_next, f_new
        if moved < tol:
            break
    return _polish_on_support(Xd, yi, W, b, alpha, grouped, c, s, fit_intercept)


def _polish_on_support(Xd, yi, W, b, alpha, grouped, c, s, fit_intercept):
    from scipy.optimize import minimize

    K, p = W.shape
    support = (np.abs(W).sum(axis=0) > 0) if grouped else (W != 0)
    mask = np.broadcast_to(support, W.shape) if grouped else support
    sign = np.sign(W)
    nb = K if fit_intercept else 0

    def unpack(v):
        Wv = np.zeros((K, p))
        Wv[mask] = v[:mask.sum()]
        return Wv, (v[mask.sum():] if fit_intercept else np.zeros(K))

    def fun(v):
        Wv, bv = unpack(v)
        loss, G, gb = multinomial_loss_grad(Xd, yi, Wv, bv, s)
        if grouped:
            norms = np.sqrt((Wv * Wv).sum(axis=0))
            safe = np.where(norms > 0, norms, 1.0)
            pen = alpha * float(c @ norms)
            G = G + alpha * c[None, :] * Wv / safe[None, :]
        else:
            pen = alpha * float(np.sum(c[None, :] * sign * Wv))
            G = G + alpha * c[None, :] * sign
        grad = G[mask]
        return loss + pen, (np.r_[grad, gb] if fit_intercept else grad)

    v0 = np.r_[W[mask], b] if fit_intercept else W[mask]
    assert nb == v0.size - mask.sum()
    res = minimize(fun, v0, jac=True, method="L-BFGS-B",
                   options=dict(maxiter=20000, maxcor=50, ftol=0.0, gtol=1e-14))
    Wv, bv = unpack(res.x)
    return Wv, bv - bv.mean()
