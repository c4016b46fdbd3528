"""Revisions that are not linted are read with ``ast`` into the facts the rules know."""

from __future__ import annotations

from pathlib import Path

from migration_guard.readers.static_upgrade import upgrade_statements
from migration_guard.sql import facts as f

REVISION = """
from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table("orders", sa.Column("id", sa.Integer()), sa.Column("note", sa.String(100)),
                    schema="sales")
    op.create_check_constraint("c1", "orders", sa.text("status IS NOT NULL"),
                               postgresql_not_valid=True)
    with op.batch_alter_table("items") as batch_op:
        batch_op.alter_column("name", type_=sa.String(20))
        batch_op.create_index("ix_items_name", ["name"])
    op.drop_index("ix_old", table_name="orders")
    op.execute(sa.text("ALTER TABLE items VALIDATE CONSTRAINT c2"))
    op.add_column("orders", sa.Column("total", sa.Numeric(precision=10, scale=2)))


def downgrade():
    op.drop_table("orders")
"""


def test_upgrade_read_as_facts_downgrade_left_out(tmp_path: Path) -> None:
    path = tmp_path / "a1.py"
    path.write_text(REVISION)
    facts = [fact for statement in upgrade_statements(path) for fact in statement.facts]
    created, check, altered, index, dropped, validated, added = facts
    assert isinstance(created, f.CreateTable) and created.table == f.Name("orders", "sales")
    assert [c.type for c in created.columns] == ["integer", "varchar(100)"]
    assert isinstance(check, f.AddConstraint) and check.constraint.not_valid
    assert check.constraint.expression == "status is not null"
    assert altered == f.AlterColumnType(f.Name("items"), "name", "varchar(20)")
    assert isinstance(index, f.CreateIndex) and index.table == f.Name("items")
    assert dropped == f.DropIndex(f.Name("ix_old"))
    assert validated == f.ValidateConstraint(f.Name("items"), "c2")
    assert isinstance(added, f.AddColumn) and added.column.type == "numeric(10, 2)"


def test_unreadable_file_gives_nothing(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def upgrade(:\n")
    assert upgrade_statements(path) == []


def test_enum_columns_create_their_types_first(tmp_path: Path) -> None:
    """Alembic creates a column's sa.Enum type with its table; ``create_type=False`` does not."""
    path = tmp_path / "a1.py"
    path.write_text(
        "def upgrade():\n"
        '    op.create_table("orders", sa.Column("status", sa.Enum("new", "it\'s", name="st")))\n'
        '    op.add_column("orders", sa.Column("kind", postgresql.ENUM("a", name="k", schema="s")))\n'
        '    op.add_column("orders", sa.Column("old", sa.Enum("x", name="o", create_type=False)))\n'
        '    op.add_column("orders", sa.Column("py", sa.Enum(Kind, name="py")))\n'
    )
    facts = [fact for statement in upgrade_statements(path) for fact in statement.facts]
    enums = [fact for fact in facts if isinstance(fact, f.CreateEnum)]
    assert enums == [
        f.CreateEnum(f.Name("st"), ("new", "it's")),
        f.CreateEnum(f.Name("k", "s"), ("a",)),
    ]
    assert isinstance(facts[1], f.CreateTable)
