"""``hook [FILE…]``: the pre-commit entry (and the plain git hook's).

Staged model changes and no staged revision → run ``new`` on the staged models, leave the file
unstaged and stop the commit (exit 1). Staged revisions → ``heads`` + ``lint`` of those. Nothing
relevant → exit 0 at once: this path imports nothing heavier than tomllib and configparser.

On demand (``pre-commit run gen-migration --all-files``: model or revision files given, nothing of
them staged) the committed tree is judged instead: when its models drift from its history, the
revision is generated for review exactly as at commit time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.errors import InputError

if TYPE_CHECKING:
    from migration_guard.drift.job import GenerateAlong
    from migration_guard.findings import Problem
    from migration_guard.new.autogen_local import GeneratedAhead
    from migration_guard.project.models_diff import ModelFileChange
    from migration_guard.project.opened import Project
    from migration_guard.project.tree_export import ExportedTree

MESSAGE_ENV = "MIGRATION_MESSAGE"


def run(invocation: Invocation) -> int:
    from migration_guard.config.alembic_ini import read_alembic_settings
    from migration_guard.config.pyproject import load_config

    config = load_config(invocation.project)
    models = [(invocation.project / folder).resolve() for folder in config.models]
    # pre-commit passes paths from the repository root, where it runs us
    names: list[str] = list(invocation.arguments.files or [])
    if names and not any(name.endswith(".py") for name in names):
        return _nothing_to_check(invocation)
    settings = read_alembic_settings(config.alembic_ini_path)
    versions = [location.resolve() for location in settings.version_locations]
    if names and not any(_classify(_named(name), models, versions) for name in names):
        return _nothing_to_check(invocation)
    from migration_guard.git.repo import top_level

    top = top_level(invocation.project)
    staged = _staged(top)
    staged_models = [path for path in staged if _classify(path, models, versions) == "model"]
    staged_revisions = [
        path
        for path, status in staged.items()
        if status != "D" and _classify(path, models, versions) == "revision"
    ]
    if not staged_revisions and not staged_models:
        if names and _has_head(top):
            return _on_demand(invocation, top)
        return _nothing_to_check(invocation)
    from migration_guard.project.opened import open_project
    from migration_guard.project.tree_export import export_project
    from migration_guard.runners.leftovers import scratch_folder

    project = open_project(invocation.project)
    with scratch_folder("migration-guard-hook-") as scratch:
        # One export of the index serves the drift check and the lint: the staged blobs, never
        # the work tree (the plain git hook runs without pre-commit's stash of unstaged edits).
        staged_tree = export_project(project, Path(scratch) / "export")
        if staged_revisions:
            drift = _staged_drift(staged_tree) if staged_models else ()
            return _check_revisions(invocation, project, staged_tree, set(staged_revisions), drift)
        changes = _model_changes(project)
        along = _generate_along(project, top, changes)
        drift = _staged_drift(staged_tree, along)
        if not drift:
            _say(
                invocation,
                "migration-guard: the staged model change needs no migration; commit continues",
            )
            return _nothing_to_check(invocation)
        if _fails_to_upgrade(drift):
            return _report_failing_upgrades(invocation, project, drift)
        ahead = _generated_ahead(along, staged_tree)
        return _generate(invocation, project, top, drift, changes, ahead)


def _model_changes(project: Project) -> list[ModelFileChange]:
    from migration_guard.project.models_diff import changed_model_files

    return changed_model_files(
        project.root,
        project.config.models,
        staged=True,
        versions=project.alembic.version_locations,
    )


def _generate_along(
    project: Project, top: Path, changes: list[ModelFileChange]
) -> GenerateAlong | None:
    """Ask the drift check's child to generate the revision too (saving a second child that
    imports the app, and a second server start) when that revision is the one ``new`` would
    write: the local runner, the message known before the drift, and the work tree as the
    index holds it (no unstaged edit, no untracked file: no revision the index lacks)."""
    from migration_guard.drift.job import GenerateAlong
    from migration_guard.new.runner_choice import choose_runner

    message = _message(changes, ())
    if not message or choose_runner(project, project.config.runner)[0] != "local":
        return None
    if not _work_tree_as_staged(top, project.root):
        return None
    from migration_guard.new.show import import_ahead

    # fix = "hook" rewrites the file before it is shown: rendered afterwards, as `new` does
    return GenerateAlong(
        message=message, render=project.config.fix != "hook", meanwhile=import_ahead
    )


def _work_tree_as_staged(top: Path, root: Path) -> bool:
    from migration_guard.git.repo import git, names

    folder = str(root.resolve())
    unstaged = git(top, "--literal-pathspecs", "diff", "--name-only", "-z", "--", folder)
    untracked = git(
        top, "--literal-pathspecs", "ls-files", "--others", "--exclude-standard", "-z", "--", folder
    )
    # bytecode is never part of a migration (and is not always ignored)
    untracked_sources = [name for name in names(untracked) if not _is_bytecode(name)]
    return not unstaged and not untracked_sources


def _is_bytecode(name: bytes) -> bool:
    return name.endswith((b".pyc", b".pyo")) or b"__pycache__/" in name


def _generated_ahead(along: GenerateAlong | None, tree: ExportedTree) -> GeneratedAhead | None:
    """What the drift check's child generated, when it did (else ``new`` generates)."""
    from migration_guard.new.autogen_local import Autogenerated, GeneratedAhead

    result = along.generated if along is not None else None
    if result is None or not result.path or not result.revision:
        return None
    return GeneratedAhead(Autogenerated.of(result), tree.root)


