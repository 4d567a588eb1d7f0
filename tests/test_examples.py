"""Every script in examples/ runs headless (Agg) from a temporary folder and writes its figure."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


# runs the script as __main__ with a ConvergenceWarning raised as an error:
# an example must reach every certificate it asks for (PYTHONWARNINGS cannot
# name a category from a package)
STRICT = ("import runpy, sys, warnings; from sklearn.exceptions import ConvergenceWarning; "
          "warnings.simplefilter('error', ConvergenceWarning); sys.argv = sys.argv[1:]; "
          "runpy.run_path(sys.argv[0], run_name='__main__')")


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    out_dir = tmp_path / "figures"
    proc = subprocess.run([sys.executable, "-c", STRICT, str(script), str(out_dir)],
                          cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    pngs = list(out_dir.glob("*.png"))
    assert pngs, proc.stdout
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
