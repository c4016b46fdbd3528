"""The built-in functions' volatility that ``volatile-default`` relies on, against a real
PostgreSQL: its catalog (``pg_proc.provolatile``) and what ``ADD COLUMN … DEFAULT`` really does
(the table's file node changes when PostgreSQL rewrites it).

Run as ``python -m tests.rules.test_pg_function_volatility URL`` to print
``migration_guard/rules/builtin_functions.py`` anew from the server at URL (a newer
PostgreSQL release adds functions).
"""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator

import pytest

from migration_guard.rules import builtin_functions
from migration_guard.rules.function_volatility import volatile_calls
from migration_guard.runners.postgres import databases as pg

# functions a DEFAULT can call: plain ones that return one value
CATALOG = """
    SELECT p.proname, string_agg(DISTINCT p.provolatile::text, '')
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'pg_catalog' AND p.prokind = 'f' AND NOT p.proretset
    GROUP BY p.proname ORDER BY p.proname
"""


def catalog(url: str) -> tuple[set[str], set[str]]:
    """(names never volatile, names with a volatile overload) of the server at ``url``."""
    rows = pg.query(url, CATALOG)
    never = {str(name) for name, kinds in rows if "v" not in str(kinds)}
    return never, {str(name) for name, _kinds in rows} - never


def test_the_shipped_table_is_the_servers_catalog(postgres_url: str) -> None:
    never, volatile = catalog(postgres_url)
    wrong = sorted(
        [f"{name}: volatile, shipped as not" for name in volatile & builtin_functions.NOT_VOLATILE]
        + [
            f"{name}: not volatile, shipped as volatile"
            for name in never & builtin_functions.VOLATILE
        ]
    )
    assert wrong == []
    ((major,),) = pg.query(
        postgres_url, "SELECT current_setting('server_version_num')::int / 10000"
    )
    if int(major) >= 18:  # the table's source; an older server has functions 18 dropped
        assert not (never | volatile) - builtin_functions.NOT_VOLATILE - builtin_functions.VOLATILE


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    name = f"volatility_{uuid.uuid4().hex[:8]}"
    url = pg.create_database(postgres_url, name)
    pg.execute(url, "CREATE SEQUENCE counter")
    try:
        yield url
    finally:
        pg.drop_database(postgres_url, name)


def rewrites(url: str, column: str) -> bool:
    """Whether adding ``column`` to a table with rows rewrites it."""
    table = f"t_{uuid.uuid4().hex[:8]}"
    pg.execute(url, f"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1), (2)")
    before = pg.query(url, f"SELECT pg_relation_filenode('{table}')")
    pg.execute(url, f"ALTER TABLE {table} ADD COLUMN {column}")
    after = pg.query(url, f"SELECT pg_relation_filenode('{table}')")
    pg.execute(url, f"DROP TABLE {table}")
    return before != after


COLUMNS = [
    "x timestamptz DEFAULT now()",
    "x timestamptz DEFAULT CURRENT_TIMESTAMP",
    "x timestamp DEFAULT LOCALTIMESTAMP(0)",
    "x date DEFAULT CURRENT_DATE",
    "x timestamp DEFAULT timezone('utc'::text, now())",
    "x timestamp DEFAULT (now() AT TIME ZONE 'utc')",
    "x timestamptz DEFAULT statement_timestamp()",
    "x timestamptz DEFAULT (now() + interval '1 day')",
    "x timestamptz DEFAULT clock_timestamp()",
    "x text DEFAULT timeofday()",
    "x float8 DEFAULT random()",
    "x uuid DEFAULT gen_random_uuid()",
    "x text DEFAULT md5(random()::text)",
    "x bigint DEFAULT nextval('counter'::regclass)",
    "x bigint DEFAULT txid_current()",
    "x text DEFAULT pg_current_xact_id()::text",
    "x text DEFAULT format('%s-%s', 'a', 'b')",
    "x text DEFAULT encode('\\x00'::bytea, 'hex')",
    "x text[] DEFAULT string_to_array('a,b', ',')",
    "x jsonb DEFAULT jsonb_build_object('a', 1)",
    "x json DEFAULT array_to_json(ARRAY[1, 2])",
    "x text DEFAULT current_setting('TimeZone')",
    "x text DEFAULT upper(lower('A'))",
    "x text DEFAULT 'a' || 'b'",
    "x int DEFAULT 1 + 2",
    "x text DEFAULT inet_client_addr()::text",
    "x text DEFAULT pg_backend_pid()::text",
    "x text DEFAULT version()",
]


@pytest.mark.parametrize("column", COLUMNS)
def test_flagged_exactly_when_postgresql_rewrites(database: str, column: str) -> None:
    default = column.split(" DEFAULT ", 1)[1]
    assert bool(volatile_calls(default)) == rewrites(database, column)


def main(url: str) -> None:
    never, volatile = catalog(url)
    print(f'"""{builtin_functions.__doc__}"""')
    print("\nfrom __future__ import annotations\n")
    tables = []
    for name, names in (("NOT_VOLATILE", never), ("VOLATILE", volatile)):
        words = textwrap.fill(" ".join(sorted(names)), 96, break_on_hyphens=False)
        tables.append(
            f'_{name}_NAMES = """\n{words}\n"""\n{name} = frozenset(_{name}_NAMES.split())'
        )
    print("\n\n".join(tables))


if __name__ == "__main__":
    main(sys.argv[1])
