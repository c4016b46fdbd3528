"""Add the new labels of an enum in place instead of dropping and re-creating the type.

Fixes ``enum-recreated`` when the re-created type has the labels the type had before the
migration, in the same order, plus new ones (appended or inserted): the whole dance (rename the
old type away or drop it, create the new one, convert each column with a plain cast, drop the
old one) is replaced by one ``ALTER TYPE … ADD VALUE`` a new label, outside the transaction.

Before::

    op.execute("ALTER TYPE order_status RENAME TO order_status_old")
    op.execute("CREATE TYPE order_status AS ENUM ('new', 'paid', 'refunded', 'void')")
    op.execute(
        "ALTER TABLE orders ALTER COLUMN status TYPE order_status "
        "USING status::text::order_status"
    )
    op.execute("DROP TYPE order_status_old")

After::

    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid'")
        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'void' AFTER 'refunded'")

The swap rewrites every table with a column of the type under ACCESS EXCLUSIVE; ``ADD VALUE``
changes only the type's catalog rows and leaves the tables alone. It runs in Alembic's
``autocommit_block()``: before PostgreSQL 12 it cannot run in a transaction block, and on every
version a label added cannot be used until the transaction that added it commits. ``IF NOT
EXISTS`` makes the block safe to run again when the migration failed after it committed. The
type ends with the same labels in the same order, and the columns, defaults and indexes the
swap rebuilt are as they were, so the catalog is the one the original migration leaves.

The swap is read from the SQL Alembic rendered for each top-level statement of ``upgrade()``
(so names built in Python, ``sa.Enum(…).create(op.get_bind())`` and a ``for`` loop over the
tables all count): the rename-create-convert-drop swap, drop-and-create (columns converted to
text before the drop and back after), and create-a-new-type-convert-drop-rename. The labels
the type had come from the history (earlier revisions, read or rendered). No fix when a label
was removed, renamed or reordered (PostgreSQL cannot drop a label: the swap is the way;
suppress the rule with the reason), when the history does not say the labels, when a
``USING`` does more than cast, when the old type is dropped with CASCADE, when a statement of
the swap also does something else or binds a name, or when a statement between its steps
names the temporary type. Statements between the steps that render no SQL are kept.

``downgrade()`` is left as written. The fixed upgrade leaves the very catalog the original
did, so a downgrade that undid the original undoes the fix the same way; and undoing an added
label can only be the swap (PostgreSQL has no ``DROP VALUE``): the type re-created with the
old labels, its columns converted, rows holding a removed label updated first. That is the
downgrade a swap-writing developer already wrote, and it stays the reviewer's to check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from migration_guard.findings import FixContext
from migration_guard.fix.calls import (
    autocommit_block,
    python_string,
    quoted,
    statement,
)
from migration_guard.fix.recipe import Body, BodyRewrite, Recipe
from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements

_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_RESERVED = frozenset(
    [
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "current_catalog",
        "current_date",
        "current_role",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "grant",
        "group",
        "having",
        "in",
        "initially",
        "intersect",
        "into",
        "lateral",
        "leading",
        "limit",
        "localtime",
        "localtimestamp",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "placing",
        "primary",
        "references",
        "returning",
        "select",
        "session_user",
        "some",
        "symmetric",
        "system_user",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "when",
        "where",
        "window",
        "with",
    ]
)


@dataclass(frozen=True)
class _Step:
    """One top-level statement of ``upgrade()``: the facts and SQL Alembic rendered for it."""

    facts: tuple[f.Fact, ...]
    sql: str


def rewrite_body(
    body: Body, facts: Sequence[f.Fact], context: FixContext | None
) -> BodyRewrite | None:
    if context is None or context.labels is None:
        return None
    before = context.labels
    if len(set(before)) != len(before):
        return None
    steps = _steps(body, context.statements)
    if not _agrees(steps[body.flagged].facts, facts):
        return None
    dance = _dance(steps, body.flagged)
    if dance is None:
        return None
    name, labels, replaced, names = dance
    if not _only_added(before, labels):
        return None
    if not all(_removable(body.statements[i], steps[i], names) for i in replaced):
        return None
    block = _add_values(body, name, before, labels)
    return BodyRewrite(
        replaced, [autocommit_block(body.op, block, leading=body.statements[replaced[0]])]
    )


def _agrees(read: Sequence[f.Fact], rendered: Sequence[f.Fact]) -> bool:
    """The statement found at the finding's line rendered the flagged SQL."""
    wanted = [fact for fact in rendered if isinstance(fact, (f.CreateEnum, f.RenameType))]
    return bool(wanted) and all(fact in read for fact in wanted)


