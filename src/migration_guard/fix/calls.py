"""The ``op.`` calls of a revision file as libcst sees them, and the edits every recipe shares.

libcst keeps the file's concrete syntax (comments, quotes, line breaks), so a recipe replaces one
statement and every other byte of the file stays as the developer wrote it. These helpers read
an ``op.`` call's arguments the way Alembic takes them (positional or keyword) and build the few
shapes every safe pattern is made of: a keyword added, ``op.execute('…')``, and a statement moved
into ``with op.get_context().autocommit_block():``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst


@dataclass(frozen=True)
class OpCall:
    """An ``op.NAME(...)`` call standing alone as a statement in ``upgrade()``/``downgrade()``."""

    op: str
    """The name the file gives Alembic's ``op`` (``from alembic import op as o`` → ``o``)."""
    name: str
    call: cst.Call
    statement: cst.SimpleStatementLine
    function: str
    """``upgrade`` or ``downgrade``."""
    quote: str = "'"
    """The quote the file writes its strings with, for the strings a recipe adds."""

    def string(self, text: str) -> str:
        """A Python literal for ``text`` in the file's quote style."""
        return python_string(text, self.quote)

    def strings(self, texts: Sequence[str]) -> str:
        """A Python list literal of ``texts``."""
        return "[" + ", ".join(self.string(text) for text in texts) + "]"

    def argument(self, position: int | None, keyword: str) -> cst.BaseExpression | None:
        """The argument Alembic binds to ``keyword`` (or, passed by position, at ``position``)."""
        for index, arg in enumerate(self.call.args):
            if arg.keyword is not None:
                if arg.keyword.value == keyword:
                    return arg.value
            elif arg.star:
                return None
            elif position is not None and index == position:
                return arg.value
        return None

    def text(self, position: int | None, keyword: str) -> str | None:
        """The string literal (or ``op.f("…")``) bound to ``keyword``; None if absent or computed."""
        value = self.argument(position, keyword)
        return None if value is None else literal(value, self.op)

    def keywords(self) -> set[str]:
        return {arg.keyword.value for arg in self.call.args if arg.keyword is not None}

    def has_star(self) -> bool:
        return any(arg.star for arg in self.call.args)


def literal(node: cst.BaseExpression, op: str = "op") -> str | None:
    """The value of a plain string literal, or of ``op.f("…")`` (a name used as given)."""
    if isinstance(node, cst.SimpleString):
        value = ast.literal_eval(node.value)
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        parts = [literal(node.left, op), literal(node.right, op)]
        return None if None in parts else "".join(p for p in parts if p is not None)
    if (
        isinstance(node, cst.Call)
        and _dotted(node.func) == f"{op}.f"
        and len(node.args) == 1
        and node.args[0].keyword is None
    ):
        return literal(node.args[0].value, op)
    return None


def op_call(
    statement: cst.SimpleStatementLine, op: str, function: str, quote: str = "'"
) -> OpCall | None:
    """The ``op.NAME(...)`` call that is ``statement``'s only expression, if it is one."""
    if len(statement.body) != 1 or not isinstance(statement.body[0], cst.Expr):
        return None
    call = statement.body[0].value
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return None
    if _dotted(call.func.value) != op:
        return None
    return OpCall(op, call.func.attr.value, call, statement, function, quote)


def _dotted(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def with_keyword(call: cst.Call, keyword: str, value: str) -> cst.Call:
    """``call`` with ``keyword=value`` set: replaced where given, else added after the last
    argument in the call's own layout (one line, or one argument a line with a trailing comma)."""
    expression = cst.parse_expression(value)
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            args[index] = arg.with_changes(value=expression)
            return call.with_changes(args=args)
    new = cst.Arg(
        keyword=cst.Name(keyword),
        value=expression,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma: the new argument goes on its own line like the others.
        if len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
            between = args[-2].comma
        else:
            between = cst.Comma(whitespace_after=call.whitespace_before_args)
        args[-1] = last.with_changes(comma=between)
        args.append(new.with_changes(comma=last.comma))
    else:
        # The space before ")" belongs to the last argument: it moves to the new last one.
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
    return call.with_changes(args=args)


def replaced_call(
    found: OpCall, call: cst.Call, *, keep_leading: bool = True
) -> cst.SimpleStatementLine:
    """``found``'s statement with its call replaced (its trailing comment kept; the comments
    and blank lines above it only with ``keep_leading``, else they go with the new block)."""
    expression = found.statement.body[0]
    assert isinstance(expression, cst.Expr)
    replaced = found.statement.with_changes(body=[expression.with_changes(value=call)])
    return replaced if keep_leading else replaced.with_changes(leading_lines=())


def statement(code: str) -> cst.SimpleStatementLine:
    parsed = cst.parse_statement(code)
    assert isinstance(parsed, cst.SimpleStatementLine)
    return parsed


def execute(found: OpCall, sql: str) -> cst.SimpleStatementLine:
    """``op.execute('…')``: SQL Alembic passes on as written."""
    return statement(f"{found.op}.execute({found.string(sql)})")


def autocommit_block(
    op: str, body: list[cst.BaseStatement], leading: cst.BaseStatement | None = None
) -> cst.With:
    """``with op.get_context().autocommit_block():`` around ``body``: Alembic commits the
    migration's transaction, runs ``body`` outside any transaction and begins a new one.
    ``leading``'s comments and blank lines above it move to the ``with`` line."""
    leading_lines = getattr(leading, "leading_lines", ())
    return cst.With(
        items=[cst.WithItem(item=cst.parse_expression(f"{op}.get_context().autocommit_block()"))],
        body=cst.IndentedBlock(body=body),
        leading_lines=leading_lines,
    )


def quoted(*names: str | None) -> str:
    """A (schema-)qualified identifier quoted as PostgreSQL reads it: the exact name, any case."""
    return ".".join('"' + name.replace('"', '""') + '"' for name in names if name)


def python_string(text: str, quote: str = "'") -> str:
    """A Python literal for ``text`` in ``quote``, the other quote when ``text`` holds it."""
    if "\\" in text or ("'" in text and '"' in text) or not text.isprintable():
        return repr(text)
    if quote in text:
        quote = "'" if quote == '"' else '"'
    return f"{quote}{text}{quote}"


def preferred_quote(module: cst.Module) -> str:
    """The quote most of the file's string literals use (Black's ``"``, or ``'``)."""
    counts = {"'": 0, '"': 0}

    class _Count(cst.CSTVisitor):
        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            quote = node.value.lstrip("rbuRBU")[:1]
            if quote in counts:
                counts[quote] += 1

    module.visit(_Count())
    return '"' if counts['"'] > counts["'"] else "'"
