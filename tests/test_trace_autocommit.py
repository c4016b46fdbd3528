"""``trace`` sees the locks of statements run in ``autocommit_block()``: they are released when
the statement returns, so they are sampled while it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.projects import make_project
from tests.test_trace_command import BASE_TABLE, entry, line_of, trace, write_revision

pytestmark = pytest.mark.slow

# enough rows that the concurrent build's two scans outlast many polls of pg_locks
ROWS = 'op.execute("INSERT INTO orders (id, amount) SELECT g, g FROM generate_series(1, 300000) g")'


def test_concurrent_index_in_autocommit_block_shows_share_update_exclusive(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app")
    write_revision(root, "a1", None, BASE_TABLE + ROWS, 'op.drop_table("orders")')
    path = write_revision(
        root,
        "b2",
        "a1",
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix_orders_amount", "orders", ["amount"], postgresql_concurrently=True)',
        "with op.get_context().autocommit_block():\n"
        '    op.drop_index("ix_orders_amount", postgresql_concurrently=True)',
    )
    _code, report = trace(root, "b2")
    traced = entry(report, "b2")
    assert traced["upgrade"] == "ok" and traced["downgrade"] == "ok"
    (built,) = [s for s in traced["statements"] if "CREATE INDEX CONCURRENTLY" in s["sql"]]
    assert built["line"] == line_of(path, "op.create_index")
    assert {"relation": "orders", "mode": "ShareUpdateExclusiveLock"} in built["locks"]
    # what blocks writes is never held by the concurrent build
    assert not [
        lock for lock in built["locks"] if lock["mode"] in ("ShareLock", "AccessExclusiveLock")
    ]
