"""Reading data sets: the file formats of the command line's DATA argument.

:func:`load_data` reads X and y into a :class:`Dataset`; :func:`load_vector`
reads one 1-D array (a target, or coefficients); :func:`data_from_args` reads
the DATA a command's options name and :func:`describe_data` is the summary
line every command prints. Every failure raises :class:`CLIError` with a
one-line message naming the file and what is wrong.

Data formats (chosen by the file name, or by ``fmt``):

* svmlight / libsvm text (any other name; ``.gz`` and ``.bz2`` are read
  compressed), through :func:`sklearn.datasets.load_svmlight_file`;
* ``.npz``: a scipy sparse matrix saved by :func:`scipy.sparse.save_npz`
  (y from ``target``); arrays ``X`` and ``y``; or CSR parts ``X_data``,
  ``X_indices``, ``X_indptr``, ``X_shape`` and ``y`` (the layout of the
  shared data sets). ``feature_names``, when present, names the features;
* ``.npy``: X as a 2-D array, y from ``target`` (a ``.npy`` or a one-column
  text file);
* ``.csv`` / ``.tsv``: a header row of column names, numbers below; y is the
  column ``target_column``, every other column is a feature.
"""

import csv
import os
from dataclasses import dataclass, field

import numpy as np

from .errors import CLIError


@dataclass
class Dataset:
    """X, y and what the summary says about them."""

    X: object
    y: np.ndarray
    feature_names: list = None
    source: str = ""
    info: dict = field(default_factory=dict)
    target_names: list = None  # the columns of a 2-D y (several targets), when named

    @property
    def nnz(self):
        if _is_sparse(self.X):
            return int(self.X.nnz)
        return int(np.count_nonzero(self.X))


_COMPRESSED = (".gz", ".bz2")


def stem_suffix(path):
    """The meaningful suffix of ``path``: ``.svm`` for ``a.svm.gz``."""
    name = os.path.basename(str(path)).lower()
    for comp in _COMPRESSED:
        if name.endswith(comp):
            name = name[: -len(comp)]
    return os.path.splitext(name)[1]


def detect_format(path):
    """"npz", "npy", "csv" or "svmlight" from the file name."""
    suffix = stem_suffix(path)
    if suffix == ".npz":
        return "npz"
    if suffix == ".npy":
        return "npy"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "svmlight"


def check_exists(path, what):
    if not os.path.exists(path):
        raise CLIError(f"{what} file not found: {path}")
    if os.path.isdir(path):
        raise CLIError(f"{what} path is a directory, not a file: {path}")


def load_data(path, *, fmt="auto", target=None, target_column=None, target_key="y",
              n_features=None, delimiter=None):
    """Read a data set; see the module docstring for the formats.

    Parameters
    ----------
    path : str
    fmt : {"auto", "svmlight", "npz", "npy", "csv"}
    target : str, optional
        A ``.npy`` or one-column text file holding y (required for ``.npy`` X
        and for a scipy sparse ``.npz``; overrides y for the other formats).
    target_column : str, optional
        CSV: the name (or 0-based index) of the target column.
    target_key : str, default="y"
        ``.npz``: the array holding y.
    n_features : int, optional
        svmlight: the number of features (files whose largest index is below
        the true width, such as a test split, need it).
    delimiter : str, optional
        CSV delimiter (default: "," for .csv, tab for .tsv).

    Returns
    -------
    Dataset
    """
    path = str(path)
    check_exists(path, "data")
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt == "csv":
        data = _load_csv(path, target_column, delimiter)
    elif target_column is not None:
        raise CLIError(f"--target-column is for CSV files; {path} is read as {fmt}")
    elif fmt == "npz":
        data = _load_npz(path, target_key, need_y=target is None)
    elif fmt == "npy":
        data = _load_npy(path, target)
    elif fmt == "svmlight":
        data = _load_svmlight(path, n_features)
    else:
        raise CLIError(f"unknown data format {fmt!r}")
    if n_features is not None and fmt != "svmlight":
        raise CLIError("--n-features is for svmlight files")
    if target is not None:
        data.y, data.target_names = load_target(target)
        data.source += f", y from {target}"
    _check_shapes(data, path)
    return data


