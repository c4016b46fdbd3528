"""What ``migration-guard COMMAND --help`` says about each command: a description and examples."""

from __future__ import annotations

import argparse
import textwrap

# command → (description, [(example, what it does)])
COMMAND_HELP: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "heads": (
        "Static check of the revision graph: files are read with ast, never imported. Reports "
        "more heads than max_heads (with the alembic merge command to run from here), a "
        "down_revision naming an unknown revision, duplicate ids, cycles and unparsable files.",
        [
            ("migration-guard heads", "the graph of the work tree"),
            ("migration-guard heads --base origin/main", "also: the branch is not stale"),
        ],
    ),
    "lint": (
        "Renders the chosen revisions offline (alembic upgrade --sql, no database), each with "
        "its own SQL, and reports what the rules find; a revision that cannot be rendered is "
        "run on a throwaway PostgreSQL and judged from what it executed. No selection lints "
        "every revision.",
        [
            ("migration-guard lint", "every revision"),
            ("migration-guard lint --base origin/main", "what the branch adds"),
            ("alembic upgrade head --sql | migration-guard lint --sql -", "SQL on stdin"),
        ],
    ),
    "new": (
        "The seed's five steps: which model files changed, autogenerate a revision (in docker "
        "compose, or against a private PostgreSQL at head), show upgrade()/downgrade() and "
        "their SQL, lint it, print the apply / roll back / test commands. Never runs upgrade "
        "on your database; no file is left behind when nothing changed.",
        [
            ('migration-guard new "add documents.language"', "generate, show and lint"),
            (
                'migration-guard new "add documents.language" --dry-run',
                "show it all, write nothing",
            ),
        ],
    ),
    "hook": (
        "The pre-commit entry point; decides from the index. Staged model changes and no "
        "staged revision: generates one with new, leaves it unstaged and stops the commit "
        "(exit 1). Staged revisions: heads plus lint of those revisions.",
        [
            ("migration-guard hook backend/app/models/user.py", "what pre-commit runs"),
            (
                'MIGRATION_MESSAGE="add nickname" git commit',
                "choose the generated revision's message",
            ),
        ],
    ),
    "check": (
        "The pull-request check: heads --base REF, lint of every revision added since the "
        "merge-base with REF, and the drift check of the committed tree. It fails closed: a "
        "revision it could not judge is an error (render-failed), one that fails to upgrade "
        "is a finding (upgrade-failed), and every output is written whatever one stage hit.",
        [
            ("migration-guard check --base origin/main", "in CI"),
            ("migration-guard --format github check", "annotations in a GitHub workflow"),
        ],
    ),
    "drift": (
        "Do the models match the migration history of the same tree? The committed tree (or "
        "the index) is compared by autogenerate on a throwaway PostgreSQL; never the work "
        "tree, never your database. Models ahead of the migrations want a revision "
        "(migration-guard new); migrations that build what the models lack want the models "
        "changed, not a new revision.",
        [
            ("migration-guard drift", "the committed tree (HEAD)"),
            ("migration-guard drift --staged", "what the next commit would hold"),
        ],
    ),
    "rebase": (
        "Points a stale branch's first new revision (down_revision and its Revises: line) at "
        "the base's head when the fix is unambiguous, and shows the diff. Refuses a file with "
        "staged, unstaged or untracked edits.",
        [
            ("migration-guard rebase --dry-run", "show the diff, write nothing"),
            ("migration-guard rebase --base origin/main", "rewrite the one line"),
        ],
    ),
    "fix": (
        "Rewrites the flagged op. calls of the chosen revisions into the safe pattern (index "
        "built CONCURRENTLY in an autocommit block, constraint added NOT VALID and validated "
        "apart, SET NOT NULL through a validated CHECK, UNIQUE/PRIMARY KEY USING INDEX), keeping "
        "every other byte of the file, and prints the unified diff. With no REV: the revisions "
        "added since the config base. Exit 0 when nothing flagged remains, 1 when findings "
        "without a mechanical fix remain (listed with their advice).",
        [
            ("migration-guard fix --diff", "show what the branch's revisions would become"),
            ("migration-guard fix 3f2a1c", "rewrite one revision file"),
            ("migration-guard fix --rule index-not-concurrent", "only that rule's findings"),
        ],
    ),
    "trace": (
        "Runs each chosen revision on a throwaway PostgreSQL: per statement the op. line, the "
        "locks held, tables rewritten and its duration; then downgrade and upgrade again.",
        [
            ("migration-guard trace head", "the newest revision"),
            ("migration-guard trace --base origin/main --seed", "the branch's, on synthetic rows"),
        ],
    ),
    "rules": (
        "Lists the rules (id, severity, on by default or opt-in, summary), or prints one "
        "rule's documentation.",
        [
            ("migration-guard rules", "the list"),
            ("migration-guard rules not-null-without-default", "one rule's documentation"),
        ],
    ),
    "install-hook": (
        "Writes .git/hooks/STAGE calling this migration-guard (core.hooksPath respected); a "
        "hook that is not ours is replaced only with --force, and kept aside.",
        [
            ("migration-guard install-hook", "the pre-commit hook"),
            ("migration-guard install-hook --stage pre-merge-commit", "also check merges"),
        ],
    ),
    "uninstall-hook": (
        "Removes the hooks install-hook wrote, and only those (a hook it replaced comes back).",
        [
            ("migration-guard uninstall-hook", "every stage"),
            ("migration-guard uninstall-hook --stage pre-commit", "one stage"),
        ],
    ),
}


def command_help(name: str) -> dict[str, object]:
    """``add_parser`` keywords for ``name``: description, the examples as epilog."""
    if name not in COMMAND_HELP:
        return {}
    description, examples = COMMAND_HELP[name]
    width = max(len(example) for example, _ in examples)
    lines = [f"  {example:<{width}}  # {what}" for example, what in examples]
    return {
        "description": textwrap.fill(description, width=78),
        "epilog": "example:\n" + "\n".join(lines),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }
