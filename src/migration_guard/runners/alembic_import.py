"""Loading Alembic into a child process without the part only its HTML error pages use.

Mako, Alembic's template engine, imports Pygments at start-up whenever it is installed, to
colour the source in the HTML error pages of its templates; Alembic never shows those pages.
That import is about a tenth of a second of every child's start, so it is held off while
Alembic loads; code that imports Pygments later (the user's own) gets it as usual.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.config import Config

_HTML_HIGHLIGHTING = "mako.ext.pygmentplugin"


def import_alembic(modules: Iterable[str]) -> None:
    """Import ``modules`` (Alembic's, or anything that loads it) without Mako's highlighting."""
    held_off = _HTML_HIGHLIGHTING not in sys.modules
    if held_off:
        sys.modules[_HTML_HIGHLIGHTING] = None  # type: ignore[assignment]  # import fails fast
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        if held_off and sys.modules.get(_HTML_HIGHLIGHTING, ...) is None:
            del sys.modules[_HTML_HIGHLIGHTING]


def alembic_config(ini_path: Path, **options: Any) -> Config:
    """The project's Alembic configuration, as the ``alembic`` command builds it: its
    alembic.ini (or a pyproject.toml given as the configuration itself), with the
    ``[tool.alembic]`` of a pyproject.toml beside it; for a Flask-Migrate env.py, inside its
    app as ``flask db`` runs it (:func:`~migration_guard.runners.flask_app.enter_flask_app`).
    Every child that runs env.py starts from here, so render, drift, autogenerate and trace
    read the same settings; call it once the child is pinned to its throwaway database."""
    import inspect

    from alembic.config import Config

    from migration_guard.runners.flask_app import enter_flask_app

    if ini_path.suffix == ".toml":
        config = Config(toml_file=str(ini_path), **options)
    else:
        toml = ini_path.parent / "pyproject.toml"
        # Alembic before 1.16 has no [tool.alembic] (nor toml_file): alembic.ini is all it reads
        if toml.is_file() and "toml_file" in inspect.signature(Config).parameters:
            options["toml_file"] = str(toml)
        config = Config(str(ini_path), **options)
    enter_flask_app(config, ini_path)
    return config
