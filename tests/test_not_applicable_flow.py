# ruff: noqa: F811  (the fixtures imported from test_department are parameters below)
"""A not-applicable row (SPEC §3.13: marked “/”, 不适用 … with 分值; or a ≥ 共性 row whose data
are 0 ÷ 0) is left out of the total, which is rescaled. Every place that shows the row or counts
it must agree with that rescaled total: the 小计 of its 一级指标 (评分结果, the unit report's
table, 汇总's columns), the conclusion lines and the report's prose."""

from __future__ import annotations

import json
import math

import openpyxl
from click.testing import CliRunner
from conftest import base_rows, row
from test_department import OWN_ROWS, dept_template, make_dept  # noqa: F401 (fixtures)

from selfeval_xl import score_file
from selfeval_xl.cli import cli
from selfeval_xl.outputs.report import draft, to_markdown
from selfeval_xl.outputs.results_sheet import results_sheet


def _project(make_workbook):
    """效益指标 生态环境改善 (15) marked 不适用; 托养服务人次数 84 of ≥105人 → 10 × 84 ÷ 105 = 8.
    Applicable 分值 100 − 15 = 85; scored 85 − 2 = 83; total 83 × 100 ÷ 85 = 97.647… → 97.65."""
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10, reason="名额未满")
    rows[5] = row("效益指标", "生态效益指标", "生态环境改善", "有所改善", "不适用", 15)
    return make_workbook(indicators=rows)


def _department(make_dept):
    """个性 效益指标 事故起数下降 (20, its only row) marked “/”, 政府采购 0 of 0 (3, ≥: not applicable),
    检查企业数 80 of ≥100家 → 30 × 80 ÷ 100 = 24. Applicable 100 − 20 − 3 = 77; scored 77 − 6 = 71;
    total 71 × 100 ÷ 77 = 92.207… → 92.21."""
    own = list(OWN_ROWS)
    own[0] = row("产出指标", "数量指标", "检查企业数", "≥100家", "80家", 30, reason="人手不足")
    own[1] = row("效益指标", "社会效益指标", "事故起数下降", "/", "/", 20)
    return make_dept(data={"政府采购预算数": 0, "政府采购实际金额": 0}, rows=own)


def _sheet_rows(card):
    return [list(r) for r in results_sheet(card, "2024-01-01 00:00").rows]


def test_subtotals_leave_out_what_the_total_leaves_out(make_workbook, make_dept):
    card = score_file(_project(make_workbook)).card
    assert card.total == 97.65 and card.status == "final"
    # 产出 15 + 10 + 10 + 5 + 10 = 50 points, 15 + 8 + 10 + 5 + 10 = 48; 效益 30 − 15 (不适用) = 15
    # of 15: the subtotals add up to 85 and 83, the figures the total is rescaled from
    assert card.subtotals == [
        ("预算执行率", 10, 10),
        ("产出指标", 50, 48),
        ("效益指标", 15, 15),
        ("满意度指标", 10, 10),
    ]
    assert sum(p for _, p, _ in card.subtotals) == 85 and sum(s for _, _, s in card.subtotals) == 83
    # the form's 分值 still make 100 (the 不适用 row's 15 included): no points-total / level1-points
    assert [p.code for p in card.problems] == ["not-applicable-rescaled"]

    card = score_file(_department(make_dept)).card
    assert card.total == 92.21 and not card.errors
    sub = {name: (p, s) for name, p, s in card.subtotals}
    # 投入 3 + 3 + 4 = 10 of 10; 过程 10 + 3 × 5 + 5 = 30 less 政府采购 3 = 27 of 27; 产出 24 of 30;
    # 效益 has only the “/” row: no applicable points and no score (not 0 of 20)
    assert sub["投入"] == (10, 10) and sub["过程"] == (27, 27) and sub["产出指标"] == (30, 24)
    assert sub["效益指标"][0] == 0 and math.isnan(sub["效益指标"][1])
    assert sub["满意度指标"] == (10, 10)
    # 10 + 27 + 30 + 0 + 10 = 77 applicable, 10 + 27 + 24 + 10 = 71 scored
    assert sum(p for p, _ in sub.values()) == 77
    assert sum(s for _, s in sub.values() if not math.isnan(s)) == 71
    assert not [p for p in card.problems if p.code in ("points-total", "level1-points")]


