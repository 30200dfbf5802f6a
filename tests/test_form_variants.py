"""The official 项目支出绩效自评表 laid out and worded as provinces' and cities' published forms
are: the 年度资金总额 line called 项目资金总额 or 资金合计, the 总分 row called 自评得分, the
年度总体目标 block under the indicators, one 偏差原因 cell merged down over several rows, a
blank 实施单位 beside a 项目负责人 line. Each is read as the standard form with the same data
(``_form``'s defaults) and scored alike: the hand total is in ``_form``'s docstring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import office_resave

from selfeval_xl import score_file
from selfeval_xl.outputs.fill import put
from selfeval_xl.reading import contract as L

ROWS = [  # 一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因 — excel rows 13–18
    ("产出指标", "数量指标", "培训人次", "≥500人", "520人", 20, 20, None),
    ("产出指标", "质量指标", "培训合格率", "≥95%", "90%", 15, 14.21, "部分学员未通过考核"),
    ("产出指标", "时效指标", "完成时间", "2022年12月31日前", "2022年11月30日", 5, 5, None),
    ("产出指标", "成本指标", "培训成本", "≤120万元", "108万元", 10, 10, None),
    ("效益指标", "社会效益指标", "技能提升效果", "显著", "较显著", 30, 20, "部分培训内容偏理论"),
    ("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "81%", 10, 9, "培训时间安排不便"),
]
NAMES = [L.LEVEL1_BUDGET, *(r[2] for r in ROWS)]
SCORES = [9, 20, 14.21, 5, 10, 20, 9]


def _form(
    path: Path,
    *,
    total_line: str = "年度资金总额",
    total_label: str | None = "总分",
    goal_below: bool = False,
    cells: dict[str, Any] | None = None,
    merges: tuple[str, ...] = (),
    unmerged: tuple[str, ...] = (),
) -> Path:
    """The 财预〔2020〕10号 附件 form, merged as printed: 项目资金 in rows 5–9 (年度资金总额 100 /
    120 / 108, 分值 10, 得分 9), 年度总体目标 in rows 10–11 (or, ``goal_below``, under the table),
    the indicator header in row 12 (B 一级 … I 偏差原因), ``ROWS`` in 13–18, ``total_label`` row
    19 (分值 100, 得分 87.21); ``cells`` then typed over it, ``merges`` added, ``unmerged`` left
    unmerged.

    By hand: 10 × 108/120 = 9; 520 ≥ 500 → 20; 15 × 90/95 = 14.21; on time → 5; 108 ≤ 120 → 10;
    较显著 one step below 显著 → 部分达成 [18, 24) of 30, claim 20 in the band → 20; 10 × 81/90 = 9:
    9 + 20 + 14.21 + 5 + 10 + 20 + 9 = 87.21 (良), as claimed."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ranges = ["A1:I1", "A2:I2", "A3:B3", "C3:I3", "A4:B4", "C4:E4", "G4:I4", "A5:B9"]
    ws["A1"], ws["A2"] = "项目支出绩效自评表", "（2022年度）"
    ws["A3"], ws["C3"] = "项目名称", "职业技能培训项目"
    ws["A4"], ws["C4"], ws["F4"], ws["G4"] = "主管部门", "某市人社局", "实施单位", "某市职业技能培训中心"
    ws["A5"] = "项目资金（万元）"
    for col, h in zip("DEFGHI", ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"), strict=True):
        ws[f"{col}5"] = h
    lines = ((total_line, (100, 120, 108, 10, "90%", 9)), ("其中：当年财政拨款", (100, 120, 108)))
    for r, (label, values) in enumerate(lines, start=6):
        ws[f"C{r}"] = label
        for col, v in zip("DEFGHI", values, strict=False):
            put(ws[f"{col}{r}"], v)
    ws["C8"], ws["C9"] = "上年结转资金", "其他资金"

    def goal(r: int) -> None:
        ws[f"A{r}"], ws[f"B{r}"], ws[f"F{r}"] = "年度总体目标", "预期目标", "实际完成情况"
        ws[f"B{r + 1}"], ws[f"F{r + 1}"] = "全年培训500人次，学员技能明显提升。", "全年培训520人次，合格率90%。"
        ranges.extend([f"A{r}:A{r + 1}", f"B{r}:E{r}", f"F{r}:I{r}", f"B{r + 1}:E{r + 1}", f"F{r + 1}:I{r + 1}"])

    header = 10 if goal_below else 12
    if not goal_below:
        goal(10)
    ws[f"A{header}"] = "绩效指标"
    heads = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
    for col, h in zip("BCDEFGHI", heads, strict=True):
        ws[f"{col}{header}"] = h
    first = header + 1
    for r, values in enumerate(ROWS, start=first):
        for col, v in zip("BCDEFGHI", values, strict=True):
            if col in "BC" and r > first and ws[f"{col}{r - 1}"].value == v:
                continue  # merged below
            put(ws[f"{col}{r}"], v)
    last = first + len(ROWS) - 1
    ranges += [f"B{first}:B{first + 3}", f"C{first + 4}:C{first + 4}", f"A{header}:A{last}"]
    r = last + 1
    if total_label is not None:
        ws[f"A{r}"], ws[f"G{r}"], ws[f"H{r}"] = total_label, 100, 87.21
        ranges.append(f"A{r}:F{r}")
        r += 1
    if goal_below:
        goal(r)
    for ref, v in (cells or {}).items():
        put(ws[ref], v)
    for rng in (*ranges, *merges):
        if rng.split(":")[0] != rng.split(":")[1] and rng not in unmerged:
            ws.merge_cells(rng)
    wb.save(path)
    return path


def _problems(card) -> list[tuple[str, str | None]]:
    return [(p.code, p.where.cell) for p in card.problems]


def test_the_standard_layout_reads_as_worked_out(tmp_path):
    card = score_file(_form(tmp_path / "标准.xlsx")).card
    assert [r.name for r in card.records] == NAMES and [r.score for r in card.records] == SCORES
    assert (card.total, card.grade, card.claimed_total, _problems(card)) == (87.21, "良", 87.21, [])


@pytest.mark.parametrize("label", ["项目资金总额", "资金合计", "合计", "总计", "年度资金合计"])
def test_the_total_funds_line_spelled_otherwise(tmp_path, label):
    """项目资金总额, 资金合计, 合计 head the 年度资金总额 line on other provinces' forms. Missed, the
    预算执行率 line (10 points, claimed 9) was dropped: Σ分值 90 (an error), the total rebuilt
    from 当年财政拨款 at the block's header row. Read, it is the standard form: 87.21."""
    card = score_file(_form(tmp_path / f"{label}.xlsx", total_line=label)).card
    total = card.data.budget[L.B_TOTAL]
    assert (total.row, total.initial, total.adjusted, total.executed) == (6, 100, 120, 108)
    assert [r.name for r in card.records] == NAMES and [r.score for r in card.records] == SCORES
    assert card.records[0].claimed == 9
    assert (card.total, card.grade, _problems(card)) == (87.21, "良", [])


@pytest.mark.parametrize("label", ["自评得分", "自评总分", "得分合计", "总分合计", "自评得分合计"])
def test_the_total_row_labelled_otherwise(tmp_path, label):
    """A 总分 row labelled 自评得分 / 得分合计 was read as one more indicator (分值 100, 申报得分
    87.21, no 三级指标): Σ分值 200, an error, and no 申报总分. It is the 总分 row: 87.21 claimed
    at H19, 87.21 computed, nothing to tell."""
    card = score_file(_form(tmp_path / f"{label}.xlsx", total_label=label)).card
    assert [r.name for r in card.records] == NAMES and [r.score for r in card.records] == SCORES
    assert (card.claimed_total, card.data.info_cells[L.INFO_CLAIMED_TOTAL]) == (87.21, "H19")
    assert (card.total, card.grade, _problems(card)) == (87.21, "良", [])


def test_goal_block_under_the_indicators_ends_the_table(tmp_path):
    """Some forms put 年度总体目标 (预期目标 | 实际完成情况 and their texts) under the indicator
    table, with no 总分 row between. Its two rows were read as indicators with no 分值 (two
    errors at G17, G18). The table ends at that block; the goal texts are still read."""
    card = score_file(_form(tmp_path / "目标在下.xlsx", total_label=None, goal_below=True)).card
    assert [r.name for r in card.records] == NAMES and [r.score for r in card.records] == SCORES
    # no 总分 row: the 申报总分 is the claims' sum, 9 + 20 + 14.21 + 5 + 10 + 20 + 9 = 87.21 (良)
    assert (card.total, card.grade, card.claimed_total, _problems(card)) == (87.21, "良", 87.21, [])
    assert card.data.info[L.INFO_GOAL] == "全年培训500人次，学员技能明显提升。"
    assert card.data.info[L.INFO_ACHIEVED] == "全年培训520人次，合格率90%。"


def test_a_grade_line_under_the_table_is_no_indicator(tmp_path):
    """自评等级 | … | 良 right under the last indicator (no 总分 row), 良 under 分值: the table ended
    there; it is no indicator whose 分值 “良” is unreadable."""
    path = _form(tmp_path / "等级.xlsx", total_label=None, cells={"A19": "自评等级", "G19": "良"}, merges=("A19:F19",))
    card = score_file(path).card
    assert [r.name for r in card.records] == NAMES
    assert (card.total, card.grade, _problems(card)) == (87.21, "良", [])


@pytest.mark.parametrize(
    ("total_label", "cells", "merges", "problems"),
    [
        # no 总分 row: the grade line ends the table (row 19), its grade under 分值
        (None, {"A19": "自评等级", "G19": "优"}, ("A19:F19",), [("claimed-grade-mismatch", "G19")]),
        (None, {"A19": "自评等级", "G19": "良好"}, ("A19:F19",), []),
        # on the 总分 row, label and grade in one cell
        ("总分", {"I19": "自评等级：优"}, (), [("claimed-grade-mismatch", "I19")]),
        # a line under the 总分 row, 优秀 for 优
        ("总分", {"A20": "评价等级", "G20": "优秀"}, ("A20:F20",), [("claimed-grade-mismatch", "G20")]),
        ("总分", {"A20": "评价等级", "G20": "良"}, ("A20:F20",), []),
    ],
)
def test_the_forms_own_grade_is_compared_with_ours(tmp_path, total_label, cells, merges, problems):
    """The form states its grade (自评等级 | 优) as it states its 总分: a claim. It was never read:
    a unit could print 优 on a form whose rows give 87.21 and no one was told. By hand the form is
    87.21, ≥ 80 and < 90 → 良: 优/优秀 is told at its cell, 良/良好 is not."""
    path = _form(tmp_path / "等级.xlsx", total_label=total_label, cells=cells, merges=merges)
    card = score_file(path).card
    assert [r.score for r in card.records] == SCORES
    assert (card.total, card.grade, _problems(card)) == (87.21, "良", problems)
    if problems:
        stated = cells[problems[0][1]].removeprefix("自评等级：")
        assert card.problems[0].message == f"自评等级“{stated}”与核定总分 87.21 的等级“良”不一致"


def test_a_stated_grade_is_not_compared_with_a_provisional_total(tmp_path):
    """A form with an error (培训人次 typed 约五百) is 待更正: its total is 暂算 with no grade, so
    the stated 优 is not compared with it (as the 总分 is not), only the error is told."""
    cells = {"F13": "约五百", "A19": "自评等级", "G19": "优"}
    card = score_file(_form(tmp_path / "暂算.xlsx", total_label=None, cells=cells, merges=("A19:F19",))).card
    assert card.status == "needs-correction"
    assert "claimed-grade-mismatch" not in [code for code, _ in _problems(card)]


REASON = "培训合格率、技能提升和满意度未达预期：部分学员未通过考核，培训时间安排不便。"


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_one_reason_merged_down_over_the_rows_it_explains(tmp_path, fmt):
    """One 偏差原因分析及改进措施 cell merged down over all the indicator rows (I13:I18), as many
    published forms print a single explanation, here also saved as .xls (WPS, LibreOffice): the
    reason is every merged row's, as a merged 一级/二级 cell's value is. It was the first row's
    only: three false “未填写偏差原因” warnings (I14, I17, I18: the rows scored below 分值)."""
    cells = {"I13": REASON, **{f"I{r}": None for r in range(14, 19)}}
    path = _form(tmp_path / "原因合并.xlsx", cells=cells, merges=("I13:I18",))
    if fmt == "xls":
        path = office_resave(path, tmp_path / "xls", "xls")
    card = score_file(path).card
    assert [r.score for r in card.records] == SCORES
    assert (card.total, card.grade, _problems(card)) == (87.21, "良", [])
    # not merged, the same blank cells are still told (the rows below 分值: 14.21 < 15, 20 < 30, 9 < 10)
    card = score_file(_form(tmp_path / "原因未合并.xlsx", cells=cells)).card
    assert [c for code, c in _problems(card) if code == "missing-reason"] == ["I14", "I17", "I18"]


def test_a_blank_unit_never_takes_the_next_label(tmp_path):
    """主管部门 | 某市人社局 | 实施单位 | (blank) | 项目负责人 | 张三: the unit is not filled. It
    was read as “项目负责人”; it is missing, told beside its label (G4), as when nothing follows."""
    cells = {"G4": None, "H4": "项目负责人", "I4": "张三"}
    card = score_file(_form(tmp_path / "负责人.xlsx", cells=cells, unmerged=("G4:I4",))).card
    assert L.INFO_UNIT not in card.data.info
    assert [(p.code, p.where.cell, p.severity) for p in card.problems] == [("missing-value", "G4", "warning")]
    assert card.total == 87.21


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("项目实施单位", L.INFO_UNIT),
        ("单位名称", L.INFO_UNIT),
        ("项目单位", L.INFO_UNIT),
        ("主管部门及代码", L.INFO_PARENT),
    ],
)
def test_unit_and_parent_labels_as_forms_word_them(tmp_path, label, field):
    """项目实施单位, 单位名称 and 项目单位 head the unit's line on other forms, 主管部门及代码 the
    主管部门's (the 中央部门 form): read as 实施单位 and 主管部门. Missed, the unit was “未填写”."""
    cell = "F4" if field == L.INFO_UNIT else "A4"
    card = score_file(_form(tmp_path / f"{label}.xlsx", cells={cell: label})).card
    assert card.data.info[field] == {L.INFO_UNIT: "某市职业技能培训中心", L.INFO_PARENT: "某市人社局"}[field]
    assert card.data.info[L.INFO_UNIT] == "某市职业技能培训中心"
    assert _problems(card) == []


