r"""Cross-validated sparse logistic regression: SparseLogisticRegressionCV.

The scheme follows scikit-learn's ``LogisticRegressionCV`` with one-vs-rest
for more than two classes, on our alpha scale (alpha = 1 / (n_train C) in
scikit-learn's terms, n_train the size of the *training fold*):

1. One alpha grid, computed once on the full data and shared by every class
   and fold: ``n_alphas`` values geometric from the largest alpha_max over
   the binary problems (each class against the rest; the positive class for
   two classes) down to ``eps`` times it. An explicit ``alphas`` is used
   sorted decreasing.
2. For every binary problem k (class k coded +1, the rest -1) and every fold
   f, the training fold is fitted along the grid with warm starts (and the
   strong rule + full KKT re-check for L1 / elastic net) by
   :func:`sparsecert.path.regularization_path`; each alpha's solution is
   certified. For ``penalty="lp"`` with p < 1 (nonconvex, local solutions)
   every alpha is instead solved from w = 0, as
   :class:`~sparsecert.SparseLogisticRegression` does, so that the scores
   describe the model the refit returns.
3. Each solution is scored on the held-out fold by ``scoring`` (default:
   the estimator's ``score``, i.e. accuracy), as a binary classifier with
   ``classes_ = [-1, 1]`` on the labels coded the same way, with the test
   fold's sample weights when ``sample_weight`` is given. This is what
   scikit-learn does for one-vs-rest.
4. Per binary problem, the alpha with the best mean score over folds wins
   (the largest alpha on ties, i.e. the sparsest model: scikit-learn's
   smallest C), and the binary model is refitted on all the data at that
   alpha, from w = 0, with its own certificate.

With more than two classes and ``multi_class="multinomial"`` (the default)
the same scheme runs once, on the softmax model: the grid from the
multinomial alpha_max (``sparsecert.alpha_max(..., datafit="multinomial")``),
each training fold fitted along it by
:func:`sparsecert.path_blocks.multinomial_path_on` (warm starts, every alpha
certified), each solution scored on the held-out fold as a multinomial
classifier with the original labels, one alpha chosen for all classes, and
one refit. Attributes as scikit-learn's ``LogisticRegressionCV`` gives them
for a multinomial fit: the scores repeated under every class's key, each
class's own coefficient rows in ``coefs_paths_``, ``alpha_`` repeated.
"""

import numbers

import numpy as np
from joblib import delayed
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions

from .. import penalties
from .._multinomial_certificate import make_multinomial_problem, multinomial_alpha_max_on
from .._validation import as_design, check_sample_weight
from ..datafits import Logistic
from ..path import regularization_path
from ..path_blocks import group_path_on, multinomial_path_on
from ..solvers import alpha_max
from ._base import COMMON_CONSTRAINTS, forget_fit, validate_Xy
from ._folds import (cv_sample_weight, explicit_grid, fold_weights, geometric_grid, path_params,
                     rows_for_folds, run_folds, training_fold)
from .logistic import SparseLogisticRegression, ovr_targets, store_binary_fits, two_classes_or_more


def _binary_model(coef, intercept, n_features, template):
    """A fitted binary SparseLogisticRegression (classes -1, +1) for the scorer."""
    model = SparseLogisticRegression(**template)
    model.classes_ = np.array([-1, 1])
    model.coef_ = coef.reshape(1, -1)
    model.intercept_ = np.array([intercept])
    model.n_features_in_ = n_features
    model.n_iter_ = np.ones(1, dtype=np.int64)
    model.certificate_ = None
    return model


def _fold_path(X, y_pm, sample_weight, train, test, penalty, grid, params, cold, scorer,
               template):
    """Fit one training fold along the grid and score every alpha on its test fold.

    Returns
    -------
    scores : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_alphas, n_features)
    intercepts : ndarray of shape (n_alphas,)
    """
    sw_train, sw_test = fold_weights(sample_weight, train, test)
    X_train, y_train = X[train], y_pm[train]
    if np.unique(y_train).shape[0] < 2:
        raise ValueError("A training fold holds a single class of a one-vs-rest problem: "
                         "use a stratified splitter (the default for an integer cv) or "
                         "fewer folds.")
    coefs, intercepts = _train_along(X_train, y_train, sw_train, penalty, grid, params, cold)
    X_test, y_test = X[test], y_pm[test]
    kw = {} if sw_test is None else {"sample_weight": sw_test}
    scores = np.empty(grid.shape[0])
    for k in range(grid.shape[0]):
        model = _binary_model(coefs[k], intercepts[k], X.shape[1], template)
        scores[k] = scorer(model, X_test, y_test, **kw)
    return scores, coefs, intercepts


