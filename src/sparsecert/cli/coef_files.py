"""Reading and writing coefficient files: what ``certify`` reads and ``fit --out`` writes.

:func:`load_coef` reads coefficients from any tool (``.npz`` holding
``coef``, ``.npy``, ``.json``, or a one- or two-column CSV) together with
what ``fit --out`` recorded about the problem; :func:`save_coef` writes
``.npz``, ``.json`` or ``.csv`` with the certificate's summary. Every
failure raises :class:`CLIError` with a one-line message naming the file.
"""

import csv
import json
import os

import numpy as np

from .data_files import check_exists, load_vector, open_npz, read_csv_rows, stem_suffix
from .errors import CLIError

INTERCEPT_NAMES = ("(intercept)", "intercept", "_intercept", "b")

# what `fit --out` records about the problem, for `certify` to reuse
META_KEYS = ("model", "alpha", "l1_ratio", "p", "fit_intercept", "tol", "penalty",
             "multi_class", "classes")
# the string-valued ones (--model logistic also records its penalty kind, how it
# fits more than two classes and, for those, the class labels: coef's rows)
_TEXT_KEYS = ("model", "penalty", "multi_class")
# a CSV carries them in a comment line right below its column header,
# "# sparsecert model=lasso alpha=0.3 ...": below it, not above, so that
# np.loadtxt(skiprows=1), np.genfromtxt(names=True) and pandas
# read_csv(comment="#") still read the table
CSV_META_PREFIX = "# sparsecert"


def load_coef(path):
    """Coefficients from ``.npz`` / ``.npy`` / ``.json`` / CSV.

    Returns
    -------
    coef : ndarray of shape (n_features,) or (n_tasks, n_features)
        The latter for a multi-task model (several coefficient columns).
    intercept : float, ndarray of shape (n_tasks,) or None
        None when the file holds none.
    meta : dict
        What ``fit --out`` recorded about the problem (model, alpha,
        l1_ratio, p, fit_intercept, tol), for ``certify`` to reuse; empty for
        other files (a CSV from another tool, an ``.npy``).
    """
    path = str(path)
    check_exists(path, "coefficient")
    suffix = stem_suffix(path)
    meta = {}
    intercept = None
    if suffix == ".npz":
        coef, intercept, meta = _coef_from_npz(path)
    elif suffix == ".npy":
        coef = load_vector(path, "coefficient")
    elif suffix == ".json":
        coef, intercept, meta = _coef_from_json(path)
    else:
        coef, intercept, meta = _coef_from_csv(path)
    coef = _as_coef_vector(coef, path)
    if intercept is not None:
        intercept = _as_intercept(intercept, path)
    # last: a file wrong in several ways reports its shape or intercept first
    if not np.all(np.isfinite(coef)):
        raise CLIError(f"{path}: coefficients contain NaN or infinity")
    return coef, intercept, meta


def _coef_from_npz(path):
    """(coef, intercept or None, meta) from arrays ``coef``, ``intercept`` and META_KEYS."""
    intercept = None
    meta = {}
    with open_npz(path) as f:
        if "coef" not in f.files:
            raise CLIError(f"{path}: no array 'coef' (found {sorted(f.files)})")
        coef = np.asarray(f["coef"])
        if "intercept" in f.files:
            intercept = f["intercept"]
        for key in META_KEYS:
            if key in f.files:
                value = f[key]
                meta[key] = value.tolist() if value.ndim else value.item()
    return coef, intercept, meta


def _coef_from_json(path):
    """(coef, intercept or None, meta) from a ``coef`` list, a ``{name: value}`` map or a bare list."""
    try:
        with open(path) as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise CLIError(f"{path}: cannot read as JSON: {exc}") from None
    if isinstance(doc, list):
        doc = {"coef": doc}
    if not isinstance(doc, dict) or "coef" not in doc:
        raise CLIError(f"{path}: JSON needs a 'coef' list (or is the list itself)")
    coef = doc["coef"]
    if isinstance(coef, dict):  # {"name": value}
        coef = list(coef.values())
    meta = {k: doc[k] for k in META_KEYS if doc.get(k) is not None}
    return coef, doc.get("intercept"), meta


