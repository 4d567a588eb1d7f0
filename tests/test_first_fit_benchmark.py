"""benchmarks/first_fit.py's machinery on one tiny case, cheaply: no cold runs (no copy, no
empty cache) and NUMBA_DISABLE_JIT=1 in the workers, so nothing compiles (a cold start
takes ~20 s or more). The benchmark itself never runs in tests."""

import importlib.util
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchmarks import first_fit  # noqa: E402


SRC = pathlib.Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def this_tree(monkeypatch):
    """The workers import this tree's sparsecert, not an installed one."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(SRC)] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))


def _table(out):
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert len(table) == 2 and table[1].startswith("| lasso |")
    assert len(table[1].split("|")) == len(table[0].split("|"))
    return table


def test_first_fit_scikit_learn_only_parses(this_tree, capsys):
    summary = first_fit.main(["--cases", "lasso", "--repeat", "1", "--no-cold", "--libraries",
                              "scikit-learn", "--markdown"])
    r = summary["lasso"]["scikit-learn"]
    assert r["import"] > 0 and r["fit"] > 0 and r["total"] >= r["import"] + r["fit"]
    assert r["nonzeros"] > 0 and r["n"] == 1 and r["compiles"] is None
    _table(capsys.readouterr().out)


def test_first_fit_warm_only_parses(this_tree, monkeypatch, capsys):
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "1")  # nothing compiles: no 20 s cold start
    try:
        summary = first_fit.main(["--cases", "lasso", "--repeat", "1", "--no-cold",
                                  "--libraries", "sparsecert", "scikit-learn", "--markdown"])
    except RuntimeError as e:
        if "compiled code only" in str(e):
            pytest.skip("sparsecert's fit needs compiled code (NUMBA_DISABLE_JIT unsupported)")
        raise
    rows = summary["lasso"]
    assert set(rows) == {"sparsecert warm", "scikit-learn"}
    for r in rows.values():
        assert r["import"] > 0 and r["fit"] > 0 and r["total"] >= r["import"] + r["fit"]
        assert r["nonzeros"] > 0 and r["n"] == 1
    assert rows["sparsecert warm"]["disable_jit"]
    assert rows["sparsecert warm"]["compiles"] == 0
    q = first_fit.ratios(rows)
    assert q["warm_total / sklearn_total"] > 0 and q["cold_fit / skglm_fit"] is None
    _table(capsys.readouterr().out)


def test_first_fit_skips_peers_not_installed(monkeypatch):
    missing = [lib for lib in first_fit.LIBRARIES
               if importlib.util.find_spec(first_fit.MODULES[lib].split(".")[0]) is None]
    for lib in first_fit.LIBRARIES:
        assert first_fit.installed(sys.executable, lib) == (lib not in missing)
    if "skglm" in missing:
        pytest.skip("skglm not installed")


def test_cold_and_warm_checks():
    cold = {"disable_jit": False, "cache_hits": 0, "cache_misses": 5, "missed": ["a"]}
    warm = {"disable_jit": False, "cache_hits": 5, "cache_misses": 0, "missed": []}
    first_fit.check_cold(cold, "lasso")
    first_fit.check_warm(warm, "lasso")
    with pytest.raises(RuntimeError, match="not cold"):
        first_fit.check_cold(warm, "lasso")
    with pytest.raises(RuntimeError, match="not warm"):
        first_fit.check_warm(cold, "lasso")


def test_fresh_copy_has_no_cache(tmp_path):
    source = tmp_path / "pkg"
    (source / "__pycache__").mkdir(parents=True)
    (source / "a.py").write_text("x = 1\n")
    (source / "__pycache__" / "a.f-1.py311.nbi").write_text("")
    target = first_fit.fresh_copy(source, tmp_path / "copy")
    assert (target / "pkg" / "a.py").exists()
    assert not (target / "pkg" / "__pycache__").exists()
