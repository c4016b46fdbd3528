"""Read one statement's tokens into facts; anything unrecognised becomes ``Other``."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from migration_guard.sql import facts as f
from migration_guard.sql.cursor import Cursor, identifier_of, render, split_top_level
from migration_guard.sql.dialect import foreign_dialect
from migration_guard.sql.statements import RawStatement
from migration_guard.sql.tokens import Kind, Tok, significant

_COLUMN_CONSTRAINT_STARTS = frozenset(
    {
        "NOT",
        "NULL",
        "DEFAULT",
        "CONSTRAINT",
        "PRIMARY",
        "UNIQUE",
        "CHECK",
        "REFERENCES",
        "GENERATED",
        "COLLATE",
        "DEFERRABLE",
        "INITIALLY",
    }
)
_TABLE_CONSTRAINT_STARTS = frozenset(
    {"CONSTRAINT", "CHECK", "UNIQUE", "PRIMARY", "FOREIGN", "EXCLUDE"}
)
# DEFAULT NULL, DEFAULT (NULL), DEFAULT NULL::character varying: no default at all.
_NULL_DEFAULT = re.compile(r"[(\s]*null[)\s]*(::[\w\s.\[\]()\"]*)?")
# Statements whose body runs later (when called or triggered), not during the migration.
_DEFERRED_BODIES = frozenset({"FUNCTION", "PROCEDURE", "TRIGGER", "RULE", "POLICY", "AGGREGATE"})


def read_statement(statement: RawStatement) -> tuple[f.Fact, ...]:
    """The facts of one statement, in the order they happen."""
    return read_tokens(statement.tokens)


def read_tokens(tokens: Sequence[Tok]) -> tuple[f.Fact, ...]:
    foreign = foreign_dialect(tokens)
    if foreign is not None:
        return (f.NotPostgresql(foreign),)
    cursor = Cursor(tokens)
    first = cursor.key()
    if first == "CREATE":
        return _create(cursor)
    if first == "ALTER":
        return _alter(cursor)
    if first == "DROP":
        return _drop(cursor)
    if first == "DO":
        return _do_block(cursor)
    if first == "PREPARE":
        return (f.Other("prepare"),)
    transaction = _transaction(cursor)
    if transaction is not None:
        return (transaction,)
    if first in _COMMANDS:
        return (_COMMANDS[first](cursor),)
    found = _data_changes(tokens)
    main = first
    ctes: dict[str, list[Tok]] = {}
    if first == "WITH":
        ctes = _ctes(cursor)
        main = cursor.key()
        for body in ctes.values():
            # what the CTEs change (their DELETEs are already found above)
            found.extend(
                fact for fact in read_tokens(body) if isinstance(fact, (f.Insert, f.Update))
            )
    if main == "INSERT" and cursor.accept("INSERT", "INTO"):
        table = cursor.name()
        if table is not None:
            sources: list[f.Name] = []
            for source in _insert_sources(cursor):
                if source.schema is None and source.name in ctes:
                    # a CTE: the tables its body reads are what is copied
                    body = ctes[source.name]
                    sources.extend(t for t in _read_tables(body, 0) if t.name not in ctes)
                else:
                    sources.append(source)
            found.insert(0, f.Insert(table, tuple(dict.fromkeys(sources))))
    elif main == "UPDATE" and cursor.accept("UPDATE"):
        cursor.accept("ONLY")
        table = cursor.name()
        if table is not None:
            found.insert(0, _update(table, cursor))
    if not found:
        found.append(f.Other(_kind(tokens)))
    if first in _DATA_STATEMENTS:
        literals = tuple(
            _string_value(tok) for tok in tokens if tok.kind is Kind.STRING and tok.text[0] == "'"
        )
        if literals:
            found.append(f.StringLiterals(literals))
    return tuple(found)


def _ctes(cursor: Cursor) -> dict[str, list[Tok]]:
    """Moves past ``WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (…), …`` to the
    statement the CTEs feed; each CTE's name and body tokens."""
    cursor.accept("WITH")
    cursor.accept("RECURSIVE")
    found: dict[str, list[Tok]] = {}
    while (name := cursor.identifier()) is not None:
        cursor.group()
        if not cursor.accept("AS"):
            break
        cursor.accept("NOT")
        cursor.accept("MATERIALIZED")
        found[name] = cursor.group()
        if not cursor.accept(","):
            break
    return found


