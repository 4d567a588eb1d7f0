"""Python orchestration of the compiled solvers.

Picks a kernel, runs it in chunks of epochs (so that Ctrl-C is honoured
between chunks and verbosity can report progress), stops on the certificate
and assembles the result. Numerical loops live in :mod:`sparsecert._kernels`.

Stopping rule (quadratic): after every epoch the kernel measures each coordinate's
violation just before its own update (free: the gradient is computed anyway);
when that cheap bound is <= tol, the exact certificate over all features is
computed from scratch at the current point, and the solver stops only if it
holds.

Logistic datafit: proximal Newton (:mod:`sparsecert._kernels.prox_newton`),
one outer iteration being one Newton step (local model, CD epochs, line
search); ``n_iter`` counts those. The kernel measures the exact violation over
its working features at the start of every outer iteration; when it is <= tol
the exact certificate over all features is computed, and the solver stops only
if that holds. On wide problems the kernel works on a working set of features
ranked by how far each is from its dead zone, solved loosely (to a fraction
of the full violation) and resized from the full certificate of every round
until that certificate holds.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ._kernels import codes, fista
from ._kernels.cd import (_anderson_weights, cd_gram_anderson, cd_logistic_fixed,
                          cd_quadratic_anderson, gram_rows_block)
from ._kernels.datafit import column_stats, datafit_raw_grad, matvec
from ._kernels.fista import gram_power_iteration
from ._kernels.prox_newton import PN_CONVERGED, PN_LINE_SEARCH, prox_newton_logistic
from .certificate import _thresholds, build_certificate
from ._problem import evaluate

# target work per compiled call, in nonzeros touched: a call returns to
# Python about every 0.1 s, so Ctrl-C and verbose output stay responsive
_WORK_PER_CALL = 5e7
# first working-set size, and the Anderson extrapolation period (epochs)
_WS_START = 100
# zeros with |g_j| below (1 - _DEEP) x their threshold at the last certificate
# never fill a working set, even one large enough to hold them (a strong-rule
# style guess the next certificate checks)
_DEEP = 0.5
_SUPPORT_JUMP = True  # test hook: False never takes the exact solve on a stable support
# a round that ends with its set nearly all nonzero grows it up to this x nnz
_WS_SATURATED_GROWTH = 4
_INNER_FACTOR = 0.1  # a round solves its working set to this fraction of the violation
_ANDERSON = 5


@dataclass
class SolverResult:
    coef: np.ndarray
    intercept: float
    certificate: object
    n_iter: int


def solve(problem, w0=None, b0=None, *, tol=1e-4, max_iter=1000, solver="auto", verbose=0):
    """Minimize F(w, b) + G(w) for ``problem``; return a :class:`SolverResult`.

    Parameters
    ----------
    problem : sparsecert._problem.Problem
    w0, b0 : starting point (zeros and the best intercept at zero by default)
    tol : float
        Scale-free tolerance: stop when max violation <= tol * problem.scale.
    max_iter : int
        Maximum number of epochs (CD passes over the working set) for the
        quadratic datafit; of outer proximal Newton iterations for the
        logistic one; of iterations for FISTA.
    solver : {"auto", "cd", "fista"}
        "auto" and "cd" pick coordinate descent (proximal Newton with CD inner
        solves for the logistic datafit): for these separable penalties a CD
        epoch costs one pass over X, as a FISTA iteration does (two passes in
        fact), but moves every coordinate with its own curvature, so it needs
        far fewer passes. "fista" (:func:`_solve_fista`, any datafit) is for
        users who ask for it and for future distributed use, where a
        full-gradient method parallelizes and CD does not.
    """
    if solver == "fista":
        if not getattr(problem.penalty, "convex", True):
            # the local certificate is coordinate-wise L-stationarity, the
            # fixed-point condition of coordinate descent; a full-gradient
            # step with one global step size has other fixed points, so FISTA
            # can stall at a point the certificate rightly rejects
            raise ValueError(
                "solver='fista' cannot certify the nonconvex Lp penalty (p < 1): its "
                "fixed points are not the coordinate-wise L-stationary points the "
                "certificate checks. Use solver='cd' (or 'auto').")
        return _solve_fista(problem, w0, b0, tol, max_iter, verbose)
    if solver not in ("auto", "cd"):
        raise ValueError(f"solver must be 'auto', 'cd' or 'fista'; got {solver!r}.")
    if problem.df_code == codes.LOGISTIC:
        if not getattr(problem.penalty, "convex", True):
            # a Newton model's curvature has other fixed points than the
            # L-stationary points the local certificate checks
            return _solve_cd_logistic_fixed(problem, w0, b0, tol, max_iter, verbose)
        return _solve_prox_newton(problem, w0, b0, tol, max_iter, verbose)
    if problem.df_code != codes.QUADRATIC:
        raise ValueError("Coordinate descent here handles the quadratic datafit only.")
    return _solve_cd_quadratic(problem, w0, tol, max_iter, verbose)


def _solve_cd_quadratic(problem, w0, tol, max_iter, verbose):
    """Working-set coordinate descent with Anderson extrapolation.

    Outer iteration: the exact certificate over all features (which is also
    the stopping test) ranks the features; the working set is
    every nonzero coefficient plus the features furthest past (or nearest to)
    the edge of their dead zone (largest -margin; never one with |g_j| below
    half its threshold): 100 at first,
    then twice the number of nonzeros (so it grows geometrically while the
    support does; up to four times, within the number of violators, after a
    round that filled its set with nonzeros) and never smaller than before. Features the gap-safe test
    screened are never chosen. CD epochs with Anderson extrapolation
    (:func:`cd_quadratic_anderson`) then solve the problem restricted to it,
    to 0.1 x the current violation (never below tol; to tol directly once
    the support has come through a round unchanged, after trying once the
    exact solution of that support's normal equations, kept if it keeps
    every sign and lowers the objective). Measured on the
    benchmark problems, this counts fewer full passes over X (certificates
    plus epochs) than forcing a x2 or x4 growth or solving to 0.3 x. Working sets and extrapolation change speed only: a fit stops
    only when the full certificate holds. ``n_iter`` counts CD epochs (over
    working sets) and is bounded by ``max_iter``.

    Gram variant (tall dense X, see :func:`_use_gram`): the working set only
    grows (zeros ranked by -margin), its weighted centred Gram matrix H is
    built once per new feature (BLAS, by row blocks) and the restricted
    problem is solved by :func:`cd_gram_anderson` on p-dimensional
    quantities, anchored at the certificate's exact gradient, to 0.5 x tol:
    an epoch costs O(|ws|) per moving coordinate instead of O(n), and one
    round usually suffices where the residual rounds solve to 0.1 x the
    violation each. Growth the cost accounting of :class:`_GramState` cannot
    pay runs a residual round instead. The certificate is still computed
    from X at every outer iteration and alone decides convergence; if it
    twice disagrees with the Gram solver on the working features (rounding
    near the tolerance floor), or the working set outgrows
    ``_GRAM_MAX_FEATURES``, the fit continues with the residual kernel.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    tol_abs = problem.tolerances(tol)[0]
    vscale = problem.violation_scale(tol)
    all_feats = np.arange(p, dtype=np.int64)
    always = problem.pen_weights == 0  # unpenalized features: always in the working set
    resid_buf = None
    # extrapolation may jump between the basins of a nonconvex penalty: its
    # fits follow plain CD from the documented start, one basin at a time
    convex = getattr(problem.penalty, "convex", True)
    n_anderson = _ANDERSON if convex else 0
    gram = _GramState(problem, warm=bool(np.any(w))) if _use_gram(problem) else None
    state = {}

    def refresh():
        # exact residual and profiled intercept: incremental updates drift.
        # X w costs only the nonzero columns' entries.
        z = np.empty(n)
        matvec(*design.args, n, w, z)
        resid = problem.y - z
        state["b"] = float(problem.sw @ resid) / n if problem.fit_intercept else 0.0
        state["sw_r"] = problem.sw * resid

    refresh()
    n_iter = 0
    # the starting point may already be optimal (alpha >= alpha_max, a warm
    # start): certify it exactly before any epoch, so that such a fit returns
    # the start untouched rather than a point moved by rounding
    def certify(n_iter, ring=None, ring_count=0, ws=None):
        pieces = evaluate(problem, w, state["b"])
        return build_certificate(
            problem, w, state["b"], tol, n_iter=n_iter, solver="cd", pieces=pieces, draft=True,
            # called only if (w, b) is certified: a better dual point for the
            # gap the fit reports
            dual_candidate=lambda: _dual_candidate(problem, w, ring, ring_count, ws))

    cert = certify(0)
    ws_size = _WS_START
    shrink = 1.0
    prev_support = None
    jumped = False
    deep_thr = None
    if problem.pen_code in (codes.L1, codes.ELASTIC_NET) and _DEEP > 0:
        deep_thr = _DEEP * _thresholds(problem) * vscale
    while not cert.converged and n_iter < max_iter:
        w_cert = w.copy()  # the point whose exact gradient the certificate holds
        # rank the zeros by how far they are from leaving their dead zone
        # (-margin, = the violation when positive), as celer ranks by its dual
        # distance: when fewer features violate than the set holds, the rest
        # of it goes to those nearest the edge, not to arbitrary ones (the
        # violation ties them all at 0). Leukemia amax/20: 70 -> 57 epochs.
        score = -np.asarray(cert.margin, dtype=np.float64)
        if cert.screened is not None:
            # gap-safe: provably zero at the optimum, never worth a coordinate step
            score[cert.screened] = -np.inf
        score[(w != 0) | always] = np.inf
        nnz = int(np.count_nonzero(w))
        wanted = 2 * nnz
        if nnz >= 0.9 * ws_size:
            # the set filled up with nonzeros: the support is still growing
            # past it (we8there amax/100 doubled 100 -> 1600 over five
            # rounds), so take up to 4 x nnz, but no more than the features
            # that violate (amax/20 saturates once and stops at 468)
            n_viol = int(np.count_nonzero((score > 0) & (score < np.inf)))
            wanted = max(wanted, min(_WS_SATURATED_GROWTH * nnz, nnz + n_viol))
        ws_size = min(p, max(ws_size, wanted, _WS_START))
        take = ws_size
        if deep_thr is not None:
            # we8there amax/100: 2640 -> ~2100 features per epoch once the set
            # would hold them all (0.90x in an interleaved A/B)
            n_live = p - int(np.count_nonzero(-score > deep_thr))
            take = min(ws_size, max(n_live, 1))
        if take >= p:
            ws = all_feats
        else:
            ws = np.sort(np.argpartition(-score, take - 1)[:take]).astype(np.int64)
        if gram is not None:
            wanted = np.union1d(ws, np.flatnonzero(score == np.inf))
            if gram.affordable(wanted):
                ep = gram.solve(w, w_cert, cert, wanted, tol_abs, max_iter - n_iter, n_anderson,
                                ws.size)
                n_iter += ep
                refresh()
                cert = certify(n_iter)
                if verbose:
                    print(f"[sparsecert] epoch {n_iter}: Gram working set "
                          f"{gram.feats.size}/{p}, {cert!r}")
                if not gram.agrees(cert, tol_abs):
                    gram = None  # rounding defeats the Gram gradient: residual CD from here
                continue
        if resid_buf is None:
            resid_buf = np.empty(n)
        # a support that came through a whole round unchanged is most likely
        # the solution's: solve it to tol at once instead of in 10x steps,
        # each paying a certificate (leukemia amax/20: 6 -> 5 rounds). The
        # certificate still decides; a wrong guess costs one round.
        support = np.flatnonzero(w)
        stable = prev_support is not None and np.array_equal(support, prev_support)
        prev_support = support
        if stable and convex and _SUPPORT_JUMP and not jumped:
            # ... and then CD would walk to the solution on it, slowly when
            # X_S is ill-conditioned (leukemia amax/100: 100+ epochs, n = 38
            # for 33 nonzeros); its normal equations give it at once. Taken
            # once per fit, if every sign holds and the objective drops; the
            # certificate decides as always.
            jumped = True
            fit = _refit_on_support(problem, w)
            if fit is not None:
                S, v, z_v = fit
                if (np.all(np.sign(v) == np.sign(w[S]))
                        and _objective_on(problem, S, v, z_v) < cert.objective):
                    w[S] = v
                    refresh()
                    cert = certify(n_iter)
                    if verbose:
                        print(f"[sparsecert] epoch {n_iter}: exact solve on the support "
                              f"({S.size} features), {cert!r}")
                    continue
        final = stable or _INNER_FACTOR * cert.max_violation <= tol_abs * shrink
        inner_tol = tol_abs * shrink if final else _INNER_FACTOR * cert.max_violation
        chunk = _epochs_per_call_for(design, ws.size)
        cheap = np.inf
        switch = False
        # the round's last iterates, from which the dual point of a final
        # certificate may be extrapolated
        ring = np.empty((_DUAL_HISTORY if convex else 0, ws.size))
        ring_count = 0
        while n_iter < max_iter:
            epochs = min(chunk, max_iter - n_iter)
            if gram is not None:
                # hand over to the Gram solver as soon as the residual epochs
                # spent pay for its matrix
                epochs = min(epochs, gram.epochs_until_affordable(ws))
            ep, cheap, state["b"], _, ring_count = cd_quadratic_anderson(
                *design.args, n, problem.y, state["sw_r"], problem.sw, w, state["b"],
                problem.means, problem.lipschitz, vscale, ws, *problem.penalty_args,
                epochs, inner_tol, problem.fit_intercept, n_anderson, resid_buf,
                ring, ring_count)
            n_iter += ep
            if gram is not None:
                gram.credit(ep * n * ws.size)
            if cheap <= inner_tol:
                break
            if gram is not None and gram.affordable(ws) and n_iter < max_iter:
                switch = True
                break
        if switch:
            ep = gram.solve(w, w_cert, cert, np.union1d(ws, np.flatnonzero(score == np.inf)),
                            tol_abs, max_iter - n_iter, n_anderson, ws.size)
            n_iter += ep
        refresh()
        cert = certify(n_iter, ring, ring_count, ws)
        if final and not switch and cheap <= inner_tol and not cert.converged:
            # the epochs' running bound (taken before each coordinate moves)
            # passed while the exact one at the end did not: ask more of the
            # next round instead of paying a certificate for every epoch
            shrink *= 0.1
        if gram is not None and not switch:
            # a residual round ends on a certificate, a pass over X the Gram
            # solver (one round to tol where these go to 0.1 x the violation)
            # would mostly have spared
            gram.credit(_GRAM_CERT * n * p)
        if verbose:
            kind = "residual then Gram" if switch else "residual"
            print(f"[sparsecert] epoch {n_iter}: {kind} working set {ws.size}/{p}, {cert!r}")
        if switch and not gram.agrees(cert, tol_abs):
            gram = None
    cert = cert.final()
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent")
    return SolverResult(w, state["b"], cert, n_iter)


