"""Rendering migrations to SQL offline (``alembic upgrade --sql``), never touching a database."""
