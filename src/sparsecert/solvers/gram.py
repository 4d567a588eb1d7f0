"""The Gram variant of least-squares CD: when it applies, and the accounting that decides when it pays.

On a tall X, CD on a working set can run on the set's weighted centred
Gram matrix H instead of the residual: a coordinate step then costs
O(|ws|) instead of O(n) (O(nnz of the column) for a sparse X). :func:`_use_gram` says whether a fit may use it;
:class:`_GramState` holds H, grows it, pays for it from the residual work it
spares, and runs :func:`sparsecert._kernels.cd.cd_gram` (then
:func:`~sparsecert._kernels.cd.cd_gram_anderson`) on it. The
certificate is still computed from X and alone decides convergence.
"""

import math

import numpy as np

from .._kernels import codes
from .._kernels.cd import cd_gram, cd_gram_anderson, gram_rows_block
from .common import _WS_START, _calls_for
from . import row_gram
from .dual import _SCATTER_OVERHEAD, _normal_equations_sparse, sparse_system_reads

# Gram variant of least-squares CD. "auto" applies the rule of _use_gram and
# the cost accounting of _GramState; "always" / "never" force a path (test
# hooks: "always" still needs a dense X, or a sparse one that "auto" would
# take, and a convex penalty).
_GRAM_MODE = "auto"
# float64 entries of one row block of the weighted centred columns (8 MB)
_GRAM_BLOCK = 1 << 20
# the Gram working set solves to this fraction of tol, so that the
# certificate's own rounding does not cost one more outer iteration
_GRAM_INNER = 0.5
# a Gram solve runs this many plain epochs (cd_gram) before it extrapolates
# (cd_gram_anderson): a working set that converges by then never needs the
# extrapolation, nor its compile (about 1 s of a first fit on a new
# machine). Measured on diabetes (10 features), plain against extrapolated
# epochs to tol 1e-4: alpha = 0.1, 22 against 21; 0.01, 337 against 46
_GRAM_PLAIN = 30
# largest Gram working set: a 3000 x 3000 float64 matrix is 72 MB
_GRAM_MAX_FEATURES = 3000
# tall enough: n >= _GRAM_MIN_RATIO * p (see _use_gram)
_GRAM_MIN_RATIO = 4
# X this large (entries; 32 MB in float64) is read from memory at every
# residual epoch, where the Gram product is compute-bound (see _use_gram)
_GRAM_LARGE_X = 1 << 22
# cost model, in units of one entry of a residual CD epoch (a coordinate step
# reads and writes n entries), measured with benchmarks/compare.py's
# problems on one thread: building a row block of the weighted centred
# columns costs 0.5-1.1 per entry, a BLAS multiply-add of the Gram product
# 0.05-0.12 (compute-bound, where the epoch is memory-bound)
_GRAM_COPY = 1.0
_GRAM_MAC = 0.1
# and a certificate's pass over X (BLAS) about 0.5 per entry of X
_GRAM_CERT = 0.5
# a CSR X's Gram rows (gram_rows), measured on the text 1e5 x 2e4 against its
# residual epochs (about 3 ns an entry): reading an entry of X about 1, a
# multiply-add of a pair about 0.5
_ROW_READ = 1.0
_ROW_MAC = 0.5
# residual epochs on the first working set a fit is credited with before it
# ran any, when one Gram matrix is likely to pay (see _GramState): enough for
# the Gram matrix of 100 columns (600 n entries). The residual fits measured
# needed 7 to 60 epochs and three or more certificates, a Gram fit one or two.
_GRAM_CREDIT = 8.0


# squared column RMS outside this range: no Gram matrix (its entries, up to
# |X^T X| / n, would be subnormal or overflow; the square-root margin leaves
# room for the n-term sums and the Anderson products)
_GRAM_SAFE_RANGE = (1e-250, 1e250)


