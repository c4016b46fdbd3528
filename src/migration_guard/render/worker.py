"""Runs in a child process: renders chosen revisions offline with the project's own env.py and
records, for every emitted statement, the line of the revision file that produced it.

Run as ``python -m migration_guard.render.worker FD``, the request as one JSON line on stdin:
each revision is written to file descriptor FD as one JSON line as soon as it is rendered, so
the parent lints while the child renders. The child imports the user's env.py and models; keeping that out of our own
process keeps their ``sys.path``, logging config and module state away from us.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from migration_guard.render.op_lines import OpLines
from migration_guard.render.stand_in import Identity

_BEGIN = "BEGIN;"
_COMMIT = "COMMIT;"


class _StatementCapture(StringIO):
    """The ``output_buffer`` Alembic writes offline SQL to; one ``write`` is one statement.

    Each write is attributed to the revision whose ``-- Running upgrade`` marker came last and to
    the line of that revision's file that produced it (see :mod:`migration_guard.render.op_lines`).

    Each revision is judged as it runs when upgraded from its parent: inside the transaction the
    run opened for the first revision, if it opened one. A stray ``COMMIT`` of an earlier
    revision (``op.execute("COMMIT")``) ends that transaction only for the rest of a run that
    starts before it; a deploy from a later parent runs the revision in its transaction, so
    ``lint --all`` and ``lint REV`` say the same about it.
    """

    def __init__(self, files: dict[str, str], emit: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.revision_of_file = files
        self.emit = emit
        self.current: str | None = None
        self.in_transaction = False
        self.run_in_transaction: bool | None = None  # at the first revision's marker
        self.statements: list[dict[str, Any]] = []
        self.op_lines = OpLines(self._in_current_revision)

    def finish(self) -> None:
        """The current revision is complete: hand it to the parent."""
        if self.current is not None:
            self.emit({"revision": self.current, "statements": self.statements, "error": None})
        self.current = None
        self.statements = []
        self.op_lines.reset()

    def abandon(self) -> None:
        self.current = None
        self.statements = []
        self.op_lines.reset()

    def write(self, text: str) -> int:
        stripped = text.strip()
        upper = stripped.upper()
        if upper == _BEGIN:
            self.in_transaction = True
        elif upper == _COMMIT:
            self.in_transaction = False
        if stripped.startswith("-- Running upgrade"):
            self.finish()
            self.current = stripped.rsplit("->", 1)[-1].strip()
            # the migration starts inside the transaction Alembic opened for it (or for the run)
            if self.run_in_transaction is None:
                self.run_in_transaction = self.in_transaction
            elif self.run_in_transaction and not self.in_transaction:
                self.in_transaction = True  # only an earlier revision's own COMMIT closed it
            self.statements = [{"sql": _BEGIN, "line": None}] if self.in_transaction else []
            return len(text)
        if stripped and self.current is not None:
            line = self.op_lines.line_of(sys._getframe(1))
            if line is not None:
                self.statements.append({"sql": stripped, "line": line})
        return len(text)

    def _in_current_revision(self, filename: str) -> bool:
        return self.current is not None and self.revision_of_file.get(filename) == self.current


@dataclass(frozen=True)
class RenderRequest:
    """What the render child is asked by :class:`~migration_guard.render.offline.OfflineRenderer`."""

    ini_path: str
    revisions: tuple[str, ...]
    database_url_env: str
    placeholder_url: str
    identities: dict[str, Identity]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "revisions": list(self.revisions)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RenderRequest:
        return cls(
            ini_path=str(data["ini_path"]),
            revisions=tuple(data["revisions"]),
            database_url_env=str(data["database_url_env"]),
            placeholder_url=str(data["placeholder_url"]),
            identities=dict(data.get("identities") or {}),
        )


def render(
    request: RenderRequest, emit: Callable[[dict[str, Any]], None], *, pin_here: bool = True
) -> None:
    """Render the requested revisions in order, emitting each one (or why it failed).

    ``pin_here`` off: the process is pinned already (a job child on its throwaway database,
    :mod:`migration_guard.render.generated`), and stays pinned there."""
    from alembic.runtime import migration
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import Script, ScriptDirectory

    from migration_guard.runners.alembic_import import alembic_config

    ini_path = Path(request.ini_path)
    os.chdir(ini_path.parent)
    # as `python -m alembic` from the ini's folder, and as the autogenerate and drift children
    # (started there): env.py's `from app.models import …` finds the project's package even
    # when it is not installed in this environment (the template at tests/real_apps)
    if str(ini_path.parent) not in sys.path:
        sys.path.insert(0, str(ini_path.parent))
    os.environ[request.database_url_env] = request.placeholder_url
    # and an env.py that reads its URL elsewhere and connects anyway (an engine, connect_args,
    # a raw driver call) reaches only the closed port
    if pin_here:
        from migration_guard.runners.pinned import pin

        pin(request.placeholder_url)
    # The version table's bookkeeping is not what we lint, and our steps do not follow
    # Alembic's head tracking (we render chosen revisions, not a range).
    setattr(migration.HeadMaintainer, "update_to_step", lambda self, step: None)  # noqa: B010
    # op.get_bind().execute(statement, params): rendered with the values it runs with
    from migration_guard.render.parameters import keep_parameters

    keep_parameters()

    config = alembic_config(ini_path)
    script = ScriptDirectory.from_config(config)
    from migration_guard.render.stand_in import (
        UNIMPORTABLE,
        load_revisions_as_needed,
        unimportable,
    )

    load_revisions_as_needed(request.identities)
    revision_map = script.revision_map
    wanted = list(request.revisions)
    scripts: dict[str, Script] = {}
    files = {}
    for rev in wanted:
        # the map's own dict: get_revision() re-resolves partial ids and labels on every call
        found = getattr(revision_map, "_revision_map", {}).get(rev) or revision_map.get_revision(
            rev
        )
        assert isinstance(found, Script)
        scripts[rev] = found
        module_path = found.path
        files[module_path] = rev
        files[os.path.realpath(module_path)] = rev
    capture = _StatementCapture(files, emit)
    capture.op_lines.patch_batch_mode()
    config.output_buffer = capture
    pending = wanted
    while pending:
        steps = [migration.RevisionStep(revision_map, scripts[rev], True) for rev in pending]
        capture.abandon()
        try:
            with EnvironmentContext(
                config,
                script,
                fn=lambda heads, context, steps=steps: steps,
                as_sql=True,
                destination_rev="heads",
            ):
                script.run_env()
            capture.finish()
            return
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            failed = capture.current if capture.current in pending else None
            if failed is None:  # env.py itself failed: nothing can render
                message = _one_line(error)
                for rev in pending:
                    emit({"revision": rev, "statements": [], "error": message})
                return
            in_revision = [path for path, rev in files.items() if rev == failed]
            line = _raising_line(error, in_revision)
            message = _one_line(error, Path(scripts[failed].path).name, line)
            if os.path.realpath(scripts[failed].path) in unimportable:
                message = UNIMPORTABLE + message
            emit({"revision": failed, "statements": [], "error": message, "error_line": line})
            pending = pending[pending.index(failed) + 1 :]


def _raising_line(error: BaseException, revision_paths: list[str]) -> int | None:
    """The innermost line of the revision's own file in the traceback: where it raised, or the
    ``op.`` call that led into Alembic (whose generated proxies have no file of their own)."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename in revision_paths:
            line = frame.lineno
    return line


