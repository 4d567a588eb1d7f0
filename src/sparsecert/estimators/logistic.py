"""Sparse logistic regression (binary, multinomial and one-vs-rest multiclass), certified."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import penalties
from .._kernels._notice import print_if
from .._multinomial_certificate import make_multinomial_problem
from .._problem import make_problem, threads_for
from .._validation import check_sample_weight
from ..datafits import Logistic
from ..solvers import solve
from ..solvers.multinomial_cd import solve_multinomial_cd
from .._validation import is_dask_array
from ._base import COMMON_CONSTRAINTS, _encode_pm1, forget_fit, validate_Xy


def _expit(t):
    """1 / (1 + exp(-t)) without overflow warnings."""
    out = np.empty_like(t, dtype=np.float64)
    pos = t >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-t[pos]))
    e = np.exp(t[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def two_classes_or_more(y):
    """The sorted labels of y, which must hold at least two classes."""
    check_classification_targets(y)
    classes = np.unique(y)
    _require_two_classes(classes)
    return classes


def _require_two_classes(classes):
    if classes.shape[0] < 2:
        raise ValueError(f"This solver needs samples of at least 2 classes in the data, "
                         f"but the data contain only one class: {classes[0]!r}.")


def ovr_targets(classes):
    """The positive class of each binary problem: ``classes[1]`` alone for two
    classes, else every class against the rest."""
    return [classes[1]] if classes.shape[0] == 2 else list(classes)


def _check_warm(warm, n_features, classes):
    if warm is not None and (warm[0].shape[1] != n_features
                             or not np.array_equal(warm[2], classes)):
        raise ValueError("warm_start=True but X or the classes differ from the previous "
                         "fit: refit with warm_start=False.")


def _warm_point(warm, k):
    """(w0, b0) of binary problem k in the previous fit ``warm``, or (None, None)."""
    if warm is None:
        return None, None
    return warm[0][k], float(warm[1][k])


def store_binary_fits(estimator, classes, fits, n_features, dtype):
    """Set classes_, coef_, intercept_, n_iter_, certificate_ from one
    (coef, intercept, n_iter, certificate) per binary problem."""
    coef = np.zeros((len(fits), n_features))
    intercept = np.zeros(len(fits))
    n_iter = np.zeros(len(fits), dtype=np.int64)
    for k, (w, b, it, _) in enumerate(fits):
        coef[k], intercept[k], n_iter[k] = w, b, it
    certs = [cert for _, _, _, cert in fits]
    estimator.classes_ = classes
    estimator.coef_ = coef.astype(dtype, copy=False)
    estimator.intercept_ = intercept.astype(dtype, copy=False)
    estimator.n_iter_ = n_iter
    estimator.certificate_ = certs[0] if len(certs) == 1 else certs


class SparseLogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression with an L1, elastic-net or Lp penalty, certified at the solution.

    For two classes (the larger of ``classes_`` is the positive one, y_i = +1)
    it minimizes over (w, b)

        (1/n) sum_i s_i log(1 + exp(-y_i (x_i^T w + b))) + alpha * G(w),

    with G(w) = sum_j c_j |w_j| (``penalty="l1"``) or
    sum_j c_j (rho |w_j| + (1 - rho)/2 w_j^2) (``"elasticnet"``, rho = ``l1_ratio``),
    s_i the sample weights rescaled to sum to n and c_j the per-feature
    ``weights``. This is scikit-learn's ``LogisticRegression(C=1/(n alpha),
    l1_ratio=1)`` problem up to the factor C (whose loss is
    C sum_i log(...) + ||w||_1) when ``fit_intercept=False`` or with a solver
    that does not penalize the intercept (saga); liblinear penalizes it.

    The solver is proximal Newton (CD on each local quadratic model, line
    search on the true objective, working sets on wide problems); it stops
    when the first-order optimality condition holds over all features:
    |g_j| <= alpha c_j at every zero and g_j = -alpha c_j sign(w_j) at every
    nonzero (elastic net: with the ridge slope and threshold alpha c_j rho),
    and |dF/db| small, up to ``tol * ||grad F(0, b0)||_inf`` (b0 the log-odds).

    With K > 2 classes the default (``multi_class="multinomial"``, as
    scikit-learn >= 1.5 does) is the softmax model: over W (K, p) and b (K,)

        (1/n) sum_i s_i [log sum_k exp(w_k^T x_i + b_k) - (w_{y_i}^T x_i + b_{y_i})]
        + alpha * G(W),

    G(W) = sum_j c_j sum_k |W_kj| (``"l1"``), its elastic net, or
    sum_j c_j ||W[:, j]||_2 (``penalty="grouped"``: a feature leaves all
    classes at once, glmnet's grouped multinomial). Solved by proximal
    Newton over a working set of features (coordinate descent on each local
    quadratic model of the softmax loss, a block being W[:, j] over the
    classes; line search on the true objective; majorized block steps with
    the curvature bound (1/2n) sum_i s_i x_ij^2 if the search stalls),
    certified feature by feature (a ``MultinomialCertificate``: the
    per-coefficient or grouped conditions, ||dF/db|| = 0, and the duality
    gap). The softmax's redundant direction: adding one vector to every row
    of W and one number to every intercept changes no probability; the
    gradient sums to zero over the classes, so the certificate cannot see
    that direction. The intercepts, and the columns of unpenalized features
    (weight 0), are reported class-centred (sum_k = 0); the grouped
    penalty's optimum has class-centred columns anyway; the L1 optimum may
    not be unique (any point the certificate accepts is optimal; a
    collinear X, e.g. one-hot blocks, makes that common, while the
    probabilities stay unique). ``multi_class="ovr"`` fits one binary
    problem per class instead (that class against the rest), each with its
    own certificate, as earlier versions did by default.

    Parameters
    ----------
    alpha : float, default=1.0
        Regularization strength (>= 0). For alpha >= ``alpha_max(X, y,
        datafit="logistic")`` the binary solution is exactly zero. alpha = 0
        on linearly separable data has no solution (a warning says so).
    penalty : {"l1", "elasticnet", "lp", "grouped"}, default="l1"
        "grouped" (multinomial only) is alpha sum_j c_j ||W[:, j]||_2 over
        the K classes' coefficients of each feature (the name is glmnet's,
        ``type.multinomial="grouped"``; scikit-learn has no such penalty).
        With two classes there is one coefficient per feature and "grouped"
        is "l1". "lp" is one-vs-rest only: it raises with
        ``multi_class="multinomial"`` and more than two classes.
        "lp" is alpha sum_j c_j |w_j|^p: for p > 1 convex and smooth (no exact
        zeros; solved by proximal Newton, global certificate with a gap); for
        0 < p < 1 nonconvex (solved by fixed-step coordinate proximal gradient
        from w = 0 and the log-odds intercept, deterministic; the certificate
        is L-stationarity, ``kind == "local"``).
    l1_ratio : float in [0, 1], default=0.5
        rho, used with ``penalty="elasticnet"``.
    p : float > 0, default=0.5
        The exponent, used with ``penalty="lp"``.
    multi_class : {"multinomial", "ovr"}, default="multinomial"
        How more than two classes are fitted: the softmax model (one problem,
        one certificate) or one-vs-rest (one binary problem and certificate
        per class). Ignored for two classes, whose fit is the binary one
        either way. scikit-learn deprecated its parameter of this name in
        1.5 (in favour of wrapping the estimator in ``OneVsRestClassifier``,
        which works here too); it is kept here because the one-vs-rest fits
        are each certified, and to reproduce earlier versions' default with
        one argument. ``penalty="lp"``, ``positive=True``, ``solver="fista"``
        and a Dask X need ``"ovr"`` with more than two classes.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (K of them for the multinomial model).
    max_iter : int, default=1000
        Maximum number of outer (proximal Newton) iterations per binary fit,
        or of the multinomial fit (over working sets).
    tol : float, default=1e-4
        Scale-free tolerance (see above).
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` (same classes).
    positive : bool, default=False
        Constrain the coefficients to be >= 0.
    solver : {"auto", "cd", "fista"}, default="auto"
        "auto" and "cd" mean proximal Newton with coordinate-descent inner
        solves (fixed-step coordinate descent for Lp with p < 1); "fista" the
        accelerated proximal gradient method (convex penalties only).
    weights : array-like of shape (n_features,), default=None
        Per-feature penalty weights c_j >= 0 (0 = unpenalized); all ones if None.
    n_jobs : int, default=None
        Threads for the full passes over a sparse or float32 X (the set-up's
        column statistics and X^T y, every certificate's X^T u), in
        scikit-learn's meaning: None = 1, -1 = all cores. The coordinate
        steps stay sequential. Each column's sum is computed in the same
        order whatever the thread, so the fit is bitwise the same for any
        n_jobs.
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels as given (strings, integers, booleans).
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_ : ndarray of shape (1,) or (n_classes,)
        Outer (proximal Newton) iterations of each binary fit (multinomial:
        shape (1,), of the one fit), at least 1 by
        scikit-learn's convention: a fit whose starting point is already
        certified (alpha >= alpha_max, a converged warm start) reports 1, and
        its ``certificate_.n_iter`` the exact 0.
    n_passes_ : float
        Full passes over X of the whole fit (every class's set-up, Newton
        iterations over their working features, certificates). NaN for a
        Dask X.
    certificate_ : Certificate (binary), MultinomialCertificate (multinomial) or
        list of Certificate (one-vs-rest, one per class)
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when X has string column names
    """

    _parameter_constraints = {
        **COMMON_CONSTRAINTS,
        "solver": [StrOptions({"auto", "cd", "fista"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "penalty": [StrOptions({"l1", "elasticnet", "lp", "grouped"})],
        "multi_class": [StrOptions({"multinomial", "ovr"})],
        "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both")],
        "p": [Interval(numbers.Real, 0, None, closed="neither")],
        "positive": ["boolean"],
        "weights": ["array-like", None],
    }

    def __init__(self, alpha=1.0, *, penalty="l1", l1_ratio=0.5, p=0.5, fit_intercept=True,
                 max_iter=1000, tol=1e-4, warm_start=False, positive=False, solver="auto",
                 weights=None, n_jobs=None, verbose=0, multi_class="multinomial"):
        self.alpha = alpha
        self.penalty = penalty
        self.multi_class = multi_class
        self.p = p
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.solver = solver
        self.weights = weights
        self.n_jobs = n_jobs
        self.verbose = verbose

    def _take_warm_start(self):
        """(coef_, intercept_, classes_) of the previous fit when warm-starting,
        else None; the previous fit's attributes are forgotten either way."""
        warm = None
        if self.warm_start and hasattr(self, "coef_"):
            warm = (np.array(self.coef_, dtype=np.float64), np.array(self.intercept_),
                    self.classes_)
        forget_fit(self, ("coef_", "intercept_", "certificate_", "n_iter_", "n_passes_",
                          "classes_"))
        return warm

    def _penalty(self):
        alpha = float(self.alpha)
        if self.penalty in ("l1", "grouped"):  # grouped: one coefficient per feature
            return penalties.L1(alpha=alpha, weights=self.weights, positive=self.positive)
        if self.penalty == "elasticnet":
            return penalties.ElasticNet(alpha=alpha, l1_ratio=float(self.l1_ratio),
                                        weights=self.weights, positive=self.positive)
        return penalties.Lp(alpha=alpha, p=float(self.p), weights=self.weights,
                            positive=self.positive)

    def fit(self, X, y, sample_weight=None):
        """Fit the model (one certified binary fit per class when k > 2).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Dense input is used in Fortran order (copied if it is not);
            sparse input is never densified: CSC is used as is, CSR as given
            (its rows for the full passes, its working columns copied out).
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative; rescaled to sum to n_samples.

        Returns
        -------
        self
        """
        self._validate_params()
        warm = self._take_warm_start()
        if is_dask_array(X):
            return self._fit_dask(X, y, sample_weight, warm)
        X, y, design = validate_Xy(self, X, y, y_numeric=False)
        classes = two_classes_or_more(y)
        sw = check_sample_weight(sample_weight, design.n_samples)
        _check_warm(warm, design.n_features, classes)
        if self._multinomial(classes):
            return self._fit_multinomial(X, y, design, classes, sw, warm)
        penalty = self._penalty()
        fits = []
        passes = 0.0
        with print_if(self.verbose):  # the first-use compile notice, among the verbose lines
            for k, positive_class in enumerate(ovr_targets(classes)):
                y64 = np.where(y == positive_class, 1.0, -1.0)
                problem = make_problem(design, y64, sw, Logistic(), penalty,
                                       self.fit_intercept, n_threads=threads_for(self.n_jobs))
                fits.append(self._fit_binary(problem, warm, k))
                passes += problem.work.passes
        store_binary_fits(self, classes, fits, design.n_features, X.dtype)
        self.n_passes_ = passes
        return self

    def _multinomial(self, classes):
        """True when the fit is the softmax model; a clear error for the
        options that need one-vs-rest."""
        if classes.shape[0] <= 2:
            return False
        if self.multi_class == "ovr":
            if self.penalty == "grouped":
                raise ValueError("penalty='grouped' groups each feature's coefficients over "
                                 "the classes of the multinomial model: use "
                                 "multi_class='multinomial' (one-vs-rest fits one coefficient "
                                 "per feature and class).")
            return False
        for bad, what in ((self.penalty == "lp", "penalty='lp'"),
                          (self.positive, "positive=True"),
                          (self.solver == "fista", "solver='fista'")):
            if bad:
                raise ValueError(f"{what} is implemented for two classes and one-vs-rest only: "
                                 f"with {classes.shape[0]} classes use multi_class='ovr'.")
        return True

    def _multinomial_penalty(self):
        alpha = float(self.alpha)
        if self.penalty == "grouped":
            return penalties.MultiTaskL21(alpha=alpha, weights=self.weights)
        return self._penalty()

    def _fit_multinomial(self, X, y, design, classes, sw, warm):
        """The softmax model over all the classes: one fit, one certificate."""
        yi = np.searchsorted(classes, y)
        K = classes.shape[0]
        W0 = b0 = None
        if warm is not None and warm[0].shape == (K, design.n_features):
            W0, b0 = warm[0], np.asarray(warm[1], dtype=np.float64)
        with print_if(self.verbose):
            problem = make_multinomial_problem(design, yi, K, sw, self._multinomial_penalty(),
                                               self.fit_intercept,
                                               n_threads=threads_for(self.n_jobs))
            res = solve_multinomial_cd(problem, W0, b0, self.tol, self.max_iter, self.verbose)
        self.classes_ = classes
        self.coef_ = res.coef.astype(X.dtype, copy=False)
        self.intercept_ = (res.intercept if self.fit_intercept
                           else np.zeros(K)).astype(X.dtype, copy=False)
        self.n_iter_ = np.array([max(int(res.n_iter), 1)], dtype=np.int64)
        self.certificate_ = res.certificate
        self.n_passes_ = problem.work.passes
        return self

    def _fit_binary(self, problem, warm, k):
        """(coef, intercept, n_iter, certificate) of binary problem k, started from
        the previous fit's k-th (``warm``) if there is one."""
        w0, b0 = _warm_point(warm, k)
        res = solve(problem, w0, b0, tol=self.tol, max_iter=self.max_iter, solver=self.solver,
                    verbose=self.verbose)
        # scikit-learn's convention is n_iter_ >= 1; a start that is already
        # certified reports 1 here (certificate_.n_iter keeps the exact 0)
        return (res.coef, res.intercept if self.fit_intercept else 0.0, max(res.n_iter, 1),
                res.certificate)

    def _fit_dask(self, X, y, sample_weight, warm):
        """Fit on a Dask array X by distributed FISTA, one binary fit per class
        (:mod:`sparsecert.distributed`)."""
        from ..distributed import fit_dask, unique_labels

        self.n_features_in_ = int(X.shape[1])
        classes = unique_labels(y)
        _require_two_classes(classes)
        if self._multinomial(classes):
            raise ValueError(f"multi_class='multinomial' is not implemented for a Dask X "
                             f"({classes.shape[0]} classes): use multi_class='ovr'.")
        _check_warm(warm, X.shape[1], classes)
        fits = []
        for k, positive_class in enumerate(ovr_targets(classes)):
            w0, b0 = _warm_point(warm, k)
            fits.append(fit_dask(X, _encode_pm1(y, positive_class), sample_weight, Logistic(),
                                 self._penalty(), self.fit_intercept, solver=self.solver,
                                 tol=self.tol, max_iter=self.max_iter, w0=w0, b0=b0,
                                 verbose=self.verbose))
        fits = [(r.coef, r.intercept if self.fit_intercept else 0.0, max(r.n_iter, 1),
                 r.certificate) for r in fits]
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        store_binary_fits(self, classes, fits, int(X.shape[1]), dtype)
        self.n_passes_ = float("nan")  # not counted for a distributed fit (yet)
        return self

    def decision_function(self, X):
        """X @ coef_.T + intercept_: shape (n_samples,) for two classes, else (n_samples, k).

        For two classes, positive values predict ``classes_[1]``.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            from ..distributed import decision_dask

            scores = decision_dask(X, self.coef_.T, self.intercept_)
            return scores[:, 0] if scores.shape[1] == 1 else scores
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32])
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities, rows summing to 1.

        Binary: [1 - sigmoid(d), sigmoid(d)]. Multinomial: the softmax of the
        decision values. One-vs-rest: each class's sigmoid(d_k), normalised
        over the classes (as scikit-learn does for OvR).
        """
        d = self.decision_function(X)
        if d.ndim == 1:
            return np.column_stack([_expit(-d), _expit(d)])
        if getattr(getattr(self, "certificate_", None), "datafit", None) == "multinomial":
            e = np.exp(d - d.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        prob = _expit(d)
        total = prob.sum(axis=1, keepdims=True)
        # all k sigmoids can underflow together far from every class: uniform then
        with np.errstate(invalid="ignore", divide="ignore"):
            prob = np.where(total > 0, prob / np.where(total > 0, total, 1.0),
                            1.0 / prob.shape[1])
        return prob

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The class of largest decision value (binary: ``classes_[1]`` iff d > 0)."""
        d = self.decision_function(X)
        if d.ndim == 1:
            return self.classes_[(d > 0).astype(int)]
        return self.classes_[np.argmax(d, axis=1)]

    @property
    def sparse_coef_(self):
        """coef_ as a scipy.sparse CSR matrix."""
        import scipy.sparse as sp

        return sp.csr_matrix(self.coef_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # the default alpha=1.0 exceeds alpha_max of most standardized data
        # (all coefficients 0), so scikit-learn's accuracy checks do not apply
        tags.classifier_tags.poor_score = True
        return tags
