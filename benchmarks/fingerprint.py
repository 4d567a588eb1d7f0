"""Fingerprint of the solvers' outputs, for refactors that must not change behaviour.

Runs a fixed list of fits (every solver, dense and CSC, float32, sample
weights, intercept or not, the Gram and residual least-squares paths, a
regularization path, a warm-start chain, cross-validation) and saves each
one's coefficients, intercept, iteration count and certificate numbers::

    python benchmarks/fingerprint.py save before.npz     # on the old code
    python benchmarks/fingerprint.py compare before.npz  # on the new code

``compare`` prints, per fit, whether everything is bitwise equal, and else
the largest difference; it exits with 1 if any fit differs. Nothing here is
timed.
"""

import sys
import warnings

import numpy as np
import scipy.sparse as sp

import sparsecert as sc


def _data():
    rng = np.random.default_rng(0)
    n, p = 120, 300
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.5 * X[:, :-1]
    w = np.zeros(p)
    w[rng.choice(p, 12, replace=False)] = rng.standard_normal(12)
    y = X @ w + 0.3 * rng.standard_normal(n)
    Xs = sp.random(400, 600, density=0.02, format="csc", random_state=1,
                   data_rvs=rng.standard_normal)
    ys = Xs @ np.where(rng.random(600) < 0.03, rng.standard_normal(600), 0.0) \
        + 0.1 * rng.standard_normal(400)
    Xt = rng.standard_normal((3000, 60))   # tall: the Gram variant
    yt = Xt[:, :5] @ rng.standard_normal(5) + rng.standard_normal(3000)
    sw = rng.uniform(0.2, 3.0, n)
    yc = np.where(y > np.median(y), 1, 0)
    ysc = np.where(ys > np.median(ys), 1, 0)
    return dict(X=X, y=y, Xs=Xs, ys=ys, Xt=Xt, yt=yt, sw=sw, yc=yc, ysc=ysc)


