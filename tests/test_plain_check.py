"""Well-formedness known without expat reading the whole part (ooxml/plain_check): a scanned
sheet or shared-strings part is read only when expat would find the whole part well-formed.
Checked against the element tree on parts producers write, spoiled anywhere in their rows or
strings with what a broken or hostile file holds."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_part_scan import by_scan, by_tree, cells, sheet, sst, tree_strings

from selfeval_xl.errors import UnreadableWorkbook
from selfeval_xl.ooxml import part_scan, plain_check, shared_strings
from selfeval_xl.ooxml.plain_check import chars_ok

ROOT_ATTRS = b' xmlns:x14ac="urn:x"'

# Rows as producers write them: values, shared and inline strings with references, formulas
# with attributes, rows with attributes, valueless rows in the table and LibreOffice's styled
# blank rows below it
ROWS = (
    b'<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c>'
    b'<c r="B1" t="inlineStr"><is><t xml:space="preserve">&#35745;&lt;a&amp;b&gt; </t></is></c></row>'
    b'<row r="2" customFormat="false" ht="15"><c r="A2" s="2"/><c r="B2"/></row>'
    b'<row r="3"><c r="A3"><f t="shared" ref="A3:A4" si="0">SUM(B3:C3)&gt;1</f><v>1</v></c>'
    b'<c r="B3" s="1"><v>0.95</v></c><c r="C3" t="str"><v>x</v></c></row>'
    b'<row r="4"><c r="A4"><f t="shared" si="0"/><v>0</v></c><c r="B4" t="s"><v>2</v></c></row>'
    + b"".join(b'<row r="%d" customFormat="false" ht="15"><c r="B%d" s="17"/><c r="C%d" s="18"/></row>' % (r, r, r) for r in range(5, 12))
)  # fmt: skip
SST = (
    b'<si><t>plain</t></si><si><t xml:space="preserve"> a &amp; b </t></si><si/>'
    + '<si><r><rPr><sz val="11"/><rFont val="宋体"/></rPr><t>1个</t></r><r><t xml:space="preserve">&#35745;</t></r></si>'.encode()
    + b'<si><t>base</t><rPh sb="0" eb="1"><t>phonetic</t></rPh></si>'
)
# What a broken or hostile part holds where producers write text or tags
SPOILERS = [
    b"\x01", b"\x0c", b"\x0b", b"\x7f", b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xef\xbf\xbe", b"\xef\xbf\xbf",
    b"\xf4\x90\x80\x80", b"\xc2\x85", b"&", b"&#0;", b"&#1;", b"&#9;", b"&#xD800;", b"&#xFFFE;", b"&#x110000;",
    b"&#65;", b"&#0000000000065;", b"&#x;", b"&bogus;", b"&amp", b"]]>", b"]]", b"<", b">", b'"', b"'", b"/",
    b' a="1"', b' r="2"', b' s="3"', b' x:y="1"', b' x14ac:y="1"', b' xmlns="urn:x"', b' xmlns:q="urn:q"',
    b' q:a="1" xmlns:q="urn:q"', b' 1a=""', b" a", b"<!-- c -->", b"<?pi?>", b"<![CDATA[x]]>", b"</c>",
    b"<c>", b"<x/>", b"</row>", b"<row>", b"\t", b" ", b"\n", b"\r", b"\xe8\xae\xa1",
]  # fmt: skip


def _spoil(data: bytes, at: list[tuple[int, int]], start: bytes, end: bytes) -> bytes:
    """``data`` with spoilers put at positions between ``start`` and ``end``."""
    lo, hi = data.index(start) + len(start), data.index(end)
    for position, spoiler in sorted(at, reverse=True):
        i = lo + position % (hi - lo + 1)
        data = data[:i] + SPOILERS[spoiler % len(SPOILERS)] + data[i:]
    return data


def _read_only_as_the_tree_reads_it(data: bytes) -> None:
    """The scan declines a sheet the tree refuses (not XML, or a reference that is no cell, such
    as ``<c r="]]>B10">``); a sheet it reads, it reads as the tree does."""
    try:
        tree = by_tree(data)
    except (ET.ParseError, UnreadableWorkbook):
        tree = None
    scanned = by_scan(data)
    if tree is None:
        assert scanned is None
    elif scanned is not None:
        assert cells(scanned) == cells(tree)


_SPOILS = st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, len(SPOILERS) - 1)), min_size=1, max_size=3)


@settings(max_examples=3000, deadline=None)
@given(_SPOILS)
def test_a_spoiled_sheet_is_read_only_when_the_tree_reads_it_and_then_as_the_tree_reads_it(at):
    data = _spoil(sheet(ROWS, b"", ROOT_ATTRS), at, b"<sheetData>", b"</sheetData>")
    _read_only_as_the_tree_reads_it(data)


@settings(max_examples=2000, deadline=None)
@given(_SPOILS)
def test_spoiled_shared_strings_are_read_only_when_the_tree_reads_them(at):
    data = _spoil(sst(SST), at, b'count="9">', b"</sst>")
    try:
        want: list[str] | None = tree_strings(data)
    except ET.ParseError:
        want = None
    scanned = shared_strings.scan_shared_strings(data, "f.xlsx", "xl/sharedStrings.xml")
    if want is None:
        assert scanned is None
    elif scanned is not None:
        assert [scanned[i] for i in range(len(scanned))] == want


# Where the scanner's patterns take any attribute (a row's start tag, a formula's) or skip a
# row's content (no value in it, or below the table): each spoiler put in each such place
_PLACES = [b'<row r="1"', b'<f t="shared"', b'<row r="7"', b'<row r="2" customFormat="false" ht="15"><c r="A2"']
_TAG_SPOILERS = [
    b' a="1" a="2"', b' t="n"', b' r="9"', b' 1a="1"', b' q:a="1"', b' x14ac:a="1"', b' q:a="1" xmlns:q="urn:q"',
    b' xmlns="urn:x"', b' xmlns:q="urn:q"', b' a="&bogus;"', b' a="&#1;"', b' a="]]>"', b' a=">"', b' a="\x01"',
    b"><x", b"/><x/", b' a="1"/',
]  # fmt: skip


@pytest.mark.parametrize("place", _PLACES)
@pytest.mark.parametrize("spoiler", _TAG_SPOILERS)
def test_a_spoiled_tag_is_read_only_when_the_tree_reads_it(place, spoiler):
    data = sheet(ROWS, b"", ROOT_ATTRS)
    assert place in data
    data = data.replace(place, place + spoiler, 1)
    _read_only_as_the_tree_reads_it(data)


def test_what_producers_write_is_checked_without_expat_reading_the_whole_part(monkeypatch):
    def whole(*_: object) -> bool:
        raise AssertionError("expat read the whole part")

    monkeypatch.setattr(plain_check, "checked", whole)
    data = sheet(ROWS, b"", ROOT_ATTRS)
    scanned = by_scan(data)
    assert scanned is not None and cells(scanned) == cells(by_tree(data))
    strings = shared_strings.scan_shared_strings(sst(SST), "f.xlsx", "xl/sharedStrings.xml")
    assert strings is not None and list(strings) == tree_strings(sst(SST))


def test_fragments_not_met_before_are_read_by_expat_at_once_and_remembered(monkeypatch):
    # rows whose start tags all differ (an odd part): their tags are read by expat in one pass,
    # not the whole part, and remembered; one of them spoiled, and expat reads the whole part
    calls: list[bytes] = []
    well_formed = plain_check._well_formed
    monkeypatch.setattr(plain_check, "_well_formed", lambda data, root: calls.append(data) or well_formed(data, root))
    monkeypatch.setattr(plain_check, "_FRAGMENTS", {})
    rows = b"".join(b'<row r="%d" a%d="1"><c r="A%d"><v>%d</v></c></row>' % (r, r, r, r) for r in range(1, 101))
    data = sheet(rows)
    scanned = by_scan(data)
    assert scanned is not None and cells(scanned) == cells(by_tree(data))
    assert len(calls) == 2  # around the rows, and the 100 start tags
    assert calls[1].count(b"<row") == 100 and b"<c" not in calls[1]
    calls.clear()
    assert by_scan(data) is not None and len(calls) == 1  # the next workbook like it
    calls.clear()
    spoiled = data.replace(b'a50="1"', b'a50="1" a50="2"')
    assert by_scan(spoiled) is None and len(calls) == 3  # around, the new tag, the whole part
    assert calls[1].count(b"<row") == 1 and calls[2] == spoiled


def test_a_part_of_very_many_references_or_kinds_of_row_is_read_by_expat_whole(monkeypatch):
    # what a hostile part would make cost more than expat's one pass (a Python step per "&", a
    # set of every kind of row start): past the limits the whole part goes to expat, and reads
    # as before
    calls: list[bytes] = []
    checked = plain_check.checked
    monkeypatch.setattr(plain_check, "checked", lambda *a: calls.append(a[0]) or checked(*a))
    many_refs = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"&amp;" * 5000 + b"</t></is></c></row>")
    scanned = by_scan(many_refs)
    assert scanned is not None and cells(scanned) == cells(by_tree(many_refs)) and len(calls) == 1
    calls.clear()
    n = plain_check.MOST_FRAGMENTS + 1
    many_kinds = sheet(
        b"".join(b'<row r="%d" ht="%d"><c r="A%d"><v>1</v></c></row>' % (r, r, r) for r in range(1, n + 1))
    )
    scanned = by_scan(many_kinds)
    assert scanned is not None and cells(scanned) == cells(by_tree(many_kinds)) and len(calls) == 1
    calls.clear()
    fewer = many_kinds.replace(b'<row r="%d" ht="%d">' % (n, n), b'<row r="%d" ht="1">' % n)
    assert by_scan(fewer) is not None and calls == []  # (just under the limit)


def test_a_sheet_past_the_cell_cap_and_broken_after_it_is_left_to_the_tree(monkeypatch):
    # the cap is met before the rows after it are looked at: the tree refuses the part as not
    # XML (what it meets first), so the scan must not refuse it as too large
    monkeypatch.setattr(part_scan.limits, "MAX_CELLS", 3)
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><f>A%d</f><v>1</v></c></row>' % ((r,) * 5) for r in (1, 2, 3)
    )
    broken = sheet(rows + b'<row r="4"><c r="A4"><x></c></row><row r="5"><c r="A5"><v>5</v></c></row>')
    with pytest.raises(ET.ParseError):
        by_tree(broken)
    assert by_scan(broken) is None
    with pytest.raises(part_scan.UnreadableWorkbook):  # whole, it is refused as too large
        by_scan(sheet(rows))


def test_rich_strings_are_remembered_across_parts_whose_roots_differ_in_more_than_namespaces(monkeypatch):
    # a sharedStrings part's root carries its counts, different in every workbook: the rich
    # strings checked in one are not read again in the next (only what lies around them)
    calls: list[bytes] = []
    well_formed = plain_check._well_formed
    monkeypatch.setattr(plain_check, "_well_formed", lambda data, root: calls.append(data) or well_formed(data, root))
    monkeypatch.setattr(plain_check, "_FRAGMENTS", {})
    first, second = sst(SST), sst(SST).replace(b'count="9"', b'count="12" uniqueCount="5"')
    assert shared_strings.scan_shared_strings(first, "f.xlsx", "x") is not None
    assert len(calls) == 2 and b"<rPh" in calls[1] and b"count" not in calls[1]
    calls.clear()
    assert shared_strings.scan_shared_strings(second, "f.xlsx", "x") is not None
    assert len(calls) == 1 and b"uniqueCount" in calls[0]  # around the strings only
    calls.clear()
    # another namespace declared on the root: the strings are read again, in its scope
    third = sst(SST).replace(b'count="9"', b'xmlns:q="urn:q" count="9"')
    assert shared_strings.scan_shared_strings(third, "f.xlsx", "x") is not None
    assert len(calls) == 2 and b'xmlns:q="urn:q"' in calls[1]


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (b"", True),
        (b"a\tb\nc", True),
        ("计量 ≥95% \u0085 \ufffd \U0010ffff".encode(), True),
        (b"&lt;&gt;&amp;&quot;&apos;&#9;&#xA;&#13;&#x85;&#65;&#xFFFD;&#x10000;&#x10FFFF;", True),
        (b"\x00", False),
        (b"\x1f", False),
        (b"\x0c", False),
        ("\ufffe".encode(), False),
        ("\uffff".encode(), False),
        (b"\xed\xa0\x80", False),  # a surrogate, as UTF-8
        (b"\xc0\x80", False),  # overlong
        (b"a]]>b", False),
        (b"&", False),
        (b"& ", False),
        (b"&#0;", False),
        (b"&#x8;", False),
        (b"&#xD800;", False),
        (b"&#xFFFE;", False),
        (b"&#x110000;", False),
        (b"&nbsp;", False),
        (b"&#00000000065;", False),  # well-formed, but left to expat (more digits than kept)
    ],
)
def test_characters_and_references_xml_takes(text, ok):
    assert chars_ok(text) is ok
    if ok:  # what is taken, expat takes
        ET.fromstring(b"<a>" + text + b"</a>")
