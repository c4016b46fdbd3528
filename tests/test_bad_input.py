"""Every malformed input through every command it reaches: exit 2, one stderr line, nothing changed.

Each case breaks one thing in an otherwise good project (a real git repository with a staged
revision, so ``hook`` reaches it too) and runs the real command as a subprocess.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.projects import add_revision, git, init_repo, make_project

GOOD_PYPROJECT = '[tool.migration-guard]\nalembic_ini = "alembic.ini"\nbase = "main"\n'
GOOD_INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def _write(name: str, data: bytes) -> Callable[[Path], list[str]]:
    def breaks(root: Path) -> list[str]:
        (root / name).write_bytes(data)
        return []

    return breaks


def _deep_revision(root: Path) -> list[str]:
    depth = "-" * 100_000
    source = f'revision = "deep"\ndown_revision = "a1"\nx = {depth}1\n'
    (root / "migrations" / "versions" / "deep.py").write_text(source)
    return []


def _syntax_error(root: Path) -> list[str]:
    (root / "migrations" / "versions" / "broken.py").write_text("revision = (\n")
    return []


def _summary_is_a_directory(root: Path) -> list[str]:
    (root / "summary").mkdir()
    return ["--summary-file", str(root / "summary")]


def _project_is_a_file(root: Path) -> list[str]:
    return ["--project", str(root / "alembic.ini")]


def _pyproject(extra: str) -> Callable[[Path], list[str]]:
    return _write("pyproject.toml", (GOOD_PYPROJECT + extra).encode())


def _ini(extra: str) -> Callable[[Path], list[str]]:
    return _write("alembic.ini", (GOOD_INI + extra).encode())


def _link_to(name: str, target: str) -> Callable[[Path], list[str]]:
    def breaks(root: Path) -> list[str]:
        (root / name).unlink(missing_ok=True)
        (root / name).symlink_to(target)
        return []

    return breaks


def _fifo(name: str) -> Callable[[Path], list[str]]:
    def breaks(root: Path) -> list[str]:
        (root / name).unlink(missing_ok=True)
        os.mkfifo(root / name)
        return []

    return breaks


def _alias_bomb(top: str) -> bytes:
    """Nine levels of nine aliases: 710 bytes that stand for 9**9 strings."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\n" + top).encode()


def _interpolation_bomb() -> bytes:
    """Ten levels of nine ``%(name)s`` references each, within configparser's depth limit."""
    lines = ["[alembic]", "script_location = %(here)s/migrations", "x0 = lol"]
    lines += [f"x{level} = " + f"%(x{level - 1})s" * 9 for level in range(1, 10)]
    lines.append("version_locations = %(x9)s")
    return ("\n".join(lines) + "\n").encode()


def _big_revision(root: Path) -> list[str]:
    padding = "#" * 1000 + "\n"
    source = 'revision = "big"\ndown_revision = "a1"\n' + padding * 11_000
    (root / "migrations" / "versions" / "big.py").write_text(source)
    return []


def _pre_commit_bomb(root: Path) -> list[str]:
    (root / ".pre-commit-config.yaml").write_bytes(_alias_bomb("repos: *i\n"))
    return []


