"""Recognises a Flask-Migrate project: its env.py runs inside the Flask app.

``flask db init`` writes ``migrations/alembic.ini`` with no ``script_location`` (``flask db``
sets it at run time to the folder holding alembic.ini) and an env.py that reads the database
and the metadata from ``flask.current_app``, so it works only inside the app's application
context. Read on the hook's fast path too: only ``os``, ``re`` and the bounded read load.
"""

from __future__ import annotations

import os
import re

from migration_guard.config.bounded_read import read_text

_FLASK_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+flask(?:\.\w+)*[ \t]+import\b|import[ \t]+flask\b)", re.M
)


_CURRENT_APP = re.compile(r"\bcurrent_app\b")


def runs_in_flask_app(folder: object, *, reads_current_app: bool = False) -> bool:
    """Whether the env.py in ``folder`` imports ``flask`` (Flask-Migrate's ``current_app``):
    it then runs inside the app's application context, and an alembic.ini beside it without
    ``script_location`` means that folder. An unreadable env.py is not Flask's: the reader
    that needs it says why. ``reads_current_app``: and it reads ``current_app``, so it needs
    the app's context pushed (an env.py that builds its own app pushes its own)."""
    try:
        text = read_text(os.path.join(str(folder), "env.py"), "revision file")
    except Exception:  # any refusal means "not one we recognise"
        return False
    if _FLASK_IMPORT.search(text) is None:
        return False
    return not reads_current_app or _CURRENT_APP.search(text) is not None
