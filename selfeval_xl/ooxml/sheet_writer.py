"""Add (or replace) one worksheet in an .xlsx package without touching anything else.

openpyxl's load→save drops x14 validations, shapes, cached formula results and more
(EXCEL-NOTES.md), so write-back works on the zip: every part is copied with the same
decompressed bytes, except the bookkeeping parts SPEC §4.1 allows to change —
``xl/workbook.xml``, ``xl/_rels/workbook.xml.rels``, ``[Content_Types].xml``,
``docProps/app.xml`` and ``xl/styles.xml`` (append-only: styles we need are added at the end
of their lists, or reused when an identical entry exists, so a rerun adds nothing).

The edits are text insertions into the original XML (parsed with defusedxml first, to read
names and ids safely), so the user's parts keep their own prefixes, order and formatting.
"""

from __future__ import annotations

import contextlib
import io
import math
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as safe_et

from selfeval_xl.ooxml.zipcopy import ZipOut, raw_member
from selfeval_xl.outputs.pagesetup import MARGIN_BOTTOM, MARGIN_HF, MARGIN_LR, MARGIN_TOP, PagePlan
from selfeval_xl.reading.contract import col_letter

WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
APP = "docProps/app.xml"
BOOKKEEPING_PARTS = (WORKBOOK, WORKBOOK_RELS, CONTENT_TYPES, APP)  # plus the styles part

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_WORKSHEET = NS_REL + "/worksheet"
REL_STYLES = NS_REL + "/styles"
# Strict OOXML (ISO 29500 strict) names the same things under purl.oclc.org
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_CELL_LIMIT = 32767


class PackageError(Exception):
    """The package cannot take a new sheet (message in Chinese, for the user)."""


# --- what to write --------------------------------------------------------------------------
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


@dataclass
class SheetSpec:
    """A sheet as rows of values (str, int/float, or None) with a style per cell."""

    rows: list[list[object]] = field(default_factory=list)
    styles: list[list[Style | None]] = field(default_factory=list)
    widths: Sequence[float] = ()
    freeze_rows: int = 0
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (cell, location, tooltip)
    prompts: list[tuple[str, str, str]] = field(default_factory=list)  # (range, title, input message)
    column_styles: dict[int, Style] = field(default_factory=dict)  # 0-based column → style of its blank cells
    tab_color: str | None = None
    heights: dict[int, float] = field(default_factory=dict)  # 1-based row → points
    merges: list[str] = field(default_factory=list)  # "A1:K1"
    page: PagePlan = PagePlan(landscape=True)
    repeat_rows: tuple[int, int] | None = None  # 1-based rows printed atop every page
    footer: str = ""  # Excel header/footer codes (pagesetup.footer_text)
    active: bool = False  # the workbook opens on this sheet

    def add(self, values: Sequence[object], styles: Sequence[Style | None] | Style | None = None) -> int:
        """Append a row; return its 1-based row number."""
        values = list(values)
        if styles is None or isinstance(styles, Style):
            styles = [styles] * len(values)
        self.rows.append(values)
        self.styles.append(list(styles))
        return len(self.rows)


