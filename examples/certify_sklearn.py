"""Certify scikit-learn's Lasso: a tight solution passes, a loose one fails.

    python examples/certify_sklearn.py [OUTPUT_DIR]

:func:`sparsecert.check_optimality` evaluates the first-order optimality
condition at any coefficients. scikit-learn's ``tol`` bounds its duality gap;
the certificate says, per feature, which weights are not yet optimal and why.
Saves both certificates' figures in OUTPUT_DIR (a temporary folder if omitted).
"""

import sys
import tempfile
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import Lasso  # noqa: E402

import sparsecert as sc  # noqa: E402
from sparsecert import plot  # noqa: E402

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="sparsecert-"))
out.mkdir(parents=True, exist_ok=True)

data = load_diabetes()
X, y, names = data.data, data.target, data.feature_names
alpha = 0.2
penalty = sc.penalties.L1(alpha=alpha)

tight = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # stopped early on purpose
    loose = Lasso(alpha=alpha, max_iter=3).fit(X, y)

# a constrained layout: each legend goes beside its axes, covering no marker
fig, axes = plt.subplots(2, 1, figsize=(9, 8), layout="constrained")
for ax, (label, model) in zip(axes, [("tight", tight), ("loose", loose)]):
    cert = sc.check_optimality(X, y, model.coef_, model.intercept_, datafit="quadratic",
                               penalty=penalty, tol=1e-6)
    print(f"--- scikit-learn Lasso, {label}: certified = {cert.converged}")
    print(cert.explain(feature_names=names, top=3))
    print()
    plot.certificate(cert, ax=ax, feature_names=names)
    ax.set_title(f"scikit-learn, {label}: " + ax.get_title(), fontsize="small")
fig.savefig(out / "certify_sklearn.png", dpi=100)
print(f"wrote {out / 'certify_sklearn.png'}")
