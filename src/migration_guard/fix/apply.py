"""Rewrite one revision file's flagged statements with their recipes; everything else kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from migration_guard.findings import Finding
from migration_guard.fix.calls import OpCall, op_call, preferred_quote
from migration_guard.fix.recipe import Counterpart, FixSettings, Rewrite
from migration_guard.fix.registry import recipe_for
from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements


@dataclass
class FileFix:
    """The rewritten source, and which findings were fixed and which were not."""

    source: str
    fixed: list[Finding] = field(default_factory=list)
    unfixed: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def fix_source(
    source: str, findings: Sequence[Finding], settings: FixSettings | None = None
) -> FileFix:
    """``source`` with each finding that has a recipe fixed at its ``op.`` line.

    One statement gets one recipe (the first finding's on that line with a mechanical fix);
    the others on that line stay unfixed and are reported as such."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return FileFix(source, unfixed=list(findings))
    by_line: dict[int, list[Finding]] = {}
    for finding in findings:
        if finding.line is not None:
            by_line.setdefault(finding.line, []).append(finding)
    op, quote = _op_name(module), preferred_quote(module)
    upgrade = _Upgrade(op, quote, by_line, settings or FixSettings())
    module = MetadataWrapper(module).visit(upgrade)
    if upgrade.counterparts:
        module = module.visit(_Downgrade(op, quote, upgrade.counterparts))
    fixed = upgrade.fixed
    unfixed = [finding for finding in findings if finding not in fixed]
    return FileFix(module.code if fixed else source, fixed, unfixed)


class _InFunction(cst.CSTTransformer):
    """Knows which top-level function (``upgrade``/``downgrade``) a statement sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.functions: list[str] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.functions.pop()
        return updated_node

    def function(self) -> str | None:
        return self.functions[0] if len(self.functions) == 1 else None


class _Upgrade(_InFunction):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self, op: str, quote: str, by_line: dict[int, list[Finding]], settings: FixSettings
    ) -> None:
        super().__init__()
        self.op = op
        self.quote = quote
        self.settings = settings
        self.by_line = by_line
        self.fixed: list[Finding] = []
        self.counterparts: list[Counterpart] = []

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if self.function() != "upgrade":
            return updated_node
        line = self.get_metadata(PositionProvider, original_node).start.line
        found = op_call(updated_node, self.op, "upgrade", self.quote)
        if found is None:
            return updated_node
        for finding in self.by_line.get(line, ()):
            rewrite = _rewrite(found, finding, self.settings)
            if rewrite is not None:
                self.fixed.append(finding)
                self.counterparts.extend(rewrite.counterparts)
                return cst.FlattenSentinel(rewrite.statements)
        return updated_node


class _Downgrade(_InFunction):
    def __init__(self, op: str, quote: str, counterparts: list[Counterpart]) -> None:
        super().__init__()
        self.op = op
        self.quote = quote
        self.counterparts = counterparts

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if self.function() != "downgrade":
            return updated_node
        found = op_call(updated_node, self.op, "downgrade", self.quote)
        if found is None:
            return updated_node
        for counterpart in self.counterparts:
            statements = counterpart(found)
            if statements is not None:
                self.counterparts.remove(counterpart)  # one twin each
                return cst.FlattenSentinel(statements)
        return updated_node


def _rewrite(found: OpCall, finding: Finding, settings: FixSettings) -> Rewrite | None:
    recipe = recipe_for(finding.rule)
    if recipe is None:
        return None
    return recipe.rewrite(found, _facts(finding.statement), settings)


def _facts(sql: str) -> tuple[f.Fact, ...]:
    return tuple(fact for raw in split_statements(sql) for fact in read_statement(raw))


def _op_name(module: cst.Module) -> str:
    """The name ``from alembic import op`` gives Alembic's operations (``op`` unless aliased)."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.ImportFrom)
                and isinstance(small.module, cst.Name)
                and small.module.value == "alembic"
                and not isinstance(small.names, cst.ImportStar)
            ):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == "op":
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            return alias.asname.name.value
                        return "op"
    return "op"
