"""Revision ids, file names, column names and SQL from the repository stay text in every channel."""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import Counter
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migration_guard.errors import one_line
from migration_guard.findings import Finding, Problem, Report
from migration_guard.new.outcome import say
from migration_guard.report import github, json_report, render_summary, sarif, text
from migration_guard.report.sarif import to_sarif
from migration_guard.trace_results import ExecutedStatement, HeldLock, TraceEntry
from tests.projects import make_project, run_cli

HOSTILE_ID = "b2\n::add-mask::secret\n::error title=pwned::injected"
HOSTILE_COLUMN = (
    "<img src=x onerror=alert(1)>[click](https://evil.example/x)![i](https://e.vil/i.png)"
)


def hostile_project(root: Path) -> Path:
    make_project(root)
    versions = root / "migrations" / "versions"
    (versions / "a1.py").write_text('revision = "a1"\ndown_revision = None\n')
    # a missing parent and a revision id, both with newlines and workflow commands
    (versions / "b2.py").write_text(
        f"revision = {HOSTILE_ID!r}\ndown_revision = {'nope' + chr(10) + '::add-mask::x'!r}\n"
    )
    return root


def injected_commands(output: str) -> list[str]:
    """Lines GitHub's runner would take for a command we did not write (it ignores leading
    whitespace)."""
    ours = re.compile(r"::(error|warning) (file=[^,]*,)?(line=\d+,)?title=migration-guard%3A ")
    return [
        line
        for line in output.splitlines()
        if line.lstrip().startswith("::")
        and not ours.match(line)
        and not re.fullmatch(
            r"::(stop-commands::)?[0-9a-f]{32}::?|::stop-commands::[0-9a-f]{32}", line
        )
    ]


def test_text_and_github_reports_inject_no_workflow_command(tmp_path: Path) -> None:
    root = hostile_project(tmp_path)
    for fmt in ("text", "github"):
        result = run_cli(root, "--format", fmt, "heads")
        assert result.returncode == 1, result.stderr
        assert injected_commands(result.stdout) == [], fmt
        assert "secret" in result.stdout  # shown, escaped, not dropped


def test_text_report_keeps_each_problem_on_one_line(tmp_path: Path) -> None:
    root = hostile_project(tmp_path)
    result = run_cli(root, "heads")
    heads_line = result.stdout.splitlines()[0]
    assert heads_line.startswith("heads: ") and "\\n::add-mask::secret" in heads_line


def test_stderr_is_one_line_for_a_hostile_file_name(tmp_path: Path) -> None:
    make_project(tmp_path)
    versions = tmp_path / "migrations" / "versions"
    (versions / "x::add-mask::secret\x1b[2Jbroken.py").write_text("revision = (\n")
    result = run_cli(tmp_path, "--format", "json", "heads")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "\x1b" not in line and "\\x1b" in line
    json.loads(result.stdout)  # stdout stays parseable


def hostile_report() -> Report:
    finding = Finding(
        "not-null-without-default",
        "error",
        f"Column `{HOSTILE_COLUMN}` on {HOSTILE_COLUMN} is NOT NULL without a default.",
        revision=HOSTILE_ID,
        path="migrations/versions/b2.py",
        line=3,
        statement=f"ALTER TABLE t ADD COLUMN {HOSTILE_COLUMN} int NOT NULL",
    )
    problem = Problem(
        "missing-parent",
        f"{HOSTILE_ID} names <b>missing</b> parent [x](https://evil.example) www.evil.example",
        revisions=(HOSTILE_ID,),
        path="migrations/versions/b2.py",
    )
    return Report(
        "check",
        heads=(HOSTILE_ID,),
        problems=(problem,),
        findings=(finding,),
        revisions=(HOSTILE_ID,),
        sql=((HOSTILE_ID, f"SELECT 1;\n```\n</details><img src=x>\n-- {HOSTILE_COLUMN}\n"),),
    )


def test_summary_renders_no_html_links_or_images_from_the_repository() -> None:
    markdown = render_summary(hostile_report())
    elements = rendered_elements(markdown)
    assert not {"img", "a", "b", "em"} & set(elements.tags), elements.tags
    assert {(tag, name) for tag, name, _ in elements.attributes} <= SUMMARY_ATTRIBUTES
    assert "\n::add-mask" not in markdown
    heads = next(line for line in markdown.splitlines() if line.startswith("**Heads:**"))
    assert "secret" in heads  # the whole id on its own line, escaped


