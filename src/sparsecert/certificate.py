r"""The first-order optimality certificate.

For the problem  min_{w, b} F(w, b) + sum_j G_j(w_j)  and a candidate (w, b),
with g_j = dF/dw_j at (w, b), the violation of feature j is the distance from
-g_j to the subdifferential of G_j at w_j:

* L1, w_j != 0:  |g_j + alpha c_j sign(w_j)|;   w_j = 0:  max(0, |g_j| - alpha c_j)
* elastic net:   the same with threshold alpha c_j rho and the ridge term's
  derivative alpha c_j (1 - rho) w_j added
* ``positive``:  a zero needs g_j >= -threshold; a negative w_j is infeasible (inf)
* intercept:     |dF/db|

The candidate is certified when max_j violation_j <= tol and, for the convex
problems, its relative duality gap is <= the same scale-free tol (see below),
where the absolute
``tol`` is the user's scale-free tolerance times ``scale`` = ||grad F(0, b0)||_inf
(alpha_max for L1 with unit weights), so rescaling X or y leaves its meaning
unchanged. A feature whose column has a smaller RMS than the median column
is held to a proportionally smaller tolerance of its own (a violation in
gradient units shrinks with its column's norm and would hide a column of tiny
norm); its violation is reported multiplied by ``violation_scale`` = tol / tol_j,
so that the violation test reads ``max_violation <= tol``. The intercept's |dF/db| is in units of y, not of X^T y: it is held
to its own tolerance ``tol_relative * scale_intercept`` (RMS of the loss
derivative at (0, b0)) and reported rescaled by ``tol / tol_intercept``, so
that rescaling X alone changes neither. Both tolerances are floored at the
rounding error of the sums they bound (about 8 sqrt(n) eps |X| |y|): a request
below it is honoured as the floor, and ``tol`` reports what was used. For the convex problems the certificate also carries the duality
gap P(w, b) - D(u), a global bound on suboptimality, absolute and relative to
P(0, b0), and requires relative gap <= tol: the violation test alone, whose
tol is relative to alpha_max, would let the gap of alpha = alpha_max / 1000
reach about 1000 tol. Unpenalized features (alpha = 0, zero weights) carry
the dual constraint X_U^T u = 0, which the dual point is projected onto
(least squares; see :func:`_project_out_unpenalized`); where that is not
done the gap is None and the violation test alone decides.

Logistic datafit with an intercept: the dual carries the constraint
sum_i u_i = 0, which u = f'(z) meets only at the optimum (it is dF/db = 0).
The gap is computed at a rebalanced u' (the heavier class's part shrunk so
that sum u' = 0, see :func:`_balanced_logistic_dual_point`): it is always a
valid upper bound on P(w, b) - P*, equal to the usual gap at the optimum
(where it tends to 0), and looser away from it by a term that vanishes with
dF/db; the violation |dF/db| itself is reported separately.
"""


import numpy as np

from ._problem import evaluate, make_group_problem, make_problem
from ._duality import (_balanced_logistic_dual_point, _candidate_gap, _computed_gap,  # noqa: F401
                       _dense_columns, _gap_tolerance, _given_gap, _thresholds,
                       _intercept_violation, _relative_gap, gap_safe_screen)
from ._kernels import codes
from ._violations import _violations
from ._multitask_explain import explain_multinomial, explain_multitask, multinomial_repr, \
    multitask_repr, tests_text
from ._validation import check_coef, validate_arrays


# fields a Certificate fills in when not given; the others are required
_OPTIONAL_FIELDS = frozenset({"distributed", "tol_intercept", "scale_intercept", "screened",
                              "violation_scale", "dual_point", "gap_tol"})
_REQUIRED_FIELDS = {}  # certificate class -> its required fields