def _use_gram(problem):
    """Whether least-squares CD may run on the working set's Gram matrix.

    Columns of ordinary magnitude (``_GRAM_SAFE_RANGE``), convex penalties
    only (the nonconvex Lp, p < 1, keeps plain residual CD from its
    documented start), and a tall X: a Gram coordinate step costs |ws| <= p
    against 2 n for the residual one, so n >= 4 p for a dense X; a sparse
    column's residual step costs 2 nnz(X_j), so a sparse X needs columns
    of 4 p entries on average (nnz(X) >= 4 p^2: few features, each in many
    rows, as from a one-hot encoding of a few categories; never a text's
    bag of words). When the Gram matrix is built is then decided during
    the fit by the cost accounting of :class:`_GramState`. A wide X
    (500 x 5000 in the benchmarks) never uses it.
    """
    if _GRAM_MODE == "never":
        return False
    if not getattr(problem.penalty, "convex", True) or problem.df_code != codes.QUADRATIC:
        return False
    lip = problem.lipschitz
    live = lip if lip.size and lip.min() > 0 else lip[lip > 0]
    if live.size and not (live.min() > _GRAM_SAFE_RANGE[0] and live.max() < _GRAM_SAFE_RANGE[1]):
        # products of two columns' entries would leave float64's normal range
        # (subnormal or overflowing Gram entries): residual CD handles these
        return False
    design = problem.design
    tall = _unit(design) >= _GRAM_MIN_RATIO * design.n_features
    # a CSR X builds the set's Gram matrix from its rows (gram_rows), at a
    # cost the accounting weighs against the set's own entries: a text's
    # popular words (thousands of entries each) pay for it, rare ones never
    return tall or _is_rows(design) or (_GRAM_MODE == "always" and not design.is_sparse)


def _unit(design):
    """Entries of X in an average column: n for a dense X, nnz(X) / p for a
    sparse one (the cost of a residual coordinate step, in the accounting's
    units)."""
    if not design.is_sparse:
        return design.n_samples
    return design.nnz / max(design.n_features, 1)


def _is_rows(design):
    """Whether ``design`` is a CSR X used as given (:class:`RowDesign`)."""
    return getattr(design, "is_csr", False)


