"""SPEC §2.2, §2.4, §3 at their edges, from an outside audit: only cases the other test files do not
already pin. Every expected value is worked out by hand from the rules (arithmetic in comments).

Template columns: A 序号, B 一级, C 二级, D 三级, E 指标性质, F 指标值, G 计量单位, H 实际完成值,
I 分值, J 申报得分, K 偏差原因. Row 2 is the 预算执行率 row; a test's own rows start at row 3."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import base_rows, row

from selfeval_xl import fill_workbook, load_rules, read_workbook, score
from selfeval_xl.rounding import differs_by_more
from selfeval_xl.rules.ruleset import builtin_path, find_rules


def codes(card, code):
    return [p.where.cell for p in card.problems if p.code == code]


def scored(path, rules=None):
    return score(read_workbook(path), rules or load_rules())


def fill(template_path, tmp_path, name, *, budget=None, rows=None, owned=None, info=None):
    from conftest import BASE_BUDGET, BASE_INFO

    return fill_workbook(
        template_path,
        tmp_path / f"{name}.xlsx",
        {**BASE_INFO, "项目名称": name, **(info or {})},
        BASE_BUDGET if budget is None else budget,
        base_rows() if rows is None else rows,
        owned=owned,
    )


# --- "more than 0.01": exactly 0.01 apart is within (SPEC §2.2, §2.4) --------------------------
@pytest.mark.parametrize(
    ("typed", "warned"),
    [
        # computed 90.5 ÷ 100 = 90.50%. 90.51 − 90.50 = 0.01, not more than 0.01: no warning (float
        # subtraction gives 0.01000000000000512); 90.52 − 90.50 = 0.02 > 0.01: warned. Same below.
        ("90.51%", False),
        ("90.49%", False),
        ("90.52%", True),
        ("90.48%", True),
    ],
)
def test_filled_budget_rate_exactly_one_hundredth_apart_is_within(template_path, tmp_path, typed, warned):
    budget = {"年度资金总额": (100, 100, 90.5), "当年财政拨款": (100, 100, 90.5)}
    owned = {"预算执行率": {"实际完成值": typed, "偏差原因分析及改进措施": "年底资金未拨付"}}
    card = scored(fill(template_path, tmp_path, "rate", budget=budget, owned=owned))
    assert codes(card, "budget-rate-mismatch") == (["H2"] if warned else [])
    assert card.rows.loc[2, "score"] == 9.05  # by the computed rate either way: 10 × 90.5% = 9.05


@pytest.mark.parametrize(
    ("total", "part", "warned"),
    [
        # 年度资金总额 vs 当年财政拨款 (the only sub-row), 万元: 100.01 − 100 = 0.01 and 29.6 − 29.59 = 0.01
        # are not more than 0.01 (float gives 0.010000000000005116 and 0.010000000000001563);
        # 29.62 − 29.6 = 0.02 is
        (100.01, 100, False),
        (29.59, 29.6, False),
        (29.62, 29.6, True),
    ],
)
def test_budget_total_exactly_one_hundredth_from_its_lines_adds_up(template_path, tmp_path, total, part, warned):
    budget = {"年度资金总额": (total, total, total), "当年财政拨款": (part, part, part)}
    card = scored(fill(template_path, tmp_path, "sum", budget=budget))
    assert codes(card, "budget-total-mismatch") == (["B2", "C2", "D2"] if warned else [])


def test_differs_by_more_ignores_float_noise_only():
    assert not differs_by_more(90.51, 90.5, 0.01)  # 0.01 as written
    assert differs_by_more(90.5101, 90.5, 0.01)  # 0.0101: a real difference
    assert not differs_by_more(123456789.01, 123456789.0, 0.01)  # large amounts: noise only
    assert differs_by_more(123456789.02, 123456789.0, 0.01)


# --- over-achievement at a configured 1.3 (SPEC §3.5) ---------------------------------------
def test_over_achievement_at_a_configured_1_3(template_path, tmp_path):
    own = tmp_path / "own.toml"
    text = builtin_path("项目支出").read_text(encoding="utf-8")
    own.write_text(text.replace("[scoring]\n", "[scoring]\nover_achievement = 1.3\n"), encoding="utf-8")
    rows = [
        row("产出指标", "数量指标", "甲", "≥95", "123.5", 10),  # 1.3 × 95 = 123.5: at the threshold → warned
        row("产出指标", "数量指标", "乙", "≥95", "123.49", 10),  # below 123.5 → not warned
        row("产出指标", "数量指标", "丙", "≥100", "120", 10),  # 1.2 × t: not past the configured 1.3
        row("产出指标", "数量指标", "丁", "=100", "130", 10),  # "=" too: 1.3 × 100 → warned (and deviation)
        row("产出指标", "数量指标", "戊", "≥5", "5", 10),
        row("效益指标", "社会效益指标", "己", "≥5", "5", 30),
        row("满意度指标", "服务对象满意度指标", "庚", "≥5", "5", 10),
    ]
    card = scored(fill(template_path, tmp_path, "over", rows=rows), load_rules(own))
    assert codes(card, "over-achievement") == ["H3", "H6"]
    assert codes(card, "equal-exceeded") == ["H6"]
    assert list(card.rows.loc[3:6, "score"]) == [10, 10, 10, 10]  # no deduction
    assert "130.00%" in next(p.message for p in card.problems if p.code == "over-achievement")


# --- words, full-width signs, dates and units as typed (SPEC §2.4, §3.2–3.3, §3.7) -------------
def test_typed_operators_dates_and_units(template_path, tmp_path):
    rows = [
        row("产出指标", "数量指标", "不高于", "不高于5%", "6%", 5),  # ≤: 5 × 5 ÷ 6 = 4.1667 → 4.17
        row("产出指标", "数量指标", "小于等于", "小于等于10天", "12天", 5),  # ≤: 5 × 10 ÷ 12 = 4.1667 → 4.17
        row("产出指标", "数量指标", "全角大于", "＞50个", "40个", 5),  # >: 5 × 40 ÷ 50 = 4
        row("产出指标", "数量指标", "全角小于", "10天", "12天", 5, op="＜"),  # <: 4.17
        row("产出指标", "数量指标", "不少于", "90%", "85%", 5, op="不少于"),  # ≥: 5 × 85 ÷ 90 = 4.7222 → 4.72
        row("产出指标", "成本指标", "元对万元", "≤1万元", "12000元", 5),  # 1.2万元: 5 × 1 ÷ 1.2 = 4.1667 → 4.17
        # deadline 2025-06-30; ISO actual on it → full; an Excel date the day after → late, 0
        row("产出指标", "时效指标", "ISO日期", "2025年6月30日前", "2025-06-30", 5),
        row("产出指标", "时效指标", "日期格", "2025年6月30日前", dt.datetime(2025, 7, 1), 5),
        row("产出指标", "时效指标", "全角日期", "２０２５年６月３０日前", "２０２５年６月３０日", 5),
        row("产出指标", "时效指标", "晚且申报", "2025年6月30日前", "2025年7月1日", 5, claimed=2.99),
        # 2.99 ÷ 5 = 59.8% is in the 未达成 band [0, 60%): the claim stands; 3 ÷ 5 = 60% is not
        row("产出指标", "时效指标", "晚且申报60", "2025年6月30日前", "2025年7月1日", 5, claimed=3),
        row("效益指标", "社会效益指标", "较高对低", "较高", "低", 10),  # 较高 > 一般 > 低: two steps → 0
        row("效益指标", "社会效益指标", "效果较显著", "显著", "效果较显著", 10),  # one step → 60% = 6
        row("效益指标", "社会效益指标", "三分八成", "达成年度指标", "达成", 10, claimed=8),  # 80%: in band → 8
        row("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 10),
    ]
    card = scored(fill(template_path, tmp_path, "typed", rows=rows, info={"评价年度": 2025}))
    got = dict(zip(card.rows["name"], card.rows["score"], strict=True))
    assert got == {
        "预算执行率": 10,
        "不高于": 4.17,
        "小于等于": 4.17,
        "全角大于": 4,
        "全角小于": 4.17,
        "不少于": 4.72,
        "元对万元": 4.17,
        "ISO日期": 5,
        "日期格": 0,
        "全角日期": 5,
        "晚且申报": 2.99,
        "晚且申报60": 0,
        "较高对低": 0,
        "效果较显著": 6,
        "三分八成": 8,
        "满意度": 10,
    }
    # late: warned where the score is 0, not where the claim in the 未达成 band stands
    assert codes(card, "late") == ["H10", "H13"]


def test_hubei_bands_80_50_at_their_edges(template_path, tmp_path):
    # hubei-project: 部分达成 [50%, 80%) default 50%; 未达成 [0, 50%). P = 10.
    q = "达成年度指标"
    rows = [
        row("效益指标", "社会效益指标", "a", q, "部分达成", 10, claimed=5),  # 50%: in band → 5
        row("效益指标", "社会效益指标", "b", q, "部分达成", 10, claimed=4.99),  # below: default 50% → 5
        row("效益指标", "社会效益指标", "c", q, "未达成", 10, claimed=4.99),  # in band → 4.99
        row("效益指标", "社会效益指标", "d", q, "未达成", 10, claimed=5),  # 50% not < 50% → 0
        row("效益指标", "社会效益指标", "e", q, "基本完成", 10),  # 部分达成 default 50% → 5
    ]
    card = scored(fill(template_path, tmp_path, "hubei", rows=rows), find_rules("hubei-project"))
    assert list(card.rows.loc[3:7, "score"]) == [5, 5, 4.99, 0, 5]
    assert codes(card, "claim-out-of-band") == ["J4", "J6"]


# --- 是/否 against a yes/no target (SPEC §3.6) ---------------------------------------------------
def test_yes_no_answer_is_compared_with_its_target(template_path, tmp_path):
    # 是否发生重大安全事故, target 否: actual 否 is the target's text → 达成 10; actual 是 (one happened)
    # misses it → 未达成 0, not the 达成 that 是 means against a target of 是. Target 是: 是 → 10,
    # 否 → 0 as before; against a target in words (达成年度指标) 是 still means 达成 → 10.
    rows = [
        row("产出指标", "质量指标", "无事故", "否", "否", 10),
        row("产出指标", "质量指标", "发生事故", "否", "是", 10),
        row("产出指标", "质量指标", "按标准", "是", "是", 10),
        row("产出指标", "质量指标", "未按标准", "是", "否", 10),
        row("产出指标", "质量指标", "达成是", "达成年度指标", "是", 10),
    ]
    card = scored(fill(template_path, tmp_path, "yesno", rows=rows))
    assert list(card.rows.loc[3:7, "score"]) == [10, 0, 10, 0, 10]


def test_have_or_have_not_answer_is_scored_not_left_out(template_path, tmp_path):
    # 重大安全事故 target 无: actual 无 → the target's text → 达成 10; actual 有 (one happened) and
    # 发生1起 are answers that miss it. Before, 无 in 指标值 marked both rows not applicable: left
    # out and the total rescaled, sparing a unit that admits the accident. Now 有 → 未达成 0; 发生1起
    # is prose the bands do not know → 待复核, provisional 0 (no 申报得分). Target 有 (长效机制):
    # actual 无 → 未达成 0 (before: 无 in 实际完成值, not applicable). A target 无 with nothing
    # typed beside it still marks the row not applicable (rescaled), as a row of marks does.
    rows = [
        row("产出指标", "质量指标", "无事故", "无", "无", 10),
        row("产出指标", "质量指标", "发生事故", "无", "有", 10),
        row("产出指标", "质量指标", "发生一起", "无", "发生1起", 10),
        row("效益指标", "可持续影响指标", "长效机制", "有", "无", 10),
        row("效益指标", "可持续影响指标", "未填", "无", None, 10),
    ]
    card = scored(fill(template_path, tmp_path, "havenot", rows=rows))
    assert list(card.rows.loc[3:6, "score"]) == [10, 0, 0, 0]
    assert list(card.rows.loc[3:7, "method"])[:4] == ["qual"] * 4
    assert card.rows.loc[7, "method"] == "na"
    assert codes(card, "needs-review") == ["H5"]
