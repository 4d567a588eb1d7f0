"""Compiled kernels: arrays and scalars in, arrays and scalars out.

Nothing here validates input or imports from the rest of the package. Every
kernel is a module-level compiled function with ``cache=True, nogil=True`` so
that Numba's on-disk cache serves every process after the first one:
``_flags.njit`` for the kernels Python calls, ``_flags.inner`` for the
helpers only compiled code calls (no Python entry point, less to compile;
``tests/test_compiled_only.py`` checks that no Python code calls one). The per-kind
implementations of penalty and datafit operations are plain functions that
Numba compiles into their callers through ``@overload`` (:func:`codes.select`).

Importing the package first registers :mod:`._cache`'s cache locator, which
must be in place before any kernel is defined (Numba picks a function's
cache directory when it decorates it), and :mod:`._notice`'s compile notice.
"""

from . import _cache, _notice

_cache.install()
_notice.install()