# --- the package ----------------------------------------------------------------------------
class _Parts(Mapping[str, bytes]):
    """Member name → decompressed bytes, inflated on first use (most members are only copied)."""

    def __init__(self, zf: zipfile.ZipFile | None, parts: dict[str, bytes] | None = None):
        self.zf = zf
        self.cache: dict[str, bytes] = dict(parts or {})
        self.names = [i.filename for i in zf.infolist()] if zf is not None else list(self.cache)
        self._known = set(self.names)  # membership in a list made write-back quadratic in members

    def __getitem__(self, name: str) -> bytes:
        if name not in self.cache:
            if self.zf is None or name not in self._known:
                raise KeyError(name)
            self.cache[name] = self.zf.read(name)
        return self.cache[name]

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class Package:
    """An .xlsx: its members in their original order, with their zip metadata; the raw file
    is kept so that unchanged members can be copied without re-compressing them."""

    infos: list[zipfile.ZipInfo]
    parts: Mapping[str, bytes]
    raw: bytes | Path | None = None  # the file (read member by member when saving), or its bytes

    @classmethod
    def read(cls, path: Path) -> Package:
        """The package at ``path``; only the parts asked for are inflated, and saving copies one
        member at a time, so memory follows the largest part, not the file (pictures, zip64)."""
        zf = zipfile.ZipFile(path)
        return cls(zf.infolist(), _Parts(zf), Path(path))

    def close(self) -> None:
        if isinstance(self.parts, _Parts) and self.parts.zf is not None:
            self.parts.zf.close()

    def text(self, name: str) -> str:
        """A part as text; one saved as UTF-16 comes back with its declaration saying UTF-8,
        which is how it is written back if it changes."""
        data = self.parts[name]
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[1:2] == b"\x00" or data[:1] == b"\x00":
            text = data.decode("utf-16")
            return re.sub(r"""^(<\?xml[^>]*encoding=)["'][^"']*["']""", r'\1"UTF-8"', text)
        return data.decode("utf-8")

    def save(self, path: Path | io.BytesIO, changed: dict[str, bytes], dropped: Iterable[str] = ()) -> None:
        """Write the package with ``changed`` parts replaced or added (new ones at the end);
        every other member keeps its compressed bytes."""
        dropped = set(dropped)
        known = {i.filename for i in self.infos}
        try:
            with (
                open(path, "wb") if isinstance(path, Path | str) else contextlib.nullcontext(path) as fh,
                open(self.raw, "rb") if isinstance(self.raw, Path) else contextlib.nullcontext(self.raw) as raw,
            ):
                out = ZipOut(fh)  # type: ignore[arg-type]
                for info in self.infos:
                    if info.filename in dropped:
                        continue
                    if info.filename in changed:
                        out.add(info.filename, changed[info.filename], info.date_time, info.external_attr)
                    elif raw is not None:
                        out.copy(info, raw_member(raw, info))
                    else:
                        out.add(info.filename, self.parts[info.filename], info.date_time, info.external_attr)
                for name, data in changed.items():
                    if name not in known:
                        out.add(name, data)
                out.close()
        except OverflowError:  # a package past the plain zip limits: let zipfile write zip64
            self._save_zip64(path, changed, dropped, known)

    def _save_zip64(
        self, path: Path | io.BytesIO, changed: dict[str, bytes], dropped: set[str], known: set[str]
    ) -> None:
        if isinstance(path, io.BytesIO):
            path.seek(0)
            path.truncate()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            for info in self.infos:
                if info.filename not in dropped:
                    out.writestr(info, changed.get(info.filename, self.parts[info.filename]))
            for name, data in changed.items():
                if name not in known:
                    out.writestr(name, data)


def blank_package() -> Package:
    """A workbook with no sheets yet, for side files (SPEC §4.1 non-.xlsx input)."""
    parts = {
        CONTENT_TYPES: (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{CT_STYLES}"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        WORKBOOK: (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets></sheets></workbook>'
        ),
        WORKBOOK_RELS: (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{REL_STYLES}" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{NS_MAIN}">'
            '<fonts count="1"><font><sz val="11"/><name val="宋体"/><family val="2"/><charset val="134"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }
    infos = [zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)) for name in parts]
    for i in infos:
        i.compress_type = zipfile.ZIP_DEFLATED
    return Package(infos, _Parts(None, {k: v.encode("utf-8") for k, v in parts.items()}))


# --- XML text surgery -----------------------------------------------------------------------
_NOT_MARKUP = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)


def _masked(xml: str) -> str:
    """``xml`` with comments, CDATA and processing instructions blanked out (same length, so
    indices match): a ``</sheets>`` inside a comment is no place to insert a sheet."""
    return _NOT_MARKUP.sub(lambda m: " " * len(m.group(0)), xml)