def test_results_sheet_says_what_a_subtotal_leaves_out_and_how_the_total_was_rescaled(make_workbook, make_dept):
    rows = _sheet_rows(score_file(_project(make_workbook)).card)
    (benefit,) = [r for r in rows if r[:2] == ["效益指标", "小计"]]
    assert benefit[6:8] == [15, 15]
    assert benefit[10] == "不含不适用的“生态环境改善”（分值 15），总分按适用指标分值折算"
    (total,) = [r for r in rows if r[:1] == ["核定总分"]]
    assert total == ["核定总分", 97.65, "按适用指标分值折算：83 × 100 ÷ 85"]

    rows = _sheet_rows(score_file(_department(make_dept)).card)
    (benefit,) = [r for r in rows if r[:2] == ["效益指标", "小计"]]
    assert benefit[6:8] == [0, None]  # no applicable row: 分值 0, no score (not 0.00)
    (process,) = [r for r in rows if r[:2] == ["过程", "小计"]]
    assert process[6:8] == [27, 27] and "“政府采购执行率”（分值 3）" in process[10]
    (total,) = [r for r in rows if r[:1] == ["核定总分"]]
    assert total == ["核定总分", 92.21, "按适用指标分值折算：71 × 100 ÷ 77"]


def test_results_sheet_subtotal_claims_leave_out_the_left_out_row(make_workbook):
    # the 不适用 row claimed 15 (a unit that counted it): the 效益 小计's 申报得分 is of its
    # applicable rows only, 15 (服务长效机制 claimed 15), beside 分值 15, not 30 of 15
    rows = base_rows()
    rows[5] = row("效益指标", "生态效益指标", "生态环境改善", "有所改善", "不适用", 15, claimed=15)
    rows[6] = row("效益指标", "可持续影响指标", "服务长效机制", "长期", "达成年度指标", 15, claimed=15)
    sheet = _sheet_rows(score_file(make_workbook(indicators=rows)).card)
    (benefit,) = [r for r in sheet if r[:2] == ["效益指标", "小计"]]
    assert benefit[6:10] == [15, 15, 15, 0]


def test_unit_report_table_adds_up_to_the_rescaled_total(make_workbook, make_dept):
    md = to_markdown(draft(score_file(_project(make_workbook)).card))
    assert "| 效益指标 | 15.00 | 15.00 |" in md
    assert "| 适用指标合计 | 85.00 | 83.00 |\n| 折算后总分 | 100.00 | 97.65 |" in md
    assert "| 合计 | 100.00 | 97.65 |" not in md
    assert "折算后总分为83 × 100 ÷ 85 = 97.65分" in md
    # the row itself: 不适用, not a blank score; and not among the unmet (only 托养服务人次数 is)
    assert "| 生态环境改善 | 有所改善 | 不适用 | 15.00 | 不适用 |" in md
    assert "未完全达到目标的指标1项：" in md

    md = to_markdown(draft(score_file(_department(make_dept)).card))
    assert "| 效益指标 | 0.00 | 不适用 |" in md
    assert "| 适用指标合计 | 77.00 | 71.00 |\n| 折算后总分 | 100.00 | 92.21 |" in md
    assert "不适用的指标2项：“政府采购执行率”（3分）、“事故起数下降”（20分）" in md
    # the 0 ÷ 0 共性 row in prose: no empty figure before the colon, no “得/3分”
    assert (
        "- 政府采购执行率：不适用（政府采购实际金额 0 ÷ 政府采购预算数 0，分子分母均为 0），"
        "分值3分不计，总分按适用指标分值折算。"
    ) in md
    assert "得/3分" not in md


def test_summary_columns_leave_a_wholly_not_applicable_level_blank(tmp_path, make_dept):
    path = _department(make_dept)
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(path), "--summary", str(out), "-j", "1", "--no-write-back"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["汇总"]
    header = next(r for r in ws.iter_rows(values_only=True) if "核定总分" in r)
    values = next(r for r in ws.iter_rows(values_only=True) if "部门.xlsx" in [str(v) for v in r] or "测试局" in r)
    got = dict(zip(header, values, strict=False))
    # 效益指标得分: its only row not applicable, no score (blank, not 0); 过程 27 (政府采购 left out)
    assert got["效益指标得分"] is None and got["过程得分"] == 27 and got["核定总分"] == 92.21


def test_reviewed_total_states_its_rescaling_too(make_dept, tmp_path):
    """A reviewer gives 检查企业数 27 (核定 24): 复核总分 = (71 − 24 + 27) × 100 ÷ 77 = 74 × 100 ÷ 77
    = 96.103… → 96.10; its line says so as the 核定总分's does (71 × 100 ÷ 77)."""
    path = _department(make_dept)
    assert CliRunner().invoke(cli, ["score", str(path), "--summary", str(tmp_path / "s1.xlsx")]).exit_code == 0
    wb = openpyxl.load_workbook(path)
    ws = wb["评分结果"]
    (cells,) = [r for r in ws.iter_rows() if r[2].value == "检查企业数"]
    cells[11].value = 27
    wb.save(path)
    assert CliRunner().invoke(cli, ["score", str(path), "--summary", str(tmp_path / "s2.xlsx")]).exit_code == 0
    labels = {r[0]: r[1:3] for r in openpyxl.load_workbook(path)["评分结果"].iter_rows(values_only=True) if r[0]}
    assert labels["复核总分"] == (96.1, "按适用指标分值折算：74 × 100 ÷ 77")
    assert labels["核定总分"] == (92.21, "按适用指标分值折算：71 × 100 ÷ 77")