def _check_shapes(data, path):
    X, y = data.X, data.y
    if getattr(X, "ndim", 2) != 2:
        raise CLIError(f"{path}: X must be 2-D; got shape {X.shape}")
    if y is None:
        raise CLIError(f"{path}: no target y (give --target FILE)")
    if y.ndim not in (1, 2):
        raise CLIError(f"{path}: y must be one column (or several, for --model multitask); "
                       f"got shape {y.shape}")
    if X.shape[0] != y.shape[0]:
        raise CLIError(f"inconsistent shapes: X has {X.shape[0]} rows but y has "
                       f"{y.shape[0]} values")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise CLIError(f"{path}: empty data (X has shape {X.shape})")
    if data.feature_names is not None and len(data.feature_names) != X.shape[1]:
        data.feature_names = None


def _load_svmlight(path, n_features):
    from sklearn.datasets import load_svmlight_file

    try:
        X, y = load_svmlight_file(path, n_features=n_features)
    except ValueError as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        hint = ""
        if "n_features" in msg:
            hint = " (raise --n-features)"
        raise CLIError(f"{path}: not a valid svmlight/libsvm file: {msg}{hint}") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CLIError(f"{path}: cannot read as svmlight/libsvm: {exc}") from None
    return Dataset(X.tocsc(), np.asarray(y, dtype=np.float64), None, f"{path} (svmlight)")


def open_npz(path):
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:  # zipfile.BadZipFile, ValueError, OSError
        raise CLIError(f"{path}: cannot read as .npz: {exc}") from None


def _load_npz(path, target_key, need_y):
    import scipy.sparse as sp

    with open_npz(path) as f:
        keys = set(f.files)
        names = _names(_get(f, "feature_names", path)) if "feature_names" in keys else None
        y = np.asarray(_get(f, target_key, path)) if target_key in keys else None
        if {"format", "shape", "data"} <= keys:
            try:
                X = sp.load_npz(path)
            except Exception as exc:
                raise CLIError(f"{path}: bad scipy sparse .npz: {exc}") from None
            kind = "scipy sparse"
        elif {"X_data", "X_indices", "X_indptr", "X_shape"} <= keys:
            try:
                X = sp.csr_matrix((f["X_data"], f["X_indices"], f["X_indptr"]),
                                  shape=tuple(int(s) for s in f["X_shape"]))
            except Exception as exc:
                raise CLIError(f"{path}: bad CSR parts X_data/X_indices/X_indptr/X_shape: "
                               f"{exc}") from None
            kind = "CSR parts"
        elif "X" in keys:
            X = np.asarray(f["X"])
            kind = "arrays"
        else:
            raise CLIError(f"{path}: no X in this .npz (found {sorted(keys)}); expected a "
                           f"scipy.sparse.save_npz file, arrays X and y, or X_data/X_indices/"
                           f"X_indptr/X_shape")
    if y is None and need_y:
        raise CLIError(f"{path}: no array {target_key!r} for y (found {sorted(keys)}); "
                       f"give --target FILE or --target-key NAME")
    X = _as_float_matrix(X, path)
    return Dataset(X, _as_target(y, path), names, f"{path} (.npz, {kind})")


def _get(f, key, path):
    try:
        return f[key]
    except ValueError as exc:  # object arrays need pickle, which we never allow
        raise CLIError(f"{path}: cannot read array {key!r}: {exc}") from None


def _as_float_matrix(X, path):
    import scipy.sparse as sp

    if sp.issparse(X):
        if X.dtype.kind not in "fiub":
            raise CLIError(f"{path}: X is not numeric (dtype {X.dtype})")
        return X.tocsc().astype(np.float64) if X.dtype.kind != "f" else X.tocsc()
    if X.dtype.kind not in "fiub":
        raise CLIError(f"{path}: X is not numeric (dtype {X.dtype})")
    return X if X.dtype.kind == "f" else X.astype(np.float64)


def _as_target(y, path):
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim == 2 and 1 in y.shape:
        y = y.ravel()
    if y.dtype.kind in "fiub":
        return y.astype(np.float64)
    return y  # class labels (strings): fine for the logistic model


