"""Finds the models behind env.py's ``target_metadata`` by reading source with ``ast``, never importing it."""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from migration_guard.config.flask_migrate import runs_in_flask_app
from migration_guard.errors import InputError
from migration_guard.runners.flask_app import app_root

_SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "tests", "test"}
_MAX_FILES = 5000


@dataclass(frozen=True)
class ModelsFound:
    """Where the mapped classes live, and the chain of reasoning that found them."""

    paths: tuple[Path, ...]
    reason: str


@dataclass(frozen=True)
class _Module:
    name: str
    path: Path
    search_root: Path

    @property
    def folder(self) -> Path:
        return self.path.parent


def parse_python(path: Path) -> ast.Module:
    """``path`` parsed; unreadable or invalid source is one input error naming file and line."""
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        where = f"{path}:{line}" if line else str(path)
        raise InputError(f"{where}: cannot parse: {getattr(error, 'msg', error)}") from None


def find_models(
    env_py: Path, search_roots: list[Path], skipped: set[Path], *, home: Path, shown_from: Path
) -> ModelsFound | None:
    """The folders (or files) holding the classes mapped on the ``Base`` whose metadata env.py
    assigns to ``target_metadata``; ``None`` when env.py names no metadata we can follow.

    A ``Base`` from outside the repository (``SQLModel``) is looked for in the classes under
    ``home``, the folder Alembic runs from."""
    tree = parse_python(env_py)
    sources = [source for value in _target_values(tree) for source in _metadata_sources(value)]
    bindings = _import_bindings(tree)
    paths: list[Path] = []
    reasons: list[str] = []

    def shown(path: Path) -> str:
        return Path(os.path.relpath(path, shown_from.resolve())).as_posix()

    for chain in sources:
        written = f"target_metadata = {'.'.join(chain)}.metadata"
        located = _locate(chain, bindings, search_roots)
        if located is None:
            if chain[0] not in bindings:
                continue  # defined in env.py itself: nothing to follow
            found = _mapped_files(home, chain[-1], skipped)
            paths += found
            if found:
                reasons.append(f"{written}, {bindings[chain[0]][0]} is not in the repository")
            continue
        module, symbol = located
        definer = _definer(module, symbol, search_roots, set())
        relative = definer.path.relative_to(definer.search_root).parts
        top = definer.search_root / relative[0]
        found = _mapped_files(top, symbol, skipped) if top.is_dir() else [definer.path]
        if not found:
            found = [definer.folder if definer.folder != definer.search_root else definer.path]
        paths += found
        reasons.append(f"{written}, {symbol} defined in {shown(definer.path)}")
    if not paths and runs_in_flask_app(env_py.parent):
        root = app_root(env_py.parent.resolve())
        paths += _mapped_files(root, "Model", skipped)
        if paths:
            reasons.append(
                "env.py is Flask-Migrate's (current_app's db.metadata): classes on db.Model "
                f"under {shown(root) if root != shown_from.resolve() else '.'}"
            )
    if not paths:
        return None
    return ModelsFound(paths=_outermost(paths), reason="; ".join(reasons))


def environment_names(env_py: Path) -> list[str]:
    """The environment variables env.py reads (``os.environ[...]``, ``.get``, ``os.getenv``)."""
    names: list[str] = []
    for node in ast.walk(parse_python(env_py)):
        key: ast.expr | None = None
        if isinstance(node, ast.Subscript) and _dotted(node.value)[-1:] == ["environ"]:
            key = node.slice
        elif isinstance(node, ast.Call) and node.args:
            called = _dotted(node.func)
            if called[-1:] == ["getenv"] or called[-2:] == ["environ", "get"]:
                key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value not in names:
            names.append(key.value)
    return names


def _target_values(tree: ast.Module) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in node.targets):
                yield node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and node.value is not None
            and isinstance(node.target, ast.Name)
            and node.target.id == "target_metadata"
        ):
            yield node.value
        elif isinstance(node, ast.keyword) and node.arg == "target_metadata":
            yield node.value  # context.configure(target_metadata=Base.metadata)


