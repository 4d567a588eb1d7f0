"""Edge cases the tests do not hold: is any certified fit contradicted by NumPy?

For each case below (real data sets from ``../shared/data``, other alpha
grids, warm-start chains, weighted sparse fits from 2 alpha_max down to
1e-6 alpha_max) every fit that reports ``converged`` has its relative
duality gap recomputed from its coefficients alone, at scikit-learn's
rescaled-residual dual point (``tests/naive.py``), and is flagged if that gap
exceeds ``FACTOR`` x tol. Prints one line per case and exits with 1 if any
fit is flagged::

    python benchmarks/trust_sweep.py [--quick]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from naive import logistic_gap, quadratic_gap  # noqa: E402

import sparsecert  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
FACTOR = 10.0
TOL = 1e-4


def _load(name):
    d = np.load(DATA / f"{name}.npz", allow_pickle=True)
    if "X" in d:
        return np.asarray(d["X"], dtype=np.float64), np.asarray(d["y"], dtype=np.float64)
    X = sp.csr_matrix((d["X_data"], d["X_indices"], d["X_indptr"]), shape=tuple(d["X_shape"]))
    return X, np.asarray(d["y"], dtype=np.float64)


class Tally:
    def __init__(self):
        self.rows = []
        self.flagged = 0

    def check(self, label, fits):
        """``fits``: (certificate, independent relative gap) pairs."""
        certified = [g for c, g in fits if c.converged]
        worst = max(certified) if certified else float("nan")
        bad = sum(g > FACTOR * TOL for g in certified)
        self.flagged += bad
        print(f"{label:55s} fits {len(fits):4d} certified {len(certified):4d} "
              f"worst independent gap {worst:9.2e} flagged {bad}", flush=True)


def _quadratic_fits(X, y, res, l1_ratio=1.0, sample_weight=None, fit_intercept=True):
    out = []
    for k, a in enumerate(res.alphas):
        g, p0 = quadratic_gap(X, y, res.coefs[:, k], a, l1_ratio=l1_ratio,
                              sample_weight=sample_weight, fit_intercept=fit_intercept)
        out.append((res.certificates[k], g / p0))
    return out


def paths(tally, quick):
    names = ["prostate_stamey1989", "eyedata_scheetz2006", "leukemia_golub1999_38x3051",
             "colon_alon1999", "riboflavin_hdi", "we8there_textir", "congress109_textir"]
    if quick:
        names = names[:3]
    for name in names:
        X, y = _load(name)
        if sp.issparse(X):
            X = X.tocsc()
        for n_alphas, eps in ((100, 1e-3), (30, 1e-4)):
            res = sparsecert.lasso_path(X, y, n_alphas=n_alphas, eps=eps)
            tally.check(f"{name} lasso_path n={n_alphas} eps={eps:g}", _quadratic_fits(X, y, res))
        res = sparsecert.enet_path(X, y, l1_ratio=0.5, n_alphas=50)
        tally.check(f"{name} enet_path l1_ratio=0.5", _quadratic_fits(X, y, res, 0.5))


def warm_chains(tally, quick):
    for name in ["prostate_stamey1989", "riboflavin_hdi"][: 1 if quick else 2]:
        X, y = _load(name)
        amax = sparsecert.alpha_max(X, y)
        est = sparsecert.Lasso(warm_start=True)
        fits = []
        # up and down again: a warm start from a smaller alpha, then a larger one
        for f in (0.5, 0.1, 0.01, 0.002, 0.001, 0.01, 0.3, 0.001):
            est.set_params(alpha=f * amax).fit(X, y)
            g, p0 = quadratic_gap(X, y, est.coef_, f * amax, fit_intercept=True)
            fits.append((est.certificate_, g / p0))
        tally.check(f"{name} Lasso warm-start chain", fits)


def weighted_sparse(tally, quick):
    X, y = _load("we8there_textir")
    X = X.tocsc()
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.0, 3.0, y.shape[0])
    amax = sparsecert.alpha_max(X, y, sample_weight=sw)
    fractions = [2.0, 1.0, 0.5, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]
    if quick:
        fractions = fractions[:6]
    fits = []
    for f in fractions:
        est = sparsecert.Lasso(alpha=f * amax, max_iter=5000).fit(X, y, sample_weight=sw)
        g, p0 = quadratic_gap(X, y, est.coef_.astype(float), f * amax, sample_weight=sw,
                              fit_intercept=True)
        fits.append((est.certificate_, g / p0))
    tally.check("we8there weighted CSC Lasso 2 amax .. 1e-6 amax", fits)


def logistic(tally, quick):
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    y = np.where(y > 0, 1.0, -1.0)
    sets = [("breast_cancer", X, y)]
    if not quick:
        Xc, yc = _load("congress109_textir")
        sets.append(("congress109 (party)", Xc.tocsc(), np.where(yc > np.median(yc), 1.0, -1.0)))
    for name, X, y in sets:
        res = sparsecert.logistic_path(X, y, n_alphas=40, fit_intercept=False)
        fits = [(res.certificates[k], np.divide(*logistic_gap(X, y, res.coefs[:, k], 0.0, a)))
                for k, a in enumerate(res.alphas)]
        tally.check(f"{name} logistic_path, no intercept", fits)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"no data folder at {DATA}")
    tally = Tally()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # uncertified fits are counted, not flagged
        for part in (paths, warm_chains, weighted_sparse, logistic):
            part(tally, args.quick)
    print(f"{tally.flagged} certified fit(s) with an independent gap above {FACTOR:g} x tol "
          f"({time.perf_counter() - t0:.0f} s)")
    sys.exit(1 if tally.flagged else 0)


if __name__ == "__main__":
    main()
