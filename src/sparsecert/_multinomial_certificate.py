r"""Multinomial (softmax) logistic regression: its problem set-up and its certificate.

Problem, with K classes, W of shape (K, p), b of shape (K,) and sample
weights s_i summing to n:

    (1/n) sum_i s_i [log sum_k exp(w_k^T x_i + b_k) - (w_{y_i}^T x_i + b_{y_i})] + G(W),

G one of

* per coefficient (:class:`~sparsecert.penalties.L1`,
  :class:`~sparsecert.penalties.ElasticNet`): alpha sum_{k,j} c_j (rho |W_kj|
  + (1 - rho)/2 W_kj^2);
* grouped over the classes (:class:`~sparsecert.penalties.MultiTaskL21`, glmnet's
  ``type.multinomial="grouped"``): alpha sum_j c_j (rho ||W[:, j]||_2 +
  (1 - rho)/2 ||W[:, j]||_2^2): a feature leaves all classes at once.

The redundant direction: adding one vector v to every class's coefficients
(W -> W + 1 v^T) and one number to every intercept changes no probability,
so the datafit is flat along it. Its gradient G = X^T (s (P - Y)) / n
(K, p) sums to zero over the classes in every column (the rows of P and Y
both sum to 1), and so does dF/db: the first-order conditions are
invariant along that direction. The penalty is not: the grouped one is
smallest at class-centred columns (sum_k W_kj = 0 at every optimum, since
the gradient is centred and the block's subgradient is parallel to W_j);
the L1 one selects per feature a median-like shift and may leave the
optimum non-unique (any point satisfying the conditions below is optimal,
and the certificate certifies each). Intercepts are reported with
sum_k b_k = 0 (the solver starts there, and every intercept step keeps
it: dF/db sums to 0).

Conditions, with g_j = G[:, j] (a K-vector), thr_j = alpha rho c_j and
l2_j = alpha (1 - rho) c_j:

* per coefficient: W_kj = 0: |g_kj| <= thr_j (margin thr_j - |g_kj|);
  W_kj != 0: g_kj + thr_j sign(W_kj) + l2_j W_kj = 0. A feature's
  violation is the largest over its K coefficients; a zero feature's
  margin thr_j - max_k |g_kj|.
* grouped: W_j = 0: ||g_j||_2 <= thr_j (margin thr_j - ||g_j||);
  W_j != 0: ||g_j + thr_j W_j/||W_j|| + l2_j W_j|| = 0
  (:func:`sparsecert._multitask_certificate.multitask_violations`).
* intercepts: ||dF/db||_2 = 0, against their own tolerance.

Violations are multiplied by each feature's ``violation_scale`` as
everywhere. The tolerance is scale-free: ``scale`` is the dual norm of
G(0, b0) (max_kj |G_kj| per coefficient, max_j ||G_j||_2 grouped), b0 the
centred log class frequencies.

Duality gap: the conjugate of s_i/n (logsumexp(z) - z_y) is finite only at
u = (s_i/n)(q - e_y), q in the simplex, where it is (s_i/n) sum_k q_k log q_k
(a negative entropy). The dual is max over U (n, K) of
-sum_i f_i^*(U_i) - G^*(-X^T U), with sum_i U_i = 0 when there are intercepts.
The dual point is built from P: with intercepts, P is first rebalanced to
P~ = (1 - lam) P + lam r (one distribution r for every row, lam = 1 -
min_k pi_k / m_k, m the model's mean probabilities and pi the class
frequencies), which makes sum_i s_i P~_i = n pi exactly and stays in the
simplex (lam vanishes with dF/db); then scaled by t in (0, 1]: U =
t s (P~ - Y) / n, i.e. q_i = t P~_i + (1 - t) e_{y_i}, still in the simplex,
with t = min(1, thr_j / ||(X^T U)_j||_*) over the features whose penalty
has no ridge part (the elastic net's conjugate is finite, sum (|v| -
thr)_+^2 / (2 l2)). D = (1/n) sum_i s_i H(q_i) - conjugates, H the entropy.
None when a feature is unpenalized (c_j = 0 or alpha = 0) and no rescaling
can reach its constraint.
"""

from typing import NamedTuple

import numpy as np

