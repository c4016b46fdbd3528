"""Text from the repository, made inert for the terminal and for a GitHub Actions log.

Revision ids, file names, table and column names, messages, model comments and SQL come from
the repository; each output channel reads some characters as instructions. Two channels are
handled here, each by one function every writer goes through:

* the terminal: C0 and C1 control characters (ESC, CSI ``\\x9b``, OSC, BEL…), DEL, format
  characters (zero-width and bidirectional controls) and line/paragraph separators are shown
  as visible escapes (``\\x1b``, ``\\u202e``); :func:`terminal_line` also shows newlines so,
  :func:`terminal_block` keeps them;
* the runner's workflow-command parser, which reads every line of a step's log: ``::cmd::``
  after leading whitespace, and the legacy ``##[cmd]`` anywhere in a line (actions/runner,
  ``ActionCommand.TryParseV2`` / ``TryParse``). Its matching is culture-sensitive, so an
  invisible character between the two colons would not break a command; :func:`log_line`
  breaks both forms with a visible backslash.

JSON and SARIF documents printed to stdout land in the same log: :func:`json_document` writes
them with ``##[`` spelled ``#\\u0023[`` (the same JSON value). The third channel, Markdown for the
job summary, is ``report.summary``'s (it renders too).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\udc80-\udcff]"
)
_CONTROL_OR_NEWLINE = re.compile(_CONTROL.pattern[:-1] + "\n]")
_LEGACY_COMMAND = re.compile(r"##\[")
_LEADING_SPACE = re.compile(r"^\s*")


def json_document(document: object) -> str:
    """``document`` as indented JSON ending with a newline, inert in a log: ASCII only (controls
    and everything else non-ASCII as ``\\u`` escapes), and no legacy ``##[`` command."""
    import json

    return json.dumps(document, indent=2).replace("##[", "#\\u0023[") + "\n"


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    if "\udc80" <= char <= "\udcff":  # a byte that is not UTF-8 (a file name), as git shows it
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


def terminal_line(text: str) -> str:
    """``text`` as one inert line: newlines and every other control shown as escapes, the
    legacy ``##[`` broken."""
    return _LEGACY_COMMAND.sub(r"#\\#[", _CONTROL_OR_NEWLINE.sub(_visible, text))


def terminal_block(text: str) -> str:
    """``text`` with its newlines kept (``\\r\\n`` and ``\\r`` become ``\\n``), every line made
    inert as by :func:`log_line`."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(log_line(line) for line in lines)


def log_line(line: str) -> str:
    """One output line the runner cannot take for a command: controls escaped as by
    :func:`terminal_line`, ``::`` at its start broken as by :func:`no_command_start`."""
    return no_command_start(terminal_line(line))


def no_command_start(line: str) -> str:
    """``line`` (already inert inside, perhaps painted with our colour codes) with a backslash
    before a ``::`` that starts it after whitespace, where the runner looks for a command."""
    indent = _LEADING_SPACE.match(line)
    start = indent.end() if indent else 0
    if line.startswith("::", start):
        line = line[:start] + "\\" + line[start:]
    return line