class Certificate:
    """Immutable result of an optimality check (in the spirit of ``OptimizeResult``).

    Attributes
    ----------
    converged : bool
        ``max_violation <= tol``, and for the convex problems also
        ``relative_gap <= gap_tol``: the first-order test alone lets the gap
        of a small alpha grow as tol x alpha_max / alpha.
    kind : {"global", "local"}
        "global" when the problem is convex (a stationary point is a global
        minimum), "local" otherwise.
    max_violation : float
        Largest violation over all features and the intercept, in the
        features' gradient units (the intercept's |dF/db| is rescaled by
        ``tol / tol_intercept``).
    argmax : int or None
        Feature with the largest violation (None when it is the intercept).
    duality_gap, relative_gap : float or None
        P - D and (P - D) / P(0, b0), from a feasible dual point, so an
        upper bound on P(w, b) - P* and >= 0 up to rounding; None when the
        problem is not convex, or when more than ``_MAX_PROJECTED``
        unpenalized features (or any, with the logistic datafit) leave no
        cheap feasible dual point (see :func:`_project_out_unpenalized`).
    gap_tol : float or None
        The relative gap a certified point may have: ``tol_relative``
        (scikit-learn's meaning of tol, whose test is gap <= tol ||y||^2 / n,
        i.e. 2 tol P(0) for least squares), floored at the rounding error of
        P - D. None without a gap.
    dual_point : str or None
        Which feasible dual point gave ``duality_gap`` (the larger D wins):
        "residual" (the loss derivative at (w, b), rescaled into the dual
        feasible set) or "extrapolated" (the same made of an extrapolated
        residual that least-squares CD passes on, see ``build_certificate``).
        None when there is no gap.
    tol : float
        Absolute tolerance of the features (``tol_relative * scale``, floored
        at the rounding error of the gradient).
    tol_intercept, scale_intercept : float
        The intercept's own absolute tolerance ``tol_relative *
        scale_intercept`` (same floor), in units of y: rescaling X leaves it
        unchanged. ``scale_intercept`` is the weighted RMS of the loss
        derivative at (0, b0) (of y - b0 for least squares).
    tol_relative, scale : float
        The scale-free tolerance and ||grad F(0, b0)||_inf.
    objective : float
        P(w, b) = F(w, b) + G(w).
    intercept_gradient : float
        dF/db (0 without an intercept).
    gradient, violation, margin : ndarray of shape (n_features,)
        g_j; violation_j; threshold_j - |g_j| (how deep inside the dead zone a
        zero coefficient sits: positive means the penalty holds it at 0). The
        last two are multiplied by ``violation_scale``.
    violation_scale : ndarray of shape (n_features,)
        tol / tol_j >= 1: each feature is held to its own tolerance tol_j,
        smaller than ``tol`` for a column whose RMS is below the median
        column's (in proportion), and its violation and margin are reported
        multiplied by this factor, in the units of a typical column. A
        violation in gradient units scales with its column's norm, so a
        single tolerance would let a column of tiny norm through whatever its
        coefficient's error. All ones for columns of equal norm.
    coef : ndarray of shape (n_features,)
        The coefficients checked.
    screened : ndarray of bool or None
        Features that the gap-safe test proves zero at every optimum
        (quadratic datafit with L1/elastic net, and the block certificates:
        group, multi-task, multinomial; None otherwise).
    n_iter : int or None, solver : str or None
        Filled when the certificate comes from a fit.
    datafit, penalty : str
        Names of the problem's parts; ``alpha`` its regularization strength.
    """

    _fields = ("converged", "kind", "max_violation", "argmax", "duality_gap", "relative_gap",
               "tol", "tol_relative", "scale", "objective", "intercept_gradient", "gradient",
               "violation", "margin", "coef", "n_iter", "solver", "datafit", "penalty", "alpha",
               "distributed", "tol_intercept", "scale_intercept", "screened", "violation_scale",
               "dual_point", "gap_tol")

    def __init__(self, _owned=(), **kwargs):
        required = _REQUIRED_FIELDS.get(type(self))
        if required is None:
            required = _REQUIRED_FIELDS[type(self)] = frozenset(self._fields) - _OPTIONAL_FIELDS
        if not required.issubset(kwargs):
            missing = required.difference(kwargs)
            raise TypeError(f"Certificate is missing fields {sorted(missing)}")
        kwargs.setdefault("dual_point", None if kwargs["duality_gap"] is None else "residual")
        kwargs.setdefault("gap_tol", None if kwargs["duality_gap"] is None
                          else kwargs["tol_relative"])
        kwargs.setdefault("distributed", False)
        kwargs.setdefault("screened", None)
        kwargs.setdefault("tol_intercept", kwargs["tol"])
        kwargs.setdefault("scale_intercept", kwargs["scale"])
        if "violation_scale" not in kwargs:  # (setdefault would build the ones every time)
            kwargs["violation_scale"] = np.ones_like(kwargs["violation"])
        for name, value in kwargs.items():
            if isinstance(value, np.ndarray):
                if name not in _owned:
                    value = kwargs[name] = value.copy()
                value.flags.writeable = False
        self.__dict__.update(kwargs)  # past __setattr__, which refuses every write

    def __setattr__(self, name, value):
        raise AttributeError("Certificate is immutable")

    def __reduce__(self):
        # by class and fields, for every certificate class
        return (_rebuild_certificate, (type(self), {k: getattr(self, k) for k in self._fields}))

    @property
    def n_nonzero(self):
        return int(np.count_nonzero(self.coef))

    def __repr__(self):
        status = "certified" if self.converged else "NOT certified"
        it = f", n_iter={self.n_iter}" if self.n_iter is not None else ""
        solver = f", solver={self.solver!r}" if self.solver else ""
        return (f"Certificate({status}, kind={self.kind!r}, {tests_text(self)}, "
                f"objective={self.objective:.10g}, "
                f"nonzeros={self.n_nonzero}/{self.coef.shape[0]}{it}{solver})")

    def explain(self, feature_names=None, top=10):
        """Say, for the user, why each listed coefficient is zero or not.

        Lists the ``top`` features with the largest violation (those that keep
        the point from being optimal), then the zero coefficients closest to
        leaving their dead zone, then a summary.
        """
        p = self.coef.shape[0]
        names = [f"x{j}" for j in range(p)] if feature_names is None else [str(f) for f in feature_names]
        thr = self.margin + np.abs(self.gradient)
        lines = [repr(self), ""]
        lines.append(f"{self.datafit} datafit + {self.penalty} penalty, alpha={self.alpha:.6g}; "
                     f"a zero w_j is optimal when |g_j| <= threshold_j (the dead zone), "
                     f"a nonzero one when g_j balances the penalty's slope.")
        bad = np.flatnonzero(self.violation > self.tol)
        if bad.size:
            order = bad[np.argsort(-self.violation[bad])][:top]
            lines.append(f"{bad.size} feature(s) violate optimality by more than tol:")
            for j in order:
                state = "zero" if self.coef[j] == 0 else f"w={self.coef[j]:.6g}"
                why = ("|g| exceeds the threshold: the penalty cannot hold it at 0"
                       if self.coef[j] == 0 else "g does not balance the penalty's slope")
                lines.append(f"  {names[j]}: {state}, g={self.gradient[j]:.4g}, "
                             f"threshold={thr[j]:.4g}, violation={self.violation[j]:.3g} ({why})")
        if abs(self.intercept_gradient) > self.tol_intercept:
            lines.append(f"  intercept: dF/db={self.intercept_gradient:.3g} is not 0")
        if self.gap_tol is not None and not self.relative_gap <= self.gap_tol:
            lines.append(f"The relative duality gap {self.relative_gap:.3g} exceeds "
                         f"{self.gap_tol:.3g}: the objective may still drop by up to "
                         f"{self.duality_gap:.3g}.")
        zeros = np.flatnonzero(self.coef == 0)
        ok_zeros = zeros[self.violation[zeros] <= self.tol]
        if ok_zeros.size:
            order = ok_zeros[np.argsort(self.margin[ok_zeros])][:top]
            lines.append(f"{ok_zeros.size} zero coefficient(s) inside their dead zone; "
                         f"the {len(order)} nearest its edge:")
            for j in order:
                lines.append(f"  {names[j]}: |g|={abs(self.gradient[j]):.4g} <= threshold="
                             f"{thr[j]:.4g} (margin {self.margin[j]:.3g})")
        if self.screened is not None and self.screened.any():
            lines.append(f"{int(self.screened.sum())} zero coefficient(s) are screened and "
                         f"certified: the duality gap proves them zero at every optimum "
                         f"(gap-safe test), not only at this point.")
        nz = np.flatnonzero(self.coef != 0)
        if nz.size:
            order = nz[np.argsort(-np.abs(self.coef[nz]))][:top]
            lines.append(f"{nz.size} nonzero coefficient(s); the {len(order)} largest:")
            for j in order:
                lines.append(f"  {names[j]}: w={self.coef[j]:.6g}, g={self.gradient[j]:.4g}, "
                             f"violation={self.violation[j]:.3g}")
        return "\n".join(lines)


