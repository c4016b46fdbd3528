"""The SARIF 2.1.0 reporter, for GitHub code scanning (``github/codeql-action/upload-sarif``).

GitHub rejects a whole upload when one result has no location, so every result carries one:
its own file and line, else the project's alembic.ini (``Report.config_path``) at line 1. A
stage that could not run is a tool execution notification, and the run is then marked not
successful."""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import quote

from migration_guard import REPOSITORY_URL, __version__
from migration_guard.findings import Finding, Problem, Report, RuleInfo
from migration_guard.report._common import PROBLEM_SUMMARIES

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = REPOSITORY_URL
SRCROOT = "%SRCROOT%"


def _rule(rule: RuleInfo) -> dict[str, object]:
    help_text = rule.help.strip() or rule.summary
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": help_text},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": rule.severity},
    }


def _rules(report: Report) -> list[RuleInfo]:
    """The report's rules, plus an entry for any rule id or problem code they lack."""
    rules = list(report.rules)
    known = {rule.id for rule in rules}
    for problem in report.problems:
        if problem.code not in known:
            summary = PROBLEM_SUMMARIES.get(problem.code, problem.code)
            rules.append(RuleInfo(problem.code, "error", summary, problem.help))
            known.add(problem.code)
    for finding in report.findings:
        if finding.rule not in known:
            rules.append(RuleInfo(finding.rule, finding.severity, finding.rule, finding.help))
            known.add(finding.rule)
    return rules


FALLBACK_PATH = "pyproject.toml"


def _locations(path: str | None, line: int | None, fallback: str | None) -> list[dict[str, object]]:
    if not path or path == "-":
        path, line = fallback or FALLBACK_PATH, 1
    artifact: dict[str, object]
    if PurePosixPath(path).is_absolute():
        # Outside the project (e.g. ``lint --sql /tmp/x.sql``): an absolute file URI.
        artifact = {"uri": PurePosixPath(path).as_uri()}
    elif PureWindowsPath(path).is_absolute():
        artifact = {"uri": PureWindowsPath(path).as_uri()}
    else:
        artifact = {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}
    physical: dict[str, object] = {
        "artifactLocation": artifact,
        "region": {"startLine": line if line is not None and line >= 1 else 1},
    }
    return [{"physicalLocation": physical}]


def _plain_message(text: str) -> str:
    """SARIF plain-text messages turn ``[text](id)`` into links; brackets from the repository
    are escaped as the SARIF spec says (``\\[``, ``\\]``) so they stay text."""
    return re.sub(r"(\\*)([\[\]])", lambda m: m.group(1) * 2 + "\\" + m.group(2), text)


def _result(
    rule_id: str,
    index: dict[str, int],
    level: str,
    message: str,
    path: str | None,
    line: int | None,
    fallback: str | None,
) -> dict[str, object]:
    return {
        "ruleId": rule_id,
        "ruleIndex": index[rule_id],
        "level": level,
        "message": {"text": _plain_message(message)},
        "locations": _locations(path, line, fallback),
    }


def _finding(finding: Finding, index: dict[str, int], fallback: str | None) -> dict[str, object]:
    result = _result(
        finding.rule, index, finding.severity, finding.message, finding.path, finding.line, fallback
    )
    if finding.judged_from is not None:
        result["properties"] = {"judgedFrom": finding.judged_from}
    return result


def _problem(problem: Problem, index: dict[str, int], fallback: str | None) -> dict[str, object]:
    return _result(
        problem.code, index, "error", problem.message, problem.path, problem.line, fallback
    )


def to_sarif(report: Report) -> dict[str, object]:
    """The SARIF log as a JSON-ready dict: one run, its rules, one result per problem/finding."""
    rules = _rules(report)
    index = {rule.id: position for position, rule in enumerate(rules)}
    fallback = report.config_path
    results = [_problem(problem, index, fallback) for problem in report.problems]
    results.extend(_finding(finding, index, fallback) for finding in report.findings)
    driver: dict[str, object] = {
        "name": "migration-guard",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(rule) for rule in rules],
    }
    run: dict[str, object] = {"tool": {"driver": driver}, "results": results}
    if report.incomplete:
        run["invocations"] = [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": _plain_message(line)}}
                    for line in report.incomplete
                ],
            }
        ]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    from migration_guard.untrusted import json_document

    return json_document(to_sarif(report))
