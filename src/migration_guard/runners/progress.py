"""Progress lines for the commands that wait on PostgreSQL (drift, trace, check)."""

from __future__ import annotations

import sys

from migration_guard.errors import one_line


def progress(message: str) -> None:
    """Progress goes to stderr: stdout holds only the report (JSON stays parseable)."""
    print(one_line(message), file=sys.stderr)