def test_a_subtotal_note_wraps_inside_the_table(make_workbook):
    # the 小计's 评分说明 (K) wraps within its bordered cell, as an indicator row's does; unstyled,
    # it ran over 复核得分/复核意见 and off the printed page
    spec = results_sheet(score_file(_project(make_workbook)).card, "2024-01-01 00:00")
    (i,) = [n for n, r in enumerate(spec.rows) if list(r[:2]) == ["效益指标", "小计"]]
    style = spec.styles[i][10]
    assert style is not None and style.wrap and style.border


def _reviewed(path, tmp_path, scores):
    """``path`` scored, the reviewer's 复核得分 typed on the named rows of 评分结果 (column L), saved,
    and scored again: the card of the reviewed file."""
    assert CliRunner().invoke(cli, ["score", str(path), "--summary", str(tmp_path / "s1.xlsx")]).exit_code == 0
    wb = openpyxl.load_workbook(path)
    for cells in wb["评分结果"].iter_rows():
        if cells[2].value in scores:
            cells[11].value = scores[cells[2].value]
    wb.save(path)
    return score_file(path).card


def _project_slash(make_workbook):
    """As ``_project``, the 15-point 生态环境改善 marked “/” (what a unit types to escape a failed
    indicator's deduction): 核定总分 83 × 100 ÷ 85 = 97.65 as there."""
    rows = base_rows()
    rows[1] = row("产出指标", "数量指标", "托养服务人次数", "≥105人", "84人", 10, reason="名额未满")
    rows[5] = row("效益指标", "生态效益指标", "生态环境改善", "有所改善", "/", 15)
    return make_workbook(indicators=rows)


def test_a_review_score_brings_a_left_out_row_back_everywhere(make_workbook, tmp_path):
    """The reviewer gives the “/” row 6 of 15: judged applicable, it counts in the 复核总分 with its
    分值. Every row now counts: 分值 85 + 15 = 100, scored 83 + 6 = 89, nothing to rescale:
    复核总分 89 (良: 80 ≤ 89 < 90), while the 核定总分 stays 97.65 (83 × 100 ÷ 85). 效益 after
    review: 分值 15 + 15 = 30, score 15 + 6 = 21 (not 21 of 15)."""
    path = _project_slash(make_workbook)
    card = _reviewed(path, tmp_path, {"生态环境改善": 6})
    assert (card.total, card.reviewed_total, card.grade, card.status) == (97.65, 89, "良", "reviewed")
    (warned,) = [p for p in card.problems if p.code == "review-not-applicable"]
    sheet = [list(r) for r in results_sheet(card, "2024-01-01 00:00").rows]
    (i,) = [n for n, r in enumerate(sheet) if r[2:3] == ["生态环境改善"]]
    # at the entry itself (评分结果 column L of that row: the sheet's rows are 1-based)
    assert warned.severity == "warning" and (warned.where.sheet, warned.where.cell) == ("评分结果", f"L{i + 1}")
    assert "该行不适用（未计入核定总分），复核得分 6 使其计入复核总分：分值 15" in warned.message
    assert sheet[i][10] == "不适用（“/”），不计分，总分按适用指标分值折算；复核得分 6，计入复核总分"
    (benefit,) = [r for r in sheet if r[:2] == ["效益指标", "小计"]]
    assert benefit[6:8] == [15, 15]  # the 核定 小计 as before: the row is still out of the 核定总分
    assert benefit[10] == (
        "不含不适用的“生态环境改善”（分值 15），总分按适用指标分值折算；“生态环境改善”复核得分 6，计入复核总分"
    )
    labels = {r[0]: r[1:3] for r in sheet if r and r[0] in ("核定总分", "复核总分")}
    assert labels["核定总分"] == [97.65, "按适用指标分值折算：83 × 100 ÷ 85"]
    assert labels["复核总分"] == [89, "含复核计入的不适用指标“生态环境改善”，各行分值均计入，不折算"]

    md = to_markdown(draft(card))
    assert (
        "| 一级指标 | 分值 | 核定得分 | 复核后分值 | 复核后得分 |\n|---|---|---|---|---|\n"
        "| 预算执行率 | 10.00 | 10.00 | 10.00 | 10.00 |\n"
        "| 产出指标 | 50.00 | 48.00 | 50.00 | 48.00 |\n"
        "| 效益指标 | 15.00 | 15.00 | 30.00 | 21.00 |\n"
        "| 满意度指标 | 10.00 | 10.00 | 10.00 | 10.00 |\n"
        "| 适用指标合计 | 85.00 | 83.00 | 100.00 | 89.00 |\n"
        "| 折算后总分 | 100.00 | 97.65 | 100.00 | 89.00 |"
    ) in md
    assert (
        "复核人员对其中1项给出复核得分（“生态环境改善”6分），认定其适用，计入复核后得分，分值一并计入："
        "各项指标分值均计入，复核总分为89分，不折算。"
    ) in md

    # 汇总: graded by the 复核总分 89 (良); the 效益 column is the 核定 小计, 15
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(cli, ["score", str(path), "--summary", str(out), "-j", "1", "--no-write-back"])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["汇总"]
    header = next(r for r in ws.iter_rows(values_only=True) if "核定总分" in r)
    values = next(r for r in ws.iter_rows(values_only=True) if r[header.index("核定总分")] == 97.65)
    got = dict(zip(header, values, strict=False))
    assert (got["复核总分"], got["等级"], got["效益指标得分"]) == (89, "良", 15)


