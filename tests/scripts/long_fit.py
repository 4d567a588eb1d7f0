"""A fit that would run for minutes: the Ctrl-C test interrupts it."""
import time

import numpy as np

import sparsecert as sc
rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 4000)); X[:, 1:] += 0.99 * X[:, :-1]
y = X @ rng.standard_normal(4000)
# the same kernels on a small problem first: on a cold cache the signal
# would otherwise land while they compile, not in the fit's compiled loop
sc.Lasso(alpha=1e-3, tol=1e-8).fit(X[:50, :100], y[:50])
print("ready", flush=True)
t = time.perf_counter()
try:
    sc.Lasso(alpha=1e-6, tol=1e-14, max_iter=10**7).fit(X, y)
    print("finished", time.perf_counter() - t, flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
