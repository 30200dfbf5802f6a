"""部门整体支出 (SPEC §2.3, §3.11): formulas, each scoring method by hand, tamper detection,
rule-set errors, the template, and the seed department's results sheet."""

from __future__ import annotations

import json
import math

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import BASE_BUDGET, BASE_INFO, base_rows, row
from make_samples import make_samples  # scripts/, on sys.path via conftest
from sample_data import DEPT_SAMPLES

from selfeval_xl import RuleSetError, fill_workbook, generate_template, load_rules, score_file
from selfeval_xl.cli import cli
from selfeval_xl.file_scoring import RuleBook
from selfeval_xl.outputs.writeback import write_back
from selfeval_xl.reading import contract as L
from selfeval_xl.rules.formula import FormulaError, MissingValue, ZeroDenominator, parse_formula
from selfeval_xl.rules.ruleset import builtin_path, find_rules

# Every 共性 indicator at full marks (hand-checked against the default rule set):
FULL_DATA = {
    "编制人数": 20,  # 在职 19/20 = 95% ≤ 100%
    "在职人数": 19,
    "“三公”经费预算数": 10,  # 三公 8/10 = 80% ≤ 100%; (8 − 9)/9 = −11.1% ≤ 0
    "“三公”经费实际支出数": 8,
    "上年“三公”经费实际支出数": 9,
    "公用经费预算数": 100,  # 95%
    "公用经费实际支出数": 95,
    "政府采购预算数": 50,  # 100%
    "政府采购实际金额": 50,
    "年末结转结余": 20,  # 20/1000 = 2% ≤ 10%
    "预算调整数": 50,  # 50/1000 = 5% ≤ 10%
    "在用固定资产总额": 98,  # 98% ≥ 95%
    "固定资产总额": 100,
    "重点项目支出": 95,  # 95% ≥ 90%
    "项目总支出": 100,
}
INFO = {"评价类型": "部门整体支出", "评价年度": 2023, "单位名称": "测试局", "申报总分": 100}
BUDGET = {"年度资金总额": (1000, 1000, 1000), "当年财政拨款": (1000, 1000, 1000)}
OWN_ROWS = [  # 60 points of 个性 rows, all met
    row("产出指标", "数量指标", "检查企业数", "≥100家", "120家", 30),
    row("效益指标", "社会效益指标", "事故起数下降", "≥10%", "12%", 20),
    row("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10),
]
# Excel rows of the 共性 rows in the default template (row 1 is the header; rule-set order,
# 投入 first, then the budget row and the rest of 过程):
ROW = {
    "在职人员控制率": 2,
    "“三公”经费变动率": 3,
    "重点支出安排率": 4,
    "预算执行率": 5,
    "预算调整率": 6,
    "结转结余率": 7,
    "公用经费控制率": 8,
    "“三公”经费控制率": 9,
    "政府采购执行率": 10,
    "固定资产利用率": 11,
}


@pytest.fixture(scope="session")
def dept_template(tmp_path_factory):
    return generate_template(tmp_path_factory.mktemp("dept") / "dept.xlsx", load_rules(None, "部门整体支出"))


@pytest.fixture
def make_dept(tmp_path, dept_template):
    def make(data=None, owned=None, rows=None, name="部门.xlsx", budget=None, info=None):
        return fill_workbook(
            dept_template,
            tmp_path / name,
            {**INFO, **(info or {})},
            budget or BUDGET,
            OWN_ROWS if rows is None else rows,
            dept_data={**FULL_DATA, **(data or {})},
            owned=owned,
        )

    return make


def codes(card):
    return {(p.code, str(p.where)) for p in card.problems}


def score_of(card, name):
    return card.rows.loc[ROW[name], "score"]


def test_all_full_scores_100(make_dept):
    card = score_file(make_dept()).card
    assert (card.total, card.grade) == (100, "优")
    assert not card.errors
    assert list(card.rows.loc[list(ROW.values()), "points"]) == [3, 3, 4, 10, 3, 3, 3, 3, 3, 5]
    assert card.rows.loc[2, "actual_text"] == "95.00%（在职人数 19 ÷ 编制人数 20）"
    assert card.rows.loc[2, "rate"] == 95


@pytest.mark.parametrize(
    ("data", "indicator", "expected"),
    [
        # step ≤100%, 0.5 per point: 21/20 = 105% → 3 − 5 × 0.5 = 0.5
        ({"在职人数": 21}, "在职人员控制率", 0.5),
        # step, deducted to nothing: 27/20 = 135% → 3 − 17.5 → 0
        ({"在职人数": 27}, "在职人员控制率", 0),
        # step ≤0%: (9.18 − 9)/9 = 2% → 3 − 2 × 0.5 = 2
        ({"“三公”经费实际支出数": 9.18}, "“三公”经费变动率", 2),
        # step ≤100%: 8/7.8 = 102.564% → 3 − 2.564 × 0.5 = 1.718 → 1.72
        ({"“三公”经费预算数": 7.8}, "“三公”经费控制率", 1.72),
        # step ≤100%: 101/100 = 101% → 3 − 0.5 = 2.5
        ({"公用经费实际支出数": 101}, "公用经费控制率", 2.5),
        # step ≤10%, 0.2 per point: 125/1000 = 12.5% → 3 − 2.5 × 0.2 = 2.5
        ({"年末结转结余": 125}, "结转结余率", 2.5),
        # ratio ≥100%: 45/50 = 90% → 3 × 90/100 = 2.7
        ({"政府采购实际金额": 45}, "政府采购执行率", 2.7),
        # ratio ≥, over-achieved: 60/50 = 120% → full 3
        ({"政府采购实际金额": 60}, "政府采购执行率", 3),
        # bands ≥90/80/70/60: 85% → 80% × 4 = 3.2; 60% → 40% × 4 = 1.6; 59.99% → 0
        ({"重点项目支出": 85}, "重点支出安排率", 3.2),
        ({"重点项目支出": 60}, "重点支出安排率", 1.6),
        ({"重点项目支出": 59.99}, "重点支出安排率", 0),
        # by the rate as shown: 89.995% shows as 90.00% → the ≥90% band, 4; 89.994% shows as 89.99% → 3.2
        ({"重点项目支出": 89.995}, "重点支出安排率", 4),
        ({"重点项目支出": 89.994}, "重点支出安排率", 3.2),
        # bands ≥95/85/75 on 5 points: exactly 95% is the top band
        ({"在用固定资产总额": 95}, "固定资产利用率", 5),
        ({"在用固定资产总额": 80}, "固定资产利用率", 3),
    ],
)
def test_each_method_by_hand(make_dept, data, indicator, expected):
    card = score_file(make_dept(data=data)).card
    assert score_of(card, indicator) == expected
    assert card.total == pytest.approx(100 - (card.rows.loc[ROW[indicator], "points"] - expected))


def test_a_step_deducted_to_nothing_says_so(make_dept):
    # 三公 10.8 against 9 last year: +20% → 20 × 0.5 = 10 off 3 points: 0, 扣完为止. The note was
    # "超出目标 20 个百分点 × 0.5 = 扣 3 分", a sum that does not add up
    card = score_file(make_dept(data={"“三公”经费实际支出数": 10.8})).card
    assert score_of(card, "“三公”经费变动率") == 0
    assert card.rows.loc[ROW["“三公”经费变动率"], "note"] == "超出目标 20 个百分点 × 0.5 = 10 分，扣完为止（扣 3 分）"


def test_amounts_in_yuan_are_converted(make_dept):
    # 预算 in 万元 (workbook default), the 实际 written with its unit: 950000元 = 95万元 → 95%
    card = score_file(make_dept(data={"公用经费实际支出数": "950000元"})).card
    assert score_of(card, "公用经费控制率") == 3
    assert card.rows.loc[ROW["公用经费控制率"], "rate"] == 95


def test_budget_figures_feed_formulas(make_dept):
    # 预算调整率 uses 年初预算数 from 预算执行: 50 / 400 = 12.5% → 3 − 2.5 × 0.2 = 2.5
    budget = {"年度资金总额": (400, 1000, 1000), "当年财政拨款": (400, 1000, 1000)}
    card = score_file(make_dept(budget=budget)).card
    assert score_of(card, "预算调整率") == 2.5


def test_amounts_typed_with_wan_or_a_yuan_sign(make_dept):
    # a workbook in 元 (1000万元 = 10,000,000元), 年末结转结余 typed 200万: 200万元, not 200元.
    # 200 ÷ 1000 = 20% > 10% → 3 − (20 − 10) × 0.2 = 1 (read as 200元 it was 0.00%, full marks)
    in_yuan = {k: v * 10000 for k, v in FULL_DATA.items() if k not in ("编制人数", "在职人数")}
    budget = {"年度资金总额": (1e7, 1e7, 1e7), "当年财政拨款": (1e7, 1e7, 1e7)}
    card = score_file(make_dept(info={"金额单位": "元"}, budget=budget, data={**in_yuan, "年末结转结余": "200万"})).card
    assert card.rows.loc[ROW["结转结余率"], "rate"] == 20
    assert score_of(card, "结转结余率") == 1
    # the formula shows the amounts in the workbook's 元, as the unit typed them (2,000,000 ÷
    # 10,000,000; it showed 200 ÷ 1000, the 万元 they are computed in, with no unit anywhere);
    # 95 万元 of 100 is 950000 ÷ 1000000 元 = 95%; head counts stay counts (19 ÷ 20)
    assert card.rows.loc[ROW["结转结余率"], "actual_text"] == "20.00%（年末结转结余 2000000 ÷ 全年预算数 10000000）"
    assert card.rows.loc[ROW["公用经费控制率"], "actual_text"] == (
        "95.00%（公用经费实际支出数 950000 ÷ 公用经费预算数 1000000）"
    )
    assert card.rows.loc[ROW["在职人员控制率"], "actual_text"] == "95.00%（在职人数 19 ÷ 编制人数 20）"
    # as on 预算执行: a leading ￥ is dropped (￥50万 = 50万元: 50 ÷ 1000 = 5% ≤ 10%, full marks)
    card = score_file(make_dept(data={"预算调整数": "￥50万"})).card
    assert score_of(card, "预算调整率") == 3 and not card.errors


def test_an_amount_with_a_unit_that_is_not_money_is_an_error(make_dept):
    # “三公”经费预算数 typed 5.2% (a rate where the amount belongs): not read as 5.2万元 (which gave
    # 8 ÷ 5.2 = 153.85% and 0 分 with no word why), but said at its cell (B4)
    card = score_file(make_dept(data={"“三公”经费预算数": "5.2%"})).card
    assert ("not-a-number", "部门.xlsx 部门整体数据!B4") in codes(card)
    assert score_of(card, "“三公”经费控制率") == 0 and card.total == 97


def test_a_negative_data_item_is_an_error(make_dept):
    # 预算调整数 is the sum of the adjustments' absolute values; a 追减 typed −150 is no −15%
    # (≤ 10%, full marks) but an error at its cell (B12), 预算调整率 not computed: 0 of 3.
    # (Typed as 150: 15% → 3 − 5 × 0.2 = 2.)
    card = score_file(make_dept(data={"预算调整数": -150})).card
    assert ("negative-data", "部门.xlsx 部门整体数据!B12") in codes(card)
    assert score_of(card, "预算调整率") == 0 and card.total == 97
    assert card.rows.loc[ROW["预算调整率"], "note"] == "预算调整数填写有误，无法计算，计 0 分"
    assert score_of(score_file(make_dept(data={"预算调整数": 150}, name="正数.xlsx")).card, "预算调整率") == 2


def test_a_small_computed_rate_is_not_asked_about_its_scale(make_dept):
    # 政府采购 0.4 of 50: 0.8%, computed, so "实际完成值 0.8 是否应为 80%？" at an empty H10 asks the
    # unit about a number it never typed; scored as is: 3 × 0.8 ÷ 100 = 0.024 → 0.02
    card = score_file(make_dept(data={"政府采购实际金额": 0.4})).card
    assert score_of(card, "政府采购执行率") == 0.02
    assert not [p for p in card.problems if p.code == "percent-scale"]


def test_missing_and_zero_items_are_named_by_cell(make_dept):
    card = score_file(make_dept(data={"上年“三公”经费实际支出数": None, "政府采购预算数": 0})).card
    # 部门整体数据 rows follow the rule set's [[data]] order: 上年三公 is row 6, 政府采购预算数 row 9
    assert ("missing-value", "部门.xlsx 部门整体数据!B6") in codes(card)
    assert ("zero-denominator", "部门.xlsx 部门整体数据!B9") in codes(card)
    assert score_of(card, "“三公”经费变动率") == 0 and score_of(card, "政府采购执行率") == 0
    assert card.total == 100 - 3 - 3
    assert card.rows.loc[ROW["政府采购执行率"], "note"] == "分母政府采购预算数为 0，无法计算，计 0 分"


def test_no_sangong_this_year_or_last_is_full_marks(make_dept):
    # a unit with no “三公”经费 at all (0 budgeted, 0 spent, 0 last year): (0 − 0) ÷ 0 is 较上年持平
    # (the rule set: 持平或下降得满分) → 3, and 0 spent of 0 is within the budget (≤100%) → 3; the
    # data are right, so no zero-denominator error the unit could not correct: 100, final
    zero = {"“三公”经费预算数": 0, "“三公”经费实际支出数": 0, "上年“三公”经费实际支出数": 0}
    card = score_file(make_dept(data=zero)).card
    assert (score_of(card, "“三公”经费变动率"), score_of(card, "“三公”经费控制率")) == (3, 3)
    assert not card.errors and card.total == 100 and card.status == "final"
    assert card.rows.loc[ROW["“三公”经费控制率"], "actual_text"] == (
        "0.00%（“三公”经费实际支出数 0 ÷ “三公”经费预算数 0，分子分母均为 0，按 0% 计）"
    )


def test_nothing_planned_nothing_done_is_not_applicable(make_dept):
    """政府采购 0 of 0 (≥ 100%): no procurement budget and none bought. The data are right and say the
    indicator does not apply; it was a zero-denominator error the department could not correct
    (待更正 for good). Left out like a not-applicable row: with 在职 27 of 编制 20 (135% → 0 of 3)
    the rest scores 100 − 3 (在职) − 3 (政府采购) = 94 of the 97 applicable points, so
    94 × 100 ÷ 97 = 96.907… → 96.91; told at the row's 分值 cell (I10), no error, graded."""
    card = score_file(make_dept(data={"政府采购预算数": 0, "政府采购实际金额": 0, "在职人数": 27})).card
    assert not card.errors and card.status == "final"
    assert card.total == 96.91 and card.grade == "优"
    assert math.isnan(score_of(card, "政府采购执行率"))
    assert card.rows.loc[ROW["政府采购执行率"], "note"] == (
        "不适用（政府采购实际金额 0 ÷ 政府采购预算数 0，分子分母均为 0），不计分，总分按适用指标分值折算"
    )
    (told,) = [p for p in card.problems if p.code == "common-not-applicable"]
    assert str(told.where) == "部门.xlsx 绩效指标!I10" and told.severity == "warning"
    assert told.message == (
        "政府采购执行率的分子分母均为 0（未发生），该指标不适用：分值 3 不计，总分按适用指标折算为 94 × 100 ÷ 97 = 96.91"
    )


def test_nothing_planned_nothing_done_is_an_error_when_not_applicable_rows_are(make_dept, tmp_path):
    # a rule set with na_points = "error" (not-applicable rows with points are errors): 0 of 0 stays
    # the zero-denominator error at 政府采购预算数 (B9), 0 of 3: 97, 待更正
    text = (
        builtin_path("部门整体支出").read_text(encoding="utf-8").replace('na_points = "rescale"', 'na_points = "error"')
    )
    strict = tmp_path / "strict.toml"
    strict.write_text(text, encoding="utf-8")
    path = make_dept(data={"政府采购预算数": 0, "政府采购实际金额": 0})
    card = score_file(path, rulebook=RuleBook(load_rules(strict))).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("zero-denominator", "部门.xlsx 部门整体数据!B9")]
    assert (card.total, card.status) == (97, "needs-correction")


