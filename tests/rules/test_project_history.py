"""Rules that read the project's history: real Alembic projects linted end to end."""

from __future__ import annotations

import json
from pathlib import Path

from tests.projects import add_revision, make_project, run_cli

ORDERS = (
    "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True),"
    " sa.Column('status', sa.Text()))"
)


def rules_found(root: Path, *args: str) -> list[str]:
    result = run_cli(root, "--format", "json", "lint", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return [finding["rule"] for finding in json.loads(result.stdout)["findings"]]


def test_soft_delete_one_column_convention_is_silent(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade=ORDERS)
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="op.add_column('orders', sa.Column('deleted_at', sa.DateTime(timezone=True)))",
    )
    add_revision(
        tmp_path,
        "c3",
        "b2",
        upgrade=(
            "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('deleted_at', sa.DateTime(timezone=True)))"
        ),
    )
    assert "soft-delete-pair" not in rules_found(tmp_path)
    assert "soft-delete-pair" not in rules_found(tmp_path, "c3")


def test_soft_delete_pair_elsewhere_in_history_keeps_the_rule(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            "op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('is_deleted', sa.Boolean()), sa.Column('deleted_at', sa.DateTime()))\n"
            + ORDERS
        ),
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "with op.batch_alter_table('orders') as batch_op:\n"
            "    batch_op.add_column(sa.Column('is_deleted', sa.Boolean()))"
        ),
    )
    assert rules_found(tmp_path).count("soft-delete-pair") == 1
    # the hook lints only the new revision: the pair is learnt from the files
    assert rules_found(tmp_path, "b2") == ["soft-delete-pair"]


def test_soft_delete_pair_in_raw_sql_history_keeps_the_rule(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            'op.execute("CREATE TABLE users (id int, is_deleted boolean, deleted_at timestamptz)")\n'
            + ORDERS
        ),
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="op.add_column('orders', sa.Column('deleted_at', sa.DateTime()))",
    )
    assert rules_found(tmp_path, "b2") == ["soft-delete-pair"]


def test_soft_delete_explicit_config_keeps_the_rule(tmp_path: Path) -> None:
    make_project(tmp_path, pyproject='soft_delete_columns = ["is_deleted", "deleted_at"]\n')
    add_revision(tmp_path, "a1", None, upgrade=ORDERS)
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="op.add_column('orders', sa.Column('deleted_at', sa.DateTime()))",
    )
    assert rules_found(tmp_path) == ["soft-delete-pair"]


def test_soft_delete_lint_sql_in_a_project_follows_its_convention(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade=ORDERS)
    sql = tmp_path / "up.sql"
    sql.write_text("ALTER TABLE orders ADD COLUMN deleted_at timestamptz;\n")
    assert rules_found(tmp_path, "--sql", str(sql)) == []
    # the SQL's own earlier block shows the pair
    sql.write_text(
        "-- Running upgrade  -> a1\n\n"
        "CREATE TABLE users (id int, is_deleted boolean, deleted_at timestamptz);\n\n"
        "-- Running upgrade a1 -> b2\n\n"
        "ALTER TABLE orders ADD COLUMN deleted_at timestamptz;\n"
    )
    assert rules_found(tmp_path, "--sql", str(sql)) == ["soft-delete-pair"]
    sql.write_text("ALTER TABLE orders ADD COLUMN deleted_at timestamptz;\n")
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.add_column('orders', sa.Column('is_deleted', sa.Boolean()))\n"
            "op.add_column('orders', sa.Column('deleted_at', sa.DateTime()))"
        ),
    )
    assert rules_found(tmp_path, "--sql", str(sql)) == ["soft-delete-pair"]


def test_soft_delete_lint_sql_without_project_flags(tmp_path: Path) -> None:
    sql = tmp_path / "up.sql"
    sql.write_text("ALTER TABLE orders ADD COLUMN deleted_at timestamptz;\n")
    assert rules_found(tmp_path, "--sql", str(sql)) == ["soft-delete-pair"]


