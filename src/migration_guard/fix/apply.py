"""Rewrite one revision file's flagged statements with their recipes; everything else kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from migration_guard.findings import Finding
from migration_guard.fix.calls import OpCall, op_call, preferred_quote
from migration_guard.fix.recipe import Body, Counterpart, FixSettings, Rewrite
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
    the others on that line stay unfixed and are reported as such. Recipes that rewrite
    several statements of ``upgrade()`` together go first; a statement is claimed once."""
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
        # multi-statement recipes, planned on entering upgrade(): by id of the original node
        self.replacing: dict[int, list[cst.BaseStatement]] = {}
        self.removing: set[int] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        if self.function() == "upgrade" and isinstance(node.body, cst.IndentedBlock):
            self._plan_body(tuple(node.body.body))

    def _plan_body(self, statements: tuple[cst.BaseStatement, ...]) -> None:
        """Let the recipes that rewrite several statements together claim theirs first."""
        positions = [self.get_metadata(PositionProvider, statement) for statement in statements]
        spans = tuple((position.start.line, position.end.line) for position in positions)
        lines = [start for start, _end in spans]
        index_of = {line: index for index, line in enumerate(lines)}
        claimed: set[int] = set()
        for line, findings in sorted(self.by_line.items()):
            if line not in index_of:
                continue
            for finding in findings:
                recipe = recipe_for(finding.rule)
                if recipe is None or recipe.rewrite_body is None:
                    continue
                body = Body(statements, spans, index_of[line], self.op, self.quote)
                planned = recipe.rewrite_body(body, _facts(finding.statement), finding.fix_context)
                if planned is None or claimed & set(planned.replaced):
                    continue
                claimed.update(planned.replaced)
                first, *rest = planned.replaced
                self.replacing[id(statements[first])] = planned.statements
                self.removing.update(id(statements[index]) for index in rest)
                # the findings of the statements it removes go with them
                for index in planned.replaced:
                    first_line, last_line = spans[index]
                    self.fixed.extend(
                        other
                        for at, on_line in sorted(self.by_line.items())
                        if first_line <= at <= last_line
                        for other in on_line
                        if other not in self.fixed
                    )
                break

    def on_leave(
        self, original_node: cst.CSTNodeT, updated_node: cst.CSTNodeT
    ) -> cst.CSTNodeT | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNodeT]:
        # the statements a multi-statement recipe claimed, simple or compound (a for loop)
        if id(original_node) in self.replacing:
            return cst.FlattenSentinel(self.replacing[id(original_node)])  # type: ignore[arg-type]
        if id(original_node) in self.removing:
            return cst.RemovalSentinel.REMOVE
        return super().on_leave(original_node, updated_node)

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
    if recipe is None or recipe.rewrite is None:
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
