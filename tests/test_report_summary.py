"""The Markdown job summary: verdict, heads, findings table, SQL in collapsible blocks."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from migration_guard.findings import Finding, Report
from migration_guard.report import render_summary, write_outputs
from migration_guard.report.summary import MAX_SQL_CHARS
from tests.report_samples import EMPTY, REPORTS, SAMPLE, assert_snapshot


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_summary_snapshot(name: str) -> None:
    assert_snapshot(f"summary-{name}.md", render_summary(REPORTS[name]))


def split_row(row: str) -> list[str]:
    """Cells of a GFM table row: split on pipes not escaped with a backslash."""
    assert row.startswith("|") and row.endswith("|"), row
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row[1:-1])]


def table(markdown: str) -> list[list[str]]:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Severity"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(split_row(line))
    return rows


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.balanced = True
        self.details = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.stack.append(tag)
        self.details += tag == "details"

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


def outside_fences(markdown: str) -> str:
    """The Markdown with fenced code blocks removed (their content is not HTML)."""
    out, fence = [], ""
    for line in markdown.splitlines():
        opener = re.match(r"^(`{3,})", line)
        if fence:
            if line.strip() == fence:
                fence = ""
            continue
        if opener:
            fence = opener.group(1)
            continue
        out.append(line)
    assert not fence, "unclosed code fence"
    return "\n".join(out)


def test_headline_is_a_clear_verdict() -> None:
    assert render_summary(SAMPLE).splitlines()[0] == (
        "## ❌ migration-guard: 2 errors, 1 warning in 2 revisions"
    )
    assert render_summary(EMPTY).splitlines()[0] == "## ✅ migration-guard: no problems"
    warned = Report("lint", findings=(Finding("r", "warning", "m"),), revisions=("a",))
    assert render_summary(warned).startswith("## ✅ migration-guard: 1 warning in 1 revision")


def test_findings_table_has_one_row_per_finding_and_even_columns() -> None:
    rows = table(render_summary(SAMPLE))
    assert rows[0] == ["Severity", "Rule", "Location", "Revision", "Message"]
    assert set(rows[1]) == {"---"}
    assert len(rows) == 2 + len(SAMPLE.findings)
    assert all(len(row) == 5 for row in rows)
    assert rows[2][:3] == [
        "error",
        "`not-null-without-default`",
        "`backend/alembic/versions/a1b2c3d4e5f6_tenant.py:21`",
    ]
    # The message's pipe is escaped, so it stays in its cell.
    assert rows[3][4] == r"Index `ix_users_email` on `users` \| built without CONCURRENTLY."


def test_cells_escape_pipes_and_newlines() -> None:
    finding = Finding(
        "r", "error", "a | b\nc\r\nd", path="x|y.py", line=3, revision="rev|1", statement="s"
    )
    rows = table(render_summary(Report("lint", findings=(finding,))))
    assert len(rows) == 3
    assert rows[2] == ["error", "`r`", r"`x\|y.py:3`", r"`rev\|1`", r"a \| b<br>c<br>d"]


def test_each_revision_has_balanced_details_with_sql_fence() -> None:
    markdown = render_summary(SAMPLE)
    parser = _Tags()
    parser.feed(outside_fences(markdown))
    assert parser.balanced and not parser.stack
    assert parser.details == len(SAMPLE.revisions)
    for revision, sql in SAMPLE.sql:
        block = re.search(
            rf"<details>\n<summary><code>{revision}</code></summary>\n\n```sql\n(.*?)\n```\n\n</details>",
            markdown,
            re.S,
        )
        assert block, revision
        assert block.group(1) == sql.rstrip()


def test_sql_with_backtick_fences_cannot_break_out() -> None:
    sql = "SELECT 1;\n```\n</details>\n"
    markdown = render_summary(Report("lint", revisions=("r1",), sql=(("r1", sql),)))
    assert "````sql\n" in markdown
    parser = _Tags()
    parser.feed(outside_fences(markdown))
    assert parser.balanced and parser.details == 1


def test_revision_without_sql_is_still_listed() -> None:
    markdown = render_summary(Report("lint", revisions=("r1",)))
    assert "<summary><code>r1</code></summary>" in markdown
    assert "No SQL was rendered" in markdown
    assert "### Revisions" in markdown  # lint: not "new" revisions
    assert "### New revisions" in render_summary(SAMPLE)


def test_long_sql_is_truncated() -> None:
    sql = "SELECT 1;\n" * (MAX_SQL_CHARS // 5)
    markdown = render_summary(Report("lint", revisions=("r1",), sql=(("r1", sql),)))
    assert len(markdown) < MAX_SQL_CHARS + 1000
    assert "Truncated:" in markdown


def test_heads_and_problems_are_listed() -> None:
    markdown = render_summary(SAMPLE)
    assert "**Heads:** `a1b2c3d4e5f6`, `0f9e8d7c6b5a`" in markdown
    assert "- **multiple-heads** in `backend/alembic/versions/0f9e8d7c6b5a_add_tags.py:1`" in (
        markdown
    )


def test_write_outputs_appends_summary_and_writes_sarif(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    sarif = tmp_path / "out" / "guard.sarif"
    write_outputs(SAMPLE, summary_file=str(summary), sarif_file=str(sarif))
    write_outputs(EMPTY, summary_file=str(summary))
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## ❌")
    assert text.count("## ") >= 2 and "## ✅" in text
    assert '"version": "2.1.0"' in sarif.read_text(encoding="utf-8")
