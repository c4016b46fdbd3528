"""The GitHub side: action.yml and the workflows lint clean and keep their hardening."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK_SH = ROOT / "ci" / "check.sh"
FILES = [ACTION, *WORKFLOWS]
SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    """The tool next to this interpreter (the venv), else on PATH; skip when absent."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed")
    return found


def run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    document = load(path)
    if path == ACTION:
        for step in document["runs"]["steps"]:
            yield "action", step
        return
    for job_id, job in document["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def test_workflows_exist() -> None:
    assert {path.name for path in WORKFLOWS} >= {"ci.yml", "migration-check.yml", "release.yml"}


def test_actionlint() -> None:
    result = run(tool("actionlint"), "-no-color", *map(str, WORKFLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("schema", "paths"),
    [("vendor.github-workflows", WORKFLOWS), ("vendor.github-actions", [ACTION])],
    ids=["workflows", "action"],
)
def test_check_jsonschema(schema: str, paths: list[Path]) -> None:
    result = run(tool("check-jsonschema"), "--builtin-schema", schema, *map(str, paths))
    assert result.returncode == 0, result.stdout + result.stderr


def zizmor(*inputs: Path) -> tuple[int, list[dict[str, Any]]]:
    result = run(tool("zizmor"), "--offline", "--format", "json", *map(str, inputs))
    findings = json.loads(result.stdout or "[]")
    assert isinstance(findings, list), result.stderr
    return result.returncode, findings


def test_zizmor_has_no_findings() -> None:
    code, findings = zizmor(*FILES)
    names = [finding.get("ident") for finding in findings]
    assert (code, names) == (0, [])


def test_zizmor_is_not_vacuous(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request_target\n"
        "permissions: write-all\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    code, findings = zizmor(bad)
    assert code != 0
    assert {"dangerous-triggers", "template-injection"} <= {f.get("ident") for f in findings}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_triggers_and_top_level_permissions(path: Path) -> None:
    workflow = load(path)
    assert "pull_request_target" not in triggers(workflow)
    assert "workflow_run" not in triggers(workflow)
    assert workflow["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_third_party_actions_pinned_by_sha_with_version_comment(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", line)
        if not match or match.group(1).startswith("./"):
            continue
        reference, rest = match.groups()
        assert SHA_PIN.match(reference), f"{path.name}: {reference} is not pinned by commit SHA"
        assert re.match(r"^\s+#\s*v\d", rest), f"{path.name}: {reference} has no `# vX` comment"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_expressions_inside_run_scripts(path: Path) -> None:
    for job_id, step in steps(path):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name} {job_id}: pass values via env"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_keep_no_credentials_and_fetch_history(path: Path) -> None:
    checkouts = [
        s for _, s in steps(path) if str(s.get("uses", "")).startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False
        assert step["with"]["fetch-depth"] == 0


RELEASE = ROOT / ".github" / "workflows" / "release.yml"


@pytest.mark.parametrize("path", [p for p in WORKFLOWS if p != RELEASE], ids=lambda p: p.name)
def test_write_permissions_only_where_sarif_is_uploaded(path: Path) -> None:
    for job_id, job in load(path)["jobs"].items():
        permissions = job.get("permissions", {})
        assert isinstance(permissions, dict), f"{job_id}: use an explicit permission map"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        uses = [str(step.get("uses", "")) for step in job.get("steps", [])]
        uploads = any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
        if uploads:
            assert writes == {"security-events"}
            # The job holding the write token runs no project code.
            assert not any("run" in step for step in job["steps"])
            assert not any(u.startswith("actions/checkout@") for u in uses)
        else:
            assert not writes, f"{path.name} {job_id} asks for {writes}"


def test_reusable_workflow_interface() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "migration-check.yml")
    call = triggers(workflow)["workflow_call"]
    assert set(call["inputs"]) >= {"base", "project", "python-version", "runner", "sarif"}
    package = call["inputs"]["package"]
    # No name on an index by default: a stranger could take it, and no release exists yet.
    assert package["required"] is True
    assert "default" not in package
    assert "migration-guard @ git+https://github.com/OWNER/migration-guard@SHA" in " ".join(
        package["description"].split()
    )


def test_action_interface() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "base",
        "install",
        "install-directory",
        "project",
        "python-version",
        "requirements",
        "runner",
        "sarif",
    }
    assert "sarif-file" in action["outputs"]
    scripts = "\n".join(step.get("run", "") for _, step in steps(ACTION))
    # the action installs itself, with the throwaway PostgreSQL the drift check needs
    assert '"${GITHUB_ACTION_PATH}[postgres]"' in scripts
    assert "ci/check.sh" in scripts


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """A stand-in for python that prints the arguments it was given, one per line."""
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n')
    fake.chmod(0o755)
    return fake


def check_sh(fake: Path, **env: str) -> list[str]:
    keep = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    result = subprocess.run(
        ["bash", str(CHECK_SH)],
        env={**keep, "MG_PYTHON": str(fake), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.splitlines()


def test_check_sh_defaults(fake_python: Path) -> None:
    assert check_sh(fake_python) == [
        "-m",
        "migration_guard",
        "--project",
        ".",
        "--format",
        "text",
        "check",
    ]


def test_check_sh_on_github_pull_request(fake_python: Path, tmp_path: Path) -> None:
    summary = str(tmp_path / "summary.md")
    argv = check_sh(
        fake_python,
        GITHUB_ACTIONS="true",
        GITHUB_BASE_REF="release/1.x",
        GITHUB_STEP_SUMMARY=summary,
        MG_SARIF_FILE="out dir/guard.sarif",
        MG_PROJECT="my project",
    )
    assert argv == [
        "-m",
        "migration_guard",
        "--project",
        "my project",
        "--format",
        "github",
        "--summary-file",
        summary,
        "--sarif-file",
        "out dir/guard.sarif",
        "check",
        "--base",
        "origin/release/1.x",
    ]


@pytest.mark.parametrize(
    ("env", "base"),
    [
        ({"CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "develop"}, "origin/develop"),
        ({"CHANGE_TARGET": "main"}, "origin/main"),
        ({"MG_BASE": "upstream/main", "GITHUB_BASE_REF": "x"}, "upstream/main"),
    ],
)
def test_check_sh_base_from_other_ci(fake_python: Path, env: dict[str, str], base: str) -> None:
    argv = check_sh(fake_python, **env)
    assert argv[-2:] == ["--base", base]


def test_check_sh_passes_runner(fake_python: Path) -> None:
    assert check_sh(fake_python, MG_RUNNER="docker")[-2:] == ["--runner", "docker"]


def test_release_builds_attests_and_publishes_with_trusted_publishing() -> None:
    workflow = load(RELEASE)
    assert triggers(workflow) == {"push": {"tags": ["v*"]}}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "attestations": "write",
    }
    build_uses = [str(step.get("uses", "")) for step in build["steps"]]
    assert any(u.startswith("actions/attest-build-provenance@") for u in build_uses)
    assert any("python -m build" in step.get("run", "") for step in build["steps"])
    # The job that can publish holds no token but the OIDC one and runs no repository code.
    assert publish["needs"] == "build"
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    assert not any("run" in step for step in publish["steps"])
    publish_uses = [str(step.get("uses", "")) for step in publish["steps"]]
    assert publish_uses[-1].startswith("pypa/gh-action-pypi-publish@")
    assert "with" not in publish["steps"][-1], "trusted publishing needs no password"
