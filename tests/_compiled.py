"""A Python entry point for a kernel compiled without one, for the tests that call it directly.

Kernels that only other kernels call are compiled by ``_flags.inner``,
without the CPython wrapper that a Python call needs (a first fit on a new
machine compiles less). A test that checks such a helper on its own calls it
through :func:`entry`, a compiled function that passes its arguments on.
"""

import inspect

from numba import njit


def entry(kernel):
    """A compiled function with ``kernel``'s parameters (and defaults) that returns ``kernel(...)``.

    ``kernel`` is a compiled-only dispatcher, or a function that compiled
    code reaches through its ``@overload`` (whose Python body may call
    compiled-only kernels).
    """
    py_func = getattr(kernel, "py_func", kernel)
    params = inspect.signature(py_func).parameters
    defaults = {name: p.default for name, p in params.items() if p.default is not p.empty}
    signature = ", ".join(name + (f"=_d_{name}" if name in defaults else "") for name in params)
    namespace = {"kernel": kernel, **{f"_d_{name}": v for name, v in defaults.items()}}
    exec(f"def call({signature}):\n    return kernel({', '.join(params)})\n", namespace)
    call = njit(namespace["call"])
    call.__name__ = call.__qualname__ = py_func.__name__
    return call
