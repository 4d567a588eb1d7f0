"""Where compiled kernels are cached, and the notice when compiling takes a while (issue 15).

The subprocess tests compile one or two tiny functions each, in an empty
``NUMBA_CACHE_DIR`` (cold) and then again (warm): never a whole fit.
"""

import logging
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import sparsecert as sc
from sparsecert._kernels import _cache, _notice

PACKAGE = Path(sc.__file__).resolve().parent
SRC = PACKAGE.parent


def _python(code, *, env_extra=None, pythonpath=SRC, cwd=None):
    env = dict(os.environ)
    env.pop("NUMBA_CACHE_LOCATOR_CLASSES", None)
    env["PYTHONPATH"] = os.pathsep.join([str(pythonpath)] + (
        [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.update(env_extra or {})
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc


def _copy_package(tmp_path):
    """A copy of the package without any cache; the folder to put on PYTHONPATH."""
    shutil.copytree(PACKAGE, tmp_path / "src" / "sparsecert",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
    return tmp_path / "src"


def test_import_sparsecert_does_not_import_numba():
    code = "import sys, sparsecert; assert 'numba' not in sys.modules, 'numba imported'"
    _python(code)


def test_locator_is_registered_first():
    from numba.core import caching

    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    assert impl._locator_classes[0] is _cache.KernelCacheLocator
    from sparsecert._kernels import lp_root

    func = lp_root._is_normal
    if _cache.KernelCacheLocator.from_function(func.py_func, lp_root.__file__) is None:
        pytest.skip(f"{_cache.cache_dir()} is not writable here: Numba's defaults apply")
    assert func.stats.cache_path == _cache.cache_dir()


# ---------------------------------------------------------------- the key
KEY_CODE = "from sparsecert._kernels import _cache; print(_cache.kernels_key())"


def test_key_is_the_same_for_the_same_sources_anywhere(tmp_path):
    """A reinstall of the same version (another path, new mtimes) finds its cache."""
    here = _python(KEY_CODE).stdout
    there = _python(KEY_CODE, pythonpath=_copy_package(tmp_path)).stdout
    assert here == there and len(here.strip()) == 16


def test_key_changes_with_any_kernel_module(tmp_path):
    src = _copy_package(tmp_path)
    before = _python(KEY_CODE, pythonpath=src).stdout
    with open(src / "sparsecert" / "_kernels" / "lp_root.py", "a") as f:
        f.write("\n# a helper other modules inline\n")
    assert _python(KEY_CODE, pythonpath=src).stdout != before


HELPER = "from numba import njit\n\n\n@njit(cache=True)\ndef helper():\n    return {}\n"
KERNEL = ("from numba import njit\n\nfrom .zz_helper import helper\n\n\n"
          "@njit(cache=True)\ndef kernel():\n    return helper() + 0.5\n")
RUN_KERNEL = ("from sparsecert._kernels import zz_kernel as k; "
              "print(k.kernel(), k.kernel.stats.cache_path, sum(k.kernel.stats.cache_hits.values()))")


def _kernel_pair(tmp_path, value):
    src = tmp_path / "src"
    if not src.exists():
        src = _copy_package(tmp_path)
    kernels = src / "sparsecert" / "_kernels"
    (kernels / "zz_helper.py").write_text(HELPER.format(value))
    (kernels / "zz_kernel.py").write_text(KERNEL)
    return src


def test_edited_helper_in_another_module_is_never_served_stale(tmp_path):
    """Numba checks a cached kernel against its own file only; the key covers them all."""
    cache = tmp_path / "numba_cache"
    env = {"NUMBA_CACHE_DIR": str(cache)}
    src = _kernel_pair(tmp_path, "1.0")
    first = _python(RUN_KERNEL, pythonpath=src, env_extra=env).stdout.split()
    again = _python(RUN_KERNEL, pythonpath=src, env_extra=env).stdout.split()
    assert first[0] == again[0] == "1.5"
    assert first[2] == "0" and again[2] == "1"  # cold, then loaded from the cache
    assert Path(first[1]).parent == cache / "sparsecert"
    _kernel_pair(tmp_path, "2.0")  # edit the helper only
    edited = _python(RUN_KERNEL, pythonpath=src, env_extra=env).stdout.split()
    assert edited[0] == "2.5" and edited[2] == "0" and edited[1] != first[1]


def test_unwritable_cache_dir_falls_back_to_the_package_and_stays_fresh(tmp_path):
    src = _kernel_pair(tmp_path, "1.0")
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    env = {"NUMBA_CACHE_DIR": str(blocker / "cache")}
    out = _python(RUN_KERNEL, pythonpath=src, env_extra=env).stdout.split()
    again = _python(RUN_KERNEL, pythonpath=src, env_extra=env).stdout.split()
    assert out[0] == again[0] == "1.5" and again[2] == "1"
    assert Path(out[1]) == src / "sparsecert" / "_kernels" / "__pycache__"
    _kernel_pair(tmp_path, "2.0")  # the same key check there: never stale
    edited = _python(RUN_KERNEL, pythonpath=src, env_extra=env).stdout.split()
    assert edited[0] == "2.5" and edited[2] == "0"


FAST = """
import numpy as np
from numba import njit, prange


@njit(cache=True)
def allocates(n):
    return np.arange(n) * 2.0


@njit(cache=True, parallel=True)
def threads(x):
    out = np.empty_like(x)
    for i in prange(x.shape[0]):
        out[i] = x[i] + 1.0
    return out


@njit(cache=True)
def hashes(s):
    return hash(s + "!")  # a new string: its hash is computed, with the secret
"""
FOREIGN = "from numba import njit\n\n\n@njit(cache=True)\ndef plus(x):\n    return x + 1.0\n"
# numba.np.arraymath is one of the modules Numba's registry refresh imports
RUN_FAST = """
import sys
import numpy as np
from sparsecert._kernels import zz_fast as k
a, t, h = k.allocates(4), k.threads(np.ones(3)), k.hashes("sparse")
refreshed = "numba.np.arraymath" in sys.modules
hits = sum(sum(f.stats.cache_hits.values()) for f in (k.allocates, k.threads, k.hashes))
import zz_foreign
print(a.sum(), t.sum(), h == hash("sparse!"), hits, refreshed, zz_foreign.plus(1.0),
      "numba.np.arraymath" in sys.modules, sum(zz_foreign.plus.stats.cache_hits.values()))
"""


def test_warm_kernels_load_without_numbas_refresh_and_run(tmp_path):
    """A warm load of our kernels skips Numba's registry refresh (KernelFunctionCache), and
    what the machine code needs is still linked: the allocator (NRT), the threads of a
    parallel kernel, the hash secret (a wrong or missing one fails or aborts). Another
    library's cached function still loads with the refresh."""
    src = _copy_package(tmp_path)
    (src / "sparsecert" / "_kernels" / "zz_fast.py").write_text(FAST)
    (tmp_path / "zz_foreign.py").write_text(FOREIGN)
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONHASHSEED": "random"}
    cold = _python(RUN_FAST, pythonpath=src, env_extra=env, cwd=tmp_path).stdout.split()
    warm = _python(RUN_FAST, pythonpath=src, env_extra=env, cwd=tmp_path).stdout.split()
    assert cold == ["12.0", "6.0", "True", "0", "True", "2.0", "True", "0"]
    assert warm == ["12.0", "6.0", "True", "3", "False", "2.0", "True", "1"]


# ---------------------------------------------------------------- the notice
COMPILE_SMALL = """
import logging, sys
from sparsecert._kernels import _notice
_notice.LISTENER.threshold = 0.0  # notice at once: the two small kernels compile fast
mode = sys.argv[1]
if mode == "logging":
    logging.basicConfig(level=logging.INFO, format="LOG %(name)s: %(message)s")
from sparsecert.cli import _compile_notice_on_stderr
import contextlib
block = _compile_notice_on_stderr(None) if mode == "cli" else contextlib.nullcontext()
import numpy as np
from sparsecert._kernels import anderson, group
with block:  # two small kernels with a Python entry point
    group.group_members(np.array([0, 2]), np.array([1, 0]), np.array([0]))
    anderson.anderson_weights(np.ones((3, 2)))
"""


@pytest.mark.parametrize("mode", ["cli", "library", "logging"])
def test_notice_once_when_cold_never_when_warm(tmp_path, mode):
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    code = COMPILE_SMALL.replace("sys.argv[1]", repr(mode))
    cold = _python(code, env_extra=env).stderr
    warm = _python(code, env_extra=env).stderr
    expected = {"cli": f"sparsecert: {_notice.NOTICE}\n",
                "library": "",
                "logging": f"LOG sparsecert.compile: {_notice.NOTICE}\n"}[mode]
    assert cold == expected
    assert warm == ""


def _event(module, start):
    from numba.core.event import Event, EventStatus

    func = types.SimpleNamespace(__module__=module)
    return Event("numba:compile", EventStatus.START if start else EventStatus.END,
                 data={"dispatcher": types.SimpleNamespace(py_func=func)})


def test_notice_adds_up_compiles_and_fires_once(caplog):
    listener = _notice.CompileNotice(threshold=0.0)
    with caplog.at_level(logging.INFO, logger="sparsecert.compile"):
        listener.notify(_event("sparsecert._kernels.cd", True))
        listener._timer.join()  # threshold 0: the timer fires while the compile still runs
        assert listener.done
        listener.notify(_event("numba.np.arraymath", True))  # a nested compile
        listener.notify(_event("numba.np.arraymath", False))
        listener.notify(_event("sparsecert._kernels.cd", False))
        for _ in range(3):
            listener.notify(_event("sparsecert._kernels.prox", True))
            listener.notify(_event("sparsecert._kernels.prox", False))
    assert [r.getMessage() for r in caplog.records] == [_notice.NOTICE]


def test_notice_ignores_short_and_foreign_compiles(caplog):
    listener = _notice.CompileNotice(threshold=3600.0)
    with caplog.at_level(logging.INFO, logger="sparsecert.compile"):
        for module in ("sparsecert._kernels.cd", "user_module"):
            listener.notify(_event(module, True))
            listener.notify(_event(module, False))
    assert not listener.done and caplog.records == []
    foreign = _notice.CompileNotice(threshold=0.0)
    foreign.notify(_event("user_module", True))
    foreign.notify(_event("user_module", False))
    assert foreign._timer is None and not foreign.done


@pytest.mark.parametrize("module, estimator", [("_base", "Lasso"),
                                               ("logistic", "SparseLogisticRegression")])
def test_verbose_fit_prints_the_notice(capsys, monkeypatch, module, estimator):
    """A fit with verbose passes the notice to its own output (simulated compile)."""
    import importlib

    import numpy as np

    mod = importlib.import_module(f"sparsecert.estimators.{module}")
    original = mod.make_problem

    def compiling_make_problem(*args, **kwargs):
        for write in list(_notice._SINKS):
            write(_notice.NOTICE)
        return original(*args, **kwargs)

    monkeypatch.setattr(mod, "make_problem", compiling_make_problem)
    X = np.random.default_rng(0).standard_normal((30, 5))
    y = (X[:, 0] > 0).astype(np.float64)
    est = getattr(sc, estimator)
    est(alpha=0.01, verbose=1).fit(X, y)
    assert f"[sparsecert] {_notice.NOTICE}\n" in capsys.readouterr().out
    est(alpha=0.01).fit(X, y)
    assert _notice.NOTICE not in capsys.readouterr().out
    assert _notice._SINKS == []


def test_notice_counts_several_short_compiles(caplog):
    """Compiles each shorter than the threshold add up to it: one notice."""
    import time

    listener = _notice.CompileNotice(threshold=0.05)
    with caplog.at_level(logging.INFO, logger="sparsecert.compile"):
        for _ in range(3):
            listener.notify(_event("sparsecert._kernels.cd", True))
            time.sleep(0.03)
            listener.notify(_event("sparsecert._kernels.cd", False))
    assert listener.spent >= 0.05 and listener.done
    assert [r.getMessage() for r in caplog.records] == [_notice.NOTICE]


def test_nowhere_writable_for_the_locator_leaves_numba_defaults(tmp_path):
    src = _kernel_pair(tmp_path, "1.0")
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    (src / "sparsecert" / "_kernels" / "__pycache__").write_text("not a directory either")
    env = {"NUMBA_CACHE_DIR": str(blocker / "cache"), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    out = _python(RUN_KERNEL, pythonpath=src, env_extra=env).stdout.split()
    assert out[0] == "1.5"
    assert Path(out[1]).is_relative_to(tmp_path / "xdg" / "numba")  # Numba's user-wide cache


def test_other_libraries_compile_beside_the_notice():
    """The notice's listener sees every compile in the process: one of a
    function whose __module__ is None (skglm's jitclass methods) must compile
    as without sparsecert (it raised AttributeError inside Numba's compile)."""
    import numba

    import sparsecert._kernels  # noqa: F401  (installs the listener)

    def plus_one(x):
        return x + 1.0

    plus_one.__module__ = None
    assert numba.njit(plus_one)(1.0) == 2.0


def test_cache_lock_is_exclusive_across_open_files(tmp_path):
    """A second holder waits for the first to let go (flock: per open file, so a
    thread of this process stands in for another process)."""
    import threading
    import time

    order = []

    def second():
        with _cache.cache_lock(str(tmp_path)):
            order.append("second holds")

    with _cache.cache_lock(str(tmp_path)):
        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)  # time for the thread to reach the lock, which it must not get
        order.append("first lets go")
    thread.join()
    assert order == ["first lets go", "second holds"]


def test_every_save_takes_the_cache_lock(tmp_path):
    code = (
        "import sparsecert._kernels._cache as c\n"
        "calls = []\n"
        "real = c.cache_lock\n"
        "def counting(folder):\n"
        "    calls.append(folder)\n"
        "    return real(folder)\n"
        "c.cache_lock = counting\n"
        "import contextlib, io\n"
        "from sparsecert.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['compile', '--only', 'in place, float64'])\n"
        "import re\n"
        "compiled = int(re.search(r'(\\d+) functions compiled, [0-9.]+ s', out.getvalue())[1])\n"
        "print(compiled, len(calls), set(calls) == {c.cache_dir()})\n")
    out = _python(code, env_extra={"NUMBA_CACHE_DIR": str(tmp_path)}).stdout.split()
    compiled, locked, same_dir = int(out[0]), int(out[1]), out[2]
    assert compiled > 0 and locked == compiled and same_dir == "True"
