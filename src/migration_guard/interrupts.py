"""The one signal policy: SIGTERM ends a run as Ctrl-C does.

A CI runner cancelling a job, ``timeout``, a container stopping, systemd: they send SIGTERM,
a terminal sends SIGINT. Either way the run stops the same way: :class:`KeyboardInterrupt` is
raised where the main thread is, every ``finally`` and ``with`` block cleans up on its way out
(a child's process group killed, the throwaway server stopped, the work database dropped, a
half-written revision removed), and the command ends with exit 130 and one line (the
contract's "interrupted"). Installed by the command line for the whole run, and by the
server's context managers when used as a library; whoever claimed SIGTERM first keeps it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from migration_guard import exit_codes

INTERRUPTED = exit_codes.INTERRUPTED
MESSAGE = "migration-guard: interrupted"


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt in the main thread (only in the
    main thread, and only when SIGTERM is not already claimed by someone else)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return

    def _interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Within the block, Ctrl-C and SIGTERM wait for it to end, and are delivered then (they
    are blocked, not lost): for work that must not be cut half-way, such as importing a library
    ahead of its use. An import interrupted in the middle can leave a library half-initialised
    (its next import fails in odd ways), and a Rust extension's interrupted initialisation makes
    Python end by SIGINT even after the interrupt was handled. Only the main thread's signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
