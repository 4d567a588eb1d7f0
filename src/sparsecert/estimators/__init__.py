"""scikit-learn estimators."""

from .cv import ElasticNetCV, LassoCV
from .linear import ElasticNet, GeneralizedLinearEstimator, Lasso, LpRegression
from .logistic import SparseLogisticRegression
from .logistic_cv import SparseLogisticRegressionCV

__all__ = ["ElasticNet", "ElasticNetCV", "GeneralizedLinearEstimator", "Lasso", "LassoCV",
           "LpRegression", "SparseLogisticRegression", "SparseLogisticRegressionCV"]
