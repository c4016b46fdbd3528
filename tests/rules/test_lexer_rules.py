"""Our lexer against sqlparse's: the tuned rule order and the one-pattern scanner must read
every fixture exactly like sqlparse's stock lexer does, except where PostgreSQL itself
reads the SQL differently (backslashes before quotes in standard strings, nested block
comments), which is tested against PostgreSQL's behaviour separately."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlparse import keywords
from sqlparse.lexer import Lexer

from migration_guard.sql import facts as f
from migration_guard.sql import tokens
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements

FIXTURES = Path(__file__).parent / "fixtures"


def _all_fixture_sql() -> list[str]:
    texts = [path.read_text() for path in sorted((FIXTURES / "alembic").glob("*.sql"))]
    for path in sorted(FIXTURES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        for expected in ("flagged", "clean"):
            texts.extend(case["sql"] for case in document.get(expected, []) if "sql" in case)
    return texts


def _read(sql: str) -> list[object]:
    return [(s.text, s.line, s.end_line, read_statement(s)) for s in split_statements(sql)]


def _stock_order_with_pg_rules() -> list[tokens.Rule]:
    """sqlparse's rules in sqlparse's order, with only PostgreSQL's string rules added."""
    rules = list(keywords.SQL_REGEX)
    first_string = next(i for i, (regex, _) in enumerate(rules) if regex.startswith("'"))
    rules[first_string:first_string] = tokens.PG_RULES
    return rules


def test_tuned_rule_order_gives_the_same_facts_as_the_stock_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _all_fixture_sql()
    tuned = [_read(sql) for sql in texts]
    stock = tokens._Scanner(_stock_order_with_pg_rules())
    monkeypatch.setattr(tokens, "_SCANNER", stock)
    assert len(texts) > 100
    assert [_read(sql) for sql in texts] == tuned


# Where sqlparse and PostgreSQL disagree: a backslash before a quote, a nested comment.
_PG_DEVIATION = re.compile(r"\\['\"]|/\*(?:(?!\*/)[\s\S])*/\*")


def _words_split(pairs: list[tuple[tokens.Kind, str]]) -> list[tuple[tokens.Kind, str]]:
    out = []
    for kind, value in pairs:
        if kind is tokens.Kind.WORD:
            out.extend((kind, part) for part in value.split())
        elif kind is not tokens.Kind.SPACE:
            out.append((kind, value))
    return out


def test_one_pattern_scanner_lexes_like_sqlparse() -> None:
    """Stock order through our scanner gives sqlparse's own tokens, one for one."""
    stock = tokens._Scanner(list(keywords.SQL_REGEX))
    compared = 0
    for sql in _all_fixture_sql():
        if _PG_DEVIATION.search(sql):
            continue
        ours = [(kind, value) for kind, value, _ in tokens.scan(sql, stock)]
        theirs = [
            (tokens._kind_of(ttype), value)
            for ttype, value in Lexer.get_default_instance().get_tokens(sql)  # type: ignore[no-untyped-call]
        ]
        # Our scanner asks the keyword tables about every word; sqlparse's multi-word
        # keyword rules do too, so both agree once words are split.
        assert _words_split(ours) == _words_split(theirs), sql
        compared += 1
    assert compared > 100


def _facts(sql: str) -> list[tuple[f.Fact, ...]]:
    return [read_statement(s) for s in split_statements(sql)]


def test_standard_strings_have_no_backslash_escapes() -> None:
    # Alembic renders 'C:\dir\' for the value C:\dir\ ; PostgreSQL ends the string there.
    sql = "INSERT INTO settings VALUES ('C:\\dir\\');\nDELETE FROM audit_log;"
    statements = split_statements(sql)
    assert [s.line for s in statements] == [1, 2]
    assert _facts(sql)[1] == (f.Delete(f.Name("audit_log"), where=False),)


def test_escape_strings_keep_backslash_escapes() -> None:
    sql = "SELECT E'it\\'s; DELETE FROM audit_log; \\\\';\nSELECT 1;"
    assert [s.text for s in split_statements(sql)] == [
        "SELECT E'it\\'s; DELETE FROM audit_log; \\\\';",
        "SELECT 1;",
    ]
    assert _facts(sql) == [(f.Other("select e"),), (f.Other("select"),)]


def test_quoted_identifiers_have_no_backslash_escapes() -> None:
    sql = 'ALTER TABLE "odd\\" ADD COLUMN n int NOT NULL;'
    (facts,) = _facts(sql)
    assert facts == (f.AddColumn(f.Name("odd\\"), f.Column("n", "int", not_null=True)),)


def test_block_comments_nest() -> None:
    sql = "/* a /* b */ DELETE FROM audit_log; */ SELECT 1;\n/* unclosed /* */ SELECT 2;"
    statements = split_statements(sql)
    assert [s.text for s in statements] == ["SELECT 1;", "SELECT 2;"]


def test_multi_word_keywords_keep_their_spacing_in_statement_text() -> None:
    # Statement text is cut from the source, so "NOT NULL" never shows as "NOTNULL".
    sql = "ALTER TABLE orders ADD COLUMN n INTEGER NOT\n  NULL;"
    (statement,) = split_statements(sql)
    assert statement.text == sql
    assert (statement.line, statement.end_line) == (1, 2)


_FRAGMENTS = [
    " ",
    "\n",
    "\t",
    "\r\n",
    "--",
    "/*",
    "*/",
    "'",
    "''",
    '"',
    "$$",
    "$a$",
    "$1",
    "\\",
    ";",
    "(",
    ")",
    ",",
    ".",
    "::",
    ":x",
    "E",
    "e'",
    "x",
    "NOT",
    "NULL",
    "DELETE",
    "FROM",
    "audit_log",
    "1",
    "-2",
    ".5",
    "0x1F",
    "[",
    "]",
    "*",
    "->>",
    "<>",
    "#",
    "# ",
    "%s",
    "?",
    "AT TIME ZONE 'UTC'",
    "IF NOT EXISTS",
    "é",
    "_a",
    "BEGIN",
    "ATOMIC",
    "END",
]
_texts = st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_fast_path_matches_the_plain_scanner(text: str) -> None:
    everything = [t for t in tokens.lex(text, 3) if t.kind is not tokens.Kind.SPACE]
    assert list(tokens.significant(text, 3)) == everything


@settings(max_examples=400, deadline=None)
@given(_texts)
def test_stock_order_scanner_matches_sqlparse(text: str) -> None:
    if _PG_DEVIATION.search(text):
        return
    stock = tokens._Scanner(list(keywords.SQL_REGEX))
    ours = [(kind, value) for kind, value, _ in tokens.scan(text, stock)]
    theirs = [
        (tokens._kind_of(ttype), value)
        for ttype, value in Lexer.get_default_instance().get_tokens(text)  # type: ignore[no-untyped-call]
    ]
    assert _words_split(ours) == _words_split(theirs)
