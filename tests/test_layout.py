"""The package's folders are the pipeline, and its imports flow one way.

Stages are the package's folders (and the few top-level modules every stage shares). A stage
imports only stages of its own layer or below: a reader of ``lint/`` never has to know about
``commands/``, and a flow never climbs back into the verbs that call it. Cycles are refused
between stages (any import) and between modules (imports run when a module is loaded).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "migration_guard"

# What may sit at the top of the package: the entry points and the vocabulary all stages share.
TOP_LEVEL = frozenset(
    {
        "__init__",
        "__main__",
        "cli",
        "cli_help",
        "errors",
        "exit_codes",
        "findings",
        "interrupts",
        "trace_results",
        "untrusted",
    }
)

# Lowest first. A stage may import its own layer and the layers before it.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {"__init__", "exit_codes", "untrusted", "errors", "findings", "interrupts", "trace_results"}
    ),
    frozenset({"config"}),
    frozenset({"git"}),
    frozenset({"sql", "graph", "readers"}),
    frozenset({"project", "rules"}),
    frozenset({"runners"}),
    frozenset({"render", "fix", "report", "adopt", "autogenerate"}),
    frozenset({"drift"}),
    frozenset({"lint"}),
    frozenset({"trace"}),
    frozenset({"new", "hook", "check"}),
    frozenset({"commands"}),
    frozenset({"cli", "cli_help", "__main__"}),
)

# Imports against the flow that are known and kept, each with its reason.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    (
        "migration_guard.lint.execution",
        "migration_guard.trace.pipeline",
    ): "a revision lint cannot render is judged from its execution, which is a trace",
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ["migration_guard", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _target(name: str) -> str:
    """The module an import of ``name`` loads last (``a.b.c`` may be ``a.b``'s attribute ``c``)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(module: str, *, load_time_only: bool) -> set[str]:
    tree = ast.parse(MODULES[module].read_text())
    nodes: list[ast.AST]
    if load_time_only:
        nodes = [
            node
            for node in tree.body
            if not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))
        ]
    else:
        nodes = list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {
        _target(name)
        for name in names
        if name.split(".")[0] == "migration_guard" and _target(name) != module
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_stage_has_a_layer() -> None:
    placed = set().union(*LAYERS)
    unplaced = sorted({_stage(module) for module in MODULES} - placed)
    assert unplaced == [], f"add these stages to LAYERS in {Path(__file__).name}: {unplaced}"


def test_imports_flow_one_way() -> None:
    layer = {stage: index for index, stages in enumerate(LAYERS) for stage in stages}
    upward = [
        f"{module} imports {imported}"
        for module in MODULES
        for imported in sorted(_imports(module, load_time_only=False))
        if (module, imported) not in ALLOWED_UPWARD
        and layer[_stage(imported)] > layer[_stage(module)]
    ]
    assert upward == []


def test_flows_never_import_the_commands() -> None:
    reaching = [
        f"{module} imports {imported}"
        for module in MODULES
        if _stage(module) not in {"commands", "cli", "__main__"}
        for imported in sorted(_imports(module, load_time_only=False))
        if _stage(imported) == "commands" and (module, imported) not in ALLOWED_UPWARD
    ]
    assert reaching == []


def test_no_cycle_between_stages() -> None:
    graph: dict[str, set[str]] = {_stage(module): set() for module in MODULES}
    for module in MODULES:
        for imported in _imports(module, load_time_only=False):
            if (module, imported) not in ALLOWED_UPWARD and _stage(imported) != _stage(module):
                graph[_stage(module)].add(_stage(imported))
    assert _cycles(graph) == []


def test_no_import_cycle_when_modules_load() -> None:
    graph = {module: _imports(module, load_time_only=True) for module in MODULES}
    assert _cycles(graph) == []


def test_the_flows_are_found_by_folder_name() -> None:
    for flow in ("lint", "drift", "trace", "hook", "new"):
        assert (PACKAGE / flow / "__init__.py").is_file(), flow
    stray = sorted(path.name for path in PACKAGE.glob("*.py") if path.stem not in TOP_LEVEL)
    assert stray == [], "a module at the top of the package belongs to a stage's folder"
