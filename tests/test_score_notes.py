"""What the 评分说明 (note), 完成率 and 核定得分 tell an accountant, row by row, for values people
really type: the note's numbers are those of the form (in the unit typed) and its arithmetic gives
the score shown. Expected values worked out by hand in the comments.

Template columns: F 指标值, H 实际完成值, I 分值; row 2 is the 预算执行率 row, a test's rows start
at row 3."""

from __future__ import annotations

import dataclasses
import math

import pytest
from conftest import row

from selfeval_xl import load_rules, read_workbook, score
from selfeval_xl.reading.values import EQ, GE, LE
from selfeval_xl.rounding import fmt_num, round_half_up
from selfeval_xl.rules.rule_kinds import KINDS, Case
from selfeval_xl.scoring.columnwise import score_cases


def card_for(make_workbook, rows, **kw):
    used = sum(r["分值"] for r in rows)
    rows = rows + [row("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 90 - used)]
    return score(read_workbook(make_workbook(indicators=rows, **kw)), load_rules())


def test_small_numbers_keep_their_digits():
    # four decimals would show 0.00005 as 0.0001 and 0.00012 as 0.0001
    assert [fmt_num(x) for x in (0.00005, 0.00012, -0.000123456, 0.0012345)] == [
        "0.00005",
        "0.00012",
        "-0.0001235",
        "0.001235",
    ]
    assert [fmt_num(x) for x in (1 / 3, 0.01, 2.675, 95.0, 0.0)] == ["0.3333", "0.01", "2.675", "95", "0"]


def test_a_note_on_small_numbers_shows_them(make_workbook):
    # ≥0.00012 against 0.00005: 10 × 0.00005 ÷ 0.00012 = 4.1667 → 4.17 (not "10 × 0.0001 ÷ 0.0001")
    card = card_for(make_workbook, [row("产出指标", "质量指标", "x", "≥0.00012", "0.00005", 10, reason="r")])
    assert card.rows.loc[3, "score"] == 4.17
    assert card.rows.loc[3, "note"] == "≥：10 × 0.00005 ÷ 0.00012"


# --- the note's own arithmetic gives the score shown -----------------------------------------
RULES = load_rules()
LINEAR = dataclasses.replace(RULES, reverse_method="linear")


def explained(name: str, case: Case) -> tuple[float, str]:
    kind = KINDS[name]
    s = kind.score(case)
    return round_half_up(s), kind.explain(case, s)


def test_a_budget_rate_at_a_half_is_shown_as_it_was_scored():
    # 90145 ÷ 100000 = 90.145%: shown 90.15%, scored 10 × 0.90145 = 9.0145 → 9.01; the shown
    # 10 × 90.15% = 9.015 would give 9.02, so the note's formula carries the rate scored
    assert explained("budget", Case(10, 100, 90.145, GE, RULES)) == (
        9.01,
        "预算执行率 90.15%，10 × min(90.145%, 100%)",
    )
    # where the 2-decimal rate gives the score, the note stays as it was: 10 × 90.14% = 9.014 → 9.01
    assert explained("budget", Case(10, 100, 90.1427, GE, RULES)) == (
        9.01,
        "预算执行率 90.14%，10 × min(90.14%, 100%)",
    )


def test_a_ratio_at_a_half_shows_the_digits_scored():
    # 10 × 93.45675 ÷ 95 = 9.837552… → 9.84; with 4 decimals 10 × 93.4568 ÷ 95 = 9.837557… → 9.84 too
    assert explained("ge", Case(10, 95, 93.45675, GE, RULES)) == (9.84, "≥：10 × 93.4568 ÷ 95")
    # 3 × 8.33335 ÷ 10 = 2.500005 → 2.5; 4 decimals: 3 × 8.3334 ÷ 10 = 2.50002 → 2.5 (same)
    # 10 × 0.12345 ÷ 1 = 1.2345 → 1.23; 4 decimals would show 0.1235 → 1.235 → 1.24: all digits
    assert explained("ge", Case(10, 1, 0.12345, GE, RULES)) == (1.23, "≥：10 × 0.12345 ÷ 1")


def test_linear_past_twice_the_target_says_zero_not_a_negative_product():
    # ≤10天, 25天, linear: 10 × max(0, 1 − (25 − 10) ÷ 10) = 10 × max(0, −0.5) = 0
    assert explained("le", Case(10, 10, 25, LE, LINEAR)) == (0, "≤：10 × max(0, 1 − (25 − 10) ÷ 10)")
    # within 2t: 10 × (1 − (12 − 10) ÷ 10) = 8
    assert explained("le", Case(10, 10, 12, LE, LINEAR)) == (8, "≤：10 × (1 − (12 − 10) ÷ 10)")


def test_a_negative_actual_is_shown_as_typed_and_counted_as_zero():
    # ≥95% against −5%: a < 0 counts as 0 → 10 × 0 ÷ 95 = 0; the note names the −5 typed
    assert explained("ge", Case(10, 95, -5, GE, RULES)) == (0, "≥：10 × max(-5, 0) ÷ 95")


def test_a_zero_target_missed_is_said_without_dividing_by_zero():
    # t = 0: ≥ → P when a ≥ 0, else 0; ≤ and = → P when a ≤ 0, else 0 (SPEC §3.2–3.4)
    assert explained("ge", Case(10, 0, -3, GE, RULES)) == (0, "≥：指标 0，实际 -3 低于 0，计 0 分")
    assert explained("le", Case(10, 0, 1, LE, RULES)) == (0, "≤：指标 0，实际 1 超过 0，计 0 分")
    assert explained("eq", Case(10, 0, 2, EQ, RULES)) == (0, "=：指标 0，实际 2 超过 0，计 0 分")


# --- negative targets (a reduction: 成本降低率 ≤-5%, 变动率) ------------------------------------
def test_a_reduction_target_missed_scores_below_the_points():
    # ≤-5% (cut by at least 5%), −3% achieved: a > t, not met. P × t ÷ a = 10 × −5 ÷ −3 = 16.67
    # would exceed the 分值; the share of the cut achieved is a ÷ t = −3 ÷ −5 = 60% → 6
    assert explained("le", Case(10, -5, -3, LE, RULES)) == (6, "≤：10 × -3 ÷ -5")
    # no cut at all (+2%): a ÷ t < 0 → 0
    assert explained("le", Case(10, -5, 2, LE, RULES)) == (0, "≤：10 × max(0, 2 ÷ -5)")
    # met: −8% ≤ −5% → 10
    assert explained("le", Case(10, -5, -8, LE, RULES)) == (10, "≤：实际 -8，指标 -5，得满分")
    # linear: 1 − (a − t) ÷ |t| = 1 − (−3 + 5) ÷ 5 = 0.6 → 6 (not 1 − 2 ÷ −5 = 1.4 → 14)
    assert explained("le", Case(10, -5, -3, LE, LINEAR)) == (6, "≤：10 × (1 − (-3 − (-5)) ÷ 5)")
    # the column form agrees
    cases = [Case(10, -5, -3, LE, RULES), Case(10, -5, 2, LE, RULES), Case(10, -5, -3, LE, LINEAR)]
    assert [round_half_up(x) for x in score_cases([(KINDS["le"], c) for c in cases])] == [6, 0, 6]


def test_a_zero_score_is_never_minus_zero(make_workbook):
    # ≥-5% against −8%: a < 0 counts as 0 → 10 × 0 ÷ −5 = −0.0 in floats; shown and sent as 0
    card = card_for(make_workbook, [row("产出指标", "质量指标", "x", "≥-5%", "-8%", 10, reason="r")])
    s = card.rows.loc[3, "score"]
    assert s == 0 and math.copysign(1, s) == 1


def test_a_zero_completion_rate_is_never_minus_zero(make_workbook):
    # ≤-5% against 0% (no cut): 完成率 0 ÷ −5 × 100 = −0.0 in floats; the JSON said "rate": -0.0
    # and the results sheet held <v>-0.0</v>, as the score did before it was made 0
    card = card_for(make_workbook, [row("产出指标", "质量指标", "x", "≤-5%", "0%", 10, reason="r")])
    rate = card.rows.loc[3, "rate"]
    assert rate == 0 and math.copysign(1, rate) == 1


# --- ‰: the note and warnings in the unit the form was typed in -------------------------------
def test_per_mille_is_shown_in_per_mille(make_workbook):
    # 森林火灾受害率 ≤0.9‰, 1.5‰ (the 云南 sample): 10 × 0.9 ÷ 1.5 = 6; 完成率 of a ceiling 0.9 ÷ 1.5 = 60%.
    # The note said "≤：10 × 0.09 ÷ 0.15", in percent, numbers that are nowhere in the form.
    #   row 4, a bare 1.5 in that row is 1.5‰, as a bare 93 against ≥95% is 93%: 6 (it was read as
    #     1.5% and scored 10 × 0.09 ÷ 1.5 = 0.6, 完成率 1666.67%)
    #   row 5, 0.15% against ≤0.9‰ is 1.5‰: 6, said so, no unit warning (‰ and % convert)
    #   row 6, 0.6‰ against ≤0.5% is 0.06%: met, 10; 完成率 0.5 ÷ 0.06 = 833.33% (= rows: actual ÷ target)
    #   row 7, =1‰ against 1.2‰: met (= scores as ≥) with the deviation said in ‰
    #   row 8, 2人 against ≤0.9‰: a rate and a count, flagged as before
    rows = [
        row("产出指标", "质量指标", "a", "≤0.9‰", "1.5‰", 10, reason="r"),
        row("产出指标", "质量指标", "b", "≤0.9‰", "1.5", 10, reason="r"),
        row("产出指标", "质量指标", "c", "≤0.9‰", "0.15%", 10, reason="r"),
        row("产出指标", "质量指标", "d", "≤0.5%", "0.6‰", 10),
        row("产出指标", "质量指标", "e", "=1‰", "1.2‰", 10, reason="r"),
        row("产出指标", "质量指标", "f", "≤0.9‰", "2人", 10, reason="r"),
    ]
    card = card_for(make_workbook, rows)
    got = card.rows.loc[3:7, ["score", "rate", "unit", "note"]].to_dict("records")
    assert got == [
        {"score": 6, "rate": 60, "unit": "‰", "note": "≤：10 × 0.9 ÷ 1.5"},
        {"score": 6, "rate": 60, "unit": "‰", "note": "≤：10 × 0.9 ÷ 1.5"},
        {"score": 6, "rate": 60, "unit": "‰", "note": "0.15%按 1.5‰ 计；≤：10 × 0.9 ÷ 1.5"},
        {"score": 10, "rate": 833.33, "unit": "%", "note": "0.6‰按 0.06% 计；≤：实际 0.06，指标 0.5，得满分"},
        {"score": 10, "rate": 120, "unit": "‰", "note": "=：实际 1.2，指标 1，得满分"},
    ]
    messages = {(p.where.cell, p.code): p.message for p in card.problems}
    assert messages[("H7", "equal-exceeded")] == "实际完成值 1.2‰ 超过指标值 1‰，与“=”指标存在偏差"
    assert ("H8", "unit-mismatch") in messages
    assert not {cell for cell, code in messages if code == "unit-mismatch"} - {"H8"}


# --- 万人, 亿人次: the note in the scale typed ------------------------------------------------
def test_ten_thousands_are_shown_as_typed(make_workbook):
    # 家庭医生签约服务人数 ≥5万人, 4.6万人 (the 卫健委 sample): 10 × 4.6 ÷ 5 = 9.2, not
    # "10 × 46000 ÷ 50000", numbers that are nowhere in the form
    #   row 4: 46000人 against ≥5万人 is 4.6万人: 9.2, said so
    #   row 5: 4.6万人 against ≥50000人 is 46000人: 9.2, said so
    #   row 6: 4.6万亩 against ≥3000公顷 is 46000 ÷ 15 = 3066.67公顷 (1公顷 = 15亩):
    #          met, 10; 完成率 3066.67 ÷ 3000 = 102.22%
    #   rows 7, 8: a bare number is in the target's unit (4.6 is 4.6万人), unless it is a thousand
    #          times the target's number or more: 46000 against 5万人 is the count, 4.6万人
    rows = [
        row("产出指标", "数量指标", "a", "≥5万人", "4.6万人", 10, reason="r"),
        row("产出指标", "数量指标", "b", "≥5万人", "46000人", 10, reason="r"),
        row("产出指标", "数量指标", "c", "≥50000人", "4.6万人", 10, reason="r"),
        row("产出指标", "数量指标", "d", "≥3000公顷", "4.6万亩", 10),
        row("产出指标", "数量指标", "e", "≥5万人", "4.6", 10, reason="r"),
        row("产出指标", "数量指标", "f", "≥5万人", "46000", 10, reason="r"),
    ]
    card = card_for(make_workbook, rows)
    got = card.rows.loc[3:8, ["score", "rate", "unit", "note"]].to_dict("records")
    assert got == [
        {"score": 9.2, "rate": 92, "unit": "万人", "note": "≥：10 × 4.6 ÷ 5"},
        {"score": 9.2, "rate": 92, "unit": "万人", "note": "46000人按 4.6万人 计；≥：10 × 4.6 ÷ 5"},
        {"score": 9.2, "rate": 92, "unit": "人", "note": "4.6万人按 46000人 计；≥：10 × 46000 ÷ 50000"},
        {
            "score": 10,
            "rate": 102.22,
            "unit": "公顷",
            "note": "4.6万亩按 3066.6667公顷 计；≥：实际 3066.6667，指标 3000，得满分",
        },
        {"score": 9.2, "rate": 92, "unit": "万人", "note": "≥：10 × 4.6 ÷ 5"},
        {"score": 9.2, "rate": 92, "unit": "万人", "note": "46000按 4.6万人 计；≥：10 × 4.6 ÷ 5"},
    ]
    assert not [p for p in card.problems if p.code in ("over-achievement", "unit-mismatch")]


def test_per_mille_against_a_percent_target_is_not_asked_about_its_scale(make_workbook):
    # 出生缺陷发生率 ≥2% (a made-up ≥ to reach the check), 8‰ typed with its unit: 8‰ is 0.8%,
    # 10 × 0.8 ÷ 2 = 4. The unit was typed, so "实际完成值 0.8 是否应为 80%？" asks about a slip
    # nobody made (it came once ‰ stopped being turned into % on reading). ≤2% against 30‰:
    # 30‰ is 3%, 10 × 2 ÷ 3 = 6.67; no question either. A bare 0.8 against ≥2% is still asked.
    rows = [
        row("产出指标", "质量指标", "a", "≥2%", "8‰", 10, reason="r"),
        row("产出指标", "质量指标", "b", "≤2%", "30‰", 10, reason="r"),
        row("产出指标", "质量指标", "c", "≥2%", "0.8", 10, reason="r"),
    ]
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:5, "score"]) == [4, 6.67, 4]
    assert card.rows.loc[3, "note"] == "8‰按 0.8% 计；≥：10 × 0.8 ÷ 2"
    assert [p.where.cell for p in card.problems if p.code == "percent-scale"] == ["H5"]