@pytest.mark.parametrize(
    ("cell", "header"),
    [("F5", "实际执行数"), ("F5", "全年实际执行数"), ("F5", "实际支出数"), ("E5", "调整预算数"), ("E5", "全年预算")],
)
def test_budget_amount_headers_as_forms_word_them(tmp_path, cell, header):
    """The 项目资金 block's 全年执行数 headed 实际执行数 / 全年实际执行数 / 实际支出数, its 全年预算数
    调整预算数 or 全年预算: missed, the whole block was unread (the 预算执行率 line lost, Σ分值 90,
    “找不到年度资金总额行” though it is there). Read, 10 × 108/120 = 9 and the form totals 87.21."""
    card = score_file(_form(tmp_path / f"{header}.xlsx", cells={cell: header})).card
    total = card.data.budget[L.B_TOTAL]
    assert (total.initial, total.adjusted, total.executed) == (100, 120, 108)
    assert [r.score for r in card.records] == SCORES
    assert (card.total, card.grade, _problems(card)) == (87.21, "良", [])


def test_label_and_value_typed_in_one_cell(tmp_path):
    """项目名称：职业技能培训项目 in one cell (forms laid out in Word and pasted, or typed so): the
    value follows the colon. It was not read at all: no 项目名称 or 主管部门, and 实施单位 told
    as 未填写 with no cell."""
    cells = {
        "A3": "项目名称：职业技能培训项目",
        "C3": None,
        "A4": "主管部门：某市人社局",
        "C4": None,
        "F4": "实施单位（盖章）：某市职业技能培训中心",
        "G4": None,
    }
    path = _form(tmp_path / "一格.xlsx", cells=cells, unmerged=("C3:I3", "C4:E4", "G4:I4"))
    card = score_file(path).card
    info, at = card.data.info, card.data.info_cells
    assert (info[L.INFO_PROJECT], at[L.INFO_PROJECT]) == ("职业技能培训项目", "A3")
    assert (info[L.INFO_PARENT], info[L.INFO_UNIT], at[L.INFO_UNIT]) == ("某市人社局", "某市职业技能培训中心", "F4")
    assert (card.total, _problems(card)) == (87.21, [])


