"""SPEC §3 rules, each through a real filled workbook; expected values worked out by hand.

Template columns: A 序号, B 一级, C 二级, D 三级, E 指标性质, F 指标值, G 计量单位, H 实际完成值,
I 分值, J 申报得分, K 偏差原因. Row 2 is the 预算执行率 row; a test's own rows start at row 3."""

from __future__ import annotations

import math

import openpyxl
import pytest
from conftest import base_rows, row

from selfeval_xl import load_rules, read_workbook, score
from selfeval_xl.outputs.report import draft, to_markdown
from selfeval_xl.rounding import round_half_up
from selfeval_xl.rules.ruleset import builtin_path


def card_for(make_workbook, rows=None, rules=None, **kw):
    path = make_workbook(indicators=rows, **kw)
    return score(read_workbook(path), rules or load_rules())


def codes(card, code):
    return [p.where.cell for p in card.problems if p.code == code]


def fill_to_90(rows):
    """Pad with a full-score 满意度 row so that Σ分值 = 10 (budget) + 90."""
    used = sum(r["分值"] for r in rows)
    return rows + [row("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 90 - used)]


# --- §3.1 预算执行率 ------------------------------------------------------------------------
def test_budget_rate_seed_figures(make_workbook):
    # 2100 ÷ 2329.64 = 0.901427...; 10 × 0.901427 = 9.01427 → 9.01; rate shown 90.14%
    card = card_for(make_workbook, budget={"年度资金总额": (2329.64, 2329.64, 2100)})
    assert card.rows.loc[2, "score"] == 9.01
    assert card.rows.loc[2, "rate"] == 90.14
    assert card.budget.rate == pytest.approx(90.1427, abs=1e-4)
    # all other rows full: 90 + 9.01 = 99.01
    assert card.total == 99.01 and card.grade == "优"


def test_budget_in_yuan_real_form_21(make_workbook):
    # 上海普陀 2022: 20000 元 budget, 9034 元 spent → 9034/20000 = 45.17% → 10 × 0.4517 = 4.517 → 4.52
    card = card_for(make_workbook, info={"金额单位": "元"}, budget={"年度资金总额": (20000, 20000, 9034)})
    assert card.rows.loc[2, "score"] == 4.52
    assert card.budget.adjusted == pytest.approx(2.0)  # 20000 元 = 2 万元
    assert card.budget.executed == pytest.approx(0.9034)


def test_budget_over_executed_caps_and_warns(make_workbook):
    # 110 ÷ 100 = 110% → 10 × min(1.1, 1) = 10, warning on the 全年执行数 cell D2
    card = card_for(make_workbook, budget={"年度资金总额": (100, 100, 110)})
    assert card.rows.loc[2, "score"] == 10
    assert codes(card, "budget-over-executed") == ["D2"]


def test_budget_missing_is_error_on_cell(make_workbook):
    card = card_for(make_workbook, budget={"年度资金总额": (100, None, 50)})
    assert codes(card, "budget-missing") == ["C2"]
    assert card.rows.loc[2, "score"] == 0


def test_budget_total_rebuilt_from_parts(make_workbook):
    # 年度资金总额 blank; 当年 20 + 结转 9.6 = 29.6 budget, 18 + 9.6 = 27.6 spent → 27.6/29.6 = 93.24% → 9.32
    card = card_for(
        make_workbook,
        budget={"年度资金总额": (None, None, None), "当年财政拨款": (20, 20, 18), "上年结转资金": (9.6, 9.6, 9.6)},
    )
    assert codes(card, "budget-total-rebuilt") == ["B2", "C2", "D2"]
    assert card.rows.loc[2, "score"] == 9.32
    said = {p.where.cell: p.message for p in card.problems if p.code == "budget-total-rebuilt"}
    assert said["B2"] == "年度资金总额年初预算数未填或为 0，已按分项合计 29.6 计算"


def test_budget_total_rebuilt_says_the_none_mark_typed_on_the_total_line(make_workbook):
    # the same lines (29.6 budget, 27.6 spent → 93.24% → 9.32) under a total line that holds
    # “—”, “无” and 0: the marks were typed, not left blank, and the message quotes them (as
    # budget-no-amount and data-none-mark do); a 0 keeps the wording for a blank or 0 total
    card = card_for(
        make_workbook,
        budget={"年度资金总额": ("—", "无", 0), "当年财政拨款": (20, 20, 18), "上年结转资金": (9.6, 9.6, 9.6)},
    )
    said = {p.where.cell: p.message for p in card.problems if p.code == "budget-total-rebuilt"}
    assert said == {
        "B2": "年度资金总额年初预算数填的是“—”，已按分项合计 29.6 计算",
        "C2": "年度资金总额全年预算数填的是“无”，已按分项合计 29.6 计算",
        "D2": "年度资金总额全年执行数未填或为 0，已按分项合计 27.6 计算",
    }
    assert card.rows.loc[2, "score"] == 9.32


def test_budget_total_mismatch_warns(make_workbook):
    # total 30 but parts 29.6 in every column (difference 0.4 > 0.01)
    card = card_for(make_workbook, budget={"年度资金总额": (30, 30, 30), "当年财政拨款": (29.6, 29.6, 29.6)})
    assert codes(card, "budget-total-mismatch") == ["B2", "C2", "D2"]


def test_budget_filled_rate_that_disagrees_warns(make_workbook, template_path, tmp_path):
    import openpyxl

    path = make_workbook(budget={"年度资金总额": (100, 100, 90)})
    wb = openpyxl.load_workbook(path)
    wb["绩效指标"]["H2"] = "95%"
    wb.save(path)
    card = score(read_workbook(path), load_rules())
    # computed 90% vs filled 95%: warning on H2, score from the computed rate: 10 × 0.9 = 9
    assert codes(card, "budget-rate-mismatch") == ["H2"]
    assert card.rows.loc[2, "score"] == 9


# --- §3.2 ≥ ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [
        ("≥928小时", "909.93小时", 9.81),  # 云南 2022: 10 × 909.93 / 928 = 9.80528 → 9.81
        ("≥180人", "164人", 9.11),  # 镜湖残联: 10 × 164 / 180 = 9.1111 → 9.11
        ("≥95%", "99.12%", 10),  # met
        ("≥95%", "-5%", 0),  # a < 0 counts as 0
        ("≥0", "3", 10),  # t = 0 → P when a ≥ 0
        ("不低于90%", "45%", 5),  # 10 × 45 / 90 = 5
    ],
)
def test_greater_or_equal(make_workbook, target, actual, expected):
    card = card_for(make_workbook, fill_to_90([row("产出指标", "数量指标", "x", target, actual, 10, reason="原因")]))
    assert card.rows.loc[3, "score"] == expected


