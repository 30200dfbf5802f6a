"""Cell styles (``Style``) interned append-only into a package's styles.xml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from selfeval_xl.ooxml.xml_text import intern_item, items, masked, prefix, section


@dataclass(frozen=True)
class Style:
    """A cell style, as little as the results sheet needs. ``num_fmt`` is a built-in format id
    (2 = ``0.00``, 10 = ``0.00%``) so no ``numFmt`` entries are ever added."""

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


class StyleSheet:
    """Interns ``Style`` values into the package's styles.xml (append-only)."""

    def __init__(self, xml: str):
        self.xml = xml
        self.p = prefix(xml, "styleSheet")
        self._ids: dict[Style, int] = {}
        fonts = section(masked(xml), self.p, "fonts")
        first = items(fonts.group(2) or "", self.p, "font")[0] if fonts else ""
        self.size = attr_of(first, "sz") or "11"
        self.font_name = attr_of(first, "name") or "宋体"

    def id(self, style: Style | None) -> int:
        """The ``cellXfs`` index of ``style`` (0, the default, for None), added if new."""
        if style is None:
            return 0
        if style not in self._ids:
            self._ids[style] = self._add(style)
        return self._ids[style]

    def _add(self, s: Style) -> int:
        p = self.p
        font_id = 0
        if s.bold or s.color or s.underline or s.size:
            font = (
                f"<{p}font>"
                + (f"<{p}b/>" if s.bold else "")
                + (f"<{p}u/>" if s.underline else "")
                + f'<{p}sz val="{s.size or self.size}"/>'
                + (f'<{p}color rgb="{s.color}"/>' if s.color else "")
                + f"<{p}name val={quoteattr(self.font_name)}/>"
                + f"</{p}font>"
            )
            self.xml, font_id = intern_item(self.xml, p, "fonts", "font", font)
        fill_id = 0
        if s.fill:
            fill = (
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{s.fill}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            )
            self.xml, fill_id = intern_item(self.xml, p, "fills", "fill", fill)
        border_id = 0
        if s.border:
            side = "".join(
                f'<{p}{e} style="thin"><{p}color auto="1"/></{p}{e}>' for e in ("left", "right", "top", "bottom")
            )
            self.xml, border_id = intern_item(
                self.xml, p, "borders", "border", f"<{p}border>{side}<{p}diagonal/></{p}border>"
            )
        # every cell top-aligned, so numbers line up with wrapped text in the same row
        align = (
            f"<{p}alignment"
            + (f' horizontal="{s.align}"' if s.align else "")
            + ' vertical="top"'
            + (' wrapText="1"' if s.wrap else "")
            + "/>"
        )
        xf = (
            f'<{p}xf numFmtId="{s.num_fmt}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" xfId="0"'
            + (' applyNumberFormat="1"' if s.num_fmt else "")
            + (' applyFont="1"' if font_id else "")
            + (' applyFill="1"' if fill_id else "")
            + (' applyBorder="1"' if border_id else "")
            + (' applyProtection="1"' if not s.locked else "")
            + f' applyAlignment="1">{align}'
            + (f'<{p}protection locked="0"/>' if not s.locked else "")
            + f"</{p}xf>"
        )
        self.xml, xf_id = intern_item(self.xml, p, "cellXfs", "xf", xf, before="cellStyles")
        return xf_id


def attr_of(font_xml: str, tag: str) -> str | None:
    m = re.search(rf'<(?:\w+:)?{tag}\b[^>]*\bval="([^"]*)"', font_xml)
    return m.group(1) if m else None
