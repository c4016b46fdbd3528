"""Renders revisions offline in a child process (see :mod:`migration_guard.render.worker`)."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_guard.errors import EnvironmentProblem
from migration_guard.render.stand_in import Identity
from migration_guard.render.worker import RenderRequest
from migration_guard.runners.pinned import child_environment
from migration_guard.runners.process import Child

# Where env.py would connect if it ignored offline mode: a closed port, so a misbehaving env.py
# fails (and the revision is reported render-failed) instead of touching a real database.
PLACEHOLDER_URL = "postgresql://migration-guard:offline@127.0.0.1:9/migration_guard_offline"


@dataclass(frozen=True)
class RenderedStatement:
    sql: str
    line: int | None


@dataclass(frozen=True)
class RenderedRevision:
    """One revision's SQL, statement by statement, or why it could not be rendered."""

    revision: str
    statements: tuple[RenderedStatement, ...]
    error: str | None = None
    # the revision file's line that raised (or the op. call that led to the error), if known
    error_line: int | None = None

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> RenderedRevision:
        """One line of the render child's channel (see :mod:`migration_guard.render.worker`)."""
        error, error_line = entry.get("error"), entry.get("error_line")
        return cls(
            revision=str(entry["revision"]),
            statements=tuple(
                RenderedStatement(sql=item["sql"], line=item["line"])
                for item in entry["statements"]
            ),
            error=error if isinstance(error, str) else None,
            error_line=error_line if isinstance(error_line, int) else None,
        )


class OfflineRenderer:
    """A render child started ahead of time: it loads Alembic and SQLAlchemy while we read the
    graph, then renders what :meth:`render` asks for. Use it as a context manager."""

    def __init__(self) -> None:
        self._reader, writer = os.pipe()
        try:
            self._child: Child | None = Child(
                "migration_guard.render.worker",
                str(writer),
                what="the offline render",
                pass_fds=(writer,),
                # bytecode caching as the user has it: `alembic` itself caches revision modules
                env=child_environment(PLACEHOLDER_URL),
            )
        except BaseException:
            os.close(self._reader)
            raise
        finally:
            os.close(writer)
        self._handed_over = False

    def render(
        self,
        ini_path: Path,
        revisions: list[str],
        database_url_env: str,
        identities: Mapping[str, Identity] | None = None,
    ) -> Iterator[RenderedRevision]:
        """Render ``revisions`` (in upgrade order) with the project's own alembic.ini and env.py;
        the iterator yields each revision as soon as the child has rendered it. ``identities``
        (by a revision file's real path) are the files whose import can wait until rendered
        (see :mod:`migration_guard.render.stand_in`)."""
        child = self._child
        if child is None or self._handed_over:
            raise RuntimeError("an OfflineRenderer renders once")
        self._handed_over = True
        request = RenderRequest(
            ini_path=str(ini_path.resolve()),
            revisions=tuple(revisions),
            database_url_env=database_url_env,
            placeholder_url=PLACEHOLDER_URL,
            identities=dict(identities or {}),
        )
        child.send(request.to_json())
        return _results(self, child, ini_path, len(revisions))

    def close(self) -> None:
        """Stop the child if it is still running."""
        child, self._child = getattr(self, "_child", None), None
        if child is not None:
            child.stop()
        if self._reader >= 0:
            with contextlib.suppress(OSError):
                os.close(self._reader)
            self._reader = -1

    def __enter__(self) -> OfflineRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Prerendered:
    """A new revision already rendered by the child that generated it
    (:mod:`migration_guard.render.generated`): the lint takes its SQL from here. Any other
    request is rendered in a child, as :class:`OfflineRenderer` renders it."""

    def __init__(self, entry: Mapping[str, object]) -> None:
        self._rendered = RenderedRevision.from_json(dict(entry))

    def render(
        self,
        ini_path: Path,
        revisions: list[str],
        database_url_env: str,
        identities: Mapping[str, Identity] | None = None,
    ) -> Iterator[RenderedRevision]:
        if revisions == [self._rendered.revision]:
            return iter([self._rendered])
        return OfflineRenderer().render(ini_path, revisions, database_url_env, identities)


Renderer = OfflineRenderer | Prerendered
"""What renders for the lint: a child started ahead, or SQL rendered where it was generated."""


def _results(
    renderer: OfflineRenderer, child: Child, ini_path: Path, expected: int
) -> Iterator[RenderedRevision]:
    seen = 0
    try:
        reader, renderer._reader = renderer._reader, -1
        with os.fdopen(reader, encoding="utf-8") as channel:
            for line in channel:
                entry = json.loads(line)
                if "fatal" in entry:
                    raise EnvironmentProblem(
                        f"alembic failed to run for {ini_path}: {entry['fatal']}"
                    )
                seen += 1
                yield RenderedRevision.from_json(entry)
        child.wait()
        if seen < expected:
            raise EnvironmentProblem(f"alembic failed to run for {ini_path}: {child.failure()}")
    finally:
        renderer.close()
