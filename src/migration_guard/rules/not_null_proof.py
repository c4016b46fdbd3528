"""Whether a CHECK expression proves a column NOT NULL, the way PostgreSQL 12+ decides it.

``ALTER COLUMN … SET NOT NULL`` skips its scan when a validated check constraint implies
``column IS NOT NULL``. PostgreSQL simplifies the constraint before asking (``NOT (c IS
NULL)`` becomes ``c IS NOT NULL``) and an ``AND`` implies what any of its arms implies; an
``OR``, or the column inside a function call, proves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from migration_guard.sql.cursor import identifier_of
from migration_guard.sql.tokens import Kind, Tok, significant


def proves_not_null(expression: str, column: str) -> bool:
    """True when the CHECK body ``expression`` implies ``column IS NOT NULL``."""
    tokens = [tok for tok in significant(expression) if tok.kind is not Kind.COMMENT]
    return any(_conjunct_proves(arm, column) for arm in _and_arms(_unwrap(tokens)))


def _unwrap(tokens: Sequence[Tok]) -> Sequence[Tok]:
    """``tokens`` without parentheses around the whole of them."""
    while len(tokens) >= 2 and tokens[0].text == "(" and _closing(tokens, 0) == len(tokens) - 1:
        tokens = tokens[1:-1]
    return tokens


def _closing(tokens: Sequence[Tok], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].kind is Kind.PUNCT and tokens[index].text == "(":
            depth += 1
        elif tokens[index].kind is Kind.PUNCT and tokens[index].text == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _and_arms(tokens: Sequence[Tok]) -> list[Sequence[Tok]]:
    """The arms of a top-level AND; one arm when an OR sits at top level (it binds looser)."""
    arms: list[list[Tok]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind is Kind.PUNCT and tok.text == "(":
            depth += 1
        elif tok.kind is Kind.PUNCT and tok.text == ")":
            depth -= 1
        elif depth == 0 and tok.key == "OR":
            return [tokens]
        elif depth == 0 and tok.key == "AND":
            arms.append([])
            continue
        arms[-1].append(tok)
    return [_unwrap(arm) for arm in arms if arm]


def _conjunct_proves(tokens: Sequence[Tok], column: str) -> bool:
    if tokens and tokens[0].key == "NOT":
        # NOT binds looser than IS: NOT c IS NULL is NOT (c IS NULL)
        return _null_test(_unwrap(tokens[1:]), column) in (("IS", "NULL"), ("ISNULL",))
    return _null_test(tokens, column) in (("IS", "NOT", "NULL"), ("NOTNULL",))


def _null_test(tokens: Sequence[Tok], column: str) -> tuple[str, ...]:
    """The keywords after the operand when the operand is ``column`` (maybe in
    parentheses), else nothing."""
    depth = 0
    for index, tok in enumerate(tokens):
        if tok.kind is Kind.PUNCT and tok.text == "(":
            depth += 1
        elif tok.kind is Kind.PUNCT and tok.text == ")":
            depth -= 1
        elif depth == 0 and index and tok.key in ("IS", "ISNULL", "NOTNULL"):
            operand = _unwrap(tokens[:index])
            if len(operand) == 1 and identifier_of(operand[0]) == column:
                return tuple(t.key for t in tokens[index:])
            return ()
    return ()
