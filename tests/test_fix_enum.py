"""`fix` of ``enum-recreated``: the shapes of the swap it reads, the labels it knows from the
history, and every case it leaves to a human (a label removed, renamed, mapped or unknown).
What the fix does on PostgreSQL is proven in test_fix_recipes.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from migration_guard.findings import Finding, FixContext
from migration_guard.fix.apply import fix_source
from tests.projects import add_revision, git, init_repo, make_project, run_cli
from tests.rules.helpers import findings_of

PARENT = """
op.create_table(
    "orders",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum("new", "paid", name="order_status")),
)
"""

SWAP = """op.execute("ALTER TYPE order_status RENAME TO order_status_old")
op.execute("CREATE TYPE order_status AS ENUM ({labels})")
op.execute("ALTER TABLE orders ALTER COLUMN status TYPE order_status USING {using}")
op.execute("DROP TYPE order_status_old")"""

PLAIN = "status::text::order_status"

HELP = "help: Use ALTER TYPE … ADD VALUE (or RENAME VALUE) to change an enum in place."


def _project(root: Path, upgrade: str, parent: str = PARENT) -> Path:
    make_project(root)
    add_revision(root, "r1", None, upgrade=parent)
    init_repo(root)
    path = add_revision(root, "r2", "r1", upgrade=upgrade)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "r2")
    return path


def _swap(labels: str, using: str = PLAIN) -> str:
    return SWAP.format(labels=labels, using=using)


def _block(*adds: str) -> str:
    lines = [
        f'        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS {a}")' for a in adds
    ]
    return "    with op.get_context().autocommit_block():\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("upgrade", "block"),
    [
        # the parent's labels known from its sa.Enum column, read from the file (not rendered)
        (_swap("'draft', 'new', 'paid', 'void'"), _block("'draft' BEFORE 'new'", "'void'")),
        # the new type made with sa.Enum, the column converted with alter_column, then renamed
        (
            'sa.Enum("new", "held", "paid", name="order_status_new").create(op.get_bind())\n'
            'op.alter_column("orders", "status", type_=sa.Enum("new", "held", "paid", '
            'name="order_status_new"), postgresql_using="status::text::order_status_new")\n'
            'op.execute("DROP TYPE order_status")\n'
            'op.execute("ALTER TYPE order_status_new RENAME TO order_status")',
            _block("'held' AFTER 'new'"),
        ),
        # the column parked in text while the type is dropped and created again
        (
            'op.alter_column("orders", "status", type_=sa.Text(), postgresql_using="status::text")\n'
            'op.execute("DROP TYPE order_status")\n'
            "op.execute(\"CREATE TYPE order_status AS ENUM ('new', 'paid', 'void', 'gone')\")\n"
            'op.execute("ALTER TABLE orders ALTER COLUMN status TYPE order_status '
            'USING status::order_status")',
            _block("'void'", "'gone'"),
        ),
        # names built in Python and a loop over the tables, as notifications-api writes it;
        # the assignments render nothing and stay
        (
            'tmp_name = "tmp_" + "order_status"\n'
            'new_type = sa.Enum("new", "paid", "sent", name="order_status")\n'
            'op.execute("ALTER TYPE order_status RENAME TO {}".format(tmp_name))\n'
            "new_type.create(op.get_bind())\n"
            'for table in ["orders"]:\n'
            '    op.execute(f"ALTER TABLE {table} ALTER COLUMN status TYPE order_status "\n'
            '               "USING status::text::order_status")\n'
            'op.execute("DROP TYPE " + tmp_name)',
            '    tmp_name = "tmp_" + "order_status"\n'
            '    new_type = sa.Enum("new", "paid", "sent", name="order_status")\n'
            + _block("'sent'"),
        ),
    ],
    ids=["rename-create-convert-drop", "create-convert-drop-rename", "text-drop-create", "python"],
)
def test_each_shape_of_the_swap_becomes_add_value(tmp_path: Path, upgrade: str, block: str) -> None:
    path = _project(
        tmp_path, "op.execute(\"SELECT 'before'\")\n" + upgrade + "\nop.execute(\"SELECT 'after'\")"
    )
    result = run_cli(tmp_path, "fix", "r2")
    assert result.returncode == 0, result.stdout + result.stderr
    source = path.read_text()
    body = source.split("def upgrade():\n", 1)[1].split("\n\ndef downgrade", 1)[0]
    expected = f"    op.execute(\"SELECT 'before'\")\n{block}    op.execute(\"SELECT 'after'\")\n"
    assert body == expected
    lint = run_cli(tmp_path, "lint", "r2")
    assert lint.returncode == 0, lint.stdout
    again = run_cli(tmp_path, "fix", "r2")
    assert "fixed 0 finding(s) in 0 file(s)" in again.stdout
    assert path.read_text() == source


@pytest.mark.parametrize(
    ("upgrade", "why"),
    [
        (_swap("'new', 'refunded'"), "a label removed"),
        (_swap("'new', 'paid'"), "nothing added"),
        (_swap("'paid', 'new', 'void'"), "labels reordered"),
        (
            _swap(
                "'new', 'paid', 'void'",
                "(CASE WHEN status = 'paid' THEN 'void' ELSE status::text END)::order_status",
            ),
            "a USING that maps labels",
        ),
    ],
    ids=["removed", "unchanged", "reordered", "mapped"],
)
def test_a_swap_that_does_more_than_add_is_listed_with_its_advice(
    tmp_path: Path, upgrade: str, why: str
) -> None:
    path = _project(tmp_path, upgrade)
    before = path.read_text()
    result = run_cli(tmp_path, "fix", "r2")
    assert result.returncode == 1, why
    assert "fixed 0 finding(s) in 0 file(s)\n" in result.stdout
    assert "migrations/versions/r2.py:15: error [enum-recreated] Enum type `order_status`" in (
        result.stdout
    )
    assert HELP in result.stdout
    assert path.read_text() == before


def test_labels_the_history_does_not_state_are_not_guessed(tmp_path: Path) -> None:
    """The parent's labels come from a Python list: unknown, so no fix."""
    parent = PARENT.replace('sa.Enum("new", "paid", name=', "sa.Enum(*STATES, name=")
    _project(tmp_path, _swap("'new', 'paid', 'void'"), parent="STATES = ['new', 'paid']\n" + parent)
    result = run_cli(tmp_path, "fix", "r2", "--diff")
    assert result.returncode == 1
    assert "would fix 0 finding(s)" in result.stdout


