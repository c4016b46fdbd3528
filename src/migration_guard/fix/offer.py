"""What ``check`` says of fixable findings: the hint on each, and each file's safe version.

Nothing is written: the PR check only shows the diff ``migration-guard fix REV`` would make
(in the job summary) and says so on each fixable finding (annotations, log, SARIF).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from migration_guard.findings import Finding
from migration_guard.fix.apply import fix_source
from migration_guard.fix.diffs import unified_diff
from migration_guard.fix.recipe import FixSettings
from migration_guard.fix.registry import fixable_rules


def offer_fixes(
    root: Path, findings: Sequence[Finding], settings: FixSettings
) -> tuple[tuple[Finding, ...], tuple[tuple[str, str], ...]]:
    """``findings`` with the fix hint on those a recipe fixed, and (path, diff) per file."""
    fixable = fixable_rules()
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.rule in fixable and finding.path and finding.path != "-":
            by_path.setdefault(finding.path, []).append(finding)
    fixed: set[Finding] = set()
    diffs: list[tuple[str, str]] = []
    for relative, found in by_path.items():
        try:
            source = (root / relative).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        result = fix_source(source, found, settings)
        if not result.changed:
            continue
        fixed.update(result.fixed)
        diffs.append((relative, unified_diff(relative, source, result.source)))
    hinted = tuple(_hinted(finding) if finding in fixed else finding for finding in findings)
    return hinted, tuple(diffs)


def _hinted(finding: Finding) -> Finding:
    hint = (
        f"`migration-guard fix {finding.revision}`" if finding.revision else "`migration-guard fix`"
    )
    text = f"{finding.help} {hint} rewrites it into the safe pattern.".strip()
    return dataclasses.replace(finding, help=text)
