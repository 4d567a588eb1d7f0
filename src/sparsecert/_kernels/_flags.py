"""The one place compile flags are chosen.

``FASTMATH`` keeps NaN and infinity semantics (no ``nnan``/``ninf``): the
certificate relies on exact zeros and infinities and is compiled without it.
"""

from numba import njit as _njit
from numba.core import config as _config
from numba.core.registry import CPUDispatcher as _CPUDispatcher
from numba.extending import overload as _overload

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


def njit(*args, **options):
    """``numba.njit`` for a kernel that Python calls, without a C-callback wrapper.

    Numba gives every function it compiles two wrappers besides its body: a
    CPython entry point (to be called from Python) and a C-callback one (to
    be passed around as a first-class function). Nothing here uses the
    second, and generating it is about a tenth of a first fit's compile time
    on a new machine, so it is never made.
    """
    options.setdefault("no_cfunc_wrapper", True)
    return _njit(*args, **options)


def overload(func, **kwargs):
    """``numba.extending.overload``, whose implementations get no C-callback wrapper either.

    An overload's implementation already has no CPython entry point (Numba's
    default); it is compiled as a function of its own for each signature, so
    the wrapper :func:`njit` leaves out would cost as much here.
    """
    kwargs.setdefault("jit_options", {"no_cfunc_wrapper": True})
    return _overload(func, **kwargs)


class CompiledOnly(_CPUDispatcher):
    """A dispatcher whose functions have no Python entry point: calling it from Python raises."""

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"{self.py_func.__module__}.{self.py_func.__qualname__} is compiled without a Python "
            "entry point: only compiled kernels call it (its .py_func runs the Python source)")


def inner(func=None, **options):
    """Compile a kernel that only other compiled kernels call: no Python entry point at all.

    Takes ``numba.njit``'s options. Without the CPython wrapper (and the
    C-callback one), Numba lowers and optimizes much less code for a helper:
    its callers link its body, never its wrappers. Numba's dispatcher would
    jump to the missing wrapper's null address if Python called the helper,
    so the dispatcher returned is a :class:`CompiledOnly`, whose Python call
    raises a TypeError instead. Under ``NUMBA_DISABLE_JIT`` the plain function
    is returned, as ``numba.njit`` does.
    """

    def wrap(py_func):
        if _config.DISABLE_JIT:
            return py_func
        targetoptions = dict(options, nopython=True, no_cpython_wrapper=True,
                             no_cfunc_wrapper=True)
        cache = targetoptions.pop("cache", False)
        disp = CompiledOnly(py_func=py_func, locals={}, targetoptions=targetoptions)
        if cache:
            disp.enable_caching()
        return disp

    return wrap if func is None else wrap(func)
