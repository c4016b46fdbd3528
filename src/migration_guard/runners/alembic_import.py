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
