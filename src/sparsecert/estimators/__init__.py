"""scikit-learn estimators."""

from .linear import ElasticNet, GeneralizedLinearEstimator, Lasso

__all__ = ["ElasticNet", "GeneralizedLinearEstimator", "Lasso"]
