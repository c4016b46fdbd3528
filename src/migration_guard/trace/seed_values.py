"""Candidate values for a seeded column, by base type (runs in the trace child).

A candidate maps a row's index to the value's text in PostgreSQL's input syntax; it is cast to
the column's declared type, so a domain's checks and a ``varchar(n)``'s length apply. The first
candidate is the usual one; the others exist for CHECK constraints (small, zero and negative
numbers, the constants the checks compare with, a non-empty array) and are tried in turn when
an insert violates one. Values differ per row, so unique columns get distinct values. Integers
start at ``FIRST_ID`` where the type holds it, far from the small ids a data migration inserts.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from migration_guard.trace.seed_catalog import BaseType

Candidate = Callable[[int], str]

FIRST_ID = 900_000_001
ROWS_PER_TABLE = 3

_INTEGER_LIMITS = {"int2": 32_767, "int4": 2_147_483_647, "int8": 2**63 - 1, "oid": 2**32 - 1}
_NUMBERS = {"numeric", "float4", "float8", "money"} | set(_INTEGER_LIMITS)
_TEXT = {"text", "varchar", "bpchar", "name", "citext"}
_NUMBER_CONSTANT = re.compile(r"(?<![\w.'])-?\d+(?:\.\d+)?(?![\w.'])")
_STRING_CONSTANT = re.compile(r"'((?:[^']|'')*)'")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def candidates(base: BaseType, seed: str, number: int, checks: list[str]) -> list[Candidate] | None:
    """The column's candidates (None: a type seeding cannot make up). ``seed`` tells tables and
    columns apart in generated UUIDs; ``number`` (the column's position) orders dates and times
    so that a later column holds a later value; ``checks`` are the definitions that mention it."""
    checks = checks + list(base.checks)
    if base.kind == "e":
        labels = base.labels
        if not labels:
            return None
        return [_label(labels, shift) for shift in range(len(labels))]
    if base.category == "A":
        if base.element is None:
            return [lambda i: "{}"]
        inner = candidates(base.element, seed, number, [])
        if inner is None:
            return [lambda i: "{}"]
        first = inner[0]
        return [lambda i: "{}", lambda i: "{" + _array_element(first(i)) + "}"]
    if base.kind == "r":
        return _range(base)
    if base.name in _NUMBERS:
        return _numbers(base, checks)
    if base.name in _TEXT:
        return _texts(base, checks)
    made = _OTHERS.get(base.name)
    if made is None:
        return None
    if base.name == "uuid":
        return [lambda i: str(uuid.UUID(hashlib.md5(f"{seed}.{i}".encode()).hexdigest()))]
    return made(number)


def _label(labels: tuple[str, ...], shift: int) -> Candidate:
    return lambda i: labels[(i + shift) % len(labels)]


def _array_element(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _numbers(base: BaseType, checks: list[str]) -> list[Candidate]:
    scale = 0
    limit: Decimal | None = None
    if base.name in _INTEGER_LIMITS:
        limit = Decimal(_INTEGER_LIMITS[base.name])
    elif base.name == "numeric" and base.typmod >= 4:
        precision, scale = ((base.typmod - 4) >> 16) & 0xFFFF, (base.typmod - 4) & 0xFFFF
        limit = Decimal(10) ** (precision - scale) - 1
    elif base.name == "float4":
        limit = Decimal(2**24)  # exact integers only, so unique columns stay distinct
    step = Decimal(1).scaleb(-scale) if limit is not None and limit < ROWS_PER_TABLE else Decimal(1)
    values: list[Callable[[int], Decimal]] = []
    if limit is None or limit >= FIRST_ID + ROWS_PER_TABLE:
        values.append(lambda i: Decimal(FIRST_ID + i))
    elif limit >= ROWS_PER_TABLE:
        top = limit - ROWS_PER_TABLE
        values.append(lambda i: top + i)
    values.append(lambda i: step * (i + 1))
    for constant in _constants(_NUMBER_CONSTANT, checks):
        number = Decimal(constant)
        values.extend(
            [_offset(number, step, 1), _offset(number, step, 0), _offset(number, -step, 1)]
        )
    values.extend([lambda i: Decimal(0) + step * i, lambda i: -step * (i + 1)])
    return [_number_text(value) for value in values]


def _offset(number: Decimal, step: Decimal, first: int) -> Callable[[int], Decimal]:
    return lambda i: number + step * (i + first)


def _number_text(value: Callable[[int], Decimal]) -> Candidate:
    return lambda i: str(value(i))


def _texts(base: BaseType, checks: list[str]) -> list[Candidate]:
    length = base.typmod - 4 if base.name in ("varchar", "bpchar") and base.typmod >= 4 else None
    found: list[Candidate] = [_fitted("mg-seed-", length), _fitted("s", length)]
    for constant in _constants(_STRING_CONSTANT, checks):
        text = constant.replace("''", "'")
        found.append(_constant(text))
    return found


def _constant(text: str) -> Candidate:
    return lambda i: text


def _fitted(prefix: str, length: int | None) -> Candidate:
    def value(i: int) -> str:
        text = f"{prefix}{i + 1}"
        if length is None or len(text) <= length:
            return text
        short, rest = "", i + 1
        while rest:
            short, rest = _DIGITS[rest % 36] + short, rest // 36
        return short[-length:]

    return value


def _constants(pattern: re.Pattern[str], checks: list[str]) -> list[str]:
    found: list[str] = []
    for check in checks:
        for match in pattern.finditer(check):
            text = match.group(1) if pattern.groups else match.group(0)
            if text not in found:
                found.append(text)
    return found[:6]


def _range(base: BaseType) -> list[Candidate] | None:
    inner = base.element
    if inner is None:
        return None
    if inner.name in _NUMBERS:
        return [lambda i: f"[{i + 1},{i + 2})"]
    if inner.name == "date":
        return [lambda i: f"[{date(2020, 1, 1) + timedelta(days=i)},2030-01-01)"]
    if inner.name in ("timestamp", "timestamptz"):
        return [lambda i: f"[2020-01-0{i % 9 + 1} 00:00,2030-01-01 00:00)"]
    return None


def _dates(number: int) -> list[Candidate]:
    start = date(2020, 1, 1)
    return [
        lambda i: str(start + timedelta(days=100 * i + number)),
        lambda i: str(start + timedelta(days=100 * i - number)),
    ]


def _timestamps(number: int) -> list[Candidate]:
    start = datetime(2020, 1, 1)
    return [
        lambda i: str(start + timedelta(days=i, minutes=number)),
        lambda i: str(start + timedelta(days=i, minutes=-number)),
    ]


def _times(number: int) -> list[Candidate]:
    return [
        lambda i: f"{12 + number % 12:02d}:{i % 60:02d}:00",
        lambda i: f"{11 - number % 12:02d}:{i % 60:02d}:00",
    ]


def _fixed(*texts: str) -> Callable[[int], list[Candidate]]:
    return lambda number: [_formatted(text) for text in texts]


def _formatted(text: str) -> Candidate:
    return lambda i: text.format(i=i, n=i + 1)


_OTHERS: dict[str, Callable[[int], list[Candidate]]] = {
    "bool": lambda number: [
        lambda i: "true" if i % 2 == 0 else "false",
        lambda i: "true",
        lambda i: "false",
    ],
    "uuid": _fixed(""),  # made from the seed in candidates()
    "date": _dates,
    "timestamp": _timestamps,
    "timestamptz": _timestamps,
    "time": _times,
    "timetz": _times,
    "interval": _fixed("{n} days"),
    "json": _fixed('{{"mg_seed": {n}}}', "{{}}", "[]"),
    "jsonb": _fixed('{{"mg_seed": {n}}}', "{{}}", "[]"),
    "bytea": lambda number: [lambda i: f"\\x{i:02x}"],
    "inet": _fixed("10.0.0.{n}"),
    "cidr": _fixed("10.{n}.0.0/16"),
    "macaddr": _fixed("08:00:2b:00:00:0{n}"),
    "tsvector": _fixed("mg seed {n}"),
    "tsquery": _fixed("mg"),
    "xml": _fixed("<mg n='{n}'/>"),
    "point": _fixed("({i},{n})"),
}
