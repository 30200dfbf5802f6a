"""Text surgery on OOXML parts: find and insert elements without re-serialising the user's XML."""

from __future__ import annotations

import re


class PackageError(Exception):
    """The package cannot take a new sheet (message in Chinese, for the user)."""


_NOT_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)


def masked(xml: str) -> str:
    """``xml`` with comments, CDATA and processing instructions blanked out (same length, so
    indices match): a ``</sheets>`` inside a comment is no place to insert a sheet."""
    return _NOT_MARKUP.sub(lambda m: " " * len(m.group(0)), xml)


def prefix(xml: str, local: str) -> str:
    """The namespace prefix (``"x:"`` or ``""``) the document uses for element ``local``."""
    m = re.search(rf"<(\w+:)?{local}[\s>/]", masked(xml))
    if m is None:
        raise PackageError(f"找不到 <{local}> 元素")
    return m.group(1) or ""


def section(xml: str, p: str, name: str) -> re.Match[str] | None:
    return re.search(rf"<{p}{name}\b([^>]*?)(?:/>|>(.*?)</{p}{name}>)", xml, re.S)


def items(body: str, p: str, tag: str) -> list[str]:
    return re.findall(rf"<{p}{tag}\b[^>]*?/>|<{p}{tag}\b[^>]*?>.*?</{p}{tag}>", body, re.S)


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
