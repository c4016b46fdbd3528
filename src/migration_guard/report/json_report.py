"""The JSON reporter: the contract's shapes, keys in contract order, indented by two."""

from __future__ import annotations

import json

from migration_guard.findings import Report


def render(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"
