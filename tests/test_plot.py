"""sparsecert.plot, rendered headless (Agg): what is drawn, and the files written."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso as SkLasso

import sparsecert as sc

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sparsecert import plot  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def diabetes():
    d = load_diabetes()
    return d.data, d.target, list(d.feature_names)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def saved_png(fig, path):
    fig.savefig(path)
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 1000
    return data


def test_path_from_result_and_from_arrays(diabetes, tmp_path):
    X, y, names = diabetes
    res = sc.lasso_path(X, y, n_alphas=15)
    fig = plot.path(res, chosen_alpha=res.alphas[7], feature_names=names)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("chosen alpha=") for t in labels) and "bmi" in labels
    assert "15/15 alphas certified" in ax.get_title()
    saved_png(fig, tmp_path / "path.png")
    # scikit-learn's (alphas, coefs, gaps) layout, on a given axes
    alphas, coefs, _ = res
    fig2, ax2 = plt.subplots()
    assert plot.path(alphas, coefs, ax=ax2) is fig2
    with pytest.raises(ValueError, match="shape"):
        plot.path(alphas, coefs.T)


def test_certificate_separates_zeros_nonzeros_and_violators(diabetes, tmp_path):
    X, y, names = diabetes
    alpha = 0.3
    cert = sc.Lasso(alpha=alpha, tol=1e-6).fit(X, y).certificate_
    fig = plot.certificate(cert, feature_names=names)
    ax = fig.axes[0]
    bars = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(bars, alpha)  # the dead zone: |g| <= alpha for every feature
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    n_zero = int(np.sum(cert.coef == 0))
    assert f"zero, inside its dead zone ({n_zero})" in " ".join(texts)
    assert f"({10 - n_zero})" in " ".join(texts)
    assert not any("violation" in t for t in texts)
    # markers: hollow for zeros, filled for nonzeros, at |g_j|
    zeros_line = next(line for line in ax.lines if line.get_markerfacecolor() == "none")
    assert np.all(zeros_line.get_ydata() <= alpha)
    saved_png(fig, tmp_path / "cert.png")

    loose = SkLasso(alpha=alpha, max_iter=2, tol=1e-1).fit(X, y)
    bad = sc.check_optimality(X, y, loose.coef_, loose.intercept_, datafit="quadratic",
                              penalty=sc.penalties.L1(alpha=alpha), tol=1e-6)
    assert not bad.converged
    fig = plot.certificate(bad, feature_names=names, top=4)
    ax = fig.axes[0]
    assert len(ax.patches) == 4 and ax.get_title().startswith("NOT certified")
    assert any("violation > tol" in t.get_text() for t in ax.get_legend().get_texts())
    saved_png(fig, tmp_path / "bad.png")


def test_certificate_many_features_sparse(tmp_path):
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    X = sp.random(80, 300, density=0.05, random_state=0, format="csc")
    y = rng.standard_normal(80)
    cert = sc.Lasso(alpha=0.5 * sc.alpha_max(X, y)).fit(X, y).certificate_
    fig = plot.certificate(cert)
    assert len(fig.axes[0].patches) == 300
    saved_png(fig, tmp_path / "many.png")


def test_penalty_story_counts_zeros(diabetes, tmp_path):
    X, y, names = diabetes
    fig = plot.penalty_story(X, y, feature_names=names, n_alphas=8)
    left, right = fig.axes[:2]
    zeros = {line.get_label(): line.get_ydata() for line in left.lines}
    ridge = next(v for k, v in zeros.items() if k.startswith("p=2"))
    lasso = next(v for k, v in zeros.items() if k.startswith("p=1"))
    assert np.all(ridge == 0) and lasso.max() == 10  # alpha_max: every L1 weight is zero
    assert any("exact zeros" in t.get_text() for t in right.get_legend().get_texts())
    saved_png(fig, tmp_path / "story.png")
