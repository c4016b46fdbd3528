"""Renders revisions offline in a child process (see :mod:`migration_guard.render.worker`)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import EnvironmentProblem
from migration_guard.render.stand_in import Identity
from migration_guard.runners.leftovers import made_folder
from migration_guard.runners.lifeline import dies_with_us
from migration_guard.runners.pinned import child_environment

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


class OfflineRenderer:
    """A render child started ahead of time: it loads Alembic and SQLAlchemy while we read the
    graph, then renders what :meth:`render` asks for. Use it as a context manager."""

    def __init__(self) -> None:
        self._scratch = made_folder("migration-guard-render-")
        stderr_path = self._scratch / "stderr"
        self._errors = open(stderr_path, "w+", encoding="utf-8", errors="replace")  # noqa: SIM115
        self._reader, writer = os.pipe()
        try:
            self._child: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-m", "migration_guard.render.worker", str(writer)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._errors,
                pass_fds=(writer,),
                # bytecode caching as the user has it: `alembic` itself caches revision modules
                env=child_environment(PLACEHOLDER_URL),
                **dies_with_us(),
            )
        except OSError as error:
            self.close()
            raise EnvironmentProblem(f"cannot start {sys.executable}: {error}") from None
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
        if child is None or child.stdin is None or self._handed_over:
            raise RuntimeError("an OfflineRenderer renders once")
        self._handed_over = True
        request = {
            "ini_path": str(ini_path.resolve()),
            "revisions": revisions,
            "database_url_env": database_url_env,
            "placeholder_url": PLACEHOLDER_URL,
            "identities": dict(identities or {}),
        }
        try:
            child.stdin.write(json.dumps(request).encode() + b"\n")
            child.stdin.close()
        except OSError:  # the child died early: _results reports why from its stderr
            pass
        return _results(self, ini_path, len(revisions))

    def close(self) -> None:
        """Stop the child if it is still running and remove the scratch folder."""
        child, self._child = getattr(self, "_child", None), None
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        if self._reader >= 0:
            with contextlib.suppress(OSError):
                os.close(self._reader)
            self._reader = -1
        self._errors.close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> OfflineRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Prerendered:
    """A new revision already rendered by the child that generated it
    (:mod:`migration_guard.render.generated`): the lint takes its SQL from here. Any other
    request is rendered in a child, as :class:`OfflineRenderer` renders it."""

    def __init__(self, entry: Mapping[str, object]) -> None:
        self._rendered = _revision(dict(entry))

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
    renderer: OfflineRenderer, ini_path: Path, expected: int
) -> Iterator[RenderedRevision]:
    child = renderer._child
    assert child is not None
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
                yield _revision(entry)
        child.wait()
        if seen < expected:
            renderer._errors.seek(0)
            last = (renderer._errors.read().strip().splitlines() or ["no output"])[-1]
            raise EnvironmentProblem(f"alembic failed to run for {ini_path}: {last}")
    finally:
        renderer.close()


def _revision(entry: dict[str, object]) -> RenderedRevision:
    statements = entry["statements"]
    assert isinstance(statements, list)
    error = entry["error"]
    error_line = entry.get("error_line")
    return RenderedRevision(
        revision=str(entry["revision"]),
        statements=tuple(
            RenderedStatement(sql=item["sql"], line=item["line"]) for item in statements
        ),
        error=error if isinstance(error, str) else None,
        error_line=error_line if isinstance(error_line, int) else None,
    )
