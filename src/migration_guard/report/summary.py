"""The Markdown job summary for ``$GITHUB_STEP_SUMMARY``: verdict, heads, findings, SQL, trace.

Text from the repository reaches it only through :mod:`migration_guard.report.markdown`."""

from __future__ import annotations

import html

from migration_guard.errors import one_line
from migration_guard.findings import Report
from migration_guard.report._common import shows_heads, summary_line
from migration_guard.report.markdown import cell, fenced, markdown_code, markdown_text
from migration_guard.report.trace_table import markdown_tables, mermaid_graph

MAX_SQL_CHARS = 20_000
"""Per revision; GitHub refuses a step summary over 1 MiB."""
MAX_TOTAL_CHARS = 900_000


def _location(path: str | None, line: int | None) -> str:
    if not path:
        return ""
    return f"{path}:{line}" if line is not None else path


def render_summary(report: Report) -> str:
    """Markdown with a ✅/❌ headline; safe to append to ``$GITHUB_STEP_SUMMARY``."""
    mark = "❌" if report.failed else "✅"
    out = [f"## {mark} migration-guard: {summary_line(report)}", ""]

    if report.incomplete:
        out += ["### Not checked", ""]
        out += [f"- {markdown_text(' '.join(line.split()))}" for line in report.incomplete]
        out.append("")

    if shows_heads(report):
        heads = ", ".join(markdown_code(head) for head in report.heads) if report.heads else "none"
        out += [f"**Heads:** {heads}", ""]

    if report.problems:
        out += ["### Revision graph problems", ""]
        for problem in report.problems:
            where = _location(problem.path, problem.line)
            suffix = f" in {markdown_code(where)}" if where else ""
            out.append(
                f"- **{problem.code}**{suffix}: {markdown_text(' '.join(problem.message.split()))}"
            )
        out.append("")

    if report.findings:
        out += [
            "### Findings",
            "",
            "| Severity | Rule | Location | Revision | Message |",
            "| --- | --- | --- | --- | --- |",
        ]
        for finding in report.findings:
            where = _location(finding.path, finding.line)
            row = [
                cell(finding.severity),
                cell(markdown_code(finding.rule)),
                cell(markdown_code(where)) if where else "",
                cell(markdown_code(finding.revision)) if finding.revision else "",
                cell(markdown_text(finding.message)),
            ]
            out.append("| " + " | ".join(row) + " |")
        out.append("")

    if report.fixes:
        out += [
            "### Safe versions (`migration-guard fix` writes them)",
            "",
            *(
                f"<details>\n<summary><code>{html.escape(one_line(path))}</code></summary>\n\n"
                f"{fenced(diff[:MAX_SQL_CHARS], 'diff')}\n\n</details>\n"
                for path, diff in report.fixes
            ),
        ]

    if report.trace:
        out += ["### Trace", "", *mermaid_graph(report.trace), *markdown_tables(report.trace)]

    sql = dict(report.sql)
    revisions = list(report.revisions)
    revisions += [rev for rev, _ in report.sql if rev not in revisions]
    if revisions:
        out += ["### New revisions" if report.command == "check" else "### Revisions", ""]
        used = sum(len(row) + 1 for row in out)
        for revision in revisions:
            body = sql.get(revision, "")
            summary = f"<summary><code>{html.escape(one_line(revision))}</code></summary>"
            if not body.strip():
                block = "_No SQL was rendered for this revision._"
            else:
                note = ""
                if len(body) > MAX_SQL_CHARS:
                    note = f"\n\n_Truncated: {len(body) - MAX_SQL_CHARS} more characters._"
                    body = body[:MAX_SQL_CHARS]
                block = fenced(body, "sql") + note
            entry = f"<details>\n{summary}\n\n{block}\n\n</details>\n"
            if used + len(entry) > MAX_TOTAL_CHARS:
                out.append("_SQL of the remaining revisions left out: the summary is full._\n")
                break
            out.append(entry)
            used += len(entry)
    return "\n".join(out).rstrip("\n") + "\n"
