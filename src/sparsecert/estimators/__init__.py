"""scikit-learn estimators, each module imported on first use (a Lasso fit
need not import the CV or logistic machinery)."""

_WHERE = {"ElasticNet": "linear", "GeneralizedLinearEstimator": "linear", "Lasso": "linear",
          "LpRegression": "linear", "ElasticNetCV": "cv", "LassoCV": "cv",
          "SparseLogisticRegression": "logistic", "SparseLogisticRegressionCV": "logistic_cv",
          "GroupLasso": "group", "MultiTaskLasso": "multitask",
          "MultiTaskElasticNet": "multitask", "MultiTaskLassoCV": "multitask_cv",
          "MultiTaskElasticNetCV": "multitask_cv", "GroupLassoCV": "group_cv",
          "SparseGroupLasso": "group", "GroupLogisticRegression": "group"}

__all__ = sorted(_WHERE)


def __getattr__(name):
    import importlib

    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
