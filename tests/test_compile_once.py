"""A first fit compiles each kernel once, not once more per literal argument.

Numba types a call from one kernel to another with the arguments' types
as inference last saw them: a loop variable that starts as ``0`` or
``False`` is first ``Literal[int](0)`` or ``Literal[bool](False)``, and the
callee gets compiled for that literal signature before the loop's own
``int64`` or ``bool`` one (0.35 s of a cold CSC Lasso fit, measured, for a
copy nobody calls). Here, fits that reach the main solvers run in a fresh
process on an empty cache, every compilation is recorded, and no
sparsecert kernel may have been compiled for two signatures that differ
only by literal types.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

SCRIPT = textwrap.dedent("""
    import json, re, sys
    from numba.core import event
    import numpy as np, scipy.sparse as sp

    compiled = []

    class Record(event.Listener):
        def on_start(self, ev):
            f = getattr(ev.data["dispatcher"], "py_func", None)
            if f is not None and f.__module__.startswith("sparsecert"):
                compiled.append([f.__module__ + "." + f.__qualname__,
                                 [str(a) for a in ev.data["args"]]])

        def on_end(self, ev):
            pass

    event.register("numba:compile", Record())
    import sparsecert as sc
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    sc.Lasso(alpha=0.1).fit(X, y)                    # dense, the Gram solver
    wide = sp.random(60, 300, density=0.2, random_state=0, format="csc")
    yw = wide @ np.linspace(-1, 1, 300) + 0.1
    sc.Lasso(alpha=0.01).fit(wide, yw)               # sparse, residual CD
    sc.Lasso(alpha=0.1, solver="fista").fit(X, y)    # FISTA
    json.dump(compiled, sys.stdout)
""")


def _unliteral(arg):
    """``Literal[int](0)`` -> ``int64``, ``Literal[bool](True)`` -> ``bool``."""
    if arg.startswith("Literal[int]"):
        return "int64"
    if arg.startswith("Literal[bool]"):
        return "bool"
    return arg


def test_no_kernel_is_compiled_again_for_literal_arguments(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    env.pop("NUMBA_DISABLE_JIT", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                         text=True, timeout=900, check=True)
    compiled = json.loads(out.stdout)
    assert any(name.endswith("cd_quadratic_anderson") for name, _ in compiled)
    assert any(name.endswith("cd_gram") for name, _ in compiled)
    seen = {}
    twins = []
    for name, args in compiled:
        key = (name, tuple(_unliteral(a) for a in args))
        if key in seen and seen[key] != args:
            twins.append((name, seen[key], args))
        seen.setdefault(key, args)
    assert not twins, twins


def test_the_check_sees_a_literal_twin():
    """The comparison itself: a literal signature and its plain one are twins."""
    plain = ["array(float64, 1d, C)", "int64", "bool"]
    literal = ["array(float64, 1d, C)", "Literal[int](0)", "Literal[bool](True)"]
    assert [_unliteral(a) for a in literal] == plain
    assert [_unliteral(a) for a in plain] == plain


def _specializations():
    """{(module.function, signature)} of every kernel specialization in this process."""
    from numba.core.dispatcher import Dispatcher

    out = set()
    for name, mod in list(sys.modules.items()):
        if mod is not None and name.startswith("sparsecert._kernels"):
            for attr, obj in list(vars(mod).items()):
                if isinstance(obj, Dispatcher):
                    out.update((f"{name}.{attr}", str(sig)) for sig in obj.overloads)
    return out


def test_lasso_and_read_only_y_reuse_the_elastic_nets_kernels():
    """The lasso runs the elastic net's compiled kernels (its l1_ratio is 1),
    and a read-only y (a memory-mapped one) is copied rather than compiled for."""
    import numpy as np
    import scipy.sparse as sp

    import sparsecert as sc

    wide = sp.random(60, 300, density=0.2, random_state=0, format="csc")
    y = wide @ np.linspace(-1, 1, 300) + 0.1
    sc.ElasticNet(alpha=0.01, l1_ratio=0.7).fit(wide, y)
    sc.Lasso(alpha=0.01).fit(wide, y)
    before = _specializations()
    assert any("cd_quadratic_anderson" in f and "penalty_kind(elastic_net)" in s
               for f, s in before)
    assert not any("penalty_kind(l1)" in s for _, s in before)
    frozen = y.copy()
    frozen.flags.writeable = False
    est = sc.Lasso(alpha=0.01).fit(wide, frozen)
    assert est.certificate_.converged and not frozen.flags.writeable
    assert _specializations() - before == set()