def _multinomial_fold_path(X, yi, classes, sample_weight, train, test, penalty, grid, params,
                           scorer, template):
    """Fit one training fold of the softmax model along the grid and score every
    alpha on its test fold (labels as given).

    Returns
    -------
    scores : ndarray of shape (n_alphas,)
    coefs : ndarray of shape (n_alphas, n_classes, n_features)
    intercepts : ndarray of shape (n_alphas, n_classes)
    """
    K = classes.shape[0]
    if np.unique(yi[train]).shape[0] < K:
        raise ValueError("A training fold misses a class of the multinomial model: use a "
                         "stratified splitter (the default for an integer cv) or fewer "
                         "folds.")
    design, sw_train, sw_test = training_fold(X, sample_weight, train, test)
    res = multinomial_path_on(design, yi[train], K, sw_train, penalty, alphas=grid, **params)
    coefs = np.ascontiguousarray(np.moveaxis(res.coefs, 2, 0), dtype=np.float64)
    intercepts = np.ascontiguousarray(res.intercepts.T)
    kw = {} if sw_test is None else {"sample_weight": sw_test}
    scores = np.empty(grid.shape[0])
    for k in range(grid.shape[0]):
        # the fitted multinomial model of this alpha, with its own certificate
        model = SparseLogisticRegression(**template)
        model.classes_ = classes
        model.coef_, model.intercept_ = coefs[k], intercepts[k]
        model.n_features_in_ = X.shape[1]
        model.n_iter_ = np.ones(1, dtype=np.int64)
        model.certificate_ = res.certificates[k]
        scores[k] = scorer(model, X[test], classes[yi[test]], **kw)
    return scores, coefs, intercepts


def _first_best(mean):
    """The index of the first maximum of the mean scores in decreasing-alpha
    order (the sparsest model on ties); 0 when they are all NaN."""
    return 0 if np.all(np.isnan(mean)) else int(np.nanargmax(mean))


def _train_along(X_train, y_train, sw_train, penalty, grid, params, cold):
    """(coefs (n_alphas, n_features), intercepts) of a training fold along the grid:
    one warm-started path, or with ``cold`` each alpha from w = 0."""
    if cold:
        coefs = np.empty((grid.shape[0], X_train.shape[1]))
        intercepts = np.empty(grid.shape[0])
        for k, alpha in enumerate(grid):
            res = regularization_path(X_train, y_train, datafit="logistic", penalty=penalty,
                                      alphas=[alpha], sample_weight=sw_train,
                                      return_certificates=False, **params)
            coefs[k] = res.coefs[:, 0]
            intercepts[k] = res.intercepts[0]
        return coefs, intercepts
    if penalties.is_group(penalty):  # GroupLogisticRegressionCV: the block path
        design = as_design(X_train)
        res = group_path_on(design, y_train, check_sample_weight(sw_train, design.n_samples),
                            penalty, datafit=Logistic(), alphas=grid, return_certificates=False,
                            **params)
    else:
        res = regularization_path(X_train, y_train, datafit="logistic", penalty=penalty,
                                  alphas=grid, sample_weight=sw_train,
                                  return_certificates=False, **params)
    return (np.ascontiguousarray(res.coefs.T, dtype=np.float64),
            np.asarray(res.intercepts, dtype=np.float64))


