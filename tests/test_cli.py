"""The command line: data formats, --out round trips, certify's exit status, one-line errors.

Most tests call :func:`sparsecert.__main__.main` in-process (fast); a few run
``python -m sparsecert`` in a subprocess to check what a shell user sees.
"""

import bz2
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file, load_diabetes
from sklearn.linear_model import Lasso as SkLasso

import sparsecert as sc
from sparsecert.__main__ import main

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SRC = Path(sc.__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def diabetes():
    d = load_diabetes()
    return d.data, d.target, list(d.feature_names)


@pytest.fixture(scope="module")
def files(tmp_path_factory, diabetes):
    """The diabetes data in every input format."""
    X, y, names = diabetes
    root = tmp_path_factory.mktemp("data")
    dump_svmlight_file(X, y, str(root / "d.svm"))
    raw = (root / "d.svm").read_bytes()
    (root / "d.svm.gz").write_bytes(gzip.compress(raw))
    (root / "d.svm.bz2").write_bytes(bz2.compress(raw))
    header = ",".join(names + ["progression"])
    rows = np.column_stack([X, y])
    np.savetxt(root / "d.csv", rows, delimiter=",", header=header, comments="", fmt="%.17g")
    np.savez(root / "d.npz", X=X, y=y, feature_names=np.array(names))
    sp.save_npz(root / "X_sparse.npz", sp.csr_matrix(X))
    Xc = sp.csr_matrix(X)
    np.savez(root / "parts.npz", X_data=Xc.data, X_indices=Xc.indices, X_indptr=Xc.indptr,
             X_shape=np.array(Xc.shape), y=y)
    np.save(root / "X.npy", X)
    np.save(root / "y.npy", y)
    np.save(root / "y10.npy", y[:10])  # ten numbers: a coefficient vector without a problem
    return root


def run(capsys, *argv):
    """(exit status, stdout, stderr) of ``sparsecert argv`` in-process."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def reference(X, y, alpha, **kw):
    return sc.Lasso(alpha=alpha, tol=1e-6, max_iter=10000, **kw).fit(X, y)


# ---------------------------------------------------------------- fit


@pytest.mark.parametrize("name, extra", [
    ("d.svm", []),
    ("d.svm.gz", []),
    ("d.svm.bz2", []),
    ("d.csv", ["--target-column", "progression"]),
    ("d.npz", []),
    ("parts.npz", []),
    ("X_sparse.npz", ["--target", "y.npy"]),
    ("X.npy", ["--target", "y.npy"]),
])
def test_fit_every_format_gives_the_library_solution(capsys, files, diabetes, name, extra,
                                                     tmp_path):
    X, y, _ = diabetes
    extra = [str(files / e) if e.endswith(".npy") else e for e in extra]
    out_file = tmp_path / "coef.npz"
    code, out, err = run(capsys, "fit", files / name, "--alpha", 0.3, *extra, "--tol", 1e-6,
                         "--out", out_file)
    assert code == 0, err
    assert "n_samples=442, n_features=10, nnz=4420" in out
    assert "Certificate(certified" in out
    assert "nonzeros: 4/10" in out and "fit time:" in out and "objective=" in out
    saved = np.load(out_file)
    # the library fit on the same kind of matrix the command hands it (a
    # sparse format is read into a CSC X): dense, CSC and CSR X may take
    # different roads (a CSR X's Gram matrix from its rows ends on the exact
    # support solution), and two fits certified at tol 1e-6 differ at that level
    sparse_format = name.startswith("d.svm") or name in ("parts.npz", "X_sparse.npz")
    ref = reference(sp.csc_matrix(X) if sparse_format else X, y, 0.3)
    np.testing.assert_allclose(saved["coef"], ref.coef_, rtol=1e-6, atol=1e-6)
    assert float(saved["intercept"]) == pytest.approx(ref.intercept_, rel=1e-9)
    assert saved["model"].item() == "lasso" and saved["alpha"].item() == 0.3
    assert bool(saved["certificate_certified"])


def test_every_command_defaults_to_the_estimators_tol(capsys, files, tmp_path):
    """fit, path and certify: tol 1e-4 as sc.Lasso (and scikit-learn), said in --help."""
    from sparsecert.cli import build_parser

    assert sc.Lasso().tol == 1e-4
    parser = build_parser()
    for argv in (["fit", "d.svm"], ["path", "d.svm"], ["certify", "d.svm", "c.npz"]):
        args = parser.parse_args(argv)
        assert args.tol in (1e-4, None)  # certify: None = the file's tol, else 1e-4
    code, out, _ = run(capsys, "fit", files / "d.svm", "--alpha", 0.3)
    amax = sc.alpha_max(*load_diabetes(return_X_y=True))
    assert f"tol={1e-4 * amax:.3g}" in out
    with pytest.raises(SystemExit):
        parser.parse_args(["fit", "--help"])
    help_text = capsys.readouterr().out
    assert "default 0.0001, the estimators' and scikit-learn's" in " ".join(help_text.split())


def test_fit_csv_names_features_and_alpha_ratio(capsys, files, diabetes):
    X, y, _ = diabetes
    code, out, _ = run(capsys, "fit", files / "d.csv", "--target-column", "progression",
                       "--alpha-ratio", 0.1)
    assert code == 0
    amax = sc.alpha_max(X, y)
    assert f"alpha={0.1 * amax:.6g}" in out and "0.1 x alpha_max" in out
    assert "bmi: w=" in out  # feature names from the header


@pytest.mark.parametrize("suffix", [".json", ".csv", ".npz"])
def test_fit_out_round_trips_through_certify(capsys, files, tmp_path, suffix):
    coef_file = tmp_path / f"coef{suffix}"
    code, _, _ = run(capsys, "fit", files / "d.svm", "--model", "enet", "--l1-ratio", 0.7,
                     "--alpha", 0.05, "--out", coef_file)
    assert code == 0
    from sparsecert.cli.coef_files import load_coef

    coef, intercept, meta = load_coef(coef_file)
    assert coef.shape == (10,) and intercept is not None
    assert meta["model"] == "enet" and meta["alpha"] == 0.05 and meta["l1_ratio"] == 0.7
    if suffix == ".json":
        doc = json.loads(coef_file.read_text())
        assert doc["certificate"]["certified"] is True and len(doc["feature_names"]) == 10
    # every format carries the problem: certify needs no --model, --alpha
    code, out, _ = run(capsys, "certify", files / "d.svm", coef_file)
    assert code == 0 and "CERTIFIED" in out and "l1_ratio=0.7" in out and "[from COEF]" in out


def _certificate_fields(out):
    """The verdict, max_violation, tol and objective of the first ``Certificate(...)`` line."""
    import re

    line = next(x for x in out.splitlines() if x.startswith("Certificate("))
    fields = re.search(r"Certificate\((\w+(?: \w+)?), kind='(\w+)', max_violation=(\S+) .*"
                       r"tol=(\S+) is (\w+).*objective=([^,]+),", line)
    assert fields, line
    return fields.groups()


@pytest.mark.parametrize("suffix", [".json", ".csv", ".npz"])
@pytest.mark.parametrize("problem", [
    ["--alpha", 0.3],
    ["--model", "enet", "--l1-ratio", 0.7, "--alpha-ratio", 0.01, "--tol", 1e-7],
    ["--model", "lp", "--p", 0.5, "--alpha", 2.0, "--no-intercept"],
    ["--alpha", 0.3, "--max-iter", 1],  # not certified: certify must say so too
])
def test_certify_reuses_what_fit_out_recorded(capsys, files, tmp_path, suffix, problem):
    """fit --out in each format, then certify with no problem options: the same certificate."""
    coef_file = tmp_path / f"coef{suffix}"
    fit_code, fit_out, err = run(capsys, "fit", files / "d.svm", *problem, "--out", coef_file)
    assert fit_code in (0, 1), err
    code, out, err = run(capsys, "certify", files / "d.svm", coef_file)
    assert code == fit_code, (out, err)
    fit_fields, fields = _certificate_fields(fit_out), _certificate_fields(out)
    assert fit_fields[:2] == fields[:2] and fit_fields[4] == fields[4]  # verdict, kind
    for a, b in zip(fit_fields[2:4] + fit_fields[5:], fields[2:4] + fields[5:]):
        assert float(a) == pytest.approx(float(b), rel=1e-6)  # violation, tol, objective
    assert "give --alpha" not in err
    tol = float(problem[problem.index("--tol") + 1]) if "--tol" in problem else 1e-4
    assert f"tol={tol:g} [from COEF]" in out
    # an option given wins over the file: a tol 1e6 times looser certifies anything
    code, out, _ = run(capsys, "certify", files / "d.svm", coef_file, "--tol", 1e2)
    assert code == 0


def test_csv_problem_line_is_a_comment_other_readers_skip(capsys, files, tmp_path):
    pd = pytest.importorskip("pandas")
    coef_file = tmp_path / "coef.csv"
    code, _, _ = run(capsys, "fit", files / "d.svm", "--alpha", 0.3, "--out", coef_file)
    assert code == 0
    lines = coef_file.read_text().splitlines()
    assert lines[0] == "feature,coef" and lines[1].startswith("# sparsecert model=lasso alpha=0.3")
    from sparsecert.cli.coef_files import load_coef

    coef, intercept, _ = load_coef(coef_file)
    values = np.r_[intercept, coef]
    np.testing.assert_array_equal(np.loadtxt(coef_file, delimiter=",", usecols=1, skiprows=1),
                                  values)
    table = pd.read_csv(coef_file, comment="#")
    assert list(table.columns) == ["feature", "coef"] and table["feature"][0] == "(intercept)"
    np.testing.assert_array_equal(table["coef"].to_numpy(), values)


def test_certify_csv_from_another_tool_needs_alpha(capsys, files, tmp_path):
    coef_file = tmp_path / "coef.csv"
    code, _, _ = run(capsys, "fit", files / "d.svm", "--alpha", 0.3, "--out", coef_file)
    plain = tmp_path / "plain.csv"
    plain.write_text("\n".join(x for x in coef_file.read_text().splitlines()
                               if not x.startswith("#")) + "\n")
    code, out, err = run(capsys, "certify", files / "d.svm", plain)
    assert code == 2 and out == ""
    assert err.strip() == (f"sparsecert: error: {plain} records no alpha (only the files "
                           f"'sparsecert fit --out' writes do): give --alpha or --alpha-ratio")
    code, out, _ = run(capsys, "certify", files / "d.svm", plain, "--alpha", 0.3)
    assert code == 0 and "CERTIFIED" in out and "alpha=0.3 [given]; tol=0.0001 [default]" in out


def test_fit_lp_and_no_intercept(capsys, files, diabetes):
    X, y, _ = diabetes
    code, out, _ = run(capsys, "fit", files / "d.svm", "--model", "lp", "--p", 0.5, "--alpha", 1,
                       "--no-intercept")
    assert code == 0
    assert "kind='local'" in out and "no intercept" in out and "intercept=" not in out


def test_fit_without_data_keeps_the_quick_start(capsys):
    code, out, _ = run(capsys, "fit", "--repeat", 1)
    assert code == 0
    assert out.startswith("data: scikit-learn diabetes (442 x 10)")
    assert "Certificate(certified" in out and "ratio scikit-learn / sparsecert" in out


def test_logistic_fit(capsys, tmp_path):
    if not hasattr(sc, "SparseLogisticRegression"):
        pytest.skip("SparseLogisticRegression not merged yet")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 12))
    y = np.where(X[:, 0] - 2 * X[:, 3] + 0.3 * rng.standard_normal(200) > 0, "yes", "no")
    np.save(tmp_path / "X.npy", X)
    (tmp_path / "y.txt").write_text("\n".join(y))
    out_file = tmp_path / "c.json"
    penalties = [[], ["--l1-ratio", 0.5]]
    if "p" in sc.SparseLogisticRegression().get_params():  # the Lp penalty, once available
        penalties.append(["--p", 0.5])
    for penalty in penalties:
        alpha = ["--alpha", 0.01] if penalty and penalty[0] == "--p" else ["--alpha-ratio", 0.2]
        code, out, err = run(capsys, "fit", tmp_path / "X.npy", "--target", tmp_path / "y.txt",
                             "--model", "logistic", *penalty, *alpha, "--out", out_file)
        assert code == 0, err
        assert "logistic datafit" in out and "Certificate(certified" in out
        code, out, err = run(capsys, "certify", tmp_path / "X.npy", out_file, "--target",
                             tmp_path / "y.txt")
        assert code == 0, err


# ---------------------------------------------------------------- certify


@pytest.mark.parametrize("fmt", ["npz", "npy", "csv"])
def test_certify_sklearn_tight_passes_loose_fails(capsys, files, diabetes, tmp_path, fmt):
    X, y, _ = diabetes
    tight = SkLasso(alpha=0.2, tol=1e-12, max_iter=100000).fit(X, y)
    loose = SkLasso(alpha=0.2, tol=1e-1, max_iter=3).fit(X, y)
    for label, model, expected in (("tight", tight, 0), ("loose", loose, 1)):
        path = tmp_path / f"{label}.{fmt}"
        intercept = []
        if fmt == "npz":
            np.savez(path, coef=model.coef_, intercept=model.intercept_)
        elif fmt == "npy":
            np.save(path, model.coef_)
            intercept = ["--intercept", repr(float(model.intercept_))]
        else:
            np.savetxt(path, model.coef_[:, None], fmt="%.17g")  # one column, no header
            intercept = ["--intercept", repr(float(model.intercept_))]
        code, out, err = run(capsys, "certify", files / "d.svm", path, "--alpha", 0.2, "--tol",
                             1e-6, *intercept)
        assert code == expected, (label, out, err)
        assert ("NOT CERTIFIED" in out) == (expected == 1)
        assert "dead zone" in out  # explain()
    # without an intercept, the model without one is checked, and says so (the
    # diabetes columns are centred, so the missing intercept does not move g)
    np.save(tmp_path / "c.npy", tight.coef_)
    code, out, _ = run(capsys, "certify", files / "d.svm", tmp_path / "c.npy", "--alpha", 0.2)
    assert code in (0, 1) and "holds no intercept" in out and "no intercept)" in out


def test_certify_logistic_datafit(capsys, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((150, 8))
    y = np.where(X[:, 1] + 0.5 * rng.standard_normal(150) > 0, 1, -1)
    dump_svmlight_file(X, y, str(tmp_path / "b.svm"))
    pen = sc.penalties.L1(alpha=0.02)
    res = sc.logistic_path(X, y, alphas=[0.02], tol=1e-8, solver="fista", max_iter=100000)
    np.savez(tmp_path / "w.npz", coef=res.coefs[:, 0], intercept=res.intercepts[0])
    code, out, err = run(capsys, "certify", tmp_path / "b.svm", tmp_path / "w.npz", "--model",
                         "logistic", "--alpha", 0.02)
    expected = sc.check_optimality(X, y, res.coefs[:, 0], res.intercepts[0], datafit="logistic",
                                   penalty=pen, tol=1e-4)
    assert code == (0 if expected.converged else 1), err
    assert "logistic datafit" in out


# ---------------------------------------------------------------- path


def test_path_out_plot_and_cv(capsys, files, diabetes, tmp_path):
    pytest.importorskip("matplotlib")
    X, y, _ = diabetes
    out_file, png = tmp_path / "path.npz", tmp_path / "path.png"
    code, out, err = run(capsys, "path", files / "d.svm", "--n-alphas", 20, "--cv", 3, "--out",
                         out_file, "--plot", png, "--quiet")
    assert code == 0, err
    assert "20/20 certified" in out and "cross-validation (3 folds)" in out
    saved = np.load(out_file)
    assert saved["coefs"].shape == (10, 20) and saved["certified"].all()
    ref = sc.lasso_path(X, y, n_alphas=20, tol=1e-4)
    np.testing.assert_allclose(saved["alphas"], ref.alphas)
    from sklearn.model_selection import KFold

    # on the CSR matrix the svmlight file gives: the held-out MSE is flat near its
    # minimum, and the dense (Gram) and sparse solvers' 1e-4 answers differ there
    cv = sc.LassoCV(alphas=ref.alphas, cv=KFold(3, shuffle=True, random_state=0)).fit(
        sp.csr_matrix(X), y)
    assert saved["chosen_alpha"].item() == pytest.approx(cv.alpha_)
    assert bool(saved["cv_shuffle"]) and saved["cv_seed"].item() == 0
    data = png.read_bytes()
    assert len(data) > 1000 and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "\r" not in err  # --quiet and a non-terminal stderr: no progress bar


def test_path_enet_and_logistic(capsys, files, tmp_path):
    code, out, _ = run(capsys, "path", files / "d.svm", "--model", "enet", "--l1-ratio", 0.5,
                       "--n-alphas", 8)
    assert code == 0 and "elastic net penalty, l1_ratio=0.5" in out
    rng = np.random.default_rng(2)
    X = rng.standard_normal((120, 6))
    y = (X[:, 0] + 0.4 * rng.standard_normal(120) > 0).astype(int)
    dump_svmlight_file(X, y, str(tmp_path / "b.svm"))
    code, out, err = run(capsys, "path", tmp_path / "b.svm", "--model", "logistic", "--n-alphas",
                         5, "--eps", 0.05, "--cv", 3, "--out", tmp_path / "p.npz")
    assert code == 0, err
    assert "held-out log-loss" in out
    assert np.load(tmp_path / "p.npz")["coefs"].shape == (6, 5)


@pytest.fixture(scope="module")
def sorted_rows(tmp_path_factory):
    """A regression file whose rows are sorted by the target, and one with pure-noise y."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((240, 15))
    y = X[:, :4] @ np.array([2.0, -1.5, 1.0, 0.5]) + 0.5 * rng.standard_normal(240)
    order = np.argsort(y)
    root = tmp_path_factory.mktemp("sorted")
    np.savez(root / "sorted.npz", X=X[order], y=y[order])
    np.savez(root / "noise.npz", X=X, y=rng.standard_normal(240))
    return root, X[order], y[order]


def _cv_line(out):
    return next(x for x in out.splitlines() if x.startswith("cross-validation ("))


def test_path_cv_shuffles_folds_by_default(capsys, sorted_rows, tmp_path):
    from sklearn.model_selection import KFold

    root, X, y = sorted_rows
    grid_args = ["--n-alphas", 20, "--eps", 1e-2, "--cv", 4, "--quiet"]
    code, out, err = run(capsys, "path", root / "sorted.npz", *grid_args, "--out", tmp_path / "a.npz")
    assert code == 0, err
    saved = np.load(tmp_path / "a.npz")
    alphas = saved["alphas"]
    shuffled = sc.LassoCV(alphas=alphas, cv=KFold(4, shuffle=True, random_state=0)).fit(X, y)
    assert saved["chosen_alpha"].item() == pytest.approx(shuffled.alpha_)
    k = int(np.argmin(np.abs(alphas - shuffled.alpha_)))
    assert saved["cv_score"][k] < 0.5 * y.var()  # far better than predicting the mean
    assert "folds shuffled, --seed 0" in _cv_line(out) and "warning" not in err
    # reproducible: the same folds again; another seed, other folds
    run(capsys, "path", root / "sorted.npz", *grid_args, "--out", tmp_path / "b.npz")
    np.testing.assert_array_equal(np.load(tmp_path / "b.npz")["cv_score"], saved["cv_score"])
    run(capsys, "path", root / "sorted.npz", *grid_args, "--seed", 5, "--out", tmp_path / "c.npz")
    assert not np.array_equal(np.load(tmp_path / "c.npz")["cv_score"], saved["cv_score"])
    assert np.load(tmp_path / "c.npz")["cv_seed"].item() == 5
    # --no-shuffle: the old folds of consecutive rows
    code, out, err = run(capsys, "path", root / "sorted.npz", *grid_args, "--no-shuffle",
                         "--out", tmp_path / "d.npz")
    old = sc.LassoCV(alphas=alphas, cv=4).fit(X, y)
    unshuffled = np.load(tmp_path / "d.npz")
    assert unshuffled["chosen_alpha"].item() == pytest.approx(old.alpha_)
    np.testing.assert_allclose(unshuffled["cv_score"], old.mse_path_.mean(axis=1), rtol=1e-12)
    assert "not shuffled" in _cv_line(out) and not bool(unshuffled["cv_shuffle"])


def test_path_cv_warns_when_no_better_than_the_mean(capsys, sorted_rows):
    root, _, _ = sorted_rows
    code, out, err = run(capsys, "path", root / "noise.npz", "--n-alphas", 10, "--cv", 3,
                         "--quiet")
    assert code == 0
    warning = [x for x in err.splitlines() if x.startswith("sparsecert: warning: cross-validation")]
    assert len(warning) == 1, err
    assert "is no better than predicting" in warning[0] and "do not predict y" in warning[0]
    with pytest.warns(UserWarning, match="no better than predicting"):
        from sparsecert.cli import build_parser

        args = build_parser().parse_args(["path", str(root / "noise.npz"), "--n-alphas", "10",
                                          "--cv", "3", "--quiet"])
        args.func(args)
    capsys.readouterr()
    # the logistic datafit's constant: the class frequency
    rng = np.random.default_rng(3)
    dump_svmlight_file(rng.standard_normal((150, 5)), rng.integers(0, 2, 150), str(root / "b.svm"))
    code, out, err = run(capsys, "path", root / "b.svm", "--model", "logistic", "--n-alphas", 5,
                         "--eps", 0.05, "--cv", 3, "--quiet")
    line = _cv_line(out)
    assert "class frequency" in line
    score = float(line.split("log-loss ")[1].split()[0])
    null = float(line.split("class frequency on all of y: ")[1].split(";")[0])
    assert null == pytest.approx(np.log(2), abs=0.01)  # about half of each class
    assert ("no better than predicting" in err) == (not score < null)


def test_progress_bar_follows_the_terminal(monkeypatch, capsys, files):
    """The bar is drawn when stderr is a terminal, and only then."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    code, _, err = run(capsys, "path", files / "d.svm", "--n-alphas", 5)
    assert code == 0 and "alpha/s" in err  # drawn, then cleared (leave=False)
    code, _, err = run(capsys, "path", files / "d.svm", "--n-alphas", 5, "--quiet")
    assert code == 0 and "alpha/s" not in err


# ---------------------------------------------------------------- errors


def _bad_files(root):
    (root / "garbage.svm").write_text("this is not svmlight\n")
    (root / "bad.csv").write_text("a,b\n1,x\n")
    (root / "bad.json").write_text('{"weights": [1, 2]}')
    (root / "trunc.npz").write_bytes(b"PK\x03\x04 not really")
    np.save(root / "three.npy", np.ones(3))
    return root


@pytest.mark.parametrize("argv, words", [
    (["fit", "missing.svm"], "not found"),
    (["fit", "garbage.svm"], "not a valid svmlight"),
    (["fit", "trunc.npz"], "cannot read as .npz"),
    (["fit", "{d}/d.csv"], "--target-column"),
    (["fit", "{d}/d.csv", "--target-column", "nope"], "no column 'nope'"),
    (["fit", "bad.csv", "--target-column", "a"], "is not a number"),
    (["fit", "{d}/X.npy"], "--target"),
    (["fit", "{d}/X.npy", "--target", "three.npy"], "inconsistent shapes"),
    (["fit", "{d}/d.svm", "--alpha", "-1"], "--alpha must be >= 0"),
    (["fit", "{d}/d.svm", "--alpha", "abc"], "invalid float value"),
    (["fit", "{d}/d.svm", "--tol", "0"], "--tol must be > 0"),
    (["fit", "{d}/d.svm", "--model", "ridge"], "invalid choice"),
    (["fit", "{d}/d.svm", "--model", "lp", "--alpha-ratio", "0.1"], "give --alpha"),
    (["fit", "{d}/d.svm", "--model", "logistic"], "logistic"),
    (["fit", "{d}/d.svm", "--out", "coef.txt"], "unknown output format"),
    (["fit", "{d}/d.svm", "--l1-ratio", "2"], "--l1-ratio must be in [0, 1]"),
    (["path", "{d}/d.svm", "--model", "lp"], "invalid choice"),
    (["path", "{d}/d.svm", "--cv", "1"], "--cv must be >= 2"),
    (["path", "{d}/d.svm", "--seed", "3"], "--seed applies to --cv K"),
    (["path", "{d}/d.svm", "--no-shuffle"], "--no-shuffle applies to --cv K"),
    (["path", "{d}/d.svm", "--cv", "3", "--seed", "1", "--no-shuffle"], "not both"),
    (["path", "{d}/d.svm", "--cv", "3", "--seed", "-1"], "--seed must be in"),
    (["certify", "{d}/d.svm"], "required"),
    (["certify", "{d}/d.svm", "three.npy", "--alpha", "1"], "3 coefficients but"),
    (["certify", "{d}/d.svm", "bad.json", "--alpha", "1"], "'coef'"),
    (["certify", "{d}/d.svm", "{d}/y10.npy"], "give --alpha or --alpha-ratio"),
    (["nonsense"], "invalid choice"),
])
def test_errors_are_one_line_exit_2(capsys, files, tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(_bad_files(tmp_path))
    code, _, err = run(capsys, *[a.replace("{d}", str(files)) for a in argv])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sparsecert: error: ") and words in lines[0], lines[0]
    assert "Traceback" not in err


def _shell(*argv, cwd):
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "sparsecert", *map(str, argv)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_shell_user_sees_help_and_one_line_errors(tmp_path):
    proc = _shell("--help", cwd=tmp_path)
    assert proc.returncode == 0 and "fit" in proc.stdout and "certify" in proc.stdout
    for cmd in ("fit", "path", "certify"):
        proc = _shell(cmd, "--help", cwd=tmp_path)
        assert proc.returncode == 0 and f"usage: sparsecert {cmd}" in proc.stdout
    proc = _shell("fit", "no_such_file.svm", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "sparsecert: error: data file not found: no_such_file.svm"


def test_console_script_is_declared():
    # the repository's file, wherever the package was installed from
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert 'sparsecert = "sparsecert.__main__:main"' in pyproject


# ---------------------------------------------------------------- shared data sets


def _shared(name):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} not found (the shared data folder sits beside the repo)")
    return path


def test_shared_a9a_svmlight_gz_needs_n_features(capsys, tmp_path):
    path = _shared("a9a.t.svmlight.gz")
    code, out, err = run(capsys, "path", path, "--n-features", 123, "--model", "logistic",
                         "--n-alphas", 3, "--eps", 0.3, "--quiet")
    assert code == 0, err
    assert "n_samples=16281, n_features=123, nnz=225731" in out
    rng = np.random.default_rng(0)
    np.save(tmp_path / "w.npy", rng.standard_normal(123) * 0.01)
    code, out, err = run(capsys, "certify", path, tmp_path / "w.npy", "--n-features", 123,
                         "--model", "logistic", "--alpha", 0.01, "--intercept", 0)
    assert code == 1 and "NOT CERTIFIED" in out


def test_shared_we8there_cv_beats_the_mean_only_when_shuffled(capsys):
    path = _shared("we8there_textir.npz")  # rows grouped by rating
    grid = ["--n-alphas", 10, "--eps", 0.05, "--cv", 3, "--quiet"]
    code, out, err = run(capsys, "path", path, *grid)
    assert code == 0, err
    mse = float(_cv_line(out).split("mean held-out MSE ")[1].split()[0])
    assert mse < 1.3 < 1.82 and "warning" not in err  # y's variance is 1.825
    code, out, err = run(capsys, "path", path, *grid, "--no-shuffle")
    assert "no better than predicting" in err and "drop --no-shuffle" in err


def test_shared_congress109_npz(capsys, tmp_path):
    path = _shared("congress109_textir.npz")
    code, out, err = run(capsys, "fit", path, "--alpha-ratio", 0.1, "--out", tmp_path / "c.json",
                         "--top", 3)
    assert code == 0, err
    assert "n_samples=529, n_features=1000, nnz=48275" in out and "sparse storage" in out
    assert "Certificate(certified" in out
    doc = json.loads((tmp_path / "c.json").read_text())
    assert len(doc["coef"]) == 1000 and doc["feature_names"][0] != "x0"  # phrase names
    code, out, _ = run(capsys, "certify", path, tmp_path / "c.json")
    assert code == 0 and "CERTIFIED" in out


# ---------------------------------------------------------------- block models (issue 16)

@pytest.fixture(scope="module")
def block_files(tmp_path_factory, diabetes):
    """linnerud's three targets in a CSV and as a several-column target file;
    diabetes with group labels (one per line, one CSV row, one too few)."""
    from sklearn.datasets import load_linnerud

    lin = load_linnerud()
    root = tmp_path_factory.mktemp("blocks")
    header = ",".join(list(lin.feature_names) + list(lin.target_names))
    np.savetxt(root / "lin.csv", np.column_stack([lin.data, lin.target]), delimiter=",",
               header=header, comments="", fmt="%.17g")
    np.save(root / "linX.npy", lin.data)
    np.savetxt(root / "linY.csv", lin.target, delimiter=",", header="w,v,p", comments="",
               fmt="%.17g")
    X, y, _ = diabetes
    labels = ["age", "sex", "bmi", "bp"] + ["serum"] * 6
    (root / "groups.txt").write_text("\n".join(labels) + "\n")
    (root / "groups_row.csv").write_text(",".join(labels) + "\n")
    (root / "groups9.txt").write_text("\n".join(labels[:9]) + "\n")
    np.save(root / "groups.npy", np.array(labels))
    np.save(root / "dX.npy", X)
    np.save(root / "dy.npy", y)
    return root, lin.data.astype(np.float64), lin.target.astype(np.float64), labels


def test_fit_multitask_from_target_columns_matches_estimator_and_certifies(capsys, block_files,
                                                                          tmp_path):
    root, X, Y, _ = block_files
    alpha = 20.0
    out = tmp_path / "mt.csv"
    code, text, _ = run(capsys, "fit", root / "lin.csv", "--target-column",
                        "Weight,Waist,Pulse", "--model", "multitask", "--alpha", alpha,
                        "--tol", "1e-10", "--out", out)
    assert code == 0 and "target columns 'Weight', 'Waist', 'Pulse'" in text
    assert "L2,1 (multi-task)" in text and "features (used by all 3 targets)" in text
    ref = sc.MultiTaskLasso(alpha=alpha, tol=1e-10).fit(X, Y)
    lines = out.read_text().splitlines()
    assert lines[0] == "feature,Weight,Waist,Pulse" and lines[1].startswith("# sparsecert")
    table = np.array([[float(v) for v in line.split(",")[1:]] for line in lines[2:]])
    np.testing.assert_allclose(table[0], ref.intercept_, rtol=1e-9)
    np.testing.assert_allclose(table[1:].T, ref.coef_, rtol=1e-7, atol=1e-12)
    # certify reads it back (model, alpha and tol from the file) ...
    code, text, _ = run(capsys, "certify", root / "lin.csv", out, "--target-column",
                        "Weight,Waist,Pulse")
    assert code == 0 and "CERTIFIED" in text
    # ... and refuses a perturbed copy
    bad = tmp_path / "bad.npz"
    W = ref.coef_.copy()
    W[:, np.flatnonzero(np.any(W, axis=0))[0]] *= 1.01
    np.savez(bad, coef=W, intercept=ref.intercept_)
    code, text, _ = run(capsys, "certify", root / "lin.csv", bad, "--target-column",
                        "Weight,Waist,Pulse", "--model", "multitask", "--alpha", alpha,
                        "--tol", "1e-8")
    assert code == 1 and "NOT CERTIFIED" in text


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_fit_multitask_enet_from_a_target_file(capsys, block_files, tmp_path, suffix):
    root, X, Y, _ = block_files
    out = tmp_path / f"mt{suffix}"
    code, text, _ = run(capsys, "fit", root / "linX.npy", "--target", root / "linY.csv",
                        "--model", "multitask", "--l1-ratio", "0.5", "--alpha-ratio", "0.1",
                        "--tol", "1e-10", "--out", out)
    assert code == 0 and "l1_ratio=0.5" in text
    amax = sc.alpha_max(X, Y, penalty=sc.penalties.MultiTaskL21(1.0, 0.5))
    ref = sc.MultiTaskElasticNet(alpha=0.1 * amax, l1_ratio=0.5, tol=1e-10).fit(X, Y)
    if suffix == ".npz":
        f = np.load(out)
        coef, icpt = f["coef"], f["intercept"]
    else:
        doc = json.loads(out.read_text())
        coef, icpt = np.array(doc["coef"]), np.array(doc["intercept"])
        assert doc["task_names"] == ["w", "v", "p"] and doc["model"] == "multitask"
    assert coef.shape == (3, 3) and icpt.shape == (3,)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-7, atol=1e-12)
    code, text, _ = run(capsys, "certify", root / "linX.npy", out, "--target", root / "linY.csv")
    assert code == 0 and "l1_ratio=0.5" in text


@pytest.mark.parametrize("groups_file", ["groups.txt", "groups_row.csv", "groups.npy"])
def test_fit_group_lasso_with_groups_file_matches_estimator(capsys, block_files, tmp_path,
                                                            groups_file):
    root, _, _, labels = block_files
    X, y = np.load(root / "dX.npy"), np.load(root / "dy.npy")
    out = tmp_path / "g.npz"
    code, text, _ = run(capsys, "fit", root / "dX.npy", "--target", root / "dy.npy", "--model",
                        "group", "--groups", root / groups_file, "--alpha", "0.3", "--tol",
                        "1e-9", "--max-iter", "100000", "--out", out)
    assert code == 0 and "group lasso penalty, 5 groups" in text and "GroupCertificate" in text
    ref = sc.GroupLasso(alpha=0.3, groups=labels, tol=1e-9, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(np.load(out)["coef"], ref.coef_, rtol=1e-7, atol=1e-9)
    code, text, _ = run(capsys, "certify", root / "dX.npy", out, "--target", root / "dy.npy",
                        "--groups", root / groups_file)
    assert code == 0 and "CERTIFIED" in text
    # the same coefficients are not optimal for other groups (contiguous pairs)
    code, text, _ = run(capsys, "certify", root / "dX.npy", out, "--target", root / "dy.npy",
                        "--groups", "2")
    assert code == 1 and "NOT CERTIFIED" in text


def test_path_multitask_with_cv_matches_multitask_lasso_cv(capsys, block_files, tmp_path):
    from sklearn.model_selection import KFold

    root, X, Y, _ = block_files
    out = tmp_path / "p.npz"
    code, text, _ = run(capsys, "path", root / "lin.csv", "--target-column",
                        "Weight,Waist,Pulse", "--model", "multitask", "--n-alphas", "12",
                        "--cv", "4", "--tol", "1e-10", "--max-iter", "100000", "--out", out,
                        "-q")
    assert code == 0 and "12/12 certified" in text
    f = np.load(out)
    assert f["coefs"].shape == (3, 3, 12) and f["intercepts"].shape == (3, 12)
    ref = sc.MultiTaskLassoCV(n_alphas=12, cv=KFold(4, shuffle=True, random_state=0),
                              tol=1e-10, max_iter=100000).fit(X, Y)
    assert float(f["chosen_alpha"]) == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(f["alphas"], ref.alphas_, rtol=1e-12)
    path = sc.multitask_lasso_path(X, Y, n_alphas=12, tol=1e-10, max_iter=100000)
    np.testing.assert_allclose(f["coefs"], path.coefs, rtol=1e-9, atol=1e-12)


def test_path_group_lasso_with_cv(capsys, block_files, tmp_path):
    root, _, _, labels = block_files
    X, y = np.load(root / "dX.npy"), np.load(root / "dy.npy")
    out = tmp_path / "g.npz"
    code, text, _ = run(capsys, "path", root / "dX.npy", "--target", root / "dy.npy",
                        "--model", "group", "--groups", "5", "--n-alphas", "6", "--eps",
                        "0.05", "--cv", "3", "--out", out, "-q")
    assert code == 0 and "6/6 certified" in text
    f = np.load(out)
    ref = sc.group_lasso_path(X, y, groups=5, n_alphas=6, eps=0.05)
    np.testing.assert_allclose(f["alphas"], ref.alphas, rtol=1e-12)
    assert f["coefs"].shape == (10, 6) and float(f["chosen_alpha"]) in ref.alphas


@pytest.mark.parametrize("argv, words", [
    (["fit", "dX.npy", "--target", "dy.npy", "--model", "group", "--groups", "groups9.txt"],
     "--groups groups9.txt: 9 labels but DATA has 10 features"),
    (["fit", "dX.npy", "--target", "dy.npy", "--model", "group"], "needs --groups"),
    (["fit", "dX.npy", "--target", "dy.npy", "--model", "group", "--groups", "3"],
     "--groups 3: contiguous groups"),
    (["fit", "dX.npy", "--target", "dy.npy", "--groups", "groups.txt"],
     "--groups applies to --model group"),
    (["fit", "dX.npy", "--target", "dy.npy", "--model", "group", "--groups", "nope.txt"],
     "not found"),
    (["fit", "lin.csv", "--target-column", "Weight,Waist"], "only --model multitask"),
    (["fit", "lin.csv", "--target-column", "Weight,nope", "--model", "multitask"],
     "no column 'nope'"),
    (["fit", "lin.csv", "--target-column", "Weight,Weight", "--model", "multitask"],
     "names a column twice"),
    (["path", "lin.csv", "--target-column", "Weight,Waist", "--model", "multitask", "--plot",
      "a.png"], "--plot draws one coefficient"),
    (["fit", "dX.npy", "--target", "dy.npy", "--model", "multitask", "--p", "0.5"],
     "--p applies to"),
])
def test_block_model_errors_are_one_line_exit_2(capsys, block_files, monkeypatch, argv, words):
    monkeypatch.chdir(block_files[0])
    code, _, err = run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparsecert: error: ") and words in lines[0], err


def test_multitask_target_with_nan_is_an_error(capsys, block_files, tmp_path):
    root, X, Y, _ = block_files
    Y = Y.copy()
    Y[4, 1] = np.nan
    np.save(tmp_path / "Ynan.npy", Y)
    code, _, err = run(capsys, "fit", root / "linX.npy", "--target", tmp_path / "Ynan.npy",
                       "--model", "multitask")
    assert code == 2 and "y contains NaN" in err


# ---------------------------------------------------------------- multinomial logistic


@pytest.fixture(scope="module")
def iris_files(tmp_path_factory):
    """Standardized iris with string labels: X.npy and y.txt."""
    from sklearn.datasets import load_iris
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    root = tmp_path_factory.mktemp("iris")
    np.save(root / "X.npy", X)
    (root / "y.txt").write_text("\n".join(labels))
    return root, X, labels


def _perturbed(src, dst, suffix):
    """A copy of a coefficient file of fit --out with its largest coefficient x 1.01."""
    if suffix == "npz":
        arrays = dict(np.load(src))
        coef = arrays["coef"]
        coef[np.unravel_index(np.argmax(np.abs(coef)), coef.shape)] *= 1.01
        np.savez(dst, **arrays)
    elif suffix == "json":
        doc = json.loads(src.read_text())
        coef = np.array(doc["coef"])
        k, j = np.unravel_index(np.argmax(np.abs(coef)), coef.shape)
        doc["coef"][k][j] *= 1.01
        dst.write_text(json.dumps(doc))
    else:
        lines = src.read_text().splitlines()
        fields = lines[-1].split(",")
        fields[1] = repr(float(fields[1]) * 1.01 + 0.01)
        lines[-1] = ",".join(fields)
        dst.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("suffix", ["npz", "json", "csv"])
@pytest.mark.parametrize("grouped", [False, True])
def test_fit_multinomial_round_trips_through_certify(capsys, iris_files, tmp_path, suffix,
                                                     grouped):
    root, X, labels = iris_files
    out_file = tmp_path / f"c.{suffix}"
    flag = ["--grouped"] if grouped else []
    code, out, err = run(capsys, "fit", root / "X.npy", "--target", root / "y.txt", "--model",
                         "logistic", *flag, "--alpha", 0.02, "--tol", 1e-8, "--out", out_file)
    assert code == 0, err
    assert "multinomial datafit" in out and "3 classes" in out
    assert "MultinomialCertificate(certified" in out
    penalty = "grouped" if grouped else "l1"
    ref = sc.SparseLogisticRegression(alpha=0.02, penalty=penalty, tol=1e-8).fit(X, labels)
    if suffix == "npz":
        saved = np.load(out_file)
        np.testing.assert_allclose(saved["coef"], ref.coef_, rtol=0, atol=1e-12)
        np.testing.assert_allclose(saved["intercept"], ref.intercept_, rtol=0, atol=1e-12)
        assert list(saved["classes"]) == list(ref.classes_)
    elif suffix == "json":
        doc = json.loads(out_file.read_text())
        np.testing.assert_allclose(doc["coef"], ref.coef_, rtol=0, atol=1e-12)
        assert doc["classes"] == list(ref.classes_) and doc["penalty"] == penalty
    else:
        assert out_file.read_text().splitlines()[0] == "feature,setosa,versicolor,virginica"
    # certify reuses the model, penalty, alpha and tol the file recorded
    code, out, err = run(capsys, "certify", root / "X.npy", out_file, "--target", root / "y.txt")
    assert code == 0, err
    assert "CERTIFIED" in out and ("grouped" in out) == grouped
    bad = tmp_path / f"bad.{suffix}"
    _perturbed(out_file, bad, suffix)
    code, out, err = run(capsys, "certify", root / "X.npy", bad, "--target", root / "y.txt")
    assert code == 1, (out, err)
    assert "NOT CERTIFIED" in out


def test_fit_one_vs_rest_prints_each_class(capsys, iris_files):
    root, X, labels = iris_files
    code, out, err = run(capsys, "fit", root / "X.npy", "--target", root / "y.txt", "--model",
                         "logistic", "--multi-class", "ovr", "--alpha", 0.01, "--tol", 1e-8)
    assert code == 0, err
    assert "one-vs-rest" in out and out.count("against the rest") == 3
    ref = sc.SparseLogisticRegression(alpha=0.01, multi_class="ovr", tol=1e-8).fit(X, labels)
    for c, cert in zip(ref.classes_, ref.certificate_):
        assert f"class {c} against the rest" in out
        assert f"objective={cert.objective:.10g}" in out


def test_path_multinomial_with_cv(capsys, iris_files, tmp_path):
    from scipy.special import logsumexp
    from sklearn.model_selection import StratifiedKFold

    root, X, labels = iris_files
    out_file = tmp_path / "p.npz"
    code, out, err = run(capsys, "path", root / "X.npy", "--target", root / "y.txt", "--model",
                         "logistic", "--n-alphas", 8, "--eps", 0.01, "--tol", 1e-8, "--cv", 3,
                         "--out", out_file, "--quiet")
    assert code == 0, err
    assert "8/8 certified" in out and "held-out log-loss" in out
    saved = np.load(out_file)
    ref = sc.multinomial_path(X, labels, n_alphas=8, eps=0.01, tol=1e-8)
    assert saved["coefs"].shape == (3, 4, 8) and saved["intercepts"].shape == (3, 8)
    np.testing.assert_allclose(saved["alphas"], ref.alphas)
    np.testing.assert_allclose(saved["coefs"], ref.coefs, rtol=0, atol=1e-10)
    assert list(saved["classes"]) == list(ref.classes) and saved["certified"].all()
    # the choice: the smallest mean held-out multinomial log-loss over the same folds
    classes, yi = np.unique(labels, return_inverse=True)
    folds = StratifiedKFold(3, shuffle=True, random_state=0).split(X, labels)
    loss = np.zeros(8)
    for train, test in folds:
        part = sc.multinomial_path(X[train], labels[train], alphas=ref.alphas, tol=1e-8)
        for k in range(8):
            Z = X[test] @ part.coefs[..., k].T + part.intercepts[:, k]
            loss[k] += np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(test)), yi[test]]) / 3
    assert saved["chosen_alpha"].item() == ref.alphas[int(np.argmin(loss))]
    np.testing.assert_allclose(saved["cv_score"], loss, rtol=1e-6)


@pytest.mark.parametrize("argv, words", [
    (["fit", "X.npy", "--target", "y.txt", "--model", "lasso", "--grouped"],
     "--grouped applies to --model logistic"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--grouped", "--p", "0.5"],
     "give --grouped or --p"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--grouped", "--multi-class",
      "ovr"], "not with --multi-class ovr"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "enet", "--multi-class", "ovr"],
     "--multi-class applies to --model logistic"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--p", "0.5", "--alpha",
      "0.1"], "add --multi-class ovr"),
    (["path", "X.npy", "--target", "y.txt", "--model", "logistic", "--multi-class", "ovr",
      "--plot", "a.png"], "a one-vs-rest path has one per class"),
    (["certify", "X.npy", "two.npz", "--target", "y.txt", "--model", "logistic",
      "--multi-class", "ovr", "--alpha", "0.1"], "y has 3 classes, so two.npz must hold 3 rows"),
    (["path", "X.npy", "--target", "y.txt", "--model", "logistic", "--plot", "a.png"],
     "a multinomial path has one per class"),
    (["certify", "X.npy", "two.npz", "--target", "y.txt", "--model", "logistic", "--alpha",
      "0.1"], "y has 3 classes, so two.npz must hold 3 rows"),
    (["certify", "X.npy", "other.json", "--target", "y.txt"], "but y's classes are"),
])
def test_multinomial_errors_are_one_line_exit_2(capsys, iris_files, monkeypatch, argv, words):
    root = iris_files[0]
    monkeypatch.chdir(root)
    np.savez(root / "two.npz", coef=np.ones((2, 4)), intercept=np.zeros(2))
    (root / "other.json").write_text(json.dumps(dict(
        model="logistic", alpha=0.1, classes=["a", "b", "c"], coef=np.ones((3, 4)).tolist())))
    code, _, err = run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparsecert: error: ") and words in lines[0], err


# ---------------------------------------------------------------- group penalties (issue 16, 6)

def _load_saved(path):
    """(coef, intercept) of a fit --out file of any suffix."""
    from sparsecert.cli.coef_files import load_coef

    coef, intercept, _ = load_coef(path)
    return coef, intercept


@pytest.mark.parametrize("suffix", ["npz", "json", "csv"])
def test_fit_sparse_group_lasso_round_trips_through_certify(capsys, block_files, tmp_path,
                                                            suffix):
    root, _, _, labels = block_files
    X, y = np.load(root / "dX.npy"), np.load(root / "dy.npy")
    data = [root / "dX.npy", "--target", root / "dy.npy"]
    out = tmp_path / f"sgl.{suffix}"
    code, text, err = run(capsys, "fit", *data, "--model", "group", "--groups",
                          root / "groups.txt", "--l1-ratio", 0.4, "--alpha", 0.3, "--tol", 1e-9,
                          "--max-iter", 100000, "--out", out)
    assert code == 0, err
    assert "sparse-group lasso penalty, 5 groups, l1_ratio=0.4" in text
    ref = sc.SparseGroupLasso(0.3, groups=labels, l1_ratio=0.4, tol=1e-9,
                              max_iter=100000).fit(X, y)
    coef, intercept = _load_saved(out)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-7, atol=1e-9)
    assert intercept == pytest.approx(ref.intercept_, rel=1e-9)
    # certify reuses model, alpha, l1_ratio and tol; --groups names the groups again
    code, text, err = run(capsys, "certify", *data, out, "--groups", root / "groups.txt")
    assert code == 0 and "CERTIFIED" in text and "l1_ratio=0.4" in text, err
    # the same coefficients are not the group lasso's (l1_ratio 0) ...
    code, text, _ = run(capsys, "certify", *data, out, "--groups", root / "groups.txt",
                        "--l1-ratio", 0)
    assert code == 1 and "NOT CERTIFIED" in text
    # ... and a perturbed copy is not the sparse-group lasso's
    if suffix == "npz":
        bad = tmp_path / "bad.npz"
        _perturbed(out, bad, suffix)
        code, text, _ = run(capsys, "certify", *data, bad, "--groups", root / "groups.txt")
        assert code == 1 and "NOT CERTIFIED" in text


@pytest.mark.parametrize("n_classes", [2, 3])
def test_fit_group_logistic_round_trips_through_certify(capsys, iris_files, tmp_path, n_classes):
    root, X, labels = iris_files
    if n_classes == 2:
        labels = np.where(labels == "setosa", "setosa", "other")
    (tmp_path / "y.txt").write_text("\n".join(labels))
    (tmp_path / "g.txt").write_text("a\na\nb\nb\n")
    data = [root / "X.npy", "--target", tmp_path / "y.txt"]
    out = tmp_path / "c.npz"
    code, text, err = run(capsys, "fit", *data, "--model", "logistic", "--groups",
                          tmp_path / "g.txt", "--l1-ratio", 0.3, "--alpha", 0.02, "--tol", 1e-9,
                          "--max-iter", 100000, "--out", out)
    assert code == 0, err
    assert "sparse-group lasso penalty, 2 groups, l1_ratio=0.3" in text
    assert ("one-vs-rest" in text) == (n_classes == 3)
    ref = sc.GroupLogisticRegression(0.02, groups=[0, 0, 1, 1], l1_ratio=0.3, tol=1e-9,
                                     max_iter=100000).fit(X, labels)
    coef, intercept = _load_saved(out)
    np.testing.assert_allclose(coef, ref.coef_.squeeze(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(intercept, ref.intercept_.squeeze(), rtol=1e-7)
    code, text, err = run(capsys, "certify", *data, out, "--groups", tmp_path / "g.txt")
    assert code == 0 and "CERTIFIED" in text, err
    assert text.count("against the rest") == (3 if n_classes == 3 else 0)
    bad = tmp_path / "bad.npz"
    _perturbed(out, bad, "npz")
    code, text, _ = run(capsys, "certify", *data, bad, "--groups", tmp_path / "g.txt")
    assert code == 1 and "NOT CERTIFIED" in text
    code, _, err = run(capsys, "certify", *data, out)
    assert code == 2 and "needs --groups" in err


def test_fit_one_vs_rest_l1_round_trips_through_certify(capsys, iris_files, tmp_path):
    root, X, labels = iris_files
    data = [root / "X.npy", "--target", root / "y.txt"]
    out = tmp_path / "ovr.json"
    code, _, err = run(capsys, "fit", *data, "--model", "logistic", "--multi-class", "ovr",
                       "--alpha", 0.01, "--tol", 1e-9, "--out", out)
    assert code == 0, err
    doc = json.loads(out.read_text())
    assert doc["multi_class"] == "ovr" and doc["certificate"]["certified"]
    code, text, err = run(capsys, "certify", *data, out)
    assert code == 0 and text.count("against the rest") == 3 and "CERTIFIED" in text, err
    bad = tmp_path / "bad.json"
    _perturbed(out, bad, "json")
    code, text, _ = run(capsys, "certify", *data, bad)
    assert code == 1 and "NOT CERTIFIED: class" in text


def test_path_sparse_group_lasso_with_cv(capsys, block_files, tmp_path):
    from sklearn.model_selection import KFold

    root, _, _, labels = block_files
    X, y = np.load(root / "dX.npy"), np.load(root / "dy.npy")
    out = tmp_path / "p.npz"
    code, text, err = run(capsys, "path", root / "dX.npy", "--target", root / "dy.npy",
                          "--model", "group", "--groups", root / "groups.txt", "--l1-ratio", 0.5,
                          "--n-alphas", 6, "--eps", 0.05, "--tol", 1e-9, "--cv", 3, "--out",
                          out, "-q")
    assert code == 0 and "6/6 certified" in text, err
    f = np.load(out)
    ref = sc.sparse_group_lasso_path(X, y, groups=labels, l1_ratio=0.5, n_alphas=6, eps=0.05,
                                     tol=1e-9)
    np.testing.assert_allclose(f["alphas"], ref.alphas, rtol=1e-12)
    np.testing.assert_allclose(f["coefs"], ref.coefs, rtol=1e-9, atol=1e-12)
    cv = sc.SparseGroupLassoCV(groups=labels, l1_ratio=0.5, alphas=ref.alphas, tol=1e-9,
                               cv=KFold(3, shuffle=True, random_state=0)).fit(X, y)
    assert f["chosen_alpha"].item() == cv.alpha_


@pytest.mark.parametrize("groups", [None, "2"])
def test_path_one_vs_rest_with_cv(capsys, iris_files, tmp_path, groups):
    """One path per class on one grid (L1, or the group lasso with --groups); the
    CV choice: the smallest mean over the classes of each binary problem's
    held-out log-loss, over the same folds."""
    from sklearn.model_selection import StratifiedKFold

    root, X, labels = iris_files
    out = tmp_path / "p.npz"
    extra = ["--multi-class", "ovr"] if groups is None else ["--groups", groups]
    code, text, err = run(capsys, "path", root / "X.npy", "--target", root / "y.txt", "--model",
                          "logistic", *extra, "--n-alphas", 5, "--eps", 0.05, "--tol", 1e-9,
                          "--cv", 3, "--out", out, "-q")
    assert code == 0 and "5/5 certified" in text and "one-vs-rest" in text, err
    f = np.load(out)
    classes = np.unique(labels)

    def paths(Xp, yp, alphas=None):
        if groups is not None:
            return sc.group_logistic_path(Xp, yp, groups=2, alphas=alphas, n_alphas=5,
                                          eps=0.05, tol=1e-9)
        if alphas is None:
            top = max(sc.alpha_max(Xp, np.where(yp == c, 1.0, -1.0), datafit="logistic")
                      for c in classes)
            alphas = np.geomspace(top, 0.05 * top, 5)
        res = [sc.logistic_path(Xp, np.where(yp == c, 1.0, -1.0), alphas=alphas, tol=1e-9)
               for c in classes]
        return np.stack([r.coefs for r in res]), np.stack([r.intercepts for r in res]), alphas

    if groups is not None:
        ref = paths(X, labels)
        coefs, alphas = ref.coefs, ref.alphas
    else:
        coefs, _, alphas = paths(X, labels)
    assert f["coefs"].shape == (3, 4, 5) and list(f["classes"]) == list(classes)
    np.testing.assert_allclose(f["alphas"], alphas, rtol=1e-12)
    np.testing.assert_allclose(f["coefs"], coefs, rtol=1e-7, atol=1e-9)
    loss = np.zeros(5)
    for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(X, labels):
        part = paths(X[train], labels[train], alphas)
        W, B = (part.coefs, part.intercepts) if groups is not None else part[:2]
        for c, label in enumerate(classes):
            sign = np.where(labels[test] == label, 1.0, -1.0)[:, None]
            z = X[test] @ W[c] + B[c][None, :]
            loss += np.logaddexp(0.0, -sign * z).mean(axis=0) / 9
    np.testing.assert_allclose(f["cv_score"], loss, rtol=1e-6)
    assert f["chosen_alpha"].item() == alphas[int(np.argmin(loss))]


@pytest.mark.parametrize("argv, words", [
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--groups", "2", "--p",
      "0.5"], "give --groups (the group penalties) or --p"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--groups", "2",
      "--grouped"], "give --groups (the group penalties) or --grouped"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--groups", "2",
      "--multi-class", "multinomial"], "use --multi-class ovr"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--groups", "3"],
     "--groups 3: contiguous groups"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "logistic", "--groups", "g3.txt"],
     "--groups g3.txt: 3 labels but DATA has 4 features"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "group", "--groups", "2", "--l1-ratio",
      "1.5"], "--l1-ratio must be in [0, 1]"),
    (["fit", "X.npy", "--target", "y.txt", "--model", "lasso", "--l1-ratio", "0.5"],
     "--l1-ratio applies to"),
])
def test_group_penalty_errors_are_one_line_exit_2(capsys, iris_files, monkeypatch, argv, words):
    root = iris_files[0]
    monkeypatch.chdir(root)
    (root / "g3.txt").write_text("a\na\nb\n")
    code, _, err = run(capsys, *argv)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparsecert: error: ") and words in lines[0], err
