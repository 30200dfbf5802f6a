"""A worksheet part as XML text: ``SheetSpec`` (rows, styles, widths, print setup) and ``row_xml``."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from selfeval_xl.ooxml.grid import col_letter
from selfeval_xl.ooxml.page import MARGIN_BOTTOM, MARGIN_HF, MARGIN_LR, MARGIN_TOP, PagePlan
from selfeval_xl.ooxml.styles import Style
from selfeval_xl.ooxml.xml_text import escape, quoteattr
from selfeval_xl.ooxml.zip_package import NS_MAIN, NS_REL

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_CELL_LIMIT = 32767


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


# --- the worksheet part ---------------------------------------------------------------------
def clean_text(value: str) -> str:
    """Text an .xlsx cell can hold: no XML-illegal control characters, at most 32,767 chars."""
    return _ILLEGAL_XML.sub("", value)[:_EXCEL_CELL_LIMIT]


def text_xml(value: str) -> str:
    """A cell text as XML character data: cleaned (``clean_text``) and escaped."""
    if len(value) <= _EXCEL_CELL_LIMIT and _PLAIN_TEXT.fullmatch(value):
        return value  # most texts: nothing to escape or remove (one C pass instead of four)
    if _ILLEGAL_XML.search(value) or len(value) > _EXCEL_CELL_LIMIT:
        value = clean_text(value)
    return escape(value)


_PLAIN_TEXT = re.compile("[^&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*")

# A text's start tag: xml:space="preserve" only when it starts or ends with white space, as
# openpyxl and XlsxWriter write it (white space inside a text is kept either way). On every
# text cell it was a fifth of a district summary's 指标明细.
T_PLAIN = "<t>"
T_KEPT = '<t xml:space="preserve">'


def t_open(text: str) -> str:
    """The ``<t>`` start tag for a cell text as written (cleaned and escaped)."""
    return T_KEPT if text and (text[0].isspace() or text[-1].isspace()) else T_PLAIN


def _plain(text: str) -> bool:
    """``text`` has nothing to escape or remove (``_PLAIN_TEXT``): printable text without
    ``&<>`` is decided by str methods, faster than the regex, which decides the rest."""
    if "&" in text or "<" in text or ">" in text:
        return False
    return text.isprintable() or _PLAIN_TEXT.fullmatch(text) is not None


_NCOLS = 64
_COLS = [col_letter(i) for i in range(_NCOLS)]
_INF = math.inf


class _StyledBlank:
    def __repr__(self) -> str:
        return "STYLED_BLANK"

    def __str__(self) -> str:  # shows (and measures, for widths) as an empty cell
        return ""


STYLED_BLANK = _StyledBlank()  # a cell with no value but its style (an unlocked input cell)
_TEXT_KINDS = {str, type(None)}
_NUMBER_KINDS = {float, type(None)}
_BLANK_KINDS = {_StyledBlank}


def row_xml(r: int | str, values: Sequence[object], style_ids: Sequence[int | str], height: float | None = None) -> str:
    """One ``<row>``: numbers as numbers, text as inline strings (text stays text: a leading
    "=" is never a formula, and sharedStrings.xml is left alone); None, "" and NaN are blank.
    ``style_ids`` are ``cellXfs`` indices by column; ``height`` in points, if set. (The hot
    loop of every write.)"""
    sattrs = [f' s="{s}"' if s else "" for s in style_ids]
    if len(sattrs) < len(values):
        sattrs += [""] * (len(values) - len(sattrs))
    return _row(r, values, sattrs, height)


def _row(r: int | str, values: Sequence[object], sattrs: Sequence[str], height: float | None) -> str:
    """``row_xml`` with each column's `` s="…"`` attribute ready (at least one per value)."""
    parts = []
    rs = str(r)
    plain = _PLAIN_TEXT.fullmatch
    for c, v in enumerate(values):
        if v is None:
            if sattrs[c]:  # a blank cell keeps its style (a table's borders go round it)
                parts.append(f'<c r="{_COLS[c] if c < _NCOLS else col_letter(c)}{rs}"{sattrs[c]}/>')
            continue
        if type(v) is str:  # the common cases first, without the isinstance chain
            if v:
                if len(v) > _EXCEL_CELL_LIMIT or plain(v) is None:  # most texts: nothing to escape
                    v = text_xml(v)
                ref = _COLS[c] if c < _NCOLS else col_letter(c)
                t = T_KEPT if v and (v[0].isspace() or v[-1].isspace()) else T_PLAIN  # ("" once cleaned)
                parts.append(f'<c r="{ref}{rs}"{sattrs[c]} t="inlineStr"><is>{t}{v}</t></is></c>')
            elif sattrs[c]:
                parts.append(f'<c r="{_COLS[c] if c < _NCOLS else col_letter(c)}{rs}"{sattrs[c]}/>')
            continue
        if type(v) is float:
            ref = _COLS[c] if c < _NCOLS else col_letter(c)
            if v == v and v != _INF and v != -_INF:
                parts.append(f'<c r="{ref}{rs}"{sattrs[c]}><v>{v!r}</v></c>')
            elif sattrs[c]:
                parts.append(f'<c r="{ref}{rs}"{sattrs[c]}/>')
            continue
        cell = _cell((_COLS[c] if c < _NCOLS else col_letter(c)) + rs, v, sattrs[c])
        if cell:
            parts.append(cell)
    ht = f' ht="{height}" customHeight="1"' if height else ""
    return f'<row r="{rs}"{ht}>{"".join(parts)}</row>' if parts else f'<row r="{rs}"{ht}/>'


