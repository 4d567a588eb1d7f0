"""Where the compiled kernels are cached on disk: one directory per version of the kernels.

Numba's own locators keep a kernel's cache beside its module (``__pycache__``,
or a mirror of the source path under ``NUMBA_CACHE_DIR``) and check it against
that one source file. Two things go wrong for an installed package: ``pip
install .`` over an installed copy removes and rewrites the package
directory, and a kernel compiled from ``cd.py`` keeps the code of every
helper it inlined from ``prox.py`` or ``datafit.py``, which Numba does not
check (its cache index holds the stamp of ``cd.py`` only), so an edited helper
could be served stale.

:class:`KernelCacheLocator` (registered by :func:`install`, before any kernel
is defined) therefore caches every function defined in this package under

    $NUMBA_CACHE_DIR/sparsecert/<key>        when NUMBA_CACHE_DIR is set,
    <user cache dir>/sparsecert/<key>        otherwise (``$XDG_CACHE_HOME``
                                             or ``~/.cache`` on Linux),

where ``<key>`` (:func:`kernels_key`) hashes the bytes of every ``.py`` file of
this package together with the Python, Numba, llvmlite and NumPy versions and
the Numba settings that change generated code. The same key is each index's
source stamp. A reinstall of the same sources finds its cache; any edit of
any kernel module gives a new key, so nothing compiled from other sources is
ever loaded. Numba's own index key still holds the CPU and the function's
bytecode, so one home directory shared by several machines stays correct.

If that directory cannot be created or written, the package's own
``__pycache__`` is used instead, with the same key as stamp (so still never
stale); if neither can be, the locator declines and Numba's default locators
take over, with their usual per-file check. Old
keys' directories are never deleted automatically (another environment may
still use them): ``sparsecert compile --list`` lists them, to delete by hand.

Loading from that cache (:class:`KernelFunctionCache`) skips the one thing
of Numba's load that a warm process does not need: before its first load,
Numba "refreshes" its compiler, importing and registering every typing and
lowering implementation it has (NumPy's, the typed containers', the random
generators', ...), about a quarter of a second, only so that it could
compile something. A cached kernel is machine code already: what it needs
to be linked is the C helpers (registered when the target context is
created), the NRT allocator (:func:`_ready_to_link` initializes it) and
the hash secret (registered by importing ``numba.cpython.hashing``, done
there too); a parallel kernel's threads are started by the cached entry
itself (its ``reload_init``). Nothing else changes: the same object code
is loaded and called, a miss still compiles (and Numba's compiler then
refreshes first, as always), and other libraries' functions load as
before.

Saving is serialized across processes (:func:`cache_lock`): Numba saves
an overload by reading the function's index, adding the new signature with
the next free data-file name, and writing the index back. Two processes
that save two signatures of one function at once could both pick the same
name; one index entry is then lost and, worse, the surviving entry could
name the other signature's machine code. ``sparsecert compile --jobs N``
and joblib's worker processes on a cold cache do save concurrently, so each
save holds an exclusive lock on the cache directory (POSIX ``flock``; where
there is none, saves are as Numba makes them).
"""

import contextlib
import functools
import hashlib
import os
import platform
import sys

try:
    from numba.core import caching as _caching
    from numba.core import dispatcher as _dispatcher
except ImportError:  # pragma: no cover - Numba moved its caching module
    _caching = _dispatcher = None

KERNELS_DIR = os.path.dirname(os.path.abspath(__file__))
_BASE = getattr(_caching, "_CacheLocator", object)