def _names(arr):
    return [str(v) for v in np.asarray(arr).ravel()]


def _load_npy(path, target):
    if target is None:
        raise CLIError(f"{path}: a .npy file holds X only; give y with --target FILE.npy")
    try:
        X = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise CLIError(f"{path}: cannot read as .npy: {exc}") from None
    return Dataset(_as_float_matrix(np.asarray(X), path), None, None, f"{path} (.npy)")


def read_csv_rows(path, delimiter):
    if delimiter is None:
        delimiter = "\t" if stem_suffix(path) == ".tsv" else ","
    opener = _opener(path)
    try:
        with opener(path, "rt", newline="") as fh:
            rows = [row for row in csv.reader(fh, delimiter=delimiter) if row]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CLIError(f"{path}: cannot read as CSV: {exc}") from None
    return rows


def _opener(path):
    name = str(path).lower()
    if name.endswith(".gz"):
        import gzip

        return gzip.open
    if name.endswith(".bz2"):
        import bz2

        return bz2.open
    return open


def _floats(rows, path, header, first_line):
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError:
        pass
    width = len(header)
    for i, row in enumerate(rows):
        if len(row) != width:
            raise CLIError(f"{path}: line {i + first_line} has {len(row)} fields, "
                           f"the header has {width}")
        for j, value in enumerate(row):
            try:
                float(value)
            except ValueError:
                raise CLIError(f"{path}: line {i + first_line}, column {header[j]!r}: "
                               f"{value!r} is not a number") from None
    raise CLIError(f"{path}: not a numeric table")


