"""How volatile the functions a column DEFAULT calls are, as PostgreSQL would judge them.

A function declared without IMMUTABLE or STABLE is VOLATILE (CREATE FUNCTION's default), so
a call to a function not known here counts as volatile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Built-ins that return a different value per row: the default is evaluated for every row.
KNOWN_VOLATILE = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "setval",
        "txid_current",
        "pg_current_xact_id",
        "gen_salt",
        "gen_random_bytes",
    }
)
# IMMUTABLE or STABLE built-ins: evaluated once for ADD COLUMN (PostgreSQL 11+), no rewrite.
KNOWN_NOT_VOLATILE = frozenset(
    {
        # STABLE: the transaction's time, the session's settings
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "current_timestamp",
        "current_time",
        "current_date",
        "localtimestamp",
        "localtime",
        "current_setting",
        "current_user",
        "current_schema",
        "current_database",
        "session_user",
        "timezone",
        "to_char",
        "to_timestamp",
        "to_date",
        "date_trunc",
        "date_part",
        "age",
        # IMMUTABLE
        "lower",
        "upper",
        "length",
        "concat",
        "concat_ws",
        "md5",
        "sha256",
        "replace",
        "substr",
        "left",
        "right",
        "btrim",
        "ltrim",
        "rtrim",
        "abs",
        "round",
        "floor",
        "ceil",
        "make_date",
        "make_interval",
        "make_timestamp",
        "make_timestamptz",
        "to_json",
        "to_jsonb",
        "json_build_object",
        "jsonb_build_object",
        "json_build_array",
        "jsonb_build_array",
        "array_fill",
        "int4range",
        "int8range",
        "numrange",
        "tsrange",
        "tstzrange",
        "daterange",
        "to_tsvector",
        "point",
        "uuid_nil",
        "uuid_ns_url",
    }
)
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
