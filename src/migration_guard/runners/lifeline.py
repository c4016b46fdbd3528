"""Children that do not outlive us: a killed run leaves no worker running on its own.

SIGKILL gives us no chance to stop our children, and a child (a trace worker in the middle of a
revision, a render child, an ``alembic upgrade``) would run on as an orphan. On Linux each child
asks the kernel to be sent a signal when its parent dies (``prctl(PR_SET_PDEATHSIG)``, set between
``fork`` and ``exec``), and exits at once if its parent is already gone by then. Elsewhere this
is a no-op.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(OSError, AttributeError):
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return function
    return None


_PRCTL = _prctl()  # looked up here, in the parent: the child only calls it


def dies_with_us(signum: int = signal.SIGKILL) -> dict[str, Any]:
    """``subprocess`` arguments for a child that gets ``signum`` when this process dies."""
    if _PRCTL is None:
        return {}
    prctl, parent = _PRCTL, os.getpid()

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # we died before the signal was armed
            os._exit(1)

    return {"preexec_fn": arm}
