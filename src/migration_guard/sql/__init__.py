"""SQL text to facts: split statements with sqlparse's lexer and describe each as plain data."""

from __future__ import annotations

from migration_guard.sql.facts import Fact, Name
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import RawStatement, split_statements

__all__ = ["Fact", "Name", "RawStatement", "read_statement", "split_statements"]