def _prefix(xml: str, local: str) -> str:
    """The namespace prefix (``"x:"`` or ``""``) the document uses for element ``local``."""
    m = re.search(rf"<(\w+:)?{local}[\s>/]", _masked(xml))
    if m is None:
        raise PackageError(f"找不到 <{local}> 元素")
    return m.group(1) or ""


def _section(xml: str, p: str, name: str) -> re.Match[str] | None:
    return re.search(rf"<{p}{name}\b([^>]*?)(?:/>|>(.*?)</{p}{name}>)", xml, re.S)


def _items(body: str, p: str, tag: str) -> list[str]:
    return re.findall(rf"<{p}{tag}\b[^>]*?/>|<{p}{tag}\b[^>]*?>.*?</{p}{tag}>", body, re.S)


def _set_count(attrs: str, n: int) -> str:
    if re.search(r'\bcount="\d*"', attrs):
        return re.sub(r'\bcount="\d*"', f'count="{n}"', attrs, count=1)
    return f' count="{n}"' + attrs


def _intern(xml: str, p: str, section: str, tag: str, item: str, before: str | None = None) -> tuple[str, int]:
    """Index of ``item`` in the ``section`` list, appending it (and fixing ``count``) if absent.
    A missing section is created before the ``before`` section."""
    masked = _masked(xml)  # found outside comments (same indices); the comments themselves kept
    m = _section(masked, p, section)
    if m is None:
        if before is None or (anchor := re.search(rf"<{p}{before}\b", masked)) is None:
            raise PackageError(f"styles.xml 缺少 <{section}>")
        new = f'<{p}{section} count="1">{item}</{p}{section}>'
        return xml[: anchor.start()] + new + xml[anchor.start() :], 0
    items = _items(m.group(2) or "", p, tag)
    if item in items:
        return xml, items.index(item)
    attrs = _set_count(m.group(1), len(items) + 1)
    body = xml[m.start(2) : m.end(2)] if m.group(2) is not None else ""
    new = f"<{p}{section}{attrs}>{body}{item}</{p}{section}>"
    return xml[: m.start()] + new + xml[m.end() :], len(items)


