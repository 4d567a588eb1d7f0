"""The command line's one exception, :class:`CLIError`: a user-facing error.

Every module of the command line raises it for what the user can fix (a
missing file, a bad option, inconsistent shapes); the command line prints
it as one line, ``sparsecert: error: ...``, with exit status 2. It has a
module of its own so that any module can raise it without importing another.
"""


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 2."""
