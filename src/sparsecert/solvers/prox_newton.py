"""Proximal Newton for the logistic datafit, with working sets.

One outer iteration is one Newton step (local quadratic model, CD epochs on
it, line search; :mod:`sparsecert._kernels.prox_newton`); ``n_iter`` counts
those. The kernel measures the exact violation over its working features at
the start of every outer iteration; when it is <= tol the exact certificate
over all features is computed, and the solver stops only if that holds. On
wide problems the kernel works on a working set of features ranked by how
far each is from its dead zone, solved loosely (to a fraction of the full
violation) and resized from the full certificate of every round until that
certificate holds.

On a CSR X, a working set holding a good share of X's entries (a text's
commonest words) has its Newton steps read X by rows, with the set's Gram
matrix as the local model (:mod:`sparsecert._kernels.newton_rows`): no copy
of its columns, one pass over X a step. Other sets, and every set of a CSC
or dense X, run the column kernel (:mod:`sparsecert._kernels.prox_newton`).
"""

import numpy as np

from .._kernels.newton_rows import (CENSUS_BLOCK, ROWS_MAX_FEATURES, prox_newton_rows,
                                     rows_census)
from .._kernels.prox_newton import PN_CONVERGED, PN_LINE_SEARCH, prox_newton_logistic
from .._problem import evaluate
from ..certificate import build_certificate
from .common import (SolverResult, _epochs_per_call_for, gap_short, threads_for, tightened,
                     top_ranked)
from .messages import _warn_if_separable, _warn_logistic
from .row_gram import row_buffers

# CD epochs at most on each local model
_PN_MAX_INNER = 100
_WS_MIN_FEATURES = 200   # below this many features, always work on all of them
_PN_WS_START = 64
_WS_MAX_FRACTION = 0.25  # past this fraction of the features, work on all of them
_WS_SATURATED = 0.95     # a working set this full of nonzeros is too small: use all features
_SATURATED_GROWTH = 4    # ... or this x as many, for a CSR X (_working_set_size)
# the first set (chosen at w = 0, where the ranking knows least) holds at most
# this share of X's entries, and never fewer than _WS_FIRST_MIN features: on
# text the most violating features at w = 0 are the most popular columns (64
# of them half of X's entries, a first round costing several passes). Text
# 1e5 x 2e4 CSR, CPU at a fixed tol: amax/20 158 -> 127 ms, amax/200 288 ->
# 259 ms; in large.py (each at the loosest tol its checker passes) amax/20
# 0.183 -> 0.162 s, amax/200 unchanged. The dense and uniform sparse
# benchmarks (whose first sets stay under the share) are unchanged
_WS_FIRST_SHARE = 0.25
_WS_FIRST_MIN = 16
# a round solves its working set to this x the full violation (dense 1000 x
# 5000, amax/20: beats solving each set to tol and growing to every violator)
_PN_WS_TOL = 0.3
# inside a Newton step, zero features this far inside their dead zone (x the
# violation) skip the CD on the local model (inf: none); sparse 20000 x 50000
# amax/100: 2.51 -> 0.96 s with packed columns, shrinking alone 1.84 s
_PN_SHRINK = 1.0
# with n_jobs > 1, a working set of at least this many stored entries has
# its Newton steps' gradient and per-sample passes run on the threads
# (smaller: a thread launch costs more than it spares)
_THREADED_ENTRIES = 2 ** 16
# on a CSR X, a working set holding at least this share of X's entries has
# its Newton steps read X by rows (_kernels/newton_rows.py) when its Gram
# matrix is small and cheap: one read of X's rows a step, against four or
# more gathers of its columns' entries and a copy of them
_ROWS_SHARE = 0.2
# ... and when its Gram matrix costs at most this many multiply-adds per
# entry of X in the working columns (the column kernel would copy those
# entries out and read them four times or more a step; text 1e5 x 5000,
# 424 working features holding 72% of X's entries: 8.05)
_ROWS_GRAM_COST = 16.0
# ... for an X of at least this many entries: a smaller one (12 MiB) stays
# in cache, where the column kernel's gathers are cheap, its shrinking
# skips most of a model's features and the copy is small (a9a, 228k
# entries, amax/10: 16-19 ms by columns, 27-28 ms by rows)
_ROWS_MIN_NNZ = 2 ** 20
# ... which a census (rows_census) estimates from one block of rows in this many
_CENSUS_EVERY = 16


