"""What the autogenerate job is asked and what it answers, as the JSON both sides speak.

The parent (``new``'s local runner, the hook's drift check asking for the revision along)
builds an :class:`AutogenRequest` and reads an :class:`AutogenResult`; the child
(:mod:`migration_guard.autogenerate.worker`, or the drift worker generating in its own child)
reads the one and writes the other. Only the standard library is imported here: the parent
builds a request without importing Alembic or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AutogenRequest:
    """``alembic revision --autogenerate -m MESSAGE`` for the project of ``ini_path``.
    ``tree``: the folder the project runs from (an error in its code is named relative to
    it); ``render``: render the new revision's SQL too, with ``database_url_env`` set as
    env.py reads it; ``replay``: the database is new, bring it to the heads first
    (``alembic upgrade heads``), then autogenerate reading only."""

    ini_path: str
    message: str
    tree: str = ""
    render: bool = False
    database_url_env: str = ""
    rev_id: str | None = None
    replay: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "replay": self.replay,
            "ini_path": self.ini_path,
            "message": self.message,
            "tree": self.tree,
            "render": self.render,
            "database_url_env": self.database_url_env,
            "rev_id": self.rev_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AutogenRequest:
        rev_id = data.get("rev_id")
        return cls(
            str(data["ini_path"]),
            str(data["message"]),
            str(data.get("tree") or ""),
            bool(data.get("render")),
            str(data.get("database_url_env") or ""),
            None if rev_id is None else str(rev_id),
            bool(data.get("replay")),
        )


@dataclass(frozen=True)
class AutogenResult:
    """What autogenerate did: each change in plain words and the revision file it wrote
    (``path`` and ``revision`` None: nothing changed, no file); ``rendered``: that revision's
    SQL when the request asked for it and it could be rendered there; ``read_only``: env.py
    writes to the database, which refused (the parent runs the job again on a copy);
    ``replay_failed``: the replay the request asked for failed, why (one line), nothing was
    generated."""

    changes: tuple[str, ...] = ()
    path: str | None = None
    revision: str | None = None
    rendered: dict[str, Any] | None = None
    read_only: bool = False
    replay_failed: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "changes": list(self.changes),
            "path": self.path,
            "revision": self.revision,
            "rendered": self.rendered,
            "read_only": self.read_only,
            "replay_failed": self.replay_failed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AutogenResult:
        path, revision = data.get("path"), data.get("revision")
        return cls(
            tuple(str(change) for change in data.get("changes") or ()),
            None if path is None else str(path),
            None if revision is None else str(revision),
            data.get("rendered") or None,
            bool(data.get("read_only")),
            None if data.get("replay_failed") is None else str(data["replay_failed"]),
        )