_DATA_STATEMENTS = frozenset({"INSERT", "UPDATE", "DELETE", "MERGE", "WITH"})
_UPDATE_CLAUSES = frozenset({"FROM", "WHERE", "RETURNING"})


def _update(table: f.Name, cursor: Cursor) -> f.Update:
    """``UPDATE t [AS a] SET c = …, (d, e) = … [FROM …] [WHERE …]``."""
    cursor.accept("*")
    if not cursor.at("SET"):
        cursor.accept("AS")
        cursor.identifier()
    if not cursor.accept("SET"):
        return f.Update(table)
    columns: list[str] = []
    for assignment in split_top_level(cursor.until(_UPDATE_CLAUSES)):
        if assignment[0].text == "(":
            columns.extend(_identifiers(Cursor(assignment).group()))
        else:
            column = identifier_of(assignment[0])
            if column is not None:
                columns.append(column)
    # A FROM join limits the rows just as a WHERE does.
    limited = cursor.at("FROM") or cursor.at("WHERE")
    pinned = _pinned(cursor.toks, cursor.i) if cursor.at("WHERE") else ()
    return f.Update(table, where=limited, columns=tuple(columns), pinned=pinned)


def _insert_sources(cursor: Cursor) -> tuple[f.Name, ...]:
    """The tables ``INSERT INTO t [AS a] [(cols)] [OVERRIDING …] SELECT …`` reads; none
    for ``VALUES`` (a scalar subquery in a VALUES row copies no rows) or ``DEFAULT VALUES``."""
    if cursor.accept("AS"):
        cursor.identifier()
    cursor.group()
    if cursor.accept("OVERRIDING"):
        cursor.advance()
        cursor.accept("VALUE")
    if not (cursor.at("SELECT") or cursor.at("WITH") or cursor.at("TABLE") or cursor.at("(")):
        return ()
    if cursor.accept("TABLE"):  # INSERT INTO t TABLE s
        source = cursor.name()
        return (source,) if source is not None else ()
    return _read_tables(cursor.toks, cursor.i)


def _read_tables(tokens: Sequence[Tok], start: int) -> tuple[f.Name, ...]:
    """The tables named after FROM or JOIN from ``start`` on; a function call is no table."""
    found: list[f.Name] = []
    cursor = Cursor(tokens)
    cursor.i = start
    while not cursor.done():
        if cursor.advance().key not in ("FROM", "JOIN"):
            continue
        while cursor.accept("ONLY") or cursor.accept("LATERAL"):
            pass
        # FROM a [AS x], b [y]: every comma-joined table
        while True:
            name = cursor.name()
            if name is None or cursor.at("("):
                break
            found.append(name)
            _skip_alias(cursor)
            if not cursor.accept(","):
                break
            while cursor.accept("ONLY") or cursor.accept("LATERAL"):
                pass
    return tuple(dict.fromkeys(found))


def _skip_alias(cursor: Cursor) -> None:
    """Steps over ``[AS] alias`` after a table name, if there."""
    if cursor.accept("AS"):
        cursor.identifier()
        return
    tok = cursor.peek()
    if tok.kind in (Kind.WORD, Kind.QUOTED) and tok.key not in _AFTER_TABLE:
        cursor.advance()


