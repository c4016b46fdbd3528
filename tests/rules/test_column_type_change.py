"""``column-type-change``: the old type known, only changes that rewrite the table are flagged."""

from __future__ import annotations

import pytest

from migration_guard.lint.engine import RuleSettings
from tests.rules.helpers import assert_clean, assert_flags

RULE = "column-type-change"

# (old type, new type): PostgreSQL rewrites the table (or scans it for a stricter limit)
REWRITES = [
    ("INTEGER", "BIGINT"),
    ("VARCHAR(100)", "VARCHAR(50)"),
    ("TEXT", "INTEGER"),
    ("TEXT", "VARCHAR(20)"),
    ("NUMERIC(10, 2)", "NUMERIC(12, 4)"),
    ("NUMERIC(10, 2)", "NUMERIC(8, 2)"),
    ("NUMERIC", "NUMERIC(12, 2)"),
    ("BIT VARYING(10)", "BIT VARYING(5)"),
    ("INET", "CIDR"),
    ("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP WITH TIME ZONE"),  # session zone unknown
    ("VARCHAR(10)[]", "TEXT[]"),
    ("mood", "TEXT"),
]
# changes PostgreSQL makes in place (binary coercible, no stricter limit)
IN_PLACE = [
    ("VARCHAR(50)", "VARCHAR(100)"),
    ("character varying(50)", "character varying(50)"),
    ("VARCHAR(50)", "TEXT"),
    ("VARCHAR(50)", "VARCHAR"),
    ("VARCHAR", "TEXT"),
    ("TEXT", "VARCHAR"),
    ("TEXT", "character varying"),
    ("NUMERIC(10, 2)", "NUMERIC(12, 2)"),
    ("DECIMAL(10)", "NUMERIC(12, 0)"),
    ("NUMERIC(10, 2)", "NUMERIC"),
    ("VARBIT(5)", "BIT VARYING(10)"),
    ("BIT VARYING(5)", "VARBIT"),
    ("CIDR", "INET"),
    ("INTEGER", "int4"),
]


def two_revisions(old: str, new: str, session: str = "") -> str:
    return (
        "-- Running upgrade  -> a1\n\n"
        f"CREATE TABLE docs (id int, body {old});\n\n"
        "-- Running upgrade a1 -> b2\n\n"
        f"{session}ALTER TABLE docs ALTER COLUMN body TYPE {new};\n"
    )


@pytest.mark.parametrize(("old", "new"), REWRITES)
def test_rewriting_change_is_flagged(old: str, new: str) -> None:
    (finding,) = assert_flags(two_revisions(old, new), RULE)
    assert finding.revision == "b2"


@pytest.mark.parametrize(("old", "new"), IN_PLACE)
def test_in_place_change_is_clean(old: str, new: str) -> None:
    assert_clean(two_revisions(old, new), RULE)


@pytest.mark.parametrize("zone", ["'UTC'", "'Etc/UTC'", "utc"])
def test_timestamp_to_timestamptz_in_a_utc_session_is_clean(zone: str) -> None:
    for session in (f"SET TIME ZONE {zone};\n", f"SET timezone TO {zone};\n"):
        sql = two_revisions("TIMESTAMP", "TIMESTAMPTZ", session)
        assert_clean(sql, RULE)
        assert_flags(sql, RULE, RuleSettings(pg_version=11))


def test_timestamp_in_another_zone_is_flagged() -> None:
    assert_flags(two_revisions("TIMESTAMP", "TIMESTAMPTZ", "SET TIME ZONE 'Europe/Paris';\n"), RULE)


def test_old_type_from_an_earlier_statement_of_the_same_migration() -> None:
    sql = (
        "ALTER TABLE docs ADD COLUMN title VARCHAR(50);\n"
        "ALTER TABLE docs ALTER COLUMN title TYPE VARCHAR(80);\n"
        "ALTER TABLE docs ALTER COLUMN title TYPE VARCHAR(40);\n"
    )
    (finding,) = assert_flags(sql, RULE)
    assert "VARCHAR(40)" in finding.message


def test_schema_qualified_and_quoted_table_keeps_the_old_type() -> None:
    sql = (
        "-- Running upgrade  -> a1\n\n"
        'CREATE TABLE "public"."docs" (id int, body VARCHAR(10));\n\n'
        "-- Running upgrade a1 -> b2\n\n"
        "ALTER TABLE public.docs ALTER COLUMN body TYPE TEXT;\n"
    )
    assert_clean(sql, RULE)


def test_unknown_old_type_is_flagged_as_before() -> None:
    assert_flags("ALTER TABLE docs ALTER COLUMN body TYPE TEXT;", RULE)
