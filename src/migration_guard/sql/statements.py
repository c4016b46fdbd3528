"""Split SQL text into statements on top-level semicolons."""

from __future__ import annotations

from dataclasses import dataclass

from migration_guard.sql.tokens import Kind, Tok, lex


@dataclass(frozen=True)
class RawStatement:
    """One statement: its text as written, where it is, and its tokens minus comments/space."""

    text: str
    line: int  # line of the first significant token
    end_line: int
    tokens: tuple[Tok, ...]


_INSIGNIFICANT = (Kind.COMMENT, Kind.SPACE)


def split_statements(text: str, first_line: int = 1) -> list[RawStatement]:
    """Statements of ``text`` in order; dollar-quoted bodies, strings and comments stay whole.

    ``first_line`` is the line ``text`` starts on, so statement lines are lines of the file.
    Comments before a statement are not part of its text.
    """
    statements: list[RawStatement] = []
    pending: list[Tok] = []
    atomic_depth = 0  # inside CREATE FUNCTION ... BEGIN ATOMIC ... END
    previous_key = ""
    for tok in lex(text, first_line):
        if not pending and tok.kind in _INSIGNIFICANT:
            continue
        if tok.kind is Kind.PUNCT and tok.text == ";" and atomic_depth == 0:
            pending.append(tok)
            _flush(text, pending, statements)
            pending = []
            previous_key = ""
            continue
        pending.append(tok)
        if tok.kind is Kind.WORD:
            opens = tok.key == "ATOMIC" and previous_key == "BEGIN"
            if opens or (atomic_depth and tok.key == "CASE"):
                atomic_depth += 1
            elif atomic_depth and tok.key == "END":
                atomic_depth -= 1
            previous_key = tok.key
        elif tok.kind not in _INSIGNIFICANT:
            previous_key = ""
    _flush(text, pending, statements)
    return statements


def _flush(source: str, pending: list[Tok], statements: list[RawStatement]) -> None:
    significant = tuple(
        tok
        for tok in pending
        if tok.kind not in _INSIGNIFICANT and not (tok.kind is Kind.PUNCT and tok.text == ";")
    )
    if not significant:
        return
    last = significant[-1]
    end_line = last.line + last.text.count("\n")
    text = source[pending[0].start : pending[-1].start + len(pending[-1].text)].rstrip()
    statements.append(RawStatement(text, significant[0].line, end_line, significant))
