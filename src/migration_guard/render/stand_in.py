"""How the render child gives Alembic the revision files: loaded only when rendered, and a
stand-in for one that raises on import.

Alembic imports every revision file to build its revision map before it renders the first
one. Two consequences, and what we do about them:

- **Cost.** The map needs only each file's identifiers (``revision``, ``down_revision``,
  ``branch_labels``, ``depends_on``), which the parent has already read statically for the
  graph check. Files the parent vouches for are given to Alembic as modules holding just those
  identifiers; the file itself is imported the first time anything else is asked of it
  (``upgrade``), so a revision that is not rendered is never imported and the first statements
  reach the parent while the rest are still being imported. A file whose identifiers are not
  literals is imported as Alembic would.
- **One bad file stops all.** A file that cannot be imported here (an application module the
  lint environment lacks, a name error at module level) would stop the render of every
  revision. It stands in as a module whose ``upgrade()`` and ``downgrade()`` raise that error
  with its traceback, so only that revision is reported ``render-failed``, at the line that
  raised, and the others are rendered and linted. A file that is not a revision (env.py, a
  helper module) fails as before.
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

# how the render-failed reason of such a revision starts
UNIMPORTABLE = "it cannot be imported: "

# a revision file's real path -> the error importing it raised
unimportable: dict[str, BaseException] = {}

# (revision, down revisions, branch labels, depends_on), as the graph check read them
Identity = tuple[str, Sequence[str], Sequence[str], Sequence[str]]


def load_revisions_as_needed(identities: Mapping[str, Identity]) -> None:
    """Make Alembic's module loader defer the files in ``identities`` (by real path) and stand
    in for a revision file that raises."""
    import alembic.util

    original: Callable[[Any, Any], types.ModuleType] = alembic.util.load_python_file

    def load_now(dir_: Any, filename: Any) -> types.ModuleType:
        try:
            return original(dir_, filename)
        except Exception as error:
            path = Path(dir_) / Path(filename).name
            stand_in = _stand_in(path, error)
            if stand_in is None:
                raise
            unimportable[os.path.realpath(path)] = error
            return stand_in

    def load_python_file(dir_: Any, filename: Any) -> types.ModuleType:
        identity = identities.get(os.path.realpath(Path(dir_) / Path(filename).name))
        if identity is None:
            return load_now(dir_, filename)
        return _Deferred(identity, lambda: load_now(dir_, filename))

    setattr(alembic.util, "load_python_file", load_python_file)  # noqa: B010


class _Deferred(types.ModuleType):
    """A revision module that is imported on the first look past its identifiers."""

    def __init__(self, identity: Identity, load: Callable[[], types.ModuleType]) -> None:
        revision, downs, labels, depends = identity
        super().__init__(f"migration_guard_revision_{revision}")
        self.__dict__.update(_identifiers(revision, downs, labels, depends))
        self.__dict__["_load"] = load

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or "_load" not in self.__dict__:
            raise AttributeError(name)
        real = self.__dict__.pop("_load")()
        self.__dict__.update(vars(real))
        return getattr(real, name)


def _identifiers(
    revision: str, downs: Sequence[str], labels: Sequence[str], depends: Sequence[str]
) -> dict[str, object]:
    return {
        "revision": revision,
        "down_revision": downs[0] if len(downs) == 1 else (tuple(downs) or None),
        "branch_labels": tuple(labels) or None,
        "depends_on": tuple(depends) or None,
    }


def _stand_in(path: Path, error: Exception) -> types.ModuleType | None:
    from migration_guard.graph.revision_file import RevisionFileError, read_revision_source

    try:
        identity = read_revision_source(path.read_bytes(), str(path), path.name)
    except (OSError, RevisionFileError):
        return None
    module = types.ModuleType(path.stem)
    module.__file__ = str(path)

    # Alembic names the step after the function ("-- Running upgrade a -> b")
    def upgrade(*args: object, **kwargs: object) -> None:
        raise error

    def downgrade(*args: object, **kwargs: object) -> None:
        raise error

    attributes = _identifiers(
        identity.revision, identity.down_revisions, identity.branch_labels, identity.depends_on
    )
    attributes.update(upgrade=upgrade, downgrade=downgrade)
    for name, value in attributes.items():
        setattr(module, name, value)
    return module
