"""``init``'s workflow installs the application the way its files say, on the Python they ask for,
and every variant lints clean with actionlint and zizmor."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from migration_guard.adopt.install import detect_install
from migration_guard.adopt.snippets import source_from_direct_url, workflow
from tests.projects import git
from tests.test_init_command import init, root_project
from tests.test_workflows import tool, zizmor

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SOURCE = source_from_direct_url(
    {
        "url": "https://github.com/acme/migration-guard",
        "vcs_info": {"vcs": "git", "commit_id": COMMIT},
    }
)


def files(root: Path, spread: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in spread.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


CASES = {
    "uv": (
        {
            "uv.lock": "version = 1\n",
            "pyproject.toml": '[project]\nrequires-python = ">=3.14,<3.15"\n',
        },
        ("uv", ".", "", "3.14"),
        ['      python-version: "3.14"\n', "      install: uv\n"],
    ),
    "poetry": (
        {
            "poetry.lock": "",
            "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nsqlalchemy = "^2"\n',
        },
        ("poetry", ".", "", "3.11"),
        ['      python-version: "3.11"\n', "      install: poetry\n"],
    ),
    "requirements in backend, .python-version at the root": (
        {"backend/requirements.txt": "sqlalchemy\n", ".python-version": "3.13.1\n"},
        ("requirements", "backend", "backend/requirements.txt", "3.13"),
        [
            '      python-version: "3.13"\n',
            "      install: requirements\n",
            '      requirements: "backend/requirements.txt"\n',
        ],
    ),
    "uv lock in a sub-folder": (
        {"backend/uv.lock": "", "backend/.python-version": "3.12\n"},
        ("uv", "backend", "", "3.12"),
        [
            '      python-version: "3.12"\n',
            "      install: uv\n",
            '      install-directory: "backend"\n',
        ],
    ),
    "pyproject dependencies, an old floor": (
        {"pyproject.toml": '[project]\nrequires-python = ">=3.8"\ndependencies = ["sqlalchemy"]\n'},
        ("project", ".", "", "3.10"),
        ['      python-version: "3.10"\n', "      install: project\n"],
    ),
    "nothing": ({}, ("none", ".", "", ""), []),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_install_and_python_follow_the_projects_files(tmp_path: Path, case: str) -> None:
    spread, expected, lines = CASES[case]
    files(tmp_path, spread)
    (tmp_path / "backend").mkdir(exist_ok=True)
    found = detect_install(tmp_path / "backend", tmp_path)
    assert (found.kind, found.directory, found.requirements, found.python) == expected
    text = workflow(SOURCE, ".", found)
    added = text.splitlines(keepends=True)[text.splitlines().index("    with:") + 2 :]
    assert added == lines
    if found.kind == "none":
        assert "install:" not in text and "python-version" not in text


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_every_generated_workflow_passes_actionlint_and_zizmor(tmp_path: Path, case: str) -> None:
    spread, _, _ = CASES[case]
    project = files(tmp_path / "p", spread)
    (project / "backend").mkdir(exist_ok=True)
    path = tmp_path / ".github/workflows/migration-guard.yml"
    path.parent.mkdir(parents=True)
    path.write_text(workflow(SOURCE, "services/shop", detect_install(project / "backend", project)))
    git(tmp_path, "init", "-q")
    linted = subprocess.run(
        [tool("actionlint"), "-no-color", str(path)], cwd=tmp_path, capture_output=True, text=True
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
    code, findings = zizmor(path)
    assert (code, [f.get("ident") for f in findings]) == (0, [])


def test_init_write_puts_the_install_in_the_workflow_and_says_why(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    files(project, {"poetry.lock": "", ".python-version": "3.11\n"})
    git(project, "init", "-q")
    result = init(project, "--write")
    assert result.returncode == 0, result.stderr
    written = (project / ".github/workflows/migration-guard.yml").read_text()
    assert written.endswith('      python-version: "3.11"\n      install: poetry\n')
    assert "  CI install        poetry install (found poetry.lock)\n" in result.stdout
    assert "  CI python         3.11 (.python-version says 3.11)\n" in result.stdout
    document = json.loads(init(project, "--format", "json").stdout)
    assert document["workflow"]["install"]["kind"] == "poetry"
    assert document["workflow"]["text"] == written


def test_without_anything_to_install_init_says_so(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    result = init(project)
    assert result.returncode == 0, result.stderr
    assert (
        "  CI install        nothing (only migration-guard) (no uv.lock, poetry.lock, "
        "requirements.txt or pyproject.toml dependencies found)\n" in result.stdout
    )
    assert "  CI python         3.12 (nothing pins it: the workflow's default, 3.12)\n" in (
        result.stdout
    )


def test_the_reusable_workflow_runs_the_check_with_the_installed_python() -> None:
    from tests.test_workflows import ROOT, load, triggers

    reusable = load(ROOT / ".github/workflows/migration-check.yml")
    inputs = triggers(reusable)["workflow_call"]["inputs"]
    assert {"install", "install-directory", "requirements", "python-version"} <= set(inputs)
    steps = {step.get("id", step["name"]): step for step in reusable["jobs"]["check"]["steps"]}
    script = steps["install"]["run"]
    for command in (
        "uv sync --locked",
        "poetry install --no-interaction",
        '"${pip[@]}" -r "$requirements"',
    ):
        assert command in script
    assert steps["Check migrations"]["env"]["MG_PYTHON"] == "${{ steps.install.outputs.python }}"
    assert '"$MG_PYTHON" -m migration_guard' in steps["Check migrations"]["run"]


def test_a_url_read_from_a_uri_variable_is_the_database_url_env(tmp_path: Path) -> None:
    project = root_project(tmp_path)
    env_py = project / "migrations/env.py"
    env_py.write_text(env_py.read_text().replace('"APP_DB_URL"', '"POSTGRES_URI"'))
    result = init(project, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["settings"]["database_url_env"] == "POSTGRES_URI"


def test_the_reusable_workflow_runs_ci_install_sh_verbatim() -> None:
    """The workflow runs in the caller's checkout, so it carries the script's text; the action
    runs the file itself."""
    from tests.test_workflows import ACTION, ROOT, load

    script = (ROOT / "ci/install.sh").read_text(encoding="utf-8")
    body = "set -euo pipefail\n" + script.split("\nset -euo pipefail\n", 1)[1]
    reusable = load(ROOT / ".github/workflows/migration-check.yml")
    steps = {step.get("id"): step for step in reusable["jobs"]["check"]["steps"]}
    assert steps["install"]["run"] == body
    action_steps = {step.get("id"): step for step in load(ACTION)["runs"]["steps"]}
    assert 'bash "$GITHUB_ACTION_PATH/ci/install.sh"' in action_steps["install"]["run"]
    assert action_steps["check"]["env"]["MG_PYTHON"] == "${{ steps.install.outputs.python }}"


@pytest.fixture
def fake_tools(tmp_path: Path) -> Path:
    """python, uv and poetry stand-ins that log their arguments (and uv/poetry make a .venv)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "log"
    for name in ("python", "uv", "poetry"):
        fake = bin_dir / name
        make_venv = (
            "" if name == "python" else f"mkdir -p .venv/bin && cp {bin_dir}/python .venv/bin/\n"
        )
        fake.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n{make_venv}')
        fake.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(
    ("env", "commands", "python"),
    [
        (
            {"MG_INSTALL": "uv", "MG_DIRECTORY": "backend"},
            [
                "python -m pip install --disable-pip-version-check --quiet uv",
                "uv sync --locked --python {bin}/python",
                "uv pip install --quiet --python {work}/backend/.venv/bin/python PKG",
            ],
            "{work}/backend/.venv/bin/python",
        ),
        (
            {"MG_INSTALL": "poetry"},
            [
                "python -m pip install --disable-pip-version-check --quiet poetry",
                "poetry install --no-interaction",
                "python -m pip install --disable-pip-version-check --quiet PKG",
            ],
            "{work}/.venv/bin/python",
        ),
        (
            {"MG_REQUIREMENTS": "backend/requirements.txt"},
            [
                "python -m pip install --disable-pip-version-check --quiet "
                "-r backend/requirements.txt PKG"
            ],
            "python",
        ),
        (
            {},
            ["python -m pip install --disable-pip-version-check --quiet PKG"],
            "python",
        ),
    ],
    ids=["uv", "poetry", "requirements", "none"],
)
def test_install_sh_runs_the_install_and_names_the_python(
    fake_tools: Path, tmp_path: Path, env: dict[str, str], commands: list[str], python: str
) -> None:
    from tests.test_workflows import ROOT

    work = tmp_path / "work"
    (work / "backend").mkdir(parents=True)
    output = tmp_path / "output"
    result = subprocess.run(
        ["bash", str(ROOT / "ci/install.sh")],
        cwd=work,
        env={
            "PATH": f"{fake_tools}:/usr/bin:/bin",
            "MG_PACKAGE": "PKG",
            "GITHUB_OUTPUT": str(output),
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    places = {"bin": str(fake_tools), "work": str(work)}
    logged = (tmp_path / "log").read_text().splitlines()
    assert logged[: len(commands)] == [c.format(**places) for c in commands]
    assert output.read_text() == f"python={python.format(**places)}\n"


def test_install_sh_refuses_an_unknown_install(fake_tools: Path, tmp_path: Path) -> None:
    from tests.test_workflows import ROOT

    result = subprocess.run(
        ["bash", str(ROOT / "ci/install.sh")],
        cwd=tmp_path,
        env={"PATH": f"{fake_tools}:/usr/bin:/bin", "MG_PACKAGE": "PKG", "MG_INSTALL": "pipenv"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stdout == (
        "::error::install: unknown value (use uv, poetry, requirements, project or none)\n"
    )


@pytest.mark.parametrize(
    ("requires", "python"),
    [
        ("<3.13,>=3.11", "3.11"),
        ("==3.14.*", "3.14"),
        ("~=3.12.1", "3.12"),
        ("!=3.11.0, >=3.9", "3.10"),
        ("<4", ""),
    ],
)
def test_the_python_is_the_lower_bound_of_requires_python(
    tmp_path: Path, requires: str, python: str
) -> None:
    files(
        tmp_path, {"uv.lock": "", "pyproject.toml": f"[project]\nrequires-python = {requires!r}\n"}
    )
    assert detect_install(tmp_path, tmp_path).python == python
