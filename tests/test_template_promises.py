"""What the template tells the accountant (说明, input messages, drop-downs and checks) is what the
scorer then does (audit 61): for each statement, a workbook that follows it and one that does not,
scored; and every check on an input cell lets through what the scorer reads."""

from __future__ import annotations

import copy

import openpyxl
import pytest
from conftest import base_rows
from test_department import BUDGET as DEPT_BUDGET
from test_department import FULL_DATA, OWN_ROWS
from test_department import INFO as DEPT_INFO

from selfeval_xl import fill_workbook, generate_template, load_rules, score_file
from selfeval_xl.reading import contract as L


def _guide(path) -> str:
    ws = openpyxl.load_workbook(path)[L.SHEET_GUIDE]
    return "\n".join(c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str))


def _validation(path, sheet, column_header):
    """The data validation on the column headed ``column_header`` (or on the 基本信息 value of that label)."""
    ws = openpyxl.load_workbook(path)[sheet]
    for dv in ws.data_validations.dataValidation:
        if dv.promptTitle == column_header:
            return dv
    raise AssertionError(f"no validation titled {column_header} on {sheet}")


def _rows(**changes):
    """base_rows() with some rows changed, by 三级指标."""
    rows = copy.deepcopy(base_rows())
    for r in rows:
        r.update(changes.get(r["三级指标"], {}))
    return rows


def _row(card, name):
    (found,) = [r for r in card.records if r.name == name]
    return found


def _codes(card):
    return [(p.code, p.where.location) for p in card.problems]


# -- 定性: the ordinal words ------------------------------------------------------------


def test_scale_words_are_promised_only_against_a_scale_target(template_path, make_workbook):
    """说明 once listed 好/较好/一般、优/良/中/差 among the answers to any 定性 indicator; the scorer
    compares them with the target's own scale, so against 达成年度指标 they are prose for a reviewer."""
    guide = _guide(template_path)
    assert "指标值写成等级的" in guide and "实际完成值写同一序列的等级" in guide
    # as the guide says: target 好, actual 较好, one step below → 部分达成, default 60% of 10 = 6
    card = score_file(make_workbook(indicators=_rows(服务规范性={"指标值": "好", "实际完成值": "较好"}))).card
    assert _row(card, "服务规范性").score == 6
    # target 优, actual 优: at the target → 达成, 10
    card = score_file(make_workbook("b.xlsx", indicators=_rows(服务规范性={"指标值": "优", "实际完成值": "优"}))).card
    assert _row(card, "服务规范性").score == 10
    # the opposite: a scale word against a band target is not judged: 待复核, provisional 0
    card = score_file(
        make_workbook("c.xlsx", indicators=_rows(服务规范性={"指标值": "达成年度指标", "实际完成值": "好"}))
    ).card
    assert card.status == "needs-review"
    assert ("needs-review", "绩效指标!H5") in _codes(card)


def test_a_claim_inside_the_band_is_the_score(template_path, make_workbook):
    """说明: a 定性 row's 申报得分 counts when it lies in the band judged; otherwise the band's default."""
    assert "申报得分在该档范围内按申报得分，否则按 100%、60%、0% 计" in _guide(template_path)
    # 完成 → 达成 band [80%, 100%] of 10 = [8, 10]: a claim of 9 is the score
    card = score_file(make_workbook(indicators=_rows(服务规范性={"实际完成值": "完成", "申报得分": 9}))).card
    assert _row(card, "服务规范性").score == 9
    # a claim of 7 is below the band: 达成's default 100% → 10, and the claim is flagged
    card = score_file(make_workbook("b.xlsx", indicators=_rows(服务规范性={"实际完成值": "完成", "申报得分": 7}))).card
    assert _row(card, "服务规范性").score == 10


# -- not-applicable rows --------------------------------------------------------------------


def test_a_not_applicable_row_as_the_guide_says_is_rescaled(template_path, make_workbook):
    """说明: 指标值 and 实际完成值 “/”, 分值 kept: the row is left out and the total rescaled."""
    assert "本年度不适用的指标：指标值、实际完成值填“/”" in _guide(template_path)
    rows = _rows(
        托养服务人次数={"指标值": "/", "实际完成值": "/"},  # 10 points, not applicable
        康复服务比例={"实际完成值": "68%", "偏差原因分析及改进措施": "部分对象外出务工"},  # 15 × 68 ÷ 85 = 12
    )
    card = score_file(make_workbook(indicators=rows)).card
    # applicable: 100 − 10 = 90 points; scores 10 (预算执行率) + 12 + 10 + 5 + 10 + 15 + 15 + 10 = 87;
    # total 87 × 100 ÷ 90 = 96.666… → 96.67
    assert card.total == pytest.approx(96.67)
    assert card.status == "final"
    assert ("not-applicable-rescaled", "绩效指标!I4") in _codes(card)
    # the opposite: 分值 cleared too (“/” everywhere): the row is skipped and the table is 10 short
    rows[1] = {**rows[1], "三级指标": "/", "分值": "/"}
    card = score_file(make_workbook("b.xlsx", indicators=rows)).card
    assert card.status == "needs-correction"
    assert ("points-total", "绩效指标!I1") in _codes(card)


