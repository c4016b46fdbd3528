"""Runs in a child process: ``alembic revision --autogenerate`` with the project's own env.py.

Run as a job of :mod:`migration_guard.runners.child` (prepared ahead of its database, the URL
given with its :class:`AutogenRequest`), it answers an :class:`AutogenResult`. Records what autogenerate detected, in plain words,
and leaves no file when it detected nothing.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_guard.runners.child import FATAL, is_read_only_refusal, project_frame


@dataclass(frozen=True)
class AutogenRequest:
    """What to autogenerate: with which alembic.ini, under which message; ``tree`` is the
    folder the project runs from (an error in its code is named relative to it)."""

    ini_path: str
    message: str
    tree: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"ini_path": self.ini_path, "message": self.message, "tree": self.tree}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AutogenRequest:
        return cls(str(data["ini_path"]), str(data["message"]), str(data.get("tree") or ""))


@dataclass(frozen=True)
class AutogenResult:
    """What autogenerate did: its changes in plain words and the file it wrote (None: no
    change), or ``read_only``: env.py writes and the read-only template refused it."""

    changes: tuple[str, ...] = ()
    path: str | None = None
    revision: str | None = None
    read_only: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": list(self.changes),
            "path": self.path,
            "revision": self.revision,
            "read_only": self.read_only,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AutogenResult:
        path, revision = data.get("path"), data.get("revision")
        return cls(
            tuple(str(change) for change in data.get("changes", ())),
            str(path) if path else None,
            str(revision) if revision else None,
            bool(data.get("read_only")),
        )


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
    from alembic.config import Config

    from migration_guard.runners.models_imported import refuse_empty_metadata

    ini_path = Path(request.ini_path)
    os.chdir(ini_path.parent)
    config = Config(str(ini_path))
    changes: list[str] = []

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

    script = command.revision(
        config,
        message=request.message,
        autogenerate=True,
        process_revision_directives=keep_only_changes,
    )
    if isinstance(script, list):
        script = script[0] if script else None
    if script is None:
        return AutogenResult()
    return AutogenResult(tuple(changes), script.path, script.revision)


def job(raw: dict[str, Any]) -> dict[str, Any]:
    """Autogenerate (:class:`AutogenResult`); the protocol's ``input_error`` when env.py
    imports no model, its ``fatal`` when the project's code raised."""
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
    from migration_guard.runners.child import DRIVERS, job_main

    # what autogenerate imports, imported while the parent readies the database
    return job_main(job, argv, ("alembic.command", "alembic.autogenerate", *DRIVERS))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
