"""The CLI verbs: each module has ``run(invocation) -> exit code``: arguments in, a flow
called, a report out. The flows they call live in their own folders (``lint/``, ``drift/``,
``trace/``, ``new/``, ``check/``); a verb never reaches into another verb.
"""

from __future__ import annotations

from migration_guard.report.invocation import Invocation, from_repository_root

__all__ = ["Invocation", "from_repository_root"]
