"""Why L1 gives exact zeros and ridge does not: the penalty story on real data.

    python examples/why_l1_is_sparse.py [OUTPUT_DIR]

Fits alpha * sum_j |w_j|^p for p = 0.5, 1 and 2 on scikit-learn's diabetes
data: counts the exact zeros along alpha, and compares the coefficients at
equal training error. A penalty with a kink (p = 1) or an infinite slope
(p < 1) at zero has a dead zone of gradients compatible with w_j = 0; a
smooth one (p = 2) has none. Saves ``penalty_story.png`` in OUTPUT_DIR (a
temporary folder if omitted).
"""

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402

import sparsecert as sc  # noqa: E402
from sparsecert import plot  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="sparsecert-"))
out.mkdir(parents=True, exist_ok=True)

data = load_diabetes()
X, y, names = data.data, data.target, data.feature_names

for p in (0.5, 1.0, 2.0):
    est = sc.LpRegression(alpha=0.5, p=p, tol=1e-6).fit(X, y)
    print(f"p={p:g}: {int(np.sum(est.coef_ == 0))} exact zeros of {X.shape[1]}, "
          f"certificate kind={est.certificate_.kind!r}, certified={est.certificate_.converged}")

fig = plot.penalty_story(X, y, feature_names=names)
fig.savefig(out / "penalty_story.png", dpi=100, bbox_inches="tight")
print(f"wrote {out / 'penalty_story.png'}")
