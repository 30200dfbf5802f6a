"""复核 (SPEC §4.1, §4.4): a reviewer types 复核得分 / 复核意见 into 评分结果 and saves; scoring
again keeps the entries cell for cell, computes 复核总分 and grades by it; bad entries are errors
at their cell; an entry whose indicator is gone is reported and kept."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import base_rows, office_resave, row, soffice

from selfeval_xl import score_file
from selfeval_xl.batch import BatchOptions, run_batch
from selfeval_xl.cli import cli
from selfeval_xl.outputs.result_files import result_path
from selfeval_xl.reading import contract as L
from selfeval_xl.reading.contract import RESULT_HEADER_ROW as HEADER_ROW
from selfeval_xl.reading.contract import result_indicator_row as indicator_row

# Indicator records of the results sheet, in order: 0 预算执行率, 1 康复服务比例 (15 分), 2 托养服务人次数
# (10), 3 服务规范性 (10), 4 项目完成时间 (5), 5 燃油补贴标准 (10), 6 残疾人康复服务水平 (15),
# 7 服务长效机制 (15), 8 服务对象满意度 (10); every row scores full points: 核定总分 100.


def at(col, i):
    """The cell in column ``col`` (L 复核得分, M 复核意见) of indicator record ``i``."""
    return f"{col}{indicator_row(i)}"


ENTRIES = {
    at("L", 1): 9,  # 康复服务比例: 15 → 9
    at("M", 1): "抽查发现服务记录不全，扣 6 分",
    at("L", 3): 4.5,  # 服务规范性: 10 → 4.5
    at("M", 3): "规范性\n证明材料不足",
    at("M", 2): "  同意核定得分 ",  # an opinion alone changes no score; its spaces are kept
}
# 复核总分 = 100 − (15 − 9) − (10 − 4.5) = 100 − 6 − 5.5 = 88.5 → 良 (80 ≤ 88.5 < 90)
REVIEWED_TOTAL = 88.5


def score_in_place(folder, tmp_path):
    return run_batch([folder], BatchOptions(summary=tmp_path / "汇总.xlsx"))


def type_entries(path, entries):
    """What a reviewer does in Excel/WPS: type into 评分结果 and save (here through openpyxl)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    for ref, value in entries.items():
        ws[ref] = value
    wb.save(path)


def review_cells(path):
    """Every non-blank cell of the 复核 columns: ref → (value, type)."""
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    out = {}
    for col in ("L", "M"):
        for c in ws[col][indicator_row(0) - 1 :]:  # below the header
            if c.value is not None:
                out[c.coordinate] = (c.value, type(c.value))
    return out


def label_value(path, label):
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    return next(r[1] for r in ws.iter_rows(values_only=True) if r and r[0] == label)


def assert_dropped_once(card, *cells):
    """One review-dropped, at the first of ``cells``, naming them all in order (“L9、O5 共 2 处”)."""
    found = [p for p in card.problems if p.code == "review-dropped"]
    assert len(found) == 1 and found[0].where.cell == cells[0], [p.where.cell for p in found]
    assert f"{'、'.join(cells)} 共 {len(cells)} 处" in found[0].message, found[0].message


@pytest.fixture
def scored(make_workbook, tmp_path):
    folder = tmp_path / "收件"
    folder.mkdir()
    path = make_workbook("收件/项目A.xlsx")
    score_in_place(folder, tmp_path)
    return folder, path


def test_results_sheet_has_blank_unlocked_review_columns_with_input_messages(scored):
    _, path = scored
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    assert [c.value for c in ws[HEADER_ROW]][-2:] == ["复核得分", "复核意见"]
    assert review_cells(path) == {}
    assert ws[at("L", 1)].protection.locked is False and ws[at("M", 1)].protection.locked is False
    prompts = {str(dv.sqref): (dv.promptTitle, dv.prompt) for dv in ws.data_validations.dataValidation}
    assert set(prompts) == {f"{at('L', 0)}:{at('L', 8)}", f"{at('M', 0)}:{at('M', 8)}"}  # the nine indicator rows
    assert all(dv.showInputMessage for dv in ws.data_validations.dataValidation)
    assert "0 到分值之间的数字" in prompts[f"{at('L', 0)}:{at('L', 8)}"][1]
    assert label_value(path, L.R_REVIEWED_TOTAL) == "未复核"


