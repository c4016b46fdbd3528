"""What ``new`` reads from the revision file autogenerate wrote (with ``ast``, never imported)."""

from __future__ import annotations

import ast


def function_source(source: str, name: str) -> str | None:
    """The source of the top-level function ``name`` in ``source``."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node)
    return None


def is_empty_revision(source: str) -> bool:
    """True when upgrade() and downgrade() hold nothing but ``pass`` (autogenerate found no change)."""
    tree = ast.parse(source)
    bodies = [node.body for node in tree.body if isinstance(node, ast.FunctionDef)]
    return all(
        isinstance(statement, ast.Pass)
        or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        for body in bodies
        for statement in body
    )


def down_revision_of(source: str) -> str | None:
    """The file's ``down_revision`` as written (a tuple's source for a merge), None for a base."""
    for node in ast.parse(source).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "down_revision":
                if isinstance(value, ast.Constant):
                    return None if value.value is None else str(value.value)
                return None if value is None else ast.unparse(value)
    return None
