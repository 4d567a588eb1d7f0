"""The one place compile flags are chosen.

``FASTMATH`` keeps NaN and infinity semantics (no ``nnan``/``ninf``): the
certificate relies on exact zeros and infinities and is compiled without it.
"""

from numba import njit as _njit
from numba.core import config as _config
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import FunctionPass, register_pass
from numba.core.registry import CPUDispatcher as _CPUDispatcher
from numba.core.typed_passes import NoPythonSupportedFeatureValidation
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


class CompiledOnly(_CPUDispatcher):
    """A dispatcher whose functions have no Python entry point: calling it from Python raises."""

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"{self.py_func.__module__}.{self.py_func.__qualname__} is compiled without a Python "
            "entry point: only compiled kernels call it (its .py_func runs the Python source)")


@register_pass(mutates_CFG=False, analysis_only=False)
class _NoPythonEntry(FunctionPass):
    """Lower without the CPython wrapper, once typing is done (see :func:`inner`)."""

    _name = "sparsecert_no_python_entry"

    def __init__(self):
        FunctionPass.__init__(self)

    def run_pass(self, state):
        flags = state.flags.copy()  # a copy: typing's caches hold the original as a key
        flags.no_cpython_wrapper = True
        state.flags = flags
        return True


class _CompiledOnlyCompiler(CompilerBase):
    """Numba's nopython pipeline, with :class:`_NoPythonEntry` once typing is done."""

    def define_pipelines(self):
        pm = DefaultPassBuilder.define_nopython_pipeline(self.state)
        pm.add_pass_after(_NoPythonEntry, NoPythonSupportedFeatureValidation)
        pm.finalize()
        return [pm]


def overload(func, **kwargs):
    """``numba.extending.overload`` whose implementations are compiled as :func:`inner` kernels.

    Numba compiles an overload's implementation as a function of its own
    (for each signature) with no CPython entry point, but with the C-callback
    wrapper, and typed under flags that differ from a kernel's (``nogil``,
    the wrappers), which makes the implementations it calls compile again
    (see :func:`inner`). Here it is compiled as the kernels are, as an
    :func:`inner` one.
    """
    kwargs.setdefault("jit_options", {"nogil": True, "no_cpython_wrapper": False,
                                      "no_cfunc_wrapper": True,
                                      "pipeline_class": _CompiledOnlyCompiler})
    return _overload(func, **kwargs)


def inner(func=None, **options):
    """Compile a kernel that only other compiled kernels call: no Python entry point at all.

    Takes ``numba.njit``'s options. Without the CPython wrapper (and the
    C-callback one), Numba lowers and optimizes much less code for a helper:
    its callers link its body, never its wrappers. The wrapper is left out
    only at lowering: the flags that the helper's callees are typed under
    stay those of an :func:`njit` kernel, because Numba compiles an
    ``@overload``'s implementation once per set of its caller's flags, and
    a helper typed under other flags than the entry points beside it would
    compile the same implementations a second time. Numba's dispatcher
    would jump to the missing wrapper's null address if Python called the
    helper, so the dispatcher returned is a :class:`CompiledOnly`, whose
    Python call raises a TypeError instead. Under ``NUMBA_DISABLE_JIT`` the
    plain function is returned, as ``numba.njit`` does.
    """

    def wrap(py_func):
        if _config.DISABLE_JIT:
            return py_func
        targetoptions = dict(options, nopython=True, no_cfunc_wrapper=True)
        cache = targetoptions.pop("cache", False)
        disp = CompiledOnly(py_func=py_func, locals={}, targetoptions=targetoptions,
                            pipeline_class=_CompiledOnlyCompiler)
        if cache:
            disp.enable_caching()
        return disp

    return wrap if func is None else wrap(func)
