"""The per-step time limit of a traced revision (``trace_timeout``; runs in the trace child).

A migration that waits forever (``pg_sleep``, a lock it can never get, a self-deadlock across
two connections) must not hold the whole trace until the job's own timeout kills it and loses
every result. A thread with a connection of its own watches each step; past the limit it
cancels (``pg_cancel_backend``) whatever the other sessions on the traced database are
running, once a second until the step ends, so the statement raises in the migration and the
step fails with the line that issued it. The user's own ``SET statement_timeout`` cannot turn
it off, and a revision of many short statements is limited as a whole.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

from migration_guard.trace import observe

_CANCEL = """
SELECT pg_cancel_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> {observer}
  AND state <> 'idle'
"""
RECANCEL_SECONDS = 1.0


class Watchdog:
    """Cancels the traced database's running statements once a step has run ``seconds``."""

    def __init__(self, url: str, seconds: float, observer_pid: int) -> None:
        self.seconds = seconds
        self.fired = False
        self._observer_pid = int(observer_pid)
        self._connection: Any = observe.connect_observer(url)
        self._deadline: float | None = None
        self._wake = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="trace-watchdog", daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def step(self) -> Iterator[None]:
        """Watch the block; :attr:`fired` says afterwards whether it was cancelled."""
        with self._wake:
            self.fired = False
            self._deadline = time.monotonic() + self.seconds
            self._wake.notify()
        try:
            yield
        finally:
            with self._wake:
                self._deadline = None
                self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=5)
        with contextlib.suppress(Exception):
            self._connection.close()

    def _run(self) -> None:
        with self._wake:
            while not self._closed:
                if self._deadline is None:
                    self._wake.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                self.fired = True
                with contextlib.suppress(Exception):  # the step may just have ended
                    observe.fetch(self._connection, _CANCEL.format(observer=self._observer_pid))
                self._wake.wait(RECANCEL_SECONDS)