from ._multitask_certificate import (block_coef_of, feature_block_fields, multi_matvec,
                                     multi_rmatvec, multitask_violations)
from ._duality import block_screen
from ._problem import make_problem, rmatvec_full
from ._sums import sample_dot, sample_dot_columns


class MultinomialPenalty(NamedTuple):
    """A penalty as the multinomial solver and certificate use it: per-feature
    thresholds thr_j = alpha rho c_j and ridge weights l2_j = alpha (1 - rho) c_j,
    per coefficient (``grouped`` False) or per feature over the classes."""

    thr: np.ndarray
    l2: np.ndarray
    grouped: bool
    name: str
    alpha: float

    @property
    def l1(self):
        """thr, by the name :func:`multitask_violations` reads."""
        return self.thr

    def value(self, W):
        """G(W) for W of shape (K, p)."""
        if self.grouped:
            norms = np.sqrt(np.sum(W * W, axis=0))
            return float(self.thr @ norms + 0.5 * self.l2 @ (norms * norms))
        return float(self.thr @ np.sum(np.abs(W), axis=0)
                     + 0.5 * self.l2 @ np.sum(W * W, axis=0))


def multinomial_penalty(penalty, n_features):
    """The :class:`MultinomialPenalty` of an L1, ElasticNet or MultiTaskL21 object."""
    from .penalties import ElasticNet, L1, MultiTaskL21, _encode_weights, l1_ratio_of

    if isinstance(penalty, (L1, ElasticNet)):
        if penalty.positive:
            raise ValueError("positive=True is not implemented for the multinomial datafit "
                             "(the softmax's redundant direction would make it a different "
                             "model); use multi_class='ovr'.")
        _, params, c = penalty.encode(n_features)
        rho = float(l1_ratio_of(penalty))
        alpha = float(penalty.alpha)
        return MultinomialPenalty(alpha * rho * c, alpha * (1.0 - rho) * c, False,
                                  penalty.name, alpha)
    if isinstance(penalty, MultiTaskL21):
        c = _encode_weights(getattr(penalty, "weights", None), n_features)
        name = "grouped" if penalty.l1_ratio == 1.0 else "grouped_elasticnet"
        return MultinomialPenalty(penalty.l1 * c, penalty.l2 * c, True, name,
                                  float(penalty.alpha))
    raise ValueError(f"The multinomial datafit takes the penalties L1, ElasticNet (per "
                     f"coefficient) or MultiTaskL21 (grouped over the classes); got "
                     f"{penalty!r}.")


def _log_softmax(Z):
    """(log-sum-exp of each row, the probabilities P), without overflow."""
    m = np.max(Z, axis=1, keepdims=True)
    E = np.exp(Z - m)
    tot = E.sum(axis=1, keepdims=True)
    return (m + np.log(tot))[:, 0], E / tot


def make_multinomial_problem(design, yi, n_classes, sw, penalty, fit_intercept, n_threads=1):
    """:func:`sparsecert._problem.make_problem`'s column statistics and
    tolerance floors, with the multinomial problem's labels (``yi`` class
    indices in 0..K-1), penalty, reference point (0, b0) and scales.

    Costs K + 2 passes over X: the set-up's, X^T s and X^T (s Y) (kept for
    the gap's rebalanced dual point).
    """
    from .datafits import Logistic
    from .penalties import L1

    n, p, K = design.n_samples, design.n_features, int(n_classes)
    Y = np.zeros((n, K))
    Y[np.arange(n), yi] = 1.0
    pi = sample_dot_columns(sw, Y) / n
    if fit_intercept and np.any(pi <= 0):
        k = int(np.flatnonzero(pi <= 0)[0])
        raise ValueError(f"Class {k} (in sorted order) has zero total sample weight: its "
                         f"intercept would be -infinity. Drop the class or give it weight.")
    spec = multinomial_penalty(penalty, p)
    # the binary set-up on 'class 0 against the rest' gives the uncentred
    # column statistics, the work counter and the rounding floors (its
    # labels are +-1, the scale of Y's entries)
    problem = make_problem(design, np.where(yi == 0, 1.0, -1.0), sw, Logistic(),
                           L1(alpha=float(penalty.alpha)), False, n_threads)
    problem.fit_intercept = bool(fit_intercept)
    if fit_intercept:
        logs = np.log(pi)
        b0 = logs - logs.mean()
    else:
        b0 = np.zeros(K)
    lse0, P0 = _log_softmax(b0[None, :])
    XY = multi_rmatvec(design, sw[:, None] * Y / n, n_threads)
    mcol = np.empty(p)
    rmatvec_full(design, sw / n, mcol, n_threads)
    problem.work.add((K + 1) * problem.work.size)
    G0 = np.outer(P0[0], mcol) - XY
    if p == 0:
        scale = 0.0
    elif spec.grouped:
        scale = float(np.max(np.sqrt(np.sum(G0 * G0, axis=0))))
    else:
        scale = float(np.max(np.abs(G0)))
    R0 = P0[0][None, :] - Y
    problem.__dict__.update(
        yi=np.ascontiguousarray(yi, dtype=np.int64), Y=Y, n_classes=K, XY=XY, mcol=mcol,
        class_freq=pi, b0s=b0, lipschitz_mn=2.0 * problem.lipschitz, grad0=G0)
    _set_penalty(problem, penalty, spec)
    problem.scale = scale
    problem.objective0 = sample_dot(sw, lse0[0] - b0[yi]) / n
    problem.scale_intercept = float(np.sqrt(np.sum(sw[:, None] * R0 * R0) / n))
    problem.__dict__.pop("_vscale", None)
    return problem


