"""Runs a Flask-Migrate env.py the way ``flask db upgrade`` does: inside the app's context.

Flask-Migrate's env.py reads the database and the metadata from ``current_app`` (its
``extensions['migrate'].db``), so outside an application context it stops at once ("Working
outside of application context"). Every child that runs an env.py builds its Alembic config
through :func:`enter_flask_app` first: when the env.py imports ``flask``, the Flask app is found
as the ``flask`` command finds it (``FLASK_APP``, else ``FLASK_APP`` in ``.flaskenv`` or
``.env``, else ``wsgi.py`` or ``app.py``, else an ``app`` package with ``create_app``), loaded
through :class:`flask.cli.ScriptInfo`, and its application context pushed for the rest of the
child's life. Other projects pay one read of env.py.

The child is pinned before this runs (:mod:`migration_guard.runners.pinned`): the app's own
``SQLALCHEMY_DATABASE_URI`` names the team's database, and Flask-SQLAlchemy's engines are
created through the pinned ``create_engine``, so they reach only the throwaway one. The
``.flaskenv``/``.env`` files are read for ``FLASK_APP`` alone, never loaded into the
environment (a ``PGHOST`` there must not reach the drivers).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from migration_guard.config.flask_migrate import runs_in_flask_app
from migration_guard.runners.models_imported import ModelsNotImported

_DOTENV_FILES = (".flaskenv", ".env")
_APP_FILES = ("wsgi.py", "app.py")

_entered: dict[str, Any] = {}  # the app's folder -> its pushed application context


class FlaskAppNotLoaded(ModelsNotImported):
    """The Flask app an env.py needs cannot be found or loaded: the project's problem."""


def enter_flask_app(config: Any, ini_path: Path) -> None:
    """When the env.py beside ``ini_path`` is Flask-Migrate's: name its folder as
    ``script_location`` where alembic.ini does not (``config``, an Alembic Config), and push
    the Flask app's application context (once per process)."""
    folder = ini_path.resolve().parent
    if ini_path.suffix == ".toml" or not runs_in_flask_app(folder):
        return
    if not config.get_main_option("script_location"):
        config.set_main_option("script_location", str(folder).replace("%", "%%"))
    if not runs_in_flask_app(folder, reads_current_app=True):
        return  # it builds and enters its own app
    root = app_root(folder)
    if str(root) in _entered:
        return
    _entered[str(root)] = _push_context(root)


def app_root(folder: Path) -> Path:
    """Where ``flask db`` runs from: the folder holding the migrations folder (Flask-Migrate's
    default ``directory`` is ``migrations`` under the current folder), or the nearest folder
    above that has a ``.flaskenv``, ``.env``, ``wsgi.py`` or ``app.py``."""
    for candidate in folder.parents:
        if any((candidate / name).is_file() for name in (*_DOTENV_FILES, *_APP_FILES)):
            return candidate
    return folder.parent


def flask_app_setting(root: Path) -> str | None:
    """``FLASK_APP`` as the ``flask`` command sees it: the environment's, else the one in
    ``.flaskenv`` or ``.env`` (when python-dotenv, which Flask reads them with, is installed)."""
    named = os.environ.get("FLASK_APP")
    if named:
        return named
    try:
        from dotenv import dotenv_values
    except ImportError:
        return None
    for name in _DOTENV_FILES:
        path = root / name
        if path.is_file():
            value = dotenv_values(path).get("FLASK_APP")
            if value:
                return value
    return None


def _push_context(root: Path) -> Any:
    try:
        from flask.cli import NoAppException, ScriptInfo
    except ImportError as error:
        raise FlaskAppNotLoaded(
            f"env.py runs inside a Flask app, but flask is not installed here ({error}); "
            "install the project's dependencies in this environment"
        ) from None
    target = flask_app_setting(root)
    beside = any((root / name).is_file() for name in _APP_FILES)
    if target is None and not beside and (root / "app" / "__init__.py").is_file():
        target = "app"  # a package whose factory is create_app
    previous = os.getcwd()
    os.chdir(root)
    try:
        app = ScriptInfo(app_import_path=target, set_debug_flag=False).load_app()
    except NoAppException as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise FlaskAppNotLoaded(
            f"env.py runs inside a Flask app, which cannot be loaded from {root}: {first} "
            "(set FLASK_APP, as for `flask db upgrade`)"
        ) from None
    finally:
        os.chdir(previous)
    context = app.app_context()
    context.push()
    return context
