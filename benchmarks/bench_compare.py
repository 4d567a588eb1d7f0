"""asv suite: the key problems of ``benchmarks/compare.py``, timed for sparsecert alone.

Run from the repository: ``asv run --python=same --quick`` (or ``asv dev``).

Problems (the generators of :mod:`benchmarks.problems`, seeded):

* Lasso, dense wide 500 x 5000 (AR(1)-correlated columns, rho = 0.6),
  dense tall 20000 x 500, sparse CSC 20000 x 50000 (density 1e-3), each at
  alpha = alpha_max / 20 and alpha_max / 100;
* sparse logistic regression, dense 1000 x 5000 and sparse CSC 20000 x 50000,
  at alpha_max / 20 and /100;
* a 100-alpha Lasso path (eps = 1e-3) on the dense wide problem.

Accuracy: ``tol`` is scale-free (max violation <= tol * alpha_max), so
``tol = 1e-4 * alpha / alpha_max`` asks exactly compare.py's violation
criterion, max violation <= 1e-4 * alpha; the path uses the tolerance its
smallest alpha needs, 1e-4 * eps. (compare.py also judges the duality gap
and searches the loosest passing tol per solver; here the tol is fixed, so
the figures are comparable across commits, not across libraries.)

Compile policy: warm-up excluded. ``setup`` builds the problem and runs one
short fit, so the Numba kernels are compiled (or loaded from the on-disk
cache) before anything is timed.
"""

import warnings

import numpy as np

import sparsecert as sc

from .problems import dense_correlated, logistic_dense, logistic_sparse, sparse_csc

VIOL_TOL = 1e-4

LASSO_PROBLEMS = {
    "dense-wide-500x5000": lambda: dense_correlated(500, 5000),
    "dense-tall-20000x500": lambda: dense_correlated(20000, 500),
    "sparse-csc-20000x50000": lambda: sparse_csc(20000, 50000),
}
LOGISTIC_PROBLEMS = {
    "dense-1000x5000": logistic_dense,
    "sparse-csc-20000x50000": logistic_sparse,
}


def _warm_up(make, X, y):
    """One one-iteration fit: compiles (or loads) every kernel the timed fit uses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make(max_iter=1).fit(X, y)


class LassoCompare:
    """Time to a certified Lasso (max violation <= 1e-4 alpha)."""

    params = (list(LASSO_PROBLEMS), [20, 100])
    param_names = ["problem", "alpha_max_over"]
    timeout = 600
    number = 1
    repeat = (1, 3, 60.0)

    def setup(self, problem, ratio):
        self.X, self.y = LASSO_PROBLEMS[problem]()
        self.alpha = sc.alpha_max(self.X, self.y) / ratio
        self.tol = VIOL_TOL / ratio
        _warm_up(lambda **kw: sc.Lasso(alpha=self.alpha, **kw), self.X, self.y)

    def _fit(self):
        return sc.Lasso(alpha=self.alpha, tol=self.tol, max_iter=100000).fit(self.X, self.y)

    def time_lasso(self, problem, ratio):
        self._fit()

    def track_nonzeros(self, problem, ratio):
        return int(np.count_nonzero(self._fit().coef_))

    track_nonzeros.unit = "coefficients"


class LogisticCompare:
    """Time to a certified sparse logistic regression (max violation <= 1e-4 alpha)."""

    params = (list(LOGISTIC_PROBLEMS), [20, 100])
    param_names = ["problem", "alpha_max_over"]
    timeout = 600
    number = 1
    repeat = (1, 3, 60.0)

    def setup(self, problem, ratio):
        self.X, self.y = LOGISTIC_PROBLEMS[problem]()
        self.alpha = sc.alpha_max(self.X, self.y, datafit="logistic") / ratio
        self.tol = VIOL_TOL / ratio
        _warm_up(lambda **kw: sc.SparseLogisticRegression(alpha=self.alpha, **kw),
                 self.X, self.y)

    def time_logistic(self, problem, ratio):
        sc.SparseLogisticRegression(alpha=self.alpha, tol=self.tol,
                                    max_iter=10000).fit(self.X, self.y)


class LassoPathCompare:
    """100-alpha Lasso path, eps = 1e-3, dense wide 500 x 5000."""

    timeout = 900
    number = 1
    repeat = (1, 2, 120.0)
    eps = 1e-3

    def setup(self):
        self.X, self.y = dense_correlated(500, 5000)
        amax = sc.alpha_max(self.X, self.y)
        self.alphas = np.geomspace(amax, amax * self.eps, 100)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc.lasso_path(self.X, self.y, alphas=self.alphas[:2], max_iter=1)

    def time_lasso_path(self):
        sc.lasso_path(self.X, self.y, alphas=self.alphas, tol=VIOL_TOL * self.eps,
                      max_iter=100000, return_certificates=False)