@pytest.mark.parametrize(
    ("data", "name", "cell", "shown"),
    [
        # “三公” 8 spent of 0 budgeted: beyond the ≤100% ceiling however measured
        ({"“三公”经费预算数": 0}, "“三公”经费控制率", "B4", "“三公”经费实际支出数 8 ÷ “三公”经费预算数 0"),
        # none last year, 8 this year: grown past 持平 without a percentage
        (
            {"上年“三公”经费实际支出数": 0},
            "“三公”经费变动率",
            "B6",
            "(“三公”经费实际支出数 8 − 上年“三公”经费实际支出数 0) ÷ 上年“三公”经费实际支出数 0",
        ),
    ],
)
def test_something_over_nothing_where_less_is_better_scores_0(make_dept, data, name, cell, shown):
    """x ÷ 0 (x > 0) on a ≤ indicator is past the ceiling by any measure (ratio, step and linear all
    reach 0 there): 0 of 3, total 100 − 3 = 97, a warning at the zero item (a budget left at 0 by
    mistake is then corrected), not an error the data cannot clear; graded (97 优, 申报 100 differs)."""
    card = score_file(make_dept(data=data)).card
    assert score_of(card, name) == 0 and card.total == 97
    assert not card.errors and card.status == "final" and card.grade == "优"
    (told,) = [p for p in card.problems if p.code == "zero-base-exceeded"]
    assert str(told.where) == f"部门.xlsx 部门整体数据!{cell}" and told.severity == "warning"
    assert shown in told.message