class GroupCertificate(Certificate):
    """A :class:`Certificate` of the group (or sparse-group) lasso, group by group.

    The fields of :class:`Certificate` keep their meaning, per feature where
    they are arrays, with these differences: ``violation`` holds each
    feature's component of its group's violation vector (the group's
    violation is their Euclidean norm), ``margin`` its group's margin
    (the same for every feature of a group), ``max_violation`` is the
    largest *group* violation (or the intercept's) and ``argmax`` the
    feature of the largest component in that group. Added, one entry per
    group (in the order of the penalty's encoding):

    group_violation : ndarray
        Distance from -g_g to the subdifferential of alpha c_g ||.||_2 at
        w_g: max(0, ||g_g|| - alpha c_g) at a zero group,
        ||g_g + alpha c_g w_g / ||w_g|| || at a nonzero one. For the
        sparse-group lasso (``l1_ratio`` rho > 0) the subdifferential of
        alpha c_g ((1 - rho) ||.||_2 + rho ||.||_1):
        max(0, ||S(g_g, alpha rho c_g)|| - alpha (1 - rho) c_g) at a zero
        group (S the soft-thresholding), and at a nonzero one the norm of
        g_j + alpha (1 - rho) c_g w_j / ||w_g|| + alpha rho c_g sign(w_j)
        (w_j != 0) and S(g_j, alpha rho c_g) (w_j = 0) over its features.
    group_margin : ndarray
        alpha c_g - ||g_g|| (N*(g_g) for the sparse-group lasso): how deep
        inside its dead zone a zero group sits (positive: the penalty
        holds the whole group at 0).
    group_gradient_norm, group_threshold, group_coef_norm : ndarray
        ||g_g||_2 (the sparse-group lasso: the dual norm N*(g_g) of
        (1 - rho) ||.||_2 + rho ||.||_1, whose dead zone is
        N*(g_g) <= alpha c_g), alpha c_g and ||w_g||_2.
    group_ptr, group_indices : ndarray
        The groups: group g holds features group_indices[group_ptr[g]:group_ptr[g+1]].
    argmax_group : int or None
        The group with the largest violation (None when it is the intercept).
    l1_ratio : float
        rho (0 for the group lasso).

    ``screened`` flags the features of the groups that the gap-safe sphere
    test proves zero at every optimum (``group_screened``, one per group;
    see :func:`sparsecert._group_certificate.screen_groups`); None without
    a gap. It is information for the solvers (which leave those groups
    out of their working sets), never part of ``converged``.
    """

    _group_fields = ("group_violation", "group_margin", "group_gradient_norm",
                     "group_threshold", "group_coef_norm", "group_ptr", "group_indices",
                     "argmax_group", "l1_ratio")
    _fields = Certificate._fields + _group_fields

    def __init__(self, **kwargs):
        kwargs.setdefault("l1_ratio", 0.0)
        super().__init__(**kwargs)

    @property
    def n_groups(self):
        return int(self.group_ptr.shape[0] - 1)

    @property
    def group_screened(self):
        """One flag per group: zero at every optimum by the gap-safe sphere
        test (``screened`` is the same per feature); None without a gap."""
        if self.screened is None:
            return None
        kept = self.__dict__.get("_group_screened")  # build_group_certificate's, if any
        return kept if kept is not None else self.screened[self.group_indices[self.group_ptr[:-1]]]

    @property
    def n_nonzero_groups(self):
        return int(np.count_nonzero(self.group_coef_norm))

    def __repr__(self):
        text = Certificate.__repr__(self)
        where = "intercept" if self.argmax_group is None else f"group {self.argmax_group}"
        text = text.replace(" at intercept <=", f" at {where} <=").replace(
            f" at feature {self.argmax} <=", f" at {where} <=")
        return "Group" + text[:-1] + (f", nonzero groups={self.n_nonzero_groups}/{self.n_groups})")

    def explain(self, feature_names=None, top=10):
        """Say, for the user, why each listed group is zero or not: the
        groups that violate optimality, the zero groups nearest the edge of
        their dead zone, and the largest nonzero groups."""
        from ._group_certificate import explain_groups
        return explain_groups(self, feature_names, top)


