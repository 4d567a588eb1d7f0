"""The notice that compiling has started to take a while: never a silent minute.

:data:`LISTENER` (registered by :func:`install` for Numba's ``numba:compile``
events) adds up the time spent compiling this package's functions (a
compile only happens when the on-disk cache misses). Once that passes
:data:`THRESHOLD_SECONDS`, during a compile (a timer thread) or at the end of
one, it logs :data:`NOTICE` once per process at INFO on the logger
``sparsecert.compile`` (a child of ``sparsecert``). The library attaches no
handler: a program sees it only if it configures logging. :func:`also_to`
sends it somewhere else as well for a while: the command line to stderr, a
fit with ``verbose`` to its own output.
"""

import contextlib
import logging
import threading
import time

from numba.core import event

LOGGER = logging.getLogger("sparsecert.compile")
NOTICE = "compiling kernels for first use (once per machine)..."
THRESHOLD_SECONDS = 1.0


def _is_ours(ev):
    data = ev.data if isinstance(ev.data, dict) else {}
    func = getattr(data.get("dispatcher"), "py_func", None)
    # other libraries compile in this process too, some with functions whose
    # __module__ is None (skglm's jitclass methods): never fail on theirs
    module = getattr(func, "__module__", None)
    return isinstance(module, str) and module.startswith("sparsecert.")


class CompileNotice(event.Listener):
    """Logs :data:`NOTICE` once, after ``threshold`` seconds of compiling this package."""

    def __init__(self, threshold=THRESHOLD_SECONDS):
        self.threshold = threshold
        self.spent = 0.0
        self.done = False
        self._lock = threading.Lock()
        self._depth = 0
        self._ours = False
        self._started = 0.0
        self._timer = None

    def on_start(self, ev):
        with self._lock:
            self._depth += 1
            if self._depth > 1:
                return  # a callee compiled inside its caller: the caller's time covers it
            self._ours = _is_ours(ev)
            if not self._ours or self.done:
                return
            self._started = time.perf_counter()
            self._timer = threading.Timer(max(self.threshold - self.spent, 0.0), self.fire)
            self._timer.daemon = True
            self._timer.start()

    def on_end(self, ev):
        with self._lock:
            self._depth = max(self._depth - 1, 0)
            if self._depth or not self._ours:
                return
            self._ours = False
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self.spent += time.perf_counter() - self._started
            due = self.spent >= self.threshold
        if due:
            self.fire()

    def fire(self):
        """Log the notice, unless it was logged already."""
        with self._lock:
            if self.done:
                return
            self.done = True
        LOGGER.info(NOTICE)
        for write in list(_SINKS):
            write(NOTICE)


LISTENER = CompileNotice()
_installed = []
_SINKS = []


@contextlib.contextmanager
def also_to(write):
    """While in this block, the notice is also passed to ``write(message)``."""
    _SINKS.append(write)
    try:
        yield
    finally:
        _SINKS.remove(write)


def print_if(verbose):
    """:func:`also_to` printing ``[sparsecert] ...`` (as the solvers' verbose lines) if
    ``verbose``, else a block that changes nothing."""
    if not verbose:
        return contextlib.nullcontext()
    return also_to(lambda message: print(f"[sparsecert] {message}", flush=True))


def install():
    """Register :data:`LISTENER` for ``numba:compile`` events (once per process)."""
    if not _installed:
        event.register("numba:compile", LISTENER)
        _installed.append(LISTENER)
