"""sparsecert: certified sparse linear models, compiled with Numba.

Public names only. Estimators are imported lazily, so that ``import
sparsecert`` stays cheap for users of :func:`check_optimality` alone.
"""

__version__ = "0.1.0"

_LAZY = {
    "Lasso": "sparsecert.estimators",
    "ElasticNet": "sparsecert.estimators",
    "GeneralizedLinearEstimator": "sparsecert.estimators",
    "SparseLogisticRegression": "sparsecert.estimators",
    "check_optimality": "sparsecert.certificate",
    "Certificate": "sparsecert.certificate",
    "alpha_max": "sparsecert.solvers",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sparsecert' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