def _coef_from_csv(path):
    """One column (header optional), or name,value rows with an optional intercept row.

    Returns (coef, intercept or None, meta): lines starting with ``#`` are
    comments; the one ``fit --out`` writes (:data:`CSV_META_PREFIX`) gives meta.
    """
    rows = [[c.strip() for c in r] for r in read_csv_rows(path, None)]
    comments = [r[0] for r in rows if r[0].startswith("#")]
    rows = [r for r in rows if not r[0].startswith("#")]
    meta = {}
    for line in comments:
        if line.startswith(CSV_META_PREFIX):
            meta.update(_parse_csv_meta(line[len(CSV_META_PREFIX):], path))
    if not rows:
        raise CLIError(f"{path}: empty file")
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise CLIError(f"{path}: rows have different numbers of fields")

    def number(s):
        try:
            return float(s)
        except ValueError:
            return None

    if number(rows[0][-1]) is None:
        if width > 2 and meta.get("model") == "logistic":
            meta["classes"] = rows[0][1:]  # fit --out's columns: one per class
        rows = rows[1:]  # header
    # one column: the coefficients; two: name, coef; more: name, then one
    # coefficient per task (a multi-task model's CSV, as fit --out writes it)
    first = 0 if width == 1 else 1
    coef, intercept = [], None
    for row in rows:
        values = [number(v) for v in row[first:]]
        bad = [v for v, x in zip(row[first:], values) if x is None]
        if bad:
            raise CLIError(f"{path}: {bad[0]!r} is not a number")
        if width > 1 and row[0].lower() in INTERCEPT_NAMES:
            intercept = values if width > 2 else values[0]
        else:
            coef.append(values if width > 2 else values[0])
    if width > 2:  # (n_features, n_tasks) rows: scikit-learn's (n_tasks, n_features)
        coef = np.asarray(coef, dtype=np.float64).reshape(-1, width - 1).T
    return coef, intercept, meta


def _csv_meta_line(meta):
    """``# sparsecert key=value ...`` of ``meta`` (repr keeps every digit of a float)."""
    # the class labels are the CSV's column names, not a field here
    fields = [f"{k}={v if isinstance(v, (str, bool)) else repr(float(v))}"
              for k, v in meta.items() if k in META_KEYS and v is not None and np.ndim(v) == 0]
    return " ".join([CSV_META_PREFIX] + fields)


def _parse_csv_meta(text, path):
    """The META_KEYS of ``key=value`` words (other words are ignored)."""
    meta = {}
    for word in text.split():
        key, sep, value = word.partition("=")
        if not sep or key not in META_KEYS or key == "classes":
            continue
        if key in _TEXT_KEYS:
            meta[key] = value
        elif key == "fit_intercept":
            meta[key] = value == "True"
        else:
            try:
                meta[key] = float(value)
            except ValueError:
                raise CLIError(f"{path}: {key}={value!r} in the '{CSV_META_PREFIX}' line "
                               f"is not a number") from None
    return meta


def _as_coef_vector(coef, path):
    """``coef`` as a float64 array: 1-D (a single row or column is flattened),
    or 2-D of shape (n_tasks, n_features) for a multi-task model."""
    try:
        coef = np.asarray(coef, dtype=np.float64)
    except (TypeError, ValueError):
        raise CLIError(f"{path}: coefficients are not numbers") from None
    if coef.ndim == 2 and 1 in coef.shape:
        coef = coef.ravel()
    if coef.ndim not in (1, 2):
        raise CLIError(f"{path}: coef must be 1-D (one model) or 2-D (n_tasks, n_features); "
                       f"got shape {coef.shape}")
    return coef


