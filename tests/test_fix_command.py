"""`migration-guard fix`: what it rewrites and keeps, what it writes, refuses and says."""

from __future__ import annotations

import json
from pathlib import Path

from migration_guard.findings import Finding
from migration_guard.fix.apply import fix_source
from tests.projects import add_revision, git, init_repo, make_project, run_cli

PARENT = """
op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(100)))
"""

SOURCE = '''"""add things"""
from alembic import op as o
import sqlalchemy as sa

revision = "r2"
down_revision = "r1"


def upgrade():
    # an index for the login page
    o.create_index(
        "ix_users_email",  # the name the DBA asked for
        "users",
        ["email"],
    )
    o.drop_column("users", "legacy")


def downgrade():
    o.add_column("users", sa.Column("legacy", sa.Text()))
    o.drop_index("ix_users_email", table_name="users")  # twin
'''

EXPECTED = '''"""add things"""
from alembic import op as o
import sqlalchemy as sa

revision = "r2"
down_revision = "r1"


def upgrade():
    # an index for the login page
    with o.get_context().autocommit_block():
        o.execute('DROP INDEX CONCURRENTLY IF EXISTS "ix_users_email"')
        o.create_index(
            "ix_users_email",  # the name the DBA asked for
            "users",
            ["email"],
            postgresql_concurrently=True,
        )
    o.drop_column("users", "legacy")


def downgrade():
    o.add_column("users", sa.Column("legacy", sa.Text()))
    with o.get_context().autocommit_block():
        o.drop_index("ix_users_email", table_name="users", postgresql_concurrently=True)  # twin
'''


def _finding(rule: str, line: int, statement: str) -> Finding:
    return Finding(rule, "warning", "m", "r2", "migrations/versions/r2.py", line, statement)


def test_rewrites_only_the_flagged_call_and_its_twin_keeping_every_other_byte() -> None:
    index = _finding("index-not-concurrent", 11, "CREATE INDEX ix_users_email ON users (email);")
    drop = _finding("drop-column", 16, "ALTER TABLE users DROP COLUMN legacy;")
    result = fix_source(SOURCE, [index, drop])
    assert result.source == EXPECTED
    assert result.fixed == [index]
    assert result.unfixed == [drop]
    again = fix_source(result.source, [])
    assert again.source == EXPECTED and not again.changed


def test_calls_it_cannot_rewrite_are_left_alone() -> None:
    source = SOURCE.replace(
        '    o.create_index(\n        "ix_users_email",  # the name the DBA asked for\n'
        '        "users",\n        ["email"],\n    )',
        '    with o.batch_alter_table("users") as batch:\n'
        '        batch.create_index("ix_users_email", ["email"])',
    )
    flagged = _finding("index-not-concurrent", 11, "CREATE INDEX ix_users_email ON users (email);")
    result = fix_source(source, [flagged])
    assert result.source == source
    assert result.unfixed == [flagged]


def _project(root: Path, upgrade: str) -> Path:
    make_project(root)
    add_revision(root, "r1", None, upgrade=PARENT)
    init_repo(root)
    path = add_revision(root, "r2", "r1", upgrade=upgrade)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "r2")
    return path


def test_diff_prints_the_change_and_writes_nothing(tmp_path: Path) -> None:
    path = _project(tmp_path, 'op.create_index("ix_users_email", "users", ["email"])')
    before = path.read_text()
    result = run_cli(tmp_path, "fix", "r2", "--diff")
    assert result.returncode == 0, result.stderr
    assert "+    with op.get_context().autocommit_block():\n" in result.stdout
    assert '-    op.create_index("ix_users_email", "users", ["email"])\n' in result.stdout
    assert result.stdout.endswith("would fix 1 finding(s) in 1 file(s) (--diff: nothing written)\n")
    assert path.read_text() == before


def test_findings_without_a_fix_are_listed_and_exit_1(tmp_path: Path) -> None:
    path = _project(
        tmp_path,
        'op.create_index("ix_users_email", "users", ["email"])\nop.drop_column("users", "email")',
    )
    result = run_cli(tmp_path, "fix", "r2")
    assert result.returncode == 1
    assert (
        "fixed 1 finding(s) in 1 file(s)\n1 finding(s) have no mechanical fix:\n" in result.stdout
    )
    assert "migrations/versions/r2.py:15: warning [drop-column]" in result.stdout
    assert "postgresql_concurrently=True" in path.read_text()


def test_rule_selects_the_findings_and_json_lists_them(tmp_path: Path) -> None:
    path = _project(
        tmp_path,
        'op.create_index("ix_users_email", "users", ["email"])\n'
        'op.alter_column("users", "email", existing_type=sa.String(100), nullable=False)',
    )
    result = run_cli(tmp_path, "--format", "json", "fix", "r2", "--rule", "set-not-null")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [(f["rule"], f["line"]) for f in document["fixed"]] == [("set-not-null", 15)]
    assert document["findings"] == []
    assert [file["path"] for file in document["files"]] == ["migrations/versions/r2.py"]
    source = path.read_text()
    assert "postgresql_concurrently" not in source
    assert "VALIDATE CONSTRAINT" in source