class _Styles:
    """Interns ``Style`` values into the package's styles.xml (append-only)."""

    def __init__(self, xml: str):
        self.xml = xml
        self.p = _prefix(xml, "styleSheet")
        self._ids: dict[Style | None, int] = {None: 0}
        fonts = _section(_masked(xml), self.p, "fonts")
        first = _items(fonts.group(2) or "", self.p, "font")[0] if fonts else ""
        self.size = _attr_of(first, "sz") or "11"
        self.font_name = _attr_of(first, "name") or "宋体"

    def id(self, style: Style | None) -> int:
        if style not in self._ids:
            self._ids[style] = self._add(style)  # type: ignore[arg-type]
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
            self.xml, font_id = _intern(self.xml, p, "fonts", "font", font)
        fill_id = 0
        if s.fill:
            fill = (
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{s.fill}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            )
            self.xml, fill_id = _intern(self.xml, p, "fills", "fill", fill)
        border_id = 0
        if s.border:
            side = "".join(
                f'<{p}{e} style="thin"><{p}color auto="1"/></{p}{e}>' for e in ("left", "right", "top", "bottom")
            )
            self.xml, border_id = _intern(
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
        self.xml, xf_id = _intern(self.xml, p, "cellXfs", "xf", xf, before="cellStyles")
        return xf_id


def _attr_of(font_xml: str, tag: str) -> str | None:
    m = re.search(rf'<(?:\w+:)?{tag}\b[^>]*\bval="([^"]*)"', font_xml)
    return m.group(1) if m else None


# --- the worksheet part ---------------------------------------------------------------------
def clean_text(value: str) -> str:
    """Text an .xlsx cell can hold: no XML-illegal control characters, at most 32,767 chars."""
    return _ILLEGAL_XML.sub("", value)[:_EXCEL_CELL_LIMIT]


def _text(value: str) -> str:
    if _ILLEGAL_XML.search(value) or len(value) > _EXCEL_CELL_LIMIT:
        value = clean_text(value)
    return escape(value)


_COLS = [col_letter(i) for i in range(64)]


class _StyledBlank:
    def __repr__(self) -> str:
        return "STYLED_BLANK"

    def __str__(self) -> str:  # shows (and measures, for widths) as an empty cell
        return ""


STYLED_BLANK = _StyledBlank()  # a cell with no value but its style (an unlocked input cell)


def row_xml(r: int | str, values: Sequence[object], style_ids: Sequence[int], height: float | None = None) -> str:
    """One ``<row>``: numbers as numbers, text as inline strings (text stays text: a leading
    "=" is never a formula, and sharedStrings.xml is left alone); None, "" and NaN are blank.
    ``style_ids`` are ``cellXfs`` indices by column; ``height`` in points, if set. (The hot
    loop of every write.)"""
    parts = []
    n = len(style_ids)
    for c, v in enumerate(values):
        if v is None or v == "":
            continue
        s = style_ids[c] if c < n else 0
        ref = f"{_COLS[c] if c < 64 else col_letter(c)}{r}"
        sattr = f' s="{s}"' if s else ""
        if isinstance(v, str):
            parts.append(f'<c r="{ref}"{sattr} t="inlineStr"><is><t xml:space="preserve">{_text(v)}</t></is></c>')
        elif isinstance(v, bool):
            parts.append(f'<c r="{ref}"{sattr} t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int | float):
            if v == v and v not in (math.inf, -math.inf):
                parts.append(f'<c r="{ref}"{sattr}><v>{v!r}</v></c>')
        elif v is STYLED_BLANK:
            parts.append(f'<c r="{ref}"{sattr}/>')
        else:
            parts.append(f'<c r="{ref}"{sattr} t="inlineStr"><is><t xml:space="preserve">{_text(str(v))}</t></is></c>')
    ht = f' ht="{height}" customHeight="1"' if height else ""
    return f'<row r="{r}"{ht}>{"".join(parts)}</row>' if parts else f'<row r="{r}"{ht}/>'


def sheet_xml(spec: SheetSpec, style_id: callable, ns: tuple[str, str] = (NS_MAIN, NS_REL)) -> bytes:  # type: ignore[valid-type]
    """Serialize ``spec``; ``style_id(Style|None) -> int`` maps styles to ``cellXfs`` indices;
    ``ns`` the (main, relationships) namespaces of the package (transitional or Strict)."""
    ncols = max((len(r) for r in spec.rows), default=1)
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{ns[0]}" xmlns:r="{ns[1]}">',
    ]
    tab = f'<tabColor rgb="{spec.tab_color}"/>' if spec.tab_color else ""
    fit = '<pageSetUpPr fitToPage="1"/>' if spec.page.scale is None else ""
    out.append(f"<sheetPr>{tab}{fit}</sheetPr>" if tab or fit else "")
    out.append(f'<dimension ref="A1:{col_letter(ncols - 1)}{max(len(spec.rows), 1)}"/>')
    selected = ' tabSelected="1"' if spec.active else ""
    out.append(f'<sheetViews><sheetView{selected} workbookViewId="0">')
    if spec.freeze_rows:
        n = spec.freeze_rows
        out.append(f'<pane ySplit="{n}" topLeftCell="A{n + 1}" activePane="bottomLeft" state="frozen"/>')
        out.append(f'<selection pane="bottomLeft" activeCell="A{n + 1}" sqref="A{n + 1}"/>')
    out.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>')
    if spec.widths:
        out.append("<cols>")
        for i, w in enumerate(spec.widths, start=1):
            st = spec.column_styles.get(i - 1)
            sattr = f' style="{style_id(st)}"' if st is not None else ""
            out.append(f'<col min="{i}" max="{i}" width="{w}"{sattr} customWidth="1"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    ids: dict[int, int] = {}  # by object identity: a sheet reuses a handful of Style objects
    for r, (values, styles) in enumerate(zip(spec.rows, spec.styles, strict=True), start=1):
        sid = []
        for st in styles:
            key = id(st)
            if key not in ids:
                ids[key] = style_id(st)
            sid.append(ids[key])
        out.append(row_xml(r, values, sid, spec.heights.get(r)))
    out.append("</sheetData>")
    if spec.merges:
        out.append(f'<mergeCells count="{len(spec.merges)}">')
        out += [f'<mergeCell ref="{m}"/>' for m in spec.merges]
        out.append("</mergeCells>")
    if spec.prompts:  # input messages only: any value is allowed
        out.append(f'<dataValidations count="{len(spec.prompts)}">')
        for ref, title, prompt in spec.prompts:
            out.append(
                f'<dataValidation allowBlank="1" showInputMessage="1" promptTitle={quoteattr(title[:32])}'
                f" prompt={quoteattr(prompt[:255])} sqref={quoteattr(ref)}/>"
            )
        out.append("</dataValidations>")
    if spec.links:
        out.append("<hyperlinks>")
        for ref, location, tip in spec.links:
            out.append(f'<hyperlink ref="{ref}" location={quoteattr(location)} display={quoteattr(tip)}/>')
        out.append("</hyperlinks>")
    out.append(page_setup_xml(spec.page, spec.footer))
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


def page_setup_xml(page: PagePlan, footer: str) -> str:
    """``pageMargins`` to ``colBreaks``: A4, one page wide (or blocks of columns at a fixed
    scale), the footer on every page (SPEC §4.5)."""
    out = [
        f'<pageMargins left="{MARGIN_LR}" right="{MARGIN_LR}" top="{MARGIN_TOP}" bottom="{MARGIN_BOTTOM}"'
        f' header="{MARGIN_HF}" footer="{MARGIN_HF}"/>'
    ]
    size = 'fitToWidth="1" fitToHeight="0"' if page.scale is None else f'scale="{page.scale}"'
    out.append(f'<pageSetup paperSize="9" {size} orientation="{page.orientation}"/>')
    if footer:
        out.append(f"<headerFooter><oddFooter>{escape(footer)}</oddFooter></headerFooter>")
    if page.breaks:
        out.append(f'<colBreaks count="{len(page.breaks)}" manualBreakCount="{len(page.breaks)}">')
        out += [f'<brk id="{b}" max="1048575" man="1"/>' for b in page.breaks]
        out.append("</colBreaks>")
    return "".join(out)


# --- adding the sheet -----------------------------------------------------------------------
def _rels_of(xml: str) -> dict[str, tuple[str, str]]:
    root = safe_et.fromstring(xml)
    return {e.get("Id", ""): (e.get("Type", ""), e.get("Target", "")) for e in root}


def _part_of(target: str, base: str = "xl") -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))


