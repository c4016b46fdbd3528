"""Every subcommand's `--help`: a description, help for every argument, and an example."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from migration_guard.cli import build_parser


def subparsers() -> dict[str, argparse.ArgumentParser]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("command", sorted(subparsers()))
def test_help_has_a_description_argument_help_and_an_example(command: str) -> None:
    parser = subparsers()[command]
    result = subprocess.run(
        [sys.executable, "-m", "migration_guard", command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shown = result.stdout
    description = shown.split("\n\n")[1]  # after the usage block
    assert not description.startswith(("positional arguments:", "options:")), shown
    assert len(description.split()) >= 8, description
    undocumented = [
        action.dest
        for action in parser._actions
        if not action.help or action.help == argparse.SUPPRESS
    ]
    assert not undocumented, f"{command}: no help for {undocumented}"
    assert "\nexample:\n  migration-guard" in shown or "\nexample:\n  " in shown, shown
    example_lines = shown.split("\nexample:\n", 1)[1].splitlines()
    assert any(command in line for line in example_lines), shown