def _set_penalty(problem, penalty, spec):
    """Give ``problem`` the penalty ``penalty`` (its :class:`MultinomialPenalty`
    ``spec``), and the thresholds the gap tolerance's rescaling floor reads."""
    thr = spec.thr.copy()
    thr.flags.writeable = False
    problem.__dict__.update(spec=spec, penalty=penalty, _thresholds=thr)
    problem.__dict__.pop("_rescaling_floor", None)  # computed from the thresholds


def multinomial_at_alpha(base, alpha):
    """``base`` (of :func:`make_multinomial_problem`) at ``alpha``: a shallow copy,
    the column statistics, labels and scales shared (none depends on alpha:
    ``scale`` is the dual norm of G(0, b0)), the penalty moved. What a path
    solves at each alpha without K + 2 new passes over X."""
    import copy

    problem = copy.copy(base)
    penalty = base.penalty.with_alpha(float(alpha))
    _set_penalty(problem, penalty, multinomial_penalty(penalty, base.design.n_features))
    return problem


def multinomial_alpha_max_on(problem, penalty):
    """alpha_max of :func:`multinomial_alpha_max` from a problem of
    :func:`make_multinomial_problem` (its G(0, b0)) and ``penalty`` (its rho,
    c_j and kind; its alpha ignored)."""
    spec = multinomial_penalty(penalty.with_alpha(1.0), problem.design.n_features)
    thr = spec.thr  # rho c_j, as alpha = 1
    if np.any(thr + spec.l2 == 0):  # c_j = 0
        raise ValueError("alpha_max for the multinomial datafit needs every feature "
                         "penalized (weights > 0); with unpenalized features pass the "
                         "alphas explicitly.")
    if not np.any(thr > 0):
        return np.inf  # rho = 0: a ridge never zeros a coefficient
    G0 = problem.grad0
    per = np.sqrt(np.sum(G0 * G0, axis=0)) if spec.grouped else np.max(np.abs(G0), axis=0)
    return float(np.max(per / thr))


def multinomial_pieces(problem, W, b):
    """Z, P, U = s (P - Y) / n, G = X^T U (K, p), dF/db, the loss and the penalty at (W, b)."""
    design, sw, yi = problem.design, problem.sw, problem.yi
    n = design.n_samples
    Z = multi_matvec(design, W) + b
    problem.work.add_columns(design, np.flatnonzero(np.any(W != 0, axis=0)), times=W.shape[0])
    lse, P = _log_softmax(Z)
    U = sw[:, None] * (P - problem.Y) / n
    G = multi_rmatvec(design, U, problem.n_threads)
    problem.work.add(W.shape[0] * design.nnz)
    loss = sample_dot(sw, lse - Z[np.arange(n), yi]) / n
    g_b = U.sum(axis=0) if problem.fit_intercept else np.zeros(W.shape[0])
    return dict(P=P, U=U, grad=G, intercept_grad=g_b, loss=loss,
                norms_w=np.sqrt(np.sum(W * W, axis=0)), penalty=problem.spec.value(W))


