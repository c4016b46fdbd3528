"""The CLI verbs: each module has ``run(invocation) -> exit code``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migration_guard.config import Config
    from migration_guard.findings import Report


@dataclass(frozen=True)
class Invocation:
    """What every command gets: the project, the output format, and its parsed arguments."""

    project: Path
    format: str
    color: bool
    arguments: argparse.Namespace
    summary_file: str | None = None
    sarif_file: str | None = None

    def config(self) -> Config:
        from migration_guard.config import load_config

        return load_config(self.project)

    def emit(self, report: Report) -> None:
        """Print ``report`` in the chosen format on stdout."""
        from migration_guard.report import render_report, write_outputs

        text = render_report(report, self.format, color=self.color)
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
        write_outputs(report, summary_file=self.summary_file, sarif_file=self.sarif_file)
