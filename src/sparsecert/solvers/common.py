"""What every solver module shares: the result type and the size of a compiled call.

A solver runs its kernel in chunks of epochs or iterations, so that Ctrl-C
is honoured between chunks and verbose output can report progress; the
chunk is sized here from the work it does.
"""

import contextlib
from dataclasses import dataclass

import numpy as np

from .._kernels import codes
from .._problem import times_w
from .._sums import sample_dot
from .._validation import _Threads

# target work per compiled call, in nonzeros touched: a call returns to
# Python about every 0.1 s, so Ctrl-C and verbose output stay responsive
_WORK_PER_CALL = 5e7
# first working-set size of least-squares CD (also the Gram start credit's
# reference size): small enough that the first round costs little on wide
# problems, large enough for a first support of tens of features
_WS_START = 100
# a certificate whose violations hold while its duality gap does not (a
# small alpha, where the violation test alone allows a gap of about
# tol x alpha_max / alpha) makes FISTA, proximal Newton and the Dask FISTA
# ask this much less violation of their next inner solve (CD aims at
# gap_violation_target instead)
_GAP_TIGHTEN = 0.1


@dataclass
class SolverResult:
    """What a solver returns: the point, its certificate and the work done."""

    coef: np.ndarray
    intercept: float
    certificate: object
    n_iter: int
    # full passes over X of the problem so far, its set-up included (Problem.work)
    n_passes: float = None


def gap_short(cert):
    """True when only the duality-gap test keeps ``cert`` from holding."""
    return not cert.converged and bool(cert.max_violation <= cert.tol)


def gap_violation_target(cert):
    """The violation a solver should reach next when only the gap test failed.

    At the residual's rescaled dual point the gap grows about linearly with
    the violation (the rescaling's 1 - t is v / alpha), so reaching
    ``gap_tol / relative_gap`` of the present violation, halved for safety,
    should pass in one more round: far less than a fixed x0.1 when the gap
    misses by a hair, more when it misses by far. Clipped to [1e-3, 0.5] of
    the present violation.
    """
    ratio = cert.gap_tol / cert.relative_gap if cert.relative_gap > 0 else 0.5
    return float(np.clip(0.5 * ratio, 1e-3, 0.5)) * float(cert.max_violation)


def tightened(tol_abs, problem):
    """``tol_abs`` x ``_GAP_TIGHTEN``, floored at the rounding error of the
    gradient; None when it is at the floor already (nothing more to ask)."""
    if tol_abs <= problem.tol_floor:
        return None
    return max(tol_abs * _GAP_TIGHTEN, problem.tol_floor)


def zeros_hold(cert, w):
    """Whether every zero coefficient of w is inside its dead zone (margin >= 0).

    Then no feature outside the support asks to enter: a working set holding
    the support most often holds the solution's, and solving it to tol (or
    jumping to its exact solution) beats rounds that each pay a certificate.
    """
    return not np.any(np.asarray(cert.margin)[w == 0] < 0.0)


def top_ranked(score, k, design):
    """The ``k`` features of highest ``score``, sorted by index.

    The next ``k`` (those of finite score) are hinted to ``design`` as the
    columns a later round may want (:meth:`RowDesign.prefer`): a CSR X then
    copies them out with this round's, not in a copy of their own (a read
    of all of X's indices each) when they join the set one round at a time.
    """
    p = score.shape[0]
    if 2 * k < p:
        top = np.argpartition(-score, 2 * k - 1)[:2 * k]
        top = top[np.argsort(-score[top], kind="stable")]
        nxt = top[k:]
        design.prefer(nxt[np.isfinite(score[nxt])])
        top = top[:k]
    else:
        top = np.argpartition(-score, k - 1)[:k]
    return np.sort(top).astype(np.int64)


def threads_for(threaded, n_threads):
    """(kind, context) of a kernel call: ``codes.THREADS`` and Numba's thread
    count set to ``n_threads`` for the call when ``threaded`` (the caller's
    test: n_jobs > 1 and work wide enough to split), else ``codes.ONE_THREAD``
    and nothing set. Only a threaded call sets the count: setting it starts
    Numba's thread pool (20 ms, once a process), which a fit on one thread
    never needs."""
    if threaded:
        return codes.THREADS, _Threads(n_threads)
    return codes.ONE_THREAD, contextlib.nullcontext()


def profiled_residual(problem, w, out=None):
    """(b, s * r) at ``w``: the profiled intercept b = (1/n) sum_i s_i r_i (0
    without one) and the weighted residual, r = y - X w, from scratch (X w
    reads only the nonzero columns, counted in ``problem.work``), written
    into ``out`` if given (its contents are not read)."""
    n = problem.design.n_samples
    nonzero = w.nonzero()[0]  # np.flatnonzero of a 1-D w, without its wrappers
    # one n-vector, written in place from X w to the weighted residual: every
    # round refreshes, and each fresh n-vector is pages to fault in
    resid = np.empty(n) if out is None else out
    if nonzero.size:
        times_w(problem, w, nonzero, resid)
        np.subtract(problem.y, resid, out=resid)
    else:
        # X w = 0 (what matvec would write): y - 0 is y, bit for bit
        resid[:] = problem.y
    b = sample_dot(problem.sw, resid) / n if problem.fit_intercept else 0.0
    return b, np.multiply(problem.sw, resid, out=resid)


