"""The end of ``new``: the finished file moved into the user's tree in one step (no partial
file), and step 5, the commands to run after reviewing it."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING

from migration_guard.errors import InputError
from migration_guard.new.outcome import say

if TYPE_CHECKING:
    from pathlib import Path

    from migration_guard.new.follow_ups import FollowUps
    from migration_guard.project.opened import Project


def move_in(source: Path, target: Path) -> None:
    """Write the finished file into the user's versions folder in one step (no partial file)."""
    if target.exists():
        raise InputError(f"{target}: already exists; not overwritten")
    staging = target.with_name(f".{target.name}.migration-guard-tmp")
    try:
        staging.write_bytes(source.read_bytes())
        os.replace(staging, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()


def say_follow_ups(project: Project, runner: str, shown: object = None) -> FollowUps:
    """Step 5: the seed's commands, for the user to run after reviewing."""
    from migration_guard.new.follow_ups import docker_follow_ups, local_follow_ups

    say("\n5. Review it, then (nothing was run on your database):")
    if runner == "docker" and callable(shown):
        commands = docker_follow_ups(project.config, shown)
    else:
        commands = local_follow_ups(project)
    say(f"To apply:\n  {commands.apply}")
    say(f"To roll back:\n  {commands.rollback}")
    if commands.test is None:
        say(
            "To run tests after: no test database is known; set test_database_url in "
            "[tool.migration-guard] to have its command printed"
        )
    else:
        say(f"To run tests after:\n  {commands.test}")
    if commands.test_needs:
        say(f"  ({commands.test_needs})")
    return commands
