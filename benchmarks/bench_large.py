"""asv suite: the large-job benchmark (``benchmarks/large.py``) at its default size, sparsecert alone.

X is :func:`benchmarks.large.text_like_csr` at ``--size default``: 100,000 x
20,000 CSR, about 2e6 nonzeros, tf-idf-like (Zipf column popularity, l2
rows), as a vectorizer hands it over; the targets of :func:`benchmarks.large.targets`.
Lasso and L1-logistic regression at alpha_max / 20 and / 200, no intercept.
As in ``bench_compare.py``, ``tol = 1e-4 / ratio`` asks max violation <=
1e-4 alpha (tol is scale-free), and ``setup`` runs a one-iteration fit first,
so Numba compilation is excluded. ``peakmem_*`` is asv's peak RSS of the
process (X included); ``track_passes`` is ``n_passes_``, the full passes over X
the fit counted. The cross-library comparison, each solver in its own
process, is ``python benchmarks/large.py``.
"""

import warnings

import numpy as np

import sparsecert as sc

from .bench_compare import VIOL_TOL, _warm_up
from .large import SIZES, targets, text_like_csr


class _Large:
    params = ([20, 200],)
    param_names = ["alpha_max_over"]
    timeout = 900
    number = 1
    repeat = (1, 3, 120.0)
    datafit = "quadratic"

    def estimator(self, **kw):
        raise NotImplementedError

    def setup(self, ratio):
        self.X = text_like_csr(*SIZES["default"], seed=0)
        y_reg, y_log, _ = targets(self.X, seed=0)
        self.y = y_reg if self.datafit == "quadratic" else y_log
        self.alpha = sc.alpha_max(self.X, self.y, datafit=self.datafit,
                                  fit_intercept=False) / ratio
        self.tol = VIOL_TOL / ratio
        _warm_up(self.estimator, self.X, self.y)

    def _fit(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.estimator(tol=self.tol).fit(self.X, self.y)

    def time_fit(self, ratio):
        self._fit()

    def peakmem_fit(self, ratio):
        self._fit()

    def track_passes(self, ratio):
        return float(self._fit().n_passes_)

    track_passes.unit = "passes over X"

    def track_nonzeros(self, ratio):
        return int(np.count_nonzero(self._fit().coef_))

    track_nonzeros.unit = "coefficients"


class LargeLasso(_Large):
    """Lasso on the default-size text-like CSR matrix."""

    def estimator(self, **kw):
        return sc.Lasso(alpha=self.alpha, fit_intercept=False, **dict(dict(max_iter=100000), **kw))


class LargeLogistic(_Large):
    """L1-logistic regression on the default-size text-like CSR matrix."""

    datafit = "logistic"

    def estimator(self, **kw):
        return sc.SparseLogisticRegression(alpha=self.alpha, fit_intercept=False,
                                           **dict(dict(max_iter=10000), **kw))
