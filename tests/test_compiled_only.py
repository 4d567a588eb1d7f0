"""Kernels compiled without a Python entry point (``_flags.inner``) are never called from Python.

Numba's dispatcher would jump to the missing CPython wrapper's null address;
:class:`~sparsecert._kernels._flags.CompiledOnly` raises instead, and this
module checks statically that no Python code of the package makes such a call,
so that a path the other tests do not reach cannot raise for a user either.
"""

import ast
import importlib
import inspect
import pkgutil
import textwrap

import pytest

import sparsecert
from sparsecert._kernels._flags import CompiledOnly, inner, njit

_COMPILING = {"njit", "inner", "jit"}


def _modules():
    for info in pkgutil.walk_packages(sparsecert.__path__, "sparsecert."):
        if ".distributed" in info.name and not _has_dask():
            continue
        yield importlib.import_module(info.name)


def _has_dask():
    try:
        import dask  # noqa: F401
    except ImportError:
        return False
    return True


def _decorator_names(node):
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        yield target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")


def _resolve(expr, namespace):
    """The object an ``a.b.c`` or ``a`` call target names in a module's globals, or None."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id not in namespace:
        return None
    obj = namespace[expr.id]
    for part in reversed(parts):
        obj = getattr(obj, part, None)
    return obj


def _python_calls(tree, namespace, plain_compiled=False, stubs=()):
    """Every call made by Python code (not compiled code) that names a CompiledOnly dispatcher
    (or one of the ``stubs``).

    With ``plain_compiled`` (a kernel module's source) an undecorated
    function counts as compiled: the per-kind implementations there are
    plain functions that Numba compiles into their callers through the
    ``@overload`` tables of :func:`sparsecert._kernels.codes.select`, and a
    kernel module's few Python-level functions are reached by the test
    suite, where such a call raises.
    """
    found = []

    def visit(node, compiled, in_overload):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            names = set(_decorator_names(node)) if not isinstance(node, ast.Lambda) else set()
            # an @overload's body runs in Python at typing time; the functions it
            # defines and returns are what Numba compiles
            compiled = (compiled or bool(names & _COMPILING) or in_overload
                        or (plain_compiled and not names))
            in_overload = in_overload or "overload" in names
        if isinstance(node, ast.Call) and not compiled:
            target = _resolve(node.func, namespace)
            if isinstance(target, CompiledOnly) or any(target is f for f in stubs):
                found.append((node.lineno, ast.unparse(node.func)))
        for child in ast.iter_child_nodes(node):
            visit(child, compiled, in_overload)

    visit(tree, False, False)
    return found


def _namespace(module, tree):
    """The module's globals, with the names that its functions import locally."""
    namespace = dict(vars(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or node.module.startswith("sparsecert")):
            base = importlib.import_module("." * node.level + (node.module or ""), module.__package__)
            for alias in node.names:
                if hasattr(base, alias.name):
                    namespace.setdefault(alias.asname or alias.name, getattr(base, alias.name))
    return namespace


def _overloaded(module, tree):
    """The functions a kernel module gives an ``@overload``: stubs whose Python
    bodies may dispatch to compiled-only kernels (compiled code calls the
    overload instead)."""
    stubs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if (isinstance(dec, ast.Call) and getattr(dec.func, "id", "") == "overload"
                        and dec.args):
                    stubs.append(_resolve(dec.args[0], vars(module)))
    return stubs


def test_no_python_code_calls_a_compiled_only_kernel():
    modules = [(m, ast.parse(textwrap.dedent(inspect.getsource(m)))) for m in _modules()]
    stubs = [f for m, tree in modules if m.__name__.startswith("sparsecert._kernels.")
             for f in _overloaded(m, tree)]
    assert stubs  # the kernels do dispatch through overloads: the check below has a subject
    calls = []
    for module, tree in modules:
        in_kernels = module.__name__.startswith("sparsecert._kernels.")
        calls += [(module.__name__, line, name)
                  for line, name in _python_calls(tree, _namespace(module, tree), in_kernels,
                                                  () if in_kernels else stubs)]
    assert not calls, f"Python calls of kernels without a Python entry point: {calls}"


def test_the_check_finds_such_a_call():
    # the check must be able to fail: a Python function calling an inner kernel is flagged
    @inner
    def helper(x):
        return x + 1

    source = "def python_side(x):\n    return helper(x)\n"
    assert _python_calls(ast.parse(source), {"helper": helper}) == [(2, "helper")]
    compiled = "@njit\ndef kernel(x):\n    return helper(x)\n"
    assert _python_calls(ast.parse(compiled), {"helper": helper, "njit": njit}) == []

    def stub(x):  # an overloaded function: compiled code only
        return helper(x)

    source = "def python_side(x):\n    return stub(x)\n"
    assert _python_calls(ast.parse(source), {"stub": stub}, stubs=[stub]) == [(2, "stub")]


def test_a_python_call_raises_instead_of_crashing():
    @inner(nogil=True)
    def helper(x):
        return x + 1

    @njit
    def kernel(x):
        return helper(x) * 2

    assert kernel(1) == 4
    with pytest.raises(TypeError, match="without a Python entry point"):
        helper(1)
    assert helper.py_func(1) == 2
