"""The findings judged by hand for `bench/precision` point at real lines of the bundled
histories, under rule ids that exist, so the precision table counts what was judged."""

from __future__ import annotations

from pathlib import Path

from migration_guard.rules import ALL_RULES

FOLDER = Path(__file__).parent / "real_histories" / "precision"


def _bundle(name: str) -> dict[str, str]:
    text = (FOLDER / f"{name}.txt").open(encoding="utf-8", newline="").read()
    files = {}
    for chunk in ("\n" + text).split("\n=== ")[1:]:
        path, body = chunk.split("\n", 1)
        files[path] = body
    return files


def test_every_judged_finding_is_a_line_of_a_bundled_revision() -> None:
    rules = {rule.id for rule in ALL_RULES}
    rows = [
        line.split("\t")
        for line in (FOLDER / "judgments.tsv").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    bundles = {name: _bundle(name) for name in {row[0] for row in rows}}
    for history, file, line, rule, verdict, *_ in rows:
        text = bundles[history].get(f"versions/{file}")
        assert text is not None, f"{history}: no versions/{file}"
        assert 1 <= int(line) <= len(text.splitlines()), f"{history}/{file}:{line}"
        assert rule in rules, rule
        assert verdict in ("true", "false"), verdict
    for name, files in bundles.items():
        assert files.get("LICENSE") and files.get("SOURCE"), f"{name}: no LICENSE or SOURCE"
    assert len(rows) >= 100
    assert len(bundles) >= 8
    assert len({tuple(row[:4]) for row in rows}) == len(rows), "a finding judged twice"