# iterates of the final round kept for dual extrapolation (K = 5 differences, as celer)
_DUAL_HISTORY = 6
# the support refit may cost this many times nnz(X) multiply-adds (dense,
# compute-bound, where a certificate's pass over X is memory-bound)
_REFIT_WORK = 1.0
# ... or this many, whatever X's size (about 0.1 ms)
_REFIT_FLOOR = float(1 << 20)
_DUAL_CANDIDATES = True  # test hook: False reports the residual's gap only


def _dual_candidate(problem, w, ring, ring_count, ws):
    """A dual candidate for a certificate that holds (the gap the fit reports).

    The support refit (:func:`_support_refit_dual`) when affordable, else
    the extrapolated CD trajectory (:func:`_extrapolated_dual`), else None.
    """
    if not _DUAL_CANDIDATES:
        return None
    u = _support_refit_dual(problem, w)
    if u is None and ring is not None and ring.shape[0] > 0:
        u = _extrapolated_dual(problem, ring, ring_count, ws)
    return u


def _support_refit_dual(problem, w):
    """Loss derivative at the exact solution on w's support and signs, or None.

    Dual extrapolation's limit: the CD iterates on a fixed support with fixed
    signs converge to the solution of its normal equations
    (:func:`_refit_on_support`), which the extrapolation of their last
    iterates approximates. Solving them directly gives the optimal residual
    as soon as the support and signs are right, so the gap then drops to the
    primal error alone. The certificate checks whatever comes back and keeps
    the better of it and the residual.
    """
    fit = _refit_on_support(problem, w)
    if fit is None:
        return None
    u = np.empty(problem.design.n_samples)
    datafit_raw_grad(problem.df_code, problem.y, fit[2], problem.sw,
                     problem.design.n_samples, u)
    return u


