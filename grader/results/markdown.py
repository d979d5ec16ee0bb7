"""Quoting text in Markdown so that nothing quoted can change the document around it.

Every report written as Markdown (feedback.md, the GitHub job summary, a regrade's
summary.md) quotes text a submission influences: its error messages, its output, its
name, the reasons of its rows. Quoted so, no such text can end a fence, start a heading,
open HTML or break a table row: a block is fenced with a fence longer than any run of
backquotes (or tildes) inside it, and a line is one line with Markdown's punctuation
escaped.
"""

import re

_BACKQUOTES = re.compile(r"`+")
# What can change markup inside a line (a line of ours starts it, so no heading, list or
# fence can): code spans, emphasis, links and images, HTML, table cells, escapes.
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~])")


def fenced(text):
    """Lines of a fenced code block holding `text` verbatim (a list of str).

    The fence is one backquote longer than the longest run of backquotes in the text (at
    least three), so no line of the text can close it.
    """
    longest = max((len(run) for run in _BACKQUOTES.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text.replace("\r", ""), fence]


def inline(text):
    """`text` as plain text on one line: whitespace (newlines too) collapsed, Markdown's
    punctuation escaped, so it reads as the characters it has and marks up nothing."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def code(text):
    """`text` as one inline code span on one line, however many backquotes it holds."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in _BACKQUOTES.findall(text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"