def test_a_bare_count_is_the_count_when_the_unit_column_says_wan(make_workbook):
    # 服务人数 ≥5万人 with 计量单位 万人 (how the template is filled), 46000 typed: the count, as
    # with the 计量单位 blank (test above): 46000 ÷ 10000 = 4.6万人, 10 × 4.6 ÷ 5 = 9.2. It was read
    # as 46000万人: 10 of 10 and "实际完成值为指标值的 920000.00%". A bare 4.6 there is 4.6万人: 9.2.
    rows = [
        row("产出指标", "数量指标", "a", "≥5万人", "46000", 10, reason="r", unit="万人"),
        row("产出指标", "数量指标", "b", "≥5", "46000", 10, reason="r", unit="万人"),
        row("产出指标", "数量指标", "c", "≥5", "4.6", 10, reason="r", unit="万人"),
    ]
    card = card_for(make_workbook, rows)
    got = card.rows.loc[3:5, ["score", "rate", "unit", "note"]].to_dict("records")
    assert got == [
        {"score": 9.2, "rate": 92, "unit": "万人", "note": "46000按 4.6万人 计；≥：10 × 4.6 ÷ 5"},
        {"score": 9.2, "rate": 92, "unit": "万人", "note": "46000按 4.6万人 计；≥：10 × 4.6 ÷ 5"},
        {"score": 9.2, "rate": 92, "unit": "万人", "note": "≥：10 × 4.6 ÷ 5"},
    ]
    assert not [p for p in card.problems if p.code == "over-achievement"]