def _refit_on_support(problem, w):
    """Exact solution on w's support S and signs s: (S, v, X_S v), or None.

    Solves the normal equations of the problem restricted to S with the
    signs fixed (where the L1 term is linear):
    (1/n) Xc_S^T W (Xc_S v - yc) + alpha rho c_S s + alpha (1 - rho) c_S v = 0,
    Xc and yc the weighted-centred columns and target with an intercept
    (without forming them). L1 and elastic net only; None when the system
    would cost more than ``_REFIT_WORK`` x nnz(X) (or ``_REFIT_FLOOR``)
    multiply-adds (n k^2 for a dense X, about nnz(X_S) for a sparse one,
    plus k^3 / 3 for the solve), or is singular. Nothing guarantees v keeps
    the signs s: callers check what they use.
    """
    if problem.pen_code not in (codes.L1, codes.ELASTIC_NET):
        return None
    S = np.flatnonzero(w)
    k = S.size
    design = problem.design
    n = design.n_samples
    X_dense, X_data, X_indices, X_indptr, is_sparse = design.args
    if k == 0:
        return None
    sw = problem.sw
    y = problem.y
    budget = max(_REFIT_WORK * design.nnz, _REFIT_FLOOR)
    if is_sparse:
        import scipy.sparse as sp

        lo = X_indptr[S]
        counts = X_indptr[S + 1] - lo
        nnz_S = int(counts.sum())
        # a sparse product X_S^T W X_S costs about nnz(X_S) x its row density x k
        if nnz_S * max(1.0, nnz_S / n) + k ** 3 / 3.0 > budget:
            return None
        take = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts) + \
            np.arange(nnz_S)
        XS = sp.csc_matrix((X_data[take].astype(np.float64), X_indices[take],
                            np.concatenate(([0], np.cumsum(counts)))), shape=(n, k))
        # W X_S: each stored entry times its row's weight (stays sparse)
        XSw = sp.csc_matrix((XS.data * sw[XS.indices], XS.indices, XS.indptr), shape=(n, k))
        A = (XS.T @ XSw).toarray() / n
        Xty = XSw.T @ y / n
    else:
        if n * k * (k + 1) + k ** 3 / 3.0 > budget:
            return None
        XS = np.asarray(X_dense[:, S], dtype=np.float64)
        XtW = XS.T * sw
        A = XtW @ XS / n
        Xty = XtW @ y / n
    if problem.fit_intercept:
        # the weighted-centred system without forming the centred columns
        # (sum s_i = n, m the weighted means): Xc^T W Xc = X^T W X - n m m^T
        m = problem.means[S]
        ybar = float(sw @ y) / n
        A -= np.outer(m, m)
        Xty = Xty - m * ybar
    alpha, rho = _alpha_rho(problem)
    c = problem.pen_weights[S]
    A[np.diag_indices(k)] += alpha * (1.0 - rho) * c
    rhs = Xty - alpha * rho * c * np.sign(w[S])
    try:
        v = np.linalg.solve(A, rhs)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(v)):
        return None
    return S, v, XS @ v


