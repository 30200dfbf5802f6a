"""Reading the plain worksheets that every producer writes without building an element tree
(issue 17: the tree and the Python walk over it were most of a read); ``shared_strings`` scans
the shared strings the same way.

A part is scanned only when it is *plain*: UTF-8, no comment, CDATA section, processing
instruction or carriage return, no default namespace other than the root's, unprefixed
elements, and inside ``<sheetData>`` (``<sst>``) nothing but the shapes every producer writes
(``<row r="1" ...>``, ``<c r="A1" s="3" t="s">`` with an optional ``<f>``, ``<v>`` or ``<is><t>``;
``<si><t>..</t></si>``), one after another. That the part is well-formed, as the tree parser
would find it, is known by ``plain_check``: expat reads what lies around the rows, the rows'
tags are the patterns' own, and their text is checked in C. Anything else returns None/False
and the part is parsed as a tree, exactly as before: what is read never differs."""

from __future__ import annotations

import operator
import re

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml import limits
from selfeval_xl.ooxml.grid import Cell, as_number, col_index
from selfeval_xl.ooxml.plain_check import MOST_FRAGMENTS, PartCheck, plain_root
from selfeval_xl.ooxml.scanned_text import characters_as_utf8, element_text
from selfeval_xl.ooxml.sheet_cells import SheetFill, _typed_value
from selfeval_xl.ooxml.simple_cells import COLUMNS, StyleKinds, simple_row

# A row's start tag (after any whitespace): r, and "/" when it closes itself
_ROW_START = re.compile(rb'\s*<row r="([0-9]+)"(?:\s+[\w:]+="[^"<]*")*\s*(/?)>')
# The same start tag found loosely (no ">" in an attribute value), its attributes after r
# checked once per distinct text (``_ROW_ATTRIBUTES``): what _ROW_START matches, faster, when
# the attributes are found valid; _ROW_START decides the rest
_ROW_TAG = re.compile(rb'\s*<row r="([0-9]+)"([^<>]*)>')
_ROW_ATTRIBUTES_VALID = re.compile(rb'(?:\s+[\w:]+="[^"<]*")*\s*(/?)')
# A cell as every producer writes it, whole (so that a row's cells can be seen to tile it):
# column letters, s, t; <f/> or <f>text</f>; <v>text</v> or <v/>; <is><t>text</t></is>
_CELL = re.compile(
    rb'(<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
    rb'(?:/>|>(?:<f(?:\s+[\w:]+="[^"<]*")*\s*(?:(/)>|(>)([^<]*)</f>))?(?:(<v>)([^<]*)</v>|<v(/)>)?'
    rb'(?:(<is>)<t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>))'
)
# A row as _rows takes it, whole, and its r: a start tag closing itself, or one with content up
# to the first "</row>"
_BLANK_ROW = re.compile(rb'(\s*<row r="([0-9]+)"(?:\s+[\w:]+="[^"<]*")*\s*(?:/>|>[^<]*(?:<(?!/row>)[^<]*)*</row>))')
# A row's start tag that is not closed by itself, at the start of a piece of rows (the rest
# of the piece is its content); the r of each start tag; every digit made "0" (``_same_rows``)
_ROW_OPEN = re.compile(rb'\s*<row r="[0-9]+"(?:\s+[\w:]+="[^"<]*")*\s*>')
_ROW_R = re.compile(rb'<row r="([0-9]+)"')
# What a row with no value holds when it is sure to be well-formed (``plain_check``): styled
# blank cells; below a table, a row's start tag and those cells, its digits made "0"
_STYLED_BLANKS = re.compile(rb'(?:<c r="[A-Z]{1,3}[0-9]+"(?: s="[0-9]+")?(?: t="[a-zA-Z]+")?(?:/>|></c>))*')
_BLANK_ROW_PIECE = re.compile(rb'\s*<row r="0+"((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*>' + _STYLED_BLANKS.pattern)
_ATTRIBUTE_NAME = re.compile(rb'([A-Za-z_][\w.-]*)="')
# a formula's start tag, for its attributes (``plain_check``)
_FORMULA_TAG = re.compile(rb"<f[^<>]*>")
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_VALUE_MARKS = (b"<v", b"<f", b"<is", b":")  # what a row that holds a value holds (or a prefix)
_WHOLE = operator.itemgetter(0)
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"\s*/>')
# a row's or cell's reference with row number 0 (<row r="0">, <c r="A0">), which the patterns
# above take (a text that only looks like one costs the scan, nothing more)
_ZERO_REFERENCE = re.compile(rb'\sr="[A-Z]{0,3}0+"')
_REPLACED_WHOLE = 1 << 20  # sheet data up to this size has its references replaced at once


