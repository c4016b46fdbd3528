"""``new DESCRIPTION [--runner auto|docker|local] [--dry-run]``: the seed's five steps.

1. say which model files changed and what they touch; 2. autogenerate (docker: in the compose
``backend`` service; local: against a private PostgreSQL brought to head); 3. show ``upgrade()``,
``downgrade()`` and their SQL; 4. lint it; 5. print the apply / roll back / test commands.
``upgrade`` is never run on the user's database. Nothing is left behind on failure: the local
runner generates into an overlay of the project and moves the finished file in at the end.

Each step has its module beside this one: ``new_changes`` (1), ``new_overlay`` (where the local
runner generates), ``new_local`` / ``new_docker`` (2), ``new_show`` and ``new_lint`` (3-4),
``new_finish`` (moving the file in, 5); the runner is chosen by
:mod:`migration_guard.new.runner_choice`.
"""

from __future__ import annotations

from migration_guard.commands import Invocation
from migration_guard.errors import UsageError
from migration_guard.new.generate import generate
from migration_guard.project.opened import open_project


def run(invocation: Invocation) -> int:
    arguments = invocation.arguments
    description = " ".join(str(arguments.description or "").split())
    if not description:
        raise UsageError(
            'new: the description is empty; say what changed, e.g. new "add documents.language"'
        )
    project = open_project(invocation.project)
    runner = arguments.runner or project.config.runner
    return generate(
        invocation,
        project,
        description,
        runner=runner,
        dry_run=arguments.dry_run,
        runner_from="--runner" if arguments.runner else "config",
    ).exit_code
