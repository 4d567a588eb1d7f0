"""Working-set block coordinate descent for the multi-task lasso (least squares).

The loop of :mod:`.group_cd`, with one block per feature made of its k
task coefficients: each outer round ranks the features by how far each is
from leaving its dead zone (the certificate's -margin; the nonzero ones
first), solves on the best-ranked ones with exact block steps
(:func:`sparsecert._kernels.multitask.mt_bcd_epochs`, step 1 / L_j, L_j the
column's weighted centred mean square, the block's Hessian being L_j I_k;
the elastic net's ridge part enters the exact step)
to 0.1 x the current violation (to tol once that is within reach), and ends
on the exact certificate over all features
(:func:`sparsecert.certificate.build_multitask_certificate`),
which alone decides convergence.
"""

import numpy as np

from .._kernels.datafit import matvec
from .._kernels.multitask import mt_bcd_epochs
from ..certificate import build_multitask_certificate
from .common import CertifiedRounds, SolverResult, _epochs_per_call_for
from .messages import _warn_not_converged

# first working set, in features (then twice the nonzero ones, never smaller)
_WS_START = 10
# a round solves its working set to this fraction of the violation (as .cd)
_INNER_FACTOR = 0.1


def solve_multitask_cd(problem, W0, tol, max_iter, verbose):
    """Fit a problem of :func:`~sparsecert._multitask_certificate.make_multitask_problem`
    from ``W0`` (k, p) or zeros; returns a :class:`SolverResult` whose ``coef``
    is (k, p) and ``intercept`` (k,). ``n_iter`` counts epochs over working
    sets and is bounded by ``max_iter``."""
    fit = _MultiTaskCD(problem, W0, tol, max_iter, verbose)
    while not fit.cert.converged and fit.n_iter < max_iter:
        fit.round()
    if not fit.cert.converged:
        _warn_not_converged(fit.cert, max_iter, "block coordinate descent", stacklevel=4)
    return SolverResult(fit.W.T.copy(), fit.b.copy(), fit.cert, fit.n_iter)


class _MultiTaskCD(CertifiedRounds):
    """One fit: the iterate W (p, k), the residuals, the certificate, the loop's state."""

    def __init__(self, problem, W0, tol, max_iter, verbose):
        self.problem = problem
        self.n, self.p = problem.design.n_samples, problem.design.n_features
        self.k = problem.Y.shape[1]
        self.W = (np.zeros((self.p, self.k)) if W0 is None
                  else np.ascontiguousarray(np.asarray(W0, dtype=np.float64).T))
        self.tol, self.max_iter, self.verbose = tol, max_iter, verbose
        self.tol_abs = problem.tolerances(tol)[0]
        self.vscale = problem.violation_scale(tol)
        self.l1, self.l2 = problem.penalty.l1, problem.penalty.l2
        self.buf = np.empty(max(self.k, 1))
        self.begin(_WS_START)

    def refresh(self):
        """Exact weighted residuals s * (y_t - X w_t) (k, n) and profiled intercepts."""
        problem, n = self.problem, self.n
        X_args = problem.design.columns(np.flatnonzero(np.any(self.W != 0, axis=1)))
        self.sw_r = np.empty((self.k, n))
        z = np.empty(n)
        for t in range(self.k):
            matvec(*X_args, n, np.ascontiguousarray(self.W[:, t]), z)
            self.sw_r[t] = problem.sw * (problem.Y[:, t] - z)
        self.b = (self.sw_r.sum(axis=1) / n if problem.fit_intercept else np.zeros(self.k))

    def certify(self):
        return build_multitask_certificate(self.problem, self.W.T, self.b, self.tol,
                                           n_iter=self.n_iter, solver="multitask_cd")

    def choose_set(self):
        """Sorted features: every nonzero one plus the zero ones nearest (or
        furthest past) the edge of their dead zone."""
        return self.ranked_set(self.l1 == 0, _WS_START)

    def round(self):
        """One outer iteration: choose the set, block CD epochs on it, certify."""
        problem = self.problem
        ws = self.choose_set()
        final, inner_tol = self.inner_target(_INNER_FACTOR)
        X_args = problem.design.columns(ws)
        chunk = max(_epochs_per_call_for(problem.design, ws.size * self.k), 1)

        def run(epochs):
            ep, cheap = mt_bcd_epochs(*X_args, self.n, self.sw_r, problem.sw, self.W, self.b,
                                      problem.means, self.vscale, ws, self.l1, self.l2,
                                      problem.lipschitz, epochs, inner_tol, self.buf)
            problem.work.add_columns(problem.design, ws, times=ep * self.k)
            return ep, cheap

        self.settle(final, self.epochs_until(run, chunk, inner_tol), inner_tol)
        self.report(ws, self.p, "features")
