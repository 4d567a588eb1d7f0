"""Python orchestration of the compiled solvers: one module per algorithm.

Each solver picks its kernels, runs them in chunks of epochs (so that
Ctrl-C is honoured between chunks and verbosity can report progress), stops
on the certificate over all features and assembles a :class:`SolverResult`.
Numerical loops live in :mod:`sparsecert._kernels`.

==================  =========================================================
``dispatch``        :func:`solve`: picks the solver for a problem
``cd``              least squares: working-set CD as named steps
``gram``            least squares on a tall dense X: the Gram variant and its cost account
``dual``            dual points for the reported gap; the exact refit on a support
``prox_newton``     logistic, convex penalties: proximal Newton with working sets
``lp_logistic``     logistic, nonconvex Lp: fixed-step coordinate proximal gradient
``fista``           FISTA, any datafit and convex penalty (``solver="fista"``)
``alpha``           :func:`alpha_max`
``common``          :class:`SolverResult`, the size of a compiled call
``messages``        the ConvergenceWarnings, with the numbers reached
==================  =========================================================

Imports flow one way: ``dispatch`` and ``alpha`` -> the algorithm modules
-> ``common`` and ``messages``, all of them -> the certificate, the problem
and the kernels below.

Stopping rule (quadratic): after every epoch the kernel measures each
coordinate's violation just before its own update (free: the gradient is
computed anyway); when that cheap bound is <= tol, the exact certificate
over all features is computed from scratch at the current point, and the
solver stops only if it holds. The logistic solvers do the same with their
own kernels' bounds.
"""

from .alpha import alpha_max
from .common import SolverResult
from .dispatch import solve

__all__ = ["SolverResult", "alpha_max", "solve"]