_Dance = tuple[f.Name, tuple[str, ...], tuple[int, ...], tuple[f.Name, ...]]
"""The type, its new labels, the statements of the swap, and the type names it uses."""


def _dance(steps: list[_Step], flagged: int) -> _Dance | None:
    """The swap the flagged statement is part of, when its statements read as one."""
    facts = steps[flagged].facts
    created = next((fact for fact in facts if isinstance(fact, f.CreateEnum)), None)
    renamed = next((fact for fact in facts if isinstance(fact, f.RenameType)), None)
    if created is not None:
        name, labels = created.type, created.values
        gone = _last(steps, flagged, lambda fact: _gone(fact, name))
        if gone is None:
            return None
        gone_fact = next(fact for fact in steps[gone].facts if _gone(fact, name))
        if isinstance(gone_fact, f.RenameType):  # rename, create, convert, drop the old one
            temporary = gone_fact.new_name
            return _swap(steps, name, labels, temporary, {gone, flagged}, drop_after=flagged)
        return _drop_create(steps, name, labels, gone, flagged)
    if renamed is not None:  # create a new type, convert, drop the old one, rename the new
        name, temporary = renamed.new_name, renamed.type
        made = _last(
            steps,
            flagged,
            lambda fact: isinstance(fact, f.CreateEnum) and fact.type.same_as(temporary),
        )
        dropped = _last(steps, flagged, lambda fact: _dropped(fact, name))
        if made is None or dropped is None or dropped < made:
            return None
        made_fact = next(fact for fact in steps[made].facts if isinstance(fact, f.CreateEnum))
        return _swap(
            steps, name, made_fact.values, temporary, {made, dropped, flagged}, convert_to=True
        )
    return None


def _swap(
    steps: list[_Step],
    name: f.Name,
    labels: tuple[str, ...],
    temporary: f.Name,
    claimed: set[int],
    *,
    drop_after: int | None = None,
    convert_to: bool = False,
) -> _Dance | None:
    """The swap's column conversions (to ``name`` when the temporary type is the old one, to
    ``temporary`` when it is the new one) and, for the former, the drop of the temporary."""
    target = temporary if convert_to else name
    start, end = min(claimed), max(claimed)
    if drop_after is not None:
        drop = _first(steps, drop_after, lambda fact: _dropped(fact, temporary))
        if drop is None:
            return None
        claimed.add(drop)
        end = drop
    for index in range(start, end + 1):
        if index in claimed:
            continue
        converts = _converts(steps[index], target, (name, temporary))
        if converts is None:
            return None
        if converts:
            claimed.add(index)
    if not _untouched_between(steps, sorted(claimed), (temporary,)):
        return None
    return name, labels, tuple(sorted(claimed)), (name, temporary)