def _sheets(xml: str) -> list[tuple[str, str, str]]:
    """(name, sheetId, r:id) of every sheet in workbook.xml."""
    root = safe_et.fromstring(xml)
    out = []
    for e in root.iter():
        if e.tag.rpartition("}")[2] != "sheet":
            continue  # any namespace: transitional or Strict OOXML (purl.oclc.org)
        rid = next((v for k, v in e.attrib.items() if k.endswith("}id")), "")
        out.append((e.get("name", ""), e.get("sheetId", "0"), rid))
    return out


def _insert_before_close(xml: str, local: str, text: str) -> str:
    """Insert ``text`` just before ``</local>`` (expanding ``<local/>`` if needed)."""
    p = _prefix(xml, local)
    close = f"</{p}{local}>"
    masked = _masked(xml)
    i = masked.rfind(close)
    if i >= 0:
        return xml[:i] + text + xml[i:]
    m = re.search(rf"<{p}{local}\b([^>]*?)/>", masked)
    if m is None:
        raise PackageError(f"找不到 <{local}> 元素")
    return xml[: m.start()] + f"<{p}{local}{m.group(1)}>{text}{close}" + xml[m.end() :]


def _app_with_sheet(xml: str, name: str) -> str:
    """docProps/app.xml with one more worksheet title; unchanged if its shape is unfamiliar
    (the part is informational; Excel does not check it against the workbook)."""
    pairs = re.search(r"<HeadingPairs>.*?</HeadingPairs>", xml, re.S)
    titles = re.search(r"<TitlesOfParts>.*?</TitlesOfParts>", xml, re.S)
    vec = re.search(r"<(\w+:)?vector\b", xml)
    if not (pairs and titles and vec) or titles.start() < pairs.end():
        return xml
    v = vec.group(1) or ""
    variant = re.compile(rf"<{v}variant>\s*<{v}(lpstr|i4)>([^<]*)</{v}\1>\s*</{v}variant>")
    found = list(variant.finditer(xml, pairs.start(), pairs.end()))
    offset = 0
    for label, count_m in zip(found[::2], found[1::2], strict=False):
        if count_m.group(1) != "i4" or not count_m.group(2).isdigit():
            return xml
        count = int(count_m.group(2))
        if label.group(2) in ("Worksheets", "工作表"):
            entries = list(re.finditer(rf"<{v}lpstr>[^<]*</{v}lpstr>", xml[: titles.end()]))
            entries = [e for e in entries if e.start() > titles.start()]
            size = re.compile(r'size="(\d+)"').search(xml, titles.start(), titles.end())
            if size is None or len(entries) < offset + count or offset + count == 0:
                return xml
            at = entries[offset + count - 1].end()
            xml = xml[:at] + f"<{v}lpstr>{escape(name)}</{v}lpstr>" + xml[at:]
            xml = xml[: size.start(1)] + str(int(size.group(1)) + 1) + xml[size.end(1) :]
            return xml[: count_m.start(2)] + str(count + 1) + xml[count_m.end(2) :]
        offset += count
    return xml


