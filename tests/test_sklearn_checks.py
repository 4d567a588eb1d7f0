"""scikit-learn's own estimator checks over every estimator in ESTIMATORS."""

from sklearn.utils.estimator_checks import parametrize_with_checks

import sparsecert
from _helpers import ESTIMATOR_FACTORIES

# No check is expected to fail: an entry here needs a reason scikit-learn
# itself accepts for its own linear models (see its `_tags`/`PER_ESTIMATOR_XFAIL`).
EXPECTED_FAILED_CHECKS = {}


@parametrize_with_checks([factory() for factory in ESTIMATOR_FACTORIES],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
                             type(est).__name__, {}))
def test_sklearn_compatible(estimator, check):
    check(estimator)


# every estimator as a user first writes it, at its defaults (LpRegression()
# once reported n_iter_ = 0 for a start that was already optimal)
@parametrize_with_checks([sparsecert.Lasso(), sparsecert.ElasticNet(), sparsecert.LpRegression(),
                          sparsecert.SparseLogisticRegression(), sparsecert.GroupLasso(),
                          sparsecert.SparseGroupLasso(), sparsecert.GroupLogisticRegression()])
def test_sklearn_compatible_at_defaults(estimator, check):
    check(estimator)
