"""The README's promises: its two set-up commands, and that CI runs the test command it shows."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_two_commands() -> None:
    demo, tests = readme_commands()
    assert "migration-guard --project examples/verity-prism" in demo
    assert "pytest" in tests


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, tests = readme_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci_lines


def test_readme_lists_every_rule() -> None:
    from migration_guard.rules import ALL_RULES

    text = (ROOT / "README.md").read_text()
    missing = [rule.id for rule in ALL_RULES if f"`{rule.id}`" not in text]
    assert missing == []