class _GramState:
    """The Gram working set of one fit, and the accounting that decides when it pays.

    ``feats`` (insertion order, never shrinking) and H = (1/n) Xc[:, feats]^T
    S Xc[:, feats], C-ordered (symmetric: the kernels read its rows as its
    columns, :func:`~sparsecert._kernels.cd._gram_axpy`). Building or
    growing H is paid for from
    ``balance``, in residual-epoch entries (see ``_GRAM_COPY``): the residual
    epochs the fit ran and the certificates that ended its residual rounds,
    plus the epochs the Gram solver spared (half its epochs on the working
    set), plus, for a cold start, a credit of ``_GRAM_CREDIT`` epochs on the
    first working set when p <= 100 (the first working set holds every
    feature: one small Gram matrix serves the whole fit) or X has at least
    2^22 entries (beyond the last-level cache, a residual epoch is
    memory-bound where the Gram product is not). A round whose Gram matrix
    the balance cannot pay runs the residual kernel, which hands over to the
    Gram kernel mid-round once its epochs have paid (ski rental: at most
    about twice the cheaper of the two, and an ill-conditioned fit switches
    early). This also keeps a working set that grows to hundreds of columns,
    at small alpha, from costing a Gram product larger than the few residual
    epochs it needs.

    Measured (one thread, dense AR(1) designs of benchmarks/problems.py with
    rho = 0.6 or 0.9, alpha_max / 20 to / 1000, tol 1e-4; timings on a
    shared machine, +-10%), time with the Gram variant over time without:
    0.4-0.55 for 2000 x 100 (ill-conditioned) and 100000 x 100; 0.68-0.98
    for 20000 x 500 and 50000 x 500 but 1.1 at 50000 x 500, alpha_max / 100
    (the working set grows once: a second Gram round), 1.13 for 20000 x 1000
    at alpha_max / 100; 0.93-1.2 for in-cache X (2000 x 500, 5000 x 500, no
    start credit; with one, 1.2-1.4 there); 0.79-1.02 for 20000 x 200. A
    3000 x 150 design with one dominant factor at tol 1e-8: 0.2 s against
    35 s (the residual rounds there end after one epoch each on a certificate
    that fails: 67000 certificates).
    """

    def __init__(self, problem, warm=False):
        self.problem = problem
        n, p = problem.design.n_samples, problem.design.n_features
        # entries of X in an average column (n when dense): the unit of a
        # residual coordinate step in the accounting below
        self.unit = _unit(problem.design)
        self.feats = np.empty(0, dtype=np.int64)
        self.H = np.empty((0, 0))
        self.misses = 0
        self.stopped = False
        self.sqrt_sw = None
        self.forced = _GRAM_MODE == "always"
        self._last_new = None  # (wanted, feats, new) of new_features
        # a warm start (a path's next alpha) usually needs a few epochs only
        start = not warm and (p <= _WS_START or n * p >= _GRAM_LARGE_X)
        # a sparse X is credited with the first working set's own entries,
        # at the first round (see affordable); an average column undercounts
        # a text's set of popular words a hundredfold
        self.start_credit = start and problem.design.is_sparse
        dense_start = start and not self.start_credit
        self.balance = _GRAM_CREDIT * self.unit * min(p, _WS_START) if dense_start else 0.0
        # a CSR X's raw sums (X^T S X and X^T S y on feats, see _extend_rows)
        self.raw = None

    def new_features(self, wanted):
        """The features of ``wanted`` not held yet (a round asks twice: whether
        it can afford them, then to add them)."""
        last = self._last_new
        if last is not None and last[0] is wanted and last[1] is self.feats:
            return last[2]
        if self.feats.size:
            new = np.setdiff1d(wanted, self.feats, assume_unique=True)
        else:  # nothing held yet (the first round): what setdiff1d would return
            new = np.ravel(wanted).copy()
        self._last_new = (wanted, self.feats, new)
        return new

    def cost(self, wanted):
        """Work (residual-epoch entries) to hold the Gram matrix of ``wanted`` too."""
        new = self.new_features(wanted).size
        m = self.feats.size + new
        if m > _GRAM_MAX_FEATURES:
            return np.inf
        if new == 0:
            return 0.0
        design = self.problem.design
        if _is_rows(design):
            if _GRAM_MIN_RATIO * design.column_nnz(wanted) < m * m:
                # a Gram step (m entries) would cost more than a residual
                # one (2 nnz(X_j)) on columns this short: as _use_gram's
                # rule for a tall X
                return np.inf
            # one read of X's indices (about a residual entry's cost each)
            # and a multiply-add for each pair of the set's entries in a row
            # with a new one (about half a residual entry each)
            held = design.column_nnz(self.feats) if self.feats.size else 0
            pairs = row_gram.pairs_estimate(design, design.column_nnz(self.new_features(wanted)),
                                            held)
            return _ROW_READ * design.nnz + _ROW_MAC * pairs
        if design.is_sparse:
            # the whole matrix again (see _extend_sparse), the cheaper of its
            # two ways, each of whose reads costs about a residual step's
            held = np.concatenate([self.feats, self.new_features(wanted)])
            counts = design.column_counts(held)
            _, scatter, product = sparse_system_reads(counts, design.n_samples)
            return _GRAM_COPY * counts.sum() + min(scatter, _SCATTER_OVERHEAD * product)
        macs = m * m / 2.0 if self.feats.size == 0 else float(new * m)
        return self.unit * (_GRAM_COPY * m + _GRAM_MAC * macs)

    def entries(self, feats):
        """Work of one residual epoch on ``feats``: their entries (n each when dense)."""
        return float(self.problem.design.column_nnz(feats))

    def affordable(self, wanted):
        if self.start_credit:
            self.start_credit = False
            self.balance += _GRAM_CREDIT * self.entries(wanted)
        c = self.cost(wanted)
        return math.isfinite(c) and (self.forced or c <= self.balance + self.copy_spared(wanted))

    def copy_spared(self, wanted):
        """For a CSR X, what a residual round would pay first to copy the
        features of ``wanted`` the store does not hold out of X (a read of X
        and a write of their entries), which the Gram rows spare."""
        design = self.problem.design
        if not _is_rows(design):
            return 0.0
        new = self.new_features(wanted)
        if design.holds(new):
            return 0.0
        return _ROW_READ * design.nnz + float(design.column_nnz(new))

    def epochs_until_affordable(self, ws):
        """Residual epochs on ``ws`` before the balance pays for its Gram matrix (>= 1)."""
        c = self.cost(ws)
        if not np.isfinite(c):
            return 10**9
        per_epoch = max(self.entries(ws), 1.0)
        return max(int(np.ceil((c - self.balance) / per_epoch)), 1)

    def credit(self, work):
        self.balance += work

    def extend(self, new):
        """Append the features ``new`` (not yet held) and their Gram rows and columns."""
        problem = self.problem
        if _is_rows(problem.design):
            self._extend_rows(new)
            return
        if problem.design.is_sparse:
            self._extend_sparse(new)
            return
        X = problem.design.args[0]
        n = problem.design.n_samples
        if self.sqrt_sw is None:
            self.sqrt_sw = np.sqrt(problem.sw)
        m_old = self.feats.size
        feats = np.concatenate([self.feats, new]).astype(np.int64)
        m = feats.size
        cross = np.zeros((m, m - m_old))
        rows = min(n, max(256, _GRAM_BLOCK // m))
        buf = np.empty((rows, m), order="F")
        for r0 in range(0, n, rows):
            r1 = min(n, r0 + rows)
            Z = buf[:r1 - r0]
            gram_rows_block(X, r0, r1, feats, self.sqrt_sw, problem.means, Z)
            cross += Z.T @ Z if m_old == 0 else Z.T @ Z[:, m_old:]
        cross /= n
        # every held column is read again for its products with the new ones
        problem.work.add_columns(problem.design, feats)
        H = np.empty((m, m))
        H[:m_old, :m_old] = self.H
        H[:, m_old:] = cross
        H[m_old:, :m_old] = cross[:m_old].T
        if m_old:
            # the new block came from a general product: make H exactly symmetric
            block = H[m_old:, m_old:]
            H[m_old:, m_old:] = 0.5 * (block + block.T)
        self.feats, self.H = feats, H

    def _extend_rows(self, new):
        """:meth:`extend` for a CSR X: the new features' raw sums from its rows
        (:func:`.row_gram.grow`), the held ones' kept; H = A / n - m m^T,
        centred as in :meth:`_extend_sparse`, exactly symmetric as A is. The
        sums are kept on the problem for the support refit."""
        problem = self.problem
        A, c = self.raw if self.raw is not None else (None, None)
        feats, A, c = row_gram.grow(problem, self.feats, A, c, new)
        self.raw = (A, c)
        row_gram.remember(problem, feats, A, c)
        H = A / problem.design.n_samples
        m = problem.means[feats]
        H -= m[:, None] * m
        self.feats, self.H = feats, H

    def _extend_sparse(self, new):
        """:meth:`extend` for a sparse X: H is built again on all the held
        features, as the support refit builds its system (the sparse product
        or :func:`~sparsecert._kernels.datafit.support_gram`, whichever reads
        less), and centred as there, H = X^T W X / n - m m^T (sum s_i = n, m
        the weighted means; zero without an intercept). The subtraction
        loses the digits of a column whose mean dwarfs its spread: the
        gradient stays anchored at the certificate's exact one, and
        :meth:`agrees` hands such a fit back to residual CD."""
        problem = self.problem
        feats = np.concatenate([self.feats, new]).astype(np.int64)
        _, A, _ = _normal_equations_sparse(problem, feats, np.inf)
        problem.work.add_columns(problem.design, feats)
        m = problem.means[feats]
        A -= m[:, None] * m
        # exactly symmetric, whichever way it was built
        self.feats, self.H = feats, np.ascontiguousarray(0.5 * (A + A.T))

    def solve(self, w, w_cert, cert, wanted, tol_abs, budget, n_anderson, ws_work):
        """Grow to hold ``wanted`` (paid from the balance) and run Gram CD on the
        held features from ``w``; the gradient is anchored at ``w_cert``, where
        ``cert`` computed it exactly from X. ``ws_work``: what a residual
        epoch on the round's working set costs (:meth:`entries`). Returns
        the epochs run."""
        problem = self.problem
        self.balance += self.copy_spared(wanted) - self.cost(wanted)
        new = self.new_features(wanted)
        if new.size:
            self.extend(new)
        feats = self.feats
        m = feats.size
        w_ws = w[feats]
        g_anchor = np.asarray(cert.gradient, dtype=np.float64)[feats]
        w_anchor = w_cert[feats]
        lipschitz = problem.lipschitz[feats]
        vscale = np.asarray(cert.violation_scale)[feats]
        vscale.flags.writeable = False  # as the Gram path passes it: one compiled kernel
        pen_weights = problem.pen_weights[feats]
        inner_tol = _GRAM_INNER * tol_abs
        chunk = _calls_for(max(m * m, 1))
        ran, _, self.stopped = cd_gram(self.H, w_ws, np.empty(m), g_anchor, w_anchor, lipschitz,
                                       vscale, problem.pen_code, problem.pen_params, pen_weights,
                                       min(budget, _GRAM_PLAIN), inner_tol)
        w[feats] = w_ws
        while ran < budget and not self.stopped:
            epochs = min(chunk, budget - ran)
            ep, viol, _ = cd_gram_anderson(self.H, w_ws, g_anchor, w_anchor, lipschitz, vscale,
                                           problem.pen_code, problem.pen_params, pen_weights,
                                           epochs, inner_tol, n_anderson)
            ran += ep
            w[feats] = w_ws
            if viol <= inner_tol or ep < epochs:
                # converged on its own gradient, or no coordinate moved
                self.stopped = True
                break
        # the residual epochs this spared, counted on the residual working
        # set and halved (the Gram solve goes to tol, a residual round to 0.1 x
        # the violation): what later growth may spend
        self.credit(0.5 * ran * ws_work)
        return ran

    def agrees(self, cert, tol_abs):
        """False once the certificate has twice in a row found a violation above
        tol on the held features where the Gram solver had stopped on its own
        (converged or no coordinate moving): its gradient is then too far from
        the real one for this tolerance."""
        viol = np.asarray(cert.violation)[self.feats]
        if self.stopped and viol.size and float(np.max(viol)) > tol_abs:
            self.misses += 1
        else:
            self.misses = 0
        return self.misses < 2