def test_refuses_a_file_with_staged_and_unstaged_edits(tmp_path: Path) -> None:
    path = _project(tmp_path, 'op.create_index("ix_users_email", "users", ["email"])')
    path.write_text(path.read_text() + "\n# staged\n")
    git(tmp_path, "add", "-A")
    path.write_text(path.read_text() + "# unstaged\n")
    before = path.read_text()
    result = run_cli(tmp_path, "fix", "r2")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "migration-guard: error: migrations/versions/r2.py: has staged and unstaged edits; stage or "
        "stash one of them before `migration-guard fix` (or use --diff)"
    )
    assert "Traceback" not in result.stderr
    assert path.read_text() == before


def test_without_revisions_fixes_what_the_branch_adds(tmp_path: Path) -> None:
    make_project(tmp_path)
    old = add_revision(
        tmp_path, "r1", None, upgrade=PARENT + 'op.create_index("ix_a", "users", ["id"])'
    )
    init_repo(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "feature")
    new = add_revision(tmp_path, "r2", "r1", upgrade='op.create_index("ix_b", "users", ["email"])')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "r2")
    result = run_cli(tmp_path, "fix", "--base", "main")
    assert result.returncode == 0, result.stderr
    assert "postgresql_concurrently=True" in new.read_text()
    assert "postgresql_concurrently" not in old.read_text()


def test_an_unknown_rule_is_exit_2(tmp_path: Path) -> None:
    _project(tmp_path, "pass")
    result = run_cli(tmp_path, "fix", "r2", "--rule", "no-such-rule")
    assert result.returncode == 2
    assert "no rule 'no-such-rule'" in result.stderr


def test_check_offers_the_fix_in_annotations_and_summary(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "r1", None, upgrade=PARENT)
    init_repo(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "feature")
    add_revision(tmp_path, "r2", "r1", upgrade='op.create_index("ix_b", "users", ["email"])')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "r2")
    summary = tmp_path / "summary.md"
    result = run_cli(
        tmp_path, "--format", "github", "--summary-file", str(summary), "check", "--base", "main"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (annotation,) = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert annotation.startswith("::warning file=migrations/versions/r2.py,line=14,")
    assert annotation.endswith("`migration-guard fix r2` rewrites it into the safe pattern.")
    text = summary.read_text()
    assert "### Safe versions (`migration-guard fix` writes them)" in text
    assert "```diff\n--- a/migrations/versions/r2.py\n+++ b/migrations/versions/r2.py\n" in text
    assert "+    with op.get_context().autocommit_block():" in text


def test_every_recipe_documents_before_and_after_and_names_real_rules() -> None:
    from migration_guard.fix.registry import RECIPES
    from migration_guard.lint.pipeline import rule_infos

    known = {info.id for info in rule_infos()}
    for recipe in RECIPES:
        assert set(recipe.rules) <= known
        assert "Before::" in recipe.doc and "After::" in recipe.doc


def test_timeouts_are_set_before_the_first_statement_that_needs_them(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        pyproject='enable = ["require-lock-timeout", "require-statement-timeout"]\n'
        'lock_timeout = "3s"\n',
    )
    add_revision(tmp_path, "r1", None, upgrade=PARENT)
    init_repo(tmp_path)
    path = add_revision(
        tmp_path,
        "r2",
        "r1",
        upgrade='# why\nop.add_column("users", sa.Column("nick", sa.Text()))\n'
        'op.execute("UPDATE users SET nick = email WHERE id < 100")',
    )
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "r2")
    result = run_cli(tmp_path, "fix", "r2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fixed 2 finding(s) in 1 file(s)" in result.stdout
    body = path.read_text().split("def upgrade():\n")[1].split("\n\n")[0]
    assert body == (
        "    # why\n"
        "    op.execute(\"SET lock_timeout = '3s'\")\n"
        '    op.add_column("users", sa.Column("nick", sa.Text()))\n'
        "    op.execute(\"SET statement_timeout = '1h'\")\n"
        '    op.execute("UPDATE users SET nick = email WHERE id < 100")'
    )
    lint = run_cli(tmp_path, "--format", "json", "lint", "r2")
    assert json.loads(lint.stdout)["findings"] == []


def test_an_unnamed_foreign_key_gets_postgresqls_name_and_its_downgrade_too() -> None:
    source = (
        "def upgrade():\n"
        "    op.create_foreign_key(\n"
        '        None, "teams", "brackets", ["bracket_id"], ["id"], ondelete="SET NULL"\n'
        "    )\n\n\n"
        "def downgrade():\n"
        '    op.drop_constraint(None, "teams", type_="foreignkey")\n'
    )
    statement = (
        "ALTER TABLE teams ADD FOREIGN KEY(bracket_id) REFERENCES brackets (id) ON DELETE SET NULL;"
    )
    result = fix_source(source, [_finding("constraint-without-not-valid", 2, statement)])
    assert result.source == (
        "def upgrade():\n"
        "    op.create_foreign_key(\n"
        '        op.f("teams_bracket_id_fkey"), "teams", "brackets", ["bracket_id"], ["id"], '
        'ondelete="SET NULL", postgresql_not_valid=True\n'
        "    )\n"
        "    with op.get_context().autocommit_block():\n"
        '        op.execute(\'ALTER TABLE "teams" VALIDATE CONSTRAINT "teams_bracket_id_fkey"\')\n\n\n'
        "def downgrade():\n"
        '    op.drop_constraint(op.f("teams_bracket_id_fkey"), "teams", type_="foreignkey")\n'
    )
