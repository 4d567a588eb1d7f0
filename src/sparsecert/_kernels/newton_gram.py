r"""The local model of a proximal Newton step on its active features, held as their
weighted Gram matrix (CSC X; :mod:`.prox_newton`).

After the first epoch of a Newton step, the model's CD sweeps only the active
features A (w_j != 0 or d_j != 0). A column epoch reads every entry of X_A
twice: X_j^T r for the step, then r += delta h X_j. When A is small and its
columns meet sparsely in the rows (text: a few active terms per document), the
model restricted to A is cheaper to hold as the m x m matrix

    Qc = X_A^T H X_A - hx_A hx_A^T / sum_i h_i,   H = diag(h),   hx_j = sum_i h_i X_ij

(hx = 0 without an intercept): the curvature with the intercept profiled out,
which the column epochs apply implicitly by centring. Building it reads X_A
once (transposed by rows) and costs sum_i k_i (k_i + 1) / 2 multiply-adds, k_i
the active entries of row i; an epoch then costs m^2 and reads no X. The
model's gradient over A at d is

    g = grad_A - hx_A gb / sum_i h_i + Qc d_A,   gb = sum_i u_i,

which is what the column epochs compute from r = u + h X d (d is zero outside
A), and a step delta on d_j adds delta Qc[:, j] to it. Measured on the text
1e5 x 2e4 CSR of ``benchmarks/large.py``, L1-logistic amax/200 (33 active
columns holding 28% of X's entries, 5.6 per row, 3.5 products per entry):
the epochs after the first of one Newton step took 13-15 ms by columns (7
or 8 epochs), 3.6 ms this way, plus 4.7 ms to write the columns by rows when
the active features changed since the last step.
"""

import numpy as np

from ._flags import inner, njit
from .prox import prox_1d

# the Gram matrix is built for at most this many active features (2 MiB)
GRAM_MAX_FEATURES = 512
# ... and when its multiply-adds are at most this x the active entries (the
# column epochs read each entry twice per epoch, scattered; the build's
# products stay in cache)
GRAM_COST = 8.0


@njit(cache=True, nogil=True, inline="always")
def model_coordinate(pen_code, pen_params, weight, cur, hc, gj):
    """The local model's minimiser in one coordinate now at ``cur`` (w_j + d_j),
    with curvature ``hc`` and model derivative ``gj``: the prox of the Newton
    step; for a column constant or empty after centring (hc <= 0, the model
    does not depend on it) 0 if penalized, else ``cur`` (no move)."""
    if hc <= 0.0:
        return 0.0 if weight != 0.0 else cur
    return prox_1d(pen_code, pen_params, weight, cur - gj / hc, 1.0 / hc)


@inner(cache=True, nogil=True)
def active_rows(X_indices, X_indptr, feats, act, nact, row_ptr):
    """row_ptr[i + 1] - row_ptr[i] = the entries of row i in the active columns
    feats[act[:nact]]; returns (their number, sum_i k_i (k_i + 1) / 2)."""
    n = row_ptr.shape[0] - 1
    for i in range(n + 1):
        row_ptr[i] = 0
    nnz = 0
    for kk in range(nact):
        j = feats[act[kk]]
        nnz += X_indptr[j + 1] - X_indptr[j]
        for k in range(X_indptr[j], X_indptr[j + 1]):
            row_ptr[X_indices[k] + 1] += 1
    pairs = 0.0
    for i in range(n):
        c = row_ptr[i + 1]
        pairs += 0.5 * c * (c + 1)
        row_ptr[i + 1] += row_ptr[i]
    return nnz, pairs


@inner(cache=True, nogil=True)
def active_by_rows(X_data, X_indices, X_indptr, feats, act, nact, row_ptr, rcol, rx):
    """The active columns feats[act[:nact]] written by rows into (rcol, rx)
    (local column index, value), ``row_ptr`` as :func:`active_rows` left it;
    within a row the local indices then increase."""
    n = row_ptr.shape[0] - 1
    for kk in range(nact):
        j = feats[act[kk]]
        for k in range(X_indptr[j], X_indptr[j + 1]):
            i = X_indices[k]
            pos = row_ptr[i]
            rcol[pos] = kk
            rx[pos] = X_data[k]
            row_ptr[i] = pos + 1
    # each row_ptr[i] now holds the start of row i + 1: shift them back
    for i in range(n, 0, -1):
        row_ptr[i] = row_ptr[i - 1]
    row_ptr[0] = 0


@inner(cache=True, nogil=True)
def gram_of_rows(row_ptr, rcol, rx, h, act, nact, hxs, hsum, fit_intercept, Q):
    """Q = Qc (module docstring) from the active columns by rows; each row adds
    its products to the upper triangle only (its local indices increase)."""
    n = row_ptr.shape[0] - 1
    for a in range(nact):
        for b in range(nact):
            Q[a, b] = 0.0
    for i in range(n):
        hi = h[i]
        for p in range(row_ptr[i], row_ptr[i + 1]):
            ca = rcol[p]
            va = hi * rx[p]
            for q in range(p, row_ptr[i + 1]):
                Q[ca, rcol[q]] += va * rx[q]
    centre = fit_intercept and hsum > 0.0
    for a in range(nact):
        for b in range(a, nact):
            v = Q[a, b]
            if centre:
                v -= hxs[act[a]] * hxs[act[b]] / hsum
            Q[a, b] = v
            Q[b, a] = v