@pytest.mark.parametrize(
    ("cells", "unmerged", "unit", "where", "problems"),
    [
        # the unit's value then another label in the same cell, after a space or a full-width one
        ({"F4": "实施单位：某中心 项目负责人：张三", "G4": None}, ("G4:I4",), "某中心", "F4", []),
        ({"F4": "实施单位：某中心\u3000项目负责人：张三", "G4": None}, ("G4:I4",), "某中心", "F4", []),
        # 主管部门 and 实施单位 on one line in one cell: both read (the unit was “未填写”, told at A1)
        (
            {"A4": "主管部门：某市人社局\u3000实施单位：某中心", "C4": None, "F4": None, "G4": None},
            ("C4:E4", "G4:I4"),
            "某中心",
            "A4",
            [],
        ),
        # the value right of the label goes on to another label
        ({"G4": "某中心 项目负责人：张三"}, (), "某中心", "G4", []),
        ({"G4": "某中心 经办人：李四 电话：0791-1234567"}, (), "某中心", "G4", []),
        # a value's own words and colon are not a label the form knows: not cut
        ({"G4": "某中心 第二分中心：东区"}, (), "某中心 第二分中心：东区", "G4", []),
        # nothing between the label and the next label typed with its colon: not filled, told there
        ({"G4": None, "H4": "项目负责人：张三"}, ("G4:I4",), None, "G4", [("missing-value", "G4")]),
        ({"F4": "实施单位：\u3000项目负责人：张三", "G4": None}, ("G4:I4",), None, "F4", [("missing-value", "F4")]),
    ],
)
def test_a_cell_that_goes_on_to_the_next_label(tmp_path, cells, unmerged, unit, where, problems):
    """``实施单位：某中心 项目负责人：张三`` in one cell: the unit is 某中心, not the whole rest of
    the line (it was “某中心 项目负责人：张三”, printed so on every page and in the summary).
    ``主管部门：某局　实施单位：某中心`` gives both. A label typed with its colon in the next cell
    (``项目负责人：张三``) is that label, not the unit's value. The scores are the standard
    form's: 87.21."""
    card = score_file(_form(tmp_path / "同格.xlsx", cells=cells, unmerged=unmerged)).card
    info = card.data.info
    assert (info.get(L.INFO_UNIT), card.data.info_cells[L.INFO_UNIT]) == (unit, where)
    assert info[L.INFO_PARENT] == "某市人社局"
    assert (card.total, _problems(card)) == (87.21, problems)


