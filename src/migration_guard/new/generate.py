"""The ``new`` flow from start to end: the seed's steps 1-5 on the chosen runner, told as a
story on stderr and emitted as one document; the ``new`` verb and the hook both start here."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.errors import GuardError
from migration_guard.lint.pipeline import ensure_renderable
from migration_guard.new.changes import say_what_changed, staged_models
from migration_guard.new.document import NewRecord, emit, story_to_stderr
from migration_guard.new.outcome import Outcome, say
from migration_guard.new.runner_choice import choose_runner
from migration_guard.project.opened import Project
from migration_guard.report.invocation import Invocation
from migration_guard.runners.leftovers import scratch_folder

if TYPE_CHECKING:
    from migration_guard.new.autogen_local import GeneratedAhead


class SeveralHeads(GuardError):
    """The history has more than one head: a new revision would have no single parent."""

    exit_code = exit_codes.FINDINGS


def generate(
    invocation: Invocation,
    project: Project,
    description: str,
    *,
    runner: str,
    dry_run: bool,
    staged: bool = False,
    runner_from: str = "config",
    ahead: GeneratedAhead | None = None,
) -> Outcome:
    """Run steps 1-5; with ``staged`` the models are taken from the git index (the hook).
    ``runner_from`` says where ``runner`` came from: ``"--runner"`` or ``"config"``. ``ahead``
    (the hook, local runner): the revision generated already, by the drift check's child.

    Outside text mode the story goes to stderr and one document (JSON, or the new revision's
    lint report) to stdout."""
    record = NewRecord(dry_run=dry_run)
    with story_to_stderr(invocation):
        outcome = _generate(project, description, record, runner, staged, runner_from, ahead)
    emit(invocation, record)
    return dataclasses.replace(outcome, record=record)


def _generate(
    project: Project,
    description: str,
    record: NewRecord,
    runner: str,
    staged: bool,
    runner_from: str,
    ahead: GeneratedAhead | None = None,
) -> Outcome:
    graph = project.graph()
    ensure_renderable(graph)
    if len(graph.heads) > 1:
        from migration_guard.project.alembic_command import merge_heads_command

        raise SeveralHeads(
            f"{len(graph.heads)} heads ({', '.join(graph.heads)}): a new revision needs one parent; "
            f"merge them first with `{merge_heads_command(project.alembic, graph.heads)}`"
        )
    chosen, why = choose_runner(project, runner, runner_from)
    record.runner, record.runner_reason = chosen, why
    say(f"runner: {chosen} ({why})")
    parent = graph.heads[0] if graph.heads else None
    say(f"current head: {parent or '(none: this will be the first revision)'}")
    with scratch_folder("migration-guard-new-") as scratch:
        replace = staged_models(project, Path(scratch)) if staged else {}
        record.model_changes = say_what_changed(project, staged, replace)
        if chosen == "local":
            from migration_guard.new.local import generate_local
            from migration_guard.new.overlay import build_project_overlay

            overlay = build_project_overlay(project, Path(scratch) / "tree", replace)
            return generate_local(project, overlay, description, record, ahead)
        from migration_guard.new.docker import generate_docker

        return generate_docker(project, graph, description, record)
