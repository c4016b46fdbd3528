"""``rules [RULE]``: list the rules, or print one rule's documentation."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.errors import InputError
from migration_guard.findings import RuleInfo
from migration_guard.lint.pipeline import rule_infos


def run(invocation: Invocation) -> int:
    infos = rule_infos()
    wanted = invocation.arguments.rule
    if wanted:
        matches = [info for info in infos if info.id == wanted]
        if not matches:
            raise InputError(f"no rule {wanted!r}; `migration-guard rules` lists them")
        info = matches[0]
        if invocation.format == "sarif":
            return _sarif(matches)
        fix = _fix_doc(info.id)
        if invocation.format == "json":
            document = {
                "id": info.id,
                "severity": info.severity,
                "summary": info.summary,
                "default": _default(info),
                "doc": info.help,
                "fix": fix,
            }
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
        else:
            sys.stdout.write(
                f"{info.id} ({info.severity}, {_default_words(info)}): {info.summary}\n\n"
                f"{info.help}\n"
            )
            sys.stdout.write(
                f"\nFix: `migration-guard fix` rewrites it.\n\n{fix}\n"
                if fix
                else "\nFix: none mechanical; `migration-guard fix` lists it with this advice.\n"
            )
        return exit_codes.OK
    if invocation.format == "sarif":
        return _sarif(infos)
    if invocation.format == "json":
        rules = [
            {
                "id": info.id,
                "severity": info.severity,
                "summary": info.summary,
                "default": _default(info),
            }
            for info in infos
        ]
        sys.stdout.write(json.dumps({"rules": rules}, indent=2) + "\n")
        return exit_codes.OK
    width = max(len(info.id) for info in infos)
    for info in infos:
        sys.stdout.write(
            f"{info.id:<{width}}  {info.severity:<7}  {_default(info):<6}  {info.summary}\n"
        )
    opt_in = sum(1 for info in infos if not info.default_on)
    sys.stdout.write(
        f"\n{len(infos)} rules, {opt_in} opt-in: switch those on with "
        "`enable = [ids]` in [tool.migration-guard].\n"
    )
    return exit_codes.OK


def _sarif(infos: Sequence[RuleInfo]) -> int:
    """The rules as a SARIF run's ``tool.driver.rules``, with no results."""
    from migration_guard.findings import Report
    from migration_guard.report import render_report

    sys.stdout.write(
        render_report(Report(command="rules", rules=tuple(infos)), "sarif", color=False)
    )
    return exit_codes.OK


def _fix_doc(rule: str) -> str | None:
    """The documentation of the recipe that fixes ``rule`` (its before and after), if any."""
    import inspect

    from migration_guard.fix.registry import recipe_for

    recipe = recipe_for(rule)
    return inspect.cleandoc(recipe.doc) if recipe is not None else None


def _default(info: RuleInfo) -> str:
    return "on" if info.default_on else "opt-in"


def _default_words(info: RuleInfo) -> str:
    return "on by default" if info.default_on else "opt-in"
