"""Step 1 of ``new``: which model files differ from HEAD, and which tables and columns they touch.

Read statically (``ast``), before anything runs: the user checks we have the right change.
Autogenerate's own list, from the database comparison, follows once it has run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import InputError

_COLUMN_CALLS = {"mapped_column", "Column", "column_property", "deferred", "composite", "Field"}
# SQLModel attributes that are no column
_RELATIONSHIP_CALLS = {"Relationship", "relationship", "association_proxy"}


@dataclass(frozen=True)
class ModelFileChange:
    """One changed model file: its path from the project root, how it changed, what it touches."""

    path: str
    status: str  # "added", "modified" or "deleted"
    details: tuple[str, ...]
    tables: tuple[str, ...]


def changed_model_files(
    root: Path, models: tuple[str, ...], *, staged: bool, versions: Sequence[Path] = ()
) -> list[ModelFileChange]:
    """Model files that differ from HEAD: in the index when ``staged``, else in the work tree.
    Paths are shown with escapes where git's names are not UTF-8. Files under ``versions`` (a
    models folder may hold the versions folder) are revisions, never models."""
    from migration_guard.git.repo import fs_name, git, names, shown, top_level

    top = top_level(root)
    folders = [_from_top(root / folder, top) for folder in models]
    has_head = _has_head(top)
    arguments = ["--name-status", "-z", "--no-renames"]
    if staged:
        arguments.append("--cached")
    if has_head:
        arguments.append("HEAD")
    elif not staged:
        arguments.append("--cached")  # no commit yet: everything known to git is new
    raw = names(git(top, "--literal-pathspecs", "diff", *arguments, "--", *folders))
    entries = [(raw[i].decode("ascii"), raw[i + 1]) for i in range(0, len(raw) - 1, 2)]
    if not staged:
        untracked = git(
            top,
            "--literal-pathspecs",
            "ls-files",
            "--others",
            "--exclude-standard",
            "-z",
            "--",
            *folders,
        )
        entries += [("A", name) for name in names(untracked)]
    changes = []
    for letter, name in sorted(set(entries), key=lambda entry: entry[1]):
        if not name.endswith(b".py") or is_revision(top / fs_name(name), versions):
            continue
        path = fs_name(name)
        shown_path = shown(_from_top(top / path, root.resolve()))
        old = _git_text(top, f"HEAD:{path}") if has_head and letter != "A" else None
        if letter == "D":
            new = None
        elif staged:
            new = _git_text(top, f":{path}")
        else:
            new = (top / path).read_text(encoding="utf-8", errors="replace")
        status = {"A": "added", "D": "deleted"}.get(letter[0], "modified")
        details, tables = describe_change(shown_path, old, new)
        changes.append(ModelFileChange(shown_path, status, details, tables))
    return changes


def describe_change(
    path: str, old: str | None, new: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The table and column definitions that differ between two versions of a model file."""
    before = _tables(path, old, strict=False) if old is not None else {}
    after = _tables(path, new, strict=True) if new is not None else {}
    details: list[str] = []
    touched: list[str] = []
    for table in sorted(set(before) | set(after)):
        if table not in before:
            details.append(f"new table `{table}` ({', '.join(f'`{c}`' for c in after[table])})")
        elif table not in after:
            details.append(f"table `{table}` removed from the models")
        else:
            old_columns, new_columns = before[table], after[table]
            for column, definition in new_columns.items():
                if column not in old_columns:
                    details.append(f"`{table}`: new column `{column}`: {definition}")
                elif old_columns[column] != definition:
                    details.append(f"`{table}`: `{column}` changed to {definition}")
            details.extend(
                f"`{table}`: column `{column}` removed"
                for column in old_columns
                if column not in new_columns
            )
            if not any(detail.startswith(f"`{table}`") for detail in details):
                continue
        touched.append(table)
    if not details:
        details.append(
            "no table or column definition changed (only other code, comments or docstrings)"
        )
    return tuple(details), tuple(touched)


def is_revision(path: Path, versions: Sequence[Path]) -> bool:
    """``path`` lies in one of the ``versions`` folders."""
    resolved = path.resolve()
    return any(
        folder == resolved or folder in resolved.parents
        for folder in (location.resolve() for location in versions)
    )


def check_syntax(folder: Path, shown_as: str, versions: Sequence[Path] = ()) -> None:
    """Raise an input error naming the first model file under ``folder`` (a folder or one file)
    Python cannot parse; files are named ``shown_as/<path inside folder>``; revision files
    (under ``versions``) are not models."""
    if folder.is_file():
        source = folder.read_text(encoding="utf-8", errors="replace")
        _tables(shown_as, source, strict=True)
        return
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" in path.parts or is_revision(path, versions):
            continue
        try:
            source = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        _tables(
            f"{shown_as.rstrip('/')}/{path.relative_to(folder).as_posix()}", source, strict=True
        )


def derived_message(changes: list[ModelFileChange]) -> str:
    """A revision message from what changed: ``update documents``, ``update documents, users``."""
    tables = list(dict.fromkeys(table for change in changes for table in change.tables))
    if not tables:
        tables = list(dict.fromkeys(Path(change.path).stem for change in changes))
    return "update " + ", ".join(tables) if tables else "update models"


