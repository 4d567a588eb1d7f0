"""sparsecert.plot, rendered headless (Agg): what is drawn, and the files written."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso as SkLasso

import sparsecert as sc
from conftest import load_shared

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


# ---------------------------------------------------------------- legends and colours


def _inside(inner, outer, slack=0.5):
    return (inner.x0 >= outer.x0 - slack and inner.y0 >= outer.y0 - slack
            and inner.x1 <= outer.x1 + slack and inner.y1 <= outer.y1 + slack)


def _saved_legend_box(fig, tmp_path):
    """The legend's window extent after a plain savefig (bbox_inches=None), and the figure's."""
    fig.savefig(tmp_path / "plain.png", bbox_inches=None)
    renderer = fig.canvas.get_renderer()
    legend = fig.axes[0].get_legend()
    return legend.get_window_extent(renderer), fig.bbox


@pytest.mark.parametrize("n_labels", [8, 12])
def test_path_legend_is_inside_a_plainly_saved_figure(diabetes, tmp_path, n_labels):
    X, y, names = diabetes
    res = sc.lasso_path(X, y, n_alphas=20)
    fig = plot.path(res, chosen_alpha=res.alphas[10], feature_names=names, n_labels=n_labels)
    box, figure = _saved_legend_box(fig, tmp_path)
    assert _inside(box, figure), (box, figure)
    # beside the axes, not over the lines
    assert box.x0 >= fig.axes[0].get_window_extent().x1


def test_path_legend_on_a_users_axes_stays_in_the_figure(diabetes, tmp_path):
    X, y, names = diabetes
    res = sc.lasso_path(X, y, n_alphas=20)
    for layout in (None, "constrained"):
        fig, ax = plt.subplots(layout=layout)
        plot.path(res, ax=ax, feature_names=names, chosen_alpha=res.alphas[5])
        box, figure = _saved_legend_box(fig, tmp_path)
        assert _inside(box, figure), (layout, box, figure)


def _line_colors(ax):
    import matplotlib.colors as mcolors

    labelled, unlabelled = [], []
    for line in ax.lines:
        rgb = mcolors.to_rgb(line.get_color())
        if rgb == (0.0, 0.0, 0.0):
            continue  # the zero line and the chosen alpha's
        (unlabelled if line.get_label().startswith("_") else labelled).append((rgb, line))
    return labelled, unlabelled


@pytest.mark.parametrize("n_labels", [8, 9, 12, 18, 25])
def test_path_labelled_lines_have_distinct_non_grey_colours(tmp_path, n_labels):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 40))
    y = X[:, :30] @ rng.standard_normal(30) + rng.standard_normal(120)
    res = sc.lasso_path(X, y, n_alphas=15)
    fig = plot.path(res, n_labels=n_labels)
    labelled, unlabelled = _line_colors(fig.axes[0])
    assert len(labelled) == n_labels and unlabelled  # 40 features enter: some unlabelled
    colours = [c for c, _ in labelled]
    assert len(set(colours)) == n_labels  # pairwise distinct
    greys = {c for c, _ in unlabelled}
    assert len(greys) == 1
    grey = greys.pop()
    assert grey[0] == grey[1] == grey[2]
    for c in colours:
        assert not (abs(c[0] - c[1]) < 0.05 and abs(c[1] - c[2]) < 0.05), c  # no grey at all
        assert c != grey
    assert all(line.get_linewidth() > unl.get_linewidth()
               for _, line in labelled for _, unl in unlabelled)
    saved_png(fig, tmp_path / "colours.png")


def _marker_positions(ax):
    """Display positions of every marker (zeros, nonzeros, violators)."""
    points = [ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))
              for line in ax.lines if len(line.get_xdata())]
    return np.vstack(points)


def _diabetes():
    d = load_diabetes()
    return d.data, d.target


# Lassos stopped after max_iter epochs (not certified), each a case where the
# legend at loc="upper right" covered a marker
@pytest.mark.parametrize("data, ratio, max_iter, top, sort", [
    (_diabetes, 0.5, 1, None, True),
    (_diabetes, 0.02, 2, None, False),
    (lambda: load_shared("eyedata_scheetz2006.npz"), 0.5, 1, 10, True),
    (lambda: load_shared("riboflavin_hdi.npz"), 0.1, 1, 10, False),
    (lambda: load_shared("congress109_textir.npz"), 0.1, 1, 10, False),
])
def test_certificate_legend_covers_no_marker_of_an_uncertified_fit(tmp_path, data, ratio,
                                                                   max_iter, top, sort):
    import warnings

    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cert = sc.Lasso(alpha=ratio * sc.alpha_max(X, y), max_iter=max_iter).fit(X, y).certificate_
    assert not cert.converged
    fig = plot.certificate(cert, top=top, sort=sort)
    box, figure = _saved_legend_box(fig, tmp_path)
    assert _inside(box, figure), (box, figure)
    points = _marker_positions(fig.axes[0])
    covered = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
               & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
    assert not covered.any(), points[covered]


def test_group_certificate_draws_a_bar_per_group(diabetes, tmp_path):
    """A group lasso's dead zone is on ||g_g||: one bar per group at alpha c_g,
    its gradient norm as the marker, a red cross for a violating group."""
    from sparsecert.penalties import GroupLasso

    X, y, names = diabetes
    alpha = 1.0
    est = sc.GroupLasso(alpha=alpha, groups=2, tol=1e-8).fit(X, y)
    cert = est.certificate_
    fig = plot.certificate(cert, feature_names=names)
    ax = fig.axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], alpha * np.sqrt(2.0))
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == 5 and "group 1 (bmi, bp)" in ticks
    n_zero = int(np.sum(cert.group_coef_norm == 0))
    texts = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert f"zero, inside its dead zone ({n_zero})" in texts and "||g_g||" in texts
    assert "groups nonzero" in ax.get_title() and ax.get_ylabel().startswith("||g_g||")
    markers = np.sort(np.concatenate([line.get_ydata() for line in ax.lines]))
    np.testing.assert_allclose(markers, np.sort(cert.group_gradient_norm))
    saved_png(fig, tmp_path / "groups.png")
    # a zero group pushed out of its dead zone is drawn as a violator
    w = est.coef_.copy()
    w[np.flatnonzero(w)[:2]] = 0.0
    bad = sc.check_optimality(X, y, w, est.intercept_, datafit="quadratic",
                              penalty=GroupLasso(alpha=alpha, groups=2), tol=1e-8)
    assert not bad.converged
    ax = plot.certificate(bad, top=3).axes[0]
    assert len(ax.patches) == 3
    assert any("violation > tol" in t.get_text() for t in ax.get_legend().get_texts())
