"""Alembic environment: the URL from DATABASE_URL, the metadata from app.models."""

from __future__ import annotations

import importlib.util
import os
from logging.config import fileConfig

from alembic import context
from app.models import Base
from sqlalchemy import engine_from_config, pool

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def database_url() -> str:
    """DATABASE_URL, with a driver named when it has none.

    The URL is shared with tools that expect plain ``postgresql://``; SQLAlchemy 2.1 maps
    that to psycopg 3, so name psycopg2 when that is the driver installed.
    """
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set (e.g. postgresql://catalyst:catalyst@db:5432/catalyst)"
        )
    scheme, separator, rest = url.partition("://")
    if scheme in ("postgres", "postgresql") and importlib.util.find_spec("psycopg2") is not None:
        return f"postgresql+psycopg2{separator}{rest}"
    return url


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade --sql``) without a database connection."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations against the database at DATABASE_URL."""
    section = config.get_section(config.config_ini_section, {})
    section["sqlalchemy.url"] = database_url()
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
