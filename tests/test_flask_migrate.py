"""A Flask-Migrate app runs as ``flask db`` runs it: alembic.ini without ``script_location``
means its own folder, and every child runs env.py inside the app's application context, still
pinned to the throwaway database whatever the app's ``SQLALCHEMY_DATABASE_URI`` names."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration_guard.config.alembic_ini import read_alembic_settings
from migration_guard.config.flask_migrate import runs_in_flask_app
from migration_guard.hook import _version_locations
from tests.test_children_pinned import Listener, git, guard

flask_migrate = pytest.importorskip("flask_migrate")
TEMPLATE = Path(flask_migrate.__file__).parent / "templates" / "flask"

APP = """from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "{url}"
    db.init_app(app)
    migrate.init_app(app, db)
    from models import Book  # noqa: F401

    return app
"""
MODELS = """from app import db


class Book(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
"""


def flask_app(folder: Path, url: str) -> Path:
    """What ``flask db init`` writes (Flask-Migrate's own template) beside a factory app."""
    folder.mkdir()
    (folder / "app.py").write_text(APP.format(url=url))
    (folder / "models.py").write_text(MODELS)
    migrations = folder / "migrations"
    migrations.mkdir()
    shutil.copy(TEMPLATE / "alembic.ini.mako", migrations / "alembic.ini")
    shutil.copy(TEMPLATE / "env.py", migrations / "env.py")
    shutil.copy(TEMPLATE / "script.py.mako", migrations / "script.py.mako")
    (migrations / "versions").mkdir()
    return folder


@pytest.fixture
def team_database() -> Iterator[Listener]:
    """A listener standing in for the database the app's config names."""
    listener = Listener()
    try:
        yield listener
    finally:
        listener.close()


def test_alembic_ini_without_script_location_means_its_folder_for_flask_migrate(
    tmp_path: Path,
) -> None:
    app = flask_app(tmp_path / "app", "sqlite://")
    ini = app / "migrations" / "alembic.ini"
    assert "script_location" not in ini.read_text()
    settings = read_alembic_settings(ini)
    assert settings.script_location == (app / "migrations").resolve()
    assert settings.version_locations == ((app / "migrations" / "versions").resolve(),)
    # the hook's fast path reads the same
    assert _version_locations(str(ini)) == [str((app / "migrations" / "versions").resolve())]


def test_an_env_py_that_is_not_flask_s_still_needs_script_location(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "alembic.ini").write_text("[alembic]\n")
    (folder / "env.py").write_text("# from flask import current_app\nfrom alembic import context\n")
    assert not runs_in_flask_app(folder)
    from migration_guard.errors import ConfigError

    with pytest.raises(ConfigError, match="no script_location in \\[alembic\\]"):
        read_alembic_settings(folder / "alembic.ini")


def committed_app(tmp_path: Path, listener: Listener) -> Path:
    url = f"postgresql://team:secret@127.0.0.1:{listener.port}/production"
    app = flask_app(tmp_path / "project", url)
    git(app, "init", "-q")
    git(app, "add", ".")
    git(app, "commit", "-q", "-m", "initial")
    result = guard(app, listener, "init", "--write")
    assert result.returncode == 0, result.stdout + result.stderr
    git(app, "add", ".")
    git(app, "commit", "-q", "-m", "migration-guard init")
    return app


def test_init_finds_the_flask_models_and_drift_runs_in_the_app_context(
    tmp_path: Path, team_database: Listener
) -> None:
    app = committed_app(tmp_path, team_database)
    table = (app / "pyproject.toml").read_text()
    assert 'alembic_ini = "migrations/alembic.ini"\n' in table
    assert 'models = ["models.py"]\n' in table
    drift = guard(app, team_database, "--format", "json", "drift")
    assert drift.returncode == 1, drift.stdout + drift.stderr
    import json

    problems = json.loads(drift.stdout)["problems"]
    assert [p["message"] for p in problems] == ["add table book"], drift.stdout
    assert team_database.connections == 0


def test_a_flask_app_naming_the_team_database_is_never_connected_to(
    tmp_path: Path, team_database: Listener
) -> None:
    """The app's SQLALCHEMY_DATABASE_URI names the listener: new (autogenerate and the offline
    render), trace, lint and the hook run env.py in the app and reach only the throwaway
    server."""
    app = committed_app(tmp_path, team_database)
    new = guard(app, team_database, "new", "add book", "--runner", "local")
    output = new.stdout + new.stderr
    assert new.returncode == 0, output
    (revision,) = (app / "migrations" / "versions").glob("*_add_book.py")
    assert "op.create_table('book'" in revision.read_text(), revision.read_text()
    assert "DROP TABLE book;" in output, output
    # what to run next is what a Flask user runs: plain alembic cannot run this env.py
    assert "To apply:\n  flask db upgrade\nTo roll back:\n  flask db downgrade\n" in new.stdout
    git(app, "add", ".")
    git(app, "commit", "-q", "-m", "book")
    traced = guard(app, team_database, "trace", "--all")
    assert traced.returncode in (0, 1), traced.stdout + traced.stderr
    lint = guard(app, team_database, "lint", "--all")
    assert "render-failed" not in lint.stdout, lint.stdout + lint.stderr
    models = app / "models.py"
    models.write_text(models.read_text() + "    isbn = db.Column(db.String(13))\n")
    git(app, "add", "models.py")
    hook = guard(app, team_database, "hook", "models.py")
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert "ADD COLUMN isbn VARCHAR(13)" in hook.stdout + hook.stderr, hook.stdout + hook.stderr
    assert team_database.connections == 0


def test_a_flask_app_that_cannot_be_found_is_one_line(tmp_path: Path) -> None:
    app = flask_app(tmp_path / "project", "sqlite://")
    (app / "app.py").rename(app / "factory.py")
    (app / "models.py").write_text(MODELS.replace("from app import", "from factory import"))
    (app / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "migrations/alembic.ini"\nmodels = ["models.py"]\n'
    )
    git(app, "init", "-q")
    git(app, "add", ".")
    git(app, "commit", "-q", "-m", "initial")
    result = subprocess.run(
        [sys.executable, "-m", "migration_guard", "drift"],
        cwd=app,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "env.py runs inside a Flask app, which cannot be loaded from" in last, last
    assert last.endswith("(set FLASK_APP, as for `flask db upgrade`)"), last


def test_a_flask_sqlalchemy_class_names_its_table_as_flask_sqlalchemy_does() -> None:
    """No __tablename__: Flask-SQLAlchemy's snake case of the class name, for a class naming
    its primary key (a subclass without one shares its parent's table)."""
    import ast

    from migration_guard.project.models_diff import table_name

    source = (
        "class UserRole(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"
        "class Admin(UserRole):\n    level = db.Column(db.Integer)\n"
        "class HTTPLog(db.Model):\n"
        "    id: so.Mapped[int] = so.mapped_column(primary_key=True)\n"
        "class Mixin(db.Model):\n    __abstract__ = True\n"
    )
    classes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)]
    assert [table_name(n) for n in classes] == ["user_role", None, "http_log", None]


def test_the_printed_alembic_commands_are_flask_db_commands(tmp_path: Path) -> None:
    from migration_guard.project.alembic_command import alembic_command

    app = flask_app(tmp_path / "project", "sqlite://")
    settings = read_alembic_settings(app / "migrations" / "alembic.ini")
    assert (
        alembic_command(settings, "merge", "-m", "merge heads", "a1", "b2", where=app)
        == 'flask db merge -m "merge heads" a1 b2'
    )
    assert (
        alembic_command(settings, "downgrade", "-1", where=tmp_path)
        == "flask db downgrade -d project/migrations"
    )


ENTER = """
import sys
from pathlib import Path
from alembic.config import Config
from migration_guard.runners.flask_app import enter_flask_app
ini = Path(sys.argv[1])
config = Config(str(ini))
enter_flask_app(config, ini)
from flask import current_app
print(current_app.import_name, config.get_main_option("script_location"))
"""


def test_an_app_package_with_a_factory_is_found_as_the_flask_command_finds_it(
    tmp_path: Path,
) -> None:
    """No FLASK_APP, no app.py or wsgi.py: the ``app`` package's ``create_app``."""
    root = flask_app(tmp_path / "project", "sqlite://")
    (root / "app").mkdir()
    (root / "app.py").rename(root / "app" / "__init__.py")
    ini = root / "migrations" / "alembic.ini"
    result = subprocess.run(
        [sys.executable, "-c", ENTER, str(ini)],
        cwd=root / "migrations",
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "FLASK_APP"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["app", str((root / "migrations").resolve())]


def test_an_env_py_that_builds_its_own_app_is_left_to_push_its_own_context(
    tmp_path: Path,
) -> None:
    """It imports flask but never reads current_app: nothing to discover, nothing pushed."""
    root = tmp_path / "project"
    (root / "migrations").mkdir(parents=True)
    ini = root / "migrations" / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = .\n")
    (root / "migrations" / "env.py").write_text(
        "from flask import Flask\napp = Flask('own')\nwith app.app_context():\n    pass\n"
    )
    enter = ENTER.replace(
        "from flask import current_app\nprint(current_app.import_name,",
        "from flask import has_app_context\nprint(has_app_context(),",
    )
    result = subprocess.run(
        [sys.executable, "-c", enter, str(ini)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "FLASK_APP"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "."]
