r"""Figures: coefficient paths, the certificate's dead zone, and why L1 is sparse.

Needs matplotlib (``pip install 'sparsecert[plot]'``), imported only inside
the functions, so ``import sparsecert.plot`` costs nothing. Every function
draws on ``ax`` when given (and returns its figure), else on a new
``pyplot`` figure, and returns the :class:`matplotlib.figure.Figure`. The
figures made here have a constrained layout and their legend beside the axes
(covering no data, and kept whole by a plain ``savefig``); on a given ``ax``
whose figure has no layout engine the legend goes inside, at ``loc="best"``.

The picture behind :func:`certificate`: for the penalty alpha c_j |w_j| a
zero coefficient is optimal exactly when the datafit's partial derivative
satisfies |g_j| <= alpha c_j (the *dead zone*: a whole interval of gradients
is compatible with w_j = 0, because the penalty has a kink there), while a
nonzero one needs |g_j| = alpha c_j with the opposite sign. A smooth penalty
(ridge, Lp with p > 1) has an empty dead zone: a zero needs g_j = 0 exactly,
so it never happens.
"""

import numpy as np

from ._group_certificate import _group_label

_NONZERO_COLOR = "C0"
_ZERO_COLOR = "0.45"
_VIOLATION_COLOR = "C3"
_ZONE_COLOR = "0.88"
_UNLABELLED_COLOR = "0.72"  # path lines not in the legend: light grey, thin
_PATH_FIGSIZE = (8, 4.5)
_LEGEND_WIDTH = 2.5  # inches added to the certificate figure for its legend at the right
_STORY_FIGSIZE = (12, 4.5)
# certificate: tick labels per feature up to this many shown; smaller markers
# above _MANY_MARKERS features, gapless bars above _MANY_BARS
_MAX_TICK_LABELS = 40
_MANY_MARKERS = 100
_MANY_BARS = 200
# penalty_story's equal-MSE search: bisection on log alpha within
# [log alpha_ref - 40, log alpha_ref + 10], stopped at this relative MSE error
_BISECTION_STEPS = 40
_LOG_ALPHA_BELOW, _LOG_ALPHA_ABOVE = 40.0, 10.0
_MSE_RTOL = 1e-4


