"""Runs in a child process: renders chosen revisions offline with the project's own env.py and
records, for every emitted statement, the line of the revision file that produced it.

Run as ``python -m migration_guard.render.worker REQUEST.json RESULT.json``. The child imports the
user's env.py and models; keeping that out of our own process keeps their ``sys.path``, logging
config and module state away from us.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from io import StringIO
from pathlib import Path
from types import FrameType
from typing import Any

_BEGIN = "BEGIN;"
_COMMIT = "COMMIT;"


class _StatementCapture(StringIO):
    """The ``output_buffer`` Alembic writes offline SQL to; one ``write`` is one statement.

    Each write is attributed to the revision whose ``-- Running upgrade`` marker came last and to
    the innermost stack frame inside that revision's file (the ``op.`` call).
    """

    def __init__(self, files: dict[str, str]) -> None:
        super().__init__()
        self.revision_of_file = files
        self.current: str | None = None
        self.in_transaction = False
        self.statements: dict[str, list[dict[str, Any]]] = {}

    def write(self, text: str) -> int:
        stripped = text.strip()
        upper = stripped.upper()
        if upper == _BEGIN:
            self.in_transaction = True
        elif upper == _COMMIT:
            self.in_transaction = False
        if stripped.startswith("-- Running upgrade"):
            self.current = stripped.rsplit("->", 1)[-1].strip()
            # the migration starts inside the transaction Alembic opened for it (or for the run)
            opening = [{"sql": _BEGIN, "line": None}] if self.in_transaction else []
            self.statements[self.current] = opening
            return len(text)
        if stripped and self.current is not None:
            line = self._revision_line(sys._getframe(1))
            if line is not None:
                self.statements[self.current].append({"sql": stripped, "line": line})
        return len(text)

    def _revision_line(self, frame: FrameType | None) -> int | None:
        while frame is not None:
            if self.revision_of_file.get(frame.f_code.co_filename) == self.current:
                return frame.f_lineno
            frame = frame.f_back
        return None


def render(request: dict[str, Any]) -> dict[str, Any]:
    from alembic.config import Config
    from alembic.runtime import migration
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    ini_path = Path(request["ini_path"])
    os.chdir(ini_path.parent)
    os.environ[request["database_url_env"]] = request["placeholder_url"]
    # The version table's bookkeeping is not what we lint, and our steps do not follow
    # Alembic's head tracking (we render chosen revisions, not a range).
    setattr(migration.HeadMaintainer, "update_to_step", lambda self, step: None)  # noqa: B010

    config = Config(str(ini_path))
    script = ScriptDirectory.from_config(config)
    wanted = list(request["revisions"])
    files = {}
    for rev in wanted:
        script_file = script.get_revision(rev)
        assert script_file is not None
        module_path = script_file.path
        files[module_path] = rev
        files[os.path.realpath(module_path)] = rev
    capture = _StatementCapture(files)
    config.output_buffer = capture
    errors: dict[str, str] = {}
    pending = wanted
    while pending:
        steps = [
            migration.RevisionStep(script.revision_map, script.get_revision(rev), True)
            for rev in pending
        ]
        capture.current = None
        try:
            with EnvironmentContext(
                config,
                script,
                fn=lambda heads, context, steps=steps: steps,
                as_sql=True,
                destination_rev="heads",
            ):
                script.run_env()
            break
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            failed = capture.current if capture.current in pending else None
            message = _one_line(error)
            if failed is None:  # env.py itself failed: nothing can render
                for rev in pending:
                    errors[rev] = message
                break
            errors[failed] = message
            pending = pending[pending.index(failed) + 1 :]
    return {
        "revisions": [
            {
                "revision": rev,
                "statements": [] if rev in errors else capture.statements.get(rev, []),
                "error": errors.get(rev),
            }
            for rev in wanted
        ]
    }


def _one_line(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "site-packages" not in frame.filename and "/alembic/" not in frame.filename:
            where = f" ({Path(frame.filename).name}:{frame.lineno})"
            break
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def main(argv: list[str]) -> int:
    request_path, result_path = argv
    request = json.loads(Path(request_path).read_text())
    try:
        result = render(request)
    except Exception as error:
        result = {"fatal": _one_line(error)}
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
