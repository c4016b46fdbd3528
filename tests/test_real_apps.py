"""The whole adoption story on trimmed copies of public applications (tests/real_apps/*/README.md
says where each comes from): init --write installs each app its own way, the hook stops a model
change with a revision, `check` catches what skipped the hook and reports a broken revision in
every output, `trace --seed` runs the generated revision."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import git
from tests.real_apps.story import IGNORED, App, Edit, Story, tell
from tests.test_workflows import tool, zizmor

pytestmark = pytest.mark.slow

ENV_PY_WITHOUT_MODELS = (
    "the app's env.py imports app.database.base but never the models, so target_metadata is "
    "empty: autogenerate would write a revision dropping all six tables, and migration-guard "
    "refuses it in one line (exit 2, test_an_env_py_without_models_is_refused_in_one_line); "
    "the steps that need a generated revision cannot run on this app as published"
)

APPS = [
    App(
        name="minimal-fastapi-postgres-template",
        versions="alembic/versions",
        install_lines=('      python-version: "3.14"', "      install: uv"),
        change=Edit(
            "app/auth/models.py",
            "    exp: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)\n",
            "    exp: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)\n"
            "    device: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)\n",
        ),
        added=("auth_refresh_token", "device"),
        unreviewed=Edit(
            "app/auth/models.py",
            "    used: Mapped[bool]",
            "    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))\n"
            "    used: Mapped[bool]",
        ),
        unreviewed_problem="add column auth_refresh_token.revoked_at (DateTime(timezone=True), nullable)",
        table="auth_user",
    ),
    App(
        name="fastapi-react",
        versions="backend/app/alembic/versions",
        install_lines=(
            "      install: requirements",
            '      requirements: "backend/requirements.txt"',
        ),
        change=Edit(
            "backend/app/db/models.py",
            "    is_superuser = Column(Boolean, default=False)\n",
            "    is_superuser = Column(Boolean, default=False)\n"
            "    nickname = Column(String, nullable=True)\n",
        ),
        added=("user", "nickname"),
        unreviewed=Edit(
            "backend/app/db/models.py",
            "    first_name = Column(String)\n",
            "    first_name = Column(String)\n    middle_name = Column(String)\n",
        ),
        unreviewed_problem="add column user.middle_name (String(), nullable)",
        table="user",
    ),
    App(
        name="fastapi-sqlmodel-alembic",
        versions="project/migrations/versions",
        install_lines=(
            "      install: requirements",
            '      requirements: "project/requirements.txt"',
        ),
        change=Edit(
            "project/app/models.py",
            "    year: Optional[int] = None\n",
            "    year: Optional[int] = None\n    album: Optional[str] = None\n",
        ),
        added=("song", "album"),
        unreviewed=Edit(
            "project/app/models.py",
            "    artist: str\n",
            "    artist: str\n    label: Optional[str] = None\n",
        ),
        unreviewed_problem="add column song.label (AutoString(), nullable)",
        table="song",
    ),
    App(
        name="event-management-system",
        versions="app/migrations/versions",
        install_lines=('      python-version: "3.11"', "      install: poetry"),
        change=Edit(
            "app/database/models/tag.py",
            '    __tablename__ = "tags"\n',
            '    __tablename__ = "tags"\n    label: Mapped[str | None]\n',
        ),
        added=("tags", "label"),
        unreviewed=Edit(
            "app/database/models/role.py",
            '    __tablename__ = "roles"\n',
            '    __tablename__ = "roles"\n    label: Mapped[str | None]\n',
        ),
        unreviewed_problem="add column roles.label (String(), nullable)",
        table="events",
        xfail={
            "hook-generates": ENV_PY_WITHOUT_MODELS,
            "hook-again": ENV_PY_WITHOUT_MODELS,
            "hook-passes": ENV_PY_WITHOUT_MODELS,
            "check-drift": ENV_PY_WITHOUT_MODELS,
            "check-broken": ENV_PY_WITHOUT_MODELS,
            "trace-seed": ENV_PY_WITHOUT_MODELS,
        },
        # .env.example's variables a revision reads (env.py's POSTGRES_URI is pinned by init)
        environment={"ADMIN_PASSWORD": "change-me"},
    ),
    App(
        name="microblog",
        versions="migrations/versions",
        # v0.4 lists no dependencies (requirements.txt comes chapters later): nothing to install
        install_lines=(
            '      package: "migration-guard @ git+https://github.com/OWNER/migration-guard@SHA"',
        ),
        change=Edit(
            "app/models.py",
            "    password_hash: so.Mapped[Optional[str]] = so.mapped_column(sa.String(256))\n",
            "    password_hash: so.Mapped[Optional[str]] = so.mapped_column(sa.String(256))\n"
            "    about_me: so.Mapped[Optional[str]] = so.mapped_column(sa.String(140))\n",
        ),
        added=("user", "about_me"),
        unreviewed=Edit(
            "app/models.py",
            "    body: so.Mapped[str] = so.mapped_column(sa.String(140))\n",
            "    body: so.Mapped[str] = so.mapped_column(sa.String(140))\n"
            "    language: so.Mapped[Optional[str]] = so.mapped_column(sa.String(5))\n",
        ),
        unreviewed_problem="add column post.language (String(5), nullable)",
        table="user",
    ),
]

SHA = "0123456789abcdef0123456789abcdef01234567"
BROKEN = '''"""delete from a table that does not exist

