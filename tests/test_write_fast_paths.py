"""Write-back's remembered work (issue 17) gives exactly what working it out afresh gives."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval_xl import score_file
from selfeval_xl.ooxml import sheet_writer as xw
from selfeval_xl.ooxml import zip_package
from selfeval_xl.ooxml.zip_package import Package, _Parts
from selfeval_xl.outputs.results_sheet import results_sheet
from selfeval_xl.reading import contract as L

_SPECS: dict[Path, xw.SheetSpec] = {}
SAMPLES = sorted((Path(__file__).resolve().parent.parent / "samples").glob("*.xlsx"))
WHEN = "2026-11-27 09:00"


def _spec(path: Path) -> xw.SheetSpec:
    card = score_file(path).card
    assert card is not None
    return results_sheet(card, WHEN)


def _written(path: Path, spec: xw.SheetSpec) -> Package:
    """``path`` as it is after a first write-back (its 评分结果 to be replaced on a rerun)."""
    buf = io.BytesIO()
    xw.write_sheet(path, buf, L.SHEET_RESULTS, spec)
    return _from_bytes(buf.getvalue())


def _from_bytes(data: bytes) -> Package:
    """A package held in memory, as ``Package.read`` makes one of a file."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    return Package(zf.infolist(), _Parts(zf, raw=data), data)


def _with_sheet_rels(pkg: Package) -> Package:
    """``pkg`` (written back once) with relationships of its 评分结果 sheet's own, which a rerun drops."""
    part = xw.sheet_parts(pkg)[L.SHEET_RESULTS]
    rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in pkg.parts:
            zf.writestr(name, pkg.parts[name])
        zf.writestr(rels, f'<Relationships xmlns="{zip_package.NS_PKG_REL}"/>')
    return _from_bytes(buf.getvalue())