def _tables(path: str, source: str | None, *, strict: bool) -> dict[str, dict[str, str]]:
    """``{table: {column: definition}}`` of the tables declared in ``source``: mapped classes
    (SQLAlchemy 2, classic ``Column``, SQLModel ``table=True``, with the columns of their
    base classes and mixins in the same file) and ``Table("name", metadata, Column(...))``."""
    try:
        tree = ast.parse(source or "", filename=path)
    except SyntaxError as error:
        if not strict:
            return {}
        raise InputError(
            f"{path}:{error.lineno or 1}: syntax error in a model file: {error.msg}"
        ) from None
    classes = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    tables: dict[str, dict[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            name = table_name(node)
            if name is not None:
                sqlmodel = _is_sqlmodel(node, classes, set())
                tables[name] = _class_columns(node, classes, sqlmodel, set())
        elif isinstance(node, ast.Call) and _called(node) == "Table" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                tables[first.value] = {
                    str(argument.args[0].value): ast.unparse(argument)
                    for argument in node.args[1:]
                    if isinstance(argument, ast.Call)
                    and _called(argument) == "Column"
                    and argument.args
                    and isinstance(argument.args[0], ast.Constant)
                    and isinstance(argument.args[0].value, str)
                }
    return tables


def table_name(node: ast.ClassDef) -> str | None:
    """A model class's literal ``__tablename__``, else SQLModel's default for a ``table=True``
    class (the class name in lower case); None for a class that is no table."""
    for statement in node.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign):
            targets, value = [statement.target], statement.value
        for target in targets:
            if (
                isinstance(target, ast.Name)
                and target.id == "__tablename__"
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                return value.value
    if _is_table_true(node):
        return node.name.lower()
    if _is_flask_sqlalchemy_table(node):
        return _FLASK_SNAKE.sub(r"_\1", node.name).lower().lstrip("_")
    return None


# Flask-SQLAlchemy's default __tablename__ (its camel_to_snake_case): "UserRole" -> "user_role"
_FLASK_SNAKE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")


def _is_flask_sqlalchemy_table(node: ast.ClassDef) -> bool:
    """A class on ``db.Model`` (Flask-SQLAlchemy's) naming its own primary key: Flask-SQLAlchemy
    names its table after the class (a subclass without one shares its parent's table)."""
    on_db_model = any(
        isinstance(base, ast.Attribute) and base.attr == "Model" for base in node.bases
    )
    if not on_db_model:
        return False
    return any(
        isinstance(call, ast.Call)
        and any(
            keyword.arg == "primary_key"
            and isinstance(keyword.value, ast.Constant)
            and keyword.value.value is True
            for keyword in call.keywords
        )
        for statement in node.body
        for call in ast.walk(statement)
    )


def _is_table_true(node: ast.ClassDef) -> bool:
    return any(
        keyword.arg == "table"
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is True
        for keyword in node.keywords
    )


def _is_sqlmodel(node: ast.ClassDef, classes: dict[str, ast.ClassDef], seen: set[str]) -> bool:
    """A SQLModel class: ``table=True``, or ``SQLModel`` among its bases (through the file's
    own classes). Every annotated attribute of one is a column."""
    if _is_table_true(node):
        return True
    seen.add(node.name)
    for base in node.bases:
        name = _base_name(base)
        if name == "SQLModel":
            return True
        if name in classes and name not in seen and _is_sqlmodel(classes[name], classes, seen):
            return True
    return False


def _class_columns(
    node: ast.ClassDef, classes: dict[str, ast.ClassDef], sqlmodel: bool, seen: set[str]
) -> dict[str, str]:
    """The columns of ``node`` and of its base classes in the same file, bases first."""
    seen.add(node.name)
    columns: dict[str, str] = {}
    for base in node.bases:
        name = _base_name(base)
        if name in classes and name not in seen:
            columns.update(_class_columns(classes[name], classes, sqlmodel, seen))
    for statement in node.body:
        column = _column(statement, sqlmodel)
        if column is not None:
            columns.pop(column[0], None)
            columns[column[0]] = column[1]
    return columns


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def _column(statement: ast.stmt, sqlmodel: bool) -> tuple[str, str] | None:
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        name = statement.target.id
        if name.startswith("__"):
            return None
        annotation = ast.unparse(statement.annotation)
        value = statement.value
        if value is None:
            if annotation.startswith("Mapped") or (sqlmodel and not _class_var(annotation)):
                return name, annotation
            return None
        if _is_column_call(value) or (
            sqlmodel and not _class_var(annotation) and not _is_relationship(value)
        ):
            return name, f"{annotation} = {ast.unparse(value)}"
        return None
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and _is_column_call(statement.value)
    ):
        return statement.targets[0].id, ast.unparse(statement.value)
    return None


def _class_var(annotation: str) -> bool:
    return annotation.startswith(("ClassVar", "typing.ClassVar"))


def _is_relationship(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and _called(value) in _RELATIONSHIP_CALLS


def _is_column_call(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and _called(value) in _COLUMN_CALLS


def _called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _git_text(top: Path, spec: str) -> str | None:
    from migration_guard.errors import InputError
    from migration_guard.git.repo import git

    try:
        return git(top, "cat-file", "blob", spec).decode("utf-8", "replace")
    except InputError:
        return None


def _has_head(top: Path) -> bool:
    from migration_guard.errors import InputError
    from migration_guard.git.repo import git

    try:
        git(top, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    except InputError:
        return False
    return True


def _from_top(path: Path, top: Path) -> str:
    try:
        return path.resolve().relative_to(top).as_posix()
    except ValueError:
        return path.as_posix()
