"""``python -m sparsecert``: runs the command line of :mod:`sparsecert.cli`.

The installed ``sparsecert`` script points here too (``sparsecert.__main__:main``
in pyproject.toml), so this module stays, as a shim that only re-exports
:func:`sparsecert.cli.main`.
"""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
