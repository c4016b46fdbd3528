"""``fix [REV… | --base REF] [--diff] [--rule ID…]``: rewrite flagged revisions into the safe pattern.

The findings come from the same lint as ``lint`` (rendered offline); ``fix/`` rewrites each one
that has a recipe in its file and prints the unified diff. Only the named revision files are
ever written, each atomically and only when the result still parses; a file whose staged and
unstaged contents differ is refused (the rewrite could not say which of the two it fixes).
With no REV the revisions added since the config base are fixed: history already merged (and
applied) is never rewritten by default.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.commands.rebase import write_atomically
from migration_guard.errors import InputError
from migration_guard.findings import Finding, Report
from migration_guard.fix.apply import FileFix, fix_source
from migration_guard.fix.diffs import unified_diff
from migration_guard.fix.recipe import FixSettings
from migration_guard.fix.registry import fixable_rules
from migration_guard.lint.pipeline import lint_revisions, local_renderer, rule_infos
from migration_guard.lint.selection import select_revisions
from migration_guard.project.opened import open_project


@dataclass(frozen=True)
class FixedFile:
    path: str
    diff: str
    result: FileFix


def run(invocation: Invocation) -> int:
    arguments = invocation.arguments
    project = open_project(invocation.project, arguments.runner)
    if not arguments.revisions and not arguments.base:
        arguments.base = project.config.base
    wanted = set(arguments.rule or ())
    unknown = wanted - {info.id for info in rule_infos()}
    if unknown:
        raise InputError(f"no rule {sorted(unknown)[0]!r}; `migration-guard rules` lists them")
    with local_renderer(project, invocation.renderer) or nullcontext() as renderer:
        graph = project.graph()
        revisions = select_revisions(project, graph, arguments)
        result = lint_revisions(project, graph, revisions, renderer)
    findings = [f for f in result.findings if not wanted or f.rule in wanted]
    settings = FixSettings.from_config(project.config)
    files = fix_files(project.root, findings, settings, write=not arguments.diff)
    remaining = [finding for file in files for finding in file.result.unfixed]
    remaining += [finding for finding in findings if finding.path is None]
    if invocation.format == "json":
        _print_json(files, remaining, result.revisions)
    else:
        _print_text(invocation, files, remaining, result.revisions, dry_run=arguments.diff)
    return exit_codes.FINDINGS if remaining else exit_codes.OK


def fix_files(
    root: Path, findings: Sequence[Finding], settings: FixSettings, *, write: bool
) -> list[FixedFile]:
    """Fix each file ``findings`` point at; write the changed ones when ``write``."""
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.path is not None and finding.path != "-":
            by_path.setdefault(finding.path, []).append(finding)
    files: list[FixedFile] = []
    for relative, found in by_path.items():
        path = root / relative
        original = path.read_text(encoding="utf-8")
        fixed = fix_source(original, found, settings)
        diff = unified_diff(relative, original, fixed.source)
        if fixed.changed:
            _refuse_unparsable(relative, fixed.source)
            if write:
                refuse_split_staging(root, path)
                write_atomically(path, fixed.source.encode("utf-8"))
        files.append(FixedFile(relative, diff, fixed))
    return files


def refuse_split_staging(root: Path, path: Path) -> None:
    """A file whose index and work tree differ and whose index differs from HEAD holds two
    versions of the developer's work; rewriting the work tree would leave them to reconcile."""
    from migration_guard.git.repo import git

    try:
        status = git(
            path.parent, "--literal-pathspecs", "status", "--porcelain=v1", "-z", "--", path.name
        )
    except InputError:
        return  # not in a git work tree: nothing staged to protect
    entry = status.split(b"\0", 1)[0]
    if len(entry) >= 2 and entry[:1] not in b" ?" and entry[1:2] != b" ":
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        raise InputError(
            f"{shown}: has staged and unstaged edits; stage or stash one of them before "
            "`migration-guard fix` (or use --diff)"
        )


def _refuse_unparsable(relative: str, source: str) -> None:
    try:
        ast.parse(source)
    except SyntaxError as error:  # a recipe bug: never leave a half-written migration
        message = f"{relative}: the fixed file would not parse ({error.msg}); unchanged"
        raise InputError(message) from None


def _print_text(
    invocation: Invocation,
    files: list[FixedFile],
    remaining: list[Finding],
    revisions: Sequence[str],
    *,
    dry_run: bool,
) -> None:
    from migration_guard.report.text import render

    for file in files:
        sys.stdout.write(file.diff)
    fixed = sum(len(file.result.fixed) for file in files)
    changed = sum(1 for file in files if file.result.changed)
    verb = "would fix" if dry_run else "fixed"
    print(
        f"{verb} {fixed} finding(s) in {changed} file(s)"
        + (" (--diff: nothing written)" if dry_run else "")
    )
    if remaining:
        print(f"{len(remaining)} finding(s) have no mechanical fix:")
        report = Report(command="lint", findings=tuple(remaining), revisions=tuple(revisions))
        sys.stdout.write(render(report, color=invocation.color))


def _print_json(files: list[FixedFile], remaining: list[Finding], revisions: Sequence[str]) -> None:
    document = {
        "files": [{"path": file.path, "diff": file.diff} for file in files if file.result.changed],
        "fixed": [f.to_json() for file in files for f in file.result.fixed],
        "findings": [finding.to_json() for finding in remaining],
        "revisions": list(revisions),
        "fixable_rules": sorted(fixable_rules()),
    }
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
