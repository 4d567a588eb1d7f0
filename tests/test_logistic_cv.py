"""SparseLogisticRegressionCV: against an explicit loop, scikit-learn, threads, multiclass."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

import sparsecert as sc

TIGHT = dict(tol=1e-8, max_iter=1000)


def folds(k=4):
    return StratifiedKFold(k, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def explicit_scores(X, y, positive_class, grid, cv, scorer, **params):
    """scores[f, k]: a plain SparseLogisticRegression fit per (fold, alpha), scored as
    the CV estimator documents (labels of the binary problem coded -1/+1)."""
    y_pm = np.where(y == positive_class, 1, -1)
    out = np.empty((len(cv), grid.shape[0]))
    for f, (train, test) in enumerate(cv):
        for k, alpha in enumerate(grid):
            model = sc.SparseLogisticRegression(alpha=alpha, **params).fit(X[train], y_pm[train])
            out[f, k] = scorer(y_pm[test], model, X[test])
    return out


def _accuracy(y_true, model, X):
    return accuracy_score(y_true, model.predict(X))


def _auc(y_true, model, X):
    return roc_auc_score(y_true, model.decision_function(X))


@pytest.mark.parametrize("scoring, scorer", [(None, _accuracy), ("roc_auc", _auc)])
def test_matches_explicit_loop_binary(cancer, scoring, scorer):
    X, y = cancer
    cv = list(folds().split(X, y))
    est = sc.SparseLogisticRegressionCV(n_alphas=8, cv=cv, scoring=scoring, **TIGHT).fit(X, y)
    assert list(est.scores_) == [1]
    ref = explicit_scores(X, y, 1, est.alphas_, cv, scorer, **TIGHT)
    np.testing.assert_allclose(est.scores_[1], ref, rtol=1e-10, atol=1e-12)
    best = est.alphas_[int(np.argmax(ref.mean(axis=0)))]
    assert est.alpha_.shape == (1,) and est.alpha_[0] == best
    refit = sc.SparseLogisticRegression(alpha=best, **TIGHT).fit(X, y)
    np.testing.assert_allclose(est.coef_, refit.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(est.intercept_, refit.intercept_, rtol=1e-12)
    assert est.certificate_.converged and est.certificate_.alpha == best
    # fold paths: coefficients then the intercept
    assert est.coefs_paths_[1].shape == (4, 8, X.shape[1] + 1)


def test_matches_explicit_loop_multiclass(iris):
    X, y = iris
    cv = list(folds(3).split(X, y))
    est = sc.SparseLogisticRegressionCV(n_alphas=6, cv=cv, multi_class="ovr", **TIGHT).fit(X, y)
    assert list(est.scores_) == [0, 1, 2]
    for k, c in enumerate(est.classes_):
        ref = explicit_scores(X, y, c, est.alphas_, cv, _accuracy, **TIGHT)
        np.testing.assert_allclose(est.scores_[c], ref, rtol=1e-10)
        assert est.alpha_[k] == est.alphas_[int(np.argmax(ref.mean(axis=0)))]


def test_grid_starts_at_the_largest_alpha_max(iris):
    X, y = iris
    est = sc.SparseLogisticRegressionCV(n_alphas=5, eps=1e-2, cv=3, multi_class="ovr").fit(X, y)
    top = max(sc.alpha_max(X, np.where(y == c, 1, -1), datafit="logistic") for c in range(3))
    np.testing.assert_allclose(est.alphas_, np.geomspace(top, top / 100, 5), rtol=1e-12)


def test_accuracy_close_to_sklearn_breast_cancer(cancer):
    X, y = cancer
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    cv = list(folds(5).split(X_tr, y_tr))
    ours = sc.SparseLogisticRegressionCV(n_alphas=20, cv=cv, **TIGHT).fit(X_tr, y_tr)
    # the same per-sample penalty: C = 1 / (n_train alpha), n_train a training fold's size
    n_train = np.mean([len(train) for train, _ in cv])
    Cs = np.sort(1.0 / (n_train * ours.alphas_))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        theirs = SkLogisticRegressionCV(Cs=Cs, l1_ratios=(1.0,), solver="liblinear", cv=cv,
                                        scoring="accuracy", tol=1e-8, max_iter=10000,
                                        use_legacy_attributes=True).fit(X_tr, y_tr)
    our_cv = ours.scores_[1].mean(axis=0).max()
    their_cv = theirs.scores_[1].reshape(len(cv), -1).mean(axis=0).max()
    assert abs(our_cv - their_cv) <= 0.015
    our_test = ours.score(X_te, y_te)
    their_test = theirs.score(X_te, y_te)
    assert our_test >= 0.93 and abs(our_test - their_test) <= 0.03
    # the chosen regularization agrees within a factor of the grid's range / 3
    ratio = (1.0 / (n_train * ours.alpha_[0])) / theirs.C_[0]
    assert 1e-1 <= ratio <= 1e1


def test_n_jobs_identical(iris, cancer):
    for X, y in (iris, cancer):
        one = sc.SparseLogisticRegressionCV(n_alphas=6, cv=folds(3), n_jobs=1).fit(X, y)
        two = sc.SparseLogisticRegressionCV(n_alphas=6, cv=folds(3), n_jobs=2).fit(X, y)
        # iris: the multinomial model's folds, in threads
        for c in one.scores_:
            np.testing.assert_array_equal(one.scores_[c], two.scores_[c])
            np.testing.assert_array_equal(one.coefs_paths_[c], two.coefs_paths_[c])
        np.testing.assert_array_equal(one.alpha_, two.alpha_)
        np.testing.assert_array_equal(one.coef_, two.coef_)
        np.testing.assert_array_equal(one.intercept_, two.intercept_)


def test_multiclass_iris(iris):
    X, y = iris
    est = sc.SparseLogisticRegressionCV(cv=5, multi_class="ovr").fit(X, y)
    assert est.alpha_.shape == (3,) and est.coef_.shape == (3, 4)
    assert est.intercept_.shape == (3,) and est.n_iter_.shape == (3,)
    assert all(s.shape == (5, 20) for s in est.scores_.values())
    assert isinstance(est.certificate_, list) and all(c.converged for c in est.certificate_)
    assert [c.alpha for c in est.certificate_] == list(est.alpha_)
    assert est.score(X, y) >= 0.9
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(est.predict(X), est.classes_[np.argmax(proba, axis=1)])
    # string labels come back as given
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    named = sc.SparseLogisticRegressionCV(cv=5, multi_class="ovr").fit(X, labels)
    np.testing.assert_array_equal(named.classes_, labels[[0, 50, 100]])
    np.testing.assert_array_equal(named.coef_, est.coef_)


def test_sparse_input_same_answer(cancer):
    X, y = cancer
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    dense = sc.SparseLogisticRegressionCV(n_alphas=6, cv=folds(3), **TIGHT).fit(X, y)
    csr = sc.SparseLogisticRegressionCV(n_alphas=6, cv=folds(3), **TIGHT).fit(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(dense.scores_[1], csr.scores_[1])
    np.testing.assert_allclose(dense.coef_, csr.coef_, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("params", [dict(penalty="elasticnet", l1_ratio=0.5),
                                    dict(penalty="lp", p=0.5, tol=1e-3, max_iter=50000),
                                    dict(penalty="lp", p=1.5)])
def test_other_penalties(iris, params):
    X, y = iris
    est = sc.SparseLogisticRegressionCV(n_alphas=5, cv=3, multi_class="ovr", **params).fit(X, y)
    assert est.score(X, y) >= 0.8
    assert all(c.converged for c in est.certificate_)
    if params["penalty"] == "lp" and params["p"] < 1:
        assert all(c.kind == "local" for c in est.certificate_)


def test_callable_scoring_and_sample_weight(cancer):
    X, y = cancer
    seen = []

    def scorer(model, X_test, y_test, sample_weight=None):
        seen.append(sample_weight is not None)
        return accuracy_score(y_test, model.predict(X_test), sample_weight=sample_weight)

    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=y.shape[0])
    est = sc.SparseLogisticRegressionCV(n_alphas=4, cv=3, scoring=scorer).fit(X, y,
                                                                             sample_weight=sw)
    assert all(seen) and len(seen) == 12
    assert est.score(X, y) > 0.9


def test_elasticnet_ridge_needs_alphas(iris):
    X, y = iris
    with pytest.raises(ValueError, match="alphas="):
        sc.SparseLogisticRegressionCV(penalty="elasticnet", l1_ratio=0.0).fit(X, y)
    est = sc.SparseLogisticRegressionCV(penalty="elasticnet", l1_ratio=0.0,
                                        alphas=[0.1, 0.01], cv=3).fit(X, y)
    np.testing.assert_array_equal(est.alphas_, [0.1, 0.01])
    with pytest.raises(ValueError, match="alphas="):
        sc.SparseLogisticRegressionCV(penalty="elasticnet", l1_ratio=0.0,
                                      multi_class="ovr").fit(X, y)


# ---------------------------------------------------------------- multinomial
def _log_loss(y_true, model, X):
    from sklearn.metrics import log_loss

    return -log_loss(y_true, model.predict_proba(X), labels=model.classes_)


@pytest.fixture(scope="module")
def wine():
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("penalty, scoring, scorer", [("l1", None, _accuracy),
                                                      ("grouped", "neg_log_loss", _log_loss)])
def test_multinomial_matches_explicit_loop(wine, penalty, scoring, scorer):
    X, y = wine
    labels = np.array(["barolo", "grignolino", "barbera"])[y]
    cv = list(folds(3).split(X, y))
    est = sc.SparseLogisticRegressionCV(n_alphas=6, eps=1e-2, cv=cv, penalty=penalty,
                                        scoring=scoring, **TIGHT).fit(X, labels)
    classes = np.unique(labels)
    np.testing.assert_array_equal(est.classes_, classes)
    # the grid: from the multinomial alpha_max of all the data
    pen = (sc.penalties.MultiTaskL21(1.0) if penalty == "grouped" else None)
    top = sc.alpha_max(X, labels, datafit="multinomial", penalty=pen)
    np.testing.assert_allclose(est.alphas_, np.geomspace(top, top / 100, 6), rtol=1e-12)
    # a hand-made CV: one certified single fit per (fold, alpha), scored the same way
    ref = np.empty((3, 6))
    coefs = np.empty((3, 6, 3, X.shape[1]))
    for f, (train, test) in enumerate(cv):
        for k, alpha in enumerate(est.alphas_):
            model = sc.SparseLogisticRegression(alpha=alpha, penalty=penalty,
                                                **TIGHT).fit(X[train], labels[train])
            assert model.certificate_.converged
            ref[f, k] = scorer(labels[test], model, X[test])
            coefs[f, k] = model.coef_
    assert sorted(est.scores_) == sorted(classes)
    for k, c in enumerate(classes):
        np.testing.assert_allclose(est.scores_[c], ref, rtol=1e-6, atol=1e-9)
        assert est.coefs_paths_[c].shape == (3, 6, X.shape[1] + 1)
        # both certified at tol 1e-8 (x max |G0|): equal to what that resolves
        np.testing.assert_allclose(est.coefs_paths_[c][..., :-1], coefs[:, :, k], atol=1e-5)
    best = est.alphas_[int(np.argmax(ref.mean(axis=0)))]
    np.testing.assert_array_equal(est.alpha_, np.full(3, best))
    # the refit: the estimator's certified multinomial fit at that alpha
    refit = sc.SparseLogisticRegression(alpha=best, penalty=penalty, **TIGHT).fit(X, labels)
    np.testing.assert_allclose(est.coef_, refit.coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, refit.intercept_, rtol=0, atol=1e-12)
    cert = est.certificate_
    assert cert.datafit == "multinomial" and cert.converged and cert.alpha == best
    assert sc.check_optimality(X, labels, est.coef_, est.intercept_, datafit="multinomial",
                               penalty=(sc.penalties.MultiTaskL21(best) if penalty == "grouped"
                                        else sc.penalties.L1(best)), tol=1e-6).converged
    assert est.n_iter_.shape == (1,)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(est.predict(X), classes[np.argmax(proba, axis=1)])


def test_multinomial_weighted_and_options(wine):
    X, y = wine
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=y.shape[0])
    est = sc.SparseLogisticRegressionCV(n_alphas=4, cv=3, penalty="elasticnet", l1_ratio=0.5,
                                        **TIGHT).fit(X, y, sample_weight=sw)
    assert est.certificate_.converged and est.coef_.shape == (3, X.shape[1])
    model = sc.SparseLogisticRegression(alpha=est.alpha_[0], penalty="elasticnet",
                                        l1_ratio=0.5, **TIGHT).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(est.coef_, model.coef_, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="multi_class='ovr'"):
        sc.SparseLogisticRegressionCV(penalty="lp").fit(X, y)
    with pytest.raises(ValueError, match="multi_class='multinomial'"):
        sc.SparseLogisticRegressionCV(penalty="grouped", multi_class="ovr").fit(X, y)
    with pytest.raises(ValueError, match="misses a class"):
        sc.SparseLogisticRegressionCV(cv=[(np.flatnonzero(y != 2), np.flatnonzero(y == 2))]
                                      ).fit(X, y)


def test_binary_ignores_multi_class(cancer):
    X, y = cancer
    one = sc.SparseLogisticRegressionCV(n_alphas=5, cv=folds(3)).fit(X, y)
    two = sc.SparseLogisticRegressionCV(n_alphas=5, cv=folds(3), multi_class="ovr").fit(X, y)
    grouped = sc.SparseLogisticRegressionCV(n_alphas=5, cv=folds(3), penalty="grouped").fit(X, y)
    for other in (two, grouped):
        np.testing.assert_array_equal(one.scores_[1], other.scores_[1])
        np.testing.assert_array_equal(one.coef_, other.coef_)
        np.testing.assert_array_equal(one.intercept_, other.intercept_)
