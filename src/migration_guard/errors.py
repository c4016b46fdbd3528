"""Errors that end a command with one clear line and a documented exit code."""

from __future__ import annotations

from typing import ClassVar

from migration_guard import exit_codes


class GuardError(Exception):
    """Base of every expected failure; ``str(error)`` is the one line shown to the user."""

    exit_code: ClassVar[int] = exit_codes.USAGE


class UsageError(GuardError):
    """A bad flag or argument."""

    exit_code = exit_codes.USAGE


class ConfigError(GuardError):
    """A bad ``[tool.migration-guard]`` table, a missing or broken alembic.ini."""

    exit_code = exit_codes.USAGE


class InputError(GuardError):
    """Input we cannot read: a migration with a syntax error, unreadable SQL, a bad git ref."""

    exit_code = exit_codes.USAGE


class EnvironmentProblem(GuardError):
    """Something outside the project is missing or down: docker, a database, Alembic itself."""

    exit_code = exit_codes.ENVIRONMENT


class OutputError(EnvironmentProblem):
    """Writing the report to stdout failed (``/dev/full``, an I/O error); not a closed pipe."""


def one_line(text: str) -> str:
    """``text`` as one terminal-safe line: newlines and other control characters (escape
    sequences, carriage returns) shown as ``\\n``, ``\\x1b``…, so text from the repository can
    never start a line of its own (a ``::add-mask::`` workflow command) or move the cursor
    (:func:`migration_guard.untrusted.terminal_line`)."""
    from migration_guard.untrusted import terminal_line

    return terminal_line(text)


class InternalError(Exception):
    """A bug of migration-guard that a child of ours ran into; ``str(error)`` is its one line,
    :attr:`traceback` the child's own (shown with MIGRATION_GUARD_DEBUG=1). Not a
    :class:`GuardError`: the run ends as any bug of ours does (exit 70)."""

    def __init__(self, line: str, traceback: str = "") -> None:
        super().__init__(line)
        self.traceback = traceback