def test_sarif_messages_carry_no_embedded_links() -> None:
    log = to_sarif(hostile_report())
    texts = [result["message"]["text"] for result in log["runs"][0]["results"]]  # type: ignore[index]
    for message in texts:
        assert re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", message) is None, message


# --- Each channel checked the way its consumer reads it -------------------------------------
#
# The job summary is rendered by cmark-gfm (GitHub's Markdown), the log is read line by line by
# the runner's workflow-command parser (modelled below on actions/runner's ActionCommand), and
# the terminal obeys escape sequences. Hostile strings go into every field that carries text
# from the repository; what each consumer makes of the output is asserted, not its spelling.

FRAGMENTS = (
    "<img src=x onerror=alert(1)>",
    "<a href='https://evil.example'>x</a>",
    "<b>",
    "</details>",
    "<!--",
    "-->",
    "&lt;",
    "&#60;",
    "`",
    "``",
    "```",
    "~~~",
    "\\",
    "\\`",
    "[",
    "]",
    "(",
    ")",
    "[x](https://evil.example)",
    "![i](https://e.vil/i.png)",
    "!",
    "*",
    "**",
    "_",
    "~~",
    "|",
    "#",
    "- ",
    "> ",
    "www.evil.example",
    "https://evil.example/x",
    "a@b.example",
    "\n",
    "\r",
    "\r\n",
    "\n\n",
    "\t",
    " ",
    "x",
    "::",
    "::error file=a.py::x",
    "::add-mask::secret",
    "##[error]x",
    "##[set-output name=a]b",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\x9b2J",
    "\x07",
    "\x00",
    "\u200b",
    "\u202e",
    "\u2028",
    "\ufeff",
    ":",
    "%",
    ",",
)
hostile_text = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8).map("".join)


@st.composite
def hostile_reports(draw: st.DrawFn) -> Report:
    """A ``check`` report whose every repository-borne field is drawn from FRAGMENTS."""
    revision, parent, path, name, other = (draw(hostile_text) for _ in range(5))
    finding = Finding(
        "not-null-without-default",
        "error",
        f"Column `{name}` on `{other}` is NOT NULL without a default ({draw(hostile_text)}).",
        revision=revision,
        path=path,
        line=3,
        statement=draw(hostile_text),
        help=f"Add a default to `{name}`.",
    )
    problem = Problem(
        "missing-parent",
        f"{path}: `down_revision` names {draw(hostile_text)}, which does not exist",
        revisions=(revision,),
        path=path,
    )
    trace = TraceEntry(
        revision=revision,
        path=path,
        upgrade="ok",
        downgrade="ok",
        seeded_tables=(name, other),
        statements=(
            ExecutedStatement(
                sql=draw(hostile_text),
                line=3,
                locks=(HeldLock(name, "AccessExclusiveLock"),),
                rewrites=(other,),
                ms=1.0,
            ),
        ),
        parents=(parent,),
    )
    return Report(
        "check",
        heads=(revision, parent),
        problems=(problem,),
        findings=(finding,),
        revisions=(revision,),
        sql=((revision, draw(hostile_text)),),
        trace=(trace,),
    )


BENIGN = Report(
    "check",
    heads=("a", "b"),
    problems=(Problem("missing-parent", "p: `down_revision` names x", revisions=("a",), path="p"),),
    findings=(
        Finding(
            "not-null-without-default",
            "error",
            "Column `c` on `t` is NOT NULL without a default (x).",
            revision="a",
            path="p",
            line=3,
            statement="x",
            help="Add a default to `c`.",
        ),
    ),
    revisions=("a",),
    sql=(("a", "x"),),
    trace=(
        TraceEntry(
            revision="a",
            path="p",
            upgrade="ok",
            downgrade="ok",
            seeded_tables=("c", "t"),
            statements=(
                ExecutedStatement(
                    sql="x",
                    line=3,
                    locks=(HeldLock("c", "AccessExclusiveLock"),),
                    rewrites=("t",),
                    ms=1.0,
                ),
            ),
            parents=("b",),
        ),
    ),
)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += [(tag, name, value) for name, value in attrs]


