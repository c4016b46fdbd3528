"""What a revision's ``upgrade()`` does with data in Python, read with ``ast`` (never imported).

Looks at ``upgrade()`` and the module's functions it calls (transitively): an ORM session
(``Session(bind=…)``, ``sessionmaker``, ``session.query(…)``), the application's models (names
imported from a module path with a ``models`` part, ``from app.models import User``, or an
imported class the session queries), and loops over rows read from the database (``for row in
conn.execute(…)``, ``.fetchall()``, a name assigned from one of those) that change rows.
Classes a revision defines for itself (its own ``declarative_base()``) are not the
application's: they do not move on with it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache

_SESSION_FACTORIES = frozenset({"Session", "sessionmaker", "scoped_session"})
# Calls whose result is rows read from the database.
_ROW_SOURCES = frozenset(
    {"execute", "fetchall", "fetchmany", "scalars", "all", "query", "mappings", "yield_per"}
)
# Calls that write rows whatever their arguments.
_ROW_WRITES = frozenset(
    {"add", "add_all", "merge", "bulk_insert", "bulk_update_mappings", "bulk_insert_mappings"}
)
_LIBRARIES = frozenset(
    {"sqlalchemy", "alembic", "sqlmodel", "flask_sqlalchemy", "sqlalchemy_utils", "typing"}
)


# Text every use below needs somewhere in the file: a session factory or ``.query``, a models
# module's name, or a ``for`` loop over a call reading rows. A file with none of it (most
# revisions: op. calls only) is not parsed at all.
_MAY_USE = re.compile(r"Session|sessionmaker|scoped_session|query|model")
_MAY_LOOP = re.compile(r"\bfor\b")
_ROW_CALL = re.compile(r"\.\s*(?:" + "|".join(sorted(_ROW_SOURCES)) + r")\b")


@dataclass(frozen=True)
class PythonDataUse:
    """One thing ``upgrade()`` does with data in Python: ``kind`` is ``session``,
    ``models`` or ``row-loop``; ``detail`` what it names (``app.models``)."""

    kind: str
    line: int
    detail: str


@lru_cache(maxsize=64)
def python_data_uses(source_text: str) -> tuple[PythonDataUse, ...]:
    """What ``upgrade()`` does with data in Python, in line order; empty when nothing."""
    return read_uses(source_text) if may_use_data(source_text) else ()


def may_use_data(source_text: str) -> bool:
    """False only when the text holds none of what a use needs (then there is none)."""
    return bool(
        _MAY_USE.search(source_text)
        or (_MAY_LOOP.search(source_text) and _ROW_CALL.search(source_text))
    )


def read_uses(source_text: str) -> tuple[PythonDataUse, ...]:
    """:func:`python_data_uses` without the quick look at the text first."""
    try:
        tree = ast.parse(source_text)
    except (SyntaxError, ValueError):
        return ()
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    if "upgrade" not in functions:
        return ()
    body = _reached(functions, "upgrade")
    models = _model_imports(tree)
    imported = _application_imports(tree)
    found: list[PythonDataUse] = []
    for function in body:
        found.extend(_uses_in(function, models, imported))
    return tuple(sorted(set(found), key=lambda use: (use.line, use.kind)))


def _reached(
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef], start: str
) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """``start`` and the module functions it calls, directly or not."""
    seen: list[str] = []
    pending = [start]
    while pending:
        name = pending.pop()
        if name in seen or name not in functions:
            continue
        seen.append(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                pending.append(node.func.id)
    return [functions[name] for name in seen]


def _model_imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> the application module it was imported from, for models modules."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _is_models(node.module):
            for alias in node.names:
                names[alias.asname or alias.name] = node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_models(alias.name):
                    names[alias.asname or alias.name.split(".")[0]] = alias.name
    return names


def _application_imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> module, for names imported from outside the libraries migrations use."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.split(".")[0] not in _LIBRARIES
        ):
            for alias in node.names:
                names[alias.asname or alias.name] = node.module
    return names


def _is_models(module: str) -> bool:
    parts = module.split(".")
    return parts[0] not in _LIBRARIES and any(part in ("models", "model") for part in parts)


def _uses_in(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    models: dict[str, str],
    imported: dict[str, str],
) -> list[PythonDataUse]:
    found: list[PythonDataUse] = []
    row_names = _row_names(function)
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            called = _called_name(node.func)
            if called in _SESSION_FACTORIES:
                found.append(PythonDataUse("session", node.lineno, called))
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "query"
                and node.args
                and not _is_text(node.args[0])
            ):
                found.append(PythonDataUse("session", node.lineno, "query"))
                queried = node.args[0]
                if isinstance(queried, ast.Attribute):
                    queried = queried.value  # session.query(User.id)
                if isinstance(queried, ast.Name) and queried.id in imported:
                    found.append(PythonDataUse("models", node.lineno, imported[queried.id]))
        elif isinstance(node, ast.Name) and node.id in models:
            found.append(PythonDataUse("models", node.lineno, models[node.id]))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            source = node.iter
            reads = _reads_rows(source) or (isinstance(source, ast.Name) and source.id in row_names)
            if reads and any(_writes_rows(statement) for statement in node.body):
                found.append(PythonDataUse("row-loop", node.lineno, ast.unparse(source)))
    return found


def _writes_rows(node: ast.AST) -> bool:
    """True when ``node`` changes rows: sets an attribute (an ORM object's), adds or merges
    one into a session, or executes an INSERT, UPDATE or DELETE (SQL text or a table's
    ``.insert()`` / ``.update()`` / ``.delete()``). A loop that only reads, to decide what
    DDL to run (names from ``pg_constraint``, say), changes no rows."""
    for child in ast.walk(node):
        if isinstance(child, (ast.Assign, ast.AugAssign)):
            targets = child.targets if isinstance(child, ast.Assign) else [child.target]
            if any(isinstance(target, ast.Attribute) for target in targets):
                return True
        elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
            if child.func.attr in _ROW_WRITES:
                return True
            if child.func.attr == "execute" and any(_changes_data(arg) for arg in child.args):
                return True
    return False


def _changes_data(node: ast.expr) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            words = child.value.lstrip().split(None, 1)
            if words and words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
                return True
        elif isinstance(child, ast.JoinedStr):
            first = child.values[0] if child.values else None
            if isinstance(first, ast.Constant) and _changes_data(first):
                return True
        elif (
            isinstance(child, ast.Call)
            and isinstance(child.func, ast.Attribute)
            and child.func.attr in ("insert", "update", "delete", "values")
        ):
            return True
    return False


def _row_names(function: ast.AST) -> set[str]:
    """Names assigned the rows a call reads (``rows = conn.execute(…).fetchall()``)."""
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and _reads_rows(node.value):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


def _reads_rows(node: ast.expr) -> bool:
    """A call chain reading rows: ``conn.execute(…)``, ``….fetchall()``, ``q.all()``."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in _ROW_SOURCES:
            return True
        node = node.func.value
    return False


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)
