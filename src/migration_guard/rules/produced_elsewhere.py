"""Documentation of findings produced outside the rules: rendering and suppressions."""

from __future__ import annotations

from migration_guard.rules.base import Rule


class RenderFailed(Rule):
    """A revision could not be rendered to SQL offline.

    What it flags
    -------------
    A revision for which ``alembic upgrade PREV:REV --sql`` failed: env.py without offline
    mode, a migration that reads the database (``op.get_bind()``), an import error. The
    finding says why in one line; the other revisions are still linted.

    Why it hurts
    ------------
    Nothing in that revision was checked, so every other rule is silent about it.

    Do this instead
    ---------------
    Keep revisions renderable offline: no queries in ``upgrade()``, data changes as SQL::

        op.execute("UPDATE orders SET status = 'new' WHERE status IS NULL")

    and make env.py's ``run_migrations_offline()`` work with only a URL.
    """

    id = "render-failed"
    severity = "warning"
    summary = "revision could not be rendered offline, so it was not linted"
    help = "Make the revision and env.py work with `alembic upgrade --sql` (no database)."
    produced_elsewhere = True


class SuppressionWithoutReason(Rule):
    """A suppression comment that gives no reason.

    What it flags
    -------------
    ``# migration-guard: ignore[rule-id]`` (or ``-- migration-guard: ignore[rule-id]`` in SQL)
    with nothing after the closing bracket. The suppression still applies.

    Why it hurts
    ------------
    The next reader cannot tell whether the hazard was understood or just silenced.

    Do this instead
    ---------------
    Say why it is safe, after the bracket::

        # migration-guard: ignore[drop-column] unused since release 42
        op.drop_column("orders", "legacy_code")
    """

    id = "suppression-without-reason"
    severity = "warning"
    summary = "suppression comment without a reason"
    help = "Write the reason after the bracket: `ignore[rule-id] why this is safe`."
    produced_elsewhere = True


class UnusedSuppression(Rule):
    """A suppression comment that silences nothing.

    What it flags
    -------------
    A ``migration-guard: ignore[…]`` id that matched no finding: the hazard was fixed, the
    comment sits on the wrong line, or the id is misspelt (unknown ids are reported too).
    Ids of rules turned off with ``disable`` are not reported.

    Why it hurts
    ------------
    A stale suppression will silently hide the next real finding on that line.

    Do this instead
    ---------------
    Delete it, or move it onto the ``op.`` line (or the line above it)::

        # migration-guard: ignore[index-not-concurrent] table has 12 rows
        op.create_index("ix_flags_name", "flags", ["name"])
    """

    id = "unused-suppression"
    severity = "warning"
    summary = "suppression comment that silences nothing"
    help = "Remove the comment or put it on the op. line (or the line above)."
    produced_elsewhere = True
