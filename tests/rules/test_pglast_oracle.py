"""The SQL reader against PostgreSQL's own parser (pglast): what it accepts we read the same
way, and what it refuses as another database's SQL we do not misread into findings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from migration_guard.lint.engine import RuleSettings
from migration_guard.rules import RULE_IDS
from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements
from tests.rules.helpers import lint_sql
from tests.rules.pglast_oracle import ours, postgres_accepts, theirs

HERE = Path(__file__).parent
EVERY_RULE = RuleSettings(enabled=frozenset(RULE_IDS))


def _corpus() -> list[str]:
    """Every statement of the rule fixtures, the squawk cases and the rendered Alembic SQL."""
    texts: list[str] = []
    for path in sorted((HERE / "fixtures").glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        for expected in ("flagged", "clean"):
            texts.extend(case["sql"] for case in document.get(expected, []) if "sql" in case)
    for entry in yaml.safe_load((HERE / "squawk_cases.yaml").read_text()):
        texts.extend(case["sql"] for case in entry["cases"])
    texts.extend(path.read_text() for path in sorted((HERE / "fixtures" / "alembic").glob("*.sql")))
    statements = [raw.text for text in texts for raw in split_statements(text)]
    return list(dict.fromkeys(statements))


CORPUS = _corpus()


def _foreign(sql: str) -> bool:
    (statement,) = split_statements(sql)
    return any(isinstance(fact, f.NotPostgresql) for fact in read_statement(statement))


def test_the_corpus_is_big_and_postgresql_unless_we_say_it_is_not() -> None:
    # a fixture PostgreSQL refuses tests nothing real, unless it is there to be refused
    assert len(CORPUS) > 500
    assert [sql for sql in CORPUS if postgres_accepts(sql) == _foreign(sql)] == []


@pytest.mark.parametrize("sql", CORPUS)
def test_we_read_what_postgresql_reads(sql: str) -> None:
    if _foreign(sql):  # said to be another database's, once per statement, never misread
        statements = len(split_statements(sql))
        assert [f.rule for f in lint_sql(sql, EVERY_RULE)] == ["not-postgresql"] * statements
        return
    expected = theirs(sql)
    if expected is not None:
        assert sorted(map(repr, ours(sql))) == sorted(map(repr, expected))


# Another database's SQL, seen in real Alembic histories written for MySQL first: the reason
# the reader gives, and no rule may report a misreading of it.
FOREIGN = [
    ("ALTER TABLE `orders` ADD COLUMN `note` text;", "backtick-quoted identifier `orders`"),
    ("ALTER TABLE [orders] ADD [note] text;", "bracket-quoted identifier [orders]"),
    ("ALTER TABLE orders DROP PRIMARY KEY;", "DROP PRIMARY KEY"),
    ("ALTER TABLE orders ADD UNIQUE KEY uq_email (email);", "ADD UNIQUE KEY"),
    ("ALTER TABLE orders ADD UNIQUE INDEX uq_email (email);", "ADD UNIQUE INDEX"),
    ("ALTER TABLE orders MODIFY COLUMN total int NOT NULL;", "MODIFY COLUMN"),
    ("ALTER TABLE orders CHANGE COLUMN a b int;", "CHANGE COLUMN"),
    ("ALTER TABLE orders DROP FOREIGN KEY fk_user;", "DROP FOREIGN KEY"),
    ("ALTER TABLE orders DROP INDEX ix_user;", "DROP INDEX in ALTER TABLE"),
    ("ALTER TABLE public.orders ADD note text, DROP KEY ix_user;", "DROP KEY"),
    ("ALTER TABLE orders RENAME INDEX a TO b;", "RENAME INDEX"),
    ("ALTER TABLE orders ADD COLUMN note text AFTER total;", "ADD COLUMN … AFTER"),
    ("ALTER TABLE orders ADD COLUMN note text COMMENT 'why';", "column COMMENT"),
    ("CREATE TABLE t (id int AUTO_INCREMENT PRIMARY KEY);", "AUTO_INCREMENT"),
    ("CREATE TABLE t (a int) ENGINE=InnoDB;", "table option ENGINE="),
    ("CREATE INDEX ix ON orders (a) ALGORITHM=INPLACE;", "table option ALGORITHM="),
    ("DROP INDEX ix_user ON orders;", "DROP INDEX … ON table"),
    ("UPDATE orders o JOIN users u ON u.id = o.user_id SET o.name = u.name;", "UPDATE … JOIN"),
    ("INSERT INTO orders SET a = 1;", "INSERT … SET"),
]


@pytest.mark.parametrize(("sql", "reason"), FOREIGN)
def test_another_databases_sql_is_said_to_be_so_and_never_misread(sql: str, reason: str) -> None:
    assert not postgres_accepts(sql)
    (statement,) = split_statements(sql)
    assert read_statement(statement) == (f.NotPostgresql(reason),)
    # one finding saying so, none from a misreading
    findings = lint_sql(sql, EVERY_RULE)
    assert [(finding.rule, finding.line) for finding in findings] == [("not-postgresql", 1)]
    assert f"({reason})" in findings[0].message


def test_postgresql_that_only_looks_foreign_is_read_as_postgresql() -> None:
    # PostgreSQL reads ADD INDEX ix (a) as a column named "index" of type ix(a)
    for sql in (
        "ALTER TABLE orders ADD COLUMN after int;",
        "ALTER TABLE orders ADD COLUMN comment text;",
        "ALTER TABLE orders ADD INDEX ix_user (user_id);",
        "COMMENT ON COLUMN orders.note IS 'why';",
        "CREATE TRIGGER t AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f();",
        "ALTER TABLE orders ADD COLUMN tags text[] DEFAULT ARRAY['a'];",
    ):
        assert postgres_accepts(sql), sql
        (statement,) = split_statements(sql)
        assert not any(isinstance(fact, f.NotPostgresql) for fact in read_statement(statement))
        expected = theirs(sql)
        assert expected is not None
        assert sorted(map(repr, ours(sql))) == sorted(map(repr, expected)), sql


# Hypothesis: the same statements spelled every way PostgreSQL allows.
_WORDS = st.sampled_from(["orders", "Order_Items", "t1", "select", "note", "user"])


@st.composite
def _identifier(draw: st.DrawFn) -> str:
    word = draw(_WORDS)
    if word in ("select", "user") or word != word.lower() or draw(st.booleans()):
        return '"' + word + '"'
    return draw(st.sampled_from([word, word.upper()]))


@st.composite
def _table(draw: st.DrawFn) -> str:
    name = draw(_identifier())
    return f"{draw(_identifier())}.{name}" if draw(st.booleans()) else name


@st.composite
def _statement(draw: st.DrawFn) -> str:
    table, column, other = draw(_table()), draw(_identifier()), draw(_identifier())
    index = draw(_identifier())
    concurrently = draw(st.sampled_from(["", " CONCURRENTLY"]))
    not_valid = draw(st.sampled_from(["", " NOT VALID"]))
    only = draw(st.sampled_from(["", " ONLY", " IF EXISTS"]))
    forms = [
        f"ALTER TABLE{only} {table} ADD COLUMN {column} bigint NOT NULL DEFAULT 0",
        f"ALTER TABLE{only} {table} ADD {column} text, ADD COLUMN IF NOT EXISTS {other} int",
        f"ALTER TABLE{only} {table} DROP COLUMN IF EXISTS {column} CASCADE",
        f"ALTER TABLE {table} DROP {column}, ALTER COLUMN {other} SET NOT NULL",
        f"ALTER TABLE {table} ALTER {column} TYPE varchar(20) USING {column}::varchar(20)",
        f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL",
        f"ALTER TABLE {table} ADD CONSTRAINT {index} CHECK (({column} IS NOT NULL)){not_valid}",
        f"ALTER TABLE {table} ADD CONSTRAINT {index} FOREIGN KEY ({column}) "
        f"REFERENCES {other} (id) ON DELETE CASCADE{not_valid}",
        f"ALTER TABLE {table} ADD CONSTRAINT {index} UNIQUE ({column})",
        f"ALTER TABLE {table} VALIDATE CONSTRAINT {index}",
        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {index}",
        f"ALTER TABLE {table} RENAME COLUMN {column} TO {other}",
        f"ALTER TABLE {table} RENAME TO {other}",
        f"CREATE UNIQUE INDEX{concurrently} IF NOT EXISTS {index} ON ONLY {table} ({column})",
        f"CREATE INDEX{concurrently} {index} ON {table} USING btree ({column}, lower({other}))",
        f"DROP INDEX{concurrently} IF EXISTS {index}",
        f"DROP TABLE IF EXISTS {table} CASCADE",
        f"CREATE TABLE IF NOT EXISTS {table} ({column} bigint PRIMARY KEY, {other} text)",
        f"UPDATE {table} SET {column} = 1 WHERE {other} IS NULL",
        f"UPDATE ONLY {table} AS x SET {column} = 1",
        f"INSERT INTO {table} ({column}) SELECT {column} FROM {other}",
        f"WITH c AS (SELECT 1) INSERT INTO {table} SELECT * FROM c",
        f"DELETE FROM ONLY {table} WHERE {column} = 5",
    ]
    statement = draw(st.sampled_from(forms))
    spacing = draw(st.sampled_from([" ", "\n  ", " /* c */ "]))
    return statement.replace(" ", spacing, 1) + ";"


@settings(max_examples=300, deadline=None)
@given(_statement())
def test_generated_statements_are_read_as_postgresql_reads_them(sql: str) -> None:
    assert postgres_accepts(sql), sql
    expected = theirs(sql)
    assert expected is not None
    assert sorted(map(repr, ours(sql))) == sorted(map(repr, expected)), sql


@settings(max_examples=100, deadline=None)
@given(_statement())
def test_backtick_quoted_variants_are_never_read_as_postgresql(sql: str) -> None:
    foreign = sql.replace('"', "`")
    if foreign == sql:
        return
    assert not postgres_accepts(foreign), foreign
    (statement,) = split_statements(foreign)
    assert read_statement(statement)[0].__class__ is f.NotPostgresql
    assert [finding.rule for finding in lint_sql(foreign, EVERY_RULE)] == ["not-postgresql"]
