"""Lines in ``alembic upgrade --sql`` output that are not SQL: what ``print()`` wrote.

env.py and migrations that print write to the same stdout as Alembic's SQL, so their lines
land between statements. Read as SQL, such a line joins the next statement (which then goes
unrecognised), and an apostrophe in it (``Don't``) opens a string literal that swallows the
statements after it.

A line is stray when, outside any statement (at the start of the text or after a top-level
``;``), its first token cannot begin a PostgreSQL statement: not a command keyword, not a
comment, not ``(`` before ``SELECT``/``WITH``/``VALUES``/``TABLE``. Only whole lines outside
statements are dropped, so SQL inside a statement is never touched; a printed line that
starts with a command word (``Update finished``) is read as SQL.
"""

from __future__ import annotations

from migration_guard.sql.statements import RawStatement
from migration_guard.sql.tokens import Kind, Tok, significant

# The first word of every PostgreSQL command (the SQL Commands reference), ANALYSE spelled both ways.
STATEMENT_WORDS = frozenset(
    [
        "ABORT",
        "ALTER",
        "ANALYZE",
        "ANALYSE",
        "BEGIN",
        "CALL",
        "CHECKPOINT",
        "CLOSE",
        "CLUSTER",
        "COMMENT",
        "COMMIT",
        "COPY",
        "CREATE",
        "DEALLOCATE",
        "DECLARE",
        "DELETE",
        "DISCARD",
        "DO",
        "DROP",
        "END",
        "EXECUTE",
        "EXPLAIN",
        "FETCH",
        "GRANT",
        "IMPORT",
        "INSERT",
        "LISTEN",
        "LOAD",
        "LOCK",
        "MERGE",
        "MOVE",
        "NOTIFY",
        "PREPARE",
        "REASSIGN",
        "REFRESH",
        "REINDEX",
        "RELEASE",
        "RESET",
        "REVOKE",
        "ROLLBACK",
        "SAVEPOINT",
        "SECURITY",
        "SELECT",
        "SET",
        "SHOW",
        "START",
        "TABLE",
        "TRUNCATE",
        "UNLISTEN",
        "UPDATE",
        "VACUUM",
        "VALUES",
        "WITH",
    ]
)
_AFTER_PARENTHESIS = frozenset({"SELECT", "WITH", "VALUES", "TABLE"})


def starts_like_sql(raw: RawStatement) -> bool:
    """Whether a split statement begins the way a PostgreSQL statement can."""
    return _verdict(raw.tokens) is not False


def without_stray_lines(text: str) -> str:
    """``text`` with every stray line emptied; line numbers stay those of ``text``."""
    kept: list[str] = []
    offset, line = 0, 1
    while True:
        stray = _first_stray(text[offset:], line)
        if stray is None:
            kept.append(text[offset:])
            return "".join(kept)
        start, end, stray_line = stray
        kept.append(text[offset : offset + start])
        # lex again after the line: what it opened (a quote) must not reach the SQL after it
        offset, line = offset + end, stray_line


def _first_stray(text: str, first_line: int) -> tuple[int, int, int] | None:
    """(start, end, line) of the first stray line of ``text``, end at its newline."""
    opening: list[Tok] = []  # tokens of the statement begun, until it is judged
    atomic_depth = 0  # inside CREATE FUNCTION ... BEGIN ATOMIC ... END, as split_statements
    in_statement = False
    previous_key = ""
    for tok in significant(text, first_line):
        if tok.kind is Kind.COMMENT:
            continue
        if not in_statement:
            if tok.kind is Kind.PUNCT and tok.text == ";":
                continue
            opening.append(tok)
            verdict = _verdict(tuple(opening))
            if verdict is None:
                continue
            if verdict is False:
                first = opening[0]
                end = text.find("\n", first.start)
                return first.start, len(text) if end < 0 else end, first.line
            in_statement, opening = True, []
        if tok.kind is Kind.PUNCT and tok.text == ";" and atomic_depth == 0:
            in_statement, previous_key = False, ""
            continue
        if tok.kind is Kind.WORD:
            key = tok.key
            if (key == "ATOMIC" and previous_key == "BEGIN") or (atomic_depth and key == "CASE"):
                atomic_depth += 1
            elif atomic_depth and key == "END":
                atomic_depth -= 1
            previous_key = key
        else:
            previous_key = ""
    return None


def _verdict(opening: tuple[Tok, ...]) -> bool | None:
    """True: a statement starts with these tokens; False: it cannot; None: undecided yet."""
    for tok in opening:
        if tok.kind is Kind.PUNCT and tok.text == "(":
            continue
        if tok.kind is not Kind.WORD:
            return False
        words = _AFTER_PARENTHESIS if tok is not opening[0] else STATEMENT_WORDS
        return tok.key in words
    return None