def test_column_type_change_reads_existing_type(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade="pass")
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.alter_column('orders', 'note', type_=sa.Text(),\n"
            "                existing_type=sa.String(length=100))\n"
            "op.alter_column('orders', 'total', type_=sa.Numeric(14, 2),"
            " existing_type=sa.NUMERIC(precision=12, scale=2))\n"
            "with op.batch_alter_table('orders') as batch_op:\n"
            "    batch_op.alter_column('title', type_=sa.String(200), existing_type=sa.String(80))"
        ),
    )
    add_revision(
        tmp_path,
        "c3",
        "b2",
        upgrade=(
            "op.alter_column('orders', 'code', type_=sa.String(50), existing_type=sa.String(100))\n"
            "op.alter_column('orders', 'qty', type_=sa.BigInteger(), existing_type=sa.Integer())"
        ),
    )
    assert rules_found(tmp_path, "b2") == []
    assert rules_found(tmp_path, "c3") == ["column-type-change", "column-type-change"]


def test_column_type_change_knows_the_type_an_earlier_revision_created(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            "op.create_table('docs', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('body', sa.String(100)), sa.Column('size', sa.Integer()))"
        ),
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.alter_column('docs', 'body', type_=sa.Text())\n"
            "op.alter_column('docs', 'size', type_=sa.BigInteger())"
        ),
    )
    assert rules_found(tmp_path) == ["column-type-change"]
    # linting b2 alone (the hook): a1's column types are read from its file
    assert rules_found(tmp_path, "b2") == ["column-type-change"]


def test_drop_index_created_by_an_earlier_file_with_its_table(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            "op.create_table('Docs', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('title', sa.Text()), schema='public')\n"
            "op.create_index('ix_t', 'Docs', ['title'], schema='public')\n"
            "op.create_index('ix_o', 'orders', ['id'])"
        ),
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            'op.execute(\'DROP INDEX "public"."ix_t"\')\n'
            "op.execute('DROP TABLE public.\"Docs\"')\n"
            "op.execute('DROP INDEX ix_o')"
        ),
    )
    found = [rule for rule in rules_found(tmp_path, "b2") if rule.startswith("drop-index")]
    assert found == ["drop-index-not-concurrent"]  # ix_o only


def test_drop_index_of_a_dropped_table_from_table_name(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade="pass")
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.drop_index('uq_title', table_name='Docs', schema='public')\n"
            "op.drop_table('Docs', schema='public')\n"
            "op.drop_index(op.f('uq_owner'), table_name='orders')\n"
            "op.drop_table('docs')"
        ),
    )
    found = run_cli(tmp_path, "--format", "json", "lint")
    findings = json.loads(found.stdout)["findings"]
    messages = [f["message"] for f in findings if f["rule"] == "drop-index-not-concurrent"]
    assert len(messages) == 1 and "uq_owner" in messages[0]


def set_not_null_history(root: Path, *, validate: bool) -> None:
    make_project(root)
    add_revision(root, "a1", None, upgrade=ORDERS)
    add_revision(
        root,
        "b2",
        "a1",
        upgrade=(
            "op.create_check_constraint('status_nn', 'orders', 'status IS NOT NULL',"
            " postgresql_not_valid=True)"
        ),
    )
    validation = 'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT status_nn")\n'
    add_revision(
        root,
        "c3",
        "b2",
        upgrade=(validation if validate else "")
        + "op.alter_column('orders', 'status', existing_type=sa.Text(), nullable=False)",
    )


def test_set_not_null_after_validating_an_earlier_not_valid_check(tmp_path: Path) -> None:
    set_not_null_history(tmp_path, validate=True)
    assert "set-not-null" not in rules_found(tmp_path)
    # the hook lints only c3: b2's NOT VALID check is read from its file
    assert "set-not-null" not in rules_found(tmp_path, "c3")


def test_set_not_null_with_a_never_validated_check(tmp_path: Path) -> None:
    set_not_null_history(tmp_path, validate=False)
    assert "set-not-null" in rules_found(tmp_path)
    assert "set-not-null" in rules_found(tmp_path, "c3")