def build_group_certificate(problem, w, b, tol_relative, n_iter=None, solver=None):
    """The :class:`GroupCertificate` of (w, b) for a group or sparse-group lasso ``problem``
    (:func:`sparsecert._problem.make_group_problem`)."""
    # imported here, as the multi-task and multinomial ones: a Lasso fit never loads them
    from ._group_certificate import GROUP_FRESH, group_gap, group_pieces, l1_ratio_of_problem
    tol, tol_intercept = problem.tolerances(tol_relative)
    vscale = problem.violation_scale(tol_relative)
    pieces = group_pieces(problem, w, b, vscale)
    comp, gviol, gmargin = pieces["comp"], pieces["viol"], pieces["margin"]
    g_b = pieces["intercept_grad"]
    v_b = _intercept_violation(g_b, tol, tol_intercept)
    # (np.max and np.argmax of gviol, and np.argmax over the group's comp)
    max_group = float(gviol[pieces["worst_group"]]) if gviol.size else 0.0
    if gviol.size and not (v_b > max_group):
        argmax_group, argmax = pieces["worst_group"], pieces["worst_feature"]
        max_v = max_group
    else:
        argmax_group = argmax = None
        max_v = float(v_b)
    if np.isnan(max_group):
        max_v = np.nan
    objective = pieces["loss"] + pieces["penalty"]
    gap, screened = group_gap(problem, pieces, objective)
    rel_gap = None if gap is None else float(_relative_gap(problem, gap))
    gap_tol = None if gap is None else _gap_tolerance(problem, tol_relative, objective)
    converged = bool(max_v <= tol) and (rel_gap is None or bool(rel_gap <= gap_tol))
    enc = problem.groups
    return GroupCertificate(
        converged=converged, kind="global", gap_tol=gap_tol, max_violation=max_v,
        argmax=argmax, duality_gap=gap, relative_gap=rel_gap, tol=tol,
        tol_relative=tol_relative, scale=problem.scale, objective=objective,
        intercept_gradient=g_b, tol_intercept=tol_intercept,
        scale_intercept=problem.scale_intercept, gradient=pieces["grad"], violation=comp,
        margin=pieces["margin_f"], violation_scale=vscale, coef=w, n_iter=n_iter,
        solver=solver, datafit=problem.datafit.name, penalty=problem.penalty.name,
        alpha=float(problem.penalty.alpha), dual_point=None if gap is None else "residual",
        group_violation=gviol, group_margin=gmargin, group_gradient_norm=pieces["norms_g"],
        group_threshold=pieces["thr"], group_coef_norm=pieces["norms_w"], group_ptr=enc.ptr,
        group_indices=enc.indices, argmax_group=argmax_group,
        l1_ratio=l1_ratio_of_problem(problem), _group_screened=screened, _owned=GROUP_FRESH,
        screened=None if screened is None else screened[enc.group_of])


