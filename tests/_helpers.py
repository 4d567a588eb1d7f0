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


def _multitask_lasso():
    return sparsecert.MultiTaskLasso(alpha=0.1)


def _multitask_enet():
    return sparsecert.MultiTaskElasticNet(alpha=0.1, l1_ratio=0.5)


def _multitask_lasso_cv():
    return sparsecert.MultiTaskLassoCV(n_alphas=5, cv=3, tol=1e-10, max_iter=100000)


def _multitask_enet_cv():
    return sparsecert.MultiTaskElasticNetCV(l1_ratio=[0.5, 0.9], n_alphas=5, cv=3, tol=1e-10,
                                            max_iter=100000)


def _group_lasso_cv():
    return sparsecert.GroupLassoCV(n_alphas=5, cv=3, tol=1e-10, max_iter=100000)


def _sparse_group_lasso_cv():
    return sparsecert.SparseGroupLassoCV(l1_ratio=[0.3, 0.8], n_alphas=5, cv=3, tol=1e-10,
                                         max_iter=100000)


def _group_logistic_cv():
    return sparsecert.GroupLogisticRegressionCV(l1_ratio=0.5, n_alphas=4, cv=3)


def _multinomial():
    # iris-like 3-class data in scikit-learn's checks: the softmax model (the default)
    return sparsecert.SparseLogisticRegression(alpha=0.01)


def _multinomial_grouped():
    return sparsecert.SparseLogisticRegression(alpha=0.01, penalty="grouped")


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


def _logistic_cv_ovr():
    return sparsecert.SparseLogisticRegressionCV(n_alphas=4, cv=3, tol=1e-8, max_iter=1000,
                                                 multi_class="ovr")


# (id, factory) pairs; the factory returns a fresh unfitted estimator
ESTIMATORS = [
    ("Lasso", _lasso),
    ("ElasticNet", _enet),
    ("GeneralizedLinearEstimator", _glm),
    ("LpRegression-p0.5", _lp_half),
    ("LpRegression-p1.5", _lp_smooth),
    ("GroupLasso", _group_lasso),
    ("SparseLogisticRegression-multinomial", _multinomial),
    ("SparseLogisticRegression-grouped", _multinomial_grouped),
    ("SparseGroupLasso", _sparse_group_lasso),
    ("GroupLogisticRegression", _group_logistic),
    ("LassoCV", _lasso_cv),
    ("ElasticNetCV", _enet_cv),
    ("SparseLogisticRegressionCV", _logistic_cv),
    ("SparseLogisticRegressionCV-ovr", _logistic_cv_ovr),
    ("MultiTaskLasso", _multitask_lasso),
    ("MultiTaskElasticNet", _multitask_enet),
    ("MultiTaskLassoCV", _multitask_lasso_cv),
    ("MultiTaskElasticNetCV", _multitask_enet_cv),
    ("GroupLassoCV", _group_lasso_cv),
    ("SparseGroupLassoCV", _sparse_group_lasso_cv),
    ("GroupLogisticRegressionCV", _group_logistic_cv),
]

ESTIMATOR_IDS = [name for name, _ in ESTIMATORS]
ESTIMATOR_FACTORIES = [factory for _, factory in ESTIMATORS]

# the regressors alone: the input-contract and robustness tests fit real
# targets (``regression_data``) and compare least-squares answers, which a
# classifier cannot take; scikit-learn's checks run on all of ESTIMATORS
REGRESSORS = [(name, factory) for name, factory in ESTIMATORS if is_regressor(factory())]
REGRESSOR_IDS = [name for name, _ in REGRESSORS]
REGRESSOR_FACTORIES = [factory for _, factory in REGRESSORS]


def is_multi_output(estimator):
    """True for the multi-task estimators, which need a 2-D y (n_samples, n_tasks)."""
    return not estimator.__sklearn_tags__().target_tags.single_output


def target_for(make, y):
    """The target a shared test fits ``make()`` on: ``y`` itself, or for a
    multi-task estimator two tasks, ``y`` and a second target correlated with it
    (so that the shared tests run on the 2-D y these estimators require)."""
    if make is None or not is_multi_output(make()):
        return y
    y = np.asarray(y)
    second = 0.5 * y + np.linspace(-1.0, 1.0, y.shape[0]).astype(y.dtype)
    return np.column_stack([y, second])


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
