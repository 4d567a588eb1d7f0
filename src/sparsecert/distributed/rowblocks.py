"""X, y and s persisted on the cluster, and the one primitive that reads them: a tree sum.

:class:`RowBlocks` holds the persisted row blocks and runs a per-block
function of :mod:`.blocks` on every block, summing the results by a tree of
tasks in a fixed order (:func:`_tree`), on a ``distributed.Client`` when one
is active, else on Dask's local scheduler. Every sum over samples of the
distributed solver and certificate is one such pass; it also counts the
passes and the bytes moved, which ``benchmarks/bench_dask.py`` reports.
"""

import sys

import numpy as np

_FAN_IN = 8  # tree reduction: partial results combined per task


def _active_client():
    """The default ``distributed.Client``, unless none is active or Dask's
    ``scheduler`` setting asks for another scheduler (e.g. "threads")."""
    import dask

    if dask.config.get("scheduler", None) not in (None, "dask.distributed", "distributed"):
        return None
    if "distributed" not in sys.modules:
        return None
    try:
        from distributed import default_client

        return default_client()
    except ValueError:
        return None


class RowBlocks:
    """X, y and s persisted on the cluster, row block by row block.

    :meth:`reduce` runs ``func(X_k, y_k, s_k, *args)`` on every block and sums
    the results with a tree of tasks (a fixed order: the same numbers
    whatever the worker that runs each task, and whether or not a block had to
    be recomputed). With an active ``distributed.Client`` the tasks are
    submitted as futures on the persisted blocks (a few milliseconds per pass);
    otherwise they run on Dask's local scheduler through ``dask.compute``. It
    counts the passes and estimates the bytes moved: the arguments sent with
    every block task and the partial results moved up the tree.
    """

    def __init__(self, X, y, sw):
        import dask

        self.client = _active_client()
        if self.client is not None:
            from distributed import futures_of

            X, y, sw = self.client.persist([X, y, sw])
            futs = {f.key: f for f in futures_of([X, y, sw])}
            self._xb = [futs[k] for k in _flat_keys(X)]
            self._yb = [futs[k] for k in _flat_keys(y)]
            self._sb = [futs[k] for k in _flat_keys(sw)]
        else:
            X, y, sw = dask.persist(X, y, sw)
            self._xb = list(X.to_delayed().ravel())
            self._yb = list(y.to_delayed().ravel())
            self._sb = list(sw.to_delayed().ravel())
        self.X, self.y, self.sw = X, y, sw
        self.n_blocks = len(self._xb)
        self.passes = 0
        self.bytes_sent = 0
        self.bytes_returned = 0

    def reduce(self, func, *args):
        """sum_k func(X_k, y_k, s_k, *args), one pass over the blocks."""
        if self.client is not None:
            total = self._reduce_on_cluster(func, args)
        else:
            total = self._reduce_locally(func, args)
        self.passes += 1
        sent = sum(a.nbytes for a in args if isinstance(a, np.ndarray)) + 8 * len(args)
        self.bytes_sent += self.n_blocks * sent
        size = total[0].nbytes if isinstance(total, tuple) else np.asarray(total).nbytes
        self.bytes_returned += self.n_blocks * size
        return total

    def _blocks(self):
        return zip(self._xb, self._yb, self._sb)

    def _reduce_on_cluster(self, func, args):
        submit = self.client.submit
        parts = [submit(func, xk, yk, sk, *args, pure=False) for xk, yk, sk in self._blocks()]
        # the tree's last level runs on the client: its at most _FAN_IN
        # partial p-vectors come back in one gather, saving a round trip
        top = _tree(parts, lambda group: submit(_add, *group, pure=False), _FAN_IN)
        return _add(*self.client.gather(top))

    def _reduce_locally(self, func, args):
        import dask
        from dask import delayed

        parts = [delayed(func, pure=False)(xk, yk, sk, *args) for xk, yk, sk in self._blocks()]
        add = delayed(_add, pure=False)
        (total,) = dask.compute(_tree(parts, lambda group: add(*group))[0])
        return total


def _flat_keys(arr):
    """The keys of a Dask array's blocks in row order (one column of blocks)."""
    return [k[0] if isinstance(k, list) else k for k in arr.__dask_keys__()]


def _tree(parts, combine, stop=1):
    """Tree reduction with fan-in ``_FAN_IN``, level by level, in a fixed order:
    ``combine(group)`` adds consecutive groups of up to ``_FAN_IN`` parts.
    Each level costs one scheduler round trip, so a wide fan-in keeps the
    tree shallow (as ``split_every`` does in Dask's own reductions). Stops
    once at most ``stop`` parts remain."""
    while len(parts) > stop:
        parts = [combine(parts[i:i + _FAN_IN]) if len(parts[i:i + _FAN_IN]) > 1 else parts[i]
                 for i in range(0, len(parts), _FAN_IN)]
    return parts


def _add(*parts):
    """Sum block results in order: arrays add, tuples add element-wise (lists concatenate)."""
    total = parts[0]
    for part in parts[1:]:
        if isinstance(total, tuple):
            total = tuple(x + y for x, y in zip(total, part))
        else:
            total = total + part
    return total
