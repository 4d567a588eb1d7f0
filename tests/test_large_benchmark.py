"""benchmarks/large.py's generator on a tiny size (the benchmark itself never runs in tests)."""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from benchmarks.large import targets, text_like_csr  # noqa: E402


def test_text_like_csr_is_a_vectorizer_matrix():
    n, p, nnz = 2000, 500, 20000
    X = text_like_csr(n, p, nnz, seed=3)
    assert X.format == "csr" and X.shape == (n, p) and X.dtype == np.float64
    assert X.indices.dtype == np.int32 and X.indptr.dtype == np.int32
    assert abs(X.nnz - nnz) <= 0.1 * nnz
    for i in range(n):  # sorted, no duplicates within each row
        row = X.indices[X.indptr[i]:X.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)
    assert np.all(X.data > 0)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms[np.diff(X.indptr) > 0], 1.0)
    counts = np.bincount(X.indices, minlength=p)
    assert counts.max() > 20 * np.median(counts)  # power-law column popularity


def test_text_like_csr_and_targets_are_seeded():
    A, B = text_like_csr(2000, 500, 20000, seed=1), text_like_csr(2000, 500, 20000, seed=1)
    assert (A != B).nnz == 0 and np.array_equal(A.indptr, B.indptr)
    assert (A != text_like_csr(2000, 500, 20000, seed=2)).nnz > 0
    y1, l1, w1 = targets(A, seed=1)
    y2, l2, w2 = targets(B, seed=1)
    assert np.array_equal(y1, y2) and np.array_equal(l1, l2) and np.count_nonzero(w1) == 50
    assert set(np.unique(l1)) == {-1.0, 1.0}
