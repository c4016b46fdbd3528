"""Split SQL text into statements on top-level semicolons."""

from __future__ import annotations

from dataclasses import dataclass

from migration_guard.sql.tokens import Kind, Tok, significant


@dataclass(frozen=True)
class RawStatement:
    """One statement: its text as written, where it is, and its tokens minus comments/space."""

    text: str
    line: int  # line of the first significant token
    end_line: int
    tokens: tuple[Tok, ...]


def split_statements(text: str, first_line: int = 1) -> list[RawStatement]:
    """Statements of ``text`` in order; dollar-quoted bodies, strings and comments stay whole.

    ``first_line`` is the line ``text`` starts on, so statement lines are lines of the file.
    Comments before a statement are not part of its text.
    """
    statements: list[RawStatement] = []
    toks: list[Tok] = []  # the pending statement's tokens, minus comments and semicolons
    first_start = -1  # offset of the pending statement's first token, -1 before it
    last_end = 0  # offset just past its last token, comments included
    atomic_depth = 0  # inside CREATE FUNCTION ... BEGIN ATOMIC ... END
    previous_key = ""
    comment, punct, word = Kind.COMMENT, Kind.PUNCT, Kind.WORD
    for tok in significant(text, first_line):
        kind = tok.kind
        if kind is comment:
            if first_start >= 0:
                last_end = tok.start + len(tok.text)
            continue
        if first_start < 0:
            first_start = tok.start
        last_end = tok.start + len(tok.text)
        if kind is punct and tok.text == ";":
            if atomic_depth == 0:
                _flush(text, first_start, last_end, toks, statements)
                toks = []
                first_start = -1
            previous_key = ""
            continue
        toks.append(tok)
        if kind is word:
            key = tok.key
            if (key == "ATOMIC" and previous_key == "BEGIN") or (atomic_depth and key == "CASE"):
                atomic_depth += 1
            elif atomic_depth and key == "END":
                atomic_depth -= 1
            previous_key = key
        else:
            previous_key = ""
    if first_start >= 0:
        _flush(text, first_start, last_end, toks, statements)
    return statements


def _flush(
    source: str, start: int, end: int, toks: list[Tok], statements: list[RawStatement]
) -> None:
    if not toks:
        return
    last = toks[-1]
    end_line = last.line + last.text.count("\n")
    text = source[start:end].rstrip()
    statements.append(RawStatement(text, toks[0].line, end_line, tuple(toks)))
