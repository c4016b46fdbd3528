"""Suppression comments: ``# migration-guard: ignore[rule-a, rule-b] reason``.

Where a suppression applies:

* on the line of the ``op.`` call, or on the line above it: that operation's statements
  (in SQL input: a statement that starts on the next line, or spans the comment's line);
* in the file header: the whole file. In a Python revision the header is everything before
  the first line of code other than the module docstring (so above the imports); the
  comment must be on a line of its own. In SQL input it is the comment lines before the
  first statement, except the line directly above it, which belongs to that statement.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Literal

CommentStyle = Literal["python", "sql"]

_PATTERN = re.compile(r"migration-guard:\s*ignore\[([^\]]*)\](.*)")
_SQL_LINE = re.compile(r"--\s*(migration-guard:.*)")


@dataclass(frozen=True)
class Suppression:
    line: int
    rules: tuple[str, ...]
    reason: str
    file_level: bool

    def covers(self, rule_id: str, line: int | None, end_line: int | None) -> bool:
        """True when this suppression silences ``rule_id`` on a statement at these lines."""
        if rule_id not in self.rules:
            return False
        if self.file_level:
            return True
        if line is None:
            return False
        return line - 1 <= self.line <= (end_line if end_line is not None else line)


def find_suppressions(source_text: str | None, style: CommentStyle) -> list[Suppression]:
    """Every suppression comment in ``source_text``."""
    if not source_text or "migration-guard:" not in source_text:
        return []
    if style == "sql":
        return _sql_suppressions(source_text)
    return _python_suppressions(source_text)


def _parse(comment: str, line: int, file_level: bool) -> Suppression | None:
    match = _PATTERN.search(comment)
    if match is None:
        return None
    rules = tuple(part.strip() for part in match.group(1).split(",") if part.strip())
    return Suppression(line, rules, match.group(2).strip(), file_level)


def _python_suppressions(text: str) -> list[Suppression]:
    comments: list[tuple[int, str, bool]] = []  # line, text, alone on its line
    header_end: int | None = None
    seen_docstring = False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                alone = not tok.line[: tok.start[1]].strip()
                comments.append((tok.start[0], tok.string, alone))
            elif header_end is None and tok.type not in _LAYOUT:
                if tok.type == tokenize.STRING and not seen_docstring:
                    seen_docstring = True
                else:
                    header_end = tok.start[0]
    except (tokenize.TokenError, SyntaxError):
        # Unfinished source: fall back to whole-line scanning, no file header.
        comments = [
            (number, line[line.index("#") :], False)
            for number, line in enumerate(text.splitlines(), start=1)
            if "#" in line
        ]
        header_end = 0
    found = []
    for line, comment, alone in comments:
        file_level = alone and (header_end is None or line < header_end)
        suppression = _parse(comment, line, file_level)
        if suppression is not None:
            found.append(suppression)
    return found


_LAYOUT = frozenset(
    {
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.COMMENT,
        tokenize.ENCODING,
        tokenize.ENDMARKER,
        tokenize.INDENT,
        tokenize.DEDENT,
    }
)


def _sql_suppressions(text: str) -> list[Suppression]:
    lines = text.splitlines()
    first_code = next(
        (
            number
            for number, line in enumerate(lines, start=1)
            if line.strip() and not line.lstrip().startswith("--")
        ),
        len(lines) + 1,
    )
    found = []
    for number, line in enumerate(lines, start=1):
        if "migration-guard:" not in line:
            continue
        match = _SQL_LINE.search(line)
        if match is None:
            continue
        file_level = number < first_code - 1
        suppression = _parse(match.group(1), number, file_level)
        if suppression is not None:
            found.append(suppression)
    return found