def _alpha_rho(problem):
    """(alpha, l1_ratio) of an L1 (ratio 1) or elastic-net problem."""
    alpha = float(problem.pen_params[codes.PARAM_ALPHA])
    if problem.pen_code == codes.L1:
        return alpha, 1.0
    return alpha, float(problem.pen_params[codes.PARAM_L1_RATIO])


def _objective_on(problem, S, v, z):
    """P at the point equal to v on S and 0 elsewhere, z = X_S v (least squares,
    L1 or elastic net; the intercept profiled as in the CD kernels)."""
    n = problem.design.n_samples
    sw = problem.sw
    r = problem.y - z
    b = float(sw @ r) / n if problem.fit_intercept else 0.0
    loss = float(sw @ (r - b) ** 2) / (2.0 * n)
    alpha, rho = _alpha_rho(problem)
    c = problem.pen_weights[S]
    return loss + alpha * float(np.sum(c * (rho * np.abs(v) + 0.5 * (1.0 - rho) * v * v)))


def _extrapolated_dual(problem, ring, ring_count, ws):
    """Loss derivative at the extrapolated last iterates of a CD round, or None.

    Dual extrapolation (celer: Massias, Gramfort & Salmon, 2018): near the
    solution, CD iterates on a fixed support follow a linear recursion, so an
    affine combination sum_k c_k r_k of the last K+1 residuals (with c the
    Anderson weights of their differences, sum c = 1) is far nearer the
    optimal residual than the last one. The rescaled residual's gap is
    linear in the distance to the solution (its rescaling costs about the
    max violation) where P - P* is quadratic, so it overstates the error by
    orders of magnitude; the extrapolated point closes most of that. r is
    affine in w, so sum c_k r_k is the residual of sum c_k w_k: extrapolating
    the working set's coefficients (|ws| numbers per iterate) and one
    product with X (its nonzero columns) costs no stored residuals.
    ``build_certificate`` checks the candidate and keeps the better dual value.
    """
    R = ring.shape[0]
    if R == 0 or ring_count < 3:
        return None
    rows = min(ring_count, R)
    order = [(ring_count - rows + k) % R for k in range(rows)]
    c = _anderson_weights(ring[order])
    if c.size == 0:
        return None
    design = problem.design
    n = design.n_samples
    w_acc = np.zeros(design.n_features)
    w_acc[ws] = c @ ring[order[1:]]
    z = np.empty(n)
    matvec(*design.args, n, w_acc, z)
    u = np.empty(n)
    datafit_raw_grad(problem.df_code, problem.y, z, problem.sw, n, u)
    return u


# Gram variant of least-squares CD. "auto" applies the rule of _use_gram and
# the cost accounting of _GramState; "always" / "never" force a path (test
# hooks: "always" still needs dense X and a convex penalty).
_GRAM_MODE = "auto"
# float64 entries of one row block of the weighted centred columns (8 MB)
_GRAM_BLOCK = 1 << 20
# the Gram working set solves to this fraction of tol, so that the
# certificate's own rounding does not cost one more outer iteration
_GRAM_INNER = 0.5
# largest Gram working set: a 3000 x 3000 float64 matrix is 72 MB
_GRAM_MAX_FEATURES = 3000
# tall enough: n >= _GRAM_MIN_RATIO * p (see _use_gram)
_GRAM_MIN_RATIO = 4
# X this large (entries; 32 MB in float64) is read from memory at every
# residual epoch, where the Gram product is compute-bound (see _use_gram)
_GRAM_LARGE_X = 1 << 22
# cost model, in units of one entry of a residual CD epoch (a coordinate step
# reads and writes n entries), measured with benchmarks/compare.py's
# problems on one thread: building a row block of the weighted centred
# columns costs 0.5-1.1 per entry, a BLAS multiply-add of the Gram product
# 0.05-0.12 (compute-bound, where the epoch is memory-bound)
_GRAM_COPY = 1.0
_GRAM_MAC = 0.1
# and a certificate's pass over X (BLAS) about 0.5 per entry of X
_GRAM_CERT = 0.5
# residual epochs on the first working set a fit is credited with before it
# ran any, when one Gram matrix is likely to pay (see _GramState): enough for
# the Gram matrix of 100 columns (600 n entries). The residual fits measured
# needed 7 to 60 epochs and three or more certificates, a Gram fit one or two.
_GRAM_CREDIT = 8.0


# squared column RMS outside this range: no Gram matrix (its entries, up to
# |X^T X| / n, would be subnormal or overflow; the square-root margin leaves
# room for the n-term sums and the Anderson products)
_GRAM_SAFE_RANGE = (1e-250, 1e250)


def _use_gram(problem):
    """Whether least-squares CD may run on the working set's Gram matrix.

    Dense X only (a sparse column's coordinate step already costs its nnz,
    and a centred Gram would be dense), columns of ordinary magnitude
    (``_GRAM_SAFE_RANGE``), convex penalties only (the nonconvex
    Lp, p < 1, keeps plain residual CD from its documented start), and a
    tall X, n >= 4 p: a Gram coordinate step costs |ws| <= p against 2 n for
    the residual one. When the Gram matrix is built is then decided during
    the fit by the cost accounting of :class:`_GramState`. A wide X
    (500 x 5000 in the benchmarks) never uses it.
    """
    if _GRAM_MODE == "never" or problem.design.is_sparse:
        return False
    if not getattr(problem.penalty, "convex", True) or problem.df_code != codes.QUADRATIC:
        return False
    live = problem.lipschitz[problem.lipschitz > 0]
    if live.size and not (live.min() > _GRAM_SAFE_RANGE[0] and live.max() < _GRAM_SAFE_RANGE[1]):
        # products of two columns' entries would leave float64's normal range
        # (subnormal or overflowing Gram entries): residual CD handles these
        return False
    if _GRAM_MODE == "always":
        return True
    n, p = problem.design.n_samples, problem.design.n_features
    return n >= _GRAM_MIN_RATIO * p


