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

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._kernels import codes


def _check_alpha(alpha):
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
        r = self.l1_ratio
        if isinstance(r, bool) or not isinstance(r, numbers.Real) or not 0.0 <= r <= 1.0:
            raise ValueError(f"l1_ratio must be a real number in [0, 1]; got {r!r}.")
        params = super()._params()
        params[codes.PARAM_L1_RATIO] = r
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