# -- 偏差原因 ---------------------------------------------------------------------------------


def test_the_reason_is_asked_for_below_target_and_at_120_percent(template_path, make_workbook):
    guide = _guide(template_path)
    assert "实际完成值未达到指标值（得分低于分值）时，必须在“偏差原因分析及改进措施”中说明原因" in guide
    assert "达到指标值的 120% 及以上时，也请说明" in guide
    dv = _validation(template_path, L.SHEET_INDICATORS, L.I_REASON)
    assert "120%" in dv.prompt and str(dv.sqref).startswith("K2:")  # the 预算执行率 row's too
    # below target, no reason: 116 of ≥120 人 → 10 × 116 ÷ 120 = 9.67, and a warning at K4
    low = _rows(托养服务人次数={"指标值": "≥120人"})
    card = score_file(make_workbook(indicators=low)).card
    assert _row(card, "托养服务人次数").score == pytest.approx(9.67)
    assert ("missing-reason", "绩效指标!K4") in _codes(card)
    # with a reason: no warning; “无” is no reason
    low[1]["偏差原因分析及改进措施"] = "无"
    assert ("missing-reason", "绩效指标!K4") in _codes(score_file(make_workbook("b.xlsx", indicators=low)).card)
    low[1]["偏差原因分析及改进措施"] = "部分对象年中迁出"
    assert ("missing-reason", "绩效指标!K4") not in _codes(score_file(make_workbook("c.xlsx", indicators=low)).card)
    # 126 of ≥105 人 = 120% exactly: full marks, and the over-achievement warning asking for a reason
    card = score_file(make_workbook("d.xlsx", indicators=_rows(托养服务人次数={"实际完成值": "126人"}))).card
    assert _row(card, "托养服务人次数").score == 10
    assert ("over-achievement", "绩效指标!H4") in _codes(card)


# -- the checks on input cells let through what the scorer reads -------------------------------


def test_checks_warn_rather_than_refuse_what_the_scorer_reads(template_path, make_workbook):
    """评价年度 2023年, 分值 10分, 申报得分 9.5分 are all read by the scorer; the template's checks
    refused them (Excel's “stop”). Now each only warns, and the year check spans what the scorer takes."""
    year = _validation(template_path, L.SHEET_INFO, L.INFO_YEAR)
    assert (year.errorStyle, year.formula1, year.formula2) == ("warning", "1990", "2100")
    for header in (L.I_POINTS, L.I_CLAIMED):
        assert _validation(template_path, L.SHEET_INDICATORS, header).errorStyle == "warning", header
    rows = _rows(托养服务人次数={"分值": "10分", "申报得分": "9.5分"})
    card = score_file(make_workbook(info={"评价年度": "2023年", "申报总分": None}, indicators=rows)).card
    assert card.data.info[L.INFO_YEAR] == 2023
    # 分值 10分 read as 10 (Σ 100, no points-total); 申报得分 9.5 against 核定 10 → one mismatch warning
    assert card.status == "final" and card.total == 100
    assert [c for c, _ in _codes(card)] == ["score-mismatch"]


def test_an_approximate_score_is_no_score(make_workbook):
    """申报得分 约8分, 8分左右, ≈8 or 8余分 says the score only roughly: it was taken as 8 (a
    score-mismatch against 核定 10, as if 8 had been claimed); like 8分以上 it is now not a number,
    at its cell. 分值 约10分 the same: not 10 points. (托养服务人次数 is on row 4: 分值 I4, 申报得分 J4)"""
    for claimed in ("约8分", "8分左右", "≈8", "8余分", "8分以上"):
        card = score_file(make_workbook(indicators=_rows(托养服务人次数={"申报得分": claimed}))).card
        assert _codes(card) == [("not-a-number", "绩效指标!J4")], claimed
        assert f"申报得分“{claimed}”无法识别为数值" in card.problems[0].message
    card = score_file(make_workbook(indicators=_rows(托养服务人次数={"分值": "约10分"}))).card
    assert ("not-a-number", "绩效指标!I4") in _codes(card)
    # while ９分 (full-width) still reads as 9: 申报 9 against 核定 10 (116人 ≥ 105人), one mismatch
    card = score_file(make_workbook(indicators=_rows(托养服务人次数={"申报得分": "９分"}))).card
    assert _codes(card) == [("score-mismatch", "绩效指标!J4")] and _row(card, "托养服务人次数").claimed == 9


