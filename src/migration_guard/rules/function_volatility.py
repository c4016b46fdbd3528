"""How volatile the functions a column DEFAULT calls are, as PostgreSQL would judge them.

A function declared without IMMUTABLE or STABLE is VOLATILE (CREATE FUNCTION's default), so
a call to a function not known here counts as volatile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from migration_guard.rules import builtin_functions

# Functions of common extensions (not in the catalog the built-in table comes from).
_EXTENSION_VOLATILE = frozenset(
    {
        "uuid_generate_v1",  # uuid-ossp
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "gen_salt",  # pgcrypto
        "gen_random_bytes",
    }
)
_EXTENSION_NOT_VOLATILE = frozenset(
    {
        "uuid_nil",
        "uuid_ns_dns",
        "uuid_ns_url",
        "uuid_ns_oid",
        "uuid_ns_x500",
        "uuid_generate_v3",
        "uuid_generate_v5",
    }
)
# SQL's value keywords (CURRENT_TIMESTAMP, CURRENT_TIMESTAMP(0), …): STABLE, not in pg_proc
_STABLE_KEYWORDS = frozenset(
    {
        "current_timestamp",
        "current_time",
        "current_date",
        "localtimestamp",
        "localtime",
        "current_user",
        "current_role",
        "current_catalog",
        "session_user",
        "user",
    }
)
# Built-ins that return a different value per row: the default is evaluated for every row.
KNOWN_VOLATILE = builtin_functions.VOLATILE | _EXTENSION_VOLATILE
# IMMUTABLE or STABLE: evaluated once for ADD COLUMN (PostgreSQL 11+), no rewrite.
KNOWN_NOT_VOLATILE = builtin_functions.NOT_VOLATILE | _EXTENSION_NOT_VOLATILE | _STABLE_KEYWORDS
# Syntax that looks like a call but is an expression form or a type's modifier.
_NOT_FUNCTIONS = frozenset(
    {
        "cast",
        "coalesce",
        "nullif",
        "greatest",
        "least",
        "row",
        "array",
        "extract",
        "overlay",
        "position",
        "substring",
        "trim",
        "in",
        "and",
        "or",
        "not",
        "is",
        "exists",
        "any",
        "all",
        "some",
        "values",
        "collate",
        "at",
        "zone",
        "then",
        "else",
        "when",
        "case",
        # type names with modifiers, in CAST(… AS varchar(10)) or 'x'::character varying(10)
        "varchar",
        "varying",
        "char",
        "character",
        "nchar",
        "numeric",
        "decimal",
        "float",
        "precision",
        "timestamp",
        "timestamptz",
        "time",
        "timetz",
        "interval",
        "bit",
        "varbit",
    }
)
_STRING = re.compile(r"'(?:[^']|'')*'")
_CALL = re.compile(
    r'(::\s*)?((?:"[^"]+"|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z_][\w$]*))?)\s*\('
)


def called_functions(expression: str) -> Iterator[str]:
    """The functions ``expression`` calls, schema-qualified as written, lower case unless quoted;
    casts' type modifiers (``'0'::numeric(10, 2)``) and expression forms left out."""
    bare = _STRING.sub("''", expression)
    for match in _CALL.finditer(bare):
        if match[1]:
            continue
        name = ".".join(_fold(part.strip()) for part in match[2].split("."))
        if name.rsplit(".", 1)[-1] in _NOT_FUNCTIONS and "." not in name:
            continue
        yield name


def volatile_calls(expression: str, declared_safe: Iterable[str] = ()) -> list[str]:
    """The calls of ``expression`` PostgreSQL runs per row: known volatile built-ins and any
    function not known to be IMMUTABLE or STABLE (``declared_safe``: such functions this
    project declares itself)."""
    safe = set(declared_safe)
    found = []
    for name in called_functions(expression):
        short = name.removeprefix("pg_catalog.").removeprefix("public.")
        if name in safe or short in safe:
            continue
        if short in KNOWN_VOLATILE or (
            short not in KNOWN_NOT_VOLATILE and name not in KNOWN_NOT_VOLATILE
        ):
            found.append(name)
    return found


_DECLARED = re.compile(
    r"^\s*create\s+(?:or\s+replace\s+)?function\s+"
    r'((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)\s*\(',
    re.IGNORECASE,
)
_SAFE_WORD = re.compile(r"\b(immutable|stable)\b", re.IGNORECASE)


def declared_not_volatile(sql: str) -> str | None:
    """The function a ``CREATE FUNCTION … IMMUTABLE|STABLE`` statement declares, else None."""
    match = _DECLARED.match(sql)
    if match is None:
        return None
    body_free = re.sub(r"\$([\w]*)\$.*?\$\1\$", "", sql, flags=re.DOTALL)
    if not _SAFE_WORD.search(_STRING.sub("''", body_free)):
        return None
    return ".".join(_fold(part.strip()) for part in match[1].split("."))


def _fold(identifier: str) -> str:
    if identifier.startswith('"') and identifier.endswith('"'):
        return identifier[1:-1]
    return identifier.lower()
