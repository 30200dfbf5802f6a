"""Cell styles (``Style``) interned append-only into a package's styles.xml."""

from __future__ import annotations

import functools
import re
from html import unescape
from typing import NamedTuple

from selfeval_xl.ooxml.recent import Recent
from selfeval_xl.ooxml.xml_text import PackageError, Section, items, masked, prefix, quoteattr, section, set_count


class Style(NamedTuple):
    """A cell style, as little as the results sheet needs. ``num_fmt`` is a built-in format id
    (2 = ``0.00``, 10 = ``0.00%``) so no ``numFmt`` entries are ever added. (A named tuple:
    hashed and compared in C, as every cell's style is looked up.)"""

    bold: bool = False
    fill: str | None = None  # ARGB, e.g. "FFC6EFCE"
    color: str | None = None  # font ARGB
    underline: bool = False
    num_fmt: int = 0
    wrap: bool = False
    align: str | None = None  # horizontal alignment
    size: float | None = None  # font size in points; None = the workbook's default
    border: bool = False  # thin lines all round (printed tables; gridlines do not print)
    locked: bool = True  # False: editable even when the sheet is protected (a reviewer's cells)
    num_code: str | None = None  # a number format of its own (its code), instead of ``num_fmt``
    top_thick: bool = False  # a thick line above (the first row of a group), no other lines


class _List:
    """One list of styles.xml (``fonts``, ``fills``, ``borders``, ``cellXfs``): its items as
    found (``present``, with ``index``: shared by every StyleSheet of the same text, never
    changed) and the ones this StyleSheet added since (``added``, ``new``)."""

    def __init__(self, name: str, match: Section | None, present: list[str], anchor: int, index: dict[str, int]):
        self.name = name
        self.match = match  # None: the list is missing and is created at ``anchor``
        self.anchor = anchor
        self.present = present
        self.index = index
        self.added: list[str] = []
        self.new: dict[str, int] = {}


class _Read:
    """What a styles.xml text holds, read once (outside comments): its prefix, default font,
    and each list asked for with its items. Shared by the StyleSheets of one text: every
    workbook made from one template by one program has the same styles.xml."""

    def __init__(self, xml: str):
        self.hidden = masked(xml)  # found outside comments (same indices); the comments kept
        self.p = prefix(xml, "styleSheet")
        fonts = section(self.hidden, self.p, "fonts")
        first = items(fonts.body or "", self.p, "font")[0] if fonts else ""
        self.size = attr_of(first, "sz") or "11"
        self.font_name = attr_of(first, "name") or "宋体"
        self.lists: dict[str, tuple[Section | None, list[str], int, dict[str, int]]] = {}
        self.asked = _Asked()  # the sequences of styles StyleSheets of this text were asked for
        self.nodes = 1
        self.kept = 0  # characters of finished texts remembered in ``asked``

    def list(
        self, list_name: str, tag: str, before: str | None
    ) -> tuple[Section | None, list[str], int, dict[str, int]]:
        """(the list's element or None, its items, where it is or is to be created, item → its
        first index). A missing list is created before the ``before`` element."""
        found = self.lists.get(list_name)
        if found is None:
            p = self.p
            m = section(self.hidden, p, list_name)
            if m is None:
                if before is None or (anchor := re.search(rf"<{p}{before}\b", self.hidden)) is None:
                    raise PackageError(f"styles.xml 缺少 <{list_name}>")
                found = (None, [], anchor.start(), {})
            else:
                present = items(m.body or "", p, tag)
                index: dict[str, int] = {}
                for i, item in enumerate(present):
                    index.setdefault(item, i)  # the first of equal entries, as list.index finds it
                found = (m, present, m.start, index)
            self.lists[list_name] = found
        return found


class _Asked:
    """One point in the sequences of styles asked of a styles.xml text: each next style with
    the index it got and what follows it, and the text once such a sequence was finished. The
    indices and text of a sequence follow from the text and the sequence alone, so a StyleSheet
    asked for a sequence already seen takes them from here instead of interning again."""

    __slots__ = ("next", "xml")

    def __init__(self) -> None:
        self.next: dict[Style, tuple[int, _Asked]] = {}
        self.xml: str | None = None


