"""Checks of the options that run before any work: numbers in range, outputs writable.

argparse checks types and choices; :func:`check_params` checks what it
cannot (ranges, options that exclude each other or do not apply to the
model) and :func:`check_output` that an output file can be written, so that
a mistake fails in a second, not after a long fit. Shared by every command.
"""

import os

from .errors import CLIError


def check_params(args, default_model="lasso"):
    """Fail on an option out of range or one the model does not take.

    Each command has only some of these options: an absent one is skipped.
    """
    _check_ranges(args)
    model = getattr(args, "model", None) or default_model
    if model is not None:
        _check_model_options(args, model)


def _opt(args, name):
    return getattr(args, name, None)


def _check_ranges(args):
    if _opt(args, "alpha") is not None and not args.alpha >= 0:
        raise CLIError(f"--alpha must be >= 0; got {args.alpha:g}")
    if _opt(args, "alpha_ratio") is not None and not args.alpha_ratio > 0:
        raise CLIError(f"--alpha-ratio must be > 0; got {args.alpha_ratio:g}")
    if _opt(args, "alpha") is not None and _opt(args, "alpha_ratio") is not None:
        raise CLIError("give --alpha or --alpha-ratio, not both")
    if _opt(args, "l1_ratio") is not None and not 0.0 <= args.l1_ratio <= 1.0:
        raise CLIError(f"--l1-ratio must be in [0, 1]; got {args.l1_ratio:g}")
    if _opt(args, "p") is not None and not args.p > 0:
        raise CLIError(f"--p must be > 0; got {args.p:g}")
    if _opt(args, "tol") is not None and not args.tol > 0:
        raise CLIError(f"--tol must be > 0; got {args.tol:g}")
    if _opt(args, "max_iter") is not None and args.max_iter < 1:
        raise CLIError(f"--max-iter must be >= 1; got {args.max_iter}")
    if _opt(args, "top") is not None and args.top < 0:
        raise CLIError(f"--top must be >= 0; got {args.top}")
    if _opt(args, "repeat") is not None and args.repeat < 1:
        raise CLIError(f"--repeat must be >= 1; got {args.repeat}")


def _check_model_options(args, model):
    if _opt(args, "l1_ratio") is not None and model in ("lasso", "lp"):
        raise CLIError(f"--l1-ratio applies to --model enet, logistic, group or multitask, "
                       f"not {model}")
    if _opt(args, "p") is not None and model in ("lasso", "enet", "group", "multitask"):
        raise CLIError(f"--p applies to --model lp or logistic, not {model}")
    if _opt(args, "groups") is not None and model not in ("group", "logistic"):
        raise CLIError(f"--groups applies to --model group or logistic, not {model}")
    if model == "logistic" and _opt(args, "groups") is not None:
        for name, flag in (("p", "--p"), ("grouped", "--grouped")):
            if _opt(args, name):
                raise CLIError(f"give --groups (the group penalties) or {flag}, not both")
    if model == "group" and hasattr(args, "groups") and args.groups is None:
        raise CLIError("--model group needs --groups FILE (one group label per feature) or "
                       "--groups K (contiguous groups of K features)")
    if model == "logistic" and _opt(args, "p") is not None and _opt(args, "l1_ratio") is not None:
        raise CLIError("give --p (Lp penalty) or --l1-ratio (elastic net), not both")
    if _opt(args, "multi_class") is not None and model != "logistic":
        raise CLIError(f"--multi-class applies to --model logistic, not {model}")
    if _opt(args, "grouped"):
        if model != "logistic":
            raise CLIError(f"--grouped applies to --model logistic, not {model}")
        for name, flag in (("p", "--p"), ("l1_ratio", "--l1-ratio")):
            if _opt(args, name) is not None:
                raise CLIError(f"give --grouped or {flag}, not both")
        if _opt(args, "multi_class") == "ovr":
            raise CLIError("--grouped groups each feature's coefficients over the classes of "
                           "the multinomial model: not with --multi-class ovr")


def check_output(path, suffixes):
    """Fail before any work if ``path`` cannot be written in one of ``suffixes``."""
    if not path:
        return
    if not path.lower().endswith(suffixes):
        raise CLIError(f"{path}: unknown output format (use {', '.join(suffixes)})")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise CLIError(f"cannot write {path}: directory {parent} does not exist")