# --- §3.3 ≤ ----------------------------------------------------------------------------
def test_less_or_equal_ratio_and_linear(make_workbook, tmp_path):
    rows = fill_to_90(
        [
            row("产出指标", "时效指标", "办结时限", "≤10天", "12天", 10, reason="r"),  # 10 × 10/12 = 8.333 → 8.33
            row("产出指标", "成本指标", "项目总成本", "≤202.6万元", "132.9", 10),  # met (real form 02)
            row("产出指标", "时效指标", "超时很多", "≤10天", "25天", 10, reason="r"),  # 10 × 10/25 = 4; linear: 0
            row("产出指标", "质量指标", "事故数", "≤0", "0", 5),  # t = 0, a ≤ 0 → P
            row("产出指标", "质量指标", "投诉数", "≤0", "1", 5, reason="r"),  # t = 0, a > 0 → 0
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:7, "score"]) == [8.33, 10, 4, 5, 0]
    linear_toml = tmp_path / "linear.toml"
    text = builtin_path("项目支出").read_text(encoding="utf-8")
    linear_toml.write_text(text.replace('reverse_method = "ratio"', 'reverse_method = "linear"'), encoding="utf-8")
    linear = card_for(make_workbook, rows, rules=load_rules(linear_toml))
    # linear: 10 × (1 − (12 − 10)/10) = 8.00; 10 × max(0, 1 − 15/10) = 0
    assert list(linear.rows.loc[3:7, "score"]) == [8, 10, 0, 5, 0]


def test_more_and_fewer_words_are_operators(make_workbook):
    # < is scored as ≤ (a ≤ t → P, else P × t ÷ a), > as ≥ (a ≥ t → P, else P × a ÷ t)
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "不多于3次", "4次", 10, reason="r"),  # ≤: 10 × 3 ÷ 4 = 7.50
            row("产出指标", "质量指标", "b", "少于5起", "6起", 10, reason="r"),  # <: 10 × 5 ÷ 6 = 8.333 → 8.33
            row("产出指标", "数量指标", "c", "多于100人", "90人", 10, reason="r"),  # >: 10 × 90 ÷ 100 = 9.00
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:5, "operator"]) == ["≤", "<", ">"]
    assert list(card.rows.loc[3:5, "score"]) == [7.5, 8.33, 9]
    assert codes(card, "needs-review") == [] and card.status == "final"


def test_within_a_time_limit_is_less_or_equal(make_workbook):
    # 内 after a quantity and unit is 以内, ≤ (ratio: P × t ÷ a when late), never = with a unit 小时内
    rows = fill_to_90(
        [
            row("产出指标", "时效指标", "响应时限", "24小时内", "30小时", 10, reason="r"),  # 10 × 24 ÷ 30 = 8.00
            row(
                "产出指标", "时效指标", "办结时限", "10个工作日内", "12个工作日", 10, reason="r"
            ),  # 10 × 10 ÷ 12 = 8.333 → 8.33
            row("产出指标", "时效指标", "处置时限", "3日内", "4日", 10, reason="r"),  # 10 × 3 ÷ 4 = 7.50
            row("产出指标", "时效指标", "整改时限", "1年内", "2年", 10, reason="r"),  # 10 × 1 ÷ 2 = 5.00
            row("产出指标", "时效指标", "按时", "24小时内", "20小时", 5),  # 20 ≤ 24 → P = 5
            # the actual written with 内 too: read as 30 小时, 10 × 24 ÷ 30 = 8.00
            row("产出指标", "时效指标", "实际也写内", "24小时内", "30小时内", 10, reason="r"),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:8, "operator"]) == ["≤"] * 6
    assert list(card.rows.loc[3:8, "score"]) == [8, 8.33, 7.5, 5, 5, 8]
    assert codes(card, "over-achievement") == [] and codes(card, "equal-exceeded") == []


def test_dates_with_within_score_as_dates(make_workbook):
    # pinned as before the 内 rule: 2023年内 / 年内完成 / 12月底前 are the deadline 2023-12-31
    rows = fill_to_90(
        [
            row("产出指标", "时效指标", "a", "2023年内", "2023年11月30日", 5),  # on time → P = 5
            row("产出指标", "时效指标", "b", "年内完成", "2024年1月15日", 5, reason="r"),  # late → 0
            row("产出指标", "时效指标", "c", "12月底前", "2023年12月31日", 5),  # on the day → P = 5
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:5, "score"]) == [5, 0, 5]
    assert codes(card, "late") == ["H4"]


def test_cost_level2_bare_number_means_less_or_equal(make_workbook):
    # under 成本指标 "15万元" with no operator means ≤: 14 ≤ 15 → full; under 数量指标 it means =
    rows = fill_to_90(
        [
            row("产出指标", "成本指标", "办公成本", "15万元", "14万元", 10),
            row("产出指标", "数量指标", "保障人数", "15", "14", 10, reason="r"),  # = : 10 × 14/15 = 9.33
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:4, "operator"]) == ["≤", "="]
    assert list(card.rows.loc[3:4, "score"]) == [10, 9.33]


# --- §3.4 = and §3.5 over-achievement ----------------------------------------------------
def test_equal_rule(make_workbook):
    rows = fill_to_90(
        [
            row("产出指标", "数量指标", "补助村数量", "=8个", "8", 10),  # real form 02: met
            row("产出指标", "数量指标", "少了", "=8个", "6", 10, reason="r"),  # 10 × 6/8 = 7.5
            row("产出指标", "数量指标", "多了", "=8个", "10", 10, reason="r"),  # P, deviation + over (10 ≥ 9.6)
            row("产出指标", "数量指标", "零", "=0", "0", 5),  # t = 0, a ≤ 0 → P
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:6, "score"]) == [10, 7.5, 10, 5]
    assert codes(card, "equal-exceeded") == ["H5"]
    assert codes(card, "over-achievement") == ["H5"]


def test_over_achievement_threshold_real_form_04(make_workbook):
    # 宣城地震局: 科普馆参观人数 target 500, actual 600余人: 600 ≥ 1.2 × 500 → warning, no deduction;
    # 599 is below the threshold.
    rows = fill_to_90(
        [
            row("产出指标", "数量指标", "科普馆参观人数", "500", "600余人", 10),
            row("产出指标", "数量指标", "接受业务培训人数", "≥500", "599", 10),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:4, "score"]) == [10, 10]
    assert codes(card, "over-achievement") == ["H3"]