class SparseLogisticRegressionCV(ClassifierMixin, BaseEstimator):
    r"""Sparse logistic regression with alpha chosen by cross-validation.

    The objective of each binary problem is
    :class:`~sparsecert.SparseLogisticRegression`'s,

        (1/n) sum_i s_i log(1 + exp(-y_i (x_i^T w + b))) + alpha * G(w),

    with G the L1, elastic-net or Lp penalty. With k > 2 classes the default
    is the multinomial (softmax) model of
    :class:`~sparsecert.SparseLogisticRegression`, one alpha for all classes
    chosen along certified multinomial paths (as scikit-learn's
    ``LogisticRegressionCV`` does for a multinomial fit); with
    ``multi_class="ovr"`` one binary problem per class (one-vs-rest), each
    with its own cross-validated alpha. See
    :mod:`sparsecert.estimators.logistic_cv` for the scheme.

    scikit-learn's ``C`` relates to alpha by C = 1 / (n alpha), n being the
    number of samples the model is fitted on (a training fold's size in
    cross-validation): the same alpha means the same per-sample penalty in
    every fold, and in the refit.

    Parameters
    ----------
    n_alphas : int, default=20
        Length of the computed grid.
    alphas : array-like or int, default=None
        Explicit grid (used sorted decreasing, shared by all classes), or its
        length.
    eps : float, default=1e-3
        The computed grid ends at ``eps * alpha_max``.
    penalty : {"l1", "elasticnet", "lp", "grouped"}, default="l1"
        As in :class:`~sparsecert.SparseLogisticRegression` ("grouped": a
        feature's coefficients over the classes of the multinomial model
        leave together; "l1" for two classes). For "lp" the
        computed grid is scaled by the L1 alpha_max (Lp has none); with p < 1
        every alpha is solved from w = 0 (no warm start: local solutions
        depend on the starting point, and the refit starts from 0).
    l1_ratio : float in [0, 1], default=0.5
        rho, used with ``penalty="elasticnet"`` (0 needs explicit ``alphas``).
    p : float > 0, default=0.5
        The exponent, used with ``penalty="lp"``.
    multi_class : {"multinomial", "ovr"}, default="multinomial"
        How more than two classes are fitted, as in
        :class:`~sparsecert.SparseLogisticRegression` (ignored for two
        classes). "lp" and ``positive=True`` need "ovr".
    fit_intercept : bool, default=True
    tol : float, default=1e-4
        Scale-free certificate tolerance for every alpha of every fold and for
        the refit (see :class:`~sparsecert.SparseLogisticRegression`).
    max_iter : int, default=1000
        Outer (proximal Newton) iterations per alpha.
    cv : int, cross-validation generator or iterable, default=None
        As scikit-learn's ``check_cv`` for a classifier: None is 5-fold and an
        integer k is k-fold ``StratifiedKFold``.
    scoring : str or callable, default=None
        A scikit-learn scorer name or ``scorer(estimator, X, y)``; None uses
        :meth:`score` (accuracy). Larger is better.
    n_jobs : int, default=None
        (class, fold) pairs fitted in parallel threads (joblib); the results
        do not depend on it.
    positive : bool, default=False
        Constrain the coefficients to be >= 0.
    weights : array-like of shape (n_features,), default=None
        Per-feature penalty weights c_j >= 0 (0 = unpenalized).
    screening : {"strong", None}, default="strong"
        Strong rule along each fold's path (L1 and elastic net).
    solver : {"auto", "cd", "fista"}, default="auto"
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    scores_ : dict
        Binary problem's positive class -> ndarray of shape (n_folds, n_alphas)
        of held-out scores (keys: ``classes_[1]`` alone for two classes, every
        class otherwise), as scikit-learn's ``scores_``; multinomial: the
        model's scores, the same array under every class.
    coefs_paths_ : dict
        Same keys -> ndarray of shape (n_folds, n_alphas, n_features + 1) with
        the intercept last (``n_features`` without an intercept); multinomial:
        that class's row of the model's coefficients (intercepts summing to 0
        over the classes).
    alpha_ : ndarray of shape (1,) or (n_classes,)
        The chosen alpha of each binary problem (multinomial: the one alpha,
        repeated).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    certificate_ : Certificate, MultinomialCertificate or list of Certificate
        Of the refit on all the data (one per class for one-vs-rest).
    n_iter_ : ndarray of shape (1,) or (n_classes,)
        Outer iterations of each refit (at least 1; multinomial: shape (1,)).
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    _parameter_constraints = {
        **{k: v for k, v in COMMON_CONSTRAINTS.items() if k != "warm_start"},
        "n_alphas": [Interval(numbers.Integral, 1, None, closed="left")],
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like", None],
        "eps": [Interval(numbers.Real, 0, None, closed="neither")],
        "penalty": [StrOptions({"l1", "elasticnet", "lp", "grouped"})],
        "multi_class": [StrOptions({"multinomial", "ovr"})],
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "p": [Interval(numbers.Real, 0, None, closed="neither")],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "n_jobs": [numbers.Integral, None],
        "positive": ["boolean"],
        "weights": ["array-like", None],
        "screening": [StrOptions({"strong"}), None],
    }

    def __init__(self, *, n_alphas=20, alphas=None, eps=1e-3, penalty="l1", l1_ratio=0.5,
                 p=0.5, fit_intercept=True, tol=1e-4, max_iter=1000, cv=None, scoring=None,
                 n_jobs=None, positive=False, weights=None, screening="strong", solver="auto",
                 verbose=0, multi_class="multinomial"):
        self.n_alphas = n_alphas
        self.multi_class = multi_class
        self.alphas = alphas
        self.eps = eps
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.p = p
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.positive = positive
        self.weights = weights
        self.screening = screening
        self.solver = solver
        self.verbose = verbose

    def _path_penalty(self):
        """The penalty object of the paths (its alpha is replaced along the grid)."""
        if self.penalty in ("l1", "grouped"):  # grouped: one coefficient per feature
            return penalties.L1(alpha=0.0, weights=self.weights, positive=self.positive)
        if self.penalty == "elasticnet":
            return penalties.ElasticNet(alpha=0.0, l1_ratio=float(self.l1_ratio),
                                        weights=self.weights, positive=self.positive)
        return penalties.Lp(alpha=0.0, p=float(self.p), weights=self.weights,
                            positive=self.positive)

    def _grid(self, X, binary_targets, sw):
        """The decreasing grid shared by every class and fold: explicit, or from the
        largest alpha_max of the binary problems on all the data."""
        if self.alphas is not None and not isinstance(self.alphas, numbers.Integral):
            return explicit_grid(self.alphas)
        count = self.n_alphas if self.alphas is None else int(self.alphas)
        rho = float(self.l1_ratio) if self.penalty == "elasticnet" else 1.0
        if rho == 0:
            raise ValueError("l1_ratio=0 (ridge) has no alpha_max: pass the grid as alphas=.")
        top = max(alpha_max(X, y_pm, l1_ratio=rho, datafit="logistic",
                            fit_intercept=self.fit_intercept, sample_weight=sw,
                            weights=self.weights, positive=self.positive)
                  for y_pm in binary_targets)
        if not np.isfinite(top):
            return np.full(count, np.finfo(np.float64).resolution)
        return geometric_grid(top, self.eps, count)

    def fit(self, X, y, sample_weight=None):
        """Cross-validate alpha along certified paths, then refit on all the data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Sparse input is never densified.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), optional
            Used in every training fold (rescaled there to sum to its size),
            to weight the held-out scores, and in the refit.

        Returns
        -------
        self
        """
        self._validate_params()
        forget_fit(self, ("coef_", "intercept_", "certificate_", "n_iter_", "classes_", "alpha_",
                          "alphas_", "scores_", "coefs_paths_"))
        X, y, design = validate_Xy(self, X, y, y_numeric=False)
        classes = two_classes_or_more(y)
        sw = cv_sample_weight(sample_weight, design.n_samples)
        X_rows = rows_for_folds(X)
        template = self._template()
        if template._multinomial(classes):
            return self._fit_multinomial(X, y, X_rows, classes, sw, template)
        targets = ovr_targets(classes)
        binary = [np.where(y == c, 1.0, -1.0) for c in targets]
        grid = self._grid(X_rows, binary, sw)
        folds = list(check_cv(self.cv, y, classifier=True).split(X_rows, y))
        out = self._fold_paths(X_rows, binary, sw, grid, folds)
        scores, paths, chosen = self._choose(targets, grid, out, len(folds))
        fits = [self._refit(X, y_pm, sw, alpha) for y_pm, alpha in zip(binary, chosen)]
        # set only now: an interrupted fit leaves no fitted attribute behind
        self.alphas_, self.scores_, self.coefs_paths_, self.alpha_ = grid, scores, paths, chosen
        store_binary_fits(self, classes, fits, design.n_features, X.dtype)
        return self

    def _template(self):
        """The estimator the folds' scorer and the refit are: this one's penalty
        and model, at alpha 0 (each sets its own alpha)."""
        return SparseLogisticRegression(
            alpha=0.0, penalty=self.penalty, l1_ratio=self.l1_ratio, p=self.p,
            fit_intercept=self.fit_intercept, max_iter=self.max_iter, tol=self.tol,
            positive=self.positive, solver=self.solver, weights=self.weights,
            verbose=self.verbose, multi_class=self.multi_class)

    def _fit_multinomial(self, X, y, X_rows, classes, sw, template):
        """The softmax model: one grid, one path per fold, one alpha, one refit."""
        yi = np.searchsorted(classes, y)
        penalty = template._multinomial_penalty().with_alpha(0.0)
        grid = self._multinomial_grid(X_rows, yi, classes, sw, penalty)
        folds = list(check_cv(self.cv, y, classifier=True).split(X_rows, y))
        scorer = check_scoring(self, scoring=self.scoring)
        params = dict(tol=self.tol, max_iter=self.max_iter, fit_intercept=self.fit_intercept,
                      verbose=max(int(self.verbose) - 1, 0))
        scoring_model = dict(penalty=self.penalty, l1_ratio=self.l1_ratio,
                             fit_intercept=self.fit_intercept, multi_class="multinomial")
        out = run_folds((delayed(_multinomial_fold_path)(X_rows, yi, classes, sw, train, test,
                                                         penalty, grid, params, scorer,
                                                         scoring_model)
                         for train, test in folds), self.n_jobs, self.verbose)
        scores = np.array([s for s, _, _ in out])
        stacked = np.array([coefs for _, coefs, _ in out])  # (folds, alphas, K, p)
        if self.fit_intercept:
            icpt = np.array([b for _, _, b in out])[..., np.newaxis]
            stacked = np.concatenate([stacked, icpt], axis=3)
        alpha = grid[_first_best(scores.mean(axis=0))]
        model = clone(template).set_params(alpha=float(alpha))
        model.fit(X, y, sample_weight=sw)
        K = classes.shape[0]
        # set only now: an interrupted fit leaves no fitted attribute behind
        self.alphas_ = grid
        self.scores_ = {c: scores for c in classes}
        self.coefs_paths_ = {c: stacked[:, :, k, :] for k, c in enumerate(classes)}
        self.alpha_ = np.full(K, alpha)
        for name in ("classes_", "coef_", "intercept_", "n_iter_", "certificate_"):
            setattr(self, name, getattr(model, name))
        return self

    def _multinomial_grid(self, X, yi, classes, sw, penalty):
        """The decreasing grid of the softmax model: explicit, or from its
        alpha_max on all the data."""
        if self.alphas is not None and not isinstance(self.alphas, numbers.Integral):
            return explicit_grid(self.alphas)
        count = self.n_alphas if self.alphas is None else int(self.alphas)
        design = as_design(X)
        problem = make_multinomial_problem(design, yi, classes.shape[0],
                                           check_sample_weight(sw, design.n_samples), penalty,
                                           self.fit_intercept)
        top = multinomial_alpha_max_on(problem, penalty)
        if not np.isfinite(top):
            raise ValueError("l1_ratio=0 (ridge) has no alpha_max: pass the grid as alphas=.")
        return geometric_grid(top, self.eps, count)

    def _fold_settings(self):
        """(cold, the paths' keyword arguments, the scoring model's parameters) of
        every fold's binary path."""
        return (self.penalty == "lp" and self.p < 1, path_params(self, solver=self.solver),
                dict(penalty=self.penalty, l1_ratio=self.l1_ratio, p=self.p,
                     fit_intercept=self.fit_intercept))

    def _fold_paths(self, X_rows, binary, sw, grid, folds):
        """:func:`_fold_path` of every (binary problem, fold), in that order."""
        scorer = check_scoring(self, scoring=self.scoring)
        penalty = self._path_penalty()
        cold, params, template = self._fold_settings()
        jobs = (delayed(_fold_path)(X_rows, y_pm, sw, train, test, penalty, grid, params, cold,
                                    scorer, template)
                for y_pm in binary for train, test in folds)
        return run_folds(jobs, self.n_jobs, self.verbose)

    def _choose(self, targets, grid, out, n_folds):
        """(scores_, coefs_paths_, alpha_): per binary problem, the held-out scores
        and paths of every fold, and the alpha of the best mean score."""
        scores, paths, chosen = {}, {}, np.empty(len(targets))
        for k, c in enumerate(targets):
            part = out[k * n_folds:(k + 1) * n_folds]
            scores[c] = np.array([s for s, _, _ in part])
            stacked = np.array([coefs for _, coefs, _ in part])
            if self.fit_intercept:
                icpt = np.array([b for _, _, b in part])[:, :, np.newaxis]
                stacked = np.concatenate([stacked, icpt], axis=2)
            paths[c] = stacked
            chosen[k] = grid[_first_best(scores[c].mean(axis=0))]
        return scores, paths, chosen

    def _refit(self, X, y_pm, sw, alpha):
        """(coef, intercept, n_iter, certificate) of one binary problem refitted on
        all the data at its chosen alpha, from w = 0."""
        model = clone(self._template()).set_params(alpha=float(alpha))
        model.fit(X, y_pm, sample_weight=sw)
        return model.coef_[0], model.intercept_[0], model.n_iter_[0], model.certificate_

    def __sklearn_is_fitted__(self):
        return hasattr(self, "certificate_")

    # prediction is SparseLogisticRegression's, on the refitted coefficients
    decision_function = SparseLogisticRegression.decision_function
    predict_proba = SparseLogisticRegression.predict_proba
    predict_log_proba = SparseLogisticRegression.predict_log_proba
    predict = SparseLogisticRegression.predict
    sparse_coef_ = SparseLogisticRegression.sparse_coef_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