def test_a_bare_count_against_yi_is_the_count_from_a_thousand_times_on(make_workbook):
    # The rule (README): a bare number a thousand times the target's number or more is the count
    # itself. ≥2亿人次 against a bare 3000: 3000 ≥ 2 × 1000, so 3000人次 = 0.00003亿人次,
    # 10 × 0.00003 ÷ 2 = 0.00015 → 0. It was read as 3000亿人次 (the threshold was 2 × 10^7 for
    # 亿): 10 of 10. A bare 1.5 is 1.5亿人次: 10 × 1.5 ÷ 2 = 7.5.
    rows = [
        row("产出指标", "数量指标", "a", "≥2亿人次", "3000", 10, reason="r"),
        row("产出指标", "数量指标", "b", "≥2亿人次", "1.5", 10, reason="r"),
    ]
    card = card_for(make_workbook, rows)
    assert list(card.rows.loc[3:4, "score"]) == [0, 7.5]
    assert card.rows.loc[3, "note"] == "3000按 0.00003亿人次 计；≥：10 × 0.00003 ÷ 2"


def test_a_negative_budget_rate_is_shown_counted_as_zero():
    # 全年执行数 −1.48 of 29.6 (a refund booked against the year): −5%, counted as 0 → 0 points;
    # "10 × min(-5.00%, 100%)" works out to −0.5, not the 0 scored
    assert explained("budget", Case(10, 100, -5, GE, RULES)) == (0, "预算执行率 -5.00%，10 × min(max(-5.00%, 0), 100%)")


