"""The process exit codes of the public contract, in one place."""

from __future__ import annotations

OK = 0
"""Nothing at error severity."""
FINDINGS = 1
"""Error-severity findings or graph problems, or the hook generated a migration to review."""
USAGE = 2
"""Usage, configuration or input error (bad flag, missing alembic.ini, syntax error, unreadable SQL)."""
ENVIRONMENT = 3
"""Environment error (docker or a database unavailable, Alembic failed to run)."""
BROKEN_PIPE = 141
"""The reader closed stdout (``| head``): 128 + SIGPIPE, what the shell reports for ``cat`` or ``yes``."""
