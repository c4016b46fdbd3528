"""Revision ids, file names, column names and SQL from the repository stay text in every channel."""

from __future__ import annotations

import json
import re
from pathlib import Path

from migration_guard.findings import Finding, Problem, Report
from migration_guard.report import render_summary
from migration_guard.report.sarif import to_sarif
from tests.projects import make_project, run_cli

HOSTILE_ID = "b2\n::add-mask::secret\n::error title=pwned::injected"
HOSTILE_COLUMN = (
    "<img src=x onerror=alert(1)>[click](https://evil.example/x)![i](https://e.vil/i.png)"
)


def hostile_project(root: Path) -> Path:
    make_project(root)
    versions = root / "migrations" / "versions"
    (versions / "a1.py").write_text('revision = "a1"\ndown_revision = None\n')
    # a missing parent and a revision id, both with newlines and workflow commands
    (versions / "b2.py").write_text(
        f"revision = {HOSTILE_ID!r}\ndown_revision = {'nope' + chr(10) + '::add-mask::x'!r}\n"
    )
    return root


def injected_commands(output: str) -> list[str]:
    """Lines GitHub's runner would take for a command we did not write (it ignores leading
    whitespace)."""
    ours = re.compile(r"::(error|warning) (file=[^,]*,)?(line=\d+,)?title=migration-guard%3A ")
    return [
        line
        for line in output.splitlines()
        if line.lstrip().startswith("::")
        and not ours.match(line)
        and not re.fullmatch(
            r"::(stop-commands::)?[0-9a-f]{32}::?|::stop-commands::[0-9a-f]{32}", line
        )
    ]


def test_text_and_github_reports_inject_no_workflow_command(tmp_path: Path) -> None:
    root = hostile_project(tmp_path)
    for fmt in ("text", "github"):
        result = run_cli(root, "--format", fmt, "heads")
        assert result.returncode == 1, result.stderr
        assert injected_commands(result.stdout) == [], fmt
        assert "secret" in result.stdout  # shown, escaped, not dropped


def test_text_report_keeps_each_problem_on_one_line(tmp_path: Path) -> None:
    root = hostile_project(tmp_path)
    result = run_cli(root, "heads")
    heads_line = result.stdout.splitlines()[0]
    assert heads_line.startswith("heads: ") and "\\n::add-mask::secret" in heads_line


def test_stderr_is_one_line_for_a_hostile_file_name(tmp_path: Path) -> None:
    make_project(tmp_path)
    versions = tmp_path / "migrations" / "versions"
    (versions / "x::add-mask::secret\x1b[2Jbroken.py").write_text("revision = (\n")
    result = run_cli(tmp_path, "--format", "json", "heads")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "\x1b" not in line and "\\x1b" in line
    json.loads(result.stdout)  # stdout stays parseable


def hostile_report() -> Report:
    finding = Finding(
        "not-null-without-default",
        "error",
        f"Column `{HOSTILE_COLUMN}` on {HOSTILE_COLUMN} is NOT NULL without a default.",
        revision=HOSTILE_ID,
        path="migrations/versions/b2.py",
        line=3,
        statement=f"ALTER TABLE t ADD COLUMN {HOSTILE_COLUMN} int NOT NULL",
    )
    problem = Problem(
        "missing-parent",
        f"{HOSTILE_ID} names <b>missing</b> parent [x](https://evil.example) www.evil.example",
        revisions=(HOSTILE_ID,),
        path="migrations/versions/b2.py",
    )
    return Report(
        "check",
        heads=(HOSTILE_ID,),
        problems=(problem,),
        findings=(finding,),
        revisions=(HOSTILE_ID,),
        sql=((HOSTILE_ID, f"SELECT 1;\n```\n</details><img src=x>\n-- {HOSTILE_COLUMN}\n"),),
    )


def test_summary_renders_no_html_links_or_images_from_the_repository() -> None:
    markdown = render_summary(hostile_report())
    prose = re.sub(r"(?ms)^(`{3,})sql\n.*?^\1$", "", markdown)  # SQL fences render literally
    prose = re.sub(r"`[^`\n]*`", "", prose)  # so do code spans
    assert "<img" not in prose and "<b>" not in prose
    assert "](https://" not in prose.replace("\\](", "")
    assert re.search(r"https?://|(?<![\w\u200b])www\.", prose) is None  # autolinks broken
    assert "\n::add-mask" not in markdown
    heads = next(line for line in markdown.splitlines() if line.startswith("**Heads:**"))
    assert "secret" in heads  # the whole id on its own line, escaped


def test_sarif_messages_carry_no_embedded_links() -> None:
    log = to_sarif(hostile_report())
    texts = [result["message"]["text"] for result in log["runs"][0]["results"]]  # type: ignore[index]
    for text in texts:
        assert re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", text) is None, text
