"""The one home of Markdown escaping (GitHub renders the job summary with cmark-gfm).

Text from the repository goes through :func:`markdown_text` (prose), :func:`markdown_code` (a
code span), :func:`cell` (a table cell) or :func:`fenced` (a block), never into Markdown as it
is. The summary and its trace tables both build on it, so neither needs the other's helpers.
"""

from __future__ import annotations

import re

from migration_guard.errors import one_line


def cell(value: str) -> str:
    """A table cell: ``|`` escaped, line breaks as ``<br>``."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value.replace("|", "\\|").replace("\n", "<br>")


_BACKTICKS = re.compile(r"`+")
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def markdown_text(value: str) -> str:
    """Text from the repository as inert Markdown: no raw HTML, no links, images, autolinks or
    emphasis, one line whatever it holds (line breaks shown as ``<br>``). The names our messages
    quote in backticks stay code spans, each fenced afresh by :func:`markdown_code` (their
    insides render literally); everything else has its punctuation backslash-escaped, so a
    backtick or backslash inside a name can shift what looks quoted, never what is markup."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br>".join(_markdown_line(one_line(line)) for line in lines)


def _markdown_line(value: str) -> str:
    out: list[str] = []
    position = 0
    runs = list(_BACKTICKS.finditer(value))
    index = 0
    while index < len(runs):
        opener = runs[index]
        closer = next(
            (run for run in runs[index + 1 :] if len(run.group()) == len(opener.group())), None
        )
        if closer is None:
            index += 1
            continue
        out.append(_inert(value[position : opener.start()]))
        out.append(_code(value[opener.end() : closer.start()]))
        position = closer.end()
        index = runs.index(closer) + 1
    out.append(_inert(value[position:]))
    return "".join(out)


_PUNCTUATION = re.compile(r"([\\`*_\[\]!<>&~(){}#^])")
"""The punctuation that can start inline Markdown or HTML (``|`` is :func:`cell`'s); the text
is always one line inside our own block, so what only starts a block (``-``, ``1.``) cannot."""


def _inert(text: str) -> str:
    # a zero-width space keeps GFM's extended autolinks (http://, www., e-mail) from forming
    text = _AUTOLINK.sub(lambda match: "\u200b" + match.group(), text)
    return _PUNCTUATION.sub(r"\\\1", text)


def markdown_code(value: str) -> str:
    """``value`` as one inline code span (its content renders literally)."""
    return _code(value)


def _code(value: str) -> str:
    """An inline code span that survives any backticks in ``value``."""
    value = one_line(value)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def fenced(body: str, info: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body.rstrip()}\n{fence}"