def test_something_over_nothing_where_more_is_better_is_an_error(make_dept):
    # 政府采购 12 bought of 0 budgeted (≥): a rate of something done without a plan is no
    # performance; the budget item is what is wrong: zero-denominator at B9, 0 of 3, 97, 待更正
    card = score_file(make_dept(data={"政府采购预算数": 0, "政府采购实际金额": 12})).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("zero-denominator", "部门.xlsx 部门整体数据!B9")]
    assert (card.total, card.status) == (97, "needs-correction")


@pytest.mark.parametrize("text", ["约二十人", "约20人", "20余人"])
def test_text_in_a_data_cell(make_dept, text):
    # an approximate headcount is no figure to compute a rate from (as an approximate score is none)
    card = score_file(make_dept(data={"编制人数": text})).card
    assert ("not-a-number", "部门.xlsx 部门整体数据!B2") in codes(card)
    assert score_of(card, "在职人员控制率") == 0


def test_missing_sheet_names_the_item(make_dept, tmp_path):
    path = make_dept()
    wb = openpyxl.load_workbook(path)
    del wb[L.SHEET_DEPT_DATA]
    wb.save(path)
    card = score_file(path).card
    # one slip (the whole sheet gone), one error that says so, not one "缺少某项" per 共性指标
    assert [(p.code, str(p.where)) for p in card.errors] == [("data-sheet-missing", "部门.xlsx 部门整体数据")]
    assert card.errors[0].message.startswith("缺少工作表“部门整体数据”")
    # every 共性 row except 预算执行率 needs the sheet: 100 − (3+3+4+3+3+3+3+3+5 = 30) = 70
    assert card.total == 70