def rendered_elements(markdown: str) -> _Elements:
    """The elements GitHub's Markdown makes of ``markdown``; raw HTML is let through
    (cmark-gfm's UNSAFE), as GitHub renders it before its sanitizer, which would only hide an
    injection, not prevent the one we look for."""
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


SUMMARY_TAGS = {"h2", "h3", "h4", "p", "strong", "code", "pre", "table", "thead", "tbody"}
SUMMARY_TAGS |= {"tr", "th", "td", "ul", "li", "details", "summary", "br", "em"}
SUMMARY_ATTRIBUTES = {("pre", "lang"), ("code", "class")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=hostile_reports())
def test_summary_renders_no_element_from_the_repository(report: Report) -> None:
    no_sql = not report.sql[0][1].strip()  # the summary says so in italics
    benign_report = replace(BENIGN, sql=(("a", "" if no_sql else "x"),))
    benign = rendered_elements(render_summary(benign_report))
    hostile = rendered_elements(render_summary(report))
    assert set(hostile.tags) <= SUMMARY_TAGS, hostile.tags
    assert {(tag, name) for tag, name, _ in hostile.attributes} <= SUMMARY_ATTRIBUTES
    assert {value for _, _, value in hostile.attributes} <= {"sql", "mermaid", None} | {
        f"language-{info}" for info in ("sql", "mermaid")
    }
    # the document's structure is ours: as many headings, rows, cells, items and bold labels
    # as for a report of plain names (code spans and line breaks may differ, both inert)
    structure = SUMMARY_TAGS - {"code", "br"}
    differ = {
        tag: (hostile.tags[tag], benign.tags[tag])
        for tag in structure
        if hostile.tags[tag] != benign.tags[tag]
    }
    assert not differ, differ


def test_summary_backslash_before_a_backtick_makes_no_image() -> None:
    """The issue's case: ``b2 \\`<img src=x onerror=…>` `` as a revision id and in a message."""
    revision = "b2 \\`<img src=x onerror=alert(1)>` "
    report = Report(
        "check",
        heads=(revision,),
        problems=(Problem("missing-parent", f"{revision} names a missing parent", path="p.py"),),
        findings=(Finding("drop-table", "error", f"Drops `{revision}`.", revision=revision),),
        revisions=(revision,),
    )
    elements = rendered_elements(render_summary(report))
    assert "img" not in elements.tags
    assert not elements.attributes


# the runner's commands (actions/runner, src/Runner.Worker/ActionCommandManager.cs and
# ActionCommand.cs); any other name is ignored by the runner, but a name we do not emit is
# counted as an injection anyway
_IGNORABLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2060-\u206f\ufeff]")


def runner_commands(log: str) -> list[str]:
    """The commands GitHub's runner would run for ``log``: per line (split as .NET's
    ReadLine splits: ``\\n``, ``\\r``, ``\\r\\n``), ``::name props::data`` after leading
    whitespace (TryParseV2), else the legacy ``##[name props]data`` anywhere in the line
    (TryParse); ``::stop-commands::TOKEN`` turns both off until a line ``::TOKEN::``. The
    runner matches culture-sensitively, so characters ICU ignores (controls, zero-width and
    format characters) are dropped before matching: an invisible character cannot break a
    command."""
    found: list[str] = []
    stop_token: str | None = None
    for raw in re.split(r"\r\n|\r|\n", log):
        line = _IGNORABLE.sub("", raw)
        if stop_token is not None:
            if line.strip() == f"::{stop_token}::":
                stop_token = None
                found.append("resume")
            continue
        trimmed = line.lstrip()
        command = None
        if trimmed.startswith("::") and "::" in trimmed[2:]:
            info = trimmed[2 : trimmed.index("::", 2)]
            command = info.split(" ", 1)[0]
            if command == "stop-commands":
                stop_token = trimmed[trimmed.index("::", 2) + 2 :]
        elif "##[" in line and "]" in line[line.index("##[") :]:
            start = line.index("##[") + 3
            command = line[start : line.index("]", start)].split(" ", 1)[0]
        if command is not None:
            found.append(raw if command not in ("stop-commands",) else "stop-commands")
    return found


