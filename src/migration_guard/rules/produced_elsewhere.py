"""Documentation of findings produced outside the rules: rendering and suppressions."""

from __future__ import annotations

from migration_guard.rules.base import Rule


class RenderFailed(Rule):
    """A revision could not be judged: neither rendered offline nor run on PostgreSQL.

    What it flags
    -------------
    A revision for which ``alembic upgrade PREV:REV --sql`` failed (env.py without offline
    mode, a migration that reads the database with ``op.get_bind()``) is run instead on a
    throwaway PostgreSQL at its parent and linted from the SQL it executed (those findings end
    with "judged from execution"). This rule flags the revision that failed both ways, with
    both causes, and one that cannot even be imported (a module the environment lacks is
    named, with the fix). The other revisions are still linted.

    A warning in ``lint`` and the hook; an error in ``check``, which fails closed, unless the
    ``severity`` setting names this rule.

    Why it hurts
    ------------
    Nothing in that revision was checked, so every other rule is silent about it.

    Do this instead
    ---------------
    Make the upgrade run on a database built by the history alone, and keep revisions
    renderable offline where you can: data changes as SQL::

        op.execute("UPDATE orders SET status = 'new' WHERE status IS NULL")

    and make env.py's ``run_migrations_offline()`` work with only a URL. A revision reviewed
    by hand: ``# migration-guard: ignore[render-failed] reason`` at the top of its file.
    """

    id = "render-failed"
    severity = "warning"
    summary = "revision neither rendered offline nor run on PostgreSQL, so it was not judged"
    help = "Make the upgrade run on a database built by the history alone (and offline)."
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
