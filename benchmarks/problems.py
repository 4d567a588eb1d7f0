"""Seeded benchmark problems shared by the asv suite and the pytest-benchmark comparison."""

import numpy as np
import scipy.sparse as sp


def dense_correlated(n=500, p=5000, rho=0.6, seed=0):
    """Wide dense problem with AR(1)-correlated columns (corr(x_j, x_k) = rho^|j-k|)."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    w = np.zeros(p)
    support = rng.choice(p, 20, replace=False)
    w[support] = rng.standard_normal(20)
    y = X @ w + 0.5 * rng.standard_normal(n)
    return X, y


def sparse_csc(n=20000, p=50000, density=1e-3, seed=0):
    """Sparse CSC problem with Gaussian nonzeros and a sparse true model."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="csc", random_state=seed,
                  data_rvs=rng.standard_normal)
    w = np.zeros(p)
    support = rng.choice(p, 50, replace=False)
    w[support] = rng.standard_normal(50)
    y = X @ w + 0.1 * rng.standard_normal(n)
    return X, y


def logistic_dense(n=1000, p=5000, seed=0):
    """Dense logistic problem: correlated columns, 30 true features, labels -1/+1."""
    X, _ = dense_correlated(n, p, seed=seed)
    rng = np.random.default_rng(seed)
    w = np.zeros(p)
    w[rng.choice(p, 30, replace=False)] = rng.standard_normal(30)
    y = np.where(X @ w + 0.5 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return X, y


def logistic_sparse(n=20000, p=50000, seed=0):
    """Sparse CSC logistic problem (density 1e-3), 100 true features, labels -1/+1."""
    X, _ = sparse_csc(n, p, seed=seed)
    rng = np.random.default_rng(seed + 1)
    w = np.zeros(p)
    w[rng.choice(p, 100, replace=False)] = 3 * rng.standard_normal(100)
    y = np.where(X @ w + 0.3 * rng.standard_normal(n) > 0, 1.0, -1.0)
    return X, y
