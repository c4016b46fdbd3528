"""The pre-commit entry and the workflow the README recommends, pinned to where we came from."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from migration_guard.adopt.install import Install

PLACEHOLDER_URL = "https://github.com/OWNER/migration-guard"
PLACEHOLDER_SHA = "SHA"
OUR_HOOK_IDS = ("gen-migration", "migration-lint", "migration-heads", "migration-heads-merge")
WORKFLOW_PATH = ".github/workflows/migration-guard.yml"

# The README's texts, with its placeholders (tests/test_init_command.py keeps them in step).
PRE_COMMIT_ENTRY = """\
  - repo: https://github.com/OWNER/migration-guard
    # a full commit id: no release tag exists yet (`pre-commit autoupdate --freeze` keeps SHAs)
    rev: SHA
    hooks:
      - id: gen-migration
"""
WORKFLOW = """\
on:
  pull_request:
  merge_group:
jobs:
  migrations:
    uses: OWNER/migration-guard/.github/workflows/migration-check.yml@SHA
    permissions: { contents: read, security-events: write, actions: read }
    with:
      package: "migration-guard @ git+https://github.com/OWNER/migration-guard@SHA"
"""
WORKFLOW_HEADER = (
    "# The pull-request check of Alembic migrations (written by `migration-guard init`).\n"
)
_GITHUB = re.compile(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?")
_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Source:
    """Where this migration-guard was installed from: a GitHub repository and a commit."""

    url: str
    owner_and_name: str
    commit: str

    @property
    def placeholder(self) -> bool:
        return self.commit == PLACEHOLDER_SHA


PLACEHOLDERS = Source(PLACEHOLDER_URL, "OWNER/migration-guard", PLACEHOLDER_SHA)


def install_source() -> Source:
    """The GitHub URL and commit pip recorded (``direct_url.json``) when this copy was installed
    from ``git+https://github.com/…@SHA``; otherwise the README's ``OWNER`` / ``SHA`` placeholders."""
    from importlib import metadata

    try:
        text = metadata.distribution("migration-guard").read_text("direct_url.json")
        recorded = json.loads(text) if text else {}
    except (metadata.PackageNotFoundError, ValueError, OSError):
        return PLACEHOLDERS
    return source_from_direct_url(recorded)


def source_from_direct_url(recorded: object) -> Source:
    """The GitHub repository and commit in a PEP 610 ``direct_url.json`` document."""
    if not isinstance(recorded, dict):
        return PLACEHOLDERS
    vcs = recorded.get("vcs_info")
    url = recorded.get("url")
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git" or not isinstance(url, str):
        return PLACEHOLDERS
    commit = vcs.get("commit_id")
    match = _GITHUB.fullmatch(url)
    if match is None or not isinstance(commit, str) or not _COMMIT.fullmatch(commit):
        return PLACEHOLDERS
    owner_and_name = f"{match.group(1)}/{match.group(2)}"
    return Source(f"https://github.com/{owner_and_name}", owner_and_name, commit)


def _pinned(text: str, source: Source) -> str:
    return (
        text.replace(PLACEHOLDER_URL, source.url)
        .replace("OWNER/migration-guard", source.owner_and_name)
        .replace("@SHA", f"@{source.commit}")
        .replace("rev: SHA", f"rev: {source.commit}")
    )


def pre_commit_entry(source: Source, project: str) -> str:
    """The ``- repo:`` item (indented two spaces) for ``.pre-commit-config.yaml``."""
    entry = _pinned(PRE_COMMIT_ENTRY, source)
    if project not in ("", "."):
        entry += f"        args: [--project, {json.dumps(project)}]\n"
    return entry


def pre_commit_config(source: Source, project: str) -> str:
    return "repos:\n" + pre_commit_entry(source, project)


def workflow(source: Source, project: str, install: Install | None = None) -> str:
    """The caller workflow; with ``install``, the inputs that install the application the way
    its lock or requirements file says, on the Python version it asks for."""
    text = WORKFLOW_HEADER + _pinned(WORKFLOW, source)
    if project not in ("", "."):
        text += f"      project: {json.dumps(project)}\n"
    if install is not None:
        if install.python:
            text += f"      python-version: {json.dumps(install.python)}\n"
        if install.kind != "none":
            text += f"      install: {install.kind}\n"
        if install.kind in ("uv", "poetry", "project") and install.directory != ".":
            text += f"      install-directory: {json.dumps(install.directory)}\n"
        if install.kind == "requirements":
            text += f"      requirements: {json.dumps(install.requirements)}\n"
    return text
