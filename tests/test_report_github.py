"""The GitHub Actions reporter: escaping as ``@actions/core`` does, annotations, a readable log."""

from __future__ import annotations

import re

import pytest

from migration_guard.findings import Finding, Problem, Report
from migration_guard.report import github, render_report
from tests.report_samples import EMPTY, REPORTS, SAMPLE, assert_snapshot


def _unescape_data(value: str) -> str:
    # The runner's order (ActionCommand.cs): %0D, %0A, then %25 last.
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(value: str) -> str:
    value = value.replace("%0D", "\r").replace("%0A", "\n")
    return value.replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Parse ``::name k=v,k=v::message`` the way the Actions runner does."""
    assert line.startswith("::")
    head, _, message = line[2:].partition("::")
    name, _, props = head.partition(" ")
    properties: dict[str, str] = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = _unescape_property(value)
    return name, properties, _unescape_data(message)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_github_snapshot(name: str) -> None:
    assert_snapshot(f"github-{name}.txt", github.render(REPORTS[name], token="TOKEN"))


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("100%", "100%25", "100%25"),
        ("a\rb", "a%0Db", "a%0Db"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a:b", "a:b", "a%3Ab"),
        ("a,b", "a,b", "a%2Cb"),
        ("%0A", "%250A", "%250A"),
        ("x: 1,\r\n%", "x: 1,%0D%0A%25", "x%3A 1%2C%0D%0A%25"),
    ],
)
def test_escaping_matches_the_toolkit(raw: str, data: str, prop: str) -> None:
    assert github.escape_data(raw) == data
    assert github.escape_property(raw) == prop


def test_hostile_values_round_trip_through_the_runner_parser() -> None:
    finding = Finding(
        rule="audit-log-delete",
        severity="error",
        message="DELETE on `audit_log` :: 100% bad,\r\nreally",
        path="back,end/odd:name %41.py",
        line=7,
        statement="DELETE FROM audit_log\nWHERE id = 1",
    )
    lines = render_report(Report("lint", findings=(finding,)), "github", color=False).splitlines()
    name, properties, message = parse_command(lines[0])
    assert name == "error"
    assert properties == {
        "file": "back,end/odd:name %41.py",
        "line": "7",
        "title": "migration-guard: audit-log-delete",
    }
    assert message == (
        "DELETE on `audit_log` :: 100% bad,\r\nreally\n\nDELETE FROM audit_log\nWHERE id = 1"
    )
    assert "\r" not in lines[0]


def test_every_problem_and_finding_becomes_one_annotation() -> None:
    lines = github.render(SAMPLE, token="T").splitlines()
    annotations = [parse_command(line) for line in lines if re.match(r"::(error|warning) ", line)]
    assert [(name, props.get("title")) for name, props, _ in annotations] == [
        ("error", "migration-guard: multiple-heads"),
        ("error", "migration-guard: not-null-without-default"),
        ("warning", "migration-guard: index-not-concurrent"),
    ]
    assert annotations[1][1]["file"] == "backend/alembic/versions/a1b2c3d4e5f6_tenant.py"
    assert annotations[1][1]["line"] == "21"


def test_problem_without_path_has_no_file_property() -> None:
    report = Report("heads", problems=(Problem("cycle", "a -> b -> a", ("a", "b")),))
    name, properties, message = parse_command(github.render(report, token="T").splitlines()[0])
    assert (name, properties, message) == (
        "error",
        {"title": "migration-guard: cycle"},
        "a -> b -> a",
    )


def test_stdin_finding_has_no_file_property() -> None:
    report = Report("lint", findings=(Finding("r", "warning", "m", path="-", line=3),))
    _, properties, _ = parse_command(github.render(report, token="T").splitlines()[0])
    assert "file" not in properties
    assert "line" not in properties


def test_readable_log_is_fenced_off_from_command_processing() -> None:
    # SQL from the pull request must not be able to issue workflow commands.
    hostile = Finding("r", "error", "m", path="x.py", line=1, statement="::add-mask::secret")
    out = render_report(Report("lint", findings=(hostile,)), "github", color=False)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert lines[-1] == f"::{token}::"
    inside = lines[start + 1 : -1]
    assert any(line.strip() == "::add-mask::secret" for line in inside)
    # Before the fence only our own annotation, the hostile text inside its escaped message.
    assert [parse_command(line)[0] for line in lines[:start]] == ["error"]
    assert parse_command(lines[0])[2] == "m\n\n::add-mask::secret"
    assert inside[-1] == "1 error"


def test_tokens_differ_between_runs() -> None:
    first = render_report(EMPTY, "github", color=False)
    second = render_report(EMPTY, "github", color=False)
    assert first != second
