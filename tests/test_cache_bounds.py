"""Every cache is bounded: the least recently used graph file and template database go first."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from migration_guard.graph import cache
from migration_guard.runners import templates
from migration_guard.runners.postgres.databases import (
    create_database,
    database_exists,
    drop_database,
)


def fill(scope: str) -> cache.ParseCache:
    entries = cache.ParseCache(scope)
    entries.put(f"key-{scope}", {"revision": scope})
    entries.save()
    return entries


def test_graph_files_beyond_the_bound_evict_the_least_recently_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGRATION_GUARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MIGRATION_GUARD_NO_CACHE", raising=False)
    first = fill("state-0")
    for number in range(1, cache.MAX_FILES):
        fill(f"state-{number}")
    files = sorted((tmp_path / "cache").glob("graph-*.json"))
    assert len(files) == cache.MAX_FILES
    stamp = time.time() - 3600
    for index, path in enumerate(files):  # all old, in a known order
        os.utime(path, (stamp + index, stamp + index))
    assert cache.ParseCache("state-0").get("key-state-0") == {"revision": "state-0"}
    assert first.path.stat().st_mtime > stamp + cache.MAX_FILES  # reading it counts as use
    least_recent = next(path for path in files if path != first.path)
    fill("state-new")
    remaining = set((tmp_path / "cache").glob("graph-*.json"))
    assert len(remaining) == cache.MAX_FILES
    assert first.path in remaining
    assert least_recent not in remaining
    assert set(files) - remaining == {least_recent}


def test_a_graph_file_replaced_by_a_link_or_a_fifo_is_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGRATION_GUARD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("MIGRATION_GUARD_NO_CACHE", raising=False)
    path = fill("linked").path
    kept = path.read_bytes()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(kept)  # a valid cache file, reached only through the link
    os.utime(elsewhere, (1_000_000, 1_000_000))
    path.unlink()
    path.symlink_to(elsewhere)
    assert cache.ParseCache("linked").get("key-linked") is None
    assert elsewhere.stat().st_mtime == 1_000_000  # the link's target was not touched
    path.unlink()
    os.mkfifo(path)  # opening it must not wait for a writer
    assert cache.ParseCache("linked").get("key-linked") is None
    path.unlink()
    path.write_bytes(kept)
    assert cache.ParseCache("linked").get("key-linked") == {"revision": "linked"}


@pytest.mark.slow
def test_template_databases_beyond_the_bound_evict_the_least_recently_used(
    postgres_url: str,
) -> None:
    names = [
        f"{templates.TEMPLATE_PREFIX}{uuid.uuid4().hex[:8]}"
        for _ in range(templates.KEEP_TEMPLATES + 1)
    ]
    try:
        for name in names:
            create_database(postgres_url, name)
            templates.mark_used(postgres_url, name)
        templates.mark_used(postgres_url, names[0])  # the oldest is used again
        newest = f"{templates.TEMPLATE_PREFIX}{uuid.uuid4().hex[:8]}"
        names.append(newest)
        create_database(postgres_url, newest)
        templates.mark_used(postgres_url, newest)
        templates.prune_templates(postgres_url, keep=newest)
        kept = [name for name in names if database_exists(postgres_url, name)]
        assert kept == [names[0], *names[-(templates.KEEP_TEMPLATES - 1) :]]
    finally:
        for name in names:
            drop_database(postgres_url, name)
