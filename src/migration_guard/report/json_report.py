"""The JSON reporter: the contract's shapes, keys in contract order, indented by two."""

from __future__ import annotations

from migration_guard.findings import Report
from migration_guard.untrusted import json_document


def render(report: Report) -> str:
    return json_document(report.to_json())
