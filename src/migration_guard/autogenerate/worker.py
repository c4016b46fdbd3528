"""Runs in a child process: ``alembic revision --autogenerate`` with the project's own env.py.

Run as a job of :mod:`migration_guard.runners.child` (``REQUEST.json RESULT.json``, or prepared
ahead of its database) with the database URL in the environment: an
:class:`~migration_guard.autogenerate.messages.AutogenRequest` in, an
:class:`~migration_guard.autogenerate.messages.AutogenResult` out. Records what autogenerate
detected, in plain words, and leaves no file when it detected nothing. With ``render`` in the request, the new revision's
upgrade and rollback SQL are rendered here too (:mod:`migration_guard.render.generated`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from migration_guard.autogenerate.messages import AutogenRequest, AutogenResult
from migration_guard.runners.child import FATAL, is_read_only_refusal, project_frame


def describe_diff(diff: Any) -> str:
    """One of autogenerate's diff tuples (``compare_metadata``'s output) in plain words."""
    if isinstance(diff, list):
        return "; ".join(describe_diff(item) for item in diff)
    kind = diff[0]
    if kind == "add_table":
        table = diff[1]
        columns = ", ".join(f"`{column.name}`" for column in table.columns)
        return f"create table `{table.name}` ({columns})"
    if kind == "remove_table":
        return f"drop table `{diff[1].name}`"
    if kind in ("add_column", "remove_column"):
        _schema, table, column = diff[1], diff[2], diff[3]
        if kind == "remove_column":
            return f"drop column `{table}.{column.name}`"
        return f"add column `{table}.{column.name}` {_column_words(column)}"
    if kind in ("add_index", "remove_index"):
        index = diff[1]
        columns = ", ".join(str(getattr(c, "name", c)) for c in index.expressions)
        verb = "create" if kind == "add_index" else "drop"
        unique = "unique " if index.unique else ""
        return f"{verb} {unique}index `{index.name}` on `{index.table.name}` ({columns})"
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        constraint = diff[1]
        verb = "add" if kind.startswith("add") else "drop"
        what = "foreign key" if kind.endswith("fk") else type(constraint).__name__
        table = getattr(getattr(constraint, "table", None), "name", "?")
        return f"{verb} {what} `{constraint.name or '(unnamed)'}` on `{table}`"
    if kind.startswith("modify_"):
        _schema, table, column, _info, old, new = diff[1:7]
        attribute = kind.removeprefix("modify_")
        return f"change {attribute} of `{table}.{column}` from {_value(old)} to {_value(new)}"
    if kind in ("add_table_comment", "remove_table_comment"):
        return (
            f"{'set' if kind.startswith('add') else 'remove'} the comment of table `{diff[1].name}`"
        )
    return " ".join(str(part) for part in diff)


def _column_words(column: Any) -> str:
    words = [str(column.type)]
    words.append("NULL" if column.nullable else "NOT NULL")
    default = column.server_default
    if default is not None:
        words.append(f"server default {_value(getattr(default, 'arg', default))}")
    elif not column.nullable:
        words.append("no server default")
    return "(" + ", ".join(words) + ")"


def _value(value: Any) -> str:
    if value is None:
        return "none"
    text = getattr(value, "text", None)
    return str(text if text is not None else value)


def generate(request: AutogenRequest) -> AutogenResult:
    from alembic import command

    from migration_guard.runners.alembic_import import alembic_config

    ini_path = Path(request.ini_path)
    os.chdir(ini_path.parent)
    config = alembic_config(ini_path)
    if request.replay:
        failed = replay_heads(config)
        if failed is not None:
            return AutogenResult(replay_failed=failed)
    changes: list[str] = []
    script = command.revision(
        config,
        message=request.message,
        autogenerate=True,
        rev_id=request.rev_id,
        process_revision_directives=changes_recorder(changes),
    )
    if isinstance(script, list):
        script = script[0] if script else None
    return generated(script, changes, request)


def replay_heads(config: Any) -> str | None:
    """``alembic upgrade heads`` on this child's new database, which then reads only (see
    :func:`~migration_guard.runners.pinned.read_only_from_now`); why it failed, in one line
    (the error and the project's line), else None."""
    from alembic import command

    from migration_guard.runners.child import is_our_bug, one_line
    from migration_guard.runners.pinned import read_only_from_now

    try:
        command.upgrade(config, "heads")
    except Exception as error:
        if is_our_bug(error):
            raise
        return one_line(error)
    read_only_from_now()
    return None


def changes_recorder(changes: list[str]) -> Callable[[Any, Any, list[Any]], None]:
    """The ``process_revision_directives`` hook: no revision when nothing changed, else each
    change in plain words appended to ``changes`` (and empty metadata refused)."""
    from migration_guard.runners.models_imported import refuse_empty_metadata

    def keep_only_changes(context: Any, revision: Any, directives: list[Any]) -> None:
        if not directives:
            return
        script = directives[0]
        if all(ops.is_empty() for ops in script.upgrade_ops_list):
            directives[:] = []
            return
        for ops in script.upgrade_ops_list:
            diffs = ops.as_diffs()
            refuse_empty_metadata(context, diffs)
            changes.extend(describe_diff(diff) for diff in diffs)

    return keep_only_changes


def generated(script: Any, changes: list[str], request: AutogenRequest) -> AutogenResult:
    """The job's result for the revision ``script`` Alembic wrote (None: nothing changed); with
    ``render`` in the request, its SQL rendered here, where env.py and the models are imported
    already (not in two more children)."""
    if script is None:
        return AutogenResult()
    rendered = None
    parent = script.down_revision
    if request.render and (parent is None or isinstance(parent, str)):
        from migration_guard.render.generated import render_generated

        rendered = render_generated(
            Path(request.ini_path), script.revision, parent, request.database_url_env
        )
    return AutogenResult(tuple(changes), script.path, script.revision, rendered)


def job(raw: dict[str, Any]) -> dict[str, Any]:
    """An :class:`AutogenRequest` answered by an :class:`AutogenResult` (``read_only`` when
    env.py writes and the database refused); the protocol's ``input_error`` when env.py imports
    no model, its ``fatal`` when the project's code failed (named in ``tree``)."""
    from migration_guard.runners.models_imported import INPUT_ERROR, ModelsNotImported

    request = AutogenRequest.from_json(raw)
    try:
        return generate(request).to_json()
    except ModelsNotImported as error:
        return {INPUT_ERROR: str(error)}
    except Exception as error:
        if is_read_only_refusal(error):
            return AutogenResult(read_only=True).to_json()
        tree = request.tree
        path, line = project_frame(error, tree)
        if path is None:
            raise
        # the file as the user knows it, not the scratch copy autogenerate ran in
        shown = os.path.relpath(path, tree) if tree else path
        text = str(error).strip().splitlines()[0] if str(error).strip() else ""
        if isinstance(error, SyntaxError):
            text = error.msg
        return {FATAL: f"{type(error).__name__}: {text} ({shown}:{line})"}


def main(argv: list[str]) -> int:
    from migration_guard.runners.child import DRIVER, job_main

    # what autogenerate imports, imported while the parent readies the database
    return job_main(job, argv, ("alembic.command", "alembic.autogenerate", DRIVER))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