def _cell(ref: str, v: object, sattr: str) -> str:
    """One ``<c>`` (``row_xml``'s rules, for any value); a blank is its style alone, or "" with none."""
    if v is None or v == "":
        return f'<c r="{ref}"{sattr}/>' if sattr else ""
    if isinstance(v, str):
        text = text_xml(v)
        return f'<c r="{ref}"{sattr} t="inlineStr"><is>{t_open(text)}{text}</t></is></c>'
    if isinstance(v, bool):
        return f'<c r="{ref}"{sattr} t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int | float):
        if v == v and v not in (math.inf, -math.inf):
            return f'<c r="{ref}"{sattr}><v>{v!r}</v></c>'
        return f'<c r="{ref}"{sattr}/>' if sattr else ""
    if v is STYLED_BLANK:
        return f'<c r="{ref}"{sattr}/>'
    text = text_xml(str(v))
    return f'<c r="{ref}"{sattr} t="inlineStr"><is>{t_open(text)}{text}</t></is></c>'


_BLOCK = 4  # rows sharing one styles list, at least this many, are written column by column


def _block(first: int, rows: Sequence[Sequence[object]], sattrs: Sequence[str], heights: dict[int, float]) -> list[str]:
    """``_row`` for consecutive rows of one length sharing one styles list (the indicator
    table): each column's cells made in one comprehension, with one check for the whole column
    that its texts need no escaping and its numbers are finite; the same text as ``_row``."""
    refs = [str(r) for r in range(first, first + len(rows))]
    columns = []
    for c, col in enumerate(zip(*rows, strict=True)):
        kinds = set(map(type, col))
        ref, sattr = _COLS[c] if c < _NCOLS else col_letter(c), sattrs[c]
        if kinds <= _TEXT_KINDS:
            texts = cast(list[str], [v for v in col if v])
            if not texts or (max(map(len, texts)) <= _EXCEL_CELL_LIMIT and _plain(" ".join(texts))):
                head, mid = f'<c r="{ref}', f'"{sattr} t="inlineStr"><is>'
                if list(map(str.strip, texts)) == texts:  # (no text starts or ends with white space)
                    mid += T_PLAIN
                    made = [f"{head}{r}{mid}{v}</t></is></c>" if v else "" for r, v in zip(refs, col, strict=True)]
                else:
                    made = [
                        f"{head}{r}{mid}{t_open(v)}{v}</t></is></c>" if v else ""
                        for r, v in zip(refs, col, strict=True)
                    ]
                if sattr and len(texts) < len(col):  # a blank keeps its style (a table's borders go round it)
                    made = [x or f'{head}{r}"{sattr}/>' for r, x in zip(refs, made, strict=True)]
                columns.append(made)
                continue
        elif kinds <= _NUMBER_KINDS:
            if all(map(math.isfinite, [v for v in col if v is not None])):
                head = f'<c r="{ref}'
                blank_cell = f'"{sattr}/>' if sattr else ""
                columns.append(
                    [
                        f'{head}{r}"{sattr}><v>{v!r}</v></c>'
                        if v is not None
                        else blank_cell and f"{head}{r}{blank_cell}"
                        for r, v in zip(refs, col, strict=True)
                    ]
                )
                continue
        elif kinds == _BLANK_KINDS:
            columns.append([f'<c r="{ref}{r}"{sattr}/>' for r in refs])
            continue
        columns.append([_cell(ref + r, v, sattr) for r, v in zip(refs, col, strict=True)])
    out = []
    for r, cells in zip(refs, zip(*columns, strict=True), strict=True):
        height = heights.get(int(r))
        ht = f' ht="{height}" customHeight="1"' if height else ""
        body = "".join(cells)
        out.append(f'<row r="{r}"{ht}>{body}</row>' if body else f'<row r="{r}"{ht}/>')
    return out


