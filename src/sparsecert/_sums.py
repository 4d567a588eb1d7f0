"""Weighted sums over the samples, without waking BLAS threads.

``a @ b`` on two sample-length vectors is a BLAS ``ddot``; OpenBLAS splits a
long one over its worker threads, which then busy-wait for new work for a
while (about as long as a whole fit on the text benchmark: a CSR Lasso fit of
60 ms wall clock used 120 ms of CPU, one core spinning). ``np.einsum``
computes the same sum in the calling thread. X's own products (dense
``X.T @ u``) still go to BLAS: there its threads do the work.
"""

import numpy as np


def sample_dot(a, b):
    """sum_i a_i b_i, as a float."""
    return float(np.einsum("i,i->", a, b))


def sample_dot_columns(a, B):
    """sum_i a_i B_ik for every column k of B (shape (n,) and (n, K))."""
    return np.einsum("i,ik->k", a, B)
