"""Working-set block coordinate descent for the group and sparse-group lasso
(least squares and logistic).

The loop of :mod:`.cd`, over groups: each outer round ranks the groups by
how far each is from leaving its dead zone (the certificate's -margin; the
nonzero and unpenalized groups first), solves on the best-ranked ones with
block proximal-gradient steps (:func:`sparsecert._kernels.group.group_bcd_epochs`)
to 0.1 x the current violation (to tol when every violating group is in
the set, or once tol is within reach), and ends
on the exact certificate over all groups, which alone decides convergence.
Groups that the certificate's gap-safe test screened (zero at every
optimum, :func:`sparsecert._group_certificate.screen_groups`) rank last and
never enter a working set; they still count in every certificate.

Step sizes: 1 / L_g with L_g the largest eigenvalue of the group's weighted
centred Gram matrix X_g^T W X_g / n (exact, by ``numpy.linalg.eigvalsh``,
for groups of up to ``_EXACT_MAX`` features; the trace bound sum_j L_j,
safe but looser, for larger ones;
:func:`sparsecert._group_certificate.group_lipschitz`), computed the first
time a group enters a working set (or the screening test needs it), so a CSR X copies out only the columns the fit uses. For the
logistic datafit the Gram matrix is uncentred (the intercept is a free
variable, not profiled out) and L_g is a quarter of its largest eigenvalue,
the largest curvature the loss can have along the block; the intercept
takes a safeguarded Newton step after each epoch
(:func:`sparsecert._kernels.group.logistic_intercept_step`).

Logistic rounds are proximal Newton by default
(:func:`sparsecert._kernels.group_newton.group_prox_newton_logistic`: block
CD on the loss's local quadratic model, each block's curvature the
h-weighted Gram the current probabilities give it, then a line search on
the true objective), on the same working sets; a round solves its set to
``_NEWTON_WS_FACTOR`` x the violation while a violating group lies outside
it, to tol once none does. The 1 / L_g epochs remain the fallback for a
round whose Newton kernel takes no step (no decrease found, or nothing left
to do where the certificate disagrees). Measured on leukemia (38 x 3051,
groups of 3, tol 1e-6, no intercept, sparse-group rho = 0.5 at alpha_max/50):
13042 epochs, 154..322 ms, before; 21 Newton iterations, 10..19 ms, with them
(benchmarks/bench_sparse_group.py, three runs on a loaded machine); on
unscaled columns (colon, 5.8 .. 20903) the epochs ended uncertified at
max_iter=1000 where Newton certifies in a handful of rounds. ``n_iter``
counts Newton iterations plus fallback epochs.
"""

import numpy as np

from .._kernels import codes
from .._kernels.datafit import datafit_raw_grad, matvec
from .._group_certificate import group_lipschitz, known_group_lipschitz
from .._kernels.group import group_bcd_epochs, group_logistic_epochs, group_members
from .._kernels.group_newton import group_prox_newton_logistic
from .._kernels.prox_newton import PN_CONVERGED, PN_LINE_SEARCH
from ..certificate import build_group_certificate
from .common import CertifiedRounds, SolverResult, _epochs_per_call_for, profiled_residual
from .messages import _warn_not_converged

# first working set, in groups (then twice the nonzero groups, never smaller)
_WS_START_GROUPS = 10
# a round solves its working set to this fraction of the violation (as .cd),
# to tol once every violating group is in the working set
_INNER_FACTOR = 0.1
# a round to tol recomputes the running residual (or z and u) from w after
# this many epochs: the running one drifts by rounding, and on a tol near
# that floor (riboflavin, tol 1e-12) the epochs chased a bound they could
# not reach until max_iter
_REFRESH_EPOCHS = 100
# logistic: proximal Newton rounds (False: the majorized epochs only)
_NEWTON = True
# a Newton round whose working set misses a violating group solves it to
# this fraction of the violation the last certificate measured (a Newton
# iteration on the set costs far less than a certificate over all groups);
# one that holds every violating group solves it to tol
_NEWTON_WS_FACTOR = 0.01
# model epochs at most per Newton iteration
_NEWTON_INNER = 100
# Newton iterations at most per compiled call (Ctrl-C is honoured between calls)
_NEWTON_CHUNK = 20


