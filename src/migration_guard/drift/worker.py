"""Runs in a pinned child: what ``alembic check`` compares, as a list of pending operations.

A job of :mod:`migration_guard.runners.child` (a :class:`DriftRequest` in, a
:class:`DriftReply` out), the database already at the tree's heads. The project's
own env.py runs (its ``target_metadata``, ``include_object``, ``compare_type``…) exactly as in
``alembic check``; no file is written. Autogenerate does not compare the values of PostgreSQL
enum types, so those are compared here too. A failure in the project's code comes back as
a :class:`ProjectFailure` with the file and line, so the parent can name them in the repository.

A revision whose upgrade fails while the history is replayed (a migration broken on an empty
database) does not stop the check: the job returns it (``upgrade_failed``: revision, file,
line, error) and the parent replays again on a new database with it in ``skip``, marked
applied without running (``alembic stamp``), so the drift of the rest is still judged.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from migration_guard.runners.child import is_read_only_refusal, project_frame


@dataclass(frozen=True)
class DriftRequest:
    """``action`` ``upgrade``: bring the database to heads, the ``skip`` revisions stamped;
    ``compare``: the pending operations. ``tree`` is the exported tree (the project's files)."""

    ini_path: str
    tree: str
    action: str
    skip: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "skip": list(self.skip)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DriftRequest:
        return cls(
            str(data["ini_path"]),
            str(data.get("tree") or ""),
            str(data.get("action") or "compare"),
            tuple(str(rev) for rev in data.get("skip") or ()),
        )


@dataclass(frozen=True)
class Operation:
    """One operation autogenerate would add: its kind (``add_column``…), where, in words."""

    kind: str
    table: str | None
    column: str | None
    message: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Operation:
        return cls(str(data["kind"]), data.get("table"), data.get("column"), str(data["message"]))


@dataclass(frozen=True)
class UpgradeFailure:
    """A revision whose upgrade failed during the replay: its file, line and the error."""

    revision: str
    path: str | None
    line: int | None
    error: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UpgradeFailure:
        return cls(str(data["revision"]), data.get("path"), data.get("line"), str(data["error"]))


@dataclass(frozen=True)
class ProjectFailure:
    """The project's code (env.py, the models) or the database failed: the error in one line
    and the innermost frame inside the tree; ``read_only``: env.py wrote to the template."""

    type: str
    message: str
    path: str | None
    line: int | None
    environment: bool
    read_only: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectFailure:
        return cls(
            str(data["type"]),
            str(data.get("message") or ""),
            data.get("path"),
            data.get("line"),
            bool(data.get("environment")),
            bool(data.get("read_only")),
        )


@dataclass(frozen=True)
class DriftReply:
    """One job's answer: the pending operations, the replay's failed revision, or a failure."""

    operations: tuple[Operation, ...] = ()
    upgrade_failed: UpgradeFailure | None = None
    failed: ProjectFailure | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "operations": [asdict(operation) for operation in self.operations],
            "upgrade_failed": asdict(self.upgrade_failed) if self.upgrade_failed else None,
            "failed": asdict(self.failed) if self.failed else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DriftReply:
        upgrade_failed, failed = data.get("upgrade_failed"), data.get("failed")
        return cls(
            tuple(Operation.from_json(each) for each in data.get("operations") or ()),
            UpgradeFailure.from_json(upgrade_failed) if upgrade_failed else None,
            ProjectFailure.from_json(failed) if failed else None,
        )


_KEYWORDS = re.compile(r"\b(?:length|precision|scale)=")


def job(raw: dict[str, Any]) -> dict[str, Any]:
    """A :class:`DriftRequest` answered by a :class:`DriftReply`; the protocol's
    ``input_error`` when env.py imports no model."""
    from migration_guard.runners.models_imported import INPUT_ERROR, ModelsNotImported

    request = DriftRequest.from_json(raw)
    ini_path = Path(request.ini_path)
    try:
        if request.action == "upgrade":
            failed = upgrade_heads(ini_path, list(request.skip))
            return DriftReply(upgrade_failed=failed).to_json()
        operations = tuple(Operation.from_json(each) for each in pending_operations(ini_path))
        return DriftReply(operations).to_json()
    except ModelsNotImported as error:
        return {INPUT_ERROR: str(error)}
    except Exception as error:  # the project's code failed: where, for the parent to map
        # a relative tree (the compose runner's) is relative to where the job started
        tree = os.path.abspath(request.tree) if request.tree else ""
        return DriftReply(failed=_failure(error, tree)).to_json()


def upgrade_heads(ini_path: Path, skip: list[str]) -> UpgradeFailure | None:
    """``alembic upgrade heads``, each revision in ``skip`` marked applied without running
    (``alembic stamp``) once its parents are; the first other revision that fails (its
    revision, file, line and error), else None. A failed run leaves the database in whatever
    state env.py's transactions left it: the caller starts the next attempt on a new one."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from migration_guard.render.stand_in import load_revisions_as_needed

    os.chdir(ini_path.parent)
    # a revision file that cannot be imported fails its own upgrade, not the whole replay
    load_revisions_as_needed({})
    config = Config(str(ini_path))
    script = ScriptDirectory.from_config(config)
    in_order = list(reversed(list(script.walk_revisions())))
    files = {os.path.realpath(found.path): found for found in in_order}
    try:
        for found in in_order:  # parents first: a skipped parent is stamped before its child
            if found.revision in skip:
                for parent in found._all_down_revisions:
                    command.upgrade(config, parent)
                command.stamp(config, found.revision)
        command.upgrade(config, "heads")
    except Exception as error:
        failing, line = _failing_revision(error, files)
        if failing is None or failing.revision in skip:
            raise  # env.py or the models, not a revision: the caller names it
        return UpgradeFailure(failing.revision, failing.path, line, _database_error(error))
    return None


def _failing_revision(error: BaseException, files: dict[str, Any]) -> tuple[Any, int | None]:
    """The revision whose file is the innermost one in the traceback, and its line there."""
    import traceback

    found, line = None, None
    for frame in traceback.extract_tb(error.__traceback__):
        script = files.get(os.path.realpath(frame.filename))
        if script is not None:
            found, line = script, frame.lineno
    return found, line


def _database_error(error: BaseException) -> str:
    """The database's first line without SQLAlchemy's ``(driver.errors.Name)`` prefix."""
    original = getattr(error, "orig", None)
    if original is not None and str(original).strip():
        return str(original).strip().splitlines()[0]
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def pending_operations(ini_path: Path) -> list[dict[str, Any]]:
    from alembic import autogenerate
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    from migration_guard.runners.models_imported import refuse_empty_metadata

    os.chdir(ini_path.parent)
    config = Config(str(ini_path))
    script_directory = ScriptDirectory.from_config(config)
    command_args = dict(
        message=None,
        autogenerate=True,
        sql=False,
        head="head",
        splice=False,
        branch_label=None,
        version_path=None,
        rev_id=None,
        depends_on=None,
    )
    revision_context = autogenerate.RevisionContext(config, script_directory, command_args)
    enum_operations: list[dict[str, Any]] = []

    def retrieve_migrations(rev: Any, context: Any) -> list[Any]:
        revision_context.run_autogenerate(rev, context)
        for script in revision_context.generated_revisions:
            for upgrade_ops in script.upgrade_ops_list:
                refuse_empty_metadata(context, upgrade_ops.as_diffs())
        enum_operations.extend(_enum_values(context))
        return []

    with EnvironmentContext(
        config,
        script_directory,
        fn=retrieve_migrations,
        as_sql=False,
        template_args=revision_context.template_args,
        revision_context=revision_context,
    ):
        script_directory.run_env()
    operations: list[dict[str, Any]] = []
    if revision_context.generated_revisions:  # env.py's own hook may have emptied the list
        script = revision_context.generated_revisions[-1]
        for upgrade_ops in script.upgrade_ops_list:
            operations.extend(_walk(upgrade_ops))
    return operations + enum_operations


def _walk(container: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for op in container.ops:
        if hasattr(op, "ops"):
            found.extend(_walk(op))
            continue
        try:
            diff = op.to_diff_tuple()
        except Exception:  # an operation of a plugin without a diff form
            found.append(_operation(type(op).__name__, None, None, type(op).__name__))
            continue
        for item in diff if isinstance(diff, list) else [diff]:
            found.append(describe(item))
    return found


def _operation(kind: str, table: str | None, column: str | None, message: str) -> dict[str, Any]:
    return {"kind": kind, "table": table, "column": column, "message": message}


def describe(diff: Any) -> dict[str, Any]:
    """One of autogenerate's diff tuples in plain words, with its table and column."""
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        table = _table_name(diff[1])
        if kind == "add_table":
            return _operation(kind, table, None, f"add table {table}")
        return _operation(kind, table, None, f"drop table {table} (not in the models)")
    if kind in ("add_column", "remove_column"):
        table = _qualified(diff[1], diff[2])
        column = diff[3]
        if kind == "remove_column":
            message = f"drop column {table}.{column.name} (not in the models)"
        else:
            message = f"add column {table}.{column.name} ({_column_words(column)})"
        return _operation(kind, table, column.name, message)
    if kind in ("add_index", "remove_index"):
        index = diff[1]
        table = _table_name(index.table)
        columns = ", ".join(str(getattr(c, "name", c)) for c in index.expressions)
        verb = "add" if kind == "add_index" else "drop"
        unique = "unique " if index.unique else ""
        first = getattr(index.expressions[0], "name", None) if index.expressions else None
        message = f"{verb} {unique}index {index.name} on {table} ({columns})"
        return _operation(kind, table, first, message)
    if kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return _constraint(kind, diff[1])
    if kind.startswith("modify_"):
        return _modify(kind, diff)
    if kind in ("add_table_comment", "remove_table_comment"):
        table = _table_name(diff[1])
        verb = "set" if kind.startswith("add") else "remove"
        return _operation(kind, table, None, f"{verb} the comment of table {table}")
    return _operation(kind, None, None, " ".join(str(part) for part in diff))


def _constraint(kind: str, constraint: Any) -> dict[str, Any]:
    verb = "add" if kind.startswith("add") else "drop"
    table = _table_name(getattr(constraint, "table", None))
    columns = [column.name for column in getattr(constraint, "columns", ())]
    name = constraint.name or "(unnamed)"
    if kind.endswith("fk"):
        target = ", ".join(element.target_fullname for element in constraint.elements)
        message = f"{verb} foreign key {name} on {table} ({', '.join(columns)}) -> {target}"
    else:
        what = re.sub(r"(?<!^)(?=[A-Z])", " ", type(constraint).__name__).lower()
        message = f"{verb} {what} {name} on {table} ({', '.join(columns)})"
    return _operation(kind, table, columns[0] if columns else None, message)


def _modify(kind: str, diff: Any) -> dict[str, Any]:
    _kind, schema, table_name, column, _existing, old, new = diff[:7]
    table = _qualified(schema, table_name)
    where = f"{table}.{column}"
    if kind == "modify_nullable":
        message = f"make {where} {'nullable' if new else 'not null'}"
    elif kind == "modify_type":
        message = f"change type of {where} from {_type_words(old)} to {_type_words(new)}"
    elif kind == "modify_default":
        message = f"change server default of {where} from {_value(old)} to {_value(new)}"
    elif kind == "modify_comment":
        message = f"change comment of {where} from {_value(old)} to {_value(new)}"
    else:
        attribute = kind.removeprefix("modify_")
        message = f"change {attribute} of {where} from {_value(old)} to {_value(new)}"
    return _operation(kind, table, column, message)


def _enum_values(context: Any) -> list[dict[str, Any]]:
    """Native enum types whose values differ between the models and the database."""
    from sqlalchemy import Enum, text

    metadata = context.opts.get("target_metadata")
    if metadata is None or context.connection is None:
        return []
    if context.connection.dialect.name != "postgresql":
        return []
    seen: dict[tuple[str | None, str], tuple[list[str], str, str]] = {}
    for meta in metadata if isinstance(metadata, (list, tuple)) else [metadata]:
        for table in meta.sorted_tables:
            for column in table.columns:
                kind = column.type
                if isinstance(kind, Enum) and kind.native_enum and kind.name:
                    key = (kind.schema or table.schema, kind.name)
                    seen.setdefault(key, (list(kind.enums), _table_name(table), column.name))
    found: list[dict[str, Any]] = []
    for (schema, name), (values, table, column) in sorted(seen.items(), key=str):
        rows = context.connection.execute(
            text(
                "SELECT e.enumlabel FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid "
                "JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE t.typname = :name AND n.nspname = coalesce(:schema, current_schema()) "
                "ORDER BY e.enumsortorder"
            ),
            {"name": name, "schema": schema},
        ).fetchall()
        if not rows:
            continue  # the type is missing altogether: autogenerate reports its table or column
        database = [str(row[0]) for row in rows]
        shown = f"{schema}.{name}" if schema else name
        for value in values:
            if value not in database:
                message = f"add value {value!r} to enum {shown} (used by {table}.{column})"
                found.append(_operation("add_enum_value", table, column, message))
        for value in database:
            if value not in values:
                message = f"drop value {value!r} from enum {shown} (not in the models)"
                found.append(_operation("remove_enum_value", table, column, message))
    return found


def _column_words(column: Any) -> str:
    words = [_type_words(column.type), "nullable" if column.nullable else "not null"]
    default = column.server_default
    if default is not None:
        words.append(f"server default {_value(getattr(default, 'arg', default))}")
    return ", ".join(words)


def _type_words(kind: Any) -> str:
    try:
        return _KEYWORDS.sub("", repr(kind))
    except Exception:  # a type whose repr fails: its class name is enough
        return type(kind).__name__


def _value(value: Any) -> str:
    if value is None:
        return "none"
    text = getattr(value, "text", None)
    if text is None:
        text = getattr(getattr(value, "arg", None), "text", None)
    return repr(str(text if text is not None else value))


def _table_name(table: Any) -> str:
    if table is None:
        return "?"
    return _qualified(getattr(table, "schema", None), table.name)


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _failure(error: BaseException, tree: str) -> ProjectFailure:
    """The error in one line and the innermost frame inside the exported tree."""
    path, line = project_frame(error, tree)
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if isinstance(error, SyntaxError):
        text = error.msg
    return ProjectFailure(
        type(error).__name__,
        text,
        path,
        line,
        _is_environment(error),
        is_read_only_refusal(error),
    )


def _is_environment(error: BaseException) -> bool:
    """A database or driver failure (or Alembic refusing the database), not the project's code."""
    modules = [cls.__module__ for cls in type(error).__mro__]
    if any(module.startswith(("psycopg", "asyncpg", "pg8000")) for module in modules):
        return True
    try:
        from alembic.util import CommandError
        from sqlalchemy.exc import DBAPIError
    except ImportError:
        return False
    return isinstance(error, (DBAPIError, CommandError))


def main(argv: list[str]) -> int:
    from migration_guard.runners.child import DRIVERS, job_main

    # what every compare imports, imported while the parent readies the database
    preload = ("alembic.autogenerate", "alembic.runtime.environment", "alembic.script", *DRIVERS)
    return job_main(job, argv, preload)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
