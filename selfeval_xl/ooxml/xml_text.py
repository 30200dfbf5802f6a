"""Text surgery on OOXML parts: find and insert elements without re-serialising the user's XML."""

from __future__ import annotations

import re
from dataclasses import dataclass


def escape(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped (what ``xml.sax.saxutils.escape`` does; that module pulls in
    urllib, http and email at import, a tenth of a second of every start)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')


def quoteattr(text: str) -> str:
    """An attribute value escaped and quoted exactly as ``xml.sax.saxutils.quoteattr`` does."""
    if _ATTR_SPECIAL.search(text) is None:
        return f'"{text}"'  # most values: nothing to escape (one search instead of six replaces)
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


class PackageError(Exception):
    """The package cannot take a new sheet (message in Chinese, for the user)."""


_NOT_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)


def masked(xml: str) -> str:
    """``xml`` with comments, CDATA and processing instructions blanked out (same length, so
    indices match): a ``</sheets>`` inside a comment is no place to insert a sheet."""
    for text, hidden in _MASKED:  # the same text is looked into several times in a row
        if text is xml:
            return hidden
    hidden = _masked(xml)
    _MASKED.insert(0, (xml, hidden))
    del _MASKED[4:]
    return hidden


_MASKED: list[tuple[str, str]] = []  # the last few texts masked, and what they gave


def _masked(xml: str) -> str:
    if "<!" not in xml:  # no comment or CDATA: at most the XML declaration to blank
        k = xml.find("<?")
        if k < 0:
            return xml
        if xml.find("<?", k + 2) < 0:
            end = xml.find("?>", k + 2)
            return xml if end < 0 else xml[:k] + " " * (end + 2 - k) + xml[end + 2 :]
    return _NOT_MARKUP.sub(lambda m: " " * len(m.group(0)), xml)


def prefix(xml: str, local: str) -> str:
    """The namespace prefix (``"x:"`` or ``""``) the document uses for element ``local``."""
    m = re.search(rf"<(\w+:)?{local}[\s>/]", masked(xml))
    if m is None:
        raise PackageError(f"找不到 <{local}> 元素")
    return m.group(1) or ""


@dataclass(frozen=True)
class Section:
    """An element found in the text: ``<p:name attrs>body</p:name>`` (``body`` None for
    ``<p:name attrs/>``), ``start``/``end`` its span, ``body_at`` where the body starts."""

    start: int
    end: int
    attrs: str
    body: str | None
    body_at: int

    def group(self, i: int) -> str | None:
        """As the regex match's groups: 1 the attributes, 2 the body."""
        return {1: self.attrs, 2: self.body}[i]


_WORD = re.compile(r"\w")


def _tag_at(xml: str, open_tag: str, pos: int) -> tuple[int, int, int] | None:
    """The next ``open_tag`` (``<p:name``) at or after ``pos`` that is a whole name (``\b``):
    (its start, where its name ends, its first ``>``); None when there is none, or none that
    is closed by a ``>``."""
    while (i := xml.find(open_tag, pos)) >= 0:
        j = i + len(open_tag)
        if _WORD.match(xml, j):
            pos = i + 1
            continue
        gt = xml.find(">", j)
        return None if gt < 0 else (i, j, gt)
    return None


def section(xml: str, p: str, name: str) -> Section | None:
    """The first ``<p:name …/>`` or ``<p:name …>…</p:name>`` (what the regex
    ``<p:name\b([^>]*?)(?:/>|>(.*?)</p:name>)`` finds, by string searches)."""
    open_tag, close = f"<{p}{name}", f"</{p}{name}>"
    pos = 0
    while (found := _tag_at(xml, open_tag, pos)) is not None:
        i, j, gt = found
        if xml[gt - 1] == "/" and gt - 1 >= j:
            return Section(i, gt + 1, xml[j : gt - 1], None, gt + 1)
        c = xml.find(close, gt + 1)
        if c >= 0:
            return Section(i, c + len(close), xml[j:gt], xml[gt + 1 : c], gt + 1)
        pos = i + 1
    return None


def items(body: str, p: str, tag: str) -> list[str]:
    """Each ``<p:tag …/>`` or ``<p:tag …>…</p:tag>`` in ``body`` (what the regex
    ``<p:tag\b[^>]*?/>|<p:tag\b[^>]*?>.*?</p:tag>`` finds, by string searches)."""
    open_tag, close = f"<{p}{tag}", f"</{p}{tag}>"
    out = []
    pos = 0
    while (found := _tag_at(body, open_tag, pos)) is not None:
        i, j, gt = found
        if body[gt - 1] == "/" and gt - 1 >= j:
            out.append(body[i : gt + 1])
            pos = gt + 1
            continue
        c = body.find(close, gt + 1)
        if c < 0:
            pos = i + 1
            continue
        pos = c + len(close)
        out.append(body[i:pos])
    return out


def set_count(attrs: str, n: int) -> str:
    if re.search(r'\bcount="\d*"', attrs):
        return re.sub(r'\bcount="\d*"', f'count="{n}"', attrs, count=1)
    return f' count="{n}"' + attrs


def insert_before_close(xml: str, local: str, text: str) -> str:
    """Insert ``text`` just before ``</local>`` (expanding ``<local/>`` if needed)."""
    p = prefix(xml, local)
    close = f"</{p}{local}>"
    hidden = masked(xml)
    i = hidden.rfind(close)
    if i >= 0:
        return xml[:i] + text + xml[i:]
    m = re.search(rf"<{p}{local}\b([^>]*?)/>", hidden)
    if m is None:
        raise PackageError(f"找不到 <{local}> 元素")
    return xml[: m.start()] + f"<{p}{local}{m.group(1)}>{text}{close}" + xml[m.end() :]
