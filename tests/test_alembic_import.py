"""Children load Alembic without Mako's Pygments highlighting, and the user's code still gets
Pygments when it asks for it. Each case runs in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("pygments")  # installed with pytest; the hold-off matters only then

SCRIPT = """
import sys
from migration_guard.runners.alembic_import import import_alembic
import_alembic(["alembic.runtime.environment", "alembic.script"])
print("pygments" in sys.modules, "mako.ext.pygmentplugin" in sys.modules)
import pygments, mako.ext.pygmentplugin  # the user's code may import both afterwards
print(pygments.__name__, mako.ext.pygmentplugin.__name__)
"""


def test_alembic_loads_without_pygments_which_stays_importable() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["False False", "pygments mako.ext.pygmentplugin"]