def test_a_deleted_data_row_is_named_at_the_value_header(make_dept):
    # the 在职人数 row deleted from 部门整体数据 (header on row 1: 数据项 | 数值, so 数值 is B1): the
    # item is missing, said at B1 (not nowhere), and 在职人员控制率 (3 分) cannot be computed: 97
    path = make_dept()
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEPT_DATA]
    assert ws["B1"].value == "数值"
    ws.delete_rows(next(c.row for c in ws["A"] if c.value == "在职人数"))
    wb.save(path)
    card = score_file(path).card
    assert ("data-item-missing", "部门.xlsx 部门整体数据!B1") in codes(card)
    assert card.total == 97


def test_a_data_formula_with_no_saved_result_is_one_error(make_dept):
    # 在职人数 typed as =19 by a program that saves no result: formula-no-cache at its cell, and
    # not "在职人数未填写" there as well (one error a cell)
    path = make_dept()
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEPT_DATA]
    row = next(c.row for c in ws["A"] if c.value == "在职人数")
    ws.cell(row, 2, "=19")
    wb.save(path)
    found = [(p.code, str(p.where)) for p in score_file(path).card.problems if p.where.cell == f"B{row}"]
    assert found == [("formula-no-cache", f"部门.xlsx 部门整体数据!B{row}")]


def test_changed_common_cells_are_errors_and_do_not_count(make_dept):
    path = make_dept(
        owned={
            "固定资产利用率": {"分值": 8, "申报得分": 8},  # 5 → 8
            "在职人员控制率": {"指标值": "≤120%"},  # target loosened
            "政府采购执行率": {"指标性质": "≤"},
        }
    )
    card = score_file(path).card
    assert ("common-changed", "部门.xlsx 绩效指标!I11") in codes(card)
    assert ("common-changed", "部门.xlsx 绩效指标!F2") in codes(card)
    assert ("common-changed", "部门.xlsx 绩效指标!E10") in codes(card)
    # scored by the rule set: points 5, target ≤100%, ≥ — still 100 in total
    assert card.rows.loc[11, "points"] == 5 and card.total == 100
    # one mistake, one problem: the claim 8 follows the changed 分值 8 (≤ 8), so the 分值 error at
    # I11 says it all; no 申报得分 8 超过分值 5 at J11 on top
    assert ("claim-over-points", "部门.xlsx 绩效指标!J11") not in codes(card)


def test_claim_beyond_a_changed_common_points_is_its_own_error(make_dept):
    # 分值 changed 5 → 8 (error at I11) and 申报得分 9: above even the typed 8, a second mistake of its
    # own, judged against the rule set's 5 → claim-over-points at J11 (申报得分 9 超过分值 5)
    path = make_dept(owned={"固定资产利用率": {"分值": 8, "申报得分": 9}})
    card = score_file(path).card
    assert ("common-changed", "部门.xlsx 绩效指标!I11") in codes(card)
    assert ("claim-over-points", "部门.xlsx 绩效指标!J11") in codes(card)
    assert [p.message for p in card.problems if p.code == "claim-over-points"] == ["申报得分 9 超过分值 5"]


def test_deleted_common_row_is_an_error(make_dept):
    path = make_dept()
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_INDICATORS]
    ws.delete_rows(ROW["结转结余率"])
    wb.save(path)
    card = score_file(path).card
    assert ("common-missing", "部门.xlsx 绩效指标!D1") in codes(card)
    assert card.total == 97
    # Σ分值 97 falls short by exactly the deleted row's 3 分: "缺少共性指标" is the one error (an
    # extra "分值合计 97，应为 100" would send the unit to change a 分值 instead of restoring the row)
    assert [p.code for p in card.errors] == ["common-missing"]