def test_over_achievement_at_the_threshold_says_reached(make_workbook):
    # ≥100人 vs 120人: 120 = 1.2 × 100, at the threshold (inclusive) → full 10 and the warning;
    # it must not read "120.00%，超过 120.00%" (120 does not exceed 120)
    card = card_for(make_workbook, fill_to_90([row("产出指标", "数量指标", "人数", "≥100人", "120人", 10)]))
    assert card.rows.loc[3, "score"] == 10
    assert [p.message for p in card.problems if p.code == "over-achievement"] == [
        "实际完成值为指标值的 120.00%，达到或超过 120.00%，指标值可能设置偏低，请在偏差原因中说明"
    ]
    # with the reason given (K3), the warning stays (the target's level is the bureau's question)
    # but no longer asks for a reason the unit has already written
    rows = fill_to_90([row("产出指标", "数量指标", "人数", "≥100人", "120人", 10, reason="新增两个服务点")])
    card = card_for(make_workbook, rows)
    assert [p.message for p in card.problems if p.code == "over-achievement"] == [
        "实际完成值为指标值的 120.00%，达到或超过 120.00%，指标值可能设置偏低（偏差原因已说明）"
    ]
    # a reason that says nothing (“无”) is none: asked for as before
    card = card_for(
        make_workbook, fill_to_90([row("产出指标", "数量指标", "人数", "≥100人", "120人", 10, reason="无")])
    )
    assert [p.message for p in card.problems if p.code == "over-achievement"][0].endswith("请在偏差原因中说明")


# --- §3.6 定性 ----------------------------------------------------------------------------
def test_qualitative_bands_and_claims(make_workbook):
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "合规", "达成预期指标", 10, claimed=9),  # 达成, 9 in [8,10] → 9
            row(
                "产出指标", "质量指标", "b", "规范", "部分达成年度指标并具有一定效果", 10, claimed=7, reason="r"
            ),  # in [6,8) → 7
            row(
                "产出指标", "质量指标", "c", "规范", "基本完成", 10, claimed=8, reason="r"
            ),  # 8 not in [6,8) → 6, warning
            row("效益指标", "社会效益指标", "d", "显著", "未达成年度指标且效果较差", 10, reason="r"),  # no claim → 0
            row("效益指标", "社会效益指标", "e", "好", "较好", 10, reason="r"),  # one step below → 部分 → 6
            row("效益指标", "社会效益指标", "f", "好", "一般", 5, reason="r"),  # two steps → 未达成 → 0
            row("效益指标", "可持续影响指标", "g", "效果显著", "显著", 5),  # at target → 达成 → 5
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:9, "score"]) == [9, 7, 6, 0, 6, 0, 5]
    assert codes(card, "claim-out-of-band") == ["J5"]
    # one problem per claim: the out-of-band warning already says 8 was cut to 6, so no
    # 申报得分 8 与核定得分 6 不一致 on the same cell
    assert "J5" not in codes(card, "score-mismatch")


def test_qualitative_negated_band_word_is_not_achieved(make_workbook):
    # a negation in front of a 达成 word says the opposite: 未能完成 / 没有达到 / 不达标 / 未及时
    # are the 未达成 band like the listed 未完成 / 未达到 / 不及时 (no claim → 0 each, not full
    # points); "not fully" (未全部完成, 未完全达成) may be 部分达成 or 未达成: a person judges it
    # (needs-review, provisional 申报得分 6 ≤ 10). Rows 3–8, 5 + 5 + 5 + 5 + 10 + 10 = 40 points;
    # 满意度 50 full; budget 10. Total 10 + 0·4 + 6 + 0 + 50 = 66 → provisional 中, needs-review.
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "按期完成", "未能完成", 5, reason="r"),  # → 0
            row("产出指标", "质量指标", "b", "合格", "没有达到", 5, reason="r"),  # → 0
            row("产出指标", "质量指标", "c", "达标", "不达标", 5, reason="r"),  # → 0
            row("产出指标", "时效指标", "d", "及时", "未及时", 5, reason="r"),  # → 0
            row("效益指标", "社会效益指标", "e", "有效提升", "未全部完成", 10, claimed=6, reason="r"),  # review: 6
            row("效益指标", "社会效益指标", "f", "有效提升", "未完全达成", 10, reason="r"),  # review: 0
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:8, "score"]) == [0, 0, 0, 0, 6, 0]
    assert codes(card, "needs-review") == ["H7", "H8"]
    assert (card.total, card.grade, card.status) == (66, "中", "needs-review")


def test_text_target_with_an_operator_word_is_qualitative(make_workbook):
    # 指标性质 blank, 指标值 达到预期 / 达到国家标准 / 不低于上年: 达到 and 不低于 are operator words, but
    # what follows is no number, so the target is text and the row is 定性 (not "指标值无法识别为数值")
    #   达到预期 vs 达到预期 (the target's own text) → 达成 → 10
    #   达到国家标准 vs 基本达到 → 部分达成 → 10 × 60% = 6
    #   不低于上年 vs 高于上年 → free text → needs-review, no claim → provisional 0
    # budget 10 + 10 + 6 + 0 + 满意度 60 = 86 → provisional 良, needs-review, no error
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "达到预期", "达到预期", 10),
            row("产出指标", "质量指标", "b", "达到国家标准", "基本达到", 10, reason="r"),
            row("效益指标", "社会效益指标", "c", "不低于上年", "高于上年", 10),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:5, "operator"]) == ["定性"] * 3
    assert list(card.rows.loc[3:5, "score"]) == [10, 6, 0]
    assert codes(card, "not-a-number") == [] and codes(card, "needs-review") == ["H5"]
    assert (card.total, card.grade, card.status) == (86, "良", "needs-review")


