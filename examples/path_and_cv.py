"""A certified Lasso path, alpha chosen by cross-validation, and its figure.

    python examples/path_and_cv.py [OUTPUT_DIR]

Every alpha on the path carries its own certificate; LassoCV picks alpha on
the same kind of path, fold by fold. Saves ``path.png`` in OUTPUT_DIR (a
temporary folder if omitted).
"""

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sklearn.datasets import load_diabetes  # noqa: E402

import sparsecert as sc  # noqa: E402
from sparsecert import plot  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="sparsecert-"))
out.mkdir(parents=True, exist_ok=True)

data = load_diabetes()
X, y, names = data.data, data.target, data.feature_names

path = sc.lasso_path(X, y, n_alphas=50, tol=1e-6)
print(path)
cv = sc.LassoCV(n_alphas=50, cv=5, tol=1e-6).fit(X, y)
print(f"LassoCV: alpha_ = {cv.alpha_:.4g}, {int((cv.coef_ != 0).sum())} nonzero coefficients")
print(cv.certificate_)

fig = plot.path(path, chosen_alpha=cv.alpha_, feature_names=names)
fig.savefig(out / "path.png", dpi=100, bbox_inches="tight")
print(f"wrote {out / 'path.png'}")
