"""The adoption story, told on a copy of a real application in a real git repository.

Each app under tests/real_apps/ is copied once per test module into a temporary repository with
an `origin` (a bare clone whose HEAD is `main`, as a GitHub checkout has), and the steps a team
goes through run against it in order: init --write, install-hook, a model change committed,
committed again without adding the revision, committed with it, a `--no-verify` change caught by
`check`, a broken revision reported with every output written, `trace --seed`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# our notes, and revisions the trimmed copy keeps aside (README.md says why)
IGNORED = shutil.ignore_patterns("README.md", "__pycache__", "published-*")


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (once) by ``new`` in ``path``: a model change a developer would make."""

    path: str
    old: str
    new: str

    def apply(self, repo: Path) -> None:
        target = repo / self.path
        text = target.read_text(encoding="utf-8")
        assert text.count(self.old) == 1, f"{self.path}: the anchor of the edit moved"
        target.write_text(text.replace(self.old, self.new), encoding="utf-8")


@dataclass(frozen=True)
class App:
    name: str
    versions: str  # the versions folder, from the repository root
    install_lines: tuple[str, ...]  # what init's workflow must say about installing the app
    change: Edit  # committed through the hook
    added: tuple[str, str]  # the (table, column) that change adds
    unreviewed: Edit  # committed with --no-verify, caught by check
    unreviewed_problem: str  # check's models-without-migration message for it
    table: str  # a table the history creates (trace --seed fills it)
    # what the developer's shell (or CI's `env:`) exports; an untracked .env would not reach the
    # hook, which works on an export of the staged tree
    environment: dict[str, str] = field(default_factory=dict)
    xfail: dict[str, str] = field(default_factory=dict)  # step name -> reason

    @property
    def source(self) -> Path:
        return HERE / self.name


@dataclass
class Story:
    """One app's repository and what the steps learnt so far."""

    app: App
    repo: Path
    env: dict[str, str]
    generated: list[str] = field(default_factory=list)  # revision files the hook wrote
    committed: str = ""  # the commit holding the model change and its revision

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=self.repo, env=self.env, capture_output=True, text=True, check=check
        )

    def guard(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-m", "migration_guard", *args)

    def git(self, *args: str) -> str:
        return self.run("git", *args, check=True).stdout

    def revisions(self) -> list[str]:
        folder = self.repo / self.app.versions
        return sorted(p.name for p in folder.glob("*.py"))

    def untracked_revisions(self) -> list[str]:
        listed = self.git("ls-files", "--others", "--exclude-standard", "--", self.app.versions)
        return sorted(Path(line).name for line in listed.splitlines() if line.endswith(".py"))


def tell(app: App, folder: Path) -> Story:
    """Copy the app into ``folder``/repo, commit it on `main`, give it an origin."""
    repo = folder / "repo"
    shutil.copytree(app.source, repo, ignore=IGNORED)
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    # the app's console scripts (post-write hooks: black, pre-commit) are this environment's, as
    # they would be in the developer's; PostgreSQL is the one on PATH, as for the other tests
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    # autogenerate orders some operations by set iteration (the drop_table calls of removed
    # tables): one hash seed makes every child write the same revision on every run
    env["PYTHONHASHSEED"] = "0"
    env.update(app.environment)
    story = Story(app, repo, env)
    story.git("init", "-q", "-b", "main")
    story.git("add", "-A")
    story.git("commit", "-q", "-m", f"{app.name} as published")
    origin = folder / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(origin)], check=True)
    story.git("remote", "add", "origin", str(origin))
    story.git("fetch", "-q", "origin")
    story.git("remote", "set-head", "origin", "main")
    return story
