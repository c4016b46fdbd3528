"""Shared fixtures: hermetic git, the example backend, a throwaway PostgreSQL, one cache.

The suite runs in parallel (pytest-xdist, configured in pyproject.toml): every "session" here is
one worker's, so what is shared (the git home, the cache and its PostgreSQL cluster, the
throwaway server) is shared by the tests of one worker, one test at a time, never between
workers. A test that needs a cluster or a cache of its own (to test the cache, to leave a
killed run's leftovers) makes one in its ``tmp_path``; every other test uses
:func:`shared_cache`, where ``initdb`` runs once per worker and a history's template database,
once built, is found by the next test of the same history."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "verity-prism"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def pytest_configure(config: pytest.Config) -> None:
    """Compile the package's bytecode once, before the workers start (in the controller only).

    Most tests run the tool as its users do, as new processes: the command and its children
    (render, autogenerate, drift, trace). An editable install leaves ``src`` without bytecode,
    and where ``PYTHONDONTWRITEBYTECODE`` is set (these machines set it) every one of those
    processes would compile the whole package again: a tenth of a second of CPU each, a few
    hundred seconds over the suite. A wheel is installed compiled; this is the same. A
    source file edited later is compiled from its source again (its bytecode is stale)."""
    import compileall

    if not hasattr(config, "workerinput"):
        compileall.compile_dir(REPO_ROOT / "src" / "migration_guard", quiet=1)


@pytest.fixture(autouse=True)
def ctrl_c_as_a_terminal_gives_it() -> None:
    """Every test starts its commands with SIGINT as a terminal leaves it: handled (Python's
    KeyboardInterrupt) and not blocked. A disposition is inherited by the commands a test
    starts, and a suite started in the background (``pytest &`` in a script: POSIX shells
    start asynchronous commands with SIGINT ignored) or a library's handler would otherwise
    make a Ctrl-C test wait for a signal its command never sees."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])


@pytest.fixture(autouse=True, scope="session")
def hermetic_git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Pin author and committer, hide the developer's global git config, and give the session
    a cache home of its own (``XDG_CACHE_HOME``; a developer's ``MIGRATION_GUARD_CACHE`` is
    dropped): no test reaches the developer's cached cluster."""
    home = tmp_path_factory.mktemp("git-home")
    global_config = home / "gitconfig"
    global_config.write_text("[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    saved = dict(os.environ)
    os.environ.update(GIT_ENV)
    os.environ["GIT_CONFIG_GLOBAL"] = str(global_config)
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    global _shared_cache
    _shared_cache = home / "cache" / "migration-guard"  # the default cache under that home
    for name in ("MIGRATION_GUARD_DEBUG", "MIGRATION_MESSAGE", "MIGRATION_GUARD_CACHE"):
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _shared_cache = None


_shared_cache: Path | None = None


def shared_cache() -> Path:
    """This worker's migration-guard cache (the default one: ``$XDG_CACHE_HOME`` is the session's).

    Pass it as ``MIGRATION_GUARD_CACHE`` (or leave that unset) when the story does not need a
    cache of its own: the cached cluster is made once per worker, and a history's template
    database is replayed once. A job that leaves changes in the cluster makes the next run
    discard it (the tool's own rule), so no test sees what another left. Runs that must go on
    at the same time as another run need caches of their own: one run holds a cache at a
    time."""
    assert _shared_cache is not None, "shared_cache() is for tests (the session fixture sets it)"
    return _shared_cache


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """One throwaway PostgreSQL server for the whole session; tests create their own databases."""
    from migration_guard.runners.postgres.server import throwaway_postgres

    with throwaway_postgres() as url:
        yield url


def wait_until(
    ready: Callable[[], bool],
    what: str,
    seconds: float = 240,
    process: subprocess.Popen[str] | None = None,
) -> None:
    """Poll ``ready`` until it holds; fail naming ``what`` after ``seconds``, or as soon as
    ``process`` (the run the state belongs to) has ended without reaching it. For tests that
    need a run to be in a given state: wait for that state, never for a guessed time."""
    deadline = time.monotonic() + seconds
    while not ready():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            said = f"{out or ''}{err or ''}"
            raise AssertionError(f"the run ended ({process.returncode}) before {what}: {said}")
        assert time.monotonic() < deadline, f"not {what} within {seconds} s"
        time.sleep(0.05)


def wait_for_file(path: Path, process: subprocess.Popen[str] | None, seconds: float = 240) -> None:
    """:func:`wait_until` ``path`` exists (a marker the run's own code creates)."""
    wait_until(path.exists, f"{path.name} was created", seconds, process)
