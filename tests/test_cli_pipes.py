"""A reader that closes stdout early (``| head -1``) ends the run quietly, like a Unix tool."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import add_revision, make_project


def _closed_pipe_run(*args: str, cwd: Path) -> tuple[int, str]:
    """Run the CLI with stdout a pipe whose reading end is closed before it writes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "migration_guard", "--no-color", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the interpreter has even started
    stderr = process.stderr.read().decode()
    return process.wait(), stderr


@pytest.mark.parametrize(
    "args", [("rules",), ("--help",), ("heads",), ("--format", "json", "rules")]
)
def test_closed_pipe_is_a_quiet_141(tmp_path: Path, args: tuple[str, ...]) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    for _ in range(3):
        code, stderr = _closed_pipe_run(*args, cwd=tmp_path)
        assert stderr == ""
        # argparse itself swallows the write error of --help and exits 0
        assert code == (0 if args == ("--help",) else 141)


def test_rules_into_head_through_a_shell(tmp_path: Path) -> None:
    command = (
        f'{sys.executable} -m migration_guard rules | head -1; echo "status=${{PIPESTATUS[0]}}" >&2'
    )
    for _ in range(5):
        result = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert result.stdout.count("\n") == 1
        status_line = result.stderr.strip()
        assert status_line in ("status=0", "status=141"), result.stderr
