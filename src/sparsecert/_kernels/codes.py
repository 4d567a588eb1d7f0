"""Codes of datafits and penalties, and how the kernels tell them apart.

Each code is an ``int`` (stored in pickled certificates and compared in
tests: never renumber one) of the subclass :class:`Kind`, which Numba types
by its value: ``KindType("penalty", "elastic_net")`` and ``KindType("penalty",
"lp")`` are different types. A kernel is compiled once per type of its
arguments, so a kernel given ``ELASTIC_NET`` is compiled with the elastic
net's branches only: a Lasso fit never compiles the Lp prox machinery, and
the on-disk cache holds one entry per penalty a machine has used. The scalar
operations select their branch with :func:`select`, at compile time. A kind
carries no run-time data.

``L1`` is compiled as the elastic net (``_COMPILED_AS``): the lasso is
the elastic net with l1_ratio 1, which is what its parameters encode, and
the elastic net's operations reduce to the lasso's exactly at that ratio
(:mod:`.prox`). Compiling the lasso apart doubled the compile time of every
kernel that both a Lasso and an ElasticNet use, for the same machine code
up to a multiplication by 1.
"""

from numba.core import types
from numba.core.errors import TypingError
from numba.core.imputils import lower_constant
from numba.extending import NativeValue, models, register_model, typeof_impl, unbox


# kinds compiled as another kind (see the module's docstring)
_COMPILED_AS = {("penalty", "l1"): "elastic_net"}


class Kind(int):
    """An integer code that also names its family and kind for Numba's typing."""

    def __new__(cls, value, family, name):
        obj = super().__new__(cls, value)
        obj.family = family
        obj.name = name
        # the implementation tables' key, and the name of its Numba type
        obj.compiled = _COMPILED_AS.get((family, name), name)
        return obj

    def __getnewargs__(self):
        return int(self), self.family, self.name


class KindType(types.Dummy):
    """The Numba type of one :class:`Kind`: a compile-time constant."""

    def __init__(self, family, name):
        self.family = family
        self.kind = name
        super().__init__(name=f"{family}_kind({name})")


register_model(KindType)(models.OpaqueModel)


_KIND_TYPES = {}


@typeof_impl.register(Kind)
def _typeof_kind(value, context):
    # every kernel call types its kinds: building (and interning) a new
    # KindType each time cost ~1.5 us a code, ~25 us of a small fit
    key = (value.family, value.compiled)
    typ = _KIND_TYPES.get(key)
    if typ is None:
        typ = _KIND_TYPES[key] = KindType(*key)
    return typ


def _install_kind_typeof():
    """Type a :class:`Kind` argument without Numba's generic typing machinery.

    Numba's dispatcher types an int, float or array argument in C, and any
    other value (a Kind is an int subclass) through the Python method
    ``typeof_pyval``, which goes through ``typeof``'s single dispatch to
    :func:`_typeof_kind`: about 1 us a kind, on every call of a kernel (a
    small fit calls about 16). This puts a test for a Kind in front of that
    method, for every dispatcher (as :mod:`._cache` sets the cache class of
    all those defined after it); any other value takes Numba's own path
    unchanged. Nothing is changed where this Numba has no such method.
    """
    from numba.core import dispatcher

    base = getattr(dispatcher, "_DispatcherBase", None)
    generic = getattr(base, "typeof_pyval", None)
    if generic is None or getattr(generic, "types_kinds", False):
        return

    def typeof_pyval(self, val):
        if type(val) is Kind:
            # Numba's method also adds the type to the dispatcher's set of
            # types in use (keeping them alive while it compiles): _KIND_TYPES
            # keeps a kind's type alive for good, and hashing a Numba type is
            # a Python call
            key = (val.family, val.compiled)
            tp = _KIND_TYPES.get(key)
            return tp if tp is not None else _typeof_kind(val, None)
        return generic(self, val)

    typeof_pyval.types_kinds = True
    typeof_pyval.__doc__ = generic.__doc__
    base.typeof_pyval = typeof_pyval


_install_kind_typeof()


@unbox(KindType)
def _unbox_kind(typ, obj, c):
    # nothing to pass: every use of a kind is resolved when compiling
    return NativeValue(c.context.get_dummy_value())


@lower_constant(KindType)
def _lower_kind(context, builder, typ, value):
    # a kind named as a global inside a kernel (e.g. ``prox_1d(LP, ...)``)
    return context.get_dummy_value()


def select(kind, family, impls):
    """The implementation in ``impls`` (a dict by kind name) for the Numba type
    ``kind``, for use inside an ``@overload``; a TypingError for anything else
    (an unknown kind, or a plain integer where a :class:`Kind` is needed).

    The overloaded function's own Python body looks the same table up by
    ``code.compiled``: that is what runs with ``NUMBA_DISABLE_JIT=1``."""
    if isinstance(kind, KindType) and kind.family == family and kind.kind in impls:
        return impls[kind.kind]
    raise TypingError(f"no {family} implementation for {kind}; the known kinds are "
                      f"{sorted(impls)}, passed as codes from sparsecert._kernels.codes")


# datafits
QUADRATIC = Kind(0, "datafit", "quadratic")
LOGISTIC = Kind(1, "datafit", "logistic")
# K classes, softmax: not a per-sample scalar loss; its own block kernels
# (_kernels/multinomial.py), never dispatched by the scalar tables
MULTINOMIAL = Kind(2, "datafit", "multinomial")

# penalties
L1 = Kind(0, "penalty", "l1")  # compiled as ELASTIC_NET (l1_ratio 1)
ELASTIC_NET = Kind(1, "penalty", "elastic_net")
LP = Kind(2, "penalty", "lp")
# not separable: no scalar prox; its own block kernels (_kernels/group.py)
GROUP_LASSO = Kind(3, "penalty", "group_lasso")

# where a kernel runs its widest column loops (:mod:`.wide`): the calling
# thread only, or Numba's threads (n_jobs > 1); the same arithmetic either way
ONE_THREAD = Kind(0, "threads", "one")
THREADS = Kind(1, "threads", "many")

# layout of the float64 parameter array every penalty encodes to
PARAM_ALPHA = 0
PARAM_L1_RATIO = 1  # rho of the elastic net; 1.0 for L1 (compiled as rho = 1)
PARAM_P = 2
PARAM_POSITIVE = 3  # 1.0 means the coefficients are constrained to be >= 0
N_PARAMS = 4