def _as_intercept(intercept, path):
    """One number, or one per task (an array) for a multi-task model."""
    try:
        arr = np.asarray(intercept, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise CLIError(f"{path}: the intercept is not a number") from None
    if arr.size == 0:
        raise CLIError(f"{path}: intercept must be one number (one per task for a "
                       f"multi-task model); got none")
    if not np.all(np.isfinite(arr)):
        raise CLIError(f"{path}: intercept contains NaN or infinity")
    return float(arr[0]) if arr.size == 1 else arr


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if np.isfinite(value) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def certificate_summary(cert):
    """The scalar facts of a certificate, for result files; for one-vs-rest (a
    list, one per class) those of the class farthest from its tolerance, with
    ``certified`` true only when every class is."""
    if isinstance(cert, list):
        summary = certificate_summary(max(cert, key=lambda c: c.max_violation / c.tol))
        summary["certified"] = all(bool(c.converged) for c in cert)
        return summary
    return dict(certified=bool(cert.converged), kind=cert.kind,
                max_violation=float(cert.max_violation), tol=float(cert.tol),
                tol_relative=float(cert.tol_relative),
                duality_gap=None if cert.duality_gap is None else float(cert.duality_gap),
                relative_gap=None if cert.relative_gap is None else float(cert.relative_gap),
                objective=float(cert.objective), n_nonzero=int(cert.n_nonzero),
                datafit=cert.datafit, penalty=cert.penalty)


def save_coef(path, coef, intercept, *, meta, cert, feature_names=None, task_names=None):
    """Write coefficients as ``.npz``, ``.json`` or ``.csv`` (chosen by the suffix).

    ``coef`` is (n_features,), or (n_tasks, n_features) with ``intercept`` of
    shape (n_tasks,) for a multi-task model: ``.npz`` and ``.json`` keep that
    layout (scikit-learn's ``coef_``), the CSV has one column per task.
    """
    path = str(path)
    suffix = os.path.splitext(path.lower())[1]
    summary = certificate_summary(cert)
    p = coef.shape[-1]
    names = feature_names if feature_names is not None else [f"x{j}" for j in range(p)]
    if coef.ndim == 2 and (task_names is None or len(task_names) != coef.shape[0]):
        task_names = [f"y{t}" for t in range(coef.shape[0])]
    try:
        if suffix == ".npz":
            _save_npz(path, coef, intercept, meta, summary, names)
        elif suffix == ".json":
            doc = dict(meta, intercept=intercept, coef=coef, feature_names=list(names),
                       certificate=summary)
            if coef.ndim == 2:
                doc["task_names"] = list(task_names)
            with open(path, "w") as fh:
                json.dump(_jsonable(doc), fh, indent=1)
                fh.write("\n")
        elif suffix == ".csv":
            _save_csv(path, coef, intercept, meta, names, task_names)
        else:
            raise CLIError(f"--out {path}: unknown format (use .npz, .json or .csv)")
    except OSError as exc:
        raise CLIError(f"cannot write {path}: {exc.strerror or exc}") from None


def _save_npz(path, coef, intercept, meta, summary, names):
    arrays = dict(coef=np.asarray(coef, dtype=np.float64),
                  feature_names=np.asarray(names, dtype=str))
    if intercept is not None:
        arrays["intercept"] = np.asarray(intercept, dtype=np.float64)
    for key, value in meta.items():
        if value is not None:
            arrays[key] = np.asarray(value)
    # npz holds no None: a missing gap is NaN
    for key, value in summary.items():
        arrays[f"certificate_{key}"] = np.asarray(np.nan if value is None else value)
    np.savez(path, **arrays)


def _save_csv(path, coef, intercept, meta, names, task_names=None):
    """A ``feature,coef`` table (``feature,task1,task2,...`` for a multi-task
    coef), the problem in a comment line below the header; repr keeps every
    digit of each float."""
    table = np.atleast_2d(coef).T  # (n_features, n_tasks)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["feature"] + (["coef"] if coef.ndim == 1 else list(task_names)))
        fh.write(_csv_meta_line(meta) + "\r\n")  # csv.writer's line ending
        if intercept is not None:
            writer.writerow(["(intercept)"] + [repr(float(b)) for b in np.ravel(intercept)])
        for name, row in zip(names, table):
            writer.writerow([name] + [repr(float(v)) for v in row])
