"""Where ``lint`` findings point: batch mode, helpers, revisions that fail to render."""

from __future__ import annotations

import json
from pathlib import Path

from tests.projects import add_revision, make_project, run_cli

ORIGIN = "op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))"

BATCH = """\
with op.batch_alter_table("t") as batch_op:
    batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
    batch_op.add_column(
        sa.Column("language", sa.String(8), nullable=False)
    )
    batch_op.drop_column("legacy")
"""


def lint_json(root: Path, *args: str) -> tuple[int, dict]:
    result = run_cli(root, "--format", "json", "lint", *args)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def line_of(path: Path, needle: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def by_rule(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in document["findings"]:
        found.setdefault(finding["rule"], []).append(finding)
    return found


def test_batch_findings_point_at_the_batch_op_line(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade=ORIGIN)
    path = add_revision(tmp_path, "b2", "a1", upgrade=BATCH)
    code, document = lint_json(tmp_path)
    found = by_rule(document)
    (not_null,) = found["not-null-without-default"]
    # the call spans lines: the finding is on its first line, where a suppression goes
    assert not_null["line"] == line_of(path, 'sa.Column("language"') - 1
    (drop,) = found["drop-column"]
    assert drop["line"] == line_of(path, 'batch_op.drop_column("legacy")')
    assert code == 1


def test_suppression_on_a_batch_op_line_silences_that_operation(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade=ORIGIN)
    body = BATCH.replace(
        'batch_op.drop_column("legacy")',
        "# migration-guard: ignore[drop-column] nothing reads it since 2.3\n"
        '    batch_op.drop_column("legacy")',
    ).replace(
        "batch_op.add_column(\n",
        "batch_op.add_column(  # migration-guard: ignore[not-null-without-default] empty table\n",
    )
    add_revision(tmp_path, "b2", "a1", upgrade=body)
    code, document = lint_json(tmp_path)
    assert (code, document["findings"]) == (0, [])


def test_op_call_inside_a_helper_points_at_the_call_in_upgrade(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade=ORIGIN)
    path = add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade='_add_required("t", "language")\n_add_required("t", "region")',
    )
    path.write_text(
        path.read_text()
        + "\n\ndef _add_required(table, name):\n"
        + "    op.add_column(table, sa.Column(name, sa.String(8), nullable=False))\n"
    )
    code, document = lint_json(tmp_path)
    lines = sorted(f["line"] for f in by_rule(document)["not-null-without-default"])
    assert lines == [
        line_of(path, '_add_required("t", "language")'),
        line_of(path, '_add_required("t", "region")'),
    ]
    assert code == 1


def render_failed_of(root: Path) -> dict:
    code, document = lint_json(root)
    (finding,) = [f for f in document["findings"] if f["rule"] == "render-failed"]
    assert code == 0
    return finding


def test_render_failed_points_at_the_raising_line(tmp_path: Path) -> None:
    make_project(tmp_path)
    path = add_revision(
        tmp_path, "a1", None, upgrade="note = 'offline'\nraise RuntimeError('no rows offline')"
    )
    finding = render_failed_of(tmp_path)
    assert finding["path"] == "migrations/versions/a1.py"
    assert finding["line"] == line_of(path, "raise RuntimeError")
    assert f"(a1.py:{finding['line']})" in finding["message"]


def test_render_failed_reading_rows_offline_points_at_the_read(tmp_path: Path) -> None:
    make_project(tmp_path)
    path = add_revision(
        tmp_path,
        "a1",
        None,
        upgrade="bind = op.get_bind()\nrows = bind.execute(sa.text('SELECT id FROM t')).fetchall()",
    )
    finding = render_failed_of(tmp_path)
    assert finding["line"] == line_of(path, "rows = bind.execute")


def test_render_failed_inside_alembic_names_the_op_line_not_a_generated_wrapper(
    tmp_path: Path,
) -> None:
    # the op. functions are generated (exec'd) proxies: their frames say <string>
    make_project(tmp_path)
    path = add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            "op.create_table('t', sa.Column('id', sa.Integer()))\n"
            "op.alter_column(\n"
            "    't', 'id', server_default=object()\n"
            ")"
        ),
    )
    finding = render_failed_of(tmp_path)
    assert "<string>" not in finding["message"]
    assert finding["line"] == line_of(path, "op.alter_column(")
    assert f"(a1.py:{finding['line']})" in finding["message"]


def test_suppression_on_the_raising_line_silences_render_failed(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            "# migration-guard: ignore[render-failed] data fix, reviewed by hand\n"
            "rows = op.get_bind().execute(sa.text('SELECT id FROM t')).fetchall()"
        ),
    )
    code, document = lint_json(tmp_path)
    assert (code, document["findings"]) == (0, [])