def test_a_review_score_on_a_zero_by_zero_common_row_counts_it_and_the_rest_stays_rescaled(make_dept, tmp_path):
    """政府采购执行率 (3, 0 ÷ 0, left out) given 2; 事故起数下降 (20, “/”) still left out. Counted:
    77 + 3 = 80 分值, 71 + 2 = 73 scored: 复核总分 73 × 100 ÷ 80 = 91.25. 过程 after review: 27 + 3
    = 30 分值, 27 + 2 = 29; 效益 (only the “/” row): still 0 and none."""
    card = _reviewed(_department(make_dept), tmp_path, {"政府采购执行率": 2})
    assert (card.total, card.reviewed_total, card.status) == (92.21, 91.25, "reviewed")
    assert [p.fields["score"] for p in card.problems if p.code == "review-not-applicable"] == ["2"]
    sheet = [list(r) for r in results_sheet(card, "2024-01-01 00:00").rows]
    (process,) = [r for r in sheet if r[:2] == ["过程", "小计"]]
    assert process[6:8] == [27, 27] and process[10].endswith("；“政府采购执行率”复核得分 2，计入复核总分")
    labels = {r[0]: r[1:3] for r in sheet if r and r[0] == "复核总分"}
    assert labels["复核总分"] == [91.25, "按适用指标分值折算：73 × 100 ÷ 80（含复核计入的“政府采购执行率”）"]

    md = to_markdown(draft(card))
    assert "| 过程 | 27.00 | 27.00 | 30.00 | 29.00 |" in md
    assert "| 效益指标 | 0.00 | 不适用 | 0.00 | 不适用 |" in md
    assert "| 适用指标合计 | 77.00 | 71.00 | 80.00 | 73.00 |\n| 折算后总分 | 100.00 | 92.21 | 100.00 | 91.25 |" in md
    assert "复核总分为73 × 100 ÷ 80 = 91.25分。" in md
    assert (
        "- 政府采购执行率：不适用（政府采购实际金额 0 ÷ 政府采购预算数 0，分子分母均为 0），"
        "分值3分不计，总分按适用指标分值折算；复核为2分，计入复核总分。"
    ) in md


def test_a_zero_over_zero_common_row_shows_its_figures_as_its_actual(tmp_path, make_dept):
    """政府采购执行率 with 政府采购实际金额 0 and 政府采购预算数 0 is left out (不适用). Its 实际完成值 was
    blank in 评分结果, the JSON, 汇总's 指标明细 and the unit report's table; it now says why, as a row
    marked “/” shows its mark: 不适用（政府采购实际金额 0 ÷ 政府采购预算数 0）. The report's table keeps
    only what precedes the bracket (不适用), as it does for a rate: the figures are in its text."""
    why = "不适用（政府采购实际金额 0 ÷ 政府采购预算数 0）"
    path = _department(make_dept)
    card = score_file(path).card
    (sheet_row,) = [r for r in _sheet_rows(card) if r[2:3] == ["政府采购执行率"]]
    assert sheet_row[3:5] == ["≥100%", why] and sheet_row[7] is None  # (no 核定得分)
    md = to_markdown(draft(card))
    assert "| 过程 | 预算执行 | 政府采购执行率 | ≥100% | 不适用 | 3.00 | 不适用 |  |" in md

    out = tmp_path / "汇总.xlsx"
    args = ["score", str(path), "--summary", str(out), "-j", "1", "--no-write-back", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    obj = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    (ind,) = [i for i in obj["indicators"] if i["name"] == "政府采购执行率"]
    assert (ind["actual"], ind["score"]) == (why, None)
    ws = openpyxl.load_workbook(out)["指标明细"]
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if "实际完成值" in r)
    (detail,) = [dict(zip(header, r, strict=False)) for r in rows if "政府采购执行率" in r]
    assert detail["实际完成值"] == why