@pytest.mark.parametrize(
    ("cells", "unmerged", "where"),
    [
        ({"F4": "实施单位　某中心", "G4": None}, ("G4:I4",), "F4"),
        ({"F4": "实施单位（盖章） 某中心", "G4": None}, ("G4:I4",), "F4"),
        ({"F4": "实施单位 某中心 联系电话 0791-1234567", "G4": None}, ("G4:I4",), "F4"),
        ({"A4": "主管部门 某市人社局　实施单位 某中心", "C4": None, "F4": None, "G4": None}, ("C4:E4", "G4:I4"), "A4"),
    ],
)
def test_label_and_value_in_one_cell_with_only_a_space(tmp_path, cells, unmerged, where):
    """``实施单位　某中心`` with no colon (forms typed in Word, a full-width space for the gap): the
    unit was “未填写”, told at the title A1 though its label is there. The value follows the
    label, up to the next label the form knows (联系电话, 实施单位); the standard 87.21."""
    card = score_file(_form(tmp_path / "空格.xlsx", cells=cells, unmerged=unmerged)).card
    info = card.data.info
    assert (info.get(L.INFO_UNIT), card.data.info_cells[L.INFO_UNIT]) == ("某中心", where)
    assert info[L.INFO_PARENT] == "某市人社局"
    assert (card.total, _problems(card)) == (87.21, [])