def sheet_xml(
    spec: SheetSpec, style_id: Callable[[Style | None], int], ns: tuple[str, str] = (NS_MAIN, NS_REL)
) -> bytes:
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
    ids: dict[int, str] = {}  # by object identity: a sheet reuses a handful of Style objects
    known: dict[tuple[int, int], list[str]] = {}  # and rows share their styles lists
    rows, styles, n = spec.rows, spec.styles, len(spec.rows)
    if len(styles) != n:
        raise ValueError("SheetSpec: one styles list per row")
    i = 0
    while i < n:
        values, row_styles = rows[i], styles[i]
        key = (id(row_styles), len(values))
        sattrs = known.get(key)
        if sattrs is None:  # style ids asked for in the order the cells come (styles.xml's order)
            sattrs = []
            for style in row_styles:
                if id(style) not in ids:
                    s = style_id(style)
                    ids[id(style)] = f' s="{s}"' if s else ""
                sattrs.append(ids[id(style)])
            sattrs += [""] * (len(values) - len(sattrs))
            known[key] = sattrs
        j = i + 1
        while j < n and styles[j] is row_styles and len(rows[j]) == len(values):
            j += 1
        if j - i >= _BLOCK and values:
            out += _block(i + 1, rows[i:j], sattrs, spec.heights)
        else:
            out += [_row(k + 1, rows[k], sattrs, spec.heights.get(k + 1)) for k in range(i, j)]
        i = j
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
    scale), the footer on every page, any rows made to start a page (SPEC §4.5)."""
    out = [
        f'<pageMargins left="{MARGIN_LR}" right="{MARGIN_LR}" top="{MARGIN_TOP}" bottom="{MARGIN_BOTTOM}"'
        f' header="{MARGIN_HF}" footer="{MARGIN_HF}"/>'
    ]
    size = 'fitToWidth="1" fitToHeight="0"' if page.scale is None else f'scale="{page.scale}"'
    out.append(f'<pageSetup paperSize="9" {size} orientation="{page.orientation}"/>')
    if footer:
        out.append(f"<headerFooter><oddFooter>{escape(footer)}</oddFooter></headerFooter>")
    if page.row_breaks:  # (before colBreaks: the schema's order)
        n = len(page.row_breaks)
        out.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">')
        out += [f'<brk id="{b}" max="16383" man="1"/>' for b in page.row_breaks]
        out.append("</rowBreaks>")
    if page.breaks:
        out.append(f'<colBreaks count="{len(page.breaks)}" manualBreakCount="{len(page.breaks)}">')
        out += [f'<brk id="{b}" max="1048575" man="1"/>' for b in page.breaks]
        out.append("</colBreaks>")
    return "".join(out)