CONFIG = ("heads", "lint", "check", "rebase", "hook", "new", "trace")
GRAPH = ("heads", "lint", "check", "hook", "trace")
CASES: dict[str, tuple[Callable[[Path], list[str]], tuple[str, ...]]] = {
    "ini-not-utf8": (
        _write("alembic.ini", b"[alembic]\nscript_location = migr\xffations\n"),
        CONFIG,
    ),
    "ini-unparsable": (_write("alembic.ini", b"script_location = x\n"), CONFIG),
    "ini-bad-interpolation": (_ini("version_locations = %(nope)s/v\n"), CONFIG),
    "ini-unknown-package": (
        _write("alembic.ini", b"[alembic]\nscript_location = nopkg.x:m\n"),
        CONFIG,
    ),
    "ini-versions-outside": (_ini("version_locations = /etc\n"), CONFIG),
    "ini-bad-separator": (_ini("version_locations = a\npath_separator = pipe\n"), CONFIG),
    "pyproject-not-utf8": (
        _write("pyproject.toml", GOOD_PYPROJECT.encode() + b'base = "\xff"\n'),
        CONFIG,
    ),
    "pyproject-not-toml": (_write("pyproject.toml", b"[tool.migration-guard\n"), CONFIG),
    "pyproject-tool-not-table": (_write("pyproject.toml", b'tool = "x"\n'), CONFIG),
    "pyproject-unknown-key": (_pyproject("colour = true\n"), CONFIG),
    "pyproject-url-env-empty": (_pyproject('database_url_env = ""\n'), CONFIG),
    "pyproject-url-env-assignment": (_pyproject('database_url_env = "A=B"\n'), CONFIG),
    "pyproject-max-heads-zero": (_pyproject("max_heads = 0\n"), CONFIG),
    "revision-syntax-error": (_syntax_error, GRAPH),
    "revision-too-deep": (_deep_revision, GRAPH),
    "pyproject-dev-zero": (_link_to("pyproject.toml", "/dev/zero"), (*CONFIG, "init")),
    "pyproject-fifo": (_fifo("pyproject.toml"), ("heads", "lint", "check", "new", "init")),
    "pyproject-too-big": (_pyproject("# " + "x" * (5 * 1024 * 1024) + "\n"), (*CONFIG, "init")),
    "ini-dev-zero": (_link_to("alembic.ini", "/dev/zero"), CONFIG),
    "ini-interpolation-bomb": (_write("alembic.ini", _interpolation_bomb()), (*CONFIG, "init")),
    "compose-alias-bomb": (
        _write("docker-compose.yml", _alias_bomb("services:\n  db:\n    environment: *i\n")),
        ("init",),
    ),
    "compose-too-big": (
        _write("docker-compose.yml", b"services: {}\n" + b"#" * (2 * 1024 * 1024) + b"\n"),
        ("init",),
    ),
    "compose-fifo": (_fifo("docker-compose.yml"), ("init",)),
    "pre-commit-alias-bomb": (_pre_commit_bomb, ("init-write",)),
    "revision-too-big": (_big_revision, GRAPH),
    "sql-file-dev-zero": (_link_to("query.sql", "/dev/zero"), ("lint-sql",)),
    "summary-file-is-directory": (_summary_is_a_directory, (*CONFIG, "rules")),
    "project-is-a-file": (_project_is_a_file, (*CONFIG, "lint-sql", "rules")),
}

MESSAGES = {
    "pyproject-dev-zero": r".*pyproject\.toml: cannot read: not a regular file \(a device\)",
    "pyproject-fifo": r".*pyproject\.toml: cannot read: not a regular file \(a FIFO\)",
    "pyproject-too-big": r".*pyproject\.toml: cannot read: 5\.0 MiB is over the 4 MiB .*",
    "ini-dev-zero": r".*alembic\.ini: cannot read: not a regular file \(a device\)",
    "ini-interpolation-bomb": r".*alembic\.ini: .*interpolation builds a value over 64 KiB",
    "compose-alias-bomb": r".*docker-compose\.yml: cannot parse: its aliases expand to over .*",
    "compose-too-big": r".*docker-compose\.yml: cannot read: 2\.0 MiB is over the 1 MiB .*",
    "compose-fifo": r".*docker-compose\.yml: cannot read: not a regular file \(a FIFO\)",
    "pre-commit-alias-bomb": r".*\.pre-commit-config\.yaml: cannot parse: its aliases expand .*",
    "revision-too-big": r".*big\.py: cannot read: 10\.5 MiB is over the 10 MiB .*",
    "sql-file-dev-zero": r".*query\.sql: cannot read: not a regular file \(a device\)",
}
"""The one stderr line, where the exit code alone would not show which refusal it was."""

ARGUMENTS = {
    "init": ["init"],
    "init-write": ["init", "--write", "--force"],
    "lint": ["lint"],
    "lint-sql": ["lint", "--sql", "query.sql"],
    "new": ["new", "add things", "--dry-run"],
    "rebase": ["rebase", "--dry-run"],
    "hook": ["hook", "migrations/versions/b2.py"],
    "rules": ["rules"],
}


def good_project(root: Path) -> Path:
    make_project(root, pyproject='base = "main"\n')
    (root / "alembic.ini").write_text(GOOD_INI)
    (root / "pyproject.toml").write_text(GOOD_PYPROJECT)
    (root / "docker-compose.yml").write_text("services:\n  db:\n    image: postgres:16\n")
    (root / "query.sql").write_text("SELECT 1;\n")
    add_revision(root, "a1", None)
    init_repo(root)
    add_revision(root, "b2", "a1")
    git(root, "add", "-A")  # staged, so the hook reaches the graph and the config
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() if path.is_file() else b"<not a file>"
        for path in root.rglob("*")
        if not path.is_dir() and ".git" not in path.relative_to(root).parts
    }


