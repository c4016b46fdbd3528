"""The Markdown job summary for ``$GITHUB_STEP_SUMMARY``: verdict, heads, findings, SQL.

Also the one home of Markdown escaping (GitHub renders the summary with cmark-gfm): text from
the repository goes through :func:`markdown_text` (prose), :func:`markdown_code` (a code span)
or a fenced block, never into Markdown as it is."""

from __future__ import annotations

import html
import re

from migration_guard.errors import one_line
from migration_guard.findings import Report
from migration_guard.report._common import shows_heads, summary_line

MAX_SQL_CHARS = 20_000
"""Per revision; GitHub refuses a step summary over 1 MiB."""
MAX_TOTAL_CHARS = 900_000


def cell(value: str) -> str:
    """A table cell: ``|`` escaped, line breaks as ``<br>``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value.replace("|", "\\|").replace("\n", "<br>")


_BACKTICKS = re.compile(r"`+")
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def markdown_text(value: str) -> str:
    """Text from the repository as inert Markdown: no raw HTML, no links, images, autolinks or
    emphasis, one line whatever it holds (line breaks shown as ``<br>``). The names our messages
    quote in backticks stay code spans, each fenced afresh by :func:`markdown_code` (their
    insides render literally); everything else has its punctuation backslash-escaped, so a
    backtick or backslash inside a name can shift what looks quoted, never what is markup."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(_markdown_line(one_line(line)) for line in lines)


def _markdown_line(value: str) -> str:
    out: list[str] = []
    position = 0
    runs = list(_BACKTICKS.finditer(value))
    index = 0
    while index < len(runs):
        opener = runs[index]
        closer = next(
            (run for run in runs[index + 1 :] if len(run.group()) == len(opener.group())), None
        )
        if closer is None:
            index += 1
            continue
        out.append(_inert(value[position : opener.start()]))
        out.append(_code(value[opener.end() : closer.start()]))
        position = closer.end()
        index = runs.index(closer) + 1
    out.append(_inert(value[position:]))
    return "".join(out)


_PUNCTUATION = re.compile(r"([\\`*_\[\]!<>&~(){}#^])")
"""The punctuation that can start inline Markdown or HTML (``|`` is :func:`cell`'s); the text
is always one line inside our own block, so what only starts a block (``-``, ``1.``) cannot."""


def _inert(text: str) -> str:
    # a zero-width space keeps GFM's extended autolinks (http://, www., e-mail) from forming
    text = _AUTOLINK.sub(lambda match: "\u200b" + match.group(), text)
    return _PUNCTUATION.sub(r"\\\1", text)


def markdown_code(value: str) -> str:
    """``value`` as one inline code span (its content renders literally)."""
    return _code(value)


def _code(value: str) -> str:
    """An inline code span that survives any backticks in ``value``."""
    value = one_line(value)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _fenced(body: str, info: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body.rstrip()}\n{fence}"


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
        heads = ", ".join(_code(head) for head in report.heads) if report.heads else "none"
        out += [f"**Heads:** {heads}", ""]

    if report.problems:
        out += ["### Revision graph problems", ""]
        for problem in report.problems:
            where = _location(problem.path, problem.line)
            suffix = f" in {_code(where)}" if where else ""
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
                cell(_code(finding.rule)),
                cell(_code(where)) if where else "",
                cell(_code(finding.revision)) if finding.revision else "",
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
                f"{_fenced(diff[:MAX_SQL_CHARS], 'diff')}\n\n</details>\n"
                for path, diff in report.fixes
            ),
        ]

    if report.trace:
        from migration_guard.report.trace_table import markdown_tables, mermaid_graph

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
                block = _fenced(body, "sql") + note
            entry = f"<details>\n{summary}\n\n{block}\n\n</details>\n"
            if used + len(entry) > MAX_TOTAL_CHARS:
                out.append("_SQL of the remaining revisions left out: the summary is full._\n")
                break
            out.append(entry)
            used += len(entry)
    return "\n".join(out).rstrip("\n") + "\n"
