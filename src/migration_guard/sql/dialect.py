"""Statements written for another database (MySQL, SQL Server), told apart before reading.

PostgreSQL refuses them; read as PostgreSQL they would be misread (``DROP PRIMARY KEY``
as dropping a column named ``primary``). Only unmistakable marks count: each is a syntax
error in PostgreSQL (checked against PostgreSQL's own parser in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence

from migration_guard.sql.tokens import Kind, Tok

# ALTER TABLE t <action> pairs no PostgreSQL ALTER TABLE has.
_ALTER_ACTIONS = {
    ("DROP", "PRIMARY"): "DROP PRIMARY KEY",
    ("DROP", "FOREIGN"): "DROP FOREIGN KEY",
    ("DROP", "INDEX"): "DROP INDEX in ALTER TABLE",
    ("DROP", "KEY"): "DROP KEY",
    ("ADD", "FULLTEXT"): "ADD FULLTEXT",
    ("ADD", "SPATIAL"): "ADD SPATIAL",
    ("RENAME", "INDEX"): "RENAME INDEX",
    ("RENAME", "KEY"): "RENAME KEY",
}
# Single ALTER TABLE actions of MySQL.
_ALTER_WORDS = {"MODIFY": "MODIFY COLUMN", "CHANGE": "CHANGE COLUMN"}
# NAME = value options after a table or index definition.
_OPTIONS = frozenset({"ENGINE", "CHARSET", "ALGORITHM", "AUTO_INCREMENT", "ROW_FORMAT"})


def foreign_dialect(tokens: Sequence[Tok]) -> str | None:
    """What marks the statement as another database's SQL; None when nothing does."""
    for tok in tokens:
        if tok.kind is Kind.WORD and tok.text[:1] in ("`", "["):
            quote = "backtick" if tok.text[0] == "`" else "bracket"
            return f"{quote}-quoted identifier {tok.text}"
    keys = [tok.key for tok in tokens]
    for index, key in enumerate(keys):
        following = keys[index + 1] if index + 1 < len(keys) else ""
        if key in _OPTIONS and following == "=":
            return f"table option {key}="
        if key == "AUTO_INCREMENT":
            return "AUTO_INCREMENT"
    if keys[:2] == ["ALTER", "TABLE"]:
        return _alter_table(keys)
    if keys[:2] == ["DROP", "INDEX"] and "ON" in keys:
        return "DROP INDEX … ON table"
    if keys[:1] == ["UPDATE"] and "SET" in keys and "JOIN" in keys[: keys.index("SET")]:
        return "UPDATE … JOIN"
    if keys[:2] == ["INSERT", "INTO"] and len(keys) > 3 and keys[3] == "SET":
        return "INSERT … SET"
    return None


def _alter_table(keys: list[str]) -> str | None:
    # the actions start after ALTER TABLE [IF EXISTS] [ONLY] name, and after each top-level comma
    starts = [index + 1 for index, key in enumerate(keys) if key == ","]
    name_end = 2
    while name_end < len(keys) and keys[name_end] in ("IF", "EXISTS", "ONLY"):
        name_end += 1
    while name_end + 2 < len(keys) and keys[name_end + 1] == ".":
        name_end += 2
    starts.insert(0, name_end + 1)
    for start in starts:
        pair = tuple(keys[start : start + 2])
        if pair in _ALTER_ACTIONS:
            return _ALTER_ACTIONS[pair]
        if keys[start : start + 1] and keys[start] in _ALTER_WORDS:
            return _ALTER_WORDS[keys[start]]
        if pair == ("ADD", "UNIQUE") and keys[start + 2 : start + 3] in (["KEY"], ["INDEX"]):
            return f"ADD UNIQUE {keys[start + 2]}"
    for index in range(4, len(keys) - 1):
        # … ADD COLUMN c type AFTER other [, …]: MySQL's column position
        ends = index + 2 == len(keys) or keys[index + 2] == ","
        if keys[index] == "AFTER" and ends and keys[index - 1] not in ("ADD", "COLUMN"):
            return "ADD COLUMN … AFTER"
        if keys[index] == "COMMENT" and keys[index + 1].startswith("'"):
            return "column COMMENT"
    return None
