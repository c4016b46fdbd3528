"""Run the rules over migrations: SQL in, findings out (suppressions applied)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from migration_guard.findings import Finding
from migration_guard.lint.suppressions import Suppression, find_suppressions
from migration_guard.rules import ALL_RULES, RULE_IDS, get_rule
from migration_guard.rules.base import MigrationFacts, RuleSettings, StatementFacts, Violation
from migration_guard.rules.history import History
from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.split import is_alembic_bookkeeping, split_revisions
from migration_guard.sql.statements import RawStatement, split_statements
from migration_guard.trace_results import RevisionRun

__all__ = [
    "MigrationSource",
    "RuleSettings",
    "SourceStatement",
    "lint_migration",
    "lint_migrations",
    "migrations_from_sql_text",
]


@dataclass(frozen=True)
class SourceStatement:
    sql: str  # one or more SQL statements as emitted (one op.execute may hold several)
    line: int | None  # 1-based line in `path` that produced it (the op. call / SQL file line)


@dataclass(frozen=True)
class MigrationSource:
    """One migration's SQL and where it came from.

    ``starts_in_transaction``: whether a transaction is already open when the first
    statement runs (None: unknown; then only BEGIN/COMMIT among the statements count).
    ``lines``: the lines of ``source_text`` that belong to this migration, when several
    migrations share one SQL file; suppressions outside them (and outside the file header)
    are left to the other migrations. ``trace``: what PostgreSQL did when the revision ran
    (``trace``'s facts, for the rules judged from a trace); None in lint.
    """

    revision: str | None
    path: str  # project-relative POSIX path shown in findings ("-" for stdin)
    statements: tuple[SourceStatement, ...]
    source_text: str | None = None  # the revision .py file (or SQL file) for suppressions
    comment_style: Literal["python", "sql"] = "python"
    starts_in_transaction: bool | None = None
    lines: tuple[int, int] | None = None
    # The next migration of the same SQL file continues this one's transaction.
    ends_in_transaction: bool | None = None
    # Statements already split by migrations_from_sql_text, so the file is lexed once.
    presplit: tuple[RawStatement, ...] | None = field(default=None, compare=False, repr=False)
    trace: RevisionRun | None = None


def lint_migration(
    migration: MigrationSource, settings: RuleSettings, history: History | None = None
) -> list[Finding]:
    """Findings of one migration, ordered by line; its facts are added to ``history``."""
    return lint_migrations([migration], settings, history)


def lint_migrations(
    migrations: Sequence[MigrationSource],
    settings: RuleSettings,
    history: History | None = None,
) -> list[Finding]:
    """Findings of several migrations, in (upgrade) order; each sees the earlier ones' facts.

    Migrations cut from one SQL file share its header suppressions: such a suppression is
    reported unused only when it silenced nothing in any of them, and reported once.
    """
    findings: list[Finding] = []
    shared_warnings: dict[_SharedKey, Finding] = {}
    shared_used: set[_SharedKey] = set()
    history = history if history is not None else History()
    for migration in migrations:
        with _collector_paused():
            report = _lint_one(migration, settings, history)
        findings.extend(report.findings)
        for key, warning in report.shared_warnings.items():
            shared_warnings.setdefault(key, warning)
        shared_used |= report.shared_used
    findings.extend(warning for key, warning in shared_warnings.items() if key not in shared_used)
    return findings


def migrations_from_sql_text(text: str, path: str) -> list[MigrationSource]:
    """The migrations in a SQL file: one per ``-- Running upgrade`` block, else one."""
    migrations = []
    with _collector_paused():
        blocks = split_revisions(text)
    for number, block in enumerate(blocks):
        following = blocks[number + 1] if number + 1 < len(blocks) else None
        migrations.append(
            MigrationSource(
                revision=block.revision,
                path=path,
                statements=tuple(SourceStatement(raw.text, raw.line) for raw in block.statements),
                source_text=text,
                comment_style="sql",
                starts_in_transaction=block.starts_in_transaction,
                lines=(block.first_line, block.last_line),
                ends_in_transaction=following.starts_in_transaction if following else None,
                presplit=block.statements,
            )
        )
    return migrations


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tokens and facts pile up.

    They are tuples and frozen dataclasses without cycles, so the collector would only
    re-scan them (about 15% of lint time on a large file); it resumes as it was.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def statement_facts(migration: MigrationSource) -> tuple[StatementFacts, ...]:
    """The migration's statements read into facts, Alembic bookkeeping left out."""
    result: list[StatementFacts] = []
    in_transaction = migration.starts_in_transaction
    for raw, line, end_line in _raw_statements(migration):
        if is_alembic_bookkeeping(raw):
            continue
        facts = read_statement(raw)
        result.append(StatementFacts(len(result), raw.text, line, end_line, facts, in_transaction))
        for fact in facts:
            if isinstance(fact, f.Transaction):
                in_transaction = fact.action == "begin"
    return tuple(result)


def _raw_statements(
    migration: MigrationSource,
) -> Iterable[tuple[RawStatement, int | None, int | None]]:
    if migration.presplit is not None:
        for raw in migration.presplit:
            yield raw, raw.line, raw.end_line
        return
    for source in migration.statements:
        if migration.comment_style == "sql":
            for raw in split_statements(source.sql, source.line or 1):
                if source.line is None:
                    yield raw, None, None
                else:
                    yield raw, raw.line, raw.end_line
        else:
            # Every statement an op. call emits points at that call.
            for raw in split_statements(source.sql):
                yield raw, source.line, source.line


# (path, suppression line, rule id); the rule id is "" for a missing reason.
_SharedKey = tuple[str, int, str]


@dataclass
class _Report:
    findings: list[Finding]
    shared_warnings: dict[_SharedKey, Finding]
    shared_used: set[_SharedKey]


def _lint_one(migration: MigrationSource, settings: RuleSettings, history: History) -> _Report:
    facts = MigrationFacts(
        statement_facts(migration),
        settings,
        # A rendered revision runs inside the transaction Alembic opens and commits for it.
        ends_in_transaction=migration.comment_style == "python" or migration.ends_in_transaction,
        history=history,
        source_text=migration.source_text if migration.comment_style == "python" else None,
        trace=migration.trace,
    )
    violations: list[tuple[str, Violation]] = []
    for rule in ALL_RULES:
        if rule.produced_elsewhere or not settings.runs(rule):
            continue
        violations.extend((rule.id, violation) for violation in rule.check(facts))
    history.record(facts.statements)

    suppressions = _suppressions_in_scope(migration)
    used: set[tuple[int, str]] = set()
    report = _Report([], {}, set())
    for rule_id, violation in violations:
        statement = violation.statement
        silencing = [
            s for s in suppressions if s.covers(rule_id, statement.line, statement.end_line)
        ]
        if silencing:
            used.update((s.line, rule_id) for s in silencing)
        else:
            report.findings.append(_finding(migration, settings, rule_id, violation))

    for suppression in suppressions:
        for rule_id, warning in _suppression_warnings(migration, settings, suppression, used):
            if suppression.file_level:
                report.shared_warnings[(migration.path, suppression.line, rule_id)] = warning
            else:
                report.findings.append(warning)
        if suppression.file_level:
            report.shared_used.update(
                (migration.path, line, rule_id)
                for line, rule_id in used
                if line == suppression.line
            )
    report.findings.sort(key=lambda finding: finding.line or 1)
    return report


def _suppressions_in_scope(migration: MigrationSource) -> list[Suppression]:
    found = find_suppressions(migration.source_text, migration.comment_style)
    if migration.lines is None:
        return found
    first, last = migration.lines
    return [s for s in found if s.file_level or first <= s.line <= last]


def _finding(
    migration: MigrationSource, settings: RuleSettings, rule_id: str, violation: Violation
) -> Finding:
    rule = get_rule(rule_id)
    assert rule is not None
    return Finding(
        rule=rule_id,
        severity=settings.severity_of(rule_id, rule.severity),
        message=violation.message,
        revision=migration.revision,
        path=migration.path,
        line=violation.statement.line or 1,
        statement=violation.statement.sql,
        help=violation.help or rule.help,
        fix_context=violation.fix_context,
    )


def _unused_message(rule_id: str) -> str:
    if rule_id not in RULE_IDS:
        return f"Suppression names unknown rule `{rule_id}`."
    return f"Suppression of `{rule_id}` silences nothing here."


def _suppression_warnings(
    migration: MigrationSource,
    settings: RuleSettings,
    suppression: Suppression,
    used: set[tuple[int, str]],
) -> list[tuple[str, Finding]]:
    """(suppressed rule id or "" for the missing reason, warning) pairs."""
    warnings: list[tuple[str, Finding]] = []

    def add(key: str, rule_id: str, message: str) -> None:
        rule = get_rule(rule_id)
        if rule is None or not settings.runs(rule):
            return
        finding = Finding(
            rule=rule_id,
            severity=settings.severity_of(rule_id, rule.severity),
            message=message,
            revision=migration.revision,
            path=migration.path,
            line=suppression.line,
            statement="",
            help=rule.help,
        )
        warnings.append((key, finding))

    if not suppression.reason:
        names = ", ".join(f"`{rule_id}`" for rule_id in suppression.rules) or "nothing"
        add("", "suppression-without-reason", f"Suppression of {names} gives no reason.")
    for rule_id in suppression.rules:
        suppressed = get_rule(rule_id)
        if (suppression.line, rule_id) in used or (
            suppressed is not None and not settings.runs(suppressed)
        ):
            continue
        if suppressed is not None and suppressed.traced:  # lint cannot tell; trace never did
            continue
        add(rule_id, "unused-suppression", _unused_message(rule_id))
    return warnings
