"""Some columns of one big sheet of a workbook, read as a stream: the district summary's 指标明细
(one row per indicator of every workbook: ~70 MB of XML at 1,000 workbooks) for the district
report, in memory that does not grow with the sheet. python-calamine, which read it before, holds
the whole sheet (~100 MB at 1,000 workbooks, ~1 GB at 10,000).

The sheet is inflated chunk by chunk and cut into rows; each row's cells must tile it as the
patterns below read them (values, inline strings, shared strings, with or without references,
as our summary and an office suite's re-save write them). Anything else raises ``NotPlain``,
and the caller reads the sheet another way."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from selfeval_xl.errors import SelfevalError
from selfeval_xl.ooxml.grid import col_index
from selfeval_xl.ooxml.limits import check_member_method
from selfeval_xl.ooxml.scanned_text import element_text
from selfeval_xl.ooxml.xlsx_book import XlsxBook

CHUNK = 1 << 20  # bytes inflated at a time
HEADER_SEARCH_ROWS = 10  # (as summary_table)
_SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
_TEXT = re.compile(rb"<t(?:\s[^>]*)?>([^<]*)</t>")
_PHONETIC = re.compile(rb"<rPh\b.*?</rPh>", re.DOTALL)
_AFTER_NAME = (b" ", b">", b"/", b"\t", b"\n", b"\r")  # what follows "<c" or "<row" when the element is one


class NotPlain(Exception):
    """The sheet holds something the patterns here do not read (or the file is no workbook)."""


def sheet_columns(path: Path, sheet: str, wanted: Sequence[str]) -> tuple[list[str], Iterator[list[object]]]:
    """Which of ``wanted`` (header texts in the sheet's first row) the sheet has, in that order,
    and its rows below the header as those columns' values (a blank cell None, as pandas reads
    it: a whole number an int; no number format is applied, so no dates). Raises ``NotPlain``
    when the sheet cannot be read this way (also while the rows are being read)."""
    try:
        xb = XlsxBook(path, path.name, parts_read_only=True)
        xb.book()
        part = xb.targets.get(sheet)
        info = xb.zf.NameToInfo.get(part or "")
        if info is None:
            raise NotPlain(f"no sheet {sheet}")
        # (a sheet of any size is streamed, in bounded memory; but not one zipfile would inflate
        # without a bound, or ask a password for)
        check_member_method(info, path.name)
    except SelfevalError as exc:
        raise NotPlain(str(exc)) from None
    bodies = _row_bodies(xb, info.filename)
    # the header: the first of the first rows with most of ``wanted`` (a title row may be above it)
    texts: list[str] = []
    for _ in range(HEADER_SEARCH_ROWS):
        if (header := next(bodies, None)) is None:
            break
        texts = [v.strip() if isinstance(v, str) else "" for v in _cells(header, xb.shared)]
        if sum(h in texts for h in wanted) * 2 > len(wanted):
            break
    else:
        texts = []  # (no header: none of the columns)
    found = [h for h in wanted if h in texts]
    at = [texts.index(h) for h in found]
    return found, ([as_pandas_reads(v) for v in _cells(body, xb.shared, at)] for body in bodies)


def _row_bodies(xb: XlsxBook, part: str) -> Iterator[bytes]:
    """The content of each row of the sheet part, in order."""
    with xb.zf.open(part) as fh:
        buffer = b""
        started = ended = False
        while not ended:
            chunk = fh.read(CHUNK)
            buffer += chunk
            if not started:
                m = _SHEET_DATA.search(buffer)
                if m is None:
                    if not chunk:
                        raise NotPlain("no sheetData")
                    continue
                started, buffer = True, buffer[m.end() :]
                if m.group(1):
                    return  # <sheetData/>
            end = buffer.find(b"</sheetData>")
            if end >= 0:
                body, ended = buffer[:end], True
                # merged cells (after the rows) hold their value in each row they cover: read
                # another way (the rows before are only yielded to the caller's list; so is the
                # rest, whole or not at all)
                tail = buffer[end:]
                while b"mergeCell" not in tail and (more := fh.read(CHUNK)):
                    tail = tail[-16:] + more
                if b"mergeCell" in tail:
                    yield from _rows_of(body.strip())
                    raise NotPlain("merged cells")
                buffer = b""
            elif not chunk:
                raise NotPlain("sheetData not closed")
            else:
                cut = buffer.rfind(b"</row>") + len(b"</row>")
                if cut < len(b"</row>"):
                    continue
                body, buffer = buffer[:cut], buffer[cut:]
            yield from _rows_of(body.strip())


def _rows_of(body: bytes) -> Iterator[bytes]:
    """The rows that tile ``body`` (nothing but rows between them), each its content. Cut at each
    "</row>" (in C): a piece is rows that close themselves, then one row's start tag and content."""
    pieces = body.split(b"</row>")
    last = len(pieces) - 1
    for i, piece in enumerate(pieces):
        piece = piece.strip()
        while piece:
            if not piece.startswith(b"<row") or piece[4:5] not in _AFTER_NAME:
                raise NotPlain("not a row")
            close = piece.find(b">")
            if close < 0:
                raise NotPlain("not a row")
            if piece[close - 1 : close] == b"/":  # <row …/>: a row with no cells
                yield b""
                piece = piece[close + 1 :].lstrip()
                continue
            if i == last or b"<row" in piece[close:]:
                raise NotPlain("row not closed")
            yield piece[close + 1 :]
            break


