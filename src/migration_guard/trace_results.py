"""Trace's results as data: what the trace child saw per revision, and what the report shows.

The child (:mod:`migration_guard.trace.worker`) sends :class:`RevisionRun` across the
process boundary (``to_json``/``from_json``); the trace rules read it as their facts; the report
carries :class:`TraceEntry`, whose ``to_json`` is the contract's ``trace`` entry and nothing
more, while the reporters also read what the contract leaves out (NOT VALID and validated
constraints, the revision's parents). This module imports nothing of the package, so the child,
the rules and the reporters all depend on it and it on none of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Upgrade = Literal["ok", "failed"]
Downgrade = Literal["ok", "failed", "not-reversible", "skipped"]
_UPGRADES: tuple[Upgrade, ...] = ("ok", "failed")
_DOWNGRADES: tuple[Downgrade, ...] = ("ok", "failed", "not-reversible", "skipped")


@dataclass(frozen=True)
class HeldLock:
    """A relation-level lock the migration's backend held, as PostgreSQL names the mode."""

    relation: str
    mode: str

    def to_json(self) -> dict[str, str]:
        return {"relation": self.relation, "mode": self.mode}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HeldLock:
        return cls(str(data["relation"]), str(data["mode"]))


@dataclass(frozen=True)
class ExecutedStatement:
    """One statement an upgrade executed: where it came from and what PostgreSQL did."""

    sql: str
    line: int
    locks: tuple[HeldLock, ...] = ()
    rewrites: tuple[str, ...] = ()  # existing tables whose relfilenode changed
    not_valid: tuple[str, ...] = ()  # constraints added NOT VALID
    validated: tuple[str, ...] = ()  # constraints validated
    ms: float = 0.0
    in_transaction: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "sql": self.sql,
            "line": self.line,
            "locks": [lock.to_json() for lock in self.locks],
            "rewrites": list(self.rewrites),
            "not_valid": list(self.not_valid),
            "validated": list(self.validated),
            "ms": self.ms,
            "in_transaction": self.in_transaction,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExecutedStatement:
        return cls(
            sql=str(data["sql"]),
            line=int(data["line"]),
            locks=tuple(HeldLock.from_json(lock) for lock in data.get("locks", ())),
            rewrites=tuple(str(table) for table in data.get("rewrites", ())),
            not_valid=tuple(str(name) for name in data.get("not_valid", ())),
            validated=tuple(str(name) for name in data.get("validated", ())),
            ms=float(data.get("ms", 0.0)),
            in_transaction=bool(data.get("in_transaction", True)),
        )

    def contract_json(self, path: str) -> dict[str, Any]:
        """The contract's statement entry (``path`` is the revision file's)."""
        return {
            "sql": self.sql,
            "path": path,
            "line": self.line,
            "locks": [lock.to_json() for lock in self.locks],
            "rewrites": list(self.rewrites),
            "ms": self.ms,
        }


@dataclass(frozen=True)
class RevisionRun:
    """One revision as the trace child ran it: up, down, up again.

    ``skipped`` (not None): it was not run, because its parents could not be reached (the
    reason); ``unreachable``: no later revision built on it can be reached on this database.
    ``error``, ``line`` and ``sql`` describe a failed step; ``left_behind`` and ``missing``
    the catalogue lines a downgrade that did not restore the schema added and removed.
    """

    revision: str
    upgrade: Upgrade = "ok"
    downgrade: Downgrade = "skipped"
    statements: tuple[ExecutedStatement, ...] = ()
    error: str = ""
    line: int | None = None
    sql: str = ""
    left_behind: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    skipped: str | None = None
    unreachable: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "upgrade": self.upgrade,
            "downgrade": self.downgrade,
            "statements": [statement.to_json() for statement in self.statements],
            "error": self.error,
            "line": self.line,
            "sql": self.sql,
            "left_behind": list(self.left_behind),
            "missing": list(self.missing),
            "skipped": self.skipped,
            "unreachable": self.unreachable,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RevisionRun:
        upgrade = data.get("upgrade", "ok")
        downgrade = data.get("downgrade", "skipped")
        line = data.get("line")
        skipped = data.get("skipped")
        return cls(
            revision=str(data["revision"]),
            upgrade=upgrade if upgrade in _UPGRADES else "failed",
            downgrade=downgrade if downgrade in _DOWNGRADES else "failed",
            statements=tuple(ExecutedStatement.from_json(s) for s in data.get("statements", ())),
            error=str(data.get("error") or ""),
            line=int(line) if line is not None else None,
            sql=str(data.get("sql") or ""),
            left_behind=tuple(str(item) for item in data.get("left_behind", ())),
            missing=tuple(str(item) for item in data.get("missing", ())),
            skipped=str(skipped) if skipped is not None else None,
            unreachable=bool(data.get("unreachable", False)),
        )


@dataclass(frozen=True)
class TraceEntry:
    """One traced revision in the report."""

    revision: str
    path: str
    upgrade: Upgrade
    downgrade: Downgrade
    seeded_tables: tuple[str, ...] = ()
    statements: tuple[ExecutedStatement, ...] = ()
    parents: tuple[str, ...] = ()  # for the summary's graph; not in the contract's JSON

    def to_json(self) -> dict[str, Any]:
        """The contract's ``trace`` entry."""
        return {
            "revision": self.revision,
            "path": self.path,
            "upgrade": self.upgrade,
            "downgrade": self.downgrade,
            "seeded_tables": list(self.seeded_tables),
            "statements": [statement.contract_json(self.path) for statement in self.statements],
        }
