"""Adds our entry to a ``.pre-commit-config.yaml`` as text, so the user's entries and comments stay."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from migration_guard.adopt.pyproject_table import FileChange
from migration_guard.adopt.snippets import OUR_HOOK_IDS
from migration_guard.config.bounded_read import load_yaml, read_text
from migration_guard.errors import ConfigError

_REPOS = re.compile(r"^repos[ \t]*:[ \t]*(?:#.*)?$")


def plan_pre_commit(path: Path, config: str, entry: str) -> FileChange:
    """``config`` for a new file; for an existing one, ``entry`` appended to its ``repos:`` list
    (nothing when one of our hooks is already configured)."""
    if not path.exists():
        return FileChange(path, "written", config)
    old = read_text(path, ".pre-commit-config.yaml", ConfigError)
    document = _load(old, path)
    if document is not None and not isinstance(document, dict):
        raise ConfigError(f"{path}: not a pre-commit config (the top level is not a mapping)")
    repos = (document or {}).get("repos")
    if repos is not None and not isinstance(repos, list):
        raise ConfigError(f"{path}: `repos` is not a list")
    if any(_is_ours(repo) for repo in repos or []):
        return FileChange(path, "unchanged", old)
    newline = "\r\n" if "\r\n" in old else "\n"
    if not isinstance(document, dict) or "repos" not in document:
        start = "" if not old or old.endswith("\n") else newline
        new = old + start + config.replace("\n", newline)
    else:
        new = _inserted(old, entry, newline, path)
    merged = _load(new, path)
    expected = [*(repos or []), *(yaml.safe_load("repos:\n" + entry)["repos"])]
    rest_before = {key: value for key, value in (document or {}).items() if key != "repos"}
    rest_after = {key: value for key, value in (merged or {}).items() if key != "repos"}
    if not isinstance(merged, dict) or merged.get("repos") != expected or rest_before != rest_after:
        raise ConfigError(
            f"{path}: cannot add migration-guard's entry to `repos:` as text (a flow-style list?);"
            " add it by hand (`migration-guard init` prints it)"
        )
    return FileChange(path, "merged", new)


def _load(text: str, path: Path) -> Any:
    try:
        return load_yaml(text, path, ConfigError)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(
            f"{where}: cannot parse: {getattr(error, 'problem', None) or error}"
        ) from None


def _is_ours(repo: object) -> bool:
    if not isinstance(repo, dict):
        return False
    for hook in repo.get("hooks") or []:
        if not isinstance(hook, dict):
            continue
        if hook.get("id") in OUR_HOOK_IDS and "migration-guard" in str(repo.get("repo", "")):
            return True
        if "migration-guard" in str(hook.get("entry", "")) or "migration_guard" in str(
            hook.get("entry", "")
        ):
            return True
    return False


def _inserted(old: str, entry: str, newline: str, path: Path) -> str:
    """``entry`` after the last item of the block-style ``repos:`` list, at its items' indent."""
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _REPOS.match(line.rstrip("\r\n"))), None)
    if start is None:
        raise ConfigError(f"{path}: `repos:` is not a block list; add the entry by hand")
    last_item_line = start
    indent: str | None = None
    for number in range(start + 1, len(lines)):
        text = lines[number].rstrip("\r\n")
        stripped = text.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if text == stripped and not text.startswith("- ") and text != "-":
            break  # the next top-level key (or a document marker)
        if text.startswith(("---", "...")):
            break
        if indent is None and stripped.startswith("-"):
            indent = text[: len(text) - len(stripped)]
        last_item_line = number
    if indent is None:
        indent = "  "
    items = "".join(
        indent + line[2:] + newline if line.startswith("  ") else line + newline
        for line in entry.splitlines()
    )
    before = lines[: last_item_line + 1]
    if before and not before[-1].endswith("\n"):
        before[-1] += newline
    return "".join(before) + items + "".join(lines[last_item_line + 1 :])
