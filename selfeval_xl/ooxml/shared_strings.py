"""Reading a plain sharedStrings part without building an element tree (what ``part_scan``
does for worksheets, with its checks): the strings by index, a rich one (runs, phonetic guides)
parsed only when a cell asks for it."""

from __future__ import annotations

import operator
import re
import xml.etree.ElementTree as plain_et
from collections.abc import Sequence
from typing import cast, overload

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml import limits
from selfeval_xl.ooxml.plain_check import PartCheck, plain_root
from selfeval_xl.ooxml.scanned_text import element_text
from selfeval_xl.ooxml.sheet_cells import text_of

_WHOLE = operator.itemgetter(0)  # a findall match's whole text
# a rich string's runs: <t> or <t xml:space="preserve"> with text (<t/> has none)
_RUN_TEXT = re.compile(rb'<t(?: xml:space="preserve")?>([^<]*)</t>')
_T_START = re.compile(rb"<t[\s/>]")
_PREFIXED = re.compile(rb"</?[A-Za-z_][\w.-]*:")
# A shared string, whole (so that they can be seen to tile the part): "<t" and the text of a plain
# one, the content of a rich one (runs, phonetic guides), or "/" for <si/>
_PLAIN_SI = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<]*)</t>')  # a piece cut before its "</si>"
# (a rich one holds no "</si" but its own end: ``</si\t>`` ends an <si> as well as "</si>" does)
_SI = re.compile(rb'(<si>(<t)(?: xml:space="preserve")?>([^<]*)</t></si>|<si>([^<]*(?:<(?!/si\b)[^<]*)*)</si>|<si(/)>)')
# A rich shared string's text by the <si> element as stored, when its runs are plain (then its
# text depends on nothing else): LibreOffice writes every text that mixes CJK and Latin (≥90%,
# 1个, 2022年12月) as runs, the same bytes in every workbook it saved from one template
_RICH: dict[bytes, str] = {}
_RICH_KEPT = 4096  # emptied past this many
_RICH_BYTES_KEPT = 2048  # a longer one (the 说明 sheet's paragraphs) is not kept


class SharedStrings(Sequence[str]):
    """Shared strings by index, as a list gives them (a negative index counts from the end).
    Plain ones are decoded when the part is scanned; rich ones (runs, phonetic guides) are
    parsed only when a cell asks for them (the 说明 sheet's many runs are never read)."""

    def __init__(self, items: list[str | bytes], root_tag: bytes, root_name: bytes):
        self._items = items
        self._wrap = (root_tag, b"</" + root_name + b">")

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[str]: ...

    def __getitem__(self, i: int | slice) -> str | Sequence[str]:
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        item = self._items[i]
        if isinstance(item, str):
            return item
        text = self._items[i] = self._rich(item)
        return text

    def _rich(self, si: bytes) -> str:
        """What ``text_of`` gives for the ``<si>`` element ``si``: its ``<t>`` texts joined.
        Only when some ``<t>`` is not a plain one, or a phonetic guide or a prefix is there, is it
        parsed as a tree (in the part's root, for its namespace declarations)."""
        known = _RICH.get(si)
        if known is not None:
            return known
        texts = _RUN_TEXT.findall(si)
        if len(texts) == len(_T_START.findall(si)) and b"<rPh" not in si and not _PREFIXED.search(si):
            text = "".join(map(element_text, texts))
            if len(si) <= _RICH_BYTES_KEPT:
                if len(_RICH) >= _RICH_KEPT:
                    _RICH.clear()
                _RICH[si] = text
            return text
        root = plain_et.fromstring(self._wrap[0] + si + self._wrap[1])
        return text_of(root[0])


def _si_items_regex(content: bytes) -> tuple[list[str | bytes], int] | None:
    """The ``<si>`` elements that tile ``content``: a plain one's text, ``""`` for ``<si/>``, a
    rich one whole as bytes (parsed when asked for), and how many are not plain; None when they
    do not tile it. One regex pass (in C): the faster way when the strings are plain."""
    found = _SI.findall(content)
    if sum(map(len, map(_WHOLE, found))) != len(content):
        return None
    if not found:
        return [], 0
    _, plain, texts, _, _ = zip(*found, strict=True)
    if plain.count(b"<t") == len(found):
        return list(map(element_text, texts)), 0
    items: list[str | bytes] = [
        element_text(text) if t else "" if empty else b"<si>" + rich + b"</si>" for _, t, text, rich, empty in found
    ]
    return items, len(found) - plain.count(b"<t")


def _si_items(content: bytes) -> tuple[list[str | bytes], int] | None:
    """What ``_si_items_regex`` gives, cut at each "</si>" (in C) instead: the faster way when
    many strings are rich (LibreOffice writes the 说明 sheet's text as runs), as the regex
    walks every tag of a rich one. Each piece is ``<si/>`` elements, then one ``<si>`` and its
    content (a plain one when it is a single ``<t>``); the last piece only ``<si/>`` elements.
    Counted as not plain: ``<si/>`` and rich ones (what the regex pass counts)."""
    items: list[str | bytes] = []
    not_plain = 0
    pieces = content.split(b"</si>")
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        while piece.startswith(b"<si/>"):
            items.append("")
            not_plain += 1
            piece = piece[5:]
        if i == last:
            return (items, not_plain) if not piece else None
        plain = _PLAIN_SI.fullmatch(piece)
        if plain is not None:
            items.append(element_text(plain.group(1)))
        elif piece.startswith(b"<si>") and b"</si" not in piece:  # (no other end tag of an <si>)
            items.append(piece + b"</si>")
            not_plain += 1
        else:
            return None
    return items, not_plain  # not reached: the last piece returns


def scan_shared_strings(data: bytes, name: str, part: str) -> Sequence[str] | None:
    """The strings of a plain sharedStrings part (known to be well-formed before any is given);
    None when the part is not plain."""
    plain = plain_root(data)
    if plain is None:
        return None
    body, root_tag, root_name = plain
    if root_tag.endswith(b"/>"):
        return None
    end = data.rfind(b"</" + root_name + b">")
    if end < body or data[end:].rstrip() != b"</" + root_name + b">":
        return None
    check = PartCheck(data, name, part, root_tag)
    content = data[body:end]
    if content[:1].isspace():
        return None  # spaces before the first <si>
    # expat reads the declaration and the root; the strings' characters are checked in C before
    # any is read, and the rich ones (runs, phonetic guides) by expat, those not met before
    if not check.outside(body, end) or not check.chars(content):
        return None
    found = _si_items(content.rstrip()) if b"<r>" in content else _si_items_regex(content.rstrip())
    if found is None:
        return None  # something besides <si> elements (or spaces between them)
    items, not_plain = found
    if not_plain:
        check.fragments({item for item in items if isinstance(item, bytes)})
    if not check.finish():
        return None
    if len(items) > limits.MAX_SHARED:
        raise UnreadableWorkbook.at(name, None, None, "too-large", detail=f"共享字符串超过 {limits.MAX_SHARED:,} 条")
    if not_plain == 0:
        return cast(list[str], items)  # every one plain (what XlsxWriter and Excel write)
    return SharedStrings(items, root_tag, root_name)