@pytest.mark.parametrize(
    ("case", "command"),
    [(case, command) for case, (_, commands) in CASES.items() for command in commands],
)
def test_bad_input_is_exit_2_with_one_line(tmp_path: Path, case: str, command: str) -> None:
    root = good_project(tmp_path / "repo")
    breaks, _ = CASES[case]
    global_options = breaks(root)
    if command == "hook":
        git(root, "add", "-A")  # the hook judges the index: the bad input is what is staged
    if "--project" not in global_options:
        global_options += ["--project", str(root)]
    before = snapshot(root)
    environment = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    environment.pop("MIGRATION_GUARD_DEBUG", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_guard",
            *global_options,
            "--no-color",
            *ARGUMENTS.get(command, [command]),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("migration-guard: error: ")
    if case in MESSAGES:
        assert re.fullmatch(MESSAGES[case], result.stderr.strip()), result.stderr
    assert snapshot(root) == before


def _lint_stdin(root: Path, data: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--project", str(root), "lint", "--sql", "-"],
        input=data,
        capture_output=True,
        check=False,
    )


def test_stdin_sql_is_decoded_as_file_sql_is(tmp_path: Path) -> None:
    sql = b"ALTER TABLE t ADD COLUMN c integer NOT NULL;\n"
    (tmp_path / "with_bom.sql").write_bytes(b"\xef\xbb\xbf" + sql)
    from_file = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_guard",
            "--project",
            str(tmp_path),
            "--format",
            "json",
            "lint",
            "--sql",
            "with_bom.sql",
        ],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    from_stdin = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_guard",
            "--project",
            str(tmp_path),
            "--format",
            "json",
            "lint",
            "--sql",
            "-",
        ],
        input=b"\xef\xbb\xbf" + sql,
        capture_output=True,
        check=False,
    )
    assert from_file.returncode == from_stdin.returncode
    assert from_file.stdout.replace(b'"with_bom.sql"', b'"-"') == from_stdin.stdout
    bad = _lint_stdin(tmp_path, b"SELECT '\xff';\n")
    assert bad.returncode == 2
    (line,) = bad.stderr.decode().splitlines()
    assert line.startswith("migration-guard: error: <stdin>: cannot read SQL")


@dataclass(frozen=True)
class ProcessCase:
    """A hostile process state or argument: what to run, the exit code, the one stderr line."""

    argv: tuple[str, ...]
    code: int
    message: str
    """A regular expression the one stderr line must match in full."""
    stdout: str = "pipe"
    """``pipe``, ``closed`` (``>&-``) or ``full`` (``>/dev/full``)."""
    cwd_deleted: bool = False
    environment: dict[str, str] = field(default_factory=dict)
    non_ascii_root: bool = False


C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
PROCESS_CASES: dict[str, ProcessCase] = {
    "cwd-deleted": ProcessCase(
        ("heads",),
        2,
        r"the current directory is gone \(.*\): cd into the project again",
        cwd_deleted=True,
    ),
    "cwd-deleted-hook": ProcessCase(
        ("hook", "x.py"), 2, r"the current directory is gone .*", cwd_deleted=True
    ),
    "stdout-closed": ProcessCase(
        ("heads",), 3, r"stdout is closed: nothing can be reported", stdout="closed"
    ),
    "stdout-full-text": ProcessCase(
        ("heads",), 3, r"cannot write the output: No space left on device", stdout="full"
    ),
    "stdout-full-json": ProcessCase(
        ("--format", "json", "heads"), 3, r"cannot write the output: .*", stdout="full"
    ),
    "stdout-full-rules": ProcessCase(("rules",), 3, r"cannot write the output: .*", stdout="full"),
    "c-locale-non-ascii-path": ProcessCase(
        ("heads",),
        2,
        r".*broken(\\xe9|\\xc3\\xa9)\.py:1: syntax error: .*",
        environment=C_LOCALE,
        non_ascii_root=True,
    ),
    "c-locale-non-ascii-project-missing": ProcessCase(
        ("--project", "{root}/nowhere-\u00e9", "heads"),
        2,
        r".*nowhere-(\\xe9|\\xc3\\xa9): --project not found",
        environment=C_LOCALE,
    ),
    "base-empty": ProcessCase(
        ("heads", "--base", ""), 2, r"--base names no ref \(an empty string\).*"
    ),
    "base-empty-check": ProcessCase(("check", "--base", ""), 2, r"--base names no ref .*"),
    "base-blank-lint": ProcessCase(("lint", "--base", " "), 2, r"--base names no ref .*"),
    "base-is-a-tree": ProcessCase(
        ("heads", "--base", "HEAD^{tree}"), 2, r"base ref 'HEAD\^\{tree\}' does not name a commit"
    ),
    "base-is-a-blob": ProcessCase(
        ("heads", "--base", "HEAD:alembic.ini"), 2, r"base ref '.*' does not name a commit"
    ),
}