def _solve_group_cd(problem, w0, b0, tol, max_iter, verbose):
    """Working-set block coordinate descent; stops on the group certificate.

    ``b0`` starts the logistic intercept (the log-odds if None); least
    squares profiles its intercept out and ignores it. ``n_iter`` counts
    epochs over working sets (and, for the logistic datafit, Newton
    iterations) and is bounded by ``max_iter``.
    """
    fit = _GroupCD(problem, w0, b0, tol, max_iter, verbose)
    newton = fit.logistic and _NEWTON
    while not fit.cert.converged and fit.n_iter < max_iter:
        if not (newton and fit.newton_round()):
            fit.round()
    if not fit.cert.converged:
        _warn_not_converged(fit.cert, max_iter, "proximal Newton" if newton
                            else "block coordinate descent")
    return SolverResult(fit.w, fit.b, fit.cert, fit.n_iter)


class _GroupCD(CertifiedRounds):
    """One working-set block CD fit: the iterate, its certificate, the loop's state."""

    def __init__(self, problem, w0, b0, tol, max_iter, verbose):
        self.problem = problem
        enc = problem.groups
        self.enc = enc
        self.n, self.p = problem.design.n_samples, problem.design.n_features
        self.w = np.zeros(self.p) if w0 is None else np.array(w0, dtype=np.float64)
        self.logistic = problem.df_code == codes.LOGISTIC
        if self.logistic:
            self.b = 0.0 if not problem.fit_intercept else (
                problem.b0 if b0 is None else float(b0))
        self.tol, self.max_iter, self.verbose = tol, max_iter, verbose
        self.tol_abs = problem.tolerances(tol)[0]
        self.vscale = problem.violation_scale(tol)
        rho = float(problem.pen_params[codes.PARAM_L1_RATIO])
        # alpha (1 - rho) c_g and alpha rho c_g; rho = 0 gives the group lasso's
        # alpha c_g bit for bit
        self.thr = problem.penalty.alpha * (1.0 - rho) * enc.weights
        self.thr1 = problem.penalty.alpha * rho * enc.weights
        self.free = (self.thr == 0) & (self.thr1 == 0)  # unpenalized groups
        # shared with the certificate's screening (exact L_g where known)
        self.lip = known_group_lipschitz(problem)
        self.buf = np.empty(max(int(np.max(enc.sizes, initial=1)), 1))
        self.b_scale = problem.intercept_scale(tol)
        self.begin(_WS_START_GROUPS)

    def refresh(self):
        """Exact residual and profiled intercept at ``w`` (least squares), or
        exact z = X w + b and u = f'(z) (logistic), so no drift accumulates."""
        problem = self.problem
        if not self.logistic:
            self.b, self.sw_r = profiled_residual(problem, self.w)
            return
        self.z = np.empty(self.n)
        matvec(*problem.design.columns(np.flatnonzero(self.w)), self.n, self.w, self.z)
        problem.work.add_nonzero_columns(problem.design, self.w)
        self.z += self.b
        self.u = np.empty(self.n)
        datafit_raw_grad(problem.df_code, problem.y, self.z, problem.sw, self.n, self.u)

    def certify(self):
        return build_group_certificate(self.problem, self.w, self.b, self.tol,
                                       n_iter=self.n_iter, solver="group_cd")

    def choose_set(self):
        """Sorted groups: every nonzero or unpenalized group plus the zero
        groups nearest (or furthest past) the edge of their dead zone, none
        of those screened (:meth:`CertifiedRounds.ranked_set`)."""
        return self.ranked_set(self.free, _WS_START_GROUPS)

    def round(self):
        """One outer iteration: choose the set, block CD epochs on it, certify."""
        problem = self.problem
        ws = self.choose_set()
        group_lipschitz(problem, ws, self.lip)
        final, inner_tol = self.inner_target(_INNER_FACTOR)
        # (a screened group may violate now, yet is zero at the optimum)
        if not final and not self.violator_outside(ws, screened_too=False):
            # every violating group is in the set: solve it to tol now. An
            # epoch reads the set's columns and a certificate all of X, so
            # the epochs for the last decades cost less than stopping short
            # and paying one more certificate; only a change of support can
            # undo that work. Measured (tol 1e-6) against the former rule (a
            # round to 1e-3 x the violation, at most down to 10 x tol, then a
            # final one): leukemia, groups of 3, alpha_max/10, 6 -> 4
            # certificates, 1.93 -> 1.51 ms best of 30; the same epochs there,
            # on riboflavin and on scikit-learn's make_regression
            final, inner_tol = True, self.tol_abs * self.shrink
        feats = group_members(self.enc.ptr, self.enc.indices, ws)
        X_args = problem.design.columns(feats)
        chunk = _epochs_per_call_for(problem.design, feats.size)

        def run(epochs):
            if self.logistic:
                ep, cheap, self.b = group_logistic_epochs(
                    *X_args, problem.y, problem.sw, self.z, self.u, self.w, self.b,
                    problem.fit_intercept, self.vscale, self.b_scale, self.enc.ptr,
                    self.enc.indices, ws, self.thr, self.thr1, self.lip, epochs, inner_tol,
                    self.buf)
            else:
                ep, cheap, self.b = group_bcd_epochs(
                    *X_args, self.n, self.sw_r, problem.sw, self.w, self.b, problem.means,
                    self.vscale, self.enc.ptr, self.enc.indices, ws, self.thr, self.thr1,
                    self.lip, epochs, inner_tol, self.buf)
            problem.work.add_columns(problem.design, feats, times=ep)
            return ep, cheap

        # a round to tol refreshes its running residual (see _REFRESH_EPOCHS)
        cheap = self.epochs_until(run, chunk, inner_tol,
                                  refresh_every=_REFRESH_EPOCHS if final else None)
        self.settle(final, cheap, inner_tol)
        self.report(ws, self.enc.n_groups, "groups")

    def violator_outside(self, ws, screened_too):
        """Whether the last certificate found a group outside ``ws`` violating
        (the groups its gap-safe test screened counted only with ``screened_too``)."""
        outside = np.ones(self.enc.n_groups, dtype=bool)
        outside[ws] = False
        if not screened_too and self.cert.group_screened is not None:
            outside &= ~self.cert.group_screened
        return bool(np.any(self.cert.group_violation[outside] > 0))

    def newton_round(self):
        """One round of proximal Newton iterations on the working set
        (:func:`~sparsecert._kernels.group_newton.group_prox_newton_logistic`),
        to ``_NEWTON_WS_FACTOR`` x the current violation (to tol on all
        groups, or once that is within reach), then certify. Returns False,
        having changed nothing, when the kernel took no step: its line search
        found no decrease, or it found its working set solved where the
        certificate disagrees (rounding, or a violation outside the set that
        the margins rank below it); the caller then runs the majorized
        :meth:`round`."""
        problem, enc = self.problem, self.enc
        ws = self.choose_set()
        target = self.tol_abs * self.shrink
        inner_tol = target
        if self.violator_outside(ws, screened_too=True):
            # the set will change: solve it only part of the way
            inner_tol = max(target, _NEWTON_WS_FACTOR * float(self.cert.max_violation))
        feats = group_members(enc.ptr, enc.indices, ws)
        work = np.zeros(1)
        # the kernel moves w and z only by the steps its line search accepts
        it, status, viol, b = group_prox_newton_logistic(
            *problem.design.columns(feats), problem.y, problem.sw, self.w, self.b,
            problem.fit_intercept, self.z, self.vscale, self.b_scale, enc.ptr, enc.indices, ws,
            self.thr, self.thr1, max(1, min(_NEWTON_CHUNK, self.max_iter - self.n_iter)),
            _NEWTON_INNER, inner_tol, target, work)
        problem.work.add(work[0])
        accepted = it - 1 if status == PN_LINE_SEARCH else it
        if accepted == 0:
            return False
        self.b = b
        self.n_iter += accepted
        self.settle(inner_tol == target, viol if status == PN_CONVERGED else np.inf, inner_tol)
        if self.verbose:
            print(f"[sparsecert] {it} Newton iterations: working set {ws.size}/{enc.n_groups} "
                  f"groups, {self.cert!r}")
        return True