def test_deleted_common_row_and_a_wrong_points_total(make_dept):
    # 结转结余率 (3 分) deleted and 检查企业数 30 → 35: Σ分值 100 − 3 + 5 = 102 is not explained by
    # the deleted row alone, so the total is reported besides it
    rows = [dict(OWN_ROWS[0], 分值=35), *OWN_ROWS[1:]]
    path = make_dept(rows=rows)
    wb = openpyxl.load_workbook(path)
    wb[L.SHEET_INDICATORS].delete_rows(ROW["结转结余率"])
    wb.save(path)
    card = score_file(path).card
    assert [(p.code, p.message) for p in card.errors] == [
        ("common-missing", "缺少共性指标“结转结余率”（3 分）：共性指标由规则集设定，不能删除"),
        ("points-total", "分值合计 102，应为 100"),
    ]


def test_template_from_another_rule_set_version_warns(make_dept, tmp_path):
    path = make_dept()
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_META]
    for r in ws.iter_rows():
        if r[0].value == "common_fingerprint":
            r[1].value = "0000000000000000"
    wb.save(path)
    assert any(p.code == "template-outdated" for p in score_file(path).card.warnings)


def test_filled_actual_that_disagrees_warns(make_dept):
    # the accountant typed 90% for 在职人员控制率; the data say 19/20 = 95%
    card = score_file(make_dept(owned={"在职人员控制率": {"实际完成值": "90%"}})).card
    assert ("computed-mismatch", "部门.xlsx 绩效指标!H2") in codes(card)
    assert score_of(card, "在职人员控制率") == 3


def test_formula_language():
    f = parse_formula("(本年 - 上年) / 上年 * 100")
    assert f.names == ("本年", "上年")
    assert f.evaluate({"本年": 11.0, "上年": 10.0}.get) == pytest.approx(10)
    assert f.show({"本年": 11.0, "上年": 10.0}) == "((本年 11 − 上年 10) ÷ 上年 10) × 100"
    with pytest.raises(MissingValue) as miss:
        f.evaluate({"本年": 1.0}.get)
    assert miss.value.name == "上年"
    with pytest.raises(ZeroDenominator) as zero:
        parse_formula("a / (b - c)").evaluate({"a": 1.0, "b": 2.0, "c": 2.0}.get)
    assert zero.value.names == ("b", "c")
    assert math.isclose(parse_formula("-a + 2").evaluate({"a": 1.0}.get), 1)
    for bad in ("(a / b", "a / ", "a b", "a % b"):
        with pytest.raises(FormulaError):
            parse_formula(bad)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('method = "ratio"', 'method = "cube"', "common 第8项] method：未知的方法“cube”，应为 ratio、step、bands"),
        ("per_point = 0.2\n", "", "common 第4项] per_point：缺少此项"),
        (
            'formula = "在职人数 / 编制人数"',
            'formula = "在职人数 / 核定编制"',
            "common 第1项] formula：数据项“核定编制”未在 [[data]] 中定义",
        ),
        (
            'formula = "在职人数 / 编制人数"',
            'formula = "在职人数 / (编制人数"',
            "common 第1项] formula：“在职人数 / (编制人数”缺少右括号",
        ),
        (
            'name = "投入"\npoints = 10',
            'name = "投入"\npoints = 12',
            "level1：预算执行率与各一级指标分值合计 102，应为 100",
        ),
        (
            "{ min = 80, share = 0.8 },\n  { min = 70",
            "{ min = 70, share = 0.8 },\n  { min = 80",
            "common 第3项] bands：应按 min 从最好到最差排列",
        ),
        (
            'level1 = "投入"\nlevel2 = "预算配置"\nname = "在职人员控制率"',
            'level1 = "保障"\nlevel2 = "预算配置"\nname = "在职人员控制率"',
            "common 第1项] level1：一级指标“保障”未在 [[level1]] 中定义",
        ),
    ],
)
def test_bad_rule_sets_name_file_and_key(tmp_path, old, new, message):
    text = builtin_path("部门整体支出").read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "规则.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleSetError) as exc:
        load_rules(bad)
    assert str(exc.value).startswith("规则.toml") and message in str(exc.value)


def test_common_points_over_their_level1(tmp_path):
    text = builtin_path("部门整体支出").read_text(encoding="utf-8")
    # 固定资产利用率 5 → 8 while 过程 stays 30: 10 + 3×5 + 8 = 33 > 30
    bad = tmp_path / "规则.toml"
    bad.write_text(text.replace("target = 95\npoints = 5", "target = 95\npoints = 8"), encoding="utf-8")
    with pytest.raises(RuleSetError, match="一级指标“过程”下共性指标分值合计 33，超过其分值 30"):
        load_rules(bad)