def shortfall(cert):
    """What keeps ``cert`` from holding: the violation test, else the gap test."""
    where = "the intercept" if cert.argmax is None else f"feature {cert.argmax}"
    if getattr(cert, "argmax_group", None) is not None and not isinstance(
            cert, MultiTaskCertificate):  # whose groups are its features
        where = f"group {cert.argmax_group}"
    if not cert.max_violation <= cert.tol:
        return (f"max violation {cert.max_violation:.3e} (at {where}) > tol {cert.tol:.3e} "
                f"(= tol {cert.tol_relative:g} x scale {cert.scale:.3e})")
    return (f"relative duality gap {cert.relative_gap:.3e} > tol {cert.gap_tol:.3e} "
            f"(max violation {cert.max_violation:.3e} <= {cert.tol:.3e} holds)")


def _rebuild_certificate(cls, fields):
    return cls(**fields)


class _Draft:
    """A certificate's fields without the public object's defensive copies.

    What a solver's intermediate rounds read (a fit makes several per
    second on small problems, and the copies were a visible share of them);
    its arrays may be the caller's live ones. :meth:`final` makes the
    immutable :class:`Certificate` a fit returns.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def final(self):
        """The immutable :class:`Certificate`, once the fit is done with this
        draft: the arrays :func:`build_certificate` made for it (``_FRESH``)
        become the certificate's, read-only, instead of being copied; the
        others (``coef``, the fit's live coefficients; ``violation_scale``,
        the problem's) are copied."""
        return Certificate(_owned=_FRESH, **self.__dict__)

    def __repr__(self):
        return repr(Certificate(**self.__dict__))


# the arrays of a draft that build_certificate computed for it alone: the
# gradient (evaluate's), violation and margin (_violations'), screened
_FRESH = frozenset({"gradient", "violation", "margin", "screened"})


def build_certificate(problem, w, b, tol_relative, n_iter=None, solver=None, pieces=None,
                      gap=None, dual=None, distributed=False, dual_candidate=None,
                      draft=False):
    """Certificate of (w, b) for ``problem``; ``pieces`` reuses an :func:`evaluate` result.

    ``gap`` (with ``pieces``) is a duality gap computed by the caller, e.g. as
    sums over row blocks held by other processes (:mod:`sparsecert.distributed`,
    which also sets ``distributed``); the per-sample arrays are then not needed.
    ``dual`` = (X^T u', t), the dual point's gradient and scaling that gave
    ``gap``, enables the gap-safe screening test.

    ``dual_candidate`` (quadratic datafit, L1 or elastic net) is a callable
    returning a second per-sample vector u2 or None, e.g. the loss
    derivative at an extrapolated point (celer's dual extrapolation,
    Massias, Gramfort & Salmon, 2018). It is called only when the point is
    certified (the gap it tightens is then the one reported). u2 is made
    feasible as the residual's u is (centred with an intercept, rescaled
    into the dead zones) and the larger dual value gives the gap: any
    feasible dual point bounds P - P*, so the candidate can only tighten the
    gap and strengthen screening; the violations, and so ``converged``, are
    those of (w, b) alone. See :func:`_candidate_gap` for its cost.

    ``draft=True`` returns a :class:`_Draft` (same fields, no copies).
    """
    if pieces is None:
        pieces = evaluate(problem, w, b)
    v = _violations(problem, pieces, tol_relative)
    objective = pieces["loss"] + pieces["penalty"]
    convex = getattr(problem.penalty, "convex", True)
    gap_tol = _gap_tolerance(problem, tol_relative, objective) if convex else None
    if not convex:
        gap = rel_gap = screened = dual_kind = None
    elif gap is not None:
        gap, rel_gap, screened, dual_kind = _given_gap(problem, gap, dual)
    else:
        gap, rel_gap, screened, dual_kind = _computed_gap(problem, w, pieces, objective,
                                                          v.converged, gap_tol, dual_candidate)
    if rel_gap is None:
        gap_tol = None
    # the gap test is decided on the residual's dual point (what anyone can
    # recompute from (w, b)); a dual candidate only ever lowers it further
    converged = v.converged and (rel_gap is None or bool(rel_gap <= gap_tol))
    return (_Draft if draft else Certificate)(
        converged=converged, kind="global" if convex else "local", gap_tol=gap_tol,
        max_violation=v.max_violation, argmax=v.argmax, duality_gap=gap, relative_gap=rel_gap,
        tol=v.tol, tol_relative=tol_relative, scale=problem.scale, objective=objective,
        intercept_gradient=v.intercept_gradient, tol_intercept=v.tol_intercept,
        scale_intercept=problem.scale_intercept, gradient=pieces["grad"], violation=v.violation,
        margin=v.margin, violation_scale=v.violation_scale, coef=w, n_iter=n_iter, solver=solver,
        datafit=problem.datafit.name, penalty=problem.penalty.name,
        alpha=float(problem.penalty.alpha), screened=screened, distributed=bool(distributed),
        dual_point=dual_kind)


class MultiTaskCertificate(GroupCertificate):
    """A :class:`GroupCertificate` of the multi-task lasso: one group per
    feature, made of its k task coefficients (a column of ``coef``); see
    :mod:`sparsecert._multitask_certificate` for the conditions and the gap.

    Differences from :class:`GroupCertificate`: ``coef`` and ``gradient``
    have shape (n_tasks, n_features), scikit-learn's ``coef_`` layout;
    ``violation`` and ``margin`` are per feature (= ``group_violation``,
    ``group_margin``); ``intercept_gradient`` is ||dF/db||_2 over the tasks
    and ``intercept_gradients`` the k-vector dF/db.
    """

    _fields = GroupCertificate._fields + ("intercept_gradients",)


    n_tasks = property(lambda self: int(self.coef.shape[0]))
    # features with a nonzero block (all their tasks)
    n_nonzero = property(lambda self: self.n_nonzero_groups)

    def __repr__(self):
        return multitask_repr(self)

    def explain(self, feature_names=None, top=10):
        """Say, feature by feature, why each listed block W[:, j] is zero or not."""
        return explain_multitask(self, feature_names, top)


def build_multitask_certificate(problem, W, b, tol_relative, n_iter=None, solver=None):
    """The :class:`MultiTaskCertificate` of (W (k, p), b (k,)) for a problem of
    :func:`sparsecert._multitask_certificate.make_multitask_problem`."""
    from ._multitask_certificate import multitask_fields
    return MultiTaskCertificate(**multitask_fields(problem, W, b, tol_relative, n_iter, solver))


class MultinomialCertificate(MultiTaskCertificate):
    """The certificate of multinomial logistic regression, feature by feature
    (:mod:`sparsecert._multinomial_certificate`: the conditions, the gap, the
    softmax's redundant direction): a :class:`MultiTaskCertificate` with
    classes for tasks. Per coefficient (L1, elastic net) a feature's violation
    is the largest of its K coefficients', ``group_gradient_norm`` max_k |g_kj|;
    grouped, the Euclidean ones. Added: ``coef_violation`` (K, p) (None
    grouped) and ``intercept`` (K,)."""

    _fields = MultiTaskCertificate._fields + ("coef_violation", "intercept")
    __repr__ = multinomial_repr
    explain = explain_multinomial


    n_classes = property(lambda self: int(self.coef.shape[0]))
    grouped = property(lambda self: self.coef_violation is None)


def build_multinomial_certificate(problem, W, b, tol_relative, n_iter=None, solver=None):
    """The :class:`MultinomialCertificate` of (W (K, p), b (K,)) for a multinomial problem."""
    from ._multinomial_certificate import multinomial_fields
    return MultinomialCertificate(**multinomial_fields(problem, W, b, tol_relative, n_iter,
                                                       solver))


def check_optimality(X, y, coef, intercept=None, *, datafit, penalty, sample_weight=None, tol=1e-4):
    r"""Check the first-order optimality of coefficients from any source.

    Solves nothing: evaluates, at (w, b) = (``coef``, ``intercept``), the
    gradient of the datafit and each feature's distance to the penalty's
    subdifferential (see the module docstring), and the duality gap for the
    convex problems.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Real targets (quadratic) or two classes (logistic: the larger label
        is +1, as :class:`~sklearn.preprocessing.LabelEncoder` orders them).
    coef : array-like of shape (n_features,)
    intercept : float or None
        None means the model has no intercept; a number makes the intercept a
        free variable, whose stationarity |dF/db| is checked.
    datafit : {"quadratic", "logistic", "multinomial"} or a :mod:`sparsecert.datafits` object
        "multinomial" (softmax over K >= 2 classes) takes y as labels, coef
        of shape (K, p) with one row per class in sorted label order
        (scikit-learn's ``LogisticRegression.coef_`` for K > 2), intercept
        None or (K,), and penalty L1 / ElasticNet (per coefficient) or
        MultiTaskL21 (grouped over the classes); it gives a
        ``MultinomialCertificate``, checked feature by feature. scikit-learn's
        ``LogisticRegression(penalty="l1", C=C)`` is alpha = 1 / (n C).
    penalty : a :mod:`sparsecert.penalties` object (alpha, weights, positive)
        A :class:`~sparsecert.penalties.GroupLasso` or
        :class:`~sparsecert.penalties.SparseGroupLasso` (quadratic or
        logistic datafit) gives a :class:`GroupCertificate`, checked group
        by group; a
        :class:`~sparsecert.penalties.MultiTaskL21` (quadratic) takes a 2-D
        y of shape (n, k), coef of shape (k, p) and intercept None or (k,),
        and gives a ``MultiTaskCertificate``, checked feature by feature.
    sample_weight : array-like of shape (n_samples,), optional
    tol : float, default 1e-4
        Scale-free: the point is certified when max violation <= tol * ||grad F(0, b0)||_inf.

    Returns
    -------
    Certificate
    """
    from .datafits import as_datafit

    datafit = as_datafit(datafit)
    if not (isinstance(tol, (int, float)) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number; got {tol!r}.")
    if datafit.code == codes.MULTINOMIAL:
        from ._multinomial_certificate import multinomial_problem_of
        problem, W, b = multinomial_problem_of(X, y, coef, intercept, penalty, sample_weight)
        return build_multinomial_certificate(problem, W, b, float(tol))
    if getattr(penalty, "multitask", False):
        from ._multitask_certificate import multitask_problem_of
        problem, W, b = multitask_problem_of(X, y, coef, intercept, datafit, penalty,
                                             sample_weight)
        return build_multitask_certificate(problem, W, b, float(tol))
    X, design, y64, sw = validate_arrays(X, y, datafit, sample_weight)
    w = check_coef(coef, design.n_features)
    fit_intercept = intercept is not None
    b = 0.0
    if fit_intercept:
        b = float(np.asarray(intercept, dtype=np.float64).reshape(-1)[0])
        if not np.isfinite(b):
            raise ValueError("intercept is NaN or infinite.")
    if getattr(penalty, "code", None) == codes.GROUP_LASSO:
        problem = make_group_problem(design, y64, sw, datafit, penalty, fit_intercept)
        return build_group_certificate(problem, w, b, float(tol))
    problem = make_problem(design, y64, sw, datafit, penalty, fit_intercept)
    return build_certificate(problem, w, b, float(tol))

