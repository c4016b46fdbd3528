"""migration-guard: keeps Alembic migrations for PostgreSQL correct before they reach a database."""

# The one version source: pyproject.toml reads it (setuptools dynamic), `--version` and the SARIF
# driver print it.
__version__ = "0.1.0"
# Where the tool's documentation lives (SARIF informationUri, pyproject's [project.urls]).
REPOSITORY_URL = "https://github.com/OWNER/migration-guard"
