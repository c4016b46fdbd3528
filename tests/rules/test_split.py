"""Splitting SQL into statements and `alembic upgrade --sql` output into revisions."""

from __future__ import annotations

from pathlib import Path

from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.split import split_revisions
from migration_guard.sql.statements import split_statements

ALEMBIC = Path(__file__).parent / "fixtures" / "alembic"


def test_semicolons_inside_bodies_strings_and_comments_do_not_split() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS void AS $$ BEGIN DELETE FROM t; END; $$ LANGUAGE plpgsql;\n"
        "DO $body$ BEGIN PERFORM 1; END $body$;\n"
        "INSERT INTO notes VALUES ('a; b'); -- trailing; comment\n"
        "/* block; comment */ SELECT 1"
    )
    statements = split_statements(sql)
    assert [s.line for s in statements] == [1, 2, 3, 4]
    assert statements[0].text.endswith("LANGUAGE plpgsql;")
    assert statements[3].text.startswith("SELECT 1")


def test_sql_standard_function_body_stays_whole() -> None:
    sql = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC\n"
        "  SELECT CASE WHEN true THEN 1 END;\n"
        "  SELECT 2;\n"
        "END;\n"
        "SELECT 3;"
    )
    statements = split_statements(sql)
    assert [s.line for s in statements] == [1, 5]


def test_statement_lines_are_file_lines() -> None:
    statements = split_statements("\n-- note\nSELECT 1;\n\nALTER TABLE t\n  ADD COLUMN x int;", 10)
    assert [(s.line, s.end_line) for s in statements] == [(12, 12), (14, 15)]


def test_names_are_folded_like_postgresql() -> None:
    (statement,) = split_statements(
        'ALTER TABLE "Public"."Audit_Log" ADD COLUMN "X" INT, ADD Y INT'
    )
    facts = read_statement(statement)
    assert facts == (
        f.AddColumn(f.Name("Audit_Log", "Public"), f.Column("X", "int")),
        f.AddColumn(f.Name("Audit_Log", "Public"), f.Column("y", "int")),
    )


def test_column_details() -> None:
    (statement,) = split_statements(
        "CREATE TABLE s.t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        " at timestamp with time zone DEFAULT now() NOT NULL,"
        " amount numeric(10, 2) CHECK (amount > 0),"
        " owner_id int REFERENCES s.users (id) ON DELETE CASCADE,"
        " CONSTRAINT uq UNIQUE (at, amount))"
    )
    (table,) = read_statement(statement)
    assert isinstance(table, f.CreateTable)
    ident, at, amount, owner = table.columns
    assert ident.identity and ident.primary_key and ident.not_null
    assert (at.type, at.default, at.not_null) == ("timestamp with time zone", "now()", True)
    assert (amount.type, amount.check) == ("numeric(10, 2)", "amount > 0")
    assert owner.references == f.Name("users", "s")
    assert table.constraints == (f.Constraint("unique", "uq", ("at", "amount")),)


def test_delete_targets_in_ctes_and_using() -> None:
    (statement,) = split_statements(
        "WITH gone AS (DELETE FROM a RETURNING id), more AS (DELETE FROM ONLY s.b USING c"
        " WHERE b.id = c.id RETURNING 1) SELECT * FROM gone"
    )
    assert read_statement(statement) == (
        f.Delete(f.Name("a"), where=False),
        f.Delete(f.Name("b", "s")),
    )


def test_transactions() -> None:
    statements = split_statements("BEGIN; COMMIT; START TRANSACTION; ROLLBACK; END;")
    actions = [read_statement(s)[0] for s in statements]
    assert actions == [
        f.Transaction("begin"),
        f.Transaction("commit"),
        f.Transaction("begin"),
        f.Transaction("rollback"),
        f.Transaction("commit"),
    ]


def test_alembic_output_is_split_per_revision_without_bookkeeping() -> None:
    text = (ALEMBIC / "upgrade_head.sql").read_text()
    blocks = split_revisions(text)
    assert [(b.revision, b.down_revisions) for b in blocks] == [
        ("a1", ()),
        ("c3", ("a1",)),
        ("b2", ("a1",)),
        ("d4", ("b2", "c3")),
    ]
    assert [b.first_line for b in blocks] == [8, 18, 24, 38]
    assert all(b.starts_in_transaction for b in blocks)
    every = [s.text for b in blocks for s in b.statements]
    assert not any("alembic_version" in text for text in every)
    assert blocks[0].statements[0].text.startswith("CREATE TABLE audit_log")
    assert [s.line for s in blocks[2].statements] == [26, 28, 30, 32, 34]
    assert [s.text for s in blocks[3].statements] == ["COMMIT;"]


def test_transaction_per_migration_output() -> None:
    blocks = split_revisions((ALEMBIC / "transaction_per_migration.sql").read_text())
    assert [b.revision for b in blocks] == ["c3", "b2", "d4"]
    # Each BEGIN sits before the next marker, so every block starts inside a transaction.
    assert [b.starts_in_transaction for b in blocks] == [True, True, True]


def test_text_without_markers_is_one_block() -> None:
    (block,) = split_revisions("ALTER TABLE t ADD COLUMN x int;\nDROP TABLE u;")
    assert block.revision is None
    assert block.starts_in_transaction is None
    assert len(block.statements) == 2


def test_downgrade_markers_name_the_revision_going_down() -> None:
    text = "-- Running downgrade b2 -> a1\n\nDROP TABLE t;\n\n-- Running downgrade a1 -> \n"
    blocks = split_revisions(text)
    assert [(b.revision, b.down_revisions) for b in blocks] == [("b2", ("a1",)), ("a1", ())]