def test_qualitative_free_text_needs_review(make_workbook):
    # real form 14: target 效果显著, actual 改善学校的办学条件 — neither a band word nor the target:
    # a person must judge it (SPEC §3.6). Provisional score = 申报得分 13 (≤ 15);
    # total 10 (budget 29.6/29.6) + 13 + 75 (满意度, full) = 98 → provisional 优, status needs-review
    card = card_for(
        make_workbook,
        fill_to_90([row("效益指标", "社会效益指标", "办学条件", "效果显著", "改善学校的办学条件", 15, claimed=13)]),
    )
    assert [(p.severity, p.where.cell) for p in card.problems if p.code == "needs-review"] == [("warning", "H3")]
    assert codes(card, "score-mismatch") == codes(card, "missing-reason") == []
    assert card.rows.loc[3, "score"] == 13
    assert (card.total, card.grade, card.status) == (98, "优", "needs-review")
    # no claim: provisional 0, and no 偏差原因 request for a row nobody has judged yet
    card = card_for(
        make_workbook,
        fill_to_90([row("效益指标", "社会效益指标", "办学条件", "效果显著", "改善学校的办学条件", 15)]),
    )
    assert codes(card, "needs-review") == ["H3"] and codes(card, "missing-reason") == []
    assert (card.rows.loc[3, "score"], card.total, card.status) == (0, 85, "needs-review")
    # a claim of 16 over the 15 points is an error of its own (J3) and is not what the row counts:
    # provisional 0, said as 暂计 0 分 — not "暂按申报得分 0 分" (the 申报得分 is 16). Total 85, 待更正
    card = card_for(
        make_workbook,
        fill_to_90([row("效益指标", "社会效益指标", "办学条件", "效果显著", "改善学校的办学条件", 15, claimed=16)]),
    )
    assert codes(card, "claim-over-points") == ["J3"]
    assert (card.rows.loc[3, "score"], card.total, card.status) == (0, 85, "needs-correction")
    assert card.rows.loc[3, "note"].endswith("暂计 0 分")
    assert [p.message.endswith("（暂计 0 分）") for p in card.problems if p.code == "needs-review"] == [True]


# --- §3.7 dates ------------------------------------------------------------------------
def test_dates(make_workbook):
    rows = fill_to_90(
        [
            row("产出指标", "时效指标", "培训时限", "11月底前", "10月", 5),  # 宣城 2021 (year 2023 here): on time
            row("产出指标", "时效指标", "晚了", "2023年6月30日前", "2023年7月15日", 10, reason="r"),  # late → 0
            row(
                "产出指标", "时效指标", "晚了但申报", "2023年6月30日前", "2023年7月15日", 10, claimed=5, reason="r"
            ),  # 5 in [0,6) → 5
            row("产出指标", "时效指标", "文字", "2023年12月底", "在规定时间内完成", 5),  # 达成 by words → 5
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:6, "score"]) == [5, 0, 5, 5]
    assert codes(card, "late") == ["H4"]


# --- §3.8 rounding and §3.9 grades ------------------------------------------------------
def test_round_half_up():
    assert [round_half_up(x) for x in (0.125, 2.675, 1.005, 4.515, 9.805280)] == [0.13, 2.68, 1.01, 4.52, 9.81]


def test_row_rounding_is_half_up(make_workbook):
    # 5 × 5.35 / 10 = 2.675 → 2.68 (Python's round gives 2.67)
    card = card_for(make_workbook, fill_to_90([row("产出指标", "数量指标", "x", "≥10", "5.35", 5, reason="r")]))
    assert card.rows.loc[3, "score"] == 2.68


@pytest.mark.parametrize(
    ("total", "grade"), [(90, "优"), (89.99, "良"), (80, "良"), (79.99, "中"), (60, "中"), (59.99, "差")]
)
def test_grade_bounds(total, grade):
    assert load_rules().grade(total) == grade


# --- §3.10 checks ----------------------------------------------------------------------
def test_points_total_and_level1_checks(make_workbook):
    rows = base_rows()
    rows[0]["分值"] = 20  # 产出 55, Σ = 105
    card = card_for(make_workbook, rows)
    assert codes(card, "points-total") == ["I1"]
    # one problem per mistake: with the 分值 total in error the per-一级指标 sums (产出 55 ≠ 50)
    # would only repeat it, so they are not reported
    assert codes(card, "level1-points") == []
    # the total is still computed: all met → 105
    assert card.total == 105
    # the total right but 5 points moved: 产出 15→20 (产出 50 + 5 = 55), 满意度 10→5 (Σ 105 − 5 = 100):
    # no points-total, a warning for each 一级指标 that is off
    rows[-1]["分值"] = 5
    card = card_for(make_workbook, rows)
    assert codes(card, "points-total") == []
    assert [p.message for p in card.problems if p.code == "level1-points"] == [
        "一级指标“产出指标”分值合计 55，应为 50",
        "一级指标“满意度指标”分值合计 5，应为 10",
    ]


def test_satisfaction_points_may_sit_in_output(make_workbook):
    # real form 11 (青神发改): 产出 60 / 效益 30 / budget 10, no 满意度 row → no level1 warning
    rows = [
        row("产出指标", "数量指标", "发放覆盖率", "=100%", "100%", 60),
        row("效益指标", "社会效益指标", "足额保障率", "=100%", "100%", 30),
    ]
    card = card_for(make_workbook, rows)
    assert codes(card, "level1-points") == []
    assert codes(card, "points-total") == []
    assert card.total == 100


def test_satisfaction_points_moved_to_output_are_explained(make_workbook):
    """The sample 大英县司法局: budget 10 + one 产出 row of 90, no 效益 or 满意度 rows (Σ 100). 满意度's
    10 points may sit in 产出, so 产出 is held to 50 + 10 = 60 and 效益 to 30. The warning said
    "产出指标 分值合计 90，应为 60", which a unit reading "产出 50" in the rules cannot follow; it now
    says where the 60 comes from. 效益's 30 is the rule set's own figure and needs no note."""
    rows = [row("产出指标", "数量指标", "发放覆盖率", "=100%", "100%", 90)]
    card = card_for(make_workbook, rows)
    assert codes(card, "points-total") == []
    assert sorted(p.message for p in card.problems if p.code == "level1-points") == [
        "一级指标“产出指标”分值合计 90，应为 60（50 分，加上没有满意度指标时并入的 10 分）",
        "一级指标“效益指标”分值合计 0，应为 30",
    ]


def test_claims_reasons_and_bad_numbers(make_workbook):
    rows = fill_to_90(
        [
            row(
                "产出指标", "数量指标", "a", "≥100", "90", 10, claimed=10
            ),  # 核定 9, 申报 10 → mismatch; no reason → warning
            row(
                "产出指标", "数量指标", "b", "≥100", "约九成", 10, claimed=11
            ),  # not a number → 0; claim > points → error
            row("产出指标", "数量指标", "c", "≥95%", 0.95, 10, reason="r"),  # 0.95 vs 95% → percent-scale warning
        ]
    )
    card = card_for(make_workbook, rows, info={"申报总分": 97})
    assert codes(card, "score-mismatch") == ["J3"]
    # the typo row (4) gets its own errors only: no 偏差原因 request for a typo (SPEC §3.12)
    assert codes(card, "missing-reason") == ["K3"]
    assert codes(card, "not-a-number") == ["H4"]
    assert [str(p) for p in card.problems if p.code == "not-a-number"] == [
        "项目A.xlsx 绩效指标!H4：实际完成值“约九成”无法识别为数值"
    ]
    assert codes(card, "claim-over-points") == ["J4"]
    assert codes(card, "percent-scale") == ["H5"]
    # 申报总分 97 vs Σ申报得分 10 + 11 = 21; 核定: 10 + 9 + 0 + 10×0.95/95=0.1 + 60 = 79.1
    assert codes(card, "claimed-total-sum") == []  # most rows carry no claim: Σ申报得分 not comparable
    assert card.total == 79.1
    # the total is provisional (暂算) while errors stand: not compared with 申报总分, no grade
    assert codes(card, "claimed-total-mismatch") == []
    assert (card.status, card.grade) == ("needs-correction", None)