@inner(cache=True, nogil=True)
def gram_model_cd(Q, act, nact, feats, w, d, grad, hdiag, hxs, gb, hsum, fit_intercept,
                  pen_code, pen_params, pen_weights, inner_tol, max_epochs, g, free_epochs):
    """CD epochs over the active features on the model held by ``Q``.

    The same steps as the column epochs (:func:`.prox_newton._model_epoch`
    after its first): each minimises the model over (d_j, db) exactly, with
    curvature ``hdiag`` (the centred one), and a feature that is zero after
    the first ``free_epochs`` epochs (0 here: after the first, column epoch;
    1 for :mod:`.newton_rows`, whose first epoch runs here) stays there; epochs stop once none moved the model by more than
    ``inner_tol`` (largest |delta| hdiag_j) or after ``max_epochs``. Updates
    ``d``; returns (epochs, db), db = -(gb + hx^T d) / sum_i h_i the
    intercept's step (0 without one). ``g`` (nact) is scratch.
    """
    shift = gb / hsum if (fit_intercept and hsum > 0.0) else 0.0
    for a in range(nact):
        jj = act[a]
        s = grad[jj] - hxs[jj] * shift
        for b in range(nact):
            s += Q[a, b] * d[act[b]]
        g[a] = s
    epochs = 0
    while epochs < max_epochs:
        epochs += 1
        inner = 0.0
        for a in range(nact):
            jj = act[a]
            j = feats[jj]
            wj = w[j]
            cur = wj + d[jj]
            if cur == 0.0 and wj == 0.0 and epochs > free_epochs:
                continue
            hc = hdiag[jj]
            new = model_coordinate(pen_code, pen_params, pen_weights[j], cur, hc, g[a])
            if new != cur:
                delta = new - cur
                step = abs(delta) * hc
                if step > inner:
                    inner = step
                d[jj] = new - wj
                for b in range(nact):
                    g[b] += delta * Q[b, a]
        if inner <= inner_tol:
            break
    db = 0.0
    if fit_intercept and hsum > 0.0:
        acc = gb
        for a in range(nact):
            acc += hxs[act[a]] * d[act[a]]
        db = -acc / hsum
    return epochs, db


@inner(cache=True, nogil=True)
def _same_active(feats, act, nact, held):
    """Whether held[2:held[0] + 2] lists the features feats[act[:nact]]."""
    if held[0] != nact:
        return False
    for a in range(nact):
        if held[a + 2] != feats[act[a]]:
            return False
    return True


@inner(cache=True, nogil=True)
def gram_epochs(X_data, X_indices, X_indptr, feats, act, nact, w, d, grad, hdiag, hxs, gb,
                hsum, fit_intercept, h, pen_code, pen_params, pen_weights, inner_tol,
                max_epochs, work, row_ptr, held, rcol, rx):
    """The epochs after the first of a Newton step's CD, on the Gram matrix of
    its ``nact`` active features, when that pays (``GRAM_MAX_FEATURES``,
    ``GRAM_COST``).

    The census and the active columns by rows (``row_ptr``, ``rcol``,
    ``rx``) depend on the active features only, not on h: they are kept from
    one Newton step to the next while those stay the same (the later steps
    of a fit, most often), and so is a decline. ``held`` (at least nact + 2
    entries) = [their count (-1 for none), 1 if declined else 0, their
    features]. Returns (done, db, rcol, rx): done False when the column
    epochs are cheaper (nothing changed then but ``work``'s count of a new
    census), and the buffers, which may have grown.
    """
    if nact > GRAM_MAX_FEATURES:
        return False, 0.0, rcol, rx
    if not _same_active(feats, act, nact, held):
        nnz, pairs = active_rows(X_indices, X_indptr, feats, act, nact, row_ptr)
        work[0] += nnz  # the census reads the active columns' indices
        held[0] = nact
        for a in range(nact):
            held[a + 2] = feats[act[a]]
        held[1] = 1 if pairs > GRAM_COST * nnz else 0
        if held[1]:
            return False, 0.0, rcol, rx
        if nnz > rcol.shape[0]:
            # room for twice as many: the active set grows over a fit, and a
            # page is mapped only once written (text 1e5 x 2e4 L1-logistic
            # amax/200: 4.7e5 then 7.8e5 entries, one buffer instead of two)
            rcol = np.empty(2 * nnz, dtype=np.int32)
            rx = np.empty(2 * nnz)
        active_by_rows(X_data, X_indices, X_indptr, feats, act, nact, row_ptr, rcol, rx)
        work[0] += nnz
    elif held[1]:
        return False, 0.0, rcol, rx
    Q = np.empty((nact, nact))
    gram_of_rows(row_ptr, rcol, rx, h, act, nact, hxs, hsum, fit_intercept, Q)
    work[0] += row_ptr[row_ptr.shape[0] - 1]  # the copy by rows, read
    g = np.empty(nact)
    _, db = gram_model_cd(Q, act, nact, feats, w, d, grad, hdiag, hxs, gb, hsum,
                          fit_intercept, pen_code, pen_params, pen_weights, inner_tol,
                          max_epochs, g, np.int64(0))
    return True, db, rcol, rx

