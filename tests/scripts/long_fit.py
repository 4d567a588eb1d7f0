"""A fit that would run for minutes: the Ctrl-C test interrupts it."""
import faulthandler
import signal
import sys
import time

import numpy as np

import sparsecert as sc

# a process started in the background by a non-interactive shell inherits
# SIGINT ignored (POSIX: asynchronous commands), and Python then keeps it
# ignored: what a terminal's Ctrl-C reaches is Python's own handler, so set
# it whatever the test runner's shell did (a CI script run with & failed)
signal.signal(signal.SIGINT, signal.default_int_handler)
rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 4000)); X[:, 1:] += 0.99 * X[:, :-1]
y = X @ rng.standard_normal(4000)
# the same kernels on a small problem first: on a cold cache the signal
# would otherwise land while they compile, not in the fit's compiled loop
sc.Lasso(alpha=1e-3, tol=1e-8).fit(X[:50, :100], y[:50])
# the test sends SIGUSR1 when no SIGINT is answered: every thread's Python
# stack then goes to stderr (the test's captured output)
faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
print("ready", flush=True)
t = time.perf_counter()
try:
    sc.Lasso(alpha=1e-6, tol=1e-14, max_iter=10**7).fit(X, y)
    print("finished", time.perf_counter() - t, flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
