"""Penalties G(w) = sum_j G_j(w_j), separable, with per-feature weights.

Each is a frozen dataclass that encodes itself as ``(code, params, weights)``
for the kernels. ``weights`` (c_j >= 0, default all ones) scale each feature's
term, c_j = 0 leaving the feature unpenalized (glmnet's ``penalty.factor``).
``positive=True`` adds the constraint w >= 0.

The optimality condition of feature j is 0 in g_j + dG_j(w_j), with g_j the
datafit's partial derivative: see :mod:`sparsecert.certificate`.

Contributor checklist for a new penalty: a ``Kind`` in ``_kernels/codes.py``;
an implementation in each table of ``_kernels/prox.py`` (prox, value,
threshold, subdifferential distance, conjugate, slope); a dataclass here; a naive
NumPy twin in ``tests/naive.py``; an entry in the lists the tests parametrize.
"""

import math
import numbers
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ._kernels import codes


def _check_alpha(alpha):
    if type(alpha) is float and alpha >= 0 and alpha != math.inf:
        return  # the common case, without the ABC check (NaN fails alpha >= 0)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite real number >= 0; got {alpha!r}.")


def _encode_weights(weights, n_features):
    if weights is None:
        return np.ones(n_features)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.shape[0] != n_features:
        raise ValueError(
            f"weights (penalty weights) must be a 1-D array of length n_features={n_features}; "
            f"got shape {w.shape}."
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights (penalty weights) must be finite and >= 0 (0 = unpenalized).")
    return w.copy()


class _Penalty:
    code: int
    alpha: float
    weights: Any
    positive: bool

    convex = True
    sparsifying = True

    def _params(self):
        params = np.zeros(codes.N_PARAMS)
        params[codes.PARAM_ALPHA] = self.alpha
        # the L1 part's weight: the lasso is compiled as the elastic net at 1
        params[codes.PARAM_L1_RATIO] = 1.0
        params[codes.PARAM_POSITIVE] = 1.0 if self.positive else 0.0
        return params

    def encode(self, n_features):
        """(code, params float64 array, per-feature weights float64 array)."""
        _check_alpha(self.alpha)
        return self.code, self._params(), _encode_weights(self.weights, n_features)

    def with_alpha(self, alpha):
        """A copy with another alpha (used by paths)."""
        from dataclasses import replace

        return replace(self, alpha=alpha)


@dataclass(frozen=True, eq=False)
class L1(_Penalty):
    r"""G(w) = alpha sum_j c_j |w_j|.

    A zero w_j is optimal iff |g_j| <= alpha c_j: the kink at 0 makes a whole
    interval of gradients compatible with w_j = 0, which is why L1 gives exact
    zeros.
    """

    alpha: float = 1.0
    weights: Any = None
    positive: bool = False

    name = "l1"
    code = codes.L1


@dataclass(frozen=True, eq=False)
class ElasticNet(_Penalty):
    r"""G(w) = alpha sum_j c_j (rho |w_j| + (1 - rho)/2 w_j^2), rho = ``l1_ratio``.

    A zero w_j is optimal iff |g_j| <= alpha c_j rho.
    """

    alpha: float = 1.0
    l1_ratio: float = 0.5
    weights: Any = None
    positive: bool = False

    name = "elasticnet"
    code = codes.ELASTIC_NET

    @property
    def sparsifying(self):
        return self.l1_ratio > 0

    def _params(self):
        params = super()._params()
        params[codes.PARAM_L1_RATIO] = _check_l1_ratio(self.l1_ratio)
        return params


def l1_ratio_of(penalty):
    """The weight of the L1 part: 1 for L1, rho for the elastic net."""
    return getattr(penalty, "l1_ratio", 1.0)


@dataclass(frozen=True, eq=False)
class Lp(_Penalty):
    r"""G(w) = alpha sum_j c_j |w_j|^p, for any p > 0.

    * p > 1 (p = 2 is ridge): convex and smooth; a zero w_j is optimal only if
      g_j = 0 exactly, so Lp never gives exact zeros.
    * p = 1: the L1 penalty (encoded as such).
    * 0 < p < 1: nonconvex, with an infinite slope at 0: every zero is a
      local minimum of its coordinate. Optimality is certified by
      L-stationarity (w_j is a fixed point of the coordinate prox step), a
      *local* certificate.
    """

    alpha: float = 1.0
    p: float = 0.5
    weights: Any = None
    positive: bool = False

    name = "lp"
    code = codes.LP

    @property
    def convex(self):
        return self.p >= 1

    @property
    def sparsifying(self):
        return self.p <= 1

    def _params(self):
        p = self.p
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not np.isfinite(p) or p <= 0:
            raise ValueError(f"p must be a finite real number > 0; got {p!r}.")
        params = super()._params()
        params[codes.PARAM_P] = p
        return params

    def encode(self, n_features):
        code, params, weights = super().encode(n_features)
        if self.p == 1:
            code = codes.L1
        return code, params, weights


class GroupEncoding(NamedTuple):
    """How a :class:`GroupLasso` travels to the kernels.

    ``ptr`` (int64, n_groups + 1) and ``indices`` (int64, n_features): the
    features of group g are ``indices[ptr[g]:ptr[g + 1]]``, in increasing
    order (skglm's ``grp_ptr``/``grp_indices``). Every feature is in exactly
    one group, so ``indices`` is a permutation of range(n_features).
    ``weights`` (float64, n_groups): c_g >= 0. ``group_of`` (int64,
    n_features): the group of each feature.
    """

    ptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    group_of: np.ndarray

    @property
    def n_groups(self):
        return self.ptr.shape[0] - 1

    @property
    def sizes(self):
        return np.diff(self.ptr)

    def members(self, g):
        return self.indices[self.ptr[g]:self.ptr[g + 1]]


def _is_size(groups):
    return isinstance(groups, numbers.Integral) and not isinstance(groups, bool)


def _group_size(groups, p):
    """The int ``groups``, checked: the size of contiguous groups dividing p."""
    size = int(groups)
    if size < 1:
        raise ValueError(f"groups: an int gives the size of contiguous groups and must be "
                         f">= 1; got {size}.")
    if p % size:
        raise ValueError(f"groups={size} (contiguous groups of {size} features) does not "
                         f"divide n_features={p}: pass a list of index arrays or one "
                         f"label per feature instead.")
    return size


def _contiguous_encoding(size, p):
    """(sizes, ptr, indices, group_of) of contiguous groups of ``size``: built
    whole, not through one index array per group (a thousand groups cost a
    millisecond that way, a third of a small fit)."""
    n_groups = p // size
    sizes = np.full(n_groups, size, dtype=np.int64)
    ptr = np.arange(0, p + 1, size, dtype=np.int64)
    indices = np.arange(p, dtype=np.int64)
    return sizes, ptr, indices, indices // size


def _groups_as_lists(groups, n_features):
    """``groups`` (index arrays or one label per feature; an int takes
    :func:`_contiguous_encoding`) as a list of int64 index arrays, in the
    documented order; a ValueError naming ``groups`` for anything that is
    not a partition of range(n_features)."""
    p = n_features
    if isinstance(groups, (str, bytes)) or not hasattr(groups, "__len__"):
        raise ValueError(f"groups must be an int, a list of index arrays or one label per "
                         f"feature; got {groups!r}.")
    items = list(groups)
    if items and all(np.ndim(g) == 0 for g in items):
        labels = np.asarray(items)
        if labels.shape[0] != p:
            raise ValueError(f"groups: one label per feature needs n_features={p} labels; "
                             f"got {labels.shape[0]}.")
        uniq, inverse = np.unique(labels, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(uniq.shape[0] + 1))
        return [order[bounds[g]:bounds[g + 1]].astype(np.int64) for g in range(uniq.shape[0])]
    if len(items) == 0:
        raise ValueError("groups: an empty list holds no group.")
    out = []
    for g, item in enumerate(items):
        idx = np.asarray(item)
        if idx.ndim != 1:
            raise ValueError(f"groups: group {g} must be a 1-D array of feature indices; got "
                             f"shape {idx.shape}.")
        if idx.size == 0:
            raise ValueError(f"groups: group {g} is empty.")
        if not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"groups: group {g} must hold integer feature indices; got dtype "
                             f"{idx.dtype}.")
        if idx.min() < 0 or idx.max() >= p:
            raise ValueError(f"groups: group {g} holds feature indices outside "
                             f"[0, n_features={p}).")
        out.append(np.sort(idx.astype(np.int64)))
    return out


