"""``drift [--staged]``: do the models match the migration history of the same tree?

The committed tree (HEAD), or with ``--staged`` the index; never the work tree or untracked
files, never the user's database. Each pending autogenerate operation is one
``models-without-migration`` problem; exit 1 when there is any.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.config.pyproject import load_config
from migration_guard.drift.run import tree_drift
from migration_guard.findings import Report

if TYPE_CHECKING:
    pass


def run(invocation: Invocation) -> int:
    arguments = invocation.arguments
    # the config only: alembic.ini and the revisions are read from git (a sparse checkout
    # may not have them on disk)
    problems = tree_drift(load_config(invocation.project), staged=bool(arguments.staged))
    invocation.emit(Report(command="drift", problems=problems))
    return exit_codes.FINDINGS if problems else exit_codes.OK