def _solve_prox_newton(problem, w0, b0, tol, max_iter, verbose):
    """Proximal Newton for the logistic datafit with working sets (see module docstring).

    Working-set rule (in the spirit of skglm's ``ProxNewton`` and celer): the
    features are ranked by ``-margin`` (a zero coefficient's distance past the
    edge of its dead zone: positive means it violates), with the nonzero and
    the unpenalized ones always included; the kernel solves on the top
    ``size`` features, only to ``_PN_WS_TOL`` x the violation the last full
    certificate measured (never below tol) while a feature outside the set
    violates, to tol once none does (the set then most often holds the
    support: solving it to the end saves the certificates of the rounds in
    between), and the exact certificate over all features then decides and
    ranks again. ``size`` starts at
    ``_PN_WS_START`` and is then twice the number of nonzeros, never smaller
    than before. All features are used once that exceeds
    ``_WS_MAX_FRACTION`` of them, or as soon as a round ends with nearly
    every working feature nonzero (the support is then much larger than the
    set). On all features the kernel solves to tol directly.

    Each round costs one pass over X for its certificate; measured on the
    dense 1000 x 5000 benchmark (amax/20), a loose round of one or two Newton
    steps on ~2 x nnz features beats both solving each working set to tol
    (most of those steps are wasted on a set that is still missing features)
    and the former growth to every violator, which reached all 5000 features
    by the third round.
    """
    p = problem.design.n_features
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64)
    b = _start_intercept(problem, b0)
    # the kernel checks features and intercept against one number, each in
    # the certificate's units (|dF/db| rescaled by tol / tol_intercept)
    tol_abs = problem.tolerances(tol)[0]
    run = _NewtonRun(problem, tol, tol_abs, max_iter, verbose)
    pieces, cert = _certify(problem, w, b, tol, 0, run.idle_vector(), None)
    use_ws = p > _WS_MIN_FEATURES
    size = max(_PN_WS_START, 2 * int(np.count_nonzero(w)))
    stalled = False
    short = False  # last round short of its gap alone: its set again (_with_violators)
    while not cert.converged and run.n_iter < max_iter and not stalled:
        if use_ws:
            size = _working_set_size(problem, w, size, run.n_iter)
        feats = (_with_violators(cert, feats) if short else
                 _working_features(problem, cert, w, size if use_ws else p))
        if run.n_iter == 0 and feats.size < p and not np.any(w):
            feats = _within_share(problem, cert, feats)
        # on all features the kernel's own test is the full one: no need to
        # stop early for a certificate that could only say "not yet"
        inner_tol = tol_abs
        if feats.size < p and _violator_outside(cert, feats):
            # features and intercept, in the kernel's units (the certificate's)
            inner_tol = max(tol_abs, _PN_WS_TOL * float(cert.max_violation))
        start = run.n_iter
        # z moves with w (evaluate writes it afresh); the old certificate goes first (4 MB)
        z, pieces, cert = pieces["z"], None, None
        b, status, stalled = run.newton_steps(w, b, z, feats, inner_tol)
        pieces, cert = _certify(problem, w, b, tol, run.n_iter, run.idle_vector(),
                                z if run.z_exact else None)
        if verbose:
            print(f"[sparsecert] iteration {run.n_iter}: {cert!r}")
        short = gap_short(cert)
        if short:
            # the violations hold, the gap does not: a smaller violation, on the same set
            tol_abs = tightened(tol_abs, problem)
            stalled = tol_abs is None
            run.tol_abs = tol_abs
        elif run.n_iter == start and not cert.converged:
            if feats.size == p and status == PN_CONVERGED:
                # the kernel and the certificate disagree at this very point
                # (rounding): nothing more can be done here
                stalled = True
            else:
                # the working set looked solved to the kernel but not to the
                # certificate (rounding): widen it rather than repeat the round
                size = min(p, 2 * size)
    cert = cert if problem.internal else cert.final()
    if not cert.converged:
        _warn_logistic(problem, cert, pieces, max_iter, stalled)
    elif problem.penalty.alpha == 0.0 or not np.any(problem.pen_weights > 0):
        _warn_if_separable(problem, cert, pieces)
    return SolverResult(w, b, cert, run.n_iter)


