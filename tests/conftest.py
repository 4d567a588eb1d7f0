import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def load_shared(name):
    """A data set from ../shared/data (X dense or CSR, y), or skip when absent."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found (the shared data folder sits beside the repo)")
    f = np.load(path, allow_pickle=False)
    if "X_data" in f:
        X = sp.csr_matrix((f["X_data"], f["X_indices"], f["X_indptr"]), shape=tuple(f["X_shape"]))
    else:
        X = f["X"]
    return X, np.asarray(f["y"], dtype=np.float64)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def make_regression(n=60, p=30, density=None, seed=0, dtype=np.float64, n_informative=5):
    """Seeded correlated regression problem; CSC when density is given."""
    r = np.random.default_rng(seed)
    if density is None:
        base = r.standard_normal((n, p))
        X = base + 0.5 * np.roll(base, 1, axis=1)
    else:
        X = sp.random(n, p, density=density, random_state=seed, format="csc",
                      data_rvs=r.standard_normal)
    w = np.zeros(p)
    w[r.choice(p, min(n_informative, p), replace=False)] = r.standard_normal(min(n_informative, p)) * 3
    y = X @ w + 0.5 * r.standard_normal(n) + 2.0
    return (X.astype(dtype) if density is None else X.astype(dtype)), np.asarray(y, dtype=np.float64)


def penalized_case(seed, density, kw, n=60, p=80, ratio=8):
    """A seeded L1 / elastic-net problem at alpha_max / ``ratio`` for tests that
    sweep the penalty's options. ``kw`` may hold ``positive``, ``l1_ratio``,
    ``fit_intercept`` and the flags ``weights`` / ``sample_weight`` (drawn here).
    Returns X, y, sample_weight, make(**estimator_kw) and the matching penalty."""
    import sparsecert as sc
    from sparsecert.penalties import L1, ElasticNet

    X, y = make_regression(n, p, density=density, seed=seed)
    rng = np.random.default_rng(seed)
    kw = dict(kw)
    sw = rng.uniform(0, 2, n) if kw.pop("sample_weight", False) else None
    if kw.pop("weights", False):
        kw["weights"] = rng.uniform(0.5, 2, p)
    l1_ratio = kw.pop("l1_ratio", 1.0)
    Est = sc.ElasticNet if l1_ratio < 1 else sc.Lasso
    extra = {"l1_ratio": l1_ratio} if l1_ratio < 1 else {}
    amax = sc.alpha_max(X, y, l1_ratio=l1_ratio, sample_weight=sw,
                        fit_intercept=kw.get("fit_intercept", True),
                        weights=kw.get("weights"), positive=kw.get("positive", False))
    alpha = amax / ratio
    pen_kw = {"weights": kw.get("weights"), "positive": kw.get("positive", False)}
    penalty = (ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **pen_kw) if l1_ratio < 1
               else L1(alpha=alpha, **pen_kw))
    return X, y, sw, (lambda **k: Est(alpha=alpha, **extra, **kw, **k)), penalty