def _fits(d):
    """(name, thunk) pairs; each thunk returns a dict of arrays."""
    X, y, Xs, ys, Xt, yt, sw, yc, ysc = (d[k] for k in
                                         ("X", "y", "Xs", "ys", "Xt", "yt", "sw", "yc", "ysc"))

    def est(e, *args, **kw):
        def run():
            e.fit(*args, **kw)
            c = e.certificate_
            return dict(coef=np.asarray(e.coef_), intercept=np.atleast_1d(e.intercept_),
                        n_iter=np.atleast_1d(e.n_iter_),
                        cert=np.array([c.max_violation,
                                       np.nan if c.duality_gap is None else c.duality_gap,
                                       float(c.converged)]))
        return run

    def path(fn, *args, **kw):
        def run():
            r = fn(*args, **kw)
            return dict(coefs=np.asarray(r.coefs), intercepts=np.asarray(r.intercepts),
                        n_iter=np.asarray(r.n_iters),
                        gaps=np.array([np.nan if c.duality_gap is None else c.duality_gap
                                       for c in r.certificates]))
        return run

    def warm_chain():
        e = sc.Lasso(warm_start=True, tol=1e-6)
        out = {}
        for k, a in enumerate(np.geomspace(1.0, 0.01, 6)):
            e.set_params(alpha=a).fit(X, y)
            out[f"coef{k}"] = e.coef_.copy()
            out[f"n_iter{k}"] = np.atleast_1d(e.n_iter_)
        return out

    def cv():
        e = sc.LassoCV(cv=3, n_alphas=10).fit(X, y)
        return dict(coef=e.coef_, alpha=np.atleast_1d(e.alpha_), mse=np.asarray(e.mse_path_))

    Xf32, yf32 = X.astype(np.float32), y.astype(np.float32)
    return [
        ("lasso_dense", est(sc.Lasso(alpha=0.05), X, y)),
        ("lasso_dense_tight", est(sc.Lasso(alpha=0.01, tol=1e-8, max_iter=100000), X, y)),
        ("lasso_dense_noint_w", est(sc.Lasso(alpha=0.03, fit_intercept=False), X, y,
                                    sample_weight=sw)),
        ("lasso_f32", est(sc.Lasso(alpha=0.05), Xf32, yf32)),
        ("lasso_csc", est(sc.Lasso(alpha=0.005), Xs, ys)),
        ("lasso_csr", est(sc.Lasso(alpha=0.005), Xs.tocsr(), ys)),
        ("lasso_csc_small_alpha", est(sc.Lasso(alpha=0.0005, tol=1e-6), Xs, ys)),
        ("lasso_positive", est(sc.Lasso(alpha=0.02, positive=True), X, y)),
        ("lasso_gram", est(sc.Lasso(alpha=0.01, tol=1e-7), Xt, yt)),
        ("lasso_gram_small", est(sc.Lasso(alpha=0.0005, tol=1e-6), Xt, yt)),
        ("enet_dense", est(sc.ElasticNet(alpha=0.05, l1_ratio=0.5), X, y)),
        ("enet_gram_w", est(sc.ElasticNet(alpha=0.01, l1_ratio=0.7), Xt, yt,
                            sample_weight=np.linspace(0.5, 2, Xt.shape[0]))),
        ("lp_half", est(sc.LpRegression(alpha=0.05, p=0.5), X, y)),
        ("lp_1_5", est(sc.LpRegression(alpha=0.05, p=1.5), X, y)),
        ("lasso_fista", est(sc.Lasso(alpha=0.05, solver="fista"), X, y)),
        ("logit_dense", est(sc.SparseLogisticRegression(alpha=0.01), X, yc)),
        ("logit_dense_w", est(sc.SparseLogisticRegression(alpha=0.005, tol=1e-6), X, yc,
                              sample_weight=sw)),
        ("logit_csc", est(sc.SparseLogisticRegression(alpha=0.002), Xs, ysc)),
        ("logit_enet", est(sc.SparseLogisticRegression(alpha=0.01, penalty="elasticnet",
                                                       l1_ratio=0.5), X, yc)),
        ("logit_fista", est(sc.SparseLogisticRegression(alpha=0.02, solver="fista"), X, yc)),
        ("logit_lp", est(sc.SparseLogisticRegression(alpha=0.02, penalty="lp", p=0.5,
                                                     max_iter=3000), X, yc)),
        ("lasso_path_dense", path(sc.lasso_path, X, y, n_alphas=20)),
        ("lasso_path_csc", path(sc.lasso_path, Xs, ys, n_alphas=15)),
        ("enet_path", path(sc.enet_path, X, y, l1_ratio=0.5, n_alphas=10)),
        ("logistic_path", path(sc.logistic_path, X, yc, n_alphas=10)),
        ("warm_chain", warm_chain),
        ("lasso_cv", cv),
    ]


def _run():
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, thunk in _fits(_data()):
            for key, val in thunk().items():
                out[f"{name}/{key}"] = np.asarray(val, dtype=np.float64)
    return out


def main(argv):
    if len(argv) != 2 or argv[0] not in ("save", "compare"):
        print(__doc__)
        return 2
    now = _run()
    if argv[0] == "save":
        np.savez(argv[1], **now)
        print(f"saved {len(now)} arrays from {len({k.split('/')[0] for k in now})} fits")
        return 0
    before = dict(np.load(argv[1]))
    bad = 0
    for name in sorted({k.split("/")[0] for k in before}):
        keys = [k for k in before if k.startswith(name + "/")]
        diffs = []
        for k in keys:
            a, b = before[k], now.get(k)
            if b is None or a.shape != b.shape:
                diffs.append((k, "shape"))
            elif not np.array_equal(a, b, equal_nan=True):
                diffs.append((k, float(np.nanmax(np.abs(a - b)))))
        bad += bool(diffs)
        print(f"{name:24s} {'bitwise equal' if not diffs else diffs}")
    print(f"{bad} fit(s) differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