def test_percent_scale_under_unit_column_baifenbi(make_workbook):
    # 计量单位 written 百分比 (as the 四川版 form's 度量单位 column does), 指标值 ≥95, 实际完成值 0.98 in
    # a General cell: the same slip as under “%”. Scored as typed, 10 × 0.98 ÷ 95 = 0.1032 → 0.10,
    # with the percent-scale question at H3 (and no 偏差原因 request for the slip). Total
    # 10 + 0.10 + 80 = 90.10
    rows = fill_to_90([row("产出指标", "质量指标", "合格率", "≥95", 0.98, 10, unit="百分比")])
    card = card_for(make_workbook, rows)
    assert card.rows.loc[3, "score"] == 0.1
    assert codes(card, "percent-scale") == ["H3"] and codes(card, "missing-reason") == []
    assert card.total == 90.1


@pytest.mark.parametrize(
    ("target", "unit"),
    [("≥5‰", None), ("≥5", "‰")],  # the unit in the target, or in the 计量单位 column
)
def test_per_mille_typed_as_a_fraction_is_asked_about(make_workbook, target, unit):
    # 指标值 5‰, 实际完成值 0.003 in a General cell: 0.003 is 3‰ written as a fraction, the slip
    # “0.98 against ≥95%” is asked about. It got no question. Scored as typed, 10 × 0.003 ÷ 5 =
    # 0.006 → 0.01, with “是否应为 3‰？” at H3 (0.003 × 1000 = 3) and no 偏差原因 request for the
    # slip. Total 10 + 0.01 + 80 = 90.01
    rows = fill_to_90([row("产出指标", "质量指标", "事故发生率", target, 0.003, 10, unit=unit)])
    card = card_for(make_workbook, rows)
    assert card.rows.loc[3, "score"] == 0.01
    assert codes(card, "percent-scale") == ["H3"] and codes(card, "missing-reason") == []
    assert [p.message for p in card.problems if p.code == "percent-scale"] == [
        "实际完成值 0.003 是否应为 3‰？（指标值为 5‰）"
    ]
    assert card.total == 90.01


def test_per_mille_typed_with_its_unit_or_in_the_target_as_a_fraction(make_workbook):
    # 3‰ typed with its unit against ≥5‰: no slip, 10 × 3 ÷ 5 = 6 (a 偏差原因 is asked). The
    # mirror: 指标值 0.005 in a General cell (5‰ as a fraction) against 3‰: scored as typed, 3 ≥
    # 0.005 → 10, with “是否应为 5‰？” at the 指标值 cell F4 (0.005 × 1000 = 5)
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "≥5‰", "3‰", 10),
            row("产出指标", "质量指标", "b", 0.005, "3‰", 10, reason="r"),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:4, "score"]) == [6, 10]
    assert codes(card, "percent-scale") == [] and codes(card, "missing-reason") == ["K3"]
    assert [(p.where.cell, p.message) for p in card.problems if p.code == "target-percent-scale"] == [
        ("F4", "指标值 0.005 是否应为 5‰？（实际完成值是千分数；暂按所填数值评分）")
    ]


def test_claimed_total_against_row_claims(make_workbook):
    # every row claims full points: Σ申报得分 = 10 (budget, J2) + 90 = 100, but 申报总分 says 97
    rows = [dict(r, 申报得分=r["分值"]) for r in base_rows()]
    path = make_workbook(indicators=rows, info={"申报总分": 97})
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb["绩效指标"]["J2"] = 10
    wb.save(path)
    card = score(read_workbook(path), load_rules())
    assert codes(card, "claimed-total-sum") == ["B11"]
    # 核定 100 (all met) vs 申报总分 97
    assert [p.message for p in card.problems if p.code == "claimed-total-mismatch"] == [
        "申报总分 97 与核定总分 100 不一致（差 -3）"
    ]


@pytest.mark.parametrize("typed", ["97分", "９７分", "97 分"])
def test_claimed_total_typed_with_its_unit(make_workbook, typed):
    # 申报总分 typed 97分 as a row's 申报得分 may be (10分): the number 97, not 无法识别为数值.
    # 核定 100 (all met) vs 申报 97 → one warning at B11, diff 97 − 100 = −3; no error, final, 优
    card = card_for(make_workbook, info={"申报总分": typed})
    assert codes(card, "not-a-number") == []
    assert card.claimed_total == 97
    assert [p.message for p in card.problems if p.code == "claimed-total-mismatch"] == [
        "申报总分 97 与核定总分 100 不一致（差 -3）"
    ]
    assert (card.total, card.grade, card.status) == (100, "优", "final")


def test_claimed_total_in_words_is_reported(make_workbook):
    # 九十七 is no number: an error at the 申报总分 cell B11 (and 97万元 is no score either)
    for typed in ("九十七", "97万元"):
        card = card_for(make_workbook, info={"申报总分": typed})
        assert codes(card, "not-a-number") == ["B11"]
        assert card.status == "needs-correction"