def _drop_create(
    steps: list[_Step], name: f.Name, labels: tuple[str, ...], gone: int, created: int
) -> _Dance | None:
    """Columns converted away from the type before its drop and back to it after its
    re-creation; only when every column converted away comes back."""
    away: dict[tuple[str, str], int] = {}
    back: dict[tuple[str, str], int] = {}
    for index, step in enumerate(steps):
        for fact in step.facts:
            if not isinstance(fact, f.AlterColumnType):
                continue
            key = (str(fact.table), fact.column)
            if index < gone and not _names_type(fact.type, name) and _plain_cast(fact, None):
                away[key] = index
            elif index > created and _names_type(fact.type, name) and _plain_cast(fact, name):
                back[key] = index
    back = {key: index for key, index in back.items() if key in away}
    if set(away) != set(back):
        return None
    claimed = {gone, created, *away.values(), *back.values()}
    if any(len(steps[index].facts) != 1 for index in set(away.values()) | set(back.values())):
        return None
    if not _untouched_between(steps, sorted(claimed), (name,)):
        return None
    return name, labels, tuple(sorted(claimed)), (name,)


def _converts(step: _Step, target: f.Name, names: tuple[f.Name, ...]) -> bool | None:
    """True: a plain conversion of a column to ``target``; False: unrelated to the swap;
    None: a step the fix cannot judge (it touches the types otherwise)."""
    conversions = [
        fact
        for fact in step.facts
        if isinstance(fact, f.AlterColumnType) and _names_type(fact.type, target)
    ]
    if conversions:
        plain = len(conversions) == len(step.facts)
        return True if plain and all(_plain_cast(fact, target) for fact in conversions) else None
    if any(_touches_type(fact, names) for fact in step.facts):
        return None
    return False


def _untouched_between(steps: list[_Step], claimed: list[int], names: tuple[f.Name, ...]) -> bool:
    """Every statement between the swap's first and last leaves its types alone."""
    for index in range(claimed[0], claimed[-1] + 1):
        if index in claimed:
            continue
        step = steps[index]
        if any(_touches_type(fact, names) for fact in step.facts):
            return False
        if any(_mentions(step.sql, name) for name in names):
            return False
    return True


def _touches_type(fact: f.Fact, names: tuple[f.Name, ...]) -> bool:
    if isinstance(fact, (f.CreateEnum, f.DropType, f.AddEnumValue, f.RenameEnumValue)):
        return any(fact.type.same_as(name) for name in names)
    if isinstance(fact, f.RenameType):
        return any(fact.type.same_as(n) or fact.new_name.same_as(n) for n in names)
    if isinstance(fact, f.AlterColumnType):
        return any(_names_type(fact.type, name) for name in names)
    return False


def _mentions(sql: str, name: f.Name) -> bool:
    return re.search(rf"(?<![\w$]){re.escape(name.name)}(?![\w$])", sql, re.IGNORECASE) is not None


def _gone(fact: f.Fact, name: f.Name) -> bool:
    return _dropped(fact, name) or (isinstance(fact, f.RenameType) and fact.type.same_as(name))


def _dropped(fact: f.Fact, name: f.Name) -> bool:
    return isinstance(fact, f.DropType) and fact.type.same_as(name)


def _last(steps: list[_Step], before: int, wanted: Callable[[f.Fact], bool]) -> int | None:
    for index in range(before - 1, -1, -1):
        if any(wanted(fact) for fact in steps[index].facts):
            return index
    return None


def _first(steps: list[_Step], after: int, wanted: Callable[[f.Fact], bool]) -> int | None:
    for index in range(after + 1, len(steps)):
        if any(wanted(fact) for fact in steps[index].facts):
            return index
    return None


def _names_type(type_sql: str, name: f.Name) -> bool:
    """``type_sql`` (as the reader keeps it, maybe qualified and quoted) names ``name``."""
    parts = _identifiers(type_sql)
    if parts is None or not parts:
        return False
    schema = parts[-2] if len(parts) > 1 else None
    return f.Name(parts[-1], schema).same_as(name)


def _identifiers(text: str) -> list[str] | None:
    parts: list[str] = []
    for match in re.finditer(r'\s*(?:"((?:[^"]|"")*)"|([A-Za-z_][\w$]*))\s*(\.|$)', text):
        quoted_part, plain = match.group(1), match.group(2)
        parts.append(quoted_part.replace('""', '"') if quoted_part is not None else plain.lower())
        if match.group(3) == "":
            return parts if match.end() == len(text) else None
    return None