def multinomial_violations(spec, W, G, norms_w, vscale):
    """(feature violations, feature margins, feature gradient norms, per-coefficient
    violations or None): see the module docstring."""
    if spec.grouped:
        viol, margin, norms_g = multitask_violations(spec, W, G, norms_w, vscale)
        return viol, margin, norms_g, None
    thr, l2 = spec.thr[None, :], spec.l2[None, :]
    absg = np.abs(G)
    with np.errstate(invalid="ignore"):
        coef_viol = np.where(W == 0, np.maximum(absg - thr, 0.0),
                             np.abs(G + thr * np.sign(W) + l2 * W)) * vscale[None, :]
    norms_g = absg.max(axis=0) if G.shape[0] else np.zeros(G.shape[1])
    viol = coef_viol.max(axis=0) if G.shape[0] else np.zeros(G.shape[1])
    viol[~np.all(np.isfinite(G), axis=0)] = np.nan
    return viol, spec.thr - norms_g, norms_g, coef_viol


def _rebalanced(problem, P, G):
    """(P~, X^T s (P~ - Y) / n): P mixed with one distribution r so that the
    weighted column sums of P~ are the class frequencies (module docstring)."""
    n, sw, pi = problem.design.n_samples, problem.sw, problem.class_freq
    m = sample_dot_columns(sw, P) / n
    keep = min(1.0, float(np.min(pi / m)))
    lam = 1.0 - keep
    if lam <= 0.0:
        return P, G
    r = np.maximum(pi - keep * m, 0.0) / lam
    r /= r.sum()
    Pt = keep * P + lam * r[None, :]
    Gt = keep * (G + problem.XY) + lam * np.outer(r, problem.mcol) - problem.XY
    return Pt, Gt


def multinomial_gap(problem, pieces, objective):
    """(P(W, b) - D(U) at the rescaled, rebalanced dual point (module
    docstring), the features screened by :func:`sparsecert._duality.block_screen`),
    or (None, None).

    Screening: the Hessian of logsumexp, diag(p) - p p^T, has no eigenvalue
    above 1/2, so sample i's loss is s_i / (2n)-smooth and its conjugate
    2n / s_i-strongly convex: the optimal U* lies within sum_i ||U_i -
    U*_i||^2 n / s_i <= gap of U, and by Cauchy-Schwarz over samples and
    classes ||X_j^T (U - U*)||_2 <= sqrt(gap sum_i s_i x_ij^2 / n) =
    sqrt(2 gap L_j), L_j = ``lipschitz_mn`` (uncentred: no centring is
    needed). Feature j is zero at every optimum unless the dual norm of
    X_j^T U* (||.||_2 grouped, max_k |.| per coefficient, which the
    Euclidean radius also bounds) reaches thr_j (the ridge part only adds
    to a nonzero coefficient's gradient), so t ||X_j^T U~||_* + sqrt(2 gap
    L_j) < thr_j proves it zero.
    """
    spec = problem.spec
    sw, n, yi = problem.sw, problem.design.n_samples, problem.yi
    P, G = pieces["P"], pieces["grad"]
    if problem.fit_intercept:
        P, G = _rebalanced(problem, P, G)
    if G.size == 0:
        t = 1.0
        dual_norm = np.zeros(0)
    elif spec.grouped:
        dual_norm = np.sqrt(np.sum(G * G, axis=0))
    else:
        dual_norm = np.max(np.abs(G), axis=0)
    hard = spec.l2 <= 0  # no ridge part: the conjugate is the dual ball's indicator
    t = 1.0
    if np.any(hard):
        if np.any(hard & (spec.thr <= 0) & (dual_norm > 0)):
            return None, None
        live = hard & (spec.thr > 0) & (dual_norm > 0)
        if np.any(live):
            t = min(1.0, float(np.min(spec.thr[live] / dual_norm[live])))
    soft = ~hard
    conj = 0.0
    if np.any(soft):
        if spec.grouped:
            excess = np.maximum(t * dual_norm[soft] - spec.thr[soft], 0.0)
            conj = float(np.sum(excess ** 2 / (2.0 * spec.l2[soft])))
        else:
            excess = np.maximum(t * np.abs(G[:, soft]) - spec.thr[soft][None, :], 0.0)
            conj = float(np.sum(excess ** 2 / (2.0 * spec.l2[soft])[None, :]))
    Q = t * P
    Q[np.arange(n), yi] += 1.0 - t
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.sum(np.where(Q > 0, Q * np.log(np.where(Q > 0, Q, 1.0)), 0.0), axis=1)
    dual = sample_dot(sw, ent) / n - conj
    gap = float(objective) - dual if np.isfinite(dual) else np.inf
    return gap, block_screen(t * dual_norm, gap, objective, n, problem.lipschitz_mn, spec.thr)


