"""``pin_engines`` reaches every engine constructor, whenever the user's code imports it.

Each case runs in a fresh interpreter: which SQLAlchemy modules are already loaded is the point.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

PINNED = "postgresql://pinned@127.0.0.1:1/throwaway"

CHECK_ASYNC = f"""
import sys
from migration_guard.runners.pinned import pin_engines
{{before}}
pin_engines({PINNED!r})
from sqlalchemy.ext.asyncio import engine as async_engine
import sqlalchemy.engine
assert async_engine._create_engine is sqlalchemy.engine.create_engine, "async not pinned"
# the sync engine a create_async_engine call would build connects to the pinned server
engine = async_engine._create_engine("postgresql+psycopg2://team@db.internal:5432/app")
print(engine.url.render_as_string(hide_password=False))
"""


@pytest.mark.parametrize(
    "before",
    ["", "import sqlalchemy.ext.asyncio"],
    ids=["asyncio-imported-later", "asyncio-imported-first"],
)
def test_create_async_engine_is_pinned_whenever_it_is_imported(before: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK_ASYNC.format(before=before)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "postgresql+psycopg2://pinned@127.0.0.1:1/throwaway"


def test_pinning_does_not_load_the_orm() -> None:
    """The ORM (and the asyncio extension) is the user's to import: loading it in every child
    cost about 0.2 s per run."""
    script = (
        "import sys\n"
        "from migration_guard.runners.pinned import pin_engines\n"
        f"pin_engines({PINNED!r})\n"
        "print(sorted(m for m in ('sqlalchemy.orm', 'sqlalchemy.ext.asyncio') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
