"""Renders revisions offline in a child process (see :mod:`migration_guard.render.worker`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from migration_guard.errors import EnvironmentProblem

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


def render_offline(
    ini_path: Path, revisions: list[str], database_url_env: str
) -> Iterator[RenderedRevision]:
    """Start rendering ``revisions`` (in upgrade order) with the project's own alembic.ini and
    env.py now; the iterator yields each revision as soon as the child has rendered it."""
    if not revisions:
        return iter(())
    scratch = tempfile.TemporaryDirectory(prefix="migration-guard-render-")
    request_path = Path(scratch.name, "request.json")
    request_path.write_text(
        json.dumps(
            {
                "ini_path": str(ini_path.resolve()),
                "revisions": revisions,
                "database_url_env": database_url_env,
                "placeholder_url": PLACEHOLDER_URL,
            }
        )
    )
    errors = open(Path(scratch.name, "stderr"), "w+", encoding="utf-8", errors="replace")  # noqa: SIM115
    reader, writer = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "migration_guard.render.worker", str(request_path), str(writer)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            pass_fds=(writer,),
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"),
        )
    except OSError as error:
        os.close(reader)
        errors.close()
        scratch.cleanup()
        raise EnvironmentProblem(f"cannot start {sys.executable}: {error}") from None
    finally:
        os.close(writer)
    return _results(child, reader, errors, scratch, ini_path, len(revisions))


def _results(
    child: subprocess.Popen[bytes],
    reader: int,
    errors: IO[str],
    scratch: tempfile.TemporaryDirectory[str],
    ini_path: Path,
    expected: int,
) -> Iterator[RenderedRevision]:
    seen = 0
    try:
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
            errors.seek(0)
            last = (errors.read().strip().splitlines() or ["no output"])[-1]
            raise EnvironmentProblem(f"alembic failed to run for {ini_path}: {last}")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        errors.close()
        scratch.cleanup()


def _revision(entry: dict[str, object]) -> RenderedRevision:
    statements = entry["statements"]
    assert isinstance(statements, list)
    error = entry["error"]
    return RenderedRevision(
        revision=str(entry["revision"]),
        statements=tuple(
            RenderedStatement(sql=item["sql"], line=item["line"]) for item in statements
        ),
        error=error if isinstance(error, str) else None,
    )
