"""``sparsecert compile``: what it compiles covers what users' fits need.

The coverage test runs the command's fits in this process, then the fits a
user tries first (the README's Python blocks, the first-fit benchmark's
cases, other input types) and checks that these add no compiled
specialization: in a fresh process after ``sparsecert compile``, they would
all load from the cache. On an empty cache it compiles about 580 functions
(4-5 minutes on the project's 2-core machine), most of which other tests
compile as well; on a warm one it takes seconds.
"""

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_diabetes

import sparsecert as sc
from sparsecert.__main__ import main

README = Path(__file__).resolve().parents[1] / "README.md"
SRC = Path(__file__).resolve().parents[1] / "src"


def _specializations():
    """{(module.function, signature)} of every compiled kernel loaded in this process."""
    from numba.core.dispatcher import Dispatcher

    out = set()
    for name, mod in list(sys.modules.items()):
        if mod is None or not name.startswith("sparsecert._kernels"):
            continue
        for attr, obj in list(vars(mod).items()):
            if isinstance(obj, Dispatcher):
                out.update((f"{name}.{attr}", str(sig)) for sig in obj.overloads)
    return out


def _user_fits():
    X, y = load_diabetes(return_X_y=True)
    sc.Lasso(alpha=0.1).fit(X, y)
    sc.Lasso(alpha=0.1).fit(sp.csc_matrix(X), y)
    # past the Gram solver's plain epochs: its Anderson kernel, dense and CSC
    sc.Lasso(alpha=0.001).fit(X, y)
    sc.Lasso(alpha=0.001).fit(sp.csc_matrix(X), y)
    sc.ElasticNet(alpha=0.01, l1_ratio=0.3).fit(sp.csr_matrix(X.astype(np.float32)), y)
    sc.Lasso(alpha=0.1).fit(np.asfortranarray(X.astype(np.float32)), y)
    Xc, yc = load_breast_cancer(return_X_y=True)
    Xc = (Xc - Xc.mean(axis=0)) / Xc.std(axis=0)
    sc.SparseLogisticRegression(alpha=0.01).fit(Xc, yc)
    sc.SparseLogisticRegression(alpha=0.01).fit(sp.csr_matrix(Xc.astype(np.float32)), yc)
    sc.lasso_path(sp.csr_matrix(X), y, n_alphas=5)
    # one feature (NumPy flags such an array both C- and F-contiguous) and a path
    # on the dense Gram matrix, which hands the kernels a read-only violation scale
    sc.Lasso(alpha=0.1).fit(X[:, :1], y)
    sc.SparseLogisticRegression(alpha=0.01).fit(Xc[:, :1], yc)
    sc.LassoCV(cv=3, n_alphas=5).fit(X, y)
    namespace = {}
    for block in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S):
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102


def test_compile_covers_what_users_fit(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["compile"]) == 0
        out, err = capsys.readouterr()
        assert "functions compiled" in out and err == ""
        before = _specializations()
        _user_fits()
    new = sorted(_specializations() - before)
    assert new == [], "compiled after 'sparsecert compile':\n" + "\n".join(map(str, new))


def test_compile_list_and_help(capsys):
    assert main(["compile", "--list"]) == 0
    out = capsys.readouterr().out
    assert "cache: " in out and "logistic, csc float32" in out
    with pytest.raises(SystemExit):
        main(["warmup", "--help"])
    assert "Numba's on-disk cache" in capsys.readouterr().out


def test_compile_in_processes_fills_the_cache_a_serial_run_loads(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))

    def compile_(*args):
        return subprocess.run([sys.executable, "-m", "sparsecert", "compile", *args], env=env,
                              capture_output=True, text=True, timeout=600, check=True).stdout

    # two configurations (float64, float32), one per process, on an empty cache
    out = compile_("--jobs", "2", "--only", "COLUMN STORE")
    assert "in 2 processes" in out
    counts = [int(c) for c in re.findall(r"growing in place, float\d\d: 1 fit, (\d+) functions", out)]
    assert len(counts) == 2 and min(counts) > 0, out
    # everything either process compiled is in the cache: nothing compiles again
    again = compile_("--only", "column store")
    assert re.search(r"done in [0-9.]+ s: 0 functions compiled", again), again


def test_compile_options_are_checked(capsys):
    assert main(["compile", "--jobs", "0"]) == 2
    assert "--jobs must be a nonzero integer" in capsys.readouterr().err
    assert main(["compile", "--only", "no such thing"]) == 2
    assert "--only no such thing: no configuration's name contains it" in capsys.readouterr().err