class _GramState:
    """The Gram working set of one fit, and the accounting that decides when it pays.

    ``feats`` (insertion order, never shrinking) and H = (1/n) Xc[:, feats]^T
    S Xc[:, feats], Fortran-ordered. Building or growing H is paid for from
    ``balance``, in residual-epoch entries (see ``_GRAM_COPY``): the residual
    epochs the fit ran and the certificates that ended its residual rounds,
    plus the epochs the Gram solver spared (half its epochs on the working
    set), plus, for a cold start, a credit of ``_GRAM_CREDIT`` epochs on the
    first working set when p <= 100 (the first working set holds every
    feature: one small Gram matrix serves the whole fit) or X has at least
    2^22 entries (beyond the last-level cache, a residual epoch is
    memory-bound where the Gram product is not). A round whose Gram matrix
    the balance cannot pay runs the residual kernel, which hands over to the
    Gram kernel mid-round once its epochs have paid (ski rental: at most
    about twice the cheaper of the two, and an ill-conditioned fit switches
    early). This also keeps a working set that grows to hundreds of columns,
    at small alpha, from costing a Gram product larger than the few residual
    epochs it needs.

    Measured (one thread, dense AR(1) designs of benchmarks/problems.py with
    rho = 0.6 or 0.9, alpha_max / 20 to / 1000, tol 1e-4; timings on a
    shared machine, +-10%), time with the Gram variant over time without:
    0.4-0.55 for 2000 x 100 (ill-conditioned) and 100000 x 100; 0.68-0.98
    for 20000 x 500 and 50000 x 500 but 1.1 at 50000 x 500, alpha_max / 100
    (the working set grows once: a second Gram round), 1.13 for 20000 x 1000
    at alpha_max / 100; 0.93-1.2 for in-cache X (2000 x 500, 5000 x 500, no
    start credit; with one, 1.2-1.4 there); 0.79-1.02 for 20000 x 200. A
    3000 x 150 design with one dominant factor at tol 1e-8: 0.2 s against
    35 s (the residual rounds there end after one epoch each on a certificate
    that fails: 67000 certificates).
    """

    def __init__(self, problem, warm=False):
        self.problem = problem
        n, p = problem.design.n_samples, problem.design.n_features
        self.feats = np.empty(0, dtype=np.int64)
        self.H = np.empty((0, 0), order="F")
        self.misses = 0
        self.stopped = False
        self.sqrt_sw = None
        self.forced = _GRAM_MODE == "always"
        # a warm start (a path's next alpha) usually needs a few epochs only
        start = not warm and (p <= _WS_START or n * p >= _GRAM_LARGE_X)
        self.balance = _GRAM_CREDIT * n * min(p, _WS_START) if start else 0.0

    def cost(self, wanted):
        """Work (residual-epoch entries) to hold the Gram matrix of ``wanted`` too."""
        new = np.setdiff1d(wanted, self.feats, assume_unique=True).size
        m = self.feats.size + new
        if m > _GRAM_MAX_FEATURES:
            return np.inf
        if new == 0:
            return 0.0
        n = self.problem.design.n_samples
        macs = m * m / 2.0 if self.feats.size == 0 else float(new * m)
        return n * (_GRAM_COPY * m + _GRAM_MAC * macs)

    def affordable(self, wanted):
        c = self.cost(wanted)
        return np.isfinite(c) and (self.forced or c <= self.balance)

    def epochs_until_affordable(self, ws):
        """Residual epochs on ``ws`` before the balance pays for its Gram matrix (>= 1)."""
        c = self.cost(ws)
        if not np.isfinite(c):
            return 10**9
        per_epoch = self.problem.design.n_samples * max(ws.size, 1)
        return max(int(np.ceil((c - self.balance) / per_epoch)), 1)

    def credit(self, work):
        self.balance += work

    def extend(self, new):
        """Append the features ``new`` (not yet held) and their Gram rows and columns."""
        problem = self.problem
        X = problem.design.args[0]
        n = problem.design.n_samples
        if self.sqrt_sw is None:
            self.sqrt_sw = np.sqrt(problem.sw)
        m_old = self.feats.size
        feats = np.concatenate([self.feats, new]).astype(np.int64)
        m = feats.size
        cross = np.zeros((m, m - m_old))
        rows = min(n, max(256, _GRAM_BLOCK // m))
        buf = np.empty((rows, m), order="F")
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            Z = buf[:r1 - r0]
            gram_rows_block(X, r0, r1, feats, self.sqrt_sw, problem.means, Z)
            cross += Z.T @ Z if m_old == 0 else Z.T @ Z[:, m_old:]
        cross /= n
        H = np.empty((m, m), order="F")
        H[:m_old, :m_old] = self.H
        H[:, m_old:] = cross
        H[m_old:, :m_old] = cross[:m_old].T
        if m_old:
            # the new block came from a general product: make H exactly symmetric
            block = H[m_old:, m_old:]
            H[m_old:, m_old:] = 0.5 * (block + block.T)
        self.feats, self.H = feats, H

    def solve(self, w, w_cert, cert, wanted, tol_abs, budget, n_anderson, ws_size):
        """Grow to hold ``wanted`` (paid from the balance) and run Gram CD on the
        held features from ``w``; the gradient is anchored at ``w_cert``, where
        ``cert`` computed it exactly from X. Returns the epochs run."""
        problem = self.problem
        n = problem.design.n_samples
        self.balance -= self.cost(wanted)
        new = np.setdiff1d(wanted, self.feats, assume_unique=True)
        if new.size:
            self.extend(new)
        feats = self.feats
        m = feats.size
        w_ws = w[feats]
        g_anchor = np.array(cert.gradient, dtype=np.float64)[feats]
        w_anchor = w_cert[feats]
        lipschitz = problem.lipschitz[feats]
        vscale = np.array(cert.violation_scale)[feats]
        pen_weights = problem.pen_weights[feats]
        inner_tol = _GRAM_INNER * tol_abs
        chunk = int(min(max(_WORK_PER_CALL // max(m * m, 1), 1), 10000))
        ran = 0
        self.stopped = False
        while ran < budget:
            epochs = min(chunk, budget - ran)
            ep, viol, _ = cd_gram_anderson(self.H, w_ws, g_anchor, w_anchor, lipschitz, vscale,
                                           problem.pen_code, problem.pen_params, pen_weights,
                                           epochs, inner_tol, n_anderson)
            ran += ep
            w[feats] = w_ws
            if viol <= inner_tol or ep < epochs:
                # converged on its own gradient, or no coordinate moved
                self.stopped = True
                break
        # the residual epochs this spared, counted on the residual working
        # set and halved (the Gram solve goes to tol, a residual round to 0.1 x
        # the violation): what later growth may spend
        self.credit(0.5 * ran * n * ws_size)
        return ran

    def agrees(self, cert, tol_abs):
        """False once the certificate has twice in a row found a violation above
        tol on the held features where the Gram solver had stopped on its own
        (converged or no coordinate moving): its gradient is then too far from
        the real one for this tolerance."""
        viol = np.asarray(cert.violation)[self.feats]
        if self.stopped and viol.size and float(np.max(viol)) > tol_abs:
            self.misses += 1
        else:
            self.misses = 0
        return self.misses < 2


def _epochs_per_call_for(design, n_feats):
    per_feature = max(design.nnz / max(design.n_features, 1), 1.0)
    work = max(per_feature * n_feats, 1.0)
    return int(min(max(_WORK_PER_CALL // work, 1), 10000))


# FISTA: Lipschitz estimate = safety x power-iteration estimate (a lower
# bound of lambda_max), capped by the trace bound; checks every _FISTA_CHECK
_FISTA_SAFETY = 1.1
_FISTA_POWER_ITER = 30
_FISTA_POWER_RTOL = 1e-3
_FISTA_CHECK = 10


def _fista_lipschitz(problem):
    """Upper-bound estimate of the Lipschitz constant of grad F over (w, b).

    grad F is L-Lipschitz with L = lambda_max([X 1]^T S [X 1] / n) for the
    quadratic datafit and a quarter of it for the logistic one (the logistic
    loss has curvature <= 1/4); the column of ones enters with an intercept.
    lambda_max is estimated by power iteration (from below) times a safety
    factor, capped by the trace (a true upper bound); a remaining
    underestimate is corrected by backtracking in the kernel.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    v = np.random.default_rng(0).standard_normal(p + 1)
    est = gram_power_iteration(*design.args, n, problem.sw, problem.fit_intercept, v,
                               _FISTA_POWER_ITER, _FISTA_POWER_RTOL)
    # trace of [X 1]^T S [X 1] / n: sum_j (1/n) sum_i s_i X_ij^2 (+ 1)
    sq = np.zeros(p)
    column_stats(*design.args, n, p, problem.sw, False, np.zeros(p), sq)
    trace = float(sq.sum()) + (1.0 if problem.fit_intercept else 0.0)
    lam = min(_FISTA_SAFETY * est, trace) if np.isfinite(est) else trace
    if problem.df_code == codes.LOGISTIC:
        lam /= 4.0
    return lam if lam > 0.0 else 1.0


def _solve_fista(problem, w0, b0, tol, max_iter, verbose, *, _lipschitz=None, _stats=None):
    """FISTA with adaptive restart and backtracking, for every datafit and penalty.

    The iteration, the backtracking condition and the restart rules are those
    of :mod:`sparsecert._kernels.fista`; the intercept is one more,
    unpenalized, coordinate of the same proximal-gradient step. The stopping
    rule is the certificate of :func:`solve`, at the current iterate (never at
    the extrapolated point): the kernel evaluates its maximum violation every
    ``_FISTA_CHECK`` iterations and returns when it holds; the certificate is
    then built from scratch. ``max_iter`` counts iterations (each costs about
    two passes over X).

    ``_lipschitz`` overrides the initial Lipschitz estimate and ``_stats``
    (a dict) receives the number of restarts and backtracks: test hooks.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    if not problem.fit_intercept:
        b = 0.0
    elif b0 is not None:
        b = float(b0)
    elif w0 is None or problem.df_code != codes.QUADRATIC:
        b = problem.b0
    else:
        # the best intercept for the given w
        b = float(problem.sw @ (problem.y - evaluate(problem, w, 0.0)["z"])) / n
    # the kernel checks features and intercept against one number, each in
    # the certificate's units (the intercept's |dF/db| rescaled by
    # tol / tol_intercept), so that its stop implies both
    tol_abs = problem.tolerances(tol)[0]
    vscale = problem.violation_scale(tol)
    b_scale = problem.intercept_scale(tol)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="fista")
    n_iter = 0
    lipschitz = _fista_lipschitz(problem) if _lipschitz is None else float(_lipschitz)
    state = np.zeros(fista.N_STATE)
    state[fista.STATE_B] = state[fista.STATE_B_PREV] = b
    state[fista.STATE_T] = 1.0
    state[fista.STATE_LIPSCHITZ] = lipschitz
    state[fista.STATE_VIOLATION] = np.inf
    w_prev = w.copy()
    z = evaluate(problem, w, b)["z"] if not cert.converged else None
    z_prev = None if z is None else z.copy()
    # a multiple of the check period, about _WORK_PER_CALL nonzeros per call
    chunk = _FISTA_CHECK * max(_epochs_per_call_for(design, design.n_features) // (2 * _FISTA_CHECK), 1)
    while not cert.converged and n_iter < max_iter:
        budget = min(chunk, max_iter - n_iter)
        ran = fista.fista_run(*design.args, n, problem.y, problem.sw, problem.fit_intercept,
                              problem.df_code, *problem.penalty_args, problem.lipschitz,
                              vscale, b_scale, w, w_prev, z, z_prev, state, budget,
                              _FISTA_CHECK, tol_abs)
        n_iter += ran
        b = float(state[fista.STATE_B])
        viol = state[fista.STATE_VIOLATION]
        if verbose:
            print(f"[sparsecert] fista iteration {n_iter}: violation {viol:.3e} "
                  f"(tol {tol_abs:.3e}), L={state[fista.STATE_LIPSCHITZ]:.3e}")
        if viol <= tol_abs or n_iter >= max_iter or not np.isfinite(viol):
            cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="fista")
            if verbose:
                print(f"[sparsecert] fista iteration {n_iter}: {cert!r}")
            if not np.isfinite(cert.max_violation):
                break
    if _stats is not None:
        _stats.update(restarts=int(state[fista.STATE_RESTARTS]),
                      backtracks=int(state[fista.STATE_BACKTRACKS]),
                      lipschitz=float(state[fista.STATE_LIPSCHITZ]), lipschitz0=lipschitz)
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "FISTA")
    return SolverResult(w, b, cert, n_iter)


# proximal Newton: CD epochs on each local model, and working-set sizing
_PN_MAX_INNER = 100
_WS_MIN_FEATURES = 200   # below this many features, always work on all of them
_PN_WS_START = 64
_WS_MAX_FRACTION = 0.25  # past this fraction of the features, work on all of them
_WS_SATURATED = 0.95     # a working set this full of nonzeros is too small: use all features
_PN_WS_TOL = 0.3         # a round solves its working set to this x the full violation
_PN_SHRINK = 1.0         # inside a Newton step, zero features this far inside their dead
                         # zone (x the violation) skip the CD on the local model (inf: none)


def _solve_prox_newton(problem, w0, b0, tol, max_iter, verbose):
    """Proximal Newton for the logistic datafit with working sets (see module docstring).

    Working-set rule (in the spirit of skglm's ``ProxNewton`` and celer): the
    features are ranked by ``-margin`` (a zero coefficient's distance past the
    edge of its dead zone: positive means it violates), with the nonzero and
    the unpenalized ones always included; the kernel solves on the top
    ``size`` features, only to ``_PN_WS_TOL`` x the violation the last full
    certificate measured (never below tol), and the exact certificate over
    all features then decides and ranks again. ``size`` starts at
    ``_PN_WS_START`` and is then twice the number of nonzeros, never smaller
    than before. All features are used once that exceeds
    ``_WS_MAX_FRACTION`` of them, or as soon as a round ends with nearly
    every working feature nonzero (the support is then much larger than the
    set). On all features the kernel solves to tol directly.

    Each round costs one pass over X for its certificate; measured on the
    dense 1000 x 5000 benchmark (amax/20), a loose round of one or two Newton
    steps on ~2 x nnz features beats both solving each working set to tol
    (most of those steps are wasted on a set that is still missing features)
    and the former growth to every violator, which reached all 5000 features
    by the third round.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    if not problem.fit_intercept:
        b = 0.0
    elif b0 is not None:
        b = float(b0)
    else:
        b = problem.b0
    # the kernel checks features and intercept against one number, each in
    # the certificate's units (|dF/db| rescaled by tol / tol_intercept)
    tol_abs = problem.tolerances(tol)[0]
    vscale = problem.violation_scale(tol)
    b_scale = problem.intercept_scale(tol)
    chunk = max(_epochs_per_call_for(design, p) // 4, 1)
    n_iter = 0
    pieces = evaluate(problem, w, b)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="prox_newton", pieces=pieces)
    use_ws = p > _WS_MIN_FEATURES
    size = max(_PN_WS_START, 2 * int(np.count_nonzero(w)))
    stalled = False
    while not cert.converged and n_iter < max_iter and not stalled:
        if use_ws:
            nnz = int(np.count_nonzero(w))
            if n_iter > 0 and nnz >= _WS_SATURATED * size:
                # nearly every working feature entered the model: the support
                # is far larger than the working set (on the sparse benchmark
                # most features violate at w = 0), and growing it step by step
                # costs rounds and leads through restricted problems whose
                # solutions are poor starting points (damped Newton steps)
                size = p
            size = min(p, max(size, 2 * nnz))
            if size > _WS_MAX_FRACTION * p:
                # a working set this large saves little and costs rounds
                size = p
        if use_ws and size < p:
            priority = -np.asarray(cert.margin, dtype=np.float64).copy()
            priority[(w != 0) | (problem.pen_weights == 0)] = np.inf
            feats = np.sort(np.argpartition(-priority, size - 1)[:size]).astype(np.int64)
        else:
            feats = np.arange(p, dtype=np.int64)
        # on all features the kernel's own test is the full one: no need to
        # stop early for a certificate that could only say "not yet"
        inner_tol = tol_abs
        if feats.size < p:
            # features and intercept, in the kernel's units (the certificate's)
            inner_tol = max(tol_abs, _PN_WS_TOL * float(cert.max_violation))
        z = pieces["z"].copy()  # exact at every round: no drift accumulates
        start = n_iter
        status = PN_CONVERGED
        while n_iter < max_iter:
            budget = min(chunk, max_iter - n_iter)
            it, status, viol, b = prox_newton_logistic(
                *design.args, n, problem.y, problem.sw, w, b, problem.fit_intercept, z, feats,
                vscale, b_scale, *problem.penalty_args, budget, _PN_MAX_INNER, inner_tol,
                tol_abs, _PN_SHRINK)
            n_iter += it
            if verbose:
                print(f"[sparsecert] prox-Newton iteration {n_iter}: violation on "
                      f"{feats.size} working features {viol:.3e} (tol {inner_tol:.3e})")
            if status == PN_CONVERGED and n_iter == start and inner_tol > tol_abs:
                # nothing to do at the loose tolerance: solve to the final one
                inner_tol = tol_abs
                continue
            if status == PN_CONVERGED:
                break
            if status == PN_LINE_SEARCH:
                stalled = True
                break
        pieces = evaluate(problem, w, b)
        cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="prox_newton",
                                 pieces=pieces)
        if verbose:
            print(f"[sparsecert] iteration {n_iter}: {cert!r}")
        if n_iter == start and not cert.converged:
            if feats.size == p and status == PN_CONVERGED:
                # the kernel and the certificate disagree at this very point
                # (rounding): nothing more can be done here
                stalled = True
            else:
                # the working set looked solved to the kernel but not to the
                # certificate (rounding): widen it rather than repeat the round
                size = min(p, 2 * size)
    if not cert.converged:
        _warn_logistic(problem, cert, pieces, max_iter, stalled)
    elif problem.penalty.alpha == 0.0 or not np.any(problem.pen_weights > 0):
        _warn_if_separable(problem, cert, pieces)
    return SolverResult(w, b, cert, n_iter)


def _separated(problem, pieces):
    """True when every (weighted) sample is on the right side of the boundary."""
    margins = problem.y * pieces["z"]
    active = problem.sw > 0
    return bool(np.all(margins[active] > 0))


def _warn_if_separable(problem, cert, pieces):
    from sklearn.exceptions import ConvergenceWarning

    if _separated(problem, pieces):
        warnings.warn(
            f"The data are linearly separable and alpha={problem.penalty.alpha:g} does not "
            f"bound the coefficients: the logistic loss has no minimizer, the returned point "
            f"(max |coef| {np.max(np.abs(cert.coef), initial=0.0):.3g}) is only approximately "
            f"stationary and its coefficients grow without limit as tol decreases. "
            f"Use alpha > 0.", ConvergenceWarning, stacklevel=3)


def _warn_logistic(problem, cert, pieces, max_iter, stalled):
    from sklearn.exceptions import ConvergenceWarning

    if _separated(problem, pieces):
        warnings.warn(
            f"Proximal Newton stopped before the optimality certificate held (max violation "
            f"{cert.max_violation:.3e} > tol {cert.tol:.3e}) with every training sample "
            f"separated and coefficients as large as "
            f"{np.max(np.abs(cert.coef), initial=0.0):.3g}: the data look linearly separable "
            f"and alpha={problem.penalty.alpha:g} is too small to keep the coefficients "
            f"bounded (they diverge as alpha -> 0). Increase alpha.",
            ConvergenceWarning, stacklevel=3)
    elif stalled:
        where = "the intercept" if cert.argmax is None else f"feature {cert.argmax}"
        warnings.warn(
            f"Proximal Newton stopped: no step along the Newton direction decreased the "
            f"objective (floating-point precision reached) before the optimality certificate "
            f"held: max violation {cert.max_violation:.3e} (at {where}) > tol {cert.tol:.3e}. "
            f"Loosen tol or standardize the features.", ConvergenceWarning, stacklevel=3)
    else:
        _warn_not_converged(cert, max_iter, "proximal Newton", unit="outer iterations",
                            stacklevel=4)


def _warn_not_converged(cert, max_iter, what, unit="epochs", stacklevel=3):
    from sklearn.exceptions import ConvergenceWarning

    where = "the intercept" if cert.argmax is None else f"feature {cert.argmax}"
    warnings.warn(
        f"{what} stopped at max_iter={max_iter} {unit} before the optimality certificate "
        f"held: max violation {cert.max_violation:.3e} (at {where}) > tol {cert.tol:.3e} "
        f"(= tol {cert.tol_relative:g} x scale {cert.scale:.3e}). Increase max_iter, "
        f"loosen tol, or standardize the features.",
        ConvergenceWarning, stacklevel=stacklevel)


def alpha_max(X, y, *, l1_ratio=1.0, datafit="quadratic", fit_intercept=True,
              sample_weight=None, weights=None, positive=False):
    r"""Smallest alpha for which w = 0 (on every penalized feature) is optimal.

    For L1 (``l1_ratio=1``) and the elastic net, with g = grad F at the point
    where every penalized coefficient is 0 and the unpenalized ones (c_j = 0)
    and the intercept are optimal,

        alpha_max = max_{j: c_j > 0} |g_j| / (c_j rho)        (g_j replaced by
        max(-g_j, 0) when ``positive``).

    Returns ``inf`` when ``l1_ratio == 0`` (ridge never gives exact zeros).
    """
    from . import penalties
    from ._problem import make_problem
    from ._validation import as_design, validate_arrays
    from .datafits import as_datafit

    datafit = as_datafit(datafit)
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1]; got {l1_ratio!r}.")
    X, design, y64, sw = validate_arrays(X, y, datafit, sample_weight)
    if l1_ratio == 0.0:
        return np.inf
    pen = penalties.L1(alpha=0.0, weights=weights, positive=positive)
    problem = make_problem(design, y64, sw, datafit, pen, fit_intercept)
    c = problem.pen_weights
    if not np.any(c > 0):
        raise ValueError("weights are all zero: no feature is penalized, so alpha_max is undefined.")
    if np.any(c == 0):
        # optimise the unpenalized features first (alpha = 0 leaves them free
        # and keeps the penalized ones at zero since we only sweep the others)
        free = np.flatnonzero(c == 0)
        sub = make_problem(as_design(X[:, free] if not hasattr(X, "tocsc") else X.tocsc()[:, free]),
                           y64, sw, datafit, penalties.L1(alpha=0.0, weights=np.zeros(free.size)),
                           fit_intercept)
        res = solve(sub, tol=1e-10, max_iter=100000)
        w = np.zeros(design.n_features)
        w[free] = res.coef
        grad = evaluate(problem, w, res.intercept)["grad"]
    else:
        grad = problem.grad0
    g = -grad if positive else np.abs(grad)
    pos = c > 0
    return float(max(np.max(g[pos] / c[pos]), 0.0) / l1_ratio)


def _solve_cd_logistic_fixed(problem, w0, b0, tol, max_iter, verbose):
    """Fixed-step coordinate proximal gradient for the logistic datafit.

    Used for the nonconvex Lp penalty (p < 1): its fixed points are exactly
    the coordinate-wise L-stationary points, with the same constants
    L_j = (1/4n) sum s_i X_ij^2 that the certificate uses. Starts from
    w = 0 and the log-odds intercept (deterministic). ``n_iter`` counts epochs.
    """
    design = problem.design
    n, p = design.n_samples, design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    b = problem.b0 if b0 is None else float(b0)
    if not problem.fit_intercept:
        b = 0.0
    tol_abs = problem.tolerances(tol)[0]  # the intercept rescaled to it (b_scale)
    vscale = problem.violation_scale(tol)
    b_scale = problem.intercept_scale(tol)
    feats = np.arange(p, dtype=np.int64)
    chunk = _epochs_per_call_for(design, p)
    pieces = evaluate(problem, w, b)
    cert = build_certificate(problem, w, b, tol, n_iter=0, solver="cd_fixed_step", pieces=pieces)
    n_iter = 0
    while not cert.converged and n_iter < max_iter:
        z = pieces["z"].copy()  # exact at every check: no drift accumulates
        ep, cheap, b = cd_logistic_fixed(*design.args, n, problem.y, problem.sw, z, w, b,
                                         problem.fit_intercept, problem.lipschitz, vscale,
                                         b_scale, feats,
                                         *problem.penalty_args, min(chunk, max_iter - n_iter),
                                         tol_abs)
        n_iter += ep
        pieces = evaluate(problem, w, b)
        cert = build_certificate(problem, w, b, tol, n_iter=n_iter, solver="cd_fixed_step",
                                 pieces=pieces)
        if verbose:
            print(f"[sparsecert] epoch {n_iter}: {cert!r}")
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent (fixed steps)")
    return SolverResult(w, b, cert, n_iter)