def test_template_lists_exactly_the_rule_set_items(dept_template):
    rules = load_rules(None, "部门整体支出")
    wb = openpyxl.load_workbook(dept_template)
    assert wb.sheetnames == ["说明", "基本信息", "预算执行", "部门整体数据", "绩效指标", "_meta"]
    ws = wb[L.SHEET_DEPT_DATA]
    assert [c.value for c in ws[1]] == ["数据项", "数值", "计量单位", "说明"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == [d.name for d in rules.data_items]
    assert ws["A2"].protection.locked and not ws["B2"].protection.locked and ws.protection.sheet
    ind = wb[L.SHEET_INDICATORS]
    header = [c.value for c in ind[1]]
    assert header[-2:] == ["指标来源", "评分方法"]
    names = {ind.cell(r, 4).value: r for r in range(2, 12)}
    assert names == {n: r for n, r in ROW.items()}
    r = ROW["重点支出安排率"]
    assert [ind.cell(r, c).value for c in (5, 6, 9, 12)] == ["≥", "≥90%", 4, "共性"]
    assert ind.cell(r, 9).protection.locked and not ind.cell(r, 10).protection.locked  # 分值 locked, 申报得分 open
    meta = {row[0].value: row[1].value for row in wb[L.SHEET_META].iter_rows()}
    assert meta["common_fingerprint"] == rules.fingerprint and meta["ruleset_id"] == "cy2013-53-department"


def test_head_counts_show_as_whole_numbers_and_amounts_with_two_decimals(dept_template, make_dept):
    """编制人数 and 在职人数 (B2, B3, in 人) were formatted 0.00 like the amounts, so 20 people
    showed as 20.00. They are General now (20 shows as 20, a slip such as 19.5 still shows), and
    their check asks for a whole number; amounts keep #,##0.00 and the decimal check."""
    for path in (dept_template, make_dept()):
        ws = openpyxl.load_workbook(path)[L.SHEET_DEPT_DATA]
        assert [ws[c].number_format for c in ("B2", "B3", "B4", "B16")] == ["General", "General", *["#,##0.00"] * 2]
    checks = {str(dv.sqref): (dv.type, dv.operator, dv.formula1) for dv in ws.data_validations.dataValidation}
    assert checks == {"B2:B3": ("whole", "greaterThanOrEqual", "0"), "B4:B16": ("decimal", "greaterThanOrEqual", "0")}


def test_seed_department_results_tell_which_claims_hold(tmp_path):
    seed = DEPT_SAMPLES[0]
    path = next(p for p in make_samples(tmp_path) if p.name == seed["file"])
    card = score_file(path).card
    dst, problem = write_back(card, path, path.name, "2026-11-27 10:00")
    assert problem is None
    ws = openpyxl.load_workbook(dst)[L.SHEET_RESULTS]
    rows = {r[2]: r for r in ws.iter_rows(values_only=True) if r and r[2]}
    # (核定得分, 申报得分, 得分差异 = 申报 − 核定) for the rows where the claim does not hold
    assert rows["重点支出安排率"][7:10] == (3.2, 4, 0.8)  # 87.30% is in the 80% band
    assert rows["预算调整率"][7:10] == (2.87, 3, 0.13)  # 10.66% > 10%: 0.656 × 0.2 off
    assert rows["政府采购执行率"][7:10] == (2.83, 3, 0.17)  # 94.48% of 3
    assert rows["应急预案体系建设"][7:10] == (3, 4, 1)  # 基本达成 → [60%, 80%): 4 is out of band
    assert rows["生产安全事故起数同比降幅"][7:10] == (8.35, 8, -0.35)  # under-claimed
    assert rows["在职人员控制率"][4] == "93.33%（在职人数 28 ÷ 编制人数 30）"
    labels = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert (labels["核定总分"], labels["等级"], labels["申报总分"], labels["得分差异"]) == (95.25, "优", 97, 1.75)


def test_bundled_variant_by_id_and_from_the_template(tmp_path, make_workbook):
    hubei = find_rules("hubei-project")
    assert (hubei.budget_points, [lv.points for lv in hubei.level1]) == (20, [40, 30, 10])
    with pytest.raises(RuleSetError, match="找不到规则集“no-such”"):
        find_rules("no-such")
    out = tmp_path / "湖北模板.xlsx"
    result = CliRunner().invoke(cli, ["template", "--rules", "hubei-project", "-o", str(out)])
    assert result.exit_code == 0, result.output
    # 40 points of 产出 instead of 50: drop the 10-point 燃油补贴 row of the base rows
    rows = [r for r in base_rows() if r["三级指标"] != "燃油补贴标准"]
    filled = fill_workbook(out, tmp_path / "湖北.xlsx", BASE_INFO, BASE_BUDGET, rows)
    card = score_file(filled).card  # no --rules: the template's _meta names hubei-project
    assert card.rules.id == "hubei-project"
    assert card.rows.loc[2, "points"] == 20 and card.total == 100 and not card.problems


def test_department_file_under_a_project_rule_set_gets_one_error(make_dept, tmp_path):
    # --rules hubei-project on a folder with a 部门整体支出 file: its 评价类型 (B2) does not fit the
    # rule set. That one error is reported; the 10 共性 rows, whose 实际完成值 are computed (never
    # typed), are not listed as 实际完成值未填写 as the 项目支出 rules would read them
    inbox = tmp_path / "in"
    inbox.mkdir()
    make_dept().rename(inbox / "部门.xlsx")
    summary = tmp_path / "汇总.xlsx"  # not the working folder's
    result = CliRunner().invoke(
        cli, ["score", str(inbox), "--rules", "hubei-project", "--json", "--summary", str(summary)]
    )
    assert result.exit_code == 1, result.output
    (obj,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(p["code"], p["cell"]) for p in obj["problems"]] == [("kind-mismatch", "B2")]
    assert obj["status"] == "needs-correction" and obj["grade"] is None


def test_template_kind_and_rules_that_disagree_is_a_usage_error(tmp_path):
    # asked for a 部门整体支出 template with a 项目支出 rule set: exit 2 with a Chinese message, no file
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(cli, ["template", "--kind", "部门整体支出", "--rules", "hubei-project", "-o", str(out)])
    assert result.exit_code == 2
    assert "--kind 部门整体支出 与规则集" in result.stderr and "（项目支出）不符" in result.stderr
    assert not out.exists()
    # --rules alone picks its own kind; --kind agreeing with it is fine
    for args in (["--rules", "hubei-project"], ["--kind", "项目支出", "--rules", "hubei-project"]):
        assert CliRunner().invoke(cli, ["template", *args, "-o", str(out)]).exit_code == 0


def test_a_duplicate_department_submission_is_not_called_the_same_project(make_dept):
    """Two 部门整体支出 files of one unit and year are one submission twice; the warning called
    them 同一项目 (a department's evaluation has no project). A project's stays as it was."""
    from selfeval_xl.duplicates import Duplicates, identity

    seen = Duplicates()
    for name in ("部门.xlsx", "部门（副本）.xlsx"):
        path = make_dept(name=name)
        seen.add(identity(score_file(path).card), name, path)
    message = seen.problems()["部门.xlsx"][1].message
    assert message == "与 部门（副本）.xlsx 是同一单位、同一年度的部门整体支出自评表（重复提交？），请确认以哪一份为准"


def test_a_data_item_listed_twice_with_another_value_is_named(make_dept):
    """部门整体数据 with 公用经费实际支出数 listed again below the table (95 on its own row, 80 on
    the extra one): the first is used (公用经费控制率 95 ÷ 100 = 95%, full marks as before), and
    the second row is named, so that the unit deletes the one it did not mean. The same value
    twice is no question."""
    path = make_dept()
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_DEPT_DATA]
    last = ws.max_row
    ws.cell(last + 1, 1, "公用经费实际支出数")
    ws.cell(last + 1, 2, 80)
    ws.cell(last + 2, 1, "公用经费预算数")
    ws.cell(last + 2, 2, 100)  # (as on its own row)
    wb.save(path)
    card = score_file(path).card
    twice = [p for p in card.problems if p.code == "data-item-twice"]
    assert [(p.where.cell, p.severity) for p in twice] == [(f"B{last + 1}", "warning")]
    first = next(e for e in card.data.dept_data.values() if e.name == "公用经费实际支出数").cell
    assert (
        twice[0].message
        == f"部门整体数据“公用经费实际支出数”填了两次（{first} 为 95，B{last + 1} 为 80），按第一处 95 计算；请删去多余的一行"
    )
    assert score_of(card, "公用经费控制率") == 3 and card.total == 100  # (3 points in the rule set)


