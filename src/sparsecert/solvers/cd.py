"""Working-set coordinate descent for least squares, as named steps.

One outer round of :func:`_solve_cd_quadratic` is, in order
(:meth:`_QuadraticCD.round`):

1. **rank** the features by how far each is from leaving its dead zone
   (the certificate's -margin; nonzero and unpenalized ones first);
2. **choose the set**: every nonzero plus the best-ranked zeros, sized from
   the support (:meth:`_QuadraticCD.choose_set`);
3. **inner solve** on the set: CD epochs with Anderson extrapolation on the
   residual (:func:`sparsecert._kernels.cd.cd_quadratic_anderson`), or on
   the set's Gram matrix when that pays (:mod:`.gram`);
4. optionally, **jump** to the exact solution of the support's normal
   equations (:mod:`.dual`): at a round's start once the support came
   through a round unchanged or its zeros all hold, or at a round's end,
   before its certificate, when its set held every violating feature;
5. **certify**: the exact certificate over all features, from scratch. It
   alone decides convergence and ranks the next round.

Every tuning constant below carries the measurement that chose it.
"""

import numpy as np

from .._kernels import codes
from .._kernels.cd import cd_quadratic_anderson
from .._kernels.wide import WIDE
from .._problem import evaluate
from ..certificate import _thresholds, build_certificate
from .common import (_WS_START, CertifiedRounds, SolverResult, _epochs_per_call_for,
                     gap_short, profiled_residual, threads_for, times_w, top_ranked,
                     zeros_hold)
from .dual import _DUAL_HISTORY, _dual_candidate, _objective_on, _refit_on_support
from .gram import _GRAM_CERT, _GramState, _use_gram
from .messages import _warn_not_converged

# zeros with |g_j| below (1 - _DEEP) x their threshold at the last certificate
# never fill a working set, even one large enough to hold them (a strong-rule
# style guess the next certificate checks; we8there amax/100: 2640 -> ~2100
# features per epoch, 0.90x in an interleaved A/B)
_DEEP = 0.5
_SUPPORT_JUMP = True  # test hook: False never takes the exact solve on a support
# test hook: False never tries it before a round's certificate (residual_round)
_JUMP_BEFORE_CERTIFICATE = True
_JUMP_TRIES = 3  # support jumps tried per fit, each on a support not tried before
# a round that ends with its set nearly all nonzero grows it up to this x nnz
# (we8there amax/100 38.7 -> 35.1 ms, CSC 20000 x 50000 amax/100 140 -> 128 ms)
_WS_SATURATED_GROWTH = 4
# a round solves its working set to this fraction of the violation (fewer
# passes over X on the benchmark problems than 0.3 x)
_INNER_FACTOR = 0.1
# Anderson extrapolation period (epochs)
_ANDERSON = 5