def put_sheet(pkg: Package, name: str, spec: SheetSpec) -> tuple[dict[str, bytes], set[str]]:
    """The parts to change (and to drop) so that ``pkg`` has ``spec`` as sheet ``name``: a new
    last sheet, or the existing sheet of that name replaced in place (same part, id and tab)."""
    if WORKBOOK not in pkg.parts:
        raise PackageError("zip 中没有 xl/workbook.xml")
    workbook = pkg.text(WORKBOOK)
    rels_xml = pkg.text(WORKBOOK_RELS) if WORKBOOK_RELS in pkg.parts else None
    if rels_xml is None:
        raise PackageError("zip 中没有 xl/_rels/workbook.xml.rels")
    rels = _rels_of(rels_xml)
    changed: dict[str, bytes] = {}
    dropped: set[str] = set()
    root = re.search(r"<(?:\w+:)?workbook\b[^>]*>", _masked(workbook))
    strict = root is not None and STRICT_MAIN in root.group(0)
    main_ns, rel_ns = (STRICT_MAIN, STRICT_REL) if strict else (NS_MAIN, NS_REL)
    rel_styles, rel_worksheet = rel_ns + "/styles", rel_ns + "/worksheet"

    # by the type's last word, so that a Strict package's own styles are found (and kept)
    styles_part = next((_part_of(t) for typ, t in rels.values() if typ.rsplit("/", 1)[-1] == "styles"), None)
    ct = pkg.text(CONTENT_TYPES)
    if styles_part is None or styles_part not in pkg.parts:
        styles_part = styles_part or "xl/styles.xml"
        styles = _Styles(blank_package().text("xl/styles.xml"))
        if styles_part not in {_part_of(t) for _, t in rels.values()}:
            rid = _free_rid(rels)
            rels[rid] = (rel_styles, posixpath.relpath(styles_part, "xl"))
            rels_xml = _insert_before_close(
                rels_xml, "Relationships", f'<Relationship Id="{rid}" Type="{rel_styles}" Target="{rels[rid][1]}"/>'
            )
        ct = _insert_before_close(ct, "Types", f'<Override PartName="/{styles_part}" ContentType="{CT_STYLES}"/>')
    else:
        styles = _Styles(pkg.text(styles_part))
    original_styles = styles.xml
    body = sheet_xml(spec, styles.id, (main_ns, rel_ns))

    existing = next((s for s in _sheets(workbook) if s[0] == name), None)
    if existing is not None:
        typ, target = rels.get(existing[2], ("", ""))
        if typ.rsplit("/", 1)[-1] != "worksheet":
            raise PackageError(f"工作簿中已有名为“{name}”的图表或其他类型工作表，请改名后重试")
        part = _part_of(target)
        sheet_rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
        if sheet_rels in pkg.parts:
            dropped.add(sheet_rels)
    else:
        used = {n.lower() for n in pkg.parts}
        # a stale <Override> for a part that is gone would make a duplicate PartName
        used |= {m.lower() for m in re.findall(r'PartName="/?([^"]+)"', _masked(ct))}
        k = 1
        while f"xl/worksheets/sheet{k}.xml".lower() in used:
            k += 1
        part = f"xl/worksheets/sheet{k}.xml"
        rid = _free_rid(rels)
        rels_xml = _insert_before_close(
            rels_xml,
            "Relationships",
            f'<Relationship Id="{rid}" Type="{rel_worksheet}" Target="{posixpath.relpath(part, "xl")}"/>',
        )
        sheet_id = max((int(s[1]) for s in _sheets(workbook) if s[1].isdigit()), default=0) + 1
        r = _rel_prefix(workbook, rel_ns)
        ns = "" if r else f' xmlns:r="{rel_ns}"'
        p = _prefix(workbook, "sheets")
        workbook = _insert_before_close(
            workbook, "sheets", f'<{p}sheet name={quoteattr(name)} sheetId="{sheet_id}"{ns} {r or "r"}:id="{rid}"/>'
        )
        ct = _insert_before_close(ct, "Types", f'<Override PartName="/{part}" ContentType="{CT_WORKSHEET}"/>')
        if APP in pkg.parts:
            app = _app_with_sheet(pkg.text(APP), name)
            if app != pkg.text(APP):
                changed[APP] = app.encode("utf-8")
    workbook = _print_titles(workbook, name, spec)
    if spec.active:
        workbook = _activate(workbook, name)
    if workbook != pkg.text(WORKBOOK):
        changed[WORKBOOK] = workbook.encode("utf-8")
    if existing is None or rels_xml != pkg.text(WORKBOOK_RELS):
        changed[WORKBOOK_RELS] = rels_xml.encode("utf-8")
    if ct != pkg.text(CONTENT_TYPES):
        changed[CONTENT_TYPES] = ct.encode("utf-8")
    if styles.xml != original_styles or styles_part not in pkg.parts:
        changed[styles_part] = styles.xml.encode("utf-8")
    changed[part] = body
    return changed, dropped