def _cells(content: bytes, shared: Sequence[str], at: Sequence[int] | None = None) -> list[object]:
    """The values of a row's cells by column (``at``: only those columns), from cells that tile
    the row. Cells with references are placed by them; without, one after another. Cut at each
    "<c" (in C): a text holds no "<" (it is escaped), and no element inside a cell starts so."""
    pieces = content.split(b"<c")
    cells = pieces[1:]
    # each piece one cell, closed by "</c>" or "/>" (counted in C: a formula's or an empty text's
    # own "/>" inside a cell, or another element, would upset the count: read another way)
    if pieces[0].strip() or content.count(b"</c>") + content.count(b"/>") != len(cells) or b"<f" in content:
        raise NotPlain("not a cell")
    if any(cell[:1] not in _AFTER_NAME for cell in cells):
        raise NotPlain("not a cell")  # <color …/> in a rich text run: another element starting "<c"
    if b' r="' in content:  # (an office suite's re-save): placed by reference
        placed: list[bytes | None] = []
        for cell in cells:
            if (ref := _REF.search(cell, 0, cell.find(b">"))) is not None:
                if ref.group(2).lstrip(b"0") == b"":
                    raise NotPlain("a reference to row 0")  # (A0: no cell of a sheet; refused there)
                col = col_index(ref.group(1).decode())
                if col < len(placed):
                    raise NotPlain("cells out of order")
                placed += [None] * (col - len(placed))
            placed.append(cell)
        chosen: Sequence[bytes | None] = placed
    else:
        chosen = cells
    columns = range(len(chosen)) if at is None else at
    return [_value(chosen[c], shared) if c < len(chosen) else None for c in columns]


def _value(cell: bytes | None, shared: Sequence[str]) -> object:
    """The value of one cell (its text after "<c")."""
    if cell is None or cell.endswith(b"/>") and b"</c>" not in cell:
        return None  # (no cell there, or a blank one)
    attrs, _, inner = cell.partition(b">")
    kind = t.group(1) if b" t=" in attrs and (t := _TYPE.search(attrs)) is not None else b"n"
    if kind == b"inlineStr":  # (its runs' texts, not a phonetic guide's: <rPh><t>コウ</t></rPh>)
        return "".join(element_text(t) for t in _TEXT.findall(_PHONETIC.sub(b"", inner)))
    start = inner.find(b"<v>")
    if start < 0:
        return None
    text = inner[start + 3 : inner.find(b"</v>", start)]
    if kind == b"s":
        try:
            return shared[int(text)]
        except (ValueError, IndexError):
            raise NotPlain("shared string") from None
    if kind == b"n":
        try:
            return float(text)
        except ValueError:
            raise NotPlain("number") from None
    if kind == b"b":
        return text == b"1"
    return element_text(text)  # str (a formula's text), e (an error)


def as_pandas_reads(value: object) -> object:
    """A cell's value as pandas reads it: "" None, a whole float an int (the stream's and calamine's
    values alike)."""
    if value == "":
        return None
    if type(value) is float and value.is_integer():
        return int(value)
    return value
