"""Integer codes of datafits and penalties, passed to kernels as data.

These numbers are part of the on-disk cache key of nothing, but they are
stored in pickled certificates and compared in tests: never renumber one.
"""

# datafits
QUADRATIC = 0
LOGISTIC = 1

# penalties
L1 = 0
ELASTIC_NET = 1
LP = 2

# layout of the float64 parameter array every penalty encodes to
PARAM_ALPHA = 0
PARAM_L1_RATIO = 1
PARAM_P = 2
PARAM_POSITIVE = 3  # 1.0 means the coefficients are constrained to be >= 0
N_PARAMS = 4
