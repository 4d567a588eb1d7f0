"""Working-set block coordinate descent for the group and sparse-group lasso
(least squares and logistic).

The loop of :mod:`.cd`, over groups: each outer round ranks the groups by
how far each is from leaving its dead zone (the certificate's -margin; the
nonzero and unpenalized groups first), solves on the best-ranked ones with
block proximal-gradient steps (:func:`sparsecert._kernels.group.group_bcd_epochs`)
to 0.1 x the current violation (1e-3 x, down to 10 x tol, when every
violating group is in the set; to tol once that is within reach), and ends
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
"""

import numpy as np

from .._kernels import codes
from .._kernels.datafit import datafit_raw_grad, matvec
from .._group_certificate import group_lipschitz, known_group_lipschitz
from .._kernels.group import group_bcd_epochs, group_logistic_epochs
from ..certificate import build_group_certificate
from .common import CertifiedRounds, SolverResult, _epochs_per_call_for, profiled_residual
from .messages import _warn_not_converged

# first working set, in groups (then twice the nonzero groups, never smaller)
_WS_START_GROUPS = 10
# a round solves its working set to this fraction of the violation (as .cd)
_INNER_FACTOR = 0.1
# ... and to this one when every violating group is in the working set
_SETTLED_FACTOR = 1e-3


def _solve_group_cd(problem, w0, b0, tol, max_iter, verbose):
    """Working-set block coordinate descent; stops on the group certificate.

    ``b0`` starts the logistic intercept (the log-odds if None); least
    squares profiles its intercept out and ignores it. ``n_iter`` counts
    epochs over working sets and is bounded by ``max_iter``.
    """
    fit = _GroupCD(problem, w0, b0, tol, max_iter, verbose)
    while not fit.cert.converged and fit.n_iter < max_iter:
        fit.round()
    if not fit.cert.converged:
        _warn_not_converged(fit.cert, max_iter, "block coordinate descent")
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
        return self.ranked_set((self.thr == 0) & (self.thr1 == 0), _WS_START_GROUPS)

    def round(self):
        """One outer iteration: choose the set, block CD epochs on it, certify."""
        problem = self.problem
        ws = self.choose_set()
        group_lipschitz(problem, ws, self.lip)
        final, inner_tol = self.inner_target(_INNER_FACTOR)
        outside = np.ones(self.enc.n_groups, dtype=bool)
        outside[ws] = False
        if self.cert.group_screened is not None:
            # a screened group may violate now, yet is zero at the optimum
            outside &= ~self.cert.group_screened
        if not final and not np.any(self.cert.group_violation[outside] > 0):
            # every violating group is in the set: aim three decades lower,
            # not one (fewer rounds, each a full certificate; only a change
            # of support can undo that work), but stop 10 x short of tol: the
            # last stretch is a final round as before, which refreshes the
            # epochs' drifting running residual and can shrink its target
            inner_tol = max(_SETTLED_FACTOR * self.cert.max_violation,
                            self.tol_abs * self.shrink / _INNER_FACTOR)
        feats = np.concatenate([self.enc.members(g) for g in ws])
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

        self.settle(final, self.epochs_until(run, chunk, inner_tol), inner_tol)
        self.report(ws, self.enc.n_groups, "groups")
