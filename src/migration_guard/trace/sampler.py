"""The locks of a statement run outside a transaction, sampled while it runs (trace child).

In a transaction a statement's locks are held until the commit, so the observer reads them
from ``pg_locks`` right after the statement returns. A statement Alembic runs in
``autocommit_block()`` (``CREATE INDEX CONCURRENTLY``, ``ALTER TYPE … ADD VALUE``, a
``VALIDATE CONSTRAINT`` of its own) commits as it ends and has released every lock by then:
the only time to see them is while it runs. A thread polls ``pg_locks`` for the migration's
backend through the observer's connection (idle meanwhile: the migration's thread is waiting
for its statement) and the statement's locks are every mode it saw. A lock held for less than
one poll can be missed, so what is reported was held, and what is missing was at most brief.
"""

from __future__ import annotations

import threading
from typing import Any

from migration_guard.trace import observe

POLL_SECONDS = 0.002


class LockSampler:
    """Polls ``pid``'s relation locks from the moment it is made until :meth:`stop`."""

    def __init__(self, observer: Any, pid: int) -> None:
        self._observer = observer
        self._pid = pid
        self._seen: set[tuple[str, str]] = set()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trace-locks", daemon=True)
        self._thread.start()

    def stop(self) -> list[dict[str, str]]:
        """Every (relation, mode) seen, sorted like :func:`trace_observe.held_locks`'s."""
        self._done.set()
        self._thread.join()
        return [{"relation": relation, "mode": mode} for relation, mode in sorted(self._seen)]

    def _run(self) -> None:
        while True:
            try:
                locks = observe.held_locks(self._observer, self._pid)
            except Exception:  # the observer is gone (the job is ending): nothing more to see
                return
            self._seen.update((lock["relation"], lock["mode"]) for lock in locks)
            if self._done.wait(POLL_SECONDS):
                return


def merged(held: list[dict[str, str]], sampled: list[dict[str, str]]) -> list[dict[str, str]]:
    """The locks held after the statement and those sampled while it ran, each once, sorted."""
    seen = {(lock["relation"], lock["mode"]) for lock in held + sampled}
    return [{"relation": relation, "mode": mode} for relation, mode in sorted(seen)]