class CertifiedRounds:
    """What the working-set CD fits (:mod:`.cd`, :mod:`.group_cd`,
    :mod:`.multitask_cd`) do between their rounds. A subclass holds ``cert``,
    ``tol_abs`` and ``shrink`` (the factor of ``tol_abs`` its final rounds
    solve to) and defines ``refresh`` and ``certify``."""

    def aim_at_gap(self):
        """When only the gap test failed, aim the next solve at the violation
        that should pass it (:func:`gap_violation_target`)."""
        if gap_short(self.cert) and self.tol_abs > 0:
            self.shrink = min(self.shrink, gap_violation_target(self.cert) / self.tol_abs)

    def begin(self, ws_start):
        """The state before the first round: the working-set size, no
        shrink, no epoch, and the certificate of the starting point."""
        self.ws_size = ws_start
        self.shrink = 1.0
        self.n_iter = 0
        self.refresh()
        self.cert = self.certify()
        self.aim_at_gap()

    def pick_blocks(self, score, start):
        """The working set, sorted: the set grown to max(its size, 2 x the
        nonzero blocks, ``start``) blocks (groups, or features over tasks or
        classes), those of highest ``score``; never one of score -inf (a
        screened block) unless every block has it."""
        n_blocks = score.shape[0]
        nnz = int(np.count_nonzero(self.cert.group_coef_norm))
        self.ws_size = min(n_blocks, max(self.ws_size, 2 * nnz, start))
        take = max(min(self.ws_size, int(np.count_nonzero(score > -np.inf))), 1)
        if take >= n_blocks:
            return np.arange(n_blocks, dtype=np.int64)
        top = np.argpartition(-score, take - 1)[:take]
        return np.sort(top).astype(np.int64)

    def ranked_set(self, free, start):
        """:meth:`pick_blocks` by the certificate: every nonzero block and
        every ``free`` (unpenalized) one first, then the zero blocks nearest
        (or furthest past) the edge of their dead zone (a NaN margin first);
        the blocks the gap-safe test screened (zero at every optimum) last,
        left out of the set and so out of the epochs. Screening only ranks:
        the certificate, over all blocks, still decides convergence."""
        cert = self.cert
        score = -np.asarray(cert.group_margin, dtype=np.float64)
        screened = cert.group_screened
        if screened is not None:
            score[screened] = -np.inf
        score[(cert.group_coef_norm > 0) | free] = np.inf
        score[np.isnan(score)] = np.inf
        return self.pick_blocks(score, start)

    def epochs_until(self, run, chunk, inner_tol, refresh_every=None):
        """Call ``run(epochs)`` -> (epochs run, running violation bound), at
        most ``chunk`` epochs a call (Ctrl-C is honoured between calls), until
        the bound is <= ``inner_tol`` or ``max_iter`` epochs are spent; the
        last bound. With ``refresh_every``, calls are at most that many
        epochs and :meth:`refresh` recomputes the running state from the
        iterate between them (``run`` reads it from ``self`` at each call)."""
        if refresh_every is not None:
            chunk = min(chunk, refresh_every)
        cheap = np.inf
        first = True
        while self.n_iter < self.max_iter:
            if refresh_every is not None and not first:
                self.refresh()
            first = False
            ep, cheap = run(min(chunk, self.max_iter - self.n_iter))
            self.n_iter += ep
            if cheap <= inner_tol:
                break
        return cheap

    def report(self, ws, total, unit):
        """The verbose line of a round."""
        if self.verbose:
            print(f"[sparsecert] epoch {self.n_iter}: working set {ws.size}/{total} {unit}, "
                  f"{self.cert!r}")

    def inner_target(self, factor):
        """(final, inner_tol): a round solves its set to ``factor`` x the
        current violation, or, once that is within reach, to tol x shrink
        (a final round)."""
        final = factor * self.cert.max_violation <= self.tol_abs * self.shrink
        return final, (self.tol_abs * self.shrink if final else factor * self.cert.max_violation)

    def settle(self, final, cheap, inner_tol):
        """After a round's epochs: the exact point and its certificate; a
        smaller violation asked of the next round when only the gap failed,
        or when a final round's running bound (``cheap`` <= ``inner_tol``)
        passed where the exact certificate did not."""
        self.refresh()
        self.cert = self.certify()
        if gap_short(self.cert):
            self.aim_at_gap()
        elif final and cheap <= inner_tol and not self.cert.converged:
            self.shrink *= 0.1


def _calls_for(work):
    """Epochs per compiled call when one epoch costs ``work`` (in [1, 10000])."""
    return int(min(max(_WORK_PER_CALL // work, 1), 10000))


def _epochs_per_call_for(design, n_feats):
    """Epochs per compiled call for CD over ``n_feats`` features of ``design``."""
    per_feature = max(design.nnz / max(design.n_features, 1), 1.0)
    return _calls_for(max(per_feature * n_feats, 1.0))
