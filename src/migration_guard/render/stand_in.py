"""A revision file that raises while Alembic imports it stands in as a module whose
``upgrade()`` and ``downgrade()`` raise that error.

Alembic imports every revision file to build its revision map, so one file that cannot be
imported here (an application module the lint environment lacks, a name error at module level)
would stop the render of every revision. The stand-in carries the file's identity read
statically (``revision``, ``down_revision``, ``branch_labels``, ``depends_on``, as the graph
check reads them), so the map is whole; rendering that revision raises the original error with
its traceback, so it is reported ``render-failed`` at the line that raised and the other
revisions are rendered and linted. A file that is not a revision (env.py, a helper module)
fails as before.
"""

from __future__ import annotations

import os
import types
from pathlib import Path
from typing import Any

# how the render-failed reason of such a revision starts
UNIMPORTABLE = "it cannot be imported: "

# a revision file's real path -> the error importing it raised
unimportable: dict[str, BaseException] = {}


def tolerate_unimportable_revisions() -> None:
    """Make Alembic's module loader return a stand-in for a revision file that raises."""
    import alembic.util

    original = alembic.util.load_python_file

    def load_python_file(dir_: Any, filename: Any) -> types.ModuleType:
        try:
            return original(dir_, filename)
        except Exception as error:
            path = Path(dir_) / Path(filename).name
            stand_in = _stand_in(path, error)
            if stand_in is None:
                raise
            unimportable[os.path.realpath(path)] = error
            return stand_in

    setattr(alembic.util, "load_python_file", load_python_file)  # noqa: B010


def _stand_in(path: Path, error: Exception) -> types.ModuleType | None:
    from migration_guard.graph.revision_file import RevisionFileError, read_revision_source

    try:
        identity = read_revision_source(path.read_bytes(), str(path), path.name)
    except (OSError, RevisionFileError):
        return None
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)
    downs = identity.down_revisions

    # Alembic names the step after the function ("-- Running upgrade a -> b")
    def upgrade(*args: object, **kwargs: object) -> None:
        raise error

    def downgrade(*args: object, **kwargs: object) -> None:
        raise error

    attributes = {
        "revision": identity.revision,
        "down_revision": downs[0] if len(downs) == 1 else (downs or None),
        "branch_labels": identity.branch_labels or None,
        "depends_on": identity.depends_on or None,
        "upgrade": upgrade,
        "downgrade": downgrade,
    }
    for name, value in attributes.items():
        setattr(module, name, value)
    return module
