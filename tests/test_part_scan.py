"""The plain-part scanner (ooxml/part_scan) reads exactly what the element tree reads, or
declines and leaves the part to the tree: checked here on sheets and shared strings written
the ways producers write them and the ways they do not."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl.ooxml import part_scan, shared_strings, simple_cells, xlsx_book, xml_guard
from selfeval_xl.ooxml.grid import Grid, col_index
from selfeval_xl.ooxml.package import open_book
from selfeval_xl.ooxml.sheet_cells import SheetFill, text_of

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHARED = ["甲", "乙", "≥95%"]
STYLES = [None, "percent", "date"]
EPOCH = dt.datetime(1899, 12, 30)


def sheet(rows: bytes, after: bytes = b"", root_attrs: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
        + NS
        + root_attrs
        + b'><dimension ref="A1:C3"/><sheetData>'
        + rows
        + b"</sheetData>"
        + after
        + b"</worksheet>"
    )


def by_tree(data: bytes) -> Grid:
    grid = Grid("s")
    SheetFill(grid, SHARED, STYLES, EPOCH, "f.xlsx").whole(ET.fromstring(data))
    return grid


def by_scan(data: bytes) -> Grid | None:
    grid = Grid("s")
    return grid if part_scan.scan_sheet(data, SheetFill(grid, SHARED, STYLES, EPOCH, "f.xlsx")) else None


def cells(grid: Grid) -> list:
    return sorted((k, repr(c.value), c.percent, c.formula) for k, c in grid.cells.items())


# what producers write: each is scanned, and reads as the tree reads it
PLAIN = [
    b'<row r="1" spans="1:3"><c r="A1" s="0" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c></row>',
    b'<row r="2"><c r="A2" s="1"><v>0.95</v></c><c r="B2" s="2" t="n"><v>45291</v></c><c r="C2" s="2"/></row>',
    b'<row r="3"><c r="A3" t="inlineStr"><is><t>&#35745;&#37327;&lt;&amp;&#x41;</t></is></c>'
    b'<c r="B3" t="inlineStr"><is><t xml:space="preserve"> a b </t></is></c><c r="C3" t="inlineStr"></c></row>',
    b'<row r="4"><c r="A4"><f>SUM(B4:C4)</f><v>3</v></c><c r="B4"><f>100%</f></c>'
    b'<c r="C4"><f t="shared" ref="C4:C5" si="0">A4&gt;1</f><v>1</v></c></row>'
    b'<row r="5"><c r="C5"><f t="shared" si="0"/><v>0</v></c></row>',
    b'<row r="6"><c r="A6" t="b"><v>1</v></c><c r="B6" t="e"><v>#DIV/0!</v></c><c r="C6" t="str"><v>x</v></c></row>'
    b'<row r="7"><c r="A7" t="s"><v>7</v></c><c r="B7" t="s"><v>-1</v></c><c r="C7"><v></v></c></row>',
    b'<row r="8"/><row r="9" customHeight="1" ht="20"></row><row r="10"><c r="A10" s="007"><v>1</v></c></row>',
    b'<row r="12" x14ac:dyDescent="0.25"><c r="B12" t="d"><v>2024-01-31T00:00:00</v></c></row>',
    b'<row r="13" a=">"><c r="A13"><v>1</v></c></row><row r="14"><c r="A14"><v>2</v></c></row>',  # ">" in a value
    b'<row r="15"><c r="A15" t="inlineStr"><is><t>xmlns = "x" &lt;!-- &lt;?</t></is></c></row>',  # words, not markup
]


@pytest.mark.parametrize("rows", PLAIN)
def test_what_producers_write_is_scanned_and_read_as_the_tree_reads_it(rows):
    data = sheet(rows, b'<mergeCells count="1"><mergeCell ref="A1:A3"/></mergeCells>', b' xmlns:x14ac="urn:x"')
    scanned = by_scan(data)
    assert scanned is not None
    tree = by_tree(data)
    assert cells(scanned) == cells(tree) and cells(tree)
    assert scanned.merges == tree.merges == [(1, 0, 3, 0)]


# what no producer writes: the scanner declines (the tree reads it as it always has)
NOT_PLAIN = [
    sheet(b'<row r="1"><c r="A1"><v>1</v></c><!-- <c r="B1"><v>2</v></c> --></row>'),
    sheet(b'<row r="1"><c r="A1"><v><![CDATA[1]]></v></c></row>'),
    sheet(b'<row r="1"><foo><c r="A1"><v>1</v></c></foo></row>'),  # a cell not a row's child
    sheet(
        b'<row r="1"><c r="A1"><x:v xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">1</x:v></c></row>'
    ),
    sheet(b'<foo/><row r="1"><c r="A1"><v>1</v></c></row>'),  # not a row, yet counted as one by the tree
    sheet(b'<row r="1"><c r="A1" t="s" s="1"><v>1</v></c></row>'),  # attributes in another order
    sheet(b'<row r="1"><c r="A1">\n  <v>1</v>\n</c></row>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', b'<x:mergeCell xmlns:x="urn:x" ref="A1:B2"/>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', b'<mergeCells><mergeCell ref="A1"/></mergeCells>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>').replace(b"<dimension", b'<foo xmlns="urn:other"/><dimension'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>')
    .replace(b"<sheetData>", b"<extLst><sheetData>")
    .replace(b"</sheetData>", b"</sheetData></extLst>"),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>').replace(b'encoding="UTF-8"', b'encoding="GBK"'),
    sheet(b'<row r="1"><c r="A1"><v>1\r\n</v></c></row>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>')
    .replace(b"<worksheet", b"<x:worksheet")
    .replace(b"</worksheet>", b"</x:worksheet>"),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', b"<!-- after the rows -->"),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><?pi x?>'),
    sheet(b'<row r="2"><?pi in a row without values?></row>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>').replace(b"<worksheet", b"<!DOCTYPE worksheet><worksheet"),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', b'<extLst xmlns = "urn:other"/>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>', b'<extLst xmlns=""/>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></row>'),  # not well-formed: the tree reports it
    sheet(b'<row r="1"><c r="A1"><v>&undefined;</v></c></row>'),
    # after the last row with a value (the rows there are read by a pattern of their own)
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"/><foo/><row r="3"></row>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><row r="3"></row></row>'),
    sheet(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2" s="1">text</row> x'),
    sheet(b'<row r="2"/><bar/><row r="3"></row>'),  # no value anywhere
]


@pytest.mark.parametrize("data", NOT_PLAIN)
def test_anything_else_is_left_to_the_tree(data):
    assert by_scan(data) is None


def test_the_row_cap_stops_the_scan_as_it_stops_the_tree(monkeypatch):
    monkeypatch.setattr(part_scan.limits, "MAX_ROWS", 3)
    monkeypatch.setattr("selfeval_xl.ooxml.sheet_cells.limits.MAX_ROWS", 3)
    data = sheet(b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 6)))
    scanned, tree = by_scan(data), by_tree(data)
    assert scanned is not None and scanned.truncated and tree.truncated
    assert cells(scanned) == cells(tree) == [((r, 0), repr(float(r)), False, None) for r in (1, 2, 3)]


@pytest.mark.parametrize("values", [b"", b'<c r="A1"><v>1</v></c>'])
@pytest.mark.parametrize("tail", [[2, 3], [2, 3, 4], [2, 3, 4, 5], [9], [2, 9]])
def test_the_row_cap_counts_rows_without_values_below_the_table(monkeypatch, values, tail):
    # the rows after row 1 hold styled blanks only (as LibreOffice writes them below a table):
    # counted all the same, so that the sheet is cut past the cap by number and by count
    monkeypatch.setattr(part_scan.limits, "MAX_ROWS", 3)
    monkeypatch.setattr("selfeval_xl.ooxml.sheet_cells.limits.MAX_ROWS", 3)
    blank = b"".join(b'<row r="%d" ht="15"><c r="B%d" s="1"/></row>' % (r, r) for r in tail)
    data = sheet(b'<row r="1">' + values + b"</row>" + blank)
    scanned, tree = by_scan(data), by_tree(data)
    assert scanned is not None
    assert scanned.truncated == tree.truncated == (len(tail) > 2 or 9 in tail)
    assert cells(scanned) == cells(tree)


@pytest.mark.parametrize(
    ("order", "read", "complete"),
    [([1, 9, 2], [1, 2], 3), ([9, 1, 2], [1, 2], 3), ([1, 9, 2, 3], [1, 2], 0), ([1, 2, 3], [1, 2, 3], None)],
)
def test_a_row_numbered_past_the_cap_is_skipped_and_the_rows_after_it_read(monkeypatch, order, read, complete):
    # with a cap of 3 rows: row 9's cells are not read, the others are while there are at most
    # 3 rows in all (row 9 counted); the grid says up to which row it holds every cell (0:
    # reading stopped)
    monkeypatch.setattr(part_scan.limits, "MAX_ROWS", 3)
    monkeypatch.setattr("selfeval_xl.ooxml.sheet_cells.limits.MAX_ROWS", 3)
    data = sheet(b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (r, r, r) for r in order))
    scanned, tree = by_scan(data), by_tree(data)
    assert scanned is not None
    for grid in (scanned, tree):
        assert cells(grid) == [((r, 0), repr(float(r)), False, None) for r in read]
        assert grid.truncated == (complete is not None)
        assert grid.complete_rows == (complete or 0)


def sst(items: bytes) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<sst ' + NS + b' count="9">' + items + b"</sst>"


def tree_strings(data: bytes) -> list[str]:
    return [text_of(si) for si in ET.fromstring(data)]


@pytest.mark.parametrize(
    "items",
    [
        b'<si><t>plain</t></si><si><t xml:space="preserve"> a </t></si><si><t>&lt;&#35745;</t></si><si/>',
        b'<si><r><rPr><sz val="11"/></rPr><t>run1</t></r><r><t xml:space="preserve"> run2</t></r></si>'
        b'<si><t>base</t><rPh sb="0" eb="1"><t>phonetic</t></rPh><phoneticPr fontId="1"/></si><si></si>'
        b"<si><r><t/></r><r><t>x&amp;y</t></r></si>",
    ],
)
def test_shared_strings_scanned_read_as_the_tree_reads_them(items):
    data = sst(items)
    scanned = shared_strings.scan_shared_strings(data, "f.xlsx", "xl/sharedStrings.xml")
    assert scanned is not None
    assert [scanned[i] for i in range(len(scanned))] == tree_strings(data)
    assert scanned[-1] == tree_strings(data)[-1]  # as a list indexes from the end


@pytest.mark.parametrize(
    "data",
    [
        sst(b"<si><t>a</t></si><extLst/>"),
        sst(b"<si><t>a</t></si> <si><t>b</t></si>"),
        sst(b"<!-- x --><si><t>a</t></si>"),
        sst(b"<si><t>a</t>"),  # not well-formed
        # an end tag with a space ends an <si> too: two strings, not one (cut at "</si>" or by the regex)
        sst(b"<si><r><t>a</t></r></si\t><si><t>b</t></si>"),
        sst(b'<si><t>a</t><rPh sb="0" eb="1"><t>x</t></rPh></si ><si><t>b</t></si>'),
    ],
)
def test_shared_strings_that_are_not_plain_are_left_to_the_tree(data):
    assert shared_strings.scan_shared_strings(data, "f.xlsx", "xl/sharedStrings.xml") is None


def _nested(depth: int) -> bytes:
    return b"<x>" * depth + b"</x>" * depth


@pytest.mark.parametrize(("pad", "depth"), [(0, 300), (70_000, 250), (70_000, 253), (70_000, 254), (70_000, 300)])
def test_deep_nesting_is_refused_by_the_scan_exactly_when_the_depth_check_refuses_it(pad, depth):
    """The scanner checks depth only on parts longer than one block of the estimate (on a
    shorter, well-formed plain part it cannot refuse), and there with three counts where the
    check takes five: ``depth`` levels inside a row without values, in a short part (the
    estimate, at the part's end, is 0: read) and open across the first block's end (the
    estimate there is ``depth`` plus the rows' and root's levels, 3: refused past 256, and
    then the tree path reports it)."""
    filler = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    rows = filler + b'<row r="2">' + _nested(depth) + b"</row>"
    if pad:  # the opening tags before byte 65,536, their ends after it
        head = sheet(filler + b'<row r="2">')
        rows = filler + b'<row r="2">' + b" " * (65_536 - len(head) - depth * 3 - 10) + b"<x>" * depth
        rows += b" " * 2000 + b"</x>" * depth + b"</row>"
    data = sheet(rows)
    assert (len(data) > xml_guard.DEPTH_BLOCK) == bool(pad)
    refused = False
    try:
        xml_guard.check_depth(data, "f.xlsx", "s")
    except part_scan.UnreadableWorkbook:
        refused = True
    assert refused == (bool(pad) and depth + 3 > 256)
    scanned = by_scan(data)
    assert (scanned is None) == refused
    if scanned is not None:
        assert cells(scanned) == cells(by_tree(data)) == [((1, 0), "1.0", False, None)]


_SI_PIECES = st.sampled_from(
    [
        b"<si><t>plain</t></si>",
        b'<si><t xml:space="preserve"> a </t></si>',
        b"<si><t>&lt;&#35745;</t></si>",
        b"<si/>",
        b"<si></si>",
        b"<si><r><rPr><sz/></rPr><t>run</t></r><r><t/></r></si>",
        b'<si><t>base</t><rPh sb="0"><t>p</t></rPh></si>',
        b"<si><si>",
        b"</si>",
        b"<si>",
        b"<si />",
        b"<t>x</t>",
        b"<r>",
        b" ",
        b"<sia>",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_SI_PIECES, max_size=10))
def test_shared_strings_cut_at_each_end_tag_read_as_the_one_regex_pass_reads_them(pieces):
    content = b"".join(pieces).rstrip()
    assert shared_strings._si_items(content) == shared_strings._si_items_regex(content)


# pieces of the rows below a table (as LibreOffice writes hundreds of them) and of what is not
_ROW_PIECES = st.sampled_from(
    [
        b'<row r="7" ht="15" customHeight="false">',
        b'<row r="12">',
        b'<row r="130" x14ac:dyDescent="0.25">',
        b'<row r="9"/>',
        b'<row r="">',
        b'<row r="8" a=">">',
        b'<row r="5" 1="x">',
        b'<row r="6" spans="1:3"/>',
        b'<row r="4" a="1" />',
        b'<row r="3"" >',
        b"<row r=\"2\" b='1'>",
        b'<c r="B7" s="17"/>',
        b'<c r="C12" s="3"></c>',
        b"</row>",
        b"</row >",
        b"<rowBreaks/>",
        b' <row r="40"  >',
        b"\n",
        b"x",
        b"<",
    ]
)


# mostly whole rows (a start tag, cells, the end tag), so that the check once per kind is taken
_ROWS = st.lists(
    st.one_of(
        st.tuples(_ROW_PIECES, st.lists(_ROW_PIECES, max_size=2)).map(lambda t: t[0] + b"".join(t[1]) + b"</row>"),
        _ROW_PIECES,
    ),
    max_size=8,
)


@settings(max_examples=3000, deadline=None)
@given(_ROWS, st.integers(1, 4))
def test_blank_rows_checked_once_per_kind_read_as_the_one_regex_pass_reads_them(pieces, repeat):
    tail = b"".join(pieces * repeat)
    found = part_scan._BLANK_ROW.findall(tail.rstrip())
    want = [r for _, r in found] if sum(len(whole) for whole, _ in found) == len(tail.rstrip()) else None
    assert part_scan._blank_rows(tail) == want


def _rows_one_regex(body: bytes) -> list[tuple[bytes, bytes]] | None:
    """``part_scan._rows`` as it was, every start tag matched by _ROW_START."""
    out: list[tuple[bytes, bytes]] = []
    pieces = body.split(b"</row>")
    for i, piece in enumerate(pieces):
        at = 0
        while True:
            m = part_scan._ROW_START.match(piece, at)
            if m is None:
                if i != len(pieces) - 1 or piece[at:].strip():
                    return None
                break
            if m.group(2):
                out.append((m.group(1), b""))
                at = m.end()
                continue
            if i == len(pieces) - 1:
                return None
            out.append((m.group(1), piece[m.end() :]))
            break
    return out


@settings(max_examples=3000, deadline=None)
@given(_ROWS, st.integers(1, 3))
def test_row_start_tags_checked_once_per_kind_read_as_one_regex_reads_them(pieces, repeat):
    body = b"".join(pieces * repeat)
    assert part_scan._rows(body) == _rows_one_regex(body)


def test_the_rows_an_office_suite_writes_below_a_table_are_checked_once_per_kind():
    rows = b"".join(
        b'<row r="%d" customFormat="false" ht="15" hidden="false"><c r="B%d" s="17"/></row>' % (r, r)
        for r in range(59, 260)
    )
    assert part_scan._same_rows(rows) == [b"%d" % r for r in range(59, 260)]
    assert part_scan._same_rows(rows + b'<row r="260"/>') is None  # (left to the one regex pass)
    assert part_scan._blank_rows(rows + b'<row r="260"/>') == [b"%d" % r for r in range(59, 261)]


def _book(path: Path, sheet_xml: bytes, sst_xml: bytes | None = None) -> Path:
    """A workbook of one sheet "s" (and shared strings), as little as a reader needs."""
    rels = b'<Relationship Id="rId1" Type="%s/worksheet" Target="worksheets/sheet1.xml"/>' % REL
    if sst_xml is not None:
        rels += b'<Relationship Id="rId2" Type="%s/sharedStrings" Target="sharedStrings.xml"/>' % REL
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr(
            "xl/workbook.xml",
            b"<workbook " + NS + b' xmlns:r="' + REL + b'"><sheets><sheet name="s" sheetId="1" r:id="rId1"/>'
            b"</sheets></workbook>",
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + rels
            + b"</Relationships>",
        )
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if sst_xml is not None:
            zf.writestr("xl/sharedStrings.xml", sst_xml)
    return path


def test_a_plain_sheet_past_the_size_parsed_as_one_tree_is_scanned_as_the_stream_reads_it(tmp_path, monkeypatch):
    # 15,000 rows ≈ 2.6 MB: past the 2 MiB up to which a part that is not plain is parsed as one
    # tree, so such a sheet used to go to the incremental parser (a Python call per element: a
    # 9,000-row workbook took 4.5 s of the 10 s a file may take). Plain, it is scanned now, and
    # the scan reads what the incremental parser reads (openpyxl's character references too).
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>&#35745;&#37327;%d &lt;x&gt;</t></is></c>'
        b'<c r="B%d" s="1"><v>0.%d</v></c><c r="C%d" t="s"><v>%d</v></c></row>' % (r, r, r, r, r, r, r % 3)
        for r in range(1, 15_001)
    )
    data = sheet(rows)
    assert len(data) > 2 << 20
    book = _book(tmp_path / "大表.xlsx", data)
    streamed = Grid("s")
    SheetFill(streamed, [], [], EPOCH, "大表.xlsx").stream(data)

    def no_stream(self: SheetFill, data: bytes) -> None:
        raise AssertionError("a plain sheet of 2.6 MB went to the incremental parser")

    monkeypatch.setattr(SheetFill, "stream", no_stream)
    grid = open_book(book).sheet("s")
    assert len(grid.cells) == 15_000 * 2  # C has shared-string indices and no shared strings
    assert grid.cells[(15_000, 0)].value == "计量15000 <x>"
    assert cells(grid) == cells(streamed)


@pytest.mark.parametrize("n", [9_000, 110_000])
def test_big_shared_strings_are_scanned_when_they_are_few(tmp_path, monkeypatch, n):
    # ≈ 3 MB either way. 9,000 long rich strings (what LibreOffice writes for a 9,000-row
    # workbook: 4 MB) are scanned, as the tree reads them; 110,000 short ones (past the 100,000
    # that bound the scan's memory) are parsed incrementally, to the same strings.
    text = ("指标说明" * (60 if n < 100_000 else 1)).encode()
    items = b"".join(b"<si><r><t>%d</t></r><r><rPr/><t>%s</t></r></si>" % (i, text) for i in range(n))
    data = sst(items)
    assert len(data) > 2 << 20
    book = _book(tmp_path / "串.xlsx", sheet(b'<row r="1"><c r="A1" t="s"><v>%d</v></c></row>' % (n - 1)), data)
    scan, scanned = shared_strings.scan_shared_strings, []

    def only_few(data: bytes, name: str, part: str):  # type: ignore[no-untyped-def]
        scanned.append(scan(data, name, part))
        return scanned[-1]

    monkeypatch.setattr(xlsx_book, "scan_shared_strings", only_few)
    opened = xlsx_book.XlsxBook(book, "串.xlsx")
    opened.book()
    assert list(opened.shared) == tree_strings(data)
    assert opened.shared[n - 1] == f"{n - 1}{text.decode()}"
    assert len(scanned) == (n < 100_000) and None not in scanned


# Cells in every shape the scanner takes (any style, type, formula, value and inline string, in
# the attribute order producers write), rows with attributes, closing themselves or empty, in any
# order and with repeats: the scan reads them all, exactly as the tree does.
_CELL_S = st.sampled_from([b"", b' s="0"', b' s="1"', b' s="2"', b' s="9"', b' s="007"'])
_CELL_T = st.sampled_from([b"", b' t="n"', b' t="s"', b' t="inlineStr"', b' t="str"', b' t="b"', b' t="e"', b' t="d"'])
_CELL_F = st.sampled_from(
    [b"", b"<f/>", b"<f>SUM(A1:B2)</f>", b'<f t="shared" si="0"/>', b"<f>A1&gt;1</f>", b"<f></f>"]
)
_CELL_V = st.sampled_from(
    [
        b"", b"<v>1</v>", b"<v>0.5</v>", b"<v/>", b"<v></v>", b"<v>2</v>", b"<v>-1</v>", b"<v>7</v>", b"<v>abc</v>",
        b"<v>45291</v>", b"<v>45291.5</v>", b"<v>&#35745;</v>", b"<v>2024-01-31T00:00:00</v>", b"<v>1e400</v>",
        b"<v>inf</v>", b"<v>nan</v>", b"<v> 1</v>", b"<v>1_0</v>", b"<v>#N/A</v>", b"<v>0</v>",
    ]
)  # fmt: skip
_CELL_IS = st.sampled_from(
    [b"", b"<is><t>x</t></is>", b'<is><t xml:space="preserve"> a </t></is>', b"<is><t>&#35745;&lt;&#x41;</t></is>"]
)
_CELL = st.tuples(st.sampled_from([b"A", b"B", b"K", b"AB"]), _CELL_S, _CELL_T, _CELL_F, _CELL_V, _CELL_IS).map(
    lambda c: b'<c r="%s1"%s%s' % c[:3] + (b"/>" if not any(c[3:]) and c[1] else b">" + b"".join(c[3:]) + b"</c>")
)
_ROW_ATTRS = st.sampled_from([b"", b' spans="1:3"', b' ht="15" customHeight="1"', b' x14ac:dyDescent="0.25"'])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), _ROW_ATTRS, st.lists(_CELL, max_size=5)), max_size=8))
def test_generated_plain_rows_are_scanned_and_read_as_the_tree_reads_them(rows):
    body = b"".join(
        b'<row r="%d"%s' % (r, attrs) + (b"/>" if not cs and r % 2 else b">" + b"".join(cs) + b"</row>")
        for r, attrs, cs in rows
    )
    data = sheet(body, b"", b' xmlns:x14ac="urn:x"')
    scanned = by_scan(data)
    assert scanned is not None
    tree = by_tree(data)
    assert cells(scanned) == cells(tree)
    assert scanned.truncated == tree.truncated


def _refusal(read) -> str | None:  # type: ignore[no-untyped-def]
    try:
        read()
    except part_scan.UnreadableWorkbook as exc:
        return str(exc)
    return None


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 12), _ROW_ATTRS, st.lists(_CELL, max_size=5)), max_size=8),
    st.integers(1, 12),
)
def test_the_cell_cap_refuses_a_generated_sheet_exactly_when_the_tree_refuses_it(rows, cap):
    # cells with no value, cells whose value is none (an index past the shared strings, an
    # empty <v>) and cells met twice take no room: the scan counts what the tree counts
    body = b"".join(b'<row r="%d"%s>' % (r, attrs) + b"".join(cs) + b"</row>" for r, attrs, cs in rows)
    data = sheet(body, b"", b' xmlns:x14ac="urn:x"')
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(part_scan.limits, "MAX_CELLS", cap)
        by_tree_refused = _refusal(lambda: by_tree(data))
        by_scan_refused = _refusal(lambda: by_scan(data))
    assert by_scan_refused == by_tree_refused
    if by_tree_refused is None:
        assert cells(by_scan(data)) == cells(by_tree(data))


def _two_sheet_book(path: Path, rels_order: tuple[str, str], date1904: bool) -> Path:
    """Sheets s and t; s's relationship points at the first of ``rels_order``'s parts."""
    pr = b'<workbookPr date1904="1"/>' if date1904 else b""
    rels = b"".join(
        b'<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/%s"/>' % (i, REL, target.encode())
        for i, target in enumerate(rels_order, 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr(
            "xl/workbook.xml",
            b"<workbook " + NS + b' xmlns:r="' + REL + b'">' + pr + b'<sheets><sheet name="s" sheetId="1" r:id="rId1"/>'
            b'<sheet name="t" sheetId="2" r:id="rId2"/></sheets></workbook>',
        )
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + rels
            + b"</Relationships>",
        )
        for n in (1, 2):
            zf.writestr(f"xl/worksheets/sheet{n}.xml", sheet(b'<row r="1"><c r="A1"><v>%d</v></c></row>' % n))
    return path


def test_workbooks_that_share_parts_and_workbooks_that_do_not_read_as_their_own(tmp_path):
    # the workbook part and its relationships are kept by their bytes: a workbook whose
    # relationships differ (s is sheet2.xml) or whose workbook part differs (date1904) is read as
    # its own, before and after the others, however often
    a = _two_sheet_book(tmp_path / "a.xlsx", ("sheet1.xml", "sheet2.xml"), False)
    b = _two_sheet_book(tmp_path / "b.xlsx", ("sheet2.xml", "sheet1.xml"), False)
    c = _two_sheet_book(tmp_path / "c.xlsx", ("sheet1.xml", "sheet2.xml"), True)
    for _ in range(3):
        for path, s_value, is_1904 in ((a, 1.0, False), (b, 2.0, False), (c, 1.0, True)):
            opened = xlsx_book.XlsxBook(path, path.name)
            book = opened.book()
            assert book.sheet_names == ["s", "t"]
            assert (book.sheet("s").value(1, 0), book.sheet("t").value(1, 0)) == (s_value, 3.0 - s_value)
            assert opened.date1904 is is_1904


def test_cells_of_rich_shared_strings_read_as_the_tree_reads_them():
    # LibreOffice writes text mixing CJK and Latin as runs: such a string is kept unparsed until
    # a cell asks for it, then parsed once; each cell reads what the tree gives for its string
    data = sst(
        b"<si><t>plain</t></si><si><r><rPr><sz/></rPr><t>1. </t></r><r><t>\xe5\x9c\xa8</t></r></si>"
        b'<si><t>base</t><rPh sb="0"><t>p</t></rPh></si><si><r><t>&#8805;</t></r><r><t>90%</t></r></si>'
    )
    rich = shared_strings.scan_shared_strings(data, "f.xlsx", "xl/sharedStrings.xml")
    assert isinstance(rich, shared_strings.SharedStrings)
    rows = (
        b"".join(
            b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c><c r="C%d"><v>1</v></c></row>'
            % (r, r, r % 4, r, (r + 1) % 4, r)
            for r in range(1, 9)
        )
        + b'<row r="9"><c r="A9" t="s"><v>3</v></c><c r="B9" t="s"><f>x</f><v>1</v></c><c r="C9" t="s"><v>4</v></c></row>'
    )
    data_sheet = sheet(rows)
    grid = Grid("s")
    assert part_scan.scan_sheet(data_sheet, SheetFill(grid, rich, STYLES, EPOCH, "f.xlsx"))
    tree = Grid("s")
    SheetFill(tree, tree_strings(data), STYLES, EPOCH, "f.xlsx").whole(ET.fromstring(data_sheet))
    assert cells(grid) == cells(tree)
    assert grid.cells[(1, 0)].value == "1. 在" and grid.cells[(3, 0)].value == "≥90%"
    # plain runs are kept by their bytes for the next workbook, a phonetic guide never (it is
    # parsed as a tree, in its part's root); the next workbook's strings read the same
    runs = b"<si><r><t>&#8805;</t></r><r><t>90%</t></r></si>"
    assert shared_strings._RICH[runs] == "≥90%"
    assert not any(b"<rPh" in si for si in shared_strings._RICH)
    again = shared_strings.scan_shared_strings(data, "g.xlsx", "xl/sharedStrings.xml")
    assert [again[i] for i in range(4)] == tree_strings(data)


_HUGE = b"9" * 5000  # int() refuses more than 4,300 digits


@pytest.mark.parametrize(
    "rows",
    [
        b'<row r="1"><c r="A1"><v>1</v></c></row><row r="' + _HUGE + b'"><c r="A2"><v>2</v></c></row>',
        b'<row r="1"><c r="A1"><v>1</v></c></row><row r="' + _HUGE + b'"><c r="B2" s="1"/></row>',
        b'<row r="' + b"0" * 5000 + b'1"><c r="A1"><v>1</v></c></row>',  # row 1, written long
        b'<row r="1"><c r="A1" s="' + _HUGE + b'"><v>1</v></c><c r="B1" s="' + b"0" * 5000 + b'1"><v>0.5</v></c></row>',
        b'<row r="1"><c r="A1" t="s"><v>' + _HUGE + b'</v></c><c r="B1"><v>1</v></c></row>',
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>&#'
        + b"0" * 5000
        + b"65;&#x"
        + b"0" * 5000
        + b"42;</t></is></c></row>",
    ],
)
def test_numbers_longer_than_int_takes_read_as_the_tree_reads_them(rows):
    # a row number, style index or string index of thousands of digits (a hostile file) used to
    # stop the read with a program error: the row is past the cap, the style past the styles,
    # the string none, and a character reference with leading zeros its character
    merge = b'<mergeCells count="1"><mergeCell ref="A1:B' + _HUGE + b'"/></mergeCells>'
    data = sheet(rows, merge)
    scanned, tree = by_scan(data), by_tree(data)
    assert scanned is not None
    assert cells(scanned) == cells(tree) and cells(tree)
    assert scanned.truncated == tree.truncated == (b'r="' + _HUGE in rows)
    assert scanned.merges == tree.merges == [(1, 0, 20_000, 1)]
    if b"&#" in rows:
        assert scanned.cells[(1, 0)].value == "AB"


# simple_cells.simple_row cuts a row at each '<c r="' instead of tiling it with one pattern per cell: the
# rows it takes are exactly those this pattern (the one it replaced) tiles, read alike
_SIMPLE_CELL = re.compile(
    rb'(<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
    rb'(?:/>|>(?:<v>([^<]+)</v>|<is><t(?: xml:space="preserve")?>([^<]+)</t></is>)?</c>))'
)
_REF = st.sampled_from(
    [b"A1", b"B12", b"K7", b"AB3", b"XFD9", b"ABCD1", b"a1", b"A", b"1", b"A1B", b"", b"A 1", b"A01"]
)
_REST = st.one_of(
    st.tuples(_CELL_S, _CELL_T, _CELL_F, _CELL_V, _CELL_IS).map(
        lambda c: b"%s%s" % c[:2] + (b"/>" if not any(c[2:]) and c[0] else b">" + b"".join(c[2:]) + b"</c>")
    ),
    st.sampled_from([b' t="s"><v>1</v></c> ', b"/>x", b' s="1" />', b"", b'>"</c>', b' t="s"><v>1</v></c><v>2</v>']),
)
_PIECE = st.tuples(_REF, _REST).map(lambda p: b'<c r="%s"%s' % p)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECE, min_size=1, max_size=6), st.sampled_from([b"", b" ", b"<x/>"]))
def test_simple_rows_are_those_one_pattern_per_cell_tiles(pieces, before):
    content = before + b"".join(pieces)
    found = _SIMPLE_CELL.findall(content)
    tiled = sum(len(f[0]) for f in found) == len(content)
    kinds = simple_cells.StyleKinds(STYLES)
    seen: dict = {}
    got = simple_cells.simple_row(content, 3, seen, kinds, SHARED, EPOCH)
    assert (got is not None) == tiled
    if tiled:
        expected = []
        for whole, letters, *_ in found:
            parts = simple_cells.rest_parts(whole[len(b'<c r="') :].partition(b'"')[2])
            cell = simple_cells.cell_of(parts, kinds, SHARED, EPOCH)
            if cell is not None:
                expected.append(((3, col_index(letters.decode())), cell))
        # (compared by repr: a <v>nan</v> cell holds NaN, which equals nothing, itself included)
        assert repr(got) == repr(expected)
        assert repr(simple_cells.simple_row(content, 3, seen, kinds, SHARED, EPOCH)) == repr(got)  # cells remembered