_ASKED_MAX = 4096  # points remembered per styles.xml text (the results sheet asks ~20 styles)
_KEPT_MAX = 4 << 20  # characters of finished texts remembered per styles.xml text

_READ: Recent[str, _Read] = Recent(8)  # the last few styles.xml texts read
_READ_SIZE = 1 << 18


def _read(xml: str) -> _Read:
    found = _READ.get(xml) if len(xml) <= _READ_SIZE else None
    if found is None:
        found = _Read(xml)
        if len(xml) <= _READ_SIZE:
            _READ.remember(xml, found)
    return found


class StyleSheet:
    """Interns ``Style`` values into the package's styles.xml (append-only). Each list is read
    once (outside comments; once per distinct styles.xml text) and the new entries are spliced
    in when ``xml`` is read, so that a results sheet's twenty-odd styles cost one pass over a
    large styles.xml, not three passes per style (issue 17: 6-18 ms per workbook)."""

    def __init__(self, xml: str):
        self._base = xml
        self._read = _read(xml)
        self._lists: dict[str, _List] = {}
        self.p = self._read.p
        self._ids: dict[Style, int] = {}
        self.size = self._read.size
        self.font_name = self._read.font_name
        self._at: _Asked | None = self._read.asked  # None once off the sequences remembered
        self._owed: list[Style] = []  # styles given an index from memory, not interned yet

    def _intern(self, list_name: str, tag: str, item: str, before: str | None = None) -> int:
        """Index of ``item`` in the ``list_name`` list, appending it (and fixing ``count``) if
        absent. A missing list is created before the ``before`` element."""
        found = self._list(list_name, tag, before)
        at = found.index.get(item)
        if at is None:
            at = found.new.get(item)
            if at is None:
                at = found.new[item] = len(found.present) + len(found.added)
                found.added.append(item)
        return at

    def _list(self, list_name: str, tag: str, before: str | None = None) -> _List:
        found = self._lists.get(list_name)
        if found is None:
            m, present, anchor, index = self._read.list(list_name, tag, before)
            found = self._lists[list_name] = _List(list_name, m, present, anchor, index)
        return found

    def _settle(self) -> None:
        """Intern the styles given an index from memory, as ``id`` would have (the same indices)."""
        owed, self._owed = self._owed, []
        for style in owed:
            self._add(style)

    @property
    def xml(self) -> str:
        """styles.xml with the entries added so far (the original text when none were)."""
        at = self._at
        if at is not None and at is not self._read.asked:
            if at.xml is None:
                self._settle()
                xml = self._xml()
                if self._read.kept + len(xml) > _KEPT_MAX:
                    return xml
                self._read.kept += len(xml)
                at.xml = xml
            return at.xml
        self._settle()
        return self._xml()

    def _xml(self) -> str:
        xml, p = self._base, self.p
        # from the last list to the first, so that the earlier ones' indices still hold
        for lst in sorted((x for x in self._lists.values() if x.added), key=lambda x: x.anchor, reverse=True):
            name, added = lst.name, "".join(lst.added)
            m = lst.match
            if m is None:
                new = f'<{p}{name} count="{len(lst.added)}">{added}</{p}{name}>'
                xml = xml[: lst.anchor] + new + xml[lst.anchor :]
                continue
            attrs = set_count(m.attrs, len(lst.present) + len(lst.added))
            body = xml[m.body_at : m.body_at + len(m.body)] if m.body is not None else ""
            xml = xml[: m.start] + f"<{p}{name}{attrs}>{body}{added}</{p}{name}>" + xml[m.end :]
        return xml

    def id(self, style: Style | None) -> int:
        """The ``cellXfs`` index of ``style`` (0, the default, for None), added if new."""
        if style is None:
            return 0
        index = self._ids.get(style)
        if index is None:
            at = self._at
            if at is not None:
                found = at.next.get(style)
                if found is not None:  # this sequence so far was seen with this text
                    index, self._at = found
                    self._ids[style] = index
                    self._owed.append(style)
                    return index
            self._settle()
            index = self._ids[style] = self._add(style)
            if at is not None:
                if self._read.nodes < _ASKED_MAX:
                    self._read.nodes += 1
                    at.next[style] = (index, after := _Asked())
                    self._at = after
                else:
                    self._at = None
        return index

    def _add(self, s: Style) -> int:
        font, fill, border = _entries(s, self.p, self.size, self.font_name)
        font_id = self._intern("fonts", "font", font) if font else 0
        fill_id = self._intern("fills", "fill", fill) if fill else 0
        border_id = self._intern("borders", "border", border) if border else 0
        num_id = self._num_fmt_id(s.num_code) if s.num_code else s.num_fmt
        xf = _xf(s, self.p, num_id, font_id, fill_id, border_id)
        return self._intern("cellXfs", "xf", xf, before="cellStyles")

    def _num_fmt_id(self, code: str) -> int:
        """The ``numFmtId`` of a format code: the one styles.xml has for it, or the next free id
        from 164 (the first that is not built in), added."""
        lst = self._list("numFmts", "numFmt", before="fonts")
        ids = [164 - 1]
        for item in (*lst.present, *lst.added):
            m = _NUM_FMT.search(item)
            if m is None:
                continue
            if unescape(m.group(2) if m.group(2) is not None else m.group(3)) == code:
                return int(m.group(1))
            ids.append(int(m.group(1)))
        num_id = max(ids) + 1
        self._intern("numFmts", "numFmt", f'<{self.p}numFmt numFmtId="{num_id}" formatCode={quoteattr(code)}/>')
        return num_id