def _solve_cd_quadratic(problem, w0, b0, tol, max_iter, verbose):
    """Working-set coordinate descent with Anderson extrapolation.

    ``b0`` is not used: least squares profiles the intercept out.

    Outer iteration: the exact certificate over all features (which is also
    the stopping test) ranks the features; the working set is every nonzero
    coefficient plus the features furthest past (or nearest to) the edge of
    their dead zone (largest -margin; never one with |g_j| below half its
    threshold): 100 at first, then twice the number of nonzeros (so it grows
    geometrically while the support does; up to four times, within the
    number of violators, after a round that filled its set with nonzeros)
    and never smaller than before. Features the gap-safe test screened are
    never chosen. CD epochs with Anderson extrapolation
    (:func:`cd_quadratic_anderson`) then solve the problem restricted to it,
    to 0.1 x the current violation (never below tol; to tol directly once
    the support has come through a round unchanged, after trying once the
    exact solution of that support's normal equations, kept if it keeps
    every sign and lowers the objective). Measured on the benchmark
    problems, this counts fewer full passes over X (certificates plus
    epochs) than forcing a x2 or x4 growth or solving to 0.3 x. Working sets
    and extrapolation change speed only: a fit stops only when the full
    certificate holds. ``n_iter`` counts CD epochs (over working sets) and
    is bounded by ``max_iter``.

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
    fit = _QuadraticCD(problem, w0, tol, max_iter, verbose)
    while not fit.cert.converged and fit.n_iter < max_iter:
        fit.round()
    cert = fit.cert if problem.internal else fit.cert.final()
    if not cert.converged:
        _warn_not_converged(cert, max_iter, "coordinate descent")
    return SolverResult(fit.w, fit.b, cert, fit.n_iter)


class _QuadraticCD(CertifiedRounds):
    """One working-set CD fit: the iterate, its certificate and the loop's state.

    ``w`` is updated in place by every step; ``b`` and ``sw_r`` (the
    profiled intercept and the weighted residual) are recomputed exactly by
    :meth:`refresh` after each inner solve, so that incremental updates
    never drift; ``cert`` is the certificate at the current point.
    """

    def __init__(self, problem, w0, tol, max_iter, verbose):
        self.problem = problem
        design = problem.design
        self.n, self.p = design.n_samples, design.n_features
        self.w = np.zeros(self.p) if w0 is None else np.array(w0, dtype=np.float64)
        self.tol, self.max_iter, self.verbose = tol, max_iter, verbose
        self.tol_abs = problem.tolerances(tol)[0]
        self.vscale = problem.violation_scale(tol)
        self.all_feats = None  # np.arange(p), made when a set first holds every feature
        self.always = problem.pen_weights == 0  # unpenalized: always in the working set
        self.resid_buf = None
        self.sw_r = None  # the weighted residual (refresh)
        self.jump_fit = None    # the support jump's (S, v), once taken
        # extrapolation may jump between the basins of a nonconvex penalty: its
        # fits follow plain CD from the documented start, one basin at a time
        self.convex = getattr(problem.penalty, "convex", True)
        self.n_anderson = _ANDERSON if self.convex else 0
        self.gram = _GramState(problem, warm=bool(self.w.any())) if _use_gram(problem) else None
        self.refresh()
        self.n_iter = 0
        # the starting point may already be optimal (alpha >= alpha_max, a warm
        # start): certify it exactly before any epoch, so that such a fit returns
        # the start untouched rather than a point moved by rounding
        self.cert = self.certify()
        self.ws_size = _WS_START
        # inner tolerance factor of a final round (see residual_round); a start
        # whose violations hold but whose gap does not needs a smaller violation
        self.shrink = 1.0
        self.aim_at_gap()
        self.prev_support = None
        # support jumps tried, at most _JUMP_TRIES per fit of each kind: after a
        # round (certify), before a round's certificate (not certify)
        self.jump_tries = {True: 0, False: 0}
        self.jump_support = None  # the support the last jump was tried on
        self.w_cert = None      # the point whose exact gradient ``cert`` holds
        self.deep_thr = None
        if problem.pen_code in (codes.L1, codes.ELASTIC_NET) and _DEEP > 0:
            self.deep_thr = _DEEP * _thresholds(problem) * self.vscale

    def refresh(self):
        """Exact residual and profiled intercept at ``w`` (X w costs only the
        nonzero columns' entries)."""
        # into the last one's vector: nothing else holds it
        self.b, self.sw_r = profiled_residual(self.problem, self.w, self.sw_r)

    def certify(self, ring=None, ring_count=0, ws=None):
        """The exact certificate at (w, b); ``ring`` holds the round's last
        iterates, from which a certified fit's dual point may be extrapolated."""
        problem, w = self.problem, self.w
        # every caller replaces the certificate with this one: its p-vectors
        # (gradient, violations, margins) go first (a 2^20-column X: 25 MB)
        self.cert = None
        # (keeps no n-vector; u over z: z is read for the loss only)
        pieces = evaluate(problem, w, self.b, scratch=True, keep_z=False)
        # called only if (w, b) is certified: a better dual point for the gap
        # the fit reports
        # at the support jump's point the residual is the refit's own: no better candidate
        candidate = (None if problem.internal or self._at_jump(w)
                     else lambda: _dual_candidate(problem, w, ring, ring_count, ws))
        return build_certificate(
            problem, w, self.b, self.tol, n_iter=self.n_iter, solver="cd", pieces=pieces,
            draft=True, dual_candidate=candidate)

    def round(self):
        """One outer iteration: rank, choose the set, inner solve (Gram, or the
        support jump, or residual epochs), certify."""
        self.w_cert = self.w.copy()
        score = self.rank()
        ws = self.choose_set(score)
        if self.gram is not None and self.gram_round(ws, score):
            return
        stable = self.support_is_stable()
        if self.n_iter > 0 and (stable or zeros_hold(self.cert, self.w)) and self.try_support_jump():
            return
        self.residual_round(ws, score, stable)

    def rank(self):
        """Priority of each feature for the working set: -margin, +inf for the
        nonzero and unpenalized ones, -inf for the screened ones."""
        # rank the zeros by how far they are from leaving their dead zone
        # (-margin, = the violation when positive), as celer ranks by its dual
        # distance: when fewer features violate than the set holds, the rest
        # of it goes to those nearest the edge, not to arbitrary ones (the
        # violation ties them all at 0). Leukemia amax/20: 70 -> 57 epochs.
        score = -np.asarray(self.cert.margin, dtype=np.float64)
        if self.cert.screened is not None:
            # gap-safe: provably zero at the optimum, never worth a coordinate step
            score[self.cert.screened] = -np.inf
        score[(self.w != 0) | self.always] = np.inf
        return score

    def choose_set(self, score):
        """The working set: sorted indices of the ``ws_size`` best-ranked features."""
        nnz = int(np.count_nonzero(self.w))
        wanted = 2 * nnz
        if nnz >= 0.9 * self.ws_size:
            # the set filled up with nonzeros: the support is still growing
            # past it (we8there amax/100 doubled 100 -> 1600 over five
            # rounds), so take up to 4 x nnz, but no more than the features
            # that violate (amax/20 saturates once and stops at 468)
            n_viol = int(np.count_nonzero((score > 0) & (score < np.inf)))
            wanted = max(wanted, min(_WS_SATURATED_GROWTH * nnz, nnz + n_viol))
        self.ws_size = min(self.p, max(self.ws_size, wanted, _WS_START))
        take = self.ws_size
        if self.deep_thr is not None:
            # zeros deep in their dead zone stay out even of a set that could
            # hold every feature (see _DEEP)
            n_live = self.p - int(np.count_nonzero(-score > self.deep_thr))
            take = min(self.ws_size, max(n_live, 1))
        if take >= self.p:
            if self.all_feats is None:
                self.all_feats = np.arange(self.p, dtype=np.int64)
            return self.all_feats
        return top_ranked(score, take, self.problem.design)

    def gram_round(self, ws, score):
        """Solve the set on its Gram matrix and certify, if the balance pays
        for the matrix; False (nothing done) if not."""
        gram = self.gram
        # a set of every feature holds the nonzero and unpenalized ones already
        wanted = ws if ws.size == self.p else np.union1d(ws, np.flatnonzero(score == np.inf))
        if not gram.affordable(wanted):
            return False
        self.n_iter += gram.solve(self.w, self.w_cert, self.cert, wanted,
                                  self.tol_abs * self.shrink, self.max_iter - self.n_iter,
                                  self.n_anderson, gram.entries(ws))
        if gram.raw is not None:
            self.jump_on_kept_sums()
        self.refresh()
        self.cert = self.certify()
        self.aim_at_gap()
        if self.verbose:
            print(f"[sparsecert] epoch {self.n_iter}: Gram working set "
                  f"{gram.feats.size}/{self.p}, {self.cert!r}")
        if not gram.agrees(self.cert, self.tol_abs):
            self.gram = None  # rounding defeats the Gram gradient: residual CD from here
        return True

    def jump_on_kept_sums(self):
        """After a CSR X's Gram solve: w's support with its signs solved
        exactly, from the sums the Gram working set kept, if no sign flips.

        The Gram solve stops at half the tolerance, where the residual rounds
        mostly end on a support jump (an exact point whose gap is rounding);
        the same jump costs nothing more here: the system comes from the
        kept sums, and X w at the new point is the refit's own product, kept
        for the refresh and the certificate. With the signs held and no
        feature dropped, the refit minimizes the objective over the orthant
        face w lies on, so it is at least as good as w without comparing
        objectives (each a pass over X). The certificate decides as always."""
        support = np.flatnonzero(self.w)
        if not (self.convex and _SUPPORT_JUMP and self.jump_tries[False] < _JUMP_TRIES) or (
                self.jump_support is not None and np.array_equal(support, self.jump_support)):
            return
        self.jump_tries[False] += 1
        self.jump_support = support
        fit = _refit_on_support(self.problem, self.w)
        if fit is None:
            return
        S, v, _ = fit
        if S.size == support.size and np.all(np.sign(v) == np.sign(self.w[S])):
            self.w[S] = v
            self.jump_fit = (S, v.copy())

    def support_is_stable(self):
        """Whether the support came through the last round unchanged."""
        support = np.flatnonzero(self.w)
        stable = self.prev_support is not None and np.array_equal(support, self.prev_support)
        self.prev_support = support
        return stable

    def _at_jump(self, w):
        """Whether w is where the support jump went (and has not moved since)."""
        if self.jump_fit is None:
            return False
        S, v = self.jump_fit
        return np.array_equal(np.flatnonzero(w), S) and np.array_equal(w[S], v)

    def try_support_jump(self, certify=True):
        """On a support not tried before (at most ``_JUMP_TRIES`` times a
        fit): take the exact solution of its normal equations if every sign
        holds and the objective drops, and certify (unless not ``certify``:
        the caller's round certifies). False (nothing done) otherwise. Tried
        after a round whose support came through unchanged or whose zeros
        all hold (:meth:`round`), and at the end of a round whose set held
        every feature that violated (:meth:`residual_round`)."""
        # CD would walk to the solution on the right support, slowly when X_S
        # is ill-conditioned (leukemia amax/100: 100+ epochs, n = 38 for 33
        # nonzeros); its normal equations give it at once (leukemia amax/100
        # 0.92x, riboflavin amax/100 0.93x). A round whose zeros are all inside
        # their dead zones most often has the support already, even if it
        # moved during the round: trying it then saves the rounds until it
        # comes through one unchanged, each a pass over X for its certificate
        # (text 1e5 x 2e4 Lasso amax/20: 8 -> 4 epochs, 9.8 -> 6.9 passes).
        # Where zeros still violate, the jump certified in none of the
        # rounds measured (leukemia, riboflavin, we8there, text). A wrong
        # support costs the refit; the certificate decides as always.
        if not (self.convex and _SUPPORT_JUMP and self.jump_tries[certify] < _JUMP_TRIES):
            return False
        support = np.flatnonzero(self.w)
        if self.jump_support is not None and np.array_equal(support, self.jump_support):
            return False
        self.jump_tries[certify] += 1
        self.jump_support = support
        fit = _refit_on_support(self.problem, self.w)
        if fit is None:
            return False
        S, v, z_v = fit
        # the objective to beat: the certificate's at the round's start, or
        # where the round's epochs have gone since (X_S w_S: its columns only)
        here = self.cert.objective if certify else _objective_on(
            self.problem, support, self.w[support], self._x_times_w(support))
        if not (np.all(np.sign(v) == np.sign(self.w[S]))
                and _objective_on(self.problem, S, v, z_v) < here):
            return False
        self.w[self.jump_support] = 0.0  # the features the refit dropped
        self.w[S] = v
        self.jump_support = S
        self.jump_fit = (S, v.copy())
        self.refresh()
        if certify:
            self.cert = self.certify()
            self.aim_at_gap()
        if self.verbose:
            print(f"[sparsecert] epoch {self.n_iter}: exact solve on the support "
                  f"({S.size} features)" + (f", {self.cert!r}" if certify else ""))
        return True

    def _x_times_w(self, support):
        """X w from the columns of ``support`` (w's nonzeros)."""
        z = self.problem.scratch("x_times_w", self.n)  # read once, by _objective_on
        times_w(self.problem, self.w, support, z)
        return z

    def residual_round(self, ws, score, stable):
        """Residual CD epochs on ``ws`` (handing over to the Gram solver once it
        pays), then the certificate."""
        # a support that came through a whole round unchanged is most likely
        # the solution's: solve it to tol at once instead of in 10x steps,
        # each paying a certificate (leukemia amax/20: 6 -> 5 rounds). The
        # certificate still decides; a wrong guess costs one round.
        final = stable or _INNER_FACTOR * self.cert.max_violation <= self.tol_abs * self.shrink
        inner_tol = self.tol_abs * self.shrink if final else _INNER_FACTOR * self.cert.max_violation
        # a set that held every feature violating at the round's start (after
        # the first round) most often ends on the solution's support: its exact
        # solution, tried before the certificate, saves the round that would
        # find out and the certificate it ends on (leukemia and riboflavin
        # amax/100: 12.6 -> 10.5 and 15.7 -> 12.4 passes, 0.8x the time;
        # text 1e5 x 2e4 amax/200: 11.3 -> 10.2). A wrong guess costs the refit.
        held = _JUMP_BEFORE_CERTIFICATE and self.n_iter > 0 and not np.any(
            np.delete(np.asarray(self.cert.violation) > self.tol_abs, ws))
        cheap, switch, ring, ring_count = self.residual_epochs(ws, inner_tol)
        gram = self.gram
        if switch:
            self.n_iter += gram.solve(self.w, self.w_cert, self.cert,
                                      np.union1d(ws, np.flatnonzero(score == np.inf)),
                                      self.tol_abs * self.shrink, self.max_iter - self.n_iter,
                                      self.n_anderson, gram.entries(ws))
        # a jump taken refreshes the residual at its own point
        jumped = held and not switch and self.try_support_jump(certify=False)
        if not jumped:
            self.refresh()
        self.cert = self.certify(ring, ring_count, ws)
        if gap_short(self.cert):
            self.aim_at_gap()
        elif final and not switch and not jumped and cheap <= inner_tol and not self.cert.converged:
            # the epochs' running bound (taken before each coordinate moves)
            # passed while the exact one at the end did not: ask more of the
            # next round instead of paying a certificate for every epoch
            self.shrink *= 0.1
        if gram is not None and not switch:
            # a residual round ends on a certificate, a pass over X the Gram
            # solver (one round to tol where these go to 0.1 x the violation)
            # would mostly have spared
            gram.credit(_GRAM_CERT * gram.unit * self.p)
        if self.verbose:
            kind = "residual then Gram" if switch else "residual"
            print(f"[sparsecert] epoch {self.n_iter}: {kind} working set {ws.size}/{self.p}, "
                  f"{self.cert!r}")
        if switch and not gram.agrees(self.cert, self.tol_abs):
            self.gram = None

    def residual_epochs(self, ws, inner_tol):
        """CD epochs on ``ws`` until their running violation bound is <=
        ``inner_tol``, ``max_iter``, or the Gram matrix becomes affordable.
        Returns (bound, switch to Gram, ring of last iterates, ring count)."""
        problem = self.problem
        if self.resid_buf is None:
            self.resid_buf = np.empty(self.n)
        chunk = _epochs_per_call_for(problem.design, ws.size)
        cheap = np.inf
        # the round's last iterates, from which the dual point of a final
        # certificate may be extrapolated
        ring = np.empty((_DUAL_HISTORY if self.convex else 0, ws.size))
        ring_count = 0
        gram = self.gram
        # a sparse X's wide columns split their loops over n_jobs threads
        # (_kernels/wide.py); without one in the set, the kernel compiled for
        # one thread (the same arithmetic, no parallel loop to compile) serves
        design = problem.design
        threads, on_threads = threads_for(
            problem.n_threads > 1 and design.is_sparse and design.n_samples >= WIDE
            and design.column_counts(ws).max() >= WIDE, problem.n_threads)
        while self.n_iter < self.max_iter:
            epochs = min(chunk, self.max_iter - self.n_iter)
            if gram is not None:
                # hand over to the Gram solver as soon as the residual epochs
                # spent pay for its matrix
                epochs = min(epochs, gram.epochs_until_affordable(ws))
            work = np.zeros(1)
            with on_threads:
                ep, cheap, self.b, _, ring_count = cd_quadratic_anderson(
                    *problem.design.columns(ws), self.n, problem.y, self.sw_r, problem.sw,
                    self.w, self.b, problem.means, problem.lipschitz, self.vscale, ws,
                    *problem.penalty_args, epochs, inner_tol, problem.fit_intercept,
                    self.n_anderson, self.resid_buf, ring, ring_count, work, threads,
                    problem.unit_weights)
            self.n_iter += ep
            problem.work.add(work[0])
            if gram is not None:
                gram.credit(ep * gram.entries(ws))
            if cheap <= inner_tol:
                break
            if gram is not None and gram.affordable(ws) and self.n_iter < self.max_iter:
                return cheap, True, ring, ring_count
        return cheap, False, ring, ring_count