def _message(changes: list[ModelFileChange], drift: tuple[Problem, ...]) -> str:
    """MIGRATION_MESSAGE, else one derived from what changed, else from the drift ('' when
    there is neither)."""
    from migration_guard.project.models_diff import derived_message

    message = " ".join(os.environ.get(MESSAGE_ENV, "").split())
    if message:
        return message
    if changes:
        return derived_message(changes)
    return _message_from(drift) if drift else ""


def _fails_to_upgrade(drift: tuple[Problem, ...]) -> bool:
    return any(problem.code == "upgrade-failed" for problem in drift)


def _report_failing_upgrades(
    invocation: Invocation, project: Project, drift: tuple[Problem, ...]
) -> int:
    """A revision of the history fails on a fresh database: nothing can be generated from it
    (autogenerate replays the same history); the failures are the report (exit 1)."""
    from migration_guard.check.judge import graph_and_lint

    failing = tuple(problem for problem in drift if problem.code == "upgrade-failed")
    return graph_and_lint(invocation, project, project.graph(), failing, [])


def _on_demand(invocation: Invocation, top: Path) -> int:
    """Files given and none of them staged: does the committed tree drift? Then generate."""
    from migration_guard.check.graph import graph_problems
    from migration_guard.check.judge import committed_drift, graph_and_lint
    from migration_guard.project.opened import open_project

    project = open_project(invocation.project)
    graph = project.graph()
    problems = graph_problems(project, graph, None)
    if problems:
        return graph_and_lint(invocation, project, graph, problems, [])
    drift = committed_drift(project, graph)
    if not drift:
        _say(
            invocation,
            "migration-guard: the committed models match the committed migration history",
        )
        return _nothing_to_check(invocation)
    if _fails_to_upgrade(drift):
        return _report_failing_upgrades(invocation, project, drift)
    _say(
        invocation,
        "migration-guard: the committed models need a migration the committed history lacks "
        f"({len(drift)} pending operation{'s' if len(drift) != 1 else ''})",
    )
    return _generate(invocation, project, top, drift)


def _nothing_to_check(invocation: Invocation) -> int:
    """Nothing relevant staged: no output in text mode, else the empty report of its format."""
    if invocation.format != "text":
        from migration_guard.findings import Report

        invocation.emit(Report(command="check"))
    return exit_codes.OK


def _say(invocation: Invocation, text: str) -> None:
    """The hook's own words: stdout in text mode, stderr when stdout holds a document."""
    import sys

    from migration_guard.untrusted import terminal_block

    print(terminal_block(text), file=sys.stdout if invocation.format == "text" else sys.stderr)


def _staged_drift(
    staged_tree: ExportedTree, along: GenerateAlong | None = None
) -> tuple[Problem, ...]:
    """What the staged models need that the staged migration history lacks (the index only:
    an unstaged or untracked revision file satisfies nothing)."""
    from migration_guard.drift.run import exported_drift

    return exported_drift(staged_tree, along)


def _check_revisions(
    invocation: Invocation,
    project: Project,
    staged_tree: ExportedTree,
    staged_paths: set[Path],
    drift: tuple[Problem, ...],
) -> int:
    """Staged revisions: the graph check plus lint of just those revisions (their staged
    blobs), and the staged models' drift against them. Paths in the report stay
    project-relative."""
    from migration_guard.check.graph import graph_problems
    from migration_guard.check.judge import graph_and_lint
    from migration_guard.lint.selection import revisions_at

    real_root = project.root.resolve()
    exported = staged_tree.project
    paths = {
        (exported.root / path.relative_to(real_root)).resolve()
        for path in staged_paths
        if path.is_relative_to(real_root)
    }
    from migration_guard.hook.reported import already_reported, record_reported, skipped_line

    graph = exported.graph()
    heads_by = already_reported(project.root, "heads")
    lint_by = already_reported(project.root, "lint")
    for check, by in (("heads", heads_by), ("lint", lint_by)):
        if by:
            _say(invocation, skipped_line(check, by))
    problems = () if heads_by else graph_problems(exported, graph, None, project)
    revisions = [] if lint_by else revisions_at(exported, graph, paths)
    # trace = "hook": the staged revisions are traced too (their staged blobs, as linted)
    trace = project.config.trace == "hook"
    code = graph_and_lint(invocation, exported, graph, problems + drift, revisions, trace=trace)
    for check, by in (("heads", heads_by), ("lint", lint_by)):
        if not by:
            record_reported(project.root, check, "migration-guard hook")
    return code


