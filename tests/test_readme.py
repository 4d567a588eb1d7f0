"""The README's Python blocks run as written (in order, one namespace), and
none of them stops short of its certificate: a ConvergenceWarning is an
error here, as a user who turns warnings on would see it."""

import re
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_blocks_run():
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    namespace = {}
    for block in blocks:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", ConvergenceWarning)
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    assert namespace["est"].certificate_.converged