def _one_line(error: BaseException, revision_name: str = "", line: int | None = None) -> str:
    if line is not None:
        where = f" ({revision_name}:{line})"
    else:
        where = ""
        for frame in reversed(traceback.extract_tb(error.__traceback__)):
            # "<string>": code exec'd by Alembic and SQLAlchemy (the op. proxies, decorators)
            generated = frame.filename.startswith("<")
            library = "site-packages" in frame.filename or "/alembic/" in frame.filename
            if not generated and not library:
                where = f" ({Path(frame.filename).name}:{frame.lineno})"
                break
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}{where}" if text else f"{type(error).__name__}{where}"


def main(argv: list[str]) -> int:
    (descriptor,) = argv
    # A short-lived process that builds many long-lived objects (modules, the revision map):
    # the cycle collector's passes would only cost time.
    gc.disable()
    # Started before the parent knows what to render: load the heavy modules while it decides.
    from migration_guard.runners.alembic_import import import_alembic

    import_alembic(["alembic.runtime.environment", "alembic.runtime.migration", "alembic.script"])

    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the parent needed nothing after all
    request = RenderRequest.from_json(json.loads(line))
    with os.fdopen(int(descriptor), "w", encoding="utf-8") as channel:

        def emit(entry: dict[str, Any]) -> None:
            channel.write(json.dumps(entry) + "\n")
            channel.flush()

        try:
            render(request, emit)
        except Exception as error:
            emit({"fatal": _one_line(error)})
    # Everything is written: leave without tearing down SQLAlchemy and the project's modules,
    # which the parent would wait for (about 0.1 s on 300 revisions).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
