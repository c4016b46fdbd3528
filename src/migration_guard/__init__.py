"""migration-guard: keeps Alembic migrations for PostgreSQL correct before they reach a database."""

__version__ = "0.1.0"
