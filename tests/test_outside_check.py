"""Indicator rows as people really type them, scored as SPEC §3 says by hand (audit 74: an outside
checker's inputs, none of them tuned for). Each case replaces one row of the conftest base form
(every other row met, Σ分值 100) and gives the row's 核定得分, the file's problem codes and its
status, worked out by hand before the tool was run; the arithmetic is in the comment."""

from __future__ import annotations

import datetime as dt
import math

import openpyxl
import pytest
from conftest import base_rows, row

from selfeval_xl import score_file
from selfeval_xl.reading import contract as L

R = "已说明原因"  # a 偏差原因 given, so that a row below its points asks for none
NA = None  # a not-applicable row: no score of its own

# the slot of base_rows() a case replaces: (index, 一级指标, 分值 of the slot)
N, Q, T, C, E, S = 0, 2, 3, 4, 5, 7  # 数量 15, 质量 10, 时效 5, 成本 10, 社会效益 15, 满意度 10

# (id, slot, 二级指标, 三级指标, 指标性质, 指标值, 计量单位, 实际完成值, 分值, 申报得分, 偏差原因,
#  expected 核定得分, expected problem codes, expected status)
CASES = [
    # 不低于 is ≥; 97.5 ≥ 95 → 15
    ("ge_words", N, "数量指标", "覆盖率", None, "不低于95%", None, "97.5%", 15, None, None, 15, set(), "final"),
    # ≧ (an input method's ≥); 15 × 88 ÷ 90 = 14.6667 → 14.67
    ("ge_fullwidth", N, "数量指标", "合格率", None, "≧90%", None, "88%", 15, None, R, 14.67, set(), "final"),
    # ≤ with a space; 5 × 3 ÷ 4 = 3.75
    (
        "le_workdays",
        T,
        "时效指标",
        "办结时限",
        None,
        "≤ 3个工作日",
        None,
        "4个工作日",
        5,
        None,
        R,
        3.75,
        set(),
        "final",
    ),
    # 以上 after the value is ≥; 100 ≥ 100 → 15
    ("pct_above", N, "数量指标", "入户率", None, "100%以上", None, "100%", 15, None, None, 15, set(), "final"),
    # >= typed in ASCII, 计量单位 分; 92.5 ≥ 90 → 10
    ("ascii_ge", S, "服务对象满意度指标", "测评得分", None, ">=90", "分", "92.5", 10, None, None, 10, set(), "final"),
    # 大于等于 is ≥; 0.9 against 85%: scored as typed, 15 × 0.9 ÷ 85 = 0.1588 → 0.16, asked 0.9 是否应为 90%
    (
        "ge_decimal",
        N,
        "数量指标",
        "知晓率",
        None,
        "大于等于85%",
        None,
        0.9,
        15,
        None,
        None,
        0.16,
        {"percent-scale"},
        "final",
    ),
    # 不超过 is ≤; 48.6 ≤ 50 → 10
    (
        "le_words",
        C,
        "成本指标",
        "项目总成本",
        None,
        "不超过50万元",
        None,
        "48.6万元",
        10,
        None,
        None,
        10,
        set(),
        "final",
    ),
    # 520000元 = 52万元 > 50: 10 × 50 ÷ 52 = 9.6154 → 9.62
    ("yuan_vs_wan", C, "成本指标", "项目总成本", None, "≤50万元", None, "520000元", 10, None, R, 9.62, set(), "final"),
    # 5千元 = 5000元; 4800 ≤ 5000 → 10 (千元 was no money unit: 10 × 5 ÷ 4800 = 0.01)
    ("qian_yuan_target", C, "成本指标", "人均补助", "≤", "5千元", None, "4800元", 10, None, None, 10, set(), "final"),
    # 计量单位 万元; 5千元 = 0.5万元 ≤ 0.6 → 10 (was 10 × 0.6 ÷ 5 = 1.2)
    ("qian_yuan_actual", C, "成本指标", "单次成本", None, "≤0.6", "万元", "5千元", 10, None, None, 10, set(), "final"),
    # 12500人次 = 1.25万人次 ≥ 1.2 → 15 (1.25 ÷ 1.2 = 1.04, no over-achievement)
    (
        "wan_renci",
        N,
        "数量指标",
        "培训人次",
        None,
        "≥1.2万人次",
        None,
        "12,500人次",
        15,
        None,
        None,
        15,
        set(),
        "final",
    ),
    # 1.2万人次 = 12000 ≥ 10000; 12000 ÷ 10000 = 1.2 ≥ 1.2 → over-achievement (reason given)
    (
        "wan_actual",
        N,
        "数量指标",
        "服务人次",
        None,
        "≥10000人次",
        None,
        "1.2万人次",
        15,
        None,
        R,
        15,
        {"over-achievement"},
        "final",
    ),
    # 1.2万 with no unit against ≥10000人 is 12000人: 15, over-achievement as above (was 15 × 1.2 ÷ 10000 = 0)
    (
        "bare_wan",
        N,
        "数量指标",
        "受益人数",
        None,
        "≥10000人",
        None,
        "1.2万",
        15,
        None,
        R,
        15,
        {"over-achievement"},
        "final",
    ),
    # 52万 against ≥500000元 is 520000元 ≥ 500000 → 15 (was 15 × 52 ÷ 500000 = 0)
    ("bare_wan_ge", N, "数量指标", "带动投资", None, "≥500000元", None, "52万", 15, None, None, 15, set(), "final"),
    # 48万 against ≤500000元 is 480000元 ≤ 500000 → 10
    ("bare_wan_yuan", C, "成本指标", "项目成本", None, "≤500000元", None, "48万", 10, None, None, 10, set(), "final"),
    # 三个 = 3个, no operator → =; 3 = 3 → 15 (was text: 待复核, 0)
    ("cn_target", N, "数量指标", "新建站点数", None, "三个", None, "3个", 15, None, None, 15, set(), "final"),
    # 三个 = 3 ≥ 3 → 15 (was 无法识别为数值, 待更正)
    ("cn_actual", N, "数量指标", "新建站点数", None, "≥3个", None, "三个", 15, None, None, 15, set(), "final"),
    # 两个 = 2 ≥ 2 → 15
    ("cn_liang", N, "数量指标", "示范点", None, "≥2个", None, "两个", 15, None, None, 15, set(), "final"),
    # 不少于 is ≥; 十二次 = 12 ≥ 12 → 15
    ("cn_shier", N, "数量指标", "宣传次数", None, "不少于12次", None, "十二次", 15, None, None, 15, set(), "final"),
    # 零次 = 0 ≤ 3 → 10
    ("cn_zero", Q, "质量指标", "投诉次数", None, "≤3次", None, "零次", 10, None, None, 10, set(), "final"),
    # 百分之百 = 100% ≥ 95% → 15 (was 无法识别为数值)
    ("cn_percent", N, "数量指标", "覆盖率", None, "≥95%", None, "百分之百", 15, None, None, 15, set(), "final"),
    # 2023.11 = November 2023, its last day, before 2023-12-31 → 5
    ("date_dot", T, "时效指标", "完成时间", None, "2023年12月底前", None, "2023.11", 5, None, None, 5, set(), "final"),
    # 第四季度 of 评价年度 2023 = by 2023-12-31; 2023-11-20 on time → 5
    (
        "date_quarter",
        T,
        "时效指标",
        "完成时间",
        None,
        "第四季度",
        None,
        "2023年11月20日",
        5,
        None,
        None,
        5,
        set(),
        "final",
    ),
    # 2024-01-15 after 2023-12-31 → 0, late
    (
        "date_late",
        T,
        "时效指标",
        "完成时间",
        None,
        "2023年12月底前",
        None,
        "2024年1月15日",
        5,
        None,
        R,
        0,
        {"late"},
        "final",
    ),
    # 已于2023年12月 = by 2023-12-31 → 5
    (
        "date_done_in",
        T,
        "时效指标",
        "完成时间",
        None,
        "2023年12月底前",
        None,
        "已于2023年12月完成",
        5,
        None,
        None,
        5,
        set(),
        "final",
    ),
    # 2023年上半年 = by 2023-06-30 ≤ 2023-06-30 → 5 (was 无法比较, 待更正)
    (
        "date_half",
        T,
        "时效指标",
        "完成时间",
        None,
        "2023年6月30日前",
        None,
        "2023年上半年",
        5,
        None,
        None,
        5,
        set(),
        "final",
    ),
    # 2023年第三季度 = by 2023-09-30 → 5
    (
        "date_q_year",
        T,
        "时效指标",
        "完成时间",
        None,
        "2023年9月30日前",
        None,
        "2023年第三季度",
        5,
        None,
        None,
        5,
        set(),
        "final",
    ),
    # 2023年下半年 = by 2023-12-31 ≤ 年底 → 5
    ("date_half2", T, "时效指标", "完成时间", None, "年底前", None, "2023年下半年", 5, None, None, 5, set(), "final"),
    # a date cell 2023-11-02 after 2023-10-31 → 0, late
    (
        "date_cell",
        T,
        "时效指标",
        "完成时间",
        None,
        "2023年10月31日前",
        None,
        dt.datetime(2023, 11, 2),
        5,
        None,
        R,
        0,
        {"late"},
        "final",
    ),
    # 95 under 计量单位 % against ≥95 → 96 ≥ 95 → 15
    ("pct_95", N, "数量指标", "达标率", None, "≥95", "%", 96, 15, None, None, 15, set(), "final"),
    # 95.00% = 95.00% (no operator: =) → 15
    ("pct_two_dec", N, "数量指标", "达标率", None, "95.00%", None, "95.00%", 15, None, None, 15, set(), "final"),
    # 0.97 in a percent-formatted cell is 97% ≥ 95 → 15
    ("pct_cell", N, "数量指标", "达标率", None, "≥95%", None, "PCT:0.97", 15, None, None, 15, set(), "final"),
    # 1 against =100%: 15 × 1 ÷ 100 = 0.15, asked 1 是否应为 100%
    ("pct_one", N, "数量指标", "覆盖率", None, "100%", None, 1, 15, None, None, 0.15, {"percent-scale"}, "final"),
    # = 100% against 99.99%: 15 × 99.99 ÷ 100 = 14.9985 → 15.00 half up (14.99 if rounded to even or by float)
    ("round_a", N, "数量指标", "发放率", None, "100%", None, "99.99%", 15, None, R, 15, set(), "final"),
    # 10 × 25 ÷ 80 = 3.125 → 3.13 half up
    ("round_b", Q, "质量指标", "达标率", None, "≥80%", None, "25%", 10, None, R, 3.13, set(), "final"),
    # equal texts → 达成 → 15
    ("qual_equal", E, "社会效益指标", "群众认可度", None, "良好", None, "良好", 15, None, None, 15, set(), "final"),
    # 优秀 above 良好 on 优 > 良 → 达成 → 15
    ("qual_above", E, "社会效益指标", "群众认可度", None, "良好", None, "优秀", 15, None, None, 15, set(), "final"),
    # 有所提高 is on no scale against 显著提升 → 待复核, provisional = 申报 12
    (
        "qual_free",
        E,
        "社会效益指标",
        "服务水平",
        None,
        "显著提升",
        None,
        "有所提高",
        15,
        12,
        R,
        12,
        {"needs-review"},
        "needs-review",
    ),
    # 较好 one step below 好 → 部分达成 [9, 12); 申报 10 in it → 10
    ("qual_in_band", E, "社会效益指标", "服务质量", None, "好", None, "较好", 15, 10, R, 10, set(), "final"),
    # 申报 12 is the band's excluded top → 60% × 15 = 9, claim-out-of-band (no score-mismatch)
    (
        "qual_band_top",
        E,
        "社会效益指标",
        "服务质量",
        None,
        "好",
        None,
        "较好",
        15,
        12,
        R,
        9,
        {"claim-out-of-band"},
        "final",
    ),
    # 达成 band [12, 15]: 申报 12 in it → 12
    ("qual_band_low", E, "社会效益指标", "服务质量", None, "合格", None, "合格", 15, 12, R, 12, set(), "final"),
    # 优 against 良好: one step below → 60% × 15 = 9
    ("qual_you_liang", E, "社会效益指标", "群众评价", None, "优", None, "良好", 15, None, R, 9, set(), "final"),
    # 好 against 一般: two steps → 未达成 → 0
    ("qual_two_below", E, "社会效益指标", "社会反响", None, "好", None, "一般", 15, None, R, 0, set(), "final"),
    # 高 against 较高: one step → 9
    ("qual_gao", E, "社会效益指标", "认可程度", None, "高", None, "较高", 15, None, R, 9, set(), "final"),
    # 否 = 否 → 10
    ("yes_no_same", Q, "质量指标", "是否发生安全事故", None, "否", None, "否", 10, None, None, 10, set(), "final"),
    # 是 against 否 → 未达成 → 0
    ("yes_no_differ", Q, "质量指标", "资料是否归档", None, "是", None, "否", 10, None, R, 0, set(), "final"),
    # 有 = 有 → 10
    ("have", Q, "质量指标", "有无应急预案", None, "有", None, "有", 10, None, None, 10, set(), "final"),
    # 无 answered 没有: the same answer → 达成 → 10 (was 待复核, 0)
    ("none_meiyou", Q, "质量指标", "违规违纪情况", None, "无", None, "没有", 10, None, None, 10, set(), "final"),
    # 否 answered 未发生 → 达成 → 10 (was 待复核, 0)
    (
        "no_not_happened",
        Q,
        "质量指标",
        "是否发生安全事故",
        None,
        "否",
        None,
        "未发生",
        10,
        None,
        None,
        10,
        set(),
        "final",
    ),
    # 有 answered 没有 → 未达成 → 0 (was 待复核)
    ("have_meiyou", Q, "质量指标", "有无应急预案", None, "有", None, "没有", 10, None, R, 0, set(), "final"),
    # not applicable with 15 points → left out; total 85 × 100 ÷ 85 = 100
    (
        "na_slash",
        N,
        "数量指标",
        "设备采购",
        None,
        "/",
        None,
        "不适用",
        15,
        None,
        None,
        NA,
        {"not-applicable-rescaled"},
        "final",
    ),
    (
        "na_bushe",
        N,
        "数量指标",
        "设备购置",
        None,
        "不涉及",
        None,
        "不涉及",
        15,
        None,
        None,
        NA,
        {"not-applicable-rescaled"},
        "final",
    ),
    # 15 × 98 ÷ 100 = 14.7; 申报 14.5分 is 14.5, |14.5 − 14.7| = 0.2 > 0.01 → score-mismatch
    (
        "claim_fen",
        N,
        "数量指标",
        "受益人数",
        None,
        "≥100人",
        None,
        "98人",
        15,
        "14.5分",
        R,
        14.7,
        {"score-mismatch"},
        "final",
    ),
    # no 申报得分; 120 ÷ 100 = 1.2 → over-achievement (asks for a reason)
    (
        "no_claim_over",
        N,
        "数量指标",
        "受益人数",
        None,
        "≥100人",
        None,
        "120人",
        15,
        None,
        None,
        15,
        {"over-achievement"},
        "final",
    ),
    # =100% typed as a formula (no cached value) is the text =100%: 100 = 100 → 15, no formula problem
    (
        "formula_eq",
        N,
        "数量指标",
        "发放覆盖率",
        None,
        "FORMULA:=100%",
        None,
        "100%",
        15,
        None,
        None,
        15,
        set(),
        "final",
    ),
    # = 8个 against 10个: 15 with equal-exceeded; 10 ÷ 8 = 1.25 ≥ 1.2 → over-achievement too
    (
        "eq_over",
        N,
        "数量指标",
        "补助村数",
        None,
        "=8个",
        None,
        "10个",
        15,
        None,
        R,
        15,
        {"equal-exceeded", "over-achievement"},
        "final",
    ),
    # 反向 5%, 6%: 15 × 5 ÷ 6 = 12.5
    ("le_over", N, "数量指标", "投诉率", None, "≤5%", None, "6%", 15, None, R, 12.5, set(), "final"),
    # 1周 = 7天 ≤ 10天 → 5
    ("week_days", T, "时效指标", "处理时限", None, "≤10天", None, "1周", 5, None, None, 5, set(), "final"),
    # 计量单位 元, actual 1,050,000 = 105万元 > 100: 10 × 100 ÷ 105 = 9.5238 → 9.52
    ("yuan_col", C, "成本指标", "建设成本", None, "≤100万元", "元", "1,050,000", 10, None, R, 9.52, set(), "final"),
    # 成本 with no operator is ≤: 10 × 260 ÷ 280 = 9.2857 → 9.29
    ("cost_bare", C, "成本指标", "补助标准", None, "260", "元/人", "280", 10, None, R, 9.29, set(), "final"),
    # 时效 with no operator is = (SPEC §2.4): 5 × 8 ÷ 10 = 4
    ("timely_bare", T, "时效指标", "办理时长", None, "10天", None, "8天", 5, None, R, 4, set(), "final"),
    # ≤3个工作日 against 2天: 工作日 and 天 do not convert → 待复核, provisional 申报 5
    (
        "workday_day",
        T,
        "时效指标",
        "办结时限",
        None,
        "≤3个工作日",
        None,
        "2天",
        5,
        5,
        None,
        5,
        {"needs-review"},
        "needs-review",
    ),
    # 90%-100% is no single target → 待复核, provisional 申报 15
    (
        "range",
        N,
        "数量指标",
        "合格率",
        None,
        "90%-100%",
        None,
        "95%",
        15,
        15,
        None,
        15,
        {"needs-review"},
        "needs-review",
    ),
    # no 实际完成值 → missing-value error, 0, 待更正
    (
        "blank_actual",
        N,
        "数量指标",
        "受益人数",
        None,
        "≥100人",
        None,
        None,
        15,
        None,
        None,
        0,
        {"missing-value"},
        "needs-correction",
    ),
    # 申报 16 > 分值 15 → error; the row is still scored 96 ≥ 95 → 15
    (
        "claim_over",
        N,
        "数量指标",
        "覆盖率",
        None,
        "≥95%",
        None,
        "96%",
        15,
        16,
        None,
        15,
        {"claim-over-points"},
        "needs-correction",
    ),
    # a word where a number is due (≥90% against 满意): an error to retype, 0 (SPEC §3.10)
    (
        "word_for_number",
        S,
        "服务对象满意度指标",
        "满意度",
        None,
        "≥90%",
        None,
        "满意",
        10,
        None,
        None,
        0,
        {"not-a-number"},
        "needs-correction",
    ),
]


