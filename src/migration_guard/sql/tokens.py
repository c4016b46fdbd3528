"""sqlparse's lexer rules, run as one compiled pattern, reduced to the token kinds we need.

The rules are sqlparse's own (``sqlparse.keywords.SQL_REGEX`` and its keyword tables),
tried in sqlparse's order of precedence at each position, except where PostgreSQL reads
SQL differently from sqlparse; those deviations are in ``PG_RULES`` and :func:`_comment_end`:

* a standard string ``'…'`` has no backslash escapes, so ``'C:\\dir\\'`` ends at its
  second quote (Alembic renders literals this way); only ``E'…'`` strings have them;
* a double-quoted identifier has no backslash escapes either;
* block comments nest: ``/* a /* b */ c */`` is one comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import NamedTuple

from sqlparse import keywords
from sqlparse import tokens as T
from sqlparse.lexer import Lexer


class Kind(Enum):
    WORD = "word"  # keyword or bare identifier
    QUOTED = "quoted"  # "double-quoted identifier"
    STRING = "string"  # 'single-quoted' literal
    DOLLAR = "dollar"  # $tag$ dollar-quoted body $tag$
    NUMBER = "number"
    PUNCT = "punct"  # ( ) , . ; ::
    OPERATOR = "operator"
    COMMENT = "comment"
    SPACE = "space"
    OTHER = "other"


class Tok(NamedTuple):
    kind: Kind
    text: str
    key: str  # upper-cased text for words, the text itself otherwise
    line: int  # 1-based line in the file
    start: int  # offset in the lexed text


def _kind_of(ttype: object) -> Kind:
    if ttype in T.Comment:
        return Kind.COMMENT
    if ttype in T.Whitespace or ttype in T.Newline:
        return Kind.SPACE
    if ttype is T.Literal:
        return Kind.DOLLAR
    if ttype in T.String.Symbol:
        return Kind.QUOTED
    if ttype in T.String:
        return Kind.STRING
    if ttype in T.Number:
        return Kind.NUMBER
    if ttype in T.Punctuation:
        return Kind.PUNCT
    if ttype in T.Keyword or ttype in T.Name.Placeholder:
        return Kind.OTHER if ttype in T.Name.Placeholder else Kind.WORD
    if ttype in T.Name:
        return Kind.WORD
    if ttype in T.Operator or ttype in T.Wildcard or ttype in T.Assignment:
        return Kind.OPERATOR
    return Kind.OTHER


Rule = tuple[str, object]

# Where PostgreSQL's lexer differs from sqlparse's; tried before sqlparse's string rules.
PG_RULES: list[Rule] = [
    (r"(?<=(?<![\w$])[eE])'(?:[^'\\]|\\[\s\S]|'')*'", T.String.Single),  # E'…'
    (r"'(?:[^']|'')*'", T.String.Single),
    (r'"(?:[^"]|"")*"', T.String.Symbol),
]

_WHITESPACE = r"\s+?"


def tuned_rules(stock: list[Rule]) -> list[Rule]:
    """``stock`` (sqlparse's order) with the PostgreSQL rules, runs of blanks taken whole,
    and plain words tried straight after comments and blanks.

    sqlparse tries ~30 patterns (multi-word keywords, names before "." or "(") before a
    word; the fact reader needs neither distinction, and the multi-word keywords only
    ever come out split into their words. Punctuation and numbers are also tried early:
    no rule before them in sqlparse's order can match where they do.
    """
    numbers = [rule for rule in stock if isinstance(rule[1], T._TokenType) and rule[1] in T.Number]
    rules = [rule for rule in stock if rule[0] != _WHITESPACE and rule not in numbers]
    first_after_comments = 3  # hint comment, comment, newline
    rules[first_after_comments:first_after_comments] = [
        (r"[^\S\r\n]+", T.Whitespace),
        (r"[^\W\d][$#\w]*", keywords.PROCESS_AS_KEYWORD),
        # No earlier rule matches at these characters, so trying them early changes nothing.
        (r"[;(),\]]", T.Punctuation),
        *numbers,
        *PG_RULES,
    ]
    return rules


_DOLLAR_TAG = re.compile(r"\$(?:[_A-ZÀ-Ü]\w*)?\$", re.IGNORECASE | re.UNICODE)
_DOLLAR_OPENER_OK = re.compile(r"(?<![\w\"$])", re.UNICODE)
_KEYWORDS = Lexer.get_default_instance()  # type: ignore[no-untyped-call]


class _Scanner:
    """All rules as one alternation: the first alternative that matches wins, exactly like
    sqlparse's loop over its rules, but the loop runs inside ``re``."""

    def __init__(self, rules: list[Rule]) -> None:
        flags = re.IGNORECASE | re.UNICODE
        alternatives = [f"(?P<r{index}>{regex})" for index, (regex, _) in enumerate(rules)]
        self.match = re.compile("|".join(alternatives), flags).match
        # The same, after skipping blanks (no rule starts with one but the blank rules);
        # "special" stops in front of a dollar quote or a block comment, handled in Python.
        visible = [
            alternative
            for alternative, (_, action) in zip(alternatives, rules, strict=True)
            if action not in (T.Whitespace, T.Newline)
        ]
        self.skip_match = re.compile(
            r"\s*(?:(?P<special>(?=\$|/\*))|" + "|".join(visible) + ")", flags
        ).match
        # group name -> kind, or None for "look the word up in the keyword tables"
        self.kinds: dict[str, Kind | None] = {
            f"r{index}": None if action is keywords.PROCESS_AS_KEYWORD else _kind_of(action)
            for index, (_, action) in enumerate(rules)
        }


_WORD_KINDS: dict[str, Kind] = {}


def _word_kind(value: str) -> Kind:
    kind = _WORD_KINDS.get(value)
    if kind is None:
        ttype, _ = _KEYWORDS.is_keyword(value)
        kind = _WORD_KINDS[value] = _kind_of(ttype)
    return kind


def _dollar_end(text: str, pos: int) -> int | None:
    """End of the dollar-quoted literal opening at ``pos``, or None if there is none."""
    tag = _DOLLAR_TAG.match(text, pos)
    if tag is None or _DOLLAR_OPENER_OK.match(text, pos) is None:
        return None
    close = text.find(tag.group(), tag.end())
    return None if close < 0 else close + len(tag.group())


def _comment_end(text: str, pos: int) -> int | None:
    """End of the block comment opening at ``pos``; comments nest, as in PostgreSQL.

    An unterminated comment gives None (it is lexed as operators, like sqlparse does); a
    nested one that never closes ends at its first ``*/``, also like sqlparse.
    """
    first_close = text.find("*/", pos + 2)
    if first_close < 0:
        return None
    opened = text.find("/*", pos + 2)
    if opened < 0 or opened > first_close:
        return first_close + 2
    depth = 1
    index = pos + 2
    while depth:
        close = text.find("*/", index)
        if close < 0:
            return first_close + 2
        opened = text.find("/*", index, close)
        if opened >= 0:
            depth += 1
            index = opened + 2
        else:
            depth -= 1
            index = close + 2
    return index


def scan(text: str, rules: _Scanner, skip_space: bool = False) -> Iterator[tuple[Kind, str, int]]:
    """(kind, text, offset) of every token; blanks left out when ``skip_space``."""
    pos = 0
    size = len(text)
    match = rules.match
    kinds = rules.kinds
    special = ("$" in text, "/*" in text)
    while pos < size:
        char = text[pos]
        end: int | None = None
        if char == "$" and special[0]:
            end = _dollar_end(text, pos)
            kind = Kind.DOLLAR
        elif char == "/" and special[1] and text.startswith("/*", pos):
            end = _comment_end(text, pos)
            kind = Kind.COMMENT
        if end is not None:
            yield kind, text[pos:end], pos
            pos = end
            continue
        found = match(text, pos)
        if found is None:
            yield Kind.OTHER, char, pos
            pos += 1
            continue
        value = found.group()
        rule_kind = kinds[found.lastgroup]  # type: ignore[index]
        kind = _word_kind(value) if rule_kind is None else rule_kind
        if not (skip_space and kind is Kind.SPACE):
            yield kind, value, pos
        pos = found.end()


_SCANNER = _Scanner(tuned_rules(keywords.SQL_REGEX))


def lex(text: str, first_line: int = 1) -> list[Tok]:
    """Every token of ``text`` (comments and whitespace included) with its line."""
    return list(_tokens(text, first_line, skip_space=False))


def significant(text: str, first_line: int = 1) -> Iterator[Tok]:
    """The tokens of ``text`` except whitespace (comments included), with their lines."""
    return _tokens(text, first_line, skip_space=True)


def _tokens(text: str, first_line: int, skip_space: bool) -> Iterator[Tok]:
    if not skip_space:
        yield from _with_lines(text, first_line, scan(text, _SCANNER))
        return
    # The hot path: scan() without blanks (skipped inside the pattern), with lines.
    line = first_line
    counted = 0  # newlines before this offset are in `line`
    make = tuple.__new__
    word = Kind.WORD
    word_kinds = _WORD_KINDS
    skip_match = _SCANNER.skip_match
    match = _SCANNER.match
    kinds = _SCANNER.kinds
    pos = 0
    size = len(text)
    while pos < size:
        found = skip_match(text, pos)
        if found is None:
            start = pos
            while start < size and text[start].isspace():
                start += 1
            if start >= size:
                return
            line += text.count("\n", counted, start)
            counted = start
            yield make(Tok, (Kind.OTHER, text[start], text[start], line, start))
            pos = start + 1
            continue
        group = found.lastgroup or ""
        if group == "special":
            start = found.end()
            if text[start] == "$":
                end = _dollar_end(text, start)
                kind = Kind.DOLLAR
            else:
                end = _comment_end(text, start)
                kind = Kind.COMMENT
            line += text.count("\n", counted, start)
            counted = start
            if end is not None:
                value = text[start:end]
                yield make(Tok, (kind, value, value, line, start))
                pos = end
                continue
            found = match(text, start)
            if found is None:
                yield make(Tok, (Kind.OTHER, text[start], text[start], line, start))
                pos = start + 1
                continue
            group = found.lastgroup or ""
        start = found.start(group)
        value = found.group(group)
        pos = found.end()
        line += text.count("\n", counted, start)
        counted = start
        rule_kind = kinds[group]
        if rule_kind is None:  # one word, keyword or not
            kind = word_kinds.get(value) or _word_kind(value)
        else:
            kind = rule_kind
            if kind is word and value.split() != [value]:
                yield from _words(value, line, start)  # only if the rule order lets them match
                continue
        if kind is word:
            yield make(Tok, (word, value, value.upper(), line, start))
        else:
            yield make(Tok, (kind, value, value, line, start))


def _with_lines(
    text: str, first_line: int, pairs: Iterator[tuple[Kind, str, int]]
) -> Iterator[Tok]:
    line = first_line
    counted = 0  # newlines before this offset are in `line`
    for kind, value, start in pairs:
        line += text.count("\n", counted, start)
        counted = start
        if kind is Kind.WORD and value.split() != [value]:
            yield from _words(value, line, start)
        else:
            yield Tok(kind, value, value.upper() if kind is Kind.WORD else value, line, start)


def _words(value: str, line: int, start: int) -> Iterator[Tok]:
    """sqlparse's multi-word keywords ("NOT NULL", "IF NOT EXISTS") as one token per word."""
    position = 0
    for part in value.split():
        position = value.index(part, position)
        part_line = line + value.count("\n", 0, position)
        yield Tok(Kind.WORD, part, part.upper(), part_line, start + position)
        position += len(part)