def _axes(ax, figsize):
    """(figure, axes): ``ax``'s, or a new figure with a constrained layout, which keeps
    the legend that :func:`_legend_outside` puts beside the axes inside the figure."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _legend_outside(ax):
    """The legend at the right of the axes, outside them, where it covers no data.

    Only a layout engine (the ``layout="constrained"`` of the figures made
    here, or ``"tight"``) makes room for it there: on a figure without one
    (a user's ``ax``), a legend outside the axes would be cut off by
    ``savefig``, so it goes inside, at matplotlib's ``loc="best"``.
    """
    if ax.figure.get_layout_engine() is None:
        return ax.legend(fontsize="small", loc="best")
    return ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                     borderaxespad=0.0)


def _label_colors(n):
    """``n`` distinct colours for labelled lines, none of them grey.

    Up to 18: tab20 without its two greys, its 9 strong colours (tab10's)
    first, then their 9 light variants; more: ``n`` evenly spaced hues of a
    cyclic map.
    """
    import matplotlib

    if n <= 18:
        tab20 = matplotlib.colormaps["tab20"].colors
        table = [tab20[i] for i in list(range(0, 20, 2)) + list(range(1, 20, 2))
                 if i not in (14, 15)]
    else:
        cmap = matplotlib.colormaps["hsv"]
        table = [cmap(k / n)[:3] for k in range(n)]
    return [tuple(float(v) for v in c[:3]) for c in table[:n]]


def _names(feature_names, p):
    if feature_names is None:
        return [f"x{j}" for j in range(p)]
    names = [str(n) for n in feature_names]
    if len(names) != p:
        raise ValueError(f"feature_names has {len(names)} entries for {p} features.")
    return names


def path(path_result_or_alphas, coefs=None, *, chosen_alpha=None, ax=None, feature_names=None,
         n_labels=8):
    """Coefficient paths against alpha (log scale), with the chosen alpha marked.

    Parameters
    ----------
    path_result_or_alphas : PathResult or array-like of shape (n_alphas,)
        A :class:`~sparsecert.PathResult` (from :func:`sparsecert.lasso_path`
        and friends), or the alphas, with ``coefs`` given.
    coefs : array-like of shape (n_features, n_alphas), optional
        Column k is the solution at ``alphas[k]`` (scikit-learn's layout).
    chosen_alpha : float, optional
        Marked with a vertical line (e.g. ``LassoCV().alpha_``).
    ax : matplotlib Axes, optional
        Its figure best has a layout engine (``layout="constrained"``): the
        legend then goes beside the axes, else inside them.
    feature_names : sequence of str, optional
        Names of the ``n_labels`` features with the largest final |coef|,
        shown in the legend.
    n_labels : int, default=8
        Lines labelled, each in its own colour (never grey); the other
        features' lines are thin and light grey.

    Returns
    -------
    matplotlib.figure.Figure
    """
    alphas, coefs, certs = _path_arrays(path_result_or_alphas, coefs)
    p = coefs.shape[0]
    names = _names(feature_names, p)
    fig, ax = _axes(ax, _PATH_FIGSIZE)
    final = np.abs(coefs[:, int(np.argmin(alphas))])
    largest = np.argsort(-final)[:n_labels]
    labelled = set(largest[final[largest] > 0].tolist())
    ever = np.flatnonzero(np.any(coefs != 0, axis=1))
    colors = dict(zip(sorted(labelled), _label_colors(len(labelled))))
    for j in ever:  # the unlabelled lines first, below the labelled ones
        if j not in labelled:
            ax.plot(alphas, coefs[j], lw=0.7, color=_UNLABELLED_COLOR, zorder=1)
    for j in sorted(labelled):
        ax.plot(alphas, coefs[j], lw=1.6, color=colors[j], label=names[j], zorder=2)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("alpha (log scale; alpha_max at the right)")
    ax.set_ylabel("coefficient")
    ax.set_title(_path_title(len(ever), p, certs))
    if chosen_alpha is not None:
        _mark_chosen_alpha(ax, alphas, coefs, chosen_alpha)
    if labelled or chosen_alpha is not None:
        _legend_outside(ax)
    return fig


def _path_arrays(path_result_or_alphas, coefs):
    """(alphas, coefs, certificates or None) of :func:`path`'s arguments, checked."""
    if coefs is None:
        if not hasattr(path_result_or_alphas, "coefs"):
            raise TypeError("pass a PathResult, or alphas and coefs.")
        alphas, coefs = path_result_or_alphas.alphas, path_result_or_alphas.coefs
        certs = getattr(path_result_or_alphas, "certificates", None)
    else:
        alphas, certs = path_result_or_alphas, None
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    coefs = np.asarray(coefs, dtype=np.float64)
    if coefs.ndim != 2 or coefs.shape[1] != alphas.shape[0]:
        raise ValueError(f"coefs must have shape (n_features, n_alphas={alphas.shape[0]}); "
                         f"got {coefs.shape}.")
    if np.any(alphas <= 0):
        raise ValueError("alphas must be > 0 for a log-scale plot.")
    return alphas, coefs, certs


def _path_title(n_entered, p, certs):
    title = f"Coefficient paths: {n_entered} of {p} features enter"
    if certs:
        ok = sum(bool(c.converged) for c in certs)
        title += f"; {ok}/{len(certs)} alphas certified"
    return title


def _mark_chosen_alpha(ax, alphas, coefs, chosen_alpha):
    """A dashed vertical line at ``chosen_alpha``, labelled with the nonzeros at
    the grid's nearest alpha (on the log scale)."""
    k = int(np.argmin(np.abs(np.log(alphas) - np.log(chosen_alpha))))
    nnz = int(np.count_nonzero(coefs[:, k]))
    ax.axvline(chosen_alpha, color="k", ls="--", lw=1.2,
               label=f"chosen alpha={chosen_alpha:.3g} ({nnz} nonzero)")


def certificate(cert, *, ax=None, feature_names=None, top=None, sort=True):
    """Per feature, |gradient| against the dead zone: why each weight is (not) zero.

    Each feature gets a grey bar from 0 to its threshold (alpha c_j rho for
    L1/elastic net, recovered as ``cert.margin + |cert.gradient|``): the dead
    zone, where the penalty holds w_j at exactly 0. Its |g_j| is a marker:

    * hollow grey circle, a zero coefficient inside its dead zone (optimal;
      its distance to the top of the bar is the margin);
    * filled blue circle, a nonzero coefficient (optimal ones sit on the
      threshold, where the gradient balances the penalty's slope);
    * red cross, a feature whose violation exceeds ``cert.tol`` (not optimal:
      e.g. a zero whose |g_j| left the dead zone).

    A group lasso's certificate (``GroupCertificate``) gets a bar per group
    instead: its dead zone is ||g_g||_2 <= alpha c_g, on the norm of the
    group's gradient, which is the marker; a group is zero or nonzero as a
    whole. ``top`` and ``sort`` then count groups. A multi-task or a
    multinomial certificate gets a bar per feature, over its tasks or
    classes (the marker is max_k |g_kj| for the multinomial L1 penalty,
    ||g_j||_2 for the grouped one).
    For the sparse-group lasso the marker is the dual norm N*(g_g) of
    (1 - rho) ||.||_2 + rho ||.||_1, whose dead zone is N*(g_g) <= alpha c_g.

    Parameters
    ----------
    cert : Certificate
        From ``est.certificate_`` or :func:`sparsecert.check_optimality`.
    ax : matplotlib Axes, optional
    feature_names : sequence of str, optional
    top : int, optional
        Show only the ``top`` features nearest their threshold (largest
        |g_j| / threshold_j, violators first). Default: all.
    sort : bool, default=True
        Order features by |g_j| / threshold_j, decreasing (else by index).

    Returns
    -------
    matplotlib.figure.Figure
    """
    names = _names(feature_names, np.asarray(cert.coef).shape[-1])  # (k, p): multi-task
    grad, thr, coef, bad, names, what, gradient, zone = _bars(cert, names)
    order = _certificate_order(grad, thr, bad, top, sort)
    x = np.arange(order.shape[0])
    g, t, c, b = grad[order], thr[order], coef[order], bad[order]
    fig, ax = _axes(ax, (max(6.0, min(14.0, 0.35 * len(x) + 3)) + _LEGEND_WIDTH, 4.5))
    _draw_dead_zones(ax, x, g, t, c, b, zone)
    if len(x) <= _MAX_TICK_LABELS:
        ax.set_xticks(x)
        ax.set_xticklabels([names[j] for j in order], rotation=60, ha="right",
                           fontsize="small")
    else:
        ax.set_xlabel(f"{what} ({len(x)} shown{', sorted by |g|/threshold' if sort else ''})")
    ax.set_ylabel(gradient)
    status = "certified" if cert.converged else "NOT certified"
    ax.set_title(f"{status} ({cert.kind}): {cert.datafit} + {cert.penalty}, "
                 f"alpha={cert.alpha:.3g}, {int(np.count_nonzero(coef))}/{coef.shape[0]} "
                 f"{'groups ' if what == 'groups' else ''}nonzero")
    top_y = float(np.max(np.r_[g, t])) if len(x) else 1.0
    ax.set_ylim(0, 1.3 * top_y if top_y > 0 else 1.0)
    ax.set_xlim(-0.6, len(x) - 0.4)
    _legend_outside(ax)
    return fig


def _bars(cert, names):
    """(marker, threshold, coefficient norm, violates, names, unit, y label,
    legend of the dead zone) of each bar: a feature, or a group, or a
    feature over its tasks or classes."""
    if getattr(cert, "group_ptr", None) is not None:
        grad, thr, coef, bad = (cert.group_gradient_norm, cert.group_threshold,
                                cert.group_coef_norm, ~(cert.group_violation <= cert.tol))
        if hasattr(cert, "n_classes"):  # multinomial: a block is one feature over the classes
            norm = "||g_j||_2" if cert.grouped else "max_k |g_kj|"
            what, gradient, zone = ("features", f"{norm} over the classes, at the solution",
                                    f"dead zone {norm} <= threshold_j\n"
                                    "(W[:, j] = 0 is optimal here)")
        elif hasattr(cert, "n_tasks"):  # multi-task: a block is one feature over the tasks
            what, gradient, zone = ("features", "||g_j||_2 over the tasks, at the solution",
                                    "dead zone ||g_j|| <= threshold_j\n"
                                    "(W[:, j] = 0 is optimal here)")
        else:
            names = [_group_label(cert, k, names, most=2) for k in range(grad.shape[0])]
            # the sparse-group lasso's dead zone bounds the dual norm N*(g_g)
            g_sym = "N*(g_g)" if getattr(cert, "l1_ratio", 0.0) > 0 else "||g_g||"
            what, gradient, zone = ("groups", f"{g_sym}{'_2' if g_sym == '||g_g||' else ''} "
                                    f"at the solution", f"dead zone {g_sym} <= alpha c_g\n"
                                    f"(w_g = 0 is optimal here)")
    else:
        grad, thr, coef, bad = _dead_zones(cert)
        what, gradient, zone = ("features", "|g_j| = |dF/dw_j| at the solution",
                                "dead zone |g_j| <= threshold_j\n(w_j = 0 is optimal here)")
    return grad, thr, coef, bad, names, what, gradient, zone


def _dead_zones(cert):
    """(|g_j|, threshold_j, coef, violates): the threshold is recovered as margin + |g_j|
    (0 where it is not finite: a smooth penalty's empty dead zone)."""
    grad = np.abs(np.asarray(cert.gradient, dtype=np.float64))
    thr = np.asarray(cert.margin, dtype=np.float64) + grad
    thr = np.where(np.isfinite(thr), np.maximum(thr, 0.0), 0.0)
    coef = np.asarray(cert.coef)
    viol = np.asarray(cert.violation, dtype=np.float64)
    return grad, thr, coef, viol > cert.tol


def _certificate_order(grad, thr, bad, top, sort):
    """The features to show, in order: violators first, then by |g_j| / threshold_j."""
    p = grad.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(thr > 0, grad / thr, np.where(grad > 0, np.inf, 0.0))
    order = np.arange(p)
    if sort or top is not None:
        order = np.lexsort((-ratio, ~bad))  # violators first, then nearest the edge
    if top is not None:
        order = order[:int(top)]
        if not sort:
            order = np.sort(order)
    return order


def _draw_dead_zones(ax, x, g, t, c, b, zone):
    """Bars to each threshold ``t`` (legend ``zone``), and |g| as a marker by
    kind: zero, nonzero, violator."""
    width = 0.8 if len(x) <= _MANY_BARS else 1.0
    ax.bar(x, t, width=width, color=_ZONE_COLOR, edgecolor="none", label=zone)
    ms = 6 if len(x) <= _MANY_MARKERS else 3
    zero = (c == 0) & ~b
    nonzero = (c != 0) & ~b
    ax.plot(x[zero], g[zero], "o", mfc="none", mec=_ZERO_COLOR, ms=ms, ls="none",
            label=f"zero, inside its dead zone ({int(zero.sum())})")
    ax.plot(x[nonzero], g[nonzero], "o", color=_NONZERO_COLOR, ms=ms, ls="none",
            label=f"nonzero: gradient balances\nthe penalty ({int(nonzero.sum())})")
    if b.any():
        ax.plot(x[b], g[b], "x", color=_VIOLATION_COLOR, ms=ms + 2, mew=2, ls="none",
                label=f"violation > tol: not optimal ({int(b.sum())})")


def penalty_story(X, y, *, ps=(0.5, 1.0, 2.0), alphas=None, n_alphas=25, eps=1e-3,
                  feature_names=None, tol=1e-6, max_iter=5000, fig=None):
    r"""Why L1 (and Lp, p < 1) gives exact zeros and L2 does not, on your data.

    Fits least squares with the penalty alpha sum_j |w_j|^p for each p in
    ``ps`` along a grid of alphas (warm starts, each solution certified), and
    draws two panels:

    * left, the number of exact zeros against alpha: with p <= 1 the penalty
      has a kink (p = 1) or an infinite slope (p < 1) at 0, so coefficients
      become exactly zero; with p > 1 it is smooth and none ever does;
    * right, the coefficients side by side at equal training error (for each
      p, the alpha whose mean squared training error is closest to that of
      the L1 fit with about half the features nonzero).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Best standardized, so that one alpha means the same for every feature.
    y : array-like of shape (n_samples,)
    ps : sequence of float, default=(0.5, 1.0, 2.0)
    alphas : array-like, optional
        Grid shared by every p. Default: ``n_alphas`` values from
        ``alpha_max`` (of L1) down to ``eps * alpha_max``.
    n_alphas : int, default=25
    eps : float, default=1e-3
    feature_names : sequence of str, optional
    tol, max_iter : as in :func:`sparsecert.regularization_path`
    fig : matplotlib Figure, optional
        Drawn on (two axes are added); a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, p = X.shape
    names = _names(feature_names, p)
    alphas = _story_alphas(X, y, alphas, n_alphas, eps)
    results = _story_paths(X, y, ps, alphas, tol, max_iter)
    target, coefs = _equal_mse_coefs(X, y, ps, results, alphas[0], tol, max_iter)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=_STORY_FIGSIZE)
    left, right = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=[1, 1.3]))
    _draw_zero_counts(left, ps, results, p)
    _draw_equal_mse(right, ps, coefs, target, names)
    fig.tight_layout()
    return fig


def _story_alphas(X, y, alphas, n_alphas, eps):
    """The alphas, decreasing: given, or a geometric grid from alpha_max (of L1) down."""
    from .solvers import alpha_max

    if alphas is None:
        amax = alpha_max(X, y)
        alphas = np.geomspace(amax, amax * eps, n_alphas)
    return np.sort(np.asarray(alphas, dtype=np.float64))[::-1]


def _story_paths(X, y, ps, alphas, tol, max_iter):
    """{p: (PathResult, training MSE per alpha)}: one least-squares path per p."""
    from . import penalties
    from .path import regularization_path

    results = {}
    for q in ps:
        pen = penalties.L1(alpha=0.0) if q == 1 else penalties.Lp(alpha=0.0, p=float(q))
        res = regularization_path(X, y, datafit="quadratic", penalty=pen, alphas=alphas,
                                  tol=tol, max_iter=max_iter)
        resid = y[:, None] - X @ res.coefs - res.intercepts[None, :]
        results[q] = (res, np.mean(resid ** 2, axis=0))
    return results


def _equal_mse_coefs(X, y, ps, results, alpha_ref, tol, max_iter):
    """(target MSE, [(alpha, coef) per p]) at equal training error.

    The L1 solution with about half the features nonzero sets the target
    (the first p when 1 is not among ``ps``); each other p's alpha is found
    by bisection on log alpha (:func:`_alpha_at_mse`).
    """
    p = X.shape[1]
    ref_q = 1.0 if 1.0 in results else ps[0]
    ref_res, ref_mse = results[ref_q]
    nnz = np.count_nonzero(ref_res.coefs, axis=0)
    k_ref = int(np.argmin(np.abs(nnz - max(1, p // 2))))
    target = ref_mse[k_ref]
    coefs = []
    for q in ps:
        if q == ref_q:
            coefs.append((ref_res.alphas[k_ref], ref_res.coefs[:, k_ref]))
        else:
            coefs.append(_alpha_at_mse(X, y, q, target, alpha_ref, tol, max_iter))
    return target, coefs


def _draw_zero_counts(ax, ps, results, p):
    """Left panel: the number of exact zeros against alpha, one line per p."""
    for i, q in enumerate(ps):
        res, _ = results[q]
        zeros = np.sum(res.coefs == 0, axis=0)
        kind = "kink at 0" if q == 1 else ("infinite slope at 0" if q < 1 else "smooth at 0")
        ax.plot(res.alphas, zeros, marker="o", ms=3, color=f"C{i}",
                label=f"p={q:g} ({kind})")
    ax.set_xscale("log")
    ax.set_ylim(-0.5, p + 0.5)
    ax.set_xlabel("alpha (log scale)")
    ax.set_ylabel(f"exact zeros among {p} coefficients")
    ax.set_title("alpha * sum |w_j|^p: who gives exact zeros?")
    ax.legend(fontsize="small")


def _draw_equal_mse(ax, ps, coefs, target, names):
    """Right panel: each p's coefficients side by side, exact zeros marked x."""
    p = len(names)
    width = 0.8 / len(ps)
    xs = np.arange(p)
    for i, (q, (alpha, w)) in enumerate(zip(ps, coefs)):
        offset = (i - (len(ps) - 1) / 2) * width
        ax.bar(xs + offset, w, width=width, color=f"C{i}",
               label=f"p={q:g}: alpha={alpha:.3g}, {int(np.sum(w == 0))} exact zeros")
        zero = np.flatnonzero(w == 0)
        ax.plot(xs[zero] + offset, np.zeros(zero.size), "x", color=f"C{i}", ms=6, mew=2)
    ax.axhline(0.0, color="k", lw=0.6)
    ax.set_xticks(xs)
    ax.set_xticklabels(names, rotation=60 if p > 8 else 0, ha="right" if p > 8 else "center",
                       fontsize="small")
    ax.set_ylabel("coefficient")
    ax.set_title(f"at equal training MSE ({target:.4g}); x = exactly zero")
    ax.legend(fontsize="small", loc="best")


def _alpha_at_mse(X, y, q, target, alpha_ref, tol, max_iter, steps=_BISECTION_STEPS):
    """(alpha, coef) of the Lp fit whose training MSE is closest to ``target`` (bisection)."""
    from .estimators import LpRegression

    def fit(alpha):
        est = LpRegression(alpha=alpha, p=float(q), tol=tol, max_iter=max_iter).fit(X, y)
        mse = float(np.mean((y - est.predict(X)) ** 2))
        return mse, est.coef_

    # training MSE grows with alpha
    lo, hi = np.log(alpha_ref) - _LOG_ALPHA_BELOW, np.log(alpha_ref) + _LOG_ALPHA_ABOVE
    best = None
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        mse, coef = fit(np.exp(mid))
        if best is None or abs(mse - target) < abs(best[0] - target):
            best = (mse, np.exp(mid), coef)
        if mse > target:
            hi = mid
        else:
            lo = mid
        if abs(mse - target) <= _MSE_RTOL * target:
            break
    return best[1], best[2]
