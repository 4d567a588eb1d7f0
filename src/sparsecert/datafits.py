"""Datafits: the smooth, sample-dependent part F(w, b) of the objective.

Each is a frozen dataclass that encodes itself to an integer code for the
kernels (:mod:`sparsecert._kernels.codes`). Sample weights s_i are rescaled to
sum to n, as scikit-learn does.
"""

from dataclasses import dataclass

from ._kernels import codes


@dataclass(frozen=True)
class Quadratic:
    r"""Least squares: F(w, b) = (1/2n) sum_i s_i (y_i - x_i^T w - b)^2."""

    name = "quadratic"
    code = codes.QUADRATIC


@dataclass(frozen=True)
class Logistic:
    r"""Logistic loss: F(w, b) = (1/n) sum_i s_i log(1 + exp(-y_i (x_i^T w + b))).

    Labels are mapped to y_i in {-1, +1}.
    """

    name = "logistic"
    code = codes.LOGISTIC


@dataclass(frozen=True)
class Multinomial:
    r"""Multinomial (softmax) logistic loss over K classes, W of shape (K, p), b (K,):

        F(W, b) = (1/n) sum_i s_i [log sum_k exp(w_k^T x_i + b_k) - (w_{y_i}^T x_i + b_{y_i})].

    Labels are any K >= 2 distinct values; class k is the k-th in sorted
    order (``np.unique``), the k-th row of W. Adding one vector to every row
    of W (and one number to every b_k) leaves F unchanged: see
    :mod:`sparsecert._multinomial_certificate` for how the certificate and
    the solver treat that direction.
    """

    name = "multinomial"
    code = codes.MULTINOMIAL


_BY_NAME = {"quadratic": Quadratic, "logistic": Logistic, "multinomial": Multinomial}


def as_datafit(datafit):
    """Return a datafit object from an instance or its name."""
    if isinstance(datafit, (Quadratic, Logistic, Multinomial)):
        return datafit
    if isinstance(datafit, str) and datafit in _BY_NAME:
        return _BY_NAME[datafit]()
    raise ValueError(
        f"datafit must be one of {sorted(_BY_NAME)} or an instance of "
        f"sparsecert.datafits.Quadratic/Logistic/Multinomial; got {datafit!r}."
    )