_AFTER_TABLE = frozenset(
    {
        "WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "NATURAL", "ON", "USING",
        "GROUP", "ORDER", "LIMIT", "OFFSET", "UNION", "EXCEPT", "INTERSECT", "HAVING",
        "WINDOW", "RETURNING", "FOR", "FETCH", "TABLESAMPLE", "DO",
    }
)  # fmt: skip
_PIN_ENDS = frozenset({"RETURNING", "ORDER", "LIMIT", "GROUP", "HAVING", "UNION", "EXCEPT"})


def _pinned(tokens: Sequence[Tok], start: int) -> tuple[str, ...]:
    """Columns the WHERE at or after ``start`` holds to literals in its AND-ed terms
    (``c = 5``, ``t.c = 'x'``, ``c IN (1, 2)``); nothing when an OR sits at its top level."""
    cursor = Cursor(tokens)
    cursor.i = start
    if not cursor.accept("WHERE"):
        return ()
    terms: list[list[Tok]] = [[]]
    depth = 0
    while not cursor.done():
        tok = cursor.advance()
        if tok.kind is Kind.PUNCT and tok.text in ("(", "["):
            depth += 1
        elif tok.kind is Kind.PUNCT and tok.text in (")", "]"):
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and (tok.text == ";" or tok.key in _PIN_ENDS):
            break
        elif depth == 0 and tok.key == "OR":
            return ()
        elif depth == 0 and tok.key == "AND":
            terms.append([])
            continue
        terms[-1].append(tok)
    pinned = [column for term in terms if (column := _pinned_column(term)) is not None]
    return tuple(dict.fromkeys(pinned))


def _pinned_column(term: Sequence[Tok]) -> str | None:
    """``c = literal``, ``literal = c`` or ``c IN (literals)``: the column ``c``."""
    while len(term) >= 2 and term[0].text == "(" and term[-1].text == ")":
        term = term[1:-1]
    equals = [index for index, tok in enumerate(term) if tok.text == "="]
    if len(equals) == 1:
        left, right = term[: equals[0]], term[equals[0] + 1 :]
        if _is_literal(right):
            return _column_of(left)
        return _column_of(right) if _is_literal(left) else None
    for index, tok in enumerate(term):
        if tok.key == "IN" and index and term[index + 1 : index + 2] and term[-1].text == ")":
            values = split_top_level(term[index + 2 : -1])
            if term[index + 1].text == "(" and values and all(map(_is_literal, values)):
                return _column_of(term[:index])
    return None


def _is_literal(tokens: Sequence[Tok]) -> bool:
    """One constant, maybe signed or cast (``5``, ``-1``, ``'x'::uuid``)."""
    tokens = list(tokens)
    if len(tokens) >= 3 and tokens[-2].text == "::":
        tokens = tokens[:-2]
    if len(tokens) == 2 and tokens[0].text in ("-", "+"):
        tokens = tokens[1:]
    return len(tokens) == 1 and (
        tokens[0].kind in (Kind.STRING, Kind.NUMBER, Kind.DOLLAR)
        or tokens[0].key in ("TRUE", "FALSE")
    )


def _column_of(tokens: Sequence[Tok]) -> str | None:
    """``c`` or ``t.c`` (the column part)."""
    if len(tokens) == 1:
        return identifier_of(tokens[0])
    if len(tokens) == 3 and tokens[1].text == ".":
        return identifier_of(tokens[2])
    return None


def _has_where(tokens: Sequence[Tok], start: int) -> bool:
    """True when a WHERE follows ``start`` in the same (sub)statement."""
    depth = 0
    for tok in tokens[start:]:
        if tok.kind is Kind.PUNCT:
            if tok.text == "(":
                depth += 1
            elif tok.text == ")":
                depth -= 1
                if depth < 0:
                    return False
            elif tok.text == ";" and depth == 0:
                return False
        elif depth == 0 and tok.key in ("WHERE", "USING"):
            return True
    return False


def _set(cursor: Cursor) -> f.Fact:
    cursor.accept("SET")
    local = cursor.accept("LOCAL")
    cursor.accept("SESSION")
    name = cursor.identifier()
    if name is None:
        return f.Other("set")
    return f.SetParameter(name, local)


