"""The tuned rule order of our sqlparse lexer must read every fixture exactly like sqlparse's
stock lexer does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlparse.lexer import Lexer

from migration_guard.sql import tokens
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements

FIXTURES = Path(__file__).parent / "fixtures"


def _all_fixture_sql() -> list[str]:
    texts = [path.read_text() for path in sorted((FIXTURES / "alembic").glob("*.sql"))]
    for path in sorted(FIXTURES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        for expected in ("flagged", "clean"):
            texts.extend(case["sql"] for case in document.get(expected, []))
    return texts


def _read(sql: str) -> list[object]:
    return [(s.text, s.line, s.end_line, read_statement(s)) for s in split_statements(sql)]


def test_tuned_lexer_gives_the_same_facts_as_the_stock_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _all_fixture_sql()
    tuned = [_read(sql) for sql in texts]
    monkeypatch.setattr(tokens, "_LEXER", Lexer.get_default_instance())
    stock = [_read(sql) for sql in texts]
    assert len(texts) > 100
    assert tuned == stock