def _swap_finding(rendered: tuple[tuple[int, str], ...]) -> Finding:
    """The rule's finding on line 6's ``CREATE TYPE s``, the type's labels before being
    ``a`` and ``rendered`` the revision's SQL by line."""
    return Finding(
        "enum-recreated",
        "error",
        "m",
        "r2",
        "r2.py",
        6,
        "CREATE TYPE s AS ENUM ('a', 'b');",
        fix_context=FixContext(("a",), rendered),
    )


def test_a_statement_naming_the_temporary_type_inside_the_swap_stops_the_fix() -> None:
    source = (
        "from alembic import op\n\n\ndef upgrade():\n"
        '    op.execute("ALTER TYPE s RENAME TO s_old")\n'
        "    op.execute(\"CREATE TYPE s AS ENUM ('a', 'b')\")\n"
        '    op.execute(copy_from("s_old"))\n'
        '    op.execute("DROP TYPE s_old")\n'
    )
    rendered = (
        (5, "ALTER TYPE s RENAME TO s_old"),
        (6, "CREATE TYPE s AS ENUM ('a', 'b')"),
        (7, "INSERT INTO archive SELECT 'x'::s_old"),
        (8, "DROP TYPE s_old"),
    )
    finding = _swap_finding(rendered)
    assert fix_source(source, [finding]).source == source
    without = source.replace('    op.execute(copy_from("s_old"))\n', "")
    context = FixContext(("a",), (rendered[0], rendered[1], (7, rendered[3][1])))
    fixed = fix_source(without, [dataclasses.replace(finding, fix_context=context)])
    assert fixed.changed
    assert fixed.source.endswith(
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TYPE s ADD VALUE IF NOT EXISTS 'b'\")\n"
    )