def _sheet_index(workbook: str, name: str) -> int:
    return [s[0] for s in _sheets(workbook)].index(name)


def _print_titles(workbook: str, name: str, spec: SheetSpec) -> str:
    """workbook.xml with the sheet's ``_xlnm.Print_Titles`` (rows repeated atop each page,
    columns at the left of each printed block) replaced by the spec's, or removed."""
    idx = _sheet_index(workbook, name)
    p = _prefix(workbook, "sheets")
    own = re.compile(
        rf'<{p}definedName\b(?=[^>]*\bname="_xlnm\.Print_Titles")(?=[^>]*\blocalSheetId="{idx}")[^>]*>'
        rf"[^<]*</{p}definedName>"
    )
    for m in reversed(list(own.finditer(_masked(workbook)))):  # never one inside a comment
        workbook = workbook[: m.start()] + workbook[m.end() :]
    quoted = "'" + name.replace("'", "''") + "'!"
    ranges = []
    if spec.page.repeat_cols:
        ranges.append(f"{quoted}$A:${col_letter(spec.page.repeat_cols - 1)}")
    if spec.repeat_rows:
        ranges.append(f"{quoted}${spec.repeat_rows[0]}:${spec.repeat_rows[1]}")
    if ranges:
        value = escape(",".join(ranges))
        item = f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="{idx}">{value}</{p}definedName>'
        if re.search(rf"<{p}definedNames\b", _masked(workbook)):
            workbook = _insert_before_close(workbook, "definedNames", item)
        else:  # after sheets / functionGroups / externalReferences, as the schema orders them
            tags = "sheets|functionGroups|externalReferences"
            ends = [m.end() for m in re.finditer(rf"</{p}(?:{tags})>|<{p}(?:{tags})\b[^>]*/>", _masked(workbook))]
            at = max(ends)
            workbook = workbook[:at] + f"<{p}definedNames>{item}</{p}definedNames>" + workbook[at:]
    empty = re.search(rf"<{p}definedNames>\s*</{p}definedNames>", _masked(workbook))
    return workbook if empty is None else workbook[: empty.start()] + workbook[empty.end() :]