def _reindex(cursor: Cursor) -> f.Fact:
    cursor.accept("REINDEX")
    options = render(cursor.group()).lower()
    target = cursor.advance().key.lower()
    concurrently = cursor.accept("CONCURRENTLY") or "concurrently" in options
    return f.Reindex(target, cursor.name(), concurrently)


def _lock(cursor: Cursor) -> f.Fact:
    cursor.accept("LOCK")
    cursor.accept("TABLE")
    tables: list[f.Name] = []
    while True:
        cursor.accept("ONLY")
        table = cursor.name()
        if table is None:
            break
        tables.append(table)
        cursor.accept("*")
        if not cursor.accept(","):
            break
    mode = "ACCESS EXCLUSIVE"
    if cursor.accept("IN"):
        words = []
        while not cursor.done() and not cursor.at("MODE"):
            words.append(cursor.advance().key)
        mode = " ".join(words)
    return f.LockTable(tuple(tables), mode)


def _vacuum(cursor: Cursor) -> f.Fact:
    cursor.accept("VACUUM")
    options = [option.strip().split() for option in render(cursor.group()).lower().split(",")]
    full = cursor.accept("FULL") or any(
        words[0] == "full" and words[1:] in ([], ["true"], ["on"], ["1"])
        for words in options
        if words
    )
    if not full:
        return f.Other("vacuum")
    for word in ("FREEZE", "VERBOSE", "ANALYZE"):
        cursor.accept(word)
    return f.RewritingMaintenance("vacuum full", _names_and_columns(cursor))


def _cluster(cursor: Cursor) -> f.Fact:
    cursor.accept("CLUSTER")
    cursor.group()
    cursor.accept("VERBOSE")
    table = cursor.name()
    return f.RewritingMaintenance("cluster", (table,) if table is not None else ())


def _names_and_columns(cursor: Cursor) -> tuple[f.Name, ...]:
    tables: list[f.Name] = []
    while True:
        table = cursor.name()
        if table is None:
            break
        tables.append(table)
        cursor.group()
        if not cursor.accept(","):
            break
    return tuple(tables)


_COMMANDS = {
    "SET": _set,
    "REINDEX": _reindex,
    "LOCK": _lock,
    "VACUUM": _vacuum,
    "CLUSTER": _cluster,
}


def _kind(tokens: Sequence[Tok]) -> str:
    words = []
    for tok in tokens[:2]:
        if tok.kind is not Kind.WORD:
            break
        words.append(tok.text.lower())
    return " ".join(words) or "unknown"


def _transaction(cursor: Cursor) -> f.Transaction | None:
    key = cursor.key()
    following = cursor.key(1)
    if key == "BEGIN" and following in ("", "WORK", "TRANSACTION", "ISOLATION", "READ"):
        return f.Transaction("begin")
    if key == "START" and following == "TRANSACTION":
        return f.Transaction("begin")
    if key in ("COMMIT", "END") and following in ("", "WORK", "TRANSACTION", "AND"):
        return f.Transaction("commit")
    if key in ("ROLLBACK", "ABORT") and following in ("", "WORK", "TRANSACTION", "AND"):
        return f.Transaction("rollback")
    return None


