"""Runs in a child process: ``alembic revision --autogenerate`` with the project's own env.py.

Run as ``python -m migration_guard.runners.autogen_worker REQUEST.json RESULT.json`` with the
database URL already in the environment. Records what autogenerate detected, in plain words,
and leaves no file when it detected nothing.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any


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


def generate(request: dict[str, Any]) -> dict[str, Any]:
    from alembic import command
    from alembic.config import Config

    ini_path = Path(request["ini_path"])
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
            changes.extend(describe_diff(diff) for diff in ops.as_diffs())

    script = command.revision(
        config,
        message=request["message"],
        autogenerate=True,
        rev_id=request.get("rev_id"),
        process_revision_directives=keep_only_changes,
    )
    if isinstance(script, list):
        script = script[0] if script else None
    if script is None:
        return {"changes": [], "path": None, "revision": None}
    return {"changes": changes, "path": script.path, "revision": script.revision}


def _one_line(error: BaseException) -> str:
    where = ""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if "site-packages" not in frame.filename and "/alembic/" not in frame.filename:
            where = f" ({frame.filename}:{frame.lineno})"
            break
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def main(argv: list[str]) -> int:
    from migration_guard.runners.pinned import pin_from_environment

    pin_from_environment()
    request_path, result_path = argv
    request = json.loads(Path(request_path).read_text())
    try:
        result = generate(request)
    except Exception as error:  # reported to the parent as one line
        result = {"fatal": _one_line(error)}
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