def _activate(workbook: str, name: str) -> str:
    """workbook.xml opening on sheet ``name`` (``activeTab`` of the first workbook view)."""
    idx = _sheet_index(workbook, name)
    p = _prefix(workbook, "sheets")
    view = re.search(rf"<{p}workbookView\b[^>]*>", _masked(workbook))
    if view is None:
        at = _masked(workbook).index(f"<{p}sheets")
        return workbook[:at] + f'<{p}bookViews><{p}workbookView activeTab="{idx}"/></{p}bookViews>' + workbook[at:]
    tag = workbook[view.start() : view.end()]
    if re.search(r'\bactiveTab="\d*"', tag):
        new = re.sub(r'\bactiveTab="\d*"', f'activeTab="{idx}"', tag)
    else:
        head = f"<{p}workbookView"
        new = head + f' activeTab="{idx}"' + tag[len(head) :]
    return workbook[: view.start()] + new + workbook[view.end() :]


def sheet_parts(pkg: Package) -> dict[str, str]:
    """Sheet name → its part inside the package."""
    rels = _rels_of(pkg.text(WORKBOOK_RELS))
    return {name: _part_of(rels[rid][1]) for name, _, rid in _sheets(pkg.text(WORKBOOK)) if rid in rels}


def _free_rid(rels: dict[str, tuple[str, str]]) -> str:
    k = len(rels) + 1
    while f"rId{k}" in rels:
        k += 1
    return f"rId{k}"


def _rel_prefix(xml: str, rel_ns: str = NS_REL) -> str | None:
    """The prefix bound to the relationships namespace on the root element, if any (openpyxl
    with lxml declares it on each <sheet> instead, where it does not reach a new sibling)."""
    root = re.search(r"<(?:\w+:)?workbook\b[^>]*>", xml)
    m = re.search(rf'xmlns:(\w+)="{re.escape(rel_ns)}"', root.group(0)) if root else None
    return m.group(1) if m else None


def write_sheet(src: Path | None, dst: Path | io.BytesIO, name: str, spec: SheetSpec) -> None:
    """Write ``src`` (or a blank workbook) to ``dst`` with sheet ``name`` added or replaced."""
    pkg = Package.read(src) if src is not None else blank_package()
    try:
        changed, dropped = put_sheet(pkg, name, spec)
        pkg.save(dst, changed, dropped)
    finally:
        pkg.close()
