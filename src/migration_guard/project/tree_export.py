"""The project as git holds it (the index, or a commit), written out to a scratch folder.

The hook and ``drift --staged`` judge the index, ``drift`` and ``check`` the committed tree;
neither may see the work tree (unstaged edits, untracked revision files). So the files under
the project folder are exported with ``git checkout-index`` (a commit through a temporary
index), and the project is opened there: its alembic.ini (``%(here)s`` then names the copy),
env.py, versions folders, models and whatever else they import from the project.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from migration_guard.config.pyproject import Config
from migration_guard.errors import ConfigError, InputError
from migration_guard.git.repo import fs_name, git, git_line, names, shown, top_level
from migration_guard.project.opened import Project

GITLINK_MODE = b"160000"
SYMLINK_MODE = b"120000"


@dataclass(frozen=True)
class ExportedTree:
    """A project opened on an exported tree, and where it maps back to."""

    project: Project
    """The project inside the export (config as the real one's, root and Alembic settings moved)."""
    real_root: Path
    what: str
    """``the index`` or ``commit ABC1234``: said in messages."""

    @property
    def root(self) -> Path:
        return self.project.root

    def real_path(self, path: str | Path) -> str:
        """A path inside the export as the user knows it: relative to the project root."""
        text = str(path)
        root = str(self.root)
        if text == root or text.startswith(root + os.sep):
            return Path(os.path.relpath(text, root)).as_posix()
        return text


def repository_top(root: Path) -> Path:
    return top_level(root)


@dataclass(frozen=True)
class _Entries:
    """What a tree holds that checkout-index does not write as plain files."""

    gitlinks: dict[str, str] = dataclasses.field(default_factory=dict)
    """Submodules: path from the repository top → the commit the tree records."""
    links: list[str] = dataclasses.field(default_factory=list)
    """Symbolic links (paths from the repository top), to check where they point."""


def export_project(
    project: Project | Config, destination: Path, *, commit: str | None = None
) -> ExportedTree:
    """Write the project folder as the index (``commit`` None) or ``commit`` holds it to
    ``destination`` (which must not exist) and open the project there.

    Both are read from git objects through a temporary index (the index is first written as a
    tree), so a sparse checkout's skipped files are exported like the others."""
    top = repository_top(project.root)
    real_root = project.root.resolve()
    folder = _inside(real_root, top)
    destination.mkdir(parents=True)
    what = "the index" if commit is None else f"commit {commit}"
    if commit is None:
        _refuse_conflicts(top, folder, real_root)
        treeish = git_line(top, "write-tree")
    else:
        treeish = commit
    tree = destination / "tree"
    tree.mkdir()
    entries = _export_tree(top, treeish, tree, folder, destination / ".migration-guard-index")
    exported_root = tree / folder if folder else tree
    exported_root.mkdir(parents=True, exist_ok=True)
    config = project if isinstance(project, Config) else project.config
    opened = _open_exported(config, exported_root, top, what, tree, entries)
    return ExportedTree(opened, real_root, what)


def export_index_folders(top: Path, folders: list[str], target: Path, scratch: Path) -> None:
    """Write ``folders`` (from the repository top) as the index holds them under ``target``:
    from git objects, as ``export_project`` does (conflicts named, links leaving the export
    removed, never followed)."""
    for folder in folders:
        _refuse_conflicts(top, folder, top)
    treeish = git_line(top, "write-tree")
    target.mkdir(parents=True, exist_ok=True)
    needed = [target / folder for folder in folders]
    for number, folder in enumerate(folders):
        entries = _export_tree(top, treeish, target, folder, scratch / f".index-{number}")
        _resolve_nested(top, target, _Entries(links=entries.links), needed, "the index", top)


def _refuse_conflicts(top: Path, folder: str, real_root: Path) -> None:
    """A path with merge stages (a conflict not yet resolved) is named, never silently left out."""
    for entry in names(
        git(top, "--literal-pathspecs", "ls-files", "-u", "-z", "--", folder or ".")
    ):
        name = fs_name(entry.partition(b"\t")[2])
        raise InputError(
            f"{shown(_from_root(top / name, real_root))}: conflicted in the index (a merge in "
            "progress): resolve it and `git add` it first"
        )


def _export_tree(
    repository: Path, treeish: str, target: Path, folder: str, index: Path
) -> _Entries:
    """Check ``folder`` of ``treeish`` out under ``target`` through the temporary index file
    ``index`` (never the repository's own index, never its sparse-checkout rules)."""
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    plain = ("-c", "core.sparseCheckout=false", "-c", "index.sparse=false")
    git(repository, *plain, "read-tree", treeish, env=env)
    listed = git(
        repository,
        *plain,
        "--literal-pathspecs",
        "ls-files",
        "-s",
        "-z",
        "--",
        folder or ".",
        env=env,
    )
    entries = _Entries()
    files = []
    for entry in names(listed):
        meta, _, name = entry.partition(b"\t")
        mode, object_id, _stage = meta.split()
        if mode == GITLINK_MODE:
            entries.gitlinks[fs_name(name)] = object_id.decode("ascii")
            continue
        if mode == SYMLINK_MODE:
            entries.links.append(fs_name(name))
        files.append(name)
    if files:
        git(
            repository,
            *plain,
            "checkout-index",
            "-z",
            "--stdin",
            f"--prefix={target}/",
            env=env,
            stdin=b"\0".join(files) + b"\0",
        )
    index.unlink(missing_ok=True)
    return entries


def _resolve_nested(
    top: Path, tree: Path, entries: _Entries, needed: list[Path], what: str, real_root: Path
) -> None:
    """Submodules a needed folder lies in (or holds) are exported from the commit the tree
    records; links that leave the export are removed, and refused when a needed folder is at,
    under or above one (the disk is never judged in git's place)."""
    for name, commit in sorted(entries.gitlinks.items()):
        if not any(_overlaps(tree / name, folder) for folder in needed):
            continue
        submodule = top / name
        if not _holds_commit(submodule, commit):
            raise InputError(
                f"{shown(_from_root(submodule, real_root))}: a git submodule whose commit "
                f"{commit[:12]} is not checked out here (its folder is needed to judge {what}): "
                "run `git submodule update --init`"
            )
        (tree / name).mkdir(parents=True, exist_ok=True)
        nested = _export_tree(
            submodule, commit, tree / name, "", tree.parent / ".migration-guard-submodule-index"
        )
        entries.links.extend(f"{name}/{link}" for link in nested.links)
        for inner in nested.gitlinks:
            if any(_overlaps(tree / name / inner, folder) for folder in needed):
                raise InputError(
                    f"{shown(_from_root(submodule / inner, real_root))}: a submodule inside "
                    f"a submodule: not followed, so {what} cannot be judged"
                )
    inside = os.path.realpath(tree)
    for name in entries.links:
        path = tree / name
        if not path.is_symlink():
            continue
        pointed = os.path.realpath(path)
        if pointed == inside or pointed.startswith(inside + os.sep):
            continue
        target = os.readlink(path)
        path.unlink()
        if any(_overlaps(path, folder) for folder in needed):
            raise InputError(
                f"{shown(_from_root(top / name, real_root))}: a symbolic link to {shown(target)} "
                f"in {what}, outside the repository: git holds only the link, so what it points "
                "at cannot be judged"
            )


def _holds_commit(submodule: Path, commit: str) -> bool:
    """``submodule`` is a checked-out submodule whose repository has ``commit``."""
    if not (submodule / ".git").exists():
        return False
    try:
        return top_level(submodule) == submodule.resolve() and bool(
            git(submodule, "cat-file", "-t", commit).strip() == b"commit"
        )
    except InputError:
        return False


def _overlaps(one: Path, other: Path) -> bool:
    first, second = os.path.abspath(one), os.path.abspath(other)
    return (
        first == second
        or first.startswith(second.rstrip(os.sep) + os.sep)
        or second.startswith(first.rstrip(os.sep) + os.sep)
    )


def _from_root(path: Path, real_root: Path) -> str:
    """``path`` (under the repository top) as the user knows it: from the project root."""
    try:
        return path.relative_to(real_root).as_posix()
    except ValueError:
        return str(path)


def _open_exported(
    project_config: Config, exported_root: Path, top: Path, what: str, tree: Path, entries: _Entries
) -> Project:
    from migration_guard.config.alembic_ini import read_alembic_settings

    config = dataclasses.replace(project_config, root=exported_root)
    real_root = project_config.root.resolve()
    real_ini = project_config.alembic_ini_path.resolve()
    try:
        relative_ini = real_ini.relative_to(real_root)
    except ValueError:
        raise ConfigError(
            f"{real_ini}: alembic.ini must be inside the project {project_config.root} to be checked "
            f"as {what} holds it"
        ) from None
    ini = exported_root / relative_ini
    if not ini.is_file():
        raise InputError(
            f"{relative_ini.as_posix()}: not in {what} (git add it, or commit it, first)"
        )
    settings = read_alembic_settings(ini)
    needed = [
        settings.script_location,
        *settings.version_locations,
        *(exported_root / folder for folder in project_config.models),
    ]
    _resolve_nested(top, tree, entries, needed, what, real_root)
    for location in (settings.script_location, *settings.version_locations):
        if not location.resolve().is_relative_to(exported_root.resolve()):
            raise ConfigError(
                f"{real_ini}: {location} is outside the project: only folders inside it can "
                f"be checked as {what} holds them (use %(here)s or a relative path)"
            )
    if not (settings.script_location / "env.py").is_file():
        script = settings.script_location.relative_to(exported_root).as_posix()
        raise InputError(f"{script}/env.py: not in {what} (git add it, or commit it, first)")
    for location in settings.version_locations:
        location.mkdir(parents=True, exist_ok=True)  # git keeps no empty folders
    return Project(config=config, alembic=settings)


def _inside(path: Path, top: Path) -> str:
    try:
        relative = path.relative_to(top).as_posix()
    except ValueError:
        raise ConfigError(f"{path}: not inside the git repository {top}") from None
    return "" if relative == "." else relative


def require_head(root: Path) -> None:
    """An input error when the repository has no commit yet (nothing committed to judge)."""
    top = repository_top(root)
    try:
        git(top, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    except InputError:
        raise InputError(
            f"{top}: no commit yet: commit first, or use --staged for the index"
        ) from None