def test_goal_under_a_section_title_and_its_headings(tmp_path):
    """年度总体目标 as a section title on its own row (A9), 预期目标 | 实际完成情况 on the next (B10,
    F10), the texts a row further down (B11, F11): those texts are the goal and what was achieved.
    They were not read (only the label's row and the one below were looked at)."""
    cells = {"C9": None, "A9": "年度总体目标", "A10": None}
    merges = ("A10:A11", "B10:E10", "F10:I10", "B11:E11", "F11:I11", "A5:B9")
    card = score_file(_form(tmp_path / "目标三行.xlsx", cells=cells, unmerged=merges)).card
    assert (card.data.info[L.INFO_GOAL], card.data.info_cells[L.INFO_GOAL]) == (
        "全年培训500人次，学员技能明显提升。",
        "B11",
    )
    assert card.data.info[L.INFO_ACHIEVED] == "全年培训520人次，合格率90%。"
    assert (card.total, _problems(card)) == (87.21, [])


def test_a_sub_total_labelled_hej_above_the_total_line_is_not_the_total(tmp_path):
    """项目资金 by source: 中央资金 50/60/54, 省级资金 30/40/36, their 合计 80/100/90 (a sub-total),
    then 年度资金总额 100/120/108 with the 预算执行率 line's 分值 10, 执行率 90%, 得分 9. The first
    total-labelled line was taken: the sub-total (rate 90 ÷ 100) and a 预算执行率 line with no 分值
    (an error at G8). The total is the block's largest line, 年度资金总额 (row 9): 108 ÷ 120 = 90%,
    10 × 0.9 = 9, the standard 87.21 with no problem."""
    cells = {
        **{f"{c}6": v for c, v in zip("CDEFGHI", ("中央资金", 50, 60, 54, None, None, None), strict=True)},
        **{f"{c}7": v for c, v in zip("CDEF", ("省级资金", 30, 40, 36), strict=True)},
        **{f"{c}8": v for c, v in zip("CDEF", ("合计", 80, 100, 90), strict=True)},
        **{f"{c}9": v for c, v in zip("CDEFGHI", ("年度资金总额", 100, 120, 108, 10, "90%", 9), strict=True)},
    }
    card = score_file(_form(tmp_path / "小计.xlsx", cells=cells)).card
    assert card.data.budget[L.B_TOTAL].row == 9
    assert (card.budget.adjusted, card.budget.executed) == (120, 108)
    assert [r.score for r in card.records] == SCORES
    assert (card.total, card.grade, _problems(card)) == (87.21, "良", [])
