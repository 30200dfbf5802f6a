"""One worksheet's XML into a ``Grid``: typed cell values (shared strings, number formats,
dates), formulas and merged ranges, parsed whole or streamed, within the limits."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from xml.etree.ElementTree import Element

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml import limits
from selfeval_xl.ooxml.grid import Cell, Grid, as_number, col_index
from selfeval_xl.ooxml.xml_guard import stream_parse

# a cell's reference: column letters (to XFD) and a row number from 1 (leading zeros aside);
# anything else (A0, A-1, A, 1) is no cell at all: ``bad_reference``
_CELL_REF = re.compile(r"([A-Z]{1,3})0*[1-9][0-9]*")
_RANGE = re.compile(r"([A-Z]+)(\d+):([A-Z]+)(\d+)")


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class SheetFill:
    """Cells of one worksheet into a ``Grid``, from a whole tree (a part up to ``_WHOLE``
    bytes: fastest) or parsed incrementally (larger parts: each cell read as it closes and
    dropped). Either way reading stops past ``limits.MAX_ROWS`` rows and more than ``limits.MAX_CELLS``
    cells or ``limits.MAX_DEPTH`` nesting is refused, so a dense or hostile sheet cannot take the
    memory with it."""

    def __init__(self, grid: Grid, shared: Sequence[str], styles: list[str | None], epoch: dt.datetime, name: str):
        self.grid, self.shared, self.styles, self.epoch, self.name = grid, shared, styles, epoch, name
        self.row_no = self.rows = 0
        self.skip = False  # the current row is numbered past the row cap: its cells are not read
        self.col_no = -1

    def row(self, e: Element) -> bool:
        """Start of a row; False once there are more rows than the row cap (reading stops: the
        grid is marked truncated, complete to no row). A row numbered past the cap is skipped
        (``skip``), its cells unread, and reading goes on: the rows above it are all read (the
        grid is truncated, complete to the cap), so a stray cell or row height at row 1,048,576
        costs nothing and hides nothing."""
        r = e.get("r")
        if r is None:
            self.row_no += 1  # (r may be left out: the row after the last)
        elif r.isdecimal() and r.strip("0"):
            self.row_no = as_number(r)
        else:
            raise bad_reference(self.name, self.grid.name, "行号", r)
        self.col_no = -1
        self.rows += 1
        grid = self.grid
        if self.rows > limits.MAX_ROWS:
            grid.truncated, grid.complete_rows = True, 0
            return False
        self.skip = self.row_no > limits.MAX_ROWS
        if self.skip and not grid.truncated:
            grid.truncated, grid.complete_rows = True, limits.MAX_ROWS
        return True

    def cell(self, c: Element) -> None:
        if self.skip:
            return
        ref = c.get("r")
        m = (_CELL_REF.fullmatch(ref) or _CELL_REF.fullmatch(ref.upper())) if ref is not None else None
        col_no = self.col_no = col_index(m.group(1)) if m else self.col_no + 1
        v = f = inline_e = None
        for child in c:
            t = child.tag.rsplit("}", 1)[-1]
            if t == "v":
                v = child
            elif t == "f":
                f = child
            elif t == "is":
                inline_e = child
        if v is None and f is None and inline_e is None:
            return  # (a styled blank holds nothing, whatever its reference: as when it is dropped unread)
        if ref is not None and m is None:
            raise bad_reference(self.name, self.grid.name, "单元格引用", ref)
        v_text = (v.text or "") if v is not None else None
        formula = (f.text or "") if f is not None else None
        inline = text_of(inline_e) if inline_e is not None else None
        self._value(c, col_no, v_text, formula, inline)

    def _value(self, c: Element, col_no: int, v_text: str | None, formula: str | None, inline: str | None) -> None:
        style = None
        s = c.get("s")
        if s and s.isdecimal() and as_number(s) < len(self.styles):
            style = self.styles[as_number(s)]
        value = _typed_value(c.get("t") or "n", v_text, inline, style, self.shared, self.epoch)
        if value is None and formula is None:
            return
        cells = self.grid.cells
        if len(cells) >= limits.MAX_CELLS:
            raise UnreadableWorkbook.at(
                self.name, self.grid.name, None, "too-large", detail=f"超过 {limits.MAX_CELLS:,} 个单元格"
            )
        cells[(self.row_no, col_no)] = Cell(value, style == "percent", formula)

    def merge(self, mc: Element) -> None:
        merges = self.grid.merges
        mm = _RANGE.match(mc.get("ref") or "")
        if mm and len(merges) < limits.MAX_MERGES:
            r1, r2 = as_number(mm.group(2)), as_number(mm.group(4))
            if r1 == 0 or r2 == 0:  # A0:B2 spans no rows a sheet has, as a cell A0 is none
                raise bad_reference(self.name, self.grid.name, "合并单元格", mm.group(0))
            if r1 <= limits.MAX_ROWS:  # clipped to the rows that are read at all
                merges.append((r1, col_index(mm.group(1)), min(r2, limits.MAX_ROWS), col_index(mm.group(3))))

    def whole(self, root: Element) -> None:
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        c_tag = ns + "c"
        sheet_data = root.find(ns + "sheetData")
        v_tag, is_tag = ns + "v", ns + "is"
        for row in sheet_data if sheet_data is not None else ():
            if not self.row(row):
                break
            if self.skip:
                continue
            for c in row:
                if c.tag != c_tag:
                    continue
                if len(c) == 1 and (ref := c.get("r")) and (m := _CELL_REF.fullmatch(ref)):
                    # the usual cells, <c r=".."><v>..</v></c> and <c r=".."><is>..</is></c>: what
                    # cell() does, without its walk over the children
                    child = c[0]
                    if child.tag == v_tag:
                        self.col_no = col_index(m.group(1))
                        self._value(c, self.col_no, child.text or "", None, None)
                        continue
                    if child.tag == is_tag:
                        self.col_no = col_index(m.group(1))
                        self._value(c, self.col_no, None, None, text_of(child))
                        continue
                self.cell(c)
        for mc in root.iter(ns + "mergeCell"):
            self.merge(mc)

    def stream(self, data: bytes) -> None:
        def on_start(e: Element, local: str, depth: int) -> bool:
            return not (local == "row" and depth == 3 and not self.row(e))

        def on_end(e: Element, local: str, depth: int) -> None:
            if local == "c" and depth == 4:
                self.cell(e)
            elif local == "mergeCell":
                self.merge(e)

        # a cell keeps its children until it closes; rows and above are dropped
        stream_parse(data, on_end, self.name, "", 4, on_start, self.grid.name)


def bad_reference(file: str, sheet: str, what: str, ref: str) -> UnreadableWorkbook:
    """A row numbered 0 or -1, a cell referenced A0 or A-1: no cell a spreadsheet has, so the
    file is damaged (Excel repairs it, dropping what it cannot place). Never put on a real cell
    (where it would be read as something it is not): the file is refused, the reference named."""
    shown = ref if len(ref) <= 20 else ref[:20] + "…"
    detail = f"{what}“{shown}”无效，行号应从 1 开始，文件已损坏；请用 Excel 或 WPS 打开、另存后再提交"
    return UnreadableWorkbook.at(file, sheet, None, "not-a-workbook", detail=detail)


def text_of(e: Element) -> str:
    """Text of a shared string or inline string, rich runs joined, phonetic runs skipped."""
    if len(e) == 1 and not len(e[0]) and e[0].tag.rpartition("}")[2] == "t":
        return e[0].text or ""  # plain text (most strings): no walk
    parts: list[str] = []
    for child in e.iter():
        tag = local_name(child.tag)
        if tag == "t" and child.text:
            parts.append(child.text)
        elif tag == "rPh":
            # phonetic guide text is not part of the value; remove what iter() will visit
            for t in child.iter():
                if local_name(t.tag) == "t":
                    t.text = None
    return "".join(parts)


def _typed_value(
    t: str, v_text: str | None, inline: str | None, style: str | None, shared: Sequence[str], epoch: dt.datetime
) -> object:
    """A cell's value from its type attribute, ``<v>`` text, inline string and number format."""
    if t == "s":
        try:
            return shared[int(v_text or "")]
        except (ValueError, IndexError):
            return None
    if t == "inlineStr":
        return inline
    if t == "str":
        return v_text
    if t == "e":
        return v_text or None  # a cached error (#DIV/0!) is a result, shown as such, not a missing one
    if t == "b":
        return v_text == "1" if v_text is not None else None
    if t == "d":
        try:
            return dt.datetime.fromisoformat(v_text or "")
        except ValueError:
            return v_text
    if v_text is None or v_text == "":
        return None
    try:
        num = float(v_text)
    except ValueError:
        return v_text
    if style == "date" and 0 < num < 2958466:
        value = epoch + dt.timedelta(days=num)
        return value.date() if value.time() == dt.time(0) else value
    return num
