"""Parses the command line and dispatches to ``commands/<verb>.py``; one handler maps errors to exit codes."""

from __future__ import annotations

import os
import sys

from migration_guard import __version__, exit_codes
from migration_guard.hook import quick_hook_exit

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see below)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any, TextIO

    from migration_guard.render.offline import OfflineRenderer
    from migration_guard.report.invocation import Invocation

# argparse, pathlib and the commands are imported inside the functions: `hook` with nothing
# relevant staged returns from quick_hook_exit before any of them loads (see bench/hook).

FORMATS = ("text", "json", "github", "sarif")
RUNNERS = ("auto", "docker", "local")
COMMAND_FORMATS = {
    # Commands that report no file locations have no workflow-command or SARIF form: they refuse
    # those formats before doing anything. `rules` in SARIF is the rule table with no results.
    "rules": ("text", "json", "sarif"),
    "rebase": ("text", "json"),
    "fix": ("text", "json"),
    "install-hook": ("text", "json"),
    "uninstall-hook": ("text", "json"),
    "init": ("text", "json"),
}


class _UsageExit(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    import argparse
    from pathlib import Path

    from migration_guard.cli_help import command_help

    class _Parser(argparse.ArgumentParser):
        """argparse that reports usage errors as our one-line exit-2 error."""

        def error(self, message: str) -> None:  # type: ignore[override]
            self.print_usage(sys.stderr)
            raise _UsageExit(message)

    parser = _Parser(
        prog="migration-guard",
        description="Keeps Alembic migrations for PostgreSQL correct before they reach a database.",
    )
    _add_global_options(parser, Path, defaults=True)
    parser.add_argument("--version", action="version", version=f"migration-guard {__version__}")
    # Global options are also accepted after the command, where pre-commit's `args:` puts them.
    after_command = _Parser(add_help=False)
    _add_global_options(after_command, Path, defaults=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def add_command(name: str, **options: Any) -> argparse.ArgumentParser:
        """A subcommand with the global options, its description and examples (cli_help)."""
        return commands.add_parser(
            name, parents=[after_command], **{**command_help(name), **options}
        )

    commands.required = True

    heads = add_command("heads", help="static check of the revision graph")
    heads.add_argument(
        "--base", metavar="REF", help="also check that new revisions descend from REF's head"
    )

    lint = add_command("lint", help="render migrations offline and lint their SQL")
    lint.add_argument("revisions", nargs="*", metavar="REV", help="revisions to lint")
    selection = lint.add_mutually_exclusive_group()
    selection.add_argument("--all", action="store_true", help="every revision (the default)")
    selection.add_argument(
        "--base", metavar="REF", help="revisions added since the merge-base with REF"
    )
    selection.add_argument("--staged", action="store_true", help="revision files staged in git")
    selection.add_argument(
        "--sql", nargs="+", metavar="FILE", help="lint SQL files directly (- for stdin)"
    )
    lint.add_argument("--runner", choices=RUNNERS, help="render locally or in docker compose")

    new = add_command("new", help="autogenerate, show and lint a new revision")
    new.add_argument("description", help="the revision message")
    new.add_argument(
        "--runner",
        choices=RUNNERS,
        default=None,
        help="autogenerate in docker compose or on a private PostgreSQL (default: config runner)",
    )
    new.add_argument("--dry-run", action="store_true", help="show everything, write nothing")

    hook = add_command("hook", help="the pre-commit entry point")
    hook.add_argument(
        "files", nargs="*", metavar="FILE", help="the staged files pre-commit passes (optional)"
    )

    check = add_command(
        "check", help="the pull-request check: heads --base plus lint of new revisions"
    )
    check.add_argument(
        "--base",
        metavar="REF",
        help="base ref (default: config base, then the branch origin/HEAD names, then origin/main)",
    )
    check.add_argument("--runner", choices=RUNNERS, help="render locally or in docker compose")
    check.add_argument(
        "--trace",
        action="store_true",
        default=None,
        help="also trace the new revisions on a throwaway PostgreSQL (config: trace = true)",
    )

    drift = add_command(
        "drift", help="do the committed (or staged) models match their migration history?"
    )
    drift.add_argument(
        "--staged", action="store_true", help="the index instead of the committed tree (HEAD)"
    )

    rebase = add_command("rebase", help="point the first new revision at the base head")
    rebase.add_argument(
        "--base",
        metavar="REF",
        help="base ref (default: config base, then the branch origin/HEAD names, then origin/main)",
    )
    rebase.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")

    fix = add_command("fix", help="rewrite flagged op. calls into the safe pattern")
    fix.add_argument("revisions", nargs="*", metavar="REV", help="revisions to fix")
    fix.add_argument(
        "--base",
        metavar="REF",
        help="the revisions added since the merge-base with REF (default with no REV: config base)",
    )
    fix.add_argument("--diff", action="store_true", help="print the diff, write nothing")
    fix.add_argument(
        "--rule",
        action="append",
        metavar="ID",
        help="only the findings of this rule (repeatable)",
    )
    fix.add_argument("--runner", choices=RUNNERS, help="render locally or in docker compose")

    trace = add_command(
        "trace", help="run revisions on a throwaway PostgreSQL and report what they do"
    )
    trace.add_argument("revisions", nargs="*", metavar="REV", help="revisions to trace")
    trace_selection = trace.add_mutually_exclusive_group()
    trace_selection.add_argument("--all", action="store_true", help="every revision (the default)")
    trace_selection.add_argument(
        "--base", metavar="REF", help="revisions added since the merge-base with REF"
    )
    trace.add_argument("--runner", choices=RUNNERS, help="trace locally or in docker compose")
    trace.add_argument(
        "--seed", action="store_true", default=None, help="synthetic rows in every table first"
    )

    rules = add_command("rules", help="list the rules or show one rule's documentation")
    rules.add_argument("rule", nargs="?", metavar="RULE", help="a rule id: show its documentation")
    _add_setup_commands(add_command)
    return parser


def _add_setup_commands(add_command: Callable[..., argparse.ArgumentParser]) -> None:
    """The commands that set a repository up: init, git hooks."""
    import argparse

    from migration_guard.hook.git_hooks import STAGES

    init = add_command(
        "init",
        help="detect the layout and write [tool.migration-guard]; show the hook and workflow",
        description=(
            "Detects alembic.ini, its versions folder, the models behind env.py's "
            "target_metadata (read with ast, never imported) and the compose services, and "
            "writes [tool.migration-guard] into pyproject.toml with only the keys that differ "
            "from the defaults. Prints the .pre-commit-config.yaml entry and the GitHub workflow "
            "to add; --write adds them too. Running it again changes nothing."
        ),
        epilog=(
            "example:\n  migration-guard init            # write the settings, print the rest\n"
            "  migration-guard init --write    # also .pre-commit-config.yaml and the workflow"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument(
        "--write",
        action="store_true",
        help="also add the entry to .pre-commit-config.yaml and write "
        ".github/workflows/migration-guard.yml (at the repository root)",
    )
    init.add_argument(
        "--force",
        action="store_true",
        help="replace an existing, different [tool.migration-guard] (and workflow file)",
    )

    install_hook = add_command(
        "install-hook", help="write .git/hooks/STAGE calling this migration-guard"
    )
    install_hook.add_argument(
        "--stage", choices=STAGES, default="pre-commit", help="the git hook (default: pre-commit)"
    )
    install_hook.add_argument(
        "--force", action="store_true", help="replace a hook that is not ours (it is kept aside)"
    )
    uninstall_hook = add_command("uninstall-hook", help="remove the hooks install-hook wrote")
    uninstall_hook.add_argument(
        "--stage", choices=STAGES, default=None, help="only this hook (default: every stage)"
    )


def _add_global_options(
    parser: argparse.ArgumentParser, path: type[Path], *, defaults: bool
) -> None:
    import argparse

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--project",
        type=path,
        default=default(None),
        metavar="DIR",
        help=(
            "the project root holding pyproject.toml (default: the first folder from here up "
            "whose pyproject.toml has [tool.migration-guard], never above the git repository "
            "root; without one, the repository root)"
        ),
    )
    parser.add_argument("--format", choices=FORMATS, default=default("text"), help="output format")
    parser.add_argument(
        "--no-color",
        action="store_true",
        default=default(False),
        help="never colour the text output",
    )
    parser.add_argument(
        "--summary-file",
        metavar="FILE",
        default=default(None),
        help="also append a Markdown job summary to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    parser.add_argument(
        "--sarif-file",
        metavar="FILE",
        default=default(None),
        help="also write the report as SARIF 2.1.0 to FILE",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (a reader that closed the pipe ends it quietly)."""
    _tolerant_streams()
    refusal = _unusable_process_state()
    if refusal is not None:
        message, code = refusal
        _say(f"migration-guard: error: {message}")
        return code
    real_stdout = sys.stdout
    if real_stdout is sys.__stdout__ and real_stdout is not None:
        sys.stdout = _CheckedStdout(real_stdout)
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a closed pipe shows on the last buffered write
    except BrokenPipeError:
        _quiet_closed_stdout()
        return exit_codes.BROKEN_PIPE
    except OSError as error:  # /dev/full, a disk that failed under the redirected output
        return _output_failed(error)
    finally:
        sys.stdout = real_stdout
    return code


class _CheckedStdout:
    """The process's stdout, whose write errors (other than a closed pipe) are one
    :class:`~migration_guard.errors.OutputError`, whichever command printed."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _output_error(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _output_error(error) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _output_error(error: OSError) -> Exception:
    from migration_guard.errors import OutputError

    return OutputError(f"cannot write the output: {error.strerror or error}")


def _tolerant_streams() -> None:
    """Text a stream's encoding cannot hold (an ``é`` in a path under ``LC_ALL=C``, a name git
    gave us as undecodable bytes) is written as ``\\xe9``, never a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            # not contextlib.suppress: the hook's fast path runs this, and contextlib costs
            try:  # noqa: SIM105
                reconfigure(errors="backslashreplace")
            except (OSError, ValueError):  # a stream that refuses
                pass


def _unusable_process_state() -> tuple[str, int] | None:
    """A closed stdout (``>&-``) or a deleted working directory: (the one line, the exit code)."""
    if sys.stdout is None:
        return "stdout is closed: nothing can be reported", exit_codes.ENVIRONMENT
    try:
        os.getcwd()
    except OSError as error:
        return (
            f"the current directory is gone ({error.strerror}): cd into the project again",
            exit_codes.USAGE,
        )
    return None


def _say(line: str) -> None:
    """One line on stderr, if there is a stderr to write it to."""
    if sys.stderr is None:
        return
    try:  # noqa: SIM105 - as in _tolerant_streams
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _output_failed(error: OSError) -> int:
    """Writing the report failed (not a closed pipe): say so once, exit 3, no traceback."""
    _quiet_closed_stdout()
    _say(f"migration-guard: error: cannot write the output: {error.strerror or error}")
    return exit_codes.ENVIRONMENT


def _quiet_closed_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again (the
    pattern Python's signal documentation recommends)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (captured in-process)
        pass


def _main(argv: Sequence[str] | None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    quick = quick_hook_exit(words)
    if quick is not None:
        return quick
    from migration_guard.interrupts import sigterm_interrupts

    # for the whole run, the render child's cleanup included (SIGTERM is Ctrl-C: exit 130)
    with sigterm_interrupts():
        renderer = _early_renderer(words)
        try:
            return _run(argv, renderer)
        finally:
            if renderer is not None:
                renderer.close()


def _early_renderer(words: list[str]) -> OfflineRenderer | None:
    """The render child, started before anything else when the command line plainly asks for
    an offline render: it loads Alembic, the slow part, while we parse the arguments and read
    the graph."""
    if not renders_offline(words):
        return None
    from migration_guard.render.offline import OfflineRenderer

    return OfflineRenderer()


def renders_offline(words: list[str]) -> bool:
    """Whether ``words`` are ``[global options] lint|check …`` without ``--sql``,
    ``--runner docker`` or ``--help`` (anything unusual: no, and the command starts the child
    itself once the arguments are parsed)."""
    import itertools

    position = 0
    while position < len(words):
        word = words[position]
        if word in _GLOBAL_FLAGS or ("=" in word and word.partition("=")[0] in _GLOBAL_VALUES):
            position += 1
        elif word in _GLOBAL_VALUES:
            position += 2
        else:
            break
    if position >= len(words) or words[position] not in ("lint", "check"):
        return False
    rest = words[position + 1 :]
    refused = {"--sql", "-h", "--help", "--runner=docker"}
    return not (refused & set(rest)) and not any(
        word == "--runner" and following == "docker" for word, following in itertools.pairwise(rest)
    )


_GLOBAL_FLAGS = ("--no-color",)
_GLOBAL_VALUES = ("--project", "--format", "--summary-file", "--sarif-file")


def _run(argv: Sequence[str] | None, renderer: OfflineRenderer | None) -> int:
    from migration_guard import interrupts
    from migration_guard.errors import (
        ConfigError,
        GuardError,
        InternalError,
        OutputError,
        UsageError,
        one_line,
    )
    from migration_guard.report.invocation import Invocation

    debug = os.environ.get("MIGRATION_GUARD_DEBUG") == "1"
    try:
        arguments = build_parser().parse_args(argv)
    except _UsageExit as error:
        print(f"migration-guard: error: {error}", file=sys.stderr)
        return exit_codes.USAGE
    except SystemExit as done:  # --help / --version
        return int(done.code or 0)
    try:
        _check_refs(arguments, UsageError)
        invocation = Invocation(
            project=_project_root(arguments.project),
            format=arguments.format,
            color=not arguments.no_color and _wants_color(),
            arguments=arguments,
            summary_file=arguments.summary_file,
            sarif_file=arguments.sarif_file,
        )
        _check_paths(invocation, ConfigError, UsageError)
        return _dispatch(invocation, renderer)
    except GuardError as error:
        if debug:
            raise
        if isinstance(error, OutputError):
            _quiet_closed_stdout()  # the interpreter's last flush must not fail a second time
        print(f"migration-guard: error: {one_line(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(interrupts.MESSAGE, file=sys.stderr)
        return interrupts.INTERRUPTED
    except BrokenPipeError:
        raise  # main() ends the run quietly
    except Exception as error:  # the last line of defence: one line, never a traceback
        if debug:
            if isinstance(error, InternalError):  # a child's bug: its traceback, then ours
                print(f"In the child:\n{error.traceback}", file=sys.stderr)
            raise
        # a child's bug is said as the child's one line already (``KeyError: 'x'``)
        said = "" if isinstance(error, InternalError) else f"{type(error).__name__}: "
        print(
            f"migration-guard: internal error: {said}{one_line(str(error))} "
            "(a bug of migration-guard: set MIGRATION_GUARD_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return exit_codes.INTERNAL


def _project_root(given: Path | None) -> Path:
    from pathlib import Path

    from migration_guard.config.discovery import discover_project

    return given.resolve() if given is not None else Path(discover_project(os.getcwd()))


def _check_refs(arguments: argparse.Namespace, usage_error: type[Exception]) -> None:
    """``--base ''`` names no ref: refused, never taken for "no --base"."""
    base = getattr(arguments, "base", None)
    if base is not None and not base.strip():
        raise usage_error("--base names no ref (an empty string); give a branch, tag or commit")


def _check_paths(
    invocation: Invocation, config_error: type[Exception], usage_error: type[Exception]
) -> None:
    """Paths named on the command line, checked before any work (and any output) is done."""
    if not invocation.project.is_dir():
        what = "is not a directory" if invocation.project.exists() else "not found"
        raise config_error(f"{invocation.project}: --project {what}")
    for option, name in (
        ("--summary-file", invocation.summary_file),
        ("--sarif-file", invocation.sarif_file),
    ):
        if name and os.path.isdir(name):
            raise usage_error(f"{name}: {option} names a directory, not a file")


def _dispatch(invocation: Invocation, started: OfflineRenderer | None = None) -> int:
    import importlib
    from dataclasses import replace

    arguments = invocation.arguments
    _refuse_unsupported_format(arguments.command, invocation.format)
    renders = arguments.command in ("lint", "check") and not getattr(arguments, "sql", None)
    if renders and getattr(arguments, "runner", None) != "docker":
        # The render child loads Alembic (the slow part) while we import the command and read
        # the graph; the command hands it back (closes it) if the project renders in docker.
        from migration_guard.render.offline import OfflineRenderer

        invocation = replace(invocation, renderer=started or OfflineRenderer())
    try:
        # Imported per command so the hook's fast path never loads Alembic or SQLAlchemy.
        name = arguments.command.replace("-", "_")
        module = importlib.import_module(f"migration_guard.commands.{name}")
        run: Callable[[Invocation], int] = module.run
        return run(invocation)
    finally:
        if invocation.renderer is not None:
            invocation.renderer.close()


def _refuse_unsupported_format(command: str, chosen: str) -> None:
    from migration_guard.errors import UsageError

    supported = COMMAND_FORMATS.get(command, FORMATS)
    if chosen not in supported:
        raise UsageError(f"{command} has no {chosen} output (it prints {' or '.join(supported)})")


def _wants_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