def _plain_cast(fact: f.AlterColumnType, target: f.Name | None) -> bool:
    """No ``USING``, or one that only casts the column (through text) to the new type."""
    if fact.using is None:
        return True
    compact = re.sub(r"\s+", "", fact.using)
    column = re.escape(fact.column)
    cast = rf'(?:{column}|"{column}")(?:::(?:text|varchar|charactervarying))?'
    match = re.fullmatch(rf"\(?{cast}::(.+?)\)?", compact, re.IGNORECASE)
    if match is None:
        return False
    if target is None:
        return match.group(1).lower() in ("text", "varchar", "charactervarying")
    return _names_type(match.group(1), target)


def _only_added(before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """``after`` is ``before`` with labels inserted, order kept, and at least one new."""
    if len(set(after)) != len(after) or len(after) <= len(before):
        return False
    kept = [label for label in after if label in before]
    return kept == list(before)


def _add_values(
    body: Body, name: f.Name, before: tuple[str, ...], after: tuple[str, ...]
) -> list[cst.BaseStatement]:
    """One ``ADD VALUE`` a new label, in the order of ``after``: each after the label before
    it (already there by then), the first before the first old one, the trailing ones last."""
    statements: list[cst.BaseStatement] = []
    type_sql = _type_sql(name)
    first_old = next(label for label in after if label in before)
    for index, label in enumerate(after):
        if label in before:
            continue
        if all(later not in before for later in after[index + 1 :]):
            place = ""  # nothing old after it: last
        elif index == 0:
            place = f" BEFORE {_label(first_old)}"
        else:
            place = f" AFTER {_label(after[index - 1])}"
        sql = f"ALTER TYPE {type_sql} ADD VALUE IF NOT EXISTS {_label(label)}{place}"
        statements.append(statement(f"{body.op}.execute({python_string(sql, body.quote)})"))
    return statements


def _label(label: str) -> str:
    return "'" + label.replace("'", "''") + "'"


def _type_sql(name: f.Name) -> str:
    """The type's name as SQL: bare when PostgreSQL reads it back unchanged, else quoted."""
    parts = [part for part in (name.schema, name.name) if part]
    if all(_PLAIN_IDENTIFIER.fullmatch(part) and part not in _RESERVED for part in parts):
        return ".".join(parts)
    return quoted(name.schema, name.name)


def _steps(body: Body, rendered: tuple[tuple[int, str], ...]) -> list[_Step]:
    """Each top-level statement's rendered SQL (the ``op.`` calls on its lines) and facts."""
    steps = []
    for first, last in body.spans:
        sql = [text for line, text in rendered if first <= line <= last]
        joined = "\n".join(sql)
        facts = tuple(
            fact for text in sql for raw in split_statements(text) for fact in read_statement(raw)
        )
        steps.append(_Step(facts, joined))
    return steps


def _removable(node: cst.BaseStatement, step: _Step, names: tuple[f.Name, ...]) -> bool:
    """Only the swap's SQL, no name bound for later code, no CASCADE dropping columns."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)) or _binds(node):
        return False
    if re.search(r"\bcascade\b", step.sql, re.IGNORECASE):
        return False
    # a conversion away from the type (drop-and-create) is a statement of its own
    return all(
        _touches_type(fact, names) or (isinstance(fact, f.AlterColumnType) and len(step.facts) == 1)
        for fact in step.facts
    )


def _binds(node: cst.CSTNode) -> bool:
    found = False

    class _Find(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            nonlocal found
            found = True

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            nonlocal found
            found = True

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            nonlocal found
            found = True

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            nonlocal found
            found = True

    node.visit(_Find())
    return found


RECIPE = Recipe(rules=("enum-recreated",), rewrite_body=rewrite_body, doc=__doc__ or "")