def _data_changes(tokens: Sequence[Tok]) -> list[f.Fact]:
    """DELETE FROM / TRUNCATE targets anywhere in the statement (CTEs included), and
    the target of ``MERGE INTO … WHEN MATCHED THEN DELETE``."""
    found: list[f.Fact] = []
    merge_target: f.Name | None = None
    for index, tok in enumerate(tokens):
        if tok.key == "DELETE":
            cursor = Cursor(tokens)
            cursor.i = index + 1
            if cursor.accept("FROM"):
                cursor.accept("ONLY")
                table = cursor.name()
                if table is not None:
                    where = _has_where(tokens, cursor.i)
                    cursor.accept("AS")
                    if cursor.peek().kind in (Kind.WORD, Kind.QUOTED) and cursor.key() not in (
                        "WHERE",
                        "USING",
                        "RETURNING",
                    ):
                        cursor.advance()
                    pinned = _pinned(tokens, cursor.i) if cursor.at("WHERE") else ()
                    found.append(f.Delete(table, where=where, pinned=pinned))
            elif merge_target is not None and index and tokens[index - 1].key == "THEN":
                found.append(f.Delete(merge_target))
                merge_target = None  # one finding per MERGE, however many DELETE arms
        elif tok.key == "MERGE":
            cursor = Cursor(tokens)
            cursor.i = index + 1
            if cursor.accept("INTO"):
                cursor.accept("ONLY")
                merge_target = cursor.name()
        elif tok.key == "TRUNCATE":
            cursor = Cursor(tokens)
            cursor.i = index + 1
            cursor.accept("TABLE")
            tables: list[f.Name] = []
            while True:
                cursor.accept("ONLY")
                table = cursor.name()
                if table is None:
                    break
                tables.append(table)
                cursor.accept("*")
                if not cursor.accept(","):
                    break
            cascade = _has_cascade(cursor)
            found.extend(f.Truncate(table, cascade) for table in tables)
    return found


def _has_cascade(cursor: Cursor) -> bool:
    while not cursor.done() and cursor.key() != ";":
        if cursor.advance().key == "CASCADE":
            return True
    return False


def _do_block(cursor: Cursor) -> tuple[f.Fact, ...]:
    """A DO block runs now, so the statements in its body count."""
    found: list[f.Fact] = []
    for tok in cursor.rest():
        body = _body_text(tok)
        lowered = body.lower() if body is not None else ""
        if body is not None and ("delete" in lowered or "truncate" in lowered):
            body_tokens = [t for t in significant(body) if t.kind is not Kind.COMMENT]
            found.extend(_data_changes(body_tokens))
    return (f.Other("do"), *found)


def _body_text(tok: Tok) -> str | None:
    if tok.kind is Kind.DOLLAR:
        tag_end = tok.text.index("$", 1) + 1
        return tok.text[tag_end : len(tok.text) - tag_end]
    if tok.kind is Kind.STRING and tok.text.startswith("'"):
        return tok.text[1:-1].replace("''", "'")
    return None


# CREATE ...


def _create(cursor: Cursor) -> tuple[f.Fact, ...]:
    cursor.accept("CREATE")
    cursor.accept("OR", "REPLACE")
    unique = cursor.accept("UNIQUE")
    if cursor.accept("INDEX"):
        return (_create_index(cursor, unique),)
    for modifier in ("GLOBAL", "LOCAL", "TEMPORARY", "TEMP", "UNLOGGED"):
        cursor.accept(modifier)
    if cursor.accept("TABLE"):
        return (_create_table(cursor),)
    if cursor.at("TYPE"):
        return (_create_type(cursor),)
    if cursor.accept("DOMAIN"):
        return (_create_domain(cursor),)
    cursor.accept("CONSTRAINT")
    cursor.accept("EVENT")
    return (f.Other("create " + cursor.key().lower()),)


def _create_domain(cursor: Cursor) -> f.Fact:
    name = cursor.name()
    if name is not None and any(tok.key == "CHECK" for tok in cursor.rest()):
        return f.DomainConstraint(name, "create")
    return f.Other("create domain")


def _create_index(cursor: Cursor, unique: bool) -> f.Fact:
    concurrently = cursor.accept("CONCURRENTLY")
    guarded = cursor.accept("IF", "NOT", "EXISTS")
    name = None if cursor.at("ON") else cursor.identifier()
    if not cursor.accept("ON"):
        return f.Other("create index")
    cursor.accept("ONLY")
    table = cursor.name()
    if table is None:
        return f.Other("create index")
    if cursor.accept("USING"):
        cursor.advance()
    columns = []
    for element in split_top_level(cursor.group()):
        column = identifier_of(element[0])
        if column is not None and not (len(element) > 1 and element[1].text == "("):
            columns.append(column)
    return f.CreateIndex(name, table, tuple(columns), unique, concurrently, guarded)


