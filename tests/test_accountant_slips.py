"""An accountant's slips checked before sending the form (audit 44): each problem is reported once,
at the cell to change, with a message that says what to change and is not contradicted by another."""

from __future__ import annotations

import openpyxl
import pytest
from conftest import BASE_BUDGET, BASE_INFO, base_rows

from selfeval_xl import fill_workbook, load_rules, score_file
from selfeval_xl.file_scoring import RuleBook
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.ruleset import builtin_path


def test_points_short_because_of_a_blank_row_says_so(make_workbook):
    # a blank row inserted as row 6 (after 预算执行率, 康复服务比例, 托养服务人次数, 服务规范性):
    # read 10 + 15 + 10 + 10 = 45; the 5 rows below are not read. The error that makes the file
    # 待更正 (and heads its 更正清单) must say the fix is the blank row, not a 分值
    path = make_workbook()
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_INDICATORS].insert_rows(6)
    wb.save(path)
    errors = [p for p in score_file(path).problems if p.severity == "error"]
    assert [(p.code, p.where.location, p.message) for p in errors] == [
        (
            "points-total",
            "绩效指标!I1",
            "分值合计 45，应为 100（第 6 行整行空白，其下 5 行指标未读取、未计入；删掉空行后重新评分）",
        )
    ]


def test_points_total_names_the_rule_sets_total(tmp_path, template_path):
    # a rule set whose points add up to 120 (预算执行率 10 + 产出 70 + 效益 30 + 满意度 10): a table
    # of 100 points is told "应为 120", not "应为 100"
    text = builtin_path("项目支出").read_text(encoding="utf-8")
    text = text.replace('name = "产出指标"\npoints = 50', 'name = "产出指标"\npoints = 70', 1)
    text = text.replace("[scoring]\n", "[scoring]\ntotal_points = 120\n", 1)
    rules = tmp_path / "120.toml"
    rules.write_text(text, encoding="utf-8")
    path = fill_workbook(template_path, tmp_path / "甲.xlsx", BASE_INFO, BASE_BUDGET, base_rows())
    found = [
        p.message for p in score_file(path, rulebook=RuleBook(load_rules(rules))).problems if p.code == "points-total"
    ]
    assert found == ["分值合计 100，应为 120"]


def _budget_codes(path):
    return [(p.code, p.where.location, p.message) for p in score_file(path).problems]


def test_a_blank_executed_figure_is_an_error_not_a_rate_of_zero(make_workbook):
    # 全年预算数 29.6 filled, 全年执行数 left blank on every line, the indicators filled: the unit
    # forgot the figure. Before: 执行率 0%, 预算执行率 0 of 10, 已评分 90 with "请填写偏差原因" at K2
    # (an underspend to explain). Now: one error at the 年度资金总额 全年执行数 cell (D2), 待更正,
    # the 预算执行率 row unscored (0) and no 偏差原因 asked for it
    path = make_workbook(budget={"年度资金总额": (29.6, 29.6, None), "当年财政拨款": (29.6, 29.6, None)})
    outcome = score_file(path)
    assert _budget_codes(path) == [("missing-value", "预算执行!D2", "年度资金总额全年执行数未填写")]
    assert outcome.card.status == "needs-correction" and outcome.card.total == 90


@pytest.mark.parametrize("mark", ["—", "/", "无"])
def test_a_no_amount_mark_in_the_executed_figure_is_quoted(make_workbook, mark):
    # 全年执行数 typed "—" (or "/", "无") on the total and its line: the cell is not empty, so
    # "未填写" would send the accountant looking for a blank; the one error at D2 quotes the mark
    # and asks for the amount (nothing spent is 0), and the file is 待更正 at 90 as for a blank
    path = make_workbook(budget={"年度资金总额": (29.6, 29.6, mark), "当年财政拨款": (29.6, 29.6, mark)})
    assert _budget_codes(path) == [
        (
            "budget-executed-no-amount",
            "预算执行!D2",
            f"年度资金总额全年执行数填的是“{mark}”，不是金额：请填写全年执行数（确实没有支出填 0）",
        )
    ]
    card = score_file(path).card
    assert card.status == "needs-correction" and card.total == 90


def test_executed_zero_on_the_lines_is_nothing_spent(make_workbook):
    # 当年财政拨款 全年执行数 typed 0, the total's left blank: nothing spent, 执行率 0% (0 of 10
    # points), asked for a 偏差原因 like any underspend; not "未填写"
    path = make_workbook(budget={"年度资金总额": (29.6, 29.6, None), "当年财政拨款": (29.6, 29.6, 0)})
    assert [p.code for p in score_file(path).problems] == ["missing-reason"]
    assert score_file(path).card.total == 90


def test_an_unreadable_executed_figure_asks_no_reason(make_workbook):
    # 全年执行数 typed as 二十九点六: the error at D2 is the one problem; the 预算执行率 row it leaves
    # at 0 is not asked for a 偏差原因 (one slip, one problem), nor is the total rebuilt from the lines
    path = make_workbook(budget={"年度资金总额": (29.6, 29.6, "二十九点六"), "当年财政拨款": (29.6, 29.6, 29.6)})
    assert [(c, w) for c, w, _ in _budget_codes(path)] == [("not-a-number", "预算执行!D2")]


def test_department_blank_executed_figure_is_not_graded(tmp_path):
    # the seed department with its 全年执行数 wiped on every line: before, 已评分 85.25 (良) with its
    # 预算执行率 (10 分) at 0; now 待更正 with the one error at D2 (and the other rows' warnings)
    import shutil
    from pathlib import Path

    src = Path(__file__).resolve().parent.parent / "samples" / "红谷滩区应急管理局_2022年部门整体支出.xlsx"
    path = tmp_path / "部门.xlsx"
    shutil.copy(src, path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_BUDGET]
    for r in range(2, 6):
        ws.cell(r, 4).value = None
    wb.save(path)
    card = score_file(path).card
    assert card.status == "needs-correction"
    assert [(p.code, p.where.location) for p in card.errors] == [("missing-value", "预算执行!D2")]
    assert not [p for p in card.problems if p.where.cell in ("J5", "K5")]  # the 预算执行率 row
