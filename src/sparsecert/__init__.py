"""sparsecert: certified sparse linear models, compiled with Numba.

Public names only. Estimators are imported lazily, so that ``import
sparsecert`` stays cheap for users of :func:`check_optimality` alone.
"""

__version__ = "0.1.0"

_LAZY = {
    "Lasso": "sparsecert.estimators.linear",
    "GroupLasso": "sparsecert.estimators.group",
    "GroupLassoCV": "sparsecert.estimators.group_cv",
    "SparseGroupLassoCV": "sparsecert.estimators.group_cv",
    "GroupLogisticRegressionCV": "sparsecert.estimators.group_cv",
    "SparseGroupLasso": "sparsecert.estimators.group",
    "GroupLogisticRegression": "sparsecert.estimators.group",
    "MultiTaskLasso": "sparsecert.estimators.multitask",
    "MultiTaskElasticNet": "sparsecert.estimators.multitask",
    "MultiTaskLassoCV": "sparsecert.estimators.multitask_cv",
    "MultiTaskElasticNetCV": "sparsecert.estimators.multitask_cv",
    "ElasticNet": "sparsecert.estimators.linear",
    "GeneralizedLinearEstimator": "sparsecert.estimators.linear",
    "LpRegression": "sparsecert.estimators.linear",
    "LassoCV": "sparsecert.estimators.cv",
    "ElasticNetCV": "sparsecert.estimators.cv",
    "lasso_path": "sparsecert.path",
    "enet_path": "sparsecert.path",
    "logistic_path": "sparsecert.path",
    "regularization_path": "sparsecert.path",
    "group_lasso_path": "sparsecert.path_blocks",
    "sparse_group_lasso_path": "sparsecert.path_blocks",
    "group_logistic_path": "sparsecert.path_blocks",
    "multitask_lasso_path": "sparsecert.path_blocks",
    "multitask_enet_path": "sparsecert.path_blocks",
    "multinomial_path": "sparsecert.path_blocks",
    "PathResult": "sparsecert.path",
    "SparseLogisticRegression": "sparsecert.estimators.logistic",
    "SparseLogisticRegressionCV": "sparsecert.estimators.logistic_cv",
    "check_optimality": "sparsecert.certificate",
    "Certificate": "sparsecert.certificate",
    "alpha_max": "sparsecert.solvers",
}

_SUBMODULES = ("datafits", "penalties")

__all__ = sorted(_LAZY) + list(_SUBMODULES)


def __getattr__(name):
    import importlib

    if name in _SUBMODULES:
        return importlib.import_module(f"sparsecert.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sparsecert' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
