"""Which ``create_engine`` calls trace's child answers with an engine it made before."""

from __future__ import annotations

from migration_guard.trace.engine_reuse import _key

URL = "postgresql+psycopg2://app@db/app"


def test_the_same_call_is_the_same_engine_and_another_call_another() -> None:
    assert _key(URL, (), {"pool_pre_ping": True}) == _key(URL, (), {"pool_pre_ping": True})
    assert _key(URL, (), {"pool_pre_ping": True}) != _key(URL, (), {})
    assert _key(URL, (), {}) != _key("postgresql+psycopg2://app@db/other", (), {})


def test_async_engines_and_fresh_creators_are_never_reused() -> None:
    assert _key(URL, (), {"_is_async": True}) is None
    assert _key("postgresql+asyncpg://app@db/app", (), {}) is None
    first, second = (lambda: None), (lambda: None)  # what two runs of one env.py define
    assert _key(URL, (), {"creator": first}) != _key(URL, (), {"creator": second})