def encode_groups(groups, weights, n_features):
    """The :class:`GroupEncoding` of ``groups`` and ``weights`` for ``n_features``."""
    if _is_size(groups):
        sizes, ptr, indices, group_of = _contiguous_encoding(_group_size(groups, n_features),
                                                             n_features)
    else:
        sizes, ptr, indices, group_of = _listed_encoding(groups, n_features)
    return GroupEncoding(*_frozen(ptr, indices, _group_weights(weights, sizes), group_of))


def _frozen(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays


def _listed_encoding(groups, n_features):
    """(sizes, ptr, indices, group_of) of ``groups`` given as lists or labels,
    with the errors of an overlap or of a feature in no group."""
    lists = _groups_as_lists(groups, n_features)
    sizes = np.array([g.size for g in lists], dtype=np.int64)
    ptr = np.zeros(sizes.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    indices = np.concatenate(lists) if lists else np.empty(0, dtype=np.int64)
    count = np.bincount(indices, minlength=n_features)
    if np.any(count > 1):
        j = int(np.flatnonzero(count > 1)[0])
        owners = [g for g, idx in enumerate(lists) if j in idx]
        if len(owners) == 1:
            raise ValueError(f"groups: feature {j} appears more than once in group "
                             f"{owners[0]}.")
        raise ValueError(f"groups overlap: feature {j} is in groups {owners[:5]}; each feature "
                         f"must be in exactly one group (overlapping groups are not supported).")
    if np.any(count == 0):
        missing = np.flatnonzero(count == 0)
        raise ValueError(f"groups: {missing.size} feature(s) are in no group (e.g. "
                         f"{missing[:5].tolist()}); every feature must be in exactly one group.")
    group_of = np.empty(n_features, dtype=np.int64)
    group_of[indices] = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
    return sizes, ptr, indices, group_of


def _group_weights(weights, sizes):
    """c_g: ``weights`` checked, or sqrt(|g|)."""
    if weights is None:
        c = np.sqrt(sizes.astype(np.float64))
    else:
        c = np.asarray(weights, dtype=np.float64)
        if c.ndim != 1 or c.shape[0] != sizes.size:
            raise ValueError(f"weights (group weights) must be a 1-D array of length "
                             f"n_groups={sizes.size}; got shape {c.shape}.")
        if not np.all(np.isfinite(c)) or np.any(c < 0):
            raise ValueError("weights (group weights) must be finite and >= 0 "
                             "(0 = unpenalized group).")
        c = c.copy()
    return c


class _GroupPenalty(_Penalty):
    """What the group lasso and the sparse-group lasso share: the groups
    (:func:`encode_groups`) and the code ``GROUP_LASSO``, whose parameters
    carry rho = ``l1_ratio`` (0 for the group lasso): one family of block
    kernels, certificates and solvers serves both."""

    name = "group_lasso"
    code = codes.GROUP_LASSO
    positive = False
    l1_ratio = 0.0

    def encode_groups(self, n_features):
        """The :class:`GroupEncoding` of this penalty for ``n_features``.

        Kept on the penalty when ``groups`` is an int (immutable, so the
        encoding cannot go stale): a fit asks for it twice, and with a
        thousand groups each encoding costs a millisecond."""
        cached = self.__dict__.get("_int_encoding")
        if cached is not None and cached[0] == n_features:
            return cached[1]
        enc = encode_groups(self.groups, self.weights, n_features)
        if isinstance(self.groups, numbers.Integral) and self.weights is None:
            object.__setattr__(self, "_int_encoding", (n_features, enc))
        return enc

    def encode(self, n_features):
        """(code, params, per-feature weights c_{g(j)}); params[PARAM_L1_RATIO] = rho."""
        _check_alpha(self.alpha)
        enc = self.encode_groups(n_features)
        return self.code, self._params(), enc.weights[enc.group_of]

    def _params(self):
        params = super()._params()
        params[codes.PARAM_L1_RATIO] = _check_l1_ratio(self.l1_ratio)
        return params


def _check_l1_ratio(r):
    if isinstance(r, bool) or not isinstance(r, numbers.Real) or not 0.0 <= r <= 1.0:
        raise ValueError(f"l1_ratio must be a real number in [0, 1]; got {r!r}.")
    return float(r)


def is_group(penalty):
    """True for the group lasso and the sparse-group lasso (block penalties
    over a partition of the features)."""
    return getattr(penalty, "code", None) == codes.GROUP_LASSO


@dataclass(frozen=True, eq=False)
class GroupLasso(_GroupPenalty):
    r"""G(w) = alpha sum_g c_g ||w_g||_2, over a partition of the features into groups.

    Parameters
    ----------
    alpha : float >= 0
    groups : int, list of index arrays, or one label per feature
        * an int k: contiguous groups of k features (0..k-1, k..2k-1, ...);
          n_features must be a multiple of k. ``groups=1`` makes every
          feature its own group: the Lasso.
        * a list of 1-D integer arrays: group g holds the features
          ``groups[g]`` (in the order given, g = 0, 1, ...).
        * an array-like of n_features labels (ints or strings): features
          with equal labels form a group; groups are ordered as
          ``np.unique(labels)`` sorts the labels (so are ``weights``).
        (A list of ints of length n_features is labels, not group sizes as
        in skglm.) Overlapping groups, empty groups, features in no group and
        a wrong number of labels raise a ValueError naming ``groups``.
    weights : array-like of shape (n_groups,), optional
        c_g >= 0; sqrt(|g|) (the square root of the group's size) if None.
        c_g = 0 leaves the group unpenalized.

    Notes
    -----
    Encoding (:class:`GroupEncoding`, from :meth:`encode_groups`): a group
    pointer ``ptr`` and a permutation ``indices`` (the features of group g
    are ``indices[ptr[g]:ptr[g+1]]``), the weights c_g, and each feature's
    group. :meth:`encode` gives the per-feature weights c_{g(j)}.

    Prox (block soft-thresholding): with step t,

        prox_{t G}(z)_g = argmin_v (1/2) ||v - z_g||^2 + t alpha c_g ||v||
                        = max(0, 1 - t alpha c_g / ||z_g||) z_g.

    Optimality of group g, with g_g = grad_g F at the point:

        w_g = 0:   ||g_g||_2 <= alpha c_g                 (the group's dead zone;
                   margin alpha c_g - ||g_g||)
        w_g != 0:  g_g + alpha c_g w_g / ||w_g||_2 = 0.

    The certificate's violation of a group is the distance from -g_g to
    the subdifferential (the ball of radius alpha c_g at a zero group).
    The datafit may be least squares or logistic.
    """

    alpha: float = 1.0
    groups: Any = 1
    weights: Any = None


@dataclass(frozen=True, eq=False)
class SparseGroupLasso(_GroupPenalty):
    r"""G(w) = alpha sum_g c_g ((1 - rho) ||w_g||_2 + rho ||w_g||_1), rho = ``l1_ratio``.

    The sparse-group lasso (Simon, Friedman, Hastie & Tibshirani, 2013):
    whole groups leave the model, and inside a nonzero group single
    coefficients are zero too. The group weight c_g multiplies both parts,
    so that c_g = 0 leaves a group wholly unpenalized, ``l1_ratio=0`` is
    the :class:`GroupLasso` (the same arithmetic, so the same iterates) and
    ``l1_ratio=1`` the Lasso with per-feature weights c_{g(j)} (pass
    ``weights=np.ones(n_groups)`` for the plain Lasso). Simon et al.'s
    convention, an unweighted L1 part beside sqrt(|g|)-weighted groups, is
    this one when all groups have the same size (alpha and rho rescaled);
    skglm's ``WeightedL1GroupL2(alpha, weights_groups=(1 - rho) c,
    weights_features=rho c_{g(j)})`` is this penalty.

    Parameters
    ----------
    alpha : float >= 0
    groups : int, list of index arrays, or one label per feature
        As for :class:`GroupLasso` (same encoding, same errors).
    l1_ratio : float in [0, 1]
        rho, the weight of the L1 part.
    weights : array-like of shape (n_groups,), optional
        c_g >= 0; sqrt(|g|) if None.

    Notes
    -----
    Write N(v) = (1 - rho) ||v||_2 + rho ||v||_1, a norm, so that
    G(w) = alpha sum_g c_g N(w_g).

    Prox (exact): soft-threshold each coordinate, then block
    soft-threshold the result: with step t,

        prox_{t G}(z)_g = BST(S(z_g, t alpha rho c_g), t alpha (1 - rho) c_g),

    S(z, u)_j = sign(z_j) max(0, |z_j| - u), BST(v, u) = max(0, 1 - u/||v||) v.

    Optimality of group g, with g_g = grad_g F at the point:

        w_g = 0:   ||S(g_g, alpha rho c_g)||_2 <= alpha (1 - rho) c_g, which
                   is N*(g_g) <= alpha c_g with N* the dual norm of N (the
                   group's dead zone; margin alpha c_g - N*(g_g)).
        w_g != 0:  per coordinate, g_j + alpha (1 - rho) c_g w_j / ||w_g||
                   + alpha rho c_g sign(w_j) = 0 where w_j != 0, and
                   |g_j| <= alpha rho c_g where w_j = 0 (a zero inside a
                   nonzero group).

    N*(v) is the m >= 0 solving ||S(v, rho m)||_2 = (1 - rho) m (||v||_2 for
    rho = 0, ||v||_inf for rho = 1), found exactly: on the interval of m
    where k coordinates exceed rho m the equation is a quadratic in m
    (:func:`sparsecert._kernels.group.sgl_dual_norm`). It gives alpha_max,
    max_g N*(grad_g F) / c_g at w = 0, and the duality gap's dual point
    (the residual rescaled into N*(X_g^T theta) <= alpha c_g for every g).
    """

    alpha: float = 1.0
    groups: Any = 1
    l1_ratio: float = 0.5
    weights: Any = None

    name = "sparse_group_lasso"


@dataclass(frozen=True, eq=False)
class MultiTaskL21:
    r"""G(W) = alpha sum_j (rho ||W[:, j]||_2 + (1 - rho)/2 ||W[:, j]||_2^2) for W of
    shape (n_tasks, n_features), rho = ``l1_ratio`` (default 1: the L2,1 norm
    of scikit-learn's ``MultiTaskLasso``; rho < 1: its ``MultiTaskElasticNet``).

    Each feature's k coefficients (a column of W, scikit-learn's ``coef_``)
    form one block: a group lasso over the rows of the (p, k) matrix. A zero
    block is optimal iff ||g_j||_2 <= alpha rho, with g_j = dF/dW[:, j] (a
    k-vector); a nonzero one needs g_j + alpha (1 - rho) W_j + alpha rho
    W_j / ||W_j|| = 0. For rho = 1 the dual norm is max_j ||.||_2, so the
    dual point of the gap is the residual rescaled into
    max_j ||X_j^T Theta||_2 <= alpha; for rho < 1 the conjugate is finite,
    sum_j (||v_j|| - alpha rho)_+^2 / (2 alpha (1 - rho)), and no rescaling is
    needed. :func:`sparsecert.check_optimality` takes it with the quadratic
    datafit, a 2-D Y and a (k, p) coef (multi-task), or with the multinomial
    datafit, class labels and a (K, p) coef: glmnet's grouped multinomial,
    where each feature's K class coefficients form the block, so that a
    feature leaves all classes at once.

    ``weights`` (c_j >= 0 per feature, the block's term multiplied by c_j;
    all ones if None) are implemented for the multinomial datafit only.
    """

    alpha: float = 1.0
    l1_ratio: float = 1.0
    weights: Any = None

    multitask = True
    convex = True

    def __post_init__(self):
        _check_alpha(self.alpha)
        _check_l1_ratio(self.l1_ratio)

    @property
    def name(self):
        return "multitask_l21" if self.l1_ratio == 1.0 else "multitask_elasticnet"

    @property
    def l1(self):
        """alpha rho: the threshold of a zero block."""
        return float(self.alpha) * float(self.l1_ratio)

    @property
    def l2(self):
        """alpha (1 - rho): the ridge part's weight."""
        return float(self.alpha) * (1.0 - float(self.l1_ratio))

    def value(self, norms):
        """G(W) from the blocks' norms ||W[:, j]||_2."""
        return float(self.l1 * np.sum(norms) + 0.5 * self.l2 * np.sum(norms * norms))

    def with_alpha(self, alpha):
        from dataclasses import replace

        return replace(self, alpha=alpha)
