"""Per-revision trace tables (terminal and Markdown) and the mermaid graph of new revisions."""

from __future__ import annotations

import re
from collections.abc import Iterable

from migration_guard.report.markdown import cell, markdown_code, markdown_text
from migration_guard.trace_results import ExecutedStatement, TraceEntry

SQL_WIDTH = 60
_SPACING = re.compile(r"[\t\n\r\x0b\x0c]")


def plain(text: str) -> str:
    """One line of terminal-safe text: line breaks and tabs become spaces, every other control
    a visible escape (:func:`~migration_guard.untrusted.terminal_line`)."""
    from migration_guard.untrusted import terminal_line

    return terminal_line(" ".join(_SPACING.sub(" ", text).split()))


def _locks(statement: ExecutedStatement) -> str:
    return ", ".join(f"{lock.mode} {lock.relation}" for lock in statement.locks) or "-"


def _notes(statement: ExecutedStatement) -> str:
    notes = [f"NOT VALID {name}" for name in statement.not_valid]
    notes += [f"validated {name}" for name in statement.validated]
    return ", ".join(notes)


def _rows(entry: TraceEntry) -> Iterable[tuple[str, str, str, str, str]]:
    for statement in entry.statements:
        sql = plain(statement.sql)
        if len(sql) > SQL_WIDTH:
            sql = sql[: SQL_WIDTH - 1] + "…"
        notes = _notes(statement)
        yield (
            str(statement.line),
            plain(_locks(statement)),
            plain(", ".join(statement.rewrites)) or "-",
            f"{statement.ms:.1f}",
            sql + (f"  [{plain(notes)}]" if notes else ""),
        )


def text_tables(entries: Iterable[TraceEntry]) -> list[str]:
    """Per revision: a heading with how upgrade and downgrade went, then one row per statement."""
    lines: list[str] = []
    for entry in entries:
        lines.append(
            f"trace {plain(entry.revision)} ({plain(entry.path)}): upgrade {entry.upgrade}, "
            f"downgrade {entry.downgrade}"
        )
        if entry.seeded_tables:
            lines.append("  seeded: " + plain(", ".join(entry.seeded_tables)))
        rows = [("line", "locks held", "rewrites", "ms", "statement"), *_rows(entry)]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [
                row[i].ljust(widths[i]) if i != 3 else row[i].rjust(widths[i]) for i in range(4)
            ]
            lines.append("  " + "  ".join([*cells, row[4]]).rstrip())
    return lines


def markdown_tables(entries: Iterable[TraceEntry]) -> list[str]:
    """The job summary's lock table: one per traced revision."""
    out: list[str] = []
    for entry in entries:
        out += [
            f"#### {markdown_code(entry.revision)}: upgrade {entry.upgrade}, "
            f"downgrade {entry.downgrade}",
            "",
        ]
        if entry.seeded_tables:
            out += ["Seeded: " + markdown_text(", ".join(entry.seeded_tables)), ""]
        out += [
            "| Line | Locks held | Rewrites | ms | Statement |",
            "| --- | --- | --- | --- | --- |",
        ]
        for line, locks, rewrites, ms, sql in _rows(entry):
            out.append(
                "| "
                + " | ".join(cell(markdown_text(part)) for part in (line, locks, rewrites, ms, sql))
                + " |"
            )
        out.append("")
    return out


def mermaid_graph(entries: Iterable[TraceEntry]) -> list[str]:
    """A mermaid flowchart of the traced revisions over their parents; ids never reach the
    diagram as syntax (each node is ``nN["escaped id"]``)."""
    entries = list(entries)
    if not entries:
        return []
    nodes: dict[str, str] = {}

    def node(revision: str) -> str:
        if revision not in nodes:
            nodes[revision] = f"n{len(nodes)}"
        return nodes[revision]

    lines = ["```mermaid", "flowchart BT"]
    for entry in entries:
        revision = entry.revision
        failed = entry.upgrade == "failed" or entry.downgrade in ("failed", "not-reversible")
        lines.append(
            f'  {node(revision)}["{_mermaid_text(revision)}"]' + (":::failed" if failed else "")
        )
        for parent in entry.parents:
            lines.append(f'  {node(parent)}["{_mermaid_text(parent)}"]')
            lines.append(f"  {nodes[revision]} --> {nodes[parent]}")
    lines += ["  classDef failed stroke:#d00,stroke-width:2px", "```", ""]
    return lines


def _mermaid_text(value: str) -> str:
    """Text inside a quoted mermaid label: quotes, brackets and markup as entity codes."""
    return "".join(ch if ch.isalnum() or ch in " _-.:/" else f"#{ord(ch)};" for ch in plain(value))
