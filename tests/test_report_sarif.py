"""The SARIF reporter: valid SARIF 2.1.0 (OASIS schema in tests/schemas), rules, results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from migration_guard import __version__
from migration_guard.findings import Finding, Problem, Report
from migration_guard.report import render_report
from tests.report_samples import REPORTS, SAMPLE, assert_snapshot

SCHEMA_PATH = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def sarif(report: Report) -> Any:
    return json.loads(render_report(report, "sarif", color=False))


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_sarif_snapshot(name: str) -> None:
    assert_snapshot(f"sarif-{name}.sarif", render_report(REPORTS[name], "sarif", color=False))


ODD = Report(
    "check",
    problems=(Problem("cycle", "a -> b -> a", ("a", "b")),),
    findings=(
        Finding("render-failed", "warning", "env.py has no offline mode", revision="c"),
        Finding("r", "error", "from stdin", path="-", line=4),
        Finding("r", "error", "odd path", path="db/my versions/ä#1.py", line=None),
        Finding("r", "warning", "outside", path="/tmp/my x.sql", line=2),
        Finding("r", "warning", "windows", path="C:\\work\\x.sql", line=2),
    ),
)


@pytest.mark.parametrize("report", [*REPORTS.values(), ODD], ids=[*REPORTS, "odd"])
def test_sarif_validates_against_the_2_1_0_schema(
    report: Report, validator: jsonschema.Draft4Validator
) -> None:
    errors = sorted(validator.iter_errors(sarif(report)), key=str)
    assert not errors, "\n".join(error.message for error in errors)


def test_schema_rejects_a_broken_log(validator: jsonschema.Draft4Validator) -> None:
    # The validator is not vacuous: a result level SARIF does not know fails.
    document = sarif(SAMPLE)
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(document)


def test_tool_driver() -> None:
    driver = sarif(SAMPLE)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "migration-guard"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")


def test_rules_carry_summary_help_and_level() -> None:
    rules = {rule["id"]: rule for rule in sarif(SAMPLE)["runs"][0]["tool"]["driver"]["rules"]}
    rule = rules["not-null-without-default"]
    assert rule["shortDescription"]["text"].startswith("A NOT NULL column")
    assert rule["help"]["text"] == "Add the column nullable, backfill it, then set NOT NULL."
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rules["index-not-concurrent"]["defaultConfiguration"]["level"] == "warning"
    # Graph problems are results too, so their codes are rules.
    assert rules["multiple-heads"]["defaultConfiguration"]["level"] == "error"


def test_results_point_at_file_and_line() -> None:
    run = sarif(SAMPLE)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    assert set(by_rule) == {"multiple-heads", "not-null-without-default", "index-not-concurrent"}
    result = by_rule["not-null-without-default"]
    assert result["level"] == "error"
    assert rules[result["ruleIndex"]]["id"] == "not-null-without-default"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {
        "uri": "backend/alembic/versions/a1b2c3d4e5f6_tenant.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"] == {"startLine": 21}


def test_a_result_without_a_file_is_located_at_the_reports_alembic_ini() -> None:
    report = Report(
        "check",
        problems=(Problem("multiple-heads", "2 heads", ("a", "b")),),
        config_path="backend/alembic.ini",
    )
    (result,) = sarif(report)["runs"][0]["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert (physical["artifactLocation"]["uri"], physical["region"]["startLine"]) == (
        "backend/alembic.ini",
        1,
    )


def test_a_stage_that_could_not_run_marks_the_run_unsuccessful(
    validator: jsonschema.Draft4Validator,
) -> None:
    report = Report("check", incomplete=("the drift check could not run: no PostgreSQL",))
    document = sarif(report)
    assert not list(validator.iter_errors(document))
    (invocation,) = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == "the drift check could not run: no PostgreSQL"


def test_unknown_rules_and_locations_degrade_gracefully() -> None:
    run = sarif(ODD)["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids == ["cycle", "render-failed", "r"]
    results = run["results"]
    # GitHub rejects a whole upload over one result without a location: with no file of its
    # own (the cycle, render-failed without a path, stdin) a result is at the project's
    # configuration, line 1
    for result in results[:3]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "pyproject.toml", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": 1}
    odd = results[3]["locations"][0]["physicalLocation"]
    assert odd["artifactLocation"]["uri"] == "db/my%20versions/%C3%A4%231.py"
    assert odd["region"] == {"startLine": 1}
    outside = results[4]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert outside == {"uri": "file:///tmp/my%20x.sql"}
    windows = results[5]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert windows == {"uri": "file:///C:/work/x.sql"}