# --- a row that cannot be scored says why, in a few characters -------------------------------
@pytest.mark.parametrize(
    ("target", "actual", "points", "op", "note"),
    [
        # real form 10 (大英县): 成本 ≤30万元 done, 完成 typed (before: 无法评分，计 0 分)
        ("≤30万元", "完成", 10, None, "实际完成值“完成”不是数值，计 0 分"),
        # a long text cut to its first 7 characters and …: 已完成全部康复服务任务并验收 is 14
        ("≥85%", "已完成全部康复服务任务并验收", 10, None, "实际完成值“已完成全部康复…”不是数值，计 0 分"),
        ("≥95%", None, 10, None, "实际完成值未填写，计 0 分"),
        ("2023年12月31日前", "98", 10, None, "实际完成值“98”不是日期，计 0 分"),
        ("≥100", "100", 10, "大约", "指标性质“大约”无法识别，计 0 分"),
        ("较上年提高", "提高", 10, "≥", "指标值“较上年提高”不是数值，计 0 分"),
        # no 分值 the row cannot score, whatever else is wrong: the 分值 is named (before: a blank note)
        ("≤30万元", "完成", "约十分", None, "分值“约十分”不是数值，计 0 分"),
        ("≥95%", "98%", None, None, "分值未填写，计 0 分"),
    ],
)
def test_a_row_that_cannot_be_scored_names_its_error(make_workbook, target, actual, points, op, note):
    rows = [
        row("产出指标", "数量指标", "x", target, actual, points, op=op),
        row("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "95%", 80),
    ]
    card = score(read_workbook(make_workbook(indicators=rows)), load_rules())
    assert card.rows.loc[3, "score"] == 0
    assert card.rows.loc[3, "note"] == note
    assert card.status == "needs-correction"
