"""The trace pipeline: chosen revisions → run on a throwaway database → facts → findings."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migration_guard.findings import Finding
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.order import upgrade_order
from migration_guard.lint import ensure_renderable
from migration_guard.project import Project
from migration_guard.rules import get_rule
from migration_guard.rules.suppressions import Suppression, find_suppressions
from migration_guard.runners.trace import TraceOutcome, TraceRequest, seed_path

if TYPE_CHECKING:
    from migration_guard.rules.base import RuleSettings
    from migration_guard.rules.history import History

REWRITE_GUESSES = frozenset({"column-type-change", "volatile-default"})
"""Static rules that guess a rewrite; on a traced statement the observed fact replaces them."""
EXCLUSIVE = "AccessExclusiveLock"
MAX_DIFFERENCES_SHOWN = 3


@dataclass(frozen=True)
class TraceResult:
    findings: tuple[Finding, ...]
    revisions: tuple[str, ...]
    trace: tuple[dict[str, Any], ...]
    skipped: tuple[tuple[str, str], ...] = ()


def trace_revisions(
    project: Project,
    graph: RevisionGraph,
    revisions: list[str],
    *,
    seed: bool | str = False,
    say: Callable[[str], None] = print,
) -> TraceResult:
    """Trace ``revisions`` (in graph order) and turn what happened into findings."""
    ensure_renderable(graph)
    ordered = upgrade_order(graph, revisions)
    if not ordered:
        return TraceResult((), (), ())
    request = TraceRequest(
        revisions=tuple(ordered),
        parents=graph.ancestors_direct(ordered[0]),
        seed=seed_path(project.root, seed),
        timeout=project.config.trace_timeout,
    )
    if project.config.runner == "docker":
        from migration_guard.runners.trace import trace_compose

        outcome = trace_compose(project, request, say=say)
    else:
        from migration_guard.runners.trace import trace_local

        outcome = trace_local(
            project.alembic,
            request,
            project.config.database_url_env,
            say=say,
            postgres=project.config.postgres_choice,
        )
    return judge(project, graph, outcome)


def judge(project: Project, graph: RevisionGraph, outcome: TraceOutcome) -> TraceResult:
    """Findings and the contract's trace entries from the trace job's outcome."""
    from migration_guard.project_history import project_history
    from migration_guard.rules.engine import RuleSettings

    settings = RuleSettings.from_config(project.config)
    # the rules see the project as lint shows it to them; each traced revision adds its facts
    history = project_history(
        project.root,
        graph,
        [raw["revision"] for raw in outcome.revisions if "skipped" not in raw],
        settings,
    )
    findings: list[Finding] = []
    entries: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    for index, raw in enumerate(outcome.revisions):
        revision = raw["revision"]
        path = graph.revisions[revision].path
        if "skipped" in raw:
            skipped.append((revision, str(raw["skipped"])))
            continue
        source = (project.root / path).read_text(encoding="utf-8", errors="replace")
        found = _fact_findings(revision, path, source, raw)
        found += _lint_executed(revision, path, source, raw, settings, history)
        findings += _allowed(found, source, settings)
        entries.append(
            {
                "revision": revision,
                "path": path,
                "upgrade": raw["upgrade"],
                "downgrade": raw["downgrade"],
                "seeded_tables": list(outcome.seeded_tables) if index == 0 else [],
                "statements": [
                    {
                        "sql": s["sql"],
                        "path": path,
                        "line": s["line"],
                        "locks": s["locks"],
                        "rewrites": s["rewrites"],
                        "ms": s["ms"],
                    }
                    for s in raw.get("statements", [])
                ],
                "_facts": raw.get("statements", []),
                "_parents": list(graph.revisions[revision].down_revisions),
            }
        )
    traced = tuple(entry["revision"] for entry in entries)
    return TraceResult(tuple(findings), traced, tuple(entries), tuple(skipped))


def _finding(
    rule_id: str, message: str, revision: str, path: str, line: int | None, sql: str = ""
) -> Finding:
    rule = get_rule(rule_id)
    assert rule is not None
    return Finding(
        rule=rule_id,
        severity=rule.severity,
        message=message,
        revision=revision,
        path=path,
        line=line or 1,
        statement=sql,
        help=rule.help,
    )


def _fact_findings(revision: str, path: str, source: str, raw: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    statements: list[dict[str, Any]] = raw.get("statements", [])
    if raw["upgrade"] == "failed":
        out.append(
            _finding(
                "upgrade-failed",
                f"Upgrade of {revision} failed: {raw.get('error', '')}",
                revision,
                path,
                raw.get("line"),
                raw.get("sql", ""),
            )
        )
    elif raw["downgrade"] == "failed":
        out.append(
            _finding(
                "downgrade-failed",
                f"Downgrade of {revision} failed right after its upgrade: {raw.get('error', '')}",
                revision,
                path,
                raw.get("line"),
                raw.get("sql", ""),
            )
        )
    elif raw["downgrade"] == "not-reversible":
        differences = [f"left behind: {line}" for line in raw.get("left_behind", [])]
        differences += [f"not restored: {line}" for line in raw.get("missing", [])]
        shown = "; ".join(differences[:MAX_DIFFERENCES_SHOWN])
        more = len(differences) - MAX_DIFFERENCES_SHOWN
        if more > 0:
            shown += f"; and {more} more"
        out.append(
            _finding(
                "downgrade-not-reversible",
                f"Downgrade of {revision} does not restore the schema: {shown}",
                revision,
                path,
                _downgrade_line(source),
            )
        )
    for statement in statements:
        exclusive = {lock["relation"] for lock in statement["locks"] if lock["mode"] == EXCLUSIVE}
        for table in statement["rewrites"]:
            held = " under an AccessExclusiveLock" if table in exclusive else ""
            out.append(
                _finding(
                    "table-rewrite",
                    f"Table `{table}` was rewritten{held} (its relfilenode changed).",
                    revision,
                    path,
                    statement["line"],
                    statement["sql"],
                )
            )
    out += _locks_held_across(revision, path, statements)
    return out


def _locks_held_across(revision: str, path: str, statements: list[dict[str, Any]]) -> list[Finding]:
    """An AccessExclusiveLock taken by one op. call and still held while other calls run."""
    out: list[Finding] = []
    reported: set[str] = set()
    held_before: set[str] = set()
    for index, statement in enumerate(statements):
        if not statement.get("in_transaction", True):
            held_before = set()  # outside a transaction its locks ended with it (sampled)
            continue
        exclusive = {lock["relation"] for lock in statement["locks"] if lock["mode"] == EXCLUSIVE}
        for relation in sorted(exclusive - held_before - reported):
            later = []
            for following in statements[index + 1 :]:
                still = following.get("in_transaction", True) and any(
                    lock["relation"] == relation and lock["mode"] == EXCLUSIVE
                    for lock in following["locks"]
                )
                if not still:
                    break
                if following["line"] != statement["line"]:
                    later.append(following)
            if later:
                reported.add(relation)
                out.append(
                    _finding(
                        "access-exclusive-lock",
                        f"AccessExclusiveLock on `{relation}` is held while {len(later)} more "
                        f"statement(s) run (through line {later[-1]['line']}).",
                        revision,
                        path,
                        statement["line"],
                        statement["sql"],
                    )
                )
        held_before = exclusive
    return out


def _lint_executed(
    revision: str,
    path: str,
    source: str,
    raw: dict[str, Any],
    settings: RuleSettings,
    history: History,
) -> list[Finding]:
    """Every lint rule on the SQL the upgrade executed, BEGIN/COMMIT where transactions changed."""
    from migration_guard.rules.engine import MigrationSource, SourceStatement, lint_migration

    statements: list[dict[str, Any]] = raw.get("statements", [])
    if not statements:
        return []
    sources: list[SourceStatement] = []
    in_transaction = statements[0]["in_transaction"]
    for statement in statements:
        if statement["in_transaction"] != in_transaction:
            sources.append(
                SourceStatement("BEGIN;" if statement["in_transaction"] else "COMMIT;", None)
            )
            in_transaction = statement["in_transaction"]
        sources.append(SourceStatement(statement["sql"], statement["line"]))
    migration = MigrationSource(
        revision=revision,
        path=path,
        statements=tuple(sources),
        source_text=source,
        comment_style="python",
        starts_in_transaction=statements[0]["in_transaction"],
    )
    traced_lines = {s["line"] for s in statements}
    return [
        finding
        for finding in lint_migration(migration, settings, history)
        if not (finding.rule in REWRITE_GUESSES and finding.line in traced_lines)
    ]


def _allowed(findings: list[Finding], source: str, settings: Any) -> list[Finding]:
    """Trace findings minus suppressed and disabled ones, severities as configured."""
    from dataclasses import replace

    from migration_guard.rules.traced import TRACE_RULE_IDS

    suppressions = find_suppressions(source, "python")
    downgrade = _downgrade_span(source)
    kept = []
    for finding in findings:
        if finding.rule not in TRACE_RULE_IDS:
            kept.append(finding)
            continue
        if finding.rule in settings.disabled or _suppressed(finding, suppressions, downgrade):
            continue
        kept.append(replace(finding, severity=settings.severity_of(finding.rule, finding.severity)))
    return sorted(kept, key=lambda finding: finding.line or 1)


def _suppressed(
    finding: Finding, suppressions: list[Suppression], downgrade: tuple[int, int] | None
) -> bool:
    for suppression in suppressions:
        if suppression.covers(finding.rule, finding.line, finding.line):
            return True
        if (
            finding.rule == "downgrade-not-reversible"
            and downgrade is not None
            and finding.rule in suppression.rules
            and downgrade[0] - 1 <= suppression.line <= downgrade[1]
        ):
            return True
    return False


def _downgrade_span(source: str) -> tuple[int, int] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "downgrade":
            return node.lineno, node.end_lineno or node.lineno
    return None


def _downgrade_line(source: str) -> int:
    span = _downgrade_span(source)
    return span[0] if span else 1
