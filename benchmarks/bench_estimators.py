"""asv suite: ``asv run --python=same --quick`` (timings exclude Numba compilation:
``setup`` runs one fit first so that the kernels are compiled or loaded)."""

import warnings

import numpy as np

import sparsecert as sc

from .problems import dense_correlated, sparse_csc


class LassoDense:
    params = [20, 100]
    param_names = ["alpha_max_over"]
    timeout = 300

    def setup(self, ratio):
        self.X, self.y = dense_correlated(n=500, p=2000)
        self.alpha = sc.alpha_max(self.X, self.y) / ratio
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc.Lasso(alpha=self.alpha, max_iter=1).fit(self.X, self.y)

    def time_lasso(self, ratio):
        sc.Lasso(alpha=self.alpha, tol=1e-6, max_iter=100000).fit(self.X, self.y)

    def track_nonzeros(self, ratio):
        est = sc.Lasso(alpha=self.alpha, tol=1e-6, max_iter=100000).fit(self.X, self.y)
        return int(np.count_nonzero(est.coef_))


class LassoSparse:
    timeout = 300

    def setup(self):
        self.X, self.y = sparse_csc(n=20000, p=20000)
        self.alpha = sc.alpha_max(self.X, self.y) / 50
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc.Lasso(alpha=self.alpha, max_iter=1).fit(self.X, self.y)

    def time_lasso(self):
        sc.Lasso(alpha=self.alpha, tol=1e-6, max_iter=100000).fit(self.X, self.y)

    def peakmem_lasso(self):
        sc.Lasso(alpha=self.alpha, tol=1e-6, max_iter=100000).fit(self.X, self.y)


class ElasticNetDense:
    timeout = 300

    def setup(self):
        self.X, self.y = dense_correlated(n=500, p=2000)
        self.alpha = sc.alpha_max(self.X, self.y, l1_ratio=0.5) / 20
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc.ElasticNet(alpha=self.alpha, max_iter=1).fit(self.X, self.y)

    def time_enet(self):
        sc.ElasticNet(alpha=self.alpha, l1_ratio=0.5, tol=1e-6, max_iter=100000).fit(self.X, self.y)
