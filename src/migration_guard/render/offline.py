"""Renders revisions offline in a child process (see :mod:`migration_guard.render.worker`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import EnvironmentProblem

# Where env.py would connect if it ignored offline mode: a closed port, so a misbehaving env.py
# fails (and the revision is reported render-failed) instead of touching a real database.
PLACEHOLDER_URL = "postgresql://migration-guard:offline@127.0.0.1:9/migration_guard_offline"
RENDER_TIMEOUT_SECONDS = 600


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
) -> list[RenderedRevision]:
    """Render ``revisions`` (in upgrade order) with the project's own alembic.ini and env.py."""
    if not revisions:
        return []
    with tempfile.TemporaryDirectory(prefix="migration-guard-render-") as scratch:
        request_path = Path(scratch, "request.json")
        result_path = Path(scratch, "result.json")
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
        environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        try:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "migration_guard.render.worker",
                    str(request_path),
                    str(result_path),
                ],
                capture_output=True,
                text=True,
                timeout=RENDER_TIMEOUT_SECONDS,
                env=environment,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EnvironmentProblem(
                f"alembic offline render of {ini_path} took over {RENDER_TIMEOUT_SECONDS}s"
            ) from None
        if not result_path.exists():
            last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            raise EnvironmentProblem(f"alembic failed to run for {ini_path}: {last}")
        result = json.loads(result_path.read_text())
    if "fatal" in result:
        raise EnvironmentProblem(f"alembic failed to run for {ini_path}: {result['fatal']}")
    return [
        RenderedRevision(
            revision=entry["revision"],
            statements=tuple(
                RenderedStatement(sql=item["sql"], line=item["line"])
                for item in entry["statements"]
            ),
            error=entry["error"],
        )
        for entry in result["revisions"]
    ]