def test_the_claim_check_is_the_rows_points(template_path, make_workbook):
    """申报得分 > 分值 is an error when scored; the template's check compares with the same row's 分值
    (relative to row 2, where the check starts: the rule set's rows are covered too)."""
    dv = _validation(template_path, L.SHEET_INDICATORS, L.I_CLAIMED)
    assert str(dv.sqref).startswith("J2:") and (dv.type, dv.formula1, dv.formula2) == ("decimal", "0", "$I2")
    card = score_file(make_workbook(indicators=_rows(托养服务人次数={"申报得分": 12}))).card
    assert ("claim-over-points", "绩效指标!J4") in _codes(card)
    assert card.status == "needs-correction"


# -- 部门整体支出: 金额单位 and 0 in a denominator -------------------------------------------


@pytest.fixture(scope="module")
def dept_template(tmp_path_factory):
    return generate_template(tmp_path_factory.mktemp("dept61") / "dept.xlsx", load_rules(None, L.KIND_DEPARTMENT))


def _dept(template, path, data=None, info=None, budget=None):
    return score_file(
        fill_workbook(
            template,
            path,
            {**DEPT_INFO, **(info or {})},
            budget or DEPT_BUDGET,
            OWN_ROWS,
            dept_data={**FULL_DATA, **(data or {})},
        )
    ).card


def test_the_amount_unit_covers_the_department_data(dept_template, template_path, tmp_path):
    """基本信息's 金额单位 is said to apply to 部门整体数据 too (it said only 预算执行表)."""
    assert "“预算执行”“部门整体数据”两表" in _guide(dept_template)
    assert "部门整体数据" in _validation(dept_template, L.SHEET_INFO, L.INFO_AMOUNT_UNIT).prompt
    assert "部门整体数据" not in _validation(template_path, L.SHEET_INFO, L.INFO_AMOUNT_UNIT).prompt
    # every amount in 元 (× 10000) with 金额单位 元: the same 100 as in 万元; people stay people
    money = {k: v * 10000 for k, v in FULL_DATA.items() if k not in ("编制人数", "在职人数")}
    budget = {k: tuple(x * 10000 for x in v) for k, v in DEPT_BUDGET.items()}
    card = _dept(dept_template, tmp_path / "元.xlsx", money, {"金额单位": "元"}, budget)
    assert (card.status, card.total) == ("final", 100)
    # the opposite: the same figures in 元 left under 金额单位 万元 — 预算调整数 500000 万元 ÷ 年初
    # 1000 万元 is 50000% > 10%: 预算调整率 loses its 3 points (step 0.2 per point, 扣完为止)
    card = _dept(dept_template, tmp_path / "万元.xlsx", {"预算调整数": 500000})
    assert card.total == 97


def test_zero_denominators_as_the_guide_says(dept_template, tmp_path):
    guide = _guide(dept_template)
    assert "部门整体数据每项都要填写，没有的填 0（空着是错误）" in guide
    assert "分子也是 0 的该指标不适用，不计分，总分按适用指标折算" in guide
    assert "没有的填 0" in _validation(dept_template, L.SHEET_DEPT_DATA, L.D_VALUE).prompt
    # no procurement, written 0 and 0: 政府采购执行率 (3) not applicable; 97 of 97 → 97 × 100 ÷ 97 = 100
    card = _dept(dept_template, tmp_path / "零.xlsx", {"政府采购预算数": 0, "政府采购实际金额": 0})
    assert (card.status, card.total) == ("final", 100)
    assert ("common-not-applicable", "绩效指标!I10") in _codes(card)
    # the opposite, left blank: two missing-value errors, 待更正, 100 − 3 = 97 (暂算)
    card = _dept(dept_template, tmp_path / "空.xlsx", {"政府采购预算数": None, "政府采购实际金额": None})
    assert card.status == "needs-correction" and card.total == 97
    assert [(c, w) for c, w in _codes(card) if c == "missing-value"] == [
        ("missing-value", "部门整体数据!B9"),
        ("missing-value", "部门整体数据!B10"),
    ]
    # no “三公” spending at all (0, 0, 0): the smaller-is-better rows are full marks, 100
    zero = {"“三公”经费预算数": 0, "“三公”经费实际支出数": 0, "上年“三公”经费实际支出数": 0}
    assert _dept(dept_template, tmp_path / "三公.xlsx", zero).total == 100
    # last year 0, this year 8: 变动率 cannot be a percentage → 0 of 3, a warning: 97
    assert _dept(dept_template, tmp_path / "上年零.xlsx", {"上年“三公”经费实际支出数": 0}).total == 97
