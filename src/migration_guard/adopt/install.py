"""How CI installs the application, so the render can import env.py and the models.

The check imports the project's env.py and models in CI; the workflow init writes must therefore
install the application the way its developers do. Read from the files, never by running a tool:
``uv.lock`` → ``uv sync``, ``poetry.lock`` (or a ``[tool.poetry]`` table) → ``poetry install``,
``requirements.txt`` → ``pip install -r``, a ``[project]`` with dependencies → ``pip install DIR``;
the Python version from ``.python-version``, else ``requires-python`` (or Poetry's ``python``).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# migration-guard itself needs 3.10; a project allowing older versions is checked on this one.
OLDEST = (3, 10)
DEFAULT_PYTHON = "3.12"
_VERSION = re.compile(r"(?:>=|~=|===?|\^|~|>)?\s*(\d+)\.(\d+)(?:\.\d+)*")


@dataclass(frozen=True)
class Install:
    """What the workflow runs before the check; paths are relative to the repository root."""

    kind: str  # "uv", "poetry", "requirements", "project" or "none"
    directory: str  # the folder the install runs in ("." = the repository root)
    requirements: str  # the requirements file (kind "requirements"), else ""
    python: str  # the version for actions/setup-python, "" = the workflow's default
    reason: str  # what was found, for init's report
    python_reason: str

    @property
    def command(self) -> str:
        """The install as a developer would type it, for init's report."""
        where = "" if self.directory == "." else f" (in {self.directory})"
        return {
            "uv": f"uv sync{where}",
            "poetry": f"poetry install{where}",
            "requirements": f"pip install -r {self.requirements}",
            "project": f"pip install {self.directory}",
            "none": "nothing (only migration-guard)",
        }[self.kind]

    def summary(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "directory": self.directory,
            "requirements": self.requirements,
            "python": self.python,
            "reason": self.reason,
            "python_reason": self.python_reason,
        }


def detect_install(ini_folder: Path, top: Path) -> Install:
    """The install of the first folder, from alembic.ini's up to the repository root ``top``,
    holding a lock file, a requirements file or a pyproject.toml with dependencies."""
    top = top.resolve()
    folders = _upwards(ini_folder.resolve(), top)
    for folder in folders:
        found = _install_in(folder, top)
        if found is not None:
            kind, requirements, reason, pyproject = found
            python, python_reason = _python_version(folder, top, pyproject)
            return Install(
                kind,
                _relative(folder, top),
                requirements,
                python,
                reason,
                python_reason,
            )
    python, python_reason = _python_version(folders[0], top, None)
    return Install(
        "none",
        ".",
        "",
        python,
        "no uv.lock, poetry.lock, requirements.txt or pyproject.toml dependencies found",
        python_reason,
    )


def _upwards(folder: Path, top: Path) -> list[Path]:
    if not folder.is_relative_to(top):
        return [folder]
    chain = [folder]
    while chain[-1] != top:
        chain.append(chain[-1].parent)
    return chain


def _relative(path: Path, top: Path) -> str:
    return Path(os.path.relpath(path, top)).as_posix()


def _read_pyproject(folder: Path) -> dict[str, Any] | None:
    """The folder's pyproject.toml, read within bounded_read's limits (a device, a FIFO or an
    oversized file is refused in one line); None when there is none or it is not TOML."""
    from migration_guard.config.bounded_read import read_text
    from migration_guard.errors import ConfigError

    path = folder / "pyproject.toml"
    if not os.path.lexists(path):
        return None
    try:
        document: dict[str, Any] = tomllib.loads(read_text(path, "pyproject.toml", ConfigError))
    except tomllib.TOMLDecodeError:
        return None
    return document


def _install_in(folder: Path, top: Path) -> tuple[str, str, str, dict[str, Any] | None] | None:
    pyproject = _read_pyproject(folder)
    shown = _relative(folder, top)
    where = "" if shown == "." else f"{shown}/"
    if (folder / "uv.lock").is_file():
        return "uv", "", f"found {where}uv.lock", pyproject
    tool = (pyproject or {}).get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if (folder / "poetry.lock").is_file():
        return "poetry", "", f"found {where}poetry.lock", pyproject
    for name in ("requirements.txt", "requirements/base.txt", "requirements/prod.txt"):
        if (folder / name).is_file():
            return "requirements", f"{where}{name}", f"found {where}{name}", pyproject
    if isinstance(poetry, dict) and poetry.get("dependencies"):
        return (
            "poetry",
            "",
            f"found {where}pyproject.toml's [tool.poetry] (no lock file)",
            pyproject,
        )
    project = (pyproject or {}).get("project")
    if isinstance(project, dict) and project.get("dependencies"):
        return "project", "", f"found {where}pyproject.toml's [project] dependencies", pyproject
    return None


def _python_version(folder: Path, top: Path, pyproject: dict[str, Any] | None) -> tuple[str, str]:
    from migration_guard.config.bounded_read import read_text
    from migration_guard.errors import ConfigError

    for candidate in _upwards(folder, top):
        pinned = candidate / ".python-version"
        if pinned.is_file():
            try:
                first = read_text(pinned, ".python-version", ConfigError).split()
            except ConfigError:
                continue  # not a readable small text file: not a pin
            match = _VERSION.match(first[0]) if first else None
            if match:
                shown = _relative(pinned, top)
                return _at_least_oldest(match, f"{shown} says {first[0]}")
    pyproject = pyproject if pyproject is not None else _read_pyproject(folder)
    project = (pyproject or {}).get("project")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    label = "requires-python"
    if not isinstance(requires, str):
        tool = (pyproject or {}).get("tool")
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
        requires = dependencies.get("python") if isinstance(dependencies, dict) else None
        label = "[tool.poetry.dependencies] python"
    if isinstance(requires, str):
        # the lower bound: upper bounds and exclusions (<, <=, !=) say nothing of it
        for specifier in re.split(r"[,|]", requires):
            match = _VERSION.fullmatch(specifier.strip().rstrip(".*").strip())
            if match:
                return _at_least_oldest(match, f"{label} = {requires!r}")
    return "", f"nothing pins it: the workflow's default, {DEFAULT_PYTHON}"


def _at_least_oldest(match: re.Match[str], reason: str) -> tuple[str, str]:
    version = (int(match.group(1)), int(match.group(2)))
    if version < OLDEST:
        return "3.10", f"{reason}; migration-guard needs 3.10"
    return f"{version[0]}.{version[1]}", reason