def _certify(problem, w, b, tol, n_iter, u_out, z_exact):
    """(pieces, draft certificate) at (w, b): z in the problem's scratch vector
    (the next round's Newton steps move z from there; ``z_exact``: that
    vector, if it holds X w + b as the certificate computes it, else None),
    u in ``u_out`` (a kernel's n-vector, idle until the next Newton step;
    the certificate's gap may change u in place: nothing reads it after),
    the certificate without defensive copies (:meth:`final` makes the last
    one's)."""
    pieces = evaluate(problem, w, b, scratch=True, u_out=u_out, z_given=z_exact)
    pieces["u_free"] = True
    return pieces, build_certificate(problem, w, b, tol, n_iter=n_iter, solver="prox_newton",
                                     pieces=pieces, draft=True)


def _with_violators(cert, feats):
    """The next set after a round short of its gap alone: ``feats`` (ranking
    afresh would swap in non-violating columns) with the features outside it
    that violate, if below tol: a solution without them is no optimum,
    however tightly the set is solved (text 1e5 x 5000 with an intercept,
    amax/200, tol 1e-4: 7 rounds on one set of 66, the gap stuck at 1.75e-4
    x P, then "no step decreased the objective")."""
    return np.union1d(feats, np.flatnonzero(np.asarray(cert.violation) > 0.0))


def _violator_outside(cert, feats):
    """Whether a feature outside ``feats`` violates its optimality condition
    (a zero coefficient past the edge of its dead zone)."""
    outside = np.asarray(cert.violation) > 0.0  # (a new array)
    outside[feats] = False
    return bool(outside.any())


def _start_intercept(problem, b0):
    """b0 if given, else the best intercept at w = 0 (0 without an intercept)."""
    if not problem.fit_intercept:
        return 0.0
    return problem.b0 if b0 is None else float(b0)


def _working_set_size(problem, w, size, n_iter):
    """The next round's working-set size (``p`` for all features)."""
    p = problem.design.n_features
    nnz = int(np.count_nonzero(w))
    if n_iter > 0 and nnz >= _WS_SATURATED * size:
        # nearly every working feature entered the model: the support
        # is far larger than the working set (on the sparse benchmark
        # most features violate at w = 0), and growing it step by step
        # costs rounds and leads through restricted problems whose
        # solutions are poor starting points (damped Newton steps). On a
        # CSR X all features means a copy of X by columns, where a set
        # 4x larger is most often still read by rows (text 1e5 x 2e4,
        # amax/200, 211 nonzeros: 0.58 -> 0.36 s, 2.68 -> 0.58 x X traced)
        size = _SATURATED_GROWTH * size if problem.design.is_csr else p
    size = min(p, max(size, 2 * nnz))
    if size > _WS_MAX_FRACTION * p:
        # a working set this large saves little and costs rounds
        size = p
    return size


def _working_features(problem, cert, w, size):
    """The ``size`` features nearest or past their dead zone's edge, sorted;
    the nonzero and unpenalized ones always among them."""
    p = problem.design.n_features
    if size >= p:
        return np.arange(p, dtype=np.int64)
    return top_ranked(_priority(problem, cert, w), size, problem.design)


def _priority(problem, cert, w):
    """-margin, +inf for the nonzero and unpenalized features (always in a set)."""
    priority = np.negative(cert.margin, dtype=np.float64)  # (a new array)
    priority[(w != 0) | (problem.pen_weights == 0)] = np.inf
    return priority


def _within_share(problem, cert, feats):
    """The highest-ranked of ``feats`` at w = 0 whose columns hold at most
    ``_WS_FIRST_SHARE`` of X's entries (at least ``_WS_FIRST_MIN`` of them), sorted."""
    design = problem.design
    priority = _priority(problem, cert, np.zeros(design.n_features))
    order = feats[np.argsort(-priority[feats], kind="stable")]
    entries = np.cumsum(design.column_counts(order))
    k = int(np.searchsorted(entries, _WS_FIRST_SHARE * design.nnz, side="right"))
    return np.sort(order[:max(k, _WS_FIRST_MIN)])


def _scratch(args, n):
    """The column kernel's scratch for one fit (:func:`prox_newton_logistic`)
    beside its five n-vectors: the row pointers of its Gram census (a sparse X), and empty
    buffers it grows. Allocated once a fit: every call allocating its own
    faulted in fresh pages (text 1e5 x 2e4, L1-logistic amax/200: 8800 minor
    page faults a fit, most of them the kernel's)."""
    sparse = args[0].ndim == 1
    return (np.empty(n + 1 if sparse else 0, dtype=np.int64),
            np.empty(0, dtype=np.int32), np.empty(0), np.empty(0, dtype=args[2].dtype),
            np.empty(0), np.empty(0))