def test_a_common_row_marked_not_applicable_is_still_computed(make_dept):
    """A 共性 row is the rule set's: its 实际完成值 comes from 部门整体数据, so a “/” or 不适用
    typed there does not take it out of the total. 在职 27 of 编制 20 = 135% → 3 − 35 × 0.5 < 0:
    0 of 3, total 97. The mark made the row 不适用 and rescaled the rest (97 × 100 ÷ 97 = 100)
    beside a “缺少共性指标” error at D1 for a row that was there; now it is scored as the data say,
    with the typed mark named as a figure that disagrees with the computed one (a warning)."""
    card = score_file(make_dept(data={"在职人数": 27}, owned={"在职人员控制率": {"实际完成值": "/"}})).card
    assert score_of(card, "在职人员控制率") == 0 and card.total == 97
    assert not card.errors and card.status == "final"
    assert ("computed-mismatch", "部门.xlsx 绩效指标!H2") in codes(card)
    assert not [p for p in card.problems if p.code.startswith("not-applicable")]
    # 政府采购 none (0 of 0) and the row marked 不适用: the data say so too, and they decide: left
    # out as the data's (common-not-applicable at its 分值 cell I10), 97 × 100 ÷ 97 = 100, no
    # “缺少共性指标” error for a row that is there
    data = {"政府采购预算数": 0, "政府采购实际金额": 0}
    card = score_file(make_dept(data=data, owned={"政府采购执行率": {"实际完成值": "不适用"}}, name="采购.xlsx")).card
    assert not card.errors and card.total == 100
    # (the 个性 rows' 120家 of ≥100家 and 12% of ≥10% draw their over-achievement warnings as always)
    assert [p.code for p in card.problems if p.code != "over-achievement"] == ["common-not-applicable"]


def test_every_unusable_item_of_a_formula_is_named(make_dept):
    """Both items of 政府采购执行率 typed as words that are no amount (B9 预算数, B10 实际金额): each is
    named at its cell. Only the first the formula reached (the numerator, B10) was, so the unit
    fixed it, sent the file again and was then told about B9. Likewise two blank items: both are
    missing-value. (Both typed “—” is no procurement at all: test_department_marks.)"""
    card = score_file(make_dept(data={"政府采购预算数": "约五十", "政府采购实际金额": "约五十"})).card
    assert {c for c in codes(card) if c[0] == "not-a-number"} == {
        ("not-a-number", "部门.xlsx 部门整体数据!B9"),
        ("not-a-number", "部门.xlsx 部门整体数据!B10"),
    }
    assert score_of(card, "政府采购执行率") == 0 and card.total == 97
    card = score_file(make_dept(data={"在用固定资产总额": None, "固定资产总额": None}, name="空.xlsx")).card
    assert {c for c in codes(card) if c[0] == "missing-value"} == {
        ("missing-value", "空.xlsx 部门整体数据!B13"),
        ("missing-value", "空.xlsx 部门整体数据!B14"),
    }
    assert score_of(card, "固定资产利用率") == 0 and card.total == 95


def test_a_head_count_with_a_unit_that_is_not_a_count_is_an_error(make_dept):
    """编制人数 typed 30% and 在职人数 28万元 (copied from the wrong column): neither is a number of
    people. They were read as 30 and 28 people (28 ÷ 30 = 93.33%, full marks, no word); now each is
    named at its cell (B2, B3) and 在职人员控制率 is not computed: 0 of 3, total 97. A count with
    its own unit (28人, 1.2万人) or a bare number reads as before."""
    card = score_file(make_dept(data={"编制人数": "30%", "在职人数": "28万元"})).card
    assert {c for c in codes(card) if c[0] == "not-a-number"} == {
        ("not-a-number", "部门.xlsx 部门整体数据!B2"),
        ("not-a-number", "部门.xlsx 部门整体数据!B3"),
    }
    assert score_of(card, "在职人员控制率") == 0 and card.total == 97
    # 28人 of 30 = 93.33%; 1.9万人 of 2万人 = 19000 ÷ 20000 = 95%: full marks
    for i, data in enumerate(({"编制人数": "30", "在职人数": "28人"}, {"编制人数": "2万人", "在职人数": "1.9万人"})):
        card = score_file(make_dept(data=data, name=f"人{i}.xlsx")).card
        assert score_of(card, "在职人员控制率") == 3 and not card.errors


