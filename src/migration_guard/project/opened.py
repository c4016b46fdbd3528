"""Opens a project: its config, its Alembic settings and its revision graph."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from migration_guard.config.alembic_ini import AlembicSettings, read_alembic_settings
from migration_guard.config.pyproject import Config, load_config
from migration_guard.errors import ConfigError
from migration_guard.graph.load import work_tree_graph
from migration_guard.graph.model import RevisionGraph


@dataclass(frozen=True)
class Project:
    config: Config
    alembic: AlembicSettings

    @property
    def root(self) -> Path:
        return self.config.root

    def graph(self) -> RevisionGraph:
        return work_tree_graph(self.alembic, self.root)


def open_project(root: Path, runner: str | None = None) -> Project:
    """Load config and alembic.ini; a missing project folder or ini is a configuration error.

    ``runner`` (from ``--runner``) overrides the configured one.
    """
    if not root.is_dir():
        raise ConfigError(f"{root}: project directory not found")
    config = load_config(root)
    if runner is not None:
        config = replace(config, runner=runner)
    alembic = read_alembic_settings(config.alembic_ini_path)
    if not any(location.is_dir() for location in alembic.version_locations):
        shown = ", ".join(str(location) for location in alembic.version_locations)
        raise ConfigError(f"{alembic.ini_path}: no versions folder ({shown})")
    return Project(config=config, alembic=alembic)
