"""``init [--write] [--force]``: detect the layout, write ``[tool.migration-guard]``, show or write
the pre-commit entry and the workflow."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from migration_guard import exit_codes
from migration_guard.adopt.install import DEFAULT_PYTHON, Install, detect_install
from migration_guard.adopt.layout import Layout, Setting, detect_layout, repository_top
from migration_guard.adopt.precommit_merge import plan_pre_commit
from migration_guard.adopt.pyproject_table import FileChange, plan_pyproject, render_table
from migration_guard.adopt.snippets import (
    WORKFLOW_PATH,
    Source,
    install_source,
    pre_commit_config,
    pre_commit_entry,
    workflow,
)
from migration_guard.commands import Invocation
from migration_guard.errors import InputError, one_line

_DONE = {
    "created": "created with [tool.migration-guard]",
    "appended": "[tool.migration-guard] added at the end (the rest of the file is untouched)",
    "replaced": "[tool.migration-guard] replaced (--force)",
    "written": "written",
    "merged": "migration-guard's entry added to `repos:` (your entries and comments are kept)",
}


def run(invocation: Invocation) -> int:
    write: bool = invocation.arguments.write
    force: bool = invocation.arguments.force
    root = invocation.project
    layout = detect_layout(root)
    settings = layout.settings()
    top = repository_top(root)
    if write and top is None:
        raise InputError(
            f"{root}: not inside a git repository; --write puts .pre-commit-config.yaml and "
            f"{WORKFLOW_PATH} at its root (run `git init` first)"
        )
    project = Path(os.path.relpath(root.resolve(), top)).as_posix() if top else "."
    source = install_source()
    entry = pre_commit_entry(source, project)
    install = detect_install(layout.alembic.ini_path.parent, top or root)
    flow = workflow(source, project, install)
    # Every change is planned (and every refusal raised) before anything is written.
    changes = [plan_pyproject(root / "pyproject.toml", settings, force=force)]
    if write and top is not None:
        changes.append(
            plan_pre_commit(
                top / ".pre-commit-config.yaml", pre_commit_config(source, project), entry
            )
        )
        changes.append(_plan_workflow(top / WORKFLOW_PATH, flow, force=force))
    for change in changes:
        if change.action != "unchanged":
            _write(change)
    if invocation.format == "json":
        _print_json(layout, settings, changes, entry, flow, source, root, install)
    else:
        _print_text(
            layout, settings, changes, entry, flow, source, root, install, wrote_snippets=write
        )
    return exit_codes.OK


def _plan_workflow(path: Path, text: str, *, force: bool) -> FileChange:
    if not path.exists():
        return FileChange(path, "written", text)
    from migration_guard.config.bounded_read import read_text

    old = read_text(path, "workflow file").replace("\r\n", "\n").replace("\r", "\n")
    if old == text:
        return FileChange(path, "unchanged", old)
    if not force:
        raise InputError(
            f"{path}: already exists and differs from the workflow init writes; "
            "run `migration-guard init --write --force` to replace it"
        )
    return FileChange(path, "replaced", text)


def _write(change: FileChange) -> None:
    """Write through a temporary file in the same folder, so a failure leaves the old file."""
    change.path.parent.mkdir(parents=True, exist_ok=True)
    temporary = change.path.with_name(f".{change.path.name}.migration-guard-tmp")
    with temporary.open("w", encoding="utf-8", newline="") as stream:
        stream.write(change.text)
    if change.path.exists():
        shutil.copymode(change.path, temporary)
    os.replace(temporary, change.path)


def _shown(path: Path, root: Path) -> str:
    return one_line(Path(os.path.relpath(path.resolve(), root.resolve())).as_posix())


def _print_json(
    layout: Layout,
    settings: list[Setting],
    changes: list[FileChange],
    entry: str,
    flow: str,
    source: Source,
    root: Path,
    install: Install,
) -> None:
    document = {
        "layout": layout.summary(),
        "settings": {setting.key: setting.value for setting in settings},
        "files": [{"path": _shown(c.path, root), "action": c.action} for c in changes],
        "pre_commit_entry": entry,
        "workflow": {"path": WORKFLOW_PATH, "text": flow, "install": install.summary()},
        "source": {"url": source.url, "commit": source.commit, "placeholders": source.placeholder},
    }
    from migration_guard.untrusted import json_document

    sys.stdout.write(json_document(document))


def _print_text(
    layout: Layout,
    settings: list[Setting],
    changes: list[FileChange],
    entry: str,
    flow: str,
    source: Source,
    root: Path,
    install: Install,
    *,
    wrote_snippets: bool,
) -> None:
    out: list[str] = ["detected:"]
    summary = layout.summary()
    models = layout.models
    out.append(
        f"  alembic.ini       {summary['alembic_ini']} (script_location = {layout.script_location})"
    )
    out.append(f"  versions          {', '.join(summary['version_locations'])}")
    if models is not None:
        out.append(f"  models            {', '.join(summary['models'])} ({models.reason})")
    else:
        out.append(
            "  models            not found (env.py's target_metadata names no Base we can follow); set `models` by hand"
        )
    compose = layout.compose
    if compose is None:
        out.append("  compose file      none (the local runner will be used)")
    else:
        out.append(
            f"  compose file      {summary['compose_file']}: app service "
            f"{compose.app_service or 'not found'}, database service {compose.db_service or 'not found'}"
        )
    out.append(f"  CI install        {install.command} ({install.reason})")
    out.append(f"  CI python         {install.python or DEFAULT_PYTHON} ({install.python_reason})")
    out = [one_line(line) for line in out]
    for change in changes:
        shown = _shown(change.path, root)
        if change.action == "unchanged":
            out.append(f"{shown}: up to date")
        else:
            out.append(f"{shown}: {_DONE[change.action]}")
        if change.path.name == "pyproject.toml" and change.action != "unchanged":
            out.append(render_table(settings).rstrip("\n"))
    if not wrote_snippets:
        out.append(
            "add to .pre-commit-config.yaml under `repos:` (or run `migration-guard init --write`):"
        )
        out.append(entry.rstrip("\n"))
        out.append(f"add {WORKFLOW_PATH} (or run `migration-guard init --write`):")
        out.append(flow.rstrip("\n"))
    if source.placeholder:
        out.append(
            "note: replace OWNER with migration-guard's GitHub owner and SHA with one full commit id "
            "(this copy was not installed from a pinned git URL)"
        )
    if all(change.action == "unchanged" for change in changes):
        out.append("nothing to change")
    from migration_guard.untrusted import terminal_block

    # service names, folders and paths come from the repository
    sys.stdout.write(terminal_block("\n".join(out)) + "\n")
