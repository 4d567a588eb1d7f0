r"""alpha_max, the default alpha grid and the sequential strong rule of a path.

All three compare the same score to the same threshold: with g_j = dF/dw_j,
c_j the penalty weight and rho the L1 share of the penalty, a zero w_j is
optimal at alpha while |g_j| <= alpha c_j rho (with ``positive``, -g_j
replaces |g_j|). alpha_max is the alpha at which the first penalized feature
leaves that dead zone; the strong rule keeps the features whose score is
within reach of it at the next alpha. See :mod:`sparsecert.path` for the
rule and the KKT re-check that guards it.
"""

import dataclasses
import numbers

import numpy as np

from . import penalties as _penalties


def l1_share(penalty):
    """rho, the weight of |w_j| in the penalty, or None when no strong rule applies."""
    if isinstance(penalty, _penalties.L1):
        return 1.0
    if isinstance(penalty, _penalties.ElasticNet) and penalty.l1_ratio > 0:
        return float(penalty.l1_ratio)
    if isinstance(penalty, _penalties.Lp) and penalty.p == 1:
        return 1.0
    return None


def dead_zone_score(grad, positive):
    """|g_j| (or max(-g_j, 0) with ``positive``): compared to alpha c_j rho."""
    return np.maximum(-grad, 0.0) if positive else np.abs(grad)


def alpha_max_at(grad, c, positive, rho):
    """max_{j: c_j > 0} score_j / (c_j rho) at the gradient ``grad``; None if no c_j > 0."""
    pos = c > 0
    if not np.any(pos):
        return None
    return float(np.max(dead_zone_score(grad[pos], positive) / c[pos])) / rho


def check_alphas(alphas):
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    if alphas.size == 0:
        raise ValueError("alphas must contain at least one value.")
    if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
        raise ValueError("alphas must be finite and >= 0.")
    # decreasing, as scikit-learn's paths order them
    return np.sort(alphas)[::-1].copy()


def alpha_grid(alphas, n_alphas, eps, penalty, rho, grad, c, positive):
    """(grid, alpha_max): the decreasing grid, and alpha_max when the grid was
    computed from it (None for an explicit grid). ``grad`` is the gradient at
    the path's starting point (every penalized coefficient 0)."""
    def top():
        if rho is None:
            raise ValueError(f"The {penalty.name} penalty has no alpha_max (it is not a "
                             f"convex sparsifying penalty): pass the grid as alphas=.")
        alpha_max = alpha_max_at(grad, c, positive, rho)
        if alpha_max is None:
            raise ValueError("weights are all zero: no feature is penalized, so alpha_max "
                             "is undefined: pass alphas=.")
        return alpha_max

    return decreasing_grid(alphas, n_alphas, eps, top)


def decreasing_grid(alphas, n_alphas, eps, alpha_max_of):
    """(grid, alpha_max) of a path: ``alphas`` sorted decreasing (alpha_max
    None), or, when ``alphas`` is None or a count, that many (``n_alphas``
    for None) values geometric from ``alpha_max_of()`` down to ``eps`` times
    it (all at the float64 resolution when alpha_max is not above it)."""
    if not (alphas is None or isinstance(alphas, numbers.Integral)):
        return check_alphas(alphas), None
    count = n_alphas if alphas is None else int(alphas)
    if count < 1:
        raise ValueError(f"n_alphas must be >= 1; got {count}.")
    if not 0 < eps:
        raise ValueError(f"eps must be > 0; got {eps!r}.")
    alpha_max = alpha_max_of()
    if alpha_max <= np.finfo(np.float64).resolution:
        return np.full(count, np.finfo(np.float64).resolution), alpha_max
    return np.geomspace(alpha_max, alpha_max * eps, num=count), alpha_max


@dataclasses.dataclass(frozen=True)
class StrongRule:
    """The sequential strong rule (1) of :mod:`sparsecert.path`, for one path."""

    weights: np.ndarray   # c_j
    rho: float
    positive: bool
    alpha_max: float      # stands for alpha_{k-1} before the first alpha

    def keep(self, grid, k, grad, w):
        """Features kept at ``grid[k]``, given the gradient and point at ``grid[k-1]``."""
        alpha = grid[k]
        prev = grid[k - 1] if k else max(self.alpha_max, alpha)
        score = dead_zone_score(grad, self.positive)
        return (score >= self.weights * self.rho * (2.0 * alpha - prev)) | (w != 0)


def strong_rule(screening, rho, weights, positive, alpha_max, grad):
    """The path's strong rule, or None when it does not screen.

    ``alpha_max`` is None for an explicit grid: it is then computed from
    ``grad`` (the starting point's gradient), only to start the rule.
    """
    if screening != "strong" or rho is None:
        return None
    if alpha_max is None:
        alpha_max = alpha_max_at(grad, weights, positive, rho)
        alpha_max = 0.0 if alpha_max is None else alpha_max
    return StrongRule(weights, rho, positive, alpha_max)