def multinomial_fields(problem, W, b, tol_relative, n_iter=None, solver=None):
    """The fields of the :class:`~sparsecert.certificate.MultinomialCertificate` of
    (W (K, p), b (K,)) for a problem of :func:`make_multinomial_problem`."""
    spec = problem.spec
    pieces = multinomial_pieces(problem, W, b)
    vscale = problem.violation_scale(tol_relative)
    viol, margin, norms_g, coef_viol = multinomial_violations(spec, W, pieces["grad"],
                                                              pieces["norms_w"], vscale)
    return feature_block_fields(
        problem, W, pieces, tol_relative, vscale, viol, margin, norms_g, multinomial_gap,
        n_iter, solver, datafit="multinomial", penalty=spec.name, alpha=spec.alpha,
        group_threshold=spec.thr.copy(), coef_violation=coef_viol,
        intercept=np.asarray(b, dtype=np.float64))


def validate_multinomial(X, y, sample_weight, model="the multinomial datafit"):
    """(design, classes, yi, sw) of labels y with at least two classes (sorted as
    ``np.unique`` sorts them; yi the class index of each sample); ``model``
    names what needs them in the errors."""
    from sklearn.utils import check_array, check_consistent_length

    from ._validation import as_design, check_sample_weight

    X = check_array(X, accept_sparse=["csc", "csr", "coo"], dtype=[np.float64, np.float32],
                    input_name="X")
    y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D class labels for {model}; got shape {y.shape}.")
    check_consistent_length(X, y)
    classes, yi = np.unique(y, return_inverse=True)
    if classes.shape[0] < 2:
        raise ValueError(f"y has a single class ({classes[0]!r}): {model} needs at least 2.")
    design = as_design(X)
    return design, classes, yi, check_sample_weight(sample_weight, design.n_samples)


def multinomial_alpha_max(X, y, penalty, fit_intercept, sample_weight):
    """The smallest alpha at which W = 0 (and the intercepts at the log class
    frequencies, centred) is optimal for the multinomial datafit:
    max_j ||G0[:, j]|| / (rho c_j), G0 = dF/dW at (0, b0), the norm the max over
    the classes (per-coefficient L1 / elastic net) or the 2-norm (grouped);
    inf for rho = 0. ``penalty`` gives rho, c_j and the kind; its alpha is
    ignored. Unpenalized features (c_j = 0) are not supported here: W = 0 is
    then not the reference point."""
    design, classes, yi, sw = validate_multinomial(X, y, sample_weight)
    problem = make_multinomial_problem(design, yi, classes.shape[0], sw,
                                       penalty.with_alpha(1.0), fit_intercept)
    return multinomial_alpha_max_on(problem, penalty)


def multinomial_problem_of(X, y, coef, intercept, penalty, sample_weight):
    """:func:`sparsecert.check_optimality`'s checks for the multinomial datafit:
    y labels (K >= 2 classes, sorted as ``np.unique`` sorts them: the rows of
    ``coef``), coef (K, p) (scikit-learn's ``LogisticRegression.coef_``),
    intercept None (no intercept) or (K,). Returns (problem, W, b)."""
    design, classes, yi, sw = validate_multinomial(X, y, sample_weight)
    K, p = classes.shape[0], design.n_features
    W, b = block_coef_of(coef, intercept, K, p, "n_classes",
                         " (one row per class, in sorted class order)")
    problem = make_multinomial_problem(design, yi, K, sw, penalty, intercept is not None)
    return problem, W, b
