"""The command line, ``python -m sparsecert`` (also installed as ``sparsecert``): :func:`main`.

Commands (``sparsecert COMMAND --help`` for each): ``fit [DATA]`` fits a
model and prints it with its certificate (without DATA, the README's quick
start on scikit-learn's diabetes data, timed against scikit-learn);
``path DATA`` follows a certified regularization path, optionally
cross-validated, saved and plotted; ``certify DATA COEF`` checks
coefficients from any tool, exit status 0 if certified, 1 if not;
``compile`` (alias ``warmup``) compiles every kernel ahead. While a command
runs, compiling for more than about a second prints one notice on stderr
(``sparsecert._kernels._notice``). Every error is one line on stderr,
``sparsecert: error: ...``, exit status 2. The modules: ``parser`` (the
options), one per command (``fit``, ``path``, ``certify``, ``warmup``), and
below them ``problem`` (model and alpha), ``options`` (checks before any
work), ``data_files`` (reading DATA), ``coef_files`` (reading and writing
coefficients) and ``errors`` (:class:`CLIError`). The commands import the
modules below them, never each other; no library module imports this
package.
"""

import contextlib
import os
import sys
import warnings

from .errors import CLIError
from .parser import build_parser

__all__ = ["main", "build_parser", "CLIError"]


def main(argv=None):
    """Run the command line; returns the exit status (0, 1 not certified, 2 error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["fit"] + argv  # no command: the built-in fit, as before subcommands
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            args = build_parser().parse_args(argv)
            with _compile_notice_on_stderr(args):
                return args.func(args)
    except CLIError as exc:
        print(f"sparsecert: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 1
    except KeyboardInterrupt:
        print("sparsecert: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, ArithmeticError, MemoryError, ImportError) as exc:
        if os.environ.get("SPARSECERT_DEBUG"):
            raise
        print(f"sparsecert: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line; SPARSECERT_DEBUG=1 shows the traceback
        if os.environ.get("SPARSECERT_DEBUG"):
            raise
        print(f"sparsecert: error: internal error ({type(exc).__name__}): {_one_line(exc)} "
              f"(set SPARSECERT_DEBUG=1 for the traceback)", file=sys.stderr)
        return 2


def _compile_notice_on_stderr(args):
    """While a command runs, the first-use compile notice (after about a second of
    compiling, once) goes to stderr; ``compile`` reports its own progress instead."""
    if getattr(args, "command", None) in ("compile", "warmup"):
        return contextlib.nullcontext()
    from .._kernels._notice import also_to  # imports Numba: only once a command runs

    return also_to(lambda message: print(f"sparsecert: {message}", file=sys.stderr, flush=True))


def _one_line(exc):
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"sparsecert: warning: {_one_line(message)}", file=sys.stderr)