def _at_depth_one(segment: bytes) -> bool:
    """Whether what follows ``segment`` (the root's content up to there) is a child of the root:
    every element opened in it is closed. Counted in C; a ">" in an attribute value or in text
    would make "/>" ambiguous, so then the answer is no."""
    lt = segment.count(b"<")
    if segment.count(b">") != lt:
        return False
    closes = segment.count(b"</")
    return lt - 2 * closes - segment.count(b"/>") == 0


def scan_sheet(data: bytes, fill: SheetFill) -> bool:
    """Fill ``fill``'s grid from a plain worksheet part (known to be well-formed before anything
    is put in the grid); False, with the grid untouched, when the part is not plain."""
    plain = plain_root(data)
    if plain is None or b":mergeCell" in data:
        return False
    body, root_tag, _ = plain
    start = data.find(b"<sheetData", body)
    if start < 0 or data.find(b"<sheetData", start + 1) >= 0 or not _at_depth_one(data[body:start]):
        return False
    open_end = data.find(b">", start)
    if data[start + 10 : open_end].strip(b" /"):
        return False  # attributes on sheetData
    if data[open_end - 1 : open_end] == b"/":
        end = content = open_end + 1
    else:
        content = open_end + 1
        end = data.find(b"</sheetData>", content)
        if end < 0:
            return False
    merges = _MERGE.findall(data)
    if len(merges) != data.count(b"<mergeCell") - data.count(b"<mergeCells"):
        return False
    if any(as_number(r1) == 0 or as_number(r2) == 0 for _, r1, _, r2 in merges):
        return False  # (a range in row 0: the tree parse refuses the file, naming it)
    check = PartCheck(data, fill.name, fill.grid.name, root_tag)
    if not check.outside(content, end) or not _scan_rows(data, content, end, fill, check):
        return False
    for c1, r1, c2, r2 in merges:
        top, bottom = as_number(r1), as_number(r2)
        if len(fill.grid.merges) < limits.MAX_MERGES and top <= limits.MAX_ROWS:
            fill.grid.merges.append((top, col_index(c1.decode()), min(bottom, limits.MAX_ROWS), col_index(c2.decode())))
    return True


def _rows(body: bytes, texts: set[bytes] | None = None) -> list[tuple[bytes, bytes]] | None:
    """(r, content) of every row of a sheetData's content, in order (b"" for a row that closes
    itself); None when anything but rows is there. Cut at each "</row>" (in C); each piece is
    rows that close themselves, then at most one row's start tag and its content. An element
    opened in a row's content and not closed there leaves a piece that is no row: None. Each
    start tag's text after r (up to its ">") is added to ``texts``, for the check of the part."""
    out: list[tuple[bytes, bytes]] = []
    pieces = body.split(b"</row>")
    last = len(pieces) - 1
    tag, attributes = _ROW_TAG.match, _ROW_ATTRIBUTES
    seen = texts if texts is not None else set()
    if len(attributes) > _KEPT_ATTRIBUTES:
        attributes.clear()
    for i, piece in enumerate(pieces):
        at = 0
        while True:
            m = tag(piece, at)
            closed = attributes[text := m.group(2)] if m is not None else None
            if m is None or closed is None:  # not found loosely, or attributes not valid: as it always was
                m = _ROW_START.match(piece, at)
                if m is None:
                    if i != last or piece[at:].strip():
                        return None
                    break
                closed, text = m.group(2), piece[m.end(1) + 1 : m.end() - 1]
            # past MOST_FRAGMENTS kinds, b"<" (no start tag's text) stands for the rest
            seen.add(text if len(seen) < MOST_FRAGMENTS or text in seen else b"<")
            if closed:
                out.append((m.group(1), b""))
                at = m.end()
                continue
            if i == last:
                return None  # a start tag with no end tag
            out.append((m.group(1), piece[m.end() :]))
            break
    return out


class _RowAttributes(dict[bytes, bytes | None]):
    """A row start tag's text after r (``_ROW_TAG``'s second group) → b"/" when the tag closes
    itself, b"" when not, None when it is not a valid attribute list; filled as met (the rows of
    a sheet share a handful of them)."""

    def __missing__(self, text: bytes) -> bytes | None:
        m = _ROW_ATTRIBUTES_VALID.fullmatch(text)
        closed = self[text] = m.group(1) if m is not None else None
        return closed


_ROW_ATTRIBUTES = _RowAttributes()
_KEPT_ATTRIBUTES = 4096  # emptied past this many


