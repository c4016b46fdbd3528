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
