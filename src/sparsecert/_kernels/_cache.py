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
"""

import functools
import hashlib
import os
import platform
import sys

try:
    from numba.core import caching as _caching
except ImportError:  # pragma: no cover - Numba moved its caching module
    _caching = None

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
                self.ensure_cache_path()
                return self
            except Exception:  # not writable, no home directory, ...: the next one
                continue
        return None


def _impl_class():
    return getattr(_caching, "CacheImpl", None) or getattr(_caching, "_CacheImpl", None)


def install():
    """Put :class:`KernelCacheLocator` first in Numba's list of locators (once).

    Returns False, changing nothing, where this Numba has no such list."""
    impl = _impl_class()
    classes = getattr(impl, "_locator_classes", None)
    if _BASE is object or not isinstance(classes, list):
        return False
    if KernelCacheLocator not in classes:
        classes.insert(0, KernelCacheLocator)
    return True
