"""An env.py whose ``target_metadata`` holds no table while the migrations built some.

Autogenerate then sees every table as removed from the models and writes a revision dropping
them all (seen on a real app whose env.py imports its declarative base but never the modules
that define the tables). That is never the developer's intent: the children that autogenerate
(``new``, the hook) and compare (``drift``) refuse it with one line saying what to import, an
input error (exit 2), instead of generating or reporting the drops.
"""

from __future__ import annotations

from typing import Any

INPUT_ERROR = "input_error"
"""The result key a child uses for a problem of the project (the parent raises InputError)."""


class ModelsNotImported(Exception):
    pass


def refuse_empty_metadata(context: Any, diffs: list[Any]) -> None:
    """Raise :class:`ModelsNotImported` when ``target_metadata`` has no table and ``diffs``
    (autogenerate's) drop tables the migrations built."""
    metadata = context.opts.get("target_metadata")
    collections = metadata if isinstance(metadata, (list, tuple)) else [metadata]
    tables = sum(len(getattr(each, "tables", ())) for each in collections if each is not None)
    dropped = [diff for diff in diffs if isinstance(diff, tuple) and diff[:1] == ("remove_table",)]
    if tables or not dropped:
        return
    raise ModelsNotImported(
        f"env.py's target_metadata holds no table, so autogenerate would drop all "
        f"{len(dropped)} tables the migrations built: env.py does not import the models. Import "
        "the modules that define the table classes in env.py (for example `import app.models`) "
        "before target_metadata is set"
    )