def test_operator_column_against_the_target_sign_is_pointed_out(make_workbook):
    # 指标性质 decides the operator (SPEC §2.4), but ≤ chosen against ≥95% typed says the opposite:
    # scored by the column all the same, with a warning at the 指标性质 cell (E3)
    #   a: ≤ vs ≥95%, actual 98%: as ≤, 98 > 95 → 10 × 95 ÷ 98 = 9.6939 → 9.69, no 偏差原因 asked
    #      (a slip to correct, not a shortfall to explain)
    #   b: ≥ vs ≥95% → 10;  c: 正向 vs ≥95% → 10 (the same direction in words)
    #   d: ≥ vs =100%, actual 98%: not opposite (= points neither way), no warning; as ≥ 98/100 → 9.8
    #   e: 正向 vs 2023年12月31日前 (a date is "on or before" whatever the column says): on time → 10
    #   f: = vs ≤5天, actual 3天: = scores below the target as ≥ does, ≤ would give full points: a
    #      conflict too (E8); as =, 10 × 3 ÷ 5 = 6
    #   g: 反向 vs ≥95%, actual 98%: as a: 9.69, the message quoting 反向 as typed (E9)
    # budget 10 + 9.69 + 10 + 10 + 9.8 + 10 + 6 + 9.69 + 满意度 20 = 95.18
    rows = fill_to_90(
        [
            {**row("产出指标", "数量指标", "a", "≥95%", "98%", 10), "指标性质": "≤"},
            {**row("产出指标", "数量指标", "b", "≥95%", "98%", 10), "指标性质": "≥"},
            {**row("产出指标", "数量指标", "c", "≥95%", "98%", 10), "指标性质": "正向"},
            {**row("产出指标", "质量指标", "d", "=100%", "98%", 10, reason="r"), "指标性质": "≥"},
            {**row("产出指标", "时效指标", "e", "2023年12月31日前", "2023年12月20日", 10), "指标性质": "正向"},
            {**row("产出指标", "时效指标", "f", "≤5天", "3天", 10, reason="r"), "指标性质": "="},
            {**row("产出指标", "成本指标", "g", "≥95%", "98%", 10), "指标性质": "反向"},
        ]
    )
    card = card_for(make_workbook, rows)
    assert codes(card, "operator-conflict") == ["E3", "E8", "E9"]
    messages = [p.message for p in card.problems if p.code == "operator-conflict"]
    assert messages[0] == "指标性质“≤”与指标值“≥95%”中的符号不一致，已按指标性质“≤”评分；请核对哪一个是对的，改正另一个"
    assert messages[2].startswith("指标性质“反向”与指标值“≥95%”中的符号不一致")
    assert list(card.rows.loc[3:9, "score"]) == [9.69, 10, 10, 9.8, 10, 6, 9.69]
    assert codes(card, "missing-reason") == []
    assert card.total == 95.18
    # the unit's report asks for the slip to be corrected, not for a reason the row lost points
    text = to_markdown(draft(card))
    assert (
        "a：指标值 ≥95%，实际 98%" in text
        and "指标性质与指标值中的符号不一致，得分可能按错的规则计算，请先核对更正" in text
    )


def test_grade_words_and_shixian_are_judged_not_sent_to_review(make_workbook):
    # SPEC §3.6's "obvious synonyms": 优秀/良好/中等 are the 优 > 良 > 中 > 差 scale's grades as
    # written (§3.9 names them as grade labels), 实现 is 达成
    #   优 vs 优秀 → at target → 达成 → 10;  优 vs 良好 → one step below → 部分达成 → 10 × 60% = 6
    #   达成年度指标 vs 已实现 → 10;  vs 基本实现 → 部分达成 → 6;  vs 未实现 → 未达成 → 0
    # budget 10 + 10 + 6 + 10 + 6 + 0 + 满意度 40 = 82 → 良, nothing awaiting review
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "优", "优秀", 10),
            row("产出指标", "质量指标", "b", "优", "良好", 10, reason="r"),
            row("效益指标", "社会效益指标", "c", "达成年度指标", "已实现", 10),
            row("效益指标", "社会效益指标", "d", "达成年度指标", "基本实现", 10, reason="r"),
            row("效益指标", "社会效益指标", "e", "达成年度指标", "未实现", 10, reason="r"),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:7, "score"]) == [10, 6, 10, 6, 0]
    assert codes(card, "needs-review") == []
    assert (card.total, card.grade, card.status) == (82, "良", "final")


def test_a_number_against_a_target_in_words_is_said_so(make_workbook):
    # 指标值 合格, 实际完成值 100%: a person judges (needs-review, provisional 0 with no claim); the
    # message says the target is in words, not that it "is no single number" (that is for 90%-100%)
    rows = fill_to_90([row("产出指标", "质量指标", "验收", "合格", "100%", 10)])
    card = card_for(make_workbook, rows)
    assert codes(card, "needs-review") == ["H3"]
    message = next(p.message for p in card.problems if p.code == "needs-review")
    assert message.startswith("指标值“合格”是文字、实际完成值是数值 100%，无法自动判断完成程度")
    assert card.rows.loc[3, "note"].startswith("待复核：指标值是文字、实际完成值是数值")
    # budget 10 + 0 + 满意度 80 = 90 → provisional 优, awaiting review
    assert (card.total, card.status) == (90, "needs-review")


def test_units_of_one_kind_are_converted_before_comparing(make_workbook):
    # exact conversions only; the actual is put into the target's unit:
    #   ≤2天 vs 36小时 → 1.5天 ≤ 2 → 10;  ≤24小时 vs 2天 → 48小时 > 24 → 10 × 24 ÷ 48 = 5
    #   ≥5吨 vs 4000千克 → 4吨 → 10 × 4 ÷ 5 = 8;  ≥100亩 vs 6公顷 → 60000 m² ÷ 666.67 = 90亩 → 9
    #   ≥100人 vs 120人次: different things, not converted → compared as typed, 120 ≥ 100 → 10
    #   ≤3天 vs 3日: one unit by two names, nothing to convert or say → 10
    # budget 10 + 10 + 5 + 8 + 9 + 10 + 10 + 满意度 30 = 92
    rows = fill_to_90(
        [
            row("产出指标", "时效指标", "a", "≤2天", "36小时", 10),
            row("产出指标", "时效指标", "b", "≤24小时", "2天", 10, reason="r"),
            row("产出指标", "数量指标", "c", "≥5吨", "4000千克", 10, reason="r"),
            row("产出指标", "数量指标", "d", "≥100亩", "6公顷", 10, reason="r"),
            row("产出指标", "数量指标", "e", "≥100人", "120人次", 10),
            row("产出指标", "时效指标", "f", "≤3天", "3日", 10),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:8, "score"]) == [10, 5, 8, 9, 10, 10]
    assert card.total == 92
    assert card.rows.loc[8, "note"] == "≤：实际 3，指标 3，得满分"
    # the note says what was converted; the rate is in the target's unit, target ÷ actual for a
    # ceiling (2 ÷ 1.5 = 133.33%, 24 ÷ 48 = 50%), actual ÷ target for the others (4 ÷ 5 = 80%)
    assert list(card.rows.loc[3:6, "note"]) == [
        "36小时按 1.5天 计；≤：实际 1.5，指标 2，得满分",
        "2天按 48小时 计；≤：10 × 24 ÷ 48",
        "4000千克按 4吨 计；≥：10 × 4 ÷ 5",
        "6公顷按 90亩 计；≥：10 × 90 ÷ 100",
    ]
    assert list(card.rows.loc[3:7, "rate"]) == [133.33, 50, 80, 90, 120]


