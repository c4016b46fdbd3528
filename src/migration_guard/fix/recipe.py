"""What a recipe is: a rewrite of one flagged ``op.`` statement, and of its twin in downgrade();
or, for a change spread over several statements, a rewrite of those statements together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from migration_guard.config.pyproject import Config
from migration_guard.findings import FixContext
from migration_guard.fix.calls import OpCall
from migration_guard.sql import facts as f

Counterpart = Callable[[OpCall], "list[cst.BaseStatement] | None"]
"""Rewrites a ``downgrade()`` statement that undoes the fixed one (None: not its twin)."""


@dataclass(frozen=True)
class Rewrite:
    """The statements that replace the flagged one, and what to do in ``downgrade()``."""

    statements: list[cst.BaseStatement]
    counterparts: tuple[Counterpart, ...] = field(default=())


@dataclass(frozen=True)
class Body:
    """``upgrade()``'s top-level statements, for a recipe that rewrites several of them."""

    statements: tuple[cst.BaseStatement, ...]
    spans: tuple[tuple[int, int], ...]
    """Each statement's first and last line in the file."""
    flagged: int
    """The index of the statement the finding points at."""
    op: str
    quote: str


@dataclass(frozen=True)
class BodyRewrite:
    """Statements of ``upgrade()`` replaced together: ``statements`` go where the first of
    ``replaced`` (indexes into :attr:`Body.statements`, ascending) was, the others go."""

    replaced: tuple[int, ...]
    statements: list[cst.BaseStatement]


BodyRewriter = Callable[[Body, Sequence[f.Fact], FixContext | None], BodyRewrite | None]
"""A multi-statement recipe: the body, the flagged statement's facts, the finding's
``fix_context``."""


@dataclass(frozen=True)
class FixSettings:
    """What a recipe takes from the config: the timeouts the timeout recipe sets."""

    lock_timeout: str = "10s"
    statement_timeout: str = "1h"

    @classmethod
    def from_config(cls, config: Config) -> FixSettings:
        return cls(config.lock_timeout, config.statement_timeout)


@dataclass(frozen=True)
class Recipe:
    """A mechanical fix for the findings of ``rules``; ``doc`` is the module's docstring."""

    rules: tuple[str, ...]
    doc: str
    rewrite: Callable[[OpCall, Sequence[f.Fact], FixSettings], Rewrite | None] | None = None
    rewrite_body: BodyRewriter | None = None