def _create_table(cursor: Cursor) -> f.Fact:
    guarded = cursor.accept("IF", "NOT", "EXISTS")
    table = cursor.name()
    if table is None:
        return f.Other("create table")
    columns: list[f.Column] = []
    constraints: list[f.Constraint] = []
    for element in split_top_level(cursor.group()):
        if element[0].key in _TABLE_CONSTRAINT_STARTS:
            constraints.append(_constraint(Cursor(element)))
        elif element[0].key != "LIKE":
            column = _column(Cursor(element))
            if column is not None:
                columns.append(column)
    return f.CreateTable(table, tuple(columns), tuple(constraints), guarded, _copied(cursor))


def _copied(cursor: Cursor) -> tuple[f.Name, ...]:
    """``… AS SELECT …`` / ``AS TABLE s`` after CREATE TABLE's name: the tables it reads."""
    rest = cursor.rest()
    keys = [tok.key for tok in rest]
    if "AS" not in keys or keys[-3:] == ["WITH", "NO", "DATA"]:
        return ()
    query = Cursor(rest)
    query.i = keys.index("AS") + 1
    query.accept("(")
    if query.accept("TABLE"):
        source = query.name()
        return (source,) if source is not None else ()
    return _read_tables(rest, query.i)


def _create_type(cursor: Cursor) -> f.Fact:
    cursor.accept("TYPE")
    name = cursor.name()
    if name is None or not cursor.accept("AS", "ENUM"):
        return f.Other("create type")
    values = tuple(_string_value(tok) for tok in cursor.group() if tok.kind is Kind.STRING)
    return f.CreateEnum(name, values)


def _string_value(tok: Tok) -> str:
    return tok.text[1:-1].replace("''", "'")


def _column(cursor: Cursor) -> f.Column | None:
    name = cursor.identifier()
    if name is None:
        return None
    type_text = render(cursor.until(_COLUMN_CONSTRAINT_STARTS))
    not_null = primary_key = unique = identity = generated = False
    default: str | None = None
    references: f.Name | None = None
    check: str | None = None
    while not cursor.done():
        if cursor.accept("CONSTRAINT"):
            cursor.identifier()
        elif cursor.accept("NOT", "NULL"):
            not_null = True
        elif cursor.accept("DEFAULT"):
            expression = render(cursor.until(_COLUMN_CONSTRAINT_STARTS))
            default = None if _NULL_DEFAULT.fullmatch(expression) else expression
        elif cursor.accept("PRIMARY", "KEY"):
            primary_key = not_null = True
        elif cursor.accept("UNIQUE"):
            unique = True
        elif cursor.accept("CHECK"):
            check = render(cursor.group())
        elif cursor.accept("REFERENCES"):
            references = cursor.name()
        elif cursor.accept("GENERATED"):
            cursor.accept("ALWAYS")
            cursor.accept("BY", "DEFAULT")
            cursor.accept("AS")
            if cursor.accept("IDENTITY"):
                identity = not_null = True
            else:
                generated = True
            cursor.group()
        else:
            cursor.advance()
    return f.Column(
        name,
        type_text,
        not_null=not_null,
        default=default,
        identity=identity,
        generated=generated,
        primary_key=primary_key,
        unique=unique,
        references=references,
        check=check,
    )


