"""What accountants type for "none" in 部门整体数据 and 预算执行 (SPEC §2.3, §3.1, §3.11, §3.13):
``—``, ``-``, ``/``, ``无``, ``不适用`` where the template asks for 0. For an amount the mark is read
as the 0 the template asks for (told at its cell), and the zero-denominator rules decide the row;
a head count has no "none"; a blank is still missing-value. Totals worked out by hand below."""

from __future__ import annotations

import math

import pytest
import test_department as D
from test_department import ROW, codes, score_of

from selfeval_xl import load_rules, score_file
from selfeval_xl.file_scoring import RuleBook
from selfeval_xl.rules.ruleset import builtin_path

dept_template, make_dept = D.dept_template, D.make_dept  # (fixtures)


def _strict(tmp_path):
    """The default 部门整体支出 rule set with na_points = "error"."""
    text = builtin_path("部门整体支出").read_text(encoding="utf-8")
    path = tmp_path / "strict.toml"
    path.write_text(text.replace('na_points = "rescale"', 'na_points = "error"'), encoding="utf-8")
    return RuleBook(load_rules(path))


def _not(card, *skip):
    """Problems other than the 个性 rows' over-achievement warnings (120家 of ≥100家, 12% of ≥10%)."""
    return [(p.code, str(p.where)) for p in card.problems if p.code not in ("over-achievement", *skip)]


def _quiet(card):
    """``_not`` less the 申报总分 and 偏差原因 warnings that a lower score draws."""
    return _not(card, "claimed-total-mismatch", "missing-reason")


@pytest.mark.parametrize("mark", ["—", "-", "/", "无", "不适用", "——", "不涉及"])
def test_no_procurement_typed_as_a_mark_is_not_applicable(make_dept, mark):
    """政府采购预算数 (B9) and 政府采购实际金额 (B10) both typed ``mark``: no procurement, as 0 of 0
    would say. It was not-a-number twice (待更正, an error the unit could not fix). Now 0 ÷ 0 on a
    ≥ indicator: 政府采购执行率 (3 分) left out and rescaled. With 在职 27 of 编制 20 (135% → 0 of
    3) the other rows score 100 − 3 (在职) − 3 (采购) = 94 of 97 applicable points:
    94 × 100 ÷ 97 = 96.907… → 96.91, final, 优."""
    card = score_file(make_dept(data={"政府采购预算数": mark, "政府采购实际金额": mark, "在职人数": 27})).card
    assert not card.errors and card.status == "final"
    assert (card.total, card.grade) == (96.91, "优")
    assert math.isnan(score_of(card, "政府采购执行率"))
    assert _quiet(card) == [
        ("data-none-mark", "部门.xlsx 部门整体数据!B9"),
        ("data-none-mark", "部门.xlsx 部门整体数据!B10"),
        ("common-not-applicable", "部门.xlsx 绩效指标!I10"),
    ]
    told = next(p for p in card.problems if p.code == "data-none-mark")
    assert told.severity == "warning"
    assert told.message == f"政府采购预算数填的是“{mark}”，按 0（本年没有这项）计算；部门整体数据没有的项请填 0"
    # the row's 实际完成值 says why, with what was typed
    assert card.rows.loc[ROW["政府采购执行率"], "actual_text"] == (
        f"不适用（政府采购实际金额 {mark} ÷ 政府采购预算数 {mark}）"
    )


def test_zero_typed_as_text_0_00_is_zero(make_dept):
    # “0.00” in a text cell is the number 0: 0 ÷ 0, left out, 97 × 100 ÷ 97 = 100; no mark warning
    card = score_file(make_dept(data={"政府采购预算数": "0.00", "政府采购实际金额": "0.00"})).card
    assert card.total == 100 and card.status == "final"
    assert _not(card) == [("common-not-applicable", "部门.xlsx 绩效指标!I10")]