class _NewtonRun:
    """The settings every round's Newton steps share, and the iteration count."""

    def __init__(self, problem, tol, tol_abs, max_iter, verbose):
        self.problem = problem
        self.tol_abs = tol_abs
        self.vscale = problem.violation_scale(tol)
        self.b_scale = problem.intercept_scale(tol)
        self.max_iter = max_iter
        self.verbose = verbose
        self.chunk = max(_epochs_per_call_for(problem.design, problem.design.n_features) // 4, 1)
        self.n_iter = 0
        self.nvec = None  # the kernels' n-vectors (five, three by rows), kept for the fit
        self.col_scratch = None  # the column kernel's other buffers (_scratch)
        self.slot = None  # the row kernel's place of each working feature (-1: none)
        self.census = None  # (feats, products per entry) of the last rows_census
        # whether the last newton_steps left z = X w + b bit for bit as the
        # certificate's row product makes it (the row kernel's full steps do)
        self.z_exact = False
        # (feats, the row kernel's scratch) of the last newton_steps by rows:
        # its model at z, which a next round on the same set takes up
        self.last_rows = None

    def idle_vector(self):
        """An n-vector of the kernels' that holds nothing between two calls of
        :meth:`newton_steps` (each starts from z alone): the certificates'
        u, which would otherwise be an n-vector more (1e6 samples: 8 MB).
        Makes the kernels' n-vectors: three where the row kernel may run,
        five for the column kernel. (The third, X d: the row kernel keeps u
        and h at z, its first two, for a next round on the same set.)"""
        return self._vectors()[2]

    def _vectors(self):
        """The kernels' n-vectors (made on first use)."""
        if self.nvec is None:
            design = self.problem.design
            rows = design.is_csr and design.nnz >= _ROWS_MIN_NNZ
            self.nvec = np.empty((3 if rows else 5, design.n_samples))
        return self.nvec

    def newton_steps(self, w, b, z, feats, inner_tol):
        """Newton steps on ``feats`` from (w, b), z = X w, until the kernel's
        violation there is <= ``inner_tol``, the line search fails or
        ``max_iter``; w and z are updated in place. Returns (b, status, stalled)."""
        rows = self._by_rows(feats)
        start = self.n_iter
        try:
            out = self._steps(rows, w, b, z, feats, inner_tol)
            # z came in exact (the certificate's); the row kernel says whether
            # its last step kept it so, the column kernel's z + t X d does not
            self.z_exact = (rows[3][5] == 1.0 if rows is not None else self.n_iter == start)
            return out
        finally:
            self.last_rows = None if rows is None else (feats.copy(), rows)
            if rows is not None:
                self.slot[feats] = -1  # (_by_rows set the set's places)

    def _steps(self, rows, w, b, z, feats, inner_tol):
        """:meth:`newton_steps`' calls of a kernel: the row kernel with its
        scratch ``rows``, or the column kernel for None."""
        problem = self.problem
        design = problem.design
        start = self.n_iter
        status = PN_CONVERGED
        entries = design.nnz if rows is not None else design.column_nnz(feats)
        threads, on_threads = threads_for(
            problem.n_threads > 1 and entries >= _THREADED_ENTRIES, problem.n_threads)
        self._vectors()  # (made on first use)
        if rows is None and self.nvec.shape[0] < 5:
            # the column kernel needs five n-vectors, the row kernel three (the
            # three go before the five are made)
            self.nvec = None
            self.nvec = np.empty((5, design.n_samples))
        while self.n_iter < self.max_iter:
            budget = min(self.chunk, self.max_iter - self.n_iter)
            work = np.zeros(1)
            with on_threads:
                if rows is not None:
                    it, status, viol, b = self._rows_call(rows, w, b, z, feats, budget,
                                                          inner_tol, work, threads)
                else:
                    it, status, viol, b = self._columns_call(w, b, z, feats, budget,
                                                             inner_tol, work, threads)
            problem.work.add(work[0])
            self.n_iter += it
            if self.verbose:
                print(f"[sparsecert] prox-Newton iteration {self.n_iter}: violation on "
                      f"{feats.size} working features {viol:.3e} (tol {inner_tol:.3e})"
                      + (" (by rows)" if rows is not None else ""))
            if status == PN_CONVERGED and self.n_iter == start and inner_tol > self.tol_abs:
                # nothing to do at the loose tolerance: solve to the final one
                inner_tol = self.tol_abs
                continue
            if status == PN_CONVERGED:
                break
            if status == PN_LINE_SEARCH:
                return b, status, True
        return b, status, False

    def _columns_call(self, w, b, z, feats, budget, inner_tol, work, threads):
        """One call of the column kernel (:func:`prox_newton_logistic`) on a copy of
        ``feats``' columns (a CSR X) or X itself."""
        problem = self.problem
        args = problem.design.columns(feats)
        if self.col_scratch is None:
            self.col_scratch = _scratch(args, problem.design.n_samples)
        it, status, viol, b, *grown = prox_newton_logistic(
            *args, problem.design.n_samples, problem.y, problem.sw, w, b,
            problem.fit_intercept, z, feats, self.vscale, self.b_scale,
            *problem.penalty_args, budget, _PN_MAX_INNER, inner_tol, self.tol_abs,
            _PN_SHRINK, work, self.nvec, *self.col_scratch, threads)
        self.col_scratch = self.col_scratch[:1] + tuple(grown)
        return it, status, viol, b

    def _rows_call(self, rows, w, b, z, feats, budget, inner_tol, work, threads):
        """One call of the row kernel (:func:`prox_newton_rows`), ``rows`` its scratch."""
        problem = self.problem
        design = problem.design
        return prox_newton_rows(
            *design.rows, design.bounds, design.n_samples, problem.y, problem.sw, w, b,
            problem.fit_intercept, z, feats, self.slot, self.vscale, self.b_scale,
            *problem.penalty_args, budget, _PN_MAX_INNER, inner_tol, self.tol_abs, _PN_SHRINK,
            work, self.nvec[:3], *rows, threads)

    def _by_rows(self, feats):
        """The row kernel's scratch when its Newton steps on ``feats`` should read
        a CSR X by rows (a working set small enough for its Gram matrix,
        holding at least ``_ROWS_SHARE`` of X's entries, whose rows meet few of
        them each), else None. Sets ``self.slot`` for ``feats`` when it returns
        the scratch (newton_steps resets it, whatever happens)."""
        design = self.problem.design
        m = feats.size
        if (not design.is_csr or m > ROWS_MAX_FEATURES or design.nnz < _ROWS_MIN_NNZ
                or design.column_nnz(feats) < _ROWS_SHARE * design.nnz):
            return None
        if self.slot is None:
            # int16 (m <= 512): the row passes look every entry's column up here
            self.slot = np.full(design.n_features, -1, dtype=np.int16)
        self.slot[feats] = np.arange(m, dtype=np.int16)
        if self.census is None or not np.array_equal(self.census[0], feats):
            # a sample of the rows: one block in _CENSUS_EVERY when X has that
            # many (at full size a census of every row took 45 ms, a third of
            # a Newton step); a round on the same set as the last one reuses it
            every = _CENSUS_EVERY if design.n_samples >= 4 * _CENSUS_EVERY * CENSUS_BLOCK else 1
            entries, pairs = rows_census(design.rows[1], design.rows[2], self.slot, every)
            self.census = (feats.copy(), pairs / max(entries, 1))
            self.problem.work.add(design.nnz / every)  # it reads those rows' indices
        if self.census[1] > _ROWS_GRAM_COST:
            self.slot[feats] = -1
            return None
        if self.last_rows is not None and np.array_equal(self.last_rows[0], feats):
            # the last round's set again (its violation was short of tol, or
            # the gap was): the model its last step summed is at this z
            # unless the certificate wrote z afresh, which saves a pass
            rows = self.last_rows[1]
            if not self.z_exact:
                rows[3][0] = 0.0  # the model is at the z before the certificate's
            rows[3][5] = 1.0  # (z comes in as X w + b: the certificate's or kept so)
            return rows
        # the chunks' own sums: one block each on the threads, one for all of
        # them on one thread, none for a single chunk (summed in place)
        n_chunks = len(design.bounds) - 1
        threaded = self.problem.n_threads > 1 and design.nnz >= _THREADED_ENTRIES
        c = n_chunks if threaded else min(n_chunks - 1, 1)
        # the model (acc, vecs, Q) and its state: new for each working set
        # (state[5] = 1: the z passed in is X w + b exactly, the certificate's)
        state = np.zeros(6)
        state[5] = 1.0
        return (np.empty((m, 2)), np.empty((4, m)), np.empty((m, m)), state,
                np.empty((c, m, 2)), np.empty((c, m, m)),
                # (a row holding all m working features writes one entry past them)
                *row_buffers(max(c, 1), m, np.int16),
                np.empty((n_chunks, 5)))
