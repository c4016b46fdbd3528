"""Writes ``[tool.migration-guard]`` into pyproject.toml, keeping every other byte of the file."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration_guard.adopt.layout import Setting
from migration_guard.errors import ConfigError, InputError, one_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_HEADER = re.compile(r"""^[ \t]*\[\[?[ \t]*(?P<name>[^\]\n]*?)[ \t]*\]\]?[ \t]*(?:#.*)?$""")
_OURS = re.compile(
    r"""^tool[ \t]*\.[ \t]*(?:migration-guard|"migration-guard"|'migration-guard')(?:$|[ \t]*\.)"""
)


@dataclass(frozen=True)
class FileChange:
    """What init does to one file: ``created``, ``appended``, ``replaced``, ``merged``,
    ``written`` or ``unchanged``, and the file's new text."""

    path: Path
    action: str
    text: str


def render_table(settings: list[Setting]) -> str:
    lines = ["[tool.migration-guard]"]
    if not settings:
        lines.append("# written by `migration-guard init`: everything it detected is the default")
    else:
        lines.append("# written by `migration-guard init`: only what differs from the defaults")
    for setting in settings:
        lines.append(f"# {one_line(setting.comment)}")
        lines.append(f"{setting.key} = {_toml_value(setting.value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    # JSON's ASCII-only strings are valid TOML basic strings (control characters are escaped)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(json.dumps(item) for item in value) + "]"
    return json.dumps(value)


def plan_pyproject(path: Path, settings: list[Setting], *, force: bool) -> FileChange:
    """The change to ``path``; an existing, different table without ``force`` is refused."""
    table = render_table(settings)
    wanted = {setting.key: _plain(setting.value) for setting in settings}
    if not path.exists():
        return FileChange(path, "created", table)
    old = _read(path)
    document = _parse(old, path)
    tool = document.get("tool", {})
    existing = tool.get("migration-guard") if isinstance(tool, dict) else None
    newline = "\r\n" if "\r\n" in old else "\n"
    table = table.replace("\n", newline)
    if existing is None:
        if not old.strip() or old.endswith(newline * 2):
            separator = ""
        else:
            separator = newline if old.endswith(newline) else newline * 2
        new = old + separator + table
        _verify(new, document, wanted, path, "add")
        return FileChange(path, "appended", new)
    if existing == wanted:
        return FileChange(path, "unchanged", old)
    if not force:
        raise InputError(
            f"{path}: [tool.migration-guard] already exists and differs from what init detected;"
            " run `migration-guard init --force` to replace it"
        )
    new = _replaced(old, table, path)
    _verify(new, document, wanted, path, "replace")
    return FileChange(path, "replaced", new)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _read(path: Path) -> str:
    from migration_guard.config.bounded_read import read_text

    return read_text(path, "pyproject.toml", ConfigError)


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return document


def _replaced(old: str, table: str, path: Path) -> str:
    """``old`` with our table and its sub-tables cut out and ``table`` where the first one was."""
    lines = old.splitlines(keepends=True)
    kept: list[str] = []
    inside = False
    insert_at: int | None = None
    for line in lines:
        header = _HEADER.match(line.rstrip("\r\n"))
        if header:
            inside = bool(_OURS.match(header.group("name")))
            if inside and insert_at is None:
                insert_at = len(kept)
        if not inside:
            kept.append(line)
    if insert_at is None:
        raise ConfigError(
            f"{path}: [tool.migration-guard] is not written as a table header; "
            "replace it by hand or remove it and run init again"
        )
    before = kept[:insert_at]
    if before and not before[-1].endswith("\n"):
        before[-1] += "\n"
    after = kept[insert_at:]
    block = table + ("\n" if after else "")
    return "".join(before) + block + "".join(after)


def _verify(new: str, old: dict[str, Any], wanted: dict[str, Any], path: Path, verb: str) -> None:
    """The new text must hold exactly ``wanted`` as our table and the rest of ``old`` unchanged."""
    try:
        document = tomllib.loads(new)
    except tomllib.TOMLDecodeError as error:
        document = {"": str(error)}
    tool = document.get("tool")
    ours = tool.pop("migration-guard", None) if isinstance(tool, dict) else None
    if isinstance(tool, dict) and not tool:
        document.pop("tool")
    expected = {key: value for key, value in old.items()}
    old_tool = expected.get("tool")
    if isinstance(old_tool, dict):
        rest = {key: value for key, value in old_tool.items() if key != "migration-guard"}
        if rest:
            expected["tool"] = rest
        else:
            expected.pop("tool")
    if ours != wanted or document != expected:
        raise ConfigError(
            f"{path}: cannot {verb} [tool.migration-guard] without changing the rest of the file "
            "(is [tool] an inline table?); add it by hand (`migration-guard init` prints it)"
        )