def test_a_rule_sets_own_scale_of_youxiu_lianghao_is_kept(make_workbook, tmp_path):
    # qualitative.scales is configurable: a province's own 优秀 > 良好 > 合格 > 不合格 is compared by its
    # own words (the 优秀 → 优 reading of the default scale must not hide them):
    #   良好 vs 合格 → one step below → 部分达成 → 10 × 60% = 6 (not 10 because 合格 is a 达成 word)
    #   优秀 vs 合格 → two steps below → 未达成 → 0;  优秀 vs 良好 → 6;  良好 vs 优秀 → 达成 → 10
    # budget 10 + 6 + 0 + 6 + 10 + 满意度 50 = 82
    text = builtin_path("项目支出").read_text(encoding="utf-8")
    own = tmp_path / "own_scale.toml"
    own.write_text(text.replace('["优", "良", "中", "差"],', '["优秀", "良好", "合格", "不合格"],'), encoding="utf-8")
    rules = load_rules(own)
    assert ("优秀", "良好", "合格", "不合格") in rules.scales
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "良好", "合格", 10, reason="r"),
            row("产出指标", "质量指标", "b", "优秀", "合格", 10, reason="r"),
            row("产出指标", "质量指标", "c", "优秀", "良好", 10, reason="r"),
            row("产出指标", "质量指标", "d", "良好", "优秀", 10),
        ]
    )
    card = card_for(make_workbook, rows, rules=rules)
    assert list(card.rows.loc[3:6, "score"]) == [6, 0, 6, 10]
    assert codes(card, "needs-review") == []
    assert card.total == 82


def test_grade_words_after_a_subject(make_workbook):
    # 效果显著 is 显著 (a subject before a scale word); 效果良好 / 质量优秀 are likewise 良 / 优:
    #   优 vs 效果良好 → one step below → 部分达成 → 10 × 60% = 6
    #   效果良好 vs 良好 → 良 at 良 → 达成 → 10;  良 vs 质量优秀 → above → 达成 → 10
    # budget 10 + 6 + 10 + 10 + 满意度 60 = 96, nothing awaiting review
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "优", "效果良好", 10, reason="r"),
            row("效益指标", "社会效益指标", "b", "效果良好", "良好", 10),
            row("效益指标", "社会效益指标", "c", "良", "质量优秀", 10),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:5, "score"]) == [6, 10, 10]
    assert codes(card, "needs-review") == []
    assert (card.total, card.status) == (96, "final")


def test_a_rate_named_in_words_or_nanyi_is_not_achieved(make_workbook):
    # a band word that is part of a rate's name (实现率, 完成率, 合格率) says what was measured, not that
    # it was achieved: 实现率60% is no 实现 → a person judges it (needs-review, provisional 申报得分 or 0);
    # 难以 before a band word negates it as 无法 does (难以实现 → 未达成 → 0), never full points
    #   a 实现率60% → review, 0;  b 完成率达到60% (申报 6) → review, 6;  c 合格率85% → review, 0
    #   d 难以实现 → 0;  e 难以按期完成 → 0;  f 实现了预期目标 → 达成 → 10
    # budget 10 + 0 + 6 + 0 + 0 + 0 + 10 + 满意度 30 = 56 → provisional 差, needs-review
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "达成年度指标", "实现率60%", 10),
            row("产出指标", "质量指标", "b", "达成年度指标", "完成率达到60%", 10, claimed=6),
            row("产出指标", "质量指标", "c", "达成年度指标", "合格率85%", 10),
            row("效益指标", "社会效益指标", "d", "达成年度指标", "难以实现", 10, reason="r"),
            row("产出指标", "时效指标", "e", "按期完成", "难以按期完成", 10, reason="r"),
            row("效益指标", "社会效益指标", "f", "达成年度指标", "实现了预期目标", 10),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:8, "score"]) == [0, 6, 0, 0, 0, 10]
    assert codes(card, "needs-review") == ["H3", "H4", "H5"]
    assert (card.total, card.grade, card.status) == (56, "差", "needs-review")


def test_weeks_and_latin_unit_symbols_are_converted(make_workbook):
    # 周 is exactly 7 天, km / m / kg are 公里 / 米 / 千克: converted like the Chinese names, not
    # compared by their bare numbers (3周 against ≤14天 is 21 天, over the limit, not "3 ≤ 14")
    #   ≤14天 vs 3周 → 21天 → 10 × 14 ÷ 21 = 6.6667 → 6.67
    #   ≥1500米 vs 1.2km → 1200米 → 10 × 1200 ÷ 1500 = 8
    #   ≥2吨 vs 1500kg → 1.5吨 → 10 × 1.5 ÷ 2 = 7.5
    #   ≥2公里 vs 2500m → 2.5公里 ≥ 2 → 10
    # budget 10 + 6.67 + 8 + 7.5 + 10 + 满意度 50 = 92.17
    rows = fill_to_90(
        [
            row("产出指标", "时效指标", "a", "≤14天", "3周", 10, reason="r"),
            row("产出指标", "数量指标", "b", "≥1500米", "1.2km", 10, reason="r"),
            row("产出指标", "数量指标", "c", "≥2吨", "1500kg", 10, reason="r"),
            row("产出指标", "数量指标", "d", "≥2公里", "2500m", 10),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:6, "score"]) == [6.67, 8, 7.5, 10]
    assert card.rows.loc[3, "note"] == "3周按 21天 计；≤：10 × 14 ÷ 21"
    assert card.total == 92.17


def test_a_done_word_with_a_share_below_all_goes_to_a_reviewer(make_workbook):
    # 完成60% says done and how much: less than all, so not 达成 for containing 完成 (a person
    # judges: needs-review, provisional 0 with no claim); 完成100% is 达成; 基本完成，完成85% is
    # 部分达成 by its own word (10 × 60% = 6)
    # budget 10 + 0 + 10 + 6 + 满意度 60 = 86
    rows = fill_to_90(
        [
            row("产出指标", "质量指标", "a", "达成年度指标", "完成60%", 10, reason="r"),
            row("产出指标", "质量指标", "b", "达成年度指标", "完成100%", 10),
            row("产出指标", "质量指标", "c", "达成年度指标", "基本完成，完成85%", 10, reason="r"),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:5, "score"]) == [0, 10, 6]
    assert codes(card, "needs-review") == ["H3"]
    assert (card.total, card.status) == (86, "needs-review")