def test_blank_stays_missing(make_dept):
    # blank is no answer at all: missing-value at each cell, 0 of 3, 97, 待更正 (as before)
    card = score_file(make_dept(data={"政府采购预算数": None, "政府采购实际金额": None})).card
    assert [(p.code, str(p.where)) for p in card.errors] == [
        ("missing-value", "部门.xlsx 部门整体数据!B9"),
        ("missing-value", "部门.xlsx 部门整体数据!B10"),
    ]
    assert (card.total, card.status) == (97, "needs-correction")


def test_marks_are_an_error_when_not_applicable_rows_are(make_dept, tmp_path):
    # na_points = "error": 0 ÷ 0 stays the zero-denominator error at 政府采购预算数 (B9), now quoting
    # the mark; B10's mark is still told. 0 of 3: 97, 待更正
    card = score_file(make_dept(data={"政府采购预算数": "—", "政府采购实际金额": "—"}), rulebook=_strict(tmp_path)).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("zero-denominator", "部门.xlsx 部门整体数据!B9")]
    assert card.errors[0].message == "政府采购执行率无法计算：分母“政府采购预算数”填的是“—”（按 0 计）"
    assert ("data-none-mark", "部门.xlsx 部门整体数据!B10") in codes(card)
    assert ("data-none-mark", "部门.xlsx 部门整体数据!B9") not in codes(card)  # (one problem a cell)
    assert (card.total, card.status) == (97, "needs-correction")


def test_bought_without_a_budget_marked_none_is_one_error(make_dept):
    # 政府采购预算数 “/” but 5 bought: x ÷ 0 on ≥ is contradictory data, one error at B9 saying what
    # was typed (no second warning there); 0 of 3: 97
    card = score_file(make_dept(data={"政府采购预算数": "/", "政府采购实际金额": 5})).card
    assert _quiet(card) == [("zero-denominator", "部门.xlsx 部门整体数据!B9")]
    assert card.total == 97
    assert card.rows.loc[ROW["政府采购执行率"], "note"] == "分母政府采购预算数填的是“/”（按 0 计），无法计算，计 0 分"


def test_no_adjustment_typed_none_is_full_marks(make_dept):
    # 预算调整数 “无”: no adjustment, 0 ÷ 年初预算数 1000 = 0% ≤ 10% → 3 of 3 (not left out: the
    # indicator applies and is met): 100, final, one warning at B12
    card = score_file(make_dept(data={"预算调整数": "无"})).card
    assert score_of(card, "预算调整率") == 3 and card.total == 100 and card.status == "final"
    assert _not(card) == [("data-none-mark", "部门.xlsx 部门整体数据!B12")]
    assert card.rows.loc[ROW["预算调整率"], "actual_text"] == "0.00%（预算调整数 无 ÷ 年初预算数 1000）"


def test_no_sangong_typed_as_marks_is_full_marks(make_dept):
    # no “三公” at all, typed “—” three times: as 0, 0, 0 — 持平 and within budget: 3 + 3, 100, final
    marks = {"“三公”经费预算数": "—", "“三公”经费实际支出数": "—", "上年“三公”经费实际支出数": "—"}
    card = score_file(make_dept(data=marks)).card
    assert (score_of(card, "“三公”经费变动率"), score_of(card, "“三公”经费控制率")) == (3, 3)
    assert card.total == 100 and not card.errors
    assert card.rows.loc[ROW["“三公”经费控制率"], "actual_text"] == (
        "0.00%（“三公”经费实际支出数 — ÷ “三公”经费预算数 —，分子分母均为 0，按 0% 计）"
    )
    assert {c for c in _not(card)} == {
        ("data-none-mark", "部门.xlsx 部门整体数据!B4"),
        ("data-none-mark", "部门.xlsx 部门整体数据!B5"),
        ("data-none-mark", "部门.xlsx 部门整体数据!B6"),
    }