def _put_special(path, name, header, value):
    """A formula or a percent-formatted number, which fill_workbook writes as text or plainly."""
    wb = openpyxl.load_workbook(path)
    ws = wb[L.SHEET_INDICATORS]
    cols = {ws.cell(r, c).value: (r, c) for r in range(1, 11) for c in range(1, ws.max_column + 1)}
    head, name_col = cols[L.I_NAME]
    r = next(r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, name_col).value == name)
    cell = ws.cell(r, cols[header][1])
    if value.startswith("FORMULA:"):
        cell.value = value.removeprefix("FORMULA:")
    else:
        cell.value, cell.number_format = float(value.removeprefix("PCT:")), "0%"
    wb.save(path)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_row_as_people_type_it(make_workbook, case):
    cid, slot, l2, name, op, target, unit, actual, points, claimed, reason, score, codes, status = case
    rows = base_rows()
    special = {h: v for h, v in ((L.I_TARGET, target), (L.I_ACTUAL, actual)) if str(v).startswith(("FORMULA:", "PCT:"))}
    rows[slot] = row(
        rows[slot]["一级指标"],
        l2,
        name,
        None if L.I_TARGET in special else target,
        None if L.I_ACTUAL in special else actual,
        points,
        claimed=claimed,
        reason=reason,
        op=op,
        unit=unit,
    )
    path = make_workbook(f"{cid}.xlsx", indicators=rows)
    for header, value in special.items():
        _put_special(path, name, header, value)
    card = score_file(path).card
    got = next(r for r in card.records if r.name == name)
    assert math.isnan(got.score) if score is NA else got.score == score, got.note
    assert {p.code for p in card.problems} == codes, [str(p) for p in card.problems]
    assert card.status == status
