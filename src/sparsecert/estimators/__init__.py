"""scikit-learn estimators."""

from .linear import ElasticNet, GeneralizedLinearEstimator, Lasso, LpRegression

__all__ = ["ElasticNet", "GeneralizedLinearEstimator", "Lasso", "LpRegression"]
