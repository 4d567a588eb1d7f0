"""Quick start: fit a certified Lasso and look at its certificate.

    python examples/quickstart.py [OUTPUT_DIR]

Fits a Lasso on scikit-learn's diabetes data, prints the coefficients and the
certificate that proves them optimal, and saves the certificate's dead-zone
figure (``certificate.png``) in OUTPUT_DIR (a new temporary folder if omitted).
"""

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # write files, open no window

from sklearn.datasets import load_diabetes  # noqa: E402

import sparsecert as sc  # noqa: E402
from sparsecert import plot  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="sparsecert-"))
out.mkdir(parents=True, exist_ok=True)

data = load_diabetes()
X, y, names = data.data, data.target, data.feature_names

alpha = 0.1 * sc.alpha_max(X, y)  # alpha_max: the smallest alpha giving w = 0
est = sc.Lasso(alpha=alpha, tol=1e-6).fit(X, y)
for name, w in zip(names, est.coef_):
    print(f"{name:>4s} {w: 10.3f}")
print()
print(est.certificate_.explain(feature_names=names, top=3))

fig = plot.certificate(est.certificate_, feature_names=names)
fig.savefig(out / "certificate.png", dpi=100, bbox_inches="tight")
print(f"\nwrote {out / 'certificate.png'}")
