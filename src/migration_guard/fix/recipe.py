"""What a recipe is: a rewrite of one flagged ``op.`` statement, and of its twin in downgrade()."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst

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
class Recipe:
    """A mechanical fix for the findings of ``rules``; ``doc`` is the module's docstring."""

    rules: tuple[str, ...]
    rewrite: Callable[[OpCall, Sequence[f.Fact]], Rewrite | None]
    doc: str
