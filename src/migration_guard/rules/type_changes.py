"""Which ``ALTER COLUMN … TYPE`` changes PostgreSQL makes without rewriting the table.

The list follows PostgreSQL's binary-coercible casts (the ``ALTER TABLE`` documentation):
a change is free when the old values are already valid values of the new type, stored the
same way, and no stricter limit must be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# spellings PostgreSQL accepts -> one name
_ALIASES = {
    "character varying": "varchar",
    "char varying": "varchar",
    "bit varying": "varbit",
    "decimal": "numeric",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time",
    "time with time zone": "timetz",
    "float8": "double precision",
    "float4": "real",
    "bool": "boolean",
}
_TYPE = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_ ]*?)\s*(?:\((?P<args>[^)]*)\))?(?P<zone>\s+with(?:out)?\s+time\s+zone)?$"
)
# zones whose offset from UTC is always zero: PostgreSQL 12+ then converts timestamp and
# timestamptz in place
ZERO_OFFSET_ZONES = frozenset({"utc", "etc/utc", "gmt", "etc/gmt", "z", "zulu", "uct", "universal"})


@dataclass(frozen=True)
class SqlType:
    name: str  # canonical, e.g. "varchar", "numeric", "timestamptz"
    modifiers: tuple[int, ...] = ()  # () when unconstrained


def parse_type(text: str) -> SqlType | None:
    """The canonical type of ``text`` ("character varying(20)" -> varchar (20)); None for
    arrays, user-defined or otherwise unknown shapes."""
    cleaned = text.strip().replace('"', "")
    if "[" in cleaned or cleaned.endswith(" array"):
        return None
    cleaned = re.sub(r"^pg_catalog\.", "", cleaned)
    match = _TYPE.match(cleaned)
    if match is None:
        return None
    name = " ".join(match["name"].split())
    if match["zone"]:
        name = f"{name} {' '.join(match['zone'].split())}"
    name = _ALIASES.get(name, name)
    modifiers: tuple[int, ...] = ()
    if match["args"] is not None:
        try:
            modifiers = tuple(int(part) for part in match["args"].split(","))
        except ValueError:
            return None
    if name == "numeric" and len(modifiers) == 1:
        modifiers = (modifiers[0], 0)  # numeric(p) is numeric(p, 0)
    return SqlType(name, modifiers)


def rewrites(old_text: str, new_text: str, *, zero_offset_session: bool) -> bool:
    """False when changing a column from ``old_text`` to ``new_text`` rewrites nothing.

    ``zero_offset_session``: the migration's session time zone is UTC (or another zone
    without offset) on PostgreSQL 12+, so timestamp <-> timestamptz is free.
    """
    old, new = parse_type(old_text), parse_type(new_text)
    if old is None or new is None:
        return True
    if old == new:
        return False
    pair = (old.name, new.name)
    if pair in (("varchar", "varchar"), ("varbit", "varbit")):
        return not _limit_not_shorter(old.modifiers, new.modifiers)
    if pair in (("varchar", "text"), ("text", "text")):
        return False
    if pair == ("text", "varchar"):
        return bool(new.modifiers)
    if pair == ("numeric", "numeric"):
        return not _numeric_widens(old.modifiers, new.modifiers)
    if pair == ("cidr", "inet"):
        return False
    if pair in (("timestamp", "timestamptz"), ("timestamptz", "timestamp")):
        return not (zero_offset_session and old.modifiers == new.modifiers)
    return True


def _limit_not_shorter(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    if not new:
        return True  # no limit at all
    return bool(old) and new[0] >= old[0]


def _numeric_widens(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    if not new:
        return True  # unconstrained numeric holds every value
    if not old:
        return False
    return new[1] == old[1] and new[0] >= old[0]