def _blank_rows(tail: bytes, check: PartCheck | None = None) -> list[bytes] | None:
    """The r of every row of ``tail`` (rows holding no <v>, <f>, <is> or prefix): what _rows
    gives for them, in C; None when anything but rows is there, as _rows gives None.

    The rows an office suite writes below a table (hundreds) differ in their digits alone:
    with every digit made "0" (which no pattern here tells apart from another digit), each
    distinct row start is checked once (``_same_rows``) instead of every row by _BLANK_ROW.
    What _BLANK_ROW finds in a row's content is left to ``check`` to read whole."""
    tail = tail.rstrip()
    if (rows := _same_rows(tail, check)) is not None:
        return rows
    found = _BLANK_ROW.findall(tail)
    if sum(map(len, map(_WHOLE, found))) != len(tail):
        return None
    if check is not None:
        check.unsure()
    return [r for _, r in found]


def _same_rows(tail: bytes, check: PartCheck | None = None) -> list[bytes] | None:
    """``_blank_rows``' answer for rows that each end with "</row>" and hold no other "<row",
    when every distinct start, digits aside, is a row's start tag (``_ROW_OPEN``); else None,
    for _BLANK_ROW to decide. Cut at each "</row>", such rows are the pieces, each a start
    tag and its content up to the first "</row>", which is what _BLANK_ROW matches (and the
    only way it can match them), so its r are those of the "<row" in ``tail``, in order.

    ``check`` learns whether each distinct piece is sure to be well-formed (``_BLANK_ROW_PIECE``,
    attribute names distinct): a digit made "0" in a name or value turns no ill-formed piece into
    a well-formed one when the names have no prefix (references are checked apart, unchanged)."""
    if not tail.endswith(b"</row>"):
        return None
    pieces = tail.translate(_DIGITS_AS_ZERO).split(b"</row>")
    rows = len(pieces) - 1  # (the last piece is empty)
    if tail.count(b"<row") != rows:
        return None
    match = _ROW_OPEN.match
    for piece in set(pieces[:-1]):
        if match(piece) is None:
            return None
        if check is not None and not _blank_row_sure(piece):
            check.unsure()
    return _ROW_R.findall(tail)


def _blank_row_sure(piece: bytes) -> bool:
    """Whether a blank row's start tag and content (its digits made "0") are sure to be
    well-formed: attributes with distinct names, none prefixed, and styled blank cells only."""
    m = _BLANK_ROW_PIECE.fullmatch(piece)
    if m is None:
        return False
    names = _ATTRIBUTE_NAME.findall(m.group(1))
    return b"r" not in names and len(set(names)) == len(names)


