"""Untrusted text (from the database, an imported file or the URL) shown exactly as written.

Streamlit renders Markdown in headings, captions, notices, metric labels, tooltips, widget labels
and buttons. A value placed there must never become a link, an image, an emoji, a colour badge,
LaTeX or HTML. Escaping the Markdown punctuation is not enough: Streamlit's Markdown (GitHub
flavour) turns bare addresses such as ``http://x``, ``www.x`` and ``a@x.y`` into links after the
escapes are undone. So ``literal`` escapes every ASCII punctuation mark and puts an invisible
WORD JOINER (U+2060) after every colon and @ and before every full stop, which breaks each of
those patterns while the text reads the same.

Where Streamlit shows text without Markdown (table cells, select options, ``st.text``, file
names), pass the value as it is: escaping there would show the backslashes.
"""

from __future__ import annotations

import re

from dashboard.i18n import t

JOINER = "\u2060"
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def _escape(match: re.Match) -> str:
    mark = match.group(0)
    if mark in ":@":
        return "\\" + mark + JOINER
    if mark == ".":
        return JOINER + "\\."
    return "\\" + mark


def literal(value: object) -> str:
    """Markdown source that shows ``value`` as plain text, character for character."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _PUNCTUATION.sub(_escape, text)


def md(key: str, lang: str, **values: object) -> str:
    """A catalogue message for a Markdown place, every value in it shown literally."""
    return t(key, lang, **{name: literal(value) for name, value in values.items()})


def plain(markdown: str) -> str:
    """The text a reader sees in Markdown made by ``literal`` (for tests and exports)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(JOINER, "")
