"""The one way we start a Python child of ours and hear back from it.

Every child (the offline render, the pinned ``alembic`` of a downgrade render, the autogenerate,
compare and trace jobs) is ``python -m MODULE [--prepared]``, started ahead of its work so it
imports Alembic while we get ready, then handed that work as one JSON line on stdin. This module
owns what they all share, so a fix lands once:

* starting: in a process group of its own, killed by the kernel if we die
  (:func:`~migration_guard.runners.lifeline.dies_with_us`); a :data:`PREPARED` child waits for
  its one line of work on stdin (:meth:`Child.send`);
* stderr goes to a file, never a pipe nobody reads while we wait on another channel;
* a time limit, past which the child's whole group is killed and the run ends with
  EnvironmentProblem naming what did not finish;
* an interrupt (Ctrl-C, or SIGTERM as :mod:`migration_guard.interrupts` turns it into one) kills
  the child's whole group, including whatever it started itself, before the interrupt goes on:
  its work lives in a throwaway database or our scratch folder, nothing of it is worth waiting
  for;
* its failure said as the error itself (:func:`failure_reason`), not the last line of its
  stderr (for a SQLAlchemy error that is only its "Background on this error at" link).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.lifeline import dies_with_us

PREPARED = "--prepared"
"""The argument of a child started ahead of its work: it imports, then reads one line of stdin."""
CHILD_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Finished:
    """A child that ended: its exit status and what it printed."""

    returncode: int
    stdout: str
    stderr: str


class Child:
    """One Python child (``python -m module *args``); use it as a context manager, which
    stops it (and its process group) however the block ends."""

    def __init__(
        self,
        module: str,
        *args: str,
        what: str,
        env: dict[str, str],
        cwd: Path | None = None,
        capture_stdout: bool = False,
        pass_fds: tuple[int, ...] = (),
    ) -> None:
        self.what = what
        self._stderr: IO[str] = tempfile.TemporaryFile(  # noqa: SIM115 - closed in stop()
            "w+", encoding="utf-8", errors="replace", prefix="migration-guard-child-"
        )
        try:
            self._process: subprocess.Popen[str] = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
                stderr=self._stderr,
                text=True,
                pass_fds=pass_fds,
                start_new_session=True,  # its group is ours to kill, grandchildren included
                **dies_with_us(),
            )
        except OSError as error:
            self._stderr.close()
            raise EnvironmentProblem(f"cannot start {sys.executable}: {error}") from None

    def send(self, message: Any) -> None:
        """Hand the child its work: ``message`` as one JSON line on stdin, which stays open
        (see :meth:`finish`). A child that died early is reported by :meth:`failure`."""
        stdin = self._process.stdin
        assert stdin is not None
        with contextlib.suppress(OSError, ValueError):
            stdin.write(json.dumps(message) + "\n")
            stdin.flush()

    def finish(self, timeout: float = CHILD_TIMEOUT_SECONDS) -> Finished:
        """Close stdin and wait for the child to end. Past ``timeout`` seconds it is killed and
        EnvironmentProblem says so; an interrupt while waiting kills it and goes on."""
        try:
            if self._process.stdout is None:  # nothing to read: close stdin, wait for its end
                self._close_stdin()
                wait_for(self._process, timeout)
                stdout = ""
            else:
                stdout, _ = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise EnvironmentProblem(f"{self.what} did not finish within {timeout:g} s") from None
        except BaseException:
            self.stop()
            raise
        return Finished(self._process.returncode, stdout or "", self.stderr())

    def _close_stdin(self) -> None:
        stdin = self._process.stdin
        if stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                stdin.close()

    def wait(self) -> int:
        """Wait for the child to end (its results came through another channel)."""
        try:
            return self._process.wait()
        except BaseException:
            self.stop()
            raise

    def stderr(self) -> str:
        """What the child wrote to stderr so far."""
        if self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()

    def failure(self) -> str:
        """Why the child failed, in one line (:func:`failure_reason` of its stderr)."""
        return failure_reason(self.stderr())

    def stop(self) -> None:
        """Kill the child's process group if the child still runs; reap it; close its files."""
        process = self._process
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                process.kill()  # a child that left its group still goes
            process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.close()

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def wait_for(process: subprocess.Popen[Any], timeout: float) -> int:
    """Wait for ``process`` to end, at most ``timeout`` seconds (TimeoutExpired past that).

    Blocks on a pidfd, woken the moment the process ends; ``Popen.wait(timeout)`` polls
    instead, sleeping up to 50 ms between looks, which every child of a run would add to it.
    Where there is no pidfd (not Linux, a kernel before 5.3), it is ``Popen.wait``."""
    if process.returncode is not None:
        return process.returncode
    try:
        pidfd = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # no pidfd here, or the process is already reaped
        return process.wait(timeout)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        ended = poller.poll(max(0, int(timeout * 1000)))
    finally:
        os.close(pidfd)
    if not ended:
        raise subprocess.TimeoutExpired(process.args, timeout)
    return process.wait()


def failure_reason(stderr: str) -> str:
    """Why a Python child failed, from its stderr: the exception line of its last traceback
    (``ProgrammingError: (psycopg2.errors.UndefinedFunction) function f() does not exist``)
    with the innermost frame in the project's code (``(0001_init.py:12)``), as
    :func:`migration_guard.runners.child.one_line` says it for a job's own error; the last
    line when there is no traceback. (The last line of a SQLAlchemy error is only its
    "Background on this error at: …" link.)"""
    lines = stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return last_line(stderr)
    where = ""
    for line in lines[starts[-1] + 1 :]:
        frame = _FRAME.match(line)
        if frame is not None:
            path = frame.group(1)
            if in_project(path):
                where = f" ({Path(path).name}:{frame.group(2)})"
            continue
        if line.strip() and not line[0].isspace():
            return _DOTTED_TYPE.sub(r"\1:", line.strip(), count=1) + where
    return last_line(stderr)


def in_project(path: str) -> bool:
    """Not Python's own, an installed package's or ours (a project's ``app/alembic/versions``
    is the project's)."""
    import sysconfig

    if path.startswith("<") or "site-packages" in path or "dist-packages" in path:
        return False
    ours = str(Path(__file__).resolve().parents[1])
    stdlib = sysconfig.get_paths()["stdlib"]
    return not path.startswith((ours + os.sep, stdlib + os.sep))


def last_line(text: str) -> str:
    """The last non-blank line of a tool's output (not Python's: see :func:`failure_reason`)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


_FRAME = re.compile(r'\s+File "([^"]+)", line (\d+)')
_DOTTED_TYPE = re.compile(r"^[\w.]+\.(\w+):")
