"""The quick look at a revision's text before ``python-data-migration`` parses it never hides a
use: on every revision of the nine bundled real histories and every fixture, a text the quick
look passes over has no use when read in full."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from migration_guard.readers.python_data import may_use_data, read_uses

TESTS = Path(__file__).resolve().parent.parent
BUNDLES = sorted((TESTS / "real_histories" / "precision").glob("*.txt"))


def _revision_texts() -> list[str]:
    texts = []
    for bundle in BUNDLES:
        parts = re.split(r"^=== (.+)$", bundle.read_text(encoding="utf-8"), flags=re.MULTILINE)
        texts += [
            text
            for name, text in zip(parts[1::2], parts[2::2], strict=True)
            if name.endswith(".py")
        ]
    fixture = yaml.safe_load(
        (TESTS / "rules" / "fixtures" / "python-data-migration.yaml").read_text()
    )
    for group in ("flagged", "clean"):
        texts += [case["revision"] for case in fixture.get(group, []) if "revision" in case]
    return texts


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # a real revision's "\\d"
def test_the_quick_look_passes_over_only_texts_without_a_use() -> None:
    texts = _revision_texts()
    assert len(texts) > 1000
    skipped = [text for text in texts if not may_use_data(text)]
    with_uses = [text for text in texts if read_uses(text)]
    assert len(skipped) > len(texts) // 3  # it does spare most parses
    assert len(with_uses) >= 20  # real uses are there to be missed
    assert [text[:80] for text in skipped if read_uses(text)] == []
