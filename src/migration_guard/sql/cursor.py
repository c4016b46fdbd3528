"""A read position over significant tokens, with the small moves the fact reader makes."""

from __future__ import annotations

from collections.abc import Sequence

from migration_guard.sql.facts import Name
from migration_guard.sql.tokens import Kind, Tok

_END = Tok(Kind.OTHER, "", "", 0, 0)
_NO_SPACE_BEFORE = frozenset({"(", ")", ",", "[", "]", ".", "::"})
_NO_SPACE_AFTER = frozenset({"(", "[", ".", "::"})


def identifier_of(tok: Tok) -> str | None:
    """The identifier ``tok`` spells, folded like PostgreSQL does; None if it is not one."""
    if tok.kind is Kind.WORD:
        return tok.text.lower()
    if tok.kind is Kind.QUOTED and len(tok.text) >= 2:
        return tok.text[1:-1].replace('""', '"')
    return None


def render(tokens: Sequence[Tok]) -> str:
    """Tokens as compact normalised text: words lower case, literals untouched."""
    parts: list[str] = []
    previous = ""
    for tok in tokens:
        text = tok.text.lower() if tok.kind is Kind.WORD else tok.text
        if parts and text not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            parts.append(" ")
        parts.append(text)
        previous = text
    return "".join(parts)


def split_top_level(tokens: Sequence[Tok]) -> list[list[Tok]]:
    """``tokens`` split on commas outside parentheses; empty pieces dropped."""
    pieces: list[list[Tok]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.kind is Kind.PUNCT:
            if tok.text in ("(", "["):
                depth += 1
            elif tok.text in (")", "]"):
                depth -= 1
            elif tok.text == "," and depth == 0:
                pieces.append([])
                continue
        pieces[-1].append(tok)
    return [piece for piece in pieces if piece]


class Cursor:
    """Walks a token list; every move is safe at the end (it reads an empty token)."""

    __slots__ = ("i", "toks")

    def __init__(self, toks: Sequence[Tok]) -> None:
        self.toks = toks
        self.i = 0

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def peek(self, ahead: int = 0) -> Tok:
        index = self.i + ahead
        return self.toks[index] if index < len(self.toks) else _END

    def key(self, ahead: int = 0) -> str:
        return self.peek(ahead).key

    def at(self, *keys: str) -> bool:
        toks, i = self.toks, self.i
        # The first key decides nearly every call, so test it before anything else.
        if i >= len(toks) or toks[i].key != keys[0] or i + len(keys) > len(toks):
            return False
        for offset in range(1, len(keys)):  # noqa: SIM110 - all() over a generator is slower
            if toks[i + offset].key != keys[offset]:
                return False
        return True

    def accept(self, *keys: str) -> bool:
        if self.at(*keys):
            self.i += len(keys)
            return True
        return False

    def advance(self) -> Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def rest(self) -> list[Tok]:
        tokens = list(self.toks[self.i :])
        self.i = len(self.toks)
        return tokens

    def identifier(self) -> str | None:
        ident = identifier_of(self.peek())
        if ident is not None:
            self.i += 1
        return ident

    def name(self) -> Name | None:
        """``a``, ``s.a`` or ``db.s.a`` (the database part is dropped)."""
        parts: list[str] = []
        first = self.identifier()
        if first is None:
            return None
        parts.append(first)
        while self.at(".") and identifier_of(self.peek(1)) is not None:
            self.i += 1
            parts.append(self.identifier() or "")
        if len(parts) == 1:
            return Name(parts[0])
        return Name(parts[-1], parts[-2])

    def group(self) -> list[Tok]:
        """The tokens inside the parenthesised group here (consumed), else nothing."""
        if not self.at("("):
            return []
        depth = 0
        start = self.i + 1
        while not self.done():
            tok = self.advance()
            if tok.kind is Kind.PUNCT:
                if tok.text == "(":
                    depth += 1
                elif tok.text == ")":
                    depth -= 1
                    if depth == 0:
                        return list(self.toks[start : self.i - 1])
        return list(self.toks[start : self.i])

    def until(self, stops: frozenset[str]) -> list[Tok]:
        """Tokens up to (not including) a top-level token whose key is in ``stops``."""
        taken: list[Tok] = []
        depth = 0
        while not self.done():
            tok = self.peek()
            if tok.kind is Kind.PUNCT and tok.text in ("(", "["):
                depth += 1
            elif tok.kind is Kind.PUNCT and tok.text in (")", "]"):
                depth -= 1
            elif depth == 0 and tok.key in stops and taken:
                break
            taken.append(self.advance())
        return taken