@functools.lru_cache(maxsize=None)
def kernels_key():
    """16 hex digits: the kernel sources and everything else the compiled code depends on."""
    import llvmlite
    import numba
    import numpy
    from numba.core import config

    h = hashlib.sha256()
    for name in sorted(os.listdir(KERNELS_DIR)):
        if name.endswith(".py"):
            with open(os.path.join(KERNELS_DIR, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read() + b"\0")
    settings = [sys.version, sys.implementation.cache_tag, platform.machine(),
                numba.__version__, llvmlite.__version__, numpy.__version__]
    settings += [repr(getattr(config, name, None))
                 for name in ("OPT", "BOUNDSCHECK", "DEBUGINFO_DEFAULT",
                              "ENABLE_AVX", "CPU_NAME", "CPU_FEATURES")]
    h.update("\n".join(settings).encode())
    return h.hexdigest()[:16]


def cache_root():
    """The directory holding one sub-directory per kernels key."""
    from numba.core import config

    if config.CACHE_DIR:
        return os.path.join(config.CACHE_DIR, "sparsecert")
    from numba.misc.appdirs import AppDirs

    return AppDirs(appname="sparsecert", appauthor=False).user_cache_dir


def cache_dir():
    """Where this process's kernels are cached (whether or not it is writable)."""
    return os.path.join(cache_root(), kernels_key())


# cache directories this process found writable (KernelCacheLocator.from_function)
_WRITABLE = set()


class KernelCacheLocator(_BASE):
    """A Numba cache locator for the functions of this package (module docstring)."""

    def __init__(self, py_func, py_file, path):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = path

    def get_cache_path(self):
        return self._cache_path

    def get_source_stamp(self):
        return kernels_key()

    def get_disambiguator(self):
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func, py_file):
        if os.path.dirname(os.path.abspath(py_file)) != KERNELS_DIR:
            return None
        try:
            paths = [cache_dir(), os.path.join(KERNELS_DIR, "__pycache__")]
        except Exception:  # sources unreadable (a zip, a frozen app): Numba's defaults
            return None
        for path in paths:
            try:
                self = cls(py_func, py_file, path)
                if path not in _WRITABLE:
                    # Numba checks by creating a temporary file there: once a
                    # process is enough (~40 us for each of ~100 kernels at import)
                    self.ensure_cache_path()
                    _WRITABLE.add(path)
                return self
            except Exception:  # not writable, no home directory, ...: the next one
                continue
        return None


_NUMBA_FUNCTION_CACHE = getattr(_caching, "FunctionCache", None)
_FAST_LOAD = (_NUMBA_FUNCTION_CACHE is not None
              and all(hasattr(_NUMBA_FUNCTION_CACHE, name)
                      for name in ("_load_overload", "_guard_against_spurious_io_errors"))
              and getattr(_dispatcher, "FunctionCache", None) is _NUMBA_FUNCTION_CACHE)


@contextlib.contextmanager
def cache_lock(folder):
    """Hold an exclusive lock on ``folder`` (its ``.lock`` file) across processes.

    Blocks until no other process holds it. Without ``fcntl`` (Windows) or
    when the lock file cannot be opened, does nothing.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        fcntl = None
    fd = None
    if fcntl is not None:
        try:
            fd = os.open(os.path.join(folder, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            fd = None
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # releases the lock


def _ready_to_link(target_context):
    """Register what cached machine code may call, without Numba's registry refresh."""
    from numba.core.runtime import rtsys
    import numba.cpython.hashing  # noqa: F401  (registers the hash secret's symbols)

    rtsys.initialize(target_context)


class KernelFunctionCache(_NUMBA_FUNCTION_CACHE or object):
    """Numba's per-function cache; this package's kernels load without the
    refresh and save one process at a time.

    (Module docstring.) A function whose cache is not under
    :class:`KernelCacheLocator` (another library's, or ours where the
    locator declined) loads exactly as Numba loads it.
    """

    def save_overload(self, sig, data):
        locator = getattr(self._impl, "locator", None)
        if not isinstance(locator, KernelCacheLocator):
            return super().save_overload(sig, data)
        # one saver at a time: the index's read-modify-write (module docstring)
        with cache_lock(locator.get_cache_path()):
            return super().save_overload(sig, data)

    def load_overload(self, sig, target_context):
        if not isinstance(getattr(self._impl, "locator", None), KernelCacheLocator):
            return super().load_overload(sig, target_context)
        _ready_to_link(target_context)
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)
        return None  # the guard swallowed a spurious I/O error: compile instead


def _impl_class():
    return getattr(_caching, "CacheImpl", None) or getattr(_caching, "_CacheImpl", None)


def install():
    """Put :class:`KernelCacheLocator` first in Numba's list of locators (once), and
    make :class:`KernelFunctionCache` the cache class of the dispatchers defined after.

    Returns False, changing nothing, where this Numba has no such list."""
    impl = _impl_class()
    classes = getattr(impl, "_locator_classes", None)
    if _BASE is object or not isinstance(classes, list):
        return False
    if KernelCacheLocator not in classes:
        classes.insert(0, KernelCacheLocator)
    if _FAST_LOAD:  # every dispatcher defined from now on gets this cache class
        _dispatcher.FunctionCache = KernelFunctionCache
    return True