def _scan_rows(data: bytes, pos: int, end: int, fill: SheetFill, check: PartCheck) -> bool:
    """The rows of sheetData (``data[pos:end]``) into the grid; False when they are not plain
    or the part is not well-formed (``check``, told what the patterns leave open). Every "<" in
    there must be inside a row read here (so nothing but rows is in sheetData), and the cells of
    a row with any value must tile it (nothing but cells in the row). A row with no <v>, <f>,
    <is> or prefix at all holds no value whatever else is in it: it is only counted."""
    body = data[pos:end]
    if _ZERO_REFERENCE.search(body):
        return False  # a row or cell numbered 0: refused by the tree's reading, which names it
    references = b"&#" in body  # openpyxl writes every CJK character of a text as one
    if references and len(body) <= _REPLACED_WHOLE:
        body, references = characters_as_utf8(body), False  # at once: ~30% less than row by row
    # no text is read before its characters are known to be XML's (a bigger part with references
    # left in it is read by expat: checking each reference would cost as much)
    if not (check.whole() if references else check.chars(body)):
        return False
    # the rows after the last that may hold a value (LibreOffice writes hundreds of styled blank
    # rows below a table) are seen to be rows and counted by a pattern: _rows would give each of
    # them, to be skipped below
    blank_rows: list[bytes] = []
    last_row = body.rfind(b"<row ")
    if last_row >= 0 and not any(body.find(mark, last_row) >= 0 for mark in _VALUE_MARKS):
        last = body.rfind(b"<v")  # then the others looked for only after it
        last = max(last, *(body.rfind(mark, max(last, 0)) for mark in _VALUE_MARKS[1:]))
        cut = body.find(b"</row>", last) + 6 if last >= 0 else 0
    else:
        cut = -1  # the last row may hold a value
    if 6 <= cut < len(body) or cut == 0:
        blank_rows_found = _blank_rows(body[cut:], check)
        if blank_rows_found is None:
            return False
        body, blank_rows = body[:cut], blank_rows_found
    # in a bigger part, replaced row by row below (a list of the pieces of the whole would take
    # ~8× its size). Either way no "<", ">", quote, space or ":" comes or goes (the characters
    # replaced are not ASCII), and references to ASCII are kept
    starts: set[bytes] = set()
    rows_found = _rows(body, starts)
    if rows_found is None:
        return False
    # each row's start tag, r aside (too many kinds: expat reads the whole part)
    if b"<" in starts:
        check.unsure()
    else:
        check.fragments({b'<row r="1"' + text + (b">" if text.endswith(b"/") else b"></row>") for text in starts})
    grid = fill.grid
    cells: dict[tuple[int, int], Cell] = {}
    kinds = StyleKinds(fill.styles)
    columns = COLUMNS
    shared, epoch = fill.shared, fill.epoch
    seen: dict[
        bytes, Cell | None
    ] = {}  # what follows a simple cell's reference → its cell (``simple_cells.simple_row``)
    formulas: set[bytes] = set()  # the formulas' start tags met
    row_no = rows = 0
    truncated = False  # more rows than the cap: reading stopped
    skipped = False  # a row numbered past the cap, its cells not read (``SheetFill.row``)
    max_cells, max_rows = limits.MAX_CELLS, limits.MAX_ROWS
    for r, content in rows_found:
        row_no, rows = int(r) if len(r) < 10 else as_number(r), rows + 1
        if rows > max_rows:
            truncated = True
            break
        if row_no > max_rows:
            skipped = True
            continue
        if not (b"<v" in content or b"<f" in content or b"<is" in content or b":" in content):
            if _STYLED_BLANKS.fullmatch(content) is None:
                check.unsure()
            continue  # no cell of this row has a value (and no prefixed element could hide one)
        if references:
            content = characters_as_utf8(content)
        # a cell takes 11 bytes at least (<c r="A1"/>): while this row cannot take the cells past
        # the cap, it is not checked cell by cell (and its cells are read by simple_row when
        # they are simple)
        near_the_cap = len(cells) + len(content) // 11 >= max_cells
        if not near_the_cap:
            simple = simple_row(content, row_no, seen, kinds, shared, epoch)
            if simple is not None:
                cells.update(simple)
                continue
        found = _CELL.findall(content)
        if sum(map(len, map(_WHOLE, found))) != len(content):
            return False
        if b"<f " in content or b"<f\t" in content or b"<f\n" in content:
            formulas.update(_FORMULA_TAG.findall(content))  # for their attributes, below
        for _, letters, s, t, f_closed, f_open, f_text, v_open, v_text, v_closed, is_open, inline in found:
            if not (v_open or f_open or f_closed or v_closed or is_open):
                continue  # a styled blank
            style = kinds[s]
            formula = "" if f_closed else element_text(f_text) if f_open else None
            value: object
            if (not t or t == b"n") and v_open and style != "date" and formula is None and v_text:
                try:  # a plain number (the commonest cell): what _typed_value does with it
                    value = float(v_text)
                except ValueError:
                    value = _typed_value("n", element_text(v_text), None, None, shared, epoch)
            elif t == b"s" and v_open and v_text.isdigit() and formula is None:
                try:
                    value = shared[int(v_text)]
                except (IndexError, ValueError):  # none, as _typed_value gives (int() takes 4,300 digits)
                    continue
            elif t == b"inlineStr" and is_open:  # what _typed_value gives an inline string
                value = element_text(inline)
            else:
                value = _typed_value(
                    t.decode() if t else "n",
                    element_text(v_text) if v_open else "" if v_closed else None,
                    element_text(inline) if is_open else None,
                    style,
                    shared,
                    epoch,
                )
                if value is None and formula is None:
                    continue
            if near_the_cap and len(cells) >= max_cells:
                if not check.whole():  # (the rows after this one were not looked at)
                    return False  # (the tree reports what is wrong with the part first)
                raise UnreadableWorkbook.at(
                    fill.name, grid.name, None, "too-large", detail=f"超过 {limits.MAX_CELLS:,} 个单元格"
                )
            cells[(row_no, columns[letters])] = Cell(value, style == "percent", formula)
    else:
        for r in blank_rows:  # counted as above, holding nothing
            row_no, rows = int(r) if len(r) < 10 else as_number(r), rows + 1
            if rows > max_rows:
                truncated = True
                break
            skipped = skipped or row_no > max_rows
    if truncated or skipped:
        check.unsure()  # (the rows past the row cap were not all looked at)
    check.fragments({tag[:-1].rstrip(b"/") + b"/>" for tag in formulas})
    if not check.finish():
        return False
    grid.cells.update(cells)
    if truncated or skipped:
        grid.truncated, grid.complete_rows = True, 0 if truncated else max_rows
    fill.row_no, fill.rows = row_no, rows
    return True
