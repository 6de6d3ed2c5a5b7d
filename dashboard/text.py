"""Untrusted text (from the database, an imported file or the URL) shown exactly as written.

Streamlit renders Markdown in headings, captions, notices, metric labels, tooltips, widget labels
and buttons. A value placed there must never become a link, an image, an emoji, a colour badge,
LaTeX or HTML. Escaping the Markdown punctuation is not enough: Streamlit's Markdown (GitHub
flavour) turns bare addresses such as ``http://x``, ``www.x`` and ``a@x.y`` into links after the
escapes are undone, and it turns ``:name:`` into an emoji or icon the same way. So ``literal``
escapes every ASCII punctuation mark and puts an invisible WORD JOINER (U+2060) where one of those
patterns would start: after a colon or an @ that is followed by a letter, digit or slash, and
between ``www`` and its full stop. The text reads the same; elsewhere it carries no joiner.

Where Streamlit shows text without Markdown (table cells, select options, ``st.text``, file
names), pass the value as it is: escaping there would show the backslashes.
"""

from __future__ import annotations

import re

from catalogue.i18n import t

JOINER = "\u2060"
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def _escape(match: re.Match) -> str:
    mark, text, start, end = match.group(0), match.string, match.start(), match.end()
    following = text[end:end + 1]
    if mark in ":@" and following and (following.isalnum() or following in "/_-"):
        return "\\" + mark + JOINER
    if mark == "." and text[max(start - 3, 0):start].lower() == "www":
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
    """The text a reader sees in Markdown made by ``literal``: what a test compares."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(JOINER, "")
