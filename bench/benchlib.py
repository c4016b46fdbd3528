"""Shared by the benchmarks: generated Alembic histories and whole-process timing."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent

ENV_PY = """
import os
from alembic import context

url = os.environ.get("DATABASE_URL", "postgresql://bench@localhost/bench")
if context.is_offline_mode():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    raise SystemExit("offline only")
"""

# What a long-lived project's upgrade() bodies look like, mostly safe, some not.
OPERATIONS = [
    "op.add_column('t{t}', sa.Column('c{i}', sa.Integer(), nullable=True))",
    "op.create_index('ix_t{t}_c{i}', 't{t}', ['c{i}'], postgresql_concurrently=True)",
    "op.add_column('t{t}', sa.Column('flag{i}', sa.Boolean(), server_default=sa.false(), nullable=False))",
    "op.create_table('n{i}', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(80), nullable=False))",
    'op.execute("UPDATE t{t} SET c{i} = 0 WHERE c{i} IS NULL")',
    "op.alter_column('t{t}', 'c{i}', existing_type=sa.Integer(), nullable=False)",
    "op.create_foreign_key('fk_t{t}_{i}', 't{t}', 'users', ['owner_id'], ['id'])",
    "op.drop_column('t{t}', 'old{i}')",
]


# What a user runs by hand to learn whether the models match the migrations (argv[1]: the folder
# holding alembic.ini): a PostgreSQL of their own, `alembic upgrade heads`, `alembic check`.
HAND_DRIFT = """
import os, subprocess, sys
from migration_guard.runners.child import with_installed_driver
from migration_guard.runners.postgres.server import running_postgres
with running_postgres() as server:
    env = dict(os.environ, DATABASE_URL=with_installed_driver(server.url))
    for args in (["upgrade", "heads"], ["check"]):
        subprocess.run([sys.executable, "-m", "alembic", *args], cwd=sys.argv[1], env=env,
                       capture_output=True, check=args == ["upgrade", "heads"])
"""


def revision_id(index: int) -> str:
    return f"{index:04d}bench{index:04d}"


def generate_history(root: Path, count: int, *, merges: bool = True) -> list[str]:
    """An Alembic project at ``root`` with ``count`` revisions: linear runs, and a
    branch-and-merge every 50 revisions when ``merges``. Returns the ids in upgrade order."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (root / "pyproject.toml").write_text('[tool.migration-guard]\nalembic_ini = "alembic.ini"\n')
    order: list[str] = []
    previous: str | tuple[str, ...] | None = None
    index = 0
    while index < count:
        rev = revision_id(index)
        if merges and index % 50 == 49 and index + 2 < count:
            side, merge = f"{index:04d}side{index:04d}", f"{index:04d}merge{index:04d}"
            write_revision(versions, side, previous, index)
            write_revision(versions, rev, previous, index + 1)
            write_revision(versions, merge, (side, rev), None)
            order += [side, rev, merge]
            previous = merge
            index += 3
            continue
        write_revision(versions, rev, previous, index)
        order.append(rev)
        previous = rev
        index += 1
    return order


def write_revision(versions: Path, rev: str, down: object, index: int | None) -> Path:
    if index is None:
        body = "pass"
    else:
        body = OPERATIONS[index % len(OPERATIONS)].format(i=index, t=index % 17)
    path = versions / f"{rev}_step.py"
    path.write_text(
        f'"""step {index}\n\nRevision ID: {rev}\nRevises: {down}\nCreate Date: 2024-01-01\n"""\n'
        "from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
        f"revision: str = {rev!r}\n"
        f"down_revision: Union[str, Sequence[str], None] = {down!r}\n"
        "branch_labels: Union[str, Sequence[str], None] = None\n"
        "depends_on: Union[str, Sequence[str], None] = None\n\n\n"
        f"def upgrade() -> None:\n    {body}\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    return path


def timed(
    command: list[str] | str,
    cwd: Path,
    runs: int,
    env: dict[str, str] | None = None,
    *,
    before: Callable[[int], None] | None = None,
    warmup: bool = True,
    cpu: list[float] | None = None,
) -> tuple[float, str]:
    """Median wall time of ``runs`` whole-process runs (a string runs through the shell), after
    one warm-up run unless ``warmup`` is off; both tools run as users run them, with bytecode
    caching on. ``before(index)`` runs ahead of each run, untimed. ``cpu`` gets each timed
    run's CPU seconds (user + system, the run's processes and all they waited for): on a
    shared machine, what the run costs whatever the others do."""
    env = environment() if env is None else env
    samples = []
    output = ""
    for index in range(runs + 1 if warmup else runs):
        if before is not None:
            before(index)
        used = _children_cpu()
        start = time.perf_counter()
        completed = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
            env=env,
            shell=isinstance(command, str),
        )
        samples.append(time.perf_counter() - start)
        if cpu is not None and (index or not warmup):
            cpu.append(_children_cpu() - used)
        output = completed.stdout
        if completed.returncode not in (0, 1):
            raise SystemExit(
                f"{command} failed ({completed.returncode}): {completed.stderr.strip()}"
            )
    return statistics.median(samples[1:] if warmup else samples), output


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def environment(**extra: str) -> dict[str, str]:
    """This environment without PYTHONDONTWRITEBYTECODE (which some sandboxes set): a user's
    shell caches bytecode, for us and for Alembic's revision modules alike."""
    base = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**base, **extra}
