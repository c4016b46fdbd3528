"""Findings on a protected table say only what is known: that the project lists it in
``protected_tables``, not that a trigger guards it or that the table exists (an app may have
neither, and the defaults name ``audit_log`` for every project)."""

from __future__ import annotations

from tests.rules.helpers import assert_flags


def test_audit_log_delete_names_the_setting_not_a_trigger() -> None:
    (finding,) = assert_flags("DELETE FROM audit_log WHERE id = 1;", "audit-log-delete")
    assert finding.message == (
        "DELETE on protected table `audit_log` (listed in protected_tables): "
        "its rows are meant to be kept."
    )
    assert "trigger" not in finding.help
    assert finding.help == (
        "Leave its rows alone; if rows must move, copy them elsewhere and keep the originals."
    )


def test_truncate_wording() -> None:
    (finding,) = assert_flags("TRUNCATE audit_log;", "audit-log-delete")
    assert finding.message.startswith("TRUNCATE on protected table `audit_log` (listed in")


def test_whole_table_delete_does_not_claim_the_table_exists() -> None:
    (finding,) = assert_flags("DELETE FROM audit_log;", "whole-table-update")
    assert finding.message == (
        "DELETE without WHERE touches every row of `audit_log`, a table this migration did "
        "not create, and locks them until the migration commits."
    )