def test_a_swap_statement_that_also_does_something_else_is_kept() -> None:
    source = (
        "from alembic import op\n\n\ndef upgrade():\n"
        '    op.execute("ALTER TYPE s RENAME TO s_old; ALTER TABLE t ALTER COLUMN n TYPE bigint")\n'
        "    op.execute(\"CREATE TYPE s AS ENUM ('a', 'b')\")\n"
        '    op.execute("DROP TYPE s_old")\n'
    )
    rendered = (
        (5, "ALTER TYPE s RENAME TO s_old"),
        (5, "ALTER TABLE t ALTER COLUMN n TYPE bigint"),
        (6, "CREATE TYPE s AS ENUM ('a', 'b')"),
        (7, "DROP TYPE s_old"),
    )
    finding = _swap_finding(rendered)
    assert not fix_source(source, [finding]).changed
    alone = FixContext(("a",), (rendered[0], rendered[2], rendered[3]))
    assert fix_source(source, [dataclasses.replace(finding, fix_context=alone)]).changed


def test_the_rule_knows_the_labels_as_earlier_statements_left_them() -> None:
    """ADD VALUE BEFORE/AFTER and RENAME VALUE earlier in the run are followed in order."""
    sql = (
        "CREATE TYPE s AS ENUM ('b', 'd');\n"
        "ALTER TYPE s ADD VALUE 'a' BEFORE 'b';\n"
        "ALTER TYPE s ADD VALUE 'c' AFTER 'b';\n"
        "ALTER TYPE s ADD VALUE 'e';\n"
        "ALTER TYPE s RENAME VALUE 'd' TO 'dd';\n"
        "ALTER TYPE s RENAME TO s_old;\n"
        "CREATE TYPE s AS ENUM ('a', 'b', 'c', 'dd', 'e', 'f');\n"
    )
    (found,) = findings_of(sql, "enum-recreated")
    assert found.fix_context is not None
    assert found.fix_context.labels == ("a", "b", "c", "dd", "e")
    (unknown,) = findings_of("DROP TYPE t;\nCREATE TYPE t AS ENUM ('a');\n", "enum-recreated")
    assert unknown.fix_context is not None and unknown.fix_context.labels is None


def test_rules_shows_the_fix_with_its_before_and_after(tmp_path: Path) -> None:
    make_project(tmp_path)
    result = run_cli(tmp_path, "rules", "enum-recreated")
    assert result.returncode == 0
    text = result.stdout
    assert "Fix: `migration-guard fix` rewrites it." in text
    assert 'op.execute("ALTER TYPE order_status RENAME TO order_status_old")' in text
    assert (
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid'\")"
    ) in text


def test_a_real_swap_with_names_built_in_python_is_fixed(tmp_path: Path) -> None:
    """notifications-api's 0078 (copied whole): the type's name, the temporary name and the
    ALTER built with ``format`` and ``+``, the new type an ``sa.Enum`` of a tuple; its parent
    here states the eight labels it had."""
    from tests.test_real_histories import load_bundle, write_files

    make_project(tmp_path)
    labels = (
        "'created', 'sending', 'delivered', 'pending', 'failed', 'technical-failure', "
        "'temporary-failure', 'permanent-failure'"
    )
    add_revision(
        tmp_path,
        "0077_add_intl_notification",
        None,
        upgrade=f'op.execute("CREATE TYPE notify_status_type AS ENUM ({labels})")\n'
        + "\n".join(
            f'op.execute("CREATE TABLE {table} (id int, status notify_status_type)")'
            for table in ("notifications", "notification_history")
        ),
    )
    write_files(load_bundle("notifications_api_enum.txt"), tmp_path)
    init_repo(tmp_path)
    path = tmp_path / "migrations" / "versions" / "0078_add_sent_notification_status.py"
    original = path.read_text()
    result = run_cli(tmp_path, "fix", "0078_sent_notification_status")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fixed 3 finding(s) in 1 file(s)" in result.stdout  # with 2 column-type-change
    upgrade = (
        "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TYPE notify_status_type ADD VALUE IF NOT EXISTS 'sent'\")\n"
    )
    before, _, after = original.partition("def upgrade():")
    assert (
        path.read_text()
        == before + upgrade + "\n\ndef downgrade():" + after.split("\n\ndef downgrade():", 1)[1]
    )
    assert run_cli(tmp_path, "lint", "0078_sent_notification_status").returncode == 0
