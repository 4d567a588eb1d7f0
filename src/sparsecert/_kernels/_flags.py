"""The one place compile flags are chosen.

``FASTMATH`` keeps NaN and infinity semantics (no ``nnan``/``ninf``): the
certificate relies on exact zeros and infinities and is compiled without it.
"""

FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
