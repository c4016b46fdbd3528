"""sqlparse's lexer reduced to the few token kinds the fact reader needs."""

from __future__ import annotations

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


# Token types are interned singletons, so their kind is worked out once.
_KINDS: dict[object, Kind] = {}

_WHITESPACE = r"\s+?"
# sqlparse's own rules, with runs of blanks taken whole and plain words tried straight after
# comments and blanks. The stock order tries ~30 patterns (multi-word keywords, names before
# "." or "(") before a word, which made lexing most of our run time; the fact reader needs
# neither distinction, and sqlparse's handling of strings, dollar quotes and comments is kept.
_RULES = [rule for rule in keywords.SQL_REGEX if rule[0] != _WHITESPACE]
_FIRST_AFTER_COMMENTS = 3  # hint comment, comment, newline
_RULES[_FIRST_AFTER_COMMENTS:_FIRST_AFTER_COMMENTS] = [
    (r"[^\S\r\n]+", T.Whitespace),
    (r"[^\W\d][$#\w]*", T.Name),
]


def _lexer() -> Lexer:
    lexer = Lexer()
    lexer.clear()  # type: ignore[no-untyped-call]
    lexer.set_SQL_REGEX(_RULES)  # type: ignore[no-untyped-call]
    return lexer


_LEXER = _lexer()


def lex(text: str, first_line: int = 1) -> list[Tok]:
    """Every token of ``text`` (comments and whitespace included) with its line."""
    result: list[Tok] = []
    line = first_line
    offset = 0
    kinds = _KINDS
    for ttype, value in _LEXER.get_tokens(text):  # type: ignore[no-untyped-call]
        kind = kinds.get(ttype)
        if kind is None:
            kind = kinds[ttype] = _kind_of(ttype)
        if kind is Kind.WORD and (" " in value or "\t" in value or "\n" in value):
            # sqlparse lexes "NOT NULL", "PRIMARY KEY", "IF NOT EXISTS" as one token.
            position = 0
            for part in value.split():
                position = value.index(part, position)
                part_line = line + value.count("\n", 0, position)
                result.append(Tok(Kind.WORD, part, part.upper(), part_line, offset + position))
                position += len(part)
        else:
            key = value.upper() if kind is Kind.WORD else value
            result.append(Tok(kind, value, key, line, offset))
        if "\n" in value:
            line += value.count("\n")
        offset += len(value)
    return result