def test_a_head_count_with_a_fraction_is_told_at_its_cell(make_dept):
    """在职人数 19.5 of 编制人数 20.5: people come whole, yet it was scored with no word. A usable
    number (a half for a part-timer is plausible), so it is scored as typed: 19.5 ÷ 20.5 = 95.12%
    ≤ 100%, full 3, total 100, no error; but each is a warning at its cell (编制 B2, 在职 B3). Whole
    counts (20, 19; 1.9万人 = 19000) are not told."""
    card = score_file(make_dept(data={"编制人数": 20.5, "在职人数": "19.5人"})).card
    told = {(p.code, str(p.where)): p for p in card.problems if p.code == "fractional-count"}
    assert set(told) == {
        ("fractional-count", "部门.xlsx 部门整体数据!B2"),
        ("fractional-count", "部门.xlsx 部门整体数据!B3"),
    }
    assert told["fractional-count", "部门.xlsx 部门整体数据!B2"].severity == "warning"
    assert told["fractional-count", "部门.xlsx 部门整体数据!B3"].message == (
        "在职人数“19.5人”不是整数：人数应为整数；已按所填的数计算，请核对是否笔误"
    )
    assert score_of(card, "在职人员控制率") == 3 and card.total == 100 and not card.errors
    assert card.rows.loc[ROW["在职人员控制率"], "actual_text"] == "95.12%（在职人数 19.5 ÷ 编制人数 20.5）"
    card = score_file(make_dept(data={"编制人数": "2万人", "在职人数": "1.9万人"}, name="整.xlsx")).card
    assert not [p for p in card.problems if p.code == "fractional-count"]


def test_a_common_indicator_listed_twice_counts_once(make_dept):
    """政府采购执行率 (3 分, 50 of 50 = 100%) typed again as a 个性 row under 产出指标 (row 13, 分值 3,
    with 检查企业数 cut to 27 so that Σ分值 stays 100). It was scored from the data a second time:
    3 more points the department's own duties never earned, total 100, final, no word. The second
    one is an error at its 三级指标 (D13) and scores 0: 100 − 3 = 97 (暂算)."""
    rows = [
        dict(OWN_ROWS[0], 分值=27),
        row("产出指标", "质量指标", "政府采购执行率", "≥100%", "100%", 3),
        *OWN_ROWS[1:],
    ]
    card = score_file(make_dept(rows=rows)).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("common-twice", "部门.xlsx 绩效指标!D13")]
    assert card.errors[0].message == "共性指标“政府采购执行率”已在 D10 列出，不能再列一次：请删去这一行"
    assert card.rows.loc[13, "score"] == 0 and score_of(card, "政府采购执行率") == 3
    assert card.total == 97 and card.status == "needs-correction"


def test_a_common_row_added_again_is_one_error_not_two(make_dept):
    """政府采购执行率 (3 分) added as a 个性 row under 产出指标 without cutting any other 分值: Σ分值
    = 40 (共性) + 60 (个性) + 3 = 103. The repeated row is the one mistake (common-twice at D15:
    共性 rows 2-11, the 个性 rows 12-14, the copy 15); deleting it brings Σ back to 100, so no
    points-total "103，应为 100" besides (nor 产出指标 33 of 30). The total: 40 + 60 = 100 with
    the copy at 0, 待更正."""
    rows = [*OWN_ROWS, row("产出指标", "质量指标", "政府采购执行率", "≥100%", "100%", 3)]
    card = score_file(make_dept(rows=rows)).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("common-twice", "部门.xlsx 绩效指标!D15")]
    assert card.rows.loc[15, "score"] == 0
    assert card.total == 100 and card.status == "needs-correction"


@pytest.mark.parametrize("source_column", [True, False])
def test_a_personal_copy_above_the_common_row_is_the_one_blamed(make_dept, source_column):
    """The 个性 copy of 政府采购执行率 (产出指标/质量指标, 3 分; 检查企业数 cut to 27) typed in a row
    inserted above the 共性 rows (row 2): the 共性 rows move down one, the rule set's own row
    (过程/预算执行, 指标来源 共性) is now D11. Before, the first listing was kept, so the template's
    row D11 got common-twice ("已在 D2 列出") and the copy was scored as the 共性 row. The row kept
    is the one matching the rule set, by its 指标来源 共性 or, with that column deleted, by its
    一级/二级指标: the error is at D2 and says D11; D2 scores 0, D11 its 3 (50 ÷ 50 = 100%), the
    total 100 − 3 = 97."""
    rows = [dict(OWN_ROWS[0], 分值=27), *OWN_ROWS[1:]]
    path = make_dept(rows=rows)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_INDICATORS]
    ws.insert_rows(2)
    copy = ("产出指标", "质量指标", "政府采购执行率", "≥", "≥100%", "%", "100%", 3, None, None, "个性")
    for col, value in enumerate(copy, start=2):
        ws.cell(2, col).value = value
    if not source_column:
        ws.delete_cols(12)  # 指标来源
    wb.save(path)
    card = score_file(path).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("common-twice", "部门.xlsx 绩效指标!D2")]
    assert card.errors[0].message == "共性指标“政府采购执行率”已在 D11 列出，不能再列一次：请删去这一行"
    assert card.rows.loc[2, "score"] == 0 and card.rows.loc[11, "score"] == 3
    assert card.total == 97 and card.status == "needs-correction"