def _constraint(cursor: Cursor) -> f.Constraint:
    name = cursor.identifier() if cursor.accept("CONSTRAINT") else None
    kind: f.ConstraintKind
    columns: tuple[str, ...] = ()
    references: f.Name | None = None
    expression: str | None = None
    using_index: str | None = None
    if cursor.accept("CHECK"):
        kind = "check"
        expression = render(cursor.group())
    elif cursor.accept("FOREIGN", "KEY"):
        kind = "foreign-key"
        columns = _identifiers(cursor.group())
        if cursor.accept("REFERENCES"):
            references = cursor.name()
    elif cursor.accept("EXCLUDE"):
        kind = "exclude"
    else:
        kind = "primary-key" if cursor.accept("PRIMARY", "KEY") else "unique"
        cursor.accept("UNIQUE")
        cursor.accept("NULLS", "NOT", "DISTINCT")
        cursor.accept("NULLS", "DISTINCT")
        if cursor.at("USING", "INDEX") and cursor.key(2) != "TABLESPACE":
            cursor.i += 2
            using_index = cursor.identifier()
        columns = _identifiers(cursor.group())
    not_valid = False
    while not cursor.done():
        if cursor.accept("NOT", "VALID"):
            not_valid = True
        else:
            cursor.advance()
    return f.Constraint(kind, name, columns, not_valid, using_index, references, expression)


def _identifiers(tokens: Sequence[Tok]) -> tuple[str, ...]:
    names = (identifier_of(tok) for tok in tokens if tok.kind is not Kind.PUNCT)
    return tuple(name for name in names if name is not None)


# ALTER ...


def _alter(cursor: Cursor) -> tuple[f.Fact, ...]:
    cursor.accept("ALTER")
    if cursor.accept("TABLE"):
        return _alter_table(cursor)
    if cursor.accept("TYPE"):
        return (_alter_type(cursor),)
    if cursor.accept("DOMAIN"):
        return (_alter_domain(cursor),)
    return (f.Other("alter " + cursor.key().lower()),)


def _alter_domain(cursor: Cursor) -> f.Fact:
    name = cursor.name()
    if name is None or not cursor.accept("ADD"):
        return f.Other("alter domain")
    rest = cursor.rest()
    not_valid = any(a.key == "NOT" and b.key == "VALID" for a, b in itertools.pairwise(rest))
    return f.DomainConstraint(name, "add", not_valid)


def _alter_table(cursor: Cursor) -> tuple[f.Fact, ...]:
    cursor.accept("IF", "EXISTS")
    cursor.accept("ONLY")
    table = cursor.name()
    if table is None:
        return (f.Other("alter table"),)
    cursor.accept("*")
    return tuple(
        _alter_table_action(table, Cursor(action)) for action in split_top_level(cursor.rest())
    )


def _alter_table_action(table: f.Name, cursor: Cursor) -> f.Fact:
    if cursor.accept("ADD"):
        if cursor.key() in _TABLE_CONSTRAINT_STARTS:
            return f.AddConstraint(table, _constraint(cursor))
        cursor.accept("COLUMN")
        guarded = cursor.accept("IF", "NOT", "EXISTS")
        column = _column(cursor)
        if column is not None:
            return f.AddColumn(table, column, guarded)
    elif cursor.accept("DROP"):
        if cursor.accept("CONSTRAINT"):
            guarded = cursor.accept("IF", "EXISTS")
            name = cursor.identifier()
            if name is not None:
                return f.DropConstraint(table, name, guarded)
        else:
            cursor.accept("COLUMN")
            guarded = cursor.accept("IF", "EXISTS")
            column_name = cursor.identifier()
            if column_name is not None:
                return f.DropColumn(table, column_name, guarded)
    elif cursor.accept("ALTER"):
        cursor.accept("COLUMN")
        column_name = cursor.identifier()
        if column_name is not None:
            return _alter_column(table, column_name, cursor)
    elif cursor.accept("VALIDATE", "CONSTRAINT"):
        name = cursor.identifier()
        if name is not None:
            return f.ValidateConstraint(table, name)
    elif cursor.accept("RENAME"):
        return _rename(table, cursor)
    elif cursor.accept("DETACH", "PARTITION"):
        partition = cursor.name()
        concurrently = cursor.accept("CONCURRENTLY") or cursor.accept("FINALIZE")
        return f.DetachPartition(table, partition, concurrently)
    return f.OtherAlterTable(table, render(cursor.toks))