@functools.lru_cache(maxsize=256)
def _entries(s: Style, p: str, size: str, font_name: str) -> tuple[str, str, str]:
    """The ``font``, ``fill`` and ``border`` entries ``s`` needs ("" for the workbook's first,
    the default), as text in the styles.xml prefix ``p`` (remembered: every workbook of a batch
    asks for the same twenty-odd styles)."""
    font = ""
    if s.bold or s.color or s.underline or s.size:
        font = (
            f"<{p}font>"
            + (f"<{p}b/>" if s.bold else "")
            + (f"<{p}u/>" if s.underline else "")
            + f'<{p}sz val="{s.size or size}"/>'
            + (f'<{p}color rgb="{s.color}"/>' if s.color else "")
            + f"<{p}name val={quoteattr(font_name)}/>"
            + f"</{p}font>"
        )
    fill = ""
    if s.fill:
        fill = (
            f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{s.fill}"/>'
            f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
        )
    border = ""
    if s.border:
        side = "".join(
            f'<{p}{e} style="thin"><{p}color auto="1"/></{p}{e}>' for e in ("left", "right", "top", "bottom")
        )
        border = f"<{p}border>{side}<{p}diagonal/></{p}border>"
    elif s.top_thick:
        top = f'<{p}top style="thick"><{p}color auto="1"/></{p}top>'
        border = f"<{p}border><{p}left/><{p}right/>{top}<{p}bottom/><{p}diagonal/></{p}border>"
    return font, fill, border


_NUM_FMT = re.compile(r"""numFmtId="(\d+)"\s+formatCode=(?:"([^"]*)"|'([^']*)')""")


@functools.lru_cache(maxsize=1024)
def _xf(s: Style, p: str, num_id: int, font_id: int, fill_id: int, border_id: int) -> str:
    """The ``cellXfs`` entry of ``s`` with its number format id and font, fill and border indices."""
    # every cell top-aligned, so numbers line up with wrapped text in the same row
    align = (
        f"<{p}alignment"
        + (f' horizontal="{s.align}"' if s.align else "")
        + ' vertical="top"'
        + (' wrapText="1"' if s.wrap else "")
        + "/>"
    )
    return (
        f'<{p}xf numFmtId="{num_id}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" xfId="0"'
        + (' applyNumberFormat="1"' if num_id else "")
        + (' applyFont="1"' if font_id else "")
        + (' applyFill="1"' if fill_id else "")
        + (' applyBorder="1"' if border_id else "")
        + (' applyProtection="1"' if not s.locked else "")
        + f' applyAlignment="1">{align}'
        + (f'<{p}protection locked="0"/>' if not s.locked else "")
        + f"</{p}xf>"
    )


def attr_of(font_xml: str, tag: str) -> str | None:
    m = re.search(rf'<(?:\w+:)?{tag}\b[^>]*\bval="([^"]*)"', font_xml)
    return m.group(1) if m else None