def _load_csv(path, target_column, delimiter):
    rows = read_csv_rows(path, delimiter)
    if len(rows) < 2:
        raise CLIError(f"{path}: a CSV needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    if target_column is None:
        raise CLIError(f"{path}: name the target with --target-column (columns: "
                       f"{_short_list(header)})")
    # "a,b": several target columns (--model multitask), unless a column has that name
    wanted = [target_column] if target_column in header else target_column.split(",")
    ts = [_column_index(header, name.strip(), path) for name in wanted]
    if len(set(ts)) != len(ts):
        raise CLIError(f"{path}: --target-column names a column twice")
    body = rows[1:]
    targets = [[row[t] if t < len(row) else "" for t in ts] for row in body]
    features = [[v for j, v in enumerate(row) if j not in ts] for row in body]
    names = [h for j, h in enumerate(header) if j not in ts]
    shown = ", ".join(repr(header[t]) for t in ts)
    if not names:
        raise CLIError(f"{path}: no feature columns besides the target {shown}")
    X = _floats(features, path, names, 2)
    if len(ts) > 1:
        y = _floats(targets, path, [header[t] for t in ts], 2)
        return Dataset(X, y, names, f"{path} (CSV, target columns {shown})",
                       target_names=[header[t] for t in ts])
    target = [row[0] for row in targets]
    try:
        y = np.array(target, dtype=np.float64)
    except ValueError:
        y = np.array([v.strip() for v in target])  # class labels
    return Dataset(X, y, names, f"{path} (CSV, target column {shown})")


def _column_index(header, name, path):
    """The index of the column ``name`` (a name or a 0-based index)."""
    if name in header:
        return header.index(name)
    if name.lstrip("-").isdigit() and -len(header) <= int(name) < len(header):
        return int(name) % len(header)
    raise CLIError(f"{path}: no column {name!r} (columns: {_short_list(header)})")


def _short_list(items, limit=8):
    items = list(items)
    shown = ", ".join(repr(s) for s in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def load_vector(path, what):
    """A 1-D array from ``.npy`` or a one-column text/CSV file (header optional)."""
    v, _ = _load_table(path, what, several=False)
    if v.ndim != 1:
        raise CLIError(f"{path}: {what} must be 1-D; got shape {v.shape}")
    return v


def load_target(path):
    """(y, column names or None): one column as :func:`load_vector`, or several
    (a 2-D ``.npy``, or a numeric CSV with an optional header row), y then 2-D
    of shape (n_samples, n_targets), for --model multitask."""
    y, names = _load_table(path, "target", several=True)
    if y.ndim > 2:
        raise CLIError(f"{path}: target must be one column or several; got shape {y.shape}")
    return y, names


def _load_table(path, what, several):
    """(values, column names or None) of ``.npy`` or a text/CSV file of one
    column (or of several if ``several``)."""
    path = str(path)
    check_exists(path, what)
    names = None
    if stem_suffix(path) == ".npy":
        try:
            v = np.load(path, allow_pickle=False)
        except Exception as exc:
            raise CLIError(f"{path}: cannot read as .npy: {exc}") from None
    else:
        rows = read_csv_rows(path, None)
        if rows and len(rows[0]) > 1 and several:
            if _is_header(rows[0]):
                names, rows = [c.strip() for c in rows[0]], rows[1:]
            return _floats(rows, path, names or [str(j) for j in range(len(rows[0]))],
                           2 if names else 1), names
        if rows and len(rows[0]) == 1:
            cells = [r[0].strip() for r in rows if len(r) == 1]
        else:
            raise CLIError(f"{path}: expected one column of values")
        try:
            v = np.array(cells, dtype=np.float64)
        except ValueError:
            try:
                v = np.array(cells[1:], dtype=np.float64)  # a header line, then numbers
            except ValueError:
                v = np.array(cells)  # class labels (no header line is assumed)
    v = np.asarray(v)
    if v.ndim == 2 and 1 in v.shape:
        v = v.ravel()
    return (v.astype(np.float64) if v.dtype.kind in "iub" else v), names


def _is_header(row):
    """True unless every cell of ``row`` is a number."""
    try:
        [float(c) for c in row]
    except ValueError:
        return True
    return False


def load_groups(spec, n_features):
    """The groups of ``--groups``: an int k (contiguous groups of k features)
    when ``spec`` is a positive integer and no such file exists, else a file
    of one label per feature (``.npy``, or text with one label per line or
    one comma-separated row). A ``CLIError`` naming ``--groups`` when the
    number of labels is not ``n_features``."""
    spec = str(spec)
    if spec.isdigit() and not os.path.exists(spec):
        size = int(spec)
        if size < 1 or n_features % size:
            raise CLIError(f"--groups {size}: contiguous groups of {size} features need a "
                           f"number of features that {size} divides; DATA has {n_features}")
        return size
    check_exists(spec, "--groups")
    if stem_suffix(spec) == ".npy":
        try:
            labels = np.load(spec, allow_pickle=False)
        except Exception as exc:
            raise CLIError(f"--groups {spec}: cannot read as .npy: {exc}") from None
        labels = np.asarray(labels).ravel()
    else:
        rows = read_csv_rows(spec, None)
        cells = rows[0] if len(rows) == 1 else [r[0] for r in rows if len(r) == 1]
        if len(rows) > 1 and any(len(r) != 1 for r in rows):
            raise CLIError(f"--groups {spec}: expected one label per line, or one "
                           f"comma-separated row of labels")
        labels = np.array([c.strip() for c in cells])
        try:
            labels = labels.astype(np.int64)
        except ValueError:
            pass  # string labels: fine
    if labels.shape[0] != n_features:
        raise CLIError(f"--groups {spec}: {labels.shape[0]} labels but DATA has {n_features} "
                       f"features (one label per feature, no header line)")
    return labels


def data_from_args(args):
    """The Dataset named by a command's DATA argument and its data-file options."""
    return load_data(args.data, fmt=args.format, target=args.target,
                     target_column=args.target_column, target_key=args.target_key,
                     n_features=args.n_features, delimiter=args.delimiter)


def describe_data(data):
    """The ``data: ...`` line: source, shape, non-zeros and storage."""
    n, p = data.X.shape
    density = data.nnz / float(n * p)
    return (f"data: {data.source}: n_samples={n}, n_features={p}, nnz={data.nnz} "
            f"({100 * density:.3g}% of entries{'; sparse storage' if _is_sparse(data.X) else ''})")


def _is_sparse(X):
    import scipy.sparse as sp

    return sp.issparse(X)