def _without_styles(path: Path) -> Package:
    """``path`` with its styles part gone (member and relationship): write-back adds one."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "xl/styles.xml"}
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    start = rels.rindex("<Relationship ", 0, rels.index("/styles"))
    members["xl/_rels/workbook.xml.rels"] = (rels[:start] + rels[rels.index("/>", start) + 2 :]).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return _from_bytes(buf.getvalue())


def _afresh(pkg: Package, name: str, spec: xw.SheetSpec) -> tuple[dict[str, bytes], set[str]]:
    """``put_sheet`` with no bookkeeping remembered: worked out from the package's parts alone
    (what was remembered before is kept for the calls after)."""
    kept = dict(xw._BOOKS)
    xw._BOOKS.clear()
    try:
        return xw.put_sheet(pkg, name, spec)
    finally:
        xw._BOOKS.clear()
        xw._BOOKS.update(kept)


def _same_as_afresh(pkg: Package, name: str, spec: xw.SheetSpec) -> tuple[dict[str, bytes], set[str]]:
    xw._BOOKS.clear()
    afresh = _afresh(pkg, name, spec)
    first = xw.put_sheet(pkg, name, spec)  # works it out, and remembers the bookkeeping
    assert xw._BOOKS, "the bookkeeping was not remembered"
    again = xw.put_sheet(pkg, name, spec)  # from what was remembered
    assert first == afresh
    assert again == afresh
    assert list(again[0]) == list(afresh[0])  # the parts in the same order (new ones go last)
    return afresh


@pytest.mark.parametrize("path", SAMPLES[:4], ids=lambda p: p.stem[:12])
def test_remembered_bookkeeping_is_what_put_sheet_works_out(path):
    spec = _spec(path)
    pkg = Package.read(path)
    _same_as_afresh(pkg, L.SHEET_RESULTS, spec)  # a first run: a new last sheet
    _same_as_afresh(_written(path, spec), L.SHEET_RESULTS, spec)  # a rerun: replaced in place
    assert _same_as_afresh(_with_sheet_rels(_written(path, spec)), L.SHEET_RESULTS, spec)[1]  # its .rels dropped
    _same_as_afresh(pkg, "评分结果(2)", spec)
    _same_as_afresh(_without_styles(path), L.SHEET_RESULTS, spec)  # styles.xml added
    _same_as_afresh(xw.blank_package(), L.SHEET_RESULTS, spec)  # a side file


def test_one_package_remembered_does_not_answer_for_another():
    # two workbooks whose bookkeeping texts are the same but whose members differ: the second
    # has no styles part, so its results need one added (and its relationship)
    path = SAMPLES[0]
    spec = _spec(path)
    xw._BOOKS.clear()
    with_styles = xw.put_sheet(Package.read(path), L.SHEET_RESULTS, spec)
    bare = _without_styles(path)
    got = xw.put_sheet(bare, L.SHEET_RESULTS, spec)
    assert got == _afresh(bare, L.SHEET_RESULTS, spec)
    assert got != with_styles


@settings(max_examples=40, deadline=None)
@given(
    name=st.sampled_from([L.SHEET_RESULTS, "评分结果(2)", "A'B", "结果&<汇总>"]),
    active=st.booleans(),
    repeat_rows=st.sampled_from([None, (3, 3), (1, 4)]),
    repeat_cols=st.integers(0, 3),
    sample=st.sampled_from(SAMPLES[:3]),
    rerun=st.booleans(),
)
def test_remembered_bookkeeping_for_any_sheet_name_and_print_titles(
    name, active, repeat_rows, repeat_cols, sample, rerun
):
    spec = _SPECS.get(sample) or _SPECS.setdefault(sample, _spec(sample))
    spec = dataclasses.replace(
        spec, active=active, repeat_rows=repeat_rows, page=dataclasses.replace(spec.page, repeat_cols=repeat_cols)
    )
    pkg = _written(sample, _SPECS[sample]) if rerun else Package.read(sample)
    _same_as_afresh(pkg, name, spec)
    # and with other packages' bookkeeping remembered before it
    other = xw.put_sheet(xw.blank_package(), name, spec)
    assert other == _afresh(xw.blank_package(), name, spec)
    assert xw.put_sheet(pkg, name, spec) == _afresh(pkg, name, spec)


# --- styles interned from memory ------------------------------------------------------------
_STYLES_XML = (
    f'<styleSheet xmlns="{zip_package.NS_MAIN}">'
    '<fonts count="2"><font><sz val="10"/><name val="Arial"/></font><font><b/><sz val="10"/><name val="Arial"/></font>'
    '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)
_STYLE = st.builds(
    xw.Style,
    bold=st.booleans(),
    fill=st.sampled_from([None, "FFC6EFCE", "FFD9D9D9"]),
    num_fmt=st.sampled_from([0, 2, 10]),
    wrap=st.booleans(),
    border=st.booleans(),
    locked=st.booleans(),
)
# a sequence of asks: a style (or None), or "xml" for reading the text between them
_ASKS = st.lists(st.one_of(_STYLE, st.none(), st.just("xml")), max_size=12)


def _asked(sheet: xw.StyleSheet, asks: list) -> list:
    return [sheet.xml if a == "xml" else sheet.id(a) for a in asks] + [sheet.xml]


@settings(max_examples=150, deadline=None)
@given(runs=st.lists(_ASKS, min_size=1, max_size=6), text=st.sampled_from([_STYLES_XML, "blank"]))
def test_styles_from_memory_are_what_interning_gives(runs, text):
    # the same text asked for several sequences (some the same, some sharing a start): each
    # StyleSheet gives the indices and styles.xml that one working without memory gives
    from selfeval_xl.ooxml import styles

    xml = xw.blank_package().text("xl/styles.xml") if text == "blank" else _STYLES_XML
    for asks in runs + runs[::-1]:
        afresh = xw.StyleSheet(xml)
        afresh._at = None  # no memory: every style interned
        assert _asked(xw.StyleSheet(xml), asks) == _asked(afresh, asks)
    # and with the memory full: a few points, no finished texts
    limits = styles._ASKED_MAX, styles._KEPT_MAX
    styles._READ.clear()
    styles._ASKED_MAX, styles._KEPT_MAX = 3, 0
    try:
        for asks in runs + runs[::-1]:
            afresh = xw.StyleSheet(xml)
            afresh._at = None
            assert _asked(xw.StyleSheet(xml), asks) == _asked(afresh, asks)
    finally:
        styles._ASKED_MAX, styles._KEPT_MAX = limits
        styles._READ.clear()


# --- the results sheet's measures -----------------------------------------------------------
_NUMBERS = st.lists(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(-1e6, 1e6),
        st.sampled_from([0.0, -0.0, -0.004, 0.004, 9.994, 9.995, -9.995, 99.99, 0.99995, -0.00001]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(numbers=_NUMBERS, pct=st.booleans())
def test_widest_number_is_the_widest_shown(numbers, pct):
    from selfeval_xl.outputs import results_sheet as rs

    style = rs.PCT if pct else rs.NUM
    assert rs._widest_number(list(numbers), style) == max(rs._cell_width(v, style) for v in numbers)


def test_row_heights_from_the_table_are_the_formula():
    from selfeval_xl.outputs import pagesetup as P

    for lines in [*range(-2, 70), 1.0, 2.5]:
        for pt in (P.FONT_PT, 16, 10.5):
            assert P.row_height(lines, pt) == round(max(lines, 1) * pt * P.LINE_EM + 3, 1)
    assert P.row_height(2) == 34.9  # 2 × 11 × 1.45 + 3 = 34.9


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem[:12])
def test_rows_sharing_styles_lists_are_written_as_rows_of_their_own(path):
    # the results sheet shares one styles list among its indicator rows and among its problem
    # rows of a kind: sheet_xml writes runs of them column by column; each row with its own
    # list goes cell by cell, and the sheet comes out the same
    from selfeval_xl.ooxml.sheet_xml import sheet_xml

    spec = _spec(path)
    assert len({id(s) for s in spec.styles}) < len(spec.styles)
    alone = dataclasses.replace(spec, styles=[list(s) for s in spec.styles])
    styles = xw.blank_package().text("xl/styles.xml")
    assert sheet_xml(spec, xw.StyleSheet(styles).id) == sheet_xml(alone, xw.StyleSheet(styles).id)


# cells of every kind sheet_xml writes, and columns of one kind (the indicator table's)
_CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", "产出指标", "≥95%", "a&b<c>", "x\x01y", " 前后 ", "行一\n行二", "说明" * 40]),
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e6, 1e6),
    st.integers(-5, 10**6),
    st.booleans(),
    st.just(xw.STYLED_BLANK),
)
_COLUMN_KINDS = st.sampled_from(["any", "text", "number", "blank"])


@st.composite
def _blocks(draw: st.DrawFn) -> list[list[object]]:
    kinds = draw(st.lists(_COLUMN_KINDS, min_size=1, max_size=6))
    cell = {
        "any": _CELLS,
        "text": st.one_of(st.none(), st.sampled_from(["", "产出", "≥95%", "a&b"]), st.text(max_size=8)),
        "number": st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e3, 1e3)),
        "blank": st.just(xw.STYLED_BLANK),
    }
    n = draw(st.integers(4, 9))
    return [[draw(cell[k]) for k in kinds] for _ in range(n)]


@settings(max_examples=150, deadline=None)
@given(rows=_blocks(), heights=st.dictionaries(st.integers(1, 12), st.sampled_from([20.9, 34.9, 49.0]), max_size=3))
def test_a_block_of_rows_is_written_as_rows_of_their_own(rows, heights):
    # rows sharing one styles list are written column by column (_block); each with its own
    # list, cell by cell (_row): the same sheet either way, whatever the cells hold
    from selfeval_xl.ooxml.sheet_xml import sheet_xml

    styles = [xw.Style(bold=True), None, xw.Style(num_fmt=2), xw.Style(wrap=True), None, xw.Style(underline=True)]
    shared = styles[: len(rows[0])]
    spec = xw.SheetSpec(rows=[[*r] for r in rows], styles=[shared] * len(rows), heights=heights)
    alone = dataclasses.replace(spec, styles=[list(shared) for _ in rows])
    sheet = xw.StyleSheet(xw.blank_package().text("xl/styles.xml"))
    assert sheet_xml(spec, sheet.id) == sheet_xml(alone, sheet.id)


# --- summary rows, column by column ---------------------------------------------------------
@settings(max_examples=100, deadline=None)
@given(
    obj=st.deferred(lambda: _summary_objects()),
    odd=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["name", "points", "score", "note"])), max_size=3),
    value=st.one_of(st.none(), st.integers(-3, 10**6), st.booleans()),
)
def test_summary_rows_with_odd_cells_are_the_cell_by_cell_rows(obj, odd, value):
    # a scorecard's indicators hold texts and floats, written column by column; an int, a
    # bool or a None among texts sends the workbook's rows cell by cell: the same rows either way
    from test_summary_rows import cell_by_cell

    from selfeval_xl.outputs.summary_rows import render_rows

    for i, key in odd:
        if i < len(obj["indicators"]):
            obj["indicators"][i][key] = value
    assert render_rows(obj) == cell_by_cell(obj)


def _summary_objects():  # noqa: ANN202 - a hypothesis strategy
    from test_summary_rows import objects

    return objects().filter(lambda o: o["total"] is not None and o["indicators"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab评&<>\"'\n\r\t\x01 "), max_size=12) | st.text(max_size=20))
def test_quoteattr_is_saxutils(text):
    from xml.sax.saxutils import quoteattr as reference

    from selfeval_xl.ooxml.xml_text import quoteattr

    assert quoteattr(text) == reference(text)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem[:12])
def test_rows_sharing_styles_lists_are_measured_as_rows_of_their_own(path):
    # widths, heights and merges measure runs of rows sharing a styles list column by column,
    # other rows cell by cell: laid out again with a list of its own for each row, the same
    from selfeval_xl.outputs import results_sheet as rs

    spec = _spec(path)
    table_end = next(i for i, r in enumerate(spec.rows) if r and r[0] == L.R_TOTAL)
    problems_from = next(i for i, r in enumerate(spec.rows) if tuple(r) == L.PROBLEM_HEADERS)
    alone = xw.SheetSpec(rows=[list(r) for r in spec.rows], styles=[list(s) for s in spec.styles])
    rs._lay_out(alone, table_end, problems_from, footer=("f", "p", "s"))
    assert len({id(s) for s in spec.styles[:table_end]}) < table_end
    assert (alone.widths, alone.heights, alone.merges, alone.page) == (
        spec.widths,
        spec.heights,
        spec.merges,
        spec.page,
    )


_MAYBE = st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-5, 5))


@settings(max_examples=200, deadline=None)
@given(points=_MAYBE, score=_MAYBE, claimed=_MAYBE, reviewed=_MAYBE, rate=_MAYBE, note=st.one_of(st.none(), st.text()))
def test_indicator_json_is_the_typed_dict(points, score, claimed, reviewed, rate, note):
    from selfeval_xl.scoring.scorecard import IndicatorJson, ScoredRow, _none

    r = ScoredRow(
        5, "产出指标", "数量指标", "人次", "≥", "≥100", "98", "人", points, score, claimed, rate, "n", "ge", 0.0
    )
    r.reviewed, r.review_note = reviewed, note
    want = IndicatorJson(
        level1=r.level1,
        level2=r.level2,
        name=r.name,
        operator=r.operator,
        target=r.target_text,
        actual=r.actual_text,
        unit=r.unit,
        points=_none(r.points),
        score=_none(r.score),
        claimed=_none(r.claimed),
        reviewed=_none(r.reviewed),
        review_note=r.review_note,
        rate=_none(r.rate),
        note=r.note,
    )
    got = r.as_json()
    assert list(got.items()) == list(want.items()) or _same_nan(got, want)


def _same_nan(a: dict, b: dict) -> bool:
    return list(a) == list(b) and all(x is y or x == y for x, y in zip(a.values(), b.values(), strict=True))


def test_a_remembered_sheet_does_not_answer_for_another_name_or_print_setup():
    # the same package asked again with another sheet name, another active flag and other
    # print titles: each is worked out as afresh, not taken from the first one remembered
    path = SAMPLES[0]
    spec = _spec(path)
    pkg = Package.read(path)
    xw._BOOKS.clear()
    xw.put_sheet(pkg, L.SHEET_RESULTS, spec)
    for name, other in (
        ("评分结果(2)", spec),
        (L.SHEET_RESULTS, dataclasses.replace(spec, active=not spec.active)),
        (L.SHEET_RESULTS, dataclasses.replace(spec, repeat_rows=(1, 4) if spec.repeat_rows != (1, 4) else (3, 3))),
        (
            L.SHEET_RESULTS,
            dataclasses.replace(spec, page=dataclasses.replace(spec.page, repeat_cols=spec.page.repeat_cols + 1)),
        ),
    ):
        assert xw.put_sheet(pkg, name, other) == _afresh(pkg, name, other)


def test_recent_forgets_the_oldest_first():
    from selfeval_xl.ooxml.recent import Recent

    memo: Recent[str, int] = Recent(2)
    assert memo.remember("a", 1) == 1
    memo.remember("b", 2)
    memo.get("a")  # a lookup does not make an entry younger: the order is that of remembering
    memo.remember("c", 3)  # full at 2: "a", remembered first, goes
    assert dict(memo) == {"b": 2, "c": 3}


# texts that start or end with white space (a space, a line break, an ideographic space), and
# some that only hold it inside; each written alone in a row, and as a column of a block
_SPACED = [
    "  缩进两格",
    "末尾空格 ",
    "中间 有 空格",
    "第一行\n第二行",
    "\n换行开头",
    "结尾换行\n",
    "\u3000全角空格",
    "\t制表",
]


@pytest.mark.parametrize("block", [False, True])
def test_white_space_at_a_texts_ends_is_kept_and_marked_only_there(tmp_path, block):
    # <t xml:space="preserve"> only where a text starts or ends with white space (as openpyxl and
    # XlsxWriter write it): openpyxl, LibreOffice-bound readers and ours read every text back whole
    import re

    import openpyxl

    from selfeval_xl.ooxml.package import open_book

    if block:  # one column, rows sharing a styles list: written column by column (``_block``)
        shared: list = [None]
        spec = xw.SheetSpec(rows=[[t] for t in _SPACED], styles=[shared] * len(_SPACED))
    else:
        spec = xw.SheetSpec(rows=[[t] for t in _SPACED], styles=[[None] for _ in _SPACED])
    out = tmp_path / "空白.xlsx"
    xw.write_sheet(None, out, "表", spec)
    with zipfile.ZipFile(out) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    tags = re.findall(r"<t(?: xml:space=\"preserve\")?>", xml)
    kept = [t[0].isspace() or t[-1].isspace() for t in _SPACED]
    assert tags == ['<t xml:space="preserve">' if k else "<t>" for k in kept]
    assert [c.value for c in openpyxl.load_workbook(out)["表"]["A"]] == _SPACED
    grid = open_book(out).sheet("表")
    assert [grid.value(r, 0) for r in range(1, len(_SPACED) + 1)] == _SPACED
