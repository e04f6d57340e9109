"""Typed errors and the exit codes the CLI maps them to."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FAILURE = 1  # an unexpected error
    USAGE = 2  # bad arguments (argparse uses 2 as well)
    INPUT = 3  # an input file is missing, unreadable or not a valid image/JSON
    PARTIAL = 4  # some inputs of a multi-file call failed, the others were processed
    MODEL = 5  # the model file is missing or invalid
    DEPENDENCY = 6  # an optional dependency (extra) is not installed


class PxocrError(Exception):
    """Base class: ``str(err)`` is one line meant for the user."""

    exit_code: ExitCode = ExitCode.FAILURE


class UsageError(PxocrError):
    exit_code = ExitCode.USAGE


class InputError(PxocrError):
    """A bad input file: missing, unreadable, corrupt, too large."""

    exit_code = ExitCode.INPUT


class ModelError(PxocrError):
    exit_code = ExitCode.MODEL


class DependencyError(PxocrError):
    exit_code = ExitCode.DEPENDENCY


def require(module: str, extra: str):
    """Import an optional dependency or raise a DependencyError naming the pip extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise DependencyError(
            f"{module} is not installed: pip install 'pxocr[{extra}]'"
        ) from e