def _alter_column(table: f.Name, column: str, cursor: Cursor) -> f.Fact:
    if cursor.accept("SET", "DATA", "TYPE") or cursor.accept("TYPE"):
        new_type = render(cursor.until(frozenset({"COLLATE", "USING"})))
        using = None
        while not cursor.done():
            if cursor.accept("USING"):
                using = render(cursor.rest())
            else:
                cursor.advance()
        return f.AlterColumnType(table, column, new_type, using)
    if cursor.accept("SET", "NOT", "NULL"):
        return f.SetNotNull(table, column)
    if cursor.accept("DROP", "NOT", "NULL"):
        return f.DropNotNull(table, column)
    if cursor.accept("SET", "DEFAULT"):
        return f.SetDefault(table, column, render(cursor.rest()))
    if cursor.accept("DROP", "DEFAULT"):
        return f.SetDefault(table, column, None)
    return f.OtherAlterTable(table, render(cursor.toks))


def _rename(table: f.Name, cursor: Cursor) -> f.Fact:
    if cursor.accept("TO"):
        new_name = cursor.identifier()
        if new_name is not None:
            return f.RenameTable(table, f.Name(new_name, table.schema))
    elif cursor.accept("CONSTRAINT"):
        old = cursor.identifier()
        if old is not None and cursor.accept("TO"):
            new = cursor.identifier()
            if new is not None:
                return f.RenameConstraint(table, old, new)
    else:
        cursor.accept("COLUMN")
        old = cursor.identifier()
        if old is not None and cursor.accept("TO"):
            new = cursor.identifier()
            if new is not None:
                return f.RenameColumn(table, old, new)
    return f.OtherAlterTable(table, render(cursor.toks))


def _alter_type(cursor: Cursor) -> f.Fact:
    name = cursor.name()
    if name is None:
        return f.Other("alter type")
    if cursor.accept("ADD", "VALUE"):
        cursor.accept("IF", "NOT", "EXISTS")
        tok = cursor.advance()
        if tok.kind is Kind.STRING:
            value = _string_value(tok)
            for word in ("BEFORE", "AFTER"):
                if cursor.accept(word):
                    neighbour = cursor.advance()
                    if neighbour.kind is not Kind.STRING:
                        break
                    label = _string_value(neighbour)
                    if word == "BEFORE":
                        return f.AddEnumValue(name, value, before=label)
                    return f.AddEnumValue(name, value, after=label)
            return f.AddEnumValue(name, value)
    elif cursor.accept("RENAME", "TO"):
        new_name = cursor.identifier()
        if new_name is not None:
            return f.RenameType(name, f.Name(new_name, name.schema))
    elif cursor.accept("RENAME", "VALUE"):
        old = cursor.advance()
        if old.kind is Kind.STRING and cursor.accept("TO"):
            new = cursor.advance()
            if new.kind is Kind.STRING:
                return f.RenameEnumValue(name, _string_value(old), _string_value(new))
    return f.Other("alter type")


# DROP ...


def _drop(cursor: Cursor) -> tuple[f.Fact, ...]:
    cursor.accept("DROP")
    kind = cursor.key()
    if kind not in ("TABLE", "INDEX", "TYPE"):
        return (f.Other("drop " + kind.lower()),)
    cursor.advance()
    concurrently = kind == "INDEX" and cursor.accept("CONCURRENTLY")
    guarded = cursor.accept("IF", "EXISTS")
    found: list[f.Fact] = []
    while True:
        name = cursor.name()
        if name is None:
            break
        if kind == "TABLE":
            found.append(f.DropTable(name, guarded))
        elif kind == "INDEX":
            found.append(f.DropIndex(name, concurrently, guarded))
        else:
            found.append(f.DropType(name))
        if not cursor.accept(","):
            break
    return tuple(found) or (f.Other("drop " + kind.lower()),)
