"""scikit-learn estimators."""

from .linear import ElasticNet, GeneralizedLinearEstimator, Lasso
from .logistic import SparseLogisticRegression

__all__ = ["ElasticNet", "GeneralizedLinearEstimator", "Lasso", "SparseLogisticRegression"]