_OURS = re.compile(
    r"::(error|warning|notice) (file=[^,:]*,)?(line=\d+,)?title=migration-guard(%3A [a-z-]+)?::.*"
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=hostile_reports())
def test_no_log_line_is_a_command_we_did_not_write(report: Report) -> None:
    assert runner_commands(text.render(report, color=False)) == []
    assert runner_commands(text.render(report, color=True)) == []
    commands = runner_commands(github.render(report, token="0" * 32))
    assert commands[-2:] == ["stop-commands", "resume"], commands
    for line in commands[:-2]:
        assert _OURS.fullmatch(line), line
    for message in (report.findings[0].message, report.problems[0].message, report.heads[0]):
        assert runner_commands(f"migration-guard: error: {one_line(message)}") == []
    # JSON and SARIF on stdout land in the same log; their values are unchanged
    for document in (json_report.render(report), sarif.render(report)):
        assert runner_commands(document) == []
    assert json.loads(json_report.render(report)) == json.loads(json.dumps(report.to_json()))


def test_a_path_that_starts_a_line_is_no_command() -> None:
    """The issue's case: a file named ``::error file=…::x.sql`` starts the text report's line."""
    finding = Finding("drop-table", "error", "Drops `t`.", path="::error file=a.py::x.sql", line=1)
    output = text.render(Report("lint", findings=(finding,)), color=False)
    assert runner_commands(output) == []
    assert "\\::error file=a.py::x.sql:1: error [drop-table]" in output


_TERMINAL_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_OUR_COLOURS = re.compile(r"\x1b\[[0-9;]*m")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report=hostile_reports())
def test_terminal_output_carries_no_control_from_the_repository(report: Report) -> None:
    assert _TERMINAL_CONTROL.search(text.render(report, color=False)) is None
    coloured = _OUR_COLOURS.sub("", text.render(report, color=True))
    assert _TERMINAL_CONTROL.search(coloured) is None


@given(words=hostile_text)
def test_new_and_the_hook_print_repository_text_inert(words: str) -> None:
    """``new``'s and the hook's output (model comments, SQL, file names) goes through ``say``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        say(f"--- upgrade() ---\n    # {words}\n{words}")
    printed = out.getvalue()
    assert _TERMINAL_CONTROL.search(printed) is None
    assert runner_commands(printed) == []


def test_init_prints_compose_names_inert(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / "pyproject.toml").unlink()  # init writes the table
    (root / "docker-compose.yml").write_text(
        'services:\n  "db\\e]0;pwned\\a\\e[2J##[error]x":\n    image: postgres:16\n'
    )
    result = run_cli(root, "init")
    assert result.returncode == 0, result.stderr
    assert "db\\x1b]0;pwned\\x07\\x1b[2J#\\#[error]x" in result.stdout
    assert _TERMINAL_CONTROL.search(result.stdout) is None
    assert runner_commands(result.stdout) == []


def test_rebase_diff_is_printed_inert(tmp_path: Path) -> None:
    from tests.test_rebase_edges import VERSIONS, rewrite_c3, upstream_and_clone

    clone = upstream_and_clone(tmp_path)
    source = (clone / VERSIONS / "c3.py").read_text()
    hostile = 'NOTE = """\x1b]0;pwned\x07\n  ::error::x\n"""\n'
    rewrite_c3(clone, source.replace("down_revision =", hostile + "down_revision =").encode())
    result = run_cli(clone, "rebase", "--base", "origin/main", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "\\x1b]0;pwned\\x07" in result.stdout  # the diff's context, shown inert
    assert "\\::error::x" in result.stdout
    assert _TERMINAL_CONTROL.search(result.stdout) is None, result.stdout
    assert runner_commands(result.stdout) == []


def test_a_file_name_that_is_not_utf8_reads_as_git_shows_it() -> None:
    """A byte that is not UTF-8 reaches us as a lone surrogate (surrogateescape): shown as the
    escape git and our messages use, never as ``\\udce9`` nor a raw byte."""
    from migration_guard.untrusted import terminal_line

    name = b"migrations/versions/r1_caf\xe9.py".decode("utf-8", "surrogateescape")
    assert terminal_line(name) == "migrations/versions/r1_caf\\xe9.py"