Revision ID: b0000000000e
Revises: {parent}
"""
from alembic import op

revision = "b0000000000e"
down_revision = "{parent}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM no_such_table WHERE id = 1")


def downgrade():
    pass
'''


@pytest.fixture(scope="module", params=APPS, ids=[app.name for app in APPS])
def story(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Story:
    app: App = request.param
    return tell(app, tmp_path_factory.mktemp(app.name))


def expect(request: pytest.FixtureRequest, story: Story, step: str) -> None:
    """Mark this step of this app as a known failure, strictly, when the app says so."""
    reason = story.app.xfail.get(step)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def said(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_init_write_installs_the_app_its_own_way(
    story: Story, request: pytest.FixtureRequest
) -> None:
    expect(request, story, "init")
    result = story.guard("init", "--write")
    assert result.returncode == 0, said(result)
    path = story.repo / ".github/workflows/migration-guard.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert tuple(lines[-len(story.app.install_lines) :]) == story.app.install_lines
    # what init's note asks for when this copy was not installed from a pinned git URL
    pinned = path.read_text(encoding="utf-8").replace("OWNER", "acme").replace("@SHA", f"@{SHA}")
    path.write_text(pinned, encoding="utf-8")
    linted = subprocess.run(
        [tool("actionlint"), "-no-color", str(path)], cwd=story.repo, capture_output=True, text=True
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    code, findings = zizmor(path)
    assert (code, [f.get("ident") for f in findings]) == (0, [])
    story.git("add", "-A")
    story.git("commit", "-q", "-m", "migration-guard init --write")
    story.git("push", "-q", "origin", "main")
    story.git("checkout", "-q", "-b", "feature")


def test_install_hook(story: Story, request: pytest.FixtureRequest) -> None:
    expect(request, story, "install-hook")
    result = story.guard("install-hook")
    assert result.returncode == 0, said(result)
    assert (story.repo / ".git/hooks/pre-commit").is_file()


def test_a_model_change_is_stopped_with_a_revision(
    story: Story, request: pytest.FixtureRequest
) -> None:
    expect(request, story, "hook-generates")
    head = story.git("rev-parse", "HEAD")
    story.app.change.apply(story.repo)
    story.git("add", story.app.change.path)
    result = story.run("git", "commit", "-m", "a model change")
    assert result.returncode != 0, said(result)
    assert story.git("rev-parse", "HEAD") == head
    story.generated = story.untracked_revisions()
    assert len(story.generated) == 1, said(result)
    assert "commit stopped" in result.stdout + result.stderr, said(result)
    assert "could not render the downgrade offline" not in result.stdout, said(result)
    table, column = story.app.added
    written = (story.repo / story.app.versions / story.generated[0]).read_text(encoding="utf-8")
    adds = (
        rf"op\.add_column\(\s*['\"]{table}['\"],\s*sa\.Column\(['\"]{column}['\"]"
        # Flask-Migrate's env.py renders in batch mode
        rf"|op\.batch_alter_table\(['\"]{table}['\"].*\n\s*batch_op\.add_column\("
        rf"sa\.Column\(['\"]{column}['\"]"
    )
    assert re.search(adds, written), written


def test_committing_again_without_the_revision_makes_no_second_one(
    story: Story, request: pytest.FixtureRequest
) -> None:
    expect(request, story, "hook-again")
    head = story.git("rev-parse", "HEAD")
    result = story.run("git", "commit", "-m", "a model change")
    assert result.returncode != 0, said(result)
    assert story.git("rev-parse", "HEAD") == head
    assert story.untracked_revisions() == story.generated, said(result)
    assert story.generated
    # stopped for the reason, not by an error on the way
    assert "a revision there is not staged (`git add` it" in result.stderr, said(result)
    assert "error:" not in result.stderr, said(result)


def test_committing_with_the_revision_passes(story: Story, request: pytest.FixtureRequest) -> None:
    expect(request, story, "hook-passes")
    assert story.generated, "the hook generated no revision"
    story.git("add", story.app.versions)
    result = story.run("git", "commit", "-m", "a model change and its revision")
    assert result.returncode == 0, said(result)
    assert story.untracked_revisions() == []
    story.committed = story.git("rev-parse", "HEAD").strip()


def test_lint_renders_every_revision(story: Story, request: pytest.FixtureRequest) -> None:
    expect(request, story, "lint-renders")
    result = story.guard("--format", "json", "lint", "--all")
    assert result.returncode in (0, 1), said(result)
    report = json.loads(result.stdout)
    failed = [f["message"] for f in report["findings"] if f["rule"] == "render-failed"]
    assert failed == [], said(result)
    assert len(report["revisions"]) == len(story.revisions())


def test_a_change_that_skipped_the_hook_is_caught_by_check(
    story: Story, request: pytest.FixtureRequest
) -> None:
    expect(request, story, "check-drift")
    assert story.committed, "the story has no committed revision to build on"
    story.app.unreviewed.apply(story.repo)
    story.git("commit", "-q", "--no-verify", "-am", "a change nobody reviewed")
    try:
        result = story.guard("--format", "json", "check")
        assert result.returncode == 1, said(result)
        problems = json.loads(result.stdout)["problems"]
        drift = [p for p in problems if p["code"] == "models-without-migration"]
        assert [p["message"] for p in drift] == [story.app.unreviewed_problem], said(result)
        # the contract: the model file where known, else alembic.ini; never nothing
        assert drift[0]["path"] == story.app.unreviewed.path, said(result)
    finally:
        story.git("reset", "-q", "--hard", story.committed)


def test_a_broken_revision_is_reported_in_every_output(
    story: Story, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    expect(request, story, "check-broken")
    assert story.committed, "the story has no committed revision to build on"
    parent = head_of(story.repo / story.app.versions / story.generated[0])
    broken = f"{story.app.versions}/b0000000000e_broken.py"
    (story.repo / broken).write_text(BROKEN.format(parent=parent), encoding="utf-8")
    story.git("add", broken)
    story.git("commit", "-q", "--no-verify", "-m", "a broken revision")
    sarif, summary = tmp_path / "out.sarif", tmp_path / "summary.md"
    try:
        result = story.guard(
            "--format",
            "github",
            "--sarif-file",
            str(sarif),
            "--summary-file",
            str(summary),
            "check",
            "--trace",
        )
        assert result.returncode == 1, said(result)
        annotation = f"::error file={broken},line=15,title=migration-guard%3A upgrade-failed::"
        assert annotation in result.stdout, said(result)
        results = json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
        assert "upgrade-failed" in {r["ruleId"] for r in results}
        assert "b0000000000e" in summary.read_text(encoding="utf-8")
    finally:
        story.git("reset", "-q", "--hard", story.committed)


def test_trace_seed_runs_the_generated_revision(
    story: Story, request: pytest.FixtureRequest
) -> None:
    expect(request, story, "trace-seed")
    assert story.generated, "the hook generated no revision"
    revision = head_of(story.repo / story.app.versions / story.generated[0], field="revision")
    result = story.guard("--format", "json", "trace", revision, "--seed")
    assert result.returncode in (0, 1), said(result)
    (traced,) = json.loads(result.stdout)["trace"]
    assert (traced["revision"], traced["upgrade"], traced["downgrade"]) == (revision, "ok", "ok")
    assert story.app.table in traced["seeded_tables"], said(result)


def test_an_env_py_without_models_is_refused_in_one_line(story: Story) -> None:
    """Event-Management-System's env.py never imports its table classes: never a revision that
    drops every table, but one line naming the cause (exit 2)."""
    if story.app.name != "event-management-system":
        pytest.skip("only this app's env.py leaves its models out")
    result = story.guard("new", "probe", "--runner", "local", "--dry-run")
    assert result.returncode == 2, said(result)
    assert result.stderr.strip().splitlines()[-1] == (
        "migration-guard: error: env.py's target_metadata holds no table, so autogenerate would "
        "drop all 6 tables the migrations built: env.py does not import the models. Import the "
        "modules that define the table classes in env.py (for example `import app.models`) "
        "before target_metadata is set"
    ), said(result)
    drift = story.guard("drift")
    assert drift.returncode == 2, said(drift)
    assert "env.py does not import the models" in drift.stderr, said(drift)


def head_of(path: Path, field: str = "revision") -> str:
    match = re.search(rf"^{field}(?::[^=]*)? = ['\"]([0-9a-f]+)['\"]", path.read_text(), re.M)
    assert match, path
    return match.group(1)


def test_the_published_history_with_its_second_root_has_two_heads(tmp_path: Path) -> None:
    """fastapi-sqlmodel-alembic as published: a stale second root beside the live one."""
    (app,) = [app for app in APPS if app.name == "fastapi-sqlmodel-alembic"]
    repo = tmp_path / "repo"
    shutil.copytree(app.source, repo, ignore=IGNORED)
    for path in sorted((app.source / "published-second-root").glob("*.py")):
        shutil.copy(path, repo / app.versions)
    git(repo, "init", "-q")
    run = [sys.executable, "-m", "migration_guard"]
    assert subprocess.run([*run, "init"], cwd=repo, capture_output=True).returncode == 0
    result = subprocess.run(
        [*run, "--format", "json", "heads"], cwd=repo, capture_output=True, text=True
    )
    assert result.returncode == 1, said(result)
    report = json.loads(result.stdout)
    assert sorted(report["heads"]) == ["53754b2c08a4", "f68b489cdeb0"]
    assert [(p["code"], sorted(p["revisions"])) for p in report["problems"]] == [
        ("multiple-heads", ["53754b2c08a4", "f68b489cdeb0"])
    ]