def _metadata_sources(value: ast.expr) -> Iterator[list[str]]:
    """``Base.metadata`` -> ``["Base"]``; ``models.Base.metadata`` -> ``["models", "Base"]``; a
    list or tuple of them; a bare imported ``metadata`` -> ``["metadata"]``."""
    if isinstance(value, (ast.List, ast.Tuple)):
        for item in value.elts:
            yield from _metadata_sources(item)
        return
    chain = _dotted(value)
    if chain[-1:] == ["metadata"] and len(chain) > 1:
        yield chain[:-1]
    elif chain:
        yield chain


def _dotted(node: ast.expr) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    return [node.id, *parts] if isinstance(node, ast.Name) else []


def _import_bindings(tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, imported name or None for the module itself)."""
    bindings: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bindings[alias.asname] = (alias.name, None)
                else:
                    top = alias.name.split(".")[0]
                    bindings[top] = (top, None)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                bindings[alias.asname or alias.name] = (node.module, alias.name)
    return bindings


def _locate(
    chain: list[str], bindings: dict[str, tuple[str, str | None]], roots: list[Path]
) -> tuple[_Module, str] | None:
    """The in-repository module that ``chain`` (e.g. ``models.Base``) takes its symbol from."""
    if chain[0] not in bindings:
        return None
    module, imported = bindings[chain[0]]
    full = [*module.split("."), *([imported] if imported else []), *chain[1:]]
    # The longest prefix that is a module file holds the symbol: `from app.models import Base`
    # and `from app import models` + `models.Base` both end at app/models(/__init__).py.
    for length in range(len(full) - 1, 0, -1):
        found = _resolve_module(".".join(full[:length]), roots)
        if found is not None:
            return found, full[length]
    return None


def _resolve_module(name: str, roots: list[Path]) -> _Module | None:
    parts = name.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        for candidate in (base / "__init__.py", base.with_name(base.name + ".py")):
            if candidate.is_file():
                return _Module(name=name, path=candidate, search_root=root)
    return None


def _definer(module: _Module, symbol: str, roots: list[Path], seen: set[Path]) -> _Module:
    """Follow re-exports (``from .base import Base``) to the module that defines ``symbol``."""
    if module.path in seen or len(seen) > 20:
        return module
    seen.add(module.path)
    try:
        tree = parse_python(module.path)
    except InputError:
        return module
    package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == symbol:
            return module
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == symbol for t in targets):
                return module
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom):
            continue
        source = _absolute(node, package)
        for alias in node.names:
            if (alias.asname or alias.name) == symbol or alias.name == "*":
                target = _resolve_module(source, roots) if source else None
                if target is not None:
                    name = symbol if alias.name == "*" else alias.name
                    return _definer(target, name, roots, seen)
    return module


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return ""
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _mapped_files(top: Path, symbol: str, skipped: set[Path]) -> list[Path]:
    """Files under ``top`` declaring mapped classes or tables; a file directly in ``top`` stands
    for itself, the others for their folder."""
    found: list[Path] = []
    for path in _python_files(top, skipped):
        try:
            tree = parse_python(path)
        except InputError:
            continue
        if any(_declares_table(node, symbol) for node in ast.walk(tree)):
            found.append(path if path.parent == top else path.parent)
    return found


def _declares_table(node: ast.AST, symbol: str) -> bool:
    if isinstance(node, ast.ClassDef):
        if any(_dotted(base)[-1:] == [symbol] for base in node.bases):
            return True
        for statement in node.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in targets):
                return True
    if isinstance(node, ast.Call) and len(node.args) >= 2:
        return _dotted(node.func)[-1:] == ["Table"]
    return False


def _python_files(top: Path, skipped: set[Path]) -> Iterator[Path]:
    count = 0
    for folder, subfolders, files in os.walk(top):
        here = Path(folder)
        subfolders[:] = sorted(
            name
            for name in subfolders
            if not name.startswith(".")
            and name not in _SKIPPED_FOLDERS
            and (here / name).resolve() not in skipped
            and not (here / name / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if name.endswith(".py"):
                count += 1
                if count > _MAX_FILES:
                    return
                yield here / name


def _outermost(paths: list[Path]) -> tuple[Path, ...]:
    """Distinct paths, dropping any inside another one."""
    unique = sorted(set(paths), key=lambda path: (len(path.parts), path.as_posix()))
    kept: list[Path] = []
    for path in unique:
        if not any(path.is_relative_to(other) for other in kept):
            kept.append(path)
    return tuple(sorted(kept))