def test_no_sangong_last_year_marked_gets_what_0_gets(make_dept):
    # 上年“三公” “—” with 8 spent this year: as typed 0, grown past 持平 → 0 of 3 with the
    # zero-base-exceeded warning at B6 (not left out: “—” is no way around the 0 a typed 0 gets);
    # 100 − 3 = 97, final
    card = score_file(make_dept(data={"上年“三公”经费实际支出数": "—"})).card
    assert score_of(card, "“三公”经费变动率") == 0 and card.total == 97 and card.status == "final"
    assert _quiet(card) == [("zero-base-exceeded", "部门.xlsx 部门整体数据!B6")]
    # the warning quotes what was typed, as the zero-denominator error does (it said “为 0”)
    (told,) = [p for p in card.problems if p.code == "zero-base-exceeded"]
    assert "分母“上年“三公”经费实际支出数”填的是“—”（按 0 计）而分子不为 0" in told.message


@pytest.mark.parametrize(("item", "cell"), [("编制人数", "B2"), ("在职人数", "B3")])
def test_a_head_count_has_no_none(make_dept, item, cell):
    # a department always has 编制 and staff: “无” is an error at the cell, 在职人员控制率 0 of 3: 97
    card = score_file(make_dept(data={item: "无"})).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("data-count-none", f"部门.xlsx 部门整体数据!{cell}")]
    assert card.errors[0].message == f"{item}填的是“无”，不是人数：部门都有编制和在职人员，请填写{item}"
    assert score_of(card, "在职人员控制率") == 0 and (card.total, card.status) == (97, "needs-correction")
    assert card.rows.loc[ROW["在职人员控制率"], "note"] == f"{item}填写有误，无法计算，计 0 分"


def test_full_year_budget_blank_is_one_error_at_its_cell(make_dept):
    # 全年预算数 blank (C2) feeds 预算执行率 (10) and 结转结余率 (3): one budget-missing at C2, not
    # a second missing-value there for 结转结余率; 100 − 10 − 3 = 87, 待更正
    budget = {"年度资金总额": (1000, None, 1000), "当年财政拨款": (1000, None, 1000)}
    card = score_file(make_dept(budget=budget)).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("budget-missing", "部门.xlsx 预算执行!C2")]
    assert card.total == 87
    # 0 there: the same one error, no zero-base-exceeded warning beside it at C2 (年末结转结余 20 ÷ 0)
    budget = {"年度资金总额": (1000, 0, 1000), "当年财政拨款": (1000, 0, 1000)}
    card = score_file(make_dept(budget=budget, name="零.xlsx")).card
    assert _quiet(card) == [("budget-missing", "零.xlsx 预算执行!C2")]
    assert card.total == 87


def test_full_year_budget_marked_says_what_was_typed(make_dept):
    # 全年预算数 “—” (C2, and “/” on its line): an amount is needed (SPEC §3.1, an error), the message
    # quotes the mark rather than “为 0 或未填写”; 87 as blank
    budget = {"年度资金总额": (1000, "—", 1000), "当年财政拨款": (1000, "/", 1000)}
    card = score_file(make_dept(budget=budget)).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("budget-no-amount", "部门.xlsx 预算执行!C2")]
    assert card.errors[0].message == "年度资金总额全年预算数填的是“—”，不是金额：预算执行率要用它计算，请填写金额"
    assert card.total == 87


def test_initial_budget_marked_says_what_was_typed(make_dept):
    # 年初预算数 “—” on both lines (B2): 预算调整率 needs it; it said “年初预算数未填写” of a typed
    # cell. One error naming the mark and the indicator; 0 of 3: 97
    budget = {"年度资金总额": ("—", 1000, 1000), "当年财政拨款": ("—", 1000, 1000)}
    card = score_file(make_dept(budget=budget)).card
    assert [(p.code, str(p.where)) for p in card.errors] == [("budget-no-amount", "部门.xlsx 预算执行!B2")]
    assert card.errors[0].message == "年度资金总额年初预算数填的是“—”，不是金额：预算调整率要用它计算，请填写金额"
    assert card.total == 97
