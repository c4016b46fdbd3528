"""The process exit codes of the public contract, in one place."""

from __future__ import annotations

OK = 0
"""Nothing at error severity."""
FINDINGS = 1
"""Error-severity findings or graph problems, or the hook generated a migration to review."""
USAGE = 2
"""Usage, configuration or input error (bad flag, missing alembic.ini, syntax error, unreadable SQL)."""
ENVIRONMENT = 3
"""Environment error (docker or a database unavailable, Alembic failed to run); never a bug of ours."""
INTERNAL = 70
"""A bug of ours (an unexpected exception): ``EX_SOFTWARE`` of sysexits.h, "internal software
error". Not 3, which sends the user to fix their docker or database, nor 1, which CI scripts read
as "the migrations have findings"."""
INTERRUPTED = 130
"""Interrupted (Ctrl-C, or SIGTERM: :mod:`migration_guard.interrupts`), after cleaning up."""
BROKEN_PIPE = 141
"""The reader closed stdout (``| head``): 128 + SIGPIPE, what the shell reports for ``cat`` or ``yes``."""
