"""``trace --seed``: synthetic rows in every table the schema allows, read from the catalogue.

The seeding itself runs on a real database of the session's throwaway server (fast, and the
rows can be counted); the fastapi template's story runs the real command end to end.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migration_guard.runners.postgres.databases import create_database, drop_database
from migration_guard.runners.seed import seed_database
from migration_guard.runners.trace_observe import connect_observer, fetch
from tests.test_trace_command import entry, line_of, make_project, trace, write_revision

pytestmark = pytest.mark.slow

_names = itertools.count()

FASTAPI_SCHEMA = """
CREATE TABLE "user" (
    id UUID PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    is_active BOOLEAN NOT NULL,
    hashed_password VARCHAR NOT NULL
);
CREATE TABLE item (
    id UUID PRIMARY KEY,
    title VARCHAR(255) NOT NULL,
    owner_id UUID NOT NULL REFERENCES "user" (id) ON DELETE CASCADE
);
"""


@pytest.fixture
def database(postgres_url: str) -> Iterator[Any]:
    name = f"seed_{next(_names)}"
    url = create_database(postgres_url, name)
    connection = connect_observer(url)
    try:
        yield connection
    finally:
        connection.close()
        drop_database(postgres_url, name)


def run(connection: Any, sql: str) -> None:
    cursor = connection.cursor()
    cursor.execute(sql)
    cursor.close()


def count(connection: Any, table: str) -> int:
    return int(fetch(connection, f"SELECT count(*) FROM {table}")[0][0])


def test_a_child_whose_foreign_key_points_at_a_uuid_key_is_seeded(database: Any) -> None:
    run(database, FASTAPI_SCHEMA)
    assert seed_database(database, True) == ["item", "user"]
    assert count(database, '"user"') == 3 and count(database, "item") == 3
    owners = fetch(database, 'SELECT count(*) FROM item JOIN "user" u ON u.id = item.owner_id')
    assert owners == [(3,)]


RICH_SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN small_positive AS integer CHECK (VALUE BETWEEN 1 AND 9);
CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY);
INSERT INTO alembic_version VALUES ('a1');
CREATE TABLE product (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code VARCHAR(2) NOT NULL UNIQUE,
    price NUMERIC(6, 2) NOT NULL CHECK (price > 0),
    rating SMALLINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    feeling mood NOT NULL,
    size small_positive NOT NULL,
    tags TEXT[] NOT NULL,
    attrs JSONB NOT NULL,
    blob BYTEA NOT NULL,
    shelf_life INTERVAL NOT NULL,
    made_on DATE NOT NULL,
    made_at TIME NOT NULL,
    created TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (cardinality(tags) > 0)
);
CREATE TABLE category (
    id SERIAL PRIMARY KEY,
    parent_id INTEGER REFERENCES category (id),
    root_id INTEGER NOT NULL REFERENCES category (id),
    name TEXT NOT NULL
);
CREATE TABLE variant (
    product_id BIGINT NOT NULL REFERENCES product (id),
    colour TEXT NOT NULL,
    CONSTRAINT variant_pair UNIQUE (product_id, colour)
);
CREATE TABLE stock (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id BIGINT NOT NULL,
    colour TEXT NOT NULL,
    FOREIGN KEY (product_id, colour) REFERENCES variant (product_id, colour)
);
CREATE TABLE impossible (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CHECK (code = 'x' AND code = 'y')
);
CREATE TABLE orphan (
    id INTEGER PRIMARY KEY,
    impossible_id INTEGER NOT NULL REFERENCES impossible (id)
);
"""


def test_every_table_the_schema_allows_is_seeded_and_the_others_skipped(database: Any) -> None:
    run(database, RICH_SCHEMA)
    seeded = seed_database(database, True)
    assert seeded == ["category", "product", "stock", "variant"]
    for table in seeded:
        assert count(database, table) == 3, table
    assert count(database, "impossible") == 0 and count(database, "orphan") == 0
    assert fetch(database, "SELECT version_num FROM alembic_version") == [("a1",)]
    # a self-reference points at a seeded row; the parent's sequence is not advanced
    assert fetch(database, "SELECT count(*) FROM category WHERE parent_id IS NOT NULL") == [(2,)]
    assert fetch(database, "SELECT nextval('category_id_seq')") == [(1,)]
    rows = fetch(database, "SELECT DISTINCT feeling::text, rating BETWEEN 1 AND 5 FROM product")
    assert sorted(rows) == [("happy", True), ("sad", True)]


def test_a_foreign_key_cycle_is_seeded_with_the_nullable_side_empty_first(database: Any) -> None:
    run(
        database,
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER);"
        "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a (id));"
        "ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id);",
    )
    assert seed_database(database, True) == ["a", "b"]
    assert count(database, "a") == 3 and count(database, "b") == 3


FASTAPI_REVISION = """
op.create_table(
    "user",
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("email", sa.String(255), nullable=False, unique=True),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.Column("hashed_password", sa.String(), nullable=False),
)
op.create_table(
    "item",
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("title", sa.String(255), nullable=False),
    sa.Column(
        "owner_id", sa.Uuid(), sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False
    ),
)
"""


def test_fastapi_template_not_null_column_fails_on_seeded_item(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app")
    write_revision(
        root, "a1", None, FASTAPI_REVISION, 'op.drop_table("item")\nop.drop_table("user")'
    )
    path = write_revision(
        root,
        "b2",
        "a1",
        'op.add_column("item", sa.Column("priority", sa.Integer(), nullable=False))',
        'op.drop_column("item", "priority")',
    )
    code, report = trace(root, "--seed", "b2")
    traced = entry(report, "b2")
    assert traced["seeded_tables"] == ["item", "user"]
    assert traced["upgrade"] == "failed"
    (finding,) = [f for f in report["findings"] if f["rule"] == "upgrade-failed"]
    assert '"priority"' in finding["message"] and "null" in finding["message"]
    assert finding["line"] == line_of(path, "op.add_column")
    assert code == 1
