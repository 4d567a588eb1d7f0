r"""Fits on Dask arrays: FISTA whose passes over X run on a Dask cluster.

When X is a ``dask.array`` (row-chunked; each block a dense NumPy array or a
scipy.sparse matrix), the estimators call :func:`solve_dask` instead of the
in-memory solvers. X never leaves the workers: it is persisted there once,
and every pass over it is one task per row block whose result is a p-vector
or a few scalars, summed by a tree of tasks on the workers. The
client holds only p-vectors: the iterate (w, b), the previous iterate and
the gradient.

Problem (the same as in memory, :mod:`sparsecert.solvers`): minimize over
x = (w, b)

    P(w, b) = F(w, b) + sum_j G_j(w_j),   F(w, b) = (1/n) sum_i s_i f(y_i, x_i^T w + b),

with the rows split into blocks B_1, ..., B_K. Every quantity the solver
needs is a sum over blocks:

    grad_w F = sum_k X_{B_k}^T u_{B_k},  dF/db = sum_k sum_{i in B_k} u_i,
    u_i = (s_i / n) f'(y_i, x_i^T w + b),   F = sum_k F_{B_k},

and likewise the Bregman divergence of the backtracking test, the column
statistics (weighted means m_j and second moments, hence the coordinate
Lipschitz constants) and the Fenchel conjugate f^* of the duality gap. Only
these p-vectors and scalars travel back to the client.

Algorithm: FISTA with adaptive restart and backtracking, step by step that
of :func:`sparsecert._kernels.fista.fista_run` (same momentum, restart tests
and sufficient-decrease test, intercept an unpenalized coordinate), written
in Python around one distributed pass per iteration (:func:`.blocks._block_step`):
with x_{k+1} = prox_{G/L}(y_k - grad F(y_k) / L) formed on the client, each
block computes X_k [w_{k+1}, v_k, y_{k+1}], the loss and the
Bregman divergence of the backtracking test at x_{k+1}, and the partial
gradient X_k^T F'(X_k y_{k+1} + b) at the next extrapolated point, computed
ahead; a restart (y_{k+1} = x_{k+1}) costs one more pass, a failed
backtracking test one repeated pass. Every ``solver._CHECK`` iterations the pass
also returns the gradient at x_{k+1} for the stopping test. The initial step
is 1/L with L = 1.1 lambda_max([X 1]^T S [X 1] / n) (a quarter of it for the
logistic loss), lambda_max from a distributed power iteration capped by the
trace; backtracking doubles L when the sufficient-decrease test fails.

Few features: least squares with the L1 or elastic-net penalty on at most
200 features (``solver="auto"``) is first solved from its centred Gram
matrix H = Xc^T S Xc / n, gathered in one pass (p^2 numbers per block),
by the compiled Gram solver of :mod:`sparsecert.solvers.gram_path`. The
distributed certificate of that solution, computed from X as below,
decides: certified, the fit is done in five passes with the set-up's two
("gram_dask");
otherwise FISTA goes on from it. ``solver="fista"`` skips this start.

Reduction: the per-block results are summed by a tree of tasks of fan-in
``rowblocks._FAN_IN`` on the workers whose last level (at most ``_FAN_IN`` partial
vectors) is gathered and summed on the client, in a fixed order. Latency,
not arithmetic, dominates small problems: each pass is at least one
scheduler round trip (milliseconds to tens of milliseconds), against
microseconds for the in-memory compiled loop. Use it when X does not fit in
one machine's memory, or when the passes over X dominate.

Stopping rule: the certificate of the in-memory solvers. The violations are
computed on the client from the distributed full gradient by the library's
scalar kernels (:func:`sparsecert._kernels.optimality.feature_violations`);
the duality gap's datafit conjugate is summed over blocks. The certificate
is exact (all features, at the returned point, from scratch) and says
``distributed=True``.

Failures: X is persisted from its graph, so when a worker dies the
scheduler recomputes the lost blocks from that graph; each pass is a fresh
set of tasks depending only on X, y, s and the p-vectors given, so a pass
interrupted by a worker's death is simply rerun by the scheduler and gives
the same numbers (the tree sum's order is fixed).

``import sparsecert`` never imports Dask: this package imports it lazily,
when a Dask array is passed to ``fit`` (:func:`is_dask_array` only looks
for an already imported ``dask.array``).

Layout, in the order a fit uses it (each imports only those above it, and
the library's modules below the estimators):

===============  =========================================================
``blocks``       the per-block work run on the workers (NumPy and kernels only)
``rowblocks``    :class:`RowBlocks`: X, y, s persisted; one pass = a tree sum
``problem``      :func:`make_dask_problem`: checks, column statistics, Problem
``primitives``   the distributed gradient, the step's power iteration, the
                 stopping quantity
``certificate``  :func:`distributed_certificate`
``solver``       :func:`solve_dask`: the Gram start and the distributed FISTA loop
``hooks``        :func:`fit_dask`, :func:`decision_dask`, :func:`unique_labels`:
                 what the estimators call
===============  =========================================================
"""

from .._validation import check_no_overflow, is_dask_array  # noqa: F401 (re-exported)
from .certificate import distributed_certificate
from .hooks import decision_dask, fit_dask, unique_labels
from .problem import DaskDesign, as_row_blocks, make_dask_problem, prepare_X
from .rowblocks import RowBlocks
from .solver import solve_dask

__all__ = ["DaskDesign", "RowBlocks", "as_row_blocks", "decision_dask", "distributed_certificate",
           "fit_dask", "is_dask_array", "make_dask_problem", "prepare_X", "solve_dask",
           "unique_labels"]
