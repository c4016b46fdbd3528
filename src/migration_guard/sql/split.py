"""Cut ``alembic upgrade --sql`` output into one block per revision.

Alembic writes ``-- Running upgrade A -> B`` before each revision's SQL (``-> B`` from
base, ``A, B -> C`` for a merge; ``-- Running downgrade B -> A`` when going down).
Its own bookkeeping (the ``alembic_version`` table) is left out of the blocks, and so are
lines that ``print()`` wrote between the statements (see :mod:`migration_guard.sql.noise`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migration_guard.sql import facts as f
from migration_guard.sql.noise import starts_like_sql, without_stray_lines
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import RawStatement, split_statements

MARKER = re.compile(
    r"^--\s*Running\s+(?P<direction>upgrade|downgrade)\s+(?P<source>.*?)\s*->\s*(?P<target>\S*)\s*$",
    re.MULTILINE,
)
VERSION_TABLE = "alembic_version"
_TRANSACTION_WORDS = frozenset({"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT"})


@dataclass(frozen=True)
class RevisionBlock:
    """The statements one revision emitted, with lines of the whole text."""

    revision: str | None
    down_revisions: tuple[str, ...]
    first_line: int  # the marker's line (1 for text before any marker)
    last_line: int
    statements: tuple[RawStatement, ...]
    starts_in_transaction: bool | None  # None: no BEGIN/COMMIT seen before the block


def split_revisions(text: str) -> list[RevisionBlock]:
    """One block per marker; text without markers is one block with revision None.

    Statements before the first marker (Alembic's ``BEGIN;`` and version table) open the
    first block, unless they are only bookkeeping or transaction control and markers
    follow, in which case they only set the transaction state.
    """
    split = split_statements(text)
    if not all(starts_like_sql(raw) for raw in split):
        # printed lines between statements: lexed as SQL they would swallow what follows
        text = without_stray_lines(text)
        split = split_statements(text)
    markers = list(MARKER.finditer(text))
    statements = [raw for raw in split if not is_alembic_bookkeeping(raw)]
    total_lines = text.count("\n") + 1
    if not markers:
        return [RevisionBlock(None, (), 1, total_lines, tuple(statements), None)]

    marker_lines = [text.count("\n", 0, marker.start()) + 1 for marker in markers]
    groups: list[list[RawStatement]] = [[] for _ in range(len(markers) + 1)]
    block = 0
    for raw in statements:
        while block < len(markers) and raw.line > marker_lines[block]:
            block += 1
        groups[block].append(raw)

    blocks: list[RevisionBlock] = []
    state: bool | None = None
    preamble = groups[0]
    if any(_transaction(raw) is None for raw in preamble):
        blocks.append(RevisionBlock(None, (), 1, marker_lines[0] - 1, tuple(preamble), None))
    state = _state_after(preamble, state)
    for index, marker in enumerate(markers):
        revision, down = _revisions(marker)
        last = marker_lines[index + 1] - 1 if index + 1 < len(markers) else total_lines
        group = groups[index + 1]
        blocks.append(RevisionBlock(revision, down, marker_lines[index], last, tuple(group), state))
        state = _state_after(group, state)
    return blocks


def is_alembic_bookkeeping(raw: RawStatement) -> bool:
    """True for Alembic's own statements on the ``alembic_version`` table."""
    tokens = raw.tokens
    keys = [tok.key for tok in tokens[:4]]
    if keys[:2] in (["CREATE", "TABLE"], ["INSERT", "INTO"], ["DELETE", "FROM"]):
        position = 2
    elif keys[:1] == ["UPDATE"]:
        position = 1
    else:
        return False
    # Skip a schema qualifier: schema . alembic_version
    if len(tokens) > position + 2 and tokens[position + 1].text == ".":
        position += 2
    return len(tokens) > position and tokens[position].text.strip('"') == VERSION_TABLE


def _revisions(marker: re.Match[str]) -> tuple[str | None, tuple[str, ...]]:
    source = tuple(part.strip() for part in marker.group("source").split(",") if part.strip())
    target = marker.group("target") or None
    if marker.group("direction") == "downgrade":
        # Going down, the revision whose downgrade() runs is the source.
        return (source[0] if source else None), ((target,) if target else ())
    return target, source


def _transaction(raw: RawStatement) -> f.Transaction | None:
    if raw.tokens[0].key not in _TRANSACTION_WORDS:
        return None
    facts = read_statement(raw)
    return facts[0] if len(facts) == 1 and isinstance(facts[0], f.Transaction) else None


def _state_after(statements: list[RawStatement], state: bool | None) -> bool | None:
    for raw in statements:
        transaction = _transaction(raw)
        if transaction is not None:
            state = transaction.action == "begin"
    return state