def _generate(
    invocation: Invocation,
    project: Project,
    top: Path,
    drift: tuple[Problem, ...],
    changes: list[ModelFileChange] | None = None,
    ahead: GeneratedAhead | None = None,
) -> int:
    """Staged model changes without a revision: generate one from the staged models (``ahead``:
    the drift check's child has, see :func:`_generate_along`)."""
    from migration_guard.new.generate import generate
    from migration_guard.new.runner_choice import choose_runner

    runner, _why = choose_runner(project, project.config.runner)
    unstaged = _unstaged_models(top, project.config.models, invocation.project)
    if runner == "docker" and unstaged:
        raise InputError(
            f"{unstaged[0]} has unstaged edits and the docker runner generates from the work tree: "
            "stage them, or stash them with `git stash --keep-index`, then commit again"
        )
    if changes is None:
        changes = _model_changes(project)
    message = _message(changes, drift)
    why = "staged model changes and no staged revision" if changes else "committed models drift"
    _say(invocation, f"migration-guard: {why}: generating {message!r}")
    outcome = generate(
        invocation,
        project,
        message,
        runner=project.config.runner,
        dry_run=False,
        staged=True,
        ahead=ahead,
    )
    if not outcome.changed or outcome.path is None:
        # The index needs a migration, yet the work tree's history already has it: a revision
        # generated earlier (or written by hand) is there but not staged.
        from migration_guard.errors import one_line

        needed = "; ".join(one_line(problem.message) for problem in drift)
        _say(
            invocation,
            f"migration-guard: commit stopped: the staged models need {needed}, which no staged "
            "revision does. Autogenerate found nothing to write against the work tree's history: "
            "a revision there is not staged (`git add` it, see `git status`), or the change is "
            "one autogenerate does not write (write that revision by hand and stage it).",
        )
        return exit_codes.FINDINGS
    shown = _from(outcome.path, Path.cwd())
    stopped = "commit stopped" if changes else "the committed models lack this migration"
    _say(
        invocation,
        f"\nmigration-guard: {stopped}. Review {shown}, then:\n"
        f"  git add {shown}\n"
        "and commit (set MIGRATION_MESSAGE to choose the revision message).",
    )
    return exit_codes.FINDINGS


def _message_from(drift: tuple[Problem, ...]) -> str:
    """``update document, user`` from the model files the pending operations were found in."""
    stems = dict.fromkeys(Path(problem.path).stem for problem in drift if problem.path)
    return "update " + ", ".join(stems) if stems else "update models"


def _has_head(top: Path) -> bool:
    from migration_guard.git.repo import git

    try:
        git(top, "rev-parse", "--verify", "-q", "HEAD")
    except InputError:
        return False
    return True


def _named(name: str) -> Path:
    """A file name given on the command line, absolute, its folder resolved but not itself:
    a link under the versions folder is a revision wherever it points."""
    path = Path(name).absolute()
    return path.parent.resolve() / path.name


def _classify(path: Path, models: list[Path], versions: list[Path]) -> str | None:
    if path.suffix != ".py":
        return None
    if _under(path, versions):
        return "revision"
    if _under(path, models):
        return "model"
    return None


def _under(path: Path, folders: list[Path]) -> bool:
    return any(folder == path or folder in path.parents for folder in folders)


def _staged(top: Path) -> dict[Path, str]:
    """Staged paths with their status letter, compared with HEAD: absolute, as git names them
    (a link is judged where it is, not by where it points; names need not be UTF-8)."""
    from migration_guard.git.repo import fs_name, git, names

    against = ["HEAD"] if _has_head(top) else []
    parts = names(git(top, "diff", "--cached", "--name-status", "-z", "--no-renames", *against))
    return {
        top / fs_name(parts[i + 1]): parts[i][:1].decode("ascii")
        for i in range(0, len(parts) - 1, 2)
    }


def _unstaged_models(top: Path, models: tuple[str, ...], root: Path) -> list[str]:
    from migration_guard.git.repo import git, names, shown

    folders = [str((root / folder).resolve()) for folder in models]
    output = git(top, "--literal-pathspecs", "diff", "--name-only", "-z", "--", *folders)
    return [shown(name) for name in names(output)]


def _from(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:
        return str(path)