def _preexec(case: ProcessCase, folder: Path) -> Callable[[], None] | None:
    if case.cwd_deleted:

        def leave_a_deleted_folder() -> None:
            os.chdir(folder)
            os.rmdir(folder)

        return leave_a_deleted_folder
    if case.stdout == "closed":
        return lambda: os.close(1)
    return None


@pytest.mark.parametrize("case", PROCESS_CASES)
def test_hostile_process_state_is_one_line_and_the_documented_code(
    tmp_path: Path, case: str
) -> None:
    spec = PROCESS_CASES[case]
    root = good_project(tmp_path / ("proj\u00e9" if spec.non_ascii_root else "repo"))
    git(root, "commit", "-qm", "b2")
    if spec.non_ascii_root:
        (root / "migrations" / "versions" / "broken\u00e9.py").write_text("revision = (\n")
    doomed = tmp_path / "doomed"
    doomed.mkdir()
    environment = {**os.environ, **spec.environment}
    environment.pop("MIGRATION_GUARD_DEBUG", None)
    argv = [arg.replace("{root}", str(root)) for arg in spec.argv]
    options: dict[str, Any] = {"stdout": subprocess.PIPE}
    if spec.stdout == "full":
        options["stdout"] = open("/dev/full", "wb")  # noqa: SIM115 - closed below
    elif spec.stdout == "closed":
        options["stdout"] = subprocess.DEVNULL  # then closed in the child
    try:
        result = subprocess.run(
            [sys.executable, "-m", "migration_guard", *argv],
            cwd=root,
            stderr=subprocess.PIPE,
            env=environment,
            preexec_fn=_preexec(spec, doomed),  # the child is ours, started from one thread
            timeout=120,
            check=False,
            **options,
        )
    finally:
        if spec.stdout == "full":
            options["stdout"].close()
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr
    assert result.returncode == spec.code, stderr
    (line,) = stderr.splitlines()
    assert re.fullmatch("migration-guard: error: " + spec.message, line), line


def test_new_and_the_hook_skip_a_compose_bomb_quickly(tmp_path: Path) -> None:
    """``new`` and the hook read the compose file only for the test command they print: an
    alias bomb or an oversized file counts as no compose file, at once (it used to hang)."""
    (tmp_path / "bomb.yml").write_bytes(_alias_bomb("services:\n  db:\n    environment: *i\n"))
    (tmp_path / "big.yml").write_bytes(b"services: {}\n" + b"#" * (2 * 1024 * 1024) + b"\n")
    code = (
        "import sys; from pathlib import Path;"
        "from migration_guard.new.follow_ups import compose_services;"
        "print([compose_services(Path(name)) for name in sys.argv[1:]])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "bomb.yml"), str(tmp_path / "big.yml")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[{}, {}]"


def test_stdin_sql_has_the_sql_file_limit(tmp_path: Path) -> None:
    over = b"-- " + b"x" * (64 * 1024 * 1024) + b"\n"
    result = _lint_stdin(tmp_path, over)
    assert result.returncode == 2
    (line,) = result.stderr.decode().splitlines()
    assert line == (
        "migration-guard: error: <stdin>: cannot read: more than the 64 MiB migration-guard reads"
    )


def test_an_oversized_revision_in_the_base_commit_is_refused(tmp_path: Path) -> None:
    root = good_project(tmp_path / "repo")
    git(root, "commit", "-qm", "b2")
    git(root, "checkout", "-qb", "feature")
    git(root, "checkout", "-q", "main")
    _big_revision(root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "big")
    git(root, "checkout", "-q", "feature")
    result = subprocess.run(
        [sys.executable, "-m", "migration_guard", "heads", "--base", "main"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(
        r"migration-guard: error: migrations/versions/big\.py: cannot read: 10\.5 MiB is over "
        r"the 10 MiB migration-guard reads of a revision file",
        line,
    ), line
