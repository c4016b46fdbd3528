"""Where ``new`` generates: a stand-in project tree, symlinks to the real one, with a few
folders made real copies.

``new --dry-run`` and the hook generate into an overlay so the user's tree is only ever written
once, when a finished revision file is moved in; the hook also swaps the models folders for their
staged content, so unstaged edits neither reach the migration nor get touched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import ConfigError
from migration_guard.project.opened import Project, open_project

_SKIP = {"__pycache__"}


@dataclass(frozen=True)
class Overlay:
    root: Path
    project: Project


def build_project_overlay(
    project: Project, destination: Path, replace: dict[Path, Path]
) -> Overlay:
    """The project mirrored with its own versions folder (and staged models when ``replace``)."""
    root = project.root.resolve()
    inside = [
        project.alembic.ini_path.resolve(),
        *(p.resolve() for p in project.alembic.version_locations),
    ]
    for path in inside:
        if root not in path.parents:
            raise ConfigError(f"{path}: must be inside the project {root} for `new`")
    build_overlay(
        root,
        destination,
        copy_dirs=[p for p in project.alembic.version_locations if p.is_dir()],
        copy_files=[project.alembic.ini_path],
        replace_dirs=replace,
    )
    return Overlay(destination, open_project(destination))


def build_overlay(
    root: Path,
    destination: Path,
    *,
    copy_dirs: Iterable[Path] = (),
    copy_files: Iterable[Path] = (),
    replace_dirs: Mapping[Path, Path] | None = None,
) -> Path:
    """Mirror ``root`` at ``destination`` (which must not exist) and return it.

    Every entry is a symlink to the real one, except: ``copy_dirs`` and ``copy_files`` are copied,
    each folder or file in ``replace_dirs`` gets the content of the one it maps to (an absent
    source means an empty folder, or no ``.py`` file), and the folders above those are real
    folders. A copied folder or file inside a replaced folder keeps its real content.
    """
    root = root.resolve()
    copies = {path.resolve() for path in copy_dirs}
    files = {path.resolve() for path in copy_files}
    replaced = {path.resolve(): source for path, source in (replace_dirs or {}).items()}
    chain: set[Path] = {root}
    for path in (*copies, *files, *replaced):
        chain.update(parent for parent in path.parents if parent == root or root in parent.parents)
    _materialize(root, destination, chain, copies, files, replaced)
    for path, source in replaced.items():
        target = destination / path.relative_to(root)
        if not target.exists():
            _copy_tree(source, target)
    # A copied folder or file inside a replaced one (the versions folder inside a models folder
    # `backend/app`) is the real one: revisions are never models, and the hook's stand-in tree
    # must see the revision it generated last time, staged or not.
    for path in (*copies, *files):
        if any(outer == path or outer in path.parents for outer in replaced):
            target = destination / path.relative_to(root)
            if path.is_dir():
                shutil.rmtree(target, ignore_errors=True)
                _copy_tree(path, target)
            elif path.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    for path in copies:
        (destination / path.relative_to(root)).mkdir(parents=True, exist_ok=True)
    return destination


def _materialize(
    source: Path,
    target: Path,
    chain: set[Path],
    copies: set[Path],
    files: set[Path],
    replaced: Mapping[Path, Path],
) -> None:
    target.mkdir()
    for entry in sorted(os.scandir(source), key=lambda item: item.name):
        path = Path(entry.path)
        destination = target / entry.name
        if path in replaced:
            _copy_tree(replaced[path], destination)
        elif path in copies:
            _copy_tree(path, destination)
        elif path in files:
            shutil.copy2(path, destination)
        elif path in chain and entry.is_dir(follow_symlinks=False):
            _materialize(path, destination, chain, copies, files, replaced)
        elif entry.name not in _SKIP:
            destination.symlink_to(path, target_is_directory=entry.is_dir())


def _copy_tree(source: Path, target: Path) -> None:
    """``source`` (a folder or a file: models may be one file) at ``target``; an absent folder
    is an empty one, an absent file (``models.py`` not in the index) stays absent."""
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(*_SKIP))
    elif source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    elif target.suffix != ".py":
        target.mkdir(parents=True, exist_ok=True)