def test_openpyxl_entries_survive_two_reruns_and_set_the_reviewed_total(scored, tmp_path):
    folder, path = scored
    type_entries(path, ENTRIES)
    typed = review_cells(path)
    assert typed == {ref: (v, type(v)) for ref, v in ENTRIES.items()}
    for _ in range(2):
        score_in_place(folder, tmp_path)
        assert review_cells(path) == typed
    assert label_value(path, L.R_TOTAL) == 100
    assert label_value(path, L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL
    assert label_value(path, L.R_GRADE) == "良"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames.count(L.SHEET_RESULTS) == 1

    obj = score_file(path).card.as_dict()
    assert (obj["total"], obj["reviewed_total"], obj["grade"]) == (100, REVIEWED_TOTAL, "良")
    by_name = {i["name"]: i for i in obj["indicators"]}
    assert (by_name["康复服务比例"]["reviewed"], by_name["康复服务比例"]["review_note"]) == (9, ENTRIES[at("M", 1)])
    assert (by_name["托养服务人次数"]["reviewed"], by_name["托养服务人次数"]["review_note"]) == (None, "同意核定得分")
    assert (by_name["服务长效机制"]["reviewed"], by_name["服务长效机制"]["review_note"]) == (None, None)


def test_json_of_an_unreviewed_file_has_null_review_keys(make_workbook):
    obj = score_file(make_workbook()).card.as_dict()
    assert obj["reviewed_total"] is None
    assert all(i["reviewed"] is None and i["review_note"] is None for i in obj["indicators"])


@pytest.mark.office
def test_entries_saved_by_libreoffice_survive_two_reruns(scored, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    folder, path = scored
    type_entries(path, ENTRIES)
    # the reviewer's office suite writes the whole file anew (shared strings, its own styles)
    resaved = office_resave(path, tmp_path / "复核后")
    typed = review_cells(resaved)
    assert typed == {ref: (v, type(v)) for ref, v in ENTRIES.items()}
    # the rows' 指标值 and 实际完成值 as LibreOffice saved them read as the unit's, unchanged
    assert "review-changed" not in [p.code for p in score_file(resaved).card.problems]
    for _ in range(2):
        score_in_place(resaved.parent, tmp_path)
        assert review_cells(resaved) == typed
    assert label_value(resaved, L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL
    assert label_value(resaved, L.R_GRADE) == "良"
    # and the file LibreOffice gets back still opens there and keeps the entries
    again = office_resave(resaved, tmp_path / "再存")
    assert review_cells(again) == typed


def test_a_non_number_and_an_over_points_entry_are_errors_at_their_cells(scored, tmp_path):
    folder, path = scored
    type_entries(
        path, {at("L", 1): "约九分", at("L", 2): 12, at("L", 4): 3}
    )  # 托养服务人次数 has 10 分; 项目完成时间 5 分
    card = score_file(path).card
    found = {(p.code, p.where.sheet, p.where.cell, p.severity) for p in card.problems}
    assert ("review-not-a-number", "评分结果", at("L", 1), "error") in found
    assert ("review-out-of-range", "评分结果", at("L", 2), "error") in found
    # only the valid entry counts: 100 − (5 − 3) = 98
    assert card.reviewed_total == 98
    # the bad entries are still there after a rerun, for the reviewer to correct
    score_in_place(folder, tmp_path)
    assert review_cells(path) == {at("L", 1): ("约九分", str), at("L", 2): (12, int), at("L", 4): (3, int)}
    messages = [
        r[2] for r in openpyxl.load_workbook(path)[L.SHEET_RESULTS].iter_rows(values_only=True) if r[0] == "错误"
    ]
    assert any("约九分" in m for m in messages) and any("12" in m and "10" in m for m in messages)
    # the file is 待更正 (two bad entries), so its 复核总分 98 is no more final than its 核定总分: both
    # are marked 暂算, on 评分结果 (the note beside the value) and in 汇总 (the cell's format); the
    # 复核总分 was shown as a plain 98.00 beside “100.00（暂算）”
    rows = {r[0]: r for r in openpyxl.load_workbook(path)[L.SHEET_RESULTS].iter_rows(values_only=True) if r}
    assert rows[L.R_REVIEWED_TOTAL][1:3] == (98, "暂算") and rows[L.R_TOTAL][2] == "暂算"
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["汇总"]
    header = next(r for r in ws.iter_rows() if any(c.value == "复核总分" for c in r))
    col = next(c.column for c in header if c.value == "复核总分")
    cell = ws.cell(header[0].row + 1, col)
    assert (cell.value, cell.number_format) == (98, '0.00"（暂算）"')


def test_full_width_number_text_and_negative_entry(scored):
    _, path = scored
    type_entries(path, {at("L", 1): "１２", at("L", 2): -1})
    card = score_file(path).card
    assert [(p.code, p.where.cell) for p in card.problems if p.code.startswith("review")] == [
        ("review-out-of-range", at("L", 2))
    ]
    assert card.reviewed_total == 97  # 100 − (15 − 12)


def test_an_entry_with_the_unit_fen_reads_as_a_claim_does(scored, tmp_path):
    # people type the unit in a 复核得分 as in a 申报得分 (9.5分 is read there): 8分 on 康复服务比例
    # (15 分) and full-width ８分 on 托养服务人次数 (10 分) are 8, where they were “不是数字”. What a
    # 申报得分 refuses stays refused, at its cell: 约8分 on 服务规范性, 8分以上 on 燃油补贴标准.
    # 复核总分 = 100 − (15 − 8) − (10 − 8) = 100 − 7 − 2 = 91 (the refused rows at their 核定得分)
    folder, path = scored
    entries = {at("L", 1): "8分", at("L", 2): "８分", at("L", 3): "约8分", at("L", 5): "8分以上"}
    type_entries(path, entries)
    card = score_file(path).card
    found = [(p.code, p.where.sheet, p.where.cell) for p in card.problems if p.code.startswith("review")]
    assert found == [
        ("review-not-a-number", "评分结果", at("L", 3)),
        ("review-not-a-number", "评分结果", at("L", 5)),
    ]
    assert "复核得分“约8分”不是数字" in next(p.message for p in card.problems if p.where.cell == at("L", 3))
    assert card.reviewed_total == 91
    by_name = {r.name: r.reviewed for r in card.records}
    assert (by_name["康复服务比例"], by_name["托养服务人次数"], by_name["服务规范性"]) == (8, 8, None)
    score_in_place(folder, tmp_path)  # written back as typed, and the total on the sheet
    assert review_cells(path) == {ref: (v, str) for ref, v in entries.items()}
    assert label_value(path, L.R_REVIEWED_TOTAL) == 91


def test_an_entry_over_the_points_only_beyond_the_shown_decimals_counts(scored):
    # 复核得分 10.004 on 托养服务人次数 (10 分) shows and counts as 10.00: within its points, no error;
    # 4.996 on 项目完成时间 (5 分) counts as 5.00 (no change); 10.005 on 服务规范性 (10 分) rounds half
    # up to 10.01, over its points: the one error (quoting what was typed). 复核总分 = 100 (every row at its 核定得分 or
    # the same again), with the rejected entry left at its 核定得分 10
    _, path = scored
    type_entries(path, {at("L", 2): 10.004, at("L", 4): 4.996, at("L", 3): 10.005})
    card = score_file(path).card
    assert [(p.code, p.where.cell, p.message) for p in card.problems if p.code.startswith("review")] == [
        ("review-out-of-range", at("L", 3), "复核得分 10.005 不在 0 到分值 10 之间")
    ]
    by_name = {i["name"]: i["reviewed"] for i in card.as_dict()["indicators"]}
    assert (by_name["托养服务人次数"], by_name["项目完成时间"], by_name["服务规范性"]) == (10, 5, None)
    assert card.reviewed_total == 100


def test_entry_whose_indicator_was_renamed_is_reported_and_kept(scored, tmp_path):
    folder, path = scored
    type_entries(path, {at("L", 2): 8, at("M", 2): "人次数据待核实", at("L", 3): 7})
    # the unit renames 托养服务人次数 (绩效指标 row 4: 序号 row 3 is 预算执行率, then the rows in order)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_INDICATORS]
    cell = next(c for c in ws["D"] if c.value == "托养服务人次数")
    cell.value = "托养服务人数"
    wb.save(path)
    score_in_place(folder, tmp_path)
    card = score_file(path).card
    orphan = [p for p in card.problems if p.code == "review-orphan"]
    assert len(orphan) == 1 and "托养服务人次数" in orphan[0].message
    # nine indicator records (0–8), then the kept entry as the tenth row
    assert (orphan[0].where.sheet, orphan[0].where.cell) == ("评分结果", at("L", 9))
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    assert [ws[at(c, 9)].value for c in "ABCLM"] == ["产出指标", "数量指标", "托养服务人次数", 8, "人次数据待核实"]
    assert ws[at("C", 2)].value == "托养服务人数" and ws[at("L", 2)].value is None
    # the orphan does not count: 100 − (10 − 7) = 97
    assert card.reviewed_total == 97
    score_in_place(folder, tmp_path)  # and it is still there after another rerun
    assert openpyxl.load_workbook(path)[L.SHEET_RESULTS][at("L", 9)].value == 8


def test_out_dir_copy_keeps_the_entries_typed_into_it(make_workbook, tmp_path):
    src = make_workbook()
    before = src.read_bytes()
    out = tmp_path / "已评分"
    options = BatchOptions(summary=out / "汇总.xlsx", out_dir=out)
    run_batch([src], options)
    copy = out / src.name
    type_entries(copy, {at("L", 1): 14, at("M", 1): "复核"})
    run_batch([src], options)
    assert review_cells(copy) == {at("L", 1): (14, int), at("M", 1): ("复核", str)}
    assert label_value(copy, L.R_REVIEWED_TOTAL) == 99  # 100 − (15 − 14)
    assert src.read_bytes() == before


def test_cli_json_carries_the_review(scored, tmp_path, monkeypatch):
    _, path = scored
    type_entries(path, ENTRIES)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["score", str(path), "--json", "--no-write-back"])
    obj = json.loads(result.stdout.splitlines()[0])
    assert (obj["reviewed_total"], obj["grade"]) == (REVIEWED_TOTAL, "良")


def test_summary_grades_and_ranks_by_the_reviewed_total(scored, make_workbook, tmp_path):
    folder, path = scored
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10)  # 10 × 84/105 = 8 → 98
    make_workbook("收件/项目B.xlsx", indicators=rows)
    type_entries(path, ENTRIES)  # 项目A: 核定 100, 复核 88.5
    score_in_place(folder, tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[L.S_SUMMARY]
    table = list(ws.iter_rows(values_only=True))
    header = table[0]
    got = [{h: r[header.index(h)] for h in ("文件", "核定总分", "复核总分", "等级", "排名")} for r in table[1:]]
    assert got == [
        {"文件": "项目B.xlsx", "核定总分": 98, "复核总分": None, "等级": "优", "排名": 1},
        {"文件": "项目A.xlsx", "核定总分": 100, "复核总分": REVIEWED_TOTAL, "等级": "良", "排名": 2},
    ]


def test_district_report_says_how_far_review_moved_the_totals(scored, tmp_path):
    from selfeval_xl.outputs.district import draft_district

    folder, path = scored
    type_entries(path, ENTRIES)
    score_in_place(folder, tmp_path)
    text = "\n".join(b.text for b in draft_district(tmp_path / "汇总.xlsx"))
    # one file reviewed: 88.5 − 100 = −11.5
    # one file, 100 → 88.5: −11.5 on average, 11.5 in size
    assert (
        "共复核1份，复核后调减1份、调增0份、不变0份；复核总分比核定总分平均每份调减11.5分，"
        "变动幅度（不计增减）合计11.5分、平均每份11.5分" in text
    )


def test_district_report_keeps_a_reviewers_typo_apart_from_the_units_errors(scored, make_workbook, tmp_path):
    # 项目A: clean, but a 复核得分 typed "约九分"; 项目B: the unit's 实际完成值 "约九成" (not a
    # number). Both are 待更正; only 项目B goes back to the unit
    from selfeval_xl.outputs.district import draft_district

    folder, path = scored
    type_entries(path, {at("L", 1): "约九分"})
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "约九成", 10)
    make_workbook("收件/项目B.xlsx", {"项目名称": "项目B"}, None, rows)
    score_in_place(folder, tmp_path)
    text = "\n".join(b.text for b in draft_district(tmp_path / "汇总.xlsx"))
    assert "待更正1份（复核得分填写有误，由复核人员改正后重新评分，不必退回单位）：" in text
    assert "待更正1份（有错误，退回单位更正后重新评分）：" in text
    theirs = text.split("不必退回单位）：")[1].split("待更正1份（有错误")[0]
    assert "项目A.xlsx" in theirs and "项目B.xlsx" not in theirs


@pytest.mark.office
def test_side_file_of_an_ods_keeps_the_entries_typed_into_it(make_workbook, tmp_path):
    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    ods = office_resave(make_workbook(), tmp_path / "收件", "ods")
    before = ods.read_bytes()
    score_in_place(ods.parent, tmp_path)
    side = result_path(ods, ods.name)  # the side file beside it
    type_entries(side, {at("L", 1): 13.5, at("M", 1): "复核：比例数据来源不清"})
    for _ in range(2):
        score_in_place(ods.parent, tmp_path)
        assert review_cells(side) == {at("L", 1): (13.5, float), at("M", 1): ("复核：比例数据来源不清", str)}
    assert label_value(side, L.R_REVIEWED_TOTAL) == 98.5  # 100 − (15 − 13.5)
    assert ods.read_bytes() == before


@pytest.fixture
def awaiting(make_workbook, tmp_path):
    """A file 待复核: 服务规范性 (10 分) has free prose as its actual and claims 8, so it counts 8
    for now: 核定总分 = 100 − 10 + 8 = 98."""
    rows = base_rows()
    rows[2] = row("产出指标", "质量指标", "服务规范性", "规范", "改善了服务对象的康复条件", 10, claimed=8)
    folder = tmp_path / "收件"
    folder.mkdir()
    path = make_workbook("收件/项目A.xlsx", indicators=rows)
    score_in_place(folder, tmp_path)
    card = score_file(path).card
    assert (card.status, card.total, card.grade) == ("needs-review", 98, "优")
    return folder, path


def test_a_review_of_the_awaiting_row_makes_the_file_reviewed(awaiting, tmp_path):
    folder, path = awaiting
    type_entries(path, {at("L", 3): 6, at("M", 3): "核实后部分达成"})
    score_in_place(folder, tmp_path)
    card = score_file(path).card
    # the reviewer's 6 replaces the provisional 8: 98 − 8 + 6 = 96
    assert (card.status, card.total, card.reviewed_total, card.grade) == ("reviewed", 98, 96, "优")
    assert not [p for p in card.problems if p.code == "needs-review"]  # judged now
    assert label_value(path, L.R_STATUS) == "已复核"
    # and its 评分说明 no longer says it awaits one (what it said before the review stays after 复核前)
    note = openpyxl.load_workbook(path)[L.SHEET_RESULTS][f"K{indicator_row(3)}"].value
    assert note.startswith("已复核，复核得分 6；复核前：实际完成值是文字描述") and "待复核" not in note
    header, *rows = list(openpyxl.load_workbook(tmp_path / "汇总.xlsx")[L.S_SUMMARY].iter_rows(values_only=True))
    got = dict(zip(header, rows[0], strict=True))
    assert (got["状态"], got["复核总分"], got["排名"]) == ("已复核", 96, 1)


def test_unit_report_does_not_call_a_reviewed_row_provisional(awaiting, tmp_path):
    # the reviewer judged 服务规范性 (6 of 10): the file is 已复核 (96 = 98 − 8 + 6), so its report must
    # not go on saying that row awaits a reviewer and its score is 暂定; a row still awaiting does
    from selfeval_xl.outputs.report import draft

    folder, path = awaiting
    type_entries(path, {at("L", 3): 6, at("M", 3): "核实后部分达成"})
    card = score_file(path).card
    assert (card.status, card.reviewed_total) == ("reviewed", 96)
    line = next(b.text for b in draft(card) if "服务规范性：" in b.text)
    assert "得8/10分，复核为6分（复核意见：核实后部分达成）。" in line, line
    assert "待复核人员判断" not in line and "暂定" not in line, line
    type_entries(path, {at("L", 3): None, at("M", 3): None, at("L", 1): 14})  # another row reviewed
    line = next(b.text for b in draft(score_file(path).card) if "服务规范性：" in b.text)
    assert line.endswith("完成程度待复核人员判断，得分为暂定。"), line


def test_a_review_elsewhere_leaves_the_file_awaiting(awaiting):
    _, path = awaiting
    type_entries(path, {at("L", 1): 14})  # 康复服务比例, not the awaiting row
    card = score_file(path).card
    # 98 − 15 + 14 = 97, but 服务规范性 still awaits judgment
    assert (card.status, card.reviewed_total) == ("needs-review", 97)
    assert [p.code for p in card.problems if p.code == "needs-review"] == ["needs-review"]


def test_a_review_settles_a_row_with_only_points_and_a_claim(make_workbook, tmp_path):
    # 服务规范性 (10 分) replaced by a 项目管理 row with no 指标值 and no 实际完成值, claiming 8 (as
    # 湖北's forms print their 决策/管理 rows): 待复核, 100 − 10 + 8 = 98 for now. The reviewer's 7
    # settles it as for free text: 已复核, 复核总分 98 − 8 + 7 = 97
    rows = base_rows()
    rows[2] = row("项目管理", "财务制度", "财务制度健全性", None, None, 10, claimed=8)
    folder = tmp_path / "收件"
    folder.mkdir()
    path = make_workbook("收件/项目A.xlsx", indicators=rows)
    score_in_place(folder, tmp_path)
    card = score_file(path).card
    assert (card.status, card.total) == ("needs-review", 98)
    type_entries(path, {at("L", 3): 7, at("M", 3): "制度健全，执行有疏漏"})
    score_in_place(folder, tmp_path)
    card = score_file(path).card
    assert (card.status, card.total, card.reviewed_total, card.grade) == ("reviewed", 98, 97, "优")
    assert [p for p in card.problems if p.code == "needs-review"] == []
    note = openpyxl.load_workbook(path)[L.SHEET_RESULTS][f"K{indicator_row(3)}"].value
    assert note.startswith("已复核，复核得分 7；复核前：没有指标值和实际完成值"), note


def test_unit_report_states_the_reviewed_total(scored):
    from selfeval_xl.outputs.report import draft

    _, path = scored
    type_entries(path, ENTRIES)
    blocks = draft(score_file(path).card)
    text = "\n".join(b.text for b in blocks)
    assert f"自评得分100分，经复核为{REVIEWED_TOTAL}分，等级为“良”" in text
    assert f"绩效自评得分{REVIEWED_TOTAL}分（复核后），等级“良”" in text
    # the tables show the reviewer's scores beside the 核定得分: 产出指标 (15 + 10 + 10 + 5 + 10 = 50
    # 分) reviewed 50 − (15 − 9) − (10 − 4.5) = 38.5; the total 88.5; 康复服务比例 9 on its row
    tables = [b for b in blocks if b.kind == "table"]
    level1 = next(t for t in tables if t.headers[-1] == "复核后得分")
    assert ("产出指标", "50.00", "50.00", "38.50") in level1.rows
    assert level1.rows[-1] == ("合计", "100.00", "100.00", "88.50")
    rows = next(t for t in tables if t.headers[-1] == "复核得分")
    assert len(rows.widths) == len(rows.headers) == 9 and abs(sum(rows.widths) - 15.6) < 1e-9
    by_name = {r[2]: r for r in rows.rows}
    assert by_name["康复服务比例"][-4:] == ("15.00", "15.00", "", "9.00")  # 分值, 核定, 申报 (none), 复核
    assert by_name["服务长效机制"][-1] == ""  # not reviewed


def test_a_reviewers_typo_is_for_the_reviewer_to_fix_not_the_unit(scored, tmp_path):
    # 复核得分 "约九分" (not a number) on an otherwise clean workbook: the file waits as 待更正,
    # but the 更正清单 does not ask the unit to fix the bureau's cell; it names it for the reviewer
    from selfeval_xl.outputs.report import draft

    _, path = scored
    type_entries(path, {at("L", 1): "约九分"})
    blocks = draft(score_file(path).card)
    text = "\n".join(b.text for b in blocks)
    assert "自评表本身没有错误" in text and "请复核人员改正后重新评分，单位不必更正" in text
    assert "请按下列清单逐项更正" not in text and "需要更正的问题" not in text
    table = next(b for b in blocks if b.kind == "table")
    assert [r[0] for r in table.rows] == [f"评分结果!{at('L', 1)}"]
    result = CliRunner().invoke(cli, ["report", str(path), "-o", str(tmp_path / "清单.md")])
    assert "评分结果中 1 处复核内容需复核人员改正，单位不必更正" in result.stdout, result.output
    # and the results sheet's 状态 line says who corrects it
    score_in_place(path.parent, tmp_path)
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    status = next(r for r in ws.iter_rows(values_only=True) if r and r[0] == L.R_STATUS)
    assert status[1] == "待更正" and "需复核人员改正" in status[2] and "单位不必更正" in status[2]


def test_report_of_a_reviewed_file_names_the_total_its_grade_goes_by(scored, tmp_path):
    # 核定总分 100 (优), 复核总分 88.5 (良): the line says 复核总分 88.50, 良 — not 核定总分 with 良
    _, path = scored
    type_entries(path, ENTRIES)
    out = tmp_path / "报告.md"
    result = CliRunner().invoke(cli, ["report", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"已起草报告（复核总分 {REVIEWED_TOTAL:.2f}，良）")


def test_unit_report_sums_reviews_by_the_subtotals_level1_names(make_workbook, tmp_path):
    # 一级指标 written “产出指标（50分）” is the subtotals' 产出指标: its reviewed sum counts the
    # entry, 50 − (15 − 9) = 44, not the 核定得分's 50
    from selfeval_xl.outputs.report import draft

    rows = [{**r, "一级指标": "产出指标（50分）"} if r["一级指标"] == "产出指标" else r for r in base_rows()]
    (tmp_path / "标").mkdir()
    path = make_workbook("标/项目A.xlsx", None, None, rows)
    score_in_place(path.parent, tmp_path)
    type_entries(path, {at("L", 1): 9})
    table = next(b for b in draft(score_file(path).card) if b.kind == "table" and b.headers[-1] == "复核后得分")
    assert ("产出指标", "50.00", "50.00", "44.00") in table.rows
    assert table.rows[-1] == ("合计", "100.00", "100.00", "94.00")


def test_unit_report_gives_an_unmet_rows_review_and_its_note(make_workbook, tmp_path):
    # 托养服务人次数 ≥105人 with 84人: 10 × 84 ÷ 105 = 8 分; the reviewer gives 9 with a note
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10)
    (tmp_path / "单").mkdir()
    path = make_workbook("单/项目A.xlsx", None, None, rows)
    score_in_place(path.parent, tmp_path)
    type_entries(path, {at("L", 2): 9, at("M", 2): "核实台账后按 9 分"})
    from selfeval_xl.outputs.report import draft

    text = "\n".join(b.text for b in draft(score_file(path).card))
    assert "托养服务人次数：指标值 ≥105人，实际 84人" in text, [t for t in text.splitlines() if "托养" in t]
    assert "得8/10分，复核为9分（复核意见：核实台账后按 9 分）。" in text, [t for t in text.splitlines() if "托养" in t]


def _judged_rows():
    """服务规范性 (10 分) and 项目完成时间 (5 分) replaced by 项目管理/项目决策 rows with only 分值 and a
    申报得分 (8 and 5), as 湖北's single-sheet forms print them: 绩效指标 rows 5 and 6, records 3 and 4."""
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[2] = row("项目管理", "财务制度", "财务制度健全性", None, None, 10, claimed=8)
    rows[3] = row("项目决策", "决策依据", "立项依据充分性", None, None, 5, claimed=5)
    return rows


def test_unit_report_says_a_judged_row_has_no_values_and_cites_its_claim(make_workbook):
    # both rows await a reviewer at their 申报得分 (100 − 10 + 8 − 5 + 5 = 98, 暂定). The report said
    # “指标值 ，实际 ，得8/10分” and listed the blank H5 as a data source with no value; it says
    # there are no values and cites the 申报得分 the provisional score is (J5: 8, J6: 5)
    from selfeval_xl.outputs.report import draft

    card = score_file(make_workbook(indicators=_judged_rows())).card
    assert (card.status, card.total) == ("needs-review", 98)
    blocks = draft(card)
    text = "\n".join(b.text for b in blocks)
    assert (
        "财务制度健全性：没有指标值和实际完成值，得8/10分（暂按申报得分），完成程度待复核人员判断，得分为暂定。" in text
    )
    assert "立项依据充分性：没有指标值和实际完成值，得5/5分（暂按申报得分），完成程度待复核人员判断" in text
    assert "指标值 ，" not in text and "实际 ，" not in text
    sources = blocks[-1].rows
    assert ("财务制度健全性 申报得分", "8", "绩效指标", "J5") in sources
    assert ("立项依据充分性 申报得分", "5", "绩效指标", "J6") in sources
    assert not [r for r in sources if r[3] in ("H5", "H6")]


def test_unit_report_lists_a_row_the_reviewer_cut_as_not_fully_met(make_workbook, tmp_path):
    # the reviewer gives 8 to 财务制度健全性 (8/10) and 4 to 立项依据充分性, scored 5/5 at its claim:
    # 已复核, 复核总分 98 − 5 + 4 = 97. 立项依据充分性 fell short by the reviewer's judgment (4 < 5)
    # and was left out of 未完全达到目标的指标 (listed only when the machine's score was short)
    from selfeval_xl.outputs.report import draft

    (tmp_path / "判").mkdir()
    path = make_workbook("判/项目A.xlsx", None, None, _judged_rows())
    score_in_place(path.parent, tmp_path)
    type_entries(path, {at("L", 3): "8分", at("L", 4): "4分", at("M", 4): "论证材料缺需求调研"})
    card = score_file(path).card
    assert (card.status, card.reviewed_total) == ("reviewed", 97)
    text = "\n".join(b.text for b in draft(card))
    assert "未完全达到目标的指标2项：" in text
    assert "立项依据充分性：没有指标值和实际完成值，得5/5分，复核为4分（复核意见：论证材料缺需求调研）。" in text
    assert "财务制度健全性：没有指标值和实际完成值，得8/10分，复核为8分。" in text


def test_a_rerun_opens_each_file_once(scored, tmp_path, monkeypatch):
    # write-back puts the results where the reader found ours (评分结果, read for its 复核 entries
    # anyway) instead of opening the workbook again to look (issue 17: a rerun cost ~2× a first run)
    from selfeval_xl.outputs import writeback

    folder, path = scored
    type_entries(path, ENTRIES)

    def second_open(*args: object) -> None:
        raise AssertionError("write-back opened the workbook again")

    monkeypatch.setattr(writeback, "open_book", second_open)
    result = run_batch([folder], BatchOptions(summary=tmp_path / "汇总.xlsx", debug=True))
    assert result.tally.scored == 1
    assert openpyxl.load_workbook(path).sheetnames.count(L.SHEET_RESULTS) == 1
    assert label_value(path, L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL


def test_a_file_changed_between_reading_and_writing_is_looked_at_again(scored):
    # read while 评分结果 was ours; before the results are written the user turns it into their
    # own (here: its header row replaced): the version written into is checked again, and the
    # results go beside their sheet, which is kept
    from selfeval_xl.outputs.writeback import write_back

    _, path = scored
    card = score_file(path).card
    assert card.data.results_sheet == L.SHEET_RESULTS
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    ws.delete_rows(1, ws.max_row)
    ws["A1"] = "本单位的说明"
    wb.save(path)
    written, problem = write_back(card, path, path.name, "2026-11-28 09:00")
    assert written == path and problem is not None and problem.code == "results-renamed"
    wb = openpyxl.load_workbook(path)
    assert wb[L.SHEET_RESULTS]["A1"].value == "本单位的说明"
    assert f"{L.SHEET_RESULTS}(2)" in wb.sheetnames


def test_entries_in_our_sheet_beside_a_users_own_results_sheet_are_read(scored, tmp_path):
    # the user has a 评分结果 of their own, so ours is 评分结果(2); the reviewer types into ours:
    # the rerun reads the entries there (not in the user's sheet) and keeps them
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_RESULTS].title = f"{L.SHEET_RESULTS}(2)"
    wb.create_sheet(L.SHEET_RESULTS)["A1"] = "本单位的说明"
    ours = wb[f"{L.SHEET_RESULTS}(2)"]
    for ref, value in ENTRIES.items():
        ours[ref] = value
    wb.save(path)
    score_in_place(folder, tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb[L.SHEET_RESULTS]["A1"].value == "本单位的说明"
    ours = wb[f"{L.SHEET_RESULTS}(2)"]
    assert {ref: ours[ref].value for ref in ENTRIES} == ENTRIES
    # 复核总分 88.5 as in the first test: 100 − (15 − 9) − (10 − 4.5)
    assert next(r[1] for r in ours.iter_rows(values_only=True) if r and r[0] == L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL

    # the user then deletes their own 评分结果: the results stay in ours, 评分结果(2), entries and
    # all (before, a fresh 评分结果 was written without them and 评分结果(2) never read again)
    wb = openpyxl.load_workbook(path)
    del wb[L.SHEET_RESULTS]
    wb.save(path)
    result = CliRunner().invoke(cli, ["score", str(folder), "--summary", str(tmp_path / "汇总.xlsx"), "--json"])
    told = [p for p in json.loads(result.stdout.splitlines()[0])["problems"] if p["code"].startswith("results-")]
    # the warning says where the results are, not that a sheet of the user's is there
    assert [p["code"] for p in told] == ["results-kept"] and "“评分结果(2)”" in told[0]["message"]
    wb = openpyxl.load_workbook(path)
    assert [n for n in wb.sheetnames if n.startswith(L.SHEET_RESULTS)] == [f"{L.SHEET_RESULTS}(2)"]
    ours = wb[f"{L.SHEET_RESULTS}(2)"]
    assert {ref: ours[ref].value for ref in ENTRIES} == ENTRIES
    assert next(r[1] for r in ours.iter_rows(values_only=True) if r and r[0] == L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL


def test_what_a_reviewer_types_outside_the_entry_cells_is_not_dropped_unseen(scored, tmp_path):
    # a 复核得分 on the 产出指标 小计 row, a note in a column the reviewer added (header 复核人) and
    # a valid entry: the entry counts (100 − (15 − 9) = 94); the other two are named in one
    # warning at the first of them, since the rewritten sheet cannot keep them
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    subtotal = next(r[0].row for r in ws.iter_rows() if r[1].value == "小计")
    ws[f"L{subtotal}"] = 40
    ws.cell(HEADER_ROW, 15, "复核人")  # column O, right of 复核意见 (M) and a blank N
    ws.cell(indicator_row(2), 15, "李四")
    ws[at("L", 1)] = 9
    wb.save(path)
    card = score_file(path).card
    assert_dropped_once(card, f"L{subtotal}", f"O{indicator_row(2)}")
    assert card.reviewed_total == 94
    score_in_place(folder, tmp_path)  # the sheet written anew: said once, not again
    assert not [p for p in score_file(path).card.problems if p.code == "review-dropped"]


def _conclusion_row(ws, label):
    return next(r[0].row for r in ws.iter_rows() if r[0].value == label)


def test_what_a_reviewer_types_on_the_conclusion_lines_is_not_dropped_unseen(scored, tmp_path):
    # no 复核得分 on any row; on the conclusion lines the reviewer types an overall total over
    # “未复核” (B of 复核总分), a conclusion beside it (D of 复核总分), a remark right of 等级 (C,
    # where we write no note) and a name far right on 评分时间 (K): the rewrite keeps none of them
    # (the 复核总分 is Σ of the rows' 复核得分, never read from that line), so they are named in
    # one review-dropped, in row order (before: lost without a word). Our own notes are not
    # named: C of 状态 (评分完成, written by us). Nothing counts as reviewed: 复核总分 none.
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    grade, reviewed, scored_at = (_conclusion_row(ws, x) for x in (L.R_GRADE, L.R_REVIEWED_TOTAL, L.R_SCORED_AT))
    status = _conclusion_row(ws, L.R_STATUS)
    assert ws[f"C{status}"].value  # (our note, which must not be named)
    ws[f"C{grade}"] = "等级无异议"
    ws[f"B{reviewed}"] = 92
    ws[f"D{reviewed}"] = "复核结论：基本属实"
    ws[f"K{scored_at}"] = "复核人：王五"
    wb.save(path)
    card = score_file(path).card
    assert_dropped_once(card, f"C{grade}", f"B{reviewed}", f"D{reviewed}", f"K{scored_at}")
    assert card.reviewed_total is None
    score_in_place(folder, tmp_path)  # the sheet written anew: said once, not again
    assert not [p for p in score_file(path).card.problems if p.code == "review-dropped"]


def test_the_reviewed_total_we_wrote_is_not_taken_for_a_reviewers(scored, tmp_path):
    # entries typed and rescored: B of 复核总分 now holds our 88.5 (ENTRIES' arithmetic above);
    # the reviewer saves again without touching the conclusion: nothing is dropped
    folder, path = scored
    type_entries(path, ENTRIES)
    score_in_place(folder, tmp_path)
    assert label_value(path, L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL
    type_entries(path, {})  # saved again by the reviewer (the mark of our write is gone)
    card = score_file(path).card
    assert card.reviewed_total == REVIEWED_TOTAL
    assert not [p for p in card.problems if p.code == "review-dropped"]


@pytest.mark.parametrize("inserted", [18, 25])
def test_entries_below_rows_a_reviewer_inserted_above_the_header_are_read(scored, tmp_path, inserted):
    # the reviewer inserts 18 (or 25) blank rows above the title and types 9 for 康复服务比例
    # (15 分): before, the sheet was no longer found ours (its header looked for in the first 15
    # rows), the entry unread with no word (复核总分 none) and the results written to a new
    # 评分结果(2). Now the header is found: 复核总分 100 − (15 − 9) = 94, and the rerun writes
    # 评分结果 anew with the entry back in its place
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    ws[at("L", 1)] = 9
    ws.insert_rows(1, inserted)
    wb.save(path)
    assert score_file(path).card.reviewed_total == 94
    score_in_place(folder, tmp_path)
    assert [n for n in openpyxl.load_workbook(path).sheetnames if n.startswith(L.SHEET_RESULTS)] == [L.SHEET_RESULTS]
    assert review_cells(path) == {at("L", 1): (9, int)}
    assert label_value(path, L.R_REVIEWED_TOTAL) == 94


def test_our_note_beside_a_blank_score_difference_is_not_taken_for_a_reviewers(make_workbook, tmp_path):
    # 燃油补贴标准 (record 5) typed 完成 against 260元/辆: not-a-number, the file 待更正 with a 申报总分
    # of 100, so the 得分差异 line is blank and says why in C (待更正后计算), as 核定总分 says 暂算. A
    # reviewer types 8分 for 托养服务人次数 (record 2, 10 分) and saves: our note is not named as a
    # cell the rewrite would drop (before, C of 得分差异 held nothing to name; the label now noted).
    # The 8分 is kept as typed, right-aligned as a number typed there would be
    folder = tmp_path / "收件"
    folder.mkdir()
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[4] = row("产出指标", "成本指标", "燃油补贴标准", "260元/辆", "完成", 10, claimed=10)
    path = make_workbook("收件/项目A.xlsx", indicators=rows, info={"申报总分": 100})
    score_in_place(folder, tmp_path)
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    diff = _conclusion_row(ws, L.R_DIFF)
    assert (ws[f"B{diff}"].value, ws[f"C{diff}"].value) == (None, "待更正后计算")
    assert ws[f"C{_conclusion_row(ws, L.R_TOTAL)}"].value == "暂算"
    type_entries(path, {at("L", 2): "8分"})
    card = score_file(path).card
    assert not [p for p in card.problems if p.code == "review-dropped"]
    score_in_place(folder, tmp_path)
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    assert ws[at("L", 2)].value == "8分"
    assert {ws[at("L", i)].alignment.horizontal for i in (1, 2)} == {"right"}  # (1: a blank one, as styled)
    assert not [p for p in score_file(path).card.problems if p.code == "review-dropped"]


def test_a_provisional_grade_says_so_beside_it_and_is_not_taken_for_a_reviewers(make_workbook, tmp_path):
    # 社会效益 (record 5, 10 分) typed as prose (改善了群众出行条件) with 申报得分 8: it awaits a
    # reviewer, the file is 待复核 with total 100 − 10 + 8 = 98, a provisional 优. Its 等级 line says
    # 暂定 in C as the 核定总分 line does (before: 优 alone, while 汇总 and the page said 暂定); a
    # rerun after a reviewer's save does not take our note for a reviewer's text
    folder = tmp_path / "收件"
    folder.mkdir()
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    rows[4] = row("效益指标", "社会效益指标", "社会效益", "明显改善", "改善了群众出行条件", 10, claimed=8)
    path = make_workbook("收件/项目B.xlsx", indicators=rows)
    score_in_place(folder, tmp_path)
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    grade = _conclusion_row(ws, L.R_GRADE)
    assert (ws[f"B{grade}"].value, ws[f"C{grade}"].value) == ("优", "暂定")
    assert ws[f"B{_conclusion_row(ws, L.R_TOTAL)}"].value == 98
    type_entries(path, {at("M", 1): "属实"})  # (a 复核意见 alone: no 复核得分, the file stays 待复核)
    assert not [p for p in score_file(path).card.problems if p.code == "review-dropped"]
    # a reviewer's own words there (anything but our 暂定) are still named, as beside a final grade
    type_entries(path, {f"C{grade}": "等级无异议"})
    assert_dropped_once(score_file(path).card, f"C{grade}")


def test_what_a_reviewer_types_above_the_header_is_not_dropped_unseen(scored, tmp_path):
    # the reviewer inserts 2 rows above the title and types an overall opinion (A1) and a name
    # (D2), and one more between the title line and the header (B5): the rewrite keeps none of
    # them, so they are named in one review-dropped at A1 (before: lost without a word); our own
    # title lines (now A3, A4) are not named; the entry below still counts: 100 − (15 − 9) = 94
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    ws[at("L", 1)] = 9
    ws.insert_rows(1, 2)
    ws["A1"] = "复核意见：总体属实"
    ws["D2"] = "复核人：王五"
    ws.insert_rows(5, 1)  # below the title line (row 4 now), above the header (row 6 now)
    ws["B5"] = "抽查"
    wb.save(path)
    card = score_file(path).card
    assert_dropped_once(card, "A1", "D2", "B5")
    assert card.reviewed_total == 94
    score_in_place(folder, tmp_path)  # the sheet written anew: said once, not again
    assert not [p for p in score_file(path).card.problems if p.code == "review-dropped"]


def test_entries_in_a_renamed_results_sheet_are_not_lost_unseen(scored, tmp_path):
    # the reviewer renamed our sheet to 评分结果-已复核 and typed there: it is not read (only
    # 评分结果 or our 评分结果(k) are), so the run says so, at that sheet, with the count (3 rows of
    # ENTRIES carry something), and leaves the sheet as it is
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_RESULTS].title = "评分结果-已复核"
    for ref, value in ENTRIES.items():
        wb["评分结果-已复核"][ref] = value
    wb.save(path)
    card = score_file(path).card
    found = [p for p in card.problems if p.code == "review-renamed"]
    assert [(p.where.sheet, p.where.cell) for p in found] == [("评分结果-已复核", "A1")]
    assert " 3 条" in found[0].message and card.reviewed_total is None
    score_in_place(folder, tmp_path)
    kept = openpyxl.load_workbook(path)["评分结果-已复核"]
    assert {ref: kept[ref].value for ref in ENTRIES} == ENTRIES


def test_a_duplicates_out_dir_copy_keeps_its_entries(make_workbook, tmp_path):
    # two copies of one submission scored into --out-dir; the reviewer types into one copy's
    # 评分结果 there. The rerun finds the pair and writes both again to say so: the entries stay
    # (the second writing reads them from the out-dir copy too, as the first does)
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for name in ("项目A.xlsx", "项目A（副本）.xlsx"):
        make_workbook(f"收件/{name}")
    out = tmp_path / "已评分"
    options = BatchOptions(summary=out / "汇总.xlsx", out_dir=out)
    run_batch([inbox], options)
    copy = out / "项目A.xlsx"
    type_entries(copy, ENTRIES)
    result = run_batch([inbox], options)
    assert set(result.duplicates) == {"项目A.xlsx", "项目A（副本）.xlsx"}
    assert review_cells(copy) == {ref: (v, type(v)) for ref, v in ENTRIES.items()}
    assert label_value(copy, L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL
    ws = openpyxl.load_workbook(copy)[L.SHEET_RESULTS]
    assert any(r and r[0] == "警告" and "同一单位" in str(r[2]) for r in ws.iter_rows(values_only=True))


# --- a rerun of a file nobody touched (issue 17) ------------------------------------------------
def _loaded_sheets(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The names of the sheets parsed from now on."""
    from selfeval_xl.ooxml.grid import Book

    loaded: list[str] = []
    sheet = Book.sheet

    def spy(self, name):  # type: ignore[no-untyped-def]
        loaded.append(name)
        return sheet(self, name)

    monkeypatch.setattr(Book, "sheet", spy)
    return loaded


def test_a_rerun_of_a_file_nobody_touched_does_not_read_its_results_sheet(scored, tmp_path, monkeypatch):
    # a write-back with no reviewer's entry marks the zip (its comment: the members' hash); scoring
    # the untouched file again knows there is no entry without reading 评分结果 (most of what a
    # rerun cost beyond a first run), with the same outcome as reading it
    import zipfile

    from selfeval_xl.ooxml.ownership import is_ours, refusal, scored_unreviewed
    from selfeval_xl.reading import review_columns

    folder, path = scored
    with zipfile.ZipFile(path) as zf:
        assert scored_unreviewed(zf)
    assert not is_ours(path) and refusal(path) is not None  # a unit's workbook: no output may replace it
    with monkeypatch.context() as m:
        m.setattr(review_columns, "_as_written_unreviewed", lambda book: False)
        full = score_file(path).card.as_dict()
    loaded = _loaded_sheets(monkeypatch)
    quick = score_file(path).card.as_dict()
    assert L.SHEET_RESULTS not in loaded and loaded  # (the others were read)
    assert quick == full
    run_batch([folder], BatchOptions(summary=tmp_path / "汇总.xlsx"))
    assert L.SHEET_RESULTS not in loaded
    assert openpyxl.load_workbook(path).sheetnames.count(L.SHEET_RESULTS) == 1


def test_a_file_with_entries_is_written_without_the_mark_so_they_are_read_again(scored, tmp_path):
    # the reviewer's save drops the mark; the rerun that carries the entries over must not put
    # it back, or the next rerun would take the entries for none
    import zipfile

    from selfeval_xl.ooxml.ownership import scored_unreviewed

    folder, path = scored
    type_entries(path, ENTRIES)
    score_in_place(folder, tmp_path)
    with zipfile.ZipFile(path) as zf:
        assert not scored_unreviewed(zf)
    assert score_file(path).card.reviewed_total == REVIEWED_TOTAL


def test_a_marked_file_beside_a_users_own_results_sheet_is_looked_into(make_workbook, tmp_path, monkeypatch):
    # the user's own 评分结果 sends ours to 评分结果(2); that write-back is marked as well, but the
    # rerun must still find which sheet is ours (not take 评分结果 for it and replace the user's)
    import zipfile

    from selfeval_xl.ooxml.ownership import scored_unreviewed

    folder = tmp_path / "收件"
    folder.mkdir()
    path = make_workbook("收件/项目A.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.create_sheet(L.SHEET_RESULTS)["A1"] = "本单位的说明"
    wb.save(path)
    for _ in range(2):
        score_in_place(folder, tmp_path)
        with zipfile.ZipFile(path) as zf:
            assert scored_unreviewed(zf)
        wb = openpyxl.load_workbook(path)
        assert wb[L.SHEET_RESULTS]["A1"].value == "本单位的说明"
        assert [n for n in wb.sheetnames if n.startswith(L.SHEET_RESULTS)] == [L.SHEET_RESULTS, f"{L.SHEET_RESULTS}(2)"]


def _clear_column(ws, header: str) -> dict[int, object]:  # type: ignore[no-untyped-def]
    """Empties the cells below the header cell ``header`` (the first in the sheet's first 20
    rows whose text starts with it); their old values by row."""
    top = next(
        c for row in ws.iter_rows(max_row=20) for c in row if isinstance(c.value, str) and c.value.startswith(header)
    )
    old = {}
    for r in range(top.row + 1, ws.max_row + 1):
        old[r] = ws.cell(r, top.column).value
        ws.cell(r, top.column).value = None
    return old


CLEARED = ((L.SHEET_INDICATORS, L.I_ACTUAL), (L.SHEET_BUDGET, L.B_EXECUTED))  # what makes a form 未填写


def test_entries_outlast_a_form_cleared_and_filled_again(scored, tmp_path):
    # after the review the unit clears its 实际完成值 and 全年执行数 (a blank form: 未填写, nothing
    # counted); the entries stay in 评分结果 as typed and count again once the form is filled.
    # Before, the blank run wrote 评分结果 without them and they were gone for good.
    folder, path = scored
    type_entries(path, ENTRIES)
    typed = review_cells(path)
    wb = openpyxl.load_workbook(path)
    cleared = {sheet: _clear_column(wb[sheet], header) for sheet, header in CLEARED}
    wb.save(path)
    for _ in range(2):
        score_in_place(folder, tmp_path)
        card = score_file(path).card
        assert card.blank and card.reviewed_total is None
        assert review_cells(path) == typed
    wb = openpyxl.load_workbook(path)
    for sheet, header in CLEARED:
        ws = wb[sheet]
        top = next(c for row in ws.iter_rows(max_row=20) for c in row if str(c.value).startswith(header))
        for r, v in cleared[sheet].items():
            ws.cell(r, top.column).value = v
    wb.save(path)
    score_in_place(folder, tmp_path)  # filled again as it was: the review's figures again
    assert review_cells(path) == typed
    assert label_value(path, L.R_TOTAL) == 100
    assert label_value(path, L.R_REVIEWED_TOTAL) == REVIEWED_TOTAL


def set_info(path, label, value):
    """What a unit does reusing last year's workbook: change a 基本信息 value (beside its label)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_INFO]
    cell = next(r[0] for r in ws.iter_rows() if r[0].value == label)
    ws.cell(cell.row, cell.column + 1, value)
    wb.save(path)


def test_last_years_review_is_not_carried_into_a_reused_workbook(scored, tmp_path):
    # the 2023 workbook reviewed (88.5, 良), then reused as the 2024 submission with only its
    # 评价年度 changed: last year's reviewer did not judge this year's figures. Not applied, one
    # warning at the title line naming both years and the 3 rows that had entries (rows 1, 2, 3
    # of ENTRIES); the file is scored on its own (核定总分 100, 优) and holds no entry afterwards
    folder, path = scored
    type_entries(path, ENTRIES)
    set_info(path, L.INFO_YEAR, 2024)
    outcome = score_file(path)
    card = outcome.card
    found = [p for p in card.problems if p.code == "review-other-year"]
    assert len(found) == 1 and (found[0].where.sheet, found[0].where.cell) == (L.SHEET_RESULTS, "A2")
    assert "2023" in found[0].message and "2024" in found[0].message and " 3 条" in found[0].message
    assert (card.reviewed_total, card.grade, card.status) == (None, "优", "final")
    score_in_place(folder, tmp_path)
    assert review_cells(path) == {}
    assert label_value(path, L.R_TOTAL) == 100 and label_value(path, L.R_GRADE) == "优"
    assert not [p for p in score_file(path).card.problems if p.code.startswith("review-")]  # said once


def _type_on_the_subtotal(path):
    """A 复核得分 typed on the 产出指标 小计 row of 评分结果: not an indicator row's, not kept."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    subtotal = next(r[0].row for r in ws.iter_rows() if r[1].value == "小计")
    ws[f"L{subtotal}"] = 40
    wb.save(path)
    return f"L{subtotal}"


def test_a_reused_workbooks_dropped_cells_are_said(scored):
    # last year's reviewed workbook reused for 2024, with a 40 typed on a 小计 row besides ENTRIES:
    # the entries get review-other-year, and the 小计 cell, which the rewrite drops as for any
    # workbook, its review-dropped at that cell (before: none, lost without a word)
    _, path = scored
    type_entries(path, ENTRIES)
    cell = _type_on_the_subtotal(path)
    set_info(path, L.INFO_YEAR, 2024)
    card = score_file(path).card
    assert sorted((p.code, p.where.cell) for p in card.problems if p.code.startswith("review-")) == [
        ("review-dropped", cell),
        ("review-other-year", "A2"),
    ]


def test_a_blank_workbooks_dropped_cells_are_said(scored):
    # the form cleared (未填写) after a 40 was typed on a 小计 row: the file stays 未填写, and the
    # 小计 cell, dropped by the rewrite, gets its review-dropped (before: none)
    _, path = scored
    cell = _type_on_the_subtotal(path)
    wb = openpyxl.load_workbook(path)
    for sheet, header in CLEARED:
        _clear_column(wb[sheet], header)
    wb.save(path)
    card = score_file(path).card
    assert card.blank and card.status == "blank"
    assert [(p.code, p.where.cell) for p in card.problems if p.code.startswith("review-")] == [("review-dropped", cell)]


def _retype(path, name, header, value):
    """The unit changes one cell of an indicator row in 绩效指标 and saves (openpyxl)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_INDICATORS]
    col = next(c.column_letter for c in ws[1] if c.value == header)
    row_no = next(c.row for c in ws["D"] if c.value == name)
    ws[f"{col}{row_no}"] = value
    wb.save(path)


def test_a_row_the_unit_changed_after_the_review_is_pointed_out_once(scored, tmp_path):
    folder, path = scored
    # the reviewer judges 托养服务人次数 (10 分, 116人 against ≥105人) at 8 and 服务规范性 at 7
    type_entries(path, {at("L", 2): 8, at("M", 2): "人次数据待核实", at("L", 3): 7})
    # then the unit sends the workbook again with 116人 corrected to 90人 (服务规范性 untouched)
    _retype(path, "托养服务人次数", L.I_ACTUAL, "90人")
    score_in_place(folder, tmp_path)
    card = score_file(path).card  # (what the rerun wrote shows 90人 beside the 8 now)
    assert not [p for p in card.problems if p.code == "review-changed"]
    # the rerun itself told it, at the entry's 复核得分 cell of the new 评分结果, naming both texts
    summary = openpyxl.load_workbook(tmp_path / "汇总.xlsx")[L.S_PROBLEMS]
    found = [r for r in summary.iter_rows(values_only=True) if "review-changed" in r]
    assert len(found) == 1
    _, sheet, cell, severity, _, _, message = found[0]
    assert (sheet, cell, severity) == ("评分结果", at("L", 2), "警告")
    assert "实际完成值“116人”改为“90人”" in message and "复核得分 8 仍照原样计入" in message
    # the entry still counts as typed: 90/105 × 10 = 8.57 核定, but 8 by review;
    # 复核总分 = 100 − (10 − 8) − (10 − 7) = 95 (the 核定总分 lost 1.43 on the row: 98.57)
    assert (card.total, card.reviewed_total) == (98.57, 95)
    # both entries kept as typed
    assert review_cells(path) == {at("L", 2): (8, int), at("M", 2): ("人次数据待核实", str), at("L", 3): (7, int)}


def test_respacing_a_reviewed_row_is_no_change(scored):
    _, path = scored
    type_entries(path, {at("L", 1): 12})
    _retype(path, "康复服务比例", L.I_TARGET, "≥ 85 ％")  # the same target, typed with spaces and a full-width %
    card = score_file(path).card
    assert [p.code for p in card.problems] == []
    assert card.reviewed_total == 97  # 100 − (15 − 12): the entry was read and applied


def test_points_changed_after_the_review_are_pointed_out(scored):
    _, path = scored
    # the reviewer gives 康复服务比例 (15 分, met) 12; then the unit makes it a 20-point row and
    # takes 5 from 服务对象满意度 (10 → 5) so that the total stays 100
    type_entries(path, {at("L", 1): 12})
    _retype(path, "康复服务比例", L.I_POINTS, 20)
    _retype(path, "服务对象满意度", L.I_POINTS, 5)
    card = score_file(path).card  # (not written back: the old sheet still shows 15 beside the 12)
    found = [p for p in card.problems if p.code == "review-changed"]
    assert [(p.where.sheet, p.where.cell) for p in found] == [("评分结果", at("L", 1))]
    assert "分值“15”改为“20”" in found[0].message and "复核得分 12 仍照原样计入" in found[0].message
    # 复核总分 = 100 − (20 − 12) = 92: the entry counts as typed against the new 20 points
    assert card.reviewed_total == 92


def test_a_formula_typed_as_an_entry_with_no_saved_result_is_read_not_lost(scored, tmp_path):
    # a tool that saves no computed result (openpyxl here) leaves =9 and =4+4 as formulas without
    # a cached value. =9 is the = sign typed before a number (as in 指标值, SPEC §3.13): 9 counts;
    # =4+4 cannot be read as a number: an error at its cell, kept for the reviewer to correct.
    # Before, both read as blank: dropped without a word and lost on the rerun.
    folder, path = scored
    type_entries(path, {at("L", 1): "=9", at("L", 2): "=4+4"})
    card = score_file(path).card
    found = [(p.code, p.where.cell) for p in card.problems if p.code.startswith("review")]
    assert found == [("review-not-a-number", at("L", 2))]
    assert card.reviewed_total == 94  # 100 − (15 − 9)
    score_in_place(folder, tmp_path)
    # kept as the text the reviewer sees in the formula bar, never written back as a formula
    assert review_cells(path) == {at("L", 1): ("=9", str), at("L", 2): ("=4+4", str)}
    ws = openpyxl.load_workbook(path)[L.SHEET_RESULTS]
    assert ws[at("L", 1)].data_type == "s" and ws[at("L", 2)].data_type == "s"
    assert score_file(path).card.reviewed_total == 94


def test_an_entry_in_a_percent_formatted_cell_is_not_read_as_a_fraction(scored, tmp_path):
    # the reviewer formatted the 复核得分 cell as a percentage and typed 8: Excel stores 0.08 and
    # shows 8%. Read as 0.08 it silently made 托养服务人次数 (10 分) worth 0.08 and the 复核总分
    # 100 − 10 + 0.08 = 90.08; it is an error at its cell like the text "8%", kept as shown
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    cell = wb[L.SHEET_RESULTS][at("L", 2)]
    cell.value, cell.number_format = 0.08, "0%"
    wb.save(path)
    card = score_file(path).card
    found = [(p.code, p.where.cell) for p in card.problems if p.code.startswith("review")]
    assert found == [("review-not-a-number", at("L", 2))]
    assert "“8%”" in next(p.message for p in card.problems if p.code == "review-not-a-number")
    assert (card.status, card.reviewed_total) == ("needs-correction", None)
    score_in_place(folder, tmp_path)
    assert review_cells(path) == {at("L", 2): ("8%", str)}


def test_entries_typed_below_the_indicator_table_are_not_dropped_unseen(scored, tmp_path):
    # the reviewer puts an overall 复核得分 95 and an overall 复核意见 on the 复核总分 line and a
    # note on the 评分时间 line, in the 复核 columns, plus a valid entry: the entry counts
    # (100 − (15 − 9) = 94); the three cells below the table cannot be kept by the rewrite, so one
    # review-dropped warning names them (before: read as nothing and lost without a word)
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    rows = {r[0].value: r[0].row for r in ws.iter_rows() if r[0].value}
    total, stamp = rows[L.R_REVIEWED_TOTAL], rows["评分时间"]
    ws[f"L{total}"], ws[f"M{total}"], ws[f"M{stamp}"] = 95, "总体复核意见：材料齐全", "已核实"
    ws[at("L", 1)] = 9
    wb.save(path)
    card = score_file(path).card
    assert_dropped_once(card, f"L{total}", f"M{total}", f"M{stamp}")
    assert card.reviewed_total == 94
    score_in_place(folder, tmp_path)
    assert label_value(path, L.R_REVIEWED_TOTAL) == 94


def test_entries_of_same_named_indicators_follow_their_row_when_sorted(make_workbook, tmp_path):
    # two indicators named 产出指标／数量指标／服务人数 (15 分 ≥85人 and 10 分 ≥105人); the reviewer
    # sorts 评分结果 so that the 10-分 row comes first and gives it 7. Matched by order alone the 7
    # went to the 15-分 row: 100 − (15 − 7) = 92. It belongs to the row it was typed beside
    # (≥105人, 116人, 10 分): 100 − (10 − 7) = 97, with nothing to say about a change
    rows = base_rows()
    rows[0] = row("产出指标", "数量指标", "服务人数", "≥85人", "100人", 15)
    rows[1] = row("产出指标", "数量指标", "服务人数", "≥105人", "116人", 10)
    folder = tmp_path / "收件"
    folder.mkdir()
    path = make_workbook("收件/项目A.xlsx", indicators=rows)
    score_in_place(folder, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    first, second = ([c.value for c in ws[indicator_row(i)]] for i in (1, 2))
    for i, values in ((1, second), (2, first)):  # what sorting by 分值 ascending does
        for j, v in enumerate(values, start=1):
            ws.cell(indicator_row(i), j).value = v
    ws[at("L", 1)], ws[at("M", 1)] = 7, "第二个服务人数"
    wb.save(path)
    card = score_file(path).card
    assert card.reviewed_total == 97
    assert [(r.points, r.reviewed) for r in card.records[1:3]] == [(15, None), (10, 7)]
    assert not [p for p in card.problems if p.code == "review-changed"]
    score_in_place(folder, tmp_path)  # written back on the 10-分 row, which is record 2 again
    assert review_cells(path) == {at("L", 2): (7, int), at("M", 2): ("第二个服务人数", str)}


@pytest.mark.parametrize("header", ["复核分", None])
def test_entries_under_a_renamed_or_cleared_review_header_are_kept(scored, tmp_path, header):
    # the reviewer retitles 复核得分 (L) as 复核分, or clears it, and types 9 and a note on
    # 康复服务比例 (15 分). Found by header text only, the whole 复核 table was missed: no 复核总分,
    # the entries gone on the rerun without a word. The column where 复核得分 was written (right
    # of 评分说明) is read instead: 100 − (15 − 9) = 94, and nothing is said to be dropped
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    ws.cell(HEADER_ROW, 12).value = header
    ws[at("L", 1)], ws[at("M", 1)] = 9, "抽查扣分"
    wb.save(path)
    card = score_file(path).card
    assert card.reviewed_total == 94
    assert not [p for p in card.problems if p.code.startswith("review")]
    score_in_place(folder, tmp_path)
    assert review_cells(path) == {at("L", 1): (9, int), at("M", 1): ("抽查扣分", str)}
    assert label_value(path, L.R_REVIEWED_TOTAL) == 94


def test_a_note_survives_its_score_column_being_deleted(scored, tmp_path):
    # the reviewer deletes the 复核得分 column (L); 复核意见 moves to L and keeps its header: the
    # note is read and kept (no score: no 复核总分), not lost with the whole table as before
    folder, path = scored
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_RESULTS]
    ws.delete_cols(12)
    ws[at("L", 1)] = "材料齐全"
    wb.save(path)
    card = score_file(path).card
    assert (card.records[1].review_note, card.reviewed_total) == ("材料齐全", None)
    score_in_place(folder, tmp_path)
    assert review_cells(path) == {at("M", 1): ("材料齐全", str)}


def test_the_report_compares_the_claimed_grade_with_the_grade_after_review(make_workbook, tmp_path):
    # 申报总分 95 (优: ≥ 90), 核定 100 (every row met), 复核总分 88.5 (ENTRIES: 100 − 6 − 5.5) → 良: the
    # file is graded by its 复核总分, so the claimed 优 is compared with 良 “after review”; it said
    # “等级与核定一致” (优 = 优 of the 核定 100) beside a grade of 良
    from selfeval_xl.outputs.report import draft

    folder = tmp_path / "收件"
    folder.mkdir()
    path = make_workbook("收件/项目A.xlsx", info={"申报总分": 95})
    score_in_place(folder, tmp_path)
    type_entries(path, ENTRIES)
    card = score_file(path).card
    assert (card.reviewed_total, card.grade) == (REVIEWED_TOTAL, "良")
    verdict = next(b.text for b in draft(card) if b.kind == "p" and b.text.startswith("按“"))
    # 95 − 100 = −5: 低 5 分
    assert "单位申报95分（优）" in verdict and "比核定得分低5分，复核后等级应为“良”而非“优”。" in verdict