def test_a_bare_actual_is_in_the_rows_unit_column(make_workbook):
    # 计量单位 元 with 指标值 ≥10万元 and 实际完成值 95000 (no unit of its own): 95000 元 = 9.5 万元
    # → 10 × 9.5 ÷ 10 = 9.5 (not 95000 ≥ 10, full points at 950000%); 计量单位 万元 with ≥10 and 12
    # → one unit, 12 ≥ 10 → 10. Budget 10 + 9.5 + 10 + 满意度 70 = 99.5
    rows = fill_to_90(
        [
            {**row("产出指标", "成本指标", "a", "≥10万元", "95000", 10, reason="r"), "计量单位": "元"},
            {**row("产出指标", "数量指标", "b", "≥10", "12", 10), "计量单位": "万元"},
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:4, "score"]) == [9.5, 10]
    assert card.rows.loc[3, "note"] == "95000元按 9.5万元 计；≥：10 × 9.5 ÷ 10"
    assert list(card.rows.loc[3:4, "rate"]) == [95, 120]
    assert card.total == 99.5


def test_lengths_of_time_that_do_not_convert_await_a_reviewer(make_workbook):
    # ≤3个月 against 80天: a month is no fixed number of days; compared as typed (10 × 3 ÷ 80 =
    # 0.38, with a 单位不同 warning) the file was 已评分 with a score nobody meant. Now a person
    # judges: 待复核 at H3, 暂计 0 分 (no 申报得分). ≤5个工作日 against 4天 likewise, 暂按申报得分
    # 10 at H4. Months, quarters and years convert among themselves exactly: ≤1年 against 10个月 is
    # 10 ÷ 12 = 0.8333年 ≤ 1 → 10; ≥2个季度 against 7个月 is 7 ÷ 3 = 2.3333季度 ≥ 2 → 10.
    # Budget 10 + 0 + 10 + 10 + 10 + 满意度 50 = 90, 待复核
    rows = fill_to_90(
        [
            row("产出指标", "时效指标", "a", "≤3个月", "80天", 10),
            row("产出指标", "时效指标", "b", "≤5个工作日", "4天", 10, claimed=10),
            row("产出指标", "时效指标", "c", "≤1年", "10个月", 10),
            row("产出指标", "时效指标", "d", "≥2个季度", "7个月", 10),
        ]
    )
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:6, "score"]) == [0, 10, 10, 10]
    assert codes(card, "needs-review") == ["H3", "H4"]
    assert codes(card, "unit-mismatch") == []
    assert card.rows.loc[3, "note"] == "待复核：指标值与实际完成值的时间单位不能准确换算，需人工判断完成程度，暂计 0 分"
    assert card.rows.loc[5, "note"] == "10个月按 0.8333年 计；≤：实际 0.8333，指标 1，得满分"
    assert card.rows.loc[6, "note"] == "7个月按 2.3333个季度 计；≥：实际 2.3333，指标 2，得满分"
    review = next(p for p in card.problems if p.code == "needs-review" and p.where.cell == "H3")
    assert review.message.startswith("指标值“≤3个月”与实际完成值“80天”的时间单位不能准确换算")
    assert math.isnan(card.rows.loc[3, "rate"])
    assert (card.total, card.status) == (90, "needs-review")


def test_a_length_of_time_awaiting_a_reviewer_is_not_called_text(make_workbook):
    """≤3个月 against 80天 awaits a reviewer (test above), but its actual is a number of days, not
    文字描述: the unit report said "其中 1项指标的实际完成值是文字描述", and the problem's short
    name in 问题清单 and the district report was 文字描述待人工复核."""
    from selfeval_xl.errors import problem_title

    card = card_for(make_workbook, fill_to_90([row("产出指标", "时效指标", "办结时限", "≤3个月", "80天", 10)]))
    assert card.status == "needs-review"
    verdict = next(b.text for b in draft(card) if "其中1项指标" in b.text)
    assert "文字描述" not in verdict, verdict
    assert "其中1项指标的完成程度需复核人员判断（状态：待复核），上述得分和等级为暂定。" in verdict
    assert "文字描述" not in problem_title("needs-review")


def test_a_unit_of_time_with_and_without_ge_is_one_unit(make_workbook):
    # ≤10个工作日 against 8工作日: one unit, written with and without 个 (the parser keeps 个工作日
    # and 工作日 apart), so no 单位不同 warning: 8 ≤ 10 → 10; budget 10 + 10 + 满意度 80 = 100
    rows = fill_to_90([row("产出指标", "质量指标", "a", "≤10个工作日", "8工作日", 10)])
    card = card_for(make_workbook, rows)
    assert card.rows.loc[3, "score"] == 10
    assert codes(card, "unit-mismatch") == []
    assert card.total == 100


def test_a_budget_line_the_unit_renamed_still_adds_up(make_workbook):
    # 预算执行 with its 当年财政拨款 line relabelled 其中：中央资金 (a line the unit split out): the
    # total 120 = 100 (中央资金) + 20 (其他资金), 108 = 90 + 18: no 与分项合计不一致 warning;
    # 10 × 108 ÷ 120 = 9, the base rows all full (90): 99
    path = make_workbook(
        budget={"年度资金总额": (100, 120, 108), "当年财政拨款": (90, 100, 90), "其他资金": (10, 20, 18)}
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["预算执行"]
    cell = next(c for c in ws["A"] if c.value == "当年财政拨款")
    cell.value = "其中：中央资金"
    wb.save(path)
    card = score(read_workbook(path), load_rules())
    assert codes(card, "budget-total-mismatch") == []
    assert card.total == 99


def test_a_subtotals_score_difference_counts_the_claimed_rows_only(make_workbook):
    # 产出指标 rows of base_rows: 15 + 10 + 10 + 5 + 10 = 50 points. 康复服务比例 at 17% of ≥85%
    # scores 15 × 17 ÷ 85 = 3 and is claimed 15; the other four are full and not claimed: 核定 小计
    # 3 + 10 + 10 + 5 + 10 = 38, 申报 小计 15 (the one claim). The 得分差异 小计 was 15 − 38 = −23,
    # though the one claimed row differs by 15 − 3 = 12: it is now Σ of the claimed rows' differences
    from selfeval_xl.outputs.results_sheet import results_sheet

    rows = base_rows()
    rows[0] = row("产出指标", "数量指标", "康复服务比例", "≥85%", "17%", 15, claimed=15, reason="名额未满")
    card = card_for(make_workbook, rows)
    spec = results_sheet(card, "2026-11-27 09:00", False)
    sub = next(r for r in spec.rows if len(r) > 1 and r[0] == "产出指标" and r[1] == "小计")
    assert sub[6:10] == [50, 38, 15, 12]
