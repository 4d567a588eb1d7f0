"""Shared lists the reliability tests parametrize over.

Adding an estimator to ``ESTIMATORS`` (a factory returning an unfitted
instance with a small, fast configuration) extends every test that uses it:
the scikit-learn checks and, for a regressor, the input contract and the
robustness tests (``REGRESSORS``: they fit real-valued targets).
"""

import numpy as np
from sklearn.base import is_regressor

import sparsecert
from sparsecert import penalties


def _lasso():
    return sparsecert.Lasso(alpha=0.1)


def _enet():
    return sparsecert.ElasticNet(alpha=0.1, l1_ratio=0.5)


def _glm():
    return sparsecert.GeneralizedLinearEstimator(penalty=penalties.L1(alpha=0.1))


def _lp_half():
    return sparsecert.LpRegression(alpha=0.1, p=0.5)


def _lp_smooth():
    return sparsecert.LpRegression(alpha=0.1, p=1.5)


# scikit-learn's sample-weight equivalence check compares predictions at
# rtol 1e-7 on a p > n problem down to alpha_max / 1000: only a tight
# tolerance makes the weighted and the repeated fits agree that closely
def _group_lasso():
    return sparsecert.GroupLasso(alpha=0.1)


def _sparse_group_lasso():
    return sparsecert.SparseGroupLasso(alpha=0.1, l1_ratio=0.5)


def _group_logistic():
    return sparsecert.GroupLogisticRegression(alpha=0.01, l1_ratio=0.5)


def _lasso_cv():
    return sparsecert.LassoCV(n_alphas=5, cv=3, tol=1e-10, max_iter=100000)


def _enet_cv():
    return sparsecert.ElasticNetCV(l1_ratio=[0.5, 0.9], n_alphas=5, cv=3, tol=1e-10,
                                   max_iter=100000)


def _logistic_cv():
    return sparsecert.SparseLogisticRegressionCV(n_alphas=4, cv=3, tol=1e-8, max_iter=1000)


# (id, factory) pairs; the factory returns a fresh unfitted estimator
ESTIMATORS = [
    ("Lasso", _lasso),
    ("ElasticNet", _enet),
    ("GeneralizedLinearEstimator", _glm),
    ("LpRegression-p0.5", _lp_half),
    ("LpRegression-p1.5", _lp_smooth),
    ("GroupLasso", _group_lasso),
    ("SparseGroupLasso", _sparse_group_lasso),
    ("GroupLogisticRegression", _group_logistic),
    ("LassoCV", _lasso_cv),
    ("ElasticNetCV", _enet_cv),
    ("SparseLogisticRegressionCV", _logistic_cv),
]

ESTIMATOR_IDS = [name for name, _ in ESTIMATORS]
ESTIMATOR_FACTORIES = [factory for _, factory in ESTIMATORS]

# the regressors alone: the input-contract and robustness tests fit real
# targets (``regression_data``) and compare least-squares answers, which a
# classifier cannot take; scikit-learn's checks run on all of ESTIMATORS
REGRESSORS = [(name, factory) for name, factory in ESTIMATORS if is_regressor(factory())]
REGRESSOR_IDS = [name for name, _ in REGRESSORS]
REGRESSOR_FACTORIES = [factory for _, factory in REGRESSORS]


def regression_data(n=40, p=8, seed=0, dtype=np.float64):
    """A small well-posed sparse regression problem."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)).astype(dtype)
    w = np.zeros(p)
    w[: max(1, p // 3)] = rng.standard_normal(max(1, p // 3)) * 3
    y = (X.astype(np.float64) @ w + 0.1 * rng.standard_normal(n)).astype(dtype)
    return X, y


def sparse_regression(seed=0, n=300, p=400, n_true=10):
    """CSC X from scipy's generator (density 0.05) and y = X w + noise, w n_true-sparse."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=0.05, format="csc", random_state=seed)
    w = np.zeros(p)
    w[:n_true] = rng.normal(size=n_true) * 3
    return X, X @ w + 0.1 * rng.normal(size=n)
