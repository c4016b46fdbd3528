"""Shared by bench/trace and bench/drift: a generated Alembic history that runs online.

Seventeen tables, then columns, tables, indexes, updates and type changes, every revision
reversible; env.py connects to ``DATABASE_URL`` and compares with ``app.models.metadata`` when
the project has one (see :func:`write_models`).
"""

from __future__ import annotations

from pathlib import Path

ENV_PY = """
import os
import sys
from pathlib import Path

from alembic import context
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:
    from app.models import metadata
except ImportError:
    metadata = None

engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
"""

TABLES = 17
# (upgrade, downgrade): every revision is reversible and runs online.
OPERATIONS = [
    (
        "op.add_column('t{t}', sa.Column('c{i}', sa.Integer(), nullable=True))",
        "op.drop_column('t{t}', 'c{i}')",
    ),
    (
        "op.create_table('n{i}', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(80), nullable=False))",
        "op.drop_table('n{i}')",
    ),
    (
        "op.add_column('t{t}', sa.Column('flag{i}', sa.Boolean(), server_default=sa.false(), nullable=False))",
        "op.drop_column('t{t}', 'flag{i}')",
    ),
    (
        "op.create_index('ix_t{t}_name_{i}', 't{t}', ['name'])",
        "op.drop_index('ix_t{t}_name_{i}', table_name='t{t}')",
    ),
    ('op.execute("UPDATE t{t} SET name = name WHERE id < 0")', "pass"),
    (
        "op.alter_column('t{t}', 'name', type_=sa.Text(), existing_type=sa.String(80))",
        "op.alter_column('t{t}', 'name', type_=sa.String(80), existing_type=sa.Text())",
    ),
]


def revision_id(index: int) -> str:
    return f"{index:04d}trace{index:04d}"


def generate(root: Path, count: int) -> list[str]:
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    (root / "pyproject.toml").write_text('[tool.migration-guard]\nalembic_ini = "alembic.ini"\n')
    order = []
    for index in range(count):
        if index == 0:
            create = "\n    ".join(
                f"op.create_table('t{t}', sa.Column('id', sa.Integer(), primary_key=True), "
                "sa.Column('name', sa.String(80)))"
                for t in range(TABLES)
            )
            up, down = create, "\n    ".join(f"op.drop_table('t{t}')" for t in range(TABLES))
        else:
            up_template, down_template = OPERATIONS[index % len(OPERATIONS)]
            # a type change alternates direction on the same table: keep it on table t0 once
            t = index % TABLES if index % len(OPERATIONS) != 5 else 0
            if index % len(OPERATIONS) == 5 and index // len(OPERATIONS) % 2:
                up_template, down_template = down_template, up_template
            up, down = up_template.format(i=index, t=t), down_template.format(i=index, t=t)
        rev = revision_id(index)
        previous = revision_id(index - 1) if index else None
        (versions / f"{rev}_step.py").write_text(
            f'"""step {index}"""\nfrom alembic import op\nimport sqlalchemy as sa\n\n'
            f"revision = {rev!r}\ndown_revision = {previous!r}\nbranch_labels = None\n"
            f"depends_on = None\n\n\ndef upgrade():\n    {up}\n\n\ndef downgrade():\n    {down}\n"
        )
        order.append(rev)
    return order


def write_models(root: Path, url: str) -> None:
    """``app/models/__init__.py`` declaring the schema the history builds, as reflected from
    ``url`` (a database upgraded to head): the models of a project in sync with its history."""
    from sqlalchemy import MetaData, create_engine

    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    engine.dispose()
    lines = ["from sqlalchemy import *  # noqa: F403", "", "metadata = MetaData()", ""]
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        lines.append(f"Table({table.name!r}, metadata,")
        for column in table.columns:
            default = column.server_default
            extra = f", server_default=text({str(default.arg)!r})" if default is not None else ""
            key = ", primary_key=True" if column.primary_key else ""
            lines.append(
                f"    Column({column.name!r}, {column.type!r}, nullable={column.nullable}"
                f"{key}{extra}),"
            )
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            names = ", ".join(repr(column.name) for column in index.columns)
            lines.append(f"    Index({index.name!r}, {names}),")
        lines.append(")")
    package = root / "app" / "models"
    package.mkdir(parents=True, exist_ok=True)
    (root / "app" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("\n".join(lines) + "\n")
