"""Write-back of 评分结果 (SPEC §4.1): lossless, atomic, idempotent, lock-aware."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import X14_VALIDATION, base_rows, rich_workbook, row, tiny_png
from python_calamine import CalamineWorkbook

from selfeval_xl import score_file
from selfeval_xl.ooxml import sheet_writer as xw
from selfeval_xl.ooxml import zipcopy
from selfeval_xl.ooxml.xml_text import items, section
from selfeval_xl.outputs.result_files import lock_file, result_path
from selfeval_xl.outputs.results_sheet import result_cells
from selfeval_xl.outputs.writeback import write_back
from selfeval_xl.reading import contract as L
from selfeval_xl.scoring.scorecard import ScoredRow

ALLOWED = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml", "docProps/app.xml", "xl/styles.xml"}
WHEN = "2026-11-27 09:00"


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def results(path: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    return [tuple(c for c in r) for r in ws.iter_rows(values_only=True)]


def label_value(rows: list[tuple], label: str):
    return next(r[1] for r in rows if r and r[0] == label)


def write(path: Path, **kw):
    card = score_file(path).card
    return write_back(card, path, path.name, WHEN, **kw)


@pytest.fixture
def rich(tmp_path) -> Path:
    return rich_workbook(tmp_path / "项目A.xlsx")


def test_untouched_parts_keep_their_bytes(rich):
    before = parts(rich)
    rich_raw = rich.read_bytes()
    dst, problem = write(rich)
    assert (dst, problem) == (rich, None)
    after = parts(rich)
    for name, data in before.items():
        if name not in ALLOWED:
            assert after[name] == data, name
    # ...and their compressed bytes are copied, not re-compressed
    raw_before, raw_after = rich_raw, rich.read_bytes()
    infos_after = {i.filename: i for i in zipfile.ZipFile(rich).infolist()}
    for info in zipfile.ZipFile(io.BytesIO(raw_before)).infolist():
        if info.filename not in ALLOWED:
            assert zipcopy.raw_member(raw_after, infos_after[info.filename]) == zipcopy.raw_member(raw_before, info)
    assert zipfile.ZipFile(rich).testzip() is None
    # the features openpyxl would drop are all still there, byte for byte
    assert after["xl/media/image1.png"] == tiny_png()
    assert X14_VALIDATION.encode() in after["xl/worksheets/sheet3.xml"]
    assert b"<f>1+2</f><v>3</v>" in after["xl/worksheets/sheet1.xml"]
    assert after["xl/comments1.xml"] == before["xl/comments1.xml"]
    # exactly one new part: the results sheet
    assert set(after) - set(before) == {"xl/worksheets/sheet4.xml"}
    # styles.xml is append-only: every original cellXfs entry keeps its index
    old_xfs = items(section(before["xl/styles.xml"].decode(), "", "cellXfs").group(2), "", "xf")
    new_xfs = items(section(after["xl/styles.xml"].decode(), "", "cellXfs").group(2), "", "xf")
    assert new_xfs[: len(old_xfs)] == old_xfs and len(new_xfs) > len(old_xfs)
    # docProps/app.xml lists the new sheet after the three worksheets
    app = after["docProps/app.xml"].decode()
    assert "<vt:i4>4</vt:i4>" in app and "<vt:lpstr>绩效指标</vt:lpstr><vt:lpstr>评分结果</vt:lpstr>" in app
    assert re.search(r'<TitlesOfParts><vt:vector size="4"', app)


def test_results_read_back_with_openpyxl_and_calamine(rich):
    write(rich)
    rows = results(rich)
    # the title block (SPEC §4.1) names the unit, project, year and kind above the header
    assert rows[0][0] == "绩效自评评分结果"
    assert (
        rows[1][0]
        == "单位名称：芜湖市镜湖区残疾人联合会　　项目名称：残疾人事业发展补助资金　　评价年度：2023　　评价类型：项目支出"
    )
    assert rows[2] == (*L.RESULT_HEADERS, *L.REVIEW_HEADERS)  # the reviewer's two columns follow
    # base rows are all met: 10 (预算执行率 29.6/29.6) + 90 = 100 → 优
    assert label_value(rows, L.R_TOTAL) == 100
    assert label_value(rows, L.R_GRADE) == "优"
    assert label_value(rows, L.R_SCORED_AT) == WHEN
    cal = CalamineWorkbook.from_path(str(rich))
    assert cal.sheet_names == [L.SHEET_INFO, L.SHEET_BUDGET, L.SHEET_INDICATORS, L.SHEET_RESULTS]
    cal_rows = cal.get_sheet_by_name(L.SHEET_RESULTS).to_python()
    assert tuple(cal_rows[2][: len(L.RESULT_HEADERS)]) == L.RESULT_HEADERS
    # the input still scores the same with the results sheet inside it
    assert score_file(rich).card.total == 100


def test_rerun_replaces_the_sheet(rich):
    write(rich)
    first = parts(rich)
    write(rich)
    second = parts(rich)
    assert set(second) == set(first)
    for name in first:
        if name != "xl/worksheets/sheet4.xml":
            assert second[name] == first[name], name  # styles are reused, nothing appended again
    assert openpyxl.load_workbook(rich).sheetnames.count(L.SHEET_RESULTS) == 1


def test_the_reading_that_was_scored_is_what_is_written_back(rich, monkeypatch):
    """One reading of a file (issue 17): kept by the reader when asked, copied by the write-back
    while the file is still that version, and let go of by it; the same bytes as a write-back
    that reads the file itself."""
    from selfeval_xl.ooxml import zip_package

    afresh = shutil.copy(rich, rich.with_name("afresh.xlsx"))
    card = score_file(rich, keep_package=True).card
    assert card.data.package is not None and card.data.package.stamp == card.data.stamp
    plain = score_file(rich).card  # (not asked: nothing held)
    assert plain.data.package is None

    def no_second_reading(path):
        raise AssertionError("read again")

    monkeypatch.setattr(zip_package.Package, "read", no_second_reading)
    assert write_back(card, rich, rich.name, WHEN) == (rich, None)
    assert card.data.package is None
    monkeypatch.undo()
    assert write_back(plain, afresh, rich.name, WHEN) == (afresh, None)
    assert rich.read_bytes() == afresh.read_bytes()


def test_a_file_changed_since_it_was_read_is_read_again_for_the_write_back(rich):
    card = score_file(rich, keep_package=True).card
    wb = openpyxl.load_workbook(rich)
    wb.create_sheet("后来加的")  # the user saves the file again while the batch runs
    wb.save(rich)
    assert write_back(card, rich, rich.name, WHEN) == (rich, None)
    # the results go into the file as it is now: the sheet added since is kept
    assert openpyxl.load_workbook(rich).sheetnames[-2:] == ["后来加的", L.SHEET_RESULTS]


def test_problems_link_to_their_cells(make_workbook):
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "约九成", 10)
    path = make_workbook(indicators=rows)
    write(path)
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    links = {c.value: c.hyperlink.location for c in ws["B"] if c.hyperlink is not None}
    # the not-a-number problem sits at 绩效指标!H4 (row 2 is 预算执行率, the 2nd base row is row 4)
    assert links["绩效指标!H4"] == "'绩效指标'!H4"
    messages = [r[2] for r in ws.iter_rows(values_only=True) if r[1] == "绩效指标!H4"]
    assert messages == ["实际完成值“约九成”无法识别为数值"]


def test_formula_looking_text_stays_text(make_workbook):
    rows = base_rows()
    rows[0] = row("产出指标", "数量指标", '=HYPERLINK("http://evil.example","点我")', "≥85%", "100%", 15)
    path = make_workbook(indicators=rows)
    write(path)
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    cell = ws["C5"]  # below the two title rows and the header: 预算执行率, then this row
    assert cell.value == '=HYPERLINK("http://evil.example","点我")' and cell.data_type == "s"
    sheet = next(v for k, v in parts(path).items() if k.endswith("sheet6.xml"))
    assert b"<f>" not in sheet


def test_failed_write_leaves_original_intact(rich, monkeypatch):
    before = rich.read_bytes()
    calls = {"n": 0}
    real = zipcopy.ZipOut.copy

    def failing(self, *a, **k):  # the disk fills up at the 5th member
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(zipcopy.ZipOut, "copy", failing)
    dst, problem = write(rich)
    assert dst is None and problem.code == "write-failed" and problem.is_error
    assert "磁盘空间不足" in problem.message  # ENOSPC named in the user's words
    assert rich.read_bytes() == before
    assert sorted(p.name for p in rich.parent.iterdir()) == ["项目A.xlsx"]  # no temp file left


def test_ctrl_c_during_write_leaves_original_intact(rich, monkeypatch):
    before = rich.read_bytes()

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(xw.Package, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write(rich)
    assert rich.read_bytes() == before
    assert [p.name for p in rich.parent.iterdir()] == ["项目A.xlsx"]


@pytest.mark.parametrize("lock", ["~$项目A.xlsx", ".~lock.项目A.xlsx#"])
def test_open_file_is_not_written(rich, lock):
    (rich.parent / lock).write_bytes(b"")
    before = rich.read_bytes()
    dst, problem = write(rich)
    assert dst is None and problem.code == "locked" and not problem.is_error
    assert lock in problem.message
    assert rich.read_bytes() == before


def test_excel_lock_name_for_long_names(tmp_path):
    # Excel names the lock of a long file name with its first two characters dropped
    path = tmp_path / "2023年度项目支出绩效自评表.xlsx"
    path.write_bytes(b"")
    assert lock_file(path) is None
    (tmp_path / "~$23年度项目支出绩效自评表.xlsx").write_bytes(b"")
    assert lock_file(path) == tmp_path / "~$23年度项目支出绩效自评表.xlsx"


def test_out_dir_copy_leaves_original(rich, tmp_path):
    before = rich.read_bytes()
    (rich.parent / "~$项目A.xlsx").write_bytes(b"")  # open in Excel: a copy is still fine
    out = tmp_path / "已评分"
    dst, problem = write_back(score_file(rich).card, rich, "乡镇/项目A.xlsx", WHEN, out_dir=out)
    assert problem is None and dst == out / "乡镇" / "项目A.xlsx"
    assert rich.read_bytes() == before
    assert label_value(results(dst), L.R_TOTAL) == 100


def test_side_file_for_non_xlsx(rich):
    xlsm = rich.with_suffix(".xlsm")
    shutil.copyfile(rich, xlsm)
    before = xlsm.read_bytes()
    dst, problem = write(xlsm)
    assert problem is None and dst == rich.parent / "项目A.xlsm.评分结果.xlsx"
    assert xlsm.read_bytes() == before
    book = openpyxl.load_workbook(dst)
    assert book.sheetnames == [L.SHEET_RESULTS]
    ws = book[L.SHEET_RESULTS]
    assert all(c.hyperlink is None for c in ws["B"])  # cells live in the other file
    assert (
        result_path(xlsm, "sub/项目A.xlsm", rich.parent / "out")
        == rich.parent / "out" / "sub" / "项目A.xlsm.评分结果.xlsx"
    )


def test_app_xml_update_is_exact():
    app = (
        '<Properties><HeadingPairs><vt:vector size="4" baseType="variant">'
        "<vt:variant><vt:lpstr>工作表</vt:lpstr></vt:variant><vt:variant><vt:i4>2</vt:i4></vt:variant>"
        "<vt:variant><vt:lpstr>命名范围</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant>"
        '</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="3" baseType="lpstr">'
        "<vt:lpstr>A</vt:lpstr><vt:lpstr>B</vt:lpstr><vt:lpstr>A!Print_Area</vt:lpstr>"
        "</vt:vector></TitlesOfParts></Properties>"
    )
    want = (
        app.replace("<vt:i4>2</vt:i4>", "<vt:i4>3</vt:i4>")
        .replace('size="3"', 'size="4"')
        .replace("<vt:lpstr>B</vt:lpstr>", "<vt:lpstr>B</vt:lpstr><vt:lpstr>评分结果</vt:lpstr>")
    )
    assert xw._app_with_sheet(app, "评分结果") == want
    assert xw._app_with_sheet("<Properties/>", "评分结果") == "<Properties/>"


def test_prefixed_styles_namespace_is_respected():
    styles = (
        '<x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:fonts count="1"><x:font><x:sz val="10"/><x:name val="Arial"/></x:font></x:fonts>'
        '<x:fills count="1"><x:fill><x:patternFill patternType="none"/></x:fill></x:fills>'
        '<x:cellXfs count="1"><x:xf numFmtId="0" fontId="0"/></x:cellXfs></x:styleSheet>'
    )
    s = xw.StyleSheet(styles)
    assert s.id(xw.Style(bold=True)) == 1
    assert '<x:font><x:b/><x:sz val="10"/><x:name val="Arial"/></x:font>' in s.xml
    assert '<x:fonts count="2">' in s.xml and '<x:cellXfs count="2">' in s.xml
    again = xw.StyleSheet(s.xml)
    assert again.id(xw.Style(bold=True)) == 1 and again.xml == s.xml  # interned, not appended twice


def test_relationship_prefix_declared_only_on_sibling_sheets():
    # openpyxl (with lxml) declares xmlns:r on every <sheet>, not on <workbook>
    wb = (
        f'<workbook xmlns="{xw.NS_MAIN}"><sheets>'
        f'<sheet xmlns:r="{xw.NS_REL}" name="A" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    assert xw._rel_prefix(wb) is None
    assert xw._rel_prefix(f'<workbook xmlns="{xw.NS_MAIN}" xmlns:r="{xw.NS_REL}"><sheets/></workbook>') == "r"


def test_result_cells_sit_under_their_headers():
    # every value distinct, so two swapped columns show: 分值 10, 核定 8, 申报 9, 差异 9 − 8 = 1;
    # 完成率 160 / 200 = 80 (percent) is written as the fraction 0.8 a 0.00% cell holds
    r = ScoredRow(
        row=5,
        level1="产出指标",
        level2="数量指标",
        name="培训人数",
        operator="≥",
        target_text="≥200人",
        actual_text="160人",
        unit="人",
        points=10.0,
        score=8.0,
        claimed=9.0,
        rate=80.0,
        note="完成 80%",
        method="ge",
        diff=1.0,
    )
    assert dict(zip(L.RESULT_HEADERS, result_cells(r), strict=True)) == {
        "一级指标": "产出指标",
        "二级指标": "数量指标",
        "三级指标": "培训人数",
        "指标值": "≥200人",
        "实际完成值": "160人",
        "完成率": 0.8,
        "分值": 10.0,
        "核定得分": 8.0,
        "申报得分": 9.0,
        "得分差异": 1.0,
        "评分说明": "完成 80%",
    }


def test_blank_cells_of_the_results_table_keep_their_borders(make_workbook):
    # a qualitative row has no 完成率, the 预算执行率 row no 二级指标 and no 申报得分: those cells
    # are written as styled blanks, so the printed table's lines go round them (before, no cell
    # was written and neighbouring blanks looked merged); and the long title line wraps
    path = make_workbook(
        info={"项目名称": "残疾人基本康复服务托养服务及机动轮椅车燃油补贴和残疾人辅助器具适配综合补助项目资金专项"}
    )
    card = score_file(path).card
    written, problem = write_back(card, path, path.name, "2026-01-01 00:00")
    assert problem is None
    ws = openpyxl.load_workbook(written)[L.SHEET_RESULTS]
    first = L.RESULT_HEADER_ROW + 1  # the 预算执行率 row, then the indicators in table order
    qualitative = first + 3  # 服务规范性: 规范 / 达成年度指标
    col = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(L.RESULT_HEADERS)}
    for ref in (f"{col['二级指标']}{first}", f"{col['申报得分']}{first}", f"{col['完成率']}{qualitative}"):
        cell = ws[ref]
        assert cell.value is None and cell.border.left.style == "thin" and cell.border.bottom.style == "thin", ref
    assert ws["A2"].alignment.wrap_text
